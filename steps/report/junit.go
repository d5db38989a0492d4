package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// JUnitOptions name the run in the JUnit report.
type JUnitOptions struct {
	// Name is the testsuites' name (default "consentry", followed by the
	// driver, target and dialect of the runs).
	Name string
}

// WriteJUnit writes the report as JUnit XML, one testsuite per feature.
// The suites' names and properties carry the driver, target, dialect,
// host and shard of the run; suites and test cases have timestamps. A
// scenario that was not applicable is a skipped
// testcase whose message is the reason (and the checks that passed before
// the step that was not applicable); it is never reported as passed.
// Test case names carry the rules the scenario checks and, for a row of a
// scenario outline, its line, so every name is unique. A failure's text
// quotes the rules the scenario checks; its system-out holds the page the
// user agent was on. A dialect mismatch is in the passing test case's
// system-out. A merge that lacks a shard has a suite "missing shards"
// with an error test case for each.
func (r *Report) WriteJUnit(w io.Writer, opts JUnitOptions) error {
	type property struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	type result struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr,omitempty"`
		Text    string `xml:",cdata"`
	}
	type properties struct {
		Props []property `xml:"property"`
	}
	type text struct {
		Text string `xml:",cdata"`
	}
	type testcase struct {
		Name      string      `xml:"name,attr"`
		Classname string      `xml:"classname,attr"`
		Time      string      `xml:"time,attr"`
		Timestamp string      `xml:"timestamp,attr,omitempty"`
		Props     *properties `xml:"properties,omitempty"`
		Failure   *result     `xml:"failure,omitempty"`
		Error     *result     `xml:"error,omitempty"`
		Skipped   *result     `xml:"skipped,omitempty"`
		SystemOut *text       `xml:"system-out,omitempty"`
	}
	type testsuite struct {
		Name      string     `xml:"name,attr"`
		Tests     int        `xml:"tests,attr"`
		Failures  int        `xml:"failures,attr"`
		Errors    int        `xml:"errors,attr"`
		Skipped   int        `xml:"skipped,attr"`
		Time      string     `xml:"time,attr"`
		Timestamp string     `xml:"timestamp,attr,omitempty"`
		Hostname  string     `xml:"hostname,attr,omitempty"`
		Props     []property `xml:"properties>property"`
		Cases     []testcase `xml:"testcase"`
		started   time.Time
		duration  time.Duration
	}
	type testsuites struct {
		XMLName  xml.Name    `xml:"testsuites"`
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Errors   int         `xml:"errors,attr"`
		Skipped  int         `xml:"skipped,attr"`
		Time     string      `xml:"time,attr"`
		Suites   []testsuite `xml:"testsuite"`
	}
	runs := r.Runs()
	var props []property
	add := func(name string, get func(RunInfo) string) {
		var vals []string
		for _, run := range runs {
			if v := get(run); v != "" && !slices.Contains(vals, v) {
				vals = append(vals, v)
			}
		}
		if len(vals) > 0 {
			props = append(props, property{name, strings.Join(vals, ", ")})
		}
	}
	add("driver", func(x RunInfo) string { return x.Driver })
	add("target", func(x RunInfo) string { return x.Target })
	add("dialect", func(x RunInfo) string { return x.Dialect })
	add("hostname", func(x RunInfo) string { return x.Host })
	add("shard", func(x RunInfo) string { return x.Shard })
	prop := func(name string) string {
		for _, p := range props {
			if p.Name == name {
				return p.Value
			}
		}
		return ""
	}
	name := opts.Name
	if name == "" {
		name = "consentry"
		var parts []string
		if d := prop("driver"); d != "" {
			parts = append(parts, d+" driver")
		}
		if t := prop("target"); t != "" {
			parts = append(parts, "target "+t)
		}
		if d := prop("dialect"); d != "" {
			parts = append(parts, "dialect "+d)
		}
		if len(parts) > 0 {
			name += " (" + strings.Join(parts, ", ") + ")"
		}
	}
	out := testsuites{Name: name}
	index := map[string]int{}
	names := map[string]bool{}
	var total time.Duration
	for _, res := range r.Results {
		i, ok := index[res.Feature]
		if !ok {
			i = len(out.Suites)
			index[res.Feature] = i
			out.Suites = append(out.Suites, testsuite{Name: name + ": " + res.FeatureName, Hostname: prop("hostname"), Props: props})
		}
		s := &out.Suites[i]
		tc := testcase{Name: res.Title(), Classname: res.Feature, Time: seconds(res.Duration)}
		if len(res.Rules) > 0 {
			tc.Name += " [" + strings.Join(res.Rules, " ") + "]"
		}
		if key := tc.Classname + "\x00" + tc.Name; names[key] {
			tc.Name += fmt.Sprintf(" (line %d)", res.Line)
		}
		names[tc.Classname+"\x00"+tc.Name] = true
		if !res.Run.Started.IsZero() {
			tc.Timestamp = timestamp(res.Run.Started)
			if s.started.IsZero() || res.Run.Started.Before(s.started) {
				s.started = res.Run.Started
			}
		}
		var tprops []property
		if res.Run.Host != "" && res.Run.Host != s.Hostname {
			tprops = append(tprops, property{"hostname", res.Run.Host})
		}
		if res.Run.Shard != "" && len(runs) > 1 {
			tprops = append(tprops, property{"shard", res.Run.Shard})
		}
		if len(tprops) > 0 {
			tc.Props = &properties{tprops}
		}
		var sysout []string
		switch res.Outcome {
		case Failed:
			tc.Failure = &result{Message: firstLine(res.Reason), Type: "rule failure", Text: res.Reason + rulesText(res.Rules)}
			sysout = append(sysout, failedStepPages(res)...)
			s.Failures++
			out.Failures++
		case NotApplicable:
			msg := "not applicable: "
			if res.Checks > 0 {
				msg = "not applicable after " + plural(res.Checks, "check") + " passed: "
			}
			tc.Skipped = &result{Message: msg + res.Reason}
			s.Skipped++
			out.Skipped++
		}
		if res.Outcome != Failed {
			for _, d := range res.Dialect {
				sysout = append(sysout, "dialect mismatch: "+DialectNote(d))
			}
		}
		if len(sysout) > 0 {
			tc.SystemOut = &text{strings.Join(sysout, "\n")}
		}
		s.Tests++
		out.Tests++
		s.duration += res.Duration
		total += res.Duration
		s.Cases = append(s.Cases, tc)
	}
	for i := range out.Suites {
		s := &out.Suites[i]
		s.Time = seconds(s.duration)
		if !s.started.IsZero() {
			s.Timestamp = timestamp(s.started)
		}
	}
	if len(r.MissingShards) > 0 {
		// A merge that lacks a shard is no verdict: CI tools that read
		// only the JUnit file must not show it green.
		s := testsuite{Name: name + ": missing shards", Props: props, Time: seconds(0)}
		for _, sh := range r.MissingShards {
			s.Cases = append(s.Cases, testcase{Name: "shard " + sh, Classname: "consentry.merge", Time: seconds(0),
				Error: &result{Message: "no report of shard " + sh + " was merged: its scenarios are missing from this report", Type: "missing shard"}})
			s.Tests++
			s.Errors++
		}
		out.Tests += s.Tests
		out.Errors += s.Errors
		out.Suites = append(out.Suites, s)
	}
	out.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// failedStepPages returns the text attachments of the failed step: the
// page the user agent was on when the step failed.
func failedStepPages(res Result) []string {
	var out []string
	for _, s := range res.Steps {
		if s.Status == "passed" || s.Status == "skipped" {
			continue
		}
		out = append(out, fmt.Sprintf("failed step: %s%s", s.Keyword, s.Name))
		for _, a := range s.Attachments {
			if strings.HasPrefix(a.MediaType, "text/plain") {
				out = append(out, strings.TrimRight(string(a.Data), "\n"))
			}
		}
		break
	}
	return out
}

// rulesText quotes the rules a scenario checks.
func rulesText(ids []string) string {
	var b strings.Builder
	for _, id := range ids {
		if r, ok := RuleByID(id); ok {
			fmt.Fprintf(&b, "\n\n%s (%s): %s", r.ID, r.Title, r.Text)
		}
	}
	return b.String()
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05") }

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
