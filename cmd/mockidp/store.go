package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/consentry/consentry/mockidp/config"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/store/sqlstore"
	"github.com/consentry/consentry/mockidp/tenant"
)

// checkStoreFlags validates --data, --store and --reseed together.
func checkStoreFlags(o *serveOptions) error {
	if o.dataDir != "" && o.storeURL != "" {
		return errors.New("serve: --data and --store both given: choose one (--data DIR for SQLite, --store postgres://... for PostgreSQL)")
	}
	if o.storeURL != "" {
		u, err := url.Parse(o.storeURL)
		// Never echo the value: it may hold a password.
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			scheme := "none"
			if err == nil && u.Scheme != "" {
				scheme = u.Scheme + "://"
			}
			return fmt.Errorf("serve: --store: want a postgres://user:password@host:port/dbname URL (scheme given: %s); --data DIR keeps the tenant in a local SQLite file", scheme)
		}
	}
	if o.reseed {
		if o.dataDir == "" && o.storeURL == "" {
			return errors.New("serve: --reseed needs --data or --store (the in-memory tenant is loaded from the file on every start)")
		}
		if o.configPath == "" && o.okta.config == "" {
			return errors.New("serve: --reseed needs --config (or --okta-config), the file to reseed from")
		}
	}
	return nil
}

// theTenant is the store the server runs on and what the banner says of it.
type theTenant struct {
	store tenant.Store
	// sessions is the short-lived state; nil for the server's in-memory
	// default.
	sessions session.Store
	// exclusive runs fn while no other process sharing the store runs
	// its startup.
	exclusive func(ctx context.Context, fn func() error) error
	close     func()
	storeLine string // e.g. "SQLite /data/mockidp.db (kept across restarts)"
	fileLine  string // the banner's "Tenant file" line; "" for the default
}

// openTenant opens the store the flags name and loads the tenant file into
// it: into memory on every start, into a durable store on its first start
// (or with --reseed) only. Errors are one line for the "bad flag" exit.
func openTenant(ctx context.Context, o *serveOptions) (*theTenant, error) {
	var file *config.File
	if o.configPath != "" {
		f, err := config.Load(o.configPath)
		if err != nil {
			return nil, err
		}
		file = f
	}
	apply := func(ctx context.Context, st tenant.Store) error {
		if file == nil {
			return nil
		}
		fileCost := 0 // the file's password_cost, else the default
		if o.passwordCostSet {
			fileCost = o.passwordCost
		}
		return file.Apply(ctx, st, fileCost)
	}

	if o.dataDir == "" && o.storeURL == "" {
		st := memstore.New()
		if err := apply(ctx, st); err != nil {
			return nil, err
		}
		return &theTenant{
			store:     st,
			exclusive: func(_ context.Context, fn func() error) error { return fn() },
			close:     func() {},
			storeLine: "memory (lost when mockidp stops; --data DIR keeps it)",
		}, nil
	}

	var st *sqlstore.Store
	var err error
	t := &theTenant{}
	if o.dataDir != "" {
		st, err = sqlstore.OpenDir(ctx, o.dataDir)
		if err != nil {
			return nil, fmt.Errorf("--data %s: %s", o.dataDir, oneLine(err))
		}
		path := st.Source()
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		t.storeLine = "SQLite " + path + " (kept across restarts)"
	} else {
		st, err = sqlstore.OpenPostgres(ctx, o.storeURL)
		if err != nil {
			return nil, fmt.Errorf("--store: %s", oneLine(err))
		}
		t.storeLine = "PostgreSQL " + st.Source() + " (shared by every mockidp on it)"
	}
	t.store, t.exclusive, t.close = st, st.Exclusive, func() { st.Close() }
	t.sessions = st.Sessions(nil, session.Limits{})

	err = st.Exclusive(ctx, func() error {
		seeded, origin, err := st.Seed(ctx, o.configPath, o.reseed && o.configPath != "", apply) // --reseed --okta-config alone reseeds the Okta org only
		if err != nil {
			return err
		}
		t.fileLine = fileLine(o.configPath, seeded, origin)
		return nil
	})
	if err != nil {
		st.Close()
		return nil, err
	}
	return t, nil
}

// fileLine says what became of the tenant file on a durable store.
func fileLine(configPath string, seeded bool, o sqlstore.Origin) string {
	from := "an empty tenant"
	if o.Source != "" {
		from = o.Source
	}
	switch {
	case seeded && configPath != "":
		return configPath + " (loaded into the store: later starts keep what the store holds)"
	case seeded:
		return "none (--config not given): the tenant is empty; the store keeps what you add"
	case configPath != "":
		return fmt.Sprintf("%s not loaded: the store already holds the tenant (seeded from %s on %s); --reseed replaces it with the file",
			configPath, from, o.At.UTC().Format(time.DateTime+" UTC"))
	default:
		return fmt.Sprintf("none: the store's tenant (seeded from %s on %s)", from, o.At.UTC().Format(time.DateTime+" UTC"))
	}
}

// oneLine joins the lines of a driver's error (pgx lists one per address
// tried), for the one-line error of a bad flag.
func oneLine(err error) string {
	lines := strings.Split(err.Error(), "\n")
	out := lines[:0]
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return strings.Join(out, " ")
}
