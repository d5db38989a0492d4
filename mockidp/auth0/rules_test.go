package auth0_test

// Rule tests for sections 1 (clients, K) and 2 (APIs, P) of
// /work/shared/spec/consent-behavior.md, through the whole IdP over HTTP.
// Sections 3 to 6 and 9 are in the other rules_*_test.go files.

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

// mgmt calls the Management API as the bootstrap management client.
func (p *idp) mgmt(method, path, body string) (int, map[string]any) {
	p.t.Helper()
	tr := p.token(form("grant_type", "client_credentials", "client_id", mgmtClientID,
		"client_secret", mgmtClientSecret, "audience", server.ManagementAudience(p.issuer))).wantOK(p.t)
	req, err := http.NewRequest(method, p.issuer+strings.TrimPrefix(path, "/"), bytes.NewBufferString(body))
	must(p.t, err)
	req.Header.Set("Authorization", "Bearer "+tr.str("access_token"))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := p.ts.Client().Do(req)
	must(p.t, err)
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func TestK1_ClientsAreFirstPartyByDefaultAndStaySo(t *testing.T) {
	p := newIDP(t)
	status, created := p.mgmt("POST", "/api/v2/clients", `{"name":"Made by the admin","callbacks":["`+callbackWeb+`"]}`)
	if status != http.StatusCreated || created["is_first_party"] != true {
		t.Fatalf("POST /api/v2/clients = %d %v, want 201 with is_first_party true", status, created)
	}
	id, _ := created["client_id"].(string)
	c, err := p.store.GetClient(context.Background(), id)
	must(t, err)

	// The face treats it as first-party: an API that lets first-party
	// clients skip consent gives the code with no consent page (C4).
	b := p.browser()
	q := authReq(c, "audience", apiNotes, "scope", "read:notes")
	b.login(b.authorize(q)).code(q)
	p.wantNoGrant(c)

	// Ownership never changes.
	if status, body := p.mgmt("PATCH", "/api/v2/clients/"+id, `{"is_first_party":false}`); status != http.StatusBadRequest {
		t.Errorf("PATCH is_first_party=false = %d %v, want 400", status, body)
	}
	if c, _ := p.store.GetClient(context.Background(), id); !c.IsFirstParty {
		t.Errorf("client became third-party")
	}
	// A third-party client is asked for consent on the same API (C1).
	third := p.addClient(permissiveThirdParty)
	q = authReq(third, "audience", apiNotes, "scope", "read:notes")
	b.authorize(q).wantPrompt("consent")
}

func TestK2_StrictThirdPartyClientIDPrefix(t *testing.T) {
	p := newIDP(t)
	status, created := p.mgmt("POST", "/api/v2/clients", `{"name":"Theirs","is_first_party":false,"callbacks":["`+callbackWeb+`"]}`)
	if status != http.StatusCreated {
		t.Fatalf("POST /api/v2/clients = %d %v", status, created)
	}
	if id, _ := created["client_id"].(string); !strings.HasPrefix(id, "tpc_") {
		t.Errorf("strict third-party client_id = %q, want the tpc_ prefix", id)
	}
	if created["third_party_security_mode"] != tenant.ModeStrict {
		t.Errorf("third_party_security_mode = %v, want strict (the default)", created["third_party_security_mode"])
	}
	_, perm := p.mgmt("POST", "/api/v2/clients", `{"name":"Loose","is_first_party":false,"third_party_security_mode":"permissive"}`)
	if id, _ := perm["client_id"].(string); id == "" || strings.HasPrefix(id, "tpc_") {
		t.Errorf("permissive client_id = %q, want no tpc_ prefix", id)
	}
}

// strictClient is a strict third-party client with a user client grant on
// apiPosts for every scope.
func (p *idp) strictClient(opts ...func(*tenant.Client)) *tenant.Client {
	p.t.Helper()
	c := p.addClient(append([]func(*tenant.Client){strictThirdParty}, opts...)...)
	p.clientGrant(c, apiPosts, tenant.SubjectUser, "read:posts", "write:posts", "delete:posts")
	return c
}

func TestK2_StrictThirdPartyRequiresPKCE(t *testing.T) {
	p := newIDP(t)
	c := p.strictClient()
	b := p.browser()
	q := authReq(c, "audience", apiPosts, "scope", "read:posts")
	b.authorize(q).wantCallbackError(q, "query", "invalid_request", "")

	// With PKCE the same request goes on to the login page.
	_, challenge := pkce()
	q = authReq(c, "audience", apiPosts, "scope", "read:posts", "code_challenge", challenge, "code_challenge_method", "S256")
	b.authorize(q).wantPrompt("login")

	// Permissive third-party clients do not need PKCE.
	perm := p.addClient(permissiveThirdParty)
	q = authReq(perm, "audience", apiPosts, "scope", "read:posts")
	b.authorize(q).wantPrompt("login")
}

func TestK2_StrictThirdPartyOnlyUsesTheCodeFlow(t *testing.T) {
	p := newIDP(t)
	c := p.strictClient(grantTypes(tenant.GrantAuthorizationCode, tenant.GrantImplicit, tenant.GrantPassword, tenant.GrantClientCredentials))
	b := p.browser()
	for _, rt := range []string{"token", "id_token", "id_token token"} {
		q := authReq(c, "response_type", rt, "audience", apiPosts, "scope", "openid read:posts", "nonce", "n-1")
		b.authorize(q).wantCallbackError(q, "fragment", "unsupported_response_type", "")
	}
	// Password grant: refused even when listed in grant_types.
	p.token(form("grant_type", "password", "client_id", c.ClientID, "client_secret", c.ClientSecret,
		"username", p.alice.Email, "password", password, "audience", apiPosts)).
		wantError(t, http.StatusForbidden, "unauthorized_client", "")

	// client_credentials only for confidential clients.
	p.clientGrant(c, apiNotes, tenant.SubjectClient, "read:notes")
	p.token(form("grant_type", "client_credentials", "client_id", c.ClientID, "client_secret", c.ClientSecret,
		"audience", apiNotes)).wantOK(t)
	pub := p.addClient(strictThirdParty, public)
	p.clientGrant(pub, apiNotes, tenant.SubjectClient, "read:notes")
	p.token(form("grant_type", "client_credentials", "client_id", pub.ClientID, "audience", apiNotes)).
		wantError(t, http.StatusForbidden, "unauthorized_client", "")
}

func TestK2_StrictThirdPartyLosesOIDCScopes(t *testing.T) {
	p := newIDP(t)
	c := p.strictClient()
	b := p.browser()
	verifier, challenge := pkce()
	q := authReq(c, "audience", apiPosts, "scope", "openid profile email read:posts",
		"code_challenge", challenge, "code_challenge_method", "S256", "nonce", "n-2")
	r := b.login(b.authorize(q))
	r.wantPrompt("consent")
	if got := r.scopeLines(); len(got) != 1 || got[0] != "Posts: read your posts" {
		t.Errorf("consent lines = %q, want only the API scope", got)
	}
	if got := r.hidden()["scope"]; len(got) != 1 || got[0] != "read:posts" {
		t.Errorf("consent form scopes = %q, want [read:posts]", got)
	}
	tr := p.redeem(c, b.accept(r).code(q), q.Get("redirect_uri"), "code_verifier", verifier).wantOK(t)
	if tr.str("id_token") != "" {
		t.Errorf("strict third-party client got an ID token")
	}
	wantScopes(t, tr.str("scope"), "read:posts")
	claims := p.verifyAccess(tr.str("access_token"), apiPosts)
	wantAudiences(t, claims.Audience, apiPosts)
	wantScopes(t, claims.Scope, "read:posts")
}

func TestK2_StrictThirdPartyNeedsUserClientGrant(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(strictThirdParty)
	// A client grant for the client itself is not one for users.
	p.clientGrant(c, apiPosts, tenant.SubjectClient, "read:posts")
	b := p.browser()
	_, challenge := pkce()
	q := authReq(c, "audience", apiPosts, "scope", "read:posts", "code_challenge", challenge, "code_challenge_method", "S256")
	b.authorize(q).wantCallbackError(q, "query", "unauthorized_client", "")

	// The user client grant also bounds the scopes (P3: the rest is dropped).
	p.clientGrant(c, apiPosts, tenant.SubjectUser, "read:posts")
	q = authReq(c, "audience", apiPosts, "scope", "read:posts write:posts", "code_challenge", challenge, "code_challenge_method", "S256")
	r := b.login(b.authorize(q))
	r.wantPrompt("consent")
	if got := r.hidden()["scope"]; len(got) != 1 || got[0] != "read:posts" {
		t.Errorf("consent form scopes = %q, want what the client grant allows", got)
	}
}

func TestK3_RedirectionPolicyOnlyBindsStrictThirdParty(t *testing.T) {
	policy := func(v string) func(*tenant.Client) { return func(c *tenant.Client) { c.RedirectionPolicy = v } }
	for _, tc := range []struct {
		name     string
		opts     []func(*tenant.Client)
		redirect bool
	}{
		{"strict, default policy", []func(*tenant.Client){strictThirdParty}, false},
		{"strict, open_redirect_protection", []func(*tenant.Client){strictThirdParty, policy(tenant.PolicyOpenRedirectProtection)}, false},
		{"strict, allow_always", []func(*tenant.Client){strictThirdParty, policy(tenant.PolicyAllowAlways)}, true},
		{"permissive, open_redirect_protection", []func(*tenant.Client){permissiveThirdParty, policy(tenant.PolicyOpenRedirectProtection)}, true},
		{"first-party, open_redirect_protection", []func(*tenant.Client){firstParty, policy(tenant.PolicyOpenRedirectProtection)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newIDP(t)
			c := p.addClient(tc.opts...)
			p.clientGrant(c, apiPosts, tenant.SubjectUser, "read:posts")
			_, challenge := pkce()
			q := authReq(c, "audience", apiPosts, "scope", "read:posts", "code_challenge", challenge, "code_challenge_method", "S256")
			b := p.browser()
			r := b.decline(b.login(b.authorize(q)))
			if tc.redirect {
				r.wantCallbackError(q, "query", "access_denied", declined)
			} else {
				r.wantErrorPage(http.StatusForbidden, "access_denied", declined)
			}
			p.wantNoGrant(c)
		})
	}
}

func TestK4_RedirectURIMatching(t *testing.T) {
	for _, tc := range []struct {
		registered, requested string
		match                 bool
	}{
		{"https://app.example.com/callback", "https://app.example.com/callback", true},
		{"https://app.example.com/callback", "https://app.example.com/callback/", false},
		{"https://app.example.com/callback", "https://APP.example.com/callback", false},
		{"https://app.example.com/callback", "https://app.example.com/callback?x=1", false},
		{"https://app.example.com/callback", "https://app.example.com:8443/callback", false},
		{"https://app.example.com/callback", "http://app.example.com/callback", false},
		{"http://127.0.0.1:3000/cb", "http://127.0.0.1:51089/cb", true},
		{"http://127.0.0.1/cb", "http://127.0.0.1:51089/cb", true},
		{"http://127.0.0.1:3000/cb", "http://127.0.0.1:3000/other", false},
		{"http://127.0.0.1:3000/cb", "https://127.0.0.1:3000/cb", false},
		{"http://[::1]:8080/cb", "http://[::1]:9999/cb", true},
		{"http://127.0.0.1:3000/cb", "http://[::1]:3000/cb", false},
		{"http://localhost:3000/cb", "http://localhost:3000/cb", true},
		{"http://localhost:3000/cb", "http://localhost:3001/cb", false}, // a name, not an IP literal
		{"com.example.app://cb", "com.example.app://cb", true},
		{"com.example.app://cb", "com.example.app://cb2", false},
		{"http://app.localhost:3000/cb", "http://app.localhost:3001/cb", false},
	} {
		t.Run(tc.registered+" <- "+tc.requested, func(t *testing.T) {
			p := newIDP(t)
			c := p.addClient(firstParty, callbacks(tc.registered))
			q := authReq(c, "redirect_uri", tc.requested)
			r := p.browser().authorize(q)
			if tc.match {
				r.wantPrompt("login")
				return
			}
			r.wantErrorPage(http.StatusBadRequest, "invalid_request", tc.requested)
		})
	}
}

func TestK4_LocalhostSubdomainIsVerifiable(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty, callbacks("http://app.localhost:3000/cb", "http://localhost:3000/cb"))
	b := p.browser()
	q := authReq(c, "audience", apiNotes, "scope", "read:notes")
	b.signIn(q).code(q) // session

	// Same SSO situation, two callbacks: only the loopback one is
	// non-verifiable and gets the confirmation page (C6).
	q = authReq(c, "audience", apiNotes, "scope", "read:notes")
	b.authorize(q).code(q)
	q = authReq(c, "audience", apiNotes, "scope", "read:notes", "redirect_uri", "http://localhost:3000/cb")
	b.authorize(q).wantPrompt("confirmation")
}

func TestK5_GrantTypeNotAllowedForTheClient(t *testing.T) {
	p := newIDP(t)
	for _, gt := range []string{tenant.GrantAuthorizationCode, tenant.GrantClientCredentials, tenant.GrantPassword,
		tenant.GrantPasswordRealm, tenant.GrantRefreshToken} {
		t.Run(gt, func(t *testing.T) {
			var others []string
			for _, g := range []string{tenant.GrantAuthorizationCode, tenant.GrantClientCredentials, tenant.GrantPassword,
				tenant.GrantPasswordRealm, tenant.GrantRefreshToken} {
				if g != gt {
					others = append(others, g)
				}
			}
			c := p.addClient(firstParty, grantTypes(others...))
			p.clientGrant(c, apiPosts, tenant.SubjectClient, "read:posts")
			p.token(form("grant_type", gt, "client_id", c.ClientID, "client_secret", c.ClientSecret, "audience", apiPosts,
				"username", p.alice.Email, "password", password, "realm", connection, "code", "x", "refresh_token", "x",
				"redirect_uri", callbackWeb)).
				wantError(t, http.StatusForbidden, "unauthorized_client", "Grant type '"+gt+"' not allowed for the client.")
		})
	}
	t.Run("authorize", func(t *testing.T) {
		c := p.addClient(firstParty, grantTypes(tenant.GrantClientCredentials))
		b := p.browser()
		q := authReq(c)
		b.authorize(q).wantCallbackError(q, "query", "unauthorized_client", "Grant type 'authorization_code' not allowed for the client.")
		q = authReq(c, "response_type", "token")
		b.authorize(q).wantCallbackError(q, "fragment", "unauthorized_client", "Grant type 'implicit' not allowed for the client.")
	})
}

func TestK6_SkipConfirmationSettingClientWins(t *testing.T) {
	for _, tc := range []struct {
		name         string
		client       *bool
		tenant       bool
		confirmation bool
	}{
		{"neither set", nil, false, true},
		{"tenant on", nil, true, false},
		{"client on", ptr(true), false, false},
		{"client off wins over tenant on", ptr(false), true, true},
		{"client on wins over tenant off", ptr(true), false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newIDP(t)
			p.setSettings(func(s *tenant.Settings) { s.SkipNonVerifiableCallbackURIConfirmationPrompt = tc.tenant })
			c := p.addClient(firstParty, callbacks("http://127.0.0.1:4000/cb"), func(c *tenant.Client) {
				c.SkipNonVerifiableCallbackURIConfirmationPrompt = tc.client
			})
			b := p.browser()
			q := authReq(c, "audience", apiNotes, "scope", "read:notes")
			b.login(b.authorize(q)).code(q) // a screen was shown: never a confirmation
			q = authReq(c, "audience", apiNotes, "scope", "read:notes")
			r := b.authorize(q)
			if tc.confirmation {
				r.wantPrompt("confirmation")
			} else {
				r.code(q)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestP1_APISettingsShapeTheTokens(t *testing.T) {
	p := newIDP(t)
	ctx := context.Background()
	must(t, p.store.CreateAPI(ctx, &tenant.API{Identifier: "https://ec.example.com/", Name: "EC API", SigningAlg: tokens.ES256,
		TokenLifetime: 600, Scopes: []tenant.Scope{{Value: "read:ec"}}})) // allow_offline_access and skip off
	c := p.addClient(firstParty)

	t.Run("signing algorithm and lifetime", func(t *testing.T) {
		tr := p.token(form("grant_type", "password", "client_id", c.ClientID, "client_secret", c.ClientSecret,
			"username", p.alice.Email, "password", password, "audience", "https://ec.example.com/", "scope", "read:ec offline_access")).wantOK(t)
		header, claims := p.verifyJWKS(tr.str("access_token"))
		if header["alg"] != tokens.ES256 {
			t.Errorf("alg = %v, want ES256", header["alg"])
		}
		iat, _ := claims.GetIssuedAt()
		exp, _ := claims.GetExpirationTime()
		if d := exp.Sub(iat.Time); d != 600*time.Second {
			t.Errorf("exp - iat = %v, want the API's token_lifetime 600s", d)
		}
		if n, _ := tr.body["expires_in"].(float64); n < 595 || n > 600 {
			t.Errorf("expires_in = %v, want about 600", tr.body["expires_in"])
		}
		// allow_offline_access off: offline_access is dropped, no refresh token.
		wantScopes(t, tr.str("scope"), "read:ec")
		if tr.str("refresh_token") != "" {
			t.Errorf("refresh token issued for an API without allow_offline_access")
		}
	})
	t.Run("skip consent defaults to off", func(t *testing.T) {
		q := authReq(c, "audience", "https://ec.example.com/", "scope", "read:ec")
		b := p.browser()
		b.login(b.authorize(q)).wantPrompt("consent")
	})
}

func TestP2_OldSpellingsAreAliases(t *testing.T) {
	p := newIDP(t)
	const legacy = "https://legacy.example.com/"
	status, body := p.mgmt("POST", "/api/v2/resource-servers", `{"identifier":"`+legacy+`","name":"Legacy",
		"scopes":[{"value":"read:things"}],"skip_consent_for_verifiable_first_party":"true",
		"token_exchange":[{"enabled_subject_token_types":"urn:ietf:params:oauth:token-type:access_token"}]}`)
	if status != http.StatusCreated {
		t.Fatalf("POST /api/v2/resource-servers = %d %v", status, body)
	}
	id, _ := body["id"].(string)
	_, got := p.mgmt("GET", "/api/v2/resource-servers/"+id, "")
	if got["skip_consent_for_verifiable_first_party_clients"] != true {
		t.Errorf("GET skip_consent_for_verifiable_first_party_clients = %v, want true", got["skip_consent_for_verifiable_first_party_clients"])
	}
	if _, ok := got["skip_consent_for_verifiable_first_party"]; ok {
		t.Errorf("GET shows the old name: %v", got)
	}
	te, _ := json.Marshal(got["token_exchange"])
	if string(te) != `{"enabled_subject_token_types":["urn:ietf:params:oauth:token-type:access_token"]}` {
		t.Errorf("GET token_exchange = %s, want the current form", te)
	}
	// The alias is the one source of truth: the face skips consent.
	c := p.addClient(firstParty)
	q := authReq(c, "audience", legacy, "scope", "read:things")
	b := p.browser()
	b.login(b.authorize(q)).code(q)
	p.wantNoGrant(c)
}

func TestP3_UnknownScopesAreDroppedNotErrors(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	b := p.browser()
	q := authReq(c, "audience", apiPosts, "scope", "read:posts frobnicate:posts admin read:notes")
	r := b.login(b.authorize(q))
	r.wantPrompt("consent")
	if got := r.scopeLines(); len(got) != 1 || got[0] != "Posts: read your posts" {
		t.Errorf("consent lines = %q, want only the known scope", got)
	}
	tr := p.redeem(c, b.accept(r).code(q), q.Get("redirect_uri")).wantOK(t)
	wantScopes(t, tr.str("scope"), "read:posts")
	if gs := p.grants(c); len(gs) != 1 || strings.Join(gs[0].Scope, " ") != "read:posts" {
		t.Errorf("grant = %+v, want read:posts only", gs)
	}
	// The same at the token endpoint.
	tr = p.token(form("grant_type", "password", "client_id", c.ClientID, "client_secret", c.ClientSecret,
		"username", p.alice.Email, "password", password, "audience", apiPosts, "scope", "write:posts bogus")).wantOK(t)
	wantScopes(t, tr.str("scope"), "write:posts")
}
