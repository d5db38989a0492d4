package features_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/consentry/consentry/steps/report"
	"github.com/consentry/consentry/steps/runner"
)

// TestSuiteHTTP runs every scenario against the embedded mock with the HTTP
// user agent, several at once.
func TestSuiteHTTP(t *testing.T) {
	res := runSuite(t, runner.Config{Driver: runner.DriverHTTP, Concurrency: 4})
	// The embedded mock has every capability and the HTTP driver can do
	// everything a scenario asks: nothing may be left unchecked.
	for _, r := range res.Report.Results {
		if r.Outcome == report.NotApplicable && !httpsOnly(r) {
			t.Errorf("not applicable on the embedded mock: %s: %s", r.Name, r.Reason)
		}
	}
}

func runSuite(t *testing.T, cfg runner.Config) *runner.Result {
	t.Helper()
	var out bytes.Buffer
	cfg.TestingT = t
	cfg.Browser = browserFor(t, cfg.Driver)
	cfg.Output = &out
	cfg.Format = "progress"
	cfg.NoColors = true
	cfg.Tags = os.Getenv("CONSENTRY_TAGS")
	res, err := runner.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	var sum bytes.Buffer
	if err := res.Report.WriteSummary(&sum); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s driver against %s, %s:\n%s", cfg.Driver, res.Target, res.Duration.Round(1e7), sum.String())
	if !res.OK() {
		t.Errorf("the suite failed (godog status %d)", res.Status)
	}
	if len(res.Leftovers) > 0 {
		t.Errorf("scenarios left %d fixtures behind:\n%s", len(res.Leftovers), strings.Join(res.Leftovers, "\n"))
	}
	return res
}

// TestSuiteBrowser runs every scenario in Chromium. Without Chromium it
// fails with the one line that says how to install it; CONSENTRY_BROWSER=off
// turns this run off, loudly.
func TestSuiteBrowser(t *testing.T) {
	if os.Getenv("CONSENTRY_BROWSER") == "off" {
		t.Skip("CONSENTRY_BROWSER=off: the browser suite did NOT run; only the HTTP driver was checked")
	}
	res := runSuite(t, runner.Config{Driver: runner.DriverBrowser, Concurrency: 6})
	// A browser does everything a scenario asks, the forged consent forms
	// of rule C8 included (a form captured in another browser context, a
	// used form resubmitted after going back, a field added in the DOM) and
	// the 302 of a captured callback (rule D2): nothing may be left to the
	// HTTP run.
	c8 := 0
	for _, r := range res.Report.Results {
		if slices.Contains(r.Rules, "C8") {
			c8++
		}
		if r.Outcome == report.NotApplicable && !httpsOnly(r) {
			t.Errorf("not applicable on the embedded mock: %s (rules %v): %s", r.Name, r.Rules, r.Reason)
		}
	}
	if c8 == 0 && os.Getenv("CONSENTRY_TAGS") == "" {
		t.Error("no scenario of rule C8 ran in the browser")
	}
}

// Without Chromium the browser run fails, with one line that says how to
// install it; it is never skipped.
func TestMissingChromiumFailsWithOneLine(t *testing.T) {
	_, err := runner.Run(context.Background(), runner.Config{Driver: runner.DriverBrowser, ChromePath: "/nonexistent/chromium", Output: io.Discard})
	if !errors.Is(err, runner.ErrNoBrowser) {
		t.Fatalf("want ErrNoBrowser, got %v", err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "apt-get install") {
		t.Fatalf("want one line saying how to install Chromium, got %q", msg)
	}
}
