package okta

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/consentry/consentry/mockidp/oautherr"
)

// The store-facing steps of an authorization on a custom authorization
// server, so that the Okta face (its /oauth2/{id}/v1/authorize and token
// endpoints) is thin wiring: resolve the scopes (O8), check the assignment
// and the access policies (O9), read the user's grants and skips for the
// consent decision (consent.DecideOkta, O3), record the answer (O6).

// CheckAssignment refuses a user the app is not assigned to (O9).
func CheckAssignment(ctx context.Context, st Store, app *App, userID string) error {
	_, err := st.GetAppUser(ctx, app.ID, userID)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound):
		return ErrNotAssigned()
	}
	return err
}

// Authorize runs the checks every grant shares on server srv for app:
// the scopes resolve (O8), the user (empty for client credentials) is
// assigned to the app, and a policy rule covers the request (O9). It
// returns the resolved scopes and the rule that matched (its token
// lifetimes apply). A refusal is an *oautherr.Error; anything else is a
// store error.
func Authorize(ctx context.Context, st Store, srv *AuthServer, app *App, userID, grantType string, requested []string) ([]*Scope, *Rule, error) {
	all, err := st.ListScopes(ctx, srv.ID)
	if err != nil {
		return nil, nil, err
	}
	scopes, oerr := ResolveScopes(all, requested, grantType)
	if oerr != nil {
		return nil, nil, oerr
	}
	if userID != "" {
		if err := CheckAssignment(ctx, st, app, userID); err != nil {
			return nil, nil, err
		}
	}
	policies, err := st.ListPolicies(ctx, srv.ID)
	if err != nil {
		return nil, nil, err
	}
	rules := map[string][]*Rule{}
	for _, p := range policies {
		if rules[p.ID], err = st.ListRules(ctx, srv.ID, p.ID); err != nil {
			return nil, nil, err
		}
	}
	names := make([]string, len(scopes))
	for i, s := range scopes {
		names[i] = s.Name
	}
	_, rule, oerr := EvaluatePolicies(policies, rules, PolicyRequest{ClientID: app.ClientID(), GrantType: grantType, UserID: userID, Scopes: names})
	if oerr != nil {
		return nil, nil, oerr
	}
	return scopes, rule, nil
}

// ConsentState is what the user has said before to app on a server: the
// names of the scopes with an ACTIVE grant and of the optional ones they
// skipped (the consent decision's Granted and Skipped).
type ConsentState struct {
	Granted []string
	Skipped []string
}

// LoadConsentState reads the user's grants and skips for app on srv.
func LoadConsentState(ctx context.Context, st Store, srv *AuthServer, app *App, userID string) (ConsentState, error) {
	var cs ConsentState
	all, err := st.ListScopes(ctx, srv.ID)
	if err != nil {
		return cs, err
	}
	nameOf := make(map[string]string, len(all))
	for _, s := range all {
		nameOf[s.ID] = s.Name
	}
	grants, err := st.ListGrants(ctx, GrantFilter{UserID: userID, ClientID: app.ClientID(), ServerID: srv.ID})
	if err != nil {
		return cs, err
	}
	for _, g := range grants {
		if n, ok := nameOf[g.ScopeID]; ok && g.Status == GrantActive && !slices.Contains(cs.Granted, n) {
			cs.Granted = append(cs.Granted, n)
		}
	}
	skipped, err := st.SkippedScopes(ctx, userID, app.ClientID(), srv.ID)
	if err != nil {
		return cs, err
	}
	for _, id := range skipped {
		if n, ok := nameOf[id]; ok {
			cs.Skipped = append(cs.Skipped, n)
		}
	}
	slices.Sort(cs.Granted)
	slices.Sort(cs.Skipped)
	return cs, nil
}

// RecordConsent stores the user's answer on the consent page: one
// END_USER grant per granted scope (issuer is the server's issuer as the
// face serves it) and a skip per unticked optional scope.
func RecordConsent(ctx context.Context, st Store, srv *AuthServer, app *App, userID, issuer string, grant, skip []*Scope, now time.Time) error {
	now = now.UTC().Truncate(time.Millisecond)
	for _, s := range grant {
		g := &Grant{
			Status: GrantActive, Created: now, LastUpdated: now, CreatedBy: Actor{ID: userID, Type: "User"},
			ClientID: app.ClientID(), UserID: userID, ScopeID: s.ID, Issuer: issuer, Source: SourceEndUser, ServerID: srv.ID,
		}
		if _, err := st.SaveGrant(ctx, g); err != nil {
			return fmt.Errorf("grant of %s: %w", s.Name, err)
		}
	}
	if len(skip) == 0 {
		return nil
	}
	ids := make([]string, len(skip))
	for i, s := range skip {
		ids[i] = s.ID
	}
	return st.SkipScopes(ctx, userID, app.ClientID(), srv.ID, ids)
}

// AsOAuth returns err as an *oautherr.Error when it is one (a refusal).
func AsOAuth(err error) (*oautherr.Error, bool) {
	var e *oautherr.Error
	ok := errors.As(err, &e)
	return e, ok
}
