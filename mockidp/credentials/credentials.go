// Package credentials hashes and checks the two kinds of secrets the mock IdP
// keeps: user passwords, which are low-entropy and so are stored as bcrypt
// hashes at a configurable cost, and client secrets, which are generated with
// 256 bits of entropy and so can be checked cheaply by comparing SHA-256
// digests in constant time. It also mints client IDs (rule K2).
package credentials

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// DefaultCost is the bcrypt cost used for user passwords unless configured
// otherwise. Tests and local runs may lower it (bcrypt.MinCost is 4).
const DefaultCost = 10

// Limits of the bcrypt cost accepted by HashPassword.
const (
	MinCost = bcrypt.MinCost
	MaxCost = bcrypt.MaxCost
)

// maxPasswordBytes is bcrypt's input limit: longer passwords would be
// silently truncated by older implementations and are refused by newer ones.
const maxPasswordBytes = 72

// Errors returned by HashPassword. They never contain the password.
var (
	ErrEmptyPassword   = errors.New("credentials: password is empty")
	ErrPasswordTooLong = fmt.Errorf("credentials: password is longer than %d bytes", maxPasswordBytes)
)

// HashPassword returns the bcrypt hash of pw at the given cost.
func HashPassword(pw string, cost int) (string, error) {
	if pw == "" {
		return "", ErrEmptyPassword
	}
	if len(pw) > maxPasswordBytes {
		return "", ErrPasswordTooLong
	}
	if cost < MinCost || cost > MaxCost {
		return "", fmt.Errorf("credentials: bcrypt cost %d out of range [%d, %d]", cost, MinCost, MaxCost)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), cost)
	if err != nil {
		// bcrypt's errors name the cost or length, never the password.
		return "", fmt.Errorf("credentials: hashing password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether pw matches the bcrypt hash. A malformed hash
// never matches.
func CheckPassword(hash, pw string) bool {
	if hash == "" || pw == "" {
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// secretBytes is the entropy of a generated client secret.
const secretBytes = 48

// GenerateSecret returns a new client secret: 48 random bytes, base64url
// without padding (64 characters).
func GenerateSecret() string {
	b := make([]byte, secretBytes)
	rand.Read(b) // never returns an error; crashes the program if randomness fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// SecretMatches reports whether presented equals the stored client secret.
// It compares SHA-256 digests in constant time, so neither the content nor
// the length of the stored secret leaks through timing. An empty stored
// secret (a public client) never matches.
func SecretMatches(stored, presented string) bool {
	if stored == "" {
		return false
	}
	a := sha256.Sum256([]byte(stored))
	b := sha256.Sum256([]byte(presented))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// StrictThirdPartyPrefix starts the client_id of every strict third-party
// client (rule K2).
const StrictThirdPartyPrefix = "tpc_"

const (
	clientIDLen      = 32
	clientIDAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// GenerateClientID returns a new client_id: 32 characters of [A-Za-z0-9],
// prefixed with "tpc_" for a strict third-party client (rule K2).
func GenerateClientID(strictThirdParty bool) string {
	out := make([]byte, 0, len(StrictThirdPartyPrefix)+clientIDLen)
	if strictThirdParty {
		out = append(out, StrictThirdPartyPrefix...)
	}
	// Rejection sampling keeps every character equally likely: bytes at or
	// above the largest multiple of the alphabet size are thrown away.
	const limit = 256 - 256%len(clientIDAlphabet)
	buf := make([]byte, clientIDLen)
	for n := 0; n < clientIDLen; {
		rand.Read(buf)
		for _, b := range buf {
			if int(b) >= limit || n == clientIDLen {
				continue
			}
			out = append(out, clientIDAlphabet[int(b)%len(clientIDAlphabet)])
			n++
		}
	}
	return string(out)
}
