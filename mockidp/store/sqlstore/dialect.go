package sqlstore

import (
	"errors"
	"net/url"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is everything that differs between the two engines. The queries
// themselves are shared: both accept $1-style parameters, ON CONFLICT,
// RETURNING and partial unique indexes.
type dialect struct {
	name string
	// serial is the column type of an auto-increasing primary key, which
	// keeps creation order.
	serial string
	// oneWriter: the engine takes one writing transaction at a time, so the
	// store queues writers itself (SQLite).
	oneWriter bool
	// lockKeys, run first in a transaction, keeps other transactions from
	// adding signing keys until it ends ("" when oneWriter already does).
	lockKeys string
	// lockTransactions, run first in a transaction, keeps other
	// transactions from changing the transactions table until it ends, so
	// that the eviction of PutTransaction counts rows no one else changes
	// ("" when oneWriter already does).
	lockTransactions string
	// lockStartup, run first in a transaction, serializes migrations and
	// seeding between processes sharing the database.
	lockStartup string
	// sessionLock and sessionUnlock take and release, on one connection,
	// the lock of Store.Exclusive ("" when other processes are kept out
	// otherwise).
	sessionLock, sessionUnlock string
	// forUpdate ends a SELECT that locks the rows it reads until the end of
	// the transaction ("" when oneWriter already does).
	forUpdate string
	// forShare ends a SELECT that keeps the rows it reads from being
	// deleted until the transaction ends ("" when oneWriter already does).
	forShare string
	// isUniqueViolation reports a unique or primary key constraint error.
	isUniqueViolation func(error) bool
	// docText is the expression of a field of the JSON doc column as text
	// (NULL when absent), the field name in %s (migrations only).
	docText string
}

var sqliteDialect = &dialect{
	name:      "sqlite",
	serial:    "INTEGER PRIMARY KEY AUTOINCREMENT",
	oneWriter: true,
	docText:   "json_extract(doc, '$.%s')",
	isUniqueViolation: func(err error) bool {
		var e *sqlite.Error
		if !errors.As(err, &e) {
			return false
		}
		return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || e.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	},
}

var postgresDialect = &dialect{
	name:     "postgres",
	serial:   "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
	lockKeys: "LOCK TABLE signing_keys IN SHARE ROW EXCLUSIVE MODE",
	// The advisory lock id is "cnsntry" in ASCII.
	lockStartup:   "SELECT pg_advisory_xact_lock(27987464747774585)",
	sessionLock:   "SELECT pg_advisory_lock(27987464747774586)",
	sessionUnlock: "SELECT pg_advisory_unlock(27987464747774586)",
	forUpdate:     " FOR UPDATE",
	forShare:      " FOR SHARE",
	docText:       "(doc::json ->> '%s')",
	isUniqueViolation: func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == "23505"
	},
}

// sqliteDSN is the modernc.org/sqlite DSN of a database file: WAL with
// synchronous=FULL, so that a committed write is on disk before the call
// returns (in WAL mode NORMAL may lose the last commits on a power cut);
// IMMEDIATE transactions, so a writer takes the write lock when it begins
// instead of failing on upgrade; and a busy timeout for another process
// holding the lock.
func sqliteDSN(path string) string {
	return path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate"
}

// redact drops the password from a database URL.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable database URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "REDACTED")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
