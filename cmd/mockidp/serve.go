package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/tlsca"
)

// Environment variables that bootstrap the Management API client.
const (
	envMgmtClientID     = "MOCKIDP_MGMT_CLIENT_ID"
	envMgmtClientSecret = "MOCKIDP_MGMT_CLIENT_SECRET"
)

// shutdownTimeout bounds the graceful shutdown: open requests get this long.
const shutdownTimeout = 10 * time.Second

// timeouts bound how long a connection may hold the server: a slow client
// (one byte a second, headers or body) is cut off, and idle keep-alive
// connections close. Every endpoint answers in milliseconds, so the figures
// are generous for real clients and short for a slowloris. A variable so
// tests can shrink them.
var timeouts = struct {
	readHeader, read, write, idle time.Duration
}{
	readHeader: 10 * time.Second,
	read:       20 * time.Second,
	write:      30 * time.Second,
	idle:       60 * time.Second,
}

// serveOptions are the serve command's flags and environment.
type serveOptions struct {
	addr         string
	configPath   string
	issuer       string
	tls          bool
	caCert       string
	passwordCost int
	// passwordCostSet: --password-cost was given, so it also overrides the
	// tenant file's password_cost.
	passwordCostSet bool
	demo            bool
	logLevel        slog.Level
	mgmtID          string
	mgmtSecret      string
	dataDir         string // --data: SQLite in this directory
	storeURL        string // --store: PostgreSQL
	reseed          bool
	okta            oktaFlags // serve_okta.go
}

// parseServe reads the serve flags and environment. Its errors are one
// line, fit for the "bad flag" exit.
func parseServe(args []string) (*serveOptions, error) {
	o := &serveOptions{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported by the caller, on one line
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8080", "")
	fs.StringVar(&o.configPath, "config", "", "")
	fs.StringVar(&o.issuer, "issuer", "", "")
	fs.BoolVar(&o.tls, "tls", false, "")
	fs.StringVar(&o.caCert, "ca-cert", "mockidp-ca.pem", "")
	fs.IntVar(&o.passwordCost, "password-cost", credentials.DefaultCost, "")
	fs.BoolVar(&o.demo, "demo", false, "")
	fs.StringVar(&o.dataDir, "data", "", "")
	fs.StringVar(&o.storeURL, "store", "", "")
	fs.BoolVar(&o.reseed, "reseed", false, "")
	level := fs.String("log-level", "info", "")
	o.okta.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("serve: %v (run \"mockidp help\" for the flags)", err)
	}
	fs.Visit(func(f *flag.Flag) { o.passwordCostSet = o.passwordCostSet || f.Name == "password-cost" })
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("serve: unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	switch strings.ToLower(*level) {
	case "debug":
		o.logLevel = slog.LevelDebug
	case "info":
		o.logLevel = slog.LevelInfo
	case "warn", "warning":
		o.logLevel = slog.LevelWarn
	case "error":
		o.logLevel = slog.LevelError
	default:
		return nil, fmt.Errorf("serve: --log-level %q: want debug, info, warn or error", *level)
	}
	if o.passwordCost < credentials.MinCost || o.passwordCost > credentials.MaxCost {
		return nil, fmt.Errorf("serve: --password-cost %d: want %d to %d", o.passwordCost, credentials.MinCost, credentials.MaxCost)
	}
	if o.addr == "" {
		return nil, errors.New("serve: --addr is empty")
	}
	if o.tls && o.caCert == "" {
		return nil, errors.New("serve: --ca-cert is empty")
	}
	if o.issuer != "" {
		iss, err := checkIssuer(o.issuer, o.tls)
		if err != nil {
			return nil, err
		}
		o.issuer = iss
	}
	if err := checkStoreFlags(o); err != nil {
		return nil, err
	}
	o.mgmtID, o.mgmtSecret = os.Getenv(envMgmtClientID), os.Getenv(envMgmtClientSecret)
	if (o.mgmtID == "") != (o.mgmtSecret == "") {
		// Name the variables, never their values.
		set, unset := envMgmtClientID, envMgmtClientSecret
		if o.mgmtID == "" {
			set, unset = unset, set
		}
		return nil, fmt.Errorf("serve: %s is set but %s is not: set both or neither", set, unset)
	}
	if err := o.okta.check(o); err != nil {
		return nil, err
	}
	return o, nil
}

// checkIssuer validates an --issuer and appends the "/" Auth0 issuers end with.
func checkIssuer(s string, useTLS bool) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("serve: --issuer %q: want an absolute http:// or https:// URL", s)
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.Contains(s, "#") {
		return "", fmt.Errorf("serve: --issuer %q: an issuer has no query or fragment", s)
	}
	if useTLS && u.Scheme != "https" {
		return "", fmt.Errorf("serve: --issuer %q is http:// but --tls serves https://", s)
	}
	if !strings.HasSuffix(s, "/") {
		s += "/"
	}
	return s, nil
}

// defaultIssuer is http(s)://<addr>/ with the port actually bound (so that
// port 0 works) and localhost when the address is a wildcard.
func defaultIssuer(scheme, flagAddr string, bound net.Addr) string {
	host, _, _ := net.SplitHostPort(flagAddr)
	_, port, _ := net.SplitHostPort(bound.String())
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return scheme + "://" + net.JoinHostPort(host, port) + "/"
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "mockidp: "+format+"\n", a...)
		return code
	}
	o, err := parseServe(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: o.logLevel}))
	if o.okta.vendor == vendorOkta {
		return serveOktaOnly(ctx, o, log, stdout, stderr)
	}

	// The tenant: the store, seeded from the tenant file.
	tn, err := openTenant(ctx, o)
	if err != nil {
		return fail(exitUsage, "%v", err)
	}
	defer tn.close()
	store := tn.store

	// The address, the issuer and TLS.
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fail(exitUsage, "cannot listen on %s: %v", o.addr, unwrapOpError(err))
	}
	defer ln.Close()
	scheme := "http"
	if o.tls {
		scheme = "https"
	}
	issuer := o.issuer
	if issuer == "" {
		issuer = defaultIssuer(scheme, o.addr, ln.Addr())
	}
	var caFile string
	var oktaTL *oktaTLS // the Okta org beside the tenant shares the CA
	if o.tls {
		var hosts []string
		if u, err := url.Parse(issuer); err == nil && u.Hostname() != "" {
			hosts = append(hosts, u.Hostname())
		}
		if o.demo {
			hosts = append(hosts, "app.localhost") // the demo app's verifiable callback
		}
		if h, _, err := net.SplitHostPort(o.addr); err == nil && h != "" {
			if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
				hosts = append(hosts, h)
			}
		}
		if o.okta.addr != "" { // one CA, one certificate for both
			hosts = append(hosts, oktaTLSHosts(o.okta.addr, o.okta.url)...)
		}
		ca, err := tlsca.New(hosts)
		if err != nil {
			return fail(exitUsage, "%v", err)
		}
		if caFile, err = filepath.Abs(o.caCert); err != nil {
			caFile = o.caCert
		}
		if err := ca.WriteCertPEM(caFile); err != nil {
			return fail(exitUsage, "--ca-cert: %v", err)
		}
		ln = tls.NewListener(ln, ca.TLSConfig())
		oktaTL = &oktaTLS{config: ca.TLSConfig(), caFile: caFile}
	}

	// Replicas on one store bootstrap the tenant (keys, Management API) one
	// at a time.
	var srv *server.Server
	err = tn.exclusive(ctx, func() (err error) {
		srv, err = server.New(ctx, server.Options{
			Issuer:           issuer,
			Store:            store,
			Sessions:         tn.sessions,
			Logger:           log,
			MgmtClientID:     o.mgmtID,
			MgmtClientSecret: o.mgmtSecret,
			PasswordCost:     o.passwordCost,
			HSTS:             o.tls,
			Demo:             o.demo,
		})
		return err
	})
	if err != nil {
		return fail(exitError, "%v", err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: timeouts.readHeader,
		ReadTimeout:       timeouts.read,
		WriteTimeout:      timeouts.write,
		IdleTimeout:       timeouts.idle,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug), // TLS handshake noise
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	served := make(chan error, 2)
	go func() { served <- hs.Serve(ln) }()
	var oktaSide *oktaOrg // --okta-addr: an Okta org beside the tenant
	if o.okta.addr != "" {
		if oktaSide, err = startOkta(ctx, o, o.okta.addr, o.okta.config, o.okta.url, oktaTL, log, stdout); err != nil {
			_ = hs.Close()
			return fail(exitUsage, "%v", err)
		}
		go func() { served <- oktaSide.serve() }()
	}

	if err := printBanner(ctx, stdout, bannerInfo{
		issuer: issuer, configPath: o.configPath, caFile: caFile, mgmtID: o.mgmtID, store: store, demo: o.demo,
		storeLine: tn.storeLine, fileLine: tn.fileLine,
	}); err != nil {
		log.Warn("banner", "err", err)
	}
	log.Info("listening", "addr", ln.Addr().String(), "issuer", issuer, "tls", o.tls)

	select {
	case err := <-served:
		return fail(exitError, "server stopped: %v", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(shutCtx); err != nil {
		return fail(exitError, "shutdown: %v", err)
	}
	if oktaSide != nil {
		if err := oktaSide.shutdown(shutCtx); err != nil {
			return fail(exitError, "shutdown: %v", err)
		}
	}
	return exitOK
}

// unwrapOpError drops the "listen tcp <addr>:" prefix net.Listen repeats.
func unwrapOpError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}
