package features_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/consentry/consentry/steps/report"
	"github.com/consentry/consentry/steps/runner"
	"github.com/consentry/consentry/steps/target"
)

// reword makes the mock speak another vendor's words while it keeps every
// rule: its consent buttons read "Allow Access" and "Don't Allow" (Okta's
// labels), and a declined request goes back with another description.
func reword(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		if loc := rec.Header().Get("Location"); strings.Contains(loc, "error_description=") {
			if u, err := url.Parse(loc); err == nil {
				q := u.Query()
				if q.Get("error_description") == "User did not authorize the request" {
					q.Set("error_description", "The resource owner or authorization server denied the request.")
					u.RawQuery = q.Encode()
					w.Header().Set("Location", u.String())
				}
			}
		}
		body := rec.Body.Bytes()
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			body = bytes.ReplaceAll(body, []byte(`value="accept">Accept<`), []byte(`value="accept">Allow Access<`))
			body = bytes.ReplaceAll(body, []byte(`value="deny">Decline<`), []byte(`value="deny">Don&#39;t Allow<`))
			w.Header().Del("Content-Length")
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// rewordedTags are the scenarios whose Auth0 dialect steps reword changes
// (its buttons and decline description), not those whose dialect steps
// check something else (token errors and bodies, CORS, ...).
const rewordedTags = "@dialect:auth0 && ~@rule:C6 && ~@authorize && ~@token && ~@prompt && ~@cors"

// On the mock, whose dialect is Auth0's, a difference in Auth0's wording is
// a failure like any other.
func TestDialectDifferencesFailOnAnAuth0Target(t *testing.T) {
	var out bytes.Buffer
	res, err := runner.Run(t.Context(), runner.Config{Driver: runner.DriverHTTP, Tags: rewordedTags, Concurrency: 4,
		Output: &out, Format: "progress", NoColors: true, Start: target.StartOptions{Wrap: reword}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Report.Results) < 4 {
		t.Fatalf("only %d scenarios ran", len(res.Report.Results))
	}
	for _, r := range res.Report.Results {
		if r.Outcome != report.Failed || !strings.Contains(r.Reason, "auth0 dialect") {
			t.Errorf("%s: %s (%s), want a failure of its auth0 dialect step", r.Name, r.Outcome, r.Reason)
		}
	}
}

// The same mock held to no dialect passes the same scenarios: the buttons
// are found by their selectors and the decline is an access_denied with a
// description; what Auth0 would word differently is attached to the step.
func TestDialectDifferencesAreReportedOnOtherTargets(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cucumber.json")
	var out bytes.Buffer
	res, err := runner.Run(t.Context(), runner.Config{Profile: &target.Profile{Name: "reworded", Kind: target.KindEmbedded, Dialect: target.DialectNone},
		Driver: runner.DriverHTTP, Tags: rewordedTags, Concurrency: 4,
		Output: &out, Format: "progress,cucumber:" + file, NoColors: true, Start: target.StartOptions{Wrap: reword}})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Report.Results {
		if r.Outcome != report.Passed {
			t.Errorf("%s: %s (%s), want passed", r.Name, r.Outcome, r.Reason)
		}
	}
	cucumber, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	got := decodedEmbeddings(t, cucumber, report.DialectMismatchMediaType)
	for _, want := range []string{
		`auth0: the buttons read "Allow Access" and "Don't Allow", want "Accept" and "Decline"`,
		`auth0: the application received error_description="The resource owner or authorization server denied the request.", want "User did not authorize the request"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no attachment %q; got:\n%s", want, got)
		}
	}
}
