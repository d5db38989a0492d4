package config

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/consentry/consentry/mockidp/tenant"
)

// fileConnection is a connection as written in the file. enabled_clients
// left out means every client of the file (Auth0's enable_client_connections
// default); an empty list means none.
type fileConnection struct {
	ID                 string            `json:"id"`
	Name               string            `json:"name"`
	DisplayName        string            `json:"display_name"`
	Strategy           string            `json:"strategy"`
	Options            map[string]any    `json:"options"`
	EnabledClients     []string          `json:"enabled_clients"`
	Realms             []string          `json:"realms"`
	IsDomainConnection bool              `json:"is_domain_connection"`
	ShowAsButton       *bool             `json:"show_as_button"`
	Metadata           map[string]string `json:"metadata"`
}

func (p *parser) connections(raws []json.RawMessage, clients []*tenant.Client) []*tenant.Connection {
	var out []*tenant.Connection
	names, ids := map[string]bool{}, map[string]bool{}
	for i, raw := range raws {
		item := itemLabel("connections", i, peekName(raw, "name"))
		var fc fileConnection
		if !p.decodeItem(item, raw, &fc) {
			continue
		}
		c := &tenant.Connection{
			ID: fc.ID, Name: fc.Name, DisplayName: fc.DisplayName, Strategy: fc.Strategy, Options: fc.Options,
			EnabledClients: fc.EnabledClients, Realms: fc.Realms, IsDomainConnection: fc.IsDomainConnection,
			ShowAsButton: fc.ShowAsButton, Metadata: fc.Metadata,
		}
		switch {
		case c.Name == "":
			p.fail(item, "name", "is required")
		case !tenant.ValidConnectionName(c.Name):
			p.fail(item, "name", "%q must be letters, digits and single dashes, starting and ending with a letter or digit (at most 128)", c.Name)
		case names[c.Name]:
			p.fail(item, "name", "%q is already the name of another connection", c.Name)
		}
		names[c.Name] = true
		if c.ID != "" {
			if hasSpace(c.ID) {
				p.fail(item, "id", "%q must not contain spaces", c.ID)
			} else if ids[c.ID] {
				p.fail(item, "id", "%q is already the id of another connection", c.ID)
			}
			ids[c.ID] = true
		}
		if c.Strategy == "" {
			c.Strategy = tenant.StrategyAuth0
		} else if !slices.Contains(tenant.Strategies, c.Strategy) {
			p.fail(item, "strategy", "unknown strategy %q (database connections are %q)", c.Strategy, tenant.StrategyAuth0)
		}
		if c.Options == nil {
			c.Options = map[string]any{}
		}
		if c.EnabledClients == nil {
			c.EnabledClients = clientIDs(clients)
		}
		for j, id := range c.EnabledClients {
			p.checkClientRefField(item, fmt.Sprintf("enabled_clients[%d]", j), id)
		}
		if len(c.Realms) == 0 {
			c.Realms = []string{c.Name}
		}
		for j, r := range c.Realms {
			if r == "" || hasSpace(r) {
				p.fail(item, fmt.Sprintf("realms[%d]", j), "%q must be a non-empty word", r)
			}
		}
		out = append(out, c)
	}
	return out
}

func clientIDs(clients []*tenant.Client) []string {
	ids := make([]string, 0, len(clients))
	for _, c := range clients {
		ids = append(ids, c.ClientID)
	}
	return ids
}

func (p *parser) checkClientRefField(item, field, id string) {
	switch {
	case id == "":
		p.fail(item, field, "is empty")
	case p.clients[id] == nil:
		p.fail(item, field, "%q is not the client_id of a client in the file", id)
	}
}

// implicitConnections are the connections of a file without a connections
// section, so that files written before connections existed keep working:
// Auth0's default database connection, and a database connection for every
// other connection name the users give, each enabled for every client and
// promoted to a domain connection (so third-party clients may use it too).
func (p *parser) implicitConnections(clients []*tenant.Client, users []*User) []*tenant.Connection {
	ids := clientIDs(clients)
	out := []*tenant.Connection{tenant.DefaultConnection(ids)}
	for i, u := range users {
		if slices.ContainsFunc(out, func(c *tenant.Connection) bool { return c.Name == u.Connection }) {
			continue
		}
		if !tenant.ValidConnectionName(u.Connection) {
			p.fail(itemLabel("users", i, u.Email), "connection", "%q is not a valid connection name (letters, digits and single dashes)", u.Connection)
			continue
		}
		c := tenant.DefaultConnection(ids)
		c.Name, c.Realms = u.Connection, []string{u.Connection}
		out = append(out, c)
	}
	return out
}

// checkUserConnections refuses users whose connection is not a database
// connection of the file.
func (p *parser) checkUserConnections(users []*User, conns []*tenant.Connection) {
	for i, u := range users {
		j := slices.IndexFunc(conns, func(c *tenant.Connection) bool { return c.Name == u.Connection })
		item := itemLabel("users", i, u.Email)
		switch {
		case j < 0:
			var db []string
			for _, c := range conns {
				if c.IsDatabase() {
					db = append(db, c.Name)
				}
			}
			p.fail(item, "connection", "%q is not a connection in the file (its database connections: %s)", u.Connection, strings.Join(db, ", "))
		case !conns[j].IsDatabase():
			p.fail(item, "connection", "%q has strategy %s; users belong to a database connection (strategy %s)", u.Connection, conns[j].Strategy, tenant.StrategyAuth0)
		}
	}
}

// clientBrowser checks and completes the browser fields of a client (rules
// W1, W2, W4): origins, refresh_token (merged into Auth0's default),
// jwt_configuration and the enums.
func (p *parser) clientBrowser(item string, raw json.RawMessage, c *tenant.Client) {
	for _, l := range []struct {
		field   string
		origins *[]string
	}{{"allowed_origins", &c.AllowedOrigins}, {"web_origins", &c.WebOrigins}} {
		if *l.origins == nil {
			*l.origins = []string{}
		}
		for i, o := range *l.origins {
			if msg := tenant.OriginProblem(o); msg != "" {
				p.fail(item, fmt.Sprintf("%s[%d]", l.field, i), "%q %s", o, msg)
			}
		}
	}
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(raw, &fields) // decoded strictly already
	rt := tenant.DefaultRefreshToken()
	if r, ok := fields["refresh_token"]; ok && string(r) != "null" {
		_ = json.Unmarshal(r, &rt) // types checked by the strict decode
	}
	if field, msg := tenant.RefreshTokenProblem(rt); msg != "" {
		p.fail(item, "refresh_token."+field, "%s", msg)
	}
	c.RefreshToken = &rt
	jc := tenant.DefaultJWTConfiguration()
	if r, ok := fields["jwt_configuration"]; ok && string(r) != "null" {
		_ = json.Unmarshal(r, &jc)
	}
	if !slices.Contains(tenant.JWTAlgs, jc.Alg) {
		p.fail(item, "jwt_configuration.alg", "must be one of %s, not %q", strings.Join(tenant.JWTAlgs, ", "), jc.Alg)
	}
	c.JWTConfiguration = &jc
	for _, e := range []struct {
		field, value string
		allowed      []string
	}{
		{"organization_usage", c.OrganizationUsage, tenant.OrganizationUsages},
		{"organization_require_behavior", c.OrganizationRequireBehavior, tenant.OrganizationBehaviors},
	} {
		if e.value != "" && !slices.Contains(e.allowed, e.value) {
			p.fail(item, e.field, "must be one of %s, not %q", strings.Join(e.allowed, ", "), e.value)
		}
	}
	if c.CrossOriginLoc != "" {
		p.checkWebURL(item, "cross_origin_loc", c.CrossOriginLoc)
	}
	if c.InitiateLoginURI != "" && !strings.HasPrefix(c.InitiateLoginURI, "https://") {
		p.fail(item, "initiate_login_uri", "%q must be an https URL", c.InitiateLoginURI)
	}
	if len(c.ClientMetadata) > 10 {
		p.fail(item, "client_metadata", "has %d keys; Auth0 allows at most 10", len(c.ClientMetadata))
	}
}
