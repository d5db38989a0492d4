// Package config reads the tenant file: a YAML description of one tenant
// (settings, clients, APIs, connections, users, client grants and user
// grants) that the
// mock IdP loads into a tenant.Store at start-up.
//
// Field names are exactly the JSON names of the tenant types, which are
// Auth0's, and decoding is strict: an unknown or misspelt field is an error.
// Defaults follow Auth0 (is_first_party true, strict mode and
// open_redirect_protection for third-party clients, grant types by app type,
// and so on) and every item is validated before anything is stored. Every
// error names the file, the item and the field:
//
//	demo.yaml: clients[2] "Partner App": client_id: a strict third-party client_id must start with "tpc_" (rule K2), got "partner"
//
// Users' passwords are written in plain text in the file and hashed with
// bcrypt by Apply (at the file's password_cost unless the caller sets one);
// they never appear in errors.
package config

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/consentry/consentry/mockidp/tenant"
)

// File is a parsed, validated tenant file with every default applied.
type File struct {
	// Name is the file's name as given to Load or Parse; errors start with it.
	Name string

	Settings tenant.Settings
	// APIs have their ID set only when the file gives one; the store
	// assigns the others.
	APIs    []*tenant.API
	Clients []*tenant.Client
	// Connections are the file's connections; a file without a
	// connections section gets Auth0's default database connection and
	// one for every other connection name its users give, each enabled
	// for every client of the file (see implicitConnections).
	Connections  []*tenant.Connection
	Users        []*User
	ClientGrants []*tenant.ClientGrant
	// Grants are user grants; UserID is resolved from the file's "user"
	// (an email) and ID is left to the store.
	Grants []*tenant.UserGrant
	// PasswordCost is the file's password_cost: the bcrypt cost of its
	// users' passwords when the command line sets none (0: not given). The
	// demo tenant sets the minimum, 4: its passwords are public anyway, and
	// hashing two passwords at cost 10 took most of the mock's start-up
	// (~140 ms of it on 2 cores; cost 4 takes about 1 ms each).
	PasswordCost int
}

// User is a user of the file. PasswordHash is empty until Apply hashes
// Password.
type User struct {
	tenant.User
	Password Password
}

// Password is a plain-text password from the file. It prints, logs and
// marshals as "[redacted]", so that it cannot leak by accident; Reveal
// returns the text.
type Password struct{ text string }

const redacted = "[redacted]"

// Reveal returns the password's text.
func (p Password) Reveal() string { return p.text }

// String returns "[redacted]".
func (p Password) String() string { return redacted }

// GoString returns "[redacted]", for %#v.
func (p Password) GoString() string { return redacted }

// MarshalJSON encodes the password as "[redacted]".
func (p Password) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// Load reads and parses the tenant file at path. Errors name the file by
// its base name.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		// The os error already names the path.
		return nil, fmt.Errorf("tenant file: %w", err)
	}
	return Parse(data, filepath.Base(path))
}

// Parse parses and validates a tenant file's contents; name is used in
// error messages. When the file has problems, the error is an Errors that
// lists every one of them.
func Parse(data []byte, name string) (*File, error) {
	p := &parser{file: name}
	f := p.parse(data)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return f, nil
}

// Apply stores the file's tenant in store, hashing the users' passwords at
// passwordCost (0 means the file's password_cost, else
// credentials.DefaultCost). It hashes every password
// before writing anything, so a bad cost leaves the store untouched; a
// store error midway (for instance a client_id the store already holds)
// leaves what was written so far.
func (f *File) Apply(ctx context.Context, store tenant.Store, passwordCost int) error {
	return apply(ctx, f, store, passwordCost)
}
