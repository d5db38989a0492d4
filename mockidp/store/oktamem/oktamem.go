// Package oktamem is the in-memory okta.Store, the mock's default for an
// Okta org. It passes the conformance suite in storetest (RunOkta).
package oktamem

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/consentry/consentry/mockidp/okta"
)

// Store is an in-memory okta.Store. The zero value is not usable; call New.
type Store struct {
	mu       sync.RWMutex
	apps     []*okta.App
	users    []*okta.User
	appUsers []*okta.AppUser
	servers  []*okta.AuthServer
	scopes   []*okta.Scope
	policies []*okta.Policy
	rules    []*okta.Rule
	grants   []*okta.Grant
	skips    map[skipKey]bool
}

type skipKey struct{ user, client, server, scope string }

var _ okta.Store = (*Store)(nil)

// New returns an empty org (no default server: okta.SeedOrg adds it).
func New() *Store { return &Store{skips: map[skipKey]bool{}} }

// Deep copies, so that no caller shares memory with the store.

func cloneIE(p *okta.IncludeExclude) *okta.IncludeExclude {
	if p == nil {
		return nil
	}
	return &okta.IncludeExclude{Include: slices.Clone(p.Include), Exclude: slices.Clone(p.Exclude)}
}

// clonePtr copies the value behind an optional field.
func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

func cloneApp(a *okta.App) *okta.App {
	n := *a
	n.Credentials.UserNameTemplate = clonePtr(a.Credentials.UserNameTemplate)
	n.Credentials.OAuthClient.AutoKeyRotation = clonePtr(a.Credentials.OAuthClient.AutoKeyRotation)
	n.Credentials.OAuthClient.PKCERequired = clonePtr(a.Credentials.OAuthClient.PKCERequired)
	oc := &n.Settings.OAuthClient
	oc.RedirectURIs = slices.Clone(oc.RedirectURIs)
	oc.PostLogoutRedirectURIs = slices.Clone(oc.PostLogoutRedirectURIs)
	oc.ResponseTypes = slices.Clone(oc.ResponseTypes)
	oc.GrantTypes = slices.Clone(oc.GrantTypes)
	return &n
}

func cloneUser(u *okta.User) *okta.User {
	n := *u
	n.Activated = clonePtr(u.Activated)
	n.StatusChanged = clonePtr(u.StatusChanged)
	n.LastLogin = clonePtr(u.LastLogin)
	n.PasswordChanged = clonePtr(u.PasswordChanged)
	return &n
}

func cloneAppUser(a *okta.AppUser) *okta.AppUser { n := *a; return &n }

func cloneServer(s *okta.AuthServer) *okta.AuthServer {
	n := *s
	n.Audiences = slices.Clone(s.Audiences)
	return &n
}

func cloneScope(s *okta.Scope) *okta.Scope { n := *s; return &n }

func clonePolicy(p *okta.Policy) *okta.Policy {
	n := *p
	n.Conditions.Clients = cloneIE(p.Conditions.Clients)
	return &n
}

func cloneRule(r *okta.Rule) *okta.Rule {
	n := *r
	c := &n.Conditions
	c.GrantTypes = *cloneIE(&r.Conditions.GrantTypes)
	c.Scopes = *cloneIE(&r.Conditions.Scopes)
	c.People.Users = cloneIE(r.Conditions.People.Users)
	c.People.Groups = cloneIE(r.Conditions.People.Groups)
	return &n
}

func cloneGrant(g *okta.Grant) *okta.Grant { n := *g; return &n }

func cloneAll[T any](in []*T, f func(*T) *T) []*T {
	out := make([]*T, 0, len(in))
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

// cloneWhere copies the items that match, in order; nil when none do.
func cloneWhere[T any](in []*T, match func(*T) bool, f func(*T) *T) []*T {
	var out []*T
	for _, v := range in {
		if match(v) {
			out = append(out, f(v))
		}
	}
	return out
}

func find[T any](items []*T, match func(*T) bool) int {
	return slices.IndexFunc(items, match)
}

// Apps.

func (s *Store) CreateApp(_ context.Context, a *okta.App) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == "" {
		a.ID = okta.NewID(okta.PrefixApp)
	}
	if a.Credentials.OAuthClient.ClientID == "" {
		a.Credentials.OAuthClient.ClientID = a.ID
	}
	if find(s.apps, func(x *okta.App) bool { return x.ID == a.ID || x.ClientID() == a.ClientID() }) >= 0 {
		return okta.ErrConflict
	}
	s.apps = append(s.apps, cloneApp(a))
	return nil
}

func (s *Store) GetApp(_ context.Context, id string) (*okta.App, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i := find(s.apps, func(x *okta.App) bool { return x.ID == id }); i >= 0 {
		return cloneApp(s.apps[i]), nil
	}
	return nil, okta.ErrNotFound
}

func (s *Store) GetAppByClientID(_ context.Context, clientID string) (*okta.App, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i := find(s.apps, func(x *okta.App) bool { return x.ClientID() == clientID }); i >= 0 {
		return cloneApp(s.apps[i]), nil
	}
	return nil, okta.ErrNotFound
}

func (s *Store) ListApps(context.Context) ([]*okta.App, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return cloneAll(s.apps, cloneApp), nil
}

func (s *Store) UpdateApp(_ context.Context, a *okta.App) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.apps, func(x *okta.App) bool { return x.ID == a.ID })
	if i < 0 {
		return okta.ErrNotFound
	}
	if find(s.apps, func(x *okta.App) bool { return x.ID != a.ID && x.ClientID() == a.ClientID() }) >= 0 {
		return okta.ErrConflict
	}
	s.apps[i] = cloneApp(a)
	return nil
}

func (s *Store) DeleteApp(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.apps, func(x *okta.App) bool { return x.ID == id })
	if i < 0 {
		return okta.ErrNotFound
	}
	clientID := s.apps[i].ClientID()
	s.apps = slices.Delete(s.apps, i, i+1)
	s.appUsers = slices.DeleteFunc(s.appUsers, func(x *okta.AppUser) bool { return x.AppID == id })
	s.grants = slices.DeleteFunc(s.grants, func(g *okta.Grant) bool { return g.ClientID == clientID })
	s.dropSkips(func(k skipKey) bool { return k.client == clientID })
	return nil
}

func (s *Store) dropSkips(match func(skipKey) bool) {
	for k := range s.skips {
		if match(k) {
			delete(s.skips, k)
		}
	}
}

// Users.

func (s *Store) CreateUser(_ context.Context, u *okta.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.ID == "" {
		u.ID = okta.NewID(okta.PrefixUser)
	}
	if find(s.users, func(x *okta.User) bool {
		return x.ID == u.ID || strings.EqualFold(x.Profile.Login, u.Profile.Login)
	}) >= 0 {
		return okta.ErrConflict
	}
	s.users = append(s.users, cloneUser(u))
	return nil
}

func (s *Store) GetUser(_ context.Context, id string) (*okta.User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i := find(s.users, func(x *okta.User) bool { return x.ID == id }); i >= 0 {
		return cloneUser(s.users[i]), nil
	}
	return nil, okta.ErrNotFound
}

func (s *Store) FindUser(_ context.Context, login string) (*okta.User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if login == "" {
		return nil, okta.ErrNotFound
	}
	if i := find(s.users, func(x *okta.User) bool { return strings.EqualFold(x.Profile.Login, login) }); i >= 0 {
		return cloneUser(s.users[i]), nil
	}
	return nil, okta.ErrNotFound
}

func (s *Store) ListUsers(context.Context) ([]*okta.User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return cloneAll(s.users, cloneUser), nil
}

func (s *Store) UpdateUser(_ context.Context, u *okta.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.users, func(x *okta.User) bool { return x.ID == u.ID })
	if i < 0 {
		return okta.ErrNotFound
	}
	if find(s.users, func(x *okta.User) bool { return x.ID != u.ID && strings.EqualFold(x.Profile.Login, u.Profile.Login) }) >= 0 {
		return okta.ErrConflict
	}
	s.users[i] = cloneUser(u)
	return nil
}

func (s *Store) DeleteUser(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.users, func(x *okta.User) bool { return x.ID == id })
	if i < 0 {
		return okta.ErrNotFound
	}
	s.users = slices.Delete(s.users, i, i+1)
	s.appUsers = slices.DeleteFunc(s.appUsers, func(x *okta.AppUser) bool { return x.ID == id })
	s.grants = slices.DeleteFunc(s.grants, func(g *okta.Grant) bool { return g.UserID == id })
	s.dropSkips(func(k skipKey) bool { return k.user == id })
	return nil
}

// Assignments.

func (s *Store) AssignUser(_ context.Context, au *okta.AppUser) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if find(s.apps, func(x *okta.App) bool { return x.ID == au.AppID }) < 0 ||
		find(s.users, func(x *okta.User) bool { return x.ID == au.ID }) < 0 {
		return okta.ErrNotFound
	}
	n := cloneAppUser(au)
	if i := find(s.appUsers, func(x *okta.AppUser) bool { return x.AppID == au.AppID && x.ID == au.ID }); i >= 0 {
		s.appUsers[i] = n
		return nil
	}
	s.appUsers = append(s.appUsers, n)
	return nil
}

func (s *Store) GetAppUser(_ context.Context, appID, userID string) (*okta.AppUser, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i := find(s.appUsers, func(x *okta.AppUser) bool { return x.AppID == appID && x.ID == userID }); i >= 0 {
		return cloneAppUser(s.appUsers[i]), nil
	}
	return nil, okta.ErrNotFound
}

func (s *Store) ListAppUsers(_ context.Context, appID string) ([]*okta.AppUser, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if find(s.apps, func(x *okta.App) bool { return x.ID == appID }) < 0 {
		return nil, okta.ErrNotFound
	}
	return cloneWhere(s.appUsers, func(x *okta.AppUser) bool { return x.AppID == appID }, cloneAppUser), nil
}

func (s *Store) UnassignUser(_ context.Context, appID, userID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.appUsers, func(x *okta.AppUser) bool { return x.AppID == appID && x.ID == userID })
	if i < 0 {
		return okta.ErrNotFound
	}
	s.appUsers = slices.Delete(s.appUsers, i, i+1)
	return nil
}

// Authorization servers.

func (s *Store) serverIndex(id string) int {
	i := find(s.servers, func(x *okta.AuthServer) bool { return x.ID == id })
	if i < 0 && id == okta.DefaultServerName {
		i = find(s.servers, func(x *okta.AuthServer) bool { return x.Default })
	}
	return i
}

func (s *Store) CreateAuthServer(_ context.Context, a *okta.AuthServer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.ID == "" {
		a.ID = okta.NewID(okta.PrefixAuthServer)
	}
	if find(s.servers, func(x *okta.AuthServer) bool {
		return x.ID == a.ID || x.Name == a.Name || (a.Default && x.Default)
	}) >= 0 {
		return okta.ErrConflict
	}
	s.servers = append(s.servers, cloneServer(a))
	return nil
}

func (s *Store) GetAuthServer(_ context.Context, id string) (*okta.AuthServer, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i := s.serverIndex(id); i >= 0 {
		return cloneServer(s.servers[i]), nil
	}
	return nil, okta.ErrNotFound
}

func (s *Store) ListAuthServers(context.Context) ([]*okta.AuthServer, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return cloneAll(s.servers, cloneServer), nil
}

func (s *Store) UpdateAuthServer(_ context.Context, a *okta.AuthServer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.servers, func(x *okta.AuthServer) bool { return x.ID == a.ID })
	if i < 0 {
		return okta.ErrNotFound
	}
	if find(s.servers, func(x *okta.AuthServer) bool { return x.ID != a.ID && (x.Name == a.Name || (a.Default && x.Default)) }) >= 0 {
		return okta.ErrConflict
	}
	s.servers[i] = cloneServer(a)
	return nil
}

func (s *Store) DeleteAuthServer(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.servers, func(x *okta.AuthServer) bool { return x.ID == id })
	if i < 0 {
		return okta.ErrNotFound
	}
	s.servers = slices.Delete(s.servers, i, i+1)
	s.scopes = slices.DeleteFunc(s.scopes, func(x *okta.Scope) bool { return x.ServerID == id })
	s.policies = slices.DeleteFunc(s.policies, func(x *okta.Policy) bool { return x.ServerID == id })
	s.rules = slices.DeleteFunc(s.rules, func(x *okta.Rule) bool { return x.ServerID == id })
	s.grants = slices.DeleteFunc(s.grants, func(g *okta.Grant) bool { return g.ServerID == id })
	s.dropSkips(func(k skipKey) bool { return k.server == id })
	return nil
}

// Scopes.

func (s *Store) hasServer(id string) bool {
	return find(s.servers, func(x *okta.AuthServer) bool { return x.ID == id }) >= 0
}

func (s *Store) CreateScope(_ context.Context, sc *okta.Scope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.hasServer(sc.ServerID) {
		return okta.ErrNotFound
	}
	if sc.ID == "" {
		sc.ID = okta.NewID(okta.PrefixScope)
	}
	if find(s.scopes, func(x *okta.Scope) bool {
		return x.ID == sc.ID || (x.ServerID == sc.ServerID && x.Name == sc.Name)
	}) >= 0 {
		return okta.ErrConflict
	}
	s.scopes = append(s.scopes, cloneScope(sc))
	return nil
}

func (s *Store) GetScope(_ context.Context, serverID, scopeID string) (*okta.Scope, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i := find(s.scopes, func(x *okta.Scope) bool { return x.ServerID == serverID && x.ID == scopeID }); i >= 0 {
		return cloneScope(s.scopes[i]), nil
	}
	return nil, okta.ErrNotFound
}

func (s *Store) FindScope(_ context.Context, serverID, name string) (*okta.Scope, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i := find(s.scopes, func(x *okta.Scope) bool { return x.ServerID == serverID && x.Name == name }); i >= 0 {
		return cloneScope(s.scopes[i]), nil
	}
	return nil, okta.ErrNotFound
}

func (s *Store) ListScopes(_ context.Context, serverID string) ([]*okta.Scope, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.hasServer(serverID) {
		return nil, okta.ErrNotFound
	}
	return cloneWhere(s.scopes, func(x *okta.Scope) bool { return x.ServerID == serverID }, cloneScope), nil
}

func (s *Store) UpdateScope(_ context.Context, sc *okta.Scope) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.scopes, func(x *okta.Scope) bool { return x.ServerID == sc.ServerID && x.ID == sc.ID })
	if i < 0 {
		return okta.ErrNotFound
	}
	if find(s.scopes, func(x *okta.Scope) bool { return x.ServerID == sc.ServerID && x.ID != sc.ID && x.Name == sc.Name }) >= 0 {
		return okta.ErrConflict
	}
	s.scopes[i] = cloneScope(sc)
	return nil
}

func (s *Store) DeleteScope(_ context.Context, serverID, scopeID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.scopes, func(x *okta.Scope) bool { return x.ServerID == serverID && x.ID == scopeID })
	if i < 0 {
		return okta.ErrNotFound
	}
	s.scopes = slices.Delete(s.scopes, i, i+1)
	s.grants = slices.DeleteFunc(s.grants, func(g *okta.Grant) bool { return g.ScopeID == scopeID })
	s.dropSkips(func(k skipKey) bool { return k.scope == scopeID })
	return nil
}

// Policies and rules.

func (s *Store) CreatePolicy(_ context.Context, p *okta.Policy) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.hasServer(p.ServerID) {
		return okta.ErrNotFound
	}
	if p.ID == "" {
		p.ID = okta.NewID(okta.PrefixPolicy)
	}
	if find(s.policies, func(x *okta.Policy) bool { return x.ID == p.ID }) >= 0 {
		return okta.ErrConflict
	}
	s.policies = append(s.policies, clonePolicy(p))
	return nil
}

func (s *Store) GetPolicy(_ context.Context, serverID, policyID string) (*okta.Policy, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i := find(s.policies, func(x *okta.Policy) bool { return x.ServerID == serverID && x.ID == policyID }); i >= 0 {
		return clonePolicy(s.policies[i]), nil
	}
	return nil, okta.ErrNotFound
}

func (s *Store) ListPolicies(_ context.Context, serverID string) ([]*okta.Policy, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if !s.hasServer(serverID) {
		return nil, okta.ErrNotFound
	}
	out := cloneWhere(s.policies, func(x *okta.Policy) bool { return x.ServerID == serverID }, clonePolicy)
	return okta.ByPriority(out, func(p *okta.Policy) int { return p.Priority }), nil
}

func (s *Store) UpdatePolicy(_ context.Context, p *okta.Policy) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.policies, func(x *okta.Policy) bool { return x.ServerID == p.ServerID && x.ID == p.ID })
	if i < 0 {
		return okta.ErrNotFound
	}
	s.policies[i] = clonePolicy(p)
	return nil
}

func (s *Store) DeletePolicy(_ context.Context, serverID, policyID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.policies, func(x *okta.Policy) bool { return x.ServerID == serverID && x.ID == policyID })
	if i < 0 {
		return okta.ErrNotFound
	}
	s.policies = slices.Delete(s.policies, i, i+1)
	s.rules = slices.DeleteFunc(s.rules, func(x *okta.Rule) bool { return x.PolicyID == policyID })
	return nil
}

func (s *Store) CreateRule(_ context.Context, r *okta.Rule) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if find(s.policies, func(x *okta.Policy) bool { return x.ServerID == r.ServerID && x.ID == r.PolicyID }) < 0 {
		return okta.ErrNotFound
	}
	if r.ID == "" {
		r.ID = okta.NewID(okta.PrefixRule)
	}
	if find(s.rules, func(x *okta.Rule) bool { return x.ID == r.ID }) >= 0 {
		return okta.ErrConflict
	}
	s.rules = append(s.rules, cloneRule(r))
	return nil
}

func (s *Store) ruleIndex(serverID, policyID, ruleID string) int {
	return find(s.rules, func(x *okta.Rule) bool { return x.ServerID == serverID && x.PolicyID == policyID && x.ID == ruleID })
}

func (s *Store) GetRule(_ context.Context, serverID, policyID, ruleID string) (*okta.Rule, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i := s.ruleIndex(serverID, policyID, ruleID); i >= 0 {
		return cloneRule(s.rules[i]), nil
	}
	return nil, okta.ErrNotFound
}

func (s *Store) ListRules(_ context.Context, serverID, policyID string) ([]*okta.Rule, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if find(s.policies, func(x *okta.Policy) bool { return x.ServerID == serverID && x.ID == policyID }) < 0 {
		return nil, okta.ErrNotFound
	}
	out := cloneWhere(s.rules, func(x *okta.Rule) bool { return x.ServerID == serverID && x.PolicyID == policyID }, cloneRule)
	return okta.ByPriority(out, func(r *okta.Rule) int { return r.Priority }), nil
}

func (s *Store) UpdateRule(_ context.Context, r *okta.Rule) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.ruleIndex(r.ServerID, r.PolicyID, r.ID)
	if i < 0 {
		return okta.ErrNotFound
	}
	s.rules[i] = cloneRule(r)
	return nil
}

func (s *Store) DeleteRule(_ context.Context, serverID, policyID, ruleID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.ruleIndex(serverID, policyID, ruleID)
	if i < 0 {
		return okta.ErrNotFound
	}
	s.rules = slices.Delete(s.rules, i, i+1)
	return nil
}

// Grants and skips.

func (s *Store) SaveGrant(_ context.Context, g *okta.Grant) (*okta.Grant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if find(s.users, func(x *okta.User) bool { return x.ID == g.UserID }) < 0 ||
		find(s.scopes, func(x *okta.Scope) bool { return x.ServerID == g.ServerID && x.ID == g.ScopeID }) < 0 {
		return nil, okta.ErrNotFound
	}
	delete(s.skips, skipKey{g.UserID, g.ClientID, g.ServerID, g.ScopeID})
	if i := find(s.grants, func(x *okta.Grant) bool {
		return x.Status == okta.GrantActive && x.UserID == g.UserID && x.ClientID == g.ClientID && x.ServerID == g.ServerID && x.ScopeID == g.ScopeID
	}); i >= 0 {
		return cloneGrant(s.grants[i]), nil
	}
	n := cloneGrant(g)
	if n.ID == "" {
		n.ID = okta.NewID(okta.PrefixGrant)
	}
	if n.Status == "" {
		n.Status = okta.GrantActive
	}
	if find(s.grants, func(x *okta.Grant) bool { return x.ID == n.ID }) >= 0 {
		return nil, okta.ErrConflict
	}
	s.grants = append(s.grants, n)
	return cloneGrant(n), nil
}

func (s *Store) GetGrant(_ context.Context, id string) (*okta.Grant, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if i := find(s.grants, func(x *okta.Grant) bool { return x.ID == id }); i >= 0 {
		return cloneGrant(s.grants[i]), nil
	}
	return nil, okta.ErrNotFound
}

func matches(g *okta.Grant, f okta.GrantFilter) bool {
	return (f.UserID == "" || g.UserID == f.UserID) && (f.ClientID == "" || g.ClientID == f.ClientID) &&
		(f.ServerID == "" || g.ServerID == f.ServerID) && (f.ScopeID == "" || g.ScopeID == f.ScopeID)
}

func (s *Store) ListGrants(_ context.Context, f okta.GrantFilter) ([]*okta.Grant, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return cloneWhere(s.grants, func(g *okta.Grant) bool { return matches(g, f) }, cloneGrant), nil
}

func (s *Store) DeleteGrants(_ context.Context, f okta.GrantFilter) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	before := len(s.grants)
	s.grants = slices.DeleteFunc(s.grants, func(g *okta.Grant) bool { return matches(g, f) })
	return before - len(s.grants), nil
}

func (s *Store) DeleteGrant(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.grants, func(x *okta.Grant) bool { return x.ID == id })
	if i < 0 {
		return okta.ErrNotFound
	}
	s.grants = slices.Delete(s.grants, i, i+1)
	return nil
}

func (s *Store) SkipScopes(_ context.Context, userID, clientID, serverID string, scopeIDs []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range scopeIDs {
		s.skips[skipKey{userID, clientID, serverID, id}] = true
	}
	return nil
}

func (s *Store) SkippedScopes(_ context.Context, userID, clientID, serverID string) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for k := range s.skips {
		if k.user == userID && k.client == clientID && k.server == serverID {
			out = append(out, k.scope)
		}
	}
	slices.Sort(out)
	return out, nil
}
