package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/consentry/consentry/steps/target"
)

func TestRulesListsEveryRequiredRule(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"rules"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errb.String())
	}
	for _, id := range []string{"K1", "P2", "A4", "C6", "C8", "D1", "T5"} {
		if !strings.Contains(out.String(), "\n"+id+" ") && !strings.HasPrefix(out.String(), id+" ") {
			t.Errorf("rule %s not listed", id)
		}
	}
}

// rules counted an outline once while a run counts each row, so "K2 (6
// scenarios)" stood beside a run's "K2 checked 10".
func TestRulesCountsTheRunsOfOutlines(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"rules"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !regexp.MustCompile(`(?m)^K2 .* \(\d+ scenarios, \d+ runs with the outlines' rows\)$`).MatchString(out.String()) {
		t.Errorf("K2 line lacks the runs:\n%s", out.String())
	}
	if !regexp.MustCompile(`(?m)^K5 .* \(1 scenario\)$`).MatchString(out.String()) {
		t.Errorf("K5 line:\n%s", out.String())
	}
}

func TestRunPrintsTheRuleSummaryAndExitsZeroOnSuccess(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"run", "--driver", "http", "--tags", "@rule:K5", "--no-colors"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d:\n%s\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"RULE", "K5 ", "scenarios: 1 passed, 0 failed, 0 not applicable"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunExitsOneWhenNothingRuns(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"run", "--driver", "http", "--tags", "@no-such-tag"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{{}, {"bogus"}, {"run", "--driver", "netscape"}, {"run", "--target", "/no/such/file.yaml"}, {"run", "extra"}} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}

// Bad --tags, --format, --shard or --rate: one line on stderr naming the
// problem, exit 2, nothing run.
func TestBadRunFlagsAreOneLineAndExitTwo(t *testing.T) {
	for args, want := range map[string]string{
		"--tags|@rule:C6 &&":  "an && has nothing on one side",
		"--tags|@rule:C99":    "the spec has no rule C99",
		"--format|xml":        `unknown format "xml" (formats: progress, pretty, junit:FILE, cucumber:FILE, html:DIR)`,
		"--shard|5/4":         "--shard \"5/4\"",
		"--rate|fast":         "--rate \"fast\"",
		"--concurrency|0":     "--concurrency 0",
		"--no-such-flag|x":    "flag provided but not defined: -no-such-flag",
		"--step-timeout|soon": "invalid value",
		// These three were accepted: an unknown driver printed the run's
		// banner on stdout before its error, a negative step timeout was
		// silently the default, and a junit report without a file was
		// interleaved with the progress and the summary on stdout.
		"--driver|netscape":          `--driver "netscape": want browser or http`,
		"--step-timeout|-1s":         "--step-timeout -1s: want a positive duration",
		"--format|junit":             `junit needs a file: junit:FILE`,
		"--format|cucumber,progress": `cucumber needs a file: cucumber:FILE`,
	} {
		var out, errb bytes.Buffer
		code := run(append([]string{"run", "--driver", "http"}, strings.Split(args, "|")...), &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), want) || strings.Count(strings.TrimSpace(errb.String()), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q, want one line with %q", args, code, errb.String(), want)
		}
		if out.Len() != 0 {
			t.Errorf("%s: stdout %q", args, out.String())
		}
	}
}

func TestRunHelpIsOnStdoutAndExitsZero(t *testing.T) {
	for _, args := range [][]string{{"run", "--help"}, {"run", "-h"}, {"rules", "--help"}, {"report", "merge", "--help"}, {"--help"}} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 0 || errb.Len() != 0 || !strings.Contains(out.String(), "usage:") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	run([]string{"run", "--help"}, &out, &errb)
	for _, flag := range []string{"-chrome", "-step-timeout", "-no-colors", "-concurrency int", "(default 4)", "-shard", "-rate", "-format", "-tags", "-target", "-driver"} {
		if !strings.Contains(out.String(), flag) {
			t.Errorf("run --help lacks %s:\n%s", flag, out.String())
		}
	}
}

// A merged junit report without a file would be mixed with the summary:
// refused as for run; version takes no arguments.
func TestMergeFormatNeedsAFileAndVersionTakesNoArguments(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"report", "merge", "a.json", "--format", "junit"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "junit needs a file") {
		t.Errorf("merge --format junit: exit %d, %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"version", "extra"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "unexpected arguments") {
		t.Errorf("version extra: exit %d, %q", code, errb.String())
	}
}

func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"version"}, &out, &errb); code != 0 || !strings.HasPrefix(out.String(), "consentry ") || !strings.Contains(out.String(), "go1.") {
		t.Errorf("exit %d: %q %q", code, out.String(), errb.String())
	}
	version = "v1.2.3"
	defer func() { version = "" }()
	out.Reset()
	run([]string{"version"}, &out, &errb)
	if !strings.HasPrefix(out.String(), "consentry v1.2.3 (") {
		t.Errorf("%q", out.String())
	}
}

// rules --verbose quotes every rule's text from the spec, new rules
// included.
func TestRulesVerboseQuotesTheRules(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"rules", "--verbose"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s := out.String()
	for _, want := range []string{
		"4. Consent", "C4  first-party + skipping API + verifiable callback: no consent, no grant",
		"First-party + API allows skipping + verifiable callback: no consent page,",
		"W1  CORS", "L1  RP-initiated logout", "O12 Okta Sign-In Widget", "A6  max_age",
		"A7  a repeated parameter is invalid_request",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("rules --verbose lacks %q", want)
		}
	}
}

// Two shards of a run together are the whole run; report merge joins
// their cucumber reports into one rule table, one JUnit file and one HTML
// page, with the same counts as the unsharded run.
func TestShardsMergeIntoOneReport(t *testing.T) {
	dir := t.TempDir()
	const tags = "@denial,@rule:K5"
	var whole bytes.Buffer
	if code := run([]string{"run", "--driver", "http", "--tags", tags, "--format", "progress"}, &whole, io.Discard); code != 0 {
		t.Fatalf("unsharded run: exit %d\n%s", code, whole.String())
	}
	wholeCount := countLine(t, whole.String())
	var files []string
	for _, k := range []string{"1", "2"} {
		f := filepath.Join(dir, "shard"+k+".json")
		var out bytes.Buffer
		if code := run([]string{"run", "--driver", "http", "--tags", tags, "--shard", k + "/2", "--format", "cucumber:" + f}, &out, io.Discard); code != 0 {
			t.Fatalf("shard %s: exit %d\n%s", k, code, out.String())
		}
		if !strings.Contains(out.String(), "shard "+k+"/2") {
			t.Errorf("shard %s: the banner does not name the shard:\n%s", k, out.String())
		}
		if countLine(t, out.String()) == wholeCount {
			t.Errorf("shard %s ran everything", k)
		}
		files = append(files, f)
	}
	html, junit := filepath.Join(dir, "html"), filepath.Join(dir, "junit.xml")
	var out, errb bytes.Buffer
	code := run(append([]string{"report", "merge"}, append(files, "--format", "html:"+html+",junit:"+junit)...), &out, &errb)
	if code != 0 {
		t.Fatalf("merge: exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	if got := countLine(t, out.String()); got != wholeCount {
		t.Errorf("merged %q, unsharded %q", got, wholeCount)
	}
	x, err := os.ReadFile(junit)
	if err != nil || !strings.Contains(string(x), `<property name="shard" value="1/2, 2/2">`) {
		t.Errorf("merged JUnit: %v\n%.600s", err, x)
	}
	if _, err := os.Stat(filepath.Join(html, "index.html")); err != nil {
		t.Error(err)
	}
	errb.Reset()
	if code := run([]string{"report", "merge", files[0], files[0]}, io.Discard, &errb); code != 2 || !strings.Contains(errb.String(), "more than one report") {
		t.Errorf("overlapping shards: exit %d, %q", code, errb.String())
	}
}

func countLine(t *testing.T, out string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "scenarios: ") {
			return l
		}
	}
	t.Fatalf("no count line in:\n%s", out)
	return ""
}

// With more shards than scenarios, the shards left empty succeed: the
// merge of the others has the whole run.
func TestAnEmptyShardIsNotAFailure(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"run", "--driver", "http", "--tags", "@rule:K5", "--shard", "2/3"}, &out, io.Discard); code != 0 || !strings.Contains(out.String(), "shard 2/3 has no scenario: the tags select 1, for 3 shards") {
		t.Errorf("exit %d:\n%s", code, out.String())
	}
	out.Reset()
	if code := run([]string{"run", "--driver", "http", "--tags", "@no-such-tag", "--shard", "2/3"}, &out, io.Discard); code != 1 {
		t.Errorf("tags that select nothing: exit %d:\n%s", code, out.String())
	}
}

// The banner said "at most 1 per 2s new sessions".
func TestRunBannerNamesTheRate(t *testing.T) {
	var out, errb bytes.Buffer
	run([]string{"run", "--driver", "http", "--tags", "@rule:K5", "--rate", "10/m"}, &out, &errb)
	if first, _, _ := strings.Cut(out.String(), "\n"); !strings.HasPrefix(first, "consentry: http driver, target embedded, new sessions at most 10 per ") {
		t.Errorf("banner %q", first)
	}
}

// Wrong management credentials made every scenario fail on its first
// Management API call ("management API token: HTTP 401 invalid_client",
// 122 times): they are a setup error, said once, exit 2, before any
// scenario runs.
func TestWrongManagementCredentialsAreOneLineAndExitTwo(t *testing.T) {
	mock, err := target.Start(t.Context(), &target.Profile{Name: "mock", Kind: target.KindEmbedded,
		Management: &target.Management{ClientID: "admin", ClientSecret: "the-right-secret-0123"}}, target.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer mock.Close()
	profile := filepath.Join(t.TempDir(), "wrong.yaml")
	yaml := "name: wrong-creds\nkind: url\nissuer: " + mock.Issuer + "\nmanagement:\n  client_id: admin\n  client_secret: a-wrong-secret-9876\n"
	if err := os.WriteFile(profile, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"run", "--driver", "http", "--target", profile, "--tags", "@rule:K1", "--no-colors"}, &out, &errb)
	if code != 2 {
		t.Fatalf("exit %d, want 2:\n%s\n%s", code, out.String(), errb.String())
	}
	msg := errb.String()
	if strings.Count(strings.TrimSpace(msg), "\n") != 0 || !strings.Contains(msg, "management") || !strings.Contains(msg, "401") {
		t.Errorf("stderr is not one line naming the management credentials and the 401:\n%s", msg)
	}
	if strings.Contains(msg+out.String(), "a-wrong-secret-9876") {
		t.Error("the secret is printed")
	}
	if strings.Contains(out.String(), "scenarios done") || strings.Contains(out.String(), "FAIL") {
		t.Errorf("scenarios ran:\n%s", out.String())
	}
}
