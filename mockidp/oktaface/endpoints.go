package oktaface

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/pages"
	"github.com/consentry/consentry/mockidp/tokens"
)

// halfHash is the OIDC at_hash: the left half of SHA-256, base64url.
func halfHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

// discovery is the server's OpenID Provider metadata (and its OAuth 2.0
// authorization server metadata): endpoints are {issuer}/v1/..., as
// okta-auth-js builds them itself.
func (f *Face) discovery(w http.ResponseWriter, r *http.Request) {
	srv, e := f.server(r)
	if e != nil {
		oautherr.WriteJSON(w, e)
		return
	}
	var published []string
	if all, err := f.st.ListScopes(r.Context(), srv.ID); err == nil {
		for _, s := range all {
			if s.MetadataPublish == okta.PublishAll {
				published = append(published, s.Name)
			}
		}
	}
	ep := func(p string) string { return f.endpoint(srv, p) }
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                        srv.Issuer(f.org),
		"authorization_endpoint":                        ep("v1/authorize"),
		"token_endpoint":                                ep("v1/token"),
		"userinfo_endpoint":                             ep("v1/userinfo"),
		"jwks_uri":                                      ep("v1/keys"),
		"introspection_endpoint":                        ep("v1/introspect"),
		"revocation_endpoint":                           ep("v1/revoke"),
		"end_session_endpoint":                          ep("v1/logout"),
		"response_types_supported":                      []string{rtCode, rtIDToken, rtToken, rtIDTokenToken},
		"response_modes_supported":                      []string{engine.ModeQuery, engine.ModeFragment, engine.ModeFormPost, engine.ModeOktaPostMessage},
		"grant_types_supported":                         []string{okta.GrantAuthorizationCode, okta.GrantImplicit, okta.GrantClientCredentials, okta.GrantPassword, okta.GrantRefreshToken},
		"subject_types_supported":                       []string{"public"},
		"scopes_supported":                              published,
		"id_token_signing_alg_values_supported":         []string{tokens.RS256},
		"token_endpoint_auth_methods_supported":         []string{okta.AuthSecretBasic, okta.AuthSecretPost, okta.AuthNone},
		"introspection_endpoint_auth_methods_supported": []string{okta.AuthSecretBasic, okta.AuthSecretPost, okta.AuthNone},
		"revocation_endpoint_auth_methods_supported":    []string{okta.AuthSecretBasic, okta.AuthSecretPost, okta.AuthNone},
		"code_challenge_methods_supported":              []string{"S256"},
		"claims_supported": []string{"iss", "ver", "sub", "aud", "iat", "exp", "jti", "auth_time", "amr", "idp", "nonce",
			"name", "nickname", "preferred_username", "given_name", "family_name", "zoneinfo", "locale", "updated_at",
			"email", "email_verified", "phone_number", "at_hash"},
		"prompt_values_supported":     []string{"none", "consent", "login"},
		"request_parameter_supported": false,
	})
}

// jwks publishes the server's signing keys (RS256 only, as Okta).
func (f *Face) jwks(w http.ResponseWriter, r *http.Request) {
	if _, e := f.server(r); e != nil {
		oautherr.WriteJSON(w, e)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, f.keys.JWKSFor(tokens.RS256))
}

// accessClaims verifies one of the server's access tokens (signature,
// issuer, expiry, not revoked).
func (f *Face) accessClaims(r *http.Request, srv *okta.AuthServer, token string) (jwt.MapClaims, bool) {
	c, err := f.issuer(srv).VerifyClaims(token, false)
	if err != nil {
		return nil, false
	}
	jti, _ := c["jti"].(string)
	if _, isAccess := c["cid"]; !isAccess || !strings.HasPrefix(jti, "AT.") || f.eng.AccessRevoked(r.Context(), jti) {
		return nil, false
	}
	return c, true
}

func claimScopes(c jwt.MapClaims) []string {
	var out []string
	if list, ok := c["scp"].([]any); ok {
		for _, v := range list {
			if s, ok := v.(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// userinfo answers for access tokens with openid; sub is the user's id.
func (f *Face) userinfo(w http.ResponseWriter, r *http.Request) {
	srv, e := f.server(r)
	if e != nil {
		oautherr.WriteJSON(w, e)
		return
	}
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	invalid := func(desc string) {
		w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="`+f.endpoint(srv, "v1/authorize")+`", realm="`+f.endpoint(srv, "v1/authorize")+`", scope="openid", error="invalid_token", error_description="`+desc+`", resource=""`)
		oautherr.WriteJSON(w, oautherr.New(http.StatusUnauthorized, oautherr.CodeInvalidToken, desc))
	}
	if !ok || bearer == "" {
		invalid("The access token is missing.")
		return
	}
	c, ok := f.accessClaims(r, srv, bearer)
	uid, _ := c["uid"].(string)
	if !ok || uid == "" {
		invalid("The access token is invalid.")
		return
	}
	scopes := claimScopes(c)
	if !slices.Contains(scopes, "openid") {
		w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope", error_description="The access token must provide access to at least one of these scopes - openid"`)
		oautherr.WriteJSON(w, oautherr.New(http.StatusForbidden, "insufficient_scope", "The access token must provide access to at least one of these scopes - openid"))
		return
	}
	u := f.activeUser(r.Context(), uid)
	if u == nil {
		invalid("The access token is invalid.")
		return
	}
	out := map[string]any{"sub": u.ID}
	for k, v := range profileClaims(u, scopes) {
		out[k] = v
	}
	writeJSON(w, http.StatusOK, out)
}

// revoke revokes an access token of the calling client (RFC 7009): 200 for
// anything the client may send, known or not.
func (f *Face) revoke(w http.ResponseWriter, r *http.Request) {
	srv, app, token, e := f.tokenCall(w, r)
	if e != nil {
		oautherr.WriteJSON(w, e)
		return
	}
	if c, err := f.issuer(srv).VerifyClaims(token, true); err == nil {
		jti, _ := c["jti"].(string)
		if cid, _ := c["cid"].(string); cid == app.ClientID() && jti != "" {
			if err := f.eng.RevokeAccess(r.Context(), jti); err != nil {
				oautherr.WriteJSON(w, f.eng.Internal(err))
				return
			}
			f.log.Info("access token revoked", "client", cid)
		}
	}
	if c, _, ok := f.refreshClaims(r.Context(), srv, app, token); ok {
		jti, _ := c["jti"].(string)
		if err := f.eng.RevokeAccess(r.Context(), jti); err != nil {
			oautherr.WriteJSON(w, f.eng.Internal(err))
			return
		}
		f.log.Info("refresh token revoked", "client", app.ClientID())
	}
	w.WriteHeader(http.StatusOK)
}

// introspect says whether an access token is active (RFC 7662):
// active:false once revoked.
func (f *Face) introspect(w http.ResponseWriter, r *http.Request) {
	srv, _, token, e := f.tokenCall(w, r)
	if e != nil {
		oautherr.WriteJSON(w, e)
		return
	}
	c, ok := f.accessClaims(r, srv, token)
	if !ok {
		f.introspectRefresh(w, r, srv, token)
		return
	}
	out := map[string]any{"active": true, "token_type": "Bearer", "scope": strings.Join(claimScopes(c), " "),
		"client_id": c["cid"], "username": c["sub"]}
	for _, k := range []string{"exp", "iat", "sub", "aud", "iss", "jti", "uid"} {
		if v, ok := c[k]; ok {
			out[k] = v
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// introspectRefresh answers for a refresh token: active while it can be
// used (not expired, not revoked, the user's grants still there), with its
// scope, client_id, username (the user's login), uid, exp, iat, iss and
// jti; anything else is active:false.
func (f *Face) introspectRefresh(w http.ResponseWriter, r *http.Request, srv *okta.AuthServer, token string) {
	c, user, ok := f.refreshClaims(r.Context(), srv, nil, token)
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	out := map[string]any{"active": true, "scope": strings.Join(claimScopes(c), " "), "client_id": c["cid"],
		"username": user.Profile.Login, "sub": user.Profile.Login}
	for _, k := range []string{"exp", "iat", "iss", "jti", "uid"} {
		if v, ok := c[k]; ok {
			out[k] = v
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// tokenCall reads a revoke or introspect request: the server, the
// authenticated client and the token parameter.
func (f *Face) tokenCall(w http.ResponseWriter, r *http.Request) (*okta.AuthServer, *okta.App, string, *oautherr.Error) {
	if e := engine.ParseForm(w, r); e != nil {
		return nil, nil, "", e
	}
	if name := engine.Repeated(r.PostForm); name != "" {
		return nil, nil, "", engine.RepeatedError(name)
	}
	srv, e := f.server(r)
	if e != nil {
		return nil, nil, "", e
	}
	app, e := f.authenticateClient(r)
	if e != nil {
		return nil, nil, "", e
	}
	token := r.PostForm.Get("token")
	if token == "" {
		return nil, nil, "", oautherr.InvalidRequest("The 'token' parameter is missing.")
	}
	return srv, app, token, nil
}

// logout ends the login session (RP-initiated logout): id_token_hint names
// the app, whose post_logout_redirect_uris must list
// post_logout_redirect_uri; state comes back unchanged.
func (f *Face) logout(w http.ResponseWriter, r *http.Request) {
	if e := engine.ParseForm(w, r); e != nil {
		f.errorPage(w, e)
		return
	}
	srv, e := f.server(r)
	if e != nil {
		f.errorPage(w, e)
		return
	}
	q := r.Form
	to := q.Get("post_logout_redirect_uri")
	var app *okta.App
	if hint := q.Get("id_token_hint"); hint != "" {
		c, err := f.issuer(srv).VerifyClaims(hint, true)
		aud, _ := c["aud"].(string)
		if err != nil || aud == "" {
			f.errorPage(w, oautherr.InvalidRequest("The 'id_token_hint' parameter is invalid."))
			return
		}
		if app, e = f.activeApp(r.Context(), aud); e != nil {
			f.errorPage(w, e)
			return
		}
	}
	if to != "" && (app == nil || !slices.Contains(app.Settings.OAuthClient.PostLogoutRedirectURIs, to)) {
		f.errorPage(w, oautherr.InvalidRequest("The 'post_logout_redirect_uri' parameter must be a Logout redirect URI in the client app settings: "+to))
		return
	}
	if err := f.eng.Logout(w, r); err != nil {
		f.errorPage(w, f.eng.Internal(err))
		return
	}
	if to == "" {
		pages.RenderLoggedOut(w, pages.LoggedOut{Tenant: pages.Tenant{Name: f.name, LogoURL: f.logo}})
		return
	}
	if st := q.Get("state"); st != "" {
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + "state=" + url.QueryEscape(st)
	}
	engine.Redirect(w, r, to)
}
