package auth0_test

// Cross-origin authentication (embedded login, W1) as auth0.js and Lock
// drive it: what interop/auth0js_test.go found the real library needs.

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/tenant"
)

// auth0.js's login({realm}) sends credential_type
// http://auth0.com/oauth/grant-type/password-realm (the value Auth0
// documents for /co/authenticate); the mock refused it as unsupported.
func TestW1_CoAuthenticateTakesThePasswordRealmCredentialType(t *testing.T) {
	p := newIDP(t)
	spa := p.addClient(firstParty, spaClient, func(c *tenant.Client) { c.CrossOriginAuthentication = true })
	coAuth := func(credentialType string) (int, map[string]any) {
		t.Helper()
		b, _ := json.Marshal(map[string]string{"client_id": spa.ClientID, "username": p.alice.Email, "password": password,
			"realm": connection, "credential_type": credentialType})
		res, body := p.call(http.MethodPost, "co/authenticate", string(b), "Content-Type", "application/json", "Origin", spaOrigin)
		var out map[string]any
		_ = json.Unmarshal([]byte(body), &out)
		return res.StatusCode, out
	}
	for _, ct := range []string{"http://auth0.com/oauth/grant-type/password-realm", "http://auth0.com/credentials/password"} {
		if status, out := coAuth(ct); status != 200 || out["login_ticket"] == nil {
			t.Errorf("credential_type %s: HTTP %d %v, want a login_ticket", ct, status, out)
		}
	}
	if status, out := coAuth("password"); status != 400 || out["error"] != "invalid_request" {
		t.Errorf("credential_type password: HTTP %d %v, want 400 invalid_request", status, out)
	}
}

// withCookies gives the browser the cookies a response set (a response to
// a request the test made with p.call, as the browser's script would).
func (b *browser) withCookies(res *http.Response) *browser {
	u, err := url.Parse(b.p.issuer)
	must(b.t, err)
	b.c.Jar.SetCookies(u, res.Cookies())
	return b
}

// A login ticket is bound to the browser that asked for it, as Auth0 binds
// it: /co/authenticate answers co_verifier and co_id with the ticket and
// sets a cookie holding the verifier; /authorize?login_ticket= redeems the
// ticket only with that verifier, from the cookie or, where the browser
// dropped the cookie (third-party cookies blocked), from the client's
// cross-origin verification page (cross_origin_loc) through the fallback
// page and POST /co/verify. Before, a ticket was a bearer token: pasted
// into any browser, it logged that browser in.
func TestW1_LoginTicketIsBoundToTheBrowser(t *testing.T) {
	p := newIDP(t)
	const loc = spaOrigin + "/verify.html"
	spa := p.addClient(firstParty, spaClient, func(c *tenant.Client) { c.CrossOriginAuthentication = true })
	fallback := p.addClient(firstParty, spaClient, func(c *tenant.Client) { c.CrossOriginAuthentication, c.CrossOriginLoc = true, loc })
	coAuth := func(c *tenant.Client) (*http.Response, string, string, string) {
		t.Helper()
		b, _ := json.Marshal(map[string]string{"client_id": c.ClientID, "username": p.alice.Email, "password": password,
			"realm": connection, "credential_type": "http://auth0.com/oauth/grant-type/password-realm"})
		res, body := p.call(http.MethodPost, "co/authenticate", string(b), "Content-Type", "application/json", "Origin", spaOrigin)
		var out map[string]string
		_ = json.Unmarshal([]byte(body), &out)
		if res.StatusCode != 200 || out["login_ticket"] == "" || out["co_verifier"] == "" || out["co_id"] == "" {
			t.Fatalf("co/authenticate: HTTP %d %s, want login_ticket, co_verifier and co_id", res.StatusCode, body)
		}
		var cookie *http.Cookie
		for _, ck := range res.Cookies() {
			if ck.Name == "mockidp_co_"+out["co_id"] {
				cookie = ck
			}
		}
		if cookie == nil || cookie.Value != out["co_verifier"] || !cookie.HttpOnly {
			t.Fatalf("co/authenticate set no HttpOnly cookie mockidp_co_<co_id> holding the co_verifier: %v", res.Header["Set-Cookie"])
		}
		return res, out["login_ticket"], out["co_verifier"], out["co_id"]
	}
	req := func(c *tenant.Client, ticket string) url.Values {
		return authReq(c, "audience", apiNotes, "scope", "openid read:notes", "login_ticket", ticket, "realm", connection)
	}

	// Another browser (no cookie), no fallback page: refused, and the
	// ticket is still good in the browser it belongs to.
	res, ticket, _, _ := coAuth(spa)
	q := req(spa, ticket)
	p.browser().authorize(q).wantCallbackError(q, "query", "server_error", "Unable to configure verification page.")
	b := p.browser().withCookies(res)
	b.authorize(q).code(q)
	// The cookie is spent with the ticket.
	u, _ := url.Parse(p.issuer)
	for _, ck := range b.c.Jar.Cookies(u) {
		if strings.HasPrefix(ck.Name, "mockidp_co_") {
			t.Errorf("cookie %s left after the ticket was redeemed", ck.Name)
		}
	}

	// Without the cookie, a client with cross_origin_loc gets the fallback
	// page: it frames cross_origin_loc#origin=<the IdP's origin> and asks
	// for the verifier filed under co_id.
	_, ticket, verifier, coID := coAuth(fallback)
	q = req(fallback, ticket)
	r := p.browser().authorize(q)
	r.wantPrompt("co-verify")
	issuer, _ := url.Parse(p.issuer)
	frames := r.tags("iframe")
	if len(frames) != 1 || frames[0].attrs["src"] != loc+"#origin="+url.QueryEscape(issuer.Scheme+"://"+issuer.Host) {
		t.Errorf("fallback page frames %v, want %s#origin=...", frames, loc)
	}
	if m := r.tags("main"); len(m) != 1 || m[0].attrs["data-co-id"] != coID || m[0].attrs["data-frame-origin"] != spaOrigin {
		t.Errorf("fallback page main: %v, want data-co-id %s and data-frame-origin %s", m, coID, spaOrigin)
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-src "+spaOrigin) || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("fallback page CSP %q: want frame-src %s and frame-ancestors 'none'", csp, spaOrigin)
	} else if !strings.Contains(csp, "form-action *") {
		// Chromium applies form-action to the redirect that follows the
		// post: with 'self' it stopped at the callback's redirect.
		t.Errorf("fallback page CSP %q: want form-action *, the post to /co/verify ends in a redirect to the callback", csp)
	}
	if r.formAction() != p.issuer+"co/verify" || r.hidden().Get("login_ticket") != ticket || r.hidden().Get("client_id") != fallback.ClientID {
		t.Errorf("fallback form posts %v to %s", r.hidden(), r.formAction())
	}
	// A wrong or empty verifier (the application's page had none) is
	// refused without spending the ticket; the right one logs in.
	b = p.browser()
	for _, bad := range []string{"not-the-verifier", ""} {
		b.submit(r, "verifier", bad).wantCallbackError(q, "query", "access_denied", "Invalid, expired or already used login ticket.")
	}
	code := b.submit(r, "verifier", verifier).code(q)
	if code == "" {
		t.Fatal("no code after /co/verify")
	}
	// ... and leaves an SSO session in that browser.
	q2 := authReq(fallback, "audience", apiNotes, "scope", "read:notes", "prompt", "none")
	b.authorize(q2).code(q2)
	// Spent.
	b.submit(r, "verifier", verifier).wantCallbackError(q, "query", "access_denied", "Invalid, expired or already used login ticket.")
	// /co/verify without a ticket is no authorization request.
	p.browser().post(p.issuer+"co/verify", url.Values{"verifier": {verifier}}).wantErrorPage(http.StatusBadRequest, "invalid_request", "login_ticket")
}
