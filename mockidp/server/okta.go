package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/consentry/consentry/mockidp/consent"
	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/oktaadmin"
	"github.com/consentry/consentry/mockidp/oktaface"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

// OktaOptions configure one mock IdP serving one Okta org: its custom
// authorization servers (mockidp/oktaface) and its admin API
// (mockidp/oktaadmin) behind one http.Handler.
type OktaOptions struct {
	// OrgURL is the org's base URL, e.g. "http://127.0.0.1:8082" (a
	// trailing "/" is dropped; no path). Issuers are {OrgURL}/oauth2/{id}.
	OrgURL string
	// Store holds the org; an org without the default authorization server
	// gets it (okta.SeedOrg), as a new Okta org has it.
	Store okta.Store
	// APIToken makes "Authorization: SSWS <APIToken>" valid for the admin
	// API; with none every admin call is refused.
	APIToken string
	// OrgName and OrgLogoURL are shown on the pages.
	OrgName, OrgLogoURL string
	Logger              *slog.Logger
	// PasswordCost is the bcrypt cost for passwords set through the admin
	// API (default 10).
	PasswordCost int
	// Decide replaces Okta's consent decision (mutation tests only).
	Decide func(consent.OktaFacts) consent.OktaDecision
	// CheckClientCredentials replaces rule O4's check (mutation tests
	// only).
	CheckClientCredentials func([]*okta.Scope) *oautherr.Error
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// KeyStore keeps the org's signing keys (tokens.Prepare: generated
	// once, stored, the same after a restart and on every replica); with
	// none, new keys are made at each start and kept in memory. A durable
	// org passes the sqlstore.Store its okta.Store comes from.
	KeyStore tenant.Store
	// Sessions keeps the short-lived state; session.NewMemory when nil.
	Sessions      session.Store
	SessionLimits session.Limits
	// HSTS adds Strict-Transport-Security to every answer.
	HSTS bool
}

// OktaServer is a running mock Okta org.
type OktaServer struct {
	handler http.Handler
	keys    *tokens.Keys
	orgURL  string
}

// ServeHTTP serves every endpoint of the org.
func (s *OktaServer) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Keys are the org's signing keys (tests verify tokens with them).
func (s *OktaServer) Keys() *tokens.Keys { return s.keys }

// OrgURL is the org's base URL, with no trailing slash.
func (s *OktaServer) OrgURL() string { return s.orgURL }

// NewOkta builds the Okta org's IdP for opts.
func NewOkta(ctx context.Context, opts OktaOptions) (*OktaServer, error) {
	org := strings.TrimSuffix(opts.OrgURL, "/")
	u, err := url.Parse(org)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" {
		return nil, fmt.Errorf("server: Okta org URL %q must be an absolute http(s) URL with no path", opts.OrgURL)
	}
	if opts.Store == nil {
		return nil, errors.New("server: a store is required")
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cost := opts.PasswordCost
	if cost == 0 {
		cost = credentials.DefaultCost
	}
	if _, err := opts.Store.GetAuthServer(ctx, okta.DefaultServerName); errors.Is(err, okta.ErrNotFound) {
		if _, err := okta.SeedOrg(ctx, opts.Store, now().UTC().Truncate(time.Millisecond)); err != nil {
			return nil, fmt.Errorf("server: seed the Okta org: %w", err)
		}
	} else if err != nil {
		return nil, fmt.Errorf("server: read the default authorization server: %w", err)
	}
	var keys *tokens.Keys
	if opts.KeyStore != nil {
		keys, err = tokens.Prepare(ctx, opts.KeyStore)
	} else {
		keys, err = tokens.NewKeys()
	}
	if err != nil {
		return nil, err
	}
	sessions := opts.Sessions
	if sessions == nil {
		sessions = session.NewMemory(opts.Now, opts.SessionLimits)
	}
	face := oktaface.New(oktaface.Config{Store: opts.Store, Sessions: sessions, Keys: keys, OrgURL: org,
		OrgName: opts.OrgName, OrgLogoURL: opts.OrgLogoURL, Logger: log, Decide: opts.Decide, CheckClientCredentials: opts.CheckClientCredentials, Now: opts.Now})
	admin := oktaadmin.New(oktaadmin.Config{Store: opts.Store, Token: opts.APIToken, OrgURL: org, Now: opts.Now, Logger: log,
		HashPassword: func(pw string) (string, error) { return credentials.HashPassword(pw, cost) }})

	r := chi.NewRouter()
	r.Use(securityHeaders(opts.HSTS), recoverer(log), accessLog(log))
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	face.Mount(r)
	admin.Mount(r)
	return &OktaServer{handler: r, keys: keys, orgURL: org}, nil
}
