package runner

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/formatters"
	messages "github.com/cucumber/messages/go/v21"
)

// Console formats: what the QA engineer sees while the suite runs. Both
// print no summary of their own: the run ends with consentry's (one count,
// each failure once), printed by the caller from the Result.
const (
	// FormatProgress: on a terminal, a progress bar with a line for each
	// scenario that fails; elsewhere (CI logs), a line for each failure and
	// a progress line every ProgressEvery.
	FormatProgress = "progress"
	// FormatPretty: a line for each finished scenario with its outcome.
	FormatPretty = "pretty"
)

// IsTerminal reports whether w is a terminal (a character device).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// console is the run's console formatter. godog calls it for every step
// (with concurrency, all of a scenario's calls come together once the
// scenario ends); it writes to the run's output itself, never through
// godog's writer, and colours only a terminal.
type console struct {
	w      io.Writer
	mode   string
	tty    bool
	color  bool
	total  int
	every  time.Duration
	start  time.Time
	mu     sync.Mutex
	live   map[string]*liveScenario
	lines  map[string]int // uri NUL AST id -> line
	done   int
	counts map[string]int
	last   time.Time // last progress line (not a terminal)
	bar    bool      // a bar is drawn on the last line
	stop   chan struct{}
	closed atomic.Bool
}

type liveScenario struct {
	pickle   *messages.Pickle
	statuses []string
	failedAt string
}

func newConsole(w io.Writer, mode string, tty, color bool, total int, every time.Duration) *console {
	if every <= 0 {
		every = 10 * time.Second
	}
	return &console{w: w, mode: mode, tty: tty, color: color, total: total, every: every,
		live: map[string]*liveScenario{}, lines: map[string]int{}, counts: map[string]int{}, stop: make(chan struct{})}
}

// consoleFormatName is the godog format of every run's console. godog's
// registry of formats is global and unlocked, so it is registered once;
// the format finds the run's console by the suite name godog hands it
// (one per run, see register).
const consoleFormatName = "consentry-console"

var (
	registerOnce sync.Once
	consoles     bySuite[*console]
	consoleSeq   atomic.Int64
)

// register makes the console the one of a new suite name and returns the
// name, for godog.TestSuite; unregister forgets it after the run.
func (c *console) register() (suiteName string, unregister func()) {
	registerOnce.Do(func() {
		godog.Format(consoleFormatName, "consentry's console output", func(suite string, _ io.Writer) formatters.Formatter {
			if c, ok := consoles.get(suite); ok {
				return c
			}
			return newConsole(io.Discard, FormatProgress, false, false, 0, 0)
		})
	})
	suiteName = fmt.Sprintf("consentry-%d", consoleSeq.Add(1))
	return suiteName, consoles.put(suiteName, c)
}

func (c *console) TestRunStarted() {
	c.mu.Lock()
	c.start = time.Now()
	c.last = c.start
	c.mu.Unlock()
	if !c.tty && c.mode == FormatProgress {
		c.printf("consentry: running %d scenarios\n", c.total)
	}
	go c.tick()
}

// tick keeps a long silence from looking like a hang: a progress line (or
// a redrawn bar with the elapsed time) at least every c.every.
func (c *console) tick() {
	t := time.NewTicker(c.tickInterval())
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			c.mu.Lock()
			switch {
			case c.mode == FormatProgress && c.tty:
				c.drawBar()
			case time.Since(c.last) >= c.every:
				c.progressLine()
			}
			c.mu.Unlock()
		}
	}
}

func (c *console) tickInterval() time.Duration {
	if c.tty {
		return time.Second
	}
	return min(c.every, time.Second)
}

// Feature records where the feature's scenarios and outline rows are, to
// name each scenario by file and line.
func (c *console) Feature(doc *messages.GherkinDocument, uri string, _ []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id, line := range rowLines(doc) {
		c.lines[uri+"\x00"+id] = line
	}
}

func (c *console) Pickle(p *messages.Pickle) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live[p.Id] = &liveScenario{pickle: p}
	if len(p.Steps) == 0 {
		c.finish(c.live[p.Id])
	}
}

func (c *console) Defined(*messages.Pickle, *messages.PickleStep, *formatters.StepDefinition) {}

func (c *console) Passed(p *messages.Pickle, s *messages.PickleStep, _ *formatters.StepDefinition) {
	c.step(p, s, "passed")
}

func (c *console) Failed(p *messages.Pickle, s *messages.PickleStep, _ *formatters.StepDefinition, _ error) {
	c.step(p, s, "failed")
}

func (c *console) Skipped(p *messages.Pickle, s *messages.PickleStep, _ *formatters.StepDefinition) {
	c.step(p, s, "skipped")
}

func (c *console) Undefined(p *messages.Pickle, s *messages.PickleStep, _ *formatters.StepDefinition) {
	c.step(p, s, "undefined")
}

func (c *console) Pending(p *messages.Pickle, s *messages.PickleStep, _ *formatters.StepDefinition) {
	c.step(p, s, "pending")
}

func (c *console) Ambiguous(p *messages.Pickle, s *messages.PickleStep, _ *formatters.StepDefinition, _ error) {
	c.step(p, s, "ambiguous")
}

func (c *console) step(p *messages.Pickle, s *messages.PickleStep, status string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ls := c.live[p.Id]
	if ls == nil {
		ls = &liveScenario{pickle: p}
		c.live[p.Id] = ls
	}
	if status != "passed" && status != "skipped" && ls.failedAt == "" {
		ls.failedAt = s.Text
	}
	ls.statuses = append(ls.statuses, status)
	if len(ls.statuses) == len(p.Steps) {
		c.finish(ls)
	}
}

// outcome is the scenario's outcome as the console tells it, as the report
// reads it: the first step that did not pass decides; "part" is not
// applicable after a check (a Then step) passed.
func (ls *liveScenario) outcome() string {
	checks := 0
	for i, s := range ls.statuses {
		switch s {
		case "passed":
			if i < len(ls.pickle.Steps) && ls.pickle.Steps[i].Type == messages.PickleStepType_OUTCOME {
				checks++
			}
		case "skipped":
			if checks > 0 {
				return "part"
			}
			return "n/a"
		default:
			return "FAIL"
		}
	}
	if len(ls.statuses) == 0 {
		return "FAIL"
	}
	return "pass"
}

func (c *console) finish(ls *liveScenario) {
	delete(c.live, ls.pickle.Id)
	c.done++
	out := ls.outcome()
	c.counts[out]++
	where := fmt.Sprintf("%s %s", c.location(ls.pickle), ls.pickle.Name)
	line := ""
	switch {
	case c.mode == FormatPretty && out == "part":
		line = fmt.Sprintf("%s %s (not applicable after checks passed)", c.paint(out, "n/a "), where)
	case c.mode == FormatPretty:
		line = fmt.Sprintf("%s %s", c.paint(out, fmt.Sprintf("%-4s", out)), where)
	case out == "FAIL":
		line = fmt.Sprintf("%s %s", c.paint(out, "FAIL"), where)
	}
	if line != "" && out == "FAIL" && ls.failedAt != "" {
		line += fmt.Sprintf(" (at %q)", ls.failedAt)
	}
	if line != "" {
		c.clearBar()
		fmt.Fprintln(c.w, line)
	}
	switch {
	case c.mode == FormatProgress && c.tty:
		c.drawBar()
	case c.mode == FormatProgress && time.Since(c.last) >= c.every:
		c.progressLine()
	}
}

// location is file:line of a scenario, or of the row of an outline.
func (c *console) location(p *messages.Pickle) string {
	if len(p.AstNodeIds) > 0 {
		if line, ok := c.lines[p.Uri+"\x00"+p.AstNodeIds[len(p.AstNodeIds)-1]]; ok {
			return fmt.Sprintf("%s:%d", p.Uri, line)
		}
	}
	return p.Uri
}

func (c *console) counted() string {
	s := fmt.Sprintf("%d/%d scenarios done", c.done, c.total)
	var parts []string
	if n := c.counts["FAIL"]; n > 0 {
		parts = append(parts, c.paint("FAIL", fmt.Sprintf("%d failed", n)))
	}
	if n := c.counts["n/a"] + c.counts["part"]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d not applicable", n))
	}
	if len(parts) > 0 {
		s += ", " + strings.Join(parts, ", ")
	}
	return s
}

func (c *console) progressLine() {
	c.last = time.Now()
	fmt.Fprintf(c.w, "consentry: %s, %s\n", c.counted(), time.Since(c.start).Round(time.Second))
}

// drawBar redraws the bar on the terminal's last line.
func (c *console) drawBar() {
	const width = 30
	filled := 0
	if c.total > 0 {
		filled = min(width, c.done*width/c.total)
	}
	bar := strings.Repeat("#", filled) + strings.Repeat(".", width-filled)
	fmt.Fprintf(c.w, "\r\x1b[K[%s] %s %s", bar, c.counted(), time.Since(c.start).Round(time.Second))
	c.bar = true
}

func (c *console) clearBar() {
	if c.bar {
		fmt.Fprint(c.w, "\r\x1b[K")
		c.bar = false
	}
}

// Summary ends the progress output; the run's summary is consentry's, not
// godog's.
func (c *console) Summary() {
	if c.closed.Swap(true) {
		return
	}
	close(c.stop)
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ls := range c.live { // a scenario whose steps never all reported (a failed Before hook)
		c.finish(ls)
	}
	c.clearBar()
	if c.mode == FormatProgress {
		fmt.Fprintf(c.w, "consentry: %s, %s\n", c.counted(), time.Since(c.start).Round(time.Millisecond))
	}
}

func (c *console) paint(kind, s string) string {
	if !c.color {
		return s
	}
	code := ""
	switch kind {
	case "FAIL":
		code = "31"
	case "pass":
		code = "32"
	case "n/a", "part":
		code = "33"
	}
	if code == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (c *console) printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.w, format, args...)
}
