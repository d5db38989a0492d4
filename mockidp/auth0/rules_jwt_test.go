package auth0_test

// Rule tests for section 9 (tokens, keys, discovery, J).

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

func TestJ1_Discovery(t *testing.T) {
	p := newIDP(t)
	res, err := p.ts.Client().Get(p.issuer + ".well-known/openid-configuration")
	must(t, err)
	defer res.Body.Close()
	var d map[string]any
	must(t, json.NewDecoder(res.Body).Decode(&d))
	for k, want := range map[string]string{
		"issuer":                 p.issuer,
		"authorization_endpoint": p.issuer + "authorize",
		"token_endpoint":         p.issuer + "oauth/token",
		"userinfo_endpoint":      p.issuer + "userinfo",
		"jwks_uri":               p.issuer + ".well-known/jwks.json",
	} {
		if d[k] != want {
			t.Errorf("%s = %v, want %q", k, d[k], want)
		}
	}
	has := func(k string, want ...string) {
		t.Helper()
		list, _ := d[k].([]any)
		for _, w := range want {
			if !slices.Contains(list, any(w)) {
				t.Errorf("%s = %v, want it to include %q", k, d[k], w)
			}
		}
	}
	has("response_types_supported", "code", "token", "id_token", "id_token token")
	has("response_modes_supported", "query", "fragment", "form_post")
	has("code_challenge_methods_supported", "S256", "plain")
	has("token_endpoint_auth_methods_supported", "client_secret_basic", "client_secret_post", "none")
	has("grant_types_supported", "authorization_code", "refresh_token", "client_credentials", "password")
	has("scopes_supported", "openid", "profile", "email", "offline_access")
	has("id_token_signing_alg_values_supported", "RS256")
	has("subject_types_supported", "public")
}

func TestJ1_JWKSVerifiesTokensAndClaims(t *testing.T) {
	p := newIDP(t)
	set := p.jwks()
	algs := map[string]bool{}
	for _, k := range set.Keys {
		if k.KeyID == "" || k.Use != "sig" || !k.IsPublic() {
			t.Errorf("JWKS key %+v: want a public signing key with a kid", k)
		}
		algs[k.Algorithm] = true
	}
	if !algs["RS256"] || !algs["ES256"] {
		t.Errorf("JWKS algorithms = %v, want RS256 and ES256", algs)
	}

	c := p.addClient(firstParty)
	b := p.browser()
	q := authReq(c, "audience", apiPosts, "scope", "openid profile email read:posts", "nonce", "nonce-j1")
	r := b.login(b.authorize(q))
	loginTime := time.Now()
	tr := p.redeem(c, b.accept(r).code(q), callbackWeb).wantOK(t)

	header, at := p.verifyJWKS(tr.str("access_token"))
	if header["kid"] == "" || header["alg"] != "RS256" {
		t.Errorf("access token header = %v", header)
	}
	if at["iss"] != p.issuer || at["sub"] != p.alice.UserID || at["azp"] != c.ClientID {
		t.Errorf("access token iss=%v sub=%v azp=%v", at["iss"], at["sub"], at["azp"])
	}
	aud, _ := at.GetAudience()
	wantAudiences(t, aud, apiPosts, p.issuer+"userinfo")
	scope, _ := at["scope"].(string)
	wantScopes(t, scope, "openid", "profile", "email", "read:posts")
	iat, _ := at.GetIssuedAt()
	exp, _ := at.GetExpirationTime()
	if iat == nil || exp == nil || exp.Sub(iat.Time) != time.Hour {
		t.Errorf("iat=%v exp=%v, want exp = iat + the API's 3600s", iat, exp)
	}
	// The issuer agrees.
	claims := p.verifyAccess(tr.str("access_token"), apiPosts)
	if claims.Subject != p.alice.UserID {
		t.Errorf("VerifyAccess sub = %q", claims.Subject)
	}

	_, id := p.verifyJWKS(tr.str("id_token"))
	idAud, _ := id.GetAudience()
	wantAudiences(t, idAud, c.ClientID)
	if id["nonce"] != "nonce-j1" || id["sub"] != p.alice.UserID || id["email"] != p.alice.Email || id["name"] != p.alice.Name {
		t.Errorf("ID token nonce=%v sub=%v email=%v name=%v", id["nonce"], id["sub"], id["email"], id["name"])
	}
	authTime, _ := id["auth_time"].(float64)
	if d := loginTime.Sub(time.Unix(int64(authTime), 0)); d < 0 || d > 5*time.Second {
		t.Errorf("auth_time = %v, want the login time %v", authTime, loginTime.Unix())
	}

	// auth_time is the login's, not the token's, on a later SSO.
	q = authReq(c, "audience", apiPosts, "scope", "openid read:posts")
	later := p.redeem(c, b.authorize(q).code(q), callbackWeb).wantOK(t)
	_, id2 := p.verifyJWKS(later.str("id_token"))
	if id2["auth_time"] != id["auth_time"] {
		t.Errorf("SSO auth_time = %v, want the first login's %v", id2["auth_time"], id["auth_time"])
	}
	if _, ok := id2["nonce"]; ok {
		t.Errorf("nonce in an ID token whose request sent none")
	}
}

func TestJ1_ES256API(t *testing.T) {
	p := newIDP(t)
	const ec = "https://ec.example.com/"
	must(t, p.store.CreateAPI(context.Background(), &tenant.API{Identifier: ec, Name: "EC", SigningAlg: tokens.ES256,
		Scopes: []tenant.Scope{{Value: "read:ec"}}}))
	c := p.addClient(firstParty)
	p.clientGrant(c, ec, tenant.SubjectClient, "read:ec")
	tr := p.token(form("grant_type", "client_credentials", "client_id", c.ClientID, "client_secret", c.ClientSecret, "audience", ec)).wantOK(t)
	header, _ := p.verifyJWKS(tr.str("access_token"))
	if header["alg"] != "ES256" {
		t.Errorf("alg = %v, want ES256", header["alg"])
	}
	p.verifyAccess(tr.str("access_token"), ec)

	// The ID token stays RS256 (its audience is a client).
	pw := p.token(form("grant_type", "password", "client_id", c.ClientID, "client_secret", c.ClientSecret,
		"username", p.alice.Email, "password", password, "audience", ec, "scope", "openid read:ec")).wantOK(t)
	if h, _ := p.verifyJWKS(pw.str("access_token")); h["alg"] != "ES256" {
		t.Errorf("user access token alg = %v, want ES256", h["alg"])
	}
	if h, _ := p.verifyJWKS(pw.str("id_token")); h["alg"] != "RS256" {
		t.Errorf("ID token alg = %v, want RS256", h["alg"])
	}
}

func TestJ1_KeysSurviveARestartOverTheSameStore(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	p.clientGrant(c, apiPosts, tenant.SubjectClient, "read:posts")
	tr := p.token(form("grant_type", "client_credentials", "client_id", c.ClientID, "client_secret", c.ClientSecret, "audience", apiPosts)).wantOK(t)

	restarted, err := server.New(context.Background(), server.Options{Issuer: p.issuer, Store: p.store, PasswordCost: 4})
	must(t, err)
	if _, err := restarted.Issuer().VerifyAccess(tr.str("access_token"), apiPosts); err != nil {
		t.Errorf("a token from before the restart does not verify: %v", err)
	}
	keys, err := p.store.SigningKeys(context.Background())
	must(t, err)
	if len(keys) != 2 {
		t.Errorf("store has %d keys after a restart, want 2 (no new keys)", len(keys))
	}
}

func TestJ1_ExpiredAccessTokenIsRefused(t *testing.T) {
	p, clk := newClockedIDP(t)
	c := p.addClient(firstParty)
	_, code := p.codeFor(c)
	tr := p.redeem(c, code, callbackWeb).wantOK(t)
	if tr.body["expires_in"] != 7200.0 {
		t.Errorf("expires_in = %v, want apiNotes' token_lifetime 7200", tr.body["expires_in"])
	}
	at := tr.str("access_token")
	clk.Advance(7200*time.Second - time.Second) // apiNotes' token_lifetime
	if status, _ := p.userinfo(at); status != http.StatusOK {
		t.Fatalf("/userinfo before exp = %d", status)
	}
	clk.Advance(2 * time.Second)
	if status, _ := p.userinfo(at); status != http.StatusUnauthorized {
		t.Errorf("/userinfo after exp = %d, want 401", status)
	}
	if _, err := p.srv.Issuer().VerifyAccess(at, apiNotes); err == nil {
		t.Errorf("expired token verifies")
	}
}

func TestJ2_UserinfoNeedsOpenID(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	pw := func(c *tenant.Client, scope string) string {
		return p.token(form("grant_type", "password", "client_id", c.ClientID, "client_secret", c.ClientSecret,
			"username", p.alice.Email, "password", password, "audience", apiPosts, "scope", scope)).wantOK(t).str("access_token")
	}
	status, body := p.userinfo(pw(c, "openid email read:posts"))
	if status != http.StatusOK || body["sub"] != p.alice.UserID || body["email"] != p.alice.Email {
		t.Errorf("/userinfo = %d %v, want alice", status, body)
	}
	if _, ok := body["name"]; ok {
		t.Errorf("/userinfo shows the profile without the profile scope: %v", body)
	}
	if status, body := p.userinfo(pw(c, "read:posts")); status == http.StatusOK {
		t.Errorf("/userinfo without openid = %d %v, want an error", status, body)
	}
	if status, _ := p.userinfo("not-a-token"); status != http.StatusUnauthorized {
		t.Errorf("/userinfo with garbage = %d, want 401", status)
	}

	// A strict third-party token, even when openid was asked for.
	strict := p.strictClient()
	b := p.browser()
	verifier, challenge := pkce()
	q := authReq(strict, "audience", apiPosts, "scope", "openid read:posts", "code_challenge", challenge, "code_challenge_method", "S256")
	tr := p.redeem(strict, b.signIn(q).code(q), callbackWeb, "code_verifier", verifier).wantOK(t)
	status, body = p.userinfo(tr.str("access_token"))
	if status == http.StatusOK || body["error"] == nil {
		t.Errorf("/userinfo with a strict third-party token = %d %v, want an error", status, body)
	}
	if _, err := p.srv.Issuer().VerifyAccess(tr.str("access_token"), p.issuer+"userinfo"); err == nil {
		t.Errorf("strict third-party token is valid for /userinfo")
	}
}
