package okta

import (
	"context"
	"errors"
)

// Errors every Store returns, so callers can map them to answers without
// knowing the backend.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
)

// GrantFilter selects grants; empty fields match anything.
type GrantFilter struct {
	UserID   string
	ClientID string
	ServerID string
	ScopeID  string
}

// Store keeps one Okta org. Every method is safe for concurrent use.
// Getters return copies: changing a returned value never changes the
// store, and the store keeps copies of what it is given. Create methods
// assign an ID (NewID with the kind's prefix) when the value's ID is empty
// and write it back. List methods return items in creation order, except
// policies and rules, which come by priority (then creation).
//
// Deleting cascades the way Okta's consent lifetime says ("until the user,
// app, authorization server, or scope is deactivated or deleted"): an app
// takes its assignments and grants with it, a user their assignments,
// grants and skips, a server its scopes, policies, rules, grants and skips,
// a scope its grants and skips, a policy its rules.
type Store interface {
	// CreateApp returns ErrConflict when the id or the client_id is taken.
	CreateApp(ctx context.Context, a *App) error
	GetApp(ctx context.Context, id string) (*App, error)
	GetAppByClientID(ctx context.Context, clientID string) (*App, error)
	ListApps(ctx context.Context) ([]*App, error)
	// UpdateApp replaces the app with a.ID; a client_id taken by another
	// app is ErrConflict.
	UpdateApp(ctx context.Context, a *App) error
	DeleteApp(ctx context.Context, id string) error

	// CreateUser returns ErrConflict when the id or the login
	// (case-insensitive) is taken.
	CreateUser(ctx context.Context, u *User) error
	GetUser(ctx context.Context, id string) (*User, error)
	// FindUser looks a user up by login (case-insensitive).
	FindUser(ctx context.Context, login string) (*User, error)
	ListUsers(ctx context.Context) ([]*User, error)
	UpdateUser(ctx context.Context, u *User) error
	DeleteUser(ctx context.Context, id string) error

	// AssignUser creates or replaces the assignment of au.ID to au.AppID;
	// both must exist (ErrNotFound otherwise).
	AssignUser(ctx context.Context, au *AppUser) error
	GetAppUser(ctx context.Context, appID, userID string) (*AppUser, error)
	ListAppUsers(ctx context.Context, appID string) ([]*AppUser, error)
	UnassignUser(ctx context.Context, appID, userID string) error

	// CreateAuthServer returns ErrConflict when the id or the name is
	// taken, or when s.Default is set and the org has a default server.
	CreateAuthServer(ctx context.Context, s *AuthServer) error
	// GetAuthServer finds a server by id; "default" also names the default
	// server (Okta's path alias).
	GetAuthServer(ctx context.Context, id string) (*AuthServer, error)
	ListAuthServers(ctx context.Context) ([]*AuthServer, error)
	// UpdateAuthServer replaces the server with s.ID (no alias here).
	UpdateAuthServer(ctx context.Context, s *AuthServer) error
	DeleteAuthServer(ctx context.Context, id string) error

	// CreateScope adds a scope to sc.ServerID; a name the server already
	// has is ErrConflict, an unknown server ErrNotFound.
	CreateScope(ctx context.Context, sc *Scope) error
	GetScope(ctx context.Context, serverID, scopeID string) (*Scope, error)
	FindScope(ctx context.Context, serverID, name string) (*Scope, error)
	ListScopes(ctx context.Context, serverID string) ([]*Scope, error)
	UpdateScope(ctx context.Context, sc *Scope) error
	DeleteScope(ctx context.Context, serverID, scopeID string) error

	CreatePolicy(ctx context.Context, p *Policy) error
	GetPolicy(ctx context.Context, serverID, policyID string) (*Policy, error)
	ListPolicies(ctx context.Context, serverID string) ([]*Policy, error)
	UpdatePolicy(ctx context.Context, p *Policy) error
	DeletePolicy(ctx context.Context, serverID, policyID string) error

	// CreateRule adds a rule to r.PolicyID of r.ServerID.
	CreateRule(ctx context.Context, r *Rule) error
	GetRule(ctx context.Context, serverID, policyID, ruleID string) (*Rule, error)
	ListRules(ctx context.Context, serverID, policyID string) ([]*Rule, error)
	UpdateRule(ctx context.Context, r *Rule) error
	DeleteRule(ctx context.Context, serverID, policyID, ruleID string) error

	// SaveGrant stores the grant of (UserID, ClientID, ServerID, ScopeID).
	// When that user already has an ACTIVE grant for the same four, it is
	// kept (its ID and Created do not change) and returned; otherwise g is
	// stored, with an ID assigned when empty. Granting a scope clears a
	// skip of it. The user, the server and the scope must exist.
	SaveGrant(ctx context.Context, g *Grant) (*Grant, error)
	GetGrant(ctx context.Context, id string) (*Grant, error)
	ListGrants(ctx context.Context, f GrantFilter) ([]*Grant, error)
	// DeleteGrants removes the grants f selects and returns how many (an
	// empty filter selects every grant of the org).
	DeleteGrants(ctx context.Context, f GrantFilter) (int, error)
	DeleteGrant(ctx context.Context, id string) error

	// SkipScopes records that the user left optional scopes unticked on
	// the consent page, so that they are not asked again without
	// prompt=consent (rule O6).
	SkipScopes(ctx context.Context, userID, clientID, serverID string, scopeIDs []string) error
	// SkippedScopes returns the scope ids the user skipped, sorted.
	SkippedScopes(ctx context.Context, userID, clientID, serverID string) ([]string, error)
}
