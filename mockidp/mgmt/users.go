package mgmt

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/consentry/consentry/mockidp/tenant"
)

// userProvider is the identity provider of database-connection users; their
// user_id is "auth0|<id>".
const userProvider = "auth0"

// maxPasswordBytes is bcrypt's input limit.
const maxPasswordBytes = 72

// userView is a user as the API shows it. Passwords and hashes never leave
// the store.
type userView struct {
	UserID     string     `json:"user_id"`
	Email      string     `json:"email,omitempty"`
	Username   string     `json:"username,omitempty"`
	Name       string     `json:"name,omitempty"`
	Picture    string     `json:"picture,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	Identities []identity `json:"identities"`
}

type identity struct {
	Connection string `json:"connection"`
	UserID     string `json:"user_id"`
	Provider   string `json:"provider"`
	IsSocial   bool   `json:"isSocial"`
}

func newUserView(u *tenant.User) userView {
	provider, id, ok := strings.Cut(u.UserID, "|")
	if !ok {
		provider, id = userProvider, u.UserID
	}
	return userView{
		UserID: u.UserID, Email: u.Email, Username: u.Username, Name: u.Name, Picture: u.Picture,
		CreatedAt: u.CreatedAt, UpdatedAt: u.CreatedAt,
		Identities: []identity{{Connection: u.Connection, UserID: id, Provider: provider}},
	}
}

func userViews(us []*tenant.User) []userView {
	out := make([]userView, len(us))
	for i, u := range us {
		out[i] = newUserView(u)
	}
	return out
}

var (
	errUserExists     = newError(http.StatusConflict, codeUserExists, "The user already exists.")
	errUsernameExists = newError(http.StatusConflict, codeUserExists, "The username provided is in use already.")
)

func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	p, err := readPayload(r)
	if err != nil {
		return err
	}
	// email_verified and verify_email are taken (SDKs send them) but the
	// mock keeps no verification state.
	p.allow("connection", "email", "password", "name", "username", "picture", "user_id", "email_verified", "verify_email")
	p.require("connection", "email", "password")
	var u tenant.User
	var password, id string
	var ignored bool
	p.nonEmptyStr("connection", &u.Connection)
	p.str("email", &u.Email)
	p.nonEmptyStr("password", &password)
	p.str("name", &u.Name)
	p.nonEmptyStr("username", &u.Username)
	p.str("picture", &u.Picture)
	p.nonEmptyStr("user_id", &id)
	p.boolean("email_verified", &ignored)
	p.boolean("verify_email", &ignored)
	if p.err != nil {
		return p.err
	}
	if !validEmail(u.Email) {
		return errPayloadOn("email", "Object didn't pass validation for format email: "+u.Email)
	}
	if n := len(password); n > maxPasswordBytes {
		return errPayloadOn("password", fmt.Sprintf("String is too long (%d bytes), maximum %d", n, maxPasswordBytes))
	}
	if strings.Contains(id, "|") {
		return errPayloadOn("user_id", "Must not contain '|'")
	}
	ctx := r.Context()
	if err := a.userConnection(ctx, u.Connection); err != nil {
		return err
	}
	if found, err := a.store.FindUser(ctx, u.Email); err == nil && strings.EqualFold(found.Email, u.Email) {
		return errUserExists
	}
	if u.Username != "" {
		if _, err := a.store.FindUser(ctx, u.Username); err == nil {
			return errUsernameExists
		}
	}
	if id == "" {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	u.UserID = userProvider + "|" + id
	if u.Name == "" {
		u.Name = u.Email
	}
	u.CreatedAt = a.now().UTC().Truncate(time.Millisecond)
	if u.PasswordHash, err = a.hash(password); err != nil {
		return err
	}
	if err := a.store.CreateUser(ctx, &u); err != nil {
		return storeError(err, nil, errUserExists)
	}
	writeJSON(w, http.StatusCreated, newUserView(&u))
	return nil
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathParam(r, "id")
	if err != nil {
		return err
	}
	u, err := a.store.GetUser(r.Context(), id)
	if err != nil {
		return storeError(err, errUserNotFound, nil)
	}
	writeJSON(w, http.StatusOK, newUserView(u))
	return nil
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	pg, err := parsePaging(r.URL.Query())
	if err != nil {
		return err
	}
	terms, err := parseUserQuery(r.URL.Query().Get("q"))
	if err != nil {
		return err
	}
	all, err := a.store.ListUsers(r.Context())
	if err != nil {
		return err
	}
	if len(terms) > 0 {
		found := []*tenant.User{}
		for _, u := range all {
			if matchesUser(u, terms) {
				found = append(found, u)
			}
		}
		all = found
	}
	writePage(w, pg, "users", userViews(all), true)
	return nil
}

func (a *API) usersByEmail(w http.ResponseWriter, r *http.Request) error {
	email := r.URL.Query().Get("email")
	if email == "" {
		return newError(http.StatusBadRequest, codeInvalidQuery, "Query validation error: 'Missing required property: email'.")
	}
	all, err := a.store.ListUsers(r.Context())
	if err != nil {
		return err
	}
	out := []*tenant.User{}
	for _, u := range all {
		if strings.EqualFold(u.Email, email) {
			out = append(out, u)
		}
	}
	writeJSON(w, http.StatusOK, userViews(out))
	return nil
}

func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) error {
	id, err := pathParam(r, "id")
	if err != nil {
		return err
	}
	if err := a.store.DeleteUser(r.Context(), id); err != nil {
		return storeError(err, errUserNotFound, nil)
	}
	return noContent(w)
}
