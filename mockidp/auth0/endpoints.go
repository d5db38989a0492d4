package auth0

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// discovery is the OpenID Provider metadata (rule J1).
func (f *Face) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                f.iss.URL,
		"authorization_endpoint":                f.url("authorize"),
		"token_endpoint":                        f.url("oauth/token"),
		"userinfo_endpoint":                     f.url("userinfo"),
		"jwks_uri":                              f.url(".well-known/jwks.json"),
		"revocation_endpoint":                   f.url("oauth/revoke"),
		"end_session_endpoint":                  f.url("oidc/logout"),
		"scopes_supported":                      []string{scopeOpenID, scopeProfile, scopeEmail, scopeOffline},
		"response_types_supported":              []string{rtCode, rtToken, rtIDToken, rtIDTokenToken},
		"response_modes_supported":              []string{engine.ModeQuery, engine.ModeFragment, engine.ModeFormPost, engine.ModeWebMessage},
		"grant_types_supported":                 []string{tenant.GrantAuthorizationCode, tenant.GrantImplicit, tenant.GrantRefreshToken, tenant.GrantClientCredentials, tenant.GrantPassword, tenant.GrantPasswordRealm, tenant.GrantTokenExchange},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{tokens.RS256},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "none"},
		"code_challenge_methods_supported":      []string{"S256", "plain"},
		"prompt_values_supported":               []string{"none", "login", "consent"},
		"claims_supported":                      []string{"aud", "auth_time", "email", "email_verified", "exp", "iat", "iss", "name", "nickname", "nonce", "picture", "sub"},
		"request_uri_parameter_supported":       false,
	})
}

// jwks publishes the tenant's public keys.
func (f *Face) jwks(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, f.iss.Keys.JWKS())
}

// userinfo answers for tokens that include openid (rule J2).
func (f *Face) userinfo(w http.ResponseWriter, r *http.Request) {
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || bearer == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="userinfo"`)
		oautherr.WriteJSON(w, oautherr.New(http.StatusUnauthorized, oautherr.CodeInvalidRequest, "Missing bearer token."))
		return
	}
	claims, err := f.iss.VerifyAccess(bearer, f.userinfoAudience())
	if err != nil || f.eng.AccessRevoked(r.Context(), claims.ID) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		oautherr.WriteJSON(w, oautherr.New(http.StatusUnauthorized, oautherr.CodeInvalidToken, "The access token is invalid, expired, revoked, or not meant for /userinfo."))
		return
	}
	// W1: the token's client decides which origins may read the answer.
	if c, err := f.store.GetClient(r.Context(), claims.AZP); err == nil {
		corsClient(r, c)
	} else {
		corsClient(r, nil)
	}
	scopes := claims.Scopes()
	if !slices.Contains(scopes, scopeOpenID) {
		oautherr.WriteJSON(w, oautherr.New(http.StatusForbidden, "insufficient_scope", "The access token does not include the openid scope."))
		return
	}
	u, err := f.store.GetUser(r.Context(), claims.Subject)
	if err != nil {
		oautherr.WriteJSON(w, oautherr.New(http.StatusUnauthorized, oautherr.CodeInvalidToken, "The user no longer exists."))
		return
	}
	out := map[string]any{"sub": u.UserID}
	if slices.Contains(scopes, scopeProfile) {
		out["name"], out["nickname"], out["picture"] = u.Name, nickname(u), u.Picture
	}
	if slices.Contains(scopes, scopeEmail) {
		out["email"], out["email_verified"] = u.Email, true
	}
	writeJSON(w, http.StatusOK, out)
}
