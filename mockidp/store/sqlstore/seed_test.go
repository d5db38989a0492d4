package sqlstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"

	"github.com/consentry/consentry/mockidp/store/pgtest"
	"github.com/consentry/consentry/mockidp/store/sqlstore"
	"github.com/consentry/consentry/mockidp/tenant"
)

func createClient(id string) func(context.Context, tenant.Store) error {
	return func(ctx context.Context, s tenant.Store) error {
		return s.CreateClient(ctx, &tenant.Client{ClientID: id, Name: id})
	}
}

func clientIDs(t *testing.T, s tenant.Store) []string {
	t.Helper()
	cs, err := s.ListClients(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ClientID)
	}
	return ids
}

func TestSeedOnceThenKeepUntilReseed(t *testing.T) {
	ctx := t.Context()
	s := newSQLite(t)
	if _, ok, _ := s.Origin(ctx); ok {
		t.Fatal("a new store reports an origin")
	}
	seeded, o, err := s.Seed(ctx, "tenant.yaml", false, createClient("from-file"))
	if err != nil || !seeded || o.Source != "tenant.yaml" || o.At.IsZero() {
		t.Fatalf("first Seed: seeded %v, origin %+v, err %v; want seeded from tenant.yaml", seeded, o, err)
	}
	if err := s.AddSigningKey(ctx, tenant.SigningKey{KID: "k", Alg: "RS256", PEM: []byte("p")}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateClient(ctx, &tenant.Client{ClientID: "made-later"}); err != nil {
		t.Fatal(err)
	}

	seeded, o, err = s.Seed(ctx, "other.yaml", false, createClient("should-not-appear"))
	if err != nil || seeded || o.Source != "tenant.yaml" {
		t.Fatalf("second Seed: seeded %v, origin %+v, err %v; want the stored tenant kept", seeded, o, err)
	}
	if got := clientIDs(t, s); len(got) != 2 || got[0] != "from-file" || got[1] != "made-later" {
		t.Errorf("clients after a second Seed: %q, want the stored ones", got)
	}

	seeded, o, err = s.Seed(ctx, "other.yaml", true, createClient("reseeded"))
	if err != nil || !seeded || o.Source != "other.yaml" {
		t.Fatalf("reseed: seeded %v, origin %+v, err %v", seeded, o, err)
	}
	if got := clientIDs(t, s); len(got) != 1 || got[0] != "reseeded" {
		t.Errorf("clients after reseed: %q, want only the new file's", got)
	}
	if ks, _ := s.SigningKeys(ctx); len(ks) != 1 {
		t.Errorf("reseed dropped the signing keys: %d left, want 1 (tokens issued before must still verify)", len(ks))
	}
}

func TestSeedInterruptedStartsOverNextTime(t *testing.T) {
	ctx := t.Context()
	s := newSQLite(t)
	boom := errors.New("boom")
	_, _, err := s.Seed(ctx, "t.yaml", false, func(ctx context.Context, st tenant.Store) error {
		if err := createClient("half")(ctx, st); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Seed error %v, want the apply error", err)
	}
	seeded, _, err := s.Seed(ctx, "t.yaml", false, createClient("half"))
	if err != nil || !seeded {
		t.Fatalf("Seed after an interrupted one: seeded %v, err %v; want a fresh seed", seeded, err)
	}
	if got := clientIDs(t, s); len(got) != 1 {
		t.Errorf("clients: %q, want one", got)
	}
}

func TestOpenDirRefusesASecondProcess(t *testing.T) {
	dir := filepath.Join(dbDir(t), "data")
	s, err := sqlstore.OpenDir(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sqlstore.OpenDir(t.Context(), dir); !errors.Is(err, sqlstore.ErrInUse) {
		t.Errorf("second OpenDir of one directory: %v, want ErrInUse", err)
	}
	s.Close()
	s2, err := sqlstore.OpenDir(t.Context(), dir)
	if err != nil {
		t.Fatalf("OpenDir after Close: %v", err)
	}
	s2.Close()
}

// TestPostgresReplicasSeedOnce starts replicas on one database at once:
// exactly one seeds, the others keep its tenant, and nobody fails.
func TestPostgresReplicasSeedOnce(t *testing.T) {
	url := pgtest.URL(t)
	const replicas = 4
	var wg sync.WaitGroup
	var mu sync.Mutex
	seededCount := 0
	for range replicas {
		wg.Go(func() {
			s, err := sqlstore.OpenPostgres(t.Context(), url)
			if err != nil {
				t.Errorf("OpenPostgres: %v", err)
				return
			}
			defer s.Close()
			err = s.Exclusive(t.Context(), func() error {
				seeded, _, err := s.Seed(t.Context(), "t.yaml", false, createClient("seeded"))
				if seeded {
					mu.Lock()
					seededCount++
					mu.Unlock()
				}
				return err
			})
			if err != nil {
				t.Errorf("Exclusive(Seed): %v", err)
			}
		})
	}
	wg.Wait()
	if seededCount != 1 {
		t.Errorf("%d replicas seeded, want 1", seededCount)
	}
	s, err := sqlstore.OpenPostgres(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := clientIDs(t, s); len(got) != 1 {
		t.Errorf("clients: %q, want the one seeded", got)
	}
}
