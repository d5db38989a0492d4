package tenant

import (
	"context"
	"crypto/rand"
	"errors"
	"regexp"
	"slices"
)

// StrategyAuth0 is the strategy of a database connection: the one kind of
// connection the mock logs users in with.
const StrategyAuth0 = "auth0"

// DefaultConnectionName is the database connection every new Auth0 tenant
// has.
const DefaultConnectionName = "Username-Password-Authentication"

// Strategies are the connection strategies Auth0's Management API takes.
// The mock stores connections of every strategy; only database connections
// (StrategyAuth0) hold users and log them in.
var Strategies = []string{
	"ad", "adfs", "amazon", "apple", "dropbox", "bitbucket", "auth0-oidc", StrategyAuth0, "baidu", "bitly", "box",
	"custom", "daccount", "dwolla", "email", "evernote-sandbox", "evernote", "exact", "facebook", "fitbit",
	"github", "google-apps", "google-oauth2", "instagram", "ip", "line", "linkedin", "oauth1", "oauth2",
	"office365", "oidc", "okta", "paypal", "paypal-sandbox", "pingfederate", "planningcenter",
	"salesforce-community", "salesforce-sandbox", "salesforce", "samlp", "sharepoint", "shopify", "shop", "sms",
	"soundcloud", "thirtysevensignals", "twitter", "untappd", "vkontakte", "waad", "weibo", "windowslive",
	"wordpress", "yahoo", "yandex",
}

// ConnectionNamePattern is Auth0's rule for connection names (at most 128
// characters).
const ConnectionNamePattern = `^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$`

var connectionName = regexp.MustCompile(ConnectionNamePattern)

// ValidConnectionName reports whether name is a valid connection name.
func ValidConnectionName(name string) bool {
	return len(name) <= 128 && connectionName.MatchString(name)
}

// Connection is a source of users (Auth0's connection). Users of a
// database connection (strategy auth0) belong to it by name; password-realm
// logins name it as the realm.
type Connection struct {
	// ID is "con_" and 16 letters and digits.
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name,omitempty"`
	Strategy    string `json:"strategy"`
	// Options is the strategy's options object as decoded JSON (numbers are
	// float64). Never nil once stored through the edges.
	Options map[string]any `json:"options"`
	// EnabledClients are the client_ids of the first-party clients that may
	// use the connection.
	EnabledClients []string `json:"enabled_clients"`
	// Realms are the realms the connection answers to; Auth0 gives a
	// connection created without any its name.
	Realms []string `json:"realms"`
	// IsDomainConnection promotes the connection to the tenant's domain, so
	// that third-party clients may use it.
	IsDomainConnection bool              `json:"is_domain_connection"`
	ShowAsButton       *bool             `json:"show_as_button,omitempty"`
	Metadata           map[string]string `json:"metadata,omitempty"`
}

// IsDatabase reports whether the connection holds users with passwords.
func (c *Connection) IsDatabase() bool { return c.Strategy == StrategyAuth0 }

// HasRealm reports whether a password-realm request naming realm means this
// connection: realm is its name or one of its realms.
func (c *Connection) HasRealm(realm string) bool {
	return realm != "" && (realm == c.Name || slices.Contains(c.Realms, realm))
}

// UsableBy reports whether client may log users in through the connection:
// a first-party client when the connection is enabled for it; a third-party
// client only when the connection is a domain connection, as Auth0 has it.
func (c *Connection) UsableBy(client *Client) bool {
	if !client.IsFirstParty {
		return c.IsDomainConnection
	}
	return slices.Contains(c.EnabledClients, client.ClientID)
}

// Errors of RealmConnection.
var (
	// ErrUnknownRealm: no database connection has the realm.
	ErrUnknownRealm = errors.New("no database connection has that name or realm")
	// ErrConnectionDisabled: the connection is not enabled for the client.
	ErrConnectionDisabled = errors.New("the connection is not enabled for the client")
)

// RealmConnection finds the database connection a password-realm request
// for client names as realm (by name first, then by realms) and checks that
// the client may use it. Errors: ErrUnknownRealm, ErrConnectionDisabled, or
// the store's error. A user logs in through it only when user.Connection is
// the connection's Name.
func RealmConnection(ctx context.Context, st Store, client *Client, realm string) (*Connection, error) {
	if realm == "" {
		return nil, ErrUnknownRealm
	}
	conn, err := st.GetConnectionByName(ctx, realm)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if conn == nil || !conn.IsDatabase() {
		all, err := st.ListConnections(ctx)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(all, func(c *Connection) bool { return c.IsDatabase() && c.HasRealm(realm) })
		if i < 0 {
			return nil, ErrUnknownRealm
		}
		conn = all[i]
	}
	if !conn.UsableBy(client) {
		return nil, ErrConnectionDisabled
	}
	return conn, nil
}

// DefaultConnection is the connection a new Auth0 tenant has, enabled for
// clientIDs. It is a domain connection here so that third-party clients
// keep logging users in, as they did before the mock modelled connections.
func DefaultConnection(clientIDs []string) *Connection {
	return &Connection{
		Name: DefaultConnectionName, Strategy: StrategyAuth0, Options: map[string]any{},
		EnabledClients: append([]string{}, clientIDs...), Realms: []string{DefaultConnectionName},
		IsDomainConnection: true,
	}
}

// EnsureDefaultConnection gives a tenant that has no connection at all
// Auth0's default one, enabled for every client it has, as a new Auth0
// tenant has it. It reports whether it created it.
func EnsureDefaultConnection(ctx context.Context, st Store) (bool, error) {
	conns, err := st.ListConnections(ctx)
	if err != nil || len(conns) > 0 {
		return false, err
	}
	clients, err := st.ListClients(ctx)
	if err != nil {
		return false, err
	}
	ids := make([]string, len(clients))
	for i, c := range clients {
		ids[i] = c.ClientID
	}
	if err := st.CreateConnection(ctx, DefaultConnection(ids)); err != nil && !errors.Is(err, ErrConflict) {
		return false, err
	}
	return true, nil
}

// NewConnectionID returns a new connection ID as Auth0 makes them: "con_"
// and 16 letters and digits. Every store assigns IDs with it.
func NewConnectionID() string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return "con_" + string(b)
}
