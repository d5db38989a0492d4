// Package report turns a run's cucumber JSON (godog's "cucumber" format)
// into the conformance report: for every rule of the spec, how many
// scenarios checked it and how many passed, failed or were not applicable
// to the target, with the reasons, the steps and what each step saw. It
// writes that report for people (the console summary, an HTML page) and
// for CI (JUnit XML), merges the reports of sharded runs, and lists the
// rules and the scenarios that check them from the feature files alone
// (Catalog), for `consentry rules`.
//
// The steps and the runner talk to it through attachments of known media
// types on the cucumber steps: why a scenario was not applicable, where a
// vendor's wording differed from a dialect's, who ran the scenario and
// when, and the pages the user agent saw.
package report

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
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

// RunMediaType is the media type of the attachment the runner adds to the
// first step of every scenario: a JSON RunInfo (who ran it, where, when).
// It lets a merged report say which shard and host ran each scenario.
const RunMediaType = "application/x-consentry-run+json"

// PageMediaType is the media type of the attachment the runner adds after
// a step for each new page a user agent showed: a JSON PageInfo. In the
// browser an image/png screenshot of the page follows it.
const PageMediaType = "application/x-consentry-page+json"

// Outcome of one scenario.
type Outcome string

const (
	Passed        Outcome = "passed"
	Failed        Outcome = "failed"
	NotApplicable Outcome = "not applicable"
)

// RunInfo says who ran a scenario and when.
type RunInfo struct {
	Driver  string    `json:"driver"`
	Target  string    `json:"target"`
	Dialect string    `json:"dialect,omitempty"`
	Host    string    `json:"host,omitempty"`
	Shard   string    `json:"shard,omitempty"`
	Started time.Time `json:"started"`
}

// PageInfo is a page a user agent showed during a step.
type PageInfo struct {
	Kind   string `json:"kind"`
	URL    string `json:"url"`
	Status int    `json:"status,omitempty"`
	Title  string `json:"title,omitempty"`
	Text   string `json:"text,omitempty"`
	// Agent tells the scenario's user agents apart (1 is the user's first).
	Agent int `json:"agent,omitempty"`
}

// Result is one scenario (one row of a scenario outline) as run.
type Result struct {
	// Feature is the feature file; FeatureName its title.
	Feature     string
	FeatureName string
	Name        string
	// Line is the scenario's line, or for a row of a scenario outline the
	// row's line (Outline is then true).
	Line    int
	Outline bool
	Rules   []string
	Tags    []string
	Outcome Outcome
	// Reason says why a scenario failed (the first failing step and its
	// error) or was not applicable (for one that checked something first:
	// which steps passed and which step was not applicable).
	Reason string
	// Checks counts the checks (Then steps) that passed before the step
	// that was not applicable: a scenario that is not applicable after
	// checks passed did not hide them.
	Checks int
	// Dialect lists the dialect mismatches the steps reported
	// ("auth0: ..."): the rule held, a vendor's detail differed.
	Dialect []string
	// Steps are the scenario's steps as run.
	Steps []Step
	// Duration is the time its steps took.
	Duration time.Duration
	// Run is who ran the scenario and when (zero when the cucumber report
	// was not written by consentry).
	Run RunInfo
}

// Key identifies a scenario (or outline row) across reports.
func (r Result) Key() string { return fmt.Sprintf("%s:%d", r.Feature, r.Line) }

// Title is the scenario's name, made unique for an outline row by its line.
func (r Result) Title() string {
	if r.Outline {
		return fmt.Sprintf("%s (example at line %d)", r.Name, r.Line)
	}
	return r.Name
}

// Step is one step as run.
type Step struct {
	Keyword, Name string
	// Status is godog's: passed, failed, skipped, undefined, pending,
	// ambiguous.
	Status   string
	Error    string
	Duration time.Duration
	// Attachments are what the step attached, in order, without the run
	// information.
	Attachments []Attachment
}

// Attachment is a file a step attached.
type Attachment struct {
	Name      string
	MediaType string
	Data      []byte
}

// Page decodes a PageMediaType attachment.
func (a Attachment) Page() (PageInfo, bool) {
	var p PageInfo
	if a.MediaType != PageMediaType || json.Unmarshal(a.Data, &p) != nil {
		return PageInfo{}, false
	}
	return p, true
}

// RuleSummary counts the scenarios of one rule.
type RuleSummary struct {
	Rule
	Checked, Passed, Failed, NotApplicable int
	// PartlyChecked counts the scenarios of NotApplicable whose checks
	// before the step that was not applicable passed.
	PartlyChecked int
	// DialectMismatches counts the scenarios of the rule that passed with
	// a dialect mismatch.
	DialectMismatches int
}

// Report is a run's outcome.
type Report struct {
	Results []Result
	// MissingShards lists the shards ("3/4") of a merged run whose report
	// was not merged: the table lacks their scenarios, so it is no verdict
	// on the run (OK is false).
	MissingShards []string
}

type cukeFeature struct {
	URI      string    `json:"uri"`
	Name     string    `json:"name"`
	Tags     []cukeTag `json:"tags"`
	Elements []struct {
		Name    string    `json:"name"`
		Keyword string    `json:"keyword"`
		Line    int       `json:"line"`
		Type    string    `json:"type"`
		Tags    []cukeTag `json:"tags"`
		Steps   []struct {
			Keyword string `json:"keyword"`
			Name    string `json:"name"`
			Result  struct {
				Status   string `json:"status"`
				Error    string `json:"error_message"`
				Duration int64  `json:"duration"`
			} `json:"result"`
			Embeddings []struct {
				Name     string `json:"name"`
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
			tags = uniq(tags)
			res := Result{Feature: f.URI, FeatureName: f.Name, Name: e.Name, Line: e.Line, Tags: tags, Rules: rulesOf(tags),
				Outline: strings.Contains(e.Keyword, "Outline") || strings.Contains(e.Keyword, "Template")}
			for _, s := range e.Steps {
				st := Step{Keyword: s.Keyword, Name: s.Name, Status: s.Result.Status, Error: undouble(s.Result.Error), Duration: time.Duration(s.Result.Duration)}
				for _, emb := range s.Embeddings {
					data, err := base64.StdEncoding.DecodeString(emb.Data)
					if err != nil {
						return nil, fmt.Errorf("%s:%d: step %q: attachment %q is not base64: %w", f.URI, e.Line, s.Name, emb.Name, err)
					}
					switch emb.MimeType {
					case RunMediaType:
						_ = json.Unmarshal(data, &res.Run)
						continue
					case DialectMismatchMediaType:
						res.Dialect = append(res.Dialect, strings.TrimSpace(string(data)))
					}
					st.Attachments = append(st.Attachments, Attachment{Name: emb.Name, MediaType: emb.MimeType, Data: data})
				}
				res.Duration += st.Duration
				res.Steps = append(res.Steps, st)
			}
			res.Outcome, res.Reason, res.Checks = verdict(res.Steps)
			rep.Results = append(rep.Results, res)
		}
	}
	return rep, nil
}

// verdict reads a scenario's outcome from its steps. The first step that
// did not pass decides: a failure (failed, undefined, pending, ambiguous)
// fails the scenario; a skipped step makes it not applicable. When checks
// (Then steps, or And/But after one) passed before that step, the reason
// says how many steps passed and which one was not applicable, and checks
// counts them.
func verdict(steps []Step) (outcome Outcome, reason string, checks int) {
	if len(steps) == 0 {
		return Failed, "the scenario has no steps", 0
	}
	main := ""
	for i, s := range steps {
		kw := strings.TrimSpace(s.Keyword)
		if kw != "And" && kw != "But" && kw != "*" {
			main = kw
		}
		switch s.Status {
		case "passed":
			if main == "Then" {
				checks++
			}
		case "skipped":
			reason := "skipped without a reason"
			for _, a := range s.Attachments {
				if a.MediaType == NotApplicableMediaType {
					reason = strings.TrimPrefix(string(a.Data), "not applicable: ")
				}
			}
			if checks == 0 {
				return NotApplicable, reason, 0
			}
			return NotApplicable, fmt.Sprintf("%d of %d steps passed (%s); not applicable from step %d, %s%s: %s",
				i, len(steps), plural(checks, "check"), i+1, s.Keyword, stepTitle(s.Name), reason), checks
		default: // failed, undefined, pending, ambiguous
			reason := fmt.Sprintf("%s%s: %s", s.Keyword, stepTitle(s.Name), s.Status)
			if s.Error != "" {
				reason += ": " + s.Error
			}
			return Failed, reason, 0
		}
	}
	return Passed, "", 0
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// undouble returns a step error once. godog joins the error an After step
// hook returns to the step's own as "hook error, step error"; a hook that
// hands the step's error back (to scrub it, say) doubles the message.
func undouble(msg string) string {
	for i := strings.Index(msg, ", "); i >= 0; {
		if msg[:i] == msg[i+2:] {
			return msg[:i]
		}
		j := strings.Index(msg[i+2:], ", ")
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return msg
}

// stepTitle is a step's text in a sentence: a step that introduces a
// table or a doc string ends with ":", which the reason's own ": " would
// double ("lists:: failed").
func stepTitle(name string) string { return strings.TrimSuffix(strings.TrimSpace(name), ":") }

// Merge puts the results of several reports (the shards of one run) into
// one. A scenario in more than one report is an error: the shards
// overlap.
func Merge(reports ...*Report) (*Report, error) {
	out := &Report{}
	seen := map[string]bool{}
	for _, r := range reports {
		for _, res := range r.Results {
			if seen[res.Key()] {
				return nil, fmt.Errorf("%s %q is in more than one report (do the shards overlap?)", res.Key(), res.Name)
			}
			seen[res.Key()] = true
			out.Results = append(out.Results, res)
		}
	}
	missing, err := missingShards(out.Results)
	if err != nil {
		return nil, err
	}
	out.MissingShards = missing
	return out, nil
}

// missingShards lists the shards K/N of the results' runs that no result
// came from. A shard is left empty only when the tags select fewer than K
// scenarios, so a shard K not above the number of results is missing; one
// above it may have been empty and is not counted. Shards of different
// splits (1/3 and 2/4) are an error.
func missingShards(results []Result) ([]string, error) {
	have := map[int]bool{}
	n := 0
	for _, res := range results {
		if res.Run.Shard == "" {
			continue
		}
		var k, of int
		if _, err := fmt.Sscanf(res.Run.Shard, "%d/%d", &k, &of); err != nil || k < 1 || k > of {
			continue
		}
		if n != 0 && of != n {
			return nil, fmt.Errorf("the reports come from different splits (shards of %d and of %d): merge the shards of one run", n, of)
		}
		n = of
		have[k] = true
	}
	var missing []string
	for k := 1; k <= n && k <= len(results); k++ {
		if !have[k] {
			missing = append(missing, fmt.Sprintf("%d/%d", k, n))
		}
	}
	return missing, nil
}

// Runs lists the distinct runs (driver, target, dialect, host, shard) the
// results came from, and when the first scenario of each started.
func (r *Report) Runs() []RunInfo {
	var out []RunInfo
	for _, res := range r.Results {
		k := res.Run
		if k.Driver == "" && k.Target == "" {
			continue
		}
		i := slices.IndexFunc(out, func(x RunInfo) bool {
			return x.Driver == k.Driver && x.Target == k.Target && x.Dialect == k.Dialect && x.Host == k.Host && x.Shard == k.Shard
		})
		if i < 0 {
			out = append(out, k)
		} else if !k.Started.IsZero() && (out[i].Started.IsZero() || k.Started.Before(out[i].Started)) {
			out[i].Started = k.Started
		}
	}
	return out
}

// Started is when the report's first scenario started (zero if unknown).
func (r *Report) Started() time.Time {
	var t time.Time
	for _, run := range r.Runs() {
		if t.IsZero() || run.Started.Before(t) {
			t = run.Started
		}
	}
	return t
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

// DialectMismatches counts the scenarios with a dialect mismatch.
func (r *Report) DialectMismatches() int {
	n := 0
	for _, res := range r.Results {
		if len(res.Dialect) > 0 {
			n++
		}
	}
	return n
}

// OK reports whether every applicable scenario passed, at least one ran
// and, for merged shards, none is missing.
func (r *Report) OK() bool {
	return len(r.Results) > 0 && r.Count(Failed) == 0 && len(r.MissingShards) == 0
}

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
				if res.Checks > 0 {
					s.PartlyChecked++
				}
			}
			if len(res.Dialect) > 0 && res.Outcome != Failed {
				s.DialectMismatches++
			}
		}
		out = append(out, s)
	}
	return out
}

// Status is the rule's verdict in one word or phrase.
func (s RuleSummary) Status() string {
	var st string
	switch {
	case s.Checked == 0 && s.Pending:
		return "NO SCENARIO YET"
	case s.Checked == 0:
		return "NOT CHECKED"
	case s.Failed > 0:
		return "FAIL"
	case s.Passed == 0 && s.PartlyChecked == 0:
		return "N/A"
	case s.Passed == 0:
		st = "N/A (partly checked)"
	case s.NotApplicable > 0:
		st = "pass (partly n/a)"
	default:
		st = "pass"
	}
	if s.DialectMismatches > 0 {
		st += ", dialect differs"
	}
	return st
}

// Ordered returns the results failures first, then those not applicable
// after checks passed, the other not applicable ones, and the passed ones,
// each in run order.
func (r *Report) Ordered() []Result {
	rank := func(x Result) int {
		switch {
		case x.Outcome == Failed:
			return 0
		case x.Outcome == NotApplicable && x.Checks > 0:
			return 1
		case x.Outcome == NotApplicable:
			return 2
		}
		return 3
	}
	out := slices.Clone(r.Results)
	slices.SortStableFunc(out, func(a, b Result) int { return rank(a) - rank(b) })
	return out
}

// PartlyChecked counts the scenarios not applicable after checks passed.
func (r *Report) PartlyChecked() int {
	n := 0
	for _, res := range r.Results {
		if res.Outcome == NotApplicable && res.Checks > 0 {
			n++
		}
	}
	return n
}

// DialectNote is how reports word a dialect mismatch: "core rule holds;
// Auth0 wording differs: <what>".
func DialectNote(mismatch string) string {
	dialect, what, ok := strings.Cut(mismatch, ":")
	if !ok {
		return "core rule holds; wording differs: " + mismatch
	}
	return fmt.Sprintf("core rule holds; %s wording differs: %s", dialectName(strings.TrimSpace(dialect)), strings.TrimSpace(what))
}

func dialectName(d string) string {
	switch strings.ToLower(d) {
	case "auth0":
		return "Auth0"
	case "okta":
		return "Okta"
	case "":
		return "dialect"
	}
	return d
}
