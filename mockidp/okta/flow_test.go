package okta_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/consent"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/store/oktamem"
)

type org struct {
	st   *oktamem.Store
	srv  *okta.AuthServer
	app  *okta.App
	user *okta.User
}

func newOrg(t *testing.T) org {
	t.Helper()
	ctx := t.Context()
	st := oktamem.New()
	srv, err := okta.SeedOrg(ctx, st, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	app := &okta.App{Label: "ConsentWebApp", Status: okta.StatusActive}
	app.Settings.OAuthClient.RedirectURIs = []string{"https://app.example.com/cb"}
	app.Settings.OAuthClient.ConsentMethod = okta.ConsentRequired
	okta.ApplyAppDefaults(app)
	if err := st.CreateApp(ctx, app); err != nil {
		t.Fatal(err)
	}
	u := &okta.User{Status: okta.UserActive, Profile: okta.UserProfile{Login: "joe@example.com", Email: "joe@example.com", FirstName: "Joe", LastName: "Smith"}}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return org{st, srv, app, u}
}

func (o org) assign(t *testing.T) {
	t.Helper()
	if err := o.st.AssignUser(t.Context(), &okta.AppUser{AppID: o.app.ID, ID: o.user.ID, Scope: okta.AssignmentScopeUser}); err != nil {
		t.Fatal(err)
	}
}

func (o org) setConsent(t *testing.T, name, consentValue string, optional bool) {
	t.Helper()
	s, err := o.st.FindScope(t.Context(), o.srv.ID, name)
	if err != nil {
		t.Fatal(err)
	}
	s.Consent, s.Optional = consentValue, optional
	if err := o.st.UpdateScope(t.Context(), s); err != nil {
		t.Fatal(err)
	}
}

// decide runs what the face will run for one authorization request.
func (o org) decide(t *testing.T, prompt string, scopes ...string) (consent.OktaDecision, []*okta.Scope) {
	t.Helper()
	ctx := t.Context()
	resolved, _, err := okta.Authorize(ctx, o.st, o.srv, o.app, o.user.ID, okta.GrantAuthorizationCode, scopes)
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	state, err := okta.LoadConsentState(ctx, o.st, o.srv, o.app, o.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	p, perr := consent.ParseOktaPrompt(prompt)
	if perr != nil {
		t.Fatal(perr)
	}
	return consent.DecideOkta(consent.OktaFacts{ConsentMethod: o.app.Settings.OAuthClient.ConsentMethod, Prompt: p, Scopes: resolved, Granted: state.Granted, Skipped: state.Skipped}), resolved
}

func askNames(d consent.OktaDecision) []string {
	var out []string
	for _, s := range d.Ask {
		out = append(out, s.Name)
	}
	return out
}

func TestO9_NotAssignedUserIsRefused(t *testing.T) {
	o := newOrg(t)
	_, _, err := okta.Authorize(t.Context(), o.st, o.srv, o.app, o.user.ID, okta.GrantAuthorizationCode, []string{"openid"})
	e, ok := okta.AsOAuth(err)
	if !ok || e.Code != oautherr.CodeAccessDenied || e.Description != okta.DescNotAssigned {
		t.Fatalf("got %v", err)
	}
	o.assign(t)
	if _, _, err := okta.Authorize(t.Context(), o.st, o.srv, o.app, o.user.ID, okta.GrantAuthorizationCode, []string{"openid"}); err != nil {
		t.Errorf("assigned: %v", err)
	}
}

func TestO8_UnknownScopeComesBeforeThePolicy(t *testing.T) {
	o := newOrg(t)
	o.assign(t)
	_, _, err := okta.Authorize(t.Context(), o.st, o.srv, o.app, o.user.ID, okta.GrantAuthorizationCode, []string{"openid", "nope"})
	if e, ok := okta.AsOAuth(err); !ok || e.Code != oautherr.CodeInvalidScope {
		t.Fatalf("got %v", err)
	}
}

func TestO9_NoMatchingRuleIsPolicyEvaluationFailed(t *testing.T) {
	o := newOrg(t)
	o.assign(t)
	ctx := t.Context()
	pols, _ := o.st.ListPolicies(ctx, o.srv.ID)
	rules, _ := o.st.ListRules(ctx, o.srv.ID, pols[0].ID)
	rules[0].Conditions.Scopes.Include = []string{"openid"}
	if err := o.st.UpdateRule(ctx, rules[0]); err != nil {
		t.Fatal(err)
	}
	_, _, err := okta.Authorize(ctx, o.st, o.srv, o.app, o.user.ID, okta.GrantAuthorizationCode, []string{"openid", "phone"})
	if e, ok := okta.AsOAuth(err); !ok || e.Description != okta.DescNoMatchingPolicy {
		t.Fatalf("got %v", err)
	}
}

// TestO6_SeedStoryGrantsPerScopeRevocationAndSkips walks the seed's
// example through the store: phone REQUIRED is asked, granted, not asked
// again, asked again after its grant is revoked; an optional scope left
// unticked is skipped, left out of the token and not asked again without
// prompt=consent.
func TestO6_SeedStoryGrantsPerScopeRevocationAndSkips(t *testing.T) {
	o := newOrg(t)
	o.assign(t)
	ctx := t.Context()
	o.setConsent(t, "phone", okta.ScopeRequired, false)
	o.setConsent(t, "address", okta.ScopeFlexible, true)

	d, requested := o.decide(t, "", "openid", "phone", "address")
	if !d.Show || !slices.Equal(askNames(d), []string{"phone", "address"}) {
		t.Fatalf("first request: %+v", d)
	}
	ans, oerr := consent.AnswerOkta(d.Ask, true, nil) // address unticked
	if oerr != nil {
		t.Fatal(oerr)
	}
	issuer := o.srv.Issuer("https://org.example")
	if err := okta.RecordConsent(ctx, o.st, o.srv, o.app, o.user.ID, issuer, ans.Grant, ans.Skip, time.Now()); err != nil {
		t.Fatal(err)
	}
	state, _ := okta.LoadConsentState(ctx, o.st, o.srv, o.app, o.user.ID)
	if !slices.Equal(state.Granted, []string{"phone"}) || !slices.Equal(state.Skipped, []string{"address"}) {
		t.Fatalf("state %+v", state)
	}
	grants, _ := o.st.ListGrants(ctx, okta.GrantFilter{UserID: o.user.ID})
	if len(grants) != 1 || grants[0].Issuer != "https://org.example/oauth2/default" || grants[0].Source != okta.SourceEndUser || grants[0].CreatedBy.ID != o.user.ID {
		t.Errorf("grants %+v", grants)
	}
	if got := consent.OktaTokenScopes(requested, state.Skipped, state.Granted); !slices.Equal(got, []string{"openid", "phone"}) {
		t.Errorf("token scopes %v", got)
	}

	if d, _ := o.decide(t, "", "openid", "phone", "address"); d.Show {
		t.Errorf("second request asked again: %v", askNames(d))
	}
	if d, _ := o.decide(t, "consent", "openid", "phone", "address"); !d.Show || !slices.Equal(askNames(d), []string{"phone", "address"}) {
		t.Errorf("prompt=consent: %+v", d)
	}
	if d, _ := o.decide(t, "none", "openid", "phone", "address"); d.Err != nil || d.Show {
		t.Errorf("prompt=none with everything answered: %+v", d)
	}

	// Revoking the phone grant (what DELETE /api/v1/users/{id}/grants/{id} does).
	if err := o.st.DeleteGrant(ctx, grants[0].ID); err != nil {
		t.Fatal(err)
	}
	if d, _ := o.decide(t, "", "openid", "phone", "address"); !d.Show || !slices.Equal(askNames(d), []string{"phone"}) {
		t.Errorf("after revocation: %+v", d)
	}
	if d, _ := o.decide(t, "none", "openid", "phone"); d.Err == nil || d.Err.Code != oautherr.CodeConsentRequired {
		t.Errorf("prompt=none after revocation: %+v", d)
	}
}

// TestO4_SeedClientCredentialsPhoneRequiredThenFlexible is the seed's
// example for services: REQUIRED is refused with the exact message,
// FLEXIBLE goes through.
func TestO4_SeedClientCredentialsPhoneRequiredThenFlexible(t *testing.T) {
	o := newOrg(t)
	ctx := context.Background()
	svc := &okta.App{Label: "Service", Status: okta.StatusActive}
	svc.Settings.OAuthClient.ApplicationType = okta.AppService
	okta.ApplyAppDefaults(svc)
	if err := o.st.CreateApp(ctx, svc); err != nil {
		t.Fatal(err)
	}
	o.setConsent(t, "phone", okta.ScopeRequired, false)
	scopes, _, err := okta.Authorize(ctx, o.st, o.srv, svc, "", okta.GrantClientCredentials, []string{"phone"})
	if err != nil {
		t.Fatal(err)
	}
	e := consent.CheckOktaClientCredentials(scopes)
	if e == nil || e.Description != "The following scopes require user consent and cannot be granted for the client credentials grant type: [phone]." {
		t.Fatalf("REQUIRED: %v", e)
	}
	o.setConsent(t, "phone", okta.ScopeFlexible, false)
	scopes, _, _ = okta.Authorize(ctx, o.st, o.srv, svc, "", okta.GrantClientCredentials, []string{"phone"})
	if e := consent.CheckOktaClientCredentials(scopes); e != nil {
		t.Errorf("FLEXIBLE: %v", e)
	}
}
