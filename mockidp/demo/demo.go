// Package demo is a small OAuth client application that the mock IdP serves
// itself, under <issuer>demo/, for the demo tenant: one click starts each
// consent flow of the README's "Try it" (first-party skip, consent for a
// first- and a third-party app, the loopback login confirmation, a decline
// under both redirection policies, prompt=consent), and its callback shows
// the code, redeems it at the token endpoint, and shows the decoded and
// verified ID and access tokens and the user's grants.
//
// It is an ordinary confidential client of the tenant: it registers its
// callback on the demo clients when it starts (they are the ones the banner
// lists), sends PKCE (S256), state and nonce, and talks to the IdP's token
// endpoint, discovery and JWKS over HTTP, in process, so it works whatever
// the issuer (a path prefix, --tls, a name nobody resolves).
//
// The verifiable callback of a loopback issuer is on app.localhost (same
// port): a subdomain of .localhost is verifiable (spec section 0) and
// browsers resolve it to the loopback address, so first-party apps can skip
// consent; the non-verifiable one is the issuer's own host.
package demo

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/consentry/consentry/mockidp/tenant"
)

//go:embed templates/*.html
var templateFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	"join": strings.Join,
}).ParseFS(templateFS, "templates/*.html"))

// Path is where the app is mounted, under the issuer.
const Path = "demo/"

// pendingTTL is how long a started flow waits for its callback.
const pendingTTL = 10 * time.Minute

// Callback kinds a flow uses.
const (
	verifiable    = "verifiable"
	nonVerifiable = "loopback"
)

// Flow is one thing the demo starts with one click.
type Flow struct {
	ID       string
	Title    string
	Rules    string // the spec's rule IDs the flow shows
	ClientID string
	Audience string
	Scope    string
	Prompt   string
	Callback string // verifiable or loopback
	// Expect says what the user will see, step by step.
	Expect string

	// Set by New: the callback URL and why the flow cannot run ("" if it can).
	RedirectURI string
	Problem     string
	ClientName  string
}

// flows are the README's "Try it", in the order a newcomer would try them.
var flows = []Flow{
	{ID: "first-party-skip", Title: "First-party app, API that skips consent", Rules: "C4",
		ClientID: "demo-web-app", Audience: "https://calendar.example.com", Scope: "openid profile email read:events offline_access", Callback: verifiable,
		Expect: "Log in; no consent page: the code comes straight back (first-party app, an API that allows skipping, a verifiable callback). No grant is recorded."},
	{ID: "first-party-consent", Title: "First-party app, API that never skips consent", Rules: "C3, C7",
		ClientID: "demo-web-app", Audience: "https://social.example.com", Scope: "openid profile read:posts write:posts", Callback: verifiable,
		Expect: "Log in, then the consent page lists the scopes grouped per resource. Accept: the grant is recorded, and the next run skips the page (C2)."},
	{ID: "third-party-consent", Title: "Third-party app (strict)", Rules: "C1, K2",
		ClientID: "tpc_demo-partner-app", Audience: "https://social.example.com", Scope: "read:posts write:posts", Callback: verifiable,
		Expect: "Log in, then the consent page for Partner App. A strict third-party client asks for no OIDC scopes, so there is no ID token; it must use PKCE."},
	{ID: "loopback-confirmation", Title: "Loopback callback: login confirmation", Rules: "C6",
		ClientID: "demo-web-app", Audience: "https://calendar.example.com", Scope: "openid profile read:events", Callback: nonVerifiable,
		Expect: "Run another flow first to be logged in: then this one shows the login confirmation page (a non-verifiable callback on a loopback host), with no scope lines. Had the login page been shown, it would count as the confirmation."},
	{ID: "decline-strict", Title: "Decline, strict third-party (open_redirect_protection)", Rules: "D1, K3",
		ClientID: "tpc_demo-partner-app", Audience: "https://social.example.com", Scope: "read:posts", Prompt: "consent", Callback: verifiable,
		Expect: "Press Decline on the consent page: the IdP shows its own error page (access_denied) and never comes back here, because the client's redirection policy protects against open redirects."},
	{ID: "decline-permissive", Title: "Decline, permissive third-party (allow_always)", Rules: "D2",
		ClientID: "demo-community-plugin", Audience: "https://social.example.com", Scope: "openid read:posts", Prompt: "consent", Callback: verifiable,
		Expect: "Press Decline on the consent page: you come back here with error=access_denied."},
	{ID: "prompt-consent", Title: "prompt=consent on a first-party app", Rules: "C5",
		ClientID: "demo-web-app", Audience: "https://calendar.example.com", Scope: "openid profile read:events", Prompt: "consent", Callback: verifiable,
		Expect: "The consent page appears even though this first-party app would skip it: prompt=consent forces it every time."},
}

// Config configures the app.
type Config struct {
	// Issuer is the tenant's issuer, ending with "/".
	Issuer string
	// Store is the tenant: the app reads its clients' secrets and the user's
	// grants, and registers its callbacks.
	Store tenant.Store
	// Backend is the IdP's handler: the app's requests to the token
	// endpoint, discovery and JWKS are served by it in process.
	Backend http.Handler
	Logger  *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// App is the demo application.
type App struct {
	cfg   Config
	log   *slog.Logger
	flows []Flow
	http  *http.Client

	mu      sync.Mutex
	pending map[string]*pending // by state
}

// pending is a flow waiting for its callback.
type pending struct {
	flow     *Flow
	verifier string
	nonce    string
	started  time.Time
}

// New prepares the app and registers its callbacks on the demo clients the
// tenant has (a flow whose client is missing is listed as unavailable).
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Store == nil || cfg.Backend == nil {
		return nil, errors.New("demo: a store and a backend are required")
	}
	iss, err := url.Parse(cfg.Issuer)
	if err != nil || !strings.HasSuffix(cfg.Issuer, "/") {
		return nil, fmt.Errorf("demo: issuer %q must be an absolute URL ending with /", cfg.Issuer)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	a := &App{cfg: cfg, log: cfg.Logger, pending: map[string]*pending{},
		http: &http.Client{Transport: inProcess{cfg.Backend}, Timeout: 30 * time.Second}}
	callbacks := callbackURLs(iss)
	for _, f := range flows {
		f.RedirectURI = callbacks[f.Callback]
		if f.RedirectURI == "" {
			f.Problem = "needs an issuer on a loopback address (localhost, 127.0.0.1)"
		} else if name, err := a.register(ctx, f.ClientID, f.RedirectURI); err != nil {
			f.Problem = err.Error()
		} else {
			f.ClientName = name
		}
		a.flows = append(a.flows, f)
	}
	return a, nil
}

// URL is the app's start page.
func (a *App) URL() string { return a.cfg.Issuer + Path }

// Mount adds the app's routes to r (the IdP's router, below the issuer's
// path).
func (a *App) Mount(r chi.Router) {
	r.Get("/demo", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, a.cfg.Issuer+Path, http.StatusMovedPermanently)
	})
	r.Get("/demo/", a.index)
	r.Get("/demo/start/{flow}", a.start)
	r.Get("/demo/callback", a.callback)
}

// callbackURLs are the app's callbacks for an issuer: the verifiable one
// and the non-verifiable (loopback) one.
func callbackURLs(iss *url.URL) map[string]string {
	host := strings.ToLower(iss.Hostname())
	ip := net.ParseIP(host)
	loopback := host == "localhost" || (ip != nil && ip.IsLoopback())
	withHost := func(h string) string {
		u := *iss
		if p := iss.Port(); p != "" {
			h = net.JoinHostPort(h, p)
		}
		u.Host = h
		return u.String() + Path + "callback"
	}
	out := map[string]string{}
	if loopback {
		out[verifiable] = withHost("app.localhost")
		out[nonVerifiable] = iss.String() + Path + "callback"
	} else {
		out[verifiable] = iss.String() + Path + "callback"
	}
	return out
}

// register adds redirectURI to the client's callbacks and the app's page to
// its logout URLs, and returns the client's name.
func (a *App) register(ctx context.Context, clientID, redirectURI string) (string, error) {
	c, err := a.cfg.Store.GetClient(ctx, clientID)
	if errors.Is(err, tenant.ErrNotFound) {
		return "", fmt.Errorf("the tenant has no client %s (start the mock with the demo tenant)", clientID)
	} else if err != nil {
		return "", err
	}
	changed := false
	if !slices.Contains(c.Callbacks, redirectURI) {
		c.Callbacks = append(c.Callbacks, redirectURI)
		changed = true
	}
	if !slices.Contains(c.AllowedLogoutURLs, a.URL()) {
		c.AllowedLogoutURLs = append(c.AllowedLogoutURLs, a.URL())
		changed = true
	}
	if changed {
		if err := a.cfg.Store.UpdateClient(ctx, c); err != nil {
			return "", fmt.Errorf("register the demo callback on %s: %w", clientID, err)
		}
		a.log.Debug("demo callback registered", "client", clientID, "callback", redirectURI)
	}
	return c.Name, nil
}

func (a *App) flow(id string) *Flow {
	for i := range a.flows {
		if a.flows[i].ID == id {
			return &a.flows[i]
		}
	}
	return nil
}

func (a *App) index(w http.ResponseWriter, r *http.Request) {
	a.render(w, http.StatusOK, "index.html", map[string]any{
		"Issuer": a.cfg.Issuer, "Flows": a.flows, "Base": a.cfg.Issuer + Path,
		"Logout": a.cfg.Issuer + "v2/logout?" + url.Values{"client_id": {"demo-web-app"}, "returnTo": {a.URL()}}.Encode(),
	})
}

// start begins a flow: it remembers state, the PKCE verifier and the nonce,
// and sends the browser to /authorize.
func (a *App) start(w http.ResponseWriter, r *http.Request) {
	f := a.flow(chi.URLParam(r, "flow"))
	if f == nil {
		a.render(w, http.StatusNotFound, "result.html", &result{Problem: "There is no demo flow " + chi.URLParam(r, "flow") + ".", Base: a.URL()})
		return
	}
	if f.Problem != "" {
		a.render(w, http.StatusConflict, "result.html", &result{Flow: f, Problem: "This flow cannot run here: " + f.Problem + ".", Base: a.URL()})
		return
	}
	p := &pending{flow: f, verifier: randomString(32), nonce: randomString(16), started: a.cfg.Now()}
	state := randomString(16)
	a.mu.Lock()
	for s, old := range a.pending {
		if a.cfg.Now().Sub(old.started) > pendingTTL {
			delete(a.pending, s)
		}
	}
	a.pending[state] = p
	a.mu.Unlock()

	q := url.Values{"client_id": {f.ClientID}, "redirect_uri": {f.RedirectURI}, "response_type": {"code"},
		"scope": {f.Scope}, "audience": {f.Audience}, "state": {state},
		"code_challenge": {s256(p.verifier)}, "code_challenge_method": {"S256"}}
	if strings.Contains(" "+f.Scope+" ", " openid ") {
		q.Set("nonce", p.nonce)
	}
	if f.Prompt != "" {
		q.Set("prompt", f.Prompt)
	}
	http.Redirect(w, r, a.cfg.Issuer+"authorize?"+q.Encode(), http.StatusFound)
}

func (a *App) render(w http.ResponseWriter, status int, name string, data any) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer") // the callback's URL carries the code
	var sb strings.Builder
	if err := templates.ExecuteTemplate(&sb, name, data); err != nil {
		a.log.Error("demo template", "template", name, "err", err)
		http.Error(w, "demo: cannot render the page", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(sb.String()))
}
