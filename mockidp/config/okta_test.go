package config

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/store/oktamem"
)

func TestVendorOfATenantFile(t *testing.T) {
	for in, want := range map[string]string{
		"vendor: okta\n":          VendorOkta,
		"vendor: auth0\n":         VendorAuth0,
		"settings: {}\n":          VendorAuth0,
		"":                        VendorAuth0,
		"- a list, not a mapping": VendorAuth0,
	} {
		got, err := Vendor([]byte(in))
		if err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"vendor: ping\n", "vendor: [okta]\n", "vendor: okta\nvendor: okta\n"} {
		if _, err := Vendor([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestOkta_DemoOrgFileLoadsAndApplies(t *testing.T) {
	f, err := LoadOkta("../../testdata/tenants/okta-demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	st := oktamem.New()
	if err := f.Apply(ctx, st, credentials.MinCost, time.Now()); err != nil {
		t.Fatal(err)
	}
	if f.Org.Name != "Consentry Okta Demo" {
		t.Errorf("org name %q", f.Org.Name)
	}
	def, err := st.GetAuthServer(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	scope := func(server, name string) *okta.Scope {
		t.Helper()
		s, err := st.FindScope(ctx, server, name)
		if err != nil {
			t.Fatalf("scope %s: %v", name, err)
		}
		return s
	}
	if p := scope(def.ID, "phone"); p.Consent != okta.ScopeRequired || !p.System || p.DisplayName != "View your phone number." {
		t.Errorf("phone: %+v", p)
	}
	if a := scope(def.ID, "address"); a.Consent != okta.ScopeFlexible || !a.Optional {
		t.Errorf("address: %+v", a)
	}
	if o := scope(def.ID, "orders:read"); o.Consent != okta.ScopeRequired || o.System || o.MetadataPublish != okta.PublishAll {
		t.Errorf("orders:read: %+v", o)
	}
	if e := scope(def.ID, "email"); e.Consent != okta.ScopeImplicit {
		t.Errorf("email untouched: %+v", e)
	}
	pols, _ := st.ListPolicies(ctx, def.ID)
	if len(pols) != 1 || pols[0].Name != "Default Policy" {
		t.Errorf("the default server keeps its default policy: %v", pols)
	}
	servers, _ := st.ListAuthServers(ctx)
	if len(servers) != 2 {
		t.Fatalf("%d servers", len(servers))
	}
	orders := servers[1]
	if orders.Name != "orders" || orders.Audience() != "api://orders" {
		t.Errorf("orders server %+v", orders)
	}
	scope(orders.ID, "openid") // system scopes on every server
	scope(orders.ID, "orders:write")
	opols, _ := st.ListPolicies(ctx, orders.ID)
	if len(opols) != 1 {
		t.Fatalf("orders policies %v", opols)
	}
	rules, _ := st.ListRules(ctx, orders.ID, opols[0].ID)
	if len(rules) != 2 || rules[1].Actions.Token.AccessTokenLifetimeMinutes != 30 {
		t.Errorf("orders rules %+v", rules)
	}
	// O9 on the file's policy: the service may use client credentials, the
	// trusted portal is not in the policy.
	byID := map[string][]*okta.Rule{opols[0].ID: rules}
	if _, _, e := okta.EvaluatePolicies(opols, byID, okta.PolicyRequest{ClientID: "demo-okta-service", GrantType: okta.GrantClientCredentials, Scopes: []string{"orders:write"}}); e != nil {
		t.Errorf("service: %v", e)
	}
	if _, _, e := okta.EvaluatePolicies(opols, byID, okta.PolicyRequest{ClientID: "demo-okta-trusted-web", GrantType: okta.GrantAuthorizationCode, UserID: "00u1", Scopes: []string{"openid"}}); e == nil {
		t.Error("an app outside the policy was allowed")
	}

	web, err := st.GetAppByClientID(ctx, "demo-okta-consent-web")
	if err != nil || !web.RequiresConsent() || web.Credentials.OAuthClient.ClientSecret == "" || !web.IsActive() {
		t.Errorf("ConsentWebApp %+v %v", web, err)
	}
	spa, _ := st.GetAppByClientID(ctx, "demo-okta-spa")
	if !spa.IsPublic() || !*spa.Credentials.OAuthClient.PKCERequired {
		t.Errorf("SPA %+v", spa.Credentials.OAuthClient)
	}
	joe, err := st.FindUser(ctx, "joe.smith@example.com")
	if err != nil || joe.Status != okta.UserActive || !credentials.CheckPassword(joe.PasswordHash, "Demo-Passw0rd-NOT-FOR-PRODUCTION") {
		t.Fatalf("joe %+v %v", joe, err)
	}
	if _, err := st.GetAppUser(ctx, web.ID, joe.ID); err != nil {
		t.Errorf("joe is not assigned to ConsentWebApp: %v", err)
	}
	una, _ := st.FindUser(ctx, "unassigned@example.com")
	if _, err := st.GetAppUser(ctx, web.ID, una.ID); !errors.Is(err, okta.ErrNotFound) {
		t.Error("the unassigned user is assigned")
	}
}

func TestOkta_DefaultServerPoliciesReplaceTheDefaultPolicy(t *testing.T) {
	f, err := ParseOkta([]byte(`vendor: okta
authorizationServers:
  - name: default
    policies:
      - name: Only code
        conditions: {clients: {include: [ALL_CLIENTS]}}
        rules:
          - name: code
            conditions: {grantTypes: {include: [authorization_code]}, scopes: {include: [openid, phone]}}
`), "p.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st := oktamem.New()
	if err := f.Apply(t.Context(), st, credentials.MinCost, time.Now()); err != nil {
		t.Fatal(err)
	}
	def, _ := st.GetAuthServer(t.Context(), "default")
	pols, _ := st.ListPolicies(t.Context(), def.ID)
	if len(pols) != 1 || pols[0].Name != "Only code" {
		t.Errorf("policies %v", pols)
	}
}

const oktaBase = "vendor: okta\n"

func TestOkta_ErrorsNameFileItemAndField(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"unknown top-level key", oktaBase + "clients: []\n", `o.yaml: unknown top-level key "clients" (the keys of an Okta org file are vendor, org, apps, authorizationServers, users, assignments)`},
		{"wrong vendor", "vendor: auth0\napps: []\n", `o.yaml: vendor: must be okta in an Okta org file, got "auth0"`},
		{"unknown app field", oktaBase + "apps:\n  - label: A\n    consent_method: REQUIRED\n", `o.yaml: apps[0] "A": unknown field "consent_method"`},
		{"bad consent_method", oktaBase + "apps:\n  - label: Partner\n    credentials: {oauthClient: {client_secret: a-long-enough-secret}}\n    settings: {oauthClient: {consent_method: ALWAYS, redirect_uris: [https://a.example/cb]}}\n",
			`o.yaml: apps[0] "Partner": settings.oauthClient.consent_method: "ALWAYS" is not one of TRUSTED, REQUIRED`},
		{"missing secret", oktaBase + "apps:\n  - label: Web\n    settings: {oauthClient: {redirect_uris: [https://a.example/cb]}}\n",
			`o.yaml: apps[0] "Web": credentials.oauthClient.client_secret: is required for client_secret_basic`},
		{"secret on a browser app", oktaBase + "apps:\n  - label: SPA\n    credentials: {oauthClient: {client_secret: a-long-enough-secret}}\n    settings: {oauthClient: {application_type: browser, redirect_uris: [https://a.example/cb]}}\n",
			`o.yaml: apps[0] "SPA": credentials.oauthClient.client_secret: must be empty for token_endpoint_auth_method none`},
		{"duplicate client_id", oktaBase + "apps:\n  - label: A\n    credentials: {oauthClient: {client_id: same-id, client_secret: a-long-enough-secret}}\n    settings: {oauthClient: {redirect_uris: [https://a.example/cb]}}\n  - label: B\n    credentials: {oauthClient: {client_id: same-id, client_secret: a-long-enough-secret}}\n    settings: {oauthClient: {redirect_uris: [https://a.example/cb]}}\n",
			`o.yaml: apps[1] "B": credentials.oauthClient.client_id: "same-id" is already the id, client_id or label of another app`},
		{"scope consent", oktaBase + "authorizationServers:\n  - name: default\n    scopes:\n      - name: phone\n        consent: ALWAYS\n",
			`o.yaml: authorizationServers[0] "default": scopes[0].consent: "ALWAYS" is not one of IMPLICIT, REQUIRED, FLEXIBLE`},
		{"openid stays implicit", oktaBase + "authorizationServers:\n  - name: default\n    scopes:\n      - {name: openid, consent: REQUIRED}\n",
			`o.yaml: authorizationServers[0] "default": scopes[0].consent: the openid scope is always IMPLICIT`},
		{"default server audience", oktaBase + "authorizationServers:\n  - name: default\n    audiences: [api://mine]\n",
			`o.yaml: authorizationServers[0] "default": the default server keeps Okta's id`},
		{"server without audience", oktaBase + "authorizationServers:\n  - name: orders\n",
			`o.yaml: authorizationServers[0] "orders": audiences: The field cannot be left blank`},
		{"rule grant type", oktaBase + "authorizationServers:\n  - name: default\n    policies:\n      - name: P\n        conditions: {clients: {include: [ALL_CLIENTS]}}\n        rules:\n          - name: R\n            conditions: {grantTypes: {include: [magic]}}\n",
			`o.yaml: authorizationServers[0] "default": policies[0].rules[0].conditions.grantTypes.include[0]: "magic" is not a grant type`},
		{"rule unknown scope", oktaBase + "authorizationServers:\n  - name: default\n    policies:\n      - name: P\n        conditions: {clients: {include: [ALL_CLIENTS]}}\n        rules:\n          - name: R\n            conditions: {grantTypes: {include: [implicit]}, scopes: {include: [nope]}}\n",
			`o.yaml: authorizationServers[0] "default": policies[0].rules[0].conditions.scopes.include[0]: the server has no scope "nope"`},
		{"policy without clients", oktaBase + "authorizationServers:\n  - name: default\n    policies:\n      - name: P\n",
			`o.yaml: authorizationServers[0] "default": policies[0].conditions.clients.include: The field cannot be left blank`},
		{"user profile", oktaBase + "users:\n  - profile: {login: ann@example.com, email: ann@example.com}\n    password: x\n",
			`o.yaml: users[0] "ann@example.com": profile.firstName: The field cannot be left blank`},
		{"user password", oktaBase + "users:\n  - profile: {login: ann@example.com, email: ann@example.com, firstName: A, lastName: B}\n",
			`o.yaml: users[0] "ann@example.com": password: is required`},
		{"assignment refs", oktaBase + "assignments:\n  - {app: Nope, user: who@example.com}\n",
			`o.yaml: assignments[0] "who@example.com -> Nope": app: "Nope" is not the label, id or client_id of an app in the file`},
		{"wrong type", oktaBase + "apps:\n  - label: [A]\n", `o.yaml: apps[0]: label: must be a string, not a list`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseOkta([]byte(c.yaml), "o.yaml")
			if err == nil {
				t.Fatalf("accepted:\n%s", c.yaml)
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %T is not Errors", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %v\nwant it to contain\n  %s", err, c.want)
			}
		})
	}
}

func TestOkta_SecretsAndPasswordsNeverInErrors(t *testing.T) {
	const secret, password = "short-SECRET", "Pw-DO-NOT-LEAK"
	_, err := ParseOkta([]byte(oktaBase+`apps:
  - label: A
    credentials: {oauthClient: {client_secret: `+secret+`}}
    settings: {oauthClient: {redirect_uris: [https://a.example/cb], consent_method: NOPE}}
users:
  - profile: {login: a b, email: nope}
    password: `+password+"\n"), "s.yaml")
	if err == nil {
		t.Fatal("accepted")
	}
	for _, s := range []string{secret, password} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error contains %q: %v", s, err)
		}
	}
	f, err := ParseOkta([]byte(oktaBase+"users:\n  - profile: {login: a@example.com, email: a@example.com, firstName: A, lastName: B}\n    password: "+password+"\n"), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if s := f.Users[0].Password.String(); s != "[redacted]" {
		t.Errorf("password prints as %q", s)
	}
}
