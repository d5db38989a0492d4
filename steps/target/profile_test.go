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

// The selectors of the shipped profiles are in the CSS subset the HTTP
// driver understands, so both user agents can run them.
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
