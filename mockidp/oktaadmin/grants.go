package oktaadmin

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/consentry/consentry/mockidp/okta"
)

// Users' per-scope consent grants (rule O6). Revoking answers 204; the
// next authorization asks for the scope again.

type grantView struct {
	*okta.Grant
	Links    map[string]any `json:"_links"`
	Embedded map[string]any `json:"_embedded,omitempty"`
}

// grantView renders a grant with the _links Okta gives it and, with
// expand=scope, the scope in _embedded.scope.
func (a *API) grantView(r *http.Request, u *okta.User, g *okta.Grant, expand bool) grantView {
	ctx := r.Context()
	b := a.base(r)
	serverTitle, scopeTitle := "", ""
	var scope *okta.Scope
	if s, err := a.store.GetAuthServer(ctx, g.ServerID); err == nil {
		serverTitle = s.Name
	}
	if sc, err := a.store.GetScope(ctx, g.ServerID, g.ScopeID); err == nil {
		scopeTitle, scope = sc.Name, sc
	}
	links := map[string]any{
		"authorizationServer": link{Href: b + "/api/v1/authorizationServers/" + g.ServerID, Title: serverTitle},
		"scope":               link{Href: b + "/api/v1/authorizationServers/" + g.ServerID + "/scopes/" + g.ScopeID, Title: scopeTitle},
		"self":                href(b+"/api/v1/users/"+g.UserID+"/grants/"+g.ID, "GET", "DELETE"),
		"user":                link{Href: b + "/api/v1/users/" + g.UserID, Title: u.FullName()},
	}
	if app, err := a.store.GetAppByClientID(ctx, g.ClientID); err == nil {
		links["app"] = link{Href: b + "/api/v1/apps/" + app.ID, Title: app.Label}
		links["client"] = link{Href: b + "/oauth2/v1/clients/" + g.ClientID, Title: app.Label}
	}
	v := grantView{Grant: g, Links: links}
	if expand && scope != nil {
		v.Embedded = map[string]any{"scope": a.scopeView(r, scope)}
	}
	return v
}

func (a *API) grantUser(r *http.Request) (*okta.User, error) {
	return a.user(r, chi.URLParam(r, "userID"))
}

func (a *API) writeGrants(w http.ResponseWriter, r *http.Request, u *okta.User, f okta.GrantFilter) error {
	f.UserID = u.ID
	list, err := a.store.ListGrants(r.Context(), f)
	if err != nil {
		return err
	}
	pg, err := page(w, r, a.base(r), list, func(x *okta.Grant) string { return x.ID }, 20, 200)
	if err != nil {
		return err
	}
	expand := r.URL.Query().Get("expand") == "scope"
	out := make([]grantView, len(pg))
	for i, g := range pg {
		out[i] = a.grantView(r, u, g, expand)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (a *API) listUserGrants(w http.ResponseWriter, r *http.Request) error {
	u, err := a.grantUser(r)
	if err != nil {
		return err
	}
	return a.writeGrants(w, r, u, okta.GrantFilter{ScopeID: r.URL.Query().Get("scopeId")})
}

func (a *API) revokeUserGrants(w http.ResponseWriter, r *http.Request) error {
	u, err := a.grantUser(r)
	if err != nil {
		return err
	}
	if _, err := a.store.DeleteGrants(r.Context(), okta.GrantFilter{UserID: u.ID}); err != nil {
		return err
	}
	return noContent(w)
}

// userGrant finds a grant of the path's user; another user's grant is a
// 404 like an unknown one.
func (a *API) userGrant(r *http.Request) (*okta.User, *okta.Grant, error) {
	u, err := a.grantUser(r)
	if err != nil {
		return nil, nil, err
	}
	id := chi.URLParam(r, "grantID")
	g, err := a.store.GetGrant(r.Context(), id)
	if err == nil && g.UserID != u.ID {
		err = okta.ErrNotFound
	}
	return u, g, storeErr(err, notFound(id, "OAuth2ScopeConsentGrant"), "")
}

func (a *API) getUserGrant(w http.ResponseWriter, r *http.Request) error {
	u, g, err := a.userGrant(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.grantView(r, u, g, r.URL.Query().Get("expand") == "scope"))
	return nil
}

func (a *API) revokeUserGrant(w http.ResponseWriter, r *http.Request) error {
	_, g, err := a.userGrant(r)
	if err != nil {
		return err
	}
	if err := a.store.DeleteGrant(r.Context(), g.ID); err != nil {
		return storeErr(err, notFound(g.ID, "OAuth2ScopeConsentGrant"), "")
	}
	return noContent(w)
}

func (a *API) listClientGrants(w http.ResponseWriter, r *http.Request) error {
	u, err := a.grantUser(r)
	if err != nil {
		return err
	}
	return a.writeGrants(w, r, u, okta.GrantFilter{ClientID: chi.URLParam(r, "clientID")})
}

func (a *API) revokeClientGrants(w http.ResponseWriter, r *http.Request) error {
	u, err := a.grantUser(r)
	if err != nil {
		return err
	}
	if _, err := a.store.DeleteGrants(r.Context(), okta.GrantFilter{UserID: u.ID, ClientID: chi.URLParam(r, "clientID")}); err != nil {
		return err
	}
	return noContent(w)
}

// clientView is an OAuth2Client of GET /api/v1/users/{id}/clients.
type clientView struct {
	ClientID   string         `json:"client_id"`
	ClientName string         `json:"client_name"`
	ClientURI  *string        `json:"client_uri"`
	LogoURI    *string        `json:"logo_uri"`
	Links      map[string]any `json:"_links"`
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// listUserClients lists the apps the user has grants for, in the order of
// their first grant.
func (a *API) listUserClients(w http.ResponseWriter, r *http.Request) error {
	u, err := a.grantUser(r)
	if err != nil {
		return err
	}
	grants, err := a.store.ListGrants(r.Context(), okta.GrantFilter{UserID: u.ID})
	if err != nil {
		return err
	}
	b := a.base(r)
	seen := map[string]bool{}
	out := []clientView{}
	for _, g := range grants {
		if seen[g.ClientID] {
			continue
		}
		seen[g.ClientID] = true
		c := clientView{ClientID: g.ClientID, ClientName: g.ClientID, Links: map[string]any{
			"grants": href(b + "/api/v1/users/" + u.ID + "/clients/" + g.ClientID + "/grants"),
			"tokens": href(b + "/api/v1/users/" + u.ID + "/clients/" + g.ClientID + "/tokens"),
		}}
		if app, err := a.store.GetAppByClientID(r.Context(), g.ClientID); err == nil {
			c.ClientName = app.Label
			c.ClientURI = nullable(app.Settings.OAuthClient.ClientURI)
			c.LogoURI = nullable(app.Settings.OAuthClient.LogoURI)
		}
		out = append(out, c)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
