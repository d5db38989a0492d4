package tokens

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Actor is the RFC 8693 act claim: who acts for the subject, nested per hop.
type Actor struct {
	Sub string `json:"sub"`
	Act *Actor `json:"act,omitempty"`
}

// Depth counts the actors in the chain.
func (a *Actor) Depth() int {
	n := 0
	for ; a != nil; a = a.Act {
		n++
	}
	return n
}

// AccessClaims are the claims of an access token (rule J1).
type AccessClaims struct {
	jwt.RegisteredClaims
	AZP   string `json:"azp,omitempty"`
	Scope string `json:"scope,omitempty"`
	// GTY is Auth0's grant-type claim ("client-credentials", "password").
	GTY string `json:"gty,omitempty"`
	Act *Actor `json:"act,omitempty"`
}

// Scopes splits the scope claim.
func (c *AccessClaims) Scopes() []string { return strings.Fields(c.Scope) }

// IDClaims are the claims of an ID token.
type IDClaims struct {
	jwt.RegisteredClaims
	AZP           string `json:"azp,omitempty"`
	Nonce         string `json:"nonce,omitempty"`
	AuthTime      int64  `json:"auth_time,omitempty"`
	AtHash        string `json:"at_hash,omitempty"`
	CHash         string `json:"c_hash,omitempty"`
	Name          string `json:"name,omitempty"`
	Nickname      string `json:"nickname,omitempty"`
	Picture       string `json:"picture,omitempty"`
	Email         string `json:"email,omitempty"`
	EmailVerified *bool  `json:"email_verified,omitempty"`
}

// Issuer signs and verifies the tenant's tokens.
type Issuer struct {
	// URL is the issuer, ending with "/".
	URL  string
	Keys *Keys
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

func (i *Issuer) now() time.Time {
	if i.Now != nil {
		return i.Now()
	}
	return time.Now()
}

// Access is what an access token says.
type Access struct {
	Subject  string
	Audience []string
	ClientID string
	Scope    []string
	GTY      string
	Act      *Actor
	Lifetime time.Duration
	// Alg is the API's signing algorithm; RS256 when empty.
	Alg string
}

// Issued is a signed token with its ID and expiry.
type Issued struct {
	Token     string
	ID        string
	ExpiresAt time.Time
	// ExpiresIn is the lifetime in whole seconds, measured from the same
	// instant as the token's iat (the expires_in of a token response).
	ExpiresIn int
}

// AccessToken signs an access token.
func (i *Issuer) AccessToken(a Access) (Issued, error) {
	if a.Lifetime <= 0 {
		a.Lifetime = 24 * time.Hour
	}
	c := AccessClaims{
		RegisteredClaims: i.registered(a.Subject, a.Audience, a.Lifetime),
		AZP:              a.ClientID,
		Scope:            strings.Join(a.Scope, " "),
		GTY:              a.GTY,
		Act:              a.Act,
	}
	tok, err := i.sign(a.Alg, c)
	if err != nil {
		return Issued{}, err
	}
	return Issued{Token: tok, ID: c.ID, ExpiresAt: c.ExpiresAt.Time, ExpiresIn: int(a.Lifetime / time.Second)}, nil
}

// Identity is what an ID token says.
type Identity struct {
	Subject  string
	ClientID string
	Nonce    string
	AuthTime time.Time
	// AccessToken and Code, when set, are hashed into at_hash and c_hash.
	AccessToken, Code string
	Name, Nickname    string
	Picture, Email    string
	// Profile and EmailScope say which claim groups the scopes allow.
	Profile, EmailScope bool
	Lifetime            time.Duration
}

// IDToken signs an ID token (RS256: its audience is a client, not an API).
func (i *Issuer) IDToken(id Identity) (Issued, error) {
	if id.Lifetime <= 0 {
		id.Lifetime = 10 * time.Hour
	}
	c := IDClaims{
		RegisteredClaims: i.registered(id.Subject, []string{id.ClientID}, id.Lifetime),
		AZP:              id.ClientID,
		Nonce:            id.Nonce,
	}
	if !id.AuthTime.IsZero() {
		c.AuthTime = id.AuthTime.Unix()
	}
	if id.AccessToken != "" {
		c.AtHash = halfHash(id.AccessToken)
	}
	if id.Code != "" {
		c.CHash = halfHash(id.Code)
	}
	if id.Profile {
		c.Name, c.Nickname, c.Picture = id.Name, id.Nickname, id.Picture
	}
	if id.EmailScope && id.Email != "" {
		c.Email = id.Email
		verified := true
		c.EmailVerified = &verified
	}
	tok, err := i.sign(RS256, c)
	if err != nil {
		return Issued{}, err
	}
	return Issued{Token: tok, ID: c.ID, ExpiresAt: c.ExpiresAt.Time}, nil
}

// registered are the claims every token has: issued now (whole seconds),
// expiring after lifetime, with a fresh jti.
func (i *Issuer) registered(sub string, aud []string, lifetime time.Duration) jwt.RegisteredClaims {
	now := i.now().Truncate(time.Second)
	return jwt.RegisteredClaims{
		Issuer:    i.URL,
		Subject:   sub,
		Audience:  aud,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(lifetime)),
		ID:        RandomID(),
	}
}

// halfHash is the OIDC at_hash/c_hash: the left half of SHA-256, base64url.
func halfHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.RawURLEncoding.EncodeToString(sum[:16])
}

func (i *Issuer) sign(alg string, claims jwt.Claims) (string, error) {
	k, err := i.Keys.signer(alg)
	if err != nil {
		return "", err
	}
	var method jwt.SigningMethod = jwt.SigningMethodRS256
	if k.alg == ES256 {
		method = jwt.SigningMethodES256
	}
	t := jwt.NewWithClaims(method, claims)
	t.Header["kid"] = k.kid
	return t.SignedString(k.signer)
}

// ErrInvalidToken is returned (wrapped) for every token that fails
// verification; the wrapped text says why, for logs and error descriptions.
var ErrInvalidToken = errors.New("invalid token")

// VerifyAccess checks an access token's signature, issuer and expiry and,
// when audience is not empty, that it is one of the token's audiences.
func (i *Issuer) VerifyAccess(token, audience string) (*AccessClaims, error) {
	var c AccessClaims
	opts := []jwt.ParserOption{
		jwt.WithValidMethods([]string{RS256, ES256}),
		jwt.WithIssuer(i.URL),
		jwt.WithTimeFunc(i.now),
		jwt.WithExpirationRequired(),
	}
	if audience != "" {
		opts = append(opts, jwt.WithAudience(audience))
	}
	_, err := jwt.ParseWithClaims(token, &c, i.keyFunc, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	return &c, nil
}

func (i *Issuer) keyFunc(t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	k, ok := i.Keys.byID(kid)
	if !ok {
		return nil, fmt.Errorf("unknown kid %q", kid)
	}
	if t.Method.Alg() != k.alg {
		return nil, fmt.Errorf("algorithm %s does not match key %s", t.Method.Alg(), kid)
	}
	return k.signer.Public(), nil
}

// RandomID returns 128 random bits in hex: token IDs, codes, handles.
func RandomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// RandomToken returns 256 random bits, base64url: codes and refresh tokens.
func RandomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Digest is the SHA-256 of a bearer secret in hex, the form refresh tokens
// and codes are stored under so a store dump never holds usable tokens.
func Digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
