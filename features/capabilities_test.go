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

// Only the embedded mock's clock can be moved. The same mock reached as a
// "url" target has every other capability, and the scenarios that move the
// clock are not applicable there, with the reason, never passed.
func TestClockScenariosAreNotApplicableOnOtherTargets(t *testing.T) {
	ctx := context.Background()
	mgmt := &target.Management{ClientID: "consentry-clock-test", ClientSecret: "clock-test-secret-0123456789"}
	mock, err := target.Start(ctx, &target.Profile{Name: "mock", Kind: target.KindEmbedded, Management: mgmt}, target.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer mock.Close()
	var out bytes.Buffer
	res, err := runner.Run(ctx, runner.Config{
		Profile: &target.Profile{Name: "mock-by-url", Kind: target.KindURL, Issuer: mock.Issuer, Management: mgmt},
		Driver:  runner.DriverHTTP, Tags: "@clock", Output: &out, Format: "progress", NoColors: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Report.Results) == 0 {
		t.Fatal("no scenario tagged @clock ran")
	}
	for _, r := range res.Report.Results {
		if r.Outcome != report.NotApplicable || !strings.Contains(r.Reason, "capability clock") {
			t.Errorf("%s: %s (%s), want not applicable naming the capability clock", r.Name, r.Outcome, r.Reason)
		}
	}
	if len(res.Leftovers) > 0 {
		t.Errorf("leftovers: %v", res.Leftovers)
	}
}

// The token exchange scenarios get the user's first access token with the
// password grant: without that capability they are not applicable, with
// the reason, never passed.
func TestExchangeScenariosNeedThePasswordGrant(t *testing.T) {
	var out bytes.Buffer
	profile := &target.Profile{Name: "no-password-grant", Kind: target.KindEmbedded, Capabilities: []string{target.CapManagement}}
	res, err := runner.Run(context.Background(), runner.Config{
		Profile: profile, Driver: runner.DriverHTTP, Tags: "@exchange", Concurrency: 4, Output: &out, Format: "progress", NoColors: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Report.Results) == 0 {
		t.Fatal("no scenario tagged @exchange ran")
	}
	for _, r := range res.Report.Results {
		if r.Outcome != report.NotApplicable || !strings.Contains(r.Reason, "capability password_grant") {
			t.Errorf("%s: %s (%s), want not applicable naming the capability password_grant", r.Name, r.Outcome, r.Reason)
		}
	}
	if len(res.Leftovers) > 0 {
		t.Errorf("scenarios left %d fixtures behind:\n%s", len(res.Leftovers), strings.Join(res.Leftovers, "\n"))
	}
}
