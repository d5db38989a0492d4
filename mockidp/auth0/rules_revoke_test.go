package auth0_test

// POST /oauth/revoke as Auth0 documents it ("Revoke Refresh Tokens",
// Authentication API "Revoke a Refresh Token"): the token presented and,
// for a rotating token, its whole family (W4); with the tenant's "Refresh
// Token Revocation Deletes Grant" (flags.revoke_refresh_token_grant) the
// grant too, and with it every refresh token issued under it. RFC 7009's
// answers stay: 200 with an empty body whatever became of the token.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

// revoke posts token to /oauth/revoke as c (client_secret_post) and
// checks RFC 7009's answer: 200, empty body.
func (p *idp) revoke(c *tenant.Client, token string) {
	p.t.Helper()
	res, body := p.call(http.MethodPost, "oauth/revoke", form("client_id", c.ClientID, "client_secret", c.ClientSecret, "token", token).Encode(),
		"Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != http.StatusOK || body != "" {
		p.t.Fatalf("revoke: HTTP %d %q, want 200 with an empty body", res.StatusCode, body)
	}
}

// gone checks that the store keeps no record of rt: neither a live token
// nor a spent marker.
func (s *refreshSession) gone(rt, what string) {
	s.t.Helper()
	if rec, err := s.p.store.GetRefreshToken(context.Background(), tokens.Digest(rt)); !errors.Is(err, tenant.ErrNotFound) {
		s.t.Errorf("%s is still stored after the revocation (%+v, %v)", what, rec, err)
	}
}

// Revoking any token of a rotating family, the live one, a spent one or a
// leeway sibling, revokes the family: no token of it is honoured, no
// spent marker is left, and other families are untouched.
func TestW4_RevokingAnyTokenOfARotatingFamilyRevokesTheFamily(t *testing.T) {
	rotating := expiring(tenant.RotationRotating, time.Hour, 0, 30)
	// A family of three: two spent tokens and the live one, beside another
	// family of the same client and user.
	for i, which := range []string{"the first token, spent", "the second token, spent", "the live token"} {
		t.Run(which, func(t *testing.T) {
			s := newRefreshSession(t, rotating)
			other := s.login()
			family := []string{s.login()}
			for range 2 {
				s.clk.Advance(time.Minute) // past the leeway: a plain family
				family = append(family, s.rotate(family[len(family)-1]))
			}
			s.p.revoke(s.c, family[i])
			s.refused(family[2], "the live token of the revoked family")
			for j, rt := range family {
				s.gone(rt, fmt.Sprintf("token %d of the revoked family", j+1))
			}
			s.rotate(other)
		})
	}
	t.Run("a leeway sibling", func(t *testing.T) {
		s := newRefreshSession(t, rotating)
		rt1 := s.login()
		rt2 := s.rotate(rt1)
		sibling := s.rotate(rt1) // within the leeway
		s.p.revoke(s.c, sibling)
		s.refused(rt2, "the live token of a family whose leeway sibling was revoked")
		s.refused(rt1, "the previous token, within the leeway, of a revoked family")
	})
	t.Run("a token of a family whose client no longer rotates", func(t *testing.T) {
		s := newRefreshSession(t, rotating)
		rt1 := s.login()
		rt2 := s.rotate(rt1)
		s.c.RefreshToken.RotationType = tenant.RotationNonRotating
		must(t, s.p.store.UpdateClient(context.Background(), s.c))
		s.p.revoke(s.c, rt1)
		s.refused(rt2, "the live token of a revoked family")
	})
}

// A revocation that races refreshes of the family (within the leeway, so
// each may issue a token) leaves no token of the family honoured, however
// the requests interleave: a token issued just before the revocation is
// of the family, one issued after it is refused.
func TestW4_RevocationConcurrentWithRefreshesLeavesNoTokenOfTheFamily(t *testing.T) {
	s := newRefreshSession(t, expiring(tenant.RotationRotating, time.Hour, 0, 30))
	rt := s.login()
	var mu sync.Mutex
	var wg sync.WaitGroup
	issued := []string{rt}
	for range 6 {
		wg.Go(func() {
			if tr := s.refresh(rt); tr.status == http.StatusOK {
				mu.Lock()
				issued = append(issued, tr.str("refresh_token"))
				mu.Unlock()
			}
		})
	}
	var revoked int
	wg.Go(func() {
		res, _ := s.p.call(http.MethodPost, "oauth/revoke", form("client_id", s.c.ClientID, "client_secret", s.c.ClientSecret, "token", rt).Encode(),
			"Content-Type", "application/x-www-form-urlencoded")
		revoked = res.StatusCode
	})
	wg.Wait()
	if revoked != http.StatusOK {
		t.Fatalf("revoke: HTTP %d, want 200", revoked)
	}
	for _, tok := range issued {
		s.refused(tok, "a token of the family after a racing revocation")
	}
}

// A non-rotating token is its own family: revoking it leaves the user's
// other tokens alone while the tenant keeps grants on revocation.
func TestRevokingANonRotatingTokenRevokesThatToken(t *testing.T) {
	s := newRefreshSession(t, expiring(tenant.RotationNonRotating, time.Hour, 0, 0))
	rt, other := s.login(), s.login()
	s.p.revoke(s.c, rt)
	s.refused(rt, "the revoked token")
	s.gone(rt, "the revoked token")
	s.use(other)
	s.p.revoke(s.c, rt) // again: still 200, RFC 7009
}

// RFC 7009's answers, as Auth0 gives them: an unknown token is 200 with an
// empty body, and a token of another client is left alone (Auth0's error
// reference for /oauth/revoke: 200 when the token "was not issued to the
// client making the revocation request").
func TestRevokeUnknownOrAnotherClientsToken(t *testing.T) {
	s := newRefreshSession(t, expiring(tenant.RotationRotating, time.Hour, 0, 0))
	s.p.revoke(s.c, "no-such-token")
	rt1 := s.login()
	rt2 := s.rotate(rt1)
	intruder := s.p.addClient(firstParty)
	s.p.revoke(intruder, rt1)
	s.p.revoke(intruder, rt2)
	s.rotate(rt2)
}

// grantSession is two logins of one client to an API that asks for
// consent, so both refresh tokens are issued under one user grant, and a
// third login to an API the client may skip consent for (no grant).
type grantSession struct {
	p                  *idp
	c                  *tenant.Client
	rt1, rt2, otherAPI string
}

func newGrantSession(t *testing.T, deletesGrant bool) *grantSession {
	p := newIDP(t)
	p.setSettings(func(s *tenant.Settings) { s.Flags.RevokeRefreshTokenGrant = deletesGrant })
	c := p.addClient(firstParty)
	login := func(audience, scope string) string {
		q := authReq(c, "audience", audience, "scope", "openid offline_access "+scope)
		rt := p.redeem(c, p.browser().signIn(q).code(q), callbackWeb).wantOK(t).str("refresh_token")
		if rt == "" {
			t.Fatal("no refresh token")
		}
		return rt
	}
	g := &grantSession{p: p, c: c, rt1: login(apiPosts, "read:posts"), rt2: login(apiPosts, "read:posts"), otherAPI: login(apiNotes, "read:notes")}
	if gs := p.grants(c); len(gs) != 1 || gs[0].Audience != apiPosts {
		t.Fatalf("user grants = %v, want one for %s", gs, apiPosts)
	}
	return g
}

func (g *grantSession) refresh(rt string) tokenReply {
	return g.p.token(form("grant_type", "refresh_token", "client_id", g.c.ClientID, "client_secret", g.c.ClientSecret, "refresh_token", rt))
}

// asksConsent reports whether a new login to apiPosts shows the consent
// page again.
func (g *grantSession) asksConsent() bool {
	q := authReq(g.c, "audience", apiPosts, "scope", "openid read:posts")
	b := g.p.browser()
	return b.login(b.authorize(q)).prompt() == "consent"
}

// With "Refresh Token Revocation Deletes Grant" on, a revocation deletes
// the grant and every refresh token issued for the same user, application
// and audience; the user is asked for consent again. A token for another
// audience stays.
func TestRefreshTokenRevocationDeletesGrant(t *testing.T) {
	g := newGrantSession(t, true)
	g.p.revoke(g.c, g.rt1)
	g.refresh(g.rt1).wantError(t, http.StatusBadRequest, "invalid_grant", "")
	g.refresh(g.rt2).wantError(t, http.StatusBadRequest, "invalid_grant", "")
	g.p.wantNoGrant(g.c)
	g.refresh(g.otherAPI).wantOK(t)
	if !g.asksConsent() {
		t.Error("no consent page after the revocation deleted the grant")
	}
}

// With the toggle off (Auth0's default for tenants created since 13
// January 2021) only the token is revoked: the grant and the other
// tokens issued under it stay, and no consent is asked again.
func TestRefreshTokenRevocationKeepsGrantByDefault(t *testing.T) {
	g := newGrantSession(t, false)
	g.p.revoke(g.c, g.rt1)
	g.refresh(g.rt1).wantError(t, http.StatusBadRequest, "invalid_grant", "")
	g.refresh(g.rt2).wantOK(t)
	if gs := g.p.grants(g.c); len(gs) != 1 {
		t.Errorf("user grants after the revocation = %d, want the grant kept", len(gs))
	}
	if g.asksConsent() {
		t.Error("consent asked again though the grant was kept")
	}
}

// With "Refresh Token Revocation Deletes Grant" on, Auth0 revokes "all
// refresh tokens that have been issued for the same user, application,
// and audience", not only those issued under the user grant: a token from
// the password grant (which records no grant) goes with a code-flow one,
// whichever of the two is revoked. A token for another audience stays.
// Off, only the revoked token's family goes.
func TestRefreshTokenRevocationDeletesEveryTokenOfUserClientAudience(t *testing.T) {
	for _, tc := range []struct {
		name         string
		deletesGrant bool
		revokeCode   bool
	}{
		{"toggle on, code-flow token revoked", true, true},
		{"toggle on, password-grant token revoked", true, false},
		{"toggle off, code-flow token revoked", false, true},
		{"toggle off, password-grant token revoked", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newIDP(t)
			p.setSettings(func(s *tenant.Settings) { s.Flags.RevokeRefreshTokenGrant = tc.deletesGrant })
			c := p.addClient(firstParty, grantTypes(tenant.GrantAuthorizationCode, tenant.GrantPassword, tenant.GrantRefreshToken))
			g := &grantSession{p: p, c: c}
			q := authReq(c, "audience", apiPosts, "scope", "openid offline_access read:posts")
			code := p.redeem(c, p.browser().signIn(q).code(q), callbackWeb).wantOK(t).str("refresh_token")
			pw := func(audience, scope string) string {
				return p.token(form("grant_type", "password", "client_id", c.ClientID, "client_secret", c.ClientSecret,
					"username", p.alice.Email, "password", password, "audience", audience, "scope", "openid offline_access "+scope)).wantOK(t).str("refresh_token")
			}
			byPassword, otherAPI := pw(apiPosts, "read:posts"), pw(apiNotes, "read:notes")
			if code == "" || byPassword == "" || otherAPI == "" {
				t.Fatal("a login gave no refresh token")
			}
			if rec, err := p.store.GetRefreshToken(context.Background(), tokens.Digest(byPassword)); err != nil || rec.GrantID != "" {
				t.Fatalf("password-grant token = %+v, %v; want one stored without a grant", rec, err)
			}
			revoked, kept := code, byPassword
			if !tc.revokeCode {
				revoked, kept = byPassword, code
			}
			p.revoke(c, revoked)
			g.refresh(revoked).wantError(t, http.StatusBadRequest, "invalid_grant", "")
			if tc.deletesGrant {
				g.refresh(kept).wantError(t, http.StatusBadRequest, "invalid_grant", "")
				p.wantNoGrant(c)
			} else {
				g.refresh(kept).wantOK(t)
			}
			g.refresh(otherAPI).wantOK(t)
		})
	}
}
