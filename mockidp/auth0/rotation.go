package auth0

import (
	"context"
	"errors"

	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/tenant"
)

// Refresh token rotation (rule W4). For a client whose refresh_token has
// rotation_type "rotating", every use of a refresh token spends it and
// returns a new one of the same family (the tokens descending from one
// login). The spent token stays in the store as a marker (SpentAt set,
// RotatedTo naming its successor), so that a second use is recognised as
// reuse, a sign that the token leaked: the answer is invalid_grant and the
// whole family is revoked, so neither the thief nor the app can go on
// with it (the user logs in again).

// errReuse is the answer to a spent refresh token.
var errReuse = oautherr.InvalidGrant("Unknown or invalid refresh token.")

// familyOf is the family ID of a refresh token record.
func familyOf(rec *tenant.RefreshToken) string {
	if rec.FamilyID != "" {
		return rec.FamilyID
	}
	return rec.ID
}

// spend marks a live refresh token as used by a rotating client: it takes
// the token out of the store (only one of any concurrent uses succeeds;
// the others count as reuse). The caller issues the successor and then
// calls markSpent.
func (f *Face) spend(ctx context.Context, rec *tenant.RefreshToken) *oautherr.Error {
	err := f.store.DeleteRefreshToken(ctx, rec.ID)
	if errors.Is(err, tenant.ErrNotFound) {
		f.log.Warn("refresh token reused concurrently; family revoked", "client", rec.ClientID)
		f.revokeFamily(ctx, rec)
		return errReuse
	}
	if err != nil {
		return f.internal(err)
	}
	return nil
}

// markSpent writes the spent marker of rec, whose successor is next.
func (f *Face) markSpent(ctx context.Context, rec *tenant.RefreshToken, next string) {
	marker := *rec
	now := f.now().UTC()
	marker.SpentAt, marker.RotatedTo, marker.FamilyID = now, next, familyOf(rec)
	if err := f.store.SaveRefreshToken(ctx, &marker); err != nil {
		f.log.Error("refresh token rotation: save the spent marker", "err", err)
	}
}

// reused answers the use of a spent refresh token: the family is revoked.
func (f *Face) reused(ctx context.Context, rec *tenant.RefreshToken) *oautherr.Error {
	f.log.Warn("spent refresh token reused; family revoked", "client", rec.ClientID, "user", rec.UserID)
	f.revokeFamily(ctx, rec)
	return errReuse
}

// revokeFamily deletes rec and every token issued after it in its family,
// following the rotation chain to the live token.
func (f *Face) revokeFamily(ctx context.Context, rec *tenant.RefreshToken) {
	seen := map[string]bool{}
	for cur := rec; cur != nil && !seen[cur.ID]; {
		seen[cur.ID] = true
		if err := f.store.DeleteRefreshToken(ctx, cur.ID); err != nil && !errors.Is(err, tenant.ErrNotFound) {
			f.log.Error("revoke refresh token family", "err", err)
		}
		if cur.RotatedTo == "" {
			return
		}
		next, err := f.store.GetRefreshToken(ctx, cur.RotatedTo)
		if err != nil {
			return
		}
		cur = next
	}
}
