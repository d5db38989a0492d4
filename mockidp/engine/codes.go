package engine

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"

	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tokens"
)

// RevokedFor is how long a revoked access token ID is remembered: longer
// than any access token lives.
const RevokedFor = 30 * 24 * time.Hour

// IssueCode stores c (its ExpiresAt set to session.CodeTTL from now when
// zero) and returns the code's value; only its digest is kept.
func (e *Engine) IssueCode(ctx context.Context, c session.Code) (string, error) {
	code := tokens.RandomToken()
	if c.ExpiresAt.IsZero() {
		c.ExpiresAt = e.now().Add(session.CodeTTL)
	}
	if err := e.Sessions.PutCode(ctx, tokens.Digest(code), c); err != nil {
		return "", err
	}
	return code, nil
}

// Redemption is a token request for an authorization code, from a client
// the face has authenticated.
type Redemption struct {
	ClientID string
	// Public clients must have sent a code_challenge (PKCE).
	Public      bool
	Code        string
	RedirectURI string
	Verifier    string
}

// Issued are the IDs of the tokens a redemption issued: the access token's
// jti and the refresh token's digest (either may be empty).
type Issued struct {
	AccessID, RefreshID string
}

// Redeem redeems an authorization code (rule T1). Everything that can tell
// a legitimate redemption from a stolen or mistaken one (the client, the
// redirect_uri, PKCE) is checked on a read of the code before it is
// claimed: a refused request consumes nothing and revokes nothing. Then the
// claim, one atomic step of the store, picks the one winner among
// concurrent redemptions, and issue (the face's token issuance) runs for
// it; a redemption after the winner recorded its tokens is a replay and
// revokes them (access tokens in the session store, refresh tokens through
// revokeRefresh, which may be nil for a face without refresh tokens).
func (e *Engine) Redeem(ctx context.Context, q Redemption, issue func(session.Code) (Issued, *oautherr.Error), revokeRefresh func(ctx context.Context, id string)) *oautherr.Error {
	if q.Code == "" {
		return oautherr.InvalidRequest("Missing required parameter: code")
	}
	digest := tokens.Digest(q.Code)
	rec, err := e.Sessions.GetCode(ctx, digest)
	if errors.Is(err, session.ErrNotFound) {
		return oautherr.InvalidGrant("Invalid or expired authorization code.")
	} else if err != nil {
		return e.Internal(err)
	}
	if subtle.ConstantTimeCompare([]byte(rec.ClientID), []byte(q.ClientID)) != 1 {
		return oautherr.InvalidGrant("The authorization code was issued to another client.")
	}
	if q.RedirectURI != rec.RedirectURI {
		return oautherr.InvalidGrant("redirect_uri does not match the one sent to /authorize.")
	}
	switch {
	case rec.CodeChallenge == "" && q.Verifier != "":
		return oautherr.InvalidRequest("code_verifier was sent but the authorization request had no code_challenge.")
	case rec.CodeChallenge == "" && q.Public:
		return oautherr.InvalidRequest("Public clients must use PKCE: the authorization request had no code_challenge.")
	case rec.CodeChallenge != "" && q.Verifier == "":
		return oautherr.InvalidRequest("Missing required parameter: code_verifier")
	case rec.CodeChallenge != "" && !PKCEMatches(rec.ChallengeMethod, rec.CodeChallenge, q.Verifier):
		return oautherr.InvalidGrant("Failed to verify code_verifier.")
	}

	rec, claim, err := e.Sessions.ClaimCode(ctx, digest)
	if err != nil {
		return e.Internal(err)
	}
	revoke := func(ids Issued) {
		if ids.AccessID != "" {
			if err := e.Sessions.RevokeAccess(ctx, ids.AccessID, e.now().Add(RevokedFor)); err != nil {
				e.log.Error("revoke access token", "err", err)
			}
		}
		if ids.RefreshID != "" && revokeRefresh != nil {
			revokeRefresh(ctx, ids.RefreshID)
		}
	}
	switch claim {
	case session.ClaimNone:
		return oautherr.InvalidGrant("Invalid or expired authorization code.")
	case session.ClaimInFlight:
		e.log.Info("authorization code redeemed concurrently; refused", "client", q.ClientID)
		return oautherr.InvalidGrant("Authorization code has already been used.")
	case session.ClaimReplayed:
		revoke(Issued{AccessID: rec.IssuedAccess, RefreshID: rec.IssuedRefresh})
		e.log.Warn("authorization code replayed; tokens revoked", "client", q.ClientID)
		return oautherr.InvalidGrant("Authorization code has already been used; the tokens issued with it are revoked.")
	}

	ids, oe := issue(rec)
	// Recorded even when issuing failed, so later tries are replays.
	if err := e.Sessions.RecordIssued(ctx, digest, ids.AccessID, ids.RefreshID); err != nil {
		revoke(ids)
		return e.Internal(err)
	}
	return oe
}

// RevokeAccess marks an access token ID revoked until RevokedFor from now.
func (e *Engine) RevokeAccess(ctx context.Context, jti string) error {
	return e.Sessions.RevokeAccess(ctx, jti, e.now().Add(RevokedFor))
}

// AccessRevoked reports whether an access token ID was revoked; a store
// failure counts as revoked (fail closed).
func (e *Engine) AccessRevoked(ctx context.Context, jti string) bool {
	r, err := e.Sessions.AccessRevoked(ctx, jti)
	if err != nil {
		e.log.Error("read revoked tokens", "err", err)
		return true
	}
	return r
}
