package oktaadmin

import (
	"errors"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/go-chi/chi/v5"

	"github.com/consentry/consentry/mockidp/okta"
)

// userBody is what POST and PUT /api/v1/users take.
type userBody struct {
	Profile     okta.UserProfile `json:"profile"`
	Credentials *struct {
		Password *struct {
			Value string `json:"value"`
		} `json:"password"`
	} `json:"credentials"`
}

func (b *userBody) password() (string, bool) {
	if b.Credentials == nil || b.Credentials.Password == nil {
		return "", false
	}
	return b.Credentials.Password.Value, true
}

type userView struct {
	*okta.User
	Credentials map[string]any `json:"credentials"`
	Links       map[string]any `json:"_links"`
}

func (a *API) userView(r *http.Request, u *okta.User) userView {
	creds := map[string]any{"provider": map[string]string{"type": "OKTA", "name": "OKTA"}}
	if u.PasswordHash != "" {
		creds["password"] = map[string]any{}
	}
	return userView{User: u, Credentials: creds, Links: map[string]any{
		"self": href(a.base(r) + "/api/v1/users/" + u.ID),
	}}
}

// user finds a user by id or by login, as Okta's paths allow.
func (a *API) user(r *http.Request, idOrLogin string) (*okta.User, error) {
	u, err := a.store.GetUser(r.Context(), idOrLogin)
	if errors.Is(err, okta.ErrNotFound) {
		u, err = a.store.FindUser(r.Context(), idOrLogin)
	}
	return u, storeErr(err, notFound(idOrLogin, "User"), "")
}

// checkPassword applies Okta's default password policy in short: at least
// 8 characters with a lower-case letter, an upper-case letter and a digit,
// not containing the login's user part. Errors never quote the password.
func checkPassword(pw, login string) error {
	var lower, upper, digit bool
	for _, r := range pw {
		lower = lower || unicode.IsLower(r)
		upper = upper || unicode.IsUpper(r)
		digit = digit || unicode.IsDigit(r)
	}
	local, _, _ := strings.Cut(strings.ToLower(login), "@")
	if len(pw) < 8 || len(pw) > 72 || !lower || !upper || !digit || (len(local) >= 3 && strings.Contains(strings.ToLower(pw), local)) {
		return invalid("password", "password: Password requirements were not met. Password requirements: at least 8 characters, a lowercase letter, an uppercase letter, a number, no parts of your username.")
	}
	return nil
}

// setPassword checks pw against the password policy for u's login and
// stores its hash on u, changed at now.
func (a *API) setPassword(u *okta.User, pw string, now time.Time) error {
	if err := checkPassword(pw, u.Profile.Login); err != nil {
		return err
	}
	h, err := a.hash(pw)
	if err != nil {
		return err
	}
	u.PasswordHash = h
	u.PasswordChanged = &now
	return nil
}

// createUser is POST /api/v1/users?activate=true|false (activate defaults
// to true): with a password the new user is ACTIVE, without one
// PROVISIONED; activate=false makes a STAGED user.
func (a *API) createUser(w http.ResponseWriter, r *http.Request) error {
	var b userBody
	if err := decode(r, &b); err != nil {
		return err
	}
	now := a.stamp()
	u := &okta.User{ID: a.newID(okta.PrefixUser), Profile: b.Profile, Created: now, LastUpdated: now, Status: okta.UserStaged}
	if err := okta.ValidateUser(u); err != nil {
		return fromValidation(err)
	}
	pw, hasPW := b.password()
	if hasPW {
		if err := a.setPassword(u, pw, now); err != nil {
			return err
		}
	}
	if r.URL.Query().Get("activate") != "false" {
		u.Status = okta.UserProvisioned
		if hasPW {
			u.Status = okta.UserActive
		}
		u.Activated = &now
	}
	u.StatusChanged = &now
	if err := a.store.CreateUser(r.Context(), u); err != nil {
		return storeErr(err, nil, "login")
	}
	writeJSON(w, http.StatusOK, a.userView(r, u))
	return nil
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request) error {
	u, err := a.user(r, chi.URLParam(r, "userID"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.userView(r, u))
	return nil
}

// replaceUser (PUT) replaces the profile; updateUser (POST) changes only
// the profile properties the body names. Both may set a new password.
func (a *API) replaceUser(w http.ResponseWriter, r *http.Request) error {
	return a.saveUser(w, r, false)
}
func (a *API) updateUser(w http.ResponseWriter, r *http.Request) error { return a.saveUser(w, r, true) }

func (a *API) saveUser(w http.ResponseWriter, r *http.Request, partial bool) error {
	u, err := a.user(r, chi.URLParam(r, "userID"))
	if err != nil {
		return err
	}
	b := userBody{}
	if partial {
		b.Profile = u.Profile // the body's properties land on the current profile
	}
	if err := decode(r, &b); err != nil {
		return err
	}
	u.Profile = b.Profile
	if err := okta.ValidateUser(u); err != nil {
		return fromValidation(err)
	}
	now := a.stamp()
	if pw, ok := b.password(); ok {
		if err := a.setPassword(u, pw, now); err != nil {
			return err
		}
	}
	u.LastUpdated = now
	if err := a.store.UpdateUser(r.Context(), u); err != nil {
		return storeErr(err, notFound(u.ID, "User"), "login")
	}
	writeJSON(w, http.StatusOK, a.userView(r, u))
	return nil
}

// deleteUser deactivates an active user first, as Okta does; deleting a
// DEPROVISIONED user removes it with its assignments and grants.
func (a *API) deleteUser(w http.ResponseWriter, r *http.Request) error {
	u, err := a.user(r, chi.URLParam(r, "userID"))
	if err != nil {
		return err
	}
	if u.Status != okta.UserDeprovisioned {
		now := a.stamp()
		u.Status, u.StatusChanged, u.LastUpdated = okta.UserDeprovisioned, &now, now
		if err := a.store.UpdateUser(r.Context(), u); err != nil {
			return storeErr(err, notFound(u.ID, "User"), "")
		}
		return noContent(w)
	}
	if err := a.store.DeleteUser(r.Context(), u.ID); err != nil {
		return storeErr(err, notFound(u.ID, "User"), "")
	}
	return noContent(w)
}

func (a *API) userLifecycle(status string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		u, err := a.user(r, chi.URLParam(r, "userID"))
		if err != nil {
			return err
		}
		now := a.stamp()
		if status == okta.UserActive && u.Activated == nil {
			u.Activated = &now
		}
		u.Status, u.StatusChanged, u.LastUpdated = status, &now, now
		if err := a.store.UpdateUser(r.Context(), u); err != nil {
			return storeErr(err, notFound(u.ID, "User"), "")
		}
		writeJSON(w, http.StatusOK, struct{}{})
		return nil
	}
}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request) error {
	users, err := a.store.ListUsers(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	var sel []*okta.User
	for _, u := range users {
		if matchQ(q, u.Profile.Login, u.Profile.Email, u.Profile.FirstName, u.Profile.LastName) {
			sel = append(sel, u)
		}
	}
	pg, err := page(w, r, a.base(r), sel, func(x *okta.User) string { return x.ID }, 200, 200)
	if err != nil {
		return err
	}
	out := make([]userView, len(pg))
	for i, u := range pg {
		out[i] = a.userView(r, u)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
