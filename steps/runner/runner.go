// Package runner runs the conformance suite once: it starts the target,
// prepares the user agents, runs the embedded features with godog and reads
// the outcome back as a rule report. The consentry command and the Go tests
// both run the suite through it.
package runner

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/consentry/consentry/features"
	"github.com/consentry/consentry/steps"
	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/driver/browser"
	"github.com/consentry/consentry/steps/driver/httpua"
	"github.com/consentry/consentry/steps/report"
	"github.com/consentry/consentry/steps/target"
)

// Drivers names the user agents.
const (
	DriverHTTP    = "http"
	DriverBrowser = "browser"
)

// Config is one run.
type Config struct {
	// Profile is the target; nil means the embedded mock.
	Profile *target.Profile
	// Driver is DriverHTTP or DriverBrowser.
	Driver string
	// Tags is a godog tag expression ("@consent && ~@tenant-settings").
	Tags string
	// Concurrency is how many scenarios run at once (default 1).
	Concurrency int
	// Format is godog's format list ("progress", "pretty,junit:out.xml").
	// A cucumber report is always written as well, for the rule summary.
	// JUnit is written by the harness, not godog, so that a scenario that
	// was not applicable is a skipped testcase with its reason.
	Format string
	// Output receives the formatters' console output (default os.Stdout).
	Output io.Writer
	// TestingT runs every scenario as a subtest (go test).
	TestingT *testing.T
	// Features are the feature files (default: the embedded ones).
	Features fs.FS
	// StepTimeout bounds each step (default 30s).
	StepTimeout time.Duration
	// ChromePath is the Chromium executable for the browser driver.
	ChromePath string
	// Browser is a running Chromium for the browser driver to use (tests
	// share one); nil launches one for the run (ChromePath). The run does
	// not close it.
	Browser *browser.Browser
	// Start tunes the embedded target (mutation tests).
	Start target.StartOptions
	// NoColors turns off colours in console output.
	NoColors bool
}

// Result is a finished run.
type Result struct {
	// Report is the per-scenario and per-rule outcome.
	Report *report.Report
	// Target describes the target (no secrets).
	Target string
	// Status is godog's exit status (0 when no scenario failed).
	Status int
	// Duration is how long the scenarios took.
	Duration time.Duration
	// Leftovers are fixtures still on an embedded target after the run
	// (every scenario must delete what it created); nil for other targets.
	Leftovers []string
}

// OK reports whether the run passed: every applicable scenario passed.
func (r *Result) OK() bool { return r.Status == 0 && r.Report.OK() }

// Run runs the suite.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Profile == nil {
		cfg.Profile = target.Embedded()
	}
	if cfg.Features == nil {
		cfg.Features = features.FS()
	}
	if cfg.Output == nil {
		cfg.Output = os.Stdout
	}
	if cfg.Format == "" {
		cfg.Format = "progress"
	}
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	newDriver, closeDrivers, err := driverFactory(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer closeDrivers()

	tgt, err := target.Start(ctx, cfg.Profile, cfg.Start)
	if err != nil {
		return nil, err
	}
	defer tgt.Close()
	suite, err := steps.NewSuite(ctx, tgt, cfg.Driver, newDriver)
	if err != nil {
		return nil, err
	}
	suite.StepTimeout = cfg.StepTimeout

	dir, err := os.MkdirTemp("", "consentry-run-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cucumber := filepath.Join(dir, "cucumber.json")
	if strings.ContainsAny(cucumber, ",:") {
		return nil, fmt.Errorf("temporary directory %q cannot be named in a godog format", dir)
	}
	formats, junit := splitJUnit(cfg.Format)
	format := strings.Join(append(formats, "cucumber:"+cucumber), ",")

	start := time.Now()
	status := godog.TestSuite{
		Name:                "consentry",
		ScenarioInitializer: suite.InitializeScenario,
		Options: &godog.Options{
			Format:         format,
			Paths:          []string{"."},
			FS:             cfg.Features,
			Tags:           cfg.Tags,
			Concurrency:    cfg.Concurrency,
			Strict:         true,
			Output:         cfg.Output,
			TestingT:       cfg.TestingT,
			NoColors:       cfg.NoColors,
			DefaultContext: ctx,
		},
	}.Run()
	res := &Result{Target: tgt.Describe(), Status: status, Duration: time.Since(start)}
	if cfg.Profile.Kind == target.KindEmbedded && tgt.Mgmt != nil {
		if res.Leftovers, err = leftovers(ctx, tgt); err != nil {
			return res, err
		}
	}
	f, err := os.Open(cucumber)
	if err != nil {
		return res, fmt.Errorf("the run wrote no cucumber report (godog status %d): %w", status, err)
	}
	defer f.Close()
	res.Report, err = report.FromCucumber(f)
	if err != nil {
		return res, err
	}
	for _, file := range junit {
		if err := writeJUnit(res.Report, file, cfg.Output); err != nil {
			return res, err
		}
	}
	return res, nil
}

// leftovers lists the harness's fixtures still on the target: clients and
// APIs named "consentry ...", users at consentry.test.
func leftovers(ctx context.Context, tgt *target.Target) ([]string, error) {
	var out []string
	for _, path := range []string{"/clients", "/resource-servers", "/users"} {
		names, err := tgt.Mgmt.Names(ctx, path)
		if err != nil {
			return nil, fmt.Errorf("listing leftovers: %w", err)
		}
		for _, n := range names {
			if strings.HasPrefix(n, "consentry ") || strings.HasSuffix(n, "@consentry.test") {
				out = append(out, path+": "+n)
			}
		}
	}
	return out, nil
}

// splitJUnit takes the junit formats out of a godog format list and
// returns the rest and the JUnit files ("" for the console).
func splitJUnit(format string) (rest, junit []string) {
	for _, f := range strings.Split(format, ",") {
		name, file, _ := strings.Cut(f, ":")
		switch {
		case strings.TrimSpace(f) == "":
		case name == "junit":
			junit = append(junit, file)
		default:
			rest = append(rest, f)
		}
	}
	if len(rest) == 0 {
		rest = []string{"progress"}
	}
	return rest, junit
}

func writeJUnit(rep *report.Report, file string, console io.Writer) error {
	if file == "" {
		return rep.WriteJUnit(console, "consentry")
	}
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("junit report: %w", err)
	}
	if err := rep.WriteJUnit(f, "consentry"); err != nil {
		f.Close()
		return fmt.Errorf("junit report: %w", err)
	}
	return f.Close()
}

// driverFactory returns how to make a user agent for a scenario, and what
// to close at the end of the run.
func driverFactory(ctx context.Context, cfg Config) (func(context.Context) (driver.Driver, error), func(), error) {
	// The profile's selectors read the pages (the mock's markup for keys
	// it leaves out); a selector a driver cannot use fails the run at once.
	sel := cfg.Profile.Selectors.Driver()
	switch cfg.Driver {
	case DriverHTTP, "":
		if err := httpua.CompileSelectors(sel); err != nil {
			return nil, nil, fmt.Errorf("target profile %q: %w (the HTTP driver knows a subset of CSS; the browser driver all of it)", cfg.Profile.Name, err)
		}
		return func(context.Context) (driver.Driver, error) { return httpua.New(httpua.Options{Selectors: sel}) }, func() {}, nil
	case DriverBrowser:
		return launchBrowser(ctx, cfg, sel)
	default:
		return nil, nil, fmt.Errorf("unknown driver %q (want %s or %s)", cfg.Driver, DriverHTTP, DriverBrowser)
	}
}
