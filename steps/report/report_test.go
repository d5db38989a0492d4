package report

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/consentry/consentry/features"
)

func TestEveryRequiredRuleHasAScenario(t *testing.T) {
	scenarios, err := Catalog(features.FS())
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]int{}
	for _, s := range scenarios {
		if len(s.Rules) == 0 {
			t.Errorf("%s:%d %q has no @rule tag", s.Feature, s.Line, s.Name)
		}
		for _, id := range s.Rules {
			have[id]++
		}
	}
	known := map[string]bool{}
	for _, r := range Rules() {
		known[r.ID] = true
		if r.Required && have[r.ID] == 0 {
			t.Errorf("rule %s (%s) is checked by no scenario", r.ID, r.Title)
		}
	}
	for id := range have {
		if !known[id] {
			t.Errorf("@rule:%s names no rule of the spec", id)
		}
	}
}

func TestCatalogCountsExamplesTagsAndFeatureTags(t *testing.T) {
	src := "@f\nFeature: x\n  Background:\n    Given y\n\n  @rule:C1\n  Scenario Outline: o\n    Given <a>\n    @rule:C4\n    Examples:\n      | a |\n      | 1 |\n\n  @rule:D1 @rule:D3\n  Scenario: s\n    Given z\n"
	got := parseScenarios("x.feature", []byte(src))
	if len(got) != 2 || strings.Join(got[0].Rules, ",") != "C1,C4" || strings.Join(got[1].Rules, ",") != "D1,D3" || got[1].Tags[0] != "@f" {
		t.Fatalf("%+v", got)
	}
}

// A step that introduces a table ends with ":"; the reason read
// "Then the consent page lists:: failed: ...".
func TestReasonOfAStepWithATableHasOneColon(t *testing.T) {
	js := `[{"uri":"a.feature","name":"A","elements":[
	 {"name":"bad","line":9,"type":"scenario","tags":[{"name":"@rule:C7"}],"steps":[
	   {"keyword":"Then ","name":"the consent page lists:","result":{"status":"failed","error_message":"boom"}}]}]}]`
	rep, err := FromCucumber(strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Results[0].Reason; got != "Then the consent page lists: failed: boom" {
		t.Errorf("reason %q", got)
	}
}

func TestFromCucumberOutcomes(t *testing.T) {
	reason := base64.StdEncoding.EncodeToString([]byte("not applicable: target \"x\" has no Management API access"))
	js := `[{"uri":"a.feature","name":"A","tags":[{"name":"@consent"}],"elements":[
	 {"name":"ok","line":3,"type":"scenario","tags":[{"name":"@rule:C1"}],"steps":[{"keyword":"Given ","name":"x","result":{"status":"passed"}}]},
	 {"name":"bad","line":9,"type":"scenario","tags":[{"name":"@rule:C1"},{"name":"@rule:C2"}],"steps":[
	   {"keyword":"Given ","name":"x","result":{"status":"passed"}},
	   {"keyword":"Then ","name":"y","result":{"status":"failed","error_message":"boom"}},
	   {"keyword":"And ","name":"z","result":{"status":"skipped"}}]},
	 {"name":"na","line":20,"type":"scenario","tags":[{"name":"@rule:C2"}],"steps":[
	   {"keyword":"Given ","name":"x","result":{"status":"skipped"},"embeddings":[{"mime_type":"` + NotApplicableMediaType + `","data":"` + reason + `"}]},
	   {"keyword":"Then ","name":"y","result":{"status":"skipped"}}]},
	 {"name":"undefined","line":30,"type":"scenario","tags":[{"name":"@rule:C3"}],"steps":[{"keyword":"Given ","name":"q","result":{"status":"undefined"}}]}
	]}]`
	rep, err := FromCucumber(strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Outcome{"ok": Passed, "bad": Failed, "na": NotApplicable, "undefined": Failed}
	for _, r := range rep.Results {
		if r.Outcome != want[r.Name] {
			t.Errorf("%s: %s, want %s", r.Name, r.Outcome, want[r.Name])
		}
	}
	if r := rep.Results[2]; r.Reason != `target "x" has no Management API access` {
		t.Errorf("reason %q", r.Reason)
	}
	if r := rep.Results[1]; !strings.Contains(r.Reason, "Then y: failed: boom") {
		t.Errorf("reason %q", r.Reason)
	}
	sums := map[string]RuleSummary{}
	for _, s := range rep.Rules() {
		sums[s.ID] = s
	}
	if c1 := sums["C1"]; c1.Checked != 2 || c1.Passed != 1 || c1.Failed != 1 {
		t.Errorf("C1 %+v", c1)
	}
	if c2 := sums["C2"]; c2.Checked != 2 || c2.NotApplicable != 1 || c2.Passed != 0 {
		t.Errorf("C2 %+v", c2)
	}
	if rep.OK() {
		t.Error("a report with failures is OK")
	}
}

func TestJUnitReportsNotApplicableAsSkipped(t *testing.T) {
	rep := &Report{Results: []Result{
		{Feature: "a.feature", FeatureName: "A", Name: "ok", Rules: []string{"C1"}, Outcome: Passed},
		{Feature: "a.feature", FeatureName: "A", Name: "bad", Rules: []string{"C2"}, Outcome: Failed, Reason: "Then y: failed: boom"},
		{Feature: "b.feature", FeatureName: "B", Name: "na", Rules: []string{"C8"}, Outcome: NotApplicable, Reason: "no management"},
	}}
	var b strings.Builder
	if err := rep.WriteJUnit(&b, JUnitOptions{}); err != nil {
		t.Fatal(err)
	}
	x := b.String()
	for _, want := range []string{
		`<testsuites name="consentry" tests="3" failures="1" errors="0" skipped="1" time="0.000">`,
		`<testcase name="na [C8]" classname="b.feature" time="0.000">`,
		`<skipped message="not applicable: no management"></skipped>`,
		`<failure message="Then y: failed: boom" type="rule failure"><![CDATA[Then y: failed: boom`,
	} {
		if !strings.Contains(x, want) {
			t.Errorf("JUnit lacks %s:\n%s", want, x)
		}
	}
}
