package mgmt

import (
	"net/http"

	"github.com/consentry/consentry/mockidp/tenant"
)

// User grants: what users consented to (rules C2, C9). Revoking one makes
// the next authorization ask for consent again; the store also drops the
// refresh tokens issued under it.

func grantView(g *tenant.UserGrant) *tenant.UserGrant {
	if g.Scope == nil {
		g.Scope = []string{}
	}
	return g
}

func (a *API) listGrants(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pg, err := parsePaging(q)
	if err != nil {
		return err
	}
	all, err := a.store.ListUserGrants(r.Context(), tenant.UserGrantFilter{
		UserID: q.Get("user_id"), ClientID: q.Get("client_id"), Audience: q.Get("audience"),
	})
	if err != nil {
		return err
	}
	for _, g := range all {
		grantView(g)
	}
	writePage(w, pg, "grants", all, false)
	return nil
}

func (a *API) deleteGrant(w http.ResponseWriter, r *http.Request) error {
	id, err := pathParam(r, "id")
	if err != nil {
		return err
	}
	if err := a.store.DeleteUserGrant(r.Context(), id); err != nil {
		return storeError(err, errGrantNotFound, nil)
	}
	return noContent(w)
}

// deleteGrantsByUser revokes every grant of the user named by ?user_id=.
func (a *API) deleteGrantsByUser(w http.ResponseWriter, r *http.Request) error {
	userID := r.URL.Query().Get("user_id")
	if userID == "" {
		return newError(http.StatusBadRequest, codeInvalidQuery, "Query validation error: 'Missing required property: user_id'.")
	}
	ctx := r.Context()
	grants, err := a.store.ListUserGrants(ctx, tenant.UserGrantFilter{UserID: userID})
	if err != nil {
		return err
	}
	for _, g := range grants {
		// A grant removed meanwhile is as good as removed by us.
		if err := a.store.DeleteUserGrant(ctx, g.ID); err != nil {
			if se := storeError(err, errGrantNotFound, nil); se != errGrantNotFound {
				return se
			}
		}
	}
	return noContent(w)
}
