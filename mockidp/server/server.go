// Package server wires the mock IdP together: a store, the tenant's keys,
// the Auth0 face, the Management API and the pages, behind one http.Handler.
// It is the only package that knows all the others.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/consentry/consentry/mockidp/auth0"
	"github.com/consentry/consentry/mockidp/consent"
	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/demo"
	"github.com/consentry/consentry/mockidp/mgmt"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

// Options configure one mock IdP serving one tenant.
type Options struct {
	// Issuer is the tenant's issuer URL; it must end with "/" (Auth0 style),
	// e.g. "http://127.0.0.1:8080/". A path ("http://h/tenant-a/") mounts
	// every endpoint under it.
	Issuer string
	// Store holds the tenant; it is already loaded (config file or empty).
	Store tenant.Store
	// Logger receives one line per request and per decision; never secrets.
	Logger *slog.Logger
	// MgmtClientID and MgmtClientSecret, when set, bootstrap a client with a
	// client grant on <Issuer>api/v2/ holding every management scope.
	MgmtClientID, MgmtClientSecret string
	// PasswordCost is the bcrypt cost for user passwords (default 10).
	PasswordCost int
	// Decide replaces the consent decision; nil means consent.Decide. Only
	// the harness's mutation tests set it, to prove scenarios fail when the
	// mock misbehaves.
	Decide func(consent.Facts) consent.Screen
	// Now is the clock (time.Now when nil): tests move it to expire codes,
	// sessions and tokens without waiting.
	Now func() time.Time
	// Sessions keeps the short-lived state (login sessions, transactions,
	// codes, revoked access tokens); session.NewMemory(Now, SessionLimits)
	// when nil. A backend shared by replicas goes here, on the same clock.
	Sessions session.Store
	// SessionLimits bound the in-memory Sessions (zero fields: defaults).
	SessionLimits session.Limits
	// HSTS adds Strict-Transport-Security to every answer; set it when the
	// server is reached over HTTPS (mockidp serve --tls).
	HSTS bool
	// Demo serves the demo application (package demo) at <Issuer>demo/.
	Demo bool
}

// hstsValue is the Strict-Transport-Security of a server under HSTS: one
// day and no subdomains, because a mock often runs on a host (localhost, a
// team's test machine) that serves other things over plain HTTP too.
const hstsValue = "max-age=86400"

// Server is a running mock IdP: an http.Handler for one tenant.
type Server struct {
	handler http.Handler
	issuer  *tokens.Issuer
}

// ServeHTTP serves every endpoint of the tenant.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Issuer is the tenant's token issuer (tests verify tokens with it).
func (s *Server) Issuer() *tokens.Issuer { return s.issuer }

// ManagementAudience is the Management API's audience for an issuer.
func ManagementAudience(issuer string) string { return issuer + "api/v2/" }

// New builds the IdP for opts.
func New(ctx context.Context, opts Options) (*Server, error) {
	u, err := url.Parse(opts.Issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server: issuer %q must be an absolute http(s) URL", opts.Issuer)
	}
	if !strings.HasSuffix(opts.Issuer, "/") {
		return nil, fmt.Errorf("server: issuer %q must end with \"/\"", opts.Issuer)
	}
	if opts.Store == nil {
		return nil, errors.New("server: a store is required")
	}
	if (opts.MgmtClientID == "") != (opts.MgmtClientSecret == "") {
		return nil, errors.New("server: the management client needs both an id and a secret")
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cost := opts.PasswordCost
	if cost == 0 {
		cost = credentials.DefaultCost
	}
	keys, err := tokens.Prepare(ctx, opts.Store) // keys are generated in the background: a fast start
	if err != nil {
		return nil, err
	}
	iss := &tokens.Issuer{URL: opts.Issuer, Keys: keys, Now: opts.Now}
	if err := bootstrapManagement(ctx, opts); err != nil {
		return nil, err
	}
	if err := bootstrapSettings(ctx, opts.Store); err != nil {
		return nil, err
	}
	// A tenant with no connection gets Auth0's default database connection.
	if _, err := tenant.EnsureDefaultConnection(ctx, opts.Store); err != nil {
		return nil, fmt.Errorf("server: create the default connection: %w", err)
	}
	sessions := opts.Sessions
	if sessions == nil {
		sessions = session.NewMemory(opts.Now, opts.SessionLimits)
	}
	face := auth0.New(auth0.Config{Issuer: iss, Store: opts.Store, Sessions: sessions, Logger: log, Decide: opts.Decide, Now: opts.Now})
	mgmtAudience := ManagementAudience(opts.Issuer)
	api := mgmt.New(mgmt.Config{
		Store: opts.Store,
		Verify: func(ctx context.Context, bearer string) ([]string, error) {
			c, err := iss.VerifyAccess(bearer, mgmtAudience)
			if err != nil {
				return nil, err
			}
			if revoked, err := sessions.AccessRevoked(ctx, c.ID); err != nil || revoked {
				return nil, errors.New("token revoked")
			}
			return c.Scopes(), nil
		},
		HashPassword: func(pw string) (string, error) { return credentials.HashPassword(pw, cost) },
		NewClientID:  credentials.GenerateClientID,
		NewSecret:    credentials.GenerateSecret,
		Logger:       log,
	})

	r := chi.NewRouter()
	r.Use(securityHeaders(opts.HSTS), recoverer(log), accessLog(log))
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	face.Mount(r)
	api.Mount(r)
	srv := &Server{issuer: iss}
	if opts.Demo { // a client app of the tenant; it calls the IdP in process
		app, err := demo.New(ctx, demo.Config{Issuer: opts.Issuer, Store: opts.Store, Backend: srv, Logger: log, Now: opts.Now})
		if err != nil {
			return nil, err
		}
		app.Mount(r)
	}

	var h http.Handler = r
	if prefix := strings.TrimSuffix(u.Path, "/"); prefix != "" {
		h = http.StripPrefix(prefix, r)
	}
	srv.handler = h
	return srv, nil
}

// bootstrapSettings names a tenant that has no name, so the Management API
// shows the name the pages show.
func bootstrapSettings(ctx context.Context, st tenant.Store) error {
	s, err := st.GetSettings(ctx)
	if err != nil {
		return fmt.Errorf("server: read the tenant settings: %w", err)
	}
	if s.FriendlyName != "" {
		return nil
	}
	s.FriendlyName = tenant.DefaultFriendlyName
	return st.UpdateSettings(ctx, s)
}

// bootstrapManagement makes sure the Management API exists as an API of the
// tenant and, when asked, creates the management client and its grant.
func bootstrapManagement(ctx context.Context, opts Options) error {
	aud := ManagementAudience(opts.Issuer)
	scopes := make([]tenant.Scope, len(mgmt.Scopes))
	for i, s := range mgmt.Scopes {
		scopes[i] = tenant.Scope{Value: s}
	}
	api, err := opts.Store.GetAPIByIdentifier(ctx, aud)
	switch {
	case errors.Is(err, tenant.ErrNotFound):
		api = &tenant.API{Identifier: aud, Name: "Auth0 Management API", Scopes: scopes, SigningAlg: tokens.RS256,
			TokenLifetime: 86400, IsSystem: true}
		if err := opts.Store.CreateAPI(ctx, api); err != nil {
			return fmt.Errorf("server: create the Management API: %w", err)
		}
	case err != nil:
		return fmt.Errorf("server: read the Management API: %w", err)
	}
	if opts.MgmtClientID == "" {
		return nil
	}
	c, err := opts.Store.GetClient(ctx, opts.MgmtClientID)
	switch {
	case errors.Is(err, tenant.ErrNotFound):
		c = &tenant.Client{ClientID: opts.MgmtClientID, ClientSecret: opts.MgmtClientSecret, Name: "Mock IdP Management Client",
			AppType: tenant.AppNonInteractive, IsFirstParty: true, GrantTypes: []string{tenant.GrantClientCredentials},
			TokenEndpointAuthMethod: tenant.AuthSecretPost, Callbacks: []string{}, AllowedLogoutURLs: []string{}}
		if err := opts.Store.CreateClient(ctx, c); err != nil {
			return fmt.Errorf("server: create the management client: %w", err)
		}
	case err != nil:
		return fmt.Errorf("server: read the management client: %w", err)
	default:
		c.ClientSecret = opts.MgmtClientSecret
		if !slices.Contains(c.GrantTypes, tenant.GrantClientCredentials) {
			c.GrantTypes = append(c.GrantTypes, tenant.GrantClientCredentials)
		}
		if err := opts.Store.UpdateClient(ctx, c); err != nil {
			return fmt.Errorf("server: update the management client: %w", err)
		}
	}
	grants, err := opts.Store.ListClientGrants(ctx, tenant.ClientGrantFilter{ClientID: c.ClientID, Audience: aud, SubjectType: tenant.SubjectClient})
	if err != nil {
		return fmt.Errorf("server: read the management client grant: %w", err)
	}
	if len(grants) > 0 {
		grants[0].Scope = slices.Clone(mgmt.Scopes)
		return opts.Store.UpdateClientGrant(ctx, grants[0])
	}
	return opts.Store.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: c.ClientID, Audience: aud,
		Scope: slices.Clone(mgmt.Scopes), SubjectType: tenant.SubjectClient})
}

// securityHeaders adds the headers every answer carries: no referrer leaks
// the codes and states in the IdP's URLs, no content sniffing, and HSTS
// when the server is HTTPS.
func securityHeaders(hsts bool) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("X-Content-Type-Options", "nosniff")
			if hsts {
				h.Set("Strict-Transport-Security", hstsValue)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// accessLog logs one line per request: method, path (never the query, which
// may carry codes), status and duration.
func accessLog(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			log.Debug("http", "method", r.Method, "path", r.URL.Path, "status", rec.status, "ms", time.Since(start).Milliseconds())
		})
	}
}

// recoverer turns a panic into a logged 500 with a JSON body, so a bug
// never drops the connection without an answer.
func recoverer(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.Error("panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusInternalServerError)
					_, _ = w.Write([]byte(`{"error":"server_error","error_description":"The server encountered an internal error."}` + "\n"))
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}
