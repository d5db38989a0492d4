package oktaface_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/okta"
)

// TestCORS_TheAppsRedirectOriginsAreTrusted: the endpoints okta-auth-js
// calls from a single-page app's own origin (discovery, keys, token,
// userinfo, revoke, introspect) answer preflights and requests from the
// origin of an ACTIVE app's redirect URI with that exact origin and
// credentials allowed; other origins, and those of an inactive app, get
// no CORS headers (found by interop/oktaauthjs_test.go: without them the
// SDK's first request, the discovery document, failed with "Failed to
// fetch").
func TestCORS_TheAppsRedirectOriginsAreTrusted(t *testing.T) {
	o := newOrg(t)
	const spaOrigin = "http://localhost:3000" // spaCB's origin
	preflight := func(path, origin, method string) http.Header {
		t.Helper()
		req, _ := http.NewRequest(http.MethodOptions, o.issuer()+path, nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", method)
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-okta-user-agent-extended")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent {
			t.Errorf("preflight %s from %s: status %d, want 204", path, origin, res.StatusCode)
		}
		return res.Header
	}
	get := func(path, origin string) http.Header {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, o.issuer()+path, nil)
		req.Header.Set("Origin", origin)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", path, res.StatusCode)
		}
		return res.Header
	}

	for path, method := range map[string]string{"/v1/token": "POST", "/v1/revoke": "POST", "/v1/introspect": "POST",
		"/v1/userinfo": "GET", "/v1/keys": "GET", "/.well-known/openid-configuration": "GET"} {
		h := preflight(path, spaOrigin, method)
		if h.Get("Access-Control-Allow-Origin") != spaOrigin || h.Get("Access-Control-Allow-Credentials") != "true" ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), method) ||
			!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "x-okta-user-agent-extended") {
			t.Errorf("preflight %s from the SPA's origin: %v", path, h)
		}
		if h := preflight(path, "https://evil.example", method); h.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight %s from an untrusted origin allowed: %v", path, h)
		}
	}
	for _, path := range []string{"/.well-known/openid-configuration", "/v1/keys"} {
		if h := get(path, spaOrigin); h.Get("Access-Control-Allow-Origin") != spaOrigin || h.Get("Access-Control-Allow-Credentials") != "true" {
			t.Errorf("GET %s from the SPA's origin: %v", path, h)
		}
		if h := get(path, "https://evil.example"); h.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("GET %s from an untrusted origin allowed: %v", path, h)
		}
	}
	// The web app's sign-out URL's origin counts too.
	if h := get("/v1/keys", "https://app.example.com"); h.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("the web app's origin: %v", h)
	}

	// A redirect URI with the default port written out has the origin a
	// browser sends without it.
	o.web.Settings.OAuthClient.PostLogoutRedirectURIs = append(o.web.Settings.OAuthClient.PostLogoutRedirectURIs, "https://Portal.Example.com:443/bye")
	o.update(o.web)
	if h := get("/v1/keys", "https://portal.example.com"); h.Get("Access-Control-Allow-Origin") != "https://portal.example.com" {
		t.Errorf("an origin with its default port in the redirect URI: %v", h)
	}

	o.spa.Status = okta.StatusInactive
	o.update(o.spa)
	if h := get("/v1/keys", spaOrigin); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("the origin of an inactive app is still trusted: %v", h)
	}
}

// TestRevoke_PublicClientBasicWithoutColon: okta-auth-js's
// revokeAccessToken (and signOut) authenticate a client without a secret
// as "Authorization: Basic base64(client_id)", with no colon
// (lib/oidc/revokeToken.ts). The mock refused that with invalid_client
// (found by interop/oktaauthjs_test.go); a public app is now known by it,
// while a confidential app still needs its secret.
func TestRevoke_PublicClientBasicWithoutColon(t *testing.T) {
	o := newOrg(t)
	b := o.browser()
	const verifier = "verifier-0123456789-0123456789-0123456789-0123"
	cb := callback(t, b.login(b.authorize(o.spa, url.Values{"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}})), spaCB, false)
	status, tok := o.token("", "", url.Values{"grant_type": {"authorization_code"}, "client_id": {o.spa.ClientID()}, "code": {cb.Get("code")},
		"redirect_uri": {spaCB}, "code_verifier": {verifier}})
	at, _ := tok["access_token"].(string)
	if status != http.StatusOK || at == "" {
		t.Fatalf("code exchange: %d %v", status, tok)
	}
	post := func(path, auth string, form url.Values) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest("POST", o.issuer()+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", auth)
		return o.call(req)
	}
	bare := func(id string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(id)) }

	// A confidential app is not authenticated by its id alone.
	if status, res := post("/v1/revoke", bare(o.web.ClientID()), url.Values{"token": {at}}); status != http.StatusUnauthorized || res["error"] != "invalid_client" {
		t.Errorf("revoke as the web app with no secret: %d %v, want 401 invalid_client", status, res)
	}
	// The header and a secret in the body are two methods.
	if status, res := post("/v1/revoke", bare(o.spa.ClientID()), url.Values{"token": {at}, "client_secret": {"x"}}); status != http.StatusUnauthorized || res["error"] != "invalid_request" {
		t.Errorf("bare Basic plus client_secret: %d %v, want 401 invalid_request", status, res)
	}
	if status, res := post("/v1/revoke", bare(o.spa.ClientID()), url.Values{"token": {at}, "token_type_hint": {"access_token"}}); status != http.StatusOK {
		t.Fatalf("revoke as okta-auth-js sends it: %d %v, want 200", status, res)
	}
	if _, in := post("/v1/introspect", bare(o.spa.ClientID()), url.Values{"token": {at}}); in["active"] != false {
		t.Errorf("introspect after the revoke: %v, want active false", in)
	}
	req, _ := http.NewRequest("GET", o.issuer()+"/v1/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+at)
	if status, _ := o.call(req); status != http.StatusUnauthorized {
		t.Errorf("userinfo with the revoked token: %d, want 401", status)
	}
}
