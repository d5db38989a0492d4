package report

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteSummary prints the rule table, the counts, then each failure once
// (with the text of the rules that failed), the scenarios that passed only
// in part, the dialect mismatches and the scenarios that were not
// applicable, each with its reason. The table lists the rules a scenario
// checked; the required rules no scenario of the run checked follow on one
// line.
func (r *Report) WriteSummary(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tCHECKED\tPASSED\tFAILED\tNOT APPLICABLE\tSTATUS\tTITLE")
	var unchecked, pending []string
	for _, s := range r.Rules() {
		switch {
		case s.Checked == 0 && s.Pending:
			pending = append(pending, s.ID)
			continue
		case s.Checked == 0 && s.Required:
			unchecked = append(unchecked, s.ID)
			continue
		case s.Checked == 0:
			continue
		}
		na := fmt.Sprint(s.NotApplicable)
		if s.PartlyChecked > 0 {
			na += fmt.Sprintf(" (%d partly checked)", s.PartlyChecked)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\n", s.ID, s.Checked, s.Passed, s.Failed, na, s.Status(), s.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(unchecked) > 0 {
		fmt.Fprintf(w, "not checked by this run: %s\n", strings.Join(unchecked, " "))
	}
	if len(pending) > 0 {
		fmt.Fprintf(w, "no scenario yet: %s\n", strings.Join(pending, " "))
	}
	fmt.Fprintf(w, "\n%s\n", r.CountLine())
	r.section(w, "failed", func(x Result) bool { return x.Outcome == Failed })
	if failed := r.failedRules(); len(failed) > 0 {
		fmt.Fprintln(w, "\nrules that failed:")
		for _, rule := range failed {
			fmt.Fprintf(w, "  %s %s\n", rule.ID, rule.Title)
			for _, line := range wrap(rule.Text, 76) {
				fmt.Fprintf(w, "      %s\n", line)
			}
		}
	}
	r.section(w, "not applicable after checks passed (the verdict of the steps before)", func(x Result) bool {
		return x.Outcome == NotApplicable && x.Checks > 0
	})
	first := true
	for _, res := range r.Results {
		if len(res.Dialect) == 0 || res.Outcome == Failed {
			continue
		}
		if first {
			fmt.Fprintln(w, "\ndialect differences (the rules held):")
			first = false
		}
		fmt.Fprintf(w, "  %s:%d %s\n", res.Feature, res.Line, res.Title())
		for _, d := range res.Dialect {
			fmt.Fprintf(w, "      %s\n", DialectNote(d))
		}
	}
	r.section(w, "not applicable", func(x Result) bool { return x.Outcome == NotApplicable && x.Checks == 0 })
	return nil
}

// CountLine is the one line of counts: "scenarios: N passed, N failed, N
// not applicable" (and how many of those were partly checked, dialect
// differences, and the shards missing from a merge, when there are any).
func (r *Report) CountLine() string {
	line := fmt.Sprintf("scenarios: %d passed, %d failed, %d not applicable", r.Count(Passed), r.Count(Failed), r.Count(NotApplicable))
	if n := r.PartlyChecked(); n > 0 {
		line += fmt.Sprintf(" (%d after checks passed)", n)
	}
	if n := r.DialectMismatches(); n > 0 {
		line += fmt.Sprintf("; %d with dialect differences", n)
	}
	if len(r.MissingShards) > 0 {
		line += fmt.Sprintf("; INCOMPLETE: no report of shard %s merged", strings.Join(r.MissingShards, ", "))
	}
	return line
}

func (r *Report) section(w io.Writer, title string, in func(Result) bool) {
	first := true
	for _, res := range r.Results {
		if !in(res) {
			continue
		}
		if first {
			fmt.Fprintf(w, "\n%s:\n", title)
			first = false
		}
		rules := ""
		if len(res.Rules) > 0 {
			rules = " [" + strings.Join(res.Rules, " ") + "]"
		}
		fmt.Fprintf(w, "  %s:%d %s%s\n", res.Feature, res.Line, res.Title(), rules)
		for _, line := range strings.Split(res.Reason, "\n") {
			fmt.Fprintf(w, "      %s\n", line)
		}
	}
}

// failedRules are the rules with a failed scenario, in catalogue order.
func (r *Report) failedRules() []Rule {
	var out []Rule
	for _, s := range r.Rules() {
		if s.Failed > 0 {
			out = append(out, s.Rule)
		}
	}
	return out
}

// wrap breaks text into lines of at most width runes (longer words stay
// whole).
func wrap(text string, width int) []string {
	var lines []string
	var cur strings.Builder
	for _, word := range strings.Fields(text) {
		if cur.Len() > 0 && cur.Len()+1+len(word) > width {
			lines = append(lines, cur.String())
			cur.Reset()
		}
		if cur.Len() > 0 {
			cur.WriteByte(' ')
		}
		cur.WriteString(word)
	}
	if cur.Len() > 0 {
		lines = append(lines, cur.String())
	}
	return lines
}

// Wrap breaks text into lines of at most width characters, for printing
// rule texts.
func Wrap(text string, width int) []string { return wrap(text, width) }
