package sqlstore_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/tenant"
)

// The store benchmarks run the whole server handler in process (no network)
// on each store, so the difference between the sub-benchmarks is the store:
// what a token request or a Management API write costs on memory, on SQLite
// with synchronous=FULL (an fsync per write, so the disk decides) and on a
// local PostgreSQL (the throwaway test server: fsync off, so a lower bound
// of a real server's cost). They report requests/s besides ns/op.

const benchIssuer = "http://idp.bench/"

type benchStore struct {
	name string
	open func(b *testing.B) tenant.Store
}

func benchStores() []benchStore {
	return []benchStore{
		{"memory", func(*testing.B) tenant.Store { return memstore.New() }},
		{"sqlite", func(b *testing.B) tenant.Store { return newSQLiteB(b) }},
		{"postgres", func(b *testing.B) tenant.Store { return newPostgresB(b) }},
	}
}

func benchServer(b *testing.B, st tenant.Store) http.Handler {
	b.Helper()
	ctx := b.Context()
	must := func(err error) {
		b.Helper()
		if err != nil {
			b.Fatal(err)
		}
	}
	must(st.CreateAPI(ctx, &tenant.API{Identifier: "https://api.bench", Name: "Bench", SigningAlg: "RS256", TokenLifetime: 3600,
		Scopes: []tenant.Scope{{Value: "read"}}}))
	must(st.CreateClient(ctx, &tenant.Client{ClientID: "m2m", ClientSecret: "m2m-secret", Name: "M2M", AppType: tenant.AppNonInteractive,
		IsFirstParty: true, GrantTypes: []string{tenant.GrantClientCredentials}, TokenEndpointAuthMethod: tenant.AuthSecretPost}))
	must(st.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: "m2m", Audience: "https://api.bench", Scope: []string{"read"}}))
	srv, err := server.New(ctx, server.Options{Issuer: benchIssuer, Store: st, Logger: slog.New(slog.DiscardHandler),
		MgmtClientID: "mgmt", MgmtClientSecret: "mgmt-secret", PasswordCost: 4})
	must(err)
	return srv
}

func do(h http.Handler, method, target, contentType, bearer, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func tokenBody(id, secret, aud string) string {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}, "audience": {aud}}.Encode()
}

func reportRate(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "req/s")
	}
}

// BenchmarkStoreTokenRequests: POST /oauth/token, client_credentials: reads
// the client, its grant and the API, then signs (RS256). No store write.
func BenchmarkStoreTokenRequests(b *testing.B) {
	for _, bs := range benchStores() {
		b.Run(bs.name, func(b *testing.B) {
			h := benchServer(b, bs.open(b))
			body := tokenBody("m2m", "m2m-secret", "https://api.bench")
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if rec := do(h, http.MethodPost, benchIssuer+"oauth/token", "application/x-www-form-urlencoded", "", body); rec.Code != http.StatusOK {
						b.Errorf("token: %d %s", rec.Code, rec.Body)
						return
					}
				}
			})
			reportRate(b)
		})
	}
}

// BenchmarkStoreManagementWrites: Management API writes, alternately
// POST /api/v2/clients (an insert) and PATCH /api/v2/clients/{id} (a
// compare-and-swap update), each acknowledged only once durable.
func BenchmarkStoreManagementWrites(b *testing.B) {
	for _, bs := range benchStores() {
		b.Run(bs.name, func(b *testing.B) {
			h := benchServer(b, bs.open(b))
			rec := do(h, http.MethodPost, benchIssuer+"oauth/token", "application/x-www-form-urlencoded", "",
				tokenBody("mgmt", "mgmt-secret", benchIssuer+"api/v2/"))
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &tok) != nil {
				b.Fatalf("management token: %d %s", rec.Code, rec.Body)
			}
			var n atomic.Int64
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				var last string
				for pb.Next() {
					i := n.Add(1)
					if last == "" || i%2 == 0 {
						rec := do(h, http.MethodPost, benchIssuer+"api/v2/clients", "application/json", tok.AccessToken,
							fmt.Sprintf(`{"name":"bench %d","app_type":"non_interactive"}`, i))
						var c struct {
							ClientID string `json:"client_id"`
						}
						if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &c) != nil {
							b.Errorf("create client: %d %s", rec.Code, rec.Body)
							return
						}
						last = c.ClientID
						continue
					}
					rec := do(h, http.MethodPatch, benchIssuer+"api/v2/clients/"+last, "application/json", tok.AccessToken,
						fmt.Sprintf(`{"description":"patched %d"}`, i))
					if rec.Code != http.StatusOK {
						b.Errorf("patch client: %d %s", rec.Code, rec.Body)
						return
					}
					_, _ = io.Copy(io.Discard, rec.Body)
				}
			})
			reportRate(b)
		})
	}
}
