package auth0

import (
	"context"
	"net/http"
	"strings"

	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/tenant"
)

// CORS for browser applications (rule W1). The endpoints a single-page or
// embedded-login app calls from its own origin (/oauth/token,
// /oauth/revoke, /userinfo, discovery, JWKS, /co/authenticate) answer
// preflights and requests from an origin the client allows (its
// allowed_origins and web_origins, and the origins of its callbacks) with
// Access-Control-Allow-Origin set to that origin. Other origins get no CORS
// headers at all, so the browser withholds the answer from the script.
//
// Which client? A preflight carries no body, and discovery and JWKS name no
// client: for those the origin must be allowed by some client of the
// tenant. Once a handler knows the request's client (token, revoke,
// co/authenticate: client_id; userinfo: the token's azp), it says so with
// corsClient and only that client's origins count.

// Headers browser apps send that a preflight must allow: Auth0's SDKs add
// Auth0-Client (their telemetry) and, for DPoP, DPoP.
const corsAllowHeaders = "Authorization, Content-Type, Auth0-Client, DPoP, X-Requested-With"

type corsKey struct{}

// corsState is what the CORS wrapper of one request knows.
type corsState struct {
	origin string
	client *tenant.Client // set by the handler once it knows the client
	known  bool
}

// corsClient tells the CORS wrapper of r which client the request is for.
func corsClient(r *http.Request, c *tenant.Client) {
	if st, ok := r.Context().Value(corsKey{}).(*corsState); ok {
		st.client, st.known = c, true
	}
}

// cors wraps a browser-callable endpoint: it answers preflights (OPTIONS
// with Access-Control-Request-Method) and adds the CORS headers to the
// answer of an allowed origin. methods are the endpoint's methods.
func (f *Face) cors(next http.HandlerFunc, methods ...string) http.HandlerFunc {
	allowMethods := strings.Join(methods, ", ")
	return func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		w.Header().Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			f.preflight(w, r, origin, allowMethods)
			return
		}
		if origin == "" {
			next(w, r)
			return
		}
		st := &corsState{origin: origin}
		r = r.WithContext(context.WithValue(r.Context(), corsKey{}, st))
		next(&corsWriter{ResponseWriter: w, f: f, r: r, st: st}, r)
	}
}

// preflight answers a CORS preflight: 204 with the allowing headers for an
// origin some client allows, 204 without them otherwise (the browser then
// refuses the request itself).
func (f *Face) preflight(w http.ResponseWriter, r *http.Request, origin, methods string) {
	h := w.Header()
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	if origin != "" && f.anyClientAllows(r.Context(), origin) {
		engine.AllowPreflight(h, origin, methods, corsAllowHeaders)
	} else {
		f.log.Info("CORS preflight refused", "origin", origin, "path", r.URL.Path)
	}
	w.WriteHeader(http.StatusNoContent)
}

// anyClientAllows reports whether some client of the tenant allows origin.
func (f *Face) anyClientAllows(ctx context.Context, origin string) bool {
	ok, err := tenant.AnyClientAllowsOrigin(ctx, f.store, origin)
	if err != nil {
		f.log.Error("CORS: list clients", "err", err)
	}
	return ok
}

// corsWriter adds the CORS headers just before the answer's header is
// written, when the request's client (or, if the handler named none, some
// client) allows the origin.
type corsWriter struct {
	http.ResponseWriter
	f       *Face
	r       *http.Request
	st      *corsState
	decided bool
}

func (cw *corsWriter) decide() {
	if cw.decided {
		return
	}
	cw.decided = true
	var ok bool
	if cw.st.known {
		ok = cw.st.client != nil && cw.st.client.AllowsOrigin(cw.st.origin)
	} else {
		ok = cw.f.anyClientAllows(cw.r.Context(), cw.st.origin)
	}
	if !ok {
		cw.f.log.Info("CORS: origin not allowed", "origin", cw.st.origin, "path", cw.r.URL.Path)
		return
	}
	h := cw.Header()
	h.Set("Access-Control-Allow-Origin", cw.st.origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Expose-Headers", "WWW-Authenticate, DPoP-Nonce")
}

func (cw *corsWriter) WriteHeader(status int) {
	cw.decide()
	cw.ResponseWriter.WriteHeader(status)
}

func (cw *corsWriter) Write(b []byte) (int, error) {
	cw.decide()
	return cw.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (cw *corsWriter) Unwrap() http.ResponseWriter { return cw.ResponseWriter }
