package features_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/consentry/consentry/steps/runner"
	"github.com/consentry/consentry/steps/target"
)

// A failed step carries the page the user agent was on (and, in a browser,
// a screenshot) as attachments in the cucumber report.
func TestFailedStepAttachesThePage(t *testing.T) {
	checkAttachments(t, runner.DriverHTTP, "text/plain")
}

func TestFailedStepAttachesAScreenshot(t *testing.T) {
	if os.Getenv("CONSENTRY_BROWSER") == "off" {
		t.Skip("CONSENTRY_BROWSER=off: the browser was NOT checked")
	}
	checkAttachments(t, runner.DriverBrowser, "text/plain", "image/png")
}

func checkAttachments(t *testing.T, driverName string, want ...string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "cucumber.json")
	declineAccepts := rewriteForm(func(_ *http.Request, form url.Values) {
		if form.Get("action") == "deny" {
			form.Set("action", "accept")
		}
	})
	var out bytes.Buffer
	res, err := runner.Run(context.Background(), runner.Config{
		Driver: driverName, Browser: browserFor(t, driverName), Tags: "@rule:D1 && @rule:D3", Output: &out, Format: "cucumber:" + file, NoColors: true,
		Start: target.StartOptions{Wrap: declineAccepts},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK() {
		t.Fatal("the scenario passed against the broken mock")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var features []struct {
		Elements []struct {
			Steps []struct {
				Result struct {
					Status string `json:"status"`
				} `json:"result"`
				Embeddings []struct {
					MimeType string `json:"mime_type"`
				} `json:"embeddings"`
			} `json:"steps"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(data, &features); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range features {
		for _, e := range f.Elements {
			for _, s := range e.Steps {
				if s.Result.Status == "failed" {
					for _, emb := range s.Embeddings {
						got[emb.MimeType] = true
					}
				}
			}
		}
	}
	for _, m := range want {
		if !got[m] {
			t.Errorf("the failed step has no %s attachment (has %v)", m, got)
		}
	}
}

// Secrets from the target profile (the test user's password, the
// management secret) never appear in the console output or the reports,
// even when scenarios fail around them.
func TestSecretsStayOutOfReports(t *testing.T) {
	const password, mgmtSecret = "Leak-Check-Password-123!", "leak-check-management-secret"
	file := filepath.Join(t.TempDir(), "cucumber.json")
	junit := filepath.Join(t.TempDir(), "junit.xml")
	profile := &target.Profile{Name: "leak-check", Kind: target.KindEmbedded,
		User:       &target.User{Username: "nobody@consentry.test", Password: password},
		Management: &target.Management{ClientID: "leak-check", ClientSecret: mgmtSecret}}
	var out bytes.Buffer
	res, err := runner.Run(context.Background(), runner.Config{
		Profile: profile, Driver: runner.DriverHTTP, Tags: "@rule:A3,@rule:T3", Concurrency: 2, Output: &out,
		Format: "pretty,junit:" + junit + ",cucumber:" + file, NoColors: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK() {
		t.Fatal("a user that does not exist signed in")
	}
	var sum bytes.Buffer
	_ = res.Report.WriteSummary(&sum)
	cucumber, _ := os.ReadFile(file)
	junitXML, _ := os.ReadFile(junit)
	for name, text := range map[string]string{"console": out.String(), "summary": sum.String(), "cucumber": string(cucumber), "junit": string(junitXML)} {
		for _, secret := range []string{password, mgmtSecret} {
			if bytes.Contains([]byte(text), []byte(secret)) {
				t.Errorf("the %s output shows a secret", name)
			}
		}
	}
}
