// Package mgmt is the subset of Auth0's Management API v2 the mock IdP
// offers (rules M1 to M3, P2, K1, K2): clients, resource servers, client
// grants, users, user grants and tenant settings, under /api/v2, with
// Auth0's paths, JSON field names, status codes and error bodies, so that
// Auth0's own SDKs work against the mock.
//
// Every request goes straight to the tenant.Store: a change is visible at
// once to the rest of the IdP. Request bodies are decoded one property at a
// time, so wrong types, unknown properties, read-only properties and the old
// spellings of rule P2 are each answered with a 400 that names the property.
package mgmt

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"golang.org/x/crypto/bcrypt"

	"github.com/consentry/consentry/mockidp/tenant"
)

// Scopes a Management API token may hold, one per operation.
const (
	ScopeReadClients          = "read:clients"
	ScopeCreateClients        = "create:clients"
	ScopeUpdateClients        = "update:clients"
	ScopeDeleteClients        = "delete:clients"
	ScopeReadResourceServers  = "read:resource_servers"
	ScopeCreateResourceServer = "create:resource_servers"
	ScopeUpdateResourceServer = "update:resource_servers"
	ScopeDeleteResourceServer = "delete:resource_servers"
	ScopeReadClientGrants     = "read:client_grants"
	ScopeCreateClientGrants   = "create:client_grants"
	ScopeUpdateClientGrants   = "update:client_grants"
	ScopeDeleteClientGrants   = "delete:client_grants"
	ScopeReadUsers            = "read:users"
	ScopeCreateUsers          = "create:users"
	ScopeDeleteUsers          = "delete:users"
	ScopeReadGrants           = "read:grants"
	ScopeDeleteGrants         = "delete:grants"
	ScopeReadTenantSettings   = "read:tenant_settings"
	ScopeUpdateTenantSettings = "update:tenant_settings"
	ScopeReadConnections      = "read:connections"
	ScopeCreateConnections    = "create:connections"
	ScopeUpdateConnections    = "update:connections"
	ScopeDeleteConnections    = "delete:connections"
)

// Scopes lists every scope the API checks. The server gives its bootstrap
// management client all of them.
var Scopes = []string{
	ScopeReadClients, ScopeCreateClients, ScopeUpdateClients, ScopeDeleteClients,
	ScopeReadResourceServers, ScopeCreateResourceServer, ScopeUpdateResourceServer, ScopeDeleteResourceServer,
	ScopeReadClientGrants, ScopeCreateClientGrants, ScopeUpdateClientGrants, ScopeDeleteClientGrants,
	ScopeReadUsers, ScopeCreateUsers, ScopeDeleteUsers,
	ScopeReadGrants, ScopeDeleteGrants,
	ScopeReadTenantSettings, ScopeUpdateTenantSettings,
	ScopeReadConnections, ScopeCreateConnections, ScopeUpdateConnections, ScopeDeleteConnections,
}

// Config configures the API.
type Config struct {
	// Store holds the tenant. Required.
	Store tenant.Store
	// Verify checks a bearer token (signature, issuer, expiry, audience
	// <issuer>api/v2/) and returns its scopes. When nil every token is refused.
	Verify func(ctx context.Context, bearer string) (scopes []string, err error)
	// HashPassword hashes a new user's password; bcrypt at its default cost
	// when nil.
	HashPassword func(pw string) (string, error)
	// NewClientID returns a fresh client_id; strict third-party ids must
	// start with "tpc_" (rule K2). Random when nil.
	NewClientID func(strictThirdParty bool) string
	// NewSecret returns a fresh client_secret. Random when nil.
	NewSecret func() string
	// Logger receives one line per request. Discarded when nil.
	Logger *slog.Logger
}

// API serves the Management API for one tenant.
type API struct {
	store       tenant.Store
	verify      func(ctx context.Context, bearer string) ([]string, error)
	hash        func(string) (string, error)
	newClientID func(bool) string
	newSecret   func() string
	log         *slog.Logger
	now         func() time.Time
	docs        documents // the settings documents of absent features
	// connMu serializes the read-modify-write updates of connections
	// (PATCH, enabled clients, a new client enabled everywhere), so that
	// concurrent requests to this API lose none of them.
	connMu sync.Mutex
}

// New returns the API for cfg, filling in defaults for nil functions.
func New(cfg Config) *API {
	a := &API{
		store:       cfg.Store,
		verify:      cfg.Verify,
		hash:        cfg.HashPassword,
		newClientID: cfg.NewClientID,
		newSecret:   cfg.NewSecret,
		log:         cfg.Logger,
		now:         time.Now,
	}
	if a.verify == nil {
		a.verify = func(context.Context, string) ([]string, error) { return nil, errInvalidToken }
	}
	if a.hash == nil {
		a.hash = func(pw string) (string, error) {
			h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
			return string(h), err
		}
	}
	if a.newClientID == nil {
		a.newClientID = DefaultClientID
	}
	if a.newSecret == nil {
		a.newSecret = DefaultSecret
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	return a
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// DefaultClientID returns a random 32-character client_id like Auth0's,
// prefixed with "tpc_" for strict third-party clients (rule K2).
func DefaultClientID(strictThirdParty bool) string {
	id := randomString(32, alnum)
	if strictThirdParty {
		return "tpc_" + id
	}
	return id
}

// DefaultSecret returns a random 64-character client secret.
func DefaultSecret() string { return randomString(64, alnum+"-_") }

// allowedMethods lists the methods routes has for r's path (relative to
// the router routes is).
func allowedMethods(routes chi.Routes, r *http.Request) string {
	path := r.URL.Path
	if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.RoutePath != "" {
		path = rctx.RoutePath
	}
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if routes.Match(chi.NewRouteContext(), m, path) {
			allow = append(allow, m)
		}
	}
	return strings.Join(allow, ", ")
}

// Mount mounts the API under /api/v2.
func (a *API) Mount(r chi.Router) {
	r.Route("/api/v2", func(r chi.Router) {
		r.Use(a.logRequests)
		r.NotFound(func(w http.ResponseWriter, r *http.Request) { writeError(w, errNotFound) })
		sub := r
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
			// RFC 9110 15.5.6: a 405 names the methods the resource has.
			if allow := allowedMethods(sub, r); allow != "" {
				w.Header().Set("Allow", allow)
			}
			writeError(w, errMethodNotAllowed())
		})

		r.Get("/clients", a.handle(ScopeReadClients, a.listClients))
		r.Post("/clients", a.handle(ScopeCreateClients, a.createClient))
		r.Get("/clients/{id}", a.handle(ScopeReadClients, a.getClient))
		r.Patch("/clients/{id}", a.handle(ScopeUpdateClients, a.updateClient))
		r.Delete("/clients/{id}", a.handle(ScopeDeleteClients, a.deleteClient))

		r.Get("/resource-servers", a.handle(ScopeReadResourceServers, a.listResourceServers))
		r.Post("/resource-servers", a.handle(ScopeCreateResourceServer, a.createResourceServer))
		r.Get("/resource-servers/{id}", a.handle(ScopeReadResourceServers, a.getResourceServer))
		r.Patch("/resource-servers/{id}", a.handle(ScopeUpdateResourceServer, a.updateResourceServer))
		r.Delete("/resource-servers/{id}", a.handle(ScopeDeleteResourceServer, a.deleteResourceServer))

		r.Get("/client-grants", a.handle(ScopeReadClientGrants, a.listClientGrants))
		r.Post("/client-grants", a.handle(ScopeCreateClientGrants, a.createClientGrant))
		r.Get("/client-grants/{id}", a.handle(ScopeReadClientGrants, a.getClientGrant))
		r.Patch("/client-grants/{id}", a.handle(ScopeUpdateClientGrants, a.updateClientGrant))
		r.Delete("/client-grants/{id}", a.handle(ScopeDeleteClientGrants, a.deleteClientGrant))

		r.Get("/users", a.handle(ScopeReadUsers, a.listUsers))
		r.Post("/users", a.handle(ScopeCreateUsers, a.createUser))
		r.Get("/users/{id}", a.handle(ScopeReadUsers, a.getUser))
		r.Delete("/users/{id}", a.handle(ScopeDeleteUsers, a.deleteUser))
		r.Get("/users-by-email", a.handle(ScopeReadUsers, a.usersByEmail))

		r.Get("/grants", a.handle(ScopeReadGrants, a.listGrants))
		r.Delete("/grants", a.handle(ScopeDeleteGrants, a.deleteGrantsByUser))
		r.Delete("/grants/", a.handle(ScopeDeleteGrants, a.deleteGrantsByUser))
		r.Delete("/grants/{id}", a.handle(ScopeDeleteGrants, a.deleteGrant))

		r.Get("/connections", a.handle(ScopeReadConnections, a.listConnections))
		r.Post("/connections", a.handle(ScopeCreateConnections, a.createConnection))
		r.Get("/connections/{id}", a.handle(ScopeReadConnections, a.getConnection))
		r.Patch("/connections/{id}", a.handle(ScopeUpdateConnections, a.updateConnection))
		r.Delete("/connections/{id}", a.handle(ScopeDeleteConnections, a.deleteConnection))
		r.Get("/connections/{id}/clients", a.handle(ScopeReadConnections, a.connectionClients))
		r.Patch("/connections/{id}/clients", a.handle(ScopeUpdateConnections, a.updateConnectionClients))

		r.Get("/tenants/settings", a.handle(ScopeReadTenantSettings, a.getSettings))
		r.Patch("/tenants/settings", a.handle(ScopeUpdateTenantSettings, a.updateSettings))

		a.mountAbsent(r)
	})
}

// handlerFunc is an endpoint; a returned error is written as the answer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle checks the bearer token and its scope, limits the body and runs h.
func (a *API) handle(scope string, h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := a.authorize(r, scope); err != nil {
			if err == errInvalidToken {
				w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			}
			writeError(w, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := h(w, r); err != nil {
			if _, ok := err.(*apiError); !ok {
				a.log.ErrorContext(r.Context(), "mgmt: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeError(w, err)
		}
	}
}

func (a *API) authorize(r *http.Request, scope string) *apiError {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return errInvalidToken
	}
	scopes, err := a.verify(r.Context(), token)
	if err != nil {
		return errInvalidToken
	}
	for _, s := range scopes {
		if s == scope {
			return nil
		}
	}
	return errInsufficientScope(scope)
}

// logRequests logs one line per request: method, path, status, duration.
// Never bodies, query strings (they may hold emails), secrets or tokens.
func (a *API) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		a.log.LogAttrs(r.Context(), slog.LevelInfo, "mgmt request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", status),
			slog.Duration("duration", time.Since(start)))
	})
}

// pathParam returns the URL-decoded path parameter name. Auth0 takes ids
// such as "auth0|abc" and identifiers such as "https://api.example.com/"
// URL-encoded in the path; chi hands over the raw form when the request
// path had to be escaped.
func pathParam(r *http.Request, name string) (string, error) {
	v := chi.URLParam(r, name)
	if r.URL.RawPath == "" {
		return v, nil
	}
	d, err := url.PathUnescape(v)
	if err != nil {
		return "", newError(http.StatusBadRequest, codeInvalidURI, "Invalid path parameter "+name)
	}
	return d, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	e, ok := err.(*apiError)
	if !ok {
		e = errInternal
	}
	writeJSON(w, e.StatusCode, e)
}

func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}
