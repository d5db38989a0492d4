// Command consentry runs the consent conformance suite against an identity
// provider and lists the rules it checks.
//
//	consentry run [--target embedded|FILE] [--driver browser|http] [--tags EXPR]
//	              [--concurrency N] [--format pretty,junit:FILE,cucumber:FILE]
//	consentry rules
//
// run shows progress while the scenarios run, then a table of the rules of
// the consent spec (scenarios that checked each, passed, failed, not
// applicable) and where the reports went. It exits 0 only when every
// applicable scenario passed, 1 when one failed, 2 when the run could not
// start. The feature files are built into the binary.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/consentry/consentry/features"
	"github.com/consentry/consentry/steps/report"
	"github.com/consentry/consentry/steps/runner"
	"github.com/consentry/consentry/steps/target"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage:
  consentry run [--target embedded|FILE] [--driver browser|http] [--tags EXPR]
                [--concurrency N] [--format pretty,junit:FILE,cucumber:FILE]
  consentry rules
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
		return listRules(stdout, stderr)
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

func runSuite(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("consentry run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	targetFlag := fs.String("target", "embedded", "target: embedded, or a target profile YAML file")
	driverFlag := fs.String("driver", runner.DriverBrowser, "user agent: browser (Chromium) or http")
	tags := fs.String("tags", "", `godog tag expression, e.g. "@rule:C1,@rule:C4" or "~@tenant-settings"`)
	concurrency := fs.Int("concurrency", 4, "scenarios run at once")
	format := fs.String("format", "progress", "godog formats: progress, pretty, junit:FILE, cucumber:FILE (comma-separated)")
	stepTimeout := fs.Duration("step-timeout", 30*time.Second, "timeout of every step")
	chrome := fs.String("chrome", "", "Chromium executable (default $CHROME_PATH, else /usr/bin/chromium)")
	noColors := fs.Bool("no-colors", false, "no colours in the console output")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "consentry run: unexpected arguments %q\n", fs.Args())
		return 2
	}
	profile, err := target.Load(*targetFlag)
	if err != nil {
		fmt.Fprintf(stderr, "consentry: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	fmt.Fprintf(stdout, "consentry: %s driver, target %s\n", *driverFlag, profile.Name)
	res, err := runner.Run(ctx, runner.Config{
		Profile: profile, Driver: *driverFlag, Tags: *tags, Concurrency: *concurrency,
		Format: *format, Output: stdout, StepTimeout: *stepTimeout, ChromePath: *chrome, NoColors: *noColors,
	})
	if err != nil {
		fmt.Fprintf(stderr, "consentry: %v\n", err)
		if errors.Is(err, runner.ErrNoBrowser) {
			return 2
		}
		if res == nil {
			return 2
		}
		return 1
	}
	fmt.Fprintf(stdout, "\n%s driver against %s (%s)\n\n", *driverFlag, res.Target, res.Duration.Round(time.Millisecond))
	if err := res.Report.WriteSummary(stdout); err != nil {
		fmt.Fprintf(stderr, "consentry: %v\n", err)
		return 2
	}
	if files := reportFiles(*format); len(files) > 0 {
		fmt.Fprintf(stdout, "\nreports: %s\n", strings.Join(files, ", "))
	}
	if !res.OK() {
		if len(res.Report.Results) == 0 {
			fmt.Fprintln(stdout, "\nno scenario ran (check --tags)")
		}
		return 1
	}
	return 0
}

// reportFiles lists the "format: file" pairs of a godog format list.
func reportFiles(format string) []string {
	var out []string
	for _, f := range strings.Split(format, ",") {
		if name, file, ok := strings.Cut(f, ":"); ok {
			out = append(out, name+" "+file)
		}
	}
	return out
}

// listRules prints every rule with the scenarios that check it.
func listRules(stdout, stderr io.Writer) int {
	scenarios, err := report.Catalog(features.FS())
	if err != nil {
		fmt.Fprintf(stderr, "consentry: %v\n", err)
		return 2
	}
	missing := 0
	for _, r := range report.Rules() {
		var checks []report.Scenario
		for _, s := range scenarios {
			for _, id := range s.Rules {
				if id == r.ID {
					checks = append(checks, s)
				}
			}
		}
		if len(checks) == 0 && !r.Required {
			continue
		}
		fmt.Fprintf(stdout, "%-3s %s (%d scenarios)\n", r.ID, r.Title, len(checks))
		if len(checks) == 0 {
			fmt.Fprintln(stdout, "    NO SCENARIO CHECKS THIS RULE")
			missing++
		}
		for _, s := range checks {
			fmt.Fprintf(stdout, "    %s:%d  %s\n", s.Feature, s.Line, s.Name)
		}
	}
	if missing > 0 {
		fmt.Fprintf(stdout, "\n%d required rules have no scenario\n", missing)
		return 1
	}
	return 0
}
