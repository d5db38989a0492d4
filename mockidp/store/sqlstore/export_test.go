package sqlstore

import (
	"context"
	"database/sql"
)

var Redact = redact

func SQLitePragmas(ctx context.Context, s *Store) (mode string, sync int, err error) {
	if err = s.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return
	}
	err = s.db.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync)
	return
}

func StoredSchemaVersion(ctx context.Context, s *Store) (v int, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v)
	return
}

func ForceSchemaVersion(ctx context.Context, s *Store, v int) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 'test')`, v)
	return err
}

// OpenSQLiteAt opens an SQLite database whose schema is brought up to
// version v only, as an older mockidp left it.
func OpenSQLiteAt(ctx context.Context, path string, v int) (*Store, error) {
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, d: sqliteDialect, source: path}
	return s, s.migrateTo(ctx, v)
}

// OpenPostgresAt is OpenSQLiteAt for PostgreSQL.
func OpenPostgresAt(ctx context.Context, url string, v int) (*Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, d: postgresDialect, source: redact(url)}
	return s, s.migrateTo(ctx, v)
}

// Exec runs a statement as it is (rows written by an older schema).
func Exec(ctx context.Context, s *Store, query string, args ...any) error {
	_, err := s.db.ExecContext(ctx, query, args...)
	return err
}
