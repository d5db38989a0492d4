package target

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/driver/httpua"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseExpandsEnvironmentAndNamesMissingVariables(t *testing.T) {
	src := []byte("name: t\nkind: url\nissuer: ${ISS}\nmanagement:\n  client_id: ${ID}\n  client_secret: ${SECRET}\n")
	_, err := Parse(src, env(map[string]string{"ISS": "http://x/"}))
	if err == nil || !strings.Contains(err.Error(), "ID, SECRET") {
		t.Fatalf("want the missing variables named, got %v", err)
	}
	p, err := Parse(src, env(map[string]string{"ISS": "http://x/", "ID": "abc", "SECRET": "s3cr3t-value"}))
	if err != nil {
		t.Fatal(err)
	}
	if p.Issuer != "http://x/" || p.Management.ClientSecret != "s3cr3t-value" {
		t.Fatalf("%+v", p)
	}
	if got := scrub("token s3cr3t-value here", p.Secrets()); strings.Contains(got, "s3cr3t") {
		t.Fatalf("secret not scrubbed: %q", got)
	}
}

func TestParseRejectsUnknownFieldsKindsAndCapabilities(t *testing.T) {
	for _, src := range []string{
		"kind: embedded\nbogus: 1\n",
		"kind: okta\n",
		"kind: embedded\ncapabilities: [teleport]\n",
		"kind: auth0\nissuer: https://t.auth0.com\n", // no trailing slash
		"kind: generic\n",                            // neither issuer nor discovery
	} {
		if _, err := Parse([]byte(src), env(nil)); err == nil {
			t.Errorf("accepted %q", src)
		}
	}
}

func TestCapabilityDefaults(t *testing.T) {
	if c := Embedded().Caps(); !c[CapManagement] || !c[CapTenantSettings] || !c[CapPasswordGrant] {
		t.Errorf("embedded: %v", c)
	}
	a0 := &Profile{Kind: KindAuth0, Management: &Management{ClientID: "a", ClientSecret: "b"}}
	if c := a0.Caps(); !c[CapManagement] || c[CapTenantSettings] {
		t.Errorf("auth0 default: %v (tenant settings must be opted into)", c)
	}
	g := &Profile{Kind: KindGeneric, Capabilities: []string{CapManagement, CapPasswordGrant}}
	if c := g.Caps(); c[CapManagement] || !c[CapPasswordGrant] {
		t.Errorf("generic without a management client cannot have management: %v", c)
	}
}

// The shipped profiles parse, with every variable they reference set.
func TestShippedProfilesParse(t *testing.T) {
	files, err := filepath.Glob("../../testdata/targets/*.yaml")
	if err != nil || len(files) < 4 {
		t.Fatalf("profiles: %v %v", files, err)
	}
	anything := func(k string) (string, bool) { return "value-of-" + strings.ToLower(k), true }
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data = []byte(strings.ReplaceAll(string(data), "${CONSENTRY_MOCK_ISSUER}", "http://127.0.0.1:8080/"))
		if _, err := Parse(data, anything); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if p, err := Load("embedded"); err != nil || p.Kind != KindEmbedded {
		t.Errorf("Load(embedded): %v %v", p, err)
	}
}

func TestSelectorsParseAndFallBackToTheMockMarkup(t *testing.T) {
	src := []byte(`kind: generic
issuer: https://idp.example.com/
selectors:
  password: "input#password"
  error_description: ".error-description"
  login_page: "input#password, input#username"
  consent_page: ["button[name=action][value=accept]", "ul.scopes li"]
`)
	p, err := Parse(src, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := p.Selectors.Driver()
	want := driver.DefaultSelectors()
	want.Password = "input#password"
	want.ErrorDescription = ".error-description"
	want.LoginPage = []string{"input#password, input#username"}
	want.ConsentPage = []string{"button[name=action][value=accept]", "ul.scopes li"}
	want.Next = want.Login
	if !reflect.DeepEqual(got, want) {
		t.Errorf("selectors:\n got  %#v\n want %#v", got, want)
	}
	if got := (*Selectors)(nil).Driver(); !reflect.DeepEqual(got, driver.DefaultSelectors()) {
		t.Errorf("no selectors: %#v, want the mock's markup", got)
	}
	for _, bad := range []string{
		"kind: embedded\nselectors:\n  consent: x\n",
		"kind: embedded\nselectors:\n  error_page: {a: b}\n",
	} {
		if _, err := Parse([]byte(bad), env(nil)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// The selectors of the shipped profiles compile for the HTTP driver (the
// browser checks its own at start).
func TestShippedSelectorsSuitTheHTTPDriver(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/targets/*.yaml")
	anything := func(k string) (string, bool) { return "value-of-" + strings.ToLower(k), true }
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		data = []byte(strings.ReplaceAll(string(data), "${CONSENTRY_MOCK_ISSUER}", "http://127.0.0.1:8080/"))
		p, err := Parse(data, anything)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := httpua.CompileSelectors(p.Selectors.Driver()); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// Pre-registered fixtures are described by their properties; every key is
// read, and one that is wrong or not read is an error, not ignored.
func TestPreRegisteredFixturesAreCheckedKeyByKey(t *testing.T) {
	base := "kind: generic\nissuer: https://idp.example.com/\n"
	good := base + `apis:
  - {name: Posts, identifier: "https://a/1", scopes: [read:posts], skips_consent: false}
  - {name: Posts, identifier: "https://a/2", scopes: [read:posts], skips_consent: true}
clients:
  - {client_id: c1, first_party: true, callbacks: ["https://app/cb"], user_apis: [Posts], client_grants: [{api: Posts, scopes: [read:posts]}]}
`
	p, err := Parse([]byte(good), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.APIs) != 2 || p.APIs[1].Identifier != "https://a/2" || !p.APIs[1].SkipsConsent {
		t.Fatalf("apis: %+v", p.APIs)
	}
	withUsers := base + `apis: [{name: Posts, identifier: "https://a/1", scopes: [read:posts, write:posts]}]
clients:
  - {client_id: tpc_c, client_secret: s3cret, callbacks: ["https://app/cb"], user_client_grants: [{api: Posts, scopes: [read:posts]}]}
users: [{username: u1, password: pass-one}, {username: u2, password: pass-two}]
grant_scope: session
`
	if p, err := Parse([]byte(withUsers), env(nil)); err != nil {
		t.Fatal(err)
	} else {
		if scopes, ok := p.Clients[0].UserGrantFor("Posts"); !ok || len(scopes) != 1 {
			t.Errorf("user client grant for Posts: %v %v", scopes, ok)
		}
		if _, ok := p.Clients[0].UserGrantFor("Other"); ok {
			t.Error("a client with user_client_grants may get user tokens for an API it has none for")
		}
		if secrets := strings.Join(p.Secrets(), " "); !strings.Contains(secrets, "pass-one") || !strings.Contains(secrets, "pass-two") {
			t.Errorf("the users' passwords are not scrubbed: %v", p.Secrets())
		}
		if len(p.Users) != 2 || p.GrantScope != GrantScopeSession {
			t.Errorf("users %v, grant_scope %q", p.Users, p.GrantScope)
		}
	}
	for name, src := range map[string]string{
		"old map form":                base + "apis:\n  Posts: {identifier: x, scopes: [a]}\n",
		"unknown API key":             base + "apis:\n  - {name: P, identifier: x, scopes: [a], audience: y}\n",
		"API without scopes":          base + "apis:\n  - {name: P, identifier: x}\n",
		"same API twice":              base + "apis:\n  - {name: P, identifier: x, scopes: [a]}\n  - {name: P, identifier: y, scopes: [a]}\n",
		"description of none":         base + "apis:\n  - {name: P, identifier: x, scopes: [a], descriptions: {b: B}}\n",
		"unknown client key":          base + "clients:\n  - {client_id: c, callbacks: [x], kind: spa}\n",
		"bad app_type":                base + "clients:\n  - {client_id: c, callbacks: [x], app_type: web}\n",
		"no callbacks":                base + "clients:\n  - {client_id: c}\n",
		"mode on first party":         base + "clients:\n  - {client_id: c, callbacks: [x], first_party: true, third_party_mode: strict}\n",
		"unknown user_apis":           base + "clients:\n  - {client_id: c, callbacks: [x], user_apis: [Nope]}\n",
		"unknown dialect":             base + "dialect: klingon\n",
		"bad api_parameter":           base + "api_parameter: scope\n",
		"bad error_pattern":           base + "selectors:\n  error_pattern: \"(a)(b)\"\n",
		"user without password":       base + "users:\n  - {username: u}\n",
		"bad grant_scope":             base + "grant_scope: forever\n",
		"unknown user grant API":      base + "apis:\n  - {name: P, identifier: x, scopes: [a]}\nclients:\n  - {client_id: c, callbacks: [x], user_client_grants: [{api: Nope, scopes: [a]}]}\n",
		"user grant without scopes":   base + "apis:\n  - {name: P, identifier: x, scopes: [a]}\nclients:\n  - {client_id: c, callbacks: [x], user_client_grants: [{api: P}]}\n",
		"revocation without the user": base + "users: [{username: u, password: p}]\ngrant_revocation: {url: \"https://idp/grants\"}\n",
		"revocation without users":    base + "grant_revocation: {url: \"https://idp/grants?u={username}\"}\n",
		"revocation by a missing id":  base + "users: [{username: u, password: p}]\ngrant_revocation: {url: \"https://idp/users/{user_id}/grants\"}\n",
		"revocation by GET":           base + "users: [{username: u, password: p}]\ngrant_revocation: {method: GET, url: \"https://idp/grants?u={username}\"}\n",
		"user_apis and user grants":   base + "apis:\n  - {name: P, identifier: x, scopes: [a]}\nclients:\n  - {client_id: c, callbacks: [x], user_apis: [P], user_client_grants: [{api: P, scopes: [a]}]}\n",
	} {
		if _, err := Parse([]byte(src), env(nil)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestDialectAndAPIParameterDefaults(t *testing.T) {
	for _, tc := range []struct {
		p    Profile
		want string
	}{
		{Profile{Kind: KindEmbedded}, DialectAuth0},
		{Profile{Kind: KindAuth0}, DialectAuth0},
		{Profile{Kind: KindGeneric}, DialectNone},
		{Profile{Kind: KindGeneric, Dialect: DialectOkta}, DialectOkta},
	} {
		if got := tc.p.TheDialect(); got != tc.want {
			t.Errorf("%s %q: dialect %s, want %s", tc.p.Kind, tc.p.Dialect, got, tc.want)
		}
	}
	for param, want := range map[string][]string{"": {"audience"}, "audience": {"audience"}, "resource": {"resource"}, "both": {"audience", "resource"}} {
		if got := (&Profile{APIParameter: param}).APIParams(); !reflect.DeepEqual(got, want) {
			t.Errorf("api_parameter %q: %v, want %v", param, got, want)
		}
	}
}

// With a custom domain the issuer is the custom domain and the Management
// API (its token included) stays on the tenant's domain.
func TestManagementDomainApartFromTheIssuer(t *testing.T) {
	m := &Management{ClientID: "a", ClientSecret: "b", Domain: "tenant.eu.auth0.com"}
	if got := m.URL("https://login.example.com/"); got != "https://tenant.eu.auth0.com/" {
		t.Errorf("URL = %q", got)
	}
	if got := (&Management{}).URL("https://login.example.com/"); got != "https://login.example.com/" {
		t.Errorf("no domain: URL = %q, want the issuer", got)
	}
	mock, err := Start(t.Context(), &Profile{Name: "m", Kind: KindEmbedded, Management: &Management{ClientID: "dom-test", ClientSecret: "dom-test-secret-0123"}}, StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer mock.Close()
	// The issuer names a host with no Management API; the domain the mock.
	tgt, err := Start(t.Context(), &Profile{Name: "custom-domain", Kind: KindURL, Issuer: "http://127.0.0.1:1/",
		Management: &Management{ClientID: "dom-test", ClientSecret: "dom-test-secret-0123", Domain: strings.TrimSuffix(mock.Issuer, "/")}}, StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	if tgt.Issuer != "http://127.0.0.1:1/" {
		t.Errorf("issuer %q, want the profile's", tgt.Issuer)
	}
	if _, err := tgt.Mgmt.TenantSettings(t.Context()); err != nil {
		t.Fatalf("the Management API on the domain: %v", err)
	}
}
