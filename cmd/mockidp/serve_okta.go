package main

// The Okta org of mockidp serve: --vendor okta serves an Okta org on
// --addr instead of an Auth0 tenant; --okta-addr serves one beside the
// Auth0 tenant, on its own address. Either org is an Okta org file
// (vendor: okta) or, without one, a new org: the authorization server
// default with Okta's system scopes and a default policy allowing every
// client. MOCKIDP_OKTA_API_TOKEN makes "Authorization: SSWS <token>" valid
// for its admin API.

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

	"github.com/consentry/consentry/mockidp/config"
	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/store/oktamem"
	"github.com/consentry/consentry/mockidp/store/sqlstore"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tlsca"
)

// vendorOkta is config.VendorOkta, for serve.go.
const vendorOkta = config.VendorOkta

// envOktaAPIToken is the admin API's SSWS token.
const envOktaAPIToken = "MOCKIDP_OKTA_API_TOKEN"

// oktaFlags are the serve flags of the Okta org.
type oktaFlags struct {
	vendor string // auth0 or okta: what --addr serves
	addr   string // --okta-addr: an Okta org beside the Auth0 tenant
	config string // --okta-config: its org file
	url    string // --okta-url: its org URL
	token  string // from the environment; never printed
}

func (k *oktaFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&k.vendor, "vendor", "", "")
	fs.StringVar(&k.addr, "okta-addr", "", "")
	fs.StringVar(&k.config, "okta-config", "", "")
	fs.StringVar(&k.url, "okta-url", "", "")
}

// check settles the vendor (from --config's vendor key when --vendor is
// not given) and the flags' combinations.
func (k *oktaFlags) check(o *serveOptions) error {
	k.token = os.Getenv(envOktaAPIToken)
	switch k.vendor {
	case "", config.VendorAuth0, config.VendorOkta:
	default:
		return fmt.Errorf("serve: --vendor %q: want auth0 or okta", k.vendor)
	}
	if o.configPath != "" {
		data, err := os.ReadFile(o.configPath)
		if err != nil {
			return fmt.Errorf("serve: tenant file: %w", err)
		}
		v, err := config.Vendor(data)
		if err != nil {
			return fmt.Errorf("serve: %s: %v", o.configPath, err)
		}
		if k.vendor != "" && k.vendor != v {
			return fmt.Errorf("serve: --vendor %s but %s is an %s file", k.vendor, o.configPath, v)
		}
		k.vendor = v
	}
	if k.vendor == "" {
		k.vendor = config.VendorAuth0
	}
	switch {
	case k.vendor == config.VendorOkta && (k.addr != "" || k.config != "" || k.url != ""):
		return errors.New("serve: --okta-addr, --okta-config and --okta-url add an Okta org beside an Auth0 tenant; with --vendor okta use --addr, --config and --issuer")
	case k.addr == "" && (k.config != "" || k.url != ""):
		return errors.New("serve: --okta-config and --okta-url need --okta-addr")
	case k.vendor == config.VendorOkta && o.demo:
		return errors.New("serve: --demo serves the Auth0 demo app; it has no Okta org version")
	}
	if k.vendor == config.VendorOkta && o.mgmtID != "" {
		return fmt.Errorf("serve: %s is for the Auth0 Management API; the Okta admin API takes %s", envMgmtClientID, envOktaAPIToken)
	}
	urls := []string{k.url}
	if k.vendor == config.VendorOkta {
		urls = append(urls, o.issuer)
	}
	for _, s := range urls {
		if u, err := url.Parse(s); s != "" && (err != nil || (u.Path != "" && u.Path != "/")) {
			return fmt.Errorf("serve: Okta org URL %q must have no path", s)
		}
	}
	if k.url != "" {
		u, err := url.Parse(k.url)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("serve: --okta-url %q: want an absolute http:// or https:// URL", k.url)
		}
		if o.tls && u.Scheme != "https" {
			return fmt.Errorf("serve: --okta-url %q is http:// but --tls serves https://", k.url)
		}
	}
	return nil
}

// oktaOrg is an Okta org being served.
type oktaOrg struct {
	url   string
	hs    *http.Server
	ln    net.Listener
	close func() // the store
}

// oktaTLS is what --tls gives the Okta org: the server configuration of the
// local CA and the file a client trusts.
type oktaTLS struct {
	config *tls.Config
	caFile string
}

// oktaTLSHosts are the host names the certificate must carry for an org on
// addr at orgURL ("" for the default, http(s)://<addr>).
func oktaTLSHosts(addr, orgURL string) []string {
	var hosts []string
	if u, err := url.Parse(orgURL); orgURL != "" && err == nil && u.Hostname() != "" {
		hosts = append(hosts, u.Hostname())
	}
	if h, _, err := net.SplitHostPort(addr); err == nil && h != "" {
		if ip := net.ParseIP(h); ip == nil || !ip.IsUnspecified() {
			hosts = append(hosts, h)
		}
	}
	return hosts
}

// oktaStore is the org's store and what the banner says of it.
type oktaStore struct {
	org      okta.Store
	keys     tenant.Store    // nil: keys in memory
	sessions session.Store   // nil: in memory
	sql      *sqlstore.Store // nil in memory
	name     string          // the org's name from the file, for the pages
	line     string          // the banner's store line
	fileLine string          // what became of the org file
}

// openOktaStore opens the org's store (--data DIR: DIR/okta.db; --store
// postgres://...: the schema okta of that database; else memory) and seeds
// it from the org file: in memory on every start, in a durable store on its
// first start or with --reseed.
func openOktaStore(ctx context.Context, o *serveOptions, configPath string) (*oktaStore, error) {
	var file *config.OktaFile
	if configPath != "" {
		f, err := config.LoadOkta(configPath)
		if err != nil {
			return nil, err
		}
		file = f
	}
	name := ""
	var apply func(context.Context, okta.Store) error
	if file != nil {
		name = file.Org.Name
		apply = func(ctx context.Context, st okta.Store) error { return file.Apply(ctx, st, o.passwordCost, time.Now()) }
	}
	if o.dataDir == "" && o.storeURL == "" {
		st := oktamem.New()
		if apply != nil {
			if err := apply(ctx, st); err != nil {
				return nil, err
			}
		}
		src := "a new org (no --config)"
		if configPath != "" {
			src = configPath
		}
		return &oktaStore{org: st, name: name, line: "memory (lost when mockidp stops; --data DIR keeps it)", fileLine: src}, nil
	}
	var st *sqlstore.Store
	var err error
	ks := &oktaStore{name: name}
	if o.dataDir != "" {
		if st, err = sqlstore.OpenOktaDir(ctx, o.dataDir); err != nil {
			return nil, fmt.Errorf("--data %s: %s", o.dataDir, oneLine(err))
		}
		path := st.Source()
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		ks.line = "SQLite " + path + " (kept across restarts)"
	} else {
		if st, err = sqlstore.OpenOktaPostgres(ctx, o.storeURL); err != nil {
			return nil, fmt.Errorf("--store: %s", oneLine(err))
		}
		ks.line = "PostgreSQL " + st.Source() + " (shared by every mockidp on it)"
	}
	ks.sql, ks.org, ks.keys, ks.sessions = st, st.Okta(), st, st.Sessions(nil, session.Limits{})
	err = st.Exclusive(ctx, func() error {
		seeded, origin, err := st.SeedOkta(ctx, configPath, o.reseed && configPath != "", apply)
		if err != nil {
			return err
		}
		ks.fileLine = oktaFileLine(configPath, seeded, origin)
		return nil
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	return ks, nil
}

// oktaFileLine says what became of the org file on a durable store.
func oktaFileLine(configPath string, seeded bool, o sqlstore.Origin) string {
	from := "a new org"
	if o.Source != "" {
		from = o.Source
	}
	switch {
	case seeded && configPath != "":
		return configPath + ", loaded into the store: later starts keep what the store holds"
	case seeded:
		return "a new org (no --config); the store keeps what you add"
	case configPath != "":
		return fmt.Sprintf("%s not loaded: the store already holds the org (seeded from %s on %s); --reseed replaces it with the file",
			configPath, from, o.At.UTC().Format(time.DateTime+" UTC"))
	default:
		return fmt.Sprintf("the store's org (seeded from %s on %s)", from, o.At.UTC().Format(time.DateTime+" UTC"))
	}
}

// startOkta listens on addr and serves the org of configPath (a new org
// when empty) at orgURL (http(s)://<addr> when empty), over TLS when tl is
// not nil.
func startOkta(ctx context.Context, o *serveOptions, addr, configPath, orgURL string, tl *oktaTLS, log *slog.Logger, stdout io.Writer) (*oktaOrg, error) {
	st, err := openOktaStore(ctx, o, configPath)
	if err != nil {
		return nil, err
	}
	closeStore := func() {
		if st.sql != nil {
			st.sql.Close()
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		closeStore()
		return nil, fmt.Errorf("cannot listen on %s: %v", addr, unwrapOpError(err))
	}
	scheme := "http"
	if tl != nil {
		scheme = "https"
	}
	if orgURL == "" {
		orgURL = defaultIssuer(scheme, addr, ln.Addr())
	}
	orgURL = strings.TrimSuffix(orgURL, "/")
	var srv *server.OktaServer
	build := func() (err error) {
		srv, err = server.NewOkta(ctx, server.OktaOptions{OrgURL: orgURL, Store: st.org, KeyStore: st.keys, Sessions: st.sessions,
			APIToken: o.okta.token, OrgName: st.name, Logger: log.With("org", "okta"), PasswordCost: o.passwordCost, HSTS: tl != nil})
		if err == nil {
			err = srv.Keys().Wait() // replicas: the keys are stored before the next one starts
		}
		return err
	}
	if st.sql != nil {
		err = st.sql.Exclusive(ctx, build) // replicas seed the default server one at a time
	} else {
		err = build()
	}
	if err != nil {
		ln.Close()
		closeStore()
		return nil, err
	}
	if tl != nil {
		ln = tls.NewListener(ln, tl.config)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: timeouts.readHeader,
		ReadTimeout:       timeouts.read,
		WriteTimeout:      timeouts.write,
		IdleTimeout:       timeouts.idle,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	org := &oktaOrg{url: orgURL, hs: hs, ln: ln, close: closeStore}
	caFile := ""
	if tl != nil {
		caFile = tl.caFile
	}
	printOktaBanner(ctx, stdout, org, st, caFile, o.okta.token != "")
	log.Info("listening", "addr", ln.Addr().String(), "okta_org", orgURL, "tls", tl != nil)
	return org, nil
}

func (g *oktaOrg) serve() error { return g.hs.Serve(g.ln) }

func (g *oktaOrg) shutdown(ctx context.Context) error {
	err := g.hs.Shutdown(ctx)
	g.close()
	return err
}

// serveOktaOnly is mockidp serve --vendor okta: one Okta org on --addr.
func serveOktaOnly(ctx context.Context, o *serveOptions, log *slog.Logger, stdout, stderr io.Writer) int {
	var tl *oktaTLS
	if o.tls {
		var err error
		if tl, err = newOktaTLS(o, oktaTLSHosts(o.addr, o.issuer)); err != nil {
			fmt.Fprintf(stderr, "mockidp: %v\n", err)
			return exitUsage
		}
	}
	g, err := startOkta(ctx, o, o.addr, o.configPath, o.issuer, tl, log, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "mockidp: %v\n", err)
		return exitUsage
	}
	served := make(chan error, 1)
	go func() { served <- g.serve() }()
	fmt.Fprintln(stdout, "Press Ctrl+C to stop.")
	select {
	case err := <-served:
		fmt.Fprintf(stderr, "mockidp: server stopped: %v\n", err)
		return exitError
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := g.shutdown(shutCtx); err != nil {
		fmt.Fprintf(stderr, "mockidp: shutdown: %v\n", err)
		return exitError
	}
	return exitOK
}

// newOktaTLS makes the local CA for hosts and writes its certificate to
// --ca-cert.
func newOktaTLS(o *serveOptions, hosts []string) (*oktaTLS, error) {
	ca, err := tlsca.New(hosts)
	if err != nil {
		return nil, err
	}
	caFile, err := filepath.Abs(o.caCert)
	if err != nil {
		caFile = o.caCert
	}
	if err := ca.WriteCertPEM(caFile); err != nil {
		return nil, fmt.Errorf("--ca-cert: %v", err)
	}
	return &oktaTLS{config: ca.TLSConfig(), caFile: caFile}, nil
}

// printOktaBanner tells a person where the org is, where it is kept and
// what it holds. It never prints a secret: it says where they are.
func printOktaBanner(ctx context.Context, w io.Writer, g *oktaOrg, st *oktaStore, caFile string, hasToken bool) {
	kept := "kept in memory"
	switch {
	case st.sql != nil && st.sql.Engine() == "sqlite":
		kept = "kept in SQLite"
	case st.sql != nil:
		kept = "kept in PostgreSQL"
	}
	fmt.Fprintf(w, "mockidp: Okta org %s (%s)\n", g.url, kept)
	fmt.Fprintf(w, "  org file    %s\n", st.fileLine)
	fmt.Fprintf(w, "  store       %s\n", st.line)
	if caFile != "" {
		fmt.Fprintf(w, "  TLS CA      %s (trust it: SSL_CERT_FILE=FILE, curl --cacert FILE, NODE_EXTRA_CA_CERTS=FILE)\n", caFile)
	}
	fmt.Fprintf(w, "  authorization server default: issuer %s/oauth2/default\n", g.url)
	fmt.Fprintf(w, "    discovery %s/oauth2/default/.well-known/openid-configuration\n", g.url)
	if hasToken {
		fmt.Fprintf(w, "  admin API   %s/api/v1 (Authorization: SSWS <the token in %s>)\n", g.url, envOktaAPIToken)
	} else {
		fmt.Fprintf(w, "  admin API   %s/api/v1 is closed: set %s to open it\n", g.url, envOktaAPIToken)
	}
	org := st.org
	if servers, err := org.ListAuthServers(ctx); err == nil {
		for _, s := range servers {
			if !s.Default {
				fmt.Fprintf(w, "  authorization server %s: issuer %s\n", s.Name, s.Issuer(g.url))
			}
		}
	}
	if apps, err := org.ListApps(ctx); err == nil {
		for _, a := range apps {
			fmt.Fprintf(w, "  app %-24q client_id %s (%s, consent_method %s)\n", a.Label, a.ClientID(), a.Settings.OAuthClient.ApplicationType, a.Settings.OAuthClient.ConsentMethod)
		}
	}
	if users, err := org.ListUsers(ctx); err == nil {
		for _, u := range users {
			fmt.Fprintf(w, "  user %s\n", u.Profile.Login)
		}
	}
}
