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
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/consentry/consentry/mockidp/config"
	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/store/oktamem"
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
	okta := k.vendor == config.VendorOkta || k.addr != ""
	switch {
	case k.vendor == config.VendorOkta && (k.addr != "" || k.config != "" || k.url != ""):
		return errors.New("serve: --okta-addr, --okta-config and --okta-url add an Okta org beside an Auth0 tenant; with --vendor okta use --addr, --config and --issuer")
	case k.addr == "" && (k.config != "" || k.url != ""):
		return errors.New("serve: --okta-config and --okta-url need --okta-addr")
	case k.vendor == config.VendorOkta && (o.dataDir != "" || o.storeURL != ""):
		return errors.New("serve: --data and --store do not cover the Okta org yet: it is kept in memory (drop them, or serve an Auth0 tenant)")
	case k.vendor == config.VendorOkta && o.demo:
		return errors.New("serve: --demo serves the Auth0 demo app; it has no Okta org version")
	case okta && o.tls:
		return errors.New("serve: --tls does not cover the Okta org yet: serve it over http on localhost")
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
	return nil
}

// oktaOrg is an Okta org being served.
type oktaOrg struct {
	url string
	hs  *http.Server
	ln  net.Listener
}

// startOkta listens on addr and serves the org of configPath (a new org
// when empty) at orgURL (http://<addr> when empty).
func startOkta(ctx context.Context, o *serveOptions, addr, configPath, orgURL string, log *slog.Logger, stdout io.Writer) (*oktaOrg, error) {
	store := oktamem.New()
	name := ""
	if configPath != "" {
		f, err := config.LoadOkta(configPath)
		if err != nil {
			return nil, err
		}
		if err := f.Apply(ctx, store, o.passwordCost, time.Now()); err != nil {
			return nil, err
		}
		name = f.Org.Name
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen on %s: %v", addr, unwrapOpError(err))
	}
	if orgURL == "" {
		orgURL = defaultIssuer("http", addr, ln.Addr())
	}
	orgURL = strings.TrimSuffix(orgURL, "/")
	srv, err := server.NewOkta(ctx, server.OktaOptions{OrgURL: orgURL, Store: store, APIToken: o.okta.token, OrgName: name,
		Logger: log.With("org", "okta"), PasswordCost: o.passwordCost})
	if err != nil {
		ln.Close()
		return nil, err
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
	org := &oktaOrg{url: orgURL, hs: hs, ln: ln}
	printOktaBanner(ctx, stdout, org, configPath, o.okta.token != "", store)
	log.Info("listening", "addr", ln.Addr().String(), "okta_org", orgURL)
	return org, nil
}

func (g *oktaOrg) serve() error { return g.hs.Serve(g.ln) }

func (g *oktaOrg) shutdown(ctx context.Context) error { return g.hs.Shutdown(ctx) }

// serveOktaOnly is mockidp serve --vendor okta: one Okta org on --addr.
func serveOktaOnly(ctx context.Context, o *serveOptions, log *slog.Logger, stdout, stderr io.Writer) int {
	g, err := startOkta(ctx, o, o.addr, o.configPath, o.issuer, log, stdout)
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

// printOktaBanner tells a person where the org is and what it holds. It
// never prints a secret: it says where they are.
func printOktaBanner(ctx context.Context, w io.Writer, g *oktaOrg, configPath string, hasToken bool, st *oktamem.Store) {
	src := "a new org (no --config)"
	if configPath != "" {
		src = configPath
	}
	fmt.Fprintf(w, "mockidp: Okta org %s (%s, kept in memory)\n", g.url, src)
	fmt.Fprintf(w, "  authorization server default: issuer %s/oauth2/default\n", g.url)
	fmt.Fprintf(w, "    discovery %s/oauth2/default/.well-known/openid-configuration\n", g.url)
	if hasToken {
		fmt.Fprintf(w, "  admin API   %s/api/v1 (Authorization: SSWS <the token in %s>)\n", g.url, envOktaAPIToken)
	} else {
		fmt.Fprintf(w, "  admin API   %s/api/v1 is closed: set %s to open it\n", g.url, envOktaAPIToken)
	}
	if servers, err := st.ListAuthServers(ctx); err == nil {
		for _, s := range servers {
			if !s.Default {
				fmt.Fprintf(w, "  authorization server %s: issuer %s\n", s.Name, s.Issuer(g.url))
			}
		}
	}
	if apps, err := st.ListApps(ctx); err == nil {
		for _, a := range apps {
			fmt.Fprintf(w, "  app %-24q client_id %s (%s, consent_method %s)\n", a.Label, a.ClientID(), a.Settings.OAuthClient.ApplicationType, a.Settings.OAuthClient.ConsentMethod)
		}
	}
	if users, err := st.ListUsers(ctx); err == nil {
		for _, u := range users {
			fmt.Fprintf(w, "  user %s\n", u.Profile.Login)
		}
	}
}
