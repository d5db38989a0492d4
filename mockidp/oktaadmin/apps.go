package oktaadmin

import (
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/consentry/consentry/mockidp/okta"
)

// appView is an app as the Apps API shows it. The client secret is in
// create and update answers only (rule O1).
type appView struct {
	*okta.App
	Accessibility map[string]any `json:"accessibility"`
	Visibility    map[string]any `json:"visibility"`
	Features      []string       `json:"features"`
	Links         map[string]any `json:"_links"`
}

func (a *API) appView(r *http.Request, app *okta.App, withSecret bool) appView {
	c := *app
	if !withSecret {
		c.Credentials.OAuthClient.ClientSecret = ""
	}
	u := a.base(r) + "/api/v1/apps/" + app.ID
	links := map[string]any{
		"users":             href(u + "/users"),
		"groups":            href(u + "/groups"),
		"clientCredentials": []link{{Href: u + "/credentials/secrets", Title: "secrets"}},
	}
	if app.IsActive() {
		links["deactivate"] = href(u + "/lifecycle/deactivate")
	} else {
		links["activate"] = href(u + "/lifecycle/activate")
	}
	return appView{
		App:           &c,
		Accessibility: map[string]any{"selfService": false, "errorRedirectUrl": nil, "loginRedirectUrl": nil},
		Visibility:    map[string]any{"autoLaunch": false, "autoSubmitToolbar": false, "hide": map[string]bool{"iOS": true, "web": true}},
		Features:      []string{},
		Links:         links,
	}
}

func (a *API) appByPath(r *http.Request) (*okta.App, error) {
	id := chi.URLParam(r, "appID")
	app, err := a.store.GetApp(r.Context(), id)
	return app, storeErr(err, notFound(id, "AppInstance"), "")
}

// setSecret gives an app that authenticates with a secret the one it was
// given, else keep, else a new one; other apps have none.
func (a *API) setSecret(app *okta.App, keep string) {
	cr := &app.Credentials.OAuthClient
	switch {
	case !app.NeedsSecret():
		cr.ClientSecret = ""
	case cr.ClientSecret != "":
	case keep != "":
		cr.ClientSecret = keep
	default:
		cr.ClientSecret = a.newSecret()
	}
}

func (a *API) createApp(w http.ResponseWriter, r *http.Request) error {
	var app okta.App
	if err := decode(r, &app); err != nil {
		return err
	}
	app.ID = a.newID(okta.PrefixApp)
	app.Created = a.stamp()
	app.LastUpdated = app.Created
	app.Status = okta.StatusActive
	if r.URL.Query().Get("activate") == "false" {
		app.Status = okta.StatusInactive
	}
	okta.ApplyAppDefaults(&app)
	a.setSecret(&app, "")
	if err := okta.ValidateApp(&app); err != nil {
		return fromValidation(err)
	}
	if err := a.store.CreateApp(r.Context(), &app); err != nil {
		return storeErr(err, nil, "credentials.oauthClient.client_id")
	}
	writeJSON(w, http.StatusOK, a.appView(r, &app, true))
	return nil
}

func (a *API) getApp(w http.ResponseWriter, r *http.Request) error {
	app, err := a.appByPath(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.appView(r, app, false))
	return nil
}

// replaceApp is a full replace. id, created and status are read-only
// (status changes through the lifecycle calls); a body without
// client_secret keeps the secret.
func (a *API) replaceApp(w http.ResponseWriter, r *http.Request) error {
	old, err := a.appByPath(r)
	if err != nil {
		return err
	}
	var app okta.App
	if err := decode(r, &app); err != nil {
		return err
	}
	app.ID, app.Created, app.Status = old.ID, old.Created, old.Status
	app.LastUpdated = a.stamp()
	if app.Credentials.OAuthClient.ClientID == "" {
		app.Credentials.OAuthClient.ClientID = old.ClientID()
	}
	okta.ApplyAppDefaults(&app)
	a.setSecret(&app, old.Credentials.OAuthClient.ClientSecret)
	if err := okta.ValidateApp(&app); err != nil {
		return fromValidation(err)
	}
	if err := a.store.UpdateApp(r.Context(), &app); err != nil {
		return storeErr(err, notFound(app.ID, "AppInstance"), "credentials.oauthClient.client_id")
	}
	writeJSON(w, http.StatusOK, a.appView(r, &app, true))
	return nil
}

func (a *API) deleteApp(w http.ResponseWriter, r *http.Request) error {
	app, err := a.appByPath(r)
	if err != nil {
		return err
	}
	if app.IsActive() {
		return errDeleteActive
	}
	if err := a.store.DeleteApp(r.Context(), app.ID); err != nil {
		return storeErr(err, notFound(app.ID, "AppInstance"), "")
	}
	return noContent(w)
}

func (a *API) appLifecycle(status string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		app, err := a.appByPath(r)
		if err != nil {
			return err
		}
		if app.Status != status {
			app.Status = status
			app.LastUpdated = a.stamp()
			if err := a.store.UpdateApp(r.Context(), app); err != nil {
				return storeErr(err, notFound(app.ID, "AppInstance"), "")
			}
		}
		writeJSON(w, http.StatusOK, struct{}{})
		return nil
	}
}

// parseFilter reads Okta's simple filter expressions: `field eq "value"`
// joined by " and ".
func parseFilter(s string, fields ...string) (map[string]string, error) {
	out := map[string]string{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, " and ") {
		f := strings.Fields(strings.TrimSpace(part))
		if len(f) < 3 || f[1] != "eq" {
			return nil, invalid("filter", "filter: only `field eq \"value\"` expressions joined by and are supported")
		}
		key := f[0]
		val := strings.Trim(strings.Join(f[2:], " "), `"`)
		ok := false
		for _, k := range fields {
			ok = ok || k == key
		}
		if !ok {
			return nil, invalid("filter", "filter: unsupported field "+key+" (supported: "+strings.Join(fields, ", ")+")")
		}
		out[key] = val
	}
	return out, nil
}

func (a *API) listApps(w http.ResponseWriter, r *http.Request) error {
	filter, err := parseFilter(r.URL.Query().Get("filter"), "status", "name", "id", "credentials.oauthClient.client_id")
	if err != nil {
		return err
	}
	apps, err := a.store.ListApps(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	var sel []*okta.App
	for _, app := range apps {
		if !matchQ(q, app.Label, app.Name) {
			continue
		}
		if v, ok := filter["status"]; ok && app.Status != v {
			continue
		}
		if v, ok := filter["name"]; ok && app.Name != v {
			continue
		}
		if v, ok := filter["id"]; ok && app.ID != v {
			continue
		}
		if v, ok := filter["credentials.oauthClient.client_id"]; ok && app.ClientID() != v {
			continue
		}
		sel = append(sel, app)
	}
	pg, err := page(w, r, a.base(r), sel, func(x *okta.App) string { return x.ID }, 20, 200)
	if err != nil {
		return err
	}
	out := make([]appView, len(pg))
	for i, app := range pg {
		out[i] = a.appView(r, app, false)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// App user assignments.

type appUserView struct {
	*okta.AppUser
	ExternalID    *string        `json:"externalId"`
	StatusChanged any            `json:"statusChanged"`
	SyncState     string         `json:"syncState"`
	Profile       map[string]any `json:"profile"`
	Links         map[string]any `json:"_links"`
}

func (a *API) appUserView(r *http.Request, au *okta.AppUser) appUserView {
	b := a.base(r)
	return appUserView{
		AppUser: au, StatusChanged: au.Created, SyncState: "DISABLED", Profile: map[string]any{},
		Links: map[string]any{
			"app":  href(b + "/api/v1/apps/" + au.AppID),
			"user": href(b + "/api/v1/users/" + au.ID),
		},
	}
}

// assignUser is POST /api/v1/apps/{id}/users with {"id", "scope": "USER",
// "credentials": {"userName"}}: 200 with the assignment.
func (a *API) assignUser(w http.ResponseWriter, r *http.Request) error {
	app, err := a.appByPath(r)
	if err != nil {
		return err
	}
	var au okta.AppUser
	if err := decode(r, &au); err != nil {
		return err
	}
	if au.ID == "" {
		return invalid("id", "id: The field cannot be left blank")
	}
	return a.saveAssignment(w, r, app, &au)
}

func (a *API) updateAppUser(w http.ResponseWriter, r *http.Request) error {
	app, err := a.appByPath(r)
	if err != nil {
		return err
	}
	uid := chi.URLParam(r, "userID")
	if _, err := a.store.GetAppUser(r.Context(), app.ID, uid); err != nil {
		return storeErr(err, notFound(uid, "AppUser"), "")
	}
	var au okta.AppUser
	if err := decode(r, &au); err != nil {
		return err
	}
	au.ID = uid
	return a.saveAssignment(w, r, app, &au)
}

func (a *API) saveAssignment(w http.ResponseWriter, r *http.Request, app *okta.App, au *okta.AppUser) error {
	ctx := r.Context()
	u, err := a.user(r, au.ID)
	if err != nil {
		return err
	}
	au.ID = u.ID
	au.AppID = app.ID
	if au.Scope == "" {
		au.Scope = okta.AssignmentScopeUser
	}
	if au.Scope != okta.AssignmentScopeUser {
		return invalid("scope", "scope: only USER assignments are supported (the mock has no groups)")
	}
	if au.Credentials.UserName == "" {
		au.Credentials.UserName = u.Profile.Login
	}
	au.Status = okta.StatusActive
	now := a.stamp()
	if old, err := a.store.GetAppUser(ctx, app.ID, u.ID); err == nil {
		au.Created = old.Created
	} else {
		au.Created = now
	}
	au.LastUpdated = now
	if err := a.store.AssignUser(ctx, au); err != nil {
		return storeErr(err, notFound(au.ID, "User"), "")
	}
	writeJSON(w, http.StatusOK, a.appUserView(r, au))
	return nil
}

func (a *API) getAppUser(w http.ResponseWriter, r *http.Request) error {
	app, err := a.appByPath(r)
	if err != nil {
		return err
	}
	uid := chi.URLParam(r, "userID")
	au, err := a.store.GetAppUser(r.Context(), app.ID, uid)
	if err != nil {
		return storeErr(err, notFound(uid, "AppUser"), "")
	}
	writeJSON(w, http.StatusOK, a.appUserView(r, au))
	return nil
}

func (a *API) listAppUsers(w http.ResponseWriter, r *http.Request) error {
	app, err := a.appByPath(r)
	if err != nil {
		return err
	}
	list, err := a.store.ListAppUsers(r.Context(), app.ID)
	if err != nil {
		return storeErr(err, notFound(app.ID, "AppInstance"), "")
	}
	pg, err := page(w, r, a.base(r), list, func(x *okta.AppUser) string { return x.ID }, 50, 500)
	if err != nil {
		return err
	}
	out := make([]appUserView, len(pg))
	for i, au := range pg {
		out[i] = a.appUserView(r, au)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) unassignUser(w http.ResponseWriter, r *http.Request) error {
	app, err := a.appByPath(r)
	if err != nil {
		return err
	}
	uid := chi.URLParam(r, "userID")
	if err := a.store.UnassignUser(r.Context(), app.ID, uid); err != nil {
		return storeErr(err, notFound(uid, "AppUser"), "")
	}
	return noContent(w)
}
