package auth0_test

// The client's refresh_token settings enforced as Auth0 documents them
// ("Configure Refresh Token Expiration", "Configure Refresh Token
// Rotation"): absolute lifetime counted from the family's first token,
// idle lifetime restarted by each use, the reuse leeway of rotating tokens
// (W4), and Auth0's answer to a token it refuses. The clock is moved, never
// waited for.

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

// invalidRefresh is Auth0's error_description for a refresh token it will
// not honour, expired ones included (community.auth0.com/t/120406).
const invalidRefresh = "Unknown or invalid refresh token."

// refreshConfig is a client option setting its refresh_token object.
func refreshConfig(rc tenant.RefreshTokenConfig) func(*tenant.Client) {
	return func(c *tenant.Client) { c.RefreshToken = &rc }
}

// expiring is an expiring refresh_token configuration; a zero lifetime is
// infinite.
func expiring(rotation string, absolute, idle time.Duration, leeway int) tenant.RefreshTokenConfig {
	rc := tenant.RefreshTokenConfig{RotationType: rotation, ExpirationType: tenant.ExpirationExpiring, Leeway: leeway,
		TokenLifetime: tenant.DefaultRefreshTokenLifetime, IdleTokenLifetime: tenant.DefaultRefreshTokenIdleLifetime,
		InfiniteTokenLifetime: absolute == 0, InfiniteIdleTokenLifetime: idle == 0}
	if absolute > 0 {
		rc.TokenLifetime = int(absolute / time.Second)
	}
	if idle > 0 {
		rc.IdleTokenLifetime = int(idle / time.Second)
	}
	if field, msg := tenant.RefreshTokenProblem(rc); field != "" {
		panic("test refresh_token: " + field + " " + msg)
	}
	return rc
}

// refreshSession is one client's refresh tokens against an IdP on a clock.
type refreshSession struct {
	t   *testing.T
	p   *idp
	clk *clock
	c   *tenant.Client
}

func newRefreshSession(t *testing.T, rc tenant.RefreshTokenConfig) *refreshSession {
	p, clk := newClockedIDP(t)
	return &refreshSession{t: t, p: p, clk: clk, c: p.addClient(firstParty, refreshConfig(rc))}
}

// login is a new family: the password grant with offline_access.
func (s *refreshSession) login() string {
	s.t.Helper()
	tr := s.p.token(form("grant_type", "password", "client_id", s.c.ClientID, "client_secret", s.c.ClientSecret,
		"username", s.p.alice.Email, "password", password, "audience", apiPosts, "scope", "openid offline_access read:posts")).wantOK(s.t)
	if tr.str("refresh_token") == "" {
		s.t.Fatalf("no refresh token: %s", tr.raw)
	}
	return tr.str("refresh_token")
}

func (s *refreshSession) refresh(rt string) tokenReply {
	s.t.Helper()
	return s.p.token(form("grant_type", "refresh_token", "client_id", s.c.ClientID, "client_secret", s.c.ClientSecret, "refresh_token", rt))
}

// rotate exchanges rt and returns the new refresh token, which must differ.
func (s *refreshSession) rotate(rt string) string {
	s.t.Helper()
	next := s.refresh(rt).wantOK(s.t).str("refresh_token")
	if next == "" || next == rt {
		s.t.Fatalf("a rotating refresh gave refresh_token %q, want a new one", next)
	}
	return next
}

// use exchanges a non-rotating rt, which must stay the same.
func (s *refreshSession) use(rt string) {
	s.t.Helper()
	if got := s.refresh(rt).wantOK(s.t).str("refresh_token"); got != "" {
		s.t.Fatalf("a non-rotating refresh gave a new refresh token %q", got)
	}
}

// refused checks Auth0's exact answer to a refresh token it will not take:
// invalid_grant "Unknown or invalid refresh token." and nothing else.
func (s *refreshSession) refused(rt, why string) {
	s.t.Helper()
	tr := s.refresh(rt)
	if tr.status != http.StatusBadRequest || tr.str("error") != "invalid_grant" || tr.str("error_description") != invalidRefresh {
		s.t.Fatalf("%s: HTTP %d %s, want 400 invalid_grant %q", why, tr.status, tr.raw, invalidRefresh)
	}
	var keys []string
	for k := range tr.body {
		keys = append(keys, k)
	}
	if slices.Sort(keys); !slices.Equal(keys, []string{"error", "error_description"}) {
		s.t.Errorf("%s: error body has the fields %v, want error and error_description only", why, keys)
	}
}

func (s *refreshSession) stored(rt string) *tenant.RefreshToken {
	s.t.Helper()
	rec, err := s.p.store.GetRefreshToken(context.Background(), tokens.Digest(rt))
	must(s.t, err)
	return rec
}

// The absolute lifetime of a rotating family counts from its first token
// and does not extend with rotation.
func TestW4_RefreshTokenAbsoluteLifetimeCountsFromTheFamilysFirstToken(t *testing.T) {
	s := newRefreshSession(t, expiring(tenant.RotationRotating, time.Hour, 0, 0))
	issued := s.clk.Now()
	rt := s.login()
	if got, want := s.stored(rt).ExpiresAt, issued.Add(time.Hour); !got.Equal(want) {
		t.Errorf("expires_at of the first token = %v, want %v (issue + token_lifetime)", got, want)
	}
	s.clk.Advance(30 * time.Minute)
	rt = s.rotate(rt)
	s.clk.Advance(29 * time.Minute)
	rt = s.rotate(rt) // issued 59 minutes into the family
	if got, want := s.stored(rt).ExpiresAt, issued.Add(time.Hour); !got.Equal(want) {
		t.Errorf("expires_at after two rotations = %v, want the family's %v", got, want)
	}
	s.clk.Advance(time.Minute) // one hour after the first token, one minute after this one
	s.refused(rt, "a rotated token at the family's absolute lifetime")
	// A new login starts a new family.
	s.rotate(s.login())
}

func TestRefreshTokenAbsoluteLifetimeOfANonRotatingToken(t *testing.T) {
	s := newRefreshSession(t, expiring(tenant.RotationNonRotating, time.Hour, 0, 0))
	rt := s.login()
	s.clk.Advance(59 * time.Minute)
	s.use(rt)
	s.clk.Advance(time.Minute)
	s.refused(rt, "a non-rotating token at its absolute lifetime")
	s.refused(rt, "the expired token again")
}

// The idle lifetime restarts with each use; unused for longer, the token
// is refused.
func TestW4_RefreshTokenIdleLifetimeOfRotatingTokens(t *testing.T) {
	s := newRefreshSession(t, expiring(tenant.RotationRotating, time.Hour, 10*time.Minute, 0))
	rt := s.login()
	for range 3 { // 27 minutes in all: each use restarted the idle lifetime
		s.clk.Advance(9 * time.Minute)
		rt = s.rotate(rt)
	}
	s.clk.Advance(10 * time.Minute)
	s.refused(rt, "a rotating token unused for its idle lifetime")
}

func TestRefreshTokenIdleLifetimeOfANonRotatingToken(t *testing.T) {
	s := newRefreshSession(t, expiring(tenant.RotationNonRotating, 0, 10*time.Minute, 0))
	rt := s.login()
	for range 3 {
		s.clk.Advance(9 * time.Minute)
		s.use(rt)
	}
	if got, want := s.stored(rt).IdleExpiresAt, s.clk.Now().Add(10*time.Minute); !got.Equal(want) {
		t.Errorf("idle_expires_at after a use = %v, want %v (last use + idle_token_lifetime)", got, want)
	}
	s.clk.Advance(10*time.Minute + time.Second)
	s.refused(rt, "a non-rotating token unused for its idle lifetime")
}

// Infinite lifetimes, and Auth0's default (non-expiring), never expire.
func TestRefreshTokenInfiniteLifetimes(t *testing.T) {
	for name, rc := range map[string]tenant.RefreshTokenConfig{
		"default (non-expiring)":      tenant.DefaultRefreshToken(),
		"expiring, both infinite":     expiring(tenant.RotationNonRotating, 0, 0, 0),
		"rotating, infinite lifetime": expiring(tenant.RotationRotating, 0, 0, 0),
	} {
		t.Run(name, func(t *testing.T) {
			s := newRefreshSession(t, rc)
			rt := s.login()
			if rec := s.stored(rt); !rec.ExpiresAt.IsZero() || !rec.IdleExpiresAt.IsZero() {
				t.Errorf("stamped expires_at %v idle_expires_at %v, want none", rec.ExpiresAt, rec.IdleExpiresAt)
			}
			s.clk.Advance(2 * tenant.MaxRefreshTokenLifetime * time.Second)
			if rc.Rotating() {
				s.rotate(rt)
			} else {
				s.use(rt)
			}
		})
	}
}

// Within the leeway the previous token may be exchanged again: a new
// token of the family is issued, breach detection does not apply, and the
// token it had been rotated to still works.
func TestW4_RefreshTokenReuseWithinTheLeewayIsNotReuse(t *testing.T) {
	s := newRefreshSession(t, expiring(tenant.RotationRotating, time.Hour, 0, 30))
	rt1 := s.login()
	rt2 := s.rotate(rt1)
	s.clk.Advance(30 * time.Second)
	again := s.rotate(rt1) // the retry of a refresh whose answer was lost
	if again == rt2 {
		t.Fatal("the exchange within the leeway returned the successor already issued, want a new token")
	}
	if got, want := s.stored(again).ExpiresAt, s.stored(rt2).ExpiresAt; !got.Equal(want) {
		t.Errorf("the leeway's token expires at %v, want the family's %v", got, want)
	}
	s.rotate(again)
	s.rotate(rt2)
}

// After the leeway, the reuse of the previous token revokes the family.
func TestW4_RefreshTokenReuseAfterTheLeewayRevokesTheFamily(t *testing.T) {
	s := newRefreshSession(t, expiring(tenant.RotationRotating, time.Hour, 0, 30))
	other := s.login()
	rt1 := s.login()
	rt2 := s.rotate(rt1)
	s.clk.Advance(31 * time.Second)
	s.refused(rt1, "the previous token after the leeway")
	s.refused(rt2, "the live token of a family whose spent token was reused")
	s.rotate(other) // another family
}

// Only the previous token has a leeway: an older one is reuse at once, and
// revokes every token of the family, a leeway sibling too.
func TestW4_RefreshTokenLeewayIsForThePreviousTokenOnly(t *testing.T) {
	s := newRefreshSession(t, expiring(tenant.RotationRotating, time.Hour, 0, 30))
	rt1 := s.login()
	rt2 := s.rotate(rt1)
	sibling := s.rotate(rt1) // within the leeway
	rt3 := s.rotate(rt2)
	s.clk.Advance(time.Second)
	s.refused(rt1, "a token two rotations back, within the leeway")
	s.refused(rt3, "the live token after the family was revoked")
	s.refused(sibling, "the leeway sibling after the family was revoked")
}

// Concurrent exchanges of one token within the leeway all succeed (the
// concurrency the leeway is for); without a leeway exactly one does and
// the family is revoked.
func TestW4_ConcurrentRefreshesAndTheLeeway(t *testing.T) {
	concurrently := func(s *refreshSession, rt string, n int) (ok, refused int) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range n {
			wg.Go(func() {
				tr := s.refresh(rt)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case tr.status == http.StatusOK && tr.str("refresh_token") != "":
					ok++
				case tr.str("error") == "invalid_grant" && tr.str("error_description") == invalidRefresh:
					refused++
				default:
					t.Errorf("concurrent refresh: HTTP %d %s", tr.status, tr.raw)
				}
			})
		}
		wg.Wait()
		return ok, refused
	}
	const n = 6
	t.Run("leeway", func(t *testing.T) {
		s := newRefreshSession(t, expiring(tenant.RotationRotating, time.Hour, 0, 30))
		if ok, refused := concurrently(s, s.login(), n); ok != n {
			t.Fatalf("%d concurrent refreshes within the leeway: %d succeeded, %d refused; want all to succeed", n, ok, refused)
		}
	})
	t.Run("no leeway", func(t *testing.T) {
		s := newRefreshSession(t, expiring(tenant.RotationRotating, time.Hour, 0, 0))
		rt := s.login()
		if ok, refused := concurrently(s, rt, n); ok != 1 || refused != n-1 {
			t.Fatalf("%d concurrent refreshes without a leeway: %d succeeded, %d refused; want exactly 1 success", n, ok, refused)
		}
		s.refused(rt, "the token after concurrent reuse")
	})
}

// Turning rotation off: exchanging a rotating token issues a non-rotating
// one and revokes the rotating family (Auth0's "Configure Refresh Token
// Rotation"); the new token then works as a non-rotating one.
func TestW4_RotatingTokenAfterRotationIsTurnedOff(t *testing.T) {
	s := newRefreshSession(t, expiring(tenant.RotationRotating, time.Hour, 0, 30))
	rt1 := s.login()
	rt2 := s.rotate(rt1)
	c := *s.c
	rc := expiring(tenant.RotationNonRotating, 2*time.Hour, 0, 0)
	c.RefreshToken = &rc
	must(t, s.p.store.UpdateClient(context.Background(), &c))

	plain := s.rotate(rt2) // once: the non-rotating token replaces the family
	if rec := s.stored(plain); rec.Rotating || rec.FamilyID != "" || !rec.ExpiresAt.Equal(s.clk.Now().Add(2*time.Hour)) {
		t.Errorf("the replacing token: rotating %v family %q expires_at %v, want a non-rotating token of its own expiring in 2h",
			rec.Rotating, rec.FamilyID, rec.ExpiresAt)
	}
	s.refused(rt2, "the rotating token after it was exchanged for a non-rotating one")
	s.refused(rt1, "the family's spent token within what was its leeway")
	s.use(plain)
	s.use(plain)
}
