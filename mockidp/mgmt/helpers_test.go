package mgmt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/consentry/consentry/mockidp/mgmt"
	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/tenant"
)

// Tokens the fake verifier knows: tokAll holds every scope; "scopes:a,b"
// holds a and b; anything else is invalid.
const tokAll = "all"

func tokScopes(scopes ...string) string { return "scopes:" + strings.Join(scopes, ",") }

func fakeVerify(_ context.Context, bearer string) ([]string, error) {
	if bearer == tokAll {
		return mgmt.Scopes, nil
	}
	if rest, ok := strings.CutPrefix(bearer, "scopes:"); ok {
		return strings.Split(rest, ","), nil
	}
	return nil, errors.New("bad token")
}

// fixture is one Management API over an in-memory store.
type fixture struct {
	t     *testing.T
	store *memstore.Store
	h     http.Handler
	logs  *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := newTenantStore(t)
	logs := &syncBuffer{}
	n := 0
	var mu sync.Mutex
	api := mgmt.New(mgmt.Config{
		Store:        st,
		Verify:       fakeVerify,
		HashPassword: func(pw string) (string, error) { return "HASHED-" + pw, nil },
		NewClientID: func(strict bool) string {
			mu.Lock()
			defer mu.Unlock()
			n++
			id := fmt.Sprintf("client%03d", n)
			if strict {
				return "tpc_" + id
			}
			return id
		},
		NewSecret: func() string { return "s3cr3t-value" },
		Logger:    slog.New(slog.NewJSONHandler(logs, nil)),
	})
	r := chi.NewRouter()
	api.Mount(r)
	return &fixture{t: t, store: st, h: r, logs: logs}
}

// response is a recorded answer.
type response struct {
	t      *testing.T
	status int
	header http.Header
	body   []byte
}

// do sends a request with the all-scopes token. target may hold escapes
// (it is sent as is).
func (f *fixture) do(method, target, body string) *response {
	f.t.Helper()
	return f.doAs(tokAll, method, target, body)
}

func (f *fixture) doAs(token, method, target, body string) *response {
	f.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	return &response{t: f.t, status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func (r *response) want(status int) *response {
	r.t.Helper()
	if r.status != status {
		r.t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	return r
}

// obj decodes the body as an object.
func (r *response) obj() map[string]any {
	r.t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		r.t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// arr decodes the body as an array of objects.
func (r *response) arr() []map[string]any {
	r.t.Helper()
	var a []map[string]any
	if err := json.Unmarshal(r.body, &a); err != nil {
		r.t.Fatalf("body is not a JSON array: %v: %s", err, r.body)
	}
	return a
}

// wantError checks an Auth0-shaped error body exactly.
func (r *response) wantError(status int, errorCode, message string) {
	r.t.Helper()
	r.want(status)
	var got struct {
		StatusCode int    `json:"statusCode"`
		Error      string `json:"error"`
		Message    string `json:"message"`
		ErrorCode  string `json:"errorCode"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		r.t.Fatalf("error body is not JSON: %v: %s", err, r.body)
	}
	if got.StatusCode != status || got.Error != http.StatusText(status) || got.ErrorCode != errorCode || got.Message != message {
		r.t.Fatalf("error body %s,\nwant statusCode %d, error %q, errorCode %q, message %q",
			r.body, status, http.StatusText(status), errorCode, message)
	}
}

// createClient creates a client through the API and returns its body.
func (f *fixture) createClient(body string) map[string]any {
	f.t.Helper()
	return f.do("POST", "/api/v2/clients", body).want(http.StatusCreated).obj()
}

func (f *fixture) createAPI(identifier string) map[string]any {
	f.t.Helper()
	body := fmt.Sprintf(`{"identifier":%q,"name":"API","scopes":[{"value":"read:posts","description":"Read posts"}]}`, identifier)
	return f.do("POST", "/api/v2/resource-servers", body).want(http.StatusCreated).obj()
}

func (f *fixture) createUser(email string) string {
	f.t.Helper()
	body := fmt.Sprintf(`{"connection":"Username-Password-Authentication","email":%q,"password":"Passw0rd!"}`, email)
	return f.do("POST", "/api/v2/users", body).want(http.StatusCreated).obj()["user_id"].(string)
}

func (f *fixture) mergeGrant(userID, clientID, audience string, scopes ...string) *tenant.UserGrant {
	f.t.Helper()
	g, err := f.store.MergeUserGrant(context.Background(), userID, clientID, audience, scopes)
	if err != nil {
		f.t.Fatal(err)
	}
	return g
}

// jsonEqual compares a decoded JSON value with a JSON literal.
func jsonEqual(t *testing.T, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want literal %s: %v", want, err)
	}
	g, _ := json.Marshal(got)
	wn, _ := json.Marshal(w)
	if !bytes.Equal(g, wn) {
		t.Fatalf("got %s, want %s", g, wn)
	}
}

// newTenantStore is an empty tenant as Auth0 makes one: it has the default
// database connection, and the tests' second database connection "db".
func newTenantStore(t *testing.T) *memstore.Store {
	t.Helper()
	st := memstore.New()
	for _, c := range []*tenant.Connection{tenant.DefaultConnection(nil),
		{Name: "db", Strategy: tenant.StrategyAuth0, Options: map[string]any{}, EnabledClients: []string{}, Realms: []string{"db"}}} {
		if err := st.CreateConnection(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	return st
}
