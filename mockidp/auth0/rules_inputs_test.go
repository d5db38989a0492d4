package auth0_test

// Tests for the hardening of the authorization and token endpoints' inputs
// (issue 8): exact callbacks (K4), repeated parameters (A7), the bounds on
// every input, wrong methods, the security headers and the session a
// re-login replaces.

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tenant"
)

func TestK4_LoopbackCallbacksOnlyThePortMayDiffer(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty, callbacks("http://127.0.0.1/callback", "http://[::1]/cb", callbackWeb))
	for _, uri := range []string{
		"HTTP://127.0.0.1:4444/callback",
		"http://127.0.0.1:4444/callback#@evil.example",
		"http://127.0.0.1:4444/%63allback",
		"http://127.0.0.1:4444/Callback",
		"http://127.0.0.1:4444/callback/",
		"http://127.0.0.1:4444/callback?x=1",
		"http://127.0.0.1:4444//callback",
		"http://127.0.0.1:4444/./callback",
		"http://127.0.0.2:4444/callback",
		"http://localhost:4444/callback",
		"http://user@127.0.0.1:4444/callback",
		"http://127.0.0.1:/callback",
		"http://127.0.0.1:99999/callback",
		"http://127.0.0.1:+80/callback",
		"https://127.0.0.1:4444/callback",
		"http://[::1]:4444/cb#x",
		"http://[0:0:0:0:0:0:0:1]:4444/cb",
		callbackWeb + "#",
		callbackWeb + "#frag",
		"https://APP.example.com/callback",
	} {
		q := authReq(c, "redirect_uri", uri)
		p.browser().authorize(q).wantErrorPage(http.StatusBadRequest, "invalid_request", "")
	}
	for _, uri := range []string{"http://127.0.0.1:4444/callback", "http://127.0.0.1/callback", "http://[::1]:51000/cb", callbackWeb} {
		q := authReq(c, "redirect_uri", uri, "audience", apiNotes)
		r := p.browser().authorize(q)
		r.wantPrompt("login")
	}
}

func TestA7_RepeatedParametersAreRefused(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	twice := func(q url.Values, name string) url.Values {
		q = url.Values(maps(q))
		v := q.Get(name)
		if v == "" {
			v = "x"
		}
		q[name] = []string{v, v}
		return q
	}
	for _, name := range []string{"client_id", "redirect_uri"} {
		q := twice(authReq(c, "audience", apiNotes), name)
		p.browser().authorize(q).wantErrorPage(http.StatusBadRequest, "invalid_request", name)
	}
	for _, name := range []string{"response_type", "audience", "scope", "response_mode", "nonce", "prompt", "code_challenge"} {
		q := twice(authReq(c, "audience", apiNotes, "scope", "openid"), name)
		r := p.browser().authorize(q)
		params := r.callback(callbackWeb, "query")
		if params.Get("error") != "invalid_request" || !strings.Contains(params.Get("error_description"), name) {
			t.Errorf("%s twice: callback %v, want invalid_request naming %s", name, params, name)
		}
		if params.Get("state") != q.Get("state") {
			t.Errorf("%s twice: state = %q, want %q", name, params.Get("state"), q.Get("state"))
		}
	}
	// state twice: refused through the callback, with no state to echo.
	q := twice(authReq(c, "audience", apiNotes), "state")
	params := p.browser().authorize(q).callback(callbackWeb, "query")
	if params.Get("error") != "invalid_request" || params.Has("state") {
		t.Errorf("state twice: callback %v, want invalid_request and no state", params)
	}

	// At the token endpoint too.
	_, code := p.codeFor(c)
	for _, name := range []string{"grant_type", "code", "redirect_uri", "client_id", "client_secret"} {
		f := form("grant_type", "authorization_code", "client_id", c.ClientID, "client_secret", c.ClientSecret, "code", code, "redirect_uri", callbackWeb)
		f[name] = []string{f.Get(name), f.Get(name)}
		tr := p.token(f)
		tr.wantError(t, http.StatusBadRequest, "invalid_request", "")
		if !strings.Contains(tr.str("error_description"), name) {
			t.Errorf("%s twice: %s, want the description to name it", name, tr.raw)
		}
	}
	// The refusals did not consume the code.
	p.redeem(c, code, callbackWeb).wantOK(t)
	p.clientGrant(c, apiNotes, tenant.SubjectClient, "read:notes", "write:notes")
	f := form("grant_type", "client_credentials", "client_id", c.ClientID, "client_secret", c.ClientSecret, "audience", apiNotes)
	f["scope"] = []string{"read:notes", "write:notes"}
	if tr := p.token(f); tr.status != http.StatusBadRequest || tr.str("error") != "invalid_request" || !strings.Contains(tr.str("error_description"), "scope") {
		t.Errorf("scope twice at client_credentials: HTTP %d %s, want 400 invalid_request naming scope", tr.status, tr.raw)
	}
}

func maps(q url.Values) map[string][]string {
	out := map[string][]string{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// rawPost posts body with the given content type and returns the reply as
// a browser sees it.
func (b *browser) rawPost(u, body string) *reply {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	must(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

func TestLimits_AuthorizeValuesAreBounded(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	many := make([]string, 257)
	for i := range many {
		many[i] = "s" + strings.Repeat("x", i%5)
	}
	for _, tc := range []struct {
		name, param, value string
	}{
		{"state", "state", strings.Repeat("s", 4097)},
		{"nonce", "nonce", strings.Repeat("n", 2049)},
		{"scope", "scope", strings.Repeat("read:notes ", 745)},
		{"scope", "scope", strings.Join(many, " ")},
	} {
		q := authReq(c, "audience", apiNotes, tc.param, tc.value)
		p.browser().authorize(q).wantErrorPage(http.StatusBadRequest, "invalid_request", tc.name)
	}
	// At the bound: accepted.
	q := authReq(c, "audience", apiNotes, "state", strings.Repeat("s", 4096), "nonce", strings.Repeat("n", 2048))
	p.browser().authorize(q).wantPrompt("login")

	// The whole query, and a posted /authorize body.
	q = authReq(c, "audience", apiNotes, "junk", strings.Repeat("j", 16<<10))
	p.browser().authorize(q).wantErrorPage(http.StatusRequestURITooLong, "invalid_request", "query string is too long")
	b := p.browser()
	b.rawPost(p.issuer+"authorize", authReq(c).Encode()+"&junk="+strings.Repeat("j", 65<<10)).
		wantErrorPage(http.StatusRequestEntityTooLarge, "invalid_request", "too large")
}

func TestLimits_FormBodiesAreBounded(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	big := "&junk=" + strings.Repeat("j", 10<<20)

	// The login and consent forms, with a live transaction.
	b := p.browser()
	login := b.authorize(authReq(c, "audience", apiPosts, "scope", "read:posts"))
	login.wantPrompt("login")
	b.rawPost(login.formAction(), login.hidden().Encode()+big).
		wantErrorPage(http.StatusRequestEntityTooLarge, "invalid_request", "too large")
	consentPage := b.login(login)
	consentPage.wantPrompt("consent")
	b.rawPost(consentPage.formAction(), consentPage.hidden().Encode()+"&action=accept"+big).
		wantErrorPage(http.StatusRequestEntityTooLarge, "invalid_request", "too large")
	p.wantNoGrant(c)

	// The token and revocation endpoints answer OAuth JSON.
	for _, path := range []string{"oauth/token", "oauth/revoke"} {
		res, err := p.ts.Client().Post(p.issuer+path, "application/x-www-form-urlencoded",
			strings.NewReader("grant_type=client_credentials&client_id="+c.ClientID+big))
		must(t, err)
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		tr := tokenReply{status: res.StatusCode, header: res.Header, raw: string(raw)}
		_ = json.Unmarshal(raw, &tr.body)
		tr.wantError(t, http.StatusRequestEntityTooLarge, "invalid_request", "")
	}
	// Scope count at the token endpoint.
	many := strings.TrimSpace(strings.Repeat("read:notes ", 257))
	p.token(form("grant_type", "client_credentials", "client_id", c.ClientID, "client_secret", c.ClientSecret,
		"audience", apiNotes, "scope", many)).wantError(t, http.StatusBadRequest, "invalid_request", "")
}

func TestLimits_PendingTransactionsPerBrowser(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	b := p.browser()
	var logins []*reply
	for range session.DefaultMaxTransactionsPerBrowser + 2 {
		r := b.authorize(authReq(c, "audience", apiNotes))
		r.wantPrompt("login")
		logins = append(logins, r)
	}
	// The two oldest were evicted; the rest still work.
	for _, r := range logins[:2] {
		b.get(r.url.String()).wantErrorPage(http.StatusBadRequest, "invalid_request", "unknown, expired or already completed")
	}
	for _, r := range logins[2:] {
		b.get(r.url.String()).wantPrompt("login")
	}
	// Another browser is not affected by this one's transactions.
	other := p.browser()
	q := authReq(c, "audience", apiNotes)
	other.signIn(q).code(q)
}

func TestT5_WrongMethodsGetAllowAndAnOAuthError(t *testing.T) {
	p := newIDP(t)
	for _, tc := range []struct {
		method, path, allow string
	}{
		{"GET", "oauth/token", "POST"},
		{"PUT", "oauth/token", "POST"},
		{"DELETE", "oauth/token", "POST"},
		{"PATCH", "oauth/token", "POST"},
		{"OPTIONS", "oauth/token", "POST"},
		{"GET", "oauth/revoke", "POST"},
		{"DELETE", "userinfo", "GET, POST"},
		{"POST", ".well-known/jwks.json", "GET"},
	} {
		req, err := http.NewRequest(tc.method, p.issuer+tc.path, nil)
		must(t, err)
		res, err := p.ts.Client().Do(req)
		must(t, err)
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		tr := tokenReply{status: res.StatusCode, header: res.Header, raw: string(raw)}
		_ = json.Unmarshal(raw, &tr.body)
		tr.wantError(t, http.StatusMethodNotAllowed, "invalid_request", "")
		if got := res.Header.Get("Allow"); got != tc.allow {
			t.Errorf("%s /%s: Allow = %q, want %q", tc.method, tc.path, got, tc.allow)
		}
	}
	// Browser endpoints answer with the error page.
	b := p.browser()
	req, err := http.NewRequest(http.MethodPut, p.issuer+"authorize", nil)
	must(t, err)
	r := b.do(req)
	r.wantErrorPage(http.StatusMethodNotAllowed, "invalid_request", "PUT")
	if got := r.header.Get("Allow"); got != "GET, POST" {
		t.Errorf("PUT /authorize: Allow = %q, want GET, POST", got)
	}
}

// A re-login (prompt=login) replaces the browser's session: the old
// session ID stops working, so a stolen or fixed one dies with it.
func TestA3_ReloginReplacesTheSession(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	b := p.browser()
	q := authReq(c, "audience", apiNotes)
	b.signIn(q).code(q)
	old := b.cookie("mockidp_session")
	if old == "" {
		t.Fatal("no session cookie after login")
	}

	q = authReq(c, "audience", apiNotes, "prompt", "login")
	b.login(b.authorize(q)).code(q)
	fresh := b.cookie("mockidp_session")
	if fresh == "" || fresh == old {
		t.Fatalf("session cookie after the re-login = %q, want a new one (old %q)", fresh, old)
	}
	// The new session gives SSO; the old one no longer does.
	q = authReq(c, "audience", apiNotes)
	b.authorize(q).code(q)
	thief := p.browser()
	thief.setCookie("mockidp_session", old)
	q = authReq(c, "audience", apiNotes, "prompt", "none")
	thief.authorize(q).wantCallbackError(q, "query", "login_required", "")
}

func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.p.issuer)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func (b *browser) setCookie(name, value string) {
	u, _ := url.Parse(b.p.issuer)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}
