package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/tenant"
)

// OktaOrg is an okta.Store in the same database as the tenant (tables
// okta_*), so that an Okta org is durable and shared like an Auth0 tenant.
// Like the tenant tables, each row is the object's JSON plus the columns it
// is looked up and kept unique by; the fields the Okta types keep out of
// their JSON (json:"-": the server, policy and app an object belongs to, a
// user's password hash) live in those columns and are put back on reads.
type OktaOrg struct{ s *Store }

var _ okta.Store = (*OktaOrg)(nil)

// Okta returns the store's Okta org.
func (s *Store) Okta() *OktaOrg { return &OktaOrg{s: s} }

// oktaErr maps the tenant errors the shared helpers return (and a unique
// violation) to okta's.
func (o *OktaOrg) err(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, tenant.ErrNotFound):
		return okta.ErrNotFound
	case errors.Is(err, tenant.ErrConflict), o.s.d.isUniqueViolation(err):
		return okta.ErrConflict
	}
	return err
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// oktaGet reads one document.
func oktaGet[T any](ctx context.Context, o *OktaOrg, query string, args ...any) (*T, error) {
	v, _, err := getDoc[T](ctx, o.s.db, query, args...)
	return v, o.err(err)
}

func (o *OktaOrg) exists(ctx context.Context, q querier, query string, args ...any) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, query, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Apps

func (o *OktaOrg) CreateApp(ctx context.Context, a *okta.App) error {
	if a.ID == "" {
		a.ID = okta.NewID(okta.PrefixApp)
	}
	if a.Credentials.OAuthClient.ClientID == "" {
		a.Credentials.OAuthClient.ClientID = a.ID
	}
	_, err := o.s.exec(ctx, `INSERT INTO okta_apps (id, client_id, doc) VALUES ($1, $2, $3)`, a.ID, a.ClientID(), encode(a))
	return o.err(err)
}

func (o *OktaOrg) GetApp(ctx context.Context, id string) (*okta.App, error) {
	return oktaGet[okta.App](ctx, o, `SELECT doc FROM okta_apps WHERE id = $1`, id)
}

func (o *OktaOrg) GetAppByClientID(ctx context.Context, clientID string) (*okta.App, error) {
	return oktaGet[okta.App](ctx, o, `SELECT doc FROM okta_apps WHERE client_id = $1`, clientID)
}

func (o *OktaOrg) ListApps(ctx context.Context) ([]*okta.App, error) {
	return listDocs[okta.App](ctx, o.s.db, `SELECT doc FROM okta_apps ORDER BY seq`)
}

func (o *OktaOrg) UpdateApp(ctx context.Context, a *okta.App) error {
	return o.err(found(o.s.exec(ctx, `UPDATE okta_apps SET client_id = $2, doc = $3 WHERE id = $1`, a.ID, a.ClientID(), encode(a))))
}

func (o *OktaOrg) DeleteApp(ctx context.Context, id string) error {
	return o.err(o.s.tx(ctx, func(tx *sql.Tx) error {
		var clientID string
		if err := tx.QueryRowContext(ctx, `DELETE FROM okta_apps WHERE id = $1 RETURNING client_id`, id).Scan(&clientID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return okta.ErrNotFound
			}
			return err
		}
		if err := execEach(ctx, tx, id, `DELETE FROM okta_app_users WHERE app_id = $1`); err != nil {
			return err
		}
		return execEach(ctx, tx, clientID, `DELETE FROM okta_grants WHERE client_id = $1`, `DELETE FROM okta_skips WHERE client_id = $1`)
	}))
}

// Users

func (o *OktaOrg) scanUsers(rows *sql.Rows) ([]*okta.User, error) {
	defer rows.Close()
	var out []*okta.User
	for rows.Next() {
		var doc, hash string
		if err := rows.Scan(&doc, &hash); err != nil {
			return nil, err
		}
		u, err := decodeDoc[okta.User](doc)
		if err != nil {
			return nil, err
		}
		u.PasswordHash = hash
		out = append(out, &u)
	}
	return out, rows.Err()
}

func (o *OktaOrg) oneUser(ctx context.Context, query string, args ...any) (*okta.User, error) {
	rows, err := o.s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	us, err := o.scanUsers(rows)
	if err != nil {
		return nil, err
	}
	if len(us) == 0 {
		return nil, okta.ErrNotFound
	}
	return us[0], nil
}

func (o *OktaOrg) CreateUser(ctx context.Context, u *okta.User) error {
	if u.ID == "" {
		u.ID = okta.NewID(okta.PrefixUser)
	}
	_, err := o.s.exec(ctx, `INSERT INTO okta_users (id, login_key, password_hash, doc) VALUES ($1, $2, $3, $4)`,
		u.ID, strings.ToLower(u.Profile.Login), u.PasswordHash, encode(u))
	return o.err(err)
}

func (o *OktaOrg) GetUser(ctx context.Context, id string) (*okta.User, error) {
	return o.oneUser(ctx, `SELECT doc, password_hash FROM okta_users WHERE id = $1`, id)
}

func (o *OktaOrg) FindUser(ctx context.Context, login string) (*okta.User, error) {
	if login == "" {
		return nil, okta.ErrNotFound
	}
	return o.oneUser(ctx, `SELECT doc, password_hash FROM okta_users WHERE login_key = $1`, strings.ToLower(login))
}

func (o *OktaOrg) ListUsers(ctx context.Context) ([]*okta.User, error) {
	rows, err := o.s.db.QueryContext(ctx, `SELECT doc, password_hash FROM okta_users ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	return o.scanUsers(rows)
}

func (o *OktaOrg) UpdateUser(ctx context.Context, u *okta.User) error {
	return o.err(found(o.s.exec(ctx, `UPDATE okta_users SET login_key = $2, password_hash = $3, doc = $4 WHERE id = $1`,
		u.ID, strings.ToLower(u.Profile.Login), u.PasswordHash, encode(u))))
}

func (o *OktaOrg) DeleteUser(ctx context.Context, id string) error {
	return o.err(o.s.tx(ctx, func(tx *sql.Tx) error {
		if err := found(execTx(ctx, tx, `DELETE FROM okta_users WHERE id = $1`, id)); err != nil {
			return err
		}
		return execEach(ctx, tx, id,
			`DELETE FROM okta_app_users WHERE user_id = $1`,
			`DELETE FROM okta_grants WHERE user_id = $1`,
			`DELETE FROM okta_skips WHERE user_id = $1`)
	}))
}

// Assignments

func (o *OktaOrg) AssignUser(ctx context.Context, au *okta.AppUser) error {
	return o.err(o.s.tx(ctx, func(tx *sql.Tx) error {
		app, err := o.exists(ctx, tx, `SELECT 1 FROM okta_apps WHERE id = $1`+o.s.d.forShare, au.AppID)
		if err != nil {
			return err
		}
		user, err := o.exists(ctx, tx, `SELECT 1 FROM okta_users WHERE id = $1`+o.s.d.forShare, au.ID)
		if err != nil {
			return err
		}
		if !app || !user {
			return okta.ErrNotFound
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO okta_app_users (app_id, user_id, doc) VALUES ($1, $2, $3)
ON CONFLICT (app_id, user_id) DO UPDATE SET doc = excluded.doc`, au.AppID, au.ID, encode(au))
		return err
	}))
}

func (o *OktaOrg) scanAppUsers(ctx context.Context, query string, args ...any) ([]*okta.AppUser, error) {
	rows, err := o.s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*okta.AppUser
	for rows.Next() {
		var appID, doc string
		if err := rows.Scan(&appID, &doc); err != nil {
			return nil, err
		}
		au, err := decodeDoc[okta.AppUser](doc)
		if err != nil {
			return nil, err
		}
		au.AppID = appID
		out = append(out, &au)
	}
	return out, rows.Err()
}

func (o *OktaOrg) GetAppUser(ctx context.Context, appID, userID string) (*okta.AppUser, error) {
	aus, err := o.scanAppUsers(ctx, `SELECT app_id, doc FROM okta_app_users WHERE app_id = $1 AND user_id = $2`, appID, userID)
	if err != nil {
		return nil, err
	}
	if len(aus) == 0 {
		return nil, okta.ErrNotFound
	}
	return aus[0], nil
}

func (o *OktaOrg) ListAppUsers(ctx context.Context, appID string) ([]*okta.AppUser, error) {
	if ok, err := o.exists(ctx, o.s.db, `SELECT 1 FROM okta_apps WHERE id = $1`, appID); err != nil || !ok {
		return nil, orNotFound(err)
	}
	return o.scanAppUsers(ctx, `SELECT app_id, doc FROM okta_app_users WHERE app_id = $1 ORDER BY seq`, appID)
}

func orNotFound(err error) error {
	if err != nil {
		return err
	}
	return okta.ErrNotFound
}

func (o *OktaOrg) UnassignUser(ctx context.Context, appID, userID string) error {
	return o.err(found(o.s.exec(ctx, `DELETE FROM okta_app_users WHERE app_id = $1 AND user_id = $2`, appID, userID)))
}

// Authorization servers. A partial unique index keeps one default server.

func (o *OktaOrg) CreateAuthServer(ctx context.Context, a *okta.AuthServer) error {
	if a.ID == "" {
		a.ID = okta.NewID(okta.PrefixAuthServer)
	}
	_, err := o.s.exec(ctx, `INSERT INTO okta_servers (id, name, is_default, doc) VALUES ($1, $2, $3, $4)`,
		a.ID, a.Name, b2i(a.Default), encode(a))
	return o.err(err)
}

func (o *OktaOrg) GetAuthServer(ctx context.Context, id string) (*okta.AuthServer, error) {
	a, err := oktaGet[okta.AuthServer](ctx, o, `SELECT doc FROM okta_servers WHERE id = $1`, id)
	if errors.Is(err, okta.ErrNotFound) && id == okta.DefaultServerName {
		return oktaGet[okta.AuthServer](ctx, o, `SELECT doc FROM okta_servers WHERE is_default = 1`)
	}
	return a, err
}

func (o *OktaOrg) ListAuthServers(ctx context.Context) ([]*okta.AuthServer, error) {
	return listDocs[okta.AuthServer](ctx, o.s.db, `SELECT doc FROM okta_servers ORDER BY seq`)
}

func (o *OktaOrg) UpdateAuthServer(ctx context.Context, a *okta.AuthServer) error {
	return o.err(found(o.s.exec(ctx, `UPDATE okta_servers SET name = $2, is_default = $3, doc = $4 WHERE id = $1`,
		a.ID, a.Name, b2i(a.Default), encode(a))))
}

func (o *OktaOrg) DeleteAuthServer(ctx context.Context, id string) error {
	return o.err(o.s.tx(ctx, func(tx *sql.Tx) error {
		if err := found(execTx(ctx, tx, `DELETE FROM okta_servers WHERE id = $1`, id)); err != nil {
			return err
		}
		return execEach(ctx, tx, id,
			`DELETE FROM okta_scopes WHERE server_id = $1`,
			`DELETE FROM okta_policies WHERE server_id = $1`,
			`DELETE FROM okta_rules WHERE server_id = $1`,
			`DELETE FROM okta_grants WHERE server_id = $1`,
			`DELETE FROM okta_skips WHERE server_id = $1`)
	}))
}

// childOf checks, inside tx, that a parent row exists and keeps it from
// being deleted until the transaction ends.
func (o *OktaOrg) childOf(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	ok, err := o.exists(ctx, tx, query+o.s.d.forShare, args...)
	if err != nil {
		return err
	}
	if !ok {
		return okta.ErrNotFound
	}
	return nil
}

// Scopes. Scope IDs are unique in the org, names per server.

func withServer[T any](v *T, err error, set func(*T)) (*T, error) {
	if err == nil {
		set(v)
	}
	return v, err
}

func (o *OktaOrg) CreateScope(ctx context.Context, sc *okta.Scope) error {
	return o.err(o.s.tx(ctx, func(tx *sql.Tx) error {
		if err := o.childOf(ctx, tx, `SELECT 1 FROM okta_servers WHERE id = $1`, sc.ServerID); err != nil {
			return err
		}
		if sc.ID == "" {
			sc.ID = okta.NewID(okta.PrefixScope)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO okta_scopes (id, server_id, name, doc) VALUES ($1, $2, $3, $4)`,
			sc.ID, sc.ServerID, sc.Name, encode(sc))
		return err
	}))
}

func (o *OktaOrg) GetScope(ctx context.Context, serverID, scopeID string) (*okta.Scope, error) {
	v, err := oktaGet[okta.Scope](ctx, o, `SELECT doc FROM okta_scopes WHERE server_id = $1 AND id = $2`, serverID, scopeID)
	return withServer(v, err, func(v *okta.Scope) { v.ServerID = serverID })
}

func (o *OktaOrg) FindScope(ctx context.Context, serverID, name string) (*okta.Scope, error) {
	v, err := oktaGet[okta.Scope](ctx, o, `SELECT doc FROM okta_scopes WHERE server_id = $1 AND name = $2`, serverID, name)
	return withServer(v, err, func(v *okta.Scope) { v.ServerID = serverID })
}

func (o *OktaOrg) ListScopes(ctx context.Context, serverID string) ([]*okta.Scope, error) {
	if ok, err := o.exists(ctx, o.s.db, `SELECT 1 FROM okta_servers WHERE id = $1`, serverID); err != nil || !ok {
		return nil, orNotFound(err)
	}
	out, err := listDocs[okta.Scope](ctx, o.s.db, `SELECT doc FROM okta_scopes WHERE server_id = $1 ORDER BY seq`, serverID)
	for _, v := range out {
		v.ServerID = serverID
	}
	return out, err
}

func (o *OktaOrg) UpdateScope(ctx context.Context, sc *okta.Scope) error {
	return o.err(found(o.s.exec(ctx, `UPDATE okta_scopes SET name = $3, doc = $4 WHERE server_id = $1 AND id = $2`,
		sc.ServerID, sc.ID, sc.Name, encode(sc))))
}

func (o *OktaOrg) DeleteScope(ctx context.Context, serverID, scopeID string) error {
	return o.err(o.s.tx(ctx, func(tx *sql.Tx) error {
		if err := found(execTx(ctx, tx, `DELETE FROM okta_scopes WHERE server_id = $1 AND id = $2`, serverID, scopeID)); err != nil {
			return err
		}
		return execEach(ctx, tx, scopeID,
			`DELETE FROM okta_grants WHERE scope_id = $1`,
			`DELETE FROM okta_skips WHERE scope_id = $1`)
	}))
}

// Policies and rules: listed by priority, then creation.

func (o *OktaOrg) CreatePolicy(ctx context.Context, p *okta.Policy) error {
	return o.err(o.s.tx(ctx, func(tx *sql.Tx) error {
		if err := o.childOf(ctx, tx, `SELECT 1 FROM okta_servers WHERE id = $1`, p.ServerID); err != nil {
			return err
		}
		if p.ID == "" {
			p.ID = okta.NewID(okta.PrefixPolicy)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO okta_policies (id, server_id, doc) VALUES ($1, $2, $3)`, p.ID, p.ServerID, encode(p))
		return err
	}))
}

func (o *OktaOrg) GetPolicy(ctx context.Context, serverID, policyID string) (*okta.Policy, error) {
	v, err := oktaGet[okta.Policy](ctx, o, `SELECT doc FROM okta_policies WHERE server_id = $1 AND id = $2`, serverID, policyID)
	return withServer(v, err, func(v *okta.Policy) { v.ServerID = serverID })
}

func (o *OktaOrg) ListPolicies(ctx context.Context, serverID string) ([]*okta.Policy, error) {
	if ok, err := o.exists(ctx, o.s.db, `SELECT 1 FROM okta_servers WHERE id = $1`, serverID); err != nil || !ok {
		return nil, orNotFound(err)
	}
	out, err := listDocs[okta.Policy](ctx, o.s.db, `SELECT doc FROM okta_policies WHERE server_id = $1 ORDER BY seq`, serverID)
	if err != nil {
		return nil, err
	}
	for _, v := range out {
		v.ServerID = serverID
	}
	return okta.ByPriority(out, func(p *okta.Policy) int { return p.Priority }), nil
}

func (o *OktaOrg) UpdatePolicy(ctx context.Context, p *okta.Policy) error {
	return o.err(found(o.s.exec(ctx, `UPDATE okta_policies SET doc = $3 WHERE server_id = $1 AND id = $2`, p.ServerID, p.ID, encode(p))))
}

func (o *OktaOrg) DeletePolicy(ctx context.Context, serverID, policyID string) error {
	return o.err(o.s.tx(ctx, func(tx *sql.Tx) error {
		if err := found(execTx(ctx, tx, `DELETE FROM okta_policies WHERE server_id = $1 AND id = $2`, serverID, policyID)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM okta_rules WHERE policy_id = $1`, policyID)
		return err
	}))
}

func (o *OktaOrg) CreateRule(ctx context.Context, r *okta.Rule) error {
	return o.err(o.s.tx(ctx, func(tx *sql.Tx) error {
		if err := o.childOf(ctx, tx, `SELECT 1 FROM okta_policies WHERE server_id = $1 AND id = $2`, r.ServerID, r.PolicyID); err != nil {
			return err
		}
		if r.ID == "" {
			r.ID = okta.NewID(okta.PrefixRule)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO okta_rules (id, server_id, policy_id, doc) VALUES ($1, $2, $3, $4)`,
			r.ID, r.ServerID, r.PolicyID, encode(r))
		return err
	}))
}

func (o *OktaOrg) GetRule(ctx context.Context, serverID, policyID, ruleID string) (*okta.Rule, error) {
	v, err := oktaGet[okta.Rule](ctx, o, `SELECT doc FROM okta_rules WHERE server_id = $1 AND policy_id = $2 AND id = $3`,
		serverID, policyID, ruleID)
	return withServer(v, err, func(v *okta.Rule) { v.ServerID, v.PolicyID = serverID, policyID })
}

func (o *OktaOrg) ListRules(ctx context.Context, serverID, policyID string) ([]*okta.Rule, error) {
	if ok, err := o.exists(ctx, o.s.db, `SELECT 1 FROM okta_policies WHERE server_id = $1 AND id = $2`, serverID, policyID); err != nil || !ok {
		return nil, orNotFound(err)
	}
	out, err := listDocs[okta.Rule](ctx, o.s.db, `SELECT doc FROM okta_rules WHERE server_id = $1 AND policy_id = $2 ORDER BY seq`,
		serverID, policyID)
	if err != nil {
		return nil, err
	}
	for _, v := range out {
		v.ServerID, v.PolicyID = serverID, policyID
	}
	return okta.ByPriority(out, func(r *okta.Rule) int { return r.Priority }), nil
}

func (o *OktaOrg) UpdateRule(ctx context.Context, r *okta.Rule) error {
	return o.err(found(o.s.exec(ctx, `UPDATE okta_rules SET doc = $4 WHERE server_id = $1 AND policy_id = $2 AND id = $3`,
		r.ServerID, r.PolicyID, r.ID, encode(r))))
}

func (o *OktaOrg) DeleteRule(ctx context.Context, serverID, policyID, ruleID string) error {
	return o.err(found(o.s.exec(ctx, `DELETE FROM okta_rules WHERE server_id = $1 AND policy_id = $2 AND id = $3`,
		serverID, policyID, ruleID)))
}

// Grants and skips. An ACTIVE grant of (user, client, server, scope) is
// unique (a partial unique index), so concurrent SaveGrants keep one.

func (o *OktaOrg) scanGrants(ctx context.Context, q querier, query string, args ...any) ([]*okta.Grant, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*okta.Grant
	for rows.Next() {
		var server, doc string
		if err := rows.Scan(&server, &doc); err != nil {
			return nil, err
		}
		g, err := decodeDoc[okta.Grant](doc)
		if err != nil {
			return nil, err
		}
		g.ServerID = server
		out = append(out, &g)
	}
	return out, rows.Err()
}

func (o *OktaOrg) SaveGrant(ctx context.Context, g *okta.Grant) (*okta.Grant, error) {
	var out *okta.Grant
	err := o.s.tx(ctx, func(tx *sql.Tx) error {
		if err := o.childOf(ctx, tx, `SELECT 1 FROM okta_users WHERE id = $1`, g.UserID); err != nil {
			return err
		}
		if err := o.childOf(ctx, tx, `SELECT 1 FROM okta_scopes WHERE server_id = $1 AND id = $2`, g.ServerID, g.ScopeID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM okta_skips WHERE user_id = $1 AND client_id = $2 AND server_id = $3 AND scope_id = $4`,
			g.UserID, g.ClientID, g.ServerID, g.ScopeID); err != nil {
			return err
		}
		key := g.UserID + "\x1f" + g.ClientID + "\x1f" + g.ServerID + "\x1f" + g.ScopeID
		for range 2 {
			gs, err := o.scanGrants(ctx, tx, `SELECT server_id, doc FROM okta_grants WHERE active_key = $1`, key)
			if err != nil {
				return err
			}
			if len(gs) > 0 { // an ACTIVE grant of the same four is kept
				out = gs[0]
				return nil
			}
			n := *g
			if n.ID == "" {
				n.ID = okta.NewID(okta.PrefixGrant)
			}
			if n.Status == "" {
				n.Status = okta.GrantActive
			}
			active := ""
			if n.Status == okta.GrantActive {
				active = key
			}
			// The partial unique index on active_key arbitrates between
			// concurrent saves: the loser inserts nothing and reads the
			// winner's grant.
			res, err := tx.ExecContext(ctx, `INSERT INTO okta_grants (id, user_id, client_id, server_id, scope_id, active_key, doc)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (active_key) WHERE active_key <> '' DO NOTHING`,
				n.ID, n.UserID, n.ClientID, n.ServerID, n.ScopeID, active, encode(&n))
			if err != nil {
				return err
			}
			if k, _ := res.RowsAffected(); k == 1 {
				out = &n
				return nil
			}
		}
		return okta.ErrConflict
	})
	if err != nil {
		return nil, o.err(err)
	}
	return out, nil
}

func (o *OktaOrg) GetGrant(ctx context.Context, id string) (*okta.Grant, error) {
	gs, err := o.scanGrants(ctx, o.s.db, `SELECT server_id, doc FROM okta_grants WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(gs) == 0 {
		return nil, okta.ErrNotFound
	}
	return gs[0], nil
}

const grantWhere = `($1 = '' OR user_id = $1) AND ($2 = '' OR client_id = $2) AND ($3 = '' OR server_id = $3) AND ($4 = '' OR scope_id = $4)`

func (o *OktaOrg) ListGrants(ctx context.Context, f okta.GrantFilter) ([]*okta.Grant, error) {
	return o.scanGrants(ctx, o.s.db, `SELECT server_id, doc FROM okta_grants WHERE `+grantWhere+` ORDER BY seq`,
		f.UserID, f.ClientID, f.ServerID, f.ScopeID)
}

func (o *OktaOrg) DeleteGrants(ctx context.Context, f okta.GrantFilter) (int, error) {
	n, err := o.s.exec(ctx, `DELETE FROM okta_grants WHERE `+grantWhere, f.UserID, f.ClientID, f.ServerID, f.ScopeID)
	return int(n), err
}

func (o *OktaOrg) DeleteGrant(ctx context.Context, id string) error {
	return o.err(found(o.s.exec(ctx, `DELETE FROM okta_grants WHERE id = $1`, id)))
}

func (o *OktaOrg) SkipScopes(ctx context.Context, userID, clientID, serverID string, scopeIDs []string) error {
	return o.s.tx(ctx, func(tx *sql.Tx) error {
		for _, id := range scopeIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO okta_skips (user_id, client_id, server_id, scope_id) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING`, userID, clientID, serverID, id); err != nil {
				return err
			}
		}
		return nil
	})
}

func (o *OktaOrg) SkippedScopes(ctx context.Context, userID, clientID, serverID string) ([]string, error) {
	rows, err := o.s.db.QueryContext(ctx, `SELECT scope_id FROM okta_skips WHERE user_id = $1 AND client_id = $2 AND server_id = $3 ORDER BY scope_id`,
		userID, clientID, serverID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
