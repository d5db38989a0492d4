package features_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/consentry/consentry/steps/report"
	"github.com/consentry/consentry/steps/runner"
)

// httpsOnly reports whether a scenario was not applicable only because it
// checks rule W5 (the SSO cookie over HTTPS) and the target, the embedded
// mock, serves HTTP. Every other not-applicable verdict on the embedded
// mock is a defect of the suite.
func httpsOnly(r report.Result) bool {
	return r.Outcome == report.NotApplicable && slices.Contains(r.Rules, "W5") &&
		strings.Contains(r.Reason, "is served over HTTP") && strings.Contains(r.Reason, "rule W5 is about the cookies over HTTPS")
}

// A foreign IdP that does not advertise response_mode=web_message (its
// discovery document has no response_modes_supported: query and fragment)
// leaves the silent authentication scenarios not applicable, each saying
// why: web_message for rule W2, HTTP for rule W5. Never passed, never
// failed for a mode it does not claim.
func TestForeignIdPWithoutWebMessageIsNotApplicable(t *testing.T) {
	got, res, _ := foreignVerdicts(t, runner.DriverHTTP, "@silent")
	if len(got) == 0 {
		t.Fatal("no silent authentication scenario ran")
	}
	for _, r := range res.Report.Results {
		want := "does not advertise response_mode web_message in its discovery document (response_modes_supported: none listed"
		if slices.Contains(r.Tags, "@rule:W5") {
			want = "rule W5 is about the cookies over HTTPS"
		}
		if r.Outcome != report.NotApplicable || !strings.Contains(r.Reason, want) {
			t.Errorf("%s: %s (%s), want not applicable because it %s", r.Name, r.Outcome, r.Reason, want)
		}
	}
}
