// Package auth0 is the mock IdP's Auth0 face: the Authentication API
// (/authorize, /oauth/token, /userinfo, /oauth/revoke, /v2/logout, discovery
// and JWKS) and the Universal Login screens (/u/login, /u/consent), speaking
// Auth0's wire formats. It gathers the facts of each transaction and asks the
// consent package what to show; it owns no consent logic of its own. The
// vendor-neutral machinery under it (input bounds, cookies and login
// sessions, screen transactions, PKCE, codes, response modes, routing) is
// mockidp/engine's, shared with the Okta face.
package auth0

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/consentry/consentry/mockidp/consent"
	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/pages"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

// Config holds what the face needs. All fields but Logger and Decide are
// required.
type Config struct {
	Issuer   *tokens.Issuer
	Store    tenant.Store
	Sessions session.Store
	Logger   *slog.Logger
	// Decide is the consent decision; consent.Decide when nil.
	Decide func(consent.Facts) consent.Screen
	// Now is the clock; time.Now when nil. Use the same clock for the
	// Issuer and the Sessions.
	Now func() time.Time
}

// Face serves the Auth0 Authentication API of one tenant.
type Face struct {
	iss      *tokens.Issuer
	store    tenant.Store
	sessions session.Store
	log      *slog.Logger
	decide   func(consent.Facts) consent.Screen
	now      func() time.Time
	secure   bool // the issuer is https
	// eng is the vendor-neutral machinery: cookies and login sessions,
	// screen transactions, codes (mockidp/engine).
	eng *engine.Engine
	// flow is the face's part of the engine's login -> consent ->
	// callback step (flowOf).
	flow   engine.Flow[*tenant.User]
	grants map[string]grantFunc
}

// New returns the face for cfg.
func New(cfg Config) *Face {
	f := &Face{iss: cfg.Issuer, store: cfg.Store, sessions: cfg.Sessions, log: cfg.Logger, decide: cfg.Decide, now: cfg.Now}
	if f.now == nil {
		f.now = time.Now
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	if f.decide == nil {
		f.decide = consent.Decide
	}
	f.secure = strings.HasPrefix(cfg.Issuer.URL, "https://")
	f.eng = engine.New(engine.Config{Sessions: cfg.Sessions, Logger: f.log, Now: f.now, Secure: f.secure, CookiePrefix: "mockidp"})
	f.flow = f.flowOf()
	f.grants = f.grantHandlers()
	return f
}

// Mount adds the face's routes to r. A method an endpoint does not serve
// gets 405 with an Allow header, in the endpoint's own error shape: OAuth
// JSON for the API endpoints, the error page for the browser's.
func (f *Face) Mount(r chi.Router) {
	page := func(path string, hs map[string]http.HandlerFunc) { engine.Route(r, path, hs, f.methodPage) }
	// Endpoints browser apps call from their own origin (rule W1) answer
	// CORS preflights (OPTIONS) and carry the CORS headers.
	api := func(path string, hs map[string]http.HandlerFunc) {
		var ms []string
		for _, m := range engine.Methods {
			if _, ok := hs[m]; ok {
				ms = append(ms, m)
			}
		}
		wrapped := map[string]http.HandlerFunc{}
		for m, h := range hs {
			wrapped[m] = f.cors(h, ms...)
		}
		// OPTIONS without Access-Control-Request-Method is no preflight.
		wrapped[http.MethodOptions] = f.cors(f.methodJSON(strings.Join(ms, ", ")), ms...)
		engine.Route(r, path, wrapped, f.methodJSON)
	}
	api("/.well-known/openid-configuration", map[string]http.HandlerFunc{http.MethodGet: f.discovery})
	api("/.well-known/jwks.json", map[string]http.HandlerFunc{http.MethodGet: f.jwks})
	page("/authorize", map[string]http.HandlerFunc{http.MethodGet: f.authorize, http.MethodPost: f.authorize})
	page("/u/login", map[string]http.HandlerFunc{http.MethodGet: f.loginPage, http.MethodPost: f.loginSubmit})
	page("/u/consent", map[string]http.HandlerFunc{http.MethodGet: f.consentPage, http.MethodPost: f.consentSubmit})
	api("/oauth/token", map[string]http.HandlerFunc{http.MethodPost: f.token})
	api("/userinfo", map[string]http.HandlerFunc{http.MethodGet: f.userinfo, http.MethodPost: f.userinfo})
	api("/oauth/revoke", map[string]http.HandlerFunc{http.MethodPost: f.revoke})
	api("/co/authenticate", map[string]http.HandlerFunc{http.MethodPost: f.coAuthenticate})
	page("/co/verify", map[string]http.HandlerFunc{http.MethodPost: f.coVerify})
	page("/v2/logout", map[string]http.HandlerFunc{http.MethodGet: f.logout})
	page("/oidc/logout", map[string]http.HandlerFunc{http.MethodGet: f.oidcLogout, http.MethodPost: f.oidcLogout})
}

func (f *Face) methodJSON(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		oautherr.WriteJSON(w, engine.MethodError(r, allow))
	}
}

func (f *Face) methodPage(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		f.errorPage(w, r, engine.MethodError(r, allow))
	}
}

// url returns the absolute URL of a path of the tenant ("authorize").
func (f *Face) url(path string) string { return f.iss.URL + path }

// userinfoAudience is the audience of tokens usable at /userinfo, and the
// audience user grants are kept under when a request names no API.
func (f *Face) userinfoAudience() string { return f.url("userinfo") }

func (f *Face) tenantView(ctx context.Context) pages.Tenant {
	s, err := f.store.GetSettings(ctx)
	if err != nil || s.FriendlyName == "" {
		return pages.Tenant{Name: tenant.DefaultFriendlyName, LogoURL: s.PictureURL}
	}
	return pages.Tenant{Name: s.FriendlyName, LogoURL: s.PictureURL}
}

// errorPage renders the error page for err.
func (f *Face) errorPage(w http.ResponseWriter, r *http.Request, err *oautherr.Error) {
	f.log.Info("error page", "error", err.Code, "description", err.Description, "status", err.HTTPStatus())
	pages.RenderError(w, pages.Error{Tenant: f.tenantView(r.Context()), Code: err.Code, Description: err.Description, Status: err.HTTPStatus()})
}

// apiFor returns the API an audience names, nil for no audience.
func (f *Face) apiFor(ctx context.Context, audience string) (*tenant.API, *oautherr.Error) {
	if audience == "" {
		return nil, nil
	}
	api, err := f.store.GetAPIByIdentifier(ctx, audience)
	if errors.Is(err, tenant.ErrNotFound) {
		return nil, oautherr.AccessDenied("Service not found: " + audience)
	}
	if err != nil {
		return nil, f.eng.Internal(err)
	}
	return api, nil
}
