package auth0_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

// exchangeEnv is a tenant with a user, a front-end app, and three APIs that
// call each other: orders -> billing -> ledger (+ audit, without skip).
type exchangeEnv struct {
	t     *testing.T
	ts    *httptest.Server
	srv   *server.Server
	store *memstore.Store
}

const (
	ordersAPI  = "https://orders.example.com"
	billingAPI = "https://billing.example.com"
	ledgerAPI  = "https://ledger.example.com"
	auditAPI   = "https://audit.example.com"
)

func newExchangeEnv(t *testing.T) *exchangeEnv {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	ts := httptest.NewUnstartedServer(nil)
	ts.Start()
	t.Cleanup(ts.Close)
	hash, _ := credentials.HashPassword("pw-alice-1", 4)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.CreateUser(ctx, &tenant.User{UserID: "auth0|alice", Email: "alice@example.com", PasswordHash: hash, Connection: "Username-Password-Authentication"}))
	for _, a := range []struct {
		id, scope string
		skip      bool
	}{{ordersAPI, "read:orders", true}, {billingAPI, "read:invoices", true}, {ledgerAPI, "read:entries", true}, {auditAPI, "read:audit", false}} {
		must(st.CreateAPI(ctx, &tenant.API{Identifier: a.id, Name: a.id, Scopes: []tenant.Scope{{Value: a.scope}, {Value: "write:" + strings.TrimPrefix(a.scope, "read:")}},
			SkipConsentForVerifiableFirstPartyClients: a.skip, SigningAlg: tokens.RS256}))
	}
	must(st.CreateClient(ctx, &tenant.Client{ClientID: "web", ClientSecret: "web-secret", Name: "Web", IsFirstParty: true,
		GrantTypes: []string{tenant.GrantPassword}, TokenEndpointAuthMethod: tenant.AuthSecretPost}))
	for _, c := range []struct{ id, api string }{{"orders-rs", ordersAPI}, {"billing-rs", billingAPI}, {"ledger-rs", ledgerAPI}} {
		must(st.CreateClient(ctx, &tenant.Client{ClientID: c.id, ClientSecret: c.id + "-secret", Name: c.id, IsFirstParty: true,
			AppType: tenant.AppResourceServer, ResourceServerIdentifier: c.api, GrantTypes: []string{tenant.GrantTokenExchange},
			TokenEndpointAuthMethod: tenant.AuthSecretPost}))
	}
	srv, err := server.New(ctx, server.Options{Issuer: ts.URL + "/", Store: st, PasswordCost: 4})
	must(err)
	ts.Config.Handler = srv
	return &exchangeEnv{t: t, ts: ts, srv: srv, store: st}
}

// enable turns exchange on for an API with the seed's exact PATCH body shape
// stored in its current form.
func (e *exchangeEnv) enable(identifier string) {
	ctx := context.Background()
	api, err := e.store.GetAPIByIdentifier(ctx, identifier)
	if err != nil {
		e.t.Fatal(err)
	}
	api.TokenExchange = &tenant.APITokenExchange{EnabledSubjectTokenTypes: []string{tenant.TokenTypeAccessToken}}
	if err := e.store.UpdateAPI(ctx, api); err != nil {
		e.t.Fatal(err)
	}
}

func (e *exchangeEnv) post(form url.Values) (int, map[string]any) {
	e.t.Helper()
	resp, err := http.PostForm(e.ts.URL+"/oauth/token", form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		e.t.Fatalf("decode: %v", err)
	}
	return resp.StatusCode, body
}

// userToken gets alice's token for an API through the password grant.
func (e *exchangeEnv) userToken(audience, scope string) string {
	e.t.Helper()
	code, body := e.post(url.Values{"grant_type": {"password"}, "client_id": {"web"}, "client_secret": {"web-secret"},
		"username": {"alice@example.com"}, "password": {"pw-alice-1"}, "audience": {audience}, "scope": {scope}})
	if code != 200 {
		e.t.Fatalf("user token: %d %v", code, body)
	}
	return body["access_token"].(string)
}

func (e *exchangeEnv) exchange(client, subject, audience, scope string) (int, map[string]any) {
	e.t.Helper()
	form := url.Values{"grant_type": {tenant.GrantTokenExchange}, "client_id": {client}, "client_secret": {client + "-secret"},
		"subject_token": {subject}, "subject_token_type": {tenant.TokenTypeAccessToken}, "audience": {audience}}
	if scope != "" {
		form.Set("scope", scope)
	}
	return e.exchangeForm(form)
}

func (e *exchangeEnv) exchangeForm(form url.Values) (int, map[string]any) { return e.post(form) }

func wantError(t *testing.T, code int, body map[string]any, status int, errCode string) {
	t.Helper()
	if code != status || body["error"] != errCode {
		t.Fatalf("got %d %v, want %d %s", code, body, status, errCode)
	}
	if d, _ := body["error_description"].(string); d == "" {
		t.Fatalf("no error_description in %v", body)
	}
}

func TestX1_X3_APIExchangesAUsersTokenForAnotherAPI(t *testing.T) {
	e := newExchangeEnv(t)
	e.enable(ordersAPI)
	subject := e.userToken(ordersAPI, "read:orders")
	code, body := e.exchange("orders-rs", subject, billingAPI, "read:invoices write:invoices unknown:scope")
	if code != 200 {
		t.Fatalf("exchange: %d %v", code, body)
	}
	if body["issued_token_type"] != tenant.TokenTypeAccessToken || body["token_type"] != "Bearer" || body["scope"] != "read:invoices write:invoices" {
		t.Fatalf("response %v", body)
	}
	if n, _ := body["expires_in"].(float64); n <= 0 {
		t.Fatalf("expires_in %v", body["expires_in"])
	}
	c, err := e.srv.Issuer().VerifyAccess(body["access_token"].(string), billingAPI)
	if err != nil {
		t.Fatalf("issued token does not verify for the target: %v", err)
	}
	if c.Subject != "auth0|alice" || c.AZP != "orders-rs" || c.Act == nil || c.Act.Sub != "orders-rs" || c.Act.Act != nil {
		t.Fatalf("claims sub=%s azp=%s act=%+v", c.Subject, c.AZP, c.Act)
	}
}

func TestX2_ClientProfileAlsoEnablesExchange(t *testing.T) {
	e := newExchangeEnv(t)
	ctx := context.Background()
	cl, _ := e.store.GetClient(ctx, "orders-rs")
	cl.TokenExchange = &tenant.ClientTokenExchange{AllowAnyProfileOfType: []string{tenant.ProfileOnBehalfOf}}
	if err := e.store.UpdateClient(ctx, cl); err != nil {
		t.Fatal(err)
	}
	code, body := e.exchange("orders-rs", e.userToken(ordersAPI, "read:orders"), billingAPI, "")
	if code != 200 || body["scope"] != "read:invoices write:invoices" {
		t.Fatalf("got %d %v; want 200 with every target scope when none is requested", code, body)
	}
}

func TestX2_DisabledExchangeAndTargetWithoutSkipAreRefused(t *testing.T) {
	e := newExchangeEnv(t)
	subject := e.userToken(ordersAPI, "read:orders")
	code, body := e.exchange("orders-rs", subject, billingAPI, "")
	wantError(t, code, body, 403, "unauthorized_client")

	e.enable(ordersAPI)
	code, body = e.exchange("orders-rs", subject, auditAPI, "")
	wantError(t, code, body, 403, "consent_required")

	// Only an API's client may exchange.
	code, body = e.post(url.Values{"grant_type": {tenant.GrantTokenExchange}, "client_id": {"web"}, "client_secret": {"web-secret"},
		"subject_token": {subject}, "subject_token_type": {tenant.TokenTypeAccessToken}, "audience": {billingAPI}})
	wantError(t, code, body, 403, "unauthorized_client")
}

func TestX3_TwoHopChainNestsActAndTheFifthHopIsRefused(t *testing.T) {
	e := newExchangeEnv(t)
	for _, api := range []string{ordersAPI, billingAPI, ledgerAPI} {
		e.enable(api)
	}
	tok := e.userToken(ordersAPI, "read:orders")
	code, body := e.exchange("orders-rs", tok, billingAPI, "read:invoices")
	if code != 200 {
		t.Fatalf("hop 1: %d %v", code, body)
	}
	code, body = e.exchange("billing-rs", body["access_token"].(string), ledgerAPI, "read:entries")
	if code != 200 {
		t.Fatalf("hop 2: %d %v", code, body)
	}
	c, err := e.srv.Issuer().VerifyAccess(body["access_token"].(string), ledgerAPI)
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "auth0|alice" || c.AZP != "billing-rs" || c.Act == nil || c.Act.Sub != "billing-rs" || c.Act.Act == nil || c.Act.Act.Sub != "orders-rs" || c.Act.Act.Act != nil {
		t.Fatalf("act chain %+v", c.Act)
	}
	// ledger -> ledger keeps hopping on the same API: hops 3 and 4 pass, 5 is too deep.
	tok = body["access_token"].(string)
	for hop := 3; hop <= 5; hop++ {
		code, body = e.exchange("ledger-rs", tok, ledgerAPI, "read:entries")
		if hop <= 4 {
			if code != 200 {
				t.Fatalf("hop %d: %d %v", hop, code, body)
			}
			tok = body["access_token"].(string)
			continue
		}
		wantError(t, code, body, 400, "invalid_request")
	}
}

func TestX4_BadSubjectTokensTypesAndAudiencesAreRefused(t *testing.T) {
	e := newExchangeEnv(t)
	e.enable(ordersAPI)
	good := e.userToken(ordersAPI, "read:orders")
	foreign := e.userToken(billingAPI, "read:invoices") // not for the acting API
	// An expired token, signed with the tenant's own key.
	past := &tokens.Issuer{URL: e.srv.Issuer().URL, Keys: e.srv.Issuer().Keys, Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }}
	old, err := past.AccessToken(tokens.Access{Subject: "auth0|alice", Audience: []string{ordersAPI}, ClientID: "web", Lifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	base := func() url.Values {
		return url.Values{"grant_type": {tenant.GrantTokenExchange}, "client_id": {"orders-rs"}, "client_secret": {"orders-rs-secret"},
			"subject_token": {good}, "subject_token_type": {tenant.TokenTypeAccessToken}, "audience": {billingAPI}}
	}
	cases := []struct {
		name   string
		edit   func(url.Values)
		status int
		code   string
	}{
		{"garbled subject token", func(f url.Values) { f.Set("subject_token", "not.a.jwt") }, 400, "invalid_request"},
		{"expired subject token", func(f url.Values) { f.Set("subject_token", old.Token) }, 400, "invalid_request"},
		{"foreign subject token", func(f url.Values) { f.Set("subject_token", foreign) }, 400, "invalid_request"},
		{"tampered subject token", func(f url.Values) { f.Set("subject_token", good[:len(good)-4]+"AAAA") }, 400, "invalid_request"},
		{"missing subject token", func(f url.Values) { f.Del("subject_token") }, 400, "invalid_request"},
		{"wrong subject token type", func(f url.Values) { f.Set("subject_token_type", "urn:ietf:params:oauth:token-type:id_token") }, 400, "invalid_request"},
		{"wrong requested token type", func(f url.Values) {
			f.Set("requested_token_type", "urn:ietf:params:oauth:token-type:refresh_token")
		}, 400, "invalid_request"},
		{"missing audience", func(f url.Values) { f.Del("audience") }, 400, "invalid_request"},
		{"unknown audience", func(f url.Values) { f.Set("audience", "https://nowhere.example.com") }, 400, "invalid_target"},
		{"downscoping beyond the subject token", func(f url.Values) {
			f.Set("audience", ordersAPI)
			f.Set("scope", "read:orders write:orders")
		}, 400, "invalid_scope"},
		{"wrong client secret", func(f url.Values) { f.Set("client_secret", "nope") }, 401, "invalid_client"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := base()
			c.edit(f)
			code, body := e.exchangeForm(f)
			wantError(t, code, body, c.status, c.code)
		})
	}
}
