package auth0_test

// Rule tests for section 6 (the token endpoint, T).

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tenant"
)

// codeFor runs a first-party code flow on apiNotes (no consent) in a fresh
// browser and returns the request and the code; kv adds parameters.
func (p *idp) codeFor(c *tenant.Client, kv ...string) (url.Values, string) {
	p.t.Helper()
	q := authReq(c, append([]string{"audience", apiNotes, "scope", "openid read:notes offline_access"}, kv...)...)
	b := p.browser()
	return q, b.signIn(q).code(q)
}

func TestT1_ClientAuthentication(t *testing.T) {
	p := newIDP(t)
	t.Run("client_secret_basic", func(t *testing.T) {
		c := p.addClient(firstParty, func(c *tenant.Client) { c.TokenEndpointAuthMethod = tenant.AuthSecretBasic })
		_, code := p.codeFor(c)
		p.token(form("grant_type", "authorization_code", "code", code, "redirect_uri", callbackWeb), c.ClientID, c.ClientSecret).wantOK(t)
	})
	t.Run("client_secret_post", func(t *testing.T) {
		c := p.addClient(firstParty)
		_, code := p.codeFor(c)
		p.redeem(c, code, callbackWeb).wantOK(t)
	})
	t.Run("wrong secret", func(t *testing.T) {
		c := p.addClient(firstParty)
		_, code := p.codeFor(c)
		p.token(form("grant_type", "authorization_code", "code", code, "redirect_uri", callbackWeb), c.ClientID, "wrong").
			wantError(t, http.StatusUnauthorized, "invalid_client", "")
		p.token(form("grant_type", "authorization_code", "code", code, "redirect_uri", callbackWeb, "client_id", c.ClientID)).
			wantError(t, http.StatusUnauthorized, "invalid_client", "")
	})
	t.Run("none with PKCE", func(t *testing.T) {
		c := p.addClient(firstParty, public)
		verifier, challenge := pkce()
		_, code := p.codeFor(c, "code_challenge", challenge, "code_challenge_method", "S256")
		p.redeem(c, code, callbackWeb, "code_verifier", verifier).wantOK(t)
	})
	t.Run("none without PKCE", func(t *testing.T) {
		c := p.addClient(firstParty, public)
		_, code := p.codeFor(c)
		p.redeem(c, code, callbackWeb).wantError(t, http.StatusBadRequest, "invalid_request", "")
	})
	t.Run("code of another client", func(t *testing.T) {
		c, other := p.addClient(firstParty), p.addClient(firstParty)
		_, code := p.codeFor(c)
		p.redeem(other, code, callbackWeb).wantError(t, http.StatusBadRequest, "invalid_grant", "")
	})
}

func TestT1_RedirectURIMustBeIdentical(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty, callbacks(callbackWeb, "https://app.example.com/other", "http://127.0.0.1:3000/cb"))
	for _, tc := range []struct{ sent, redeemed string }{
		{callbackWeb, "https://app.example.com/other"},
		{callbackWeb, callbackWeb + "/"},
		{callbackWeb, ""},
		{"http://127.0.0.1:51000/cb", "http://127.0.0.1:3000/cb"}, // same callback, another port
	} {
		_, code := p.codeFor(c, "redirect_uri", tc.sent)
		p.redeem(c, code, tc.redeemed).wantError(t, http.StatusBadRequest, "invalid_grant", "")
	}
	_, code := p.codeFor(c, "redirect_uri", "http://127.0.0.1:51000/cb")
	p.redeem(c, code, "http://127.0.0.1:51000/cb").wantOK(t)
}

func TestT1_PKCE(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	verifier, challenge := pkce()
	plain := strings.Repeat("plain-verifier-", 4)
	for _, tc := range []struct {
		name             string
		method, challeng string
		verifier         string
		status           int
		code             string
	}{
		{"S256", "S256", challenge, verifier, http.StatusOK, ""},
		{"S256 mismatch", "S256", challenge, verifier + "x", http.StatusBadRequest, "invalid_grant"},
		{"S256 verifier sent as plain", "S256", challenge, challenge, http.StatusBadRequest, "invalid_grant"},
		{"plain", "plain", plain, plain, http.StatusOK, ""},
		{"plain by default", "", plain, plain, http.StatusOK, ""},
		{"plain mismatch", "plain", plain, plain + "x", http.StatusBadRequest, "invalid_grant"},
		{"challenge but no verifier", "S256", challenge, "", http.StatusBadRequest, "invalid_request"},
		{"verifier but no challenge", "", "", verifier, http.StatusBadRequest, "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var kv []string
			if tc.challeng != "" {
				kv = append(kv, "code_challenge", tc.challeng)
			}
			if tc.method != "" {
				kv = append(kv, "code_challenge_method", tc.method)
			}
			_, code := p.codeFor(c, kv...)
			var extra []string
			if tc.verifier != "" {
				extra = []string{"code_verifier", tc.verifier}
			}
			tr := p.redeem(c, code, callbackWeb, extra...)
			if tc.status == http.StatusOK {
				tr.wantOK(t)
				return
			}
			tr.wantError(t, tc.status, tc.code, "")
		})
	}
}

func TestT1_CodeIsSingleUseAndReplayRevokesTokens(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	_, code := p.codeFor(c)
	first := p.redeem(c, code, callbackWeb).wantOK(t)
	access, refresh := first.str("access_token"), first.str("refresh_token")
	if refresh == "" {
		t.Fatalf("no refresh token: %s", first.raw)
	}
	if status, _ := p.userinfo(access); status != http.StatusOK {
		t.Fatalf("/userinfo with the first access token = %d", status)
	}

	p.redeem(c, code, callbackWeb).wantError(t, http.StatusBadRequest, "invalid_grant", "")

	if status, body := p.userinfo(access); status != http.StatusUnauthorized || body["error"] != "invalid_token" {
		t.Errorf("/userinfo after the replay = %d %v, want 401 invalid_token", status, body)
	}
	p.token(form("grant_type", "refresh_token", "client_id", c.ClientID, "client_secret", c.ClientSecret, "refresh_token", refresh)).
		wantError(t, http.StatusBadRequest, "invalid_grant", "")
}

func TestT1_CodeExpiry(t *testing.T) {
	if session.CodeTTL > 10*time.Minute {
		t.Errorf("session.CodeTTL = %v, want at most 10 minutes", session.CodeTTL)
	}
	p, clk := newClockedIDP(t)
	c := p.addClient(firstParty)
	_, fresh := p.codeFor(c)
	_, stale := p.codeFor(c)
	clk.Advance(session.CodeTTL - time.Second)
	p.redeem(c, fresh, callbackWeb).wantOK(t)
	clk.Advance(2 * time.Second)
	p.redeem(c, stale, callbackWeb).wantError(t, http.StatusBadRequest, "invalid_grant", "")
}

func TestT2_ClientCredentials(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	cc := func(kv ...string) tokenReply {
		return p.token(form(append([]string{"grant_type", "client_credentials", "client_id", c.ClientID, "client_secret", c.ClientSecret}, kv...)...))
	}
	want := `Client is not authorized to access "` + apiPosts + `". You need to create a "client-grant" associated to this API.`
	cc("audience", apiPosts).wantError(t, http.StatusForbidden, "access_denied", want)
	// A grant for users is not a grant for the client itself.
	p.clientGrant(c, apiPosts, tenant.SubjectUser, "read:posts")
	cc("audience", apiPosts).wantError(t, http.StatusForbidden, "access_denied", want)

	p.clientGrant(c, apiPosts, tenant.SubjectClient, "read:posts", "write:posts")
	tr := cc("audience", apiPosts).wantOK(t)
	wantScopes(t, tr.str("scope"), "read:posts", "write:posts")
	claims := p.verifyAccess(tr.str("access_token"), apiPosts)
	if claims.Subject != c.ClientID+"@clients" || claims.AZP != c.ClientID || claims.GTY != "client-credentials" {
		t.Errorf("claims sub=%q azp=%q gty=%q", claims.Subject, claims.AZP, claims.GTY)
	}
	wantAudiences(t, claims.Audience, apiPosts)
	wantScopes(t, claims.Scope, "read:posts", "write:posts")

	tr = cc("audience", apiPosts, "scope", "read:posts delete:posts openid").wantOK(t)
	wantScopes(t, tr.str("scope"), "read:posts")
	wantScopes(t, p.verifyAccess(tr.str("access_token"), apiPosts).Scope, "read:posts")
	p.wantNoGrant(c) // no consent, no user grant
}

func TestT3_PasswordGrants(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	pw := func(grant string, kv ...string) tokenReply {
		return p.token(form(append([]string{"grant_type", grant, "client_id", c.ClientID, "client_secret", c.ClientSecret,
			"username", p.alice.Email, "password", password, "audience", apiPosts}, kv...)...))
	}
	for _, grant := range []string{tenant.GrantPassword, tenant.GrantPasswordRealm} {
		t.Run(grant, func(t *testing.T) {
			tr := pw(grant, "realm", connection).wantOK(t)
			wantScopes(t, tr.str("scope"), "read:posts", "write:posts", "delete:posts") // no scope: every API scope
			claims := p.verifyAccess(tr.str("access_token"), apiPosts)
			if claims.Subject != p.alice.UserID || claims.AZP != c.ClientID {
				t.Errorf("sub=%q azp=%q", claims.Subject, claims.AZP)
			}
			tr = pw(grant, "realm", connection, "scope", "openid read:posts").wantOK(t)
			wantScopes(t, tr.str("scope"), "openid", "read:posts")
			if tr.str("id_token") == "" {
				t.Errorf("no ID token for openid")
			}
			p.wantNoGrant(c)

			const wrong = "Wrong email or password."
			pw(grant, "realm", connection, "password", "nope").wantError(t, http.StatusForbidden, "invalid_grant", wrong)
			pw(grant, "realm", connection, "username", "nobody@example.com").wantError(t, http.StatusForbidden, "invalid_grant", wrong)
		})
	}
	pw(tenant.GrantPasswordRealm, "realm", "other-connection").wantError(t, http.StatusForbidden, "invalid_grant", "Wrong email or password.")

	strict := p.strictClient(grantTypes(tenant.GrantAuthorizationCode, tenant.GrantPassword, tenant.GrantPasswordRealm))
	for _, grant := range []string{tenant.GrantPassword, tenant.GrantPasswordRealm} {
		p.token(form("grant_type", grant, "client_id", strict.ClientID, "client_secret", strict.ClientSecret,
			"username", p.alice.Email, "password", password, "realm", connection, "audience", apiPosts)).
			wantError(t, http.StatusForbidden, "unauthorized_client", "")
	}
}

func TestT4_RefreshTokens(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	refreshWith := func(c *tenant.Client, rt string, kv ...string) tokenReply {
		return p.token(form(append([]string{"grant_type", "refresh_token", "client_id", c.ClientID,
			"client_secret", c.ClientSecret, "refresh_token", rt}, kv...)...))
	}

	_, code := p.codeFor(c)
	tr := p.redeem(c, code, callbackWeb).wantOK(t)
	rt := tr.str("refresh_token")
	if rt == "" {
		t.Fatalf("no refresh token with offline_access: %s", tr.raw)
	}
	again := refreshWith(c, rt).wantOK(t)
	wantScopes(t, again.str("scope"), "openid", "read:notes", "offline_access")
	claims := p.verifyAccess(again.str("access_token"), apiNotes)
	if claims.Subject != p.alice.UserID || claims.ID == p.verifyAccess(tr.str("access_token"), apiNotes).ID {
		t.Errorf("refreshed token: sub=%q, jti reused=%v", claims.Subject, claims.ID)
	}
	wantScopes(t, refreshWith(c, rt, "scope", "read:notes").wantOK(t).str("scope"), "read:notes")
	// T5: errors the spec names no status for are 400.
	if r := refreshWith(c, rt, "scope", "write:notes"); r.status != http.StatusBadRequest || r.str("error") != "invalid_scope" {
		t.Errorf("refresh asking for more scope: HTTP %d %s, want 400 invalid_scope", r.status, r.raw)
	}
	if r := refreshWith(p.addClient(firstParty), rt); r.status != http.StatusBadRequest || r.str("error") != "invalid_grant" {
		t.Errorf("another client's refresh token: HTTP %d %s, want 400 invalid_grant", r.status, r.raw)
	}

	t.Run("no offline_access requested", func(t *testing.T) {
		_, code := p.codeFor(c, "scope", "openid read:notes")
		if tr := p.redeem(c, code, callbackWeb).wantOK(t); tr.str("refresh_token") != "" {
			t.Errorf("refresh token without offline_access")
		}
	})
	t.Run("client without the refresh_token grant", func(t *testing.T) {
		c := p.addClient(firstParty, grantTypes(tenant.GrantAuthorizationCode))
		_, code := p.codeFor(c)
		tr := p.redeem(c, code, callbackWeb).wantOK(t)
		if tr.str("refresh_token") != "" {
			t.Errorf("refresh token for a client without the refresh_token grant")
		}
		wantScopes(t, tr.str("scope"), "openid", "read:notes")
	})
	// An API without allow_offline_access: see TestP1_APISettingsShapeTheTokens.
}

func TestT5_ErrorsAreJSONWithTheirStatus(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty, grantTypes(tenant.GrantAuthorizationCode, tenant.GrantClientCredentials))
	p.clientGrant(c, apiPosts, tenant.SubjectClient, "read:posts")
	auth := []string{"client_id", c.ClientID, "client_secret", c.ClientSecret}
	for _, tc := range []struct {
		name   string
		form   url.Values
		basic  []string
		status int
		code   string
	}{
		{"unknown client", form("grant_type", "client_credentials", "client_id", "nope", "client_secret", "x", "audience", apiPosts), nil, http.StatusUnauthorized, "invalid_client"},
		{"wrong secret (post)", form("grant_type", "client_credentials", "client_id", c.ClientID, "client_secret", "x", "audience", apiPosts), nil, http.StatusUnauthorized, "invalid_client"},
		{"wrong secret (basic)", form("grant_type", "client_credentials", "audience", apiPosts), []string{c.ClientID, "x"}, http.StatusUnauthorized, "invalid_client"},
		{"no secret", form("grant_type", "client_credentials", "client_id", c.ClientID, "audience", apiPosts), nil, http.StatusUnauthorized, "invalid_client"},
		{"no client at all", form("grant_type", "client_credentials", "audience", apiPosts), nil, http.StatusUnauthorized, "invalid_client"},
		{"no grant_type", form(auth...), nil, http.StatusBadRequest, "invalid_request"},
		{"unknown grant_type", form(append(auth, "grant_type", "urn:example:nope")...), nil, http.StatusBadRequest, "unsupported_grant_type"},
		{"missing code", form(append(auth, "grant_type", "authorization_code", "redirect_uri", callbackWeb)...), nil, http.StatusBadRequest, "invalid_request"},
		{"bad code", form(append(auth, "grant_type", "authorization_code", "code", "forged", "redirect_uri", callbackWeb)...), nil, http.StatusBadRequest, "invalid_grant"},
		{"grant type not allowed (K5)", form(append(auth, "grant_type", "password", "username", "a", "password", "b")...), nil, http.StatusForbidden, "unauthorized_client"},
		{"no client grant (T2)", form(append(auth, "grant_type", "client_credentials", "audience", apiNotes)...), nil, http.StatusForbidden, "access_denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := p.token(tc.form, tc.basic...)
			tr.wantError(t, tc.status, tc.code, "")
			if tr.str("error_description") == "" {
				t.Errorf("no error_description: %s", tr.raw)
			}
			if tc.status == http.StatusUnauthorized && tr.header.Get("WWW-Authenticate") == "" {
				t.Errorf("401 without WWW-Authenticate")
			}
			if tr.header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", tr.header.Get("Cache-Control"))
			}
		})
	}
}
