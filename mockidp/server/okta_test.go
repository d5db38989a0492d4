package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/store/oktamem"
)

// TestNewOktaStartsAnOrgWithTheDefaultServer: an empty store becomes a new
// Okta org (server default, its system scopes, discovery) whose admin API
// takes the configured SSWS token and refuses others.
func TestNewOktaStartsAnOrgWithTheDefaultServer(t *testing.T) {
	var h http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	defer ts.Close()
	s, err := server.NewOkta(context.Background(), server.OktaOptions{OrgURL: ts.URL + "/", Store: oktamem.New(), APIToken: "tok-123"})
	if err != nil {
		t.Fatal(err)
	}
	h = s
	get := func(path, auth string) (int, any) {
		req, _ := http.NewRequest("GET", ts.URL+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var v any
		_ = json.NewDecoder(res.Body).Decode(&v)
		return res.StatusCode, v
	}
	status, d := get("/oauth2/default/.well-known/openid-configuration", "")
	if status != http.StatusOK || d.(map[string]any)["issuer"] != ts.URL+"/oauth2/default" {
		t.Fatalf("discovery %d %v", status, d)
	}
	status, scopes := get("/api/v1/authorizationServers/default/scopes", "SSWS tok-123")
	if status != http.StatusOK || len(scopes.([]any)) != 7 {
		t.Errorf("scopes %d %v", status, scopes)
	}
	if status, _ := get("/api/v1/authorizationServers/default/scopes", "SSWS wrong"); status != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", status)
	}
	if _, err := server.NewOkta(context.Background(), server.OktaOptions{OrgURL: "http://h/path", Store: oktamem.New()}); err == nil {
		t.Error("an org URL with a path was accepted")
	}
}

// TestNewOktaKeepsKeysInTheKeyStore (rule J1 for an Okta org): with a
// KeyStore the org's signing keys are stored once and the same on the next
// start (or replica); without one each start makes its own.
func TestNewOktaKeepsKeysInTheKeyStore(t *testing.T) {
	ctx := context.Background()
	keys := memstore.New()
	org := oktamem.New()
	kid := func(opts server.OktaOptions) string {
		t.Helper()
		s, err := server.NewOkta(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Keys().Wait(); err != nil {
			t.Fatal(err)
		}
		return s.Keys().JWKS().Keys[0].KeyID
	}
	stored := server.OktaOptions{OrgURL: "http://org.test", Store: org, KeyStore: keys}
	first, again := kid(stored), kid(stored)
	if first != again {
		t.Errorf("keys changed between two starts on one key store: %s, then %s", first, again)
	}
	if sk, _ := keys.SigningKeys(ctx); len(sk) == 0 {
		t.Error("nothing stored in the key store")
	}
	if other := kid(server.OktaOptions{OrgURL: "http://org.test", Store: org}); other == first {
		t.Error("an org without a key store reused the stored key")
	}
}
