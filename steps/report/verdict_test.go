package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"slices"
	"strings"
	"testing"
	"time"
)

// cuke builds godog-style cucumber JSON for tests.
type cukeStepT struct {
	Keyword    string     `json:"keyword"`
	Name       string     `json:"name"`
	Result     cukeResult `json:"result"`
	Embeddings []cukeEmb  `json:"embeddings,omitempty"`
}

type cukeResult struct {
	Status   string `json:"status"`
	Error    string `json:"error_message,omitempty"`
	Duration int64  `json:"duration,omitempty"`
}

type cukeEmb struct {
	Name     string `json:"name"`
	MimeType string `json:"mime_type"`
	Data     string `json:"data"`
}

type cukeElemT struct {
	Name    string      `json:"name"`
	Keyword string      `json:"keyword"`
	Line    int         `json:"line"`
	Type    string      `json:"type"`
	Tags    []cukeTag   `json:"tags"`
	Steps   []cukeStepT `json:"steps"`
}

type cukeFeatT struct {
	URI      string      `json:"uri"`
	Name     string      `json:"name"`
	Elements []cukeElemT `json:"elements"`
}

func emb(mt string, data []byte) cukeEmb {
	return cukeEmb{Name: "x", MimeType: mt, Data: base64.StdEncoding.EncodeToString(data)}
}

func step(kw, name, status string, embs ...cukeEmb) cukeStepT {
	return cukeStepT{Keyword: kw + " ", Name: name, Result: cukeResult{Status: status, Duration: int64(time.Millisecond)}, Embeddings: embs}
}

func scenario(name string, line int, rules string, steps ...cukeStepT) cukeElemT {
	var tags []cukeTag
	for _, r := range strings.Fields(rules) {
		tags = append(tags, cukeTag{Name: "@rule:" + r})
	}
	return cukeElemT{Name: name, Keyword: "Scenario", Line: line, Type: "scenario", Tags: tags, Steps: steps}
}

func cukeJSON(t *testing.T, feats ...cukeFeatT) []byte {
	t.Helper()
	b, err := json.Marshal(feats)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fromCuke(t *testing.T, feats ...cukeFeatT) *Report {
	t.Helper()
	rep, err := FromCucumber(bytes.NewReader(cukeJSON(t, feats...)))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func runInfo(shard string, started time.Time) cukeEmb {
	b, _ := json.Marshal(RunInfo{Driver: "browser", Target: "acme-idp", Dialect: "okta", Host: "ci-7", Shard: shard, Started: started})
	return emb(RunMediaType, b)
}

// A scenario whose later step was not applicable after checks passed
// stays not applicable (it never counts as passed) but reports what
// passed and which step was not applicable, and is listed apart; a
// scenario not applicable before any check is plainly not applicable.
func TestNotApplicableAfterPassedChecksReportsTheChecks(t *testing.T) {
	na := emb(NotApplicableMediaType, []byte("not applicable: target \"acme\" lacks the capability management"))
	rep := fromCuke(t, cukeFeatT{URI: "c.feature", Name: "C", Elements: []cukeElemT{
		scenario("grant then no page", 5, "C2",
			step("Given", "a user", "passed"),
			step("When", "the user accepts consent", "passed"),
			step("Then", "the application receives a code", "passed"),
			step("And", "the user has a grant for the application", "skipped", na),
			step("When", "the application asks again", "skipped")),
		scenario("needs management first", 15, "C2",
			step("Given", "an API", "skipped", na),
			step("Then", "x", "skipped")),
	}})
	partly, whole := rep.Results[0], rep.Results[1]
	if partly.Outcome != NotApplicable || partly.Checks != 1 {
		t.Fatalf("outcome %s with %d checks, want not applicable after 1 check (%s)", partly.Outcome, partly.Checks, partly.Reason)
	}
	for _, want := range []string{"3 of 5 steps passed (1 check)", "not applicable from step 4", "the user has a grant for the application", "capability management"} {
		if !strings.Contains(partly.Reason, want) {
			t.Errorf("reason %q lacks %q", partly.Reason, want)
		}
	}
	if whole.Outcome != NotApplicable || whole.Checks != 0 || whole.Reason != `target "acme" lacks the capability management` {
		t.Errorf("a scenario not applicable at its first step: %s, %d checks, %q", whole.Outcome, whole.Checks, whole.Reason)
	}
	c2 := rep.Rules()[ruleIndex("C2")]
	if c2.PartlyChecked != 1 || c2.NotApplicable != 2 || c2.Passed != 0 || c2.Status() != "N/A (partly checked)" {
		t.Errorf("C2 %+v status %q", c2, c2.Status())
	}
	if !rep.OK() {
		t.Error("a scenario not applicable after passed checks is not a failure")
	}
	var sum strings.Builder
	_ = rep.WriteSummary(&sum)
	s := sum.String()
	if !strings.Contains(s, "scenarios: 0 passed, 0 failed, 2 not applicable (1 after checks passed)") ||
		!strings.Contains(s, "not applicable after checks passed (the verdict of the steps before):\n  c.feature:5 grant then no page [C2]\n      3 of 5 steps passed") ||
		!strings.Contains(s, "\nnot applicable:\n  c.feature:15 needs management first") {
		t.Errorf("summary:\n%s", s)
	}
	var x strings.Builder
	_ = rep.WriteJUnit(&x, JUnitOptions{})
	if !strings.Contains(x.String(), `<skipped message="not applicable after 1 check passed: 3 of 5 steps passed`) {
		t.Errorf("JUnit:\n%s", x.String())
	}
	if o := rep.Ordered(); o[0].Name != "grant then no page" {
		t.Errorf("order %v", o)
	}
}

func ruleIndex(id string) int {
	for i, r := range Rules() {
		if r.ID == id {
			return i
		}
	}
	panic(id)
}

// A dialect mismatch leaves the scenario passed and is reported apart
// from failures, in the console summary, JUnit and the rule status.
func TestDialectMismatchIsReportedApartFromFailures(t *testing.T) {
	mismatch := emb(DialectMismatchMediaType, []byte("auth0: the error description is \"Consent denied\", Auth0 says \"User did not authorize the request\""))
	rep := fromCuke(t, cukeFeatT{URI: "d.feature", Name: "D", Elements: []cukeElemT{
		scenario("decline redirects", 3, "D2",
			step("When", "the user declines", "passed"),
			step("Then", "the application receives the error access_denied", "passed", mismatch)),
		scenario("decline fails", 9, "D1", step("Then", "the error page is shown", "failed")),
	}})
	r := rep.Results[0]
	if r.Outcome != Passed || len(r.Dialect) != 1 {
		t.Fatalf("%s %v", r.Outcome, r.Dialect)
	}
	const note = `core rule holds; Auth0 wording differs: the error description is "Consent denied"`
	var sum strings.Builder
	_ = rep.WriteSummary(&sum)
	s := sum.String()
	if !strings.Contains(s, "dialect differences (the rules held):\n  d.feature:3 decline redirects\n      "+note) {
		t.Errorf("summary lacks the dialect note:\n%s", s)
	}
	if i := strings.Index(s, "failed:\n"); i < 0 || strings.Contains(s[i:strings.Index(s, "rules that failed")], "decline redirects") {
		t.Errorf("the dialect mismatch is listed with the failures:\n%s", s)
	}
	if d2 := rep.Rules()[ruleIndex("D2")]; d2.Status() != "pass, dialect differs" || d2.Failed != 0 {
		t.Errorf("D2 %+v %q", d2, d2.Status())
	}
	if !strings.Contains(s, "; 1 with dialect differences") {
		t.Errorf("count line:\n%s", s)
	}
	var x strings.Builder
	_ = rep.WriteJUnit(&x, JUnitOptions{})
	if !strings.Contains(x.String(), "<system-out><![CDATA[dialect mismatch: "+note) {
		t.Errorf("JUnit lacks the dialect note in system-out:\n%s", x.String())
	}
	if strings.Count(x.String(), "<failure") != 1 {
		t.Errorf("JUnit failures:\n%s", x.String())
	}
}

// The console summary prints each failure's message once, with the text
// of the rules that failed; a run without failures has no failure
// section at all.
func TestSummaryPrintsEachFailureOnce(t *testing.T) {
	const msg = `no decline button on the page (selector a#cancel)`
	rep := fromCuke(t, cukeFeatT{URI: "d.feature", Name: "D", Elements: []cukeElemT{
		scenario("decline", 3, "D1 D3", step("When", "the user declines", "failed"), step("Then", "y", "skipped")),
	}})
	rep.Results[0].Steps[0].Error = msg
	rep.Results[0].Outcome, rep.Results[0].Reason, _ = verdict(rep.Results[0].Steps)
	var sum strings.Builder
	_ = rep.WriteSummary(&sum)
	if n := strings.Count(sum.String(), msg); n != 1 {
		t.Errorf("the failure is printed %d times:\n%s", n, sum.String())
	}
	d1, _ := RuleByID("D1")
	if !strings.Contains(sum.String(), "rules that failed:\n  D1 "+d1.Title) || !strings.Contains(sum.String(), "open_redirect_protection") {
		t.Errorf("the summary does not quote the broken rule:\n%s", sum.String())
	}
	ok := fromCuke(t, cukeFeatT{URI: "a.feature", Name: "A", Elements: []cukeElemT{scenario("fine", 1, "C1", step("Then", "x", "passed"))}})
	sum.Reset()
	_ = ok.WriteSummary(&sum)
	for _, empty := range []string{"failed:", "Failed steps", "rules that failed"} {
		if strings.Contains(sum.String(), empty) {
			t.Errorf("a passing run's summary has %q:\n%s", empty, sum.String())
		}
	}
}

// JUnit: the suites carry driver, target and dialect in their name and
// properties, timestamps and the hostname; test case names are unique,
// outline rows included; a failure has the page text of the failed step in
// system-out and quotes the rule.
func TestJUnitCarriesTheRunAndUniqueNames(t *testing.T) {
	started := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	page := emb("text/plain", []byte("driver: browser\nkind: consent\nurl: https://idp.example/consent\ntext: Allow Access Don't Allow\n"))
	outline := func(line int) cukeElemT {
		e := scenario("bad redirect_uri", line, "A1", step("Then", "an error page", "passed"))
		e.Keyword = "Scenario Outline"
		return e
	}
	first := scenario("decline", 3, "D1", step("Given", "x", "passed", runInfo("", started)), step("When", "the user declines", "failed", page))
	first.Steps[1].Result.Error = "no decline button"
	rep := fromCuke(t, cukeFeatT{URI: "a.feature", Name: "A", Elements: []cukeElemT{first, outline(20), outline(21)}})
	var b strings.Builder
	if err := rep.WriteJUnit(&b, JUnitOptions{}); err != nil {
		t.Fatal(err)
	}
	x := b.String()
	for _, want := range []string{
		`<testsuites name="consentry (browser driver, target acme-idp, dialect okta)"`,
		`<testsuite name="consentry (browser driver, target acme-idp, dialect okta): A"`,
		`timestamp="2026-12-01T10:00:00" hostname="ci-7"`,
		`<property name="driver" value="browser"></property>`,
		`<property name="target" value="acme-idp"></property>`,
		`<property name="dialect" value="okta"></property>`,
		`<testcase name="bad redirect_uri (example at line 20) [A1]"`,
		`<testcase name="bad redirect_uri (example at line 21) [A1]"`,
		`<system-out><![CDATA[failed step: When the user declines` + "\n" + `driver: browser` + "\n" + `kind: consent`,
		"D1 (decline with open_redirect_protection: error page 403, no redirect): Decline with",
	} {
		if !strings.Contains(x, want) {
			t.Errorf("JUnit lacks %s:\n%s", want, x)
		}
	}
}

// Merging the shards' reports gives one rule table; overlapping shards
// are an error.
func TestMergeJoinsShardsIntoOneRuleTable(t *testing.T) {
	t1 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	a := fromCuke(t, cukeFeatT{URI: "a.feature", Name: "A", Elements: []cukeElemT{scenario("one", 3, "C1", step("Then", "x", "passed", runInfo("1/2", t1)))}})
	b := fromCuke(t, cukeFeatT{URI: "a.feature", Name: "A", Elements: []cukeElemT{scenario("two", 9, "C1", step("Then", "x", "failed", runInfo("2/2", t1.Add(time.Minute))))}})
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	c1 := m.Rules()[ruleIndex("C1")]
	if c1.Checked != 2 || c1.Passed != 1 || c1.Failed != 1 {
		t.Errorf("C1 %+v", c1)
	}
	if runs := m.Runs(); len(runs) != 2 || !m.Started().Equal(t1) {
		t.Errorf("runs %+v started %v", runs, m.Started())
	}
	if _, err := Merge(a, a); err == nil || !strings.Contains(err.Error(), "a.feature:3") {
		t.Errorf("overlapping shards: %v", err)
	}
}

func pngOf(t *testing.T, c color.Color) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for x := 0; x < 120; x++ {
		for y := 0; y < 80; y++ {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// godog joins an error an After step hook hands back to the step's own:
// the report shows it once.
func TestStepErrorDoubledByAHookIsShownOnce(t *testing.T) {
	for in, want := range map[string]string{
		"no button, no button":       "no button",
		"a, b, a, b":                 "a, b",
		"expected x, got y":          "expected x, got y",
		"hook failed, step error: z": "hook failed, step error: z",
		"":                           "",
	} {
		if got := undouble(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

// Merging all but one shard of a run was a clean pass of the scenarios it
// had (exit 0): a CI job whose machine K died looked green. The merge now
// names the shards it lacks and is no verdict (OK false); shards of
// different splits are an error. A shard K above the number of merged
// scenarios may have been empty (fewer scenarios than K) and is not
// counted as missing.
func TestMergeNamesMissingShards(t *testing.T) {
	t1 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	// shard(of, lines...) is the report of shard "of" with a scenario at each line.
	shard := func(of string, lines ...int) *Report {
		var els []cukeElemT
		for _, line := range lines {
			els = append(els, scenario(fmt.Sprint("s", line), line, "C1", step("Then", "x", "passed", runInfo(of, t1))))
		}
		return fromCuke(t, cukeFeatT{URI: "a.feature", Name: "A", Elements: els})
	}
	m, err := Merge(shard("1/3", 3, 6), shard("2/3", 4, 7))
	if err != nil {
		t.Fatal(err)
	}
	if m.OK() || !slices.Equal(m.MissingShards, []string{"3/3"}) || !strings.Contains(m.CountLine(), "INCOMPLETE: no report of shard 3/3 merged") {
		t.Errorf("two of three shards: OK %v, missing %v, %q", m.OK(), m.MissingShards, m.CountLine())
	}
	var sum strings.Builder
	if err := m.WriteSummary(&sum); err != nil || !strings.Contains(sum.String(), "INCOMPLETE") {
		t.Errorf("summary: %v\n%s", err, sum.String())
	}
	var junit strings.Builder
	if err := m.WriteJUnit(&junit, JUnitOptions{}); err != nil {
		t.Fatal(err)
	}
	if j := junit.String(); !strings.Contains(j, `errors="1"`) || !strings.Contains(j, `<testcase name="shard 3/3"`) || !strings.Contains(j, `<error message="no report of shard 3/3 was merged`) {
		t.Errorf("junit of an incomplete merge:\n%s", j)
	}
	if m, err := Merge(shard("1/3", 3, 6), shard("2/3", 4, 7), shard("3/3", 5)); err != nil || !m.OK() || len(m.MissingShards) != 0 {
		t.Errorf("every shard: %v %+v", err, m)
	}
	// 2 scenarios in 4 shards: shards 3 and 4 were empty.
	if m, err := Merge(shard("1/4", 3), shard("2/4", 4)); err != nil || !m.OK() {
		t.Errorf("empty shards counted as missing: %v %+v", err, m)
	}
	if _, err := Merge(shard("1/3", 3), shard("2/4", 4)); err == nil || !strings.Contains(err.Error(), "different splits") {
		t.Errorf("mixed splits: %v", err)
	}
	// Reports without shards (two plain runs) merge as before.
	if m, err := Merge(shard("", 3), shard("", 4)); err != nil || !m.OK() {
		t.Errorf("unsharded: %v %+v", err, m)
	}
}
