package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/tenant"
)

// Refresh token families, rotation and expiry (rule W4 and the client's
// refresh_token settings).

// testRefreshTokenFields: the expiry stamps and the family survive a
// round trip.
func testRefreshTokenFields(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	rt := &tenant.RefreshToken{ID: "r2", ClientID: "c", UserID: "u", FamilyID: "r1", CreatedAt: t0,
		SpentAt: t0.Add(time.Minute), RotatedTo: "r3", Rotating: true, LeewayTo: []string{"r3b", "r3c"}, ExpiresAt: t0.Add(30 * 24 * time.Hour),
		IdleExpiresAt: t0.Add(time.Hour), LastExchangedAt: t0.Add(2 * time.Minute)}
	must(t, s.SaveRefreshToken(ctx, rt), "SaveRefreshToken")
	got, err := s.GetRefreshToken(ctx, "r2")
	must(t, err, "GetRefreshToken")
	same(t, got, rt, "refresh token with family, spent marker and expiry stamps")
	want := *got
	want.LeewayTo = []string{"r3b", "r3c"}
	rt.LeewayTo[0] = "changed"
	got.LeewayTo[1] = "changed"
	again, _ := s.GetRefreshToken(ctx, "r2")
	same(t, again, &want, "token after changing the leeway successors given and returned")
}

// testRefreshTokenUpdate: UpdateRefreshToken replaces an existing token
// and never brings back one that is gone.
func testRefreshTokenUpdate(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	rt := &tenant.RefreshToken{ID: "r", ClientID: "c", UserID: "u", CreatedAt: t0, IdleExpiresAt: t0.Add(time.Hour)}
	wantErr(t, s.UpdateRefreshToken(ctx, rt), tenant.ErrNotFound, "UpdateRefreshToken of a missing token")
	if _, err := s.GetRefreshToken(ctx, "r"); err == nil {
		t.Fatal("UpdateRefreshToken of a missing token stored it")
	}
	must(t, s.SaveRefreshToken(ctx, rt), "SaveRefreshToken")
	used := *rt
	used.LastExchangedAt, used.IdleExpiresAt = t0.Add(time.Minute), t0.Add(time.Minute+time.Hour)
	must(t, s.UpdateRefreshToken(ctx, &used), "UpdateRefreshToken")
	got, err := s.GetRefreshToken(ctx, "r")
	must(t, err, "GetRefreshToken")
	same(t, got, &used, "token after UpdateRefreshToken")
	must(t, s.DeleteRefreshToken(ctx, "r"), "DeleteRefreshToken")
	wantErr(t, s.UpdateRefreshToken(ctx, &used), tenant.ErrNotFound, "UpdateRefreshToken of a revoked token")
	if _, err := s.GetRefreshToken(ctx, "r"); err == nil {
		t.Fatal("UpdateRefreshToken brought a revoked token back")
	}
}

// rotation returns the marker of rt spent at "at" for next, and next.
func rotation(rt *tenant.RefreshToken, nextID string, at time.Time) (marker, next *tenant.RefreshToken) {
	m := *rt
	m.SpentAt, m.RotatedTo, m.FamilyID = at, nextID, rt.Family()
	return &m, &tenant.RefreshToken{ID: nextID, ClientID: rt.ClientID, UserID: rt.UserID, FamilyID: rt.Family(),
		CreatedAt: at, ExpiresAt: rt.ExpiresAt}
}

// testRefreshTokenSpend: a live token is spent once; a spent or missing
// one is refused, with nothing written.
func testRefreshTokenSpend(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	head := &tenant.RefreshToken{ID: "h", ClientID: "c", UserID: "u", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	must(t, s.SaveRefreshToken(ctx, head), "SaveRefreshToken")
	marker, next := rotation(head, "n1", t0.Add(time.Minute))
	must(t, s.SpendRefreshToken(ctx, marker, next), "SpendRefreshToken")
	got, err := s.GetRefreshToken(ctx, "h")
	must(t, err, "GetRefreshToken of the spent token")
	same(t, got, marker, "spent marker")
	got, err = s.GetRefreshToken(ctx, "n1")
	must(t, err, "GetRefreshToken of the successor")
	same(t, got, next, "successor")

	again, other := rotation(head, "n2", t0.Add(2*time.Minute))
	wantErr(t, s.SpendRefreshToken(ctx, again, other), tenant.ErrConflict, "second SpendRefreshToken of one token")
	if _, err := s.GetRefreshToken(ctx, "n2"); err == nil {
		t.Error("a refused SpendRefreshToken saved its successor")
	}
	got, _ = s.GetRefreshToken(ctx, "h")
	same(t, got, marker, "spent marker after a refused second spend")

	gone, succ := rotation(&tenant.RefreshToken{ID: "gone", ClientID: "c", UserID: "u"}, "n3", t0)
	wantErr(t, s.SpendRefreshToken(ctx, gone, succ), tenant.ErrNotFound, "SpendRefreshToken of a missing token")
	if _, err := s.GetRefreshToken(ctx, "n3"); err == nil {
		t.Error("SpendRefreshToken of a missing token saved its successor")
	}
	// Saving a spent marker (as SaveRefreshToken may) keeps it spent.
	m2, n2 := rotation(next, "n4", t0.Add(3*time.Minute))
	must(t, s.SaveRefreshToken(ctx, m2), "SaveRefreshToken of a spent marker")
	wantErr(t, s.SpendRefreshToken(ctx, m2, n2), tenant.ErrConflict, "SpendRefreshToken of a token saved spent")
}

// testRefreshTokenSpendConcurrent: of concurrent spends of one token
// exactly one wins.
func testRefreshTokenSpendConcurrent(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	head := &tenant.RefreshToken{ID: "h", ClientID: "c", UserID: "u", CreatedAt: t0}
	must(t, s.SaveRefreshToken(ctx, head), "SaveRefreshToken")
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			m, next := rotation(head, "next-"+string(rune('a'+i)), t0.Add(time.Duration(i)*time.Second))
			errs[i] = s.SpendRefreshToken(ctx, m, next)
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
			got, gerr := s.GetRefreshToken(ctx, "h")
			must(t, gerr, "GetRefreshToken")
			if got.RotatedTo != "next-"+string(rune('a'+i)) {
				t.Errorf("the marker names %q, the winner saved next-%c", got.RotatedTo, 'a'+i)
			}
		default:
			wantErr(t, err, tenant.ErrConflict, "a losing concurrent SpendRefreshToken")
			if _, gerr := s.GetRefreshToken(ctx, "next-"+string(rune('a'+i))); gerr == nil {
				t.Errorf("a losing spend saved its successor")
			}
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d concurrent spends of one token succeeded, want 1", won, n)
	}
}

// testRefreshTokenFamily: DeleteRefreshTokenFamily removes the first
// token, the spent markers and every live member (siblings too), and no
// other family.
func testRefreshTokenFamily(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	head := &tenant.RefreshToken{ID: "f1", ClientID: "c", UserID: "u", CreatedAt: t0}
	must(t, s.SaveRefreshToken(ctx, head), "SaveRefreshToken")
	m, n := rotation(head, "f2", t0.Add(time.Minute))
	must(t, s.SpendRefreshToken(ctx, m, n), "SpendRefreshToken")
	// A sibling, as a reuse within the leeway issues.
	must(t, s.SaveRefreshToken(ctx, &tenant.RefreshToken{ID: "f2b", ClientID: "c", UserID: "u", FamilyID: "f1", CreatedAt: t0}), "SaveRefreshToken")
	other := &tenant.RefreshToken{ID: "g1", ClientID: "c", UserID: "u", CreatedAt: t0}
	must(t, s.SaveRefreshToken(ctx, other), "SaveRefreshToken")
	om, on := rotation(other, "g2", t0.Add(time.Minute))
	must(t, s.SpendRefreshToken(ctx, om, on), "SpendRefreshToken")

	must(t, s.DeleteRefreshTokenFamily(ctx, "f1"), "DeleteRefreshTokenFamily")
	for _, id := range []string{"f1", "f2", "f2b"} {
		_, err := s.GetRefreshToken(ctx, id)
		wantErr(t, err, tenant.ErrNotFound, "GetRefreshToken "+id+" after DeleteRefreshTokenFamily")
	}
	for _, id := range []string{"g1", "g2"} {
		if _, err := s.GetRefreshToken(ctx, id); err != nil {
			t.Errorf("DeleteRefreshTokenFamily removed %s of another family: %v", id, err)
		}
	}
	must(t, s.DeleteRefreshTokenFamily(ctx, "no-such-family"), "DeleteRefreshTokenFamily of an empty family")
}

// testRefreshTokensOf: DeleteRefreshTokensOf removes every token of one
// (user, client, audience), whichever family or grant it belongs to and
// spent markers too, and no token of another user, client or audience
// (the empty audience included).
func testRefreshTokensOf(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	mine := func(id, grant, family string) *tenant.RefreshToken {
		return &tenant.RefreshToken{ID: id, ClientID: "c", UserID: "u", Audience: "https://api", GrantID: grant, FamilyID: family, CreatedAt: t0}
	}
	// A rotated family under a grant, a token without a grant, a sibling.
	head := mine("m1", "g", "")
	must(t, s.SaveRefreshToken(ctx, head), "SaveRefreshToken")
	m, n := rotation(head, "m2", t0.Add(time.Minute))
	n.Audience, n.GrantID = head.Audience, head.GrantID
	must(t, s.SpendRefreshToken(ctx, m, n), "SpendRefreshToken")
	must(t, s.SaveRefreshToken(ctx, mine("p1", "", "")), "SaveRefreshToken")
	must(t, s.SaveRefreshToken(ctx, mine("p1b", "", "p1")), "SaveRefreshToken")
	others := []*tenant.RefreshToken{
		{ID: "o-user", ClientID: "c", UserID: "u2", Audience: "https://api", CreatedAt: t0},
		{ID: "o-client", ClientID: "c2", UserID: "u", Audience: "https://api", CreatedAt: t0},
		{ID: "o-aud", ClientID: "c", UserID: "u", Audience: "https://other", CreatedAt: t0},
		{ID: "o-noaud", ClientID: "c", UserID: "u", CreatedAt: t0},
	}
	for _, o := range others {
		must(t, s.SaveRefreshToken(ctx, o), "SaveRefreshToken")
	}

	got, err := s.DeleteRefreshTokensOf(ctx, "u", "c", "https://api")
	must(t, err, "DeleteRefreshTokensOf")
	if got != 4 {
		t.Errorf("DeleteRefreshTokensOf reported %d tokens deleted, want 4", got)
	}
	for _, id := range []string{"m1", "m2", "p1", "p1b"} {
		_, err := s.GetRefreshToken(ctx, id)
		wantErr(t, err, tenant.ErrNotFound, "GetRefreshToken "+id+" after DeleteRefreshTokensOf")
	}
	for _, o := range others {
		if _, err := s.GetRefreshToken(ctx, o.ID); err != nil {
			t.Errorf("DeleteRefreshTokensOf removed %s: %v", o.ID, err)
		}
	}
	// The empty audience matches only tokens issued without one.
	got, err = s.DeleteRefreshTokensOf(ctx, "u", "c", "")
	must(t, err, "DeleteRefreshTokensOf without an audience")
	if got != 1 {
		t.Errorf("DeleteRefreshTokensOf without an audience reported %d deleted, want 1", got)
	}
	wantErr(t, func() error { _, err := s.GetRefreshToken(ctx, "o-noaud"); return err }(), tenant.ErrNotFound, "token without an audience after its deletion")
	for _, id := range []string{"o-user", "o-client", "o-aud"} {
		if _, err := s.GetRefreshToken(ctx, id); err != nil {
			t.Errorf("DeleteRefreshTokensOf without an audience removed %s: %v", id, err)
		}
	}
	got, err = s.DeleteRefreshTokensOf(ctx, "nobody", "c", "https://api")
	must(t, err, "DeleteRefreshTokensOf of a user without tokens")
	if got != 0 {
		t.Errorf("DeleteRefreshTokensOf of a user without tokens reported %d deleted", got)
	}
}
