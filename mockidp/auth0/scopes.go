package auth0

import (
	"slices"
	"strings"

	"github.com/consentry/consentry/mockidp/tenant"
)

// OpenID Connect scopes.
const (
	scopeOpenID  = "openid"
	scopeProfile = "profile"
	scopeEmail   = "email"
	scopeOffline = "offline_access"
)

func isOIDCScope(s string) bool {
	return s == scopeOpenID || s == scopeProfile || s == scopeEmail
}

// splitScopes splits a scope parameter, dropping duplicates.
func splitScopes(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// effectiveScopes is what a user-facing request can be granted: the OIDC
// scopes (dropped for strict third-party clients, rule K2), offline_access
// when the API allows it (rule T4), and the API's own scopes; anything else
// is dropped, never an error (rule P3). allowed, when not nil, further limits
// API scopes (a strict third-party client's user client grant).
func effectiveScopes(requested []string, c *tenant.Client, api *tenant.API, allowed []string) []string {
	out := []string{}
	for _, s := range requested {
		switch {
		case isOIDCScope(s):
			if !c.IsStrictThirdParty() {
				out = append(out, s)
			}
		case s == scopeOffline:
			if api != nil && api.AllowOfflineAccess && c.AllowsGrant(tenant.GrantRefreshToken) {
				out = append(out, s)
			}
		case api != nil && api.HasScope(s):
			if allowed == nil || slices.Contains(allowed, s) {
				out = append(out, s)
			}
		}
	}
	return out
}
