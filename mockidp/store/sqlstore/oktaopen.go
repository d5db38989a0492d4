package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"

	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/tenant"
)

// An Okta org is kept in a database of its own, never in the Auth0
// tenant's: its signing keys, its origin (seeded_from) and its short-lived
// state (sessions, transactions, codes) live in the same tables as a
// tenant's, and two faces sharing them would share keys and could take each
// other's login sessions (cookies are per host, not per port). With
// SQLite the org is OktaDBFile beside the tenant's DBFile in the data
// directory, under its own lock file; with PostgreSQL it is the schema
// OktaSchema of the same database.
const (
	OktaDBFile   = "okta.db"
	OktaLockFile = "okta.lock"
	OktaSchema   = "okta"
)

// OpenOktaDir opens (creating them when missing) the Okta org's SQLite
// store in a data directory, holding OktaLockFile until Close: a second
// process serving an Okta org on the same directory is refused, an Auth0
// tenant on it is not.
func OpenOktaDir(ctx context.Context, dir string) (*Store, error) {
	return openDir(ctx, dir, OktaDBFile, OktaLockFile)
}

// OpenOktaPostgres opens the Okta org's store in the database of a
// postgres:// URL: the schema OktaSchema (or "<search_path>_okta" when the
// URL chooses a schema for the tenant), created if missing.
func OpenOktaPostgres(ctx context.Context, rawURL string) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %s: %w", redact(rawURL), err)
	}
	q := u.Query()
	schema := OktaSchema
	if sp := strings.TrimSpace(strings.Split(q.Get("search_path"), ",")[0]); sp != "" {
		schema = strings.Trim(sp, `"`) + "_" + OktaSchema
	}
	db, err := sql.Open("pgx", rawURL)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %s: %w", redact(rawURL), err)
	}
	defer db.Close()
	// Replicas starting together would race CREATE SCHEMA IF NOT EXISTS
	// (a unique violation in pg_namespace): take the startup lock.
	err = func() error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, postgresDialect.lockStartup); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `CREATE SCHEMA IF NOT EXISTS `+quoteIdent(schema)); err != nil {
			return err
		}
		return tx.Commit()
	}()
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %s: create schema %s: %w", redact(rawURL), schema, err)
	}
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return OpenPostgres(ctx, u.String())
}

// quoteIdent quotes a PostgreSQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// oktaTables are the org's tables, emptied by SeedOkta.
var oktaTables = []string{"okta_skips", "okta_grants", "okta_rules", "okta_policies", "okta_scopes",
	"okta_servers", "okta_app_users", "okta_users", "okta_apps"}

// SeedOkta is Seed for an Okta org (a store opened with OpenOktaDir or
// OpenOktaPostgres): on a store never seeded, or with reseed, it empties the
// org (its signing keys excepted, so tokens issued before still verify),
// runs apply on the org and records source as the origin; on a seeded
// store without reseed it changes nothing. apply may be nil (a new org: the
// server seeds okta.SeedOrg). Run it inside Exclusive when processes share
// the store.
func (s *Store) SeedOkta(ctx context.Context, source string, reseed bool, apply func(context.Context, okta.Store) error) (bool, Origin, error) {
	return s.Seed(ctx, source, reseed, func(ctx context.Context, _ tenant.Store) error {
		if err := s.tx(ctx, func(tx *sql.Tx) error {
			for _, t := range oktaTables {
				if _, err := tx.ExecContext(ctx, `DELETE FROM `+t); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return fmt.Errorf("sqlstore: empty the Okta org: %w", err)
		}
		if apply == nil {
			return nil
		}
		return apply(ctx, s.Okta())
	})
}
