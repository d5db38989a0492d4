package tenant

import (
	"context"
	"errors"
	"time"
)

// Errors every Store returns, so callers can map them to HTTP statuses
// without knowing the backend.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("already exists")
)

// ClientGrantFilter selects client grants; empty fields match anything.
type ClientGrantFilter struct {
	ClientID    string
	Audience    string
	SubjectType string
}

// UserGrantFilter selects user grants; empty fields match anything.
type UserGrantFilter struct {
	UserID   string
	ClientID string
	Audience string
}

// RefreshToken is the server-side record of an issued refresh token. It names
// the user grant it was issued under, so revoking the grant (rule C9) stops it.
type RefreshToken struct {
	// ID is a SHA-256 digest of the token, never the token itself.
	ID        string    `json:"id"`
	ClientID  string    `json:"client_id"`
	UserID    string    `json:"user_id"`
	Audience  string    `json:"audience"`
	Scope     []string  `json:"scope"`
	GrantID   string    `json:"grant_id,omitempty"`
	AuthTime  time.Time `json:"auth_time"`
	CreatedAt time.Time `json:"created_at"`
}

// SigningKey is a tenant key in PEM form (PKCS#8), kept by the store so that
// keys survive a restart when the store is durable (rule J1).
type SigningKey struct {
	KID       string    `json:"kid"`
	Alg       string    `json:"alg"`
	PEM       []byte    `json:"pem"`
	CreatedAt time.Time `json:"created_at"`
}

// Store keeps one tenant. Every method is safe for concurrent use. Getters
// return copies: changing a returned value never changes the store.
// List methods return items in creation order.
type Store interface {
	GetClient(ctx context.Context, clientID string) (*Client, error)
	ListClients(ctx context.Context) ([]*Client, error)
	CreateClient(ctx context.Context, c *Client) error
	UpdateClient(ctx context.Context, c *Client) error
	// DeleteClient also removes the client's client grants, user grants and
	// refresh tokens, and the client from the enabled_clients of every
	// connection.
	DeleteClient(ctx context.Context, clientID string) error

	GetAPI(ctx context.Context, id string) (*API, error)
	GetAPIByIdentifier(ctx context.Context, identifier string) (*API, error)
	ListAPIs(ctx context.Context) ([]*API, error)
	// CreateAPI assigns an ID when a.ID is empty and writes it back; an
	// identifier already in use is ErrConflict (on UpdateAPI too).
	CreateAPI(ctx context.Context, a *API) error
	UpdateAPI(ctx context.Context, a *API) error
	// DeleteAPI also removes the client grants, user grants and refresh
	// tokens of the API's audience, so an API created again under the same
	// identifier inherits no consent.
	DeleteAPI(ctx context.Context, id string) error

	GetUser(ctx context.Context, userID string) (*User, error)
	// FindUser looks a user up by email or username (case-insensitive).
	FindUser(ctx context.Context, login string) (*User, error)
	ListUsers(ctx context.Context) ([]*User, error)
	// CreateUser returns ErrConflict when the ID, the email or the username
	// (case-insensitive) is taken.
	CreateUser(ctx context.Context, u *User) error
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUser also removes the user's grants and refresh tokens.
	DeleteUser(ctx context.Context, userID string) error

	GetClientGrant(ctx context.Context, id string) (*ClientGrant, error)
	ListClientGrants(ctx context.Context, f ClientGrantFilter) ([]*ClientGrant, error)
	// CreateClientGrant returns ErrConflict when the client already has a
	// grant of the same subject type for the audience (an empty subject type
	// means client); it assigns an ID when g.ID is empty and writes it back.
	CreateClientGrant(ctx context.Context, g *ClientGrant) error
	UpdateClientGrant(ctx context.Context, g *ClientGrant) error
	DeleteClientGrant(ctx context.Context, id string) error

	GetUserGrant(ctx context.Context, id string) (*UserGrant, error)
	ListUserGrants(ctx context.Context, f UserGrantFilter) ([]*UserGrant, error)
	// MergeUserGrant adds scopes to the grant of (user, client, audience),
	// creating it when there is none, and returns the grant as stored.
	MergeUserGrant(ctx context.Context, userID, clientID, audience string, scopes []string) (*UserGrant, error)
	// DeleteUserGrant removes a grant and the refresh tokens issued under it.
	DeleteUserGrant(ctx context.Context, id string) error

	GetConnection(ctx context.Context, id string) (*Connection, error)
	GetConnectionByName(ctx context.Context, name string) (*Connection, error)
	ListConnections(ctx context.Context) ([]*Connection, error)
	// CreateConnection assigns an ID ("con_" and 16 letters and digits) when
	// c.ID is empty and writes it back; a name or ID already in use is
	// ErrConflict.
	CreateConnection(ctx context.Context, c *Connection) error
	// UpdateConnection replaces the connection with c's ID; a name another
	// connection has is ErrConflict.
	UpdateConnection(ctx context.Context, c *Connection) error
	// DeleteConnection also removes the connection's users, with their
	// grants and refresh tokens.
	DeleteConnection(ctx context.Context, id string) error

	GetSettings(ctx context.Context) (Settings, error)
	UpdateSettings(ctx context.Context, s Settings) error

	SaveRefreshToken(ctx context.Context, t *RefreshToken) error
	GetRefreshToken(ctx context.Context, id string) (*RefreshToken, error)
	DeleteRefreshToken(ctx context.Context, id string) error

	// SigningKeys returns the tenant's keys, oldest first.
	SigningKeys(ctx context.Context) ([]SigningKey, error)
	// AddSigningKey returns ErrConflict for a kid already stored.
	AddSigningKey(ctx context.Context, k SigningKey) error
}
