package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/consentry/consentry/mockidp/tenant"
)

// Connections. A connection's users are those whose connection is its
// name; the users table has no column for it, so DeleteConnection finds
// them by reading the documents, in the same transaction as the deletes.

func (s *Store) GetConnection(ctx context.Context, id string) (*tenant.Connection, error) {
	c, _, err := getDoc[tenant.Connection](ctx, s.db, `SELECT doc FROM connections WHERE id = $1`, id)
	return c, err
}

func (s *Store) GetConnectionByName(ctx context.Context, name string) (*tenant.Connection, error) {
	c, _, err := getDoc[tenant.Connection](ctx, s.db, `SELECT doc FROM connections WHERE name = $1`, name)
	return c, err
}

func (s *Store) ListConnections(ctx context.Context) ([]*tenant.Connection, error) {
	return listDocs[tenant.Connection](ctx, s.db, `SELECT doc FROM connections ORDER BY seq`)
}

func (s *Store) CreateConnection(ctx context.Context, c *tenant.Connection) error {
	n := *c
	if n.ID == "" {
		n.ID = tenant.NewConnectionID()
	}
	if _, err := s.exec(ctx, `INSERT INTO connections (id, name, doc) VALUES ($1, $2, $3)`, n.ID, n.Name, encode(&n)); err != nil {
		return err
	}
	c.ID = n.ID
	return nil
}

func (s *Store) UpdateConnection(ctx context.Context, c *tenant.Connection) error {
	return found(s.exec(ctx, `UPDATE connections SET name = $2, doc = $3 WHERE id = $1`, c.ID, c.Name, encode(c)))
}

func (s *Store) UpdateConnectionFunc(ctx context.Context, id string, fn func(*tenant.Connection) error) (*tenant.Connection, error) {
	return updateDoc(ctx, s, func() (*tenant.Connection, string, error) {
		return getDoc[tenant.Connection](ctx, s.db, `SELECT doc FROM connections WHERE id = $1`, id)
	}, fn, func(old string, c *tenant.Connection) (int64, error) {
		if c.ID != id {
			return 0, errIDChanged
		}
		return s.exec(ctx, `UPDATE connections SET name = $3, doc = $4 WHERE id = $1 AND doc = $2`, id, old, c.Name, encode(c))
	})
}

func (s *Store) DeleteConnection(ctx context.Context, id string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		var name string
		if err := tx.QueryRowContext(ctx, `DELETE FROM connections WHERE id = $1 RETURNING name`, id).Scan(&name); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return tenant.ErrNotFound
			}
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT user_id, doc FROM users`+s.d.forUpdate)
		if err != nil {
			return err
		}
		var gone []string
		for rows.Next() {
			var id, doc string
			if err := rows.Scan(&id, &doc); err != nil {
				rows.Close()
				return err
			}
			u, err := decodeUser(doc, "")
			if err != nil {
				rows.Close()
				return err
			}
			if u.Connection == name {
				gone = append(gone, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, uid := range gone {
			if err := execEach(ctx, tx, uid,
				`DELETE FROM users WHERE user_id = $1`,
				`DELETE FROM user_grants WHERE user_id = $1`,
				`DELETE FROM refresh_tokens WHERE user_id = $1`,
			); err != nil {
				return err
			}
		}
		return nil
	})
}

// disableClientOnConnections takes a deleted client out of every
// connection's enabled_clients, inside DeleteClient's transaction.
func (s *Store) disableClientOnConnections(ctx context.Context, tx *sql.Tx, clientID string) error {
	rows, err := tx.QueryContext(ctx, `SELECT doc FROM connections`+s.d.forUpdate)
	if err != nil {
		return err
	}
	var changed []*tenant.Connection
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			rows.Close()
			return err
		}
		c, err := decodeDoc[tenant.Connection](doc)
		if err != nil {
			rows.Close()
			return err
		}
		if slices.Contains(c.EnabledClients, clientID) {
			c.EnabledClients = slices.DeleteFunc(c.EnabledClients, func(id string) bool { return id == clientID })
			changed = append(changed, &c)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range changed {
		if _, err := tx.ExecContext(ctx, `UPDATE connections SET doc = $2 WHERE id = $1`, c.ID, encode(c)); err != nil {
			return err
		}
	}
	return nil
}
