package loadtest

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Print writes r for a person: the rate, the latency percentiles, the
// errors by kind and, for the code flow, the time of each step.
func (r *Result) Print(w io.Writer, target string) error {
	var sb strings.Builder
	unit := "req/s"
	what := "token requests"
	if r.Flow == FlowCode {
		unit, what = "flows/s", "flows"
	}
	fmt.Fprintf(&sb, "loadtest %s against %s: concurrency %d, %s\n", r.Flow, target, r.Concurrency, r.Elapsed.Round(time.Millisecond))
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\t%d ok, %d errors (%d HTTP requests)\n", what, r.OK, r.Errors, r.HTTPRequests)
	if r.CutOff > 0 {
		fmt.Fprintf(tw, "  cut off\t%d unfinished when the duration ended (not counted; a longer --duration, or --requests alone, lets them end)\n", r.CutOff)
	}
	fmt.Fprintf(tw, "  rate\t%.1f %s\n", r.Rate(), unit)
	fmt.Fprintf(tw, "  latency\t%s\n", r.Latency)
	for _, s := range r.Steps {
		fmt.Fprintf(tw, "    %s\t%s\n", s.Name, s.Summary)
	}
	tw.Flush()
	if len(r.ErrorKinds) > 0 {
		kinds := make([]string, 0, len(r.ErrorKinds))
		for k := range r.ErrorKinds {
			kinds = append(kinds, k)
		}
		sort.Slice(kinds, func(i, j int) bool {
			if r.ErrorKinds[kinds[i]] != r.ErrorKinds[kinds[j]] {
				return r.ErrorKinds[kinds[i]] > r.ErrorKinds[kinds[j]]
			}
			return kinds[i] < kinds[j]
		})
		sb.WriteString("  errors:\n")
		for _, k := range kinds {
			fmt.Fprintf(&sb, "    %6d  %s\n", r.ErrorKinds[k], k)
		}
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

// String is "p50 1.2ms  p90 2.0ms  p99 4.1ms  max 9ms  (n=1234)".
func (s Summary) String() string {
	if s.N == 0 {
		return "no samples"
	}
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  max %s  mean %s  (n=%d)",
		round(s.P50), round(s.P90), round(s.P99), round(s.Max), round(s.Mean), s.N)
}

// round keeps three significant digits or so.
func round(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}
