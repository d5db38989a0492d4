package report

import (
	"bufio"
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/consentry/consentry/features"
)

// Rule is one rule of the consent behaviour spec, as features/rules.md
// quotes it.
type Rule struct {
	ID, Title string
	// Text is the spec's wording of the rule (Markdown, one paragraph).
	Text string
	// Section is the spec section's heading ("4. Consent").
	Section string
	// Required rules (the sections marked "(required)", 1 to 6) must each be
	// checked by a scenario.
	Required bool
	// Pending marks a required rule that no scenario checks yet ("(no
	// scenario yet)" in rules.md): listed as such, never hidden.
	Pending bool
}

var (
	sectionRe = regexp.MustCompile(`^## (\d+\. .*?)( \(required\))?$`)
	ruleRe    = regexp.MustCompile(`^### ([A-Z]+[0-9]+): (.*?)( \(no scenario yet\))?$`)
)

// Rules is the catalogue of the spec's rules, in its order, read from the
// embedded features/rules.md (the one list of rules in the repository).
func Rules() []Rule { return catalogue() }

var catalogue = sync.OnceValue(func() []Rule {
	rules, err := ParseRules(features.Rules())
	if err != nil {
		panic("features/rules.md: " + err.Error()) // the embedded file is checked by TestRulesFileParses
	}
	return rules
})

// RuleByID returns the rule with the ID.
func RuleByID(id string) (Rule, bool) {
	for _, r := range Rules() {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// ParseRules reads the rules file format described in features/rules.md.
func ParseRules(data []byte) ([]Rule, error) {
	var out []Rule
	var section string
	var required bool
	seen := map[string]bool{}
	cur := -1
	var text []string
	flush := func() {
		if cur >= 0 {
			out[cur].Text = strings.TrimSpace(strings.Join(text, " "))
		}
		cur, text = -1, nil
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			flush()
			m := sectionRe.FindStringSubmatch(line)
			if m == nil {
				return nil, fmt.Errorf("line %d: a section heading is \"## N. Title\", got %q", n, line)
			}
			section, required = m[1], m[2] != ""
		case strings.HasPrefix(line, "### "):
			flush()
			m := ruleRe.FindStringSubmatch(line)
			if m == nil {
				return nil, fmt.Errorf("line %d: a rule heading is \"### ID: title\", got %q", n, line)
			}
			if section == "" {
				return nil, fmt.Errorf("line %d: rule %s is outside any section", n, m[1])
			}
			if seen[m[1]] {
				return nil, fmt.Errorf("line %d: rule %s appears twice", n, m[1])
			}
			seen[m[1]] = true
			pending := m[3] != ""
			if pending && !required {
				return nil, fmt.Errorf("line %d: rule %s is marked \"no scenario yet\" outside a required section", n, m[1])
			}
			out = append(out, Rule{ID: m[1], Title: m[2], Section: section, Required: required && !pending, Pending: pending})
			cur = len(out) - 1
		case cur >= 0:
			if t := strings.TrimSpace(line); t != "" {
				text = append(text, t)
			}
		}
	}
	flush()
	for _, r := range out {
		if r.Text == "" {
			return nil, fmt.Errorf("rule %s has no text", r.ID)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no rules")
	}
	return out, sc.Err()
}
