package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	messages "github.com/cucumber/messages/go/v21"

	"github.com/consentry/consentry/steps/report"
	"github.com/consentry/consentry/steps/target"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func fakePickle(id, name string, steps int) *messages.Pickle {
	p := &messages.Pickle{Id: id, Name: name, Uri: "x.feature"}
	for i := 0; i < steps; i++ {
		p.Steps = append(p.Steps, &messages.PickleStep{Text: "step " + id})
	}
	return p
}

var ansi = regexp.MustCompile("\x1b\\[[0-9;]*m")

// On a terminal: a bar redrawn in place, a line for a failure, colours
// only when allowed.
func TestConsoleDrawsABarOnATerminal(t *testing.T) {
	for _, color := range []bool{false, true} {
		var out syncBuffer
		c := newConsole(&out, FormatProgress, true, color, 2, 0)
		c.TestRunStarted()
		ok, bad := fakePickle("1", "fine", 1), fakePickle("2", "broken", 2)
		c.Pickle(ok)
		c.Passed(ok, ok.Steps[0], nil)
		c.Pickle(bad)
		c.Failed(bad, bad.Steps[0], nil, nil)
		c.Skipped(bad, bad.Steps[1], nil)
		c.Summary()
		s := out.String()
		if !strings.Contains(s, "\r\x1b[K[###############...............] 1/2 scenarios done") {
			t.Errorf("no half-full bar:\n%q", s)
		}
		if !strings.Contains(ansi.ReplaceAllString(s, ""), "FAIL x.feature broken (at \"step 2\")") {
			t.Errorf("no line for the failure:\n%q", s)
		}
		if got := ansi.MatchString(s); got != color {
			t.Errorf("colour %v: ANSI colours in the output: %v\n%q", color, got, s)
		}
	}
}

// Not on a terminal: a first line, periodic progress lines during long
// silences, a line for each failure, and a last line; never a bar or a
// colour.
func TestConsolePrintsPeriodicLinesElsewhere(t *testing.T) {
	var out syncBuffer
	c := newConsole(&out, FormatProgress, false, false, 3, 20*time.Millisecond)
	c.TestRunStarted()
	time.Sleep(120 * time.Millisecond) // a slow first scenario
	p := fakePickle("1", "slow", 1)
	c.Pickle(p)
	c.Passed(p, p.Steps[0], nil)
	c.Summary()
	s := out.String()
	if !strings.HasPrefix(s, "consentry: running 3 scenarios\n") {
		t.Errorf("first line:\n%s", s)
	}
	if strings.Count(s, "consentry: 0/3 scenarios done, ") < 1 {
		t.Errorf("no progress line while the first scenario ran:\n%s", s)
	}
	if !strings.Contains(s, "consentry: 1/3 scenarios done, ") || strings.Contains(s, "\r") || ansi.MatchString(s) {
		t.Errorf("output:\n%q", s)
	}
}

func TestConsolePrettyPrintsEveryScenario(t *testing.T) {
	var out syncBuffer
	c := newConsole(&out, FormatPretty, false, false, 3, time.Hour)
	c.TestRunStarted()
	a, b := fakePickle("1", "first", 1), fakePickle("2", "second", 1)
	for _, p := range []*messages.Pickle{a, b} {
		c.Pickle(p)
	}
	c.Passed(a, a.Steps[0], nil)
	c.Skipped(b, b.Steps[0], nil)
	part := fakePickle("3", "third", 2)
	part.Steps[0].Type = messages.PickleStepType_OUTCOME
	c.Pickle(part)
	c.Passed(part, part.Steps[0], nil)
	c.Skipped(part, part.Steps[1], nil)
	c.Summary()
	if s := out.String(); !strings.Contains(s, "pass x.feature first\n") || !strings.Contains(s, "n/a  x.feature second\n") || !strings.Contains(s, "n/a  x.feature third (not applicable after checks passed)\n") {
		t.Errorf("output:\n%s", s)
	}
}

// declineAccepts breaks the mock: a decline is taken as an accept.
func declineAccepts(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			body, _ := io.ReadAll(r.Body)
			form, err := url.ParseQuery(string(body))
			if err == nil && form.Get("action") == "deny" {
				form.Set("action", "accept")
				body = []byte(form.Encode())
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			r.ContentLength = int64(len(body))
		}
		next.ServeHTTP(w, r)
	})
}

// The whole console output of a run with a failure: consentry's progress
// and summary only (no godog count, no "Failed steps" section), the
// failure's message once, no colours when the output is not a terminal.
func TestRunPrintsOneCountAndEachFailureOnce(t *testing.T) {
	var out bytes.Buffer
	res, err := Run(context.Background(), Config{
		Driver: DriverHTTP, Tags: "@rule:D1,@rule:K5", Concurrency: 2, Output: &out,
		Start: target.StartOptions{Wrap: declineAccepts},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Report.Count(report.Failed) == 0 || res.Report.Count(report.Passed) == 0 {
		t.Fatalf("want a failure and a pass: %s", res.Report.CountLine())
	}
	_ = res.Report.WriteSummary(&out)
	s := out.String()
	for _, godogs := range []*regexp.Regexp{regexp.MustCompile(`\d+ scenarios \(\d+ `), regexp.MustCompile(`\d+ steps \(\d+ `), regexp.MustCompile(`Failed steps`)} {
		if godogs.MatchString(s) {
			t.Errorf("godog's own summary (%s) is in the output:\n%s", godogs, s)
		}
	}
	if strings.Count(s, "scenarios: ") != 1 {
		t.Errorf("want one count line:\n%s", s)
	}
	for _, r := range res.Report.Results {
		if r.Outcome != report.Failed {
			continue
		}
		_, msg, _ := strings.Cut(r.Reason, ": failed: ")
		same := 0
		for _, o := range res.Report.Results {
			if strings.Contains(o.Reason, msg) {
				same++
			}
		}
		if msg == "" || strings.Count(s, msg) != same {
			t.Errorf("the failure %q of %d scenarios is printed %d times:\n%s", msg, same, strings.Count(s, msg), s)
		}
	}
	if strings.Contains(s, "\x1b[") {
		t.Errorf("ANSI escapes in output that is not a terminal:\n%q", s)
	}
}

// NO_COLOR turns colours off even on a terminal.
func TestNoColorEnvironment(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	var out bytes.Buffer
	yes := true
	_, err := Run(context.Background(), Config{Driver: DriverHTTP, Tags: "@rule:K5", Output: &out, Terminal: &yes, Format: "pretty"})
	if err != nil {
		t.Fatal(err)
	}
	if ansi.MatchString(out.String()) || !strings.Contains(out.String(), "pass client_credentials.feature:") {
		t.Errorf("output:\n%q", out.String())
	}
}

// An empty NO_COLOR leaves colours on: no-color.org asks only a value
// that is set and not empty to turn them off.
func TestEmptyNoColorKeepsColours(t *testing.T) {
	t.Setenv("NO_COLOR", "")
	var out bytes.Buffer
	yes := true
	_, err := Run(context.Background(), Config{Driver: DriverHTTP, Tags: "@rule:K5", Output: &out, Terminal: &yes, Format: "pretty"})
	if err != nil {
		t.Fatal(err)
	}
	if !ansi.MatchString(out.String()) {
		t.Errorf("no colours on a terminal with NO_COLOR empty:\n%q", out.String())
	}
}

// A bad tag expression, format or shard stops the run before anything
// starts, with one line.
func TestRunRefusesBadTagsAndFormats(t *testing.T) {
	for _, cfg := range []Config{
		{Driver: DriverHTTP, Tags: "@rule:C6 &&"},
		{Driver: DriverHTTP, Tags: "@rule:Q1"},
		{Driver: DriverHTTP, Format: "xml"},
	} {
		res, err := Run(context.Background(), cfg)
		if err == nil || res != nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: %v, %v", cfg, res, err)
		}
	}
}

// With an html or cucumber report, every page the user agents showed is
// attached to the step that reached it; the run information to the first
// step of each scenario.
func TestRunAttachesThePagesAndTheRun(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	res, err := Run(context.Background(), Config{Driver: DriverHTTP, Tags: "@rule:D1 && @rule:D3", Output: &out,
		Format: "progress,html:" + dir + ",junit:" + filepath.Join(dir, "junit.xml") + ",cucumber:" + filepath.Join(dir, "c.json")})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, r := range res.Report.Results {
		if r.Run.Driver != DriverHTTP || r.Run.Target != "embedded" || r.Run.Dialect != "auth0" || r.Run.Started.IsZero() {
			t.Errorf("run info %+v", r.Run)
		}
		for _, s := range r.Steps {
			for _, a := range s.Attachments {
				if p, ok := a.Page(); ok {
					kinds[p.Kind] = true
				}
			}
		}
	}
	for _, k := range []string{"login", "consent", "error"} {
		if !kinds[k] {
			t.Errorf("no %s page attached (have %v)", k, kinds)
		}
	}
	html, err := os.ReadFile(filepath.Join(dir, report.HTMLFile))
	if err != nil || !strings.Contains(string(html), `class="page consent"`) {
		t.Errorf("the HTML report lacks the consent page: %v", err)
	}
	var cuke []map[string]any
	data, _ := os.ReadFile(filepath.Join(dir, "c.json"))
	if json.Unmarshal(data, &cuke) != nil || len(cuke) == 0 {
		t.Errorf("the cucumber report is not JSON: %.200s", data)
	}
	if !strings.Contains(strings.Join(res.Reports, ","), "html "+filepath.Join(dir, "index.html")) {
		t.Errorf("reports %v", res.Reports)
	}
}

const consentFeature = `Feature: consent page screenshots
  @rule:C1
  Scenario: the consent page is shown and accepted
    Given an API "Posts" with the scopes "read:posts write:posts" that does not allow skipping consent
    And a strict third-party application
    And a user
    And the user has granted "read:posts" to the application
    When the user opens a new browser
    And the application asks for "read:posts write:posts"
    And the user logs in
    Then the consent page is shown
    When the user accepts consent
    Then the application receives an authorization code
`

// In the browser, the HTML report shows a screenshot of every page the
// scenario saw: the login page and the consent page.
func TestBrowserRunScreenshotsEveryPage(t *testing.T) {
	if os.Getenv("CONSENTRY_BROWSER") == "off" {
		t.Skip("CONSENTRY_BROWSER=off: the screenshots of every page were NOT checked")
	}
	dir := t.TempDir()
	var out bytes.Buffer
	res, err := Run(context.Background(), Config{Driver: DriverBrowser, Output: &out, Format: "html:" + dir,
		Features: fstest.MapFS{"consent.feature": {Data: []byte(consentFeature)}}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() {
		t.Fatalf("the scenario failed: %s", res.Report.Results[0].Reason)
	}
	var shots []string
	var last string
	for _, s := range res.Report.Results[0].Steps {
		for _, a := range s.Attachments {
			if p, ok := a.Page(); ok {
				last = fmt.Sprintf("%s/%d", p.Kind, p.Agent)
			}
			if a.MediaType == "image/png" && len(a.Data) > 1000 {
				shots = append(shots, strings.TrimPrefix(s.Name, "the user ")+": "+last)
			}
		}
	}
	// The grant step passes through a login and a consent page of the
	// first browser; the second browser shows its own.
	want := []string{`has granted "read:posts" to the application: login/1`, `has granted "read:posts" to the application: consent/1`,
		`the application asks for "read:posts write:posts": login/2`, "logs in: consent/2"}
	if strings.Join(shots, "\n") != strings.Join(want, "\n") {
		t.Errorf("screenshots:\n%s\nwant:\n%s", strings.Join(shots, "\n"), strings.Join(want, "\n"))
	}
	html, _ := os.ReadFile(filepath.Join(dir, report.HTMLFile))
	if n := strings.Count(string(html), `<img class="shot"`); n != 4 {
		t.Errorf("the HTML report has %d screenshots, want 4", n)
	}
}

func TestLimiterSpacesEvents(t *testing.T) {
	l := newLimiter(Rate{N: 4, Per: 200 * time.Millisecond})
	start := time.Now()
	for i := 0; i < 3; i++ {
		if err := l.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("3 events at 4 per 200ms took %s, want at least 100ms", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	l2 := newLimiter(Rate{N: 1, Per: time.Hour})
	_ = l2.wait(ctx)
	if err := l2.wait(ctx); err == nil {
		t.Error("a cancelled wait returned no error")
	}
	if newLimiter(Rate{}) != nil || (*limiter)(nil).wait(ctx) != nil {
		t.Error("no rate means no limit")
	}
}

// --rate spaces the run's new user sessions: scenarios that each
// start a user agent, at one per 150ms, take 150ms per scenario after the first.
func TestRateSpacesNewSessions(t *testing.T) {
	var out bytes.Buffer
	start := time.Now()
	res, err := Run(context.Background(), Config{Driver: DriverHTTP, Tags: "@rule:C1 && @rule:K2,@rule:C5", Concurrency: 4, Output: &out,
		Rate: Rate{N: 1, Per: 150 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Report.Results); n < 3 {
		t.Fatalf("%d scenarios ran, want at least 3", n)
	}
	if d := time.Since(start); d < time.Duration(len(res.Report.Results)-1)*150*time.Millisecond {
		t.Errorf("%d scenarios at one new session per 150ms took only %s", len(res.Report.Results), d)
	}
}

func TestDialectOfTheTarget(t *testing.T) {
	for kind, want := range map[string]string{target.KindEmbedded: "auth0", target.KindAuth0: "auth0", target.KindURL: "auth0", target.KindGeneric: "none"} {
		if got := dialectOf(&target.Profile{Kind: kind}); got != want {
			t.Errorf("%s: %s, want %s", kind, got, want)
		}
	}
}

// Two runs at once each read back their own scenarios: the cucumber JSON
// is kept in memory per suite name (captureCucumber), not in one place.
func TestConcurrentRunsReportOnlyTheirOwnScenarios(t *testing.T) {
	tags := []string{"@rule:D1", "@rule:K5"}
	results := make([]*Result, len(tags))
	errs := make([]error, len(tags))
	var wg sync.WaitGroup
	for i, tag := range tags {
		wg.Go(func() {
			results[i], errs[i] = Run(context.Background(), Config{Driver: DriverHTTP, Tags: tag, Concurrency: 2, Output: io.Discard})
		})
	}
	wg.Wait()
	for i, tag := range tags {
		if errs[i] != nil {
			t.Fatalf("%s: %v", tag, errs[i])
		}
		rep := results[i].Report
		if len(rep.Results) == 0 || len(rep.Results) != results[i].Planned {
			t.Fatalf("%s: %d results for %d planned scenarios", tag, len(rep.Results), results[i].Planned)
		}
		for _, r := range rep.Results {
			if !slices.Contains(r.Rules, strings.TrimPrefix(tag, "@rule:")) {
				t.Errorf("%s: the report has %q (rules %v) of the other run", tag, r.Name, r.Rules)
			}
		}
	}
}
