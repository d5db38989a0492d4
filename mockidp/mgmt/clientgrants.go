package mgmt

import (
	"net/http"

	"github.com/consentry/consentry/mockidp/tenant"
)

// cgView is a client grant as the API shows it: the subject type is always
// named (a grant without one is for the client itself) and scope is never null.
func cgView(g *tenant.ClientGrant) *tenant.ClientGrant {
	if g.SubjectType == "" {
		g.SubjectType = tenant.SubjectClient
	}
	if g.Scope == nil {
		g.Scope = []string{}
	}
	return g
}

func (a *API) listClientGrants(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pg, err := parsePaging(q)
	if err != nil {
		return err
	}
	f := tenant.ClientGrantFilter{ClientID: q.Get("client_id"), Audience: q.Get("audience"), SubjectType: q.Get("subject_type")}
	if f.SubjectType != "" && f.SubjectType != tenant.SubjectClient && f.SubjectType != tenant.SubjectUser {
		return errQuery("subject_type", "No enum match for: "+f.SubjectType)
	}
	all, err := a.store.ListClientGrants(r.Context(), f)
	if err != nil {
		return err
	}
	for _, g := range all {
		cgView(g)
	}
	writePage(w, pg, "client_grants", all, false)
	return nil
}

func (a *API) loadClientGrant(r *http.Request) (*tenant.ClientGrant, error) {
	id, err := pathParam(r, "id")
	if err != nil {
		return nil, err
	}
	g, err := a.store.GetClientGrant(r.Context(), id)
	if err != nil {
		return nil, storeError(err, errClientGrantNotFound, nil)
	}
	return g, nil
}

func (a *API) getClientGrant(w http.ResponseWriter, r *http.Request) error {
	g, err := a.loadClientGrant(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cgView(g))
	return nil
}

func (a *API) createClientGrant(w http.ResponseWriter, r *http.Request) error {
	p, err := readPayload(r)
	if err != nil {
		return err
	}
	p.allow("client_id", "audience", "scope", "subject_type")
	p.require("client_id", "audience", "scope")
	g := &tenant.ClientGrant{SubjectType: tenant.SubjectClient}
	p.nonEmptyStr("client_id", &g.ClientID)
	p.nonEmptyStr("audience", &g.Audience)
	p.strs("scope", &g.Scope)
	p.enum("subject_type", &g.SubjectType, tenant.SubjectTypes...)
	if p.err != nil {
		return p.err
	}
	ctx := r.Context()
	if _, err := a.store.GetClient(ctx, g.ClientID); err != nil {
		return storeError(err, newError(http.StatusNotFound, codeInexistentClient, "Client not found"), nil)
	}
	if _, err := a.store.GetAPIByIdentifier(ctx, g.Audience); err != nil {
		return storeError(err, newError(http.StatusNotFound, codeInexistentRS, "No resource with identifier "+g.Audience), nil)
	}
	if err := a.store.CreateClientGrant(ctx, g); err != nil {
		return storeError(err, nil, newError(http.StatusConflict, codeConflict,
			"A client grant for this client, audience and subject type already exists"))
	}
	writeJSON(w, http.StatusCreated, cgView(g))
	return nil
}

func (a *API) updateClientGrant(w http.ResponseWriter, r *http.Request) error {
	current, err := a.loadClientGrant(r)
	if err != nil {
		return err
	}
	p, err := readPayload(r)
	if err != nil {
		return err
	}
	// Applied inside the store's compare-and-swap: concurrent PATCHes of one
	// grant both land.
	g, err := a.store.UpdateClientGrantFunc(r.Context(), current.ID, func(g *tenant.ClientGrant) error {
		p.allow("scope", "client_id", "audience", "subject_type")
		p.readOnly("client_id", "audience", "subject_type")
		p.strs("scope", &g.Scope)
		return p.err
	})
	if err != nil {
		return storeError(err, errClientGrantNotFound, nil)
	}
	writeJSON(w, http.StatusOK, cgView(g))
	return nil
}

func (a *API) deleteClientGrant(w http.ResponseWriter, r *http.Request) error {
	id, err := pathParam(r, "id")
	if err != nil {
		return err
	}
	if err := a.store.DeleteClientGrant(r.Context(), id); err != nil {
		return storeError(err, errClientGrantNotFound, nil)
	}
	return noContent(w)
}
