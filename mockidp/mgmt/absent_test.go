package mgmt_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/mgmt"
)

func TestAbsent_RulesAndHooksAreDeprecated(t *testing.T) {
	f := newFixture(t)
	for _, path := range []string{"/api/v2/rules", "/api/v2/rules-configs", "/api/v2/hooks"} {
		f.do("GET", path, "").wantError(http.StatusForbidden, "", "Insufficient privileges to use this deprecated feature")
	}
	f.do("POST", "/api/v2/rules", `{"name":"r","script":"function(){}"}`).
		wantError(http.StatusForbidden, "", "Insufficient privileges to use this deprecated feature")
}

func TestAbsent_ListsAreEmptyInEveryShape(t *testing.T) {
	f := newFixture(t)
	if got := string(f.do("GET", "/api/v2/roles", "").want(200).body); got != "[]\n" {
		t.Errorf("plain list: %s", got)
	}
	jsonEqual(t, f.do("GET", "/api/v2/roles?include_totals=true&per_page=25", "").want(200).obj(),
		`{"roles":[],"start":0,"limit":25,"total":0}`)
	jsonEqual(t, f.do("GET", "/api/v2/organizations?take=50", "").want(200).obj(), `{"organizations":[]}`)
	// Lists Auth0 always wraps.
	jsonEqual(t, f.do("GET", "/api/v2/actions/actions", "").want(200).obj(), `{"actions":[],"start":0,"limit":50,"total":0}`)
	jsonEqual(t, f.do("GET", "/api/v2/actions/triggers/post-login/bindings", "").want(200).obj(), `{"bindings":[],"start":0,"limit":50,"total":0}`)
	if got := string(f.do("GET", "/api/v2/custom-domains", "").want(200).body); got != "[]\n" {
		t.Errorf("custom domains: %s", got)
	}
	f.do("GET", "/api/v2/roles?per_page=1000", "").want(http.StatusBadRequest)
	// Creating what the mock does not model is refused, not dropped.
	f.do("POST", "/api/v2/roles", `{"name":"admin"}`).wantError(http.StatusNotImplemented, "not_implemented",
		"Roles are not modelled by the mock IdP; it answers as a tenant without them")
}

func TestAbsent_NotConfiguredIs404(t *testing.T) {
	f := newFixture(t)
	f.do("GET", "/api/v2/emails/provider", "").wantError(http.StatusNotFound, "inexistent_email_provider", "There is no email provider configured")
	f.do("GET", "/api/v2/email-templates/verify_email", "").wantError(http.StatusNotFound, "inexistent_email_templates", "The template does not exist.")
	f.do("GET", "/api/v2/branding/themes/default", "").want(http.StatusNotFound)
}

func TestAbsent_SettingsDocumentsKeepWhatIsWritten(t *testing.T) {
	f := newFixture(t)
	const path = "/api/v2/attack-protection/brute-force-protection"
	def := `{"enabled":true,"shields":["block","user_notification"],"mode":"count_per_identifier_and_ip","allowlist":[],"max_attempts":10}`
	if got := strings.TrimSpace(string(f.do("GET", path, "").want(200).body)); got != def {
		t.Fatalf("default: %s", got)
	}
	// PATCH merges and keeps the order of the properties.
	got := strings.TrimSpace(string(f.do("PATCH", path, `{"max_attempts":5,"extra":true}`).want(200).body))
	want := `{"enabled":true,"shields":["block","user_notification"],"mode":"count_per_identifier_and_ip","allowlist":[],"max_attempts":5,"extra":true}`
	if got != want {
		t.Fatalf("after PATCH: %s", got)
	}
	if got := strings.TrimSpace(string(f.do("GET", path, "").want(200).body)); got != want {
		t.Fatalf("GET after PATCH: %s", got)
	}
	f.do("PATCH", path, `[1]`).want(http.StatusBadRequest)
	f.do("PATCH", path, `{`).wantError(http.StatusBadRequest, "invalid_body", "Invalid request payload JSON format")

	// PUT replaces; each path is its own document.
	f.do("PUT", "/api/v2/prompts/login/custom-text/en", `{"login":{"title":"Hi"}}`).want(200)
	jsonEqual(t, f.do("GET", "/api/v2/prompts/login/custom-text/en", "").want(200).obj(), `{"login":{"title":"Hi"}}`)
	jsonEqual(t, f.do("GET", "/api/v2/prompts/login/custom-text/fr", "").want(200).obj(), `{}`)

	// A factor's PUT sets it in the factors list.
	jsonEqual(t, f.do("PUT", "/api/v2/guardian/factors/otp", `{"enabled":true}`).want(200).obj(), `{"enabled":true}`)
	var otp any
	for _, fa := range f.do("GET", "/api/v2/guardian/factors", "").want(200).arr() {
		if fa["name"] == "otp" {
			otp = fa["enabled"]
		}
	}
	if otp != true {
		t.Fatalf("otp enabled = %v", otp)
	}
	f.do("PUT", "/api/v2/guardian/factors/nope", `{"enabled":true}`).want(http.StatusNotFound)
	f.do("PUT", "/api/v2/guardian/factors/otp", `{"enabled":"yes"}`).want(http.StatusBadRequest)

	// Another API (another tenant) starts from the defaults.
	if got := strings.TrimSpace(string(newFixture(t).do("GET", path, "").want(200).body)); got != def {
		t.Fatalf("a second API shares documents: %s", got)
	}
}

func TestAbsent_EveryEndpointHasAScopeAndAFeature(t *testing.T) {
	seen := map[string]bool{}
	for _, e := range mgmt.AbsentEndpoints {
		if e.Scope == "" || e.Feature == "" || e.Kind == "" || !strings.HasPrefix(e.Path, "/") {
			t.Errorf("incomplete: %+v", e)
		}
		if seen[e.Method+" "+e.Path] {
			t.Errorf("twice: %s %s", e.Method, e.Path)
		}
		seen[e.Method+" "+e.Path] = true
	}
}

// README's table of what the Management API answers empty must name every
// endpoint (the README is kept true by this test).
func TestAbsent_READMEListsEveryEndpoint(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range mgmt.AbsentEndpoints {
		if !strings.Contains(string(data), "`"+e.Path+"`") {
			t.Errorf("README does not list %s", e.Path)
		}
	}
}
