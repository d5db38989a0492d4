package oktaadmin

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/okta"
)

// grantFixture: Ann has END_USER grants for phone and email to app 1 and
// for phone to app 2; Bob has one for phone to app 1.
type grantFixture struct {
	ann, bob           string
	app1, app2         map[string]any
	client1, client2   string
	phone, email       *okta.Scope
	annPhone1, bobOnly *okta.Grant
}

func (e *env) grants() grantFixture {
	e.t.Helper()
	ctx := e.t.Context()
	f := grantFixture{app1: e.createApp("ConsentWebApp"), app2: e.createApp("Other")}
	f.client1 = path(f.app1, "credentials", "oauthClient", "client_id").(string)
	f.client2 = path(f.app2, "credentials", "oauthClient", "client_id").(string)
	f.ann = e.createUser("ann@example.com")["id"].(string)
	f.bob = e.createUser("bob@example.com")["id"].(string)
	f.phone, _ = e.store.FindScope(ctx, e.def.ID, "phone")
	f.email, _ = e.store.FindScope(ctx, e.def.ID, "email")
	save := func(user, client string, sc *okta.Scope) *okta.Grant {
		g, err := e.store.SaveGrant(ctx, &okta.Grant{UserID: user, ClientID: client, ServerID: e.def.ID, ScopeID: sc.ID,
			Issuer: e.srv.URL + "/oauth2/default", Source: okta.SourceEndUser, Created: testNow, LastUpdated: testNow,
			CreatedBy: okta.Actor{ID: user, Type: "User"}})
		if err != nil {
			e.t.Fatal(err)
		}
		return g
	}
	f.annPhone1 = save(f.ann, f.client1, f.phone)
	save(f.ann, f.client1, f.email)
	save(f.ann, f.client2, f.phone)
	f.bobOnly = save(f.bob, f.client1, f.phone)
	return f
}

func TestO6_ListUserGrantsWithOktaShapeAndExpandScope(t *testing.T) {
	e := newEnv(t)
	f := e.grants()
	l := e.expect(e.do("GET", "/api/v1/users/"+f.ann+"/grants", nil), 200).list(t)
	if len(l) != 3 {
		t.Fatalf("%d grants, want 3", len(l))
	}
	g := l[0]
	for k, want := range map[string]any{"id": f.annPhone1.ID, "status": "ACTIVE", "clientId": f.client1, "userId": f.ann, "scopeId": f.phone.ID,
		"issuer": e.srv.URL + "/oauth2/default", "source": "END_USER", "created": "2026-03-27T04:46:11.123456789Z"} {
		if g[k] != want {
			t.Errorf("%s = %v, want %v", k, g[k], want)
		}
	}
	if path(g, "createdBy", "type") != "User" || path(g, "_links", "scope", "title") != "phone" || path(g, "_links", "app", "title") != "ConsentWebApp" ||
		path(g, "_links", "client", "href") != e.srv.URL+"/oauth2/v1/clients/"+f.client1 {
		t.Errorf("links %v", g["_links"])
	}
	if allow := path(g, "_links", "self", "hints", "allow").([]any); len(allow) != 2 || allow[1] != "DELETE" {
		t.Errorf("self hints %v", allow)
	}
	if g["_embedded"] != nil {
		t.Error("_embedded without expand=scope")
	}
	ex := e.expect(e.do("GET", "/api/v1/users/"+f.ann+"/grants?expand=scope&scopeId="+f.email.ID, nil), 200).list(t)
	if len(ex) != 1 || path(ex[0], "_embedded", "scope", "id") != f.email.ID || path(ex[0], "_embedded", "scope", "name") != "email" {
		t.Errorf("expand=scope&scopeId: %v", ex)
	}
	// By login too.
	if l := e.expect(e.do("GET", "/api/v1/users/bob@example.com/grants", nil), 200).list(t); len(l) != 1 {
		t.Errorf("bob's grants %v", l)
	}
	e.expectError(e.do("GET", "/api/v1/users/00unope/grants", nil), 404, "E0000007", "")
	if r := e.expect(e.do("GET", "/api/v1/users/"+f.ann+"/grants?limit=1", nil), 200); len(r.list(t)) != 1 || !strings.Contains(strings.Join(r.header.Values("Link"), ","), `rel="next"`) {
		t.Errorf("limit=1 paging: %s %v", r.raw, r.header.Values("Link"))
	}
}

func TestO6_GetAndRevokeOneGrant_204(t *testing.T) {
	e := newEnv(t)
	f := e.grants()
	u := "/api/v1/users/" + f.ann + "/grants/" + f.annPhone1.ID
	if g := e.expect(e.do("GET", u+"?expand=scope", nil), 200).obj(t); g["id"] != f.annPhone1.ID || path(g, "_embedded", "scope", "name") != "phone" {
		t.Errorf("GET %v", g)
	}
	// Another user's grant is not found under Ann.
	e.expectError(e.do("GET", "/api/v1/users/"+f.ann+"/grants/"+f.bobOnly.ID, nil), 404, "E0000007", "Not found: Resource not found: "+f.bobOnly.ID+" (OAuth2ScopeConsentGrant)")
	e.expectError(e.do("DELETE", "/api/v1/users/"+f.ann+"/grants/"+f.bobOnly.ID, nil), 404, "E0000007", "")
	e.expect(e.do("DELETE", u, nil), 204)
	e.expectError(e.do("GET", u, nil), 404, "E0000007", "")
	left, _ := e.store.ListGrants(t.Context(), okta.GrantFilter{UserID: f.ann})
	if len(left) != 2 {
		t.Errorf("%d grants left, want 2", len(left))
	}
	if _, err := e.store.GetGrant(t.Context(), f.bobOnly.ID); err != nil {
		t.Error("revoking Ann's grant touched Bob's")
	}
}

func TestO6_UserClientsAndRevokeByClient(t *testing.T) {
	e := newEnv(t)
	f := e.grants()
	cl := e.expect(e.do("GET", "/api/v1/users/"+f.ann+"/clients", nil), 200).list(t)
	if len(cl) != 2 || cl[0]["client_id"] != f.client1 || cl[0]["client_name"] != "ConsentWebApp" || cl[1]["client_id"] != f.client2 {
		t.Fatalf("clients %v", cl)
	}
	if path(cl[0], "_links", "grants", "href") != e.srv.URL+"/api/v1/users/"+f.ann+"/clients/"+f.client1+"/grants" {
		t.Errorf("grants link %v", path(cl[0], "_links", "grants"))
	}
	u := "/api/v1/users/" + f.ann + "/clients/" + f.client1 + "/grants"
	if l := e.expect(e.do("GET", u, nil), 200).list(t); len(l) != 2 {
		t.Errorf("client grants %v", l)
	}
	e.expect(e.do("DELETE", u, nil), 204)
	if l := e.expect(e.do("GET", u, nil), 200).list(t); len(l) != 0 {
		t.Errorf("after revoke: %v", l)
	}
	if l := e.expect(e.do("GET", "/api/v1/users/"+f.ann+"/grants", nil), 200).list(t); len(l) != 1 {
		t.Errorf("the other app's grant should remain: %v", l)
	}
	e.expect(e.do("DELETE", "/api/v1/users/"+f.ann+"/grants", nil), 204)
	if l := e.expect(e.do("GET", "/api/v1/users/"+f.ann+"/grants", nil), 200).list(t); len(l) != 0 {
		t.Errorf("after revoke all: %v", l)
	}
	if l := e.expect(e.do("GET", "/api/v1/users/"+f.bob+"/grants", nil), 200).list(t); len(l) != 1 {
		t.Error("revoking all of Ann's grants touched Bob's")
	}
	if l := e.expect(e.do("GET", "/api/v1/users/"+f.ann+"/clients", nil), 200).list(t); len(l) != 0 {
		t.Errorf("clients after revoke all: %v", l)
	}
}

func TestO6_DeletingTheScopeRemovesItsGrants(t *testing.T) {
	e := newEnv(t)
	f := e.grants()
	sc := e.expect(e.do("POST", "/api/v1/authorizationServers/default/scopes", map[string]any{"name": "orders:read", "consent": "REQUIRED"}), 201).obj(t)
	scope, _ := e.store.GetScope(t.Context(), e.def.ID, sc["id"].(string))
	if _, err := e.store.SaveGrant(t.Context(), &okta.Grant{UserID: f.ann, ClientID: f.client1, ServerID: e.def.ID, ScopeID: scope.ID, Source: okta.SourceEndUser}); err != nil {
		t.Fatal(err)
	}
	e.expect(e.do("DELETE", "/api/v1/authorizationServers/default/scopes/"+scope.ID, nil), 204)
	if l := e.expect(e.do("GET", "/api/v1/users/"+f.ann+"/grants?scopeId="+scope.ID, nil), 200).list(t); len(l) != 0 {
		t.Errorf("grants of a deleted scope: %v", l)
	}
}

// FuzzAdminNever5xx sends arbitrary methods, paths and bodies: the API
// answers every one with an Okta error or a success, never a 5xx or a
// panic. `go test -fuzz FuzzAdminNever5xx ./mockidp/oktaadmin/` runs it
// long; plain `go test` runs the seeds.
func FuzzAdminNever5xx(f *testing.F) {
	seeds := []struct{ method, path, body string }{
		{"POST", "/api/v1/apps", `{"label":"x","settings":{"oauthClient":{"redirect_uris":["https://a/cb"]}}}`},
		{"POST", "/api/v1/apps", `{"label":"x","settings":{"oauthClient":{"application_type":"browser","grant_types":["client_credentials"]}}}`},
		{"PUT", "/api/v1/apps/APP", `{"credentials":{"oauthClient":{"token_endpoint_auth_method":"none"}}}`},
		{"POST", "/api/v1/apps/APP/users", `{"id":"USER"}`},
		{"POST", "/api/v1/users?activate=true", `{"profile":{"login":"a@b.c","email":"a@b.c","firstName":"a","lastName":"b"},"credentials":{"password":{"value":"Passw0rdXyz"}}}`},
		{"POST", "/api/v1/users/USER", `{"profile":null}`},
		{"PUT", "/api/v1/authorizationServers/default/scopes/SCOPE", `{"consent":"REQUIRED","name":"x y"}`},
		{"POST", "/api/v1/authorizationServers/default/policies", `{"name":"p","conditions":{"clients":{"include":[]}},"priority":-1}`},
		{"POST", "/api/v1/authorizationServers/default/policies/POLICY/rules", `{"name":"r","conditions":{"grantTypes":{"include":["password"]},"scopes":{"include":["*"]}},"actions":{"token":{"accessTokenLifetimeMinutes":-5}}}`},
		{"DELETE", "/api/v1/users/USER/grants/GRANT", ``},
		{"GET", "/api/v1/users/USER/clients/%zz/grants?limit=0&after=", ``},
		{"POST", "/api/v1/authorizationServers", `[1,2,3]`},
		{"PUT", "/api/v1/authorizationServers/default", `{"audiences":null}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.body)
	}
	f.Fuzz(func(t *testing.T, method, p, body string) {
		env := newEnv(t)
		app := env.createApp("Fuzz")
		user := env.createUser("fuzz@example.com")
		phone, _ := env.store.FindScope(t.Context(), env.def.ID, "phone")
		pols, _ := env.store.ListPolicies(t.Context(), env.def.ID)
		g, _ := env.store.SaveGrant(t.Context(), &okta.Grant{UserID: user["id"].(string), ClientID: app["id"].(string), ServerID: env.def.ID, ScopeID: phone.ID})
		p = strings.NewReplacer("APP", app["id"].(string), "USER", user["id"].(string), "SCOPE", phone.ID, "POLICY", pols[0].ID, "GRANT", g.ID).Replace(p)
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		req, err := http.NewRequest(method, "http://org.example"+p, strings.NewReader(body))
		if err != nil {
			// No client can send it: net/http refuses the method or the URL.
			t.Skipf("not an HTTP request (%v)", err)
		}
		req.Header.Set("Authorization", "SSWS "+testToken)
		w := httptest.NewRecorder()
		env.api.Handler().ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, p, body, w.Code, w.Body)
		}
	})
}
