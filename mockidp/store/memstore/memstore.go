// Package memstore is the in-memory tenant.Store, the mock's default.
package memstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/consentry/consentry/mockidp/tenant"
)

// Store is an in-memory tenant.Store. The zero value is not usable; call New.
type Store struct {
	mu           sync.RWMutex
	clients      []*tenant.Client
	apis         []*tenant.API
	users        []*tenant.User
	clientGrants []*tenant.ClientGrant
	userGrants   []*tenant.UserGrant
	connections  []*tenant.Connection
	// The user grants indexed by id and by (user, client, audience) (see
	// reindexGrants): /authorize and the token endpoint look a grant up on
	// every request, and a scan of 100,000 grants made each lookup cost
	// more than the rest of the request. Other filters (all of a user's
	// grants: the Management API) still scan.
	grantByID  map[string]*tenant.UserGrant
	grantByKey map[grantKey]*tenant.UserGrant
	settings   tenant.Settings
	refresh    map[string]*tenant.RefreshToken
	keys       []tenant.SigningKey
}

var _ tenant.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	s := &Store{refresh: map[string]*tenant.RefreshToken{}}
	s.reindexGrants()
	return s
}

// grantKey is what makes a user grant unique.
type grantKey struct{ user, client, audience string }

func keyOf(g *tenant.UserGrant) grantKey { return grantKey{g.UserID, g.ClientID, g.Audience} }

// reindexGrants rebuilds the grant indexes from s.userGrants, after grants
// were deleted (rare: a revocation, a deleted client, API or user).
func (s *Store) reindexGrants() {
	s.grantByID = make(map[string]*tenant.UserGrant, len(s.userGrants))
	s.grantByKey = make(map[grantKey]*tenant.UserGrant, len(s.userGrants))
	for _, g := range s.userGrants {
		s.indexGrant(g)
	}
}

func (s *Store) indexGrant(g *tenant.UserGrant) {
	s.grantByID[g.ID] = g
	s.grantByKey[keyOf(g)] = g
}

// The clone functions copy a value and every slice or pointer in it, so that
// no caller shares memory with the store.
func cloneClient(c *tenant.Client) *tenant.Client {
	n := *c
	n.Callbacks = slices.Clone(c.Callbacks)
	n.AllowedLogoutURLs = slices.Clone(c.AllowedLogoutURLs)
	n.GrantTypes = slices.Clone(c.GrantTypes)
	n.AllowedOrigins = slices.Clone(c.AllowedOrigins)
	n.WebOrigins = slices.Clone(c.WebOrigins)
	n.AllowedClients = slices.Clone(c.AllowedClients)
	n.ClientAliases = slices.Clone(c.ClientAliases)
	n.ClientMetadata = maps.Clone(c.ClientMetadata)
	n.SSO = clonePtr(c.SSO)
	n.SSODisabled = clonePtr(c.SSODisabled)
	n.CustomLoginPageOn = clonePtr(c.CustomLoginPageOn)
	n.RefreshToken = clonePtr(c.RefreshToken)
	n.JWTConfiguration = clonePtr(c.JWTConfiguration)
	if c.SkipNonVerifiableCallbackURIConfirmationPrompt != nil {
		v := *c.SkipNonVerifiableCallbackURIConfirmationPrompt
		n.SkipNonVerifiableCallbackURIConfirmationPrompt = &v
	}
	if c.TokenExchange != nil {
		te := tenant.ClientTokenExchange{AllowAnyProfileOfType: slices.Clone(c.TokenExchange.AllowAnyProfileOfType)}
		n.TokenExchange = &te
	}
	return &n
}

func cloneAPI(a *tenant.API) *tenant.API {
	n := *a
	n.Scopes = slices.Clone(a.Scopes)
	if a.TokenExchange != nil {
		te := tenant.APITokenExchange{EnabledSubjectTokenTypes: slices.Clone(a.TokenExchange.EnabledSubjectTokenTypes)}
		n.TokenExchange = &te
	}
	return &n
}

func cloneUser(u *tenant.User) *tenant.User { n := *u; return &n }

func cloneClientGrant(g *tenant.ClientGrant) *tenant.ClientGrant {
	n := *g
	n.Scope = slices.Clone(g.Scope)
	return &n
}

func cloneUserGrant(g *tenant.UserGrant) *tenant.UserGrant {
	n := *g
	n.Scope = slices.Clone(g.Scope)
	return &n
}

func cloneAll[T any](in []*T, f func(*T) *T) []*T {
	out := make([]*T, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func find[T any](in []*T, match func(*T) bool) int {
	return slices.IndexFunc(in, match)
}

// Clients

func (s *Store) GetClient(_ context.Context, id string) (*tenant.Client, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := find(s.clients, func(c *tenant.Client) bool { return c.ClientID == id })
	if i < 0 {
		return nil, tenant.ErrNotFound
	}
	return cloneClient(s.clients[i]), nil
}

func (s *Store) ListClients(context.Context) ([]*tenant.Client, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return cloneAll(s.clients, cloneClient), nil
}

func (s *Store) CreateClient(_ context.Context, c *tenant.Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if find(s.clients, func(x *tenant.Client) bool { return x.ClientID == c.ClientID }) >= 0 {
		return tenant.ErrConflict
	}
	s.clients = append(s.clients, cloneClient(c))
	return nil
}

func (s *Store) UpdateClient(_ context.Context, c *tenant.Client) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.clients, func(x *tenant.Client) bool { return x.ClientID == c.ClientID })
	if i < 0 {
		return tenant.ErrNotFound
	}
	s.clients[i] = cloneClient(c)
	return nil
}

func (s *Store) DeleteClient(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.clients, func(x *tenant.Client) bool { return x.ClientID == id })
	if i < 0 {
		return tenant.ErrNotFound
	}
	s.clients = slices.Delete(s.clients, i, i+1)
	s.clientGrants = slices.DeleteFunc(s.clientGrants, func(g *tenant.ClientGrant) bool { return g.ClientID == id })
	s.userGrants = slices.DeleteFunc(s.userGrants, func(g *tenant.UserGrant) bool { return g.ClientID == id })
	s.disableClientOnConnections(id)
	s.reindexGrants()
	maps.DeleteFunc(s.refresh, func(_ string, t *tenant.RefreshToken) bool { return t.ClientID == id })
	return nil
}

// APIs

func (s *Store) GetAPI(_ context.Context, id string) (*tenant.API, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := find(s.apis, func(a *tenant.API) bool { return a.ID == id })
	if i < 0 {
		return nil, tenant.ErrNotFound
	}
	return cloneAPI(s.apis[i]), nil
}

func (s *Store) GetAPIByIdentifier(_ context.Context, identifier string) (*tenant.API, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := find(s.apis, func(a *tenant.API) bool { return a.Identifier == identifier })
	if i < 0 {
		return nil, tenant.ErrNotFound
	}
	return cloneAPI(s.apis[i]), nil
}

func (s *Store) ListAPIs(context.Context) ([]*tenant.API, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return cloneAll(s.apis, cloneAPI), nil
}

func (s *Store) CreateAPI(_ context.Context, a *tenant.API) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if find(s.apis, func(x *tenant.API) bool { return x.Identifier == a.Identifier || (a.ID != "" && x.ID == a.ID) }) >= 0 {
		return tenant.ErrConflict
	}
	n := cloneAPI(a)
	if n.ID == "" {
		n.ID = newID("")
		a.ID = n.ID
	}
	s.apis = append(s.apis, n)
	return nil
}

func (s *Store) UpdateAPI(_ context.Context, a *tenant.API) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.apis, func(x *tenant.API) bool { return x.ID == a.ID })
	if i < 0 {
		return tenant.ErrNotFound
	}
	if find(s.apis, func(x *tenant.API) bool { return x.ID != a.ID && x.Identifier == a.Identifier }) >= 0 {
		return tenant.ErrConflict
	}
	s.apis[i] = cloneAPI(a)
	return nil
}

func (s *Store) DeleteAPI(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.apis, func(x *tenant.API) bool { return x.ID == id })
	if i < 0 {
		return tenant.ErrNotFound
	}
	aud := s.apis[i].Identifier
	s.apis = slices.Delete(s.apis, i, i+1)
	s.clientGrants = slices.DeleteFunc(s.clientGrants, func(g *tenant.ClientGrant) bool { return g.Audience == aud })
	s.userGrants = slices.DeleteFunc(s.userGrants, func(g *tenant.UserGrant) bool { return g.Audience == aud })
	s.reindexGrants()
	maps.DeleteFunc(s.refresh, func(_ string, t *tenant.RefreshToken) bool { return t.Audience == aud })
	return nil
}

// Users

func (s *Store) GetUser(_ context.Context, id string) (*tenant.User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := find(s.users, func(u *tenant.User) bool { return u.UserID == id })
	if i < 0 {
		return nil, tenant.ErrNotFound
	}
	return cloneUser(s.users[i]), nil
}

func (s *Store) FindUser(_ context.Context, login string) (*tenant.User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := find(s.users, func(u *tenant.User) bool {
		return strings.EqualFold(u.Email, login) || (u.Username != "" && strings.EqualFold(u.Username, login))
	})
	if i < 0 || login == "" {
		return nil, tenant.ErrNotFound
	}
	return cloneUser(s.users[i]), nil
}

func (s *Store) ListUsers(context.Context) ([]*tenant.User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return cloneAll(s.users, cloneUser), nil
}

func (s *Store) CreateUser(_ context.Context, u *tenant.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if find(s.users, func(x *tenant.User) bool {
		return x.UserID == u.UserID || (u.Email != "" && strings.EqualFold(x.Email, u.Email)) ||
			(u.Username != "" && strings.EqualFold(x.Username, u.Username))
	}) >= 0 {
		return tenant.ErrConflict
	}
	s.users = append(s.users, cloneUser(u))
	return nil
}

func (s *Store) UpdateUser(_ context.Context, u *tenant.User) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.users, func(x *tenant.User) bool { return x.UserID == u.UserID })
	if i < 0 {
		return tenant.ErrNotFound
	}
	s.users[i] = cloneUser(u)
	return nil
}

func (s *Store) DeleteUser(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.users, func(x *tenant.User) bool { return x.UserID == id })
	if i < 0 {
		return tenant.ErrNotFound
	}
	s.users = slices.Delete(s.users, i, i+1)
	s.userGrants = slices.DeleteFunc(s.userGrants, func(g *tenant.UserGrant) bool { return g.UserID == id })
	s.reindexGrants()
	maps.DeleteFunc(s.refresh, func(_ string, t *tenant.RefreshToken) bool { return t.UserID == id })
	return nil
}

// Client grants

func (s *Store) GetClientGrant(_ context.Context, id string) (*tenant.ClientGrant, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := find(s.clientGrants, func(g *tenant.ClientGrant) bool { return g.ID == id })
	if i < 0 {
		return nil, tenant.ErrNotFound
	}
	return cloneClientGrant(s.clientGrants[i]), nil
}

func subjectOf(g *tenant.ClientGrant) string {
	if g.SubjectType == "" {
		return tenant.SubjectClient
	}
	return g.SubjectType
}

func (s *Store) ListClientGrants(_ context.Context, f tenant.ClientGrantFilter) ([]*tenant.ClientGrant, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*tenant.ClientGrant
	for _, g := range s.clientGrants {
		if (f.ClientID == "" || g.ClientID == f.ClientID) && (f.Audience == "" || g.Audience == f.Audience) &&
			(f.SubjectType == "" || subjectOf(g) == f.SubjectType) {
			out = append(out, cloneClientGrant(g))
		}
	}
	return out, nil
}

func (s *Store) CreateClientGrant(_ context.Context, g *tenant.ClientGrant) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if find(s.clientGrants, func(x *tenant.ClientGrant) bool {
		return x.ClientID == g.ClientID && x.Audience == g.Audience && subjectOf(x) == subjectOf(g)
	}) >= 0 {
		return tenant.ErrConflict
	}
	n := cloneClientGrant(g)
	if n.ID == "" {
		n.ID = newID("cgr_")
		g.ID = n.ID
	}
	s.clientGrants = append(s.clientGrants, n)
	return nil
}

func (s *Store) UpdateClientGrant(_ context.Context, g *tenant.ClientGrant) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.clientGrants, func(x *tenant.ClientGrant) bool { return x.ID == g.ID })
	if i < 0 {
		return tenant.ErrNotFound
	}
	s.clientGrants[i] = cloneClientGrant(g)
	return nil
}

func (s *Store) DeleteClientGrant(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.clientGrants, func(x *tenant.ClientGrant) bool { return x.ID == id })
	if i < 0 {
		return tenant.ErrNotFound
	}
	s.clientGrants = slices.Delete(s.clientGrants, i, i+1)
	return nil
}

// User grants

func (s *Store) GetUserGrant(_ context.Context, id string) (*tenant.UserGrant, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, ok := s.grantByID[id]
	if !ok {
		return nil, tenant.ErrNotFound
	}
	return cloneUserGrant(g), nil
}

func (s *Store) ListUserGrants(_ context.Context, f tenant.UserGrantFilter) ([]*tenant.UserGrant, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if f.UserID != "" && f.ClientID != "" && f.Audience != "" {
		if g, ok := s.grantByKey[grantKey{f.UserID, f.ClientID, f.Audience}]; ok {
			return []*tenant.UserGrant{cloneUserGrant(g)}, nil
		}
		return nil, nil
	}
	var out []*tenant.UserGrant
	for _, g := range s.userGrants {
		if (f.UserID == "" || g.UserID == f.UserID) && (f.ClientID == "" || g.ClientID == f.ClientID) &&
			(f.Audience == "" || g.Audience == f.Audience) {
			out = append(out, cloneUserGrant(g))
		}
	}
	return out, nil
}

func (s *Store) MergeUserGrant(_ context.Context, userID, clientID, audience string, scopes []string) (*tenant.UserGrant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.grantByKey[grantKey{userID, clientID, audience}]
	if !ok {
		g = &tenant.UserGrant{ID: newID(""), UserID: userID, ClientID: clientID, Audience: audience}
		s.userGrants = append(s.userGrants, g)
		s.indexGrant(g)
	}
	for _, sc := range scopes {
		if !slices.Contains(g.Scope, sc) {
			g.Scope = append(g.Scope, sc)
		}
	}
	return cloneUserGrant(g), nil
}

func (s *Store) DeleteUserGrant(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.userGrants, func(x *tenant.UserGrant) bool { return x.ID == id })
	if i < 0 {
		return tenant.ErrNotFound
	}
	s.userGrants = slices.Delete(s.userGrants, i, i+1)
	s.reindexGrants()
	maps.DeleteFunc(s.refresh, func(_ string, t *tenant.RefreshToken) bool { return t.GrantID == id })
	return nil
}

// Settings

func (s *Store) GetSettings(context.Context) (tenant.Settings, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return cloneSettings(s.settings), nil
}

func cloneSettings(st tenant.Settings) tenant.Settings {
	st.Flags.EnableClientConnections = clonePtr(st.Flags.EnableClientConnections)
	return st
}

func (s *Store) UpdateSettings(_ context.Context, st tenant.Settings) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings = cloneSettings(st)
	return nil
}

// Refresh tokens

func cloneRefresh(t *tenant.RefreshToken) *tenant.RefreshToken {
	n := *t
	n.Scope = slices.Clone(t.Scope)
	n.LeewayTo = slices.Clone(t.LeewayTo)
	return &n
}

func (s *Store) SaveRefreshToken(_ context.Context, t *tenant.RefreshToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh[t.ID] = cloneRefresh(t)
	return nil
}

func (s *Store) GetRefreshToken(_ context.Context, id string) (*tenant.RefreshToken, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.refresh[id]
	if !ok {
		return nil, tenant.ErrNotFound
	}
	return cloneRefresh(t), nil
}

func (s *Store) DeleteRefreshToken(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.refresh[id]; !ok {
		return tenant.ErrNotFound
	}
	delete(s.refresh, id)
	return nil
}

func (s *Store) UpdateRefreshToken(_ context.Context, t *tenant.RefreshToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.refresh[t.ID]; !ok {
		return tenant.ErrNotFound
	}
	s.refresh[t.ID] = cloneRefresh(t)
	return nil
}

func (s *Store) SpendRefreshToken(_ context.Context, marker, next *tenant.RefreshToken) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.refresh[marker.ID]
	switch {
	case !ok:
		return tenant.ErrNotFound
	case cur.Spent():
		return tenant.ErrConflict
	}
	s.refresh[marker.ID] = cloneRefresh(marker)
	s.refresh[next.ID] = cloneRefresh(next)
	return nil
}

func (s *Store) DeleteRefreshTokenFamily(_ context.Context, family string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	maps.DeleteFunc(s.refresh, func(_ string, t *tenant.RefreshToken) bool { return t.Family() == family })
	return nil
}

func (s *Store) DeleteRefreshTokensOf(_ context.Context, userID, clientID, audience string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.refresh)
	maps.DeleteFunc(s.refresh, func(_ string, t *tenant.RefreshToken) bool {
		return t.UserID == userID && t.ClientID == clientID && t.Audience == audience
	})
	return n - len(s.refresh), nil
}

// Keys

func (s *Store) SigningKeys(context.Context) ([]tenant.SigningKey, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]tenant.SigningKey, len(s.keys))
	for i, k := range s.keys {
		k.PEM = slices.Clone(k.PEM)
		out[i] = k
	}
	return out, nil
}

func (s *Store) AddSigningKey(_ context.Context, k tenant.SigningKey) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.ContainsFunc(s.keys, func(x tenant.SigningKey) bool { return x.KID == k.KID }) {
		return tenant.ErrConflict
	}
	k.PEM = slices.Clone(k.PEM)
	s.keys = append(s.keys, k)
	return nil
}

// Update funcs.

// errIDChanged is a programming error: an Update func's fn changed the key
// the object is stored under.
var errIDChanged = errors.New("memstore: an update func changed the object's ID")

// updateFunc is the compare-and-swap loop behind the Update...Func methods:
// fn runs on a copy with no lock held (so it may read the store), and its
// result is stored only if the stored object is still the one fn saw. load
// returns a copy of the stored object; swap stores next if the object is
// still seen and reports whether it did. Both run under the lock.
func updateFunc[T any](ctx context.Context, s *Store, clone func(*T) *T, load func() (*T, error), fn func(*T) error, swap func(seen, next *T) (bool, error)) (*T, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s.mu.RLock()
		seen, err := load()
		s.mu.RUnlock()
		if err != nil {
			return nil, err
		}
		next := clone(seen)
		if err := fn(next); err != nil {
			return nil, err
		}
		s.mu.Lock()
		ok, err := swap(seen, next)
		s.mu.Unlock()
		if err != nil {
			return nil, err
		}
		if ok {
			return clone(next), nil
		}
	}
}

func (s *Store) UpdateClientFunc(ctx context.Context, id string, fn func(*tenant.Client) error) (*tenant.Client, error) {
	match := func(c *tenant.Client) bool { return c.ClientID == id }
	return updateFunc(ctx, s, cloneClient, func() (*tenant.Client, error) {
		i := find(s.clients, match)
		if i < 0 {
			return nil, tenant.ErrNotFound
		}
		return cloneClient(s.clients[i]), nil
	}, fn, func(seen, next *tenant.Client) (bool, error) {
		if next.ClientID != id {
			return false, errIDChanged
		}
		i := find(s.clients, match)
		if i < 0 {
			return false, tenant.ErrNotFound
		}
		if !reflect.DeepEqual(s.clients[i], seen) {
			return false, nil
		}
		s.clients[i] = cloneClient(next)
		return true, nil
	})
}

func (s *Store) UpdateAPIFunc(ctx context.Context, id string, fn func(*tenant.API) error) (*tenant.API, error) {
	match := func(a *tenant.API) bool { return a.ID == id }
	return updateFunc(ctx, s, cloneAPI, func() (*tenant.API, error) {
		i := find(s.apis, match)
		if i < 0 {
			return nil, tenant.ErrNotFound
		}
		return cloneAPI(s.apis[i]), nil
	}, fn, func(seen, next *tenant.API) (bool, error) {
		if next.ID != id {
			return false, errIDChanged
		}
		i := find(s.apis, match)
		if i < 0 {
			return false, tenant.ErrNotFound
		}
		if !reflect.DeepEqual(s.apis[i], seen) {
			return false, nil
		}
		if find(s.apis, func(x *tenant.API) bool { return x.ID != id && x.Identifier == next.Identifier }) >= 0 {
			return false, tenant.ErrConflict
		}
		s.apis[i] = cloneAPI(next)
		return true, nil
	})
}

func (s *Store) UpdateConnectionFunc(ctx context.Context, id string, fn func(*tenant.Connection) error) (*tenant.Connection, error) {
	match := func(c *tenant.Connection) bool { return c.ID == id }
	return updateFunc(ctx, s, cloneConnection, func() (*tenant.Connection, error) {
		i := find(s.connections, match)
		if i < 0 {
			return nil, tenant.ErrNotFound
		}
		return cloneConnection(s.connections[i]), nil
	}, fn, func(seen, next *tenant.Connection) (bool, error) {
		if next.ID != id {
			return false, errIDChanged
		}
		i := find(s.connections, match)
		if i < 0 {
			return false, tenant.ErrNotFound
		}
		if !reflect.DeepEqual(s.connections[i], seen) {
			return false, nil
		}
		if find(s.connections, func(x *tenant.Connection) bool { return x.ID != id && x.Name == next.Name }) >= 0 {
			return false, tenant.ErrConflict
		}
		s.connections[i] = cloneConnection(next)
		return true, nil
	})
}

func (s *Store) UpdateClientGrantFunc(ctx context.Context, id string, fn func(*tenant.ClientGrant) error) (*tenant.ClientGrant, error) {
	match := func(g *tenant.ClientGrant) bool { return g.ID == id }
	return updateFunc(ctx, s, cloneClientGrant, func() (*tenant.ClientGrant, error) {
		i := find(s.clientGrants, match)
		if i < 0 {
			return nil, tenant.ErrNotFound
		}
		return cloneClientGrant(s.clientGrants[i]), nil
	}, fn, func(seen, next *tenant.ClientGrant) (bool, error) {
		if next.ID != id {
			return false, errIDChanged
		}
		i := find(s.clientGrants, match)
		if i < 0 {
			return false, tenant.ErrNotFound
		}
		if !reflect.DeepEqual(s.clientGrants[i], seen) {
			return false, nil
		}
		s.clientGrants[i] = cloneClientGrant(next)
		return true, nil
	})
}

func (s *Store) UpdateSettingsFunc(ctx context.Context, fn func(*tenant.Settings) error) (tenant.Settings, error) {
	clone := func(v *tenant.Settings) *tenant.Settings { n := cloneSettings(*v); return &n }
	got, err := updateFunc(ctx, s, clone, func() (*tenant.Settings, error) {
		return clone(&s.settings), nil
	}, fn, func(seen, next *tenant.Settings) (bool, error) {
		if !reflect.DeepEqual(s.settings, *seen) { // not !=: Settings may hold pointers
			return false, nil
		}
		s.settings = *next
		return true, nil
	})
	if err != nil {
		return tenant.Settings{}, err
	}
	return *got, nil
}

func (s *Store) AddSigningKeyIfAbsent(_ context.Context, k tenant.SigningKey) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.ContainsFunc(s.keys, func(x tenant.SigningKey) bool { return x.Alg == k.Alg }) {
		return false, nil
	}
	if slices.ContainsFunc(s.keys, func(x tenant.SigningKey) bool { return x.KID == k.KID }) {
		return false, tenant.ErrConflict
	}
	k.PEM = slices.Clone(k.PEM)
	s.keys = append(s.keys, k)
	return true, nil
}
