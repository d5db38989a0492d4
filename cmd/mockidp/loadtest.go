package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/consentry/consentry/mockidp/loadtest"
)

// Environment variables the loadtest command reads secrets from, so they
// need not be on the command line (where ps shows them).
const (
	envLoadtestSecret   = "MOCKIDP_LOADTEST_CLIENT_SECRET"
	envLoadtestPassword = "MOCKIDP_LOADTEST_PASSWORD"
)

const loadtestUsage = `Loadtest flags:
  --url URL               the IdP's issuer or discovery URL (default http://127.0.0.1:8080/)
  --flow FLOW             client_credentials, code or exchange
  --concurrency N         clients at once (default 8)
  --duration D            how long to run, e.g. 10s (default 10s, or no limit with --requests)
  --requests N            stop after N operations (default: no limit); alone, the run
                          lasts until all N are done (Ctrl+C stops it)
  --client-id ID          the client (every flow)
  --client-secret SECRET  its secret (or $MOCKIDP_LOADTEST_CLIENT_SECRET)
  --audience A, --scope S sent with every request
  --resource R            sent as RFC 8707's resource (IdPs that name APIs so)
  --redirect-uri URI      code flow: a callback of the client (never requested)
  --user U, --password P  code flow: the user who logs in (or $MOCKIDP_LOADTEST_PASSWORD)
  --prompt consent        code flow: show the consent page every time
  --subject-token T       exchange: the user's access token to exchange
  --subject-token-file F  exchange: read it from a file
  --allow-remote          allow a target that is not on a loopback address
  --json                  print the result as JSON
`

// errLoadtestHelp is parseLoadtestFlags's answer to --help.
var errLoadtestHelp = errors.New("help")

// parseLoadtestFlags turns the loadtest flags into a run's Config (and
// whether to print JSON); its errors are usage errors, worded for the
// command line.
func parseLoadtestFlags(args []string) (cfg loadtest.Config, asJSON bool, err error) {
	var tokenFile string
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080/", "")
	fs.StringVar(&cfg.Flow, "flow", "", "")
	fs.IntVar(&cfg.Concurrency, "concurrency", 8, "")
	fs.DurationVar(&cfg.Duration, "duration", 0, "")
	fs.IntVar(&cfg.Requests, "requests", 0, "")
	fs.StringVar(&cfg.ClientID, "client-id", "", "")
	fs.StringVar(&cfg.ClientSecret, "client-secret", os.Getenv(envLoadtestSecret), "")
	fs.StringVar(&cfg.Audience, "audience", "", "")
	fs.StringVar(&cfg.Scope, "scope", "", "")
	fs.StringVar(&cfg.Resource, "resource", "", "")
	fs.StringVar(&cfg.RedirectURI, "redirect-uri", "", "")
	fs.StringVar(&cfg.Username, "user", "", "")
	fs.StringVar(&cfg.Password, "password", os.Getenv(envLoadtestPassword), "")
	fs.StringVar(&cfg.Prompt, "prompt", "", "")
	fs.StringVar(&cfg.SubjectToken, "subject-token", "", "")
	fs.StringVar(&tokenFile, "subject-token-file", "", "")
	fs.BoolVar(&cfg.AllowRemote, "allow-remote", false, "")
	fs.BoolVar(&asJSON, "json", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return cfg, false, errLoadtestHelp
		}
		return cfg, false, fmt.Errorf("%v (run \"mockidp help\" for the flags)", err)
	}
	if fs.NArg() > 0 {
		return cfg, false, fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	if cfg.Flow == "" {
		return cfg, false, fmt.Errorf("--flow is required: %s", strings.Join(loadtest.Flows, ", "))
	}
	durationSet := false
	fs.Visit(func(f *flag.Flag) { durationSet = durationSet || f.Name == "duration" })
	if cfg.Concurrency < 1 || (durationSet && cfg.Duration <= 0) || cfg.Requests < 0 {
		return cfg, false, errors.New("--concurrency and --duration must be positive, --requests not negative")
	}
	// An unset --duration stays 0: loadtest.Run's default, no clock with
	// --requests, else 10 seconds.
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			return cfg, false, fmt.Errorf("--subject-token-file: %v", err)
		}
		cfg.SubjectToken = strings.TrimSpace(string(b))
	}
	if cfg.Prompt != "" && cfg.Flow != loadtest.FlowCode {
		return cfg, false, errors.New("--prompt is for the code flow")
	}
	return cfg, asJSON, nil
}

// loadtestCmd runs "mockidp loadtest".
func loadtestCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "mockidp: loadtest: "+format+"\n", a...)
		return code
	}
	cfg, asJSON, err := parseLoadtestFlags(args)
	if errors.Is(err, errLoadtestHelp) {
		fmt.Fprint(stdout, loadtestUsage)
		return exitOK
	}
	if err != nil {
		return fail(exitUsage, "%v", err)
	}

	res, err := loadtest.Run(ctx, cfg)
	if err != nil {
		if ctx.Err() != nil {
			return fail(exitError, "interrupted")
		}
		return fail(exitUsage, "%v", err)
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(jsonResult(res)); err != nil {
			return fail(exitError, "%v", err)
		}
	} else if err := res.Print(stdout, cfg.URL); err != nil {
		return fail(exitError, "%v", err)
	}
	if res.OK == 0 {
		return exitError // nothing worked: a script must notice
	}
	return exitOK
}

// jsonSummary is a Summary in milliseconds.
type jsonSummary struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean_ms"`
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
}

func toJSONSummary(s loadtest.Summary) jsonSummary {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return jsonSummary{N: s.N, Mean: ms(s.Mean), P50: ms(s.P50), P90: ms(s.P90), P99: ms(s.P99), Max: ms(s.Max)}
}

func jsonResult(r *loadtest.Result) any {
	steps := map[string]jsonSummary{}
	for _, s := range r.Steps {
		steps[s.Name] = toJSONSummary(s.Summary)
	}
	return struct {
		Flow         string                 `json:"flow"`
		Concurrency  int                    `json:"concurrency"`
		Seconds      float64                `json:"seconds"`
		OK           int                    `json:"ok"`
		Errors       int                    `json:"errors"`
		CutOff       int                    `json:"cut_off"`
		ErrorKinds   map[string]int         `json:"error_kinds"`
		HTTPRequests int                    `json:"http_requests"`
		Rate         float64                `json:"rate_per_s"`
		Latency      jsonSummary            `json:"latency"`
		Steps        map[string]jsonSummary `json:"steps,omitempty"`
	}{r.Flow, r.Concurrency, r.Elapsed.Seconds(), r.OK, r.Errors, r.CutOff, r.ErrorKinds, r.HTTPRequests, r.Rate(),
		toJSONSummary(r.Latency), steps}
}
