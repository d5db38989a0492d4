package memstore

import (
	"context"
	"encoding/json"
	"maps"
	"slices"

	"github.com/consentry/consentry/mockidp/tenant"
)

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// cloneJSONObject deep-copies decoded JSON (maps, slices, scalars).
func cloneJSONObject(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneJSONValue(v)
	}
	return out
}

func cloneJSONValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return cloneJSONObject(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = cloneJSONValue(e)
		}
		return out
	case json.RawMessage:
		return slices.Clone(x)
	}
	return v
}

func cloneConnection(c *tenant.Connection) *tenant.Connection {
	n := *c
	n.Options = cloneJSONObject(c.Options)
	n.EnabledClients = slices.Clone(c.EnabledClients)
	n.Realms = slices.Clone(c.Realms)
	n.ShowAsButton = clonePtr(c.ShowAsButton)
	n.Metadata = maps.Clone(c.Metadata)
	return &n
}

// Connections

func (s *Store) GetConnection(_ context.Context, id string) (*tenant.Connection, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := find(s.connections, func(c *tenant.Connection) bool { return c.ID == id })
	if i < 0 {
		return nil, tenant.ErrNotFound
	}
	return cloneConnection(s.connections[i]), nil
}

func (s *Store) GetConnectionByName(_ context.Context, name string) (*tenant.Connection, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := find(s.connections, func(c *tenant.Connection) bool { return c.Name == name })
	if i < 0 {
		return nil, tenant.ErrNotFound
	}
	return cloneConnection(s.connections[i]), nil
}

func (s *Store) ListConnections(context.Context) ([]*tenant.Connection, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return cloneAll(s.connections, cloneConnection), nil
}

func (s *Store) CreateConnection(_ context.Context, c *tenant.Connection) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if find(s.connections, func(x *tenant.Connection) bool { return x.Name == c.Name || (c.ID != "" && x.ID == c.ID) }) >= 0 {
		return tenant.ErrConflict
	}
	n := cloneConnection(c)
	if n.ID == "" {
		n.ID = tenant.NewConnectionID()
		c.ID = n.ID
	}
	s.connections = append(s.connections, n)
	return nil
}

func (s *Store) UpdateConnection(_ context.Context, c *tenant.Connection) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.connections, func(x *tenant.Connection) bool { return x.ID == c.ID })
	if i < 0 {
		return tenant.ErrNotFound
	}
	if find(s.connections, func(x *tenant.Connection) bool { return x.ID != c.ID && x.Name == c.Name }) >= 0 {
		return tenant.ErrConflict
	}
	s.connections[i] = cloneConnection(c)
	return nil
}

func (s *Store) DeleteConnection(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := find(s.connections, func(x *tenant.Connection) bool { return x.ID == id })
	if i < 0 {
		return tenant.ErrNotFound
	}
	name := s.connections[i].Name
	s.connections = slices.Delete(s.connections, i, i+1)
	gone := map[string]bool{}
	s.users = slices.DeleteFunc(s.users, func(u *tenant.User) bool {
		if u.Connection == name {
			gone[u.UserID] = true
			return true
		}
		return false
	})
	s.userGrants = slices.DeleteFunc(s.userGrants, func(g *tenant.UserGrant) bool { return gone[g.UserID] })
	s.reindexGrants()
	maps.DeleteFunc(s.refresh, func(_ string, t *tenant.RefreshToken) bool { return gone[t.UserID] })
	return nil
}

// disableClientOnConnections removes a deleted client from every
// connection's enabled_clients. The caller holds s.mu.
func (s *Store) disableClientOnConnections(clientID string) {
	for _, c := range s.connections {
		c.EnabledClients = slices.DeleteFunc(c.EnabledClients, func(id string) bool { return id == clientID })
	}
}
