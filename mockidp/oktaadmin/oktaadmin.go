// Package oktaadmin is the subset of Okta's admin API (/api/v1) the mock
// IdP's Okta org offers: apps with their lifecycle, consent_method and user
// assignments, users, authorization servers with their scopes, access
// policies and rules, and users' per-scope consent grants (spec section 8,
// rules O1, O2, O6, O9). Paths, JSON shapes, status codes and the error body
// {errorCode, errorSummary, errorLink, errorId, errorCauses} are Okta's, so
// Okta's own SDKs work against it.
//
// Requests authenticate with "Authorization: SSWS <token>": a missing or
// other header is 403 E0000005, a wrong token 401 E0000011. Every request
// goes straight to the okta.Store, so a change is visible at once to the
// rest of the IdP. Bodies are decoded leniently, as Okta does: a PUT accepts
// the whole body a GET returned, read-only and unknown fields included
// (that is what the Go SDK sends back); malformed JSON is 400 E0000003 and
// invalid values 400 E0000001 with one errorCause per field.
package oktaadmin

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"golang.org/x/crypto/bcrypt"

	"github.com/consentry/consentry/mockidp/okta"
)

// Config configures the API.
type Config struct {
	// Store holds the org. Required.
	Store okta.Store
	// Token is the API token "Authorization: SSWS <token>" must carry.
	// When empty every request is refused (401 E0000011).
	Token string
	// OrgURL is the org's base URL (no trailing slash) used in _links and
	// issuers; when empty it is taken from each request's scheme and host.
	OrgURL string
	// NewID returns a fresh id with the given prefix (okta.Prefix*);
	// okta.NewID when nil.
	NewID func(prefix string) string
	// NewSecret returns a fresh client secret; okta.NewSecret when nil.
	NewSecret func() string
	// HashPassword hashes a new user's password; bcrypt at its default cost
	// when nil.
	HashPassword func(pw string) (string, error)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Logger receives one line per request (method, path, status,
	// duration; never bodies, queries or tokens). Discarded when nil.
	Logger *slog.Logger
}

// API serves the admin API of one org.
type API struct {
	store     okta.Store
	token     [32]byte
	hasToken  bool
	orgURL    string
	newID     func(string) string
	newSecret func() string
	hash      func(string) (string, error)
	now       func() time.Time
	log       *slog.Logger
}

// New returns the API for cfg, filling in defaults for nil functions.
func New(cfg Config) *API {
	a := &API{
		store:     cfg.Store,
		token:     sha256.Sum256([]byte(cfg.Token)),
		hasToken:  cfg.Token != "",
		orgURL:    strings.TrimSuffix(cfg.OrgURL, "/"),
		newID:     cfg.NewID,
		newSecret: cfg.NewSecret,
		hash:      cfg.HashPassword,
		now:       cfg.Now,
		log:       cfg.Logger,
	}
	if a.newID == nil {
		a.newID = okta.NewID
	}
	if a.newSecret == nil {
		a.newSecret = okta.NewSecret
	}
	if a.hash == nil {
		a.hash = func(pw string) (string, error) {
			h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.DefaultCost)
			return string(h), err
		}
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	return a
}

// Handler returns the API as an http.Handler serving /api/v1/.
func (a *API) Handler() http.Handler {
	r := chi.NewRouter()
	a.Mount(r)
	return r
}

// Mount mounts the API under /api/v1.
func (a *API) Mount(r chi.Router) {
	r.Route("/api/v1", func(r chi.Router) {
		r.Use(a.logRequests, a.authenticate)
		r.NotFound(func(w http.ResponseWriter, r *http.Request) {
			writeError(w, notFound(r.URL.Path, "Resource"))
		})
		r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) { writeError(w, errMethod) })

		r.Get("/apps", a.handle(a.listApps))
		r.Post("/apps", a.handle(a.createApp))
		r.Get("/apps/{appID}", a.handle(a.getApp))
		r.Put("/apps/{appID}", a.handle(a.replaceApp))
		r.Delete("/apps/{appID}", a.handle(a.deleteApp))
		r.Post("/apps/{appID}/lifecycle/activate", a.handle(a.appLifecycle(okta.StatusActive)))
		r.Post("/apps/{appID}/lifecycle/deactivate", a.handle(a.appLifecycle(okta.StatusInactive)))
		r.Get("/apps/{appID}/users", a.handle(a.listAppUsers))
		r.Post("/apps/{appID}/users", a.handle(a.assignUser))
		r.Get("/apps/{appID}/users/{userID}", a.handle(a.getAppUser))
		r.Post("/apps/{appID}/users/{userID}", a.handle(a.updateAppUser))
		r.Delete("/apps/{appID}/users/{userID}", a.handle(a.unassignUser))

		r.Get("/users", a.handle(a.listUsers))
		r.Post("/users", a.handle(a.createUser))
		r.Get("/users/{userID}", a.handle(a.getUser))
		r.Put("/users/{userID}", a.handle(a.replaceUser))
		r.Post("/users/{userID}", a.handle(a.updateUser))
		r.Delete("/users/{userID}", a.handle(a.deleteUser))
		r.Post("/users/{userID}/lifecycle/activate", a.handle(a.userLifecycle(okta.UserActive)))
		r.Post("/users/{userID}/lifecycle/deactivate", a.handle(a.userLifecycle(okta.UserDeprovisioned)))

		r.Get("/users/{userID}/grants", a.handle(a.listUserGrants))
		r.Delete("/users/{userID}/grants", a.handle(a.revokeUserGrants))
		r.Get("/users/{userID}/grants/{grantID}", a.handle(a.getUserGrant))
		r.Delete("/users/{userID}/grants/{grantID}", a.handle(a.revokeUserGrant))
		r.Get("/users/{userID}/clients", a.handle(a.listUserClients))
		r.Get("/users/{userID}/clients/{clientID}/grants", a.handle(a.listClientGrants))
		r.Delete("/users/{userID}/clients/{clientID}/grants", a.handle(a.revokeClientGrants))

		r.Get("/authorizationServers", a.handle(a.listServers))
		r.Post("/authorizationServers", a.handle(a.createServer))
		r.Get("/authorizationServers/{serverID}", a.handle(a.getServer))
		r.Put("/authorizationServers/{serverID}", a.handle(a.replaceServer))
		r.Delete("/authorizationServers/{serverID}", a.handle(a.deleteServer))
		r.Post("/authorizationServers/{serverID}/lifecycle/activate", a.handle(a.serverLifecycle(okta.StatusActive)))
		r.Post("/authorizationServers/{serverID}/lifecycle/deactivate", a.handle(a.serverLifecycle(okta.StatusInactive)))

		r.Get("/authorizationServers/{serverID}/scopes", a.handle(a.listScopes))
		r.Post("/authorizationServers/{serverID}/scopes", a.handle(a.createScope))
		r.Get("/authorizationServers/{serverID}/scopes/{scopeID}", a.handle(a.getScope))
		r.Put("/authorizationServers/{serverID}/scopes/{scopeID}", a.handle(a.replaceScope))
		r.Delete("/authorizationServers/{serverID}/scopes/{scopeID}", a.handle(a.deleteScope))

		r.Get("/authorizationServers/{serverID}/policies", a.handle(a.listPolicies))
		r.Post("/authorizationServers/{serverID}/policies", a.handle(a.createPolicy))
		r.Get("/authorizationServers/{serverID}/policies/{policyID}", a.handle(a.getPolicy))
		r.Put("/authorizationServers/{serverID}/policies/{policyID}", a.handle(a.replacePolicy))
		r.Delete("/authorizationServers/{serverID}/policies/{policyID}", a.handle(a.deletePolicy))
		r.Post("/authorizationServers/{serverID}/policies/{policyID}/lifecycle/activate", a.handle(a.policyLifecycle(okta.StatusActive)))
		r.Post("/authorizationServers/{serverID}/policies/{policyID}/lifecycle/deactivate", a.handle(a.policyLifecycle(okta.StatusInactive)))

		r.Get("/authorizationServers/{serverID}/policies/{policyID}/rules", a.handle(a.listRules))
		r.Post("/authorizationServers/{serverID}/policies/{policyID}/rules", a.handle(a.createRule))
		r.Get("/authorizationServers/{serverID}/policies/{policyID}/rules/{ruleID}", a.handle(a.getRule))
		r.Put("/authorizationServers/{serverID}/policies/{policyID}/rules/{ruleID}", a.handle(a.replaceRule))
		r.Delete("/authorizationServers/{serverID}/policies/{policyID}/rules/{ruleID}", a.handle(a.deleteRule))
		r.Post("/authorizationServers/{serverID}/policies/{policyID}/rules/{ruleID}/lifecycle/activate", a.handle(a.ruleLifecycle(okta.StatusActive)))
		r.Post("/authorizationServers/{serverID}/policies/{policyID}/rules/{ruleID}/lifecycle/deactivate", a.handle(a.ruleLifecycle(okta.StatusInactive)))
	})
}

// maxBody bounds request bodies.
const maxBody = 1 << 20

// handlerFunc is an endpoint; a returned error is written as the answer.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (a *API) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		if err := h(w, r); err != nil {
			if _, ok := err.(*apiError); !ok {
				a.log.ErrorContext(r.Context(), "oktaadmin: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
			}
			writeError(w, err)
		}
	}
}

// authenticate checks "Authorization: SSWS <token>" in constant time.
func (a *API) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		token = strings.TrimSpace(token)
		switch {
		case strings.EqualFold(scheme, "SSWS") && token != "":
			sum := sha256.Sum256([]byte(token))
			if !a.hasToken || subtle.ConstantTimeCompare(sum[:], a.token[:]) != 1 {
				writeError(w, errInvalidToken)
				return
			}
		case strings.EqualFold(scheme, "Bearer") && token != "":
			// The mock issues no org authorization server tokens.
			writeError(w, errInvalidToken)
			return
		default:
			writeError(w, errInvalidSession)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (a *API) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		status := ww.Status()
		if status == 0 {
			status = http.StatusOK
		}
		a.log.LogAttrs(r.Context(), slog.LevelInfo, "okta admin request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", status), slog.Duration("duration", time.Since(start)))
	})
}

// base is the org URL for links.
func (a *API) base(r *http.Request) string {
	if a.orgURL != "" {
		return a.orgURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// stamp is the current time as Okta shows it: UTC, milliseconds.
func (a *API) stamp() time.Time { return a.now().UTC().Truncate(time.Millisecond) }

// decode reads a JSON body into v. Unknown fields are ignored (Okta's
// clients send back read-only ones); malformed JSON, a wrong type or an
// empty body is E0000003.
func decode(r *http.Request, v any) error {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errTooLarge
		}
		return errMalformed
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return errMalformed
	}
	if err := json.Unmarshal(data, v); err != nil {
		return errMalformed
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// link is one of Okta's _links entries.
type link struct {
	Href  string     `json:"href"`
	Title string     `json:"title,omitempty"`
	Hints *linkHints `json:"hints,omitempty"`
}

type linkHints struct {
	Allow []string `json:"allow"`
}

func href(url string, allow ...string) link {
	l := link{Href: url}
	if len(allow) > 0 {
		l.Hints = &linkHints{Allow: allow}
	}
	return l
}

// lifecycleLink adds the one lifecycle link an authorization server,
// policy or rule at u offers: deactivate when it is active, activate
// otherwise.
func lifecycleLink(links map[string]any, u, status string) {
	if status == okta.StatusActive {
		links["deactivate"] = href(u+"/lifecycle/deactivate", "POST")
	} else {
		links["activate"] = href(u+"/lifecycle/activate", "POST")
	}
}
