package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// migrations are the schema, one version at a time. A released migration is
// never edited: a change is a new entry. {{serial}} stands for the
// dialect's auto-increasing key.
var migrations = []string{
	// 1: the tenant.
	`
CREATE TABLE clients (
	seq {{serial}},
	client_id TEXT NOT NULL UNIQUE,
	doc TEXT NOT NULL
);
CREATE TABLE apis (
	seq {{serial}},
	id TEXT NOT NULL UNIQUE,
	identifier TEXT NOT NULL UNIQUE,
	doc TEXT NOT NULL
);
CREATE TABLE users (
	seq {{serial}},
	user_id TEXT NOT NULL UNIQUE,
	email_key TEXT NOT NULL,
	username_key TEXT NOT NULL,
	password_hash TEXT NOT NULL,
	doc TEXT NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email_key) WHERE email_key <> '';
CREATE UNIQUE INDEX users_username ON users (username_key) WHERE username_key <> '';
CREATE TABLE client_grants (
	seq {{serial}},
	id TEXT NOT NULL UNIQUE,
	client_id TEXT NOT NULL,
	audience TEXT NOT NULL,
	subject_type TEXT NOT NULL,
	doc TEXT NOT NULL,
	UNIQUE (client_id, audience, subject_type)
);
CREATE INDEX client_grants_audience ON client_grants (audience);
CREATE TABLE user_grants (
	seq {{serial}},
	id TEXT NOT NULL UNIQUE,
	user_id TEXT NOT NULL,
	client_id TEXT NOT NULL,
	audience TEXT NOT NULL,
	doc TEXT NOT NULL,
	UNIQUE (user_id, client_id, audience)
);
CREATE INDEX user_grants_client ON user_grants (client_id);
CREATE INDEX user_grants_audience ON user_grants (audience);
CREATE TABLE settings (
	id INTEGER PRIMARY KEY,
	doc TEXT NOT NULL
);
INSERT INTO settings (id, doc) VALUES (1, '{}');
CREATE TABLE refresh_tokens (
	id TEXT PRIMARY KEY,
	client_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	audience TEXT NOT NULL,
	grant_id TEXT NOT NULL,
	doc TEXT NOT NULL
);
CREATE INDEX refresh_tokens_client ON refresh_tokens (client_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_audience ON refresh_tokens (audience);
CREATE INDEX refresh_tokens_grant ON refresh_tokens (grant_id);
CREATE TABLE signing_keys (
	seq {{serial}},
	kid TEXT NOT NULL UNIQUE,
	alg TEXT NOT NULL,
	doc TEXT NOT NULL
);
CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
`,
	// 2: the short-lived state replicas share: login sessions, transactions,
	// authorization codes, revoked access tokens. Times are Unix nanoseconds.
	`
CREATE TABLE login_sessions (
	id TEXT PRIMARY KEY,
	auth_time_ns BIGINT NOT NULL,
	doc TEXT NOT NULL
);
CREATE INDEX login_sessions_auth_time ON login_sessions (auth_time_ns);
CREATE TABLE transactions (
	seq {{serial}},
	id TEXT NOT NULL UNIQUE,
	browser_id TEXT NOT NULL,
	created_ns BIGINT NOT NULL,
	doc TEXT NOT NULL
);
CREATE INDEX transactions_browser ON transactions (browser_id, seq);
CREATE INDEX transactions_created ON transactions (created_ns);
CREATE TABLE auth_codes (
	digest TEXT PRIMARY KEY,
	state INTEGER NOT NULL,
	expires_ns BIGINT NOT NULL,
	issued_access TEXT NOT NULL,
	issued_refresh TEXT NOT NULL,
	doc TEXT NOT NULL
);
CREATE INDEX auth_codes_expires ON auth_codes (expires_ns);
CREATE TABLE revoked_access (
	jti TEXT PRIMARY KEY,
	until_ns BIGINT NOT NULL
);
`,
	// 3: an Okta org (okta.Store). IDs are unique in the org; the columns
	// hold what the types keep out of their JSON.
	`
CREATE TABLE okta_apps (
	seq {{serial}},
	id TEXT NOT NULL UNIQUE,
	client_id TEXT NOT NULL UNIQUE,
	doc TEXT NOT NULL
);
CREATE TABLE okta_users (
	seq {{serial}},
	id TEXT NOT NULL UNIQUE,
	login_key TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	doc TEXT NOT NULL
);
CREATE TABLE okta_app_users (
	seq {{serial}},
	app_id TEXT NOT NULL,
	user_id TEXT NOT NULL,
	doc TEXT NOT NULL,
	UNIQUE (app_id, user_id)
);
CREATE INDEX okta_app_users_user ON okta_app_users (user_id);
CREATE TABLE okta_servers (
	seq {{serial}},
	id TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL UNIQUE,
	is_default INTEGER NOT NULL,
	doc TEXT NOT NULL
);
CREATE UNIQUE INDEX okta_servers_default ON okta_servers (is_default) WHERE is_default = 1;
CREATE TABLE okta_scopes (
	seq {{serial}},
	id TEXT NOT NULL UNIQUE,
	server_id TEXT NOT NULL,
	name TEXT NOT NULL,
	doc TEXT NOT NULL,
	UNIQUE (server_id, name)
);
CREATE TABLE okta_policies (
	seq {{serial}},
	id TEXT NOT NULL UNIQUE,
	server_id TEXT NOT NULL,
	doc TEXT NOT NULL
);
CREATE INDEX okta_policies_server ON okta_policies (server_id);
CREATE TABLE okta_rules (
	seq {{serial}},
	id TEXT NOT NULL UNIQUE,
	server_id TEXT NOT NULL,
	policy_id TEXT NOT NULL,
	doc TEXT NOT NULL
);
CREATE INDEX okta_rules_policy ON okta_rules (policy_id);
CREATE TABLE okta_grants (
	seq {{serial}},
	id TEXT NOT NULL UNIQUE,
	user_id TEXT NOT NULL,
	client_id TEXT NOT NULL,
	server_id TEXT NOT NULL,
	scope_id TEXT NOT NULL,
	active_key TEXT NOT NULL,
	doc TEXT NOT NULL
);
CREATE UNIQUE INDEX okta_grants_active ON okta_grants (active_key) WHERE active_key <> '';
CREATE INDEX okta_grants_user ON okta_grants (user_id);
CREATE TABLE okta_skips (
	user_id TEXT NOT NULL,
	client_id TEXT NOT NULL,
	server_id TEXT NOT NULL,
	scope_id TEXT NOT NULL,
	PRIMARY KEY (user_id, client_id, server_id, scope_id)
);
`,
	// 4: connections.
	`
CREATE TABLE connections (
	seq {{serial}},
	id TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL UNIQUE,
	doc TEXT NOT NULL
);
`,
	// 5: the login tickets of cross-origin authentication, shared by
	// replicas; each transaction's size for the byte budget
	// (session.Limits.MaxTransactionBytes).
	`
CREATE TABLE login_tickets (
	digest TEXT PRIMARY KEY,
	expires_ns BIGINT NOT NULL,
	doc TEXT NOT NULL
);
CREATE INDEX login_tickets_expires ON login_tickets (expires_ns);
ALTER TABLE transactions ADD COLUMN size_bytes BIGINT NOT NULL DEFAULT 0;
`,
	// 6: refresh token families and rotation (rule W4): the family a token
	// belongs to, so that reuse revokes the whole family at once, leeway
	// siblings included, and whether it is spent, so that concurrent
	// rotations of one token agree on one winner. Existing rows get both
	// from their JSON ({{doc.x}} is the dialect's text of the doc's field x).
	`
ALTER TABLE refresh_tokens ADD COLUMN family_id TEXT NOT NULL DEFAULT '';
ALTER TABLE refresh_tokens ADD COLUMN spent INTEGER NOT NULL DEFAULT 0;
UPDATE refresh_tokens SET family_id = COALESCE(NULLIF({{doc.family_id}}, ''), id);
UPDATE refresh_tokens SET spent = 1 WHERE {{doc.spent_at}} IS NOT NULL;
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
`,
}

// docField stands, in a migration, for the text of a field of the row's
// JSON doc column: {{doc.name}}.
var docField = regexp.MustCompile(`\{\{doc\.([a-z_]+)\}\}`)

// script is migration v in the dialect's words.
func (s *Store) script(v int) string {
	m := strings.ReplaceAll(migrations[v-1], "{{serial}}", s.d.serial)
	return docField.ReplaceAllStringFunc(m, func(f string) string {
		return fmt.Sprintf(s.d.docText, docField.FindStringSubmatch(f)[1])
	})
}

// SchemaVersion is the schema version this build writes.
func SchemaVersion() int { return len(migrations) }

// migrate applies the migrations the database lacks, all in one
// transaction, under a lock that keeps two replicas starting together from
// migrating at once. A database newer than this build is refused rather
// than used with a schema the build does not know.
func (s *Store) migrate(ctx context.Context) error { return s.migrateTo(ctx, len(migrations)) }

// migrateTo is migrate up to version target only (tests of a migration
// start from the schema before it).
func (s *Store) migrateTo(ctx context.Context, target int) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if s.d.lockStartup != "" {
			if _, err := tx.ExecContext(ctx, s.d.lockStartup); err != nil {
				return fmt.Errorf("lock for migration: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	applied_at TEXT NOT NULL
)`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var have int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&have); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if have > len(migrations) {
			return fmt.Errorf("the database has schema version %d but this mockidp knows only up to %d: use a newer mockidp", have, len(migrations))
		}
		for v := have + 1; v <= target; v++ {
			for _, stmt := range statements(s.script(v)) {
				if _, err := tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("migration %d: %w", v, err)
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
				v, time.Now().UTC().Format(time.RFC3339)); err != nil {
				return fmt.Errorf("migration %d: %w", v, err)
			}
		}
		return nil
	})
}

// statements splits a migration at semicolons (the migrations hold no
// string literal with one).
func statements(script string) []string {
	var out []string
	for _, st := range strings.Split(script, ";") {
		if st = strings.TrimSpace(st); st != "" {
			out = append(out, st)
		}
	}
	return out
}
