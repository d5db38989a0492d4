// Package sqlstore is the durable tenant.Store: one implementation in SQL,
// run on two engines. Embedded SQLite (modernc.org/sqlite, pure Go) keeps a
// tenant in a directory on disk (mockidp serve --data DIR); PostgreSQL
// (github.com/jackc/pgx/v5) lets several mock processes share one tenant
// (mockidp serve --store postgres://...).
//
// Every table keeps the object as a JSON document plus the columns the store
// looks it up, orders it or enforces uniqueness by. The SQL is written once,
// with $1-style parameters both engines accept; what differs between the
// engines is in dialect.go and nowhere else.
//
// Durability: SQLite runs in WAL mode with synchronous=FULL, so a write that
// returned survives a kill -9 of the process and a power cut; PostgreSQL
// commits are durable by its own defaults. Concurrency: every multi-statement
// change is one transaction; the Update...Func methods are compare-and-swap on
// the stored document, so concurrent read-modify-writes never lose a change,
// in one process or across replicas.
package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/consentry/consentry/mockidp/tenant"
)

// Store is a tenant.Store in an SQL database. Create it with OpenSQLite or
// OpenPostgres (or Open) and Close it when done.
type Store struct {
	db *sql.DB
	d  *dialect
	// writeMu serializes writing transactions when the engine allows one
	// writer at a time (SQLite): waiting here is cheaper and fairer than
	// SQLite's busy retries.
	writeMu sync.Mutex
	source  string   // what the banner shows: a path or a redacted URL
	lock    *os.File // OpenDir's lock file, held while the store is open
}

var _ tenant.Store = (*Store)(nil)

// DBFile is the database file OpenDir keeps in a data directory.
const DBFile = "mockidp.db"

// Open opens the store a --store value names: a postgres:// or
// postgresql:// URL, or a path to an SQLite file.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return OpenPostgres(ctx, dsn)
	}
	return OpenSQLite(ctx, dsn)
}

// LockFile is the file OpenDir locks in a data directory, so that a second
// process on the same directory is refused rather than racing the first.
const LockFile = "mockidp.lock"

// ErrInUse is returned by OpenDir when another process has the directory.
var ErrInUse = errors.New("the data directory is in use by another mockidp process")

// OpenDir opens (creating it when missing) the SQLite store of a data
// directory, and holds the directory's lock file until Close. The kernel
// releases the lock when the process dies, kill -9 included.
func OpenDir(ctx context.Context, dir string) (*Store, error) {
	return openDir(ctx, dir, DBFile, LockFile)
}

// openDir opens dbFile in dir while holding lockFile.
func openDir(ctx context.Context, dir, dbFile, lockFile string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlstore: data directory: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: data directory: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("sqlstore: %s: %w", dir, ErrInUse)
		}
		return nil, fmt.Errorf("sqlstore: lock %s: %w", dir, err)
	}
	s, err := OpenSQLite(ctx, filepath.Join(dir, dbFile))
	if err != nil {
		lock.Close()
		return nil, err
	}
	s.lock = lock
	return s, nil
}

// OpenSQLite opens (creating it when missing) an SQLite database file and
// brings its schema up to date.
func OpenSQLite(ctx context.Context, path string) (*Store, error) {
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlstore: %q: a database path may not contain ? or #", path)
	}
	db, err := sql.Open("sqlite", sqliteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open %s: %w", path, err)
	}
	return open(ctx, db, sqliteDialect, path)
}

// OpenPostgres connects to PostgreSQL and brings the schema up to date. The
// URL's search_path parameter, when set, chooses the schema.
func OpenPostgres(ctx context.Context, url string) (*Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: %s: %w", redact(url), err)
	}
	return open(ctx, db, postgresDialect, redact(url))
}

// maxConns bounds the connection pool. The pool keeps them all open when
// idle: opening one costs a file open and the pragmas (SQLite) or a TCP
// connection and a login (PostgreSQL), far more than a query.
const maxConns = 16

func open(ctx context.Context, db *sql.DB, d *dialect, source string) (*Store, error) {
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	s := &Store{db: db, d: d, source: source}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: %s: %w", source, err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: %s: %w", source, err)
	}
	return s, nil
}

// Close closes the database (and releases OpenDir's lock).
func (s *Store) Close() error {
	err := s.db.Close()
	if s.lock != nil {
		s.lock.Close()
	}
	return err
}

// Engine is "sqlite" or "postgres".
func (s *Store) Engine() string { return s.d.name }

// Source is where the store is, fit for a log line or a banner: a file path,
// or a PostgreSQL URL without its password.
func (s *Store) Source() string { return s.source }

// tx runs fn in one transaction, committed when fn returns nil.
func (s *Store) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if s.d.oneWriter {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// exec runs one writing statement and returns the number of rows it changed.
func (s *Store) exec(ctx context.Context, query string, args ...any) (int64, error) {
	if s.d.oneWriter {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	res, err := s.db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, s.mapErr(err)
	}
	return res.RowsAffected()
}

// mapErr turns a uniqueness violation into tenant.ErrConflict.
func (s *Store) mapErr(err error) error {
	if err != nil && s.d.isUniqueViolation(err) {
		return tenant.ErrConflict
	}
	return err
}

// querier is what reads need: the database or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// decodeDoc decodes a stored JSON document.
func decodeDoc[T any](doc string) (T, error) {
	var v T
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		return v, fmt.Errorf("sqlstore: decode: %w", err)
	}
	return v, nil
}

// getDoc reads one document; tenant.ErrNotFound when there is none.
func getDoc[T any](ctx context.Context, q querier, query string, args ...any) (*T, string, error) {
	var doc string
	if err := q.QueryRowContext(ctx, query, args...).Scan(&doc); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, "", tenant.ErrNotFound
		}
		return nil, "", err
	}
	v, err := decodeDoc[T](doc)
	if err != nil {
		return nil, "", err
	}
	return &v, doc, nil
}

// listDocs reads the documents a query returns, in its order.
func listDocs[T any](ctx context.Context, q querier, query string, args ...any) ([]*T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		v, err := decodeDoc[T](doc)
		if err != nil {
			return nil, err
		}
		out = append(out, &v)
	}
	return out, rows.Err()
}

func encode(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// The tenant types hold strings, numbers, bools and times only.
		panic(fmt.Sprintf("sqlstore: encode %T: %v", v, err))
	}
	return string(b)
}

func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// maxCASAttempts bounds the compare-and-swap loop of the Update funcs. Every
// failed attempt means another writer succeeded, so it is only reached under
// absurd contention.
const maxCASAttempts = 1000

var errIDChanged = errors.New("sqlstore: an update func changed the object's ID")

// updateDoc is the loop behind the Update...Func methods: read the document,
// run fn on it with no transaction open (so fn may read the store), and write
// the result only if the stored document is still the one read. swap runs the
// conditional write and returns the rows it changed: 0 means someone else
// wrote first, and the loop starts again.
func updateDoc[T any](ctx context.Context, s *Store, read func() (*T, string, error), fn func(*T) error, swap func(old string, next *T) (int64, error)) (*T, error) {
	for range maxCASAttempts {
		v, old, err := read()
		if err != nil {
			return nil, err
		}
		if err := fn(v); err != nil {
			return nil, err
		}
		n, err := swap(old, v)
		if err != nil {
			return nil, s.mapErr(err)
		}
		if n == 1 {
			return v, nil
		}
		// Changed or deleted meanwhile: read again (read reports a deletion).
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("sqlstore: update gave up after %d concurrent changes", maxCASAttempts)
}
