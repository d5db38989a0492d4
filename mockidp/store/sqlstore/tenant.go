package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/consentry/consentry/mockidp/tenant"
)

// Clients

func (s *Store) GetClient(ctx context.Context, id string) (*tenant.Client, error) {
	c, _, err := getDoc[tenant.Client](ctx, s.db, `SELECT doc FROM clients WHERE client_id = $1`, id)
	return c, err
}

func (s *Store) ListClients(ctx context.Context) ([]*tenant.Client, error) {
	return listDocs[tenant.Client](ctx, s.db, `SELECT doc FROM clients ORDER BY seq`)
}

func (s *Store) CreateClient(ctx context.Context, c *tenant.Client) error {
	_, err := s.exec(ctx, `INSERT INTO clients (client_id, doc) VALUES ($1, $2)`, c.ClientID, encode(c))
	return err
}

func (s *Store) UpdateClient(ctx context.Context, c *tenant.Client) error {
	return found(s.exec(ctx, `UPDATE clients SET doc = $2 WHERE client_id = $1`, c.ClientID, encode(c)))
}

func (s *Store) UpdateClientFunc(ctx context.Context, id string, fn func(*tenant.Client) error) (*tenant.Client, error) {
	return updateDoc(ctx, s, func() (*tenant.Client, string, error) {
		return getDoc[tenant.Client](ctx, s.db, `SELECT doc FROM clients WHERE client_id = $1`, id)
	}, fn, func(old string, c *tenant.Client) (int64, error) {
		if c.ClientID != id {
			return 0, errIDChanged
		}
		return s.exec(ctx, `UPDATE clients SET doc = $3 WHERE client_id = $1 AND doc = $2`, id, old, encode(c))
	})
}

func (s *Store) DeleteClient(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := found(execTx(ctx, tx, `DELETE FROM clients WHERE client_id = $1`, id)); err != nil {
			return err
		}
		if err := execEach(ctx, tx, id,
			`DELETE FROM client_grants WHERE client_id = $1`,
			`DELETE FROM user_grants WHERE client_id = $1`,
			`DELETE FROM refresh_tokens WHERE client_id = $1`,
		); err != nil {
			return err
		}
		return s.disableClientOnConnections(ctx, tx, id)
	})
}

// APIs

func (s *Store) GetAPI(ctx context.Context, id string) (*tenant.API, error) {
	a, _, err := getDoc[tenant.API](ctx, s.db, `SELECT doc FROM apis WHERE id = $1`, id)
	return a, err
}

func (s *Store) GetAPIByIdentifier(ctx context.Context, identifier string) (*tenant.API, error) {
	a, _, err := getDoc[tenant.API](ctx, s.db, `SELECT doc FROM apis WHERE identifier = $1`, identifier)
	return a, err
}

func (s *Store) ListAPIs(ctx context.Context) ([]*tenant.API, error) {
	return listDocs[tenant.API](ctx, s.db, `SELECT doc FROM apis ORDER BY seq`)
}

func (s *Store) CreateAPI(ctx context.Context, a *tenant.API) error {
	n := *a
	if n.ID == "" {
		n.ID = newID("")
	}
	if _, err := s.exec(ctx, `INSERT INTO apis (id, identifier, doc) VALUES ($1, $2, $3)`, n.ID, n.Identifier, encode(&n)); err != nil {
		return err
	}
	a.ID = n.ID
	return nil
}

func (s *Store) UpdateAPI(ctx context.Context, a *tenant.API) error {
	return found(s.exec(ctx, `UPDATE apis SET identifier = $2, doc = $3 WHERE id = $1`, a.ID, a.Identifier, encode(a)))
}

func (s *Store) UpdateAPIFunc(ctx context.Context, id string, fn func(*tenant.API) error) (*tenant.API, error) {
	return updateDoc(ctx, s, func() (*tenant.API, string, error) {
		return getDoc[tenant.API](ctx, s.db, `SELECT doc FROM apis WHERE id = $1`, id)
	}, fn, func(old string, a *tenant.API) (int64, error) {
		if a.ID != id {
			return 0, errIDChanged
		}
		return s.exec(ctx, `UPDATE apis SET identifier = $3, doc = $4 WHERE id = $1 AND doc = $2`, id, old, a.Identifier, encode(a))
	})
}

func (s *Store) DeleteAPI(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var aud string
		if err := tx.QueryRowContext(ctx, `DELETE FROM apis WHERE id = $1 RETURNING identifier`, id).Scan(&aud); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return tenant.ErrNotFound
			}
			return err
		}
		return execEach(ctx, tx, aud,
			`DELETE FROM client_grants WHERE audience = $1`,
			`DELETE FROM user_grants WHERE audience = $1`,
			`DELETE FROM refresh_tokens WHERE audience = $1`,
		)
	})
}

// Users. The password hash is not part of the JSON document (the type
// never marshals it), so it has its own column.

func foldKey(s string) string { return strings.ToLower(s) }

func scanUsers(rows *sql.Rows) ([]*tenant.User, error) {
	defer rows.Close()
	var out []*tenant.User
	for rows.Next() {
		var doc, hash string
		if err := rows.Scan(&doc, &hash); err != nil {
			return nil, err
		}
		u, err := decodeUser(doc, hash)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

func (s *Store) oneUser(ctx context.Context, query string, args ...any) (*tenant.User, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	us, err := scanUsers(rows)
	if err != nil {
		return nil, err
	}
	if len(us) == 0 {
		return nil, tenant.ErrNotFound
	}
	return us[0], nil
}

func (s *Store) GetUser(ctx context.Context, id string) (*tenant.User, error) {
	return s.oneUser(ctx, `SELECT doc, password_hash FROM users WHERE user_id = $1`, id)
}

func (s *Store) FindUser(ctx context.Context, login string) (*tenant.User, error) {
	if login == "" {
		return nil, tenant.ErrNotFound
	}
	return s.oneUser(ctx, `SELECT doc, password_hash FROM users WHERE email_key = $1 OR username_key = $1 ORDER BY seq LIMIT 1`, foldKey(login))
}

func (s *Store) ListUsers(ctx context.Context) ([]*tenant.User, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT doc, password_hash FROM users ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	return scanUsers(rows)
}

func (s *Store) CreateUser(ctx context.Context, u *tenant.User) error {
	_, err := s.exec(ctx, `INSERT INTO users (user_id, email_key, username_key, password_hash, doc) VALUES ($1, $2, $3, $4, $5)`,
		u.UserID, foldKey(u.Email), foldKey(u.Username), u.PasswordHash, encode(u))
	return err
}

func (s *Store) UpdateUser(ctx context.Context, u *tenant.User) error {
	return found(s.exec(ctx, `UPDATE users SET email_key = $2, username_key = $3, password_hash = $4, doc = $5 WHERE user_id = $1`,
		u.UserID, foldKey(u.Email), foldKey(u.Username), u.PasswordHash, encode(u)))
}

func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := found(execTx(ctx, tx, `DELETE FROM users WHERE user_id = $1`, id)); err != nil {
			return err
		}
		return execEach(ctx, tx, id,
			`DELETE FROM user_grants WHERE user_id = $1`,
			`DELETE FROM refresh_tokens WHERE user_id = $1`,
		)
	})
}

// Client grants

func subjectOf(g *tenant.ClientGrant) string {
	if g.SubjectType == "" {
		return tenant.SubjectClient
	}
	return g.SubjectType
}

func (s *Store) GetClientGrant(ctx context.Context, id string) (*tenant.ClientGrant, error) {
	g, _, err := getDoc[tenant.ClientGrant](ctx, s.db, `SELECT doc FROM client_grants WHERE id = $1`, id)
	return g, err
}

func (s *Store) ListClientGrants(ctx context.Context, f tenant.ClientGrantFilter) ([]*tenant.ClientGrant, error) {
	return listDocs[tenant.ClientGrant](ctx, s.db, `SELECT doc FROM client_grants
WHERE ($1 = '' OR client_id = $1) AND ($2 = '' OR audience = $2) AND ($3 = '' OR subject_type = $3) ORDER BY seq`,
		f.ClientID, f.Audience, f.SubjectType)
}

func (s *Store) CreateClientGrant(ctx context.Context, g *tenant.ClientGrant) error {
	n := *g
	if n.ID == "" {
		n.ID = newID("cgr_")
	}
	if _, err := s.exec(ctx, `INSERT INTO client_grants (id, client_id, audience, subject_type, doc) VALUES ($1, $2, $3, $4, $5)`,
		n.ID, n.ClientID, n.Audience, subjectOf(&n), encode(&n)); err != nil {
		return err
	}
	g.ID = n.ID
	return nil
}

func (s *Store) UpdateClientGrant(ctx context.Context, g *tenant.ClientGrant) error {
	return found(s.exec(ctx, `UPDATE client_grants SET client_id = $2, audience = $3, subject_type = $4, doc = $5 WHERE id = $1`,
		g.ID, g.ClientID, g.Audience, subjectOf(g), encode(g)))
}

func (s *Store) UpdateClientGrantFunc(ctx context.Context, id string, fn func(*tenant.ClientGrant) error) (*tenant.ClientGrant, error) {
	return updateDoc(ctx, s, func() (*tenant.ClientGrant, string, error) {
		return getDoc[tenant.ClientGrant](ctx, s.db, `SELECT doc FROM client_grants WHERE id = $1`, id)
	}, fn, func(old string, g *tenant.ClientGrant) (int64, error) {
		if g.ID != id {
			return 0, errIDChanged
		}
		return s.exec(ctx, `UPDATE client_grants SET client_id = $3, audience = $4, subject_type = $5, doc = $6 WHERE id = $1 AND doc = $2`,
			id, old, g.ClientID, g.Audience, subjectOf(g), encode(g))
	})
}

func (s *Store) DeleteClientGrant(ctx context.Context, id string) error {
	return found(s.exec(ctx, `DELETE FROM client_grants WHERE id = $1`, id))
}

// User grants

func (s *Store) GetUserGrant(ctx context.Context, id string) (*tenant.UserGrant, error) {
	g, _, err := getDoc[tenant.UserGrant](ctx, s.db, `SELECT doc FROM user_grants WHERE id = $1`, id)
	return g, err
}

func (s *Store) ListUserGrants(ctx context.Context, f tenant.UserGrantFilter) ([]*tenant.UserGrant, error) {
	return listDocs[tenant.UserGrant](ctx, s.db, `SELECT doc FROM user_grants
WHERE ($1 = '' OR user_id = $1) AND ($2 = '' OR client_id = $2) AND ($3 = '' OR audience = $3) ORDER BY seq`,
		f.UserID, f.ClientID, f.Audience)
}

// MergeUserGrant creates the row if it is missing (a no-op when a
// concurrent transaction did), then locks it and adds the scopes, all in one
// transaction.
func (s *Store) MergeUserGrant(ctx context.Context, userID, clientID, audience string, scopes []string) (*tenant.UserGrant, error) {
	var out *tenant.UserGrant
	err := s.tx(ctx, func(tx *sql.Tx) error {
		fresh := &tenant.UserGrant{ID: newID(""), UserID: userID, ClientID: clientID, Audience: audience, Scope: []string{}}
		if _, err := tx.ExecContext(ctx, `INSERT INTO user_grants (id, user_id, client_id, audience, doc) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (user_id, client_id, audience) DO NOTHING`, fresh.ID, userID, clientID, audience, encode(fresh)); err != nil {
			return err
		}
		g, _, err := getDoc[tenant.UserGrant](ctx, tx, `SELECT doc FROM user_grants WHERE user_id = $1 AND client_id = $2 AND audience = $3`+s.d.forUpdate,
			userID, clientID, audience)
		if err != nil {
			return err
		}
		changed := false
		for _, sc := range scopes {
			if !slices.Contains(g.Scope, sc) {
				g.Scope = append(g.Scope, sc)
				changed = true
			}
		}
		if changed {
			if _, err := tx.ExecContext(ctx, `UPDATE user_grants SET doc = $2 WHERE id = $1`, g.ID, encode(g)); err != nil {
				return err
			}
		}
		out = g
		return nil
	})
	if err != nil {
		return nil, s.mapErr(err)
	}
	return out, nil
}

func (s *Store) DeleteUserGrant(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if err := found(execTx(ctx, tx, `DELETE FROM user_grants WHERE id = $1`, id)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM refresh_tokens WHERE grant_id = $1`, id)
		return err
	})
}

// Settings: one row, created by the first migration.

func (s *Store) getSettings(ctx context.Context) (*tenant.Settings, string, error) {
	return getDoc[tenant.Settings](ctx, s.db, `SELECT doc FROM settings WHERE id = 1`)
}

func (s *Store) GetSettings(ctx context.Context) (tenant.Settings, error) {
	st, _, err := s.getSettings(ctx)
	if err != nil {
		return tenant.Settings{}, err
	}
	return *st, nil
}

func (s *Store) UpdateSettings(ctx context.Context, st tenant.Settings) error {
	return found(s.exec(ctx, `UPDATE settings SET doc = $1 WHERE id = 1`, encode(st)))
}

func (s *Store) UpdateSettingsFunc(ctx context.Context, fn func(*tenant.Settings) error) (tenant.Settings, error) {
	st, err := updateDoc(ctx, s, func() (*tenant.Settings, string, error) { return s.getSettings(ctx) },
		fn, func(old string, st *tenant.Settings) (int64, error) {
			return s.exec(ctx, `UPDATE settings SET doc = $2 WHERE id = 1 AND doc = $1`, old, encode(st))
		})
	if err != nil {
		return tenant.Settings{}, err
	}
	return *st, nil
}

// Refresh tokens

func (s *Store) SaveRefreshToken(ctx context.Context, t *tenant.RefreshToken) error {
	_, err := s.exec(ctx, saveRefresh, refreshArgs(t)...)
	return err
}

// saveRefresh upserts a refresh token; refreshArgs are its arguments.
const saveRefresh = `INSERT INTO refresh_tokens (id, client_id, user_id, audience, grant_id, family_id, spent, doc)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (id) DO UPDATE SET client_id = excluded.client_id, user_id = excluded.user_id, audience = excluded.audience,
	grant_id = excluded.grant_id, family_id = excluded.family_id, spent = excluded.spent, doc = excluded.doc`

func refreshArgs(t *tenant.RefreshToken) []any {
	spent := 0
	if t.Spent() {
		spent = 1
	}
	return []any{t.ID, t.ClientID, t.UserID, t.Audience, t.GrantID, t.Family(), spent, encode(t)}
}

func (s *Store) GetRefreshToken(ctx context.Context, id string) (*tenant.RefreshToken, error) {
	t, _, err := getDoc[tenant.RefreshToken](ctx, s.db, `SELECT doc FROM refresh_tokens WHERE id = $1`, id)
	return t, err
}

func (s *Store) DeleteRefreshToken(ctx context.Context, id string) error {
	return found(s.exec(ctx, `DELETE FROM refresh_tokens WHERE id = $1`, id))
}

func (s *Store) UpdateRefreshToken(ctx context.Context, t *tenant.RefreshToken) error {
	a := refreshArgs(t)
	return found(s.exec(ctx, `UPDATE refresh_tokens SET client_id = $2, user_id = $3, audience = $4, grant_id = $5,
	family_id = $6, spent = $7, doc = $8 WHERE id = $1`, a...))
}

// SpendRefreshToken claims the token with a conditional update (only a
// row not yet spent changes: of concurrent updates one wins, the others
// find it spent) and saves the successor in the same transaction.
func (s *Store) SpendRefreshToken(ctx context.Context, marker, next *tenant.RefreshToken) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE refresh_tokens SET family_id = $2, spent = 1, doc = $3 WHERE id = $1 AND spent = 0`,
			marker.ID, marker.Family(), encode(marker))
		if err != nil {
			return s.mapErr(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM refresh_tokens WHERE id = $1`, marker.ID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return tenant.ErrNotFound
			}
			if err != nil {
				return err
			}
			return tenant.ErrConflict
		}
		if _, err := tx.ExecContext(ctx, saveRefresh, refreshArgs(next)...); err != nil {
			return s.mapErr(err)
		}
		return nil
	})
}

func (s *Store) DeleteRefreshTokenFamily(ctx context.Context, family string) error {
	_, err := s.exec(ctx, `DELETE FROM refresh_tokens WHERE family_id = $1`, family)
	return err
}

// DeleteRefreshTokensOf is one DELETE, atomic on both dialects; the
// user_id index narrows it to the user's tokens.
func (s *Store) DeleteRefreshTokensOf(ctx context.Context, userID, clientID, audience string) (int, error) {
	n, err := s.exec(ctx, `DELETE FROM refresh_tokens WHERE user_id = $1 AND client_id = $2 AND audience = $3`, userID, clientID, audience)
	return int(n), err
}

// Signing keys

func (s *Store) SigningKeys(ctx context.Context) ([]tenant.SigningKey, error) {
	ks, err := listDocs[tenant.SigningKey](ctx, s.db, `SELECT doc FROM signing_keys ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	out := make([]tenant.SigningKey, len(ks))
	for i, k := range ks {
		out[i] = *k
	}
	return out, nil
}

func (s *Store) AddSigningKey(ctx context.Context, k tenant.SigningKey) error {
	_, err := s.exec(ctx, `INSERT INTO signing_keys (kid, alg, doc) VALUES ($1, $2, $3)`, k.KID, k.Alg, encode(k))
	return err
}

// AddSigningKeyIfAbsent checks and inserts under a table lock (PostgreSQL)
// or the single writer (SQLite), so two replicas never both add a first key.
func (s *Store) AddSigningKeyIfAbsent(ctx context.Context, k tenant.SigningKey) (bool, error) {
	stored := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if s.d.lockKeys != "" {
			if _, err := tx.ExecContext(ctx, s.d.lockKeys); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM signing_keys WHERE alg = $1`, k.Alg).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO signing_keys (kid, alg, doc) VALUES ($1, $2, $3)`, k.KID, k.Alg, encode(k)); err != nil {
			return err
		}
		stored = true
		return nil
	})
	if err != nil {
		return false, s.mapErr(err)
	}
	return stored, nil
}

// Helpers

func execTx(ctx context.Context, tx *sql.Tx, query string, args ...any) (int64, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// execEach runs each statement with the one argument.
func execEach(ctx context.Context, tx *sql.Tx, arg any, queries ...string) error {
	for _, q := range queries {
		if _, err := tx.ExecContext(ctx, q, arg); err != nil {
			return err
		}
	}
	return nil
}

// found turns "no row changed" into tenant.ErrNotFound.
func found(n int64, err error) error {
	if err != nil {
		return err
	}
	if n == 0 {
		return tenant.ErrNotFound
	}
	return nil
}

func decodeUser(doc, hash string) (*tenant.User, error) {
	u := new(tenant.User)
	if err := json.Unmarshal([]byte(doc), u); err != nil {
		return nil, fmt.Errorf("sqlstore: decode user: %w", err)
	}
	u.PasswordHash = hash
	return u, nil
}
