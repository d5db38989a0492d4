// Package report turns a run's cucumber JSON (godog's "cucumber" format)
// into the conformance summary: for every rule, how many scenarios checked
// it and how many passed, failed or were not applicable to the target, with
// the reasons. It also lists the rules and the scenarios that check them
// from the feature files alone (Catalog), for `consentry rules`.
package report

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// NotApplicableMediaType is the media type of the attachment that carries
// the reason a scenario was not applicable (set by package steps).
const NotApplicableMediaType = "text/x-consentry-not-applicable"

// DialectMismatchMediaType is the media type of the attachment a step adds
// when the vendor-neutral part of a rule held but a vendor-specific detail
// (wording, status code, naming: a check marked with a dialect such as
// auth0 or okta) differed; the step itself passes. The body is one line:
// "<dialect>: <what differed>". Reports show it apart from rule failures.
const DialectMismatchMediaType = "text/x-consentry-dialect-mismatch"

// Outcome of one scenario.
type Outcome string

const (
	Passed        Outcome = "passed"
	Failed        Outcome = "failed"
	NotApplicable Outcome = "not applicable"
)

// Result is one scenario as run.
type Result struct {
	// Feature is the feature file; FeatureName its title.
	Feature     string
	FeatureName string
	Name        string
	Line        int
	Rules       []string
	Outcome     Outcome
	// Reason says why a scenario failed (the first failing step and its
	// error) or was not applicable.
	Reason string
	// Duration is the time its steps took.
	Duration time.Duration
}

// RuleSummary counts the scenarios of one rule.
type RuleSummary struct {
	Rule
	Checked, Passed, Failed, NotApplicable int
}

// Report is a run's outcome.
type Report struct {
	Results []Result
}

type cukeFeature struct {
	URI      string `json:"uri"`
	Name     string `json:"name"`
	Tags     []cukeTag
	Elements []struct {
		Name  string    `json:"name"`
		Line  int       `json:"line"`
		Type  string    `json:"type"`
		Tags  []cukeTag `json:"tags"`
		Steps []struct {
			Keyword string `json:"keyword"`
			Name    string `json:"name"`
			Result  struct {
				Status   string `json:"status"`
				Error    string `json:"error_message"`
				Duration int64  `json:"duration"`
			} `json:"result"`
			Embeddings []struct {
				MimeType string `json:"mime_type"`
				Data     string `json:"data"`
			} `json:"embeddings"`
		} `json:"steps"`
	} `json:"elements"`
}

type cukeTag struct {
	Name string `json:"name"`
}

// FromCucumber reads godog's cucumber JSON.
func FromCucumber(r io.Reader) (*Report, error) {
	var features []cukeFeature
	if err := json.NewDecoder(r).Decode(&features); err != nil {
		return nil, fmt.Errorf("reading the cucumber report: %w", err)
	}
	rep := &Report{}
	for _, f := range features {
		for _, e := range f.Elements {
			if e.Type != "" && e.Type != "scenario" {
				continue
			}
			var tags []string
			for _, t := range f.Tags {
				tags = append(tags, t.Name)
			}
			for _, t := range e.Tags {
				tags = append(tags, t.Name)
			}
			res := Result{Feature: f.URI, FeatureName: f.Name, Name: e.Name, Line: e.Line, Rules: rulesOf(tags), Outcome: Passed}
			for _, s := range e.Steps {
				res.Duration += time.Duration(s.Result.Duration)
			}
			if len(e.Steps) == 0 {
				res.Outcome, res.Reason = Failed, "the scenario has no steps"
			}
		steps:
			for _, s := range e.Steps {
				switch s.Result.Status {
				case "passed":
				case "skipped":
					res.Outcome = NotApplicable
					res.Reason = "skipped without a reason"
					for _, emb := range s.Embeddings {
						if emb.MimeType == NotApplicableMediaType {
							b, err := base64.StdEncoding.DecodeString(emb.Data)
							if err == nil {
								res.Reason = strings.TrimPrefix(string(b), "not applicable: ")
							}
						}
					}
					break steps
				default: // failed, undefined, pending, ambiguous
					res.Outcome = Failed
					res.Reason = fmt.Sprintf("%s%s: %s", s.Keyword, s.Name, s.Result.Status)
					if s.Result.Error != "" {
						res.Reason += ": " + s.Result.Error
					}
					break steps
				}
			}
			rep.Results = append(rep.Results, res)
		}
	}
	return rep, nil
}

// Count returns the number of scenarios with an outcome.
func (r *Report) Count(o Outcome) int {
	n := 0
	for _, res := range r.Results {
		if res.Outcome == o {
			n++
		}
	}
	return n
}

// OK reports whether every applicable scenario passed and at least one ran.
func (r *Report) OK() bool { return len(r.Results) > 0 && r.Count(Failed) == 0 }

// Rules summarizes the report per rule of the catalogue, in its order;
// rules no scenario checked are included with zero counts.
func (r *Report) Rules() []RuleSummary {
	var out []RuleSummary
	for _, rule := range Rules() {
		s := RuleSummary{Rule: rule}
		for _, res := range r.Results {
			if !slices.Contains(res.Rules, rule.ID) {
				continue
			}
			s.Checked++
			switch res.Outcome {
			case Passed:
				s.Passed++
			case Failed:
				s.Failed++
			case NotApplicable:
				s.NotApplicable++
			}
		}
		out = append(out, s)
	}
	return out
}

// WriteSummary prints the rule table, then the failures and the scenarios
// that were not applicable with their reasons. Only rules that a scenario
// checked, or that are required, are listed.
func (r *Report) WriteSummary(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tCHECKED\tPASSED\tFAILED\tNOT APPLICABLE\tSTATUS\tTITLE")
	for _, s := range r.Rules() {
		if s.Checked == 0 && !s.Required {
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%s\t%s\n", s.ID, s.Checked, s.Passed, s.Failed, s.NotApplicable, s.status(), s.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nscenarios: %d passed, %d failed, %d not applicable\n", r.Count(Passed), r.Count(Failed), r.Count(NotApplicable))
	for _, o := range []Outcome{Failed, NotApplicable} {
		first := true
		for _, res := range r.Results {
			if res.Outcome != o {
				continue
			}
			if first {
				fmt.Fprintf(w, "\n%s:\n", o)
				first = false
			}
			fmt.Fprintf(w, "  %s:%d %s\n      %s\n", res.Feature, res.Line, res.Name, res.Reason)
		}
	}
	return nil
}

func (s RuleSummary) status() string {
	switch {
	case s.Checked == 0:
		return "NOT CHECKED"
	case s.Failed > 0:
		return "FAIL"
	case s.Passed == 0:
		return "N/A"
	case s.NotApplicable > 0:
		return "pass (partly n/a)"
	default:
		return "pass"
	}
}
