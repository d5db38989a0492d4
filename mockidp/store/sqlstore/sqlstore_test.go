package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/store/pgtest"
	"github.com/consentry/consentry/mockidp/store/sqlstore"
	"github.com/consentry/consentry/mockidp/store/storetest"
	"github.com/consentry/consentry/mockidp/tenant"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func newSQLiteB(b *testing.B) *sqlstore.Store { return newSQLite(b) }

func newPostgresB(b *testing.B) *sqlstore.Store { return newPostgres(b) }

// dbDir is a new directory for a test database, removed when the test ends
// (or by the next run, when this one is killed first: pgtest.TempDir): on
// tmpfs (/dev/shm) when the machine has one. The store commits with
// synchronous=FULL, an fsync per write, which on a temporary file proves
// nothing and cost a quarter of the package's time on disk (issue 13);
// TestSQLiteSettings still checks the pragmas, and a kill -9 keeps what a
// tmpfs holds as it keeps the page cache.
func dbDir(t testing.TB) string {
	t.Helper()
	dir, err := pgtest.TempDir("consentry-sqlstore-")
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func newSQLite(t testing.TB) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.OpenDir(t.Context(), filepath.Join(dbDir(t), "data"))
	if err != nil {
		t.Fatalf("OpenDir: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newPostgres opens a store on a database of its own, a copy of one
// migrated once per test binary (the migrations from an empty schema run
// there, and in the migration tests).
func newPostgres(t testing.TB) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.OpenPostgres(t.Context(), pgtest.Copy(t, "sqlstore", migrated))
	if err != nil {
		t.Fatalf("OpenPostgres: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformanceSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) tenant.Store { return newSQLite(t) })
}

// migrated brings the database at url to the current schema version.
func migrated(ctx context.Context, url string) error {
	s, err := sqlstore.OpenPostgres(ctx, url)
	if err != nil {
		return err
	}
	return s.Close()
}

func TestConformancePostgres(t *testing.T) {
	pgtest.Require(t)
	storetest.Run(t, func(t *testing.T) tenant.Store { return newPostgres(t) })
}

func TestSessionConformanceSQLite(t *testing.T) {
	storetest.RunSessions(t, func(t *testing.T, now func() time.Time, l session.Limits) session.Store {
		return newSQLite(t).Sessions(now, l)
	})
}

func TestSessionConformancePostgres(t *testing.T) {
	pgtest.Require(t)
	storetest.RunSessions(t, func(t *testing.T, now func() time.Time, l session.Limits) session.Store {
		return newPostgres(t).Sessions(now, l)
	})
}

// TestSQLiteReopenKeepsEverything is rule J1's "keys survive a restart"
// and the rest of the tenant with them, login sessions and issued codes
// included: close the store, open the file again, and everything written is
// there.
func TestSQLiteReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(dbDir(t), "data")
	s, err := sqlstore.OpenDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateClient(ctx, &tenant.Client{ClientID: "c", Name: "C", Callbacks: []string{"https://c.example.com/cb"}}))
	must(s.CreateUser(ctx, &tenant.User{UserID: "auth0|u", Email: "U@example.com", PasswordHash: "$2a$04$x"}))
	must(s.AddSigningKey(ctx, tenant.SigningKey{KID: "k", Alg: "RS256", PEM: []byte("pem")}))
	g, err := s.MergeUserGrant(ctx, "auth0|u", "c", "https://a.example.com", []string{"read"})
	must(err)
	ss := s.Sessions(nil, session.Limits{})
	must(ss.PutSession(ctx, session.Session{ID: "sess", UserID: "auth0|u", AuthTime: time.Now()}))
	must(ss.PutCode(ctx, "code-digest", session.Code{ClientID: "c", UserID: "auth0|u", ExpiresAt: time.Now().Add(time.Minute)}))
	must(s.Close())

	s, err = sqlstore.OpenDir(ctx, dir)
	must(err)
	defer s.Close()
	if c, err := s.GetClient(ctx, "c"); err != nil || c.Callbacks[0] != "https://c.example.com/cb" {
		t.Errorf("client after reopening: %+v, %v", c, err)
	}
	if u, err := s.FindUser(ctx, "u@EXAMPLE.com"); err != nil || u.PasswordHash != "$2a$04$x" {
		t.Errorf("user after reopening: %+v, %v", u, err)
	}
	if ks, err := s.SigningKeys(ctx); err != nil || len(ks) != 1 || string(ks[0].PEM) != "pem" {
		t.Errorf("keys after reopening: %+v, %v", ks, err)
	}
	if got, err := s.GetUserGrant(ctx, g.ID); err != nil || got.Scope[0] != "read" {
		t.Errorf("grant after reopening: %+v, %v", got, err)
	}
	ss = s.Sessions(nil, session.Limits{})
	if se, err := ss.GetSession(ctx, "sess"); err != nil || se.UserID != "auth0|u" {
		t.Errorf("login session after reopening: %+v, %v", se, err)
	}
	if c, claim, err := ss.ClaimCode(ctx, "code-digest"); err != nil || claim != session.ClaimWon || c.ClientID != "c" {
		t.Errorf("code issued before reopening: %v %+v %v, want it claimable", claim, c, err)
	}
}

// TestSQLiteSettings checks the durability settings the package promises:
// WAL and synchronous=FULL on every connection.
func TestSQLiteSettings(t *testing.T) {
	s := newSQLite(t)
	mode, sync, err := sqlstore.SQLitePragmas(t.Context(), s)
	if err != nil {
		t.Fatal(err)
	}
	if mode != "wal" || sync != 2 {
		t.Errorf("journal_mode %q, synchronous %d; want wal and 2 (FULL)", mode, sync)
	}
}

// TestMigrationsIdempotent opens one database twice and refuses a database
// from a newer build.
func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(dbDir(t), "m.db")
	for range 2 {
		s, err := sqlstore.OpenSQLite(ctx, path)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		if v, err := sqlstore.StoredSchemaVersion(ctx, s); err != nil || v != sqlstore.SchemaVersion() {
			t.Errorf("schema version %d (%v), want %d", v, err, sqlstore.SchemaVersion())
		}
		s.Close()
	}
	s, _ := sqlstore.OpenSQLite(ctx, path)
	if err := sqlstore.ForceSchemaVersion(ctx, s, sqlstore.SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := sqlstore.OpenSQLite(ctx, path); err == nil {
		t.Error("opening a database with a newer schema worked; want a refusal")
	}
}

func TestRedactsPassword(t *testing.T) {
	for _, dsn := range []string{"postgres://u:hunter2@db:5432/x", "postgres://u@db/x?password=hunter2&sslmode=disable"} {
		if got := sqlstore.Redact(dsn); got == "" || contains(got, "hunter2") {
			t.Errorf("Redact(%q) = %q", dsn, got)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func TestOktaConformanceSQLite(t *testing.T) {
	storetest.RunOkta(t, func(t *testing.T) okta.Store { return newSQLite(t).Okta() })
}

func TestOktaConformancePostgres(t *testing.T) {
	pgtest.Require(t)
	storetest.RunOkta(t, func(t *testing.T) okta.Store { return newPostgres(t).Okta() })
}
