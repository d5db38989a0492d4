// Command consentry runs the consent conformance suite against an identity
// provider, lists the rules it checks, and merges the reports of sharded
// runs.
//
//	consentry run [--target embedded|FILE] [--driver browser|http] [--tags EXPR]
//	              [--concurrency N] [--format progress|pretty,junit:FILE,cucumber:FILE,html:DIR]
//	              [--shard K/N] [--rate N/PERIOD] [--step-timeout D] [--chrome PATH] [--no-colors]
//	consentry rules [--verbose]
//	consentry report merge FILE.json... [--format html:DIR,junit:FILE,cucumber:FILE]
//	consentry version
//
// run shows progress while the scenarios run, then one summary: a table of
// the rules of the consent spec (scenarios that checked each, passed,
// failed, not applicable), each failure once, and where the reports went.
// It exits 0 only when every applicable scenario passed, 1 when one failed
// or none ran (except in a shard left empty because there are more shards
// than scenarios), 2 when the run could not start (bad flags, tags,
// formats or target profile). The feature files and the rules' text are built into
// the binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/consentry/consentry/features"
	"github.com/consentry/consentry/steps/report"
	"github.com/consentry/consentry/steps/runner"
	"github.com/consentry/consentry/steps/target"
)

// version is set at build time (-ldflags "-X main.version=v1.2.3"); else
// the module version from the build information.
var version = ""

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  consentry run [flags]                 run the conformance suite (consentry run --help lists the flags)
  consentry rules [--verbose]           every rule of the spec and the scenarios that check it
  consentry fixtures --target FILE      the clients, APIs and users the selected scenarios need on a target
  consentry report merge FILE.json... [--format html:DIR,junit:FILE,cucumber:FILE]
                                        merge the cucumber reports of sharded runs into one report
  consentry version                     the version of this binary
`

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return runSuite(args[1:], stdout, stderr)
	case "rules":
		return listRules(args[1:], stdout, stderr)
	case "report":
		return reportCmd(args[1:], stdout, stderr)
	case "version", "--version":
		if len(args) > 1 {
			fmt.Fprintf(stderr, "consentry version: unexpected arguments %q\n", args[1:])
			return 2
		}
		fmt.Fprintln(stdout, versionLine())
		return 0
	case "fixtures":
		return fixtures(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "consentry: unknown command %q\n%s", args[0], usage)
		return 2
	}
}

// newFlags is a flag set whose --help goes to stdout (exit 0) and whose
// errors are one line on stderr (exit 2), never godog's or flag's usage
// dump on the wrong stream.
func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args; it reports the exit status when the command
// must stop (help: 0, an error: 2).
func parseFlags(fs *flag.FlagSet, synopsis string, args []string, stdout, stderr io.Writer) (int, bool) {
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(stdout, "usage: %s\n\nflags:\n", synopsis)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return 0, true
	case err != nil:
		fmt.Fprintf(stderr, "%s: %v (%s --help lists the flags)\n", fs.Name(), err, fs.Name())
		return 2, true
	}
	return 0, false
}

const runSynopsis = "consentry run [--target embedded|FILE] [--driver browser|http] [--tags EXPR] [--format LIST] [--shard K/N] ..."

func runSuite(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("consentry run")
	targetFlag := fs.String("target", "embedded", "target: embedded (the mock, in-process), or a target profile YAML file")
	driverFlag := fs.String("driver", runner.DriverBrowser, "user agent: browser (Chromium, driven by chromedp) or http (forms over HTTP)")
	tags := fs.String("tags", "", `tag expression: && (and), "," (or), ~ (not), e.g. "@rule:C1,@rule:C4 && ~@exclusive"`)
	concurrency := fs.Int("concurrency", 4, "scenarios run at once")
	format := fs.String("format", "progress", "console format (progress or pretty) and reports, comma-separated: "+runner.Formats)
	shard := fs.String("shard", "", "run part K of N of the selected scenarios, e.g. 2/4 (merge the shards' cucumber reports with consentry report merge)")
	rate := fs.String("rate", "", "at most N new user sessions (each a login) per period, e.g. 10/m; for real tenants' attack protection")
	stepTimeout := fs.Duration("step-timeout", 30*time.Second, "timeout of every step")
	chrome := fs.String("chrome", "", "Chromium executable (default $CHROME_PATH, else /usr/bin/chromium)")
	noColors := fs.Bool("no-colors", false, "no colours in the console output (also: NO_COLOR set, or output not a terminal)")
	if code, stop := parseFlags(fs, runSynopsis, args, stdout, stderr); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "consentry run: unexpected arguments %q (consentry run --help lists the flags)\n", fs.Args())
		return 2
	}
	sh, err := runner.ParseShard(*shard)
	if err == nil {
		err = runner.ValidateTags(*tags)
	}
	if err == nil {
		err = checkFormats(*format)
	}
	var rt runner.Rate
	if err == nil {
		rt, err = runner.ParseRate(*rate)
	}
	if err == nil && *concurrency < 1 {
		err = fmt.Errorf("--concurrency %d: want 1 or more", *concurrency)
	}
	if err == nil && *driverFlag != runner.DriverHTTP && *driverFlag != runner.DriverBrowser {
		err = fmt.Errorf("--driver %q: want %s or %s", *driverFlag, runner.DriverBrowser, runner.DriverHTTP)
	}
	if err == nil && *stepTimeout <= 0 {
		err = fmt.Errorf("--step-timeout %v: want a positive duration, e.g. 30s", *stepTimeout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "consentry run: %v\n", err)
		return 2
	}
	profile, err := target.Load(*targetFlag)
	if err != nil {
		fmt.Fprintf(stderr, "consentry: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	banner := fmt.Sprintf("consentry: %s driver, target %s", *driverFlag, profile.Name)
	if sh.Count > 0 {
		banner += ", shard " + sh.String()
	}
	if rt.N > 0 {
		banner += ", new sessions at most " + rt.String()
	}
	fmt.Fprintln(stdout, banner)
	res, err := runner.Run(ctx, runner.Config{
		Profile: profile, Driver: *driverFlag, Tags: *tags, Shard: sh, Concurrency: *concurrency, Rate: rt,
		Format: *format, Output: stdout, StepTimeout: *stepTimeout, ChromePath: *chrome, NoColors: *noColors,
	})
	if err != nil {
		fmt.Fprintf(stderr, "consentry: %v\n", err)
		if errors.Is(err, runner.ErrNoBrowser) || res == nil {
			return 2
		}
		return 1
	}
	if len(res.Report.Results) == 0 {
		if sh.Count > 1 && res.Selected > 0 && res.Selected < sh.Count {
			// More shards than scenarios: this one has nothing to do, and
			// that is not a failure of the run (the merge has them all).
			fmt.Fprintf(stdout, "\nshard %s has no scenario: the tags select %d, for %d shards\n", sh, res.Selected, sh.Count)
			return 0
		}
		fmt.Fprintln(stdout, "\nno scenario ran (check --tags)")
		return 1
	}
	fmt.Fprintf(stdout, "\n%s driver against %s (%s)\n\n", *driverFlag, res.Target, res.Duration.Round(time.Millisecond))
	if err := res.Report.WriteSummary(stdout); err != nil {
		fmt.Fprintf(stderr, "consentry: %v\n", err)
		return 2
	}
	if len(res.Reports) > 0 {
		fmt.Fprintf(stdout, "\nreports: %s\n", strings.Join(res.Reports, ", "))
	}
	if !res.OK() {
		return 1
	}
	return 0
}

// checkFormats parses a --format list and refuses a junit or cucumber
// report without a file: on the console it would be interleaved with the
// progress and the summary, so it could never be read as XML or JSON.
func checkFormats(list string) error {
	_, outs, err := runner.ParseFormats(list)
	if err != nil {
		return err
	}
	for _, o := range outs {
		if o.Dest == "" {
			return fmt.Errorf("--format %q: %s needs a file: %s:FILE (on the console it would be mixed with the summary)", list, o.Name, o.Name)
		}
	}
	return nil
}

// listRules prints every rule with the scenarios that check it; with
// --verbose, each rule's text as well.
func listRules(args []string, stdout, stderr io.Writer) int {
	const synopsis = "consentry rules [--verbose]"
	fs := newFlags("consentry rules")
	verbose := fs.Bool("verbose", false, "quote each rule's text from the spec")
	fs.BoolVar(verbose, "v", false, "short for --verbose")
	if code, stop := parseFlags(fs, synopsis, args, stdout, stderr); stop {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "consentry rules: unexpected arguments %q\n", fs.Args())
		return 2
	}
	scenarios, err := report.Catalog(features.FS())
	if err != nil {
		fmt.Fprintf(stderr, "consentry: %v\n", err)
		return 2
	}
	missing := 0
	section := ""
	for _, r := range report.Rules() {
		var checks []report.Scenario
		runs := 0
		for _, s := range scenarios {
			if n := s.Runs(r.ID); n > 0 {
				checks = append(checks, s)
				runs += n
			}
		}
		if len(checks) == 0 && !r.Required && !r.Pending && !*verbose {
			continue
		}
		if *verbose && r.Section != section {
			section = r.Section
			fmt.Fprintf(stdout, "\n%s\n\n", section)
		}
		count := plural(len(checks), "scenario")
		if runs != len(checks) {
			// A run counts each row of an outline: say so, so that the
			// number matches the run's CHECKED column.
			count += fmt.Sprintf(", %s with the outlines' rows", plural(runs, "run"))
		}
		fmt.Fprintf(stdout, "%-3s %s (%s)\n", r.ID, r.Title, count)
		if *verbose {
			for _, line := range report.Wrap(r.Text, 76) {
				fmt.Fprintf(stdout, "      %s\n", line)
			}
		}
		switch {
		case len(checks) == 0 && r.Pending:
			fmt.Fprintln(stdout, "    no scenario yet (marked so in features/rules.md)")
		case len(checks) == 0 && r.Required:
			fmt.Fprintln(stdout, "    NO SCENARIO CHECKS THIS RULE")
			missing++
		}
		for _, s := range checks {
			fmt.Fprintf(stdout, "    %s:%d  %s\n", s.Feature, s.Line, s.Name)
		}
		if *verbose {
			fmt.Fprintln(stdout)
		}
	}
	if missing > 0 {
		fmt.Fprintf(stdout, "\n%d required rules have no scenario\n", missing)
		return 1
	}
	return 0
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// versionLine names the binary's version, its commit when known and the
// Go toolchain.
func versionLine() string {
	v := version
	var commit, dirty string
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = ", modified"
				}
			}
		}
	}
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	line := "consentry " + v + " (" + runtime.Version()
	if commit != "" {
		line += ", commit " + commit[:min(12, len(commit))] + dirty
	}
	return line + ")"
}
