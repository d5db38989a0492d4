package sqlstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/store/pgtest"
	"github.com/consentry/consentry/mockidp/store/sqlstore"
	"github.com/consentry/consentry/mockidp/store/storetest"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

func TestOktaConformanceOktaSchemaPostgres(t *testing.T) {
	pgtest.Require(t)
	storetest.RunOkta(t, func(t *testing.T) okta.Store {
		s, err := sqlstore.OpenOktaPostgres(t.Context(), pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s.Okta()
	})
}

// checkOktaStoreApart: the org's store (okta) and the tenant's (t0) on one
// directory or database keep apart: an app in one is not in the other, and
// their signing keys differ. SeedOkta seeds once, and reseed empties the
// org (the keys stay).
func checkOktaStoreApart(t *testing.T, t0, o *sqlstore.Store) {
	ctx := t.Context()
	if err := t0.Okta().CreateApp(ctx, &okta.App{Label: "in the tenant's db"}); err != nil {
		t.Fatal(err)
	}
	if err := t0.CreateClient(ctx, &tenant.Client{ClientID: "auth0-client", Name: "x"}); err != nil {
		t.Fatal(err)
	}
	apply := func(ctx context.Context, st okta.Store) error {
		return st.CreateApp(ctx, &okta.App{Label: "from the file"})
	}
	seeded, _, err := o.SeedOkta(ctx, "org.yaml", false, apply)
	if err != nil || !seeded {
		t.Fatalf("first SeedOkta: %v %v", seeded, err)
	}
	if apps, _ := o.Okta().ListApps(ctx); len(apps) != 1 || apps[0].Label != "from the file" {
		t.Fatalf("the org's apps: %+v", apps)
	}
	if cs, _ := o.ListClients(ctx); len(cs) != 0 {
		t.Errorf("the org's database has the tenant's clients: %d", len(cs))
	}
	if apps, _ := t0.Okta().ListApps(ctx); len(apps) != 1 || apps[0].Label != "in the tenant's db" {
		t.Errorf("the tenant's database: %+v", apps)
	}
	k0, err := tokens.LoadOrCreate(ctx, t0)
	if err != nil {
		t.Fatal(err)
	}
	k1, err := tokens.LoadOrCreate(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := k0.JWKS(), k1.JWKS(); len(a.Keys) == 0 || a.Keys[0].KeyID == b.Keys[0].KeyID {
		t.Error("the org and the tenant share signing keys")
	}
	if seeded, origin, err := o.SeedOkta(ctx, "org.yaml", false, apply); err != nil || seeded || origin.Source != "org.yaml" {
		t.Errorf("second SeedOkta without reseed: seeded %v, origin %+v, %v", seeded, origin, err)
	}
	if err := o.Okta().CreateApp(ctx, &okta.App{Label: "added later"}); err != nil {
		t.Fatal(err)
	}
	if seeded, _, err := o.SeedOkta(ctx, "org.yaml", true, apply); err != nil || !seeded {
		t.Fatalf("reseed: %v %v", seeded, err)
	}
	if apps, _ := o.Okta().ListApps(ctx); len(apps) != 1 || apps[0].Label != "from the file" {
		t.Errorf("after reseed the org's apps are %d, want the file's one", len(apps))
	}
	k2, err := tokens.LoadOrCreate(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if k1.JWKS().Keys[0].KeyID != k2.JWKS().Keys[0].KeyID {
		t.Error("reseed changed the org's keys")
	}
}

func TestOktaStoreApartSQLite(t *testing.T) {
	dir := filepath.Join(dbDir(t), "data")
	t0, err := sqlstore.OpenDir(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer t0.Close()
	o, err := sqlstore.OpenOktaDir(t.Context(), dir)
	if err != nil {
		t.Fatalf("the org beside the tenant in one directory: %v", err)
	}
	defer o.Close()
	if _, err := sqlstore.OpenOktaDir(t.Context(), dir); !errors.Is(err, sqlstore.ErrInUse) {
		t.Errorf("a second org on the directory: %v, want ErrInUse", err)
	}
	checkOktaStoreApart(t, t0, o)
}

func TestOktaStoreApartPostgres(t *testing.T) {
	pgtest.Require(t)
	url := pgtest.URL(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	t0, err := sqlstore.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer t0.Close()
	o, err := sqlstore.OpenOktaPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	checkOktaStoreApart(t, t0, o)
	// Opening it again (a replica) finds the schema there.
	o2, err := sqlstore.OpenOktaPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer o2.Close()
	if apps, _ := o2.Okta().ListApps(ctx); len(apps) != 1 {
		t.Errorf("a second opener sees %d apps, want 1", len(apps))
	}
}
