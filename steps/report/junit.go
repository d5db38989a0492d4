package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// WriteJUnit writes the report as JUnit XML, one testsuite per feature. A
// scenario that was not applicable is a skipped testcase whose message is
// the reason; it is never reported as passed. Testcase names carry the
// rules the scenario checks.
func (r *Report) WriteJUnit(w io.Writer, name string) error {
	type result struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	type testcase struct {
		Name      string  `xml:"name,attr"`
		Classname string  `xml:"classname,attr"`
		Time      string  `xml:"time,attr"`
		Failure   *result `xml:"failure,omitempty"`
		Skipped   *result `xml:"skipped,omitempty"`
	}
	type testsuite struct {
		Name     string     `xml:"name,attr"`
		Tests    int        `xml:"tests,attr"`
		Failures int        `xml:"failures,attr"`
		Skipped  int        `xml:"skipped,attr"`
		Time     string     `xml:"time,attr"`
		Cases    []testcase `xml:"testcase"`
	}
	type testsuites struct {
		XMLName  xml.Name    `xml:"testsuites"`
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Skipped  int         `xml:"skipped,attr"`
		Suites   []testsuite `xml:"testsuite"`
	}
	out := testsuites{Name: name}
	index := map[string]int{}
	for _, res := range r.Results {
		i, ok := index[res.Feature]
		if !ok {
			i = len(out.Suites)
			index[res.Feature] = i
			out.Suites = append(out.Suites, testsuite{Name: res.FeatureName})
		}
		s := &out.Suites[i]
		tc := testcase{Name: res.Name, Classname: res.Feature, Time: fmt.Sprintf("%.3f", res.Duration.Seconds())}
		if len(res.Rules) > 0 {
			tc.Name += " [" + strings.Join(res.Rules, " ") + "]"
		}
		switch res.Outcome {
		case Failed:
			tc.Failure = &result{Message: firstLine(res.Reason), Text: res.Reason}
			s.Failures++
			out.Failures++
		case NotApplicable:
			tc.Skipped = &result{Message: "not applicable: " + res.Reason}
			s.Skipped++
			out.Skipped++
		}
		s.Tests++
		out.Tests++
		s.Cases = append(s.Cases, tc)
	}
	for i := range out.Suites {
		var total float64
		for _, res := range r.Results {
			if index[res.Feature] == i {
				total += res.Duration.Seconds()
			}
		}
		out.Suites[i].Time = fmt.Sprintf("%.3f", total)
	}
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

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
