package config

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/tenant"
)

func TestConnectionsImplicitDefault(t *testing.T) {
	f := mustParse(t, tenantYAML(map[string]string{"users": `users:
  - email: a@example.com
    password: x
  - email: b@example.com
    password: pw2
    connection: legacy-db`}))
	if len(f.Connections) != 2 {
		t.Fatalf("connections %+v", f.Connections)
	}
	def, legacy := f.Connections[0], f.Connections[1]
	if def.Name != tenant.DefaultConnectionName || !def.IsDatabase() || !slices.Equal(def.EnabledClients, []string{"web"}) || !def.IsDomainConnection {
		t.Errorf("default connection %+v", def)
	}
	if legacy.Name != "legacy-db" || !legacy.IsDatabase() || !slices.Equal(legacy.EnabledClients, []string{"web"}) {
		t.Errorf("implicit connection of a user %+v", legacy)
	}
	s := memstore.New()
	if err := f.Apply(t.Context(), s, credentials.MinCost); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetConnectionByName(t.Context(), tenant.DefaultConnectionName)
	if err != nil || got.ID == "" {
		t.Fatalf("stored default connection %+v %v", got, err)
	}
	web, _ := s.GetClient(t.Context(), "web")
	if c, err := tenant.RealmConnection(t.Context(), s, web, "legacy-db"); err != nil || c.Name != "legacy-db" {
		t.Errorf("RealmConnection for the file's client: %+v %v", c, err)
	}
	// The empty file still has the default connection.
	if f := mustParse(t, ""); len(f.Connections) != 1 || f.Connections[0].Name != tenant.DefaultConnectionName {
		t.Errorf("empty file connections %+v", f.Connections)
	}
}

func TestConnectionsSection(t *testing.T) {
	f := mustParse(t, tenantYAML(map[string]string{
		"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
  - client_id: other
    client_secret: s
    name: Other
connections:
  - name: Username-Password-Authentication
  - name: closed-db
    enabled_clients: []
    realms: [closed-db, example.org]
    options: {requires_username: true, validation: {username: {min: 1, max: 15}}}
  - id: con_google0000000001
    name: google-oauth2
    strategy: google-oauth2
    enabled_clients: [other]`,
		"users": `users:
  - email: a@example.com
    password: x
  - email: b@example.com
    password: pw2
    connection: closed-db`,
	}))
	if len(f.Connections) != 3 {
		t.Fatalf("%d connections", len(f.Connections))
	}
	def, closed, google := f.Connections[0], f.Connections[1], f.Connections[2]
	if !slices.Equal(def.EnabledClients, []string{"web", "other"}) || def.Strategy != tenant.StrategyAuth0 || !slices.Equal(def.Realms, []string{def.Name}) {
		t.Errorf("enabled_clients left out means every client: %+v", def)
	}
	if len(closed.EnabledClients) != 0 || !closed.HasRealm("example.org") || closed.Options["requires_username"] != true {
		t.Errorf("closed-db %+v", closed)
	}
	if google.ID != "con_google0000000001" || google.IsDatabase() || !slices.Equal(google.EnabledClients, []string{"other"}) {
		t.Errorf("google %+v", google)
	}
	s := memstore.New()
	if err := f.Apply(t.Context(), s, credentials.MinCost); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetConnection(t.Context(), "con_google0000000001"); err != nil || got.Name != "google-oauth2" {
		t.Errorf("the file's id is kept: %+v %v", got, err)
	}
	web, _ := s.GetClient(t.Context(), "web")
	if _, err := tenant.RealmConnection(t.Context(), s, web, "closed-db"); !errors.Is(err, tenant.ErrConnectionDisabled) {
		t.Errorf("a connection with no enabled client: %v", err)
	}
}

func TestConnectionsErrors(t *testing.T) {
	tests := []struct {
		name  string
		extra string // appended to the default clients section
		users string
		want  string
	}{
		{"bad name", "connections:\n  - name: my db\n", "", `connections[0] "my db": name: "my db" must be letters, digits and single dashes`},
		{"no name", "connections:\n  - strategy: auth0\n", "", `connections[0]: name: is required`},
		{"twice", "connections:\n  - name: a\n  - name: a\n", "", `connections[1] "a": name: "a" is already the name of another connection`},
		{"strategy", "connections:\n  - name: a\n    strategy: magic\n", "", `connections[0] "a": strategy: unknown strategy "magic"`},
		{"client ref", "connections:\n  - name: a\n    enabled_clients: [nope]\n", "", `connections[0] "a": enabled_clients[0]: "nope" is not the client_id of a client in the file`},
		{"unknown field", "connections:\n  - name: a\n    enabled: true\n", "", `connections[0] "a": unknown field "enabled"`},
		{"user in missing connection", "connections:\n  - name: a\n", "", `users[0] "a@example.com": connection: "Username-Password-Authentication" is not a connection in the file (its database connections: a)`},
		{"user in social connection", "connections:\n  - name: Username-Password-Authentication\n  - name: gh\n    strategy: github\n",
			"users:\n  - email: a@example.com\n    password: x\n    connection: gh\n", `users[0] "a@example.com": connection: "gh" has strategy github`},
		{"implicit bad name", "", "users:\n  - email: a@example.com\n    password: x\n    connection: my db\n",
			`users[0] "a@example.com": connection: "my db" is not a valid connection name`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := map[string]string{"clients": defaultSections["clients"] + "\n" + tc.extra}
			if tc.users != "" {
				o["users"] = tc.users
			}
			_, err := Parse([]byte(tenantYAML(o)), "t.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestW1_ClientBrowserFieldsInTheFile(t *testing.T) {
	f := mustParse(t, tenantYAML(map[string]string{"clients": `clients:
  - client_id: spa
    name: SPA
    app_type: spa
    callbacks: [http://localhost:3000]
    web_origins: [http://localhost:3000]
    allowed_origins: ["https://*.example.com"]
    allowed_logout_urls: [http://localhost:3000]
    cross_origin_authentication: true
    refresh_token: {rotation_type: rotating, expiration_type: expiring}`}))
	c := f.Clients[0]
	if !c.AllowsWebMessageOrigin("http://localhost:3000") || !c.AllowsOrigin("https://a.example.com") || !c.CrossOriginAuthentication || !c.OIDCConformant {
		t.Errorf("client %+v", c)
	}
	rt := c.RefreshTokenPolicy()
	if !rt.Rotating() || rt.TokenLifetime != tenant.DefaultRefreshTokenLifetime || rt.IdleTokenLifetime != tenant.DefaultRefreshTokenIdleLifetime {
		t.Errorf("refresh_token not merged into the default: %+v", rt)
	}
	if c.JWTConfiguration == nil || c.JWTConfiguration.Alg != "RS256" {
		t.Errorf("jwt_configuration %+v", c.JWTConfiguration)
	}
	for field, want := range map[string]string{
		"web_origins: [https://app.example.com/cb]":        `web_origins[0]: "https://app.example.com/cb" is not an origin`,
		"allowed_origins: [app.example.com]":               `allowed_origins[0]: "app.example.com" is not an origin`,
		"refresh_token: {rotation_type: sometimes}":        `refresh_token.rotation_type: must be rotating or non-rotating`,
		"refresh_token: {leeway: -1}":                      `refresh_token.leeway: must not be negative`,
		"refresh_token: {rotation: rotating}":              `unknown field "rotation"`,
		"jwt_configuration: {alg: none}":                   `jwt_configuration.alg: must be one of HS256, RS256, PS256, not "none"`,
		"organization_usage: sometimes":                    `organization_usage: must be one of deny, allow, require`,
		"initiate_login_uri: http://app.example.com/login": `initiate_login_uri: "http://app.example.com/login" must be an https URL`,
		"cross_origin_authentication: yes-please":          `cross_origin_authentication: must be true or false`,
		"cross_origin_loc: /relative":                      `cross_origin_loc: "/relative" is not an http(s) URL`,
	} {
		_, err := Parse([]byte(tenantYAML(map[string]string{"clients": `clients:
  - client_id: spa
    name: SPA
    app_type: spa
    ` + field})), "t.yaml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", field, err, want)
		}
	}
}
