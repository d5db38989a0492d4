package mgmt

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/consentry/consentry/mockidp/tenant"
)

// Connections: /api/v2/connections with Auth0's shapes. Database
// connections (strategy auth0) hold the users; enabled_clients says which
// clients may use a connection. Connections of other strategies are stored
// and shown, and log nobody in.

const (
	codeInexistentConnection = "inexistent_connection"
	// maxEnabledClientsPatch is Auth0's limit per PATCH /connections/{id}/clients.
	maxEnabledClientsPatch = 50
	defaultTake            = 50
)

var (
	errConnectionNotFound = newError(http.StatusNotFound, codeInexistentConnection, "The connection does not exist")
	errConnectionExists   = newError(http.StatusConflict, codeConflict, "A connection with the same name already exists")

	connectionUpdateProps = []string{"display_name", "options", "enabled_clients", "is_domain_connection", "show_as_button", "realms", "metadata"}
	connectionCreateProps = append([]string{"name", "strategy"}, connectionUpdateProps...)
)

// connectionView is a connection as the API shows it: lists and options
// are never null.
func connectionView(c *tenant.Connection) *tenant.Connection {
	if c.Options == nil {
		c.Options = map[string]any{}
	}
	if c.EnabledClients == nil {
		c.EnabledClients = []string{}
	}
	if c.Realms == nil {
		c.Realms = []string{}
	}
	return c
}

// applyConnection sets the properties both create and update take.
func (a *API) applyConnection(ctx context.Context, p *payload, c *tenant.Connection) error {
	p.str("display_name", &c.DisplayName)
	decodeProp(p, "options", &c.Options, func(prop string, raw json.RawMessage) (map[string]any, error) {
		if isNull(raw) {
			return map[string]any{}, nil
		}
		if t := jsonType(raw); t != "object" {
			return nil, errType(prop, "object", t)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, errBadJSON
		}
		return m, nil
	})
	p.strs("enabled_clients", &c.EnabledClients)
	p.boolean("is_domain_connection", &c.IsDomainConnection)
	p.optBool("show_as_button", &c.ShowAsButton)
	p.strs("realms", &c.Realms)
	decodeProp(p, "metadata", &c.Metadata, decodeClientMetadata)
	if p.err != nil {
		return p.err
	}
	if len(c.Realms) == 0 {
		c.Realms = []string{c.Name}
	}
	for i, r := range c.Realms {
		if r == "" {
			return errPayloadOn("realms["+strconv.Itoa(i)+"]", "String is too short (0 chars), minimum 1")
		}
	}
	return a.checkEnabledClients(ctx, "enabled_clients", c.EnabledClients)
}

// checkEnabledClients refuses client_ids the tenant does not have.
func (a *API) checkEnabledClients(ctx context.Context, prop string, ids []string) error {
	for i, id := range ids {
		if _, err := a.store.GetClient(ctx, id); err != nil {
			return storeError(err, errPayloadOn(prop+"["+strconv.Itoa(i)+"]", "No client with client_id "+id), nil)
		}
	}
	return nil
}

func (a *API) listConnections(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var strategies []string
	for _, v := range q["strategy"] {
		for s := range strings.SplitSeq(v, ",") {
			if s != "" {
				strategies = append(strategies, s)
			}
		}
	}
	if err := checkEnum("strategy", strategies, tenant.Strategies...); err != nil {
		return newError(http.StatusBadRequest, codeInvalidQuery, strings.Replace(err.(*apiError).Message, "Payload", "Query", 1))
	}
	name := q.Get("name")
	all, err := a.store.ListConnections(r.Context())
	if err != nil {
		return err
	}
	out := make([]*tenant.Connection, 0, len(all))
	for _, c := range all {
		if (strategies == nil || slices.Contains(strategies, c.Strategy)) && (name == "" || c.Name == name) {
			out = append(out, connectionView(c))
		}
	}
	if q.Has("from") || q.Has("take") {
		return writeCheckpoint(w, q.Get("from"), q, "connections", out, func(c *tenant.Connection) string { return c.ID })
	}
	pg, err := parsePaging(q)
	if err != nil {
		return err
	}
	writePage(w, pg, "connections", out, false)
	return nil
}

// writeCheckpoint answers a checkpoint-paginated list: take items starting
// at the one whose id is from, under key, with next naming the first item
// of the following page (left out on the last page).
func writeCheckpoint[T any](w http.ResponseWriter, from string, q map[string][]string, key string, all []T, id func(T) string) error {
	take, err := queryInt(q, "take", defaultTake, 1, maxPerPage)
	if err != nil {
		return err
	}
	start := 0
	if from != "" {
		start = slices.IndexFunc(all, func(v T) bool { return id(v) == from })
		if start < 0 {
			return errQuery("from", "Invalid value for from: "+from)
		}
	}
	end := min(start+take, len(all))
	body := map[string]any{key: all[start:end]}
	if end < len(all) {
		body["next"] = id(all[end])
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func (a *API) loadConnection(r *http.Request) (*tenant.Connection, error) {
	id, err := pathParam(r, "id")
	if err != nil {
		return nil, err
	}
	c, err := a.store.GetConnection(r.Context(), id)
	if err != nil {
		return nil, storeError(err, errConnectionNotFound, nil)
	}
	return c, nil
}

func (a *API) getConnection(w http.ResponseWriter, r *http.Request) error {
	c, err := a.loadConnection(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, connectionView(c))
	return nil
}

func (a *API) createConnection(w http.ResponseWriter, r *http.Request) error {
	p, err := readPayload(r)
	if err != nil {
		return err
	}
	p.allow(connectionCreateProps...)
	p.require("name", "strategy")
	c := &tenant.Connection{Options: map[string]any{}, EnabledClients: []string{}}
	p.str("name", &c.Name)
	p.enum("strategy", &c.Strategy, tenant.Strategies...)
	if p.err != nil {
		return p.err
	}
	if !tenant.ValidConnectionName(c.Name) {
		if len(c.Name) > 128 {
			return errPayloadOn("name", "String is too long ("+strconv.Itoa(len(c.Name))+" chars), maximum 128")
		}
		return errPayloadOn("name", "String does not match pattern: "+tenant.ConnectionNamePattern)
	}
	if err := a.applyConnection(r.Context(), p, c); err != nil {
		return err
	}
	if err := a.store.CreateConnection(r.Context(), c); err != nil {
		return storeError(err, nil, errConnectionExists)
	}
	writeJSON(w, http.StatusCreated, connectionView(c))
	return nil
}

func (a *API) updateConnection(w http.ResponseWriter, r *http.Request) error {
	a.connMu.Lock()
	defer a.connMu.Unlock()
	current, err := a.loadConnection(r)
	if err != nil {
		return err
	}
	p, err := readPayload(r)
	if err != nil {
		return err
	}
	p.allow(connectionUpdateProps...)
	if p.err != nil {
		return p.err
	}
	// connMu serializes this process's updates; the store's compare-and-swap
	// those of replicas sharing the store.
	c, err := a.store.UpdateConnectionFunc(r.Context(), current.ID, func(c *tenant.Connection) error {
		return a.applyConnection(r.Context(), p, c)
	})
	if err != nil {
		return storeError(err, errConnectionNotFound, errConnectionExists)
	}
	writeJSON(w, http.StatusOK, connectionView(c))
	return nil
}

// deleteConnection removes the connection and its users. Auth0 answers 202:
// the deletion is accepted (here it is also done).
func (a *API) deleteConnection(w http.ResponseWriter, r *http.Request) error {
	id, err := pathParam(r, "id")
	if err != nil {
		return err
	}
	if err := a.store.DeleteConnection(r.Context(), id); err != nil {
		return storeError(err, errConnectionNotFound, nil)
	}
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// connectionClients answers GET /connections/{id}/clients: the enabled
// clients as {client_id} objects, checkpoint-paginated.
func (a *API) connectionClients(w http.ResponseWriter, r *http.Request) error {
	c, err := a.loadConnection(r)
	if err != nil {
		return err
	}
	type enabled struct {
		ClientID string `json:"client_id"`
	}
	items := make([]enabled, len(c.EnabledClients))
	for i, id := range c.EnabledClients {
		items[i] = enabled{id}
	}
	q := r.URL.Query()
	return writeCheckpoint(w, q.Get("from"), q, "clients", items, func(e enabled) string { return e.ClientID })
}

// updateConnectionClients answers PATCH /connections/{id}/clients: a list of
// {client_id, status} that enables (true) or disables (false) the
// connection for each client.
func (a *API) updateConnectionClients(w http.ResponseWriter, r *http.Request) error {
	a.connMu.Lock()
	defer a.connMu.Unlock()
	current, err := a.loadConnection(r)
	if err != nil {
		return err
	}
	raw, err := readRaw(r)
	if err != nil {
		return err
	}
	items, err := decodeArray("body", raw)
	if err != nil {
		return errPayload("Expected type array but found type " + jsonType(raw))
	}
	if len(items) > maxEnabledClientsPatch {
		return errPayload("Array is too long (" + strconv.Itoa(len(items)) + "), maximum " + strconv.Itoa(maxEnabledClientsPatch))
	}
	// Applied inside the store's compare-and-swap, so that replicas sharing
	// the store lose none of each other's changes either.
	_, err = a.store.UpdateConnectionFunc(r.Context(), current.ID, func(c *tenant.Connection) error {
		for i, item := range items {
			at := "[" + strconv.Itoa(i) + "]"
			m, err := decodeObject(at, item, "client_id", "status")
			if err != nil {
				return err
			}
			sub := &payload{props: m}
			sub.require("client_id", "status")
			var id string
			var status bool
			sub.nonEmptyStr("client_id", &id)
			sub.boolean("status", &status)
			if sub.err != nil {
				return prefixProp(sub.err, at)
			}
			if _, err := a.store.GetClient(r.Context(), id); err != nil {
				return storeError(err, errPayloadOn(at+".client_id", "No client with client_id "+id), nil)
			}
			has := slices.Contains(c.EnabledClients, id)
			switch {
			case status && !has:
				c.EnabledClients = append(c.EnabledClients, id)
			case !status && has:
				c.EnabledClients = slices.DeleteFunc(c.EnabledClients, func(x string) bool { return x == id })
			}
		}
		return nil
	})
	if err != nil {
		return storeError(err, errConnectionNotFound, nil)
	}
	return noContent(w)
}

// readRaw reads a JSON body of any type.
func readRaw(r *http.Request) (json.RawMessage, error) {
	data, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 || !json.Valid(data) {
		return nil, errBadJSON
	}
	return data, nil
}

// enableOnAllConnections enables a new client on every connection when the
// tenant's enable_client_connections flag is on (Auth0's default).
func (a *API) enableOnAllConnections(ctx context.Context, c *tenant.Client) error {
	a.connMu.Lock()
	defer a.connMu.Unlock()
	s, err := a.store.GetSettings(ctx)
	if err != nil {
		return err
	}
	if !s.Flags.ClientConnectionsEnabled() {
		return nil
	}
	conns, err := a.store.ListConnections(ctx)
	if err != nil {
		return err
	}
	for _, conn := range conns {
		if slices.Contains(conn.EnabledClients, c.ClientID) {
			continue
		}
		_, err := a.store.UpdateConnectionFunc(ctx, conn.ID, func(conn *tenant.Connection) error {
			if !slices.Contains(conn.EnabledClients, c.ClientID) {
				conn.EnabledClients = append(conn.EnabledClients, c.ClientID)
			}
			return nil
		})
		if err != nil && !errors.Is(err, tenant.ErrNotFound) {
			return err
		}
	}
	return nil
}

// userConnection checks the connection a new user is created in: it must
// exist and hold users (a database connection).
func (a *API) userConnection(ctx context.Context, name string) error {
	c, err := a.store.GetConnectionByName(ctx, name)
	if err != nil {
		return storeError(err, newError(http.StatusBadRequest, codeInexistentConnection, "The connection does not exist."), nil)
	}
	if !c.IsDatabase() {
		return newError(http.StatusBadRequest, codeOperationNotAllowed,
			"The connection does not support user creation through the API. It must either be a database or passwordless connection.")
	}
	return nil
}
