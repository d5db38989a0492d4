package sqlstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/consentry/consentry/mockidp/store/pgtest"
	"github.com/consentry/consentry/mockidp/store/sqlstore"
	"github.com/consentry/consentry/mockidp/tenant"
)

// Migration 6 gives the refresh tokens an older mockidp wrote their family
// and spent columns from their JSON: a family written before it is still
// revoked whole, and its spent marker is still spent.
func TestMigration6RefreshFamiliesSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.db")
	testMigration6(t,
		func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenSQLiteAt(ctx, path, 5) },
		func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenSQLite(ctx, path) })
}

func TestMigration6RefreshFamiliesPostgres(t *testing.T) {
	pgtest.Require(t)
	url := pgtest.URL(t)
	testMigration6(t,
		func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenPostgresAt(ctx, url, 5) },
		func(ctx context.Context) (*sqlstore.Store, error) { return sqlstore.OpenPostgres(ctx, url) })
}

func testMigration6(t *testing.T, openOld, openNew func(context.Context) (*sqlstore.Store, error)) {
	ctx := context.Background()
	old, err := openOld(ctx)
	if err != nil {
		t.Fatalf("open at schema 5: %v", err)
	}
	// Rows as schema 5 stored them: the first token of a family (no
	// family_id in its JSON), its spent marker's successor, a live token.
	rows := [][2]string{
		{"head", `{"id":"head","client_id":"c","user_id":"u","audience":"a","scope":null,"auth_time":"0001-01-01T00:00:00Z","created_at":"2025-03-14T15:09:26Z","family_id":"head","spent_at":"2025-03-14T15:10:26Z","rotated_to":"second"}`},
		{"second", `{"id":"second","client_id":"c","user_id":"u","audience":"a","scope":null,"auth_time":"0001-01-01T00:00:00Z","created_at":"2025-03-14T15:10:26Z","family_id":"head"}`},
		{"lone", `{"id":"lone","client_id":"c","user_id":"u","audience":"a","scope":null,"auth_time":"0001-01-01T00:00:00Z","created_at":"2025-03-14T15:09:26Z"}`},
	}
	for _, r := range rows {
		if err := sqlstore.Exec(ctx, old, `INSERT INTO refresh_tokens (id, client_id, user_id, audience, grant_id, doc) VALUES ($1, 'c', 'u', 'a', '', $2)`, r[0], r[1]); err != nil {
			t.Fatalf("insert %s at schema 5: %v", r[0], err)
		}
	}
	old.Close()

	s, err := openNew(ctx)
	if err != nil {
		t.Fatalf("migrate to schema %d: %v", sqlstore.SchemaVersion(), err)
	}
	defer s.Close()
	head, err := s.GetRefreshToken(ctx, "head")
	if err != nil {
		t.Fatal(err)
	}
	// The marker is spent for SpendRefreshToken too.
	next := &tenant.RefreshToken{ID: "again", ClientID: "c", UserID: "u", FamilyID: "head"}
	if err := s.SpendRefreshToken(ctx, head, next); !errors.Is(err, tenant.ErrConflict) {
		t.Errorf("SpendRefreshToken of a marker written by schema 5: %v, want ErrConflict", err)
	}
	// The live token of schema 5 can be spent once.
	second, err := s.GetRefreshToken(ctx, "second")
	if err != nil {
		t.Fatal(err)
	}
	m := *second
	m.SpentAt, m.RotatedTo = head.SpentAt.Add(1), "third"
	if err := s.SpendRefreshToken(ctx, &m, &tenant.RefreshToken{ID: "third", ClientID: "c", UserID: "u", FamilyID: "head"}); err != nil {
		t.Errorf("SpendRefreshToken of a live token written by schema 5: %v", err)
	}
	if err := s.DeleteRefreshTokenFamily(ctx, "head"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"head", "second", "third"} {
		if _, err := s.GetRefreshToken(ctx, id); !errors.Is(err, tenant.ErrNotFound) {
			t.Errorf("%s after DeleteRefreshTokenFamily(head): %v, want ErrNotFound", id, err)
		}
	}
	if _, err := s.GetRefreshToken(ctx, "lone"); err != nil {
		t.Fatalf("the token of another family: %v", err)
	}
	if err := s.DeleteRefreshTokenFamily(ctx, "lone"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetRefreshToken(ctx, "lone"); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("a first token written by schema 5 is not its own family: %v", err)
	}
}
