package features_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/consentry/consentry/steps/report"
	"github.com/consentry/consentry/steps/runner"
	"github.com/consentry/consentry/steps/target"
)

// A target without Management API access cannot have fixtures created:
// the scenarios that need them are not applicable, with the reason, and
// never counted as passed.
func TestScenariosNeedingAMissingCapabilityAreNotApplicable(t *testing.T) {
	var out bytes.Buffer
	profile := &target.Profile{Name: "no-management", Kind: target.KindEmbedded, Capabilities: []string{target.CapPasswordGrant}}
	res, err := runner.Run(context.Background(), runner.Config{
		Profile: profile, Driver: runner.DriverHTTP, Tags: "@rule:C1,@rule:K1,@tenant-settings", Concurrency: 4,
		Output: &out, Format: "progress", NoColors: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Report.Results) == 0 {
		t.Fatal("no scenario ran")
	}
	for _, r := range res.Report.Results {
		if r.Outcome != report.NotApplicable {
			t.Errorf("%s: %s, want not applicable (%s)", r.Name, r.Outcome, r.Reason)
			continue
		}
		if !strings.Contains(r.Reason, "capability management") {
			t.Errorf("%s: reason %q does not name the missing capability", r.Name, r.Reason)
		}
	}
	for _, s := range res.Report.Rules() {
		if s.Passed > 0 {
			t.Errorf("rule %s counted %d passed", s.ID, s.Passed)
		}
	}
	var sum bytes.Buffer
	_ = res.Report.WriteSummary(&sum)
	if !strings.Contains(sum.String(), "not applicable:") {
		t.Errorf("the summary does not list the not-applicable scenarios:\n%s", sum.String())
	}
}
