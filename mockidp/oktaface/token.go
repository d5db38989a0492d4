package oktaface

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/consentry/consentry/mockidp/consent"
	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tokens"
)

// idTokenLifetime is the ID token's lifetime (Okta: one hour).
const idTokenLifetime = time.Hour

// descBadCredentials is Okta's answer to a wrong user name or password at
// the password grant.
const descBadCredentials = "The credentials provided were invalid."

// descMultipleCredentials is Okta's answer to a request with more than one
// client authentication method.
const descMultipleCredentials = "Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body."

// tokenResponse is the token endpoint's success body.
type tokenResponse struct {
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in,omitempty"`
	AccessToken string `json:"access_token,omitempty"`
	Scope       string `json:"scope,omitempty"`
	IDToken     string `json:"id_token,omitempty"`
	// RefreshToken is only in the token endpoint's JSON (never in a
	// fragment: the implicit flow gets no refresh token).
	RefreshToken string `json:"refresh_token,omitempty"`
	refreshID    string
}

// values renders the response for the implicit flow's fragment.
func (t tokenResponse) values() url.Values {
	v := url.Values{}
	if t.AccessToken != "" {
		v.Set("access_token", t.AccessToken)
		v.Set("token_type", t.TokenType)
		v.Set("expires_in", strconv.Itoa(t.ExpiresIn))
		v.Set("scope", t.Scope)
	}
	if t.IDToken != "" {
		v.Set("id_token", t.IDToken)
	}
	return v
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// token is POST /oauth2/{id}/v1/token: authorization_code (PKCE for
// public clients, client_id in the body), client_credentials (O4),
// password (O5) and refresh_token.
func (f *Face) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if e := engine.ParseForm(w, r); e != nil {
		oautherr.WriteJSON(w, e)
		return
	}
	form := r.PostForm
	if name := engine.Repeated(form); name != "" {
		oautherr.WriteJSON(w, engine.RepeatedError(name))
		return
	}
	if e := engine.TooManyScopes(form.Get("scope")); e != nil {
		oautherr.WriteJSON(w, e)
		return
	}
	srv, e := f.server(r)
	if e != nil {
		oautherr.WriteJSON(w, e)
		return
	}
	gt := form.Get("grant_type")
	switch gt {
	case "":
		oautherr.WriteJSON(w, oautherr.InvalidRequest("The 'grant_type' parameter is missing."))
		return
	case okta.GrantAuthorizationCode, okta.GrantClientCredentials, okta.GrantPassword, okta.GrantRefreshToken:
	default:
		oautherr.WriteJSON(w, oautherr.UnsupportedGrantType("The authorization grant type is not supported by the authorization server. Configured grant types: [authorization_code, client_credentials, implicit, password, refresh_token]."))
		return
	}
	app, e := f.authenticateClient(r)
	if e != nil {
		f.log.Info("token refused", "grant_type", gt, "error", e.Code, "description", e.Description)
		oautherr.WriteJSON(w, e)
		return
	}
	if !app.AllowsGrant(gt) {
		oautherr.WriteJSON(w, okta.ErrUnauthorizedClient(app))
		return
	}
	var res tokenResponse
	switch gt {
	case okta.GrantAuthorizationCode:
		res, e = f.codeGrant(ctx, srv, app, form)
	case okta.GrantClientCredentials:
		res, e = f.clientCredentialsGrant(ctx, srv, app, form)
	case okta.GrantPassword:
		res, e = f.passwordGrant(ctx, srv, app, form)
	case okta.GrantRefreshToken:
		res, e = f.refreshGrant(ctx, srv, app, form)
	}
	if e != nil {
		f.log.Info("token refused", "grant_type", gt, "client", app.ClientID(), "error", e.Code, "description", e.Description)
		oautherr.WriteJSON(w, e)
		return
	}
	f.log.Info("token issued", "server", srv.ID, "grant_type", gt, "client", app.ClientID(), "scope", res.Scope)
	writeJSON(w, http.StatusOK, res)
}

// authenticateClient identifies the app: client_secret_basic,
// client_secret_post, or none (client_id in the body) for public apps.
// Failures are 401 invalid_client (O10); more than one method at once is
// Okta's 401 invalid_request.
func (f *Face) authenticateClient(r *http.Request) (*okta.App, *oautherr.Error) {
	cred, e := engine.ClientCredentials(r)
	if id, ok := bareClientID(r); ok && e == nil {
		cred = engine.Credentials{ID: id, Basic: true}
		if f := r.PostForm; f.Has("client_secret") || f.Has("client_assertion") || f.Has("client_assertion_type") {
			e = oautherr.InvalidRequest(descMultipleCredentials) // the header is a method too
		}
	}
	if e != nil {
		// Okta's answer to two methods at once (RFC 6749 section 2.3), as
		// clients report it (github.com/boylesoftware/tomcat-oidcauth
		// issue 6: HTTP 401, invalid_request).
		return nil, oautherr.New(http.StatusUnauthorized, oautherr.CodeInvalidRequest, descMultipleCredentials)
	}
	id, secret := cred.ID, cred.Secret
	if pid := r.PostForm.Get("client_id"); cred.Basic && pid != "" && pid != id {
		return nil, oautherr.InvalidClient(okta.DescClientAuthFailed)
	}
	if id == "" {
		return nil, oautherr.InvalidClient(okta.DescClientAuthFailed)
	}
	app, e := f.activeApp(r.Context(), id)
	if e != nil {
		return nil, e
	}
	if app.IsPublic() {
		return app, nil
	}
	if secret == "" {
		return nil, oautherr.InvalidClient(okta.DescClientAuthFailed)
	}
	want := app.Credentials.OAuthClient.ClientSecret
	if want == "" || subtle.ConstantTimeCompare([]byte(want), []byte(secret)) != 1 {
		return nil, oautherr.InvalidClient(okta.DescBadSecret)
	}
	return app, nil
}

// bareClientID reads "Authorization: Basic base64(client_id)" with no
// colon and no secret: what okta-auth-js sends for a client without a
// secret to /v1/revoke (and /v1/introspect), "creds = clientSecret ?
// btoa(clientId:clientSecret) : btoa(clientId)" (okta-auth-js
// lib/oidc/revokeToken.ts; its revokeAccessToken and signOut work for
// single-page apps on real orgs, okta-facts section 7.2). net/http's
// BasicAuth wants the colon, so it never sees this one. Only a public app
// gets past authenticateClient with it: a confidential one has no secret.
func bareClientID(r *http.Request) (string, bool) {
	scheme, value, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
	if err != nil || len(raw) == 0 || strings.Contains(string(raw), ":") {
		return "", false
	}
	id := string(raw)
	if v, err := url.QueryUnescape(id); err == nil {
		id = v
	}
	return id, true
}

// codeGrant redeems an authorization code through the engine; the access
// policy is evaluated again for authorization_code (the user may have been
// unassigned since).
func (f *Face) codeGrant(ctx context.Context, srv *okta.AuthServer, app *okta.App, form url.Values) (tokenResponse, *oautherr.Error) {
	var res tokenResponse
	issue := func(rec session.Code) (engine.Issued, *oautherr.Error) {
		if rec.Audience != srv.ID {
			return engine.Issued{}, oautherr.InvalidGrant("The authorization code is invalid or has expired.")
		}
		user := f.activeUser(ctx, rec.UserID)
		if user == nil {
			return engine.Issued{}, oautherr.InvalidGrant("The authorization code is invalid or has expired.")
		}
		_, rule, err := okta.Authorize(ctx, f.st, srv, app, user.ID, okta.GrantAuthorizationCode, rec.Scopes)
		if err != nil {
			return engine.Issued{}, f.refusal(err)
		}
		var jti string
		var e *oautherr.Error
		res, jti, e = f.issue(tokenRequest{srv: srv, app: app, user: user, scopes: rec.Scopes, nonce: rec.Nonce,
			authTime: rec.AuthTime, rule: rule, access: true, idToken: true, refresh: true, grantType: okta.GrantAuthorizationCode})
		return engine.Issued{AccessID: jti, RefreshID: res.refreshID}, e
	}
	e := f.eng.Redeem(ctx, engine.Redemption{ClientID: app.ClientID(), Public: app.IsPublic(), Code: form.Get("code"),
		RedirectURI: form.Get("redirect_uri"), Verifier: form.Get("code_verifier")}, issue, f.revokeRefresh)
	return res, e
}

// clientCredentialsGrant issues a token to the app itself: a REQUIRED
// scope is refused, a FLEXIBLE one granted (rule O4, the seed's example).
func (f *Face) clientCredentialsGrant(ctx context.Context, srv *okta.AuthServer, app *okta.App, form url.Values) (tokenResponse, *oautherr.Error) {
	if app.IsPublic() {
		return tokenResponse{}, okta.ErrUnauthorizedClient(app)
	}
	scopes, rule, err := okta.Authorize(ctx, f.st, srv, app, "", okta.GrantClientCredentials, strings.Fields(form.Get("scope")))
	if err != nil {
		return tokenResponse{}, f.refusal(err)
	}
	if e := f.ccheck(scopes); e != nil {
		return tokenResponse{}, e
	}
	res, _, e := f.issue(tokenRequest{srv: srv, app: app, scopes: scopeNames(scopes), rule: rule, access: true})
	return res, e
}

// passwordGrant is the resource owner password flow: no consent page, so
// a REQUIRED app asking for a REQUIRED scope is refused (rule O5).
func (f *Face) passwordGrant(ctx context.Context, srv *okta.AuthServer, app *okta.App, form url.Values) (tokenResponse, *oautherr.Error) {
	username, password := form.Get("username"), form.Get("password")
	if username == "" || password == "" {
		return tokenResponse{}, oautherr.InvalidRequest("The 'username' and 'password' parameters are required.")
	}
	u, err := f.st.FindUser(ctx, username)
	if err != nil || u.Status != okta.UserActive || !credentials.CheckPassword(u.PasswordHash, password) {
		return tokenResponse{}, oautherr.InvalidGrant(descBadCredentials)
	}
	scopes, rule, err := okta.Authorize(ctx, f.st, srv, app, u.ID, okta.GrantPassword, strings.Fields(form.Get("scope")))
	if err != nil {
		return tokenResponse{}, f.refusal(err)
	}
	if e := consent.CheckOktaPassword(app.Settings.OAuthClient.ConsentMethod, scopes); e != nil {
		return tokenResponse{}, e
	}
	res, _, e := f.issue(tokenRequest{srv: srv, app: app, user: u, scopes: scopeNames(scopes), authTime: f.now(), rule: rule,
		access: true, idToken: true, refresh: true, grantType: okta.GrantPassword})
	return res, e
}

// tokenRequest describes the tokens to issue; user is nil for client
// credentials.
type tokenRequest struct {
	srv             *okta.AuthServer
	app             *okta.App
	user            *okta.User
	scopes          []string
	nonce           string
	authTime        time.Time
	rule            *okta.Rule
	access, idToken bool
	// refresh asks for a refresh token, issued when the scopes include
	// offline_access and the app has the refresh_token grant; grantType
	// is the flow it is issued from.
	refresh   bool
	grantType string
}

// issue signs Okta's tokens (rule O11). The access token: ver, jti
// ("AT..."), iss, aud (the server's audience), iat, exp, cid, uid, scp (an
// array), sub (the user's login, or the client_id), auth_time. The ID
// token (only with openid and a user): sub (the user's id), aud (the
// client_id as a string), ver, jti ("ID..."), amr, idp, nonce, auth_time,
// at_hash, and the claims the scopes allow.
func (f *Face) issue(q tokenRequest) (tokenResponse, string, *oautherr.Error) {
	iss := f.issuer(q.srv)
	now := f.now().Truncate(time.Second)
	lifetime := time.Hour
	if q.rule != nil && q.rule.Actions.Token.AccessTokenLifetimeMinutes > 0 {
		lifetime = time.Duration(q.rule.Actions.Token.AccessTokenLifetimeMinutes) * time.Minute
	}
	res := tokenResponse{TokenType: "Bearer", Scope: strings.Join(q.scopes, " ")}
	scp := q.scopes
	if scp == nil {
		scp = []string{}
	}
	var jti string
	if q.access {
		jti = "AT." + tokens.RandomToken()[:40]
		c := jwt.MapClaims{
			"ver": 1, "jti": jti, "iss": iss.URL, "aud": q.srv.Audience(),
			"iat": now.Unix(), "exp": now.Add(lifetime).Unix(), "cid": q.app.ClientID(), "scp": scp,
		}
		if q.user != nil {
			c["uid"], c["sub"] = q.user.ID, q.user.Profile.Login
			if !q.authTime.IsZero() {
				c["auth_time"] = q.authTime.Unix()
			}
		} else {
			c["sub"] = q.app.ClientID()
		}
		tok, err := iss.SignClaims(c)
		if err != nil {
			return res, "", f.eng.Internal(err)
		}
		res.AccessToken, res.ExpiresIn = tok, int(lifetime/time.Second)
	}
	if q.idToken && q.user != nil && slices.Contains(q.scopes, "openid") {
		u := q.user
		c := jwt.MapClaims{
			"sub": u.ID, "ver": 1, "iss": iss.URL, "aud": q.app.ClientID(), "iat": now.Unix(),
			"exp": now.Add(idTokenLifetime).Unix(), "jti": "ID." + tokens.RandomToken()[:40], "amr": []string{"pwd"}, "idp": f.idp,
		}
		if q.nonce != "" {
			c["nonce"] = q.nonce
		}
		if !q.authTime.IsZero() {
			c["auth_time"] = q.authTime.Unix()
		}
		if res.AccessToken != "" {
			c["at_hash"] = halfHash(res.AccessToken)
		}
		for k, v := range profileClaims(u, q.scopes) {
			c[k] = v
		}
		tok, err := iss.SignClaims(c)
		if err != nil {
			return res, "", f.eng.Internal(err)
		}
		res.IDToken = tok
	}
	if q.refresh && q.user != nil && wantsRefresh(q.app, q.scopes) {
		tok, rid, err := f.signRefresh(q, now)
		if err != nil {
			return res, "", f.eng.Internal(err)
		}
		res.RefreshToken, res.refreshID = tok, rid
	}
	if !q.access {
		res.TokenType, res.Scope = "", ""
	}
	return res, jti, nil
}

// profileClaims are the user's claims the scopes allow (ID token and
// userinfo).
func profileClaims(u *okta.User, scopes []string) map[string]any {
	out := map[string]any{}
	p := u.Profile
	if slices.Contains(scopes, "profile") {
		out["name"] = u.FullName()
		out["preferred_username"] = p.Login
		out["given_name"], out["family_name"] = p.FirstName, p.LastName
		if p.NickName != "" {
			out["nickname"] = p.NickName
		}
		if p.Locale != "" {
			out["locale"] = p.Locale
		}
		if p.TimeZone != "" {
			out["zoneinfo"] = p.TimeZone
		}
		out["updated_at"] = u.LastUpdated.Unix()
	}
	if slices.Contains(scopes, "email") {
		out["email"], out["email_verified"] = p.Email, true
	}
	if slices.Contains(scopes, "phone") && p.MobilePhone != "" {
		out["phone_number"] = p.MobilePhone
	}
	return out
}
