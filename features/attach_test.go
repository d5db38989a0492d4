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
		Driver: driverName, Tags: "@rule:D1 && @rule:D3", Output: &out, Format: "cucumber:" + file, NoColors: true,
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
