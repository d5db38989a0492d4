package auth0

import (
	"context"
	"errors"
	"net/http"

	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

// Refresh token revocation, POST /oauth/revoke, as Auth0 documents it in
// "Revoke Refresh Tokens" and the Authentication API's "Revoke a Refresh
// Token":
//
//   - The client authenticates as at the token endpoint; the token must
//     have been issued to it. A token that is unknown, already revoked or
//     another client's is answered 200 with an empty body and nothing is
//     revoked (RFC 7009 section 2.2; Auth0's error reference for
//     /oauth/revoke lists 200 for a token that "is revoked, does not
//     exist, or was not issued to the client making the revocation
//     request").
//   - The token is revoked with its rotation family (W4): every token
//     descending from the same first token, spent markers and leeway
//     siblings included, whichever of them is presented. A spent token
//     is a token of the family as much as the live one; leaving the live
//     one honoured after its family was revoked would defeat the point.
//     A non-rotating token is a family of its own.
//   - With the tenant's "Refresh Token Revocation Deletes Grant"
//     (flags.revoke_refresh_token_grant) on, the user grant of the same
//     user, application and audience is deleted as well, and with it
//     every refresh token issued under it; the user is asked for consent
//     again. Every other refresh token issued for the same user,
//     application and audience goes too, including those issued without
//     a grant (the password grant, a first-party login that skipped
//     consent): Auth0 revokes "all refresh tokens that have been issued
//     for the same user, application, and audience". Off (the default),
//     the grant and the other families are left intact.

// revoke is POST /oauth/revoke.
func (f *Face) revoke(w http.ResponseWriter, r *http.Request) {
	if e := parseParams(w, r); e != nil {
		oautherr.WriteJSON(w, e)
		return
	}
	c, e := f.authenticateClient(r)
	if e != nil {
		oautherr.WriteJSON(w, e)
		return
	}
	corsClient(r, c)
	raw := r.PostForm.Get("token")
	if raw == "" {
		oautherr.WriteJSON(w, oautherr.InvalidRequest("Missing required parameter: token"))
		return
	}
	rec, err := f.store.GetRefreshToken(r.Context(), tokens.Digest(raw))
	switch {
	case errors.Is(err, tenant.ErrNotFound):
	case err != nil:
		oautherr.WriteJSON(w, f.eng.Internal(err))
		return
	case rec.ClientID != c.ClientID:
		f.log.Info("revocation of another client's refresh token ignored", "client", c.ClientID)
	default:
		if err := f.revokeRefresh(r.Context(), rec); err != nil {
			oautherr.WriteJSON(w, f.eng.Internal(err))
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// revokeRefresh revokes rec, a refresh token its client asked to revoke:
// its family and, when the tenant says so, its grant.
func (f *Face) revokeRefresh(ctx context.Context, rec *tenant.RefreshToken) error {
	if err := f.store.DeleteRefreshTokenFamily(ctx, rec.Family()); err != nil {
		return err
	}
	s, err := f.store.GetSettings(ctx)
	if err != nil {
		return err
	}
	if !s.Flags.RevokeRefreshTokenGrant {
		f.log.Info("refresh token revoked", "client", rec.ClientID, "rotating", rotated(rec))
		return nil
	}
	var ids []string
	if rec.GrantID != "" {
		ids = append(ids, rec.GrantID)
	}
	if rec.Audience != "" { // an empty filter field would match every audience
		gs, err := f.store.ListUserGrants(ctx, tenant.UserGrantFilter{UserID: rec.UserID, ClientID: rec.ClientID, Audience: rec.Audience})
		if err != nil {
			return err
		}
		for _, g := range gs {
			if g.ID != rec.GrantID {
				ids = append(ids, g.ID)
			}
		}
	}
	for _, id := range ids {
		if err := f.store.DeleteUserGrant(ctx, id); err != nil && !errors.Is(err, tenant.ErrNotFound) {
			return err
		}
	}
	// After the grants, so that no token issued under one is missed: the
	// tokens without a grant, and any of another grant of the triple.
	n, err := f.store.DeleteRefreshTokensOf(ctx, rec.UserID, rec.ClientID, rec.Audience)
	if err != nil {
		return err
	}
	f.log.Info("refresh token revoked with its grant", "client", rec.ClientID, "user", rec.UserID, "audience", rec.Audience,
		"grants", len(ids), "other_tokens", n)
	return nil
}
