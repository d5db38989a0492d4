package oktaface_test

import (
	"net/http"
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

	o.spa.Status = okta.StatusInactive
	o.update(o.spa)
	if h := get("/v1/keys", spaOrigin); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("the origin of an inactive app is still trusted: %v", h)
	}
}
