package auth0_test

// Tests for the second outside-in pass over issue 8's hardening: one client
// authentication method per request (T1, RFC 6749 section 2.3), ambiguous
// screen forms (A7), malformed max_age (A6) and the bounds of free-form
// authorization parameters.

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/tenant"
)

// TestT1_OneClientAuthenticationMethod: HTTP Basic and a client_secret
// (or a client_assertion) in the body at once is invalid_request, at the
// token and the revocation endpoint, before any grant check (the client
// grant check answered 403 access_denied).
func TestT1_OneClientAuthenticationMethod(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	p.clientGrant(c, apiPosts, tenant.SubjectClient, "read:posts")
	for _, extra := range [][]string{{"client_secret", "x"}, {"client_secret", c.ClientSecret}, {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", "e30.e30.sig"}} {
		f := form(append([]string{"grant_type", "client_credentials", "audience", apiNotes}, extra...)...)
		p.token(f, c.ClientID, c.ClientSecret).wantError(t, http.StatusBadRequest, "invalid_request", "")
		res, body := p.call(http.MethodPost, "oauth/revoke", form(append([]string{"token", "whatever"}, extra...)...).Encode(),
			"Content-Type", "application/x-www-form-urlencoded", "Authorization", basic(c.ClientID, c.ClientSecret))
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, `"invalid_request"`) {
			t.Errorf("revoke with Basic and %s in the body: HTTP %d %s, want 400 invalid_request", extra[0], res.StatusCode, body)
		}
	}
	// client_secret_post and a client_assertion together.
	f := form("grant_type", "client_credentials", "audience", apiPosts, "client_id", c.ClientID, "client_secret", c.ClientSecret,
		"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", "e30.e30.sig")
	p.token(f).wantError(t, http.StatusBadRequest, "invalid_request", "")
	// One method, and a client_id beside Basic, still work.
	p.token(form("grant_type", "client_credentials", "audience", apiPosts), c.ClientID, c.ClientSecret).wantOK(t)
	p.token(form("grant_type", "client_credentials", "audience", apiPosts, "client_id", c.ClientID), c.ClientID, c.ClientSecret).wantOK(t)
	p.token(form("grant_type", "client_credentials", "audience", apiPosts, "client_id", c.ClientID, "client_secret", c.ClientSecret)).wantOK(t)
}

func basic(id, secret string) string {
	req, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	return req.Header.Get("Authorization")
}

// postRaw posts a raw form body (repeated fields kept) to the page's form.
func (b *browser) postRaw(action string, body string) *reply {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, action, strings.NewReader(body))
	must(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// TestA7_LoginFormFieldsSentTwice: username or password twice is
// ambiguous: the error page, no login (first value won before).
func TestA7_LoginFormFieldsSentTwice(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	p.addUser("auth0|bob", "bob@example.com", "Bob")
	for _, extra := range []string{
		"username=" + url.QueryEscape(p.alice.Email) + "&username=bob%40example.com&password=" + url.QueryEscape(password),
		"username=" + url.QueryEscape(p.alice.Email) + "&password=" + url.QueryEscape(password) + "&password=wrong",
		"username=" + url.QueryEscape(p.alice.Email) + "&password=" + url.QueryEscape(password) + "&csrf=again",
	} {
		b := p.browser()
		page := b.authorize(authReq(c))
		page.wantPrompt("login")
		r := b.postRaw(page.formAction(), page.hidden().Encode()+"&"+extra)
		r.wantErrorPage(http.StatusBadRequest, "invalid_request", "more than once")
		// No session was started: the next authorization asks to log in.
		b.authorize(authReq(c)).wantPrompt("login")
	}
}

// TestA7_ConsentFormActionSentTwice: action=accept&action=deny is
// ambiguous: the error page, no code and no grant (the first value won).
func TestA7_ConsentFormActionSentTwice(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(permissiveThirdParty)
	p.clientGrant(c, apiPosts, tenant.SubjectUser, "read:posts")
	b := p.browser()
	q := authReq(c, "audience", apiPosts, "scope", "read:posts")
	page := b.login(b.authorize(q))
	page.wantPrompt("consent")
	r := b.postRaw(page.formAction(), page.hidden().Encode()+"&action=accept&action=deny")
	r.wantErrorPage(http.StatusBadRequest, "invalid_request", "more than once")
	p.wantNoGrant(c)
	// The scope field is multi-valued by design: a normal accept works.
	page = b.authorize(q)
	page.wantPrompt("consent")
	b.accept(page).code(q)
}

// TestA6_MaxAgeMustBeDecimalSeconds: a signed or spaced max_age is not the
// non-negative integer OIDC Core 3.1.2.1 asks for (ParseInt took "+5").
func TestA6_MaxAgeMustBeDecimalSeconds(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	for _, bad := range []string{"+5", " 5", "5 ", "0x10", "-0", "1e3", "99999999999999999999"} {
		q := authReq(c, "max_age", bad)
		p.browser().authorize(q).wantCallbackError(q, "query", "invalid_request", "")
	}
	q := authReq(c, "max_age", "9223372036854775807")
	p.browser().authorize(q).wantPrompt("login")
}

// TestLimits_FreeFormParametersAreBounded: login_hint and every other
// free-form parameter have a bound of their own (a 14 KB query of
// login_hint was kept alive with each transaction).
func TestLimits_FreeFormParametersAreBounded(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	for _, tc := range []struct{ param, value string }{
		{"login_hint", strings.Repeat("h", 513)},
		{"ui_locales", strings.Repeat("u", 1025)},
		{"acr_values", strings.Repeat("a", 1025)},
		{"x-anything", strings.Repeat("x", 1025)},
		{"id_token_hint", strings.Repeat("i", 8193)},
	} {
		q := authReq(c, tc.param, tc.value)
		p.browser().authorize(q).wantErrorPage(http.StatusBadRequest, "invalid_request", tc.param+" parameter is too long")
	}
	q := authReq(c, "login_hint", strings.Repeat("h", 512), "ui_locales", strings.Repeat("u", 1024), "id_token_hint", strings.Repeat("i", 8192))
	p.browser().authorize(q).wantPrompt("login")
}
