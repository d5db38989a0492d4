package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/tenant"
)

// clock is a settable time source shared by the test and the server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type env struct {
	ts    *httptest.Server
	store *memstore.Store
	clock *clock
}

func start(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	hash, _ := credentials.HashPassword("pw-alice-1", 4)
	for _, err := range []error{
		st.CreateUser(ctx, &tenant.User{UserID: "auth0|alice", Email: "alice@example.com", PasswordHash: hash, Connection: "Username-Password-Authentication"}),
		st.CreateAPI(ctx, &tenant.API{Identifier: "https://cal.example.com", Name: "Calendar", Scopes: []tenant.Scope{{Value: "read:events"}},
			SkipConsentForVerifiableFirstPartyClients: true}),
		st.CreateClient(ctx, &tenant.Client{ClientID: "web", ClientSecret: "web-secret", Name: "Web", IsFirstParty: true,
			Callbacks: []string{"https://app.example.com/cb"}, GrantTypes: []string{tenant.GrantAuthorizationCode}, TokenEndpointAuthMethod: tenant.AuthSecretPost}),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	clk := &clock{t: time.Now()}
	ts := httptest.NewServer(nil)
	t.Cleanup(ts.Close)
	srv, err := server.New(ctx, server.Options{Issuer: ts.URL + "/", Store: st, PasswordCost: 4, Now: clk.Now,
		MgmtClientID: "mgmt", MgmtClientSecret: "mgmt-secret"})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv
	return &env{ts: ts, store: st, clock: clk}
}

var hidden = regexp.MustCompile(`<input type="hidden" name="(\w+)" value="([^"]*)">`)

// code logs alice in for client web and returns the authorization code.
func (e *env) code(t *testing.T) string {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if !strings.HasPrefix(r.URL.String(), e.ts.URL) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	q := url.Values{"client_id": {"web"}, "redirect_uri": {"https://app.example.com/cb"}, "response_type": {"code"},
		"audience": {"https://cal.example.com"}, "scope": {"read:events"}, "state": {"s1"}}
	resp, err := c.Get(e.ts.URL + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{"username": {"alice@example.com"}, "password": {"pw-alice-1"}, "action": {"default"}}
	for _, m := range hidden.FindAllStringSubmatch(string(body), -1) {
		form.Set(m[1], m[2])
	}
	resp, err = c.PostForm(resp.Request.URL.String(), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		t.Fatalf("no code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

func (e *env) redeem(t *testing.T, code string) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(e.ts.URL+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {"web"},
		"client_secret": {"web-secret"}, "code": {code}, "redirect_uri": {"https://app.example.com/cb"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func TestT1_CodesExpireWithinTenMinutes(t *testing.T) {
	e := start(t)
	fresh := e.code(t)
	stale := e.code(t)
	if status, body := e.redeem(t, fresh); status != 200 {
		t.Fatalf("fresh code: %d %v", status, body)
	}
	e.clock.Add(10 * time.Minute)
	status, body := e.redeem(t, stale)
	if status != 400 || body["error"] != "invalid_grant" {
		t.Fatalf("code 10 minutes old: %d %v, want 400 invalid_grant", status, body)
	}
}

func TestTokensUseTheServerClock(t *testing.T) {
	e := start(t)
	e.clock.Add(-48 * time.Hour) // tokens issued two days ago...
	status, body := e.redeem(t, e.code(t))
	if status != 200 {
		t.Fatalf("%d %v", status, body)
	}
	if body["expires_in"].(float64) != 86400 {
		t.Fatalf("expires_in %v, want 86400 by the server's clock", body["expires_in"])
	}
	e.clock.Add(48 * time.Hour) // ...are expired now, at /userinfo too
	req, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+body["access_token"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/userinfo with an expired token: %d, want 401", resp.StatusCode)
	}
}

func TestATenantWithoutANameShowsTheDefaultNameEverywhere(t *testing.T) {
	e := start(t)
	s, err := e.store.GetSettings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.FriendlyName != tenant.DefaultFriendlyName {
		t.Fatalf("friendly_name %q, want %q (the name the pages show)", s.FriendlyName, tenant.DefaultFriendlyName)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	for name, o := range map[string]server.Options{
		"relative issuer":      {Issuer: "/x/", Store: memstore.New()},
		"issuer without slash": {Issuer: "http://127.0.0.1:1", Store: memstore.New()},
		"no store":             {Issuer: "http://127.0.0.1:1/"},
		"half a mgmt client":   {Issuer: "http://127.0.0.1:1/", Store: memstore.New(), MgmtClientID: "m"},
	} {
		if _, err := server.New(context.Background(), o); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
