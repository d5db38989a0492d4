package features_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/consent"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/store/oktamem"
	"github.com/consentry/consentry/steps/report"
	"github.com/consentry/consentry/steps/runner"
	"github.com/consentry/consentry/steps/target"
)

// The Okta features (okta_*.feature) run against the embedded mock's Okta
// org, on both user agents; rules O1 to O12 each have a scenario.

func TestOktaSuiteHTTP(t *testing.T) {
	res := runSuite(t, runner.Config{Profile: target.EmbeddedOkta(), Driver: runner.DriverHTTP, Concurrency: 2})
	checkOktaRun(t, res)
}

func TestOktaSuiteBrowser(t *testing.T) {
	if os.Getenv("CONSENTRY_BROWSER") == "off" {
		t.Skip("CONSENTRY_BROWSER=off: the Okta browser suite did NOT run; only the HTTP driver was checked")
	}
	res := runSuite(t, runner.Config{Profile: target.EmbeddedOkta(), Driver: runner.DriverBrowser, Concurrency: 4})
	checkOktaRun(t, res)
}

func checkOktaRun(t *testing.T, res *runner.Result) {
	t.Helper()
	rules := map[string]bool{}
	for _, r := range res.Report.Results {
		if r.Outcome == report.NotApplicable {
			t.Errorf("not applicable on the embedded Okta org: %s: %s", r.Name, r.Reason)
		}
		if !runner.IsOktaFeature(r.Feature) {
			t.Errorf("an Auth0 scenario ran against the Okta org: %s", r.Name)
		}
		for _, id := range r.Rules {
			rules[id] = true
		}
	}
	if os.Getenv("CONSENTRY_TAGS") == "" {
		for _, id := range []string{"O1", "O2", "O3", "O4", "O5", "O6", "O7", "O8", "O9", "O10", "O11", "O12"} {
			if !rules[id] {
				t.Errorf("no Okta scenario checks rule %s", id)
			}
		}
	}
}

// TestAuth0RunHasNoOktaScenario: the Auth0 targets never run the Okta
// features.
func TestAuth0RunHasNoOktaScenario(t *testing.T) {
	var out bytes.Buffer
	res, err := runner.Run(context.Background(), runner.Config{Driver: runner.DriverHTTP, Tags: "@okta", Output: &out, NoColors: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Planned != 0 {
		t.Errorf("%d Okta scenarios were planned against the Auth0 mock", res.Planned)
	}
}

func expectOktaFailure(t *testing.T, tags, rule string, start target.StartOptions) {
	t.Helper()
	var out bytes.Buffer
	res, err := runner.Run(context.Background(), runner.Config{Profile: target.EmbeddedOkta(), Driver: runner.DriverHTTP,
		Tags: tags, Output: &out, Format: "progress", NoColors: true, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, r := range res.Report.Results {
		if r.Outcome == report.Failed && contains(r.Rules, rule) {
			failed = append(failed, r.Feature+": "+r.Name+"\n    "+r.Reason)
		}
	}
	if len(failed) == 0 {
		var sum bytes.Buffer
		_ = res.Report.WriteSummary(&sum)
		t.Fatalf("no scenario of rule %s failed against the broken Okta org:\n%s", rule, sum.String())
	}
	t.Logf("for rule %s, against the broken Okta org:\n  %s", rule, strings.Join(failed, "\n  "))
}

func TestMutationO3_RequiredAppNeverAsked(t *testing.T) {
	broken := func(f consent.OktaFacts) consent.OktaDecision {
		f.ConsentMethod = "TRUSTED" // the bug: consent_method is ignored
		return consent.DecideOkta(f)
	}
	expectOktaFailure(t, "@rule:O3", "O3", target.StartOptions{OktaDecide: broken})
}

func TestMutationO3_PromptConsentIgnored(t *testing.T) {
	broken := func(f consent.OktaFacts) consent.OktaDecision {
		f.Prompt.Consent = false
		return consent.DecideOkta(f)
	}
	expectOktaFailure(t, "@rule:O3", "O3", target.StartOptions{OktaDecide: broken})
}

func TestMutationO6_GrantsIgnored(t *testing.T) {
	broken := func(f consent.OktaFacts) consent.OktaDecision {
		f.Granted = nil // the bug: every authorization asks again
		return consent.DecideOkta(f)
	}
	expectOktaFailure(t, "@rule:O1", "O1", target.StartOptions{OktaDecide: broken})
}

// TestOktaRealOrgProfileWorksOnTheMock runs the Okta features with the
// profile written for a real org (testdata/targets/okta.example.yaml: the
// widget's selectors, the SSWS token from the environment) against a mock
// Okta org served on its own, as mockidp serve --vendor okta serves it.
func TestOktaRealOrgProfileWorksOnTheMock(t *testing.T) {
	var h http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	defer ts.Close()
	srv, err := server.NewOkta(context.Background(), server.OktaOptions{OrgURL: ts.URL, Store: oktamem.New(), APIToken: "profile-token-123", PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	h = srv
	data, err := os.ReadFile("../testdata/targets/okta.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.ReplaceAll(string(data), "https://${OKTA_DOMAIN}", ts.URL))
	p, err := target.Parse(data, func(k string) (string, bool) { return "profile-token-123", k == "OKTA_API_TOKEN" })
	if err != nil {
		t.Fatal(err)
	}
	res := runSuite(t, runner.Config{Profile: p, Driver: runner.DriverHTTP})
	checkOktaRun(t, res)
}

// TestMutationO4_RequiredScopeGrantedToClientCredentials: a mock that
// grants a REQUIRED scope to client credentials fails rule O4's scenarios
// (the seed's phone example).
func TestMutationO4_RequiredScopeGrantedToClientCredentials(t *testing.T) {
	broken := func([]*okta.Scope) *oautherr.Error { return nil } // the bug: no check at all
	expectOktaFailure(t, "@rule:O4", "O4", target.StartOptions{OktaCheckClientCredentials: broken})
}
