package memstore_test

import (
	"context"
	"errors"
	"testing"

	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/tenant"
)

// TestGrantIndexesFollowEveryDeletion: the grant lookups by id, by
// (user, client, audience) and by user see what every kind of deletion
// removed, and a merge after a deletion makes a new grant.
func TestGrantIndexesFollowEveryDeletion(t *testing.T) {
	ctx := context.Background()
	s := memstore.New()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateClient(ctx, &tenant.Client{ClientID: "c1", Name: "C1"}))
	must(s.CreateClient(ctx, &tenant.Client{ClientID: "c2", Name: "C2"}))
	must(s.CreateAPI(ctx, &tenant.API{Identifier: "https://a1", Name: "A1"}))
	must(s.CreateUser(ctx, &tenant.User{UserID: "u1", Email: "u1@example.com"}))
	merge := func(user, client, aud string) *tenant.UserGrant {
		g, err := s.MergeUserGrant(ctx, user, client, aud, []string{"read"})
		must(err)
		return g
	}
	byUser := func(user string) int {
		gs, err := s.ListUserGrants(ctx, tenant.UserGrantFilter{UserID: user})
		must(err)
		return len(gs)
	}

	g1 := merge("u1", "c1", "https://a1")
	if again := merge("u1", "c1", "https://a1"); again.ID != g1.ID {
		t.Fatalf("merge made a second grant %s for the same key (first %s)", again.ID, g1.ID)
	}
	g2 := merge("u1", "c2", "https://a1")
	merge("u2", "c1", "https://a1")
	if n := byUser("u1"); n != 2 {
		t.Fatalf("u1 has %d grants, want 2", n)
	}

	must(s.DeleteUserGrant(ctx, g1.ID))
	if _, err := s.GetUserGrant(ctx, g1.ID); !errors.Is(err, tenant.ErrNotFound) {
		t.Fatalf("deleted grant found by id: %v", err)
	}
	if n := byUser("u1"); n != 1 {
		t.Fatalf("u1 has %d grants after a revocation, want 1", n)
	}
	if g := merge("u1", "c1", "https://a1"); g.ID == g1.ID || len(g.Scope) != 1 {
		t.Fatalf("merge after the revocation reused the deleted grant: %+v", g)
	}

	must(s.DeleteClient(ctx, "c2"))
	if _, err := s.GetUserGrant(ctx, g2.ID); !errors.Is(err, tenant.ErrNotFound) {
		t.Fatalf("grant of a deleted client found by id: %v", err)
	}
	must(s.DeleteUser(ctx, "u1"))
	if n := byUser("u1"); n != 0 {
		t.Fatalf("a deleted user has %d grants", n)
	}
	api, err := s.GetAPIByIdentifier(ctx, "https://a1")
	must(err)
	must(s.DeleteAPI(ctx, api.ID))
	if n := byUser("u2"); n != 0 {
		t.Fatalf("u2 has %d grants on a deleted API", n)
	}
}
