package oktaadmin

import (
	"context"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/consentry/consentry/mockidp/okta"
)

// Authorization servers.

type serverView struct {
	*okta.AuthServer
	Issuer      string         `json:"issuer"`
	Credentials map[string]any `json:"credentials"`
	Links       map[string]any `json:"_links"`
}

func (a *API) serverView(r *http.Request, s *okta.AuthServer) serverView {
	b := a.base(r)
	u := b + "/api/v1/authorizationServers/" + s.ID
	meta := b + "/oauth2/" + s.ID
	if s.Default {
		meta = b + "/oauth2/" + okta.DefaultServerName
	}
	links := map[string]any{
		"self":     href(u, "GET", "DELETE", "PUT"),
		"scopes":   href(u+"/scopes", "GET", "POST"),
		"policies": href(u+"/policies", "GET", "POST"),
		"claims":   href(u+"/claims", "GET", "POST"),
		"keys":     href(u+"/credentials/keys", "GET"),
		"metadata": []link{
			{Href: meta + "/.well-known/oauth-authorization-server", Title: "oauth-authorization-server", Hints: &linkHints{Allow: []string{"GET"}}},
			{Href: meta + "/.well-known/openid-configuration", Title: "openid-configuration", Hints: &linkHints{Allow: []string{"GET"}}},
		},
	}
	lifecycleLink(links, u, s.Status)
	return serverView{
		AuthServer:  s,
		Issuer:      s.Issuer(b),
		Credentials: map[string]any{"signing": map[string]string{"rotationMode": "AUTO", "use": "sig"}},
		Links:       links,
	}
}

func (a *API) serverByPath(r *http.Request) (*okta.AuthServer, error) {
	id := chi.URLParam(r, "serverID")
	s, err := a.store.GetAuthServer(r.Context(), id)
	return s, storeErr(err, notFound(id, "AuthorizationServer"), "")
}

func (a *API) listServers(w http.ResponseWriter, r *http.Request) error {
	all, err := a.store.ListAuthServers(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query().Get("q")
	var sel []*okta.AuthServer
	for _, s := range all {
		if matchQ(q, s.Name) {
			sel = append(sel, s)
		}
	}
	pg, err := page(w, r, a.base(r), sel, func(x *okta.AuthServer) string { return x.ID }, 200, 200)
	if err != nil {
		return err
	}
	out := make([]serverView, len(pg))
	for i, s := range pg {
		out[i] = a.serverView(r, s)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// createServer is 201 with the new server, which has Okta's system scopes
// and no access policy (only the org's default server comes with one).
func (a *API) createServer(w http.ResponseWriter, r *http.Request) error {
	var s okta.AuthServer
	if err := decode(r, &s); err != nil {
		return err
	}
	s.ID = a.newID(okta.PrefixAuthServer)
	s.Default = false
	if err := okta.ValidateServer(withServerDefaults(s)); err != nil {
		return fromValidation(err)
	}
	created, err := okta.CreateServer(r.Context(), a.idStore(), &s, a.stamp())
	if err != nil {
		return storeErr(fromValidation(err), nil, "name")
	}
	writeJSON(w, http.StatusCreated, a.serverView(r, created))
	return nil
}

func withServerDefaults(s okta.AuthServer) *okta.AuthServer {
	okta.ApplyServerDefaults(&s)
	return &s
}

func (a *API) getServer(w http.ResponseWriter, r *http.Request) error {
	s, err := a.serverByPath(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.serverView(r, s))
	return nil
}

// replaceServer changes name, description, audiences and issuerMode; id,
// status, default and the timestamps are read-only.
func (a *API) replaceServer(w http.ResponseWriter, r *http.Request) error {
	old, err := a.serverByPath(r)
	if err != nil {
		return err
	}
	var s okta.AuthServer
	if err := decode(r, &s); err != nil {
		return err
	}
	s.ID, s.Status, s.Default, s.Created = old.ID, old.Status, old.Default, old.Created
	s.LastUpdated = a.stamp()
	okta.ApplyServerDefaults(&s)
	if err := okta.ValidateServer(&s); err != nil {
		return fromValidation(err)
	}
	if err := a.store.UpdateAuthServer(r.Context(), &s); err != nil {
		return storeErr(err, notFound(s.ID, "AuthorizationServer"), "name")
	}
	writeJSON(w, http.StatusOK, a.serverView(r, &s))
	return nil
}

func (a *API) deleteServer(w http.ResponseWriter, r *http.Request) error {
	s, err := a.serverByPath(r)
	if err != nil {
		return err
	}
	if err := a.store.DeleteAuthServer(r.Context(), s.ID); err != nil {
		return storeErr(err, notFound(s.ID, "AuthorizationServer"), "")
	}
	return noContent(w)
}

func (a *API) serverLifecycle(status string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		s, err := a.serverByPath(r)
		if err != nil {
			return err
		}
		s.Status, s.LastUpdated = status, a.stamp()
		if err := a.store.UpdateAuthServer(r.Context(), s); err != nil {
			return storeErr(err, notFound(s.ID, "AuthorizationServer"), "")
		}
		return noContent(w)
	}
}

// Scopes (rule O2).

type scopeView struct {
	*okta.Scope
	APIResourceID *string        `json:"apiResourceId"`
	Links         map[string]any `json:"_links"`
}

func (a *API) scopeView(r *http.Request, sc *okta.Scope) scopeView {
	u := fmt.Sprintf("%s/api/v1/authorizationServers/%s/scopes/%s", a.base(r), sc.ServerID, sc.ID)
	return scopeView{Scope: sc, Links: map[string]any{"self": href(u, "GET", "PUT", "DELETE")}}
}

func (a *API) scopeByPath(r *http.Request) (*okta.AuthServer, *okta.Scope, error) {
	s, err := a.serverByPath(r)
	if err != nil {
		return nil, nil, err
	}
	id := chi.URLParam(r, "scopeID")
	sc, err := a.store.GetScope(r.Context(), s.ID, id)
	return s, sc, storeErr(err, notFound(id, "OAuth2Scope"), "")
}

func (a *API) listScopes(w http.ResponseWriter, r *http.Request) error {
	s, err := a.serverByPath(r)
	if err != nil {
		return err
	}
	all, err := a.store.ListScopes(r.Context(), s.ID)
	if err != nil {
		return storeErr(err, notFound(s.ID, "AuthorizationServer"), "")
	}
	q := r.URL.Query().Get("q")
	var sel []*okta.Scope
	for _, sc := range all {
		if matchQ(q, sc.Name) {
			sel = append(sel, sc)
		}
	}
	pg, err := page(w, r, a.base(r), sel, func(x *okta.Scope) string { return x.ID }, 200, 200)
	if err != nil {
		return err
	}
	out := make([]scopeView, len(pg))
	for i, sc := range pg {
		out[i] = a.scopeView(r, sc)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// createScope is 201; a scope created without consent is IMPLICIT.
// system cannot be set through the API.
func (a *API) createScope(w http.ResponseWriter, r *http.Request) error {
	s, err := a.serverByPath(r)
	if err != nil {
		return err
	}
	var sc okta.Scope
	if err := decode(r, &sc); err != nil {
		return err
	}
	sc.ID, sc.ServerID, sc.System = a.newID(okta.PrefixScope), s.ID, false
	okta.ApplyScopeDefaults(&sc)
	if err := okta.ValidateScope(&sc); err != nil {
		return fromValidation(err)
	}
	if err := a.store.CreateScope(r.Context(), &sc); err != nil {
		return storeErr(err, notFound(s.ID, "AuthorizationServer"), "name")
	}
	writeJSON(w, http.StatusCreated, a.scopeView(r, &sc))
	return nil
}

func (a *API) getScope(w http.ResponseWriter, r *http.Request) error {
	_, sc, err := a.scopeByPath(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.scopeView(r, sc))
	return nil
}

// replaceScope is a full replace with consent required (200). A system
// scope keeps its name and system flag.
func (a *API) replaceScope(w http.ResponseWriter, r *http.Request) error {
	_, old, err := a.scopeByPath(r)
	if err != nil {
		return err
	}
	var sc okta.Scope
	if err := decode(r, &sc); err != nil {
		return err
	}
	if sc.Consent == "" {
		return invalid("consent", "consent: The field cannot be left blank")
	}
	sc.ID, sc.ServerID, sc.System = old.ID, old.ServerID, old.System
	if old.System {
		if sc.Name != "" && sc.Name != old.Name {
			return invalid("name", "name: the name of a system scope cannot be changed")
		}
		sc.Name = old.Name
	}
	okta.ApplyScopeDefaults(&sc)
	if err := okta.ValidateScope(&sc); err != nil {
		return fromValidation(err)
	}
	if err := a.store.UpdateScope(r.Context(), &sc); err != nil {
		return storeErr(err, notFound(sc.ID, "OAuth2Scope"), "name")
	}
	writeJSON(w, http.StatusOK, a.scopeView(r, &sc))
	return nil
}

// deleteScope is 204 and takes the scope's grants with it. System scopes
// cannot be deleted (mock's choice of answer: 400 E0000001).
func (a *API) deleteScope(w http.ResponseWriter, r *http.Request) error {
	s, sc, err := a.scopeByPath(r)
	if err != nil {
		return err
	}
	if sc.System {
		return invalid("system", "system: system scopes cannot be deleted")
	}
	if err := a.store.DeleteScope(r.Context(), s.ID, sc.ID); err != nil {
		return storeErr(err, notFound(sc.ID, "OAuth2Scope"), "")
	}
	return noContent(w)
}

// idStore hands okta.CreateServer a store whose creates use the API's id
// generator, so that tests can pin ids.
func (a *API) idStore() okta.Store { return idStore{Store: a.store, newID: a.newID} }

type idStore struct {
	okta.Store
	newID func(string) string
}

func (s idStore) CreateScope(ctx context.Context, sc *okta.Scope) error {
	if sc.ID == "" {
		sc.ID = s.newID(okta.PrefixScope)
	}
	return s.Store.CreateScope(ctx, sc)
}
