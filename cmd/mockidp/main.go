// Command mockidp runs the consentry mock identity provider: an OAuth 2.0 /
// OpenID Connect server that reproduces Auth0's user-consent behaviour for
// one tenant, loaded from a YAML file or empty, in memory (the default), in
// an SQLite file (--data DIR) or in PostgreSQL (--store postgres://...).
//
//	mockidp serve --addr 127.0.0.1:8080 --config testdata/tenants/demo.yaml
//	mockidp serve --data ~/.mockidp --config testdata/tenants/demo.yaml
//	mockidp serve --tls            # HTTPS with a throwaway CA in mockidp-ca.pem
//	mockidp loadtest --flow client_credentials --client-id ID --audience API
//	mockidp version
//	mockidp help
//
// This is the only place that wires the store, the tenant file, the TLS CA
// and the server together.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
)

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the server failed while running
	exitUsage = 2 // bad flags, a bad tenant file, an unusable address
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// otherwise it comes from the module's build information.
var version = ""

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run runs the command line args (without the program name) and returns the
// exit code. It serves until ctx is cancelled.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		return serve(ctx, rest, stdout, stderr)
	case "loadtest":
		return loadtestCmd(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "mockidp %s (%s)\n", versionString(), runtime.Version())
		return exitOK
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "mockidp: unknown command %q (the commands are serve, loadtest, version and help)\n", cmd)
		return exitUsage
	}
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

const usage = `mockidp: the consentry mock identity provider (Auth0's consent behaviour).

Usage:
  mockidp serve [flags]   serve one tenant over HTTP(S)
  mockidp loadtest [flags]
                          drive an IdP (this one or any other) and report
                          req/s, p50/p90/p99 latency and errors
  mockidp version         print the version
  mockidp help            print this help

Serve flags:
  --addr HOST:PORT        where to listen (default 127.0.0.1:8080; port 0 picks a free one)
  --config FILE           the tenant file (YAML); without it the tenant is empty
  --issuer URL            the issuer, ending with "/" (default http(s)://<addr>/)
  --demo                  serve the demo app at <issuer>demo/ (it registers its
                          callback on the demo tenant's clients)
  --tls                   serve HTTPS with a throwaway local CA
  --ca-cert FILE          where --tls writes the CA certificate (default mockidp-ca.pem)
  --password-cost N       bcrypt cost for user passwords, 4 to 31 (default: the
                          tenant file's password_cost, else 10)
  --data DIR              keep the tenant in DIR (SQLite): changes, keys and
                          grants survive restarts; --config seeds it once
                          (an Okta org: DIR/okta.db)
  --store URL             keep the tenant in PostgreSQL (postgres://...):
                          every mockidp on one database serves one tenant
                          (an Okta org: the schema okta)
  --reseed                replace the stored tenant (Okta org) with the file
                          of --config (--okta-config); the signing keys stay
  --log-level LEVEL       debug, info, warn or error (default info)
  --vendor auth0|okta     what --addr serves: an Auth0 tenant or an Okta org
                          (default: the --config file's vendor key, else auth0);
                          for okta, --issuer is the org URL (no path)
  --okta-addr HOST:PORT   also serve an Okta org on this address, beside the
                          Auth0 tenant on --addr
  --okta-config FILE      that org's file (vendor: okta); without it a new org
                          (server default, system scopes, allow-all policy)
  --okta-url URL          that org's URL (default http(s)://<okta-addr>)

` + loadtestUsage + `
Environment:
  MOCKIDP_MGMT_CLIENT_ID, MOCKIDP_MGMT_CLIENT_SECRET
                          both set: a Management API client with every
                          management scope on <issuer>api/v2/
  MOCKIDP_OKTA_API_TOKEN  makes "Authorization: SSWS <token>" valid for the
                          Okta org's admin API (/api/v1)

Bad flags, a bad tenant file or an unusable address print one line on
stderr and exit with status 2. SIGINT or SIGTERM stop the server gracefully.
`
