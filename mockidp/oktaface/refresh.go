package oktaface

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/tokens"
)

// Refresh tokens (Okta: the offline_access system scope, for an app whose
// grant_types include refresh_token).
//
// A refresh token is a signed JWT the client treats as opaque: jti
// ("RT..."), iss, cid, uid, scp, the grant it came from (gt, so that the
// access policy is evaluated again for the same flow), auth_time, iat,
// gat (when it was issued, in milliseconds, to compare with grants) and
// exp. It is not rotated on use: the facts file documents no rotation
// setting, so the same token comes back in every refresh response.
// Revoking it (/v1/revoke) puts its jti on the engine's revocation list;
// revoking the user's grants for the client (O6) ends it too, because a
// refresh checks that every consent-enabled scope it carries still has an
// ACTIVE grant at least as old as the token.

// descBadRefresh is the answer to an unknown, expired, revoked or foreign
// refresh token.
const descBadRefresh = "The refresh token is invalid or expired."

// descRefreshScope is the answer to a refresh that asks for a scope the
// refresh token was not issued for (RFC 6749 section 6).
const descRefreshScope = "The requested scope is invalid, unknown, or malformed."

// defaultRefreshLifetime bounds a refresh token when the policy rule does
// not: the rule's refreshTokenWindowMinutes default (10080, seven days).
// It never exceeds engine.RevokedFor, so a revoked token expires before
// its revocation is forgotten.
const defaultRefreshLifetime = 7 * 24 * time.Hour

// refreshLifetime is the refresh token's lifetime under rule: the smaller
// of refreshTokenLifetimeMinutes (0: unlimited) and
// refreshTokenWindowMinutes, capped at engine.RevokedFor.
func refreshLifetime(rule *okta.Rule) time.Duration {
	d := defaultRefreshLifetime
	if rule != nil {
		t := rule.Actions.Token
		if t.RefreshTokenWindowMinutes > 0 {
			d = time.Duration(t.RefreshTokenWindowMinutes) * time.Minute
		}
		if l := time.Duration(t.RefreshTokenLifetimeMinutes) * time.Minute; l > 0 && l < d {
			d = l
		}
	}
	return min(d, engine.RevokedFor)
}

// wantsRefresh reports whether a user grant of scopes to app gets a
// refresh token.
func wantsRefresh(app *okta.App, scopes []string) bool {
	return slices.Contains(scopes, "offline_access") && app.AllowsGrant(okta.GrantRefreshToken)
}

// signRefresh issues a refresh token for q; it returns the token and its
// jti.
func (f *Face) signRefresh(q tokenRequest, now time.Time) (string, string, error) {
	jti := "RT." + tokens.RandomToken()[:40]
	c := jwt.MapClaims{
		"jti": jti, "iss": f.issuer(q.srv).URL, "cid": q.app.ClientID(), "uid": q.user.ID,
		"scp": q.scopes, "gt": q.grantType, "iat": now.Unix(), "gat": f.now().UnixMilli(),
		"exp": now.Add(refreshLifetime(q.rule)).Unix(),
	}
	if !q.authTime.IsZero() {
		c["auth_time"] = q.authTime.Unix()
	}
	tok, err := f.issuer(q.srv).SignClaims(c)
	return tok, jti, err
}

// revokeRefresh puts a refresh token's jti on the revocation list (a
// replayed code's tokens, /v1/revoke).
func (f *Face) revokeRefresh(ctx context.Context, jti string) {
	if err := f.eng.RevokeAccess(ctx, jti); err != nil {
		f.log.Error("revoke refresh token", "err", err)
	}
}

// refreshClaims verifies a refresh token of app on srv: signature, issuer,
// expiry, not revoked, issued to this client, the user active and the
// user's grants still there. It returns the claims and the user.
func (f *Face) refreshClaims(ctx context.Context, srv *okta.AuthServer, app *okta.App, token string) (jwt.MapClaims, *okta.User, bool) {
	c, err := f.issuer(srv).VerifyClaims(token, false)
	if err != nil {
		return nil, nil, false
	}
	jti, _ := c["jti"].(string)
	cid, _ := c["cid"].(string)
	uid, _ := c["uid"].(string)
	if !strings.HasPrefix(jti, "RT.") || (app != nil && cid != app.ClientID()) || f.eng.AccessRevoked(ctx, jti) {
		return nil, nil, false
	}
	user := f.activeUser(ctx, uid)
	if user == nil {
		return nil, nil, false
	}
	if app == nil {
		if app, _ = f.activeApp(ctx, cid); app == nil {
			return nil, nil, false
		}
	}
	gat, _ := c["gat"].(float64)
	if !f.grantsHeld(ctx, srv, app, user.ID, claimScopes(c), time.UnixMilli(int64(gat))) {
		return nil, nil, false
	}
	return c, user, true
}

// grantsHeld reports whether the user still holds, for app on srv, an
// ACTIVE grant created no later than since for every consent-enabled scope
// of names, when the app asks for consent (consent_method REQUIRED). A
// TRUSTED app records no grants, so nothing can be revoked under it.
func (f *Face) grantsHeld(ctx context.Context, srv *okta.AuthServer, app *okta.App, userID string, names []string, since time.Time) bool {
	if app.Settings.OAuthClient.ConsentMethod != okta.ConsentRequired {
		return true
	}
	all, err := f.st.ListScopes(ctx, srv.ID)
	if err != nil {
		f.log.Error("list scopes", "err", err)
		return false
	}
	grants, err := f.st.ListGrants(ctx, okta.GrantFilter{UserID: userID, ClientID: app.ClientID(), ServerID: srv.ID})
	if err != nil {
		f.log.Error("list grants", "err", err)
		return false
	}
	for _, s := range all {
		if !s.NeedsConsent() || !slices.Contains(names, s.Name) {
			continue
		}
		held := slices.ContainsFunc(grants, func(g *okta.Grant) bool {
			return g.ScopeID == s.ID && g.Status == okta.GrantActive && !g.Created.After(since)
		})
		if !held {
			return false
		}
	}
	return true
}

// refreshGrant is grant_type=refresh_token: new access and ID tokens for
// the refresh token's scopes, or a subset of them (scope narrowing); the
// assignment and the access policy are checked again.
func (f *Face) refreshGrant(ctx context.Context, srv *okta.AuthServer, app *okta.App, form url.Values) (tokenResponse, *oautherr.Error) {
	raw := form.Get("refresh_token")
	if raw == "" {
		return tokenResponse{}, oautherr.InvalidRequest("The 'refresh_token' parameter is missing.")
	}
	c, user, ok := f.refreshClaims(ctx, srv, app, raw)
	if !ok {
		return tokenResponse{}, oautherr.InvalidGrant(descBadRefresh)
	}
	granted := claimScopes(c)
	requested := granted
	if s := form.Get("scope"); s != "" {
		requested = strings.Fields(s)
		for _, name := range requested {
			if !slices.Contains(granted, name) {
				return tokenResponse{}, oautherr.New(http.StatusBadRequest, oautherr.CodeInvalidScope, descRefreshScope)
			}
		}
	}
	gt, _ := c["gt"].(string)
	scopes, rule, err := okta.Authorize(ctx, f.st, srv, app, user.ID, gt, requested)
	if err != nil {
		return tokenResponse{}, f.refusal(err)
	}
	var authTime time.Time
	if at, ok := c["auth_time"].(float64); ok {
		authTime = time.Unix(int64(at), 0)
	}
	res, _, e := f.issue(tokenRequest{srv: srv, app: app, user: user, scopes: scopeNames(scopes), authTime: authTime,
		rule: rule, access: true, idToken: true})
	if e != nil {
		return res, e
	}
	res.RefreshToken = raw
	return res, nil
}
