package oktaface

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/consentry/consentry/mockidp/engine"
)

// CORS for browser apps. okta-auth-js calls the discovery document, the
// keys, /v1/token, /v1/userinfo, /v1/revoke and /v1/introspect with
// XMLHttpRequest/fetch from the app's own origin; a browser hands it the
// answer only if the answer allows that origin.
//
// On a real org an origin is allowed when it is a Trusted Origin of type
// CORS (Security > API > Trusted Origins: "Trusted Origins also enable
// browser-based applications to access Okta APIs from JavaScript (CORS).
// If the origins aren't specified, the related operation ... isn't
// permitted", Trusted Origins API reference). The console adds the base URI
// of a new single-page app as one (okta/samples-js-react#57, an Okta
// engineer: the CORS Trusted Origin "should be automatically created ...
// when you create an SPA application in the Console"), and /v1/token adds
// the CORS headers by itself "if the request origin is in your redirect
// uris" (okta/okta-developer-docs#1678, an Okta engineer). The mock has no
// Trusted Origins API: it trusts, org-wide as Okta's list is, the origins
// of the sign-in and sign-out redirect URIs of the org's ACTIVE apps.
// Other origins get no CORS headers, so the browser withholds the answer.
// okta-auth-js sends credentialed requests (withCredentials), hence the
// exact origin and Access-Control-Allow-Credentials, never "*".

// corsAllowHeaders are the request headers a preflight allows: okta-auth-js
// adds X-Okta-User-Agent-Extended (its telemetry) and X-Requested-With to
// every call.
const corsAllowHeaders = "Accept, Authorization, Content-Type, X-Okta-User-Agent-Extended, X-Requested-With, DPoP"

// cors wraps an endpoint scripts call: it answers preflights (OPTIONS with
// Access-Control-Request-Method) and adds the CORS headers to the answers
// for a trusted origin. methods are the endpoint's methods.
func (f *Face) cors(next http.HandlerFunc, methods string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		h := w.Header()
		h.Add("Vary", "Origin")
		if r.Method == http.MethodOptions {
			if r.Header.Get("Access-Control-Request-Method") == "" {
				f.methodJSON(methods)(w, r) // an OPTIONS that is no preflight
				return
			}
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			if origin != "" && f.trustedOrigin(r.Context(), origin) {
				engine.AllowPreflight(h, origin, methods, corsAllowHeaders)
			} else {
				f.log.Info("CORS preflight refused: not a trusted origin", "origin", origin, "path", r.URL.Path)
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if origin != "" {
			if f.trustedOrigin(r.Context(), origin) {
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Credentials", "true")
				h.Set("Access-Control-Expose-Headers", "WWW-Authenticate")
			} else {
				f.log.Info("CORS refused: not a trusted origin", "origin", origin, "path", r.URL.Path)
			}
		}
		next(w, r)
	}
}

// trustedOrigin reports whether origin is the origin of a sign-in or
// sign-out redirect URI of an ACTIVE app of the org.
func (f *Face) trustedOrigin(ctx context.Context, origin string) bool {
	apps, err := f.st.ListApps(ctx)
	if err != nil {
		f.log.Error("CORS: list apps", "err", err)
		return false
	}
	for _, a := range apps {
		if !a.IsActive() {
			continue
		}
		oc := a.Settings.OAuthClient
		for _, list := range [][]string{oc.RedirectURIs, oc.PostLogoutRedirectURIs} {
			for _, u := range list {
				if originOf(u) == origin {
					return true
				}
			}
		}
	}
	return false
}

// originOf is scheme://host[:port] of an http(s) URL, "" for anything else
// (custom schemes have no web origin).
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if p := u.Port(); (scheme == "https" && p == "443") || (scheme == "http" && p == "80") {
		host = strings.ToLower(u.Hostname()) // a browser's Origin leaves the default port out
	}
	return scheme + "://" + host
}
