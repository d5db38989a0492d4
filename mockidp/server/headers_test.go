package server_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/store/memstore"
)

// Every answer carries the security headers (issue 8 item 8): pages, JSON
// endpoints, the Management API, errors and unknown paths alike.
func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	e := start(t)
	for _, tc := range []struct{ method, path string }{
		{"GET", "/healthz"},
		{"GET", "/.well-known/openid-configuration"},
		{"GET", "/authorize?client_id=web&redirect_uri=https://app.example.com/cb&response_type=code"},
		{"GET", "/authorize?client_id=nope"},
		{"POST", "/oauth/token"},
		{"GET", "/oauth/token"},
		{"GET", "/userinfo"},
		{"GET", "/api/v2/clients"},
		{"GET", "/no/such/path"},
	} {
		req, err := http.NewRequest(tc.method, e.ts.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		h := res.Header
		if got := h.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("%s %s (%d): Referrer-Policy = %q, want no-referrer", tc.method, tc.path, res.StatusCode, got)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s (%d): X-Content-Type-Options = %q, want nosniff", tc.method, tc.path, res.StatusCode, got)
		}
		if got := h.Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s %s: Strict-Transport-Security = %q over plain HTTP", tc.method, tc.path, got)
		}
		if strings.HasPrefix(h.Get("Content-Type"), "text/html") && res.StatusCode < 300 {
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s %s: page CSP %q lacks frame-ancestors 'none'", tc.method, tc.path, csp)
			}
			if !strings.Contains(string(body), "data-prompt") {
				t.Errorf("%s %s: an HTML answer that is not one of the IdP's pages", tc.method, tc.path)
			}
		}
	}
}

func TestHSTSWhenAskedFor(t *testing.T) {
	ts := httptest.NewTLSServer(nil)
	t.Cleanup(ts.Close)
	srv, err := server.New(context.Background(), server.Options{Issuer: ts.URL + "/", Store: memstore.New(), HSTS: true})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv
	for _, path := range []string{"/healthz", "/authorize", "/oauth/token"} {
		res, err := ts.Client().Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
			t.Errorf("GET %s: Strict-Transport-Security = %q, want max-age=...", path, got)
		}
	}
}
