package oktaface_test

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var (
	responseRE = regexp.MustCompile(`data-response="([^"]*)"`)
	originRE   = regexp.MustCompile(`data-target-origin="([^"]*)"`)
)

// postMessage requests an authorization with okta_post_message and
// prompt=none, as okta-auth-js's getWithoutPrompt does in its hidden
// iframe, and returns the posted message, its target origin and the
// page's Content-Security-Policy.
func (b *browser) postMessage(params url.Values) (map[string]string, string, string) {
	t := b.o.t
	t.Helper()
	q := url.Values{"client_id": {b.o.spa.ClientID()}, "redirect_uri": {spaCB}, "response_type": {"code"}, "state": {"st-pm"},
		"scope": {"openid"}, "prompt": {"none"}, "response_mode": {"okta_post_message"},
		"code_challenge": {s256("verifier-0123456789-0123456789-0123456789-0123")}, "code_challenge_method": {"S256"}}
	for k, v := range params {
		q[k] = v
	}
	res, err := b.c.Get(b.o.issuer() + "/v1/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	body := string(raw)
	if res.StatusCode != http.StatusOK || !strings.Contains(body, `data-prompt="web-message"`) {
		t.Fatalf("not the post-message page: %d %s", res.StatusCode, body)
	}
	m, o := responseRE.FindStringSubmatch(body), originRE.FindStringSubmatch(body)
	if m == nil || o == nil {
		t.Fatalf("no response in the page: %s", body)
	}
	var msg map[string]string
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &msg); err != nil {
		t.Fatalf("response %q: %v", m[1], err)
	}
	// okta-auth-js reads the message itself (data.state, data.code), not
	// a web_message envelope.
	if !strings.Contains(body, `target.postMessage(JSON.parse(m.getAttribute("data-response"))`) {
		t.Errorf("the page does not post the response itself: %s", body)
	}
	return msg, html.UnescapeString(o[1]), res.Header.Get("Content-Security-Policy")
}

// TestOktaPostMessage_SilentRenewInAHiddenIframe: response_mode
// okta_post_message posts the answer (code and state, or the error) to
// the parent at the redirect_uri's origin; only that origin may frame the
// page.
func TestOktaPostMessage_SilentRenewInAHiddenIframe(t *testing.T) {
	o := newOrg(t)
	b := o.browser()
	msg, origin, _ := b.postMessage(nil)
	if msg["error"] != "login_required" || msg["state"] != "st-pm" || msg["code"] != "" {
		t.Errorf("no session: %v", msg)
	}
	if origin != "http://localhost:3000" {
		t.Errorf("target origin %q", origin)
	}
	// Sign in (the SPA's ordinary redirect flow), then renew silently.
	b.login(b.authorize(o.spa, url.Values{"code_challenge": {s256("verifier-0123456789-0123456789-0123456789-0123")},
		"code_challenge_method": {"S256"}}))
	msg, origin, csp := b.postMessage(nil)
	if msg["code"] == "" || msg["state"] != "st-pm" || msg["error"] != "" {
		t.Fatalf("with a session: %v", msg)
	}
	if origin != "http://localhost:3000" || !strings.Contains(csp, "frame-ancestors http://localhost:3000") {
		t.Errorf("origin %q, CSP %q", origin, csp)
	}
	status, body := o.token("", "", url.Values{"grant_type": {"authorization_code"}, "client_id": {o.spa.ClientID()}, "code": {msg["code"]},
		"redirect_uri": {spaCB}, "code_verifier": {"verifier-0123456789-0123456789-0123456789-0123"}})
	if status != http.StatusOK || body["access_token"] == nil {
		t.Errorf("code from the post message: %d %v", status, body)
	}
	// The discovery document lists the mode.
	req, _ := http.NewRequest("GET", o.issuer()+"/.well-known/openid-configuration", nil)
	if _, d := o.call(req); !strings.Contains(strings.Join(toStrings(d["response_modes_supported"]), " "), "okta_post_message") {
		t.Errorf("response_modes_supported %v", d["response_modes_supported"])
	}
}

func toStrings(v any) []string {
	var out []string
	l, _ := v.([]any)
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
