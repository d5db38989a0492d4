package sqlstore

import "context"

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
