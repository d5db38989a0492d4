package auth0

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

// grantFunc answers a token request of one grant type for an
// authenticated client.
type grantFunc func(context.Context, *tenant.Client, url.Values) (tokenResponse, *oautherr.Error)

// grantHandlers maps each grant type the face implements to its handler.
func (f *Face) grantHandlers() map[string]grantFunc {
	return map[string]grantFunc{
		tenant.GrantAuthorizationCode: f.codeGrant,
		tenant.GrantClientCredentials: f.clientCredentialsGrant,
		tenant.GrantPassword:          f.passwordGrant,
		tenant.GrantPasswordRealm:     f.passwordGrant,
		tenant.GrantRefreshToken:      f.refreshGrant,
		tenant.GrantTokenExchange:     f.exchangeGrant,
	}
}

// tokenResponse is the token endpoint's success body.
type tokenResponse struct {
	AccessToken     string `json:"access_token"`
	IDToken         string `json:"id_token,omitempty"`
	RefreshToken    string `json:"refresh_token,omitempty"`
	TokenType       string `json:"token_type"`
	ExpiresIn       int    `json:"expires_in"`
	Scope           string `json:"scope,omitempty"`
	IssuedTokenType string `json:"issued_token_type,omitempty"`
}

// values renders the response for the implicit flow's fragment.
func (t tokenResponse) values() url.Values {
	v := url.Values{}
	if t.AccessToken != "" {
		v.Set("access_token", t.AccessToken)
		v.Set("token_type", t.TokenType)
		v.Set("expires_in", strconv.Itoa(t.ExpiresIn))
		if t.Scope != "" {
			v.Set("scope", t.Scope)
		}
	}
	if t.IDToken != "" {
		v.Set("id_token", t.IDToken)
	}
	return v
}

// token is POST /oauth/token (rules T1 to T5, K5).
func (f *Face) token(w http.ResponseWriter, r *http.Request) {
	// Form or JSON (W3: Auth0's SDKs send either), no repeated parameter.
	if e := parseParams(w, r); e != nil {
		oautherr.WriteJSON(w, e)
		return
	}
	if e := engine.TooManyScopes(r.PostForm.Get("scope")); e != nil {
		oautherr.WriteJSON(w, e)
		return
	}
	grantType := r.PostForm.Get("grant_type")
	if grantType == "" {
		oautherr.WriteJSON(w, oautherr.InvalidRequest("Missing required parameter: grant_type"))
		return
	}
	handler, known := f.grants[grantType]
	if !known {
		oautherr.WriteJSON(w, oautherr.UnsupportedGrantType("Unsupported grant type: "+grantType))
		return
	}
	client, e := f.authenticateClient(r)
	if e != nil {
		f.log.Info("token refused", "grant_type", grantType, "error", e.Code, "description", e.Description)
		oautherr.WriteJSON(w, e)
		return
	}
	corsClient(r, client)
	if !client.AllowsGrant(grantType) {
		oautherr.WriteJSON(w, oautherr.UnauthorizedClient("Grant type '"+grantType+"' not allowed for the client."))
		return
	}
	res, e := handler(r.Context(), client, r.PostForm)
	if e != nil {
		f.log.Info("token refused", "grant_type", grantType, "client", client.ClientID, "error", e.Code, "description", e.Description)
		oautherr.WriteJSON(w, e)
		return
	}
	f.log.Info("token issued", "grant_type", grantType, "client", client.ClientID, "scope", res.Scope)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	_ = json.NewEncoder(w).Encode(res)
}

// authenticateClient identifies the client: client_secret_basic,
// client_secret_post, or none for public clients (rule T1); more than one
// method at once is invalid_request (engine.ClientCredentials).
func (f *Face) authenticateClient(r *http.Request) (*tenant.Client, *oautherr.Error) {
	cred, e := engine.ClientCredentials(r)
	if e != nil {
		return nil, e
	}
	id, secret := cred.ID, cred.Secret
	if pid := r.PostForm.Get("client_id"); cred.Basic && pid != "" && pid != id {
		return nil, oautherr.InvalidRequest("client_id in the body does not match the Authorization header.")
	}
	if id == "" {
		return nil, oautherr.InvalidClient("Client authentication is required: send client_id (and client_secret for confidential clients).")
	}
	c, err := f.store.GetClient(r.Context(), id)
	if errors.Is(err, tenant.ErrNotFound) {
		return nil, oautherr.InvalidClient("Unknown client or invalid client credentials.")
	} else if err != nil {
		return nil, f.eng.Internal(err)
	}
	if c.IsPublic() {
		return c, nil
	}
	if secret == "" {
		return nil, oautherr.InvalidClient("Client authentication is required: this client must send its client_secret.")
	}
	if !credentials.SecretMatches(c.ClientSecret, secret) {
		return nil, oautherr.InvalidClient("Unknown client or invalid client credentials.")
	}
	return c, nil
}

// codeGrant redeems an authorization code (rule T1) through the engine:
// the client (already authenticated), the redirect_uri and PKCE are checked
// on a read of the code before it is claimed, so a refused request consumes
// and revokes nothing; the claim picks the one winner among concurrent
// redemptions; a redemption after the winner recorded its tokens is a
// replay and revokes them (the refresh token with its rotated family).
func (f *Face) codeGrant(ctx context.Context, c *tenant.Client, form url.Values) (tokenResponse, *oautherr.Error) {
	var res tokenResponse
	issue := func(rec session.Code) (engine.Issued, *oautherr.Error) {
		r, issued, e := f.redeemedTokens(ctx, c, rec)
		res = r
		return engine.Issued{AccessID: issued.accessID, RefreshID: issued.refreshID}, e
	}
	e := f.eng.Redeem(ctx, engine.Redemption{ClientID: c.ClientID, Public: c.IsPublic(), Code: form.Get("code"),
		RedirectURI: form.Get("redirect_uri"), Verifier: form.Get("code_verifier")}, issue, f.revokeRefreshFamily)
	if e != nil {
		return tokenResponse{}, e
	}
	return res, nil
}

// redeemedTokens issues the tokens of a code this request won.
func (f *Face) redeemedTokens(ctx context.Context, c *tenant.Client, rec session.Code) (tokenResponse, issuedIDs, *oautherr.Error) {
	user, err := f.store.GetUser(ctx, rec.UserID)
	if err != nil {
		return tokenResponse{}, issuedIDs{}, oautherr.InvalidGrant("The user of this authorization code no longer exists.")
	}
	api, e := f.apiFor(ctx, rec.Audience)
	if e != nil {
		return tokenResponse{}, issuedIDs{}, e
	}
	return f.userTokens(ctx, userTokenRequest{client: c, api: api, user: user, scopes: rec.Scopes,
		nonce: rec.Nonce, authTime: rec.AuthTime, grantID: rec.GrantID, access: true, idToken: true})
}

// revokeRefreshFamily revokes the refresh token issued from a replayed
// code: with rotation it may have been replaced since, so the tokens that
// descend from it go too (W4).
func (f *Face) revokeRefreshFamily(ctx context.Context, refreshID string) {
	if rec, err := f.store.GetRefreshToken(ctx, refreshID); err == nil {
		f.revokeFamily(ctx, rec)
	} else if !errors.Is(err, tenant.ErrNotFound) {
		f.log.Error("revoke refresh token", "err", err)
	}
}

// clientCredentialsGrant issues a token to the client itself (rule T2).
func (f *Face) clientCredentialsGrant(ctx context.Context, c *tenant.Client, form url.Values) (tokenResponse, *oautherr.Error) {
	if c.IsPublic() {
		return tokenResponse{}, oautherr.UnauthorizedClient("Public clients cannot use the client_credentials grant.")
	}
	audience := form.Get("audience")
	if audience == "" {
		return tokenResponse{}, oautherr.AccessDenied("No audience parameter was provided, and no default audience has been configured")
	}
	api, e := f.apiFor(ctx, audience)
	if e != nil {
		return tokenResponse{}, e
	}
	grants, err := f.store.ListClientGrants(ctx, tenant.ClientGrantFilter{ClientID: c.ClientID, Audience: audience, SubjectType: tenant.SubjectClient})
	if err != nil {
		return tokenResponse{}, f.eng.Internal(err)
	}
	if len(grants) == 0 {
		return tokenResponse{}, oautherr.AccessDenied(`Client is not authorized to access "` + audience + `". You need to create a "client-grant" associated to this API.`)
	}
	scopes := grants[0].Scope
	if requested := splitScopes(form.Get("scope")); len(requested) > 0 {
		scopes = slices.DeleteFunc(requested, func(s string) bool { return !slices.Contains(grants[0].Scope, s) })
	}
	at, err := f.iss.AccessToken(tokens.Access{Subject: c.ClientID + "@clients", Audience: []string{audience},
		ClientID: c.ClientID, Scope: scopes, GTY: "client-credentials", Lifetime: lifetime(api), Alg: api.SigningAlg})
	if err != nil {
		return tokenResponse{}, f.eng.Internal(err)
	}
	return tokenResponse{AccessToken: at.Token, TokenType: "Bearer", ExpiresIn: at.ExpiresIn, Scope: strings.Join(scopes, " ")}, nil
}

// passwordGrant is the resource owner password flow (rule T3): no consent
// page and no grant; not for strict third-party clients.
func (f *Face) passwordGrant(ctx context.Context, c *tenant.Client, form url.Values) (tokenResponse, *oautherr.Error) {
	grantType := form.Get("grant_type")
	if c.IsStrictThirdParty() {
		return tokenResponse{}, oautherr.UnauthorizedClient("Grant type '" + grantType + "' not allowed for the client.")
	}
	username, password := form.Get("username"), form.Get("password")
	if username == "" {
		return tokenResponse{}, oautherr.InvalidRequest("Missing required parameter: username")
	}
	if password == "" {
		return tokenResponse{}, oautherr.InvalidRequest("Missing required parameter: password")
	}
	realm := form.Get("realm")
	if grantType == tenant.GrantPasswordRealm && realm == "" {
		return tokenResponse{}, oautherr.InvalidRequest("Missing required parameter: realm")
	}
	var user *tenant.User
	if realm != "" {
		// The realm is a database connection the client may use, and the
		// user must be one of its users.
		u, e := f.realmUser(ctx, c, realm, username, password)
		if e != nil {
			return tokenResponse{}, e
		}
		user = u
	} else {
		u, err := f.store.FindUser(ctx, username)
		if err != nil && !errors.Is(err, tenant.ErrNotFound) {
			return tokenResponse{}, f.eng.Internal(err)
		}
		if u == nil || !credentials.CheckPassword(u.PasswordHash, password) {
			return tokenResponse{}, oautherr.New(http.StatusForbidden, oautherr.CodeInvalidGrant, "Wrong email or password.")
		}
		user = u
	}
	api, e := f.apiFor(ctx, form.Get("audience"))
	if e != nil {
		return tokenResponse{}, e
	}
	requested := splitScopes(form.Get("scope"))
	if api != nil && len(requested) == 0 {
		requested = api.ScopeValues() // T3: no scope requested -> every scope of the API
	}
	res, _, e := f.userTokens(ctx, userTokenRequest{client: c, api: api, user: user, scopes: effectiveScopes(requested, c, api, nil),
		authTime: f.now(), gty: "password", access: true, idToken: true})
	return res, e
}

// refreshGrant uses a refresh token (rules T4, C9), rotating it for a
// client that rotates (W4) and refusing it past its expiry (rotation.go).
func (f *Face) refreshGrant(ctx context.Context, c *tenant.Client, form url.Values) (tokenResponse, *oautherr.Error) {
	raw := form.Get("refresh_token")
	if raw == "" {
		return tokenResponse{}, oautherr.InvalidRequest("Missing required parameter: refresh_token")
	}
	rec, err := f.store.GetRefreshToken(ctx, tokens.Digest(raw))
	if err != nil || rec.ClientID != c.ClientID {
		return tokenResponse{}, errInvalidRefresh
	}
	now := f.now().UTC()
	withinLeeway, e := f.usableRefresh(ctx, c, rec, now)
	if e != nil {
		return tokenResponse{}, e
	}
	if rec.GrantID != "" {
		if g, err := f.store.GetUserGrant(ctx, rec.GrantID); err != nil || !g.Covers(rec.Scope) {
			_ = f.store.DeleteRefreshToken(ctx, rec.ID)
			return tokenResponse{}, oautherr.InvalidGrant("The grant this refresh token was issued under was revoked.")
		}
	}
	user, err := f.store.GetUser(ctx, rec.UserID)
	if err != nil {
		return tokenResponse{}, errInvalidRefresh
	}
	scopes := rec.Scope
	if requested := splitScopes(form.Get("scope")); len(requested) > 0 {
		if !engine.Subset(requested, rec.Scope) {
			return tokenResponse{}, oautherr.New(http.StatusBadRequest, oautherr.CodeInvalidScope, "The requested scope exceeds the scope granted to the refresh token.")
		}
		scopes = requested
	}
	api, e := f.apiFor(ctx, rec.Audience)
	if e != nil {
		return tokenResponse{}, e
	}
	res, _, e := f.userTokens(ctx, userTokenRequest{client: c, api: api, user: user, scopes: scopes,
		authTime: rec.AuthTime, access: true, idToken: true, noRefresh: true})
	if e != nil {
		return tokenResponse{}, e
	}
	// The tokens are handed out only once the refresh token's use is
	// recorded: a request that loses a race gets none.
	switch {
	case withinLeeway:
		res.RefreshToken, e = f.sibling(ctx, c, rec, now)
	case c.RefreshTokenPolicy().Rotating():
		res.RefreshToken, e = f.rotate(ctx, c, rec, now)
	case rotated(rec):
		res.RefreshToken, e = f.unrotate(ctx, c, rec, now)
	default:
		e = f.touch(ctx, c, rec, now)
	}
	if e != nil {
		return tokenResponse{}, e
	}
	return res, nil
}

// userTokenRequest describes tokens issued for a user.
type userTokenRequest struct {
	client          *tenant.Client
	api             *tenant.API
	user            *tenant.User
	scopes          []string
	nonce           string
	authTime        time.Time
	gty             string
	grantID         string
	access, idToken bool
	noRefresh       bool
}

type issuedIDs struct{ accessID, refreshID string }

// userTokens issues the access token, the ID token when openid was granted
// (never to strict third-party clients, K2) and a refresh token when
// offline_access was granted (T4).
func (f *Face) userTokens(ctx context.Context, q userTokenRequest) (tokenResponse, issuedIDs, *oautherr.Error) {
	res := tokenResponse{TokenType: "Bearer", Scope: strings.Join(q.scopes, " ")}
	var ids issuedIDs
	openid := slices.Contains(q.scopes, scopeOpenID)
	if q.access {
		var aud []string
		alg := ""
		if q.api != nil {
			aud = append(aud, q.api.Identifier)
			alg = q.api.SigningAlg
		}
		if openid {
			aud = append(aud, f.userinfoAudience())
		}
		at, err := f.iss.AccessToken(tokens.Access{Subject: q.user.UserID, Audience: aud, ClientID: q.client.ClientID,
			Scope: q.scopes, GTY: q.gty, Lifetime: lifetime(q.api), Alg: alg})
		if err != nil {
			return res, ids, f.eng.Internal(err)
		}
		res.AccessToken, res.ExpiresIn, ids.accessID = at.Token, at.ExpiresIn, at.ID
	}
	if q.idToken && openid && !q.client.IsStrictThirdParty() {
		it, err := f.iss.IDToken(tokens.Identity{Subject: q.user.UserID, ClientID: q.client.ClientID, Nonce: q.nonce,
			AuthTime: q.authTime, AccessToken: res.AccessToken, Name: q.user.Name, Nickname: nickname(q.user),
			Picture: q.user.Picture, Email: q.user.Email, Profile: slices.Contains(q.scopes, scopeProfile),
			EmailScope: slices.Contains(q.scopes, scopeEmail)})
		if err != nil {
			return res, ids, f.eng.Internal(err)
		}
		res.IDToken = it.Token
	}
	if !q.noRefresh && q.api != nil && q.api.AllowOfflineAccess && slices.Contains(q.scopes, scopeOffline) &&
		q.client.AllowsGrant(tenant.GrantRefreshToken) {
		raw := tokens.RandomToken()
		// The first token of a family: its expiry is stamped now (rotation.go).
		now, pol := f.now().UTC(), q.client.RefreshTokenPolicy()
		rec := &tenant.RefreshToken{ID: tokens.Digest(raw), ClientID: q.client.ClientID, UserID: q.user.UserID,
			Audience: q.api.Identifier, Scope: q.scopes, GrantID: q.grantID, AuthTime: q.authTime, CreatedAt: now,
			ExpiresAt: pol.AbsoluteExpiry(now), IdleExpiresAt: pol.IdleExpiry(now), Rotating: pol.Rotating()}
		if err := f.store.SaveRefreshToken(ctx, rec); err != nil {
			return res, ids, f.eng.Internal(err)
		}
		res.RefreshToken, ids.refreshID = raw, rec.ID
	}
	return res, ids, nil
}

func nickname(u *tenant.User) string {
	if u.Username != "" {
		return u.Username
	}
	name, _, _ := strings.Cut(u.Email, "@")
	return name
}

func lifetime(api *tenant.API) time.Duration {
	if api == nil || api.TokenLifetime <= 0 {
		return 24 * time.Hour
	}
	return time.Duration(api.TokenLifetime) * time.Second
}
