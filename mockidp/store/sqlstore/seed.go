package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"time"

	"github.com/consentry/consentry/mockidp/tenant"
)

// Origin says where the stored tenant came from.
type Origin struct {
	// Source is the tenant file the store was seeded from; "" for a tenant
	// that started empty.
	Source string
	// At is when it was seeded.
	At time.Time
}

// Meta keys.
const (
	metaSeededAt   = "seeded_at"
	metaSeededFrom = "seeded_from"
)

// Origin reports where the stored tenant came from; ok is false for a store
// that was never seeded (a new database).
func (s *Store) Origin(ctx context.Context) (o Origin, ok bool, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key, value FROM meta WHERE key IN ($1, $2)`, metaSeededAt, metaSeededFrom)
	if err != nil {
		return Origin{}, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return Origin{}, false, err
		}
		switch k {
		case metaSeededAt:
			ok = true
			o.At, _ = time.Parse(time.RFC3339, v)
		case metaSeededFrom:
			o.Source = v
		}
	}
	return o, ok, rows.Err()
}

// Seed fills the store from a tenant file, once: on a store never seeded,
// or on any store when reseed is true, it empties the tenant (its signing
// keys excepted, so tokens issued before still verify), runs apply on the
// store and records source as the origin. On a seeded store without reseed
// it changes nothing. It reports whether it seeded and the store's origin.
//
// apply runs through the ordinary Store methods; if the process dies while
// it runs, the origin is not recorded, and the next Seed starts again from
// an empty tenant. Run Seed inside Exclusive when processes share the store.
func (s *Store) Seed(ctx context.Context, source string, reseed bool, apply func(context.Context, tenant.Store) error) (bool, Origin, error) {
	o, seeded, err := s.Origin(ctx)
	if err != nil {
		return false, Origin{}, fmt.Errorf("sqlstore: read the tenant's origin: %w", err)
	}
	if seeded && !reseed {
		return false, o, nil
	}
	if err := s.tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []string{
			`DELETE FROM meta WHERE key IN ('seeded_at', 'seeded_from')`,
			`DELETE FROM clients`, `DELETE FROM apis`, `DELETE FROM users`, `DELETE FROM client_grants`,
			`DELETE FROM user_grants`, `DELETE FROM refresh_tokens`, `DELETE FROM connections`, `UPDATE settings SET doc = '{}'`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return false, Origin{}, fmt.Errorf("sqlstore: empty the tenant: %w", err)
	}
	if apply != nil {
		if err := apply(ctx, s); err != nil {
			return false, Origin{}, err
		}
	}
	o = Origin{Source: source, At: time.Now().UTC().Truncate(time.Second)}
	if err := s.tx(ctx, func(tx *sql.Tx) error {
		for k, v := range map[string]string{metaSeededFrom: o.Source, metaSeededAt: o.At.Format(time.RFC3339)} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return false, Origin{}, fmt.Errorf("sqlstore: record the tenant's origin: %w", err)
	}
	return true, o, nil
}

// Exclusive runs fn while holding a lock that one process at a time holds
// per database: with PostgreSQL, a session advisory lock, so that replicas
// starting together seed and bootstrap the tenant one after the other. With
// SQLite, OpenDir's lock file already keeps other processes out, and fn just
// runs. fn may use the store.
func (s *Store) Exclusive(ctx context.Context, fn func() error) error {
	if s.d.sessionLock == "" {
		return fn()
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlstore: lock: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, s.d.sessionLock); err != nil {
		return fmt.Errorf("sqlstore: lock: %w", err)
	}
	ferr := fn()
	if _, err := conn.ExecContext(context.WithoutCancel(ctx), s.d.sessionUnlock); err != nil {
		// Closing the connection would release the lock anyway; make sure it
		// is not returned to the pool still holding it.
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		return errors.Join(ferr, fmt.Errorf("sqlstore: unlock: %w", err))
	}
	return ferr
}
