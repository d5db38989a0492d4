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
	// Rotation (rule W4): FamilyID is the ID of the first token of the
	// login the token descends from (empty for that first token itself).
	// A token a rotating client has used stays as a spent marker: SpentAt
	// is when, RotatedTo the ID of the token that replaced it. A spent
	// token is never honoured again; its reuse revokes the family.
	FamilyID  string    `json:"family_id,omitempty"`
	SpentAt   time.Time `json:"spent_at,omitzero"`
	RotatedTo string    `json:"rotated_to,omitempty"`
	// Rotating marks a token issued to a client that rotated (Auth0's
	// "rotating" on a token): switching rotation off ends its family.
	Rotating bool `json:"rotating,omitempty"`
	// LeewayTo names the further successors of a spent token exchanged
	// again within the client's reuse leeway (siblings of RotatedTo).
	LeewayTo []string `json:"leeway_to,omitempty"`
	// Expiration (the client's refresh_token settings), stamped when the
	// token is issued, as Auth0 does (its Management API shows expires_at
	// and idle_expires_at on each token): ExpiresAt is the absolute end,
	// set on the first token of a family and kept by every rotation;
	// IdleExpiresAt is when the token expires unused, moved on by each
	// use; zero means never. LastExchangedAt is the last use.
	ExpiresAt       time.Time `json:"expires_at,omitzero"`
	IdleExpiresAt   time.Time `json:"idle_expires_at,omitzero"`
	LastExchangedAt time.Time `json:"last_exchanged_at,omitzero"`
}

// Spent reports whether the token was used up by rotation.
func (t *RefreshToken) Spent() bool { return !t.SpentAt.IsZero() }

// Family is the ID of the token's rotation family: the ID of its first
// token (its own ID for that first token, or for a non-rotating token).
func (t *RefreshToken) Family() string {
	if t.FamilyID != "" {
		return t.FamilyID
	}
	return t.ID
}

// Expired reports whether the token has passed its absolute or its idle
// expiry at now.
func (t *RefreshToken) Expired(now time.Time) bool {
	return (!t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt)) ||
		(!t.IdleExpiresAt.IsZero() && !now.Before(t.IdleExpiresAt))
}

// SigningKey is a tenant key in PEM form (PKCS#8), kept by the store so that
// keys survive a restart when the store is durable (rule J1).
type SigningKey struct {
	KID       string    `json:"kid"`
	Alg       string    `json:"alg"`
	PEM       []byte    `json:"pem"`
	CreatedAt time.Time `json:"created_at"`
}

// Update funcs. A read-modify-write through Get and Update loses one of two
// concurrent changes to the same object (two Management API PATCHes, say).
// The Update...Func methods do not: they read the object, call fn on a copy,
// and store the result only if the object did not change in between;
// otherwise they read it again and call fn again. So fn may be called more
// than once and must change nothing but its argument; it may read the store
// but must not write it. An error from fn is returned as is, and nothing is
// stored. fn must not change the object's ID. They return ErrNotFound when the
// object does not exist (or was deleted meanwhile) and the stored object on
// success.

// Store keeps one tenant. Every method is safe for concurrent use. Getters
// return copies: changing a returned value never changes the store.
// List methods return items in creation order.
type Store interface {
	GetClient(ctx context.Context, clientID string) (*Client, error)
	ListClients(ctx context.Context) ([]*Client, error)
	CreateClient(ctx context.Context, c *Client) error
	UpdateClient(ctx context.Context, c *Client) error
	// UpdateClientFunc changes one client atomically (see Update funcs).
	UpdateClientFunc(ctx context.Context, clientID string, fn func(*Client) error) (*Client, error)
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
	// UpdateAPIFunc changes one API atomically (see Update funcs); a new
	// identifier already in use is ErrConflict.
	UpdateAPIFunc(ctx context.Context, id string, fn func(*API) error) (*API, error)
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
	// UpdateClientGrantFunc changes one client grant atomically (see Update
	// funcs).
	UpdateClientGrantFunc(ctx context.Context, id string, fn func(*ClientGrant) error) (*ClientGrant, error)
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
	// UpdateConnectionFunc changes one connection atomically (see Update
	// funcs); a new name another connection has is ErrConflict.
	UpdateConnectionFunc(ctx context.Context, id string, fn func(*Connection) error) (*Connection, error)
	// DeleteConnection also removes the connection's users, with their
	// grants and refresh tokens.
	DeleteConnection(ctx context.Context, id string) error

	GetSettings(ctx context.Context) (Settings, error)
	UpdateSettings(ctx context.Context, s Settings) error
	// UpdateSettingsFunc changes the settings atomically (see Update funcs).
	UpdateSettingsFunc(ctx context.Context, fn func(*Settings) error) (Settings, error)

	SaveRefreshToken(ctx context.Context, t *RefreshToken) error
	GetRefreshToken(ctx context.Context, id string) (*RefreshToken, error)
	DeleteRefreshToken(ctx context.Context, id string) error
	// UpdateRefreshToken replaces a stored refresh token (a use moving its
	// idle expiry on); ErrNotFound when it is gone, so that a token revoked
	// meanwhile is never brought back.
	UpdateRefreshToken(ctx context.Context, t *RefreshToken) error
	// SpendRefreshToken records a rotation (rule W4) in one step: the live
	// token marker.ID is replaced by marker, its spent marker, and next,
	// its successor, is saved. ErrNotFound when the token is gone,
	// ErrConflict when it was already spent: of concurrent spends of one
	// token exactly one succeeds, and the others then read its marker.
	SpendRefreshToken(ctx context.Context, marker, next *RefreshToken) error
	// DeleteRefreshTokenFamily deletes every refresh token whose Family()
	// is family, spent markers included (reuse detection, W4).
	DeleteRefreshTokenFamily(ctx context.Context, family string) error
	// DeleteRefreshTokensOf deletes, in one step, every refresh token
	// issued to the user for the client and audience, whatever its family
	// or grant, spent markers included, and reports how many it deleted.
	// The fields match exactly: an empty audience matches only tokens
	// issued without one. Tokens of another user, client or audience stay.
	DeleteRefreshTokensOf(ctx context.Context, userID, clientID, audience string) (int, error)

	// SigningKeys returns the tenant's keys, oldest first.
	SigningKeys(ctx context.Context) ([]SigningKey, error)
	// AddSigningKey returns ErrConflict for a kid already stored.
	AddSigningKey(ctx context.Context, k SigningKey) error
	// AddSigningKeyIfAbsent stores k unless the store already holds a key of
	// k.Alg, and reports whether it stored k. Processes sharing one store
	// that race to create a tenant's first keys thus agree on one key per
	// algorithm: the losers read the winner's key instead.
	AddSigningKeyIfAbsent(ctx context.Context, k SigningKey) (bool, error)
}
