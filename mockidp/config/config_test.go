package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/tenant"
)

// Secrets used in the fixtures; no error message may contain them.
const (
	testSecret   = "web-secret-DO-NOT-LEAK"
	testPassword = "Pass-word-DO-NOT-LEAK"
)

// defaultSections is a small valid tenant; each error case replaces one or
// more sections.
var defaultSections = map[string]string{
	"settings": `settings:
  friendly_name: Test Tenant`,
	"apis": `apis:
  - identifier: https://api.example.com
    name: Example API
    allow_offline_access: true
    scopes:
      - value: read:things
      - value: write:things`,
	"clients": `clients:
  - client_id: web
    client_secret: ` + testSecret + `
    name: Web App
    callbacks: [https://app.example.com/cb]`,
	"users": `users:
  - email: a@example.com
    password: ` + testPassword,
	"client_grants": `client_grants: []`,
	"grants":        `grants: []`,
}

func tenantYAML(override map[string]string) string {
	var b strings.Builder
	for _, k := range []string{"settings", "apis", "clients", "users", "client_grants", "grants"} {
		s, ok := override[k]
		if !ok {
			s = defaultSections[k]
		}
		b.WriteString(s)
		b.WriteString("\n")
	}
	return b.String()
}

func mustParse(t *testing.T, yaml string) *File {
	t.Helper()
	f, err := Parse([]byte(yaml), "t.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

func TestParseDefaultSectionsAreValid(t *testing.T) {
	f := mustParse(t, tenantYAML(nil))
	if len(f.APIs) != 1 || len(f.Clients) != 1 || len(f.Users) != 1 {
		t.Fatalf("parsed %d APIs, %d clients, %d users", len(f.APIs), len(f.Clients), len(f.Users))
	}
}

func TestParseEmptyFileIsEmptyTenant(t *testing.T) {
	for _, in := range []string{"", "# only a comment\n", "{}"} {
		f, err := Parse([]byte(in), "empty.yaml")
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if len(f.Clients)+len(f.APIs)+len(f.Users)+len(f.ClientGrants)+len(f.Grants) != 0 {
			t.Errorf("Parse(%q) is not empty: %+v", in, f)
		}
	}
}

// TestParseErrors has one case per problem the file can have. Each error
// must name the file, the item and the field, and say what is wrong.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		override map[string]string
		raw      string // the whole file, instead of override
		want     []string
	}{
		// The file as a whole.
		{name: "YAML syntax", raw: "clients:\n  - name: [unclosed\n", want: []string{"t.yaml: not valid YAML"}},
		{name: "duplicate key", raw: "settings:\n  friendly_name: a\n  friendly_name: b\n", want: []string{"t.yaml: not valid YAML", `"friendly_name" already set`}},
		{name: "unknown top-level key", raw: "client:\n  - name: x\n", want: []string{`t.yaml: unknown top-level key "client"`, "clients"}},
		{name: "file is a list", raw: "- a\n- b\n", want: []string{"t.yaml: the file must be a mapping"}},
		{name: "section is a mapping", raw: "clients:\n  name: x\n", want: []string{"t.yaml: clients: must be a list, not a mapping"}},

		// Decoding of one item.
		{name: "unknown client field", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    callback_urls: [https://a.example.com/cb]`}, want: []string{`t.yaml: clients[0] "Web App": unknown field "callback_urls"`}},
		{name: "unknown nested field", override: map[string]string{"apis": `apis:
  - identifier: https://api.example.com
    name: Example API
    scopes: [{value: read:x, descr: oops}]`}, want: []string{`apis[0] "https://api.example.com": unknown field "descr"`}},
		{name: "old alias refused in the file", override: map[string]string{"apis": `apis:
  - identifier: https://api.example.com
    name: Example API
    skip_consent_for_verifiable_first_party: true`}, want: []string{`apis[0] "https://api.example.com": unknown field "skip_consent_for_verifiable_first_party"`}},
		{name: "wrong type bool", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    is_first_party: "no"`}, want: []string{`clients[0] "Web App": is_first_party: must be true or false, not a string`}},
		{name: "wrong type list", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    callbacks: https://a.example.com/cb`}, want: []string{`clients[0] "Web App": callbacks: must be a list, not a string`}},
		{name: "scopes as strings", override: map[string]string{"apis": `apis:
  - identifier: https://api.example.com
    name: Example API
    scopes: [read:x]`}, want: []string{`apis[0] "https://api.example.com": scopes: must be a mapping, not a string`}},
		{name: "number where a string is wanted", override: map[string]string{"users": `users:
  - email: a@example.com
    password: 12345678`}, want: []string{`users[0] "a@example.com": password: must be a string, not a number (quote it)`}},

		{name: "YAML 1.1 boolean where a string is wanted", override: map[string]string{"users": `users:
  - email: a@example.com
    password: yes`}, want: []string{`users[0] "a@example.com": password: must be a string, not true or false (quote it)`}},

		// Clients.
		{name: "client name missing", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s`}, want: []string{`clients[0] "web": name: is required`}},
		{name: "unknown app_type", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    app_type: webapp`}, want: []string{`clients[0] "Web App": app_type: must be one of regular_web, spa, native, non_interactive, resource_server, not "webapp"`}},
		{name: "duplicate client_id", override: map[string]string{"clients": `clients:
  - {client_id: web, client_secret: s, name: One}
  - {client_id: web, client_secret: s, name: Two}`}, want: []string{`clients[1] "Two": client_id: "web" is already the client_id of another client`}},
		{name: "strict third-party without tpc_", override: map[string]string{"clients": `clients:
  - client_id: partner
    client_secret: s
    name: Partner App
    is_first_party: false`}, want: []string{`clients[0] "Partner App": client_id: a strict third-party client_id must start with "tpc_" (rule K2), got "partner"`}},
		{name: "confidential client without secret", override: map[string]string{"clients": `clients:
  - client_id: web
    name: Web App`}, want: []string{`clients[0] "Web App": client_secret: is required: the client is confidential`}},
		{name: "non_interactive without secret", override: map[string]string{"clients": `clients:
  - client_id: m2m
    name: Reporting
    app_type: non_interactive`}, want: []string{`clients[0] "Reporting": client_secret: is required`}},
		{name: "bad auth method", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    token_endpoint_auth_method: private_key_jwt`}, want: []string{`clients[0] "Web App": token_endpoint_auth_method: must be one of none, client_secret_post, client_secret_basic, not "private_key_jwt"`}},
		{name: "third_party_security_mode on first-party", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    third_party_security_mode: strict`}, want: []string{`clients[0] "Web App": third_party_security_mode: only third-party clients`}},
		{name: "bad third_party_security_mode", override: map[string]string{"clients": `clients:
  - client_id: tpc_x
    client_secret: s
    name: Partner
    is_first_party: false
    third_party_security_mode: lax`}, want: []string{`clients[0] "Partner": third_party_security_mode: must be strict or permissive, not "lax"`}},
		{name: "bad redirection_policy", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    redirection_policy: never`}, want: []string{`clients[0] "Web App": redirection_policy: must be open_redirect_protection or allow_always, not "never"`}},
		{name: "unknown grant type", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    grant_types: [authorization_code, auth_code]`}, want: []string{`clients[0] "Web App": grant_types[1]: unknown grant type "auth_code"`}},
		{name: "strict third-party with implicit", override: map[string]string{"clients": `clients:
  - client_id: tpc_x
    client_secret: s
    name: Partner
    is_first_party: false
    grant_types: [authorization_code, implicit]`}, want: []string{`clients[0] "Partner": grant_types[1]: Grant type 'implicit' is not allowed for third-party clients in strict mode`}},
		{name: "strict third-party with password", override: map[string]string{"clients": `clients:
  - client_id: tpc_x
    client_secret: s
    name: Partner
    is_first_party: false
    grant_types: [password]`}, want: []string{`clients[0] "Partner": grant_types[0]: Grant type 'password' is not allowed for third-party clients in strict mode`}},
		{name: "public strict third-party with client_credentials", override: map[string]string{"clients": `clients:
  - client_id: tpc_x
    name: Partner
    app_type: spa
    is_first_party: false
    grant_types: [authorization_code, client_credentials]`}, want: []string{`clients[0] "Partner": grant_types[1]: Grant type 'client_credentials' needs client authentication, but the client is public`}},
		{name: "public client with client_credentials", override: map[string]string{"clients": `clients:
  - client_id: spa
    name: SPA
    app_type: spa
    grant_types: [authorization_code, client_credentials]`}, want: []string{`clients[0] "SPA": grant_types[1]: Grant type 'client_credentials' needs client authentication, but the client is public`}},
		{name: "relative callback", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    callbacks: [https://ok.example.com/cb, /callback]`}, want: []string{`clients[0] "Web App": callbacks[1]: "/callback" is not an absolute URL`}},
		{name: "callback with fragment", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    callbacks: ["https://app.example.com/cb#frag"]`}, want: []string{`clients[0] "Web App": callbacks[0]: "https://app.example.com/cb#frag" must not have a fragment`}},
		{name: "callback without host", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    callbacks: ["https:///cb"]`}, want: []string{`clients[0] "Web App": callbacks[0]: "https:///cb" has no host`}},
		{name: "callback with space", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    callbacks: ["https://app.example.com/c b"]`}, want: []string{`clients[0] "Web App": callbacks[0]: "https://app.example.com/c b" contains spaces`}},
		{name: "callback unparsable", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    callbacks: ["http://[::1/cb"]`}, want: []string{`clients[0] "Web App": callbacks[0]: "http://[::1/cb" is not a URL`}},
		{name: "bad logout URL", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    allowed_logout_urls: [app.example.com]`}, want: []string{`clients[0] "Web App": allowed_logout_urls[0]: "app.example.com" is not an absolute URL`}},
		{name: "bad logo_uri", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    logo_uri: ftp://example.com/logo.png`}, want: []string{`clients[0] "Web App": logo_uri: "ftp://example.com/logo.png" is not an http(s) URL`}},
		{name: "resource_server without identifier", override: map[string]string{"clients": `clients:
  - client_id: rs
    client_secret: s
    name: API client
    app_type: resource_server`}, want: []string{`clients[0] "API client": resource_server_identifier: is required for app_type resource_server`}},
		{name: "resource_server with unknown API", override: map[string]string{"clients": `clients:
  - client_id: rs
    client_secret: s
    name: API client
    app_type: resource_server
    resource_server_identifier: https://nope.example.com`}, want: []string{`clients[0] "API client": resource_server_identifier: "https://nope.example.com" is not the identifier of an API in the file`}},
		{name: "resource_server_identifier on another app type", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    resource_server_identifier: https://api.example.com`}, want: []string{`clients[0] "Web App": resource_server_identifier: only clients of app_type resource_server have one`}},
		{name: "unknown token exchange profile", override: map[string]string{"clients": `clients:
  - client_id: web
    client_secret: s
    name: Web App
    token_exchange: {allow_any_profile_of_type: [obo]}`}, want: []string{`clients[0] "Web App": token_exchange.allow_any_profile_of_type[0]: must be one of custom_authentication, on_behalf_of_token_exchange, not "obo"`}},

		// APIs.
		{name: "API identifier missing", override: map[string]string{"apis": `apis:
  - name: Nameless`}, want: []string{`apis[0] "Nameless": identifier: is required`}},
		{name: "API name missing", override: map[string]string{"apis": `apis:
  - identifier: https://api.example.com`}, want: []string{`apis[0] "https://api.example.com": name: is required`}},
		{name: "duplicate identifier", override: map[string]string{"apis": `apis:
  - {identifier: https://api.example.com, name: One}
  - {identifier: https://api.example.com, name: Two}`}, want: []string{`apis[1] "https://api.example.com": identifier: "https://api.example.com" is already the identifier of another API`}},
		{name: "duplicate API id", override: map[string]string{"apis": `apis:
  - {id: api1, identifier: https://api.example.com, name: One}
  - {id: api1, identifier: https://two.example.com, name: Two}`}, want: []string{`apis[1] "https://two.example.com": id: "api1" is already the id of apis[0] "https://api.example.com"`}},
		{name: "duplicate scope", override: map[string]string{"apis": `apis:
  - identifier: https://api.example.com
    name: Example API
    scopes: [{value: read:x}, {value: read:x}]`}, want: []string{`apis[0] "https://api.example.com": scopes[1].value: "read:x" is defined twice`}},
		{name: "empty scope", override: map[string]string{"apis": `apis:
  - identifier: https://api.example.com
    name: Example API
    scopes: [{description: nothing}]`}, want: []string{`apis[0] "https://api.example.com": scopes[0].value: is required`}},
		{name: "scope with space", override: map[string]string{"apis": `apis:
  - identifier: https://api.example.com
    name: Example API
    scopes: [{value: "read posts"}]`}, want: []string{`apis[0] "https://api.example.com": scopes[0].value: "read posts" must not contain spaces`}},
		{name: "bad signing_alg", override: map[string]string{"apis": `apis:
  - identifier: https://api.example.com
    name: Example API
    signing_alg: HS256`}, want: []string{`apis[0] "https://api.example.com": signing_alg: must be one of RS256, ES256, not "HS256"`}},
		{name: "token_lifetime too long", override: map[string]string{"apis": `apis:
  - identifier: https://api.example.com
    name: Example API
    token_lifetime: 2592001`}, want: []string{`apis[0] "https://api.example.com": token_lifetime: must be between 1 and 2592000 seconds, not 2592001`}},
		{name: "negative token_lifetime", override: map[string]string{"apis": `apis:
  - identifier: https://api.example.com
    name: Example API
    token_lifetime: -5`}, want: []string{`token_lifetime: must be between 1 and 2592000 seconds, not -5`}},
		{name: "is_system", override: map[string]string{"apis": `apis:
  - identifier: https://api.example.com
    name: Example API
    is_system: true`}, want: []string{`apis[0] "https://api.example.com": is_system: is reserved for the Management API`}},
		{name: "bad subject token type", override: map[string]string{"apis": `apis:
  - identifier: https://api.example.com
    name: Example API
    token_exchange: {enabled_subject_token_types: [id_token]}`}, want: []string{`apis[0] "https://api.example.com": token_exchange.enabled_subject_token_types[0]: must be "urn:ietf:params:oauth:token-type:access_token", not "id_token"`}},

		// Users.
		{name: "email missing", override: map[string]string{"users": `users:
  - name: Nobody
    password: x`}, want: []string{`users[0]: email: is required`}},
		{name: "bad email", override: map[string]string{"users": `users:
  - email: alice.example.com
    password: x`}, want: []string{`users[0] "alice.example.com": email: "alice.example.com" is not an email address`}},
		{name: "email with display name", override: map[string]string{"users": `users:
  - email: "Alice <alice@example.com>"
    password: x`}, want: []string{`email: "Alice <alice@example.com>" is not an email address`}},
		{name: "duplicate email", override: map[string]string{"users": `users:
  - {email: a@example.com, password: pw-a}
  - {email: A@Example.com, password: pw-b}`}, want: []string{`users[1] "A@Example.com": email: "A@Example.com" is already the email of another user`}},
		{name: "duplicate username", override: map[string]string{"users": `users:
  - {email: a@example.com, username: alice, password: pw-a}
  - {email: b@example.com, username: Alice, password: pw-b}`}, want: []string{`users[1] "b@example.com": username: "Alice" is already the username of another user`}},
		{name: "username is another user's email", override: map[string]string{"users": `users:
  - {email: a@example.com, password: pw-a}
  - {email: b@example.com, username: a@example.com, password: pw-b}`}, want: []string{`users[1] "b@example.com": username: "a@example.com" is the email of another user`}},
		{name: "duplicate user_id", override: map[string]string{"users": `users:
  - {email: a@example.com, user_id: "auth0|1", password: pw-a}
  - {email: b@example.com, user_id: "auth0|1", password: pw-b}`}, want: []string{`users[1] "b@example.com": user_id: "auth0|1" is already the user_id of another user`}},
		{name: "password missing", override: map[string]string{"users": `users:
  - email: a@example.com`}, want: []string{`users[0] "a@example.com": password: is required`}},
		{name: "password too long", override: map[string]string{"users": `users:
  - email: a@example.com
    password: "` + strings.Repeat("p", 73) + `"`}, want: []string{`users[0] "a@example.com": password: is longer than 72 bytes`}},
		{name: "bad picture", override: map[string]string{"users": `users:
  - email: a@example.com
    password: x
    picture: not-a-url`}, want: []string{`users[0] "a@example.com": picture: "not-a-url" is not an http(s) URL`}},
		{name: "password_hash is not a file field", override: map[string]string{"users": `users:
  - email: a@example.com
    password_hash: $2a$10$abc`}, want: []string{`users[0] "a@example.com": unknown field "password_hash"`}},

		// Client grants.
		{name: "client grant for unknown client", override: map[string]string{"client_grants": `client_grants:
  - {client_id: nope, audience: https://api.example.com, scope: [read:things]}`}, want: []string{`client_grants[0] "nope -> https://api.example.com": client_id: "nope" is not the client_id of a client in the file`}},
		{name: "client grant for unknown API", override: map[string]string{"client_grants": `client_grants:
  - {client_id: web, audience: https://nope.example.com, scope: []}`}, want: []string{`client_grants[0] "web -> https://nope.example.com": audience: "https://nope.example.com" is not the identifier of an API in the file`}},
		{name: "client grant with undefined scope", override: map[string]string{"client_grants": `client_grants:
  - {client_id: web, audience: https://api.example.com, scope: [read:things, delete:things]}`}, want: []string{`client_grants[0] "web -> https://api.example.com": scope[1]: "delete:things" is not a scope of the API "https://api.example.com"`}},
		{name: "client grant with bad subject_type", override: map[string]string{"client_grants": `client_grants:
  - {client_id: web, audience: https://api.example.com, subject_type: users}`}, want: []string{`client_grants[0] "web -> https://api.example.com": subject_type: must be client or user, not "users"`}},
		{name: "duplicate client grant", override: map[string]string{"client_grants": `client_grants:
  - {client_id: web, audience: https://api.example.com}
  - {client_id: web, audience: https://api.example.com, subject_type: client}`}, want: []string{`client_grants[1] "web -> https://api.example.com": the client already has a client grant of subject_type client for this audience`}},
		{name: "client grant without client_id", override: map[string]string{"client_grants": `client_grants:
  - {audience: https://api.example.com}`}, want: []string{`client_grants[0] "https://api.example.com": client_id: is required`}},
		{name: "client grant without audience", override: map[string]string{"client_grants": `client_grants:
  - {client_id: web}`}, want: []string{`client_grants[0] "web": audience: is required`}},

		// User grants.
		{name: "grant for unknown user", override: map[string]string{"grants": `grants:
  - {user: z@example.com, client_id: web, audience: https://api.example.com, scope: [read:things]}`}, want: []string{`grants[0] "z@example.com -> web": user: "z@example.com" is not the email of a user in the file`}},
		{name: "grant without user", override: map[string]string{"grants": `grants:
  - {client_id: web, audience: https://api.example.com}`}, want: []string{`grants[0] "web": user: is required`}},
		{name: "grant for unknown client", override: map[string]string{"grants": `grants:
  - {user: a@example.com, client_id: nope, audience: https://api.example.com}`}, want: []string{`grants[0] "a@example.com -> nope": client_id: "nope" is not the client_id of a client in the file`}},
		{name: "grant for unknown API", override: map[string]string{"grants": `grants:
  - {user: a@example.com, client_id: web, audience: https://nope.example.com}`}, want: []string{`grants[0] "a@example.com -> web": audience: "https://nope.example.com" is not the identifier of an API in the file`}},
		{name: "grant with undefined scope", override: map[string]string{"grants": `grants:
  - {user: a@example.com, client_id: web, audience: https://api.example.com, scope: [read:things, read:stuff]}`}, want: []string{`grants[0] "a@example.com -> web": scope[1]: "read:stuff" is not a scope of the API "https://api.example.com"`}},
		{name: "grant with offline_access the API refuses", override: map[string]string{
			"apis": `apis:
  - {identifier: https://api.example.com, name: Example API, scopes: [{value: read:things}]}`,
			"grants": `grants:
  - {user: a@example.com, client_id: web, audience: https://api.example.com, scope: [offline_access]}`}, want: []string{`grants[0] "a@example.com -> web": scope[0]: "offline_access" is not a scope of the API`}},
		{name: "duplicate user grant", override: map[string]string{"grants": `grants:
  - {user: a@example.com, client_id: web, audience: https://api.example.com, scope: [read:things]}
  - {user: A@example.com, client_id: web, audience: https://api.example.com, scope: [write:things]}`}, want: []string{`grants[1] "A@example.com -> web": the user already has a grant for this client and audience`}},

		// Settings.
		{name: "unknown settings field", override: map[string]string{"settings": `settings:
  friendly: x`}, want: []string{`t.yaml: settings: unknown field "friendly"`}},
		{name: "unknown flag", override: map[string]string{"settings": `settings:
  flags: {use_scope_descriptions: true}`}, want: []string{`t.yaml: settings: unknown field "use_scope_descriptions"`}},
		{name: "bad support_email", override: map[string]string{"settings": `settings:
  support_email: support`}, want: []string{`t.yaml: settings: support_email: "support" is not an email address`}},
		{name: "bad picture_url", override: map[string]string{"settings": `settings:
  picture_url: logo.png`}, want: []string{`t.yaml: settings: picture_url: "logo.png" is not an http(s) URL`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.raw
			if in == "" {
				in = tenantYAML(tt.override)
			}
			f, err := Parse([]byte(in), "t.yaml")
			if err == nil {
				t.Fatalf("no error; parsed %+v", f)
			}
			if f != nil {
				t.Error("Parse returned a File along with an error")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "t.yaml: ") {
				t.Errorf("error does not start with the file name: %q", msg)
			}
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error\n  %s\ndoes not contain\n  %s", msg, w)
				}
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is a %T, not Errors", err)
			}
			if len(errs) != 1 {
				t.Errorf("want exactly one problem, got %d: %v", len(errs), err)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error spans several lines: %q", msg)
			}
			for _, s := range []string{testSecret, testPassword} {
				if strings.Contains(msg, s) {
					t.Errorf("error leaks a secret: %q", msg)
				}
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	in := tenantYAML(map[string]string{
		"clients": `clients:
  - {client_id: web, name: Web App}
  - {client_id: tpc_x, client_secret: s, name: Partner, is_first_party: false, grant_types: [implicit]}`,
		"users": `users:
  - {email: bad}`,
	})
	_, err := Parse([]byte(in), "t.yaml")
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error %v is not Errors", err)
	}
	var got []string
	for _, e := range errs {
		got = append(got, e.Item+" / "+e.Field)
	}
	want := []string{
		`clients[0] "Web App" / client_secret`,
		`clients[1] "Partner" / grant_types[0]`,
		`users[0] "bad" / email`,
		`users[0] "bad" / password`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
	var first *Error
	if !errors.As(err, &first) || first.Field != "client_secret" {
		t.Errorf("errors.As finds %+v, want the first problem", first)
	}
	if n := strings.Count(err.Error(), "; "); n != len(want)-1 {
		t.Errorf("one-line error joins %d problems, want %d: %q", n+1, len(want), err)
	}
}

// A password written as a number must not be echoed back in the error.
func TestParseNeverQuotesValues(t *testing.T) {
	in := tenantYAML(map[string]string{"users": `users:
  - email: a@example.com
    password: 987654321`, "clients": `clients:
  - client_id: web
    client_secret: 1234567890123
    name: Web App`})
	_, err := Parse([]byte(in), "t.yaml")
	if err == nil {
		t.Fatal("no error")
	}
	for _, s := range []string{"987654321", "1234567890123"} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error quotes the secret %s: %q", s, err)
		}
	}
	if !strings.Contains(err.Error(), "client_secret: must be a string, not a number (quote it)") {
		t.Errorf("error does not explain the client_secret problem: %q", err)
	}
}

func TestLoadNamesFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(path, []byte("clients:\n  - {client_id: web, name: W, callbacks: [x]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.HasPrefix(err.Error(), `bad.yaml: clients[0] "W": `) {
		t.Errorf("Load error %v does not start with the file and item", err)
	}

	_, err = Load(filepath.Join(dir, "missing.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want an os.ErrNotExist", err)
	}
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("Load of a missing file does not name it: %v", err)
	}
}

// Defaults follow Auth0.

func TestClientDefaults(t *testing.T) {
	f := mustParse(t, tenantYAML(map[string]string{"clients": `clients:
  - {client_id: web, client_secret: s, name: Web}
  - {client_id: rw, client_secret: s, name: RW, app_type: regular_web}
  - {client_id: spa, name: SPA, app_type: spa}
  - {client_id: nat, name: Native, app_type: native}
  - {client_id: m2m, client_secret: s, name: M2M, app_type: non_interactive}
  - {client_id: rs, client_secret: s, name: RS, app_type: resource_server, resource_server_identifier: https://api.example.com}
  - {client_id: tpc_conf, client_secret: s, name: Strict confidential, is_first_party: false}
  - {client_id: tpc_pub, name: Strict public, is_first_party: false, app_type: spa}
  - {client_id: perm, client_secret: s, name: Permissive, is_first_party: false, third_party_security_mode: permissive}
  - {client_id: perm2, client_secret: s, name: Permissive allow, is_first_party: false, third_party_security_mode: permissive, redirection_policy: allow_always}
  - {client_id: fp, client_secret: s, name: Explicit first party, is_first_party: true, grant_types: [password]}
  - {client_id: basic, client_secret: s, name: Basic, token_endpoint_auth_method: client_secret_basic}
  - {client_id: nogrants, client_secret: s, name: No grants, grant_types: []}`}))
	const (
		code = tenant.GrantAuthorizationCode
		impl = tenant.GrantImplicit
		ref  = tenant.GrantRefreshToken
		cc   = tenant.GrantClientCredentials
		tx   = tenant.GrantTokenExchange
	)
	tests := []struct {
		id         string
		appType    string
		firstParty bool
		mode       string
		policy     string
		auth       string
		grants     []string
	}{
		{"web", tenant.AppRegularWeb, true, "", "", tenant.AuthSecretPost, []string{code, impl, ref, cc}},
		{"rw", tenant.AppRegularWeb, true, "", "", tenant.AuthSecretPost, []string{code, impl, ref, cc}},
		{"spa", tenant.AppSPA, true, "", "", tenant.AuthNone, []string{code, impl, ref}},
		{"nat", tenant.AppNative, true, "", "", tenant.AuthNone, []string{code, impl, ref}},
		{"m2m", tenant.AppNonInteractive, true, "", "", tenant.AuthSecretPost, []string{cc}},
		{"rs", tenant.AppResourceServer, true, "", "", tenant.AuthSecretPost, []string{tx}},
		{"tpc_conf", tenant.AppRegularWeb, false, tenant.ModeStrict, tenant.PolicyOpenRedirectProtection, tenant.AuthSecretPost, []string{code, ref, cc}},
		{"tpc_pub", tenant.AppSPA, false, tenant.ModeStrict, tenant.PolicyOpenRedirectProtection, tenant.AuthNone, []string{code, ref}},
		{"perm", tenant.AppRegularWeb, false, tenant.ModePermissive, tenant.PolicyOpenRedirectProtection, tenant.AuthSecretPost, []string{code, impl, ref, cc}},
		{"perm2", tenant.AppRegularWeb, false, tenant.ModePermissive, tenant.PolicyAllowAlways, tenant.AuthSecretPost, []string{code, impl, ref, cc}},
		{"fp", tenant.AppRegularWeb, true, "", "", tenant.AuthSecretPost, []string{tenant.GrantPassword}},
		{"basic", tenant.AppRegularWeb, true, "", "", tenant.AuthSecretBasic, []string{code, impl, ref, cc}},
		{"nogrants", tenant.AppRegularWeb, true, "", "", tenant.AuthSecretPost, []string{}},
	}
	if len(f.Clients) != len(tests) {
		t.Fatalf("%d clients parsed, want %d", len(f.Clients), len(tests))
	}
	for i, tt := range tests {
		c := f.Clients[i]
		if c.ClientID != tt.id {
			t.Fatalf("client %d is %q, want %q", i, c.ClientID, tt.id)
		}
		if c.AppType != tt.appType || c.IsFirstParty != tt.firstParty || c.ThirdPartySecurityMode != tt.mode ||
			c.RedirectionPolicy != tt.policy || c.TokenEndpointAuthMethod != tt.auth || !slices.Equal(c.GrantTypes, tt.grants) {
			t.Errorf("%s: app_type %q first-party %v mode %q policy %q auth %q grants %q;\nwant app_type %q first-party %v mode %q policy %q auth %q grants %q",
				tt.id, c.AppType, c.IsFirstParty, c.ThirdPartySecurityMode, c.RedirectionPolicy, c.TokenEndpointAuthMethod, c.GrantTypes,
				tt.appType, tt.firstParty, tt.mode, tt.policy, tt.auth, tt.grants)
		}
		if c.Callbacks == nil || c.AllowedLogoutURLs == nil {
			t.Errorf("%s: callbacks or allowed_logout_urls is null, want an empty list", tt.id)
		}
	}
}

func TestClientIDGenerated(t *testing.T) {
	f := mustParse(t, tenantYAML(map[string]string{"clients": `clients:
  - {name: First, client_secret: s}
  - {name: Strict, client_secret: s, is_first_party: false}
  - {name: Permissive, client_secret: s, is_first_party: false, third_party_security_mode: permissive}`}))
	checks := []*regexp.Regexp{
		regexp.MustCompile(`^[A-Za-z0-9]{32}$`),
		regexp.MustCompile(`^tpc_[A-Za-z0-9]{32}$`), // rule K2
		regexp.MustCompile(`^[A-Za-z0-9]{32}$`),
	}
	for i, re := range checks {
		if id := f.Clients[i].ClientID; !re.MatchString(id) {
			t.Errorf("client %q: generated id %q does not match %s", f.Clients[i].Name, id, re)
		}
	}
}

func TestAPIDefaults(t *testing.T) {
	f := mustParse(t, tenantYAML(map[string]string{"apis": `apis:
  - {identifier: https://a.example.com, name: A}
  - {id: fixed, identifier: https://b.example.com, name: B, signing_alg: ES256, token_lifetime: 600}`}))
	a, b := f.APIs[0], f.APIs[1]
	if a.SigningAlg != "RS256" || a.TokenLifetime != 86400 || a.ID != "" {
		t.Errorf("defaults: signing_alg %q token_lifetime %d id %q; want RS256, 86400, none", a.SigningAlg, a.TokenLifetime, a.ID)
	}
	if a.SkipConsentForVerifiableFirstPartyClients || a.AllowOfflineAccess {
		t.Error("skip consent and offline access must default to false")
	}
	if b.SigningAlg != "ES256" || b.TokenLifetime != 600 || b.ID != "fixed" {
		t.Errorf("explicit values lost: %+v", b)
	}
}

func TestUserDefaults(t *testing.T) {
	f := mustParse(t, tenantYAML(map[string]string{"users": `users:
  - {email: a@example.com, password: pw-a}
  - {email: b@example.com, password: pw-b}
  - {email: c@example.com, password: pw-c, user_id: "auth0|fixed", connection: Other-DB, username: carol, name: Carol, picture: "https://example.com/c.png"}`}))
	re := regexp.MustCompile(`^auth0\|[0-9a-f]{24}$`)
	for _, u := range f.Users[:2] {
		if !re.MatchString(u.UserID) {
			t.Errorf("%s: generated user_id %q", u.Email, u.UserID)
		}
		if u.Connection != "Username-Password-Authentication" {
			t.Errorf("%s: connection %q", u.Email, u.Connection)
		}
		if u.PasswordHash != "" {
			t.Errorf("%s: Parse hashed the password already", u.Email)
		}
	}
	if f.Users[0].UserID == f.Users[1].UserID {
		t.Error("two users got the same generated user_id")
	}
	c := f.Users[2]
	if c.UserID != "auth0|fixed" || c.Connection != "Other-DB" || c.Username != "carol" || c.Name != "Carol" || c.Picture != "https://example.com/c.png" {
		t.Errorf("explicit values lost: %+v", c.User)
	}
	if c.Password.Reveal() != "pw-c" {
		t.Error("password not kept for Apply")
	}
}

func TestClientGrantDefaultsToSubjectClient(t *testing.T) {
	f := mustParse(t, tenantYAML(map[string]string{"client_grants": `client_grants:
  - {client_id: web, audience: https://api.example.com, scope: [read:things]}
  - {client_id: web, audience: https://api.example.com, subject_type: user}`}))
	if f.ClientGrants[0].SubjectType != tenant.SubjectClient || f.ClientGrants[1].SubjectType != tenant.SubjectUser {
		t.Errorf("subject types %q, %q", f.ClientGrants[0].SubjectType, f.ClientGrants[1].SubjectType)
	}
}

func TestUserGrantScopes(t *testing.T) {
	f := mustParse(t, tenantYAML(map[string]string{"grants": `grants:
  - {user: A@EXAMPLE.com, client_id: web, audience: https://api.example.com, scope: [openid, profile, email, offline_access, read:things]}`}))
	g := f.Grants[0]
	if g.UserID != f.Users[0].UserID {
		t.Errorf("grant user %q, want %q (resolved from the email, any case)", g.UserID, f.Users[0].UserID)
	}
	if len(g.Scope) != 5 {
		t.Errorf("scopes %q", g.Scope)
	}
}

// The password must not leak through fmt, slog or JSON.
func TestPasswordRedacted(t *testing.T) {
	f := mustParse(t, tenantYAML(nil))
	u := f.Users[0]
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("user", "user", u, "password", u.Password)
	js, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{
		"%v": fmt.Sprintf("%v", u), "%+v": fmt.Sprintf("%+v", u), "%#v": fmt.Sprintf("%#v", u),
		"%s": fmt.Sprintf("%s", u.Password), "slog": logged.String(), "json": string(js),
	} {
		if strings.Contains(s, testPassword) {
			t.Errorf("%s prints the password: %s", name, s)
		}
	}
	if !strings.Contains(fmt.Sprintf("%+v", u), "[redacted]") {
		t.Errorf("%%+v does not show [redacted]: %+v", u)
	}
}

// Apply.

func TestApplyDemoTenant(t *testing.T) {
	f, err := Load("../../testdata/tenants/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := memstore.New()
	ctx := t.Context()
	if err := f.Apply(ctx, s, credentials.MinCost); err != nil {
		t.Fatal(err)
	}

	settings, _ := s.GetSettings(ctx)
	if settings.FriendlyName != "Consentry Demo" {
		t.Errorf("friendly_name %q", settings.FriendlyName)
	}

	social, err := s.GetAPIByIdentifier(ctx, "https://social.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if social.Name != "Social API" || social.SkipConsentForVerifiableFirstPartyClients ||
		!slices.Equal(social.ScopeValues(), []string{"read:posts", "write:posts", "delete:posts", "read:comments"}) || social.ID == "" {
		t.Errorf("social API: %+v", social)
	}
	for _, sc := range social.Scopes {
		if sc.Description == "" {
			t.Errorf("social scope %s has no description", sc.Value)
		}
	}
	cal, err := s.GetAPIByIdentifier(ctx, "https://calendar.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if cal.Name != "Calendar API" || !cal.SkipConsentForVerifiableFirstPartyClients || !cal.AllowOfflineAccess ||
		!slices.Equal(cal.ScopeValues(), []string{"read:events", "write:events"}) {
		t.Errorf("calendar API: %+v", cal)
	}

	clients, _ := s.ListClients(ctx)
	byName := map[string]*tenant.Client{}
	for _, c := range clients {
		byName[c.Name] = c
	}
	web := byName["Demo Web App"]
	if web == nil || !web.IsFirstParty || web.IsPublic() || web.AppType != tenant.AppRegularWeb ||
		!slices.Equal(web.Callbacks, []string{"http://app.localhost:3000/callback", "http://localhost:3000/callback"}) {
		t.Errorf("Demo Web App: %+v", web)
	}
	mobile := byName["Demo Mobile App"]
	if mobile == nil || !mobile.IsFirstParty || !mobile.IsPublic() || mobile.AppType != tenant.AppNative ||
		!slices.Equal(mobile.Callbacks, []string{"com.example.app://callback", "http://127.0.0.1/callback"}) {
		t.Errorf("Demo Mobile App: %+v", mobile)
	}
	partner := byName["Partner App"]
	if partner == nil || !partner.IsStrictThirdParty() || !strings.HasPrefix(partner.ClientID, "tpc_") ||
		partner.RedirectsOnDecline() || !slices.Equal(partner.Callbacks, []string{"https://partner.example.com/callback"}) {
		t.Errorf("Partner App: %+v", partner)
	}
	plugin := byName["Community Plugin"]
	if plugin == nil || plugin.IsFirstParty || plugin.IsStrictThirdParty() || plugin.RedirectionPolicy != tenant.PolicyAllowAlways {
		t.Errorf("Community Plugin: %+v", plugin)
	}
	m2m := byName["Reporting Service"]
	if m2m == nil || m2m.AppType != tenant.AppNonInteractive || !slices.Equal(m2m.GrantTypes, []string{tenant.GrantClientCredentials}) {
		t.Errorf("Reporting Service: %+v", m2m)
	}
	if len(clients) != 5 {
		t.Errorf("%d clients, want 5", len(clients))
	}

	if partner != nil {
		cgs, _ := s.ListClientGrants(ctx, tenant.ClientGrantFilter{ClientID: partner.ClientID, Audience: social.Identifier, SubjectType: tenant.SubjectUser})
		if len(cgs) != 1 {
			t.Errorf("Partner App has %d user client grants on the social API, want 1", len(cgs))
		}
	}
	if m2m != nil {
		cgs, _ := s.ListClientGrants(ctx, tenant.ClientGrantFilter{ClientID: m2m.ClientID, Audience: cal.Identifier, SubjectType: tenant.SubjectClient})
		if len(cgs) != 1 {
			t.Errorf("Reporting Service has %d client grants on the calendar API, want 1", len(cgs))
		}
	}

	for email, pw := range map[string]string{"alice@example.com": "Alice-demo-pass1", "bob@example.com": "Bob-demo-pass1"} {
		u, err := s.FindUser(ctx, email)
		if err != nil {
			t.Errorf("FindUser(%s): %v", email, err)
			continue
		}
		if !credentials.CheckPassword(u.PasswordHash, pw) {
			t.Errorf("%s: the stored hash does not match the demo password", email)
		}
		if u.CreatedAt.IsZero() {
			t.Errorf("%s: no created_at", email)
		}
	}
	conns, _ := s.ListConnections(ctx)
	if len(conns) != 1 || conns[0].Name != tenant.DefaultConnectionName || len(conns[0].EnabledClients) != 5 || !conns[0].IsDomainConnection {
		t.Errorf("demo connections: %+v", conns)
	}
	if alice, _ := s.FindUser(ctx, "alice@example.com"); alice != nil && alice.Name != "Alice Example" {
		t.Errorf("alice's name %q", alice.Name)
	}
}

func TestApplyHashesAtCost(t *testing.T) {
	f := mustParse(t, tenantYAML(nil))
	s := memstore.New()
	if err := f.Apply(t.Context(), s, 5); err != nil {
		t.Fatal(err)
	}
	u, err := s.FindUser(t.Context(), "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u.PasswordHash, "$2a$05$") {
		t.Errorf("hash %q is not bcrypt at cost 5", u.PasswordHash)
	}
	if !credentials.CheckPassword(u.PasswordHash, testPassword) {
		t.Error("stored hash does not match the password")
	}
	if f.Users[0].PasswordHash != "" {
		t.Error("Apply changed the File")
	}
}

func TestApplyUserGrants(t *testing.T) {
	f := mustParse(t, tenantYAML(map[string]string{"grants": `grants:
  - {user: a@example.com, client_id: web, audience: https://api.example.com, scope: [read:things, offline_access]}`}))
	s := memstore.New()
	if err := f.Apply(t.Context(), s, credentials.MinCost); err != nil {
		t.Fatal(err)
	}
	u, _ := s.FindUser(t.Context(), "a@example.com")
	gs, _ := s.ListUserGrants(t.Context(), tenant.UserGrantFilter{UserID: u.UserID, ClientID: "web", Audience: "https://api.example.com"})
	if len(gs) != 1 || !gs[0].Covers([]string{"read:things", "offline_access"}) {
		t.Errorf("user grants %+v", gs)
	}
}

func TestApplyBadCostWritesNothing(t *testing.T) {
	f := mustParse(t, tenantYAML(nil))
	s := memstore.New()
	for _, cost := range []int{3, 32, -1} {
		err := f.Apply(t.Context(), s, cost)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("password cost %d is out of range", cost)) {
			t.Errorf("Apply at cost %d: %v", cost, err)
		}
	}
	if cs, _ := s.ListClients(t.Context()); len(cs) != 0 {
		t.Errorf("a failed Apply stored %d clients", len(cs))
	}
}

func TestApplyConflictNamesItem(t *testing.T) {
	f := mustParse(t, tenantYAML(nil))
	s := memstore.New()
	if err := s.CreateClient(t.Context(), &tenant.Client{ClientID: "web", Name: "Already there"}); err != nil {
		t.Fatal(err)
	}
	err := f.Apply(t.Context(), s, credentials.MinCost)
	if !errors.Is(err, tenant.ErrConflict) {
		t.Fatalf("Apply: %v, want ErrConflict", err)
	}
	if !strings.HasPrefix(err.Error(), `t.yaml: clients[0] "Web App": `) {
		t.Errorf("error %q does not name the file and the client", err)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Errorf("error leaks the secret: %q", err)
	}
}

// TestParseAcceptsVendorAuth0: an Auth0 tenant file may say vendor: auth0;
// an Okta org file or an unknown vendor is refused with the reason.
func TestParseAcceptsVendorAuth0(t *testing.T) {
	if _, err := Parse([]byte("vendor: auth0\nsettings:\n  friendly_name: X\n"), "t.yaml"); err != nil {
		t.Errorf("vendor: auth0: %v", err)
	}
	for in, want := range map[string]string{"vendor: okta\n": "Okta org file", "vendor: ping\n": `"ping" is not a vendor`} {
		if _, err := Parse([]byte(in), "t.yaml"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", in, err)
		}
	}
}
