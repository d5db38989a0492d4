package auth0_test

// Rule tests for section 11 (browser applications and logout: W1 to W5,
// L1), A6 (max_age) and cross-origin authentication (/co/authenticate).

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/consentry/consentry/mockidp/tenant"
)

const (
	spaOrigin   = "https://spa.example.com"
	spaCallback = spaOrigin + "/"
	evilOrigin  = "https://evil.example.net"
)

// spaClient is a public single-page app on spaOrigin.
func spaClient(c *tenant.Client) {
	c.AppType = tenant.AppSPA
	c.TokenEndpointAuthMethod = tenant.AuthNone
	c.ClientSecret = ""
	c.Callbacks = []string{spaCallback}
	c.WebOrigins = []string{spaOrigin}
	c.AllowedLogoutURLs = []string{spaCallback}
	c.GrantTypes = []string{tenant.GrantAuthorizationCode, tenant.GrantRefreshToken}
}

// call sends a request with headers (k, v pairs) and returns the answer.
func (p *idp) call(method, path string, body string, kv ...string) (*http.Response, string) {
	p.t.Helper()
	req, err := http.NewRequest(method, p.issuer+path, strings.NewReader(body))
	must(p.t, err)
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Set(kv[i], kv[i+1])
	}
	res, err := p.ts.Client().Do(req)
	must(p.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	must(p.t, err)
	return res, string(b)
}

func TestW1_CORSPreflights(t *testing.T) {
	p := newIDP(t)
	p.addClient(firstParty, spaClient, func(c *tenant.Client) { c.AllowedOrigins = []string{"https://cors.example.com"} })
	p.addClient(firstParty) // its callback's origin, https://app.example.com, counts by default
	paths := []string{"oauth/token", "oauth/revoke", "userinfo", ".well-known/openid-configuration", ".well-known/jwks.json", "co/authenticate"}
	for _, path := range paths {
		for _, origin := range []string{spaOrigin, "https://cors.example.com", "https://app.example.com"} {
			res, _ := p.call(http.MethodOptions, path, "", "Origin", origin, "Access-Control-Request-Method", "POST",
				"Access-Control-Request-Headers", "content-type, auth0-client")
			if res.StatusCode != http.StatusNoContent || res.Header.Get("Access-Control-Allow-Origin") != origin {
				t.Errorf("preflight %s from %s: HTTP %d, Access-Control-Allow-Origin %q, want 204 and the origin",
					path, origin, res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
				continue
			}
			allowed := strings.ToLower(res.Header.Get("Access-Control-Allow-Headers"))
			if !strings.Contains(allowed, "content-type") || !strings.Contains(allowed, "auth0-client") {
				t.Errorf("preflight %s: Access-Control-Allow-Headers %q lacks Content-Type or Auth0-Client", path, allowed)
			}
		}
		res, _ := p.call(http.MethodOptions, path, "", "Origin", evilOrigin, "Access-Control-Request-Method", "POST")
		if got := res.Header.Get("Access-Control-Allow-Origin"); got != "" {
			t.Errorf("preflight %s from an origin no client allows: Access-Control-Allow-Origin %q, want none", path, got)
		}
	}
}

func TestW1_CORSRequestsFollowTheClient(t *testing.T) {
	p := newIDP(t)
	spa := p.addClient(firstParty, spaClient, grantTypes(tenant.GrantPassword, tenant.GrantRefreshToken))
	other := p.addClient(firstParty, callbacks("https://other.example.org/cb"))

	acao := func(res *http.Response) string { return res.Header.Get("Access-Control-Allow-Origin") }
	pw := form("grant_type", "password", "username", p.alice.Email, "password", password, "audience", apiPosts,
		"scope", "openid offline_access read:posts")

	// The SPA's own origin: allowed on the token endpoint.
	pw.Set("client_id", spa.ClientID)
	res, body := p.call(http.MethodPost, "oauth/token", pw.Encode(), "Content-Type", "application/x-www-form-urlencoded", "Origin", spaOrigin)
	if res.StatusCode != 200 || acao(res) != spaOrigin {
		t.Fatalf("token from the SPA's origin: HTTP %d, ACAO %q: %s", res.StatusCode, acao(res), body)
	}
	var tok map[string]any
	must(t, json.Unmarshal([]byte(body), &tok))

	// Errors carry the headers too, so the app can read them.
	bad := form("grant_type", "password", "client_id", spa.ClientID, "username", p.alice.Email, "password", "wrong")
	if res, _ := p.call(http.MethodPost, "oauth/token", bad.Encode(), "Content-Type", "application/x-www-form-urlencoded", "Origin", spaOrigin); res.StatusCode != 403 || acao(res) != spaOrigin {
		t.Errorf("token error from the SPA's origin: HTTP %d, ACAO %q, want 403 with the origin", res.StatusCode, acao(res))
	}

	// Another client's request from the SPA's origin: that client does not
	// allow it, so no CORS headers, whatever other clients allow.
	cc := form("grant_type", "client_credentials", "client_id", other.ClientID, "client_secret", other.ClientSecret, "audience", apiPosts)
	if res, _ := p.call(http.MethodPost, "oauth/token", cc.Encode(), "Content-Type", "application/x-www-form-urlencoded", "Origin", spaOrigin); acao(res) != "" {
		t.Errorf("another client's token request from the SPA's origin: ACAO %q, want none", acao(res))
	}

	// /userinfo follows the token's client.
	at, _ := tok["access_token"].(string)
	if res, _ := p.call(http.MethodGet, "userinfo", "", "Authorization", "Bearer "+at, "Origin", spaOrigin); res.StatusCode != 200 || acao(res) != spaOrigin {
		t.Errorf("userinfo from the SPA's origin: HTTP %d, ACAO %q", res.StatusCode, acao(res))
	}
	if res, _ := p.call(http.MethodGet, "userinfo", "", "Authorization", "Bearer "+at, "Origin", "https://other.example.org"); acao(res) != "" {
		t.Errorf("userinfo with the SPA's token from another client's origin: ACAO %q, want none", acao(res))
	}

	// Discovery and JWKS: any client's origin.
	for _, path := range []string{".well-known/openid-configuration", ".well-known/jwks.json"} {
		if res, _ := p.call(http.MethodGet, path, "", "Origin", "https://other.example.org"); acao(res) != "https://other.example.org" {
			t.Errorf("%s from a callback's origin: ACAO %q", path, acao(res))
		}
		if res, _ := p.call(http.MethodGet, path, "", "Origin", evilOrigin); acao(res) != "" {
			t.Errorf("%s from an unknown origin: ACAO %q, want none", path, acao(res))
		}
		if res, _ := p.call(http.MethodGet, path, ""); acao(res) != "" {
			t.Errorf("%s without Origin: ACAO %q, want none", path, acao(res))
		}
	}

	// Revocation from the SPA's origin.
	rt, _ := tok["refresh_token"].(string)
	rv := form("client_id", spa.ClientID, "token", rt)
	if res, _ := p.call(http.MethodPost, "oauth/revoke", rv.Encode(), "Content-Type", "application/x-www-form-urlencoded", "Origin", spaOrigin); res.StatusCode != 200 || acao(res) != spaOrigin {
		t.Errorf("revoke from the SPA's origin: HTTP %d, ACAO %q", res.StatusCode, acao(res))
	}
}

var webMessageRE = regexp.MustCompile(`<main data-prompt="web-message" data-target-origin="([^"]*)" data-response="([^"]*)">`)

// webMessage reads the web_message page: the target origin and the response.
func webMessage(t *testing.T, r *reply) (string, map[string]string) {
	t.Helper()
	m := webMessageRE.FindStringSubmatch(r.body)
	if r.status != 200 || m == nil {
		t.Fatalf("want the web_message page, got HTTP %d %s", r.status, r.summary())
	}
	var resp map[string]string
	must(t, json.Unmarshal([]byte(html.UnescapeString(m[2])), &resp))
	return html.UnescapeString(m[1]), resp
}

func TestW2_WebMessage(t *testing.T) {
	p := newIDP(t)
	spa := p.addClient(firstParty, spaClient)
	verifier, challenge := pkce()
	q := authReq(spa, "audience", apiNotes, "scope", "openid read:notes", "response_mode", "web_message",
		"code_challenge", challenge, "code_challenge_method", "S256", "nonce", "n-1")
	b := p.browser()

	// A popup login: the login page, then the page that posts to the opener.
	r := b.signIn(q)
	origin, resp := webMessage(t, r)
	if origin != spaOrigin || resp["state"] != q.Get("state") || resp["code"] == "" {
		t.Fatalf("web_message page: target %q, response %v; want %s, the state and a code", origin, resp, spaOrigin)
	}
	csp := r.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors "+spaOrigin) || r.header.Get("X-Frame-Options") != "" {
		t.Errorf("the web_message page must be framable by %s only: CSP %q, X-Frame-Options %q", spaOrigin, csp, r.header.Get("X-Frame-Options"))
	}
	// The CSP allows exactly the page's script, by its hash.
	script := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindStringSubmatch(r.body)
	if script == nil {
		t.Fatal("no script on the web_message page")
	}
	sum := sha256.Sum256([]byte(script[1]))
	if !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
		t.Errorf("the CSP %q does not allow the page's script by its hash", csp)
	}
	if !strings.Contains(script[1], `type: "authorization_response"`) || !strings.Contains(script[1], "window.opener || window.parent") {
		t.Errorf("the script does not post an authorization_response to the opener or parent:\n%s", script[1])
	}
	p.redeem(spa, resp["code"], spaCallback, "code_verifier", verifier).wantOK(t)

	// Silent authentication: prompt=none in an iframe answers by web_message.
	q2 := authReq(spa, "audience", apiNotes, "scope", "openid read:notes", "response_mode", "web_message",
		"prompt", "none", "code_challenge", challenge, "code_challenge_method", "S256")
	if _, resp := webMessage(t, b.authorize(q2)); resp["code"] == "" || resp["state"] != q2.Get("state") {
		t.Errorf("prompt=none with a session: %v, want a code and the state", resp)
	}
	// No session: the error, by web_message too.
	if _, resp := webMessage(t, p.browser().authorize(q2)); resp["error"] != "login_required" || resp["state"] != q2.Get("state") || resp["code"] != "" {
		t.Errorf("prompt=none without a session: %v, want login_required and the state", resp)
	}

	// A redirect_uri whose origin is not in web_origins: the error page.
	noWeb := p.addClient(firstParty, spaClient, func(c *tenant.Client) { c.WebOrigins = nil })
	r = p.browser().authorize(authReq(noWeb, "response_mode", "web_message", "prompt", "none", "code_challenge", challenge))
	r.wantErrorPage(http.StatusBadRequest, "invalid_request", "web_origins")
}

func TestW3_JSONBodies(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	jsonPost := func(path string, v map[string]string) (*http.Response, map[string]any) {
		t.Helper()
		b, _ := json.Marshal(v)
		res, body := p.call(http.MethodPost, path, string(b), "Content-Type", "application/json")
		var out map[string]any
		_ = json.Unmarshal([]byte(body), &out)
		return res, out
	}
	res, tok := jsonPost("oauth/token", map[string]string{"grant_type": "password", "client_id": c.ClientID, "client_secret": c.ClientSecret,
		"username": p.alice.Email, "password": password, "audience": apiPosts, "scope": "openid offline_access read:posts"})
	rt, _ := tok["refresh_token"].(string)
	if res.StatusCode != 200 || rt == "" {
		t.Fatalf("JSON token request: HTTP %d %v", res.StatusCode, tok)
	}
	if res, out := jsonPost("oauth/token", map[string]string{"grant_type": "refresh_token", "client_id": c.ClientID,
		"client_secret": c.ClientSecret, "refresh_token": rt}); res.StatusCode != 200 || out["access_token"] == nil {
		t.Fatalf("JSON refresh: HTTP %d %v", res.StatusCode, out)
	}
	// The Node SDK's revokeRefreshToken: JSON with the client's secret.
	if res, out := jsonPost("oauth/revoke", map[string]string{"client_id": c.ClientID, "client_secret": c.ClientSecret, "token": rt}); res.StatusCode != 200 {
		t.Fatalf("JSON revoke: HTTP %d %v", res.StatusCode, out)
	}
	p.token(form("grant_type", "refresh_token", "client_id", c.ClientID, "client_secret", c.ClientSecret, "refresh_token", rt)).
		wantError(t, http.StatusBadRequest, "invalid_grant", "")

	// Bad JSON is a clear invalid_request, never a 500.
	for _, body := range []string{`{`, `[]`, `"x"`, `{"grant_type": {"a": 1}}`, `{"a":1} {"b":2}`} {
		res, out := p.call(http.MethodPost, "oauth/token", body, "Content-Type", "application/json")
		if res.StatusCode != 400 || !strings.Contains(out, `"invalid_request"`) {
			t.Errorf("body %s: HTTP %d %s, want 400 invalid_request", body, res.StatusCode, out)
		}
	}
	// Numbers and booleans are read as their text.
	p.clientGrant(c, apiPosts, tenant.SubjectClient, "read:posts")
	raw := `{"grant_type":"client_credentials","client_id":"` + c.ClientID + `","client_secret":"` + c.ClientSecret + `","audience":"` + apiPosts + `","extra":12,"flag":true}`
	if res, body := p.call(http.MethodPost, "oauth/token", raw, "Content-Type", "application/json; charset=utf-8"); res.StatusCode != 200 {
		t.Errorf("JSON with a number and a boolean: HTTP %d %s", res.StatusCode, body)
	}
}

func TestW4_RefreshTokenRotation(t *testing.T) {
	p := newIDP(t)
	rotating := p.addClient(firstParty, func(c *tenant.Client) {
		c.RefreshToken = &tenant.RefreshTokenConfig{RotationType: tenant.RotationRotating, ExpirationType: tenant.ExpirationNon,
			TokenLifetime: tenant.DefaultRefreshTokenLifetime, IdleTokenLifetime: tenant.DefaultRefreshTokenIdleLifetime}
	})
	login := func(c *tenant.Client) string {
		t.Helper()
		tr := p.token(form("grant_type", "password", "client_id", c.ClientID, "client_secret", c.ClientSecret,
			"username", p.alice.Email, "password", password, "audience", apiPosts, "scope", "openid offline_access read:posts")).wantOK(t)
		if tr.str("refresh_token") == "" {
			t.Fatal("no refresh token")
		}
		return tr.str("refresh_token")
	}
	refresh := func(c *tenant.Client, rt string) tokenReply {
		t.Helper()
		return p.token(form("grant_type", "refresh_token", "client_id", c.ClientID, "client_secret", c.ClientSecret, "refresh_token", rt))
	}

	rt1 := login(rotating)
	other := login(rotating) // another family: another login
	rt2 := refresh(rotating, rt1).wantOK(t).str("refresh_token")
	if rt2 == "" || rt2 == rt1 {
		t.Fatalf("a rotating client's refresh gave refresh_token %q, want a new one", rt2)
	}
	rt3 := refresh(rotating, rt2).wantOK(t).str("refresh_token")
	if rt3 == "" || rt3 == rt2 {
		t.Fatalf("second rotation gave %q", rt3)
	}
	// Reuse of a spent token: refused, and the family (rt3 too) revoked.
	refresh(rotating, rt1).wantError(t, http.StatusBadRequest, "invalid_grant", "")
	refresh(rotating, rt3).wantError(t, http.StatusBadRequest, "invalid_grant", "")
	// The other family is untouched.
	refresh(rotating, other).wantOK(t)

	// A non-rotating client keeps its refresh token.
	plain := p.addClient(firstParty)
	rt := login(plain)
	for range 2 {
		if got := refresh(plain, rt).wantOK(t).str("refresh_token"); got != "" {
			t.Fatalf("a non-rotating client got a new refresh token %q", got)
		}
	}
}

// startTLSIDP is newIDP served over HTTPS.
func startTLSIDP(t *testing.T) *idp {
	t.Helper()
	return startIDPWith(t, nil, true)
}

func TestW5_SSOCookieSameSiteNone(t *testing.T) {
	p := startTLSIDP(t)
	c := p.addClient(firstParty)
	var session, compat *http.Cookie
	for _, ck := range setCookies(t, p, c) {
		switch ck.Name {
		case "mockidp_session":
			session = ck
		case "mockidp_session_compat":
			compat = ck
		}
	}
	if session == nil || session.SameSite != http.SameSiteNoneMode || !session.Secure || !session.HttpOnly {
		t.Fatalf("SSO cookie %+v, want SameSite=None; Secure; HttpOnly", session)
	}
	if compat == nil || strings.Contains(strings.ToLower(compat.Raw), "samesite") || !compat.Secure || compat.Value != session.Value {
		t.Fatalf("companion cookie %+v, want the same value, Secure, no SameSite", compat)
	}

	// A browser that sends only the companion cookie (one that drops
	// SameSite=None cookies) keeps its SSO session.
	only := &http.Client{Transport: p.ts.Client().Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	q := authReq(c, "audience", apiNotes, "scope", "read:notes", "prompt", "none")
	req, err := http.NewRequest(http.MethodGet, p.issuer+"authorize?"+q.Encode(), nil)
	must(t, err)
	req.AddCookie(&http.Cookie{Name: "mockidp_session_compat", Value: compat.Value})
	res, err := only.Do(req)
	must(t, err)
	res.Body.Close()
	loc, _ := url.Parse(res.Header.Get("Location"))
	if loc == nil || loc.Query().Get("code") == "" {
		t.Fatalf("prompt=none with only the companion cookie: HTTP %d Location %q, want a code", res.StatusCode, res.Header.Get("Location"))
	}
	// Without any cookie: login_required (the companion is what worked).
	req, _ = http.NewRequest(http.MethodGet, p.issuer+"authorize?"+q.Encode(), nil)
	res, err = only.Do(req)
	must(t, err)
	res.Body.Close()
	if loc, _ := url.Parse(res.Header.Get("Location")); loc == nil || loc.Query().Get("error") != "login_required" {
		t.Fatalf("prompt=none without cookies: Location %q, want login_required", res.Header.Get("Location"))
	}

	// Over plain HTTP SameSite=None is impossible (it needs Secure): Lax.
	hp := newIDP(t)
	hc := hp.addClient(firstParty)
	seen := false
	for _, ck := range setCookies(t, hp, hc) {
		if ck.Name == "mockidp_session" {
			seen = true
			if ck.SameSite != http.SameSiteLaxMode || ck.Secure {
				t.Errorf("over http the SSO cookie is %s, want SameSite=Lax and not Secure", ck.Raw)
			}
		}
		if strings.HasSuffix(ck.Name, "_compat") {
			t.Errorf("over http no companion cookie is needed, got %s", ck.Name)
		}
	}
	if !seen {
		t.Error("no SSO cookie over http")
	}
}

// setCookies logs alice in for c in a fresh browser and returns the
// cookies the login answer set.
func setCookies(t *testing.T, p *idp, c *tenant.Client) []*http.Cookie {
	t.Helper()
	jar, err := cookiejar.New(nil)
	must(t, err)
	b := &browser{t: t, p: p, c: &http.Client{Transport: p.ts.Client().Transport, Jar: jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if req.URL.Host != p.host {
				return http.ErrUseLastResponse
			}
			return nil
		}}}
	page := b.authorize(authReq(c, "audience", apiNotes, "scope", "read:notes"))
	page.wantPrompt("login")
	form := page.hidden()
	form.Set("username", p.alice.Email)
	form.Set("password", password)
	form.Set("action", "default")
	req, err := http.NewRequest(http.MethodPost, page.formAction(), strings.NewReader(form.Encode()))
	must(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := b.c.Do(req)
	must(t, err)
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("login: HTTP %d, want a redirect to the callback", res.StatusCode)
	}
	return res.Cookies()
}

func TestL1_RPInitiatedLogout(t *testing.T) {
	p := newIDP(t)
	const bye = "https://app.example.com/bye"
	c := p.addClient(firstParty, func(c *tenant.Client) { c.AllowedLogoutURLs = []string{bye} })

	// The discovery names /oidc/logout.
	res, body := p.call(http.MethodGet, ".well-known/openid-configuration", "")
	var doc map[string]any
	must(t, json.Unmarshal([]byte(body), &doc))
	if res.StatusCode != 200 || doc["end_session_endpoint"] != p.issuer+"oidc/logout" {
		t.Fatalf("end_session_endpoint = %v, want %soidc/logout", doc["end_session_endpoint"], p.issuer)
	}

	// signedIn logs alice in for c and returns the browser and an ID token.
	signedIn := func() (*browser, string) {
		t.Helper()
		b := p.browser()
		q := authReq(c, "audience", apiNotes, "scope", "openid read:notes")
		idt := p.redeem(c, b.signIn(q).code(q), callbackWeb).wantOK(t).str("id_token")
		if idt == "" {
			t.Fatal("no ID token")
		}
		return b, idt
	}
	sessionGone := func(b *browser) {
		t.Helper()
		q := authReq(c, "audience", apiNotes, "scope", "read:notes", "prompt", "none")
		b.authorize(q).wantCallbackError(q, "query", "login_required", "")
	}
	logout := func(b *browser, kv ...string) *reply {
		t.Helper()
		return b.get(p.issuer + "oidc/logout?" + form(kv...).Encode())
	}

	t.Run("id_token_hint names the client", func(t *testing.T) {
		b, idt := signedIn()
		r := logout(b, "id_token_hint", idt, "post_logout_redirect_uri", bye, "state", "s/1 &x")
		if r.status != http.StatusFound || r.header.Get("Location") != bye+"?state=s%2F1+%26x" {
			t.Fatalf("logout: HTTP %d %s, want 302 to %s with the state", r.status, r.summary(), bye)
		}
		sessionGone(b)
	})
	t.Run("client_id names the client", func(t *testing.T) {
		b, _ := signedIn()
		r := logout(b, "client_id", c.ClientID, "post_logout_redirect_uri", bye)
		if r.status != http.StatusFound || r.header.Get("Location") != bye {
			t.Fatalf("logout: %s, want 302 to %s", r.summary(), bye)
		}
		sessionGone(b)
	})
	t.Run("POST", func(t *testing.T) {
		b, idt := signedIn()
		r := b.post(p.issuer+"oidc/logout", form("id_token_hint", idt, "post_logout_redirect_uri", bye))
		if r.status != http.StatusFound || r.header.Get("Location") != bye {
			t.Fatalf("POST logout: %s", r.summary())
		}
		sessionGone(b)
	})
	t.Run("a URL the client does not allow: the logged-out page", func(t *testing.T) {
		b, idt := signedIn()
		r := logout(b, "id_token_hint", idt, "post_logout_redirect_uri", "https://evil.example.net/")
		r.wantPrompt("logged-out")
		sessionGone(b)
	})
	t.Run("no redirect URI: the logged-out page", func(t *testing.T) {
		b, _ := signedIn()
		logout(b).wantPrompt("logged-out")
		sessionGone(b)
	})
	t.Run("no client named: the logged-out page", func(t *testing.T) {
		b, _ := signedIn()
		logout(b, "post_logout_redirect_uri", bye).wantPrompt("logged-out")
		sessionGone(b)
	})
	t.Run("client_id contradicts the hint", func(t *testing.T) {
		other := p.addClient(firstParty, func(o *tenant.Client) { o.AllowedLogoutURLs = []string{bye} })
		b, idt := signedIn()
		logout(b, "id_token_hint", idt, "client_id", other.ClientID, "post_logout_redirect_uri", bye).
			wantErrorPage(http.StatusBadRequest, "invalid_request", "client_id")
		sessionGone(b)
	})
	t.Run("a hint the tenant did not sign", func(t *testing.T) {
		b, idt := signedIn()
		parts := strings.Split(idt, ".")
		forged := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString([]byte("not a signature"))
		logout(b, "id_token_hint", forged, "post_logout_redirect_uri", bye).wantErrorPage(http.StatusBadRequest, "invalid_request", "id_token_hint")
		sessionGone(b)
	})
	t.Run("/v2/logout keeps returnTo", func(t *testing.T) {
		b, _ := signedIn()
		r := b.get(p.issuer + "v2/logout?" + form("client_id", c.ClientID, "returnTo", bye).Encode())
		if r.status != http.StatusFound || r.header.Get("Location") != bye {
			t.Fatalf("/v2/logout: %s", r.summary())
		}
		sessionGone(b)
		// post_logout_redirect_uri means nothing there.
		b, _ = signedIn()
		b.get(p.issuer + "v2/logout?" + form("client_id", c.ClientID, "post_logout_redirect_uri", bye).Encode()).wantPrompt("logged-out")
	})
}

// idClaims reads an ID token's claims without checks.
func idClaims(t *testing.T, tok string) jwt.MapClaims {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok, claims); err != nil {
		t.Fatal(err)
	}
	return claims
}

func TestA6_MaxAge(t *testing.T) {
	p, clk := newClockedIDP(t)
	c := p.addClient(firstParty)
	req := func(kv ...string) url.Values {
		return authReq(c, append([]string{"audience", apiNotes, "scope", "openid read:notes"}, kv...)...)
	}
	authTime := func(q url.Values, r *reply) int64 {
		t.Helper()
		idt := p.redeem(c, r.code(q), callbackWeb).wantOK(t).str("id_token")
		at, ok := idClaims(t, idt)["auth_time"].(float64)
		if !ok {
			t.Fatal("no auth_time in the ID token")
		}
		return int64(at)
	}

	b := p.browser()
	q := req()
	login1 := clk.Now().Unix()
	if got := authTime(q, b.signIn(q)); got != login1 {
		t.Fatalf("auth_time = %d, want the login's time %d", got, login1)
	}
	clk.Advance(5 * time.Second)

	// The session is younger than max_age: no login page, the old auth_time.
	q = req("max_age", "10")
	if got := authTime(q, b.authorize(q)); got != login1 {
		t.Errorf("max_age=10 on a 5 s old login: auth_time = %d, want %d", got, login1)
	}
	// Older: the login page again, and the new login's time.
	q = req("max_age", "2")
	r := b.authorize(q)
	r.wantPrompt("login")
	login2 := clk.Now().Unix()
	if got := authTime(q, b.login(r)); got != login2 {
		t.Errorf("after the max_age login: auth_time = %d, want %d", got, login2)
	}
	// Exactly max_age old still counts as fresh enough (more than N: login).
	clk.Advance(3 * time.Second)
	q = req("max_age", "3")
	if got := authTime(q, b.authorize(q)); got != login2 {
		t.Errorf("max_age=3 on a 3 s old login: auth_time = %d, want %d", got, login2)
	}
	// max_age=0: always the login page.
	b.authorize(req("max_age", "0")).wantPrompt("login")
	// prompt=none cannot show it: login_required.
	clk.Advance(10 * time.Second)
	q = req("max_age", "5", "prompt", "none")
	b.authorize(q).wantCallbackError(q, "query", "login_required", "")
	// prompt=login together with max_age: the login page, a new auth_time.
	q = req("max_age", "100", "prompt", "login")
	r = b.authorize(q)
	r.wantPrompt("login")
	clk.Advance(time.Second)
	login3 := clk.Now().Unix()
	if got := authTime(q, b.login(r)); got != login3 {
		t.Errorf("prompt=login max_age=100: auth_time = %d, want %d", got, login3)
	}
	// A max_age that is not a non-negative integer.
	for _, bad := range []string{"-1", "abc", "1.5", "99999999999999999999"} {
		q = req("max_age", bad)
		b.authorize(q).wantCallbackError(q, "query", "invalid_request", "")
	}
}

// TestW1_LoginTicketAtAnotherReplica is issue 8's replica finding: a
// login ticket lived in the memory of the process that issued it, so behind
// a load balancer the /authorize that redeems it (at another replica)
// refused it. Tickets now live in the shared session store.
func TestW1_LoginTicketAtAnotherReplica(t *testing.T) {
	p := startReplicas(t, nil, false, 2)
	spa := p.addClient(firstParty, spaClient, func(c *tenant.Client) { c.CrossOriginAuthentication = true })
	// Requests alternate between the replicas: co/authenticate at one, the
	// authorize at the other.
	for round := range 2 {
		b, _ := json.Marshal(map[string]string{"client_id": spa.ClientID, "username": p.alice.Email, "password": password,
			"realm": connection, "credential_type": "http://auth0.com/credentials/password"})
		res, body := p.call(http.MethodPost, "co/authenticate", string(b), "Content-Type", "application/json", "Origin", spaOrigin)
		var out map[string]any
		_ = json.Unmarshal([]byte(body), &out)
		ticket, _ := out["login_ticket"].(string)
		if res.StatusCode != 200 || ticket == "" {
			t.Fatalf("round %d: co/authenticate: HTTP %d %s", round, res.StatusCode, body)
		}
		verifier, challenge := pkce()
		q := authReq(spa, "audience", apiNotes, "scope", "openid read:notes", "login_ticket", ticket, "realm", connection,
			"code_challenge", challenge, "code_challenge_method", "S256")
		r := p.browser().withCookies(res).authorize(q)
		p.redeem(spa, r.code(q), spaCallback, "code_verifier", verifier).wantOK(t)
		// Still good once, whichever replica sees the replay.
		for range 2 {
			p.browser().withCookies(res).authorize(q).wantCallbackError(q, "query", "access_denied", "Invalid, expired or already used login ticket.")
		}
	}
}

func TestW1_CrossOriginAuthentication(t *testing.T) {
	p := newIDP(t)
	spa := p.addClient(firstParty, spaClient, func(c *tenant.Client) { c.CrossOriginAuthentication = true })
	coAuth := func(origin string, v map[string]string) (*http.Response, map[string]any) {
		t.Helper()
		b, _ := json.Marshal(v)
		res, body := p.call(http.MethodPost, "co/authenticate", string(b), "Content-Type", "application/json", "Origin", origin)
		var out map[string]any
		_ = json.Unmarshal([]byte(body), &out)
		return res, out
	}
	creds := func(c *tenant.Client, pass string) map[string]string {
		return map[string]string{"client_id": c.ClientID, "username": p.alice.Email, "password": pass,
			"realm": connection, "credential_type": "http://auth0.com/credentials/password"}
	}

	res, out := coAuth(spaOrigin, creds(spa, password))
	ticket, _ := out["login_ticket"].(string)
	if res.StatusCode != 200 || ticket == "" || res.Header.Get("Access-Control-Allow-Origin") != spaOrigin {
		t.Fatalf("co/authenticate: HTTP %d %v, ACAO %q", res.StatusCode, out, res.Header.Get("Access-Control-Allow-Origin"))
	}
	// /authorize?login_ticket= logs the user in without the login page.
	verifier, challenge := pkce()
	q := authReq(spa, "audience", apiNotes, "scope", "openid read:notes", "login_ticket", ticket, "realm", connection,
		"code_challenge", challenge, "code_challenge_method", "S256")
	b := p.browser().withCookies(res)
	r := b.authorize(q)
	tr := p.redeem(spa, r.code(q), spaCallback, "code_verifier", verifier).wantOK(t)
	if sub := idClaims(t, tr.str("id_token"))["sub"]; sub != p.alice.UserID {
		t.Errorf("sub = %v, want %s", sub, p.alice.UserID)
	}
	// ... and leaves an SSO session.
	q2 := authReq(spa, "audience", apiNotes, "scope", "read:notes", "prompt", "none", "code_challenge", challenge)
	b.authorize(q2).code(q2)
	// A ticket is good once.
	p.browser().withCookies(res).authorize(q).wantCallbackError(q, "query", "access_denied", "Invalid, expired or already used login ticket.")

	// Refusals.
	if res, out := coAuth(spaOrigin, creds(spa, "wrong")); res.StatusCode != 403 || out["error"] != "access_denied" ||
		out["error_description"] != "Wrong email or password." {
		t.Errorf("wrong password: HTTP %d %v", res.StatusCode, out)
	}
	if res, out := coAuth(evilOrigin, creds(spa, password)); res.StatusCode != 403 || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("an origin the client does not allow: HTTP %d %v", res.StatusCode, out)
	}
	// allowed_origins alone is CORS, not embedded login: web_origins it is.
	corsOnly := p.addClient(firstParty, spaClient, func(c *tenant.Client) {
		c.CrossOriginAuthentication, c.WebOrigins, c.AllowedOrigins = true, nil, []string{spaOrigin}
	})
	if res, out := coAuth(spaOrigin, creds(corsOnly, password)); res.StatusCode != 403 || out["error"] != "access_denied" {
		t.Errorf("an origin only in allowed_origins: HTTP %d %v", res.StatusCode, out)
	}
	off := p.addClient(firstParty, spaClient)
	if res, out := coAuth(spaOrigin, creds(off, password)); res.StatusCode != 403 || out["error"] != "unauthorized_client" {
		t.Errorf("cross_origin_authentication off: HTTP %d %v", res.StatusCode, out)
	}
	bad := creds(spa, password)
	bad["realm"] = "No-Such-Connection"
	if res, out := coAuth(spaOrigin, bad); res.StatusCode != 403 {
		t.Errorf("an unknown realm: HTTP %d %v", res.StatusCode, out)
	}
	// A ticket for one client does not log in to another.
	res, out = coAuth(spaOrigin, creds(spa, password))
	ticket, _ = out["login_ticket"].(string)
	other := p.addClient(firstParty)
	q3 := authReq(other, "audience", apiNotes, "scope", "read:notes", "login_ticket", ticket)
	p.browser().withCookies(res).authorize(q3).wantCallbackError(q3, "query", "access_denied", "Invalid, expired or already used login ticket.")
}

func TestT3_PasswordRealmChecksTheConnection(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	ctx := context.Background()
	must(t, p.store.CreateConnection(ctx, &tenant.Connection{Name: "Partners-DB", Strategy: tenant.StrategyAuth0, Options: map[string]any{}}))
	pw := func(realm string) tokenReply {
		return p.token(form("grant_type", tenant.GrantPasswordRealm, "client_id", c.ClientID, "client_secret", c.ClientSecret,
			"username", p.alice.Email, "password", password, "realm", realm, "audience", apiPosts))
	}
	pw(connection).wantOK(t)
	// A connection that is not enabled for the client.
	pw("Partners-DB").wantError(t, http.StatusForbidden, "unauthorized_client", "")
	// Enabled, but alice is not one of its users.
	conn, err := p.store.GetConnectionByName(ctx, "Partners-DB")
	must(t, err)
	conn.EnabledClients = append(conn.EnabledClients, c.ClientID)
	must(t, p.store.UpdateConnection(ctx, conn))
	pw("Partners-DB").wantError(t, http.StatusForbidden, "invalid_grant", "Wrong email or password.")
	// No such connection.
	pw("No-Such-DB").wantError(t, http.StatusForbidden, "invalid_grant", "Wrong email or password.")
}

// A replayed code revokes its refresh token's whole family, the tokens
// rotation issued since included (T1 with W4).
func TestW4_ReplayedCodeRevokesTheRotatedFamily(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty, func(c *tenant.Client) {
		c.RefreshToken = &tenant.RefreshTokenConfig{RotationType: tenant.RotationRotating, ExpirationType: tenant.ExpirationNon,
			TokenLifetime: tenant.DefaultRefreshTokenLifetime, IdleTokenLifetime: tenant.DefaultRefreshTokenIdleLifetime}
	})
	_, code := p.codeFor(c)
	rt1 := p.redeem(c, code, callbackWeb).wantOK(t).str("refresh_token")
	refresh := func(rt string) tokenReply {
		return p.token(form("grant_type", "refresh_token", "client_id", c.ClientID, "client_secret", c.ClientSecret, "refresh_token", rt))
	}
	rt2 := refresh(rt1).wantOK(t).str("refresh_token")
	p.redeem(c, code, callbackWeb).wantError(t, http.StatusBadRequest, "invalid_grant", "")
	refresh(rt2).wantError(t, http.StatusBadRequest, "invalid_grant", "")
}
