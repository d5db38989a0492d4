// Package runner runs the conformance suite once: it checks the tags and
// formats, selects the scenarios (tags, shard), starts the target, prepares
// the user agents, runs the features with godog behind consentry's own
// console output, and reads the outcome back as a rule report, written in
// the formats asked for. The consentry command and the Go tests both run
// the suite through it.
package runner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/consentry/consentry/features"
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
	// Tags is a godog tag expression ("@consent && ~@tenant-settings"),
	// checked by ValidateTags before the run starts.
	Tags string
	// Shard runs one part of the selected scenarios (see makePlan).
	Shard Shard
	// Concurrency is how many scenarios run at once (default 1).
	Concurrency int
	// Format is the format list (see ParseFormats): one console format,
	// progress (default) or pretty, and any of junit:FILE, cucumber:FILE,
	// html:DIR. The run's own summary is the caller's to print (from the
	// Result); no formatter prints one.
	Format string
	// Output receives the console output (default os.Stdout).
	Output io.Writer
	// Terminal says whether Output is a terminal (a progress bar, colours);
	// nil detects it.
	Terminal *bool
	// ProgressEvery is how often progress is printed when Output is not a
	// terminal (default 10s).
	ProgressEvery time.Duration
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
	// NoColors turns off colours in console output (as does the NO_COLOR
	// environment variable, and an Output that is not a terminal).
	NoColors bool
	// Rate limits how often the run starts a new user session: a user
	// agent with no cookies, whose first authorization is a login. Real
	// tenants' attack protection answers bursts of automated logins with
	// CAPTCHAs. Zero: no limit.
	Rate Rate
	// Dialect is the target's vendor dialect, for the reports ("" is the
	// profile's, else the kind's: auth0 for the mock and Auth0 tenants,
	// none for others).
	Dialect string
	// CapturePages attaches every page the user agents showed (and, in the
	// browser, a screenshot of it) to the steps. On by default when an
	// html or cucumber report is written.
	CapturePages bool
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
	// Planned is how many scenarios (outline rows each counted) the tags
	// and the shard selected; Selected how many the tags selected.
	Planned, Selected int
	// Leftovers are fixtures still on an embedded target after the run
	// (every scenario must delete what it created); nil for other targets.
	Leftovers []string
	// Reports lists the reports written ("html reports/run").
	Reports []string
}

// OK reports whether the run passed: every applicable scenario passed.
func (r *Result) OK() bool { return r.Status == 0 && r.Report.OK() }

// Run runs the suite. Bad tags, formats or profiles are errors before
// anything starts (and Result is nil).
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Profile == nil {
		cfg.Profile = target.Embedded()
	}
	if cfg.Features == nil {
		cfg.Features = features.FS()
	}
	cfg.Features = vendorFeatures(cfg.Features, target.IsOkta(cfg.Profile)) // okta.go
	if cfg.Output == nil {
		cfg.Output = os.Stdout
	}
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	if err := ValidateTags(cfg.Tags); err != nil {
		return nil, err
	}
	consoleMode, outputs, err := ParseFormats(cfg.Format)
	if err != nil {
		return nil, err
	}
	for _, o := range outputs {
		if o.Name == "html" || (o.Name == "cucumber" && o.Dest != "") {
			cfg.CapturePages = true
		}
	}
	pl, err := makePlan(cfg.Features, cfg.Tags, cfg.Shard)
	if err != nil {
		return nil, err
	}
	info := report.RunInfo{Driver: cfg.Driver, Target: cfg.Profile.Name, Dialect: cfg.Dialect, Shard: cfg.Shard.String()}
	if info.Driver == "" {
		info.Driver = DriverHTTP
	}
	if info.Dialect == "" {
		info.Dialect = dialectOf(cfg.Profile)
	}
	info.Host, _ = os.Hostname()

	if len(pl.scenarios) == 0 {
		return &Result{Report: &report.Report{}, Target: cfg.Profile.Name, Selected: pl.selected}, nil
	}
	uas, err := driverFactory(ctx, cfg, len(pl.scenarios))
	if err != nil {
		return nil, err
	}
	defer uas.close()

	lim := newLimiter(cfg.Rate)
	tgt, suite, left, err := startTarget(ctx, cfg, func(ctx context.Context) (driver.Driver, error) {
		if err := lim.wait(ctx); err != nil {
			return nil, fmt.Errorf("waiting for --rate: %w", err)
		}
		d, err := uas.new(ctx)
		if err == nil {
			if rec := recorderFrom(ctx); rec != nil {
				rec.add(d)
			}
		}
		return d, err
	})
	if err != nil {
		return nil, err
	}
	defer tgt.Close()

	// A suite that hands out the profile's users reads the plan first.
	if p, ok := any(suite).(interface {
		Plan(context.Context, fs.FS) error
	}); ok {
		if err := p.Plan(ctx, pl.fsys); err != nil {
			return nil, err
		}
	}
	tty := IsTerminal(cfg.Output)
	if cfg.Terminal != nil {
		tty = *cfg.Terminal
	}
	noColor := os.Getenv("NO_COLOR") != "" // no-color.org: set and not empty
	con := newConsole(cfg.Output, consoleMode, tty, tty && !cfg.NoColors && !noColor, len(pl.scenarios), cfg.ProgressEvery)

	initialize := func(sc *godog.ScenarioContext) {
		suite.InitializeScenario(sc)
		rec := &recorder{screenshots: cfg.CapturePages, scrub: tgt.Scrub}
		sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
			run := info
			run.Started = time.Now().UTC()
			data, _ := json.Marshal(run)
			ctx = godog.Attach(ctx, godog.Attachment{FileName: "run.json", MediaType: report.RunMediaType, Body: data})
			return context.WithValue(ctx, recorderKey{}, rec), nil
		})
		sc.After(func(ctx context.Context, _ *godog.Scenario, _ error) (context.Context, error) {
			if !rec.used() {
				uas.forgo()
			}
			return ctx, nil
		})
		if cfg.CapturePages {
			// godog joins an error an After hook returns to the step's
			// ("hook error, step error"): the hook returns none of its own.
			sc.StepContext().After(func(ctx context.Context, _ *godog.Step, _ godog.StepResultStatus, _ error) (context.Context, error) {
				return rec.attachPages(ctx), nil
			})
		}
	}

	suiteName, unregister := con.register()
	defer unregister()
	cucumber, forget := captureCucumber(suiteName)
	defer forget()
	start := time.Now()
	status := godog.TestSuite{
		Name:                suiteName,
		ScenarioInitializer: initialize,
		Options: &godog.Options{
			Format:         consoleFormatName + "," + cucumberFormatName,
			Paths:          []string{"."},
			FS:             pl.fsys,
			Concurrency:    cfg.Concurrency,
			Strict:         true,
			Output:         cfg.Output,
			TestingT:       cfg.TestingT,
			NoColors:       true,
			DefaultContext: ctx,
		},
	}.Run()
	con.Summary()
	res := &Result{Target: tgt.Describe(), Status: status, Duration: time.Since(start), Planned: len(pl.scenarios), Selected: pl.selected}
	if left != nil {
		if res.Leftovers, err = left(ctx); err != nil {
			return res, err
		}
	}
	data := cucumber.Bytes()
	if len(data) == 0 {
		return res, fmt.Errorf("the run wrote no cucumber report (godog status %d)", status)
	}
	res.Report, err = report.FromCucumber(bytes.NewReader(data))
	if err != nil {
		return res, err
	}
	if err := WriteReports(res.Report, outputs, data, report.JUnitOptions{}, report.HTMLOptions{}, cfg.Output); err != nil {
		return res, err
	}
	res.Reports = Written(outputs)
	return res, nil
}

// dialectOf is the dialect the profile names (a profile that can name
// one has TheDialect), else the one a target of its kind speaks.
func dialectOf(p *target.Profile) string {
	if d, ok := any(p).(interface{ TheDialect() string }); ok {
		if v := d.TheDialect(); v != "" {
			return v
		}
	}
	switch p.Kind {
	case target.KindEmbedded, target.KindURL, target.KindAuth0:
		return "auth0"
	}
	return "none"
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

// userAgents makes the scenarios' user agents.
type userAgents struct {
	new func(context.Context) (driver.Driver, error)
	// forgo says a scenario ended without asking for one (the browser's
	// pool then prepares one fewer).
	forgo func()
	close func() // at the end of the run
}

// driverFactory returns how to make a user agent for each of the run's
// scenarios (how many: scenarios).
func driverFactory(ctx context.Context, cfg Config, scenarios int) (userAgents, error) {
	// The profile's selectors read the pages (the mock's markup for keys
	// it leaves out); a selector a driver cannot use fails the run at once.
	sel := cfg.Profile.Selectors.Driver()
	switch cfg.Driver {
	case DriverHTTP, "":
		if err := httpua.CompileSelectors(sel); err != nil {
			return userAgents{}, fmt.Errorf("target profile %q: %w", cfg.Profile.Name, err)
		}
		return userAgents{
			new:   func(context.Context) (driver.Driver, error) { return httpua.New(httpua.Options{Selectors: sel}) },
			forgo: func() {},
			close: func() {},
		}, nil
	case DriverBrowser:
		return launchBrowser(ctx, cfg, sel, scenarios)
	default:
		return userAgents{}, fmt.Errorf("unknown driver %q (want %s or %s)", cfg.Driver, DriverHTTP, DriverBrowser)
	}
}
