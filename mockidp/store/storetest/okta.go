package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/okta"
)

// RunOkta is the conformance suite of okta.Store backends, run the same way
// as Run:
//
//	storetest.RunOkta(t, func(t *testing.T) okta.Store { return oktamem.New() })
//
// It pins down what the okta.Store comments promise: copies in and out, ids
// assigned on create, conflicts (client_id, login, server name, scope name
// per server, a second default server), the "default" server alias,
// priority order of policies and rules, one ACTIVE grant per user, app,
// server and scope, skips cleared by a grant, and the cascades of every
// delete.
func RunOkta(t *testing.T, newStore func(t *testing.T) okta.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s okta.Store)
	}{
		{"Apps/CRUD", testOktaAppCRUD},
		{"Apps/Conflicts", testOktaAppConflicts},
		{"Apps/Copies", testOktaAppCopies},
		{"Apps/DeleteCascades", testOktaAppDeleteCascades},
		{"Users/CRUDAndFind", testOktaUsers},
		{"Users/DeleteCascades", testOktaUserDeleteCascades},
		{"Assignments", testOktaAssignments},
		{"Servers/DefaultAlias", testOktaDefaultAlias},
		{"Servers/Conflicts", testOktaServerConflicts},
		{"Servers/DeleteCascades", testOktaServerDeleteCascades},
		{"Scopes/CRUD", testOktaScopes},
		{"Policies/PriorityOrder", testOktaPolicyOrder},
		{"Policies/DeleteRemovesRules", testOktaPolicyDelete},
		{"Grants/OnePerScope", testOktaGrantOnePerScope},
		{"Grants/FilterAndDelete", testOktaGrantFilter},
		{"Grants/Skips", testOktaSkips},
		{"Seed/DefaultServer", testOktaSeed},
		{"Concurrent/SaveGrant", testOktaConcurrentGrants},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			if s == nil {
				t.Fatal("newStore returned nil")
			}
			tt.fn(t, s)
		})
	}
}

var oktaNow = time.Date(2026, 3, 27, 4, 46, 11, 0, time.UTC)

func oktaApp(label string) *okta.App {
	a := &okta.App{Label: label, Status: okta.StatusActive, Created: oktaNow, LastUpdated: oktaNow}
	a.Settings.OAuthClient.RedirectURIs = []string{"https://app.example.com/callback"}
	okta.ApplyAppDefaults(a)
	a.Credentials.OAuthClient.ClientSecret = "secret-" + label + "-0123456789"
	return a
}

func oktaUser(login string) *okta.User {
	return &okta.User{Status: okta.UserActive, Created: oktaNow, LastUpdated: oktaNow,
		Profile: okta.UserProfile{Login: login, Email: login, FirstName: "Ann", LastName: "Example"}, PasswordHash: "$2a$04$hash"}
}

func oktaServer(t *testing.T, s okta.Store, name string) *okta.AuthServer {
	t.Helper()
	srv := &okta.AuthServer{Name: name, Audiences: []string{"api://" + name}, Status: okta.StatusActive, IssuerMode: "ORG_URL"}
	must(t, s.CreateAuthServer(ctxOf(t), srv), "CreateAuthServer "+name)
	if srv.ID == "" {
		t.Fatal("CreateAuthServer did not assign an id")
	}
	return srv
}

func oktaScope(t *testing.T, s okta.Store, serverID, name, consent string) *okta.Scope {
	t.Helper()
	sc := &okta.Scope{ServerID: serverID, Name: name, Consent: consent, MetadataPublish: okta.PublishNone}
	must(t, s.CreateScope(ctxOf(t), sc), "CreateScope "+name)
	return sc
}

func oktaSame(t *testing.T, got, want any, what string) {
	t.Helper()
	if !equal(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

func oktaCount[T any](t *testing.T, items []T, err error, want int, what string) {
	t.Helper()
	must(t, err, what)
	if len(items) != want {
		t.Errorf("%s: %d items, want %d", what, len(items), want)
	}
}

func testOktaAppCRUD(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	a := oktaApp("Web")
	must(t, s.CreateApp(ctx, a), "CreateApp")
	if a.ID == "" || a.ClientID() == "" {
		t.Fatalf("CreateApp did not assign id and client_id: %q %q", a.ID, a.ClientID())
	}
	got, err := s.GetApp(ctx, a.ID)
	must(t, err, "GetApp")
	oktaSame(t, got, a, "GetApp")
	got, err = s.GetAppByClientID(ctx, a.ClientID())
	must(t, err, "GetAppByClientID")
	oktaSame(t, got, a, "GetAppByClientID")

	a.Settings.OAuthClient.ConsentMethod = okta.ConsentRequired
	must(t, s.UpdateApp(ctx, a), "UpdateApp")
	got, _ = s.GetApp(ctx, a.ID)
	if !got.RequiresConsent() {
		t.Error("UpdateApp did not keep consent_method REQUIRED")
	}
	b := oktaApp("Second")
	must(t, s.CreateApp(ctx, b), "CreateApp second")
	list, err := s.ListApps(ctx)
	oktaCount(t, list, err, 2, "ListApps")
	if len(list) == 2 && (list[0].ID != a.ID || list[1].ID != b.ID) {
		t.Error("ListApps is not in creation order")
	}
	must(t, s.DeleteApp(ctx, a.ID), "DeleteApp")
	_, err = s.GetApp(ctx, a.ID)
	wantErr(t, err, okta.ErrNotFound, "GetApp after delete")
	wantErr(t, s.DeleteApp(ctx, a.ID), okta.ErrNotFound, "DeleteApp twice")
	wantErr(t, s.UpdateApp(ctx, a), okta.ErrNotFound, "UpdateApp of a deleted app")
	_, err = s.GetAppByClientID(ctx, "nope")
	wantErr(t, err, okta.ErrNotFound, "GetAppByClientID unknown")
}

func testOktaAppConflicts(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	a := oktaApp("A")
	a.Credentials.OAuthClient.ClientID = "shared-client"
	must(t, s.CreateApp(ctx, a), "CreateApp")
	b := oktaApp("B")
	b.Credentials.OAuthClient.ClientID = "shared-client"
	wantErr(t, s.CreateApp(ctx, b), okta.ErrConflict, "CreateApp with a taken client_id")
	c := oktaApp("C")
	c.ID = a.ID
	c.Credentials.OAuthClient.ClientID = "other-client"
	wantErr(t, s.CreateApp(ctx, c), okta.ErrConflict, "CreateApp with a taken id")
	b.Credentials.OAuthClient.ClientID = "b-client"
	must(t, s.CreateApp(ctx, b), "CreateApp b")
	b.Credentials.OAuthClient.ClientID = "shared-client"
	wantErr(t, s.UpdateApp(ctx, b), okta.ErrConflict, "UpdateApp to a taken client_id")
}

func testOktaAppCopies(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	a := oktaApp("Copy")
	must(t, s.CreateApp(ctx, a), "CreateApp")
	a.Settings.OAuthClient.RedirectURIs[0] = "https://changed.example.com/"
	*a.Credentials.OAuthClient.PKCERequired = true
	got, _ := s.GetApp(ctx, a.ID)
	if got.Settings.OAuthClient.RedirectURIs[0] != "https://app.example.com/callback" || *got.Credentials.OAuthClient.PKCERequired {
		t.Error("changing the created value changed the store")
	}
	got.Settings.OAuthClient.GrantTypes[0] = "implicit"
	again, _ := s.GetApp(ctx, a.ID)
	if again.Settings.OAuthClient.GrantTypes[0] != okta.GrantAuthorizationCode {
		t.Error("changing a returned value changed the store")
	}
}

// seedConsent makes an app, a user, a server with a scope, an assignment, a
// grant and a skip, for the cascade tests.
func seedConsent(t *testing.T, s okta.Store) (*okta.App, *okta.User, *okta.AuthServer, *okta.Scope) {
	t.Helper()
	ctx := ctxOf(t)
	a := oktaApp("Cascade")
	must(t, s.CreateApp(ctx, a), "CreateApp")
	u := oktaUser("ann@example.com")
	must(t, s.CreateUser(ctx, u), "CreateUser")
	must(t, s.AssignUser(ctx, &okta.AppUser{AppID: a.ID, ID: u.ID, Scope: okta.AssignmentScopeUser, Credentials: okta.AppUserCredentials{UserName: u.Profile.Login}}), "AssignUser")
	srv := oktaServer(t, s, "cascade")
	phone := oktaScope(t, s, srv.ID, "phone", okta.ScopeRequired)
	email := oktaScope(t, s, srv.ID, "email", okta.ScopeFlexible)
	_, err := s.SaveGrant(ctx, &okta.Grant{UserID: u.ID, ClientID: a.ClientID(), ServerID: srv.ID, ScopeID: phone.ID, Issuer: "https://org/oauth2/" + srv.ID, Source: okta.SourceEndUser})
	must(t, err, "SaveGrant")
	must(t, s.SkipScopes(ctx, u.ID, a.ClientID(), srv.ID, []string{email.ID}), "SkipScopes")
	return a, u, srv, phone
}

func testOktaAppDeleteCascades(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	a, u, srv, _ := seedConsent(t, s)
	must(t, s.DeleteApp(ctx, a.ID), "DeleteApp")
	_, err := s.GetAppUser(ctx, a.ID, u.ID)
	wantErr(t, err, okta.ErrNotFound, "assignment after DeleteApp")
	g, err := s.ListGrants(ctx, okta.GrantFilter{UserID: u.ID})
	oktaCount(t, g, err, 0, "grants after DeleteApp")
	sk, err := s.SkippedScopes(ctx, u.ID, a.ClientID(), srv.ID)
	oktaCount(t, sk, err, 0, "skips after DeleteApp")
}

func testOktaUsers(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	u := oktaUser("Ann@Example.com")
	must(t, s.CreateUser(ctx, u), "CreateUser")
	if u.ID == "" {
		t.Fatal("CreateUser did not assign an id")
	}
	got, err := s.FindUser(ctx, "ann@example.COM")
	must(t, err, "FindUser ignores case")
	oktaSame(t, got, u, "FindUser")
	if got.PasswordHash != u.PasswordHash {
		t.Error("the password hash was not kept")
	}
	wantErr(t, s.CreateUser(ctx, oktaUser("ANN@example.com")), okta.ErrConflict, "CreateUser with a taken login")
	_, err = s.FindUser(ctx, "")
	wantErr(t, err, okta.ErrNotFound, "FindUser of an empty login")
	b := oktaUser("bob@example.com")
	must(t, s.CreateUser(ctx, b), "CreateUser bob")
	b.Profile.Login = "ann@example.com"
	wantErr(t, s.UpdateUser(ctx, b), okta.ErrConflict, "UpdateUser to a taken login")
	b.Profile.Login = "robert@example.com"
	must(t, s.UpdateUser(ctx, b), "UpdateUser")
	got, err = s.GetUser(ctx, b.ID)
	must(t, err, "GetUser")
	oktaSame(t, got, b, "GetUser after update")
	list, err := s.ListUsers(ctx)
	oktaCount(t, list, err, 2, "ListUsers")
	must(t, s.DeleteUser(ctx, u.ID), "DeleteUser")
	_, err = s.GetUser(ctx, u.ID)
	wantErr(t, err, okta.ErrNotFound, "GetUser after delete")
}

func testOktaUserDeleteCascades(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	a, u, srv, _ := seedConsent(t, s)
	must(t, s.DeleteUser(ctx, u.ID), "DeleteUser")
	users, err := s.ListAppUsers(ctx, a.ID)
	oktaCount(t, users, err, 0, "assignments after DeleteUser")
	g, err := s.ListGrants(ctx, okta.GrantFilter{ClientID: a.ClientID()})
	oktaCount(t, g, err, 0, "grants after DeleteUser")
	sk, err := s.SkippedScopes(ctx, u.ID, a.ClientID(), srv.ID)
	oktaCount(t, sk, err, 0, "skips after DeleteUser")
}

func testOktaAssignments(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	a := oktaApp("Assign")
	must(t, s.CreateApp(ctx, a), "CreateApp")
	u := oktaUser("ann@example.com")
	must(t, s.CreateUser(ctx, u), "CreateUser")
	wantErr(t, s.AssignUser(ctx, &okta.AppUser{AppID: "0oanope", ID: u.ID}), okta.ErrNotFound, "AssignUser to an unknown app")
	wantErr(t, s.AssignUser(ctx, &okta.AppUser{AppID: a.ID, ID: "00unope"}), okta.ErrNotFound, "AssignUser of an unknown user")
	au := &okta.AppUser{AppID: a.ID, ID: u.ID, Scope: okta.AssignmentScopeUser, Status: okta.StatusActive, Credentials: okta.AppUserCredentials{UserName: "ann"}}
	must(t, s.AssignUser(ctx, au), "AssignUser")
	au.Credentials.UserName = "ann2"
	must(t, s.AssignUser(ctx, au), "AssignUser again replaces")
	got, err := s.GetAppUser(ctx, a.ID, u.ID)
	must(t, err, "GetAppUser")
	oktaSame(t, got, au, "GetAppUser")
	list, err := s.ListAppUsers(ctx, a.ID)
	oktaCount(t, list, err, 1, "ListAppUsers")
	_, err = s.ListAppUsers(ctx, "0oanope")
	wantErr(t, err, okta.ErrNotFound, "ListAppUsers of an unknown app")
	must(t, s.UnassignUser(ctx, a.ID, u.ID), "UnassignUser")
	wantErr(t, s.UnassignUser(ctx, a.ID, u.ID), okta.ErrNotFound, "UnassignUser twice")
}

func testOktaDefaultAlias(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	_, err := s.GetAuthServer(ctx, okta.DefaultServerName)
	wantErr(t, err, okta.ErrNotFound, "default before there is one")
	d := okta.NewDefaultServer()
	must(t, s.CreateAuthServer(ctx, d), "CreateAuthServer default")
	if d.ID == okta.DefaultServerName || d.ID == "" {
		t.Fatalf("the default server's id should be assigned (aus...), got %q", d.ID)
	}
	got, err := s.GetAuthServer(ctx, okta.DefaultServerName)
	must(t, err, `GetAuthServer("default")`)
	oktaSame(t, got, d, `GetAuthServer("default")`)
	got, err = s.GetAuthServer(ctx, d.ID)
	must(t, err, "GetAuthServer by id")
	oktaSame(t, got, d, "GetAuthServer by id")
	second := &okta.AuthServer{Name: "other", Audiences: []string{"api://x"}, Default: true}
	wantErr(t, s.CreateAuthServer(ctx, second), okta.ErrConflict, "a second default server")
}

func testOktaServerConflicts(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	a := oktaServer(t, s, "orders")
	wantErr(t, s.CreateAuthServer(ctx, &okta.AuthServer{Name: "orders", Audiences: []string{"api://y"}}), okta.ErrConflict, "a taken server name")
	b := oktaServer(t, s, "billing")
	b.Name = "orders"
	wantErr(t, s.UpdateAuthServer(ctx, b), okta.ErrConflict, "UpdateAuthServer to a taken name")
	a.Description = "Orders"
	must(t, s.UpdateAuthServer(ctx, a), "UpdateAuthServer")
	got, _ := s.GetAuthServer(ctx, a.ID)
	if got.Description != "Orders" {
		t.Error("UpdateAuthServer lost the description")
	}
	list, err := s.ListAuthServers(ctx)
	oktaCount(t, list, err, 2, "ListAuthServers")
}

func testOktaServerDeleteCascades(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	a, u, srv, phone := seedConsent(t, s)
	p := okta.DefaultPolicy(srv.ID)
	must(t, s.CreatePolicy(ctx, p), "CreatePolicy")
	must(t, s.CreateRule(ctx, okta.AllowAllRule(srv.ID, p.ID)), "CreateRule")
	must(t, s.DeleteAuthServer(ctx, srv.ID), "DeleteAuthServer")
	_, err := s.GetScope(ctx, srv.ID, phone.ID)
	wantErr(t, err, okta.ErrNotFound, "scope after DeleteAuthServer")
	_, err = s.GetPolicy(ctx, srv.ID, p.ID)
	wantErr(t, err, okta.ErrNotFound, "policy after DeleteAuthServer")
	_, err = s.ListRules(ctx, srv.ID, p.ID)
	wantErr(t, err, okta.ErrNotFound, "rules after DeleteAuthServer")
	g, err := s.ListGrants(ctx, okta.GrantFilter{UserID: u.ID})
	oktaCount(t, g, err, 0, "grants after DeleteAuthServer")
	sk, err := s.SkippedScopes(ctx, u.ID, a.ClientID(), srv.ID)
	oktaCount(t, sk, err, 0, "skips after DeleteAuthServer")
	_, err = s.ListScopes(ctx, srv.ID)
	wantErr(t, err, okta.ErrNotFound, "ListScopes of a deleted server")
}

func testOktaScopes(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	srv := oktaServer(t, s, "scopes")
	other := oktaServer(t, s, "other")
	phone := oktaScope(t, s, srv.ID, "phone", okta.ScopeImplicit)
	if phone.ID == "" {
		t.Fatal("CreateScope did not assign an id")
	}
	wantErr(t, s.CreateScope(ctx, &okta.Scope{ServerID: srv.ID, Name: "phone"}), okta.ErrConflict, "a scope name taken on the server")
	oktaScope(t, s, other.ID, "phone", okta.ScopeImplicit) // another server may have it
	wantErr(t, s.CreateScope(ctx, &okta.Scope{ServerID: "ausnope", Name: "x"}), okta.ErrNotFound, "a scope of an unknown server")
	phone.Consent = okta.ScopeRequired
	phone.Optional = true
	must(t, s.UpdateScope(ctx, phone), "UpdateScope")
	got, err := s.FindScope(ctx, srv.ID, "phone")
	must(t, err, "FindScope")
	oktaSame(t, got, phone, "FindScope after update")
	got, err = s.GetScope(ctx, srv.ID, phone.ID)
	must(t, err, "GetScope")
	oktaSame(t, got, phone, "GetScope")
	_, err = s.GetScope(ctx, other.ID, phone.ID)
	wantErr(t, err, okta.ErrNotFound, "GetScope on the wrong server")
	email := oktaScope(t, s, srv.ID, "email", okta.ScopeImplicit)
	email.Name = "phone"
	wantErr(t, s.UpdateScope(ctx, email), okta.ErrConflict, "UpdateScope to a taken name")
	list, err := s.ListScopes(ctx, srv.ID)
	oktaCount(t, list, err, 2, "ListScopes")
	if len(list) == 2 && list[0].Name != "phone" {
		t.Error("ListScopes is not in creation order")
	}
	must(t, s.DeleteScope(ctx, srv.ID, phone.ID), "DeleteScope")
	wantErr(t, s.DeleteScope(ctx, srv.ID, phone.ID), okta.ErrNotFound, "DeleteScope twice")
}

func testOktaPolicyOrder(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	srv := oktaServer(t, s, "policies")
	mk := func(name string, prio int) *okta.Policy {
		p := okta.DefaultPolicy(srv.ID)
		p.Name, p.Priority = name, prio
		must(t, s.CreatePolicy(ctx, p), "CreatePolicy "+name)
		return p
	}
	c := mk("c", 3)
	a := mk("a", 1)
	b := mk("b", 2)
	a2 := mk("a2", 1)
	list, err := s.ListPolicies(ctx, srv.ID)
	must(t, err, "ListPolicies")
	var names []string
	for _, p := range list {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []string{"a", "a2", "b", "c"}) {
		t.Errorf("ListPolicies order %v, want priority then creation: [a a2 b c]", names)
	}
	c.Priority = 0
	must(t, s.UpdatePolicy(ctx, c), "UpdatePolicy")
	list, _ = s.ListPolicies(ctx, srv.ID)
	if list[0].ID != c.ID {
		t.Error("UpdatePolicy priority did not reorder the list")
	}
	for i, prio := range []int{2, 1} {
		r := okta.AllowAllRule(srv.ID, b.ID)
		r.Name, r.Priority = fmt.Sprint("r", i), prio
		must(t, s.CreateRule(ctx, r), "CreateRule")
	}
	rules, err := s.ListRules(ctx, srv.ID, b.ID)
	must(t, err, "ListRules")
	if len(rules) != 2 || rules[0].Name != "r1" {
		t.Errorf("ListRules not by priority: %v", rules)
	}
	wantErr(t, s.CreateRule(ctx, okta.AllowAllRule(srv.ID, "00pnope")), okta.ErrNotFound, "a rule of an unknown policy")
	r := rules[0]
	r.Conditions.Scopes.Include = []string{"phone"}
	must(t, s.UpdateRule(ctx, r), "UpdateRule")
	got, err := s.GetRule(ctx, srv.ID, b.ID, r.ID)
	must(t, err, "GetRule")
	oktaSame(t, got, r, "GetRule after update")
	must(t, s.DeleteRule(ctx, srv.ID, b.ID, r.ID), "DeleteRule")
	_, err = s.GetRule(ctx, srv.ID, b.ID, r.ID)
	wantErr(t, err, okta.ErrNotFound, "GetRule after delete")
	_ = a2
	_ = a
}

func testOktaPolicyDelete(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	srv := oktaServer(t, s, "pd")
	p := okta.DefaultPolicy(srv.ID)
	must(t, s.CreatePolicy(ctx, p), "CreatePolicy")
	r := okta.AllowAllRule(srv.ID, p.ID)
	must(t, s.CreateRule(ctx, r), "CreateRule")
	must(t, s.DeletePolicy(ctx, srv.ID, p.ID), "DeletePolicy")
	_, err := s.GetRule(ctx, srv.ID, p.ID, r.ID)
	wantErr(t, err, okta.ErrNotFound, "rule after DeletePolicy")
	wantErr(t, s.DeletePolicy(ctx, srv.ID, p.ID), okta.ErrNotFound, "DeletePolicy twice")
}

func testOktaGrantOnePerScope(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	a, u, srv, phone := seedConsent(t, s)
	first, err := s.ListGrants(ctx, okta.GrantFilter{UserID: u.ID})
	oktaCount(t, first, err, 1, "grants after seeding")
	again, err := s.SaveGrant(ctx, &okta.Grant{UserID: u.ID, ClientID: a.ClientID(), ServerID: srv.ID, ScopeID: phone.ID, Source: okta.SourceEndUser})
	must(t, err, "SaveGrant again")
	if len(first) == 1 && (again.ID != first[0].ID || again.Status != okta.GrantActive) {
		t.Errorf("SaveGrant of a granted scope made a new grant %+v, want the existing %+v", again, first[0])
	}
	list, err := s.ListGrants(ctx, okta.GrantFilter{UserID: u.ID})
	oktaCount(t, list, err, 1, "grants after granting the same scope twice")
	_, err = s.SaveGrant(ctx, &okta.Grant{UserID: u.ID, ClientID: a.ClientID(), ServerID: srv.ID, ScopeID: "scpnope"})
	wantErr(t, err, okta.ErrNotFound, "SaveGrant of an unknown scope")
	_, err = s.SaveGrant(ctx, &okta.Grant{UserID: "00unope", ClientID: a.ClientID(), ServerID: srv.ID, ScopeID: phone.ID})
	wantErr(t, err, okta.ErrNotFound, "SaveGrant of an unknown user")
	// Deleting the scope removes its grants.
	must(t, s.DeleteScope(ctx, srv.ID, phone.ID), "DeleteScope")
	list, err = s.ListGrants(ctx, okta.GrantFilter{UserID: u.ID})
	oktaCount(t, list, err, 0, "grants after DeleteScope")
}

func testOktaGrantFilter(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	a, u, srv, phone := seedConsent(t, s)
	email, err := s.FindScope(ctx, srv.ID, "email")
	must(t, err, "FindScope email")
	b := oktaApp("Other")
	must(t, s.CreateApp(ctx, b), "CreateApp")
	g2, err := s.SaveGrant(ctx, &okta.Grant{UserID: u.ID, ClientID: a.ClientID(), ServerID: srv.ID, ScopeID: email.ID, Source: okta.SourceEndUser})
	must(t, err, "SaveGrant email")
	_, err = s.SaveGrant(ctx, &okta.Grant{UserID: u.ID, ClientID: b.ClientID(), ServerID: srv.ID, ScopeID: phone.ID, Source: okta.SourceAdmin})
	must(t, err, "SaveGrant other app")
	for _, c := range []struct {
		f    okta.GrantFilter
		want int
	}{
		{okta.GrantFilter{UserID: u.ID}, 3},
		{okta.GrantFilter{UserID: u.ID, ClientID: a.ClientID()}, 2},
		{okta.GrantFilter{UserID: u.ID, ScopeID: phone.ID}, 2},
		{okta.GrantFilter{UserID: u.ID, ClientID: b.ClientID(), ScopeID: phone.ID}, 1},
		{okta.GrantFilter{UserID: "00unope"}, 0},
	} {
		l, err := s.ListGrants(ctx, c.f)
		oktaCount(t, l, err, c.want, fmt.Sprintf("ListGrants %+v", c.f))
	}
	got, err := s.GetGrant(ctx, g2.ID)
	must(t, err, "GetGrant")
	oktaSame(t, got, g2, "GetGrant")
	must(t, s.DeleteGrant(ctx, g2.ID), "DeleteGrant")
	wantErr(t, s.DeleteGrant(ctx, g2.ID), okta.ErrNotFound, "DeleteGrant twice")
	n, err := s.DeleteGrants(ctx, okta.GrantFilter{UserID: u.ID, ClientID: b.ClientID()})
	must(t, err, "DeleteGrants")
	if n != 1 {
		t.Errorf("DeleteGrants removed %d, want 1", n)
	}
	l, err := s.ListGrants(ctx, okta.GrantFilter{UserID: u.ID})
	oktaCount(t, l, err, 1, "grants left")
}

func testOktaSkips(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	a, u, srv, _ := seedConsent(t, s)
	email, _ := s.FindScope(ctx, srv.ID, "email")
	sk, err := s.SkippedScopes(ctx, u.ID, a.ClientID(), srv.ID)
	must(t, err, "SkippedScopes")
	if !slices.Equal(sk, []string{email.ID}) {
		t.Fatalf("skipped %v, want [%s]", sk, email.ID)
	}
	sk, _ = s.SkippedScopes(ctx, u.ID, "other-client", srv.ID)
	if len(sk) != 0 {
		t.Error("a skip leaked to another client")
	}
	_, err = s.SaveGrant(ctx, &okta.Grant{UserID: u.ID, ClientID: a.ClientID(), ServerID: srv.ID, ScopeID: email.ID, Source: okta.SourceEndUser})
	must(t, err, "SaveGrant of the skipped scope")
	sk, _ = s.SkippedScopes(ctx, u.ID, a.ClientID(), srv.ID)
	if len(sk) != 0 {
		t.Errorf("granting a skipped scope did not clear the skip: %v", sk)
	}
}

func testOktaSeed(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	d, err := okta.SeedOrg(ctx, s, oktaNow)
	must(t, err, "SeedOrg")
	scopes, err := s.ListScopes(ctx, d.ID)
	oktaCount(t, scopes, err, len(okta.SystemScopes), "system scopes")
	for _, sc := range scopes {
		if !sc.System || sc.Consent != okta.ScopeImplicit || sc.Optional {
			t.Errorf("system scope %s: system=%v consent=%s optional=%v, want true IMPLICIT false", sc.Name, sc.System, sc.Consent, sc.Optional)
		}
	}
	pols, err := s.ListPolicies(ctx, d.ID)
	oktaCount(t, pols, err, 1, "default policies")
	if len(pols) == 1 {
		rules, err := s.ListRules(ctx, d.ID, pols[0].ID)
		oktaCount(t, rules, err, 1, "default policy rules")
	}
	_, err = okta.SeedOrg(ctx, s, oktaNow)
	wantErr(t, err, okta.ErrConflict, "seeding twice")
}

func testOktaConcurrentGrants(t *testing.T, s okta.Store) {
	ctx := ctxOf(t)
	a, u, srv, phone := seedConsent(t, s)
	var wg sync.WaitGroup
	ids := make(chan string, workers)
	for range workers {
		wg.Go(func() {
			g, err := s.SaveGrant(context.WithoutCancel(ctx), &okta.Grant{UserID: u.ID, ClientID: a.ClientID(), ServerID: srv.ID, ScopeID: phone.ID, Source: okta.SourceEndUser})
			if err != nil {
				t.Error(err)
				return
			}
			ids <- g.ID
		})
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		seen[id] = true
	}
	if len(seen) != 1 {
		t.Errorf("concurrent SaveGrant of one scope made %d grants, want 1", len(seen))
	}
}
