package okta

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/oautherr"
)

func webApp() *App {
	a := &App{ID: "0oaweb0000000000000a", Label: "Web"}
	a.Settings.OAuthClient.RedirectURIs = []string{"https://app.example.com/cb"}
	return a
}

func causes(t *testing.T, err error) []FieldError {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error %v is not a ValidationError", err)
	}
	return ve.Causes
}

func hasCause(cs []FieldError, field string) bool {
	for _, c := range cs {
		if c.Field == field {
			return true
		}
	}
	return false
}

func TestO1_AppsAPIDefaultsToTrustedAndOktaShapes(t *testing.T) {
	a := webApp()
	ApplyAppDefaults(a)
	oc, cr := a.Settings.OAuthClient, a.Credentials.OAuthClient
	if oc.ConsentMethod != ConsentTrusted || a.Name != AppNameOIDC || a.SignOnMode != SignOnModeOIDC {
		t.Errorf("defaults: consent_method %q name %q signOnMode %q", oc.ConsentMethod, a.Name, a.SignOnMode)
	}
	if cr.ClientID != a.ID || cr.TokenEndpointAuthMethod != AuthSecretBasic || *cr.PKCERequired {
		t.Errorf("credentials defaults: %+v", cr)
	}
	if strings.Join(oc.GrantTypes, ",") != "authorization_code" || strings.Join(oc.ResponseTypes, ",") != "code" {
		t.Errorf("grant/response types: %v %v", oc.GrantTypes, oc.ResponseTypes)
	}
	if err := ValidateApp(a); err != nil {
		t.Fatalf("a default web app is invalid: %v", err)
	}
	if !a.NeedsSecret() {
		t.Error("a web app needs a secret")
	}
}

func TestO1_AppTypesAsOktaCreatesThem(t *testing.T) {
	b := &App{Label: "SPA"}
	b.Settings.OAuthClient.ApplicationType = AppBrowser
	b.Settings.OAuthClient.RedirectURIs = []string{"http://localhost:8080/cb"}
	ApplyAppDefaults(b)
	if b.Credentials.OAuthClient.TokenEndpointAuthMethod != AuthNone || !*b.Credentials.OAuthClient.PKCERequired || !b.IsPublic() {
		t.Errorf("browser app: %+v", b.Credentials.OAuthClient)
	}
	if err := ValidateApp(b); err != nil {
		t.Errorf("browser app invalid: %v", err)
	}
	s := &App{Label: "Service"}
	s.Settings.OAuthClient.ApplicationType = AppService
	ApplyAppDefaults(s)
	if strings.Join(s.Settings.OAuthClient.GrantTypes, ",") != GrantClientCredentials {
		t.Errorf("service grant types %v", s.Settings.OAuthClient.GrantTypes)
	}
	if err := ValidateApp(s); err != nil {
		t.Errorf("service app invalid: %v", err)
	}
	// A browser app with a secret method and a service app with none are refused.
	b.Credentials.OAuthClient.TokenEndpointAuthMethod = AuthSecretBasic
	if !hasCause(causes(t, ValidateApp(b)), "credentials.oauthClient.token_endpoint_auth_method") {
		t.Error("browser app with client_secret_basic accepted")
	}
	s.Settings.OAuthClient.GrantTypes = []string{GrantPassword}
	if !hasCause(causes(t, ValidateApp(s)), "settings.oauthClient.grant_types[0]") {
		t.Error("service app with the password grant accepted")
	}
}

func TestO1_ConsentMethodMustBeTrustedOrRequired(t *testing.T) {
	a := webApp()
	ApplyAppDefaults(a)
	a.Settings.OAuthClient.ConsentMethod = "ALWAYS"
	ve := &ValidationError{Causes: causes(t, ValidateApp(a))}
	if !hasCause(ve.Causes, "settings.oauthClient.consent_method") || ve.Summary() != "settings" {
		t.Errorf("causes %v summary %q", ve.Causes, ve.Summary())
	}
}

func TestO10_ValidationNamesEveryBadField(t *testing.T) {
	a := &App{Label: " "}
	a.Settings.OAuthClient.GrantTypes = []string{GrantImplicit}
	a.Settings.OAuthClient.ResponseTypes = []string{"code"}
	a.Credentials.OAuthClient.ClientID = "x"
	a.Credentials.OAuthClient.ClientSecret = "short"
	ApplyAppDefaults(a)
	cs := causes(t, ValidateApp(a))
	for _, f := range []string{"label", "settings.oauthClient.response_types", "settings.oauthClient.redirect_uris", "credentials.oauthClient.client_id", "credentials.oauthClient.client_secret"} {
		if !hasCause(cs, f) {
			t.Errorf("no cause for %s in %v", f, cs)
		}
	}
	for _, c := range cs {
		if strings.Contains(c.Msg, "short") {
			t.Errorf("a cause quotes the secret: %v", c)
		}
	}
}

func TestO10_RedirectURIsMatchExactly(t *testing.T) {
	a := webApp()
	a.Settings.OAuthClient.RedirectURIs = []string{"http://127.0.0.1:8080/cb", "https://app.example.com/cb"}
	for uri, want := range map[string]bool{
		"http://127.0.0.1:8080/cb":    true,
		"http://127.0.0.1:9999/cb":    false, // no loopback port exemption
		"https://app.example.com/cb/": false, // trailing slash
		"https://APP.example.com/cb":  false, // case-sensitive
		"":                            false,
	} {
		if got := a.MatchRedirectURI(uri); got != want {
			t.Errorf("MatchRedirectURI(%q) = %v, want %v", uri, got, want)
		}
	}
}

func TestO10_GrantTypeTheAppLacksIsUnauthorizedClient400(t *testing.T) {
	a := webApp()
	ApplyAppDefaults(a)
	if a.AllowsGrant(GrantClientCredentials) {
		t.Fatal("a default web app allows client_credentials")
	}
	e := ErrUnauthorizedClient(a)
	if e.Code != oautherr.CodeUnauthorizedClient || e.HTTPStatus() != http.StatusBadRequest ||
		e.Description != "The client is not authorized to use the provided grant type. Configured grant types: [authorization_code]." {
		t.Errorf("got %+v", e)
	}
}

func TestO2_ScopeCreatedWithoutConsentIsImplicit(t *testing.T) {
	sc := &Scope{Name: "orders:read"}
	ApplyScopeDefaults(sc)
	if sc.Consent != ScopeImplicit || sc.MetadataPublish != PublishNone || sc.Optional || sc.NeedsConsent() {
		t.Errorf("defaults: %+v", sc)
	}
	if err := ValidateScope(sc); err != nil {
		t.Error(err)
	}
	if sc.Label() != "orders:read" {
		t.Errorf("label without displayName %q", sc.Label())
	}
}

func TestO2_ScopeValidation(t *testing.T) {
	for name, sc := range map[string]*Scope{
		"name":            {Name: "okta.users.read", Consent: ScopeImplicit, MetadataPublish: PublishNone},
		"consent":         {Name: "a", Consent: "SOMETIMES", MetadataPublish: PublishNone},
		"metadataPublish": {Name: "a", Consent: ScopeImplicit, MetadataPublish: "SOME"},
		"consent ":        {Name: "openid", System: true, Consent: ScopeRequired, MetadataPublish: PublishAll},
	} {
		if !hasCause(causes(t, ValidateScope(sc)), strings.TrimSpace(name)) {
			t.Errorf("%s: not refused", name)
		}
	}
	for _, bad := range []string{"", "has space", `quo"te`, "*", "okta"} {
		if ValidateScope(&Scope{Name: bad, Consent: ScopeImplicit, MetadataPublish: PublishNone}) == nil {
			t.Errorf("scope name %q accepted", bad)
		}
	}
}

func TestO2_SystemScopesOfTheDefaultServer(t *testing.T) {
	scopes := NewSystemScopes("aus1")
	var names []string
	for _, s := range scopes {
		names = append(names, s.Name)
		if !s.System || s.Consent != ScopeImplicit || s.Optional || s.MetadataPublish != PublishAll || s.ServerID != "aus1" {
			t.Errorf("%s: %+v", s.Name, s)
		}
		if err := ValidateScope(s); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
	if got := strings.Join(names, " "); got != "openid profile email address phone offline_access device_sso" {
		t.Errorf("system scopes %q", got)
	}
	d := NewDefaultServer()
	if d.Issuer("https://org.example") != "https://org.example/oauth2/default" || d.Audience() != "api://default" {
		t.Errorf("default server issuer %q audience %q", d.Issuer("https://org.example"), d.Audience())
	}
	o := &AuthServer{ID: "aus2"}
	if o.Issuer("https://org.example") != "https://org.example/oauth2/aus2" {
		t.Errorf("custom server issuer %q", o.Issuer("https://org.example"))
	}
}

func TestO8_UnknownScopeIsInvalidScope(t *testing.T) {
	all := NewSystemScopes("aus1")
	_, err := ResolveScopes(all, []string{"openid", "orders:read"}, GrantAuthorizationCode)
	if err == nil || err.Code != oautherr.CodeInvalidScope || err.Description != "One or more scopes are not configured for the authorization server resource." {
		t.Fatalf("got %v", err)
	}
	got, err := ResolveScopes(all, []string{"openid", "phone", "openid"}, GrantAuthorizationCode)
	if err != nil || len(got) != 2 || got[1].Name != "phone" {
		t.Errorf("known scopes: %v %v", got, err)
	}
}

func TestO8_NoScopeMeansDefaultScopes(t *testing.T) {
	all := NewSystemScopes("aus1")
	if _, err := ResolveScopes(all, nil, GrantClientCredentials); err == nil || err.Description != DescNoDefaultScopes {
		t.Errorf("no default scopes: %v", err)
	}
	all[4].Default = true // phone
	got, err := ResolveScopes(all, nil, GrantClientCredentials)
	if err != nil || len(got) != 1 || got[0].Name != "phone" {
		t.Errorf("default scope: %v %v", got, err)
	}
	if _, err := ResolveScopes(all, []string{"openid"}, GrantClientCredentials); err == nil || err.Description != DescOpenIDForService {
		t.Errorf("openid with client credentials: %v", err)
	}
}

func TestO9_PolicyEvaluation(t *testing.T) {
	allow := func(id string, prio int, grants, scopes []string, people People) *Rule {
		return &Rule{ID: id, Priority: prio, Status: StatusActive, Conditions: RuleConditions{
			GrantTypes: IncludeExclude{Include: grants}, Scopes: IncludeExclude{Include: scopes}, People: people}}
	}
	everyone := People{Groups: &IncludeExclude{Include: []string{Everyone}}}
	onlyBob := People{Users: &IncludeExclude{Include: []string{"00ubob"}}}
	pAll := &Policy{ID: "p-all", Priority: 2, Status: StatusActive, Conditions: PolicyConditions{Clients: &IncludeExclude{Include: []string{AllClients}}}}
	pWeb := &Policy{ID: "p-web", Priority: 1, Status: StatusActive, Conditions: PolicyConditions{Clients: &IncludeExclude{Include: []string{"web"}}}}
	pOff := &Policy{ID: "p-off", Priority: 0, Status: StatusInactive, Conditions: PolicyConditions{Clients: &IncludeExclude{Include: []string{AllClients}}}}
	rules := map[string][]*Rule{
		"p-all": {allow("r-all", 1, []string{GrantAuthorizationCode, GrantClientCredentials}, []string{AllScopes}, everyone)},
		"p-web": {
			allow("r-web-2", 2, []string{GrantAuthorizationCode}, []string{"openid", "phone"}, everyone),
			allow("r-web-1", 1, []string{GrantAuthorizationCode}, []string{"openid", "email"}, onlyBob),
			{ID: "r-web-off", Priority: 0, Status: StatusInactive, Conditions: RuleConditions{GrantTypes: IncludeExclude{Include: []string{GrantAuthorizationCode}}, Scopes: IncludeExclude{Include: []string{AllScopes}}, People: everyone}},
		},
		"p-off": {allow("r-off", 1, []string{GrantAuthorizationCode}, []string{AllScopes}, everyone)},
	}
	policies := []*Policy{pAll, pWeb, pOff}
	cases := []struct {
		name       string
		req        PolicyRequest
		wantPolicy string
		wantRule   string
	}{
		{"first policy by priority assigned to the client", PolicyRequest{ClientID: "web", GrantType: GrantAuthorizationCode, UserID: "00uann", Scopes: []string{"openid", "phone"}}, "p-web", "r-web-2"},
		{"first rule by priority covering the user", PolicyRequest{ClientID: "web", GrantType: GrantAuthorizationCode, UserID: "00ubob", Scopes: []string{"openid", "email"}}, "p-web", "r-web-1"},
		{"rule must cover every scope, no fall-through to the next policy", PolicyRequest{ClientID: "web", GrantType: GrantAuthorizationCode, UserID: "00uann", Scopes: []string{"openid", "email"}}, "p-web", ""},
		{"grant type not covered", PolicyRequest{ClientID: "web", GrantType: GrantImplicit, UserID: "00uann", Scopes: []string{"openid"}}, "p-web", ""},
		{"other client gets ALL_CLIENTS policy", PolicyRequest{ClientID: "svc", GrantType: GrantClientCredentials, Scopes: []string{"orders:read"}}, "p-all", "r-all"},
		{"client credentials ignore people", PolicyRequest{ClientID: "svc", GrantType: GrantClientCredentials}, "p-all", "r-all"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, r, err := EvaluatePolicies(policies, rules, c.req)
			gotP, gotR := "", ""
			if p != nil {
				gotP = p.ID
			}
			if r != nil {
				gotR = r.ID
			}
			if gotP != c.wantPolicy || gotR != c.wantRule {
				t.Errorf("policy %q rule %q, want %q %q", gotP, gotR, c.wantPolicy, c.wantRule)
			}
			if c.wantRule == "" {
				if err == nil || err.Code != oautherr.CodeAccessDenied || err.Description != DescNoMatchingPolicy || err.HTTPStatus() != 401 {
					t.Errorf("error %+v, want access_denied %q (401)", err, DescNoMatchingPolicy)
				}
			} else if err != nil {
				t.Errorf("unexpected error %v", err)
			}
		})
	}
	if _, _, err := EvaluatePolicies(nil, nil, PolicyRequest{ClientID: "web", GrantType: GrantAuthorizationCode}); err == nil {
		t.Error("no policy at all was allowed")
	}
}

func TestO9_DefaultPolicyAllowsEverything(t *testing.T) {
	p := DefaultPolicy("aus1")
	p.ID = "00pdef"
	r := AllowAllRule("aus1", p.ID)
	if err := ValidatePolicy(p); err != nil {
		t.Error(err)
	}
	if err := ValidateRule(r); err != nil {
		t.Error(err)
	}
	for _, g := range RuleGrantTypes {
		req := PolicyRequest{ClientID: "any", GrantType: g, UserID: "00uany", Scopes: []string{"openid", "phone", "custom:x"}}
		if _, got, err := EvaluatePolicies([]*Policy{p}, map[string][]*Rule{p.ID: {r}}, req); err != nil || got != r {
			t.Errorf("%s: %v", g, err)
		}
	}
}

func TestO9_NotAssignedMessage(t *testing.T) {
	e := ErrNotAssigned()
	if e.Code != oautherr.CodeAccessDenied || e.Description != "User is not assigned to the client application." {
		t.Errorf("%+v", e)
	}
}

func TestGrantTypeOfResponseType(t *testing.T) {
	for rt, want := range map[string]string{"code": GrantAuthorizationCode, "id_token token": GrantImplicit, "token": GrantImplicit, "code id_token": GrantAuthorizationCode} {
		if got := GrantTypeOf(rt); got != want {
			t.Errorf("%q: %s, want %s", rt, got, want)
		}
	}
}

func TestValidateUserNeedsOktaDefaultProfile(t *testing.T) {
	cs := causes(t, ValidateUser(&User{Profile: UserProfile{Login: "a b", Email: "nope"}}))
	for _, f := range []string{"profile.login", "profile.email", "profile.firstName", "profile.lastName"} {
		if !hasCause(cs, f) {
			t.Errorf("no cause for %s", f)
		}
	}
	if err := ValidateUser(&User{Profile: UserProfile{Login: "ann@example.com", Email: "ann@example.com", FirstName: "Ann", LastName: "E"}}); err != nil {
		t.Error(err)
	}
}

func TestNewIDLooksLikeOkta(t *testing.T) {
	id := NewID(PrefixGrant)
	if len(id) != 20 || !strings.HasPrefix(id, "oag") || strings.Trim(id, idAlphabet) != "" {
		t.Errorf("id %q", id)
	}
	if NewID(PrefixGrant) == id {
		t.Error("two ids are equal")
	}
	if s := NewSecret(); len(s) != 64 {
		t.Errorf("secret length %d", len(s))
	}
}
