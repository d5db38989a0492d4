package report

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/consentry/consentry/features"
)

// The catalogue is features/rules.md: every rule of the spec, with its
// text, the new ones (W1-W5, L1, A6, A7, O1-O12) included, and nothing
// else.
func TestRulesComeFromTheEmbeddedRulesFile(t *testing.T) {
	rules := Rules()
	ids := map[string]Rule{}
	for _, r := range rules {
		ids[r.ID] = r
		if r.Text == "" || r.Title == "" || r.Section == "" {
			t.Errorf("rule %s lacks text, title or section: %+v", r.ID, r)
		}
	}
	want := []string{"K1", "K6", "P3", "A1", "A5", "A6", "A7", "C1", "C9", "D3", "T5", "X1", "X4", "J1", "J2", "M1", "M3", "W1", "W2", "W3", "W4", "W5", "L1"}
	for i := 1; i <= 12; i++ {
		want = append(want, "O"+itoa(i))
	}
	for _, id := range want {
		if _, ok := ids[id]; !ok {
			t.Errorf("rule %s is not in the catalogue", id)
		}
	}
	if c4 := ids["C4"]; !c4.Required || !strings.Contains(c4.Text, "no consent page") || c4.Section != "4. Consent" {
		t.Errorf("C4: %+v", c4)
	}
	if o3 := ids["O3"]; o3.Required || !strings.Contains(o3.Text, "prompt=consent") {
		t.Errorf("O3 (Okta profile, not a required section): %+v", o3)
	}
	if a6 := ids["A6"]; !a6.Required || a6.Pending {
		t.Errorf("A6 has scenarios (max_age.feature) and is required: %+v", a6)
	}
	if a7 := ids["A7"]; !a7.Required || a7.Pending {
		t.Errorf("A7 has scenarios (authorization_code.feature) and is required: %+v", a7)
	}
}

// A rule marked "(no scenario yet)" really has none: once a scenario
// checks it, the mark must go (and the rule becomes required).
func TestPendingRulesHaveNoScenario(t *testing.T) {
	scenarios, err := Catalog(features.FS())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Rules() {
		if !r.Pending {
			continue
		}
		for _, s := range scenarios {
			for _, id := range s.Rules {
				if id == r.ID {
					t.Errorf("rule %s is marked \"no scenario yet\" in features/rules.md, but %s:%d checks it: remove the mark", r.ID, s.Feature, s.Line)
				}
			}
		}
	}
}

// Every rule of the spec is in rules.md with the spec's own words. The
// spec lives beside the repository; when it is not there (a clean clone
// in CI), the copy is all there is and this check has nothing to compare.
func TestRulesFileQuotesTheSpec(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	spec, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "spec", "consent-behavior.md"))
	if err != nil {
		spec, err = os.ReadFile("/work/shared/spec/consent-behavior.md")
	}
	if err != nil {
		t.Skip("the spec is not beside the repository; rules.md is the only copy here")
	}
	norm := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	text := norm(string(spec))
	for _, r := range Rules() {
		if !strings.Contains(text, "**"+r.ID+"** "+r.Text) {
			t.Errorf("rule %s: features/rules.md's text differs from the spec's", r.ID)
		}
	}
	n := strings.Count(string(spec), "\n- **")
	words := strings.Count(string(spec[:bytes.Index(spec, []byte("## 1."))]), "\n- **")
	if got := len(Rules()); got != n-words {
		t.Errorf("rules.md has %d rules, the spec %d", got, n-words)
	}
}

func TestParseRulesRejectsMalformedFiles(t *testing.T) {
	for name, src := range map[string]string{
		"rule outside a section": "### K1: x\ntext\n",
		"bad heading":            "## 1. S (required)\n### K1 x\ntext\n",
		"duplicate":              "## 1. S\n### K1: x\ntext\n### K1: y\ntext\n",
		"no text":                "## 1. S\n### K1: x\n",
		"pending outside":        "## 9. S\n### J1: x (no scenario yet)\ntext\n",
	} {
		if _, err := ParseRules([]byte(src)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	rules, err := ParseRules([]byte("## 4. Consent (required)\n\nintro\n\n### C1: always asked\n\nThird-party\nclients.\n"))
	if err != nil || len(rules) != 1 || rules[0].Text != "Third-party clients." || !rules[0].Required || rules[0].Section != "4. Consent" {
		t.Fatalf("%+v %v", rules, err)
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return string(rune('0'+i/10)) + string(rune('0'+i%10))
}

// consentry rules said "K2 (6 scenarios)" while a run's table said K2 was
// checked 10 times: a run counts each row of an outline. Runs counts as a
// run does, a rule tagged on one Examples block only for its rows.
func TestScenarioRunsCountsOutlineRowsAsARunDoes(t *testing.T) {
	src := `@rule:K1
Feature: f
  @rule:C1
  Scenario Outline: o
    Given a table:
      | not | a row |
      | of  | examples |
    When <x>
    Examples:
      | x |
      | 1 |
      | 2 |
    @rule:C4
    Examples:
      | x |
      | 3 |

  Scenario: plain
    Given y
`
	got := parseScenarios("f.feature", []byte(src))
	if len(got) != 2 {
		t.Fatalf("%+v", got)
	}
	o, plain := got[0], got[1]
	for rule, want := range map[string]int{"K1": 3, "C1": 3, "C4": 1, "D1": 0} {
		if n := o.Runs(rule); n != want {
			t.Errorf("outline: Runs(%s) = %d, want %d", rule, n, want)
		}
	}
	if plain.Runs("K1") != 1 || plain.Runs("C1") != 0 {
		t.Errorf("plain: K1 %d, C1 %d", plain.Runs("K1"), plain.Runs("C1"))
	}
}
