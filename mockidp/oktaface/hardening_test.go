package oktaface_test

// Issue 8's second QA pass on the Okta face: one client authentication
// method per request (RFC 6749 section 2.3), ambiguous sign-in and consent
// forms (rule A7), max_age validated and honoured (rule A6).

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestT1_OneClientAuthenticationMethod: Basic plus a client_secret or a
// client_assertion in the body is Okta's 401 invalid_request, at the token,
// revocation and introspection endpoints.
func TestT1_OneClientAuthenticationMethod(t *testing.T) {
	o := newOrg(t)
	for _, path := range []string{"/v1/token", "/v1/revoke", "/v1/introspect"} {
		for _, extra := range []url.Values{{"client_secret": {"x"}}, {"client_secret": {svcSec}},
			{"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {"e30.e30.sig"}}} {
			form := url.Values{"grant_type": {"client_credentials"}, "scope": {"phone"}, "token": {"t"}}
			for k, v := range extra {
				form[k] = v
			}
			status, body := o.postForm(path, o.svc.ClientID(), svcSec, form)
			if status != http.StatusUnauthorized || body["error"] != "invalid_request" ||
				!strings.HasPrefix(body["error_description"].(string), "Cannot supply multiple client credentials.") {
				t.Errorf("%s with Basic and %v: %d %v, want 401 invalid_request", path, extra, status, body)
			}
		}
	}
	// One method works.
	if status, body := o.token(o.svc.ClientID(), svcSec, url.Values{"grant_type": {"client_credentials"}, "scope": {"phone"}}); status != http.StatusOK {
		t.Errorf("Basic alone: %d %v", status, body)
	}
}

// rawPost posts a raw body, repeated fields kept.
func (b *browser) rawPost(u, body string) page {
	req, _ := http.NewRequest("POST", u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func wantErrorPage(t *testing.T, p page, what string) {
	t.Helper()
	if p.status != http.StatusBadRequest || p.location != "" || !strings.Contains(p.body, "invalid_request") {
		t.Errorf("%s: %d %q, want the 400 invalid_request error page: %.300s", what, p.status, p.location, p.body)
	}
}

// TestA7_SignInFormFieldsSentTwice: username or password twice, or a user
// name under both of its names, is the error page and no session.
func TestA7_SignInFormFieldsSentTwice(t *testing.T) {
	o := newOrg(t)
	login, pass := url.QueryEscape(o.user.Profile.Login), url.QueryEscape(password)
	for _, extra := range []string{
		"username=" + login + "&username=other%40example.com&password=" + pass,
		"username=" + login + "&password=" + pass + "&password=wrong",
		"username=" + login + "&identifier=other%40example.com&password=" + pass,
		"username=" + login + "&password=" + pass + "&credentials.passcode=wrong",
	} {
		b := o.browser()
		lp := b.follow(b.authorize(o.web, nil))
		action, form := formOf(t, lp)
		wantErrorPage(t, b.rawPost(action, form.Encode()+"&"+extra), extra)
		// No session: the next authorization signs in again.
		if p := b.authorize(o.web, nil); p.status != http.StatusFound || !strings.Contains(p.location, "/v1/login") {
			t.Errorf("after a refused sign-in: %d %q, want the sign-in page", p.status, p.location)
		}
	}
}

// TestA7_ConsentFormActionSentTwice: "Allow Access" and "Don't Allow" at
// once is the error page: no code, no grant.
func TestA7_ConsentFormActionSentTwice(t *testing.T) {
	o := newOrg(t)
	o.setScope("phone", "REQUIRED", false)
	b := o.browser()
	cp := b.consentPage(b.login(b.authorize(o.web, url.Values{"scope": {"openid phone"}})))
	action, form := formOf(t, cp)
	wantErrorPage(t, b.rawPost(action, form.Encode()+"&action=accept&action=deny"), "action twice")
	// Nothing granted: the page is asked again.
	b.consentPage(b.authorize(o.web, url.Values{"scope": {"openid phone"}}))
}

// TestA6_MaxAge: a malformed max_age is invalid_request at the callback;
// max_age=0 signs in again over a live session; a large one does not.
func TestA6_MaxAge(t *testing.T) {
	o := newOrg(t)
	b := o.browser()
	callback(t, b.login(b.authorize(o.web, nil)), webCB, false)
	for _, bad := range []string{"abc", "-1", "+5", "1.5", "99999999999999999999"} {
		cb := callback(t, b.authorize(o.web, url.Values{"max_age": {bad}}), webCB, false)
		if cb.Get("error") != "invalid_request" || cb.Get("state") != "st-1" || cb.Get("code") != "" {
			t.Errorf("max_age=%s: %v, want invalid_request with the state", bad, cb)
		}
	}
	if cb := callback(t, b.authorize(o.web, url.Values{"max_age": {"3600"}}), webCB, false); cb.Get("code") == "" {
		t.Errorf("max_age=3600 on a fresh login: %v, want a code (SSO)", cb)
	}
	p := b.authorize(o.web, url.Values{"max_age": {"0"}})
	if p.status != http.StatusFound || !strings.Contains(p.location, "/v1/login") {
		t.Fatalf("max_age=0: %d %q, want the sign-in page", p.status, p.location)
	}
	if cb := callback(t, b.login(p), webCB, false); cb.Get("code") == "" {
		t.Errorf("after the max_age=0 sign-in: %v", cb)
	}
}
