// Package oktaface is the mock IdP's Okta face: the OpenID Connect and
// OAuth 2.0 endpoints of every custom authorization server of an Okta org
// (/oauth2/{authServerId}/v1/authorize, token, keys, userinfo, revoke,
// introspect, logout, and the two .well-known metadata documents), the
// Okta-looking sign-in and consent pages, and Okta's wire formats: its error
// codes, texts and statuses, its token claims (scp, cid, uid, ver, jti), its
// per-scope consent grants (spec section 8, rules O1 to O12).
//
// It is a thin translation over mockidp/engine (transactions, sessions,
// PKCE, codes, response modes): the policy evaluation, scope resolution and
// grant bookkeeping are mockidp/okta's, the consent decision is
// consent.DecideOkta.
package oktaface

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
	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/pages"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tokens"
)

// Config holds what the face needs. Store, Sessions, Keys and OrgURL are
// required.
type Config struct {
	Store    okta.Store
	Sessions session.Store
	Keys     *tokens.Keys
	// OrgURL is the org's base URL with no trailing slash
	// ("http://127.0.0.1:8082"); issuers are {OrgURL}/oauth2/{id}.
	OrgURL string
	// OrgName is shown on the pages; "Okta" when empty.
	OrgName string
	// OrgLogoURL is the org's logo on the pages.
	OrgLogoURL string
	Logger     *slog.Logger
	// Decide is the consent decision; consent.DecideOkta when nil. Only
	// mutation tests replace it.
	Decide func(consent.OktaFacts) consent.OktaDecision
	// CheckClientCredentials refuses scopes to client credentials (rule
	// O4); consent.CheckOktaClientCredentials when nil. Only mutation
	// tests replace it.
	CheckClientCredentials func([]*okta.Scope) *oautherr.Error
	// Now is the clock; time.Now when nil. Use the clock of the Sessions.
	Now func() time.Time
}

// Face serves the authorization servers of one org.
type Face struct {
	st  okta.Store
	eng *engine.Engine
	// flow is the face's part of the engine's login -> consent ->
	// callback step (flowOf).
	flow   engine.Flow[*okta.User]
	keys   *tokens.Keys
	org    string
	name   string
	logo   string
	idp    string
	log    *slog.Logger
	decide func(consent.OktaFacts) consent.OktaDecision
	ccheck func([]*okta.Scope) *oautherr.Error
	now    func() time.Time
}

// New returns the face for cfg.
func New(cfg Config) *Face {
	f := &Face{st: cfg.Store, keys: cfg.Keys, org: strings.TrimSuffix(cfg.OrgURL, "/"), name: cfg.OrgName,
		logo: cfg.OrgLogoURL, log: cfg.Logger, decide: cfg.Decide, ccheck: cfg.CheckClientCredentials, now: cfg.Now, idp: "00o" + okta.NewID("")[3:]}
	if f.name == "" {
		f.name = "Okta"
	}
	if f.log == nil {
		f.log = slog.New(slog.DiscardHandler)
	}
	if f.now == nil {
		f.now = time.Now
	}
	if f.decide == nil {
		f.decide = consent.DecideOkta
	}
	if f.ccheck == nil {
		f.ccheck = consent.CheckOktaClientCredentials
	}
	f.eng = engine.New(engine.Config{Sessions: cfg.Sessions, Logger: f.log, Now: f.now,
		Secure: strings.HasPrefix(f.org, "https://"), CookiePrefix: "mockidp_okta"})
	f.flow = f.flowOf()
	return f
}

// Mount adds the routes of every authorization server to r. A method an
// endpoint does not serve gets 405 with an Allow header, as OAuth JSON for
// the API endpoints and the error page for the browser's.
func (f *Face) Mount(r chi.Router) {
	// script: an API endpoint browser apps call from their own origin
	// (cors.go): its handlers answer with the CORS headers, and OPTIONS
	// answers preflights.
	script := func(path string, hs map[string]http.HandlerFunc) {
		var ms []string
		for _, m := range engine.Methods {
			if _, ok := hs[m]; ok {
				ms = append(ms, m)
			}
		}
		allow := strings.Join(ms, ", ")
		wrapped := map[string]http.HandlerFunc{http.MethodOptions: f.cors(nil, allow)}
		for m, h := range hs {
			wrapped[m] = f.cors(h, allow)
		}
		engine.Route(r, path, wrapped, f.methodJSON)
	}
	page := func(path string, hs map[string]http.HandlerFunc) { engine.Route(r, path, hs, f.methodPage) }
	const base = "/oauth2/{sid}"
	script(base+"/.well-known/openid-configuration", map[string]http.HandlerFunc{http.MethodGet: f.discovery})
	script(base+"/.well-known/oauth-authorization-server", map[string]http.HandlerFunc{http.MethodGet: f.discovery})
	script("/.well-known/oauth-authorization-server/oauth2/{sid}", map[string]http.HandlerFunc{http.MethodGet: f.discovery})
	script(base+"/v1/keys", map[string]http.HandlerFunc{http.MethodGet: f.jwks})
	page(base+"/v1/authorize", map[string]http.HandlerFunc{http.MethodGet: f.authorize, http.MethodPost: f.authorize})
	page(base+"/v1/login", map[string]http.HandlerFunc{http.MethodGet: f.loginPage, http.MethodPost: f.loginSubmit})
	page(base+"/v1/consent", map[string]http.HandlerFunc{http.MethodGet: f.consentPage, http.MethodPost: f.consentSubmit})
	script(base+"/v1/token", map[string]http.HandlerFunc{http.MethodPost: f.token})
	script(base+"/v1/userinfo", map[string]http.HandlerFunc{http.MethodGet: f.userinfo, http.MethodPost: f.userinfo})
	script(base+"/v1/revoke", map[string]http.HandlerFunc{http.MethodPost: f.revoke})
	script(base+"/v1/introspect", map[string]http.HandlerFunc{http.MethodPost: f.introspect})
	page(base+"/v1/logout", map[string]http.HandlerFunc{http.MethodGet: f.logout, http.MethodPost: f.logout})
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
		f.errorPage(w, engine.MethodError(r, allow))
	}
}

func (f *Face) orgView() pages.OktaOrg { return pages.OktaOrg{Name: f.name, LogoURL: f.logo} }

// errorPage renders Okta's HTML error page for err (rule O10).
func (f *Face) errorPage(w http.ResponseWriter, err *oautherr.Error) {
	status := err.HTTPStatus()
	if status == http.StatusUnauthorized { // an invalid_client at /authorize is a 400 page
		status = http.StatusBadRequest
	}
	f.log.Info("error page", "error", err.Code, "description", err.Description, "status", status)
	pages.RenderOktaError(w, pages.OktaError{Org: f.orgView(), Code: err.Code, Description: err.Description, Status: status})
}

// errServerNotFound is the answer for an unknown or inactive server id.
func errServerNotFound(id string) *oautherr.Error {
	return oautherr.New(http.StatusNotFound, "not_found", "Not found: Resource not found: "+id+" (AuthorizationServer)")
}

// server resolves the {sid} of the path ("default" names the default
// server). Inactive servers answer as unknown ones.
func (f *Face) server(r *http.Request) (*okta.AuthServer, *oautherr.Error) {
	id := chi.URLParam(r, "sid")
	s, err := f.st.GetAuthServer(r.Context(), id)
	if errors.Is(err, okta.ErrNotFound) || (err == nil && s.Status != okta.StatusActive) {
		return nil, errServerNotFound(id)
	}
	if err != nil {
		return nil, f.eng.Internal(err)
	}
	return s, nil
}

// issuer is the server's token issuer: {org}/oauth2/default for the
// default server, {org}/oauth2/{id} for the others.
func (f *Face) issuer(s *okta.AuthServer) *tokens.Issuer {
	return &tokens.Issuer{URL: s.Issuer(f.org), Keys: f.keys, Now: f.now}
}

// endpoint is the absolute URL of one of the server's endpoints ("v1/token").
func (f *Face) endpoint(s *okta.AuthServer, path string) string { return s.Issuer(f.org) + "/" + path }

// activeApp finds an ACTIVE app by client_id.
func (f *Face) activeApp(ctx context.Context, clientID string) (*okta.App, *oautherr.Error) {
	if clientID == "" {
		return nil, okta.ErrInvalidClient()
	}
	a, err := f.st.GetAppByClientID(ctx, clientID)
	if errors.Is(err, okta.ErrNotFound) || (err == nil && !a.IsActive()) {
		return nil, okta.ErrInvalidClient()
	}
	if err != nil {
		return nil, f.eng.Internal(err)
	}
	return a, nil
}

// refusal turns an error of okta.Authorize and friends into an answer.
func (f *Face) refusal(err error) *oautherr.Error {
	if e, ok := okta.AsOAuth(err); ok {
		return e
	}
	return f.eng.Internal(err)
}
