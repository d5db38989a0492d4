package oktaadmin

import (
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/okta"
)

func TestUsers_ActivateTrueWithPasswordIsActive(t *testing.T) {
	e := newEnv(t)
	u := e.createUser("ann@example.com")
	if u["status"] != "ACTIVE" || !strings.HasPrefix(u["id"].(string), "00u") || path(u, "profile", "login") != "ann@example.com" {
		t.Errorf("user %v", u)
	}
	if strings.Contains(string(e.do("GET", "/api/v1/users/"+u["id"].(string), nil).raw), "Tr0ub4dor") {
		t.Error("the password is shown")
	}
	if _, ok := path(u, "credentials", "password").(map[string]any); !ok {
		t.Errorf("credentials.password should be an empty object, got %v", path(u, "credentials"))
	}
	stored, _ := e.store.GetUser(t.Context(), u["id"].(string))
	if stored.PasswordHash != "hash:12" {
		t.Errorf("password not hashed with the configured function: %q", stored.PasswordHash)
	}
	// By login, case-insensitively, as Okta's paths allow.
	e.expect(e.do("GET", "/api/v1/users/ANN@example.com", nil), 200)
	staged := e.expect(e.do("POST", "/api/v1/users?activate=false", map[string]any{"profile": map[string]any{"firstName": "B", "lastName": "C", "email": "b@example.com", "login": "b@example.com"}}), 200).obj(t)
	if staged["status"] != "STAGED" {
		t.Errorf("activate=false: %v", staged["status"])
	}
}

func TestUsers_ValidationAndConflicts(t *testing.T) {
	e := newEnv(t)
	e.createUser("ann@example.com")
	e.expectError(e.do("POST", "/api/v1/users", map[string]any{"profile": map[string]any{"firstName": "A", "lastName": "B", "email": "ann@example.com", "login": "ANN@example.com"}}), 400, "E0000001", "Api validation failed: login")
	m := e.expectError(e.do("POST", "/api/v1/users", map[string]any{"profile": map[string]any{"login": "x"}}), 400, "E0000001", "Api validation failed: profile")
	if len(causeTexts(m)) != 3 {
		t.Errorf("causes %v, want email, firstName, lastName", causeTexts(m))
	}
	weak := map[string]any{"profile": map[string]any{"firstName": "A", "lastName": "B", "email": "c@example.com", "login": "c@example.com"}, "credentials": map[string]any{"password": map[string]any{"value": "short"}}}
	r := e.do("POST", "/api/v1/users", weak)
	e.expectError(r, 400, "E0000001", "Api validation failed: password")
	if strings.Contains(string(r.raw), "short") {
		t.Error("the error quotes the password")
	}
	e.expectError(e.do("GET", "/api/v1/users/00unope", nil), 404, "E0000007", "Not found: Resource not found: 00unope (User)")
}

func TestUsers_UpdateAndDeleteDeactivatesFirst(t *testing.T) {
	e := newEnv(t)
	id := e.createUser("ann@example.com")["id"].(string)
	got := e.expect(e.do("POST", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"mobilePhone": "+1 555 0100"}}), 200).obj(t)
	if path(got, "profile", "mobilePhone") != "+1 555 0100" || path(got, "profile", "firstName") != "Ann" {
		t.Errorf("partial update %v", got["profile"])
	}
	e.expectError(e.do("PUT", "/api/v1/users/"+id, map[string]any{"profile": map[string]any{"login": "ann@example.com"}}), 400, "E0000001", "")
	e.expect(e.do("DELETE", "/api/v1/users/"+id, nil), 204)
	if u := e.expect(e.do("GET", "/api/v1/users/"+id, nil), 200).obj(t); u["status"] != "DEPROVISIONED" {
		t.Errorf("after the first DELETE: %v", u["status"])
	}
	e.expect(e.do("DELETE", "/api/v1/users/"+id, nil), 204)
	e.expectError(e.do("GET", "/api/v1/users/"+id, nil), 404, "E0000007", "")
}

func TestServers_DefaultServerAnswersToItsNameAndID(t *testing.T) {
	e := newEnv(t)
	byName := e.expect(e.do("GET", "/api/v1/authorizationServers/default", nil), 200).obj(t)
	if byName["id"] != e.def.ID || byName["name"] != "default" || byName["default"] != true {
		t.Errorf("default server %v", byName)
	}
	if byName["issuer"] != e.srv.URL+"/oauth2/default" {
		t.Errorf("issuer %v", byName["issuer"])
	}
	if a, _ := byName["audiences"].([]any); len(a) != 1 || a[0] != "api://default" {
		t.Errorf("audiences %v", byName["audiences"])
	}
	e.expect(e.do("GET", "/api/v1/authorizationServers/"+e.def.ID, nil), 200)
	if l := e.expect(e.do("GET", "/api/v1/authorizationServers", nil), 200).list(t); len(l) != 1 {
		t.Errorf("list %v", l)
	}
	scopes := e.expect(e.do("GET", "/api/v1/authorizationServers/default/scopes", nil), 200).list(t)
	var names []string
	for _, s := range scopes {
		names = append(names, s["name"].(string))
		if s["system"] != true || s["consent"] != "IMPLICIT" || s["optional"] != false || s["metadataPublish"] != "ALL_CLIENTS" {
			t.Errorf("system scope %v", s)
		}
	}
	if strings.Join(names, " ") != "openid profile email address phone offline_access device_sso" {
		t.Errorf("system scopes %v", names)
	}
	pols := e.expect(e.do("GET", "/api/v1/authorizationServers/default/policies", nil), 200).list(t)
	if len(pols) != 1 || path(pols[0], "conditions", "clients", "include").([]any)[0] != "ALL_CLIENTS" {
		t.Fatalf("default policies %v", pols)
	}
	rules := e.expect(e.do("GET", "/api/v1/authorizationServers/default/policies/"+pols[0]["id"].(string)+"/rules", nil), 200).list(t)
	if len(rules) != 1 || path(rules[0], "conditions", "scopes", "include").([]any)[0] != "*" {
		t.Errorf("default rules %v", rules)
	}
	e.expectError(e.do("GET", "/api/v1/authorizationServers/ausnope", nil), 404, "E0000007", "Not found: Resource not found: ausnope (AuthorizationServer)")
}

func TestServers_CreateIs201WithSystemScopesAndNoPolicy(t *testing.T) {
	e := newEnv(t)
	body := map[string]any{"name": "orders", "description": "Orders API", "audiences": []string{"api://orders"}, "issuerMode": "ORG_URL"}
	s := e.expect(e.do("POST", "/api/v1/authorizationServers", body), 201).obj(t)
	id := s["id"].(string)
	if !strings.HasPrefix(id, "aus") || s["issuer"] != e.srv.URL+"/oauth2/"+id || s["default"] != false {
		t.Errorf("server %v", s)
	}
	if l := e.expect(e.do("GET", "/api/v1/authorizationServers/"+id+"/scopes", nil), 200).list(t); len(l) != len(okta.SystemScopes) {
		t.Errorf("%d scopes, want the system scopes", len(l))
	}
	if l := e.expect(e.do("GET", "/api/v1/authorizationServers/"+id+"/policies", nil), 200).list(t); len(l) != 0 {
		t.Errorf("a new server has policies: %v", l)
	}
	e.expectError(e.do("POST", "/api/v1/authorizationServers", body), 400, "E0000001", "Api validation failed: name")
	e.expectError(e.do("POST", "/api/v1/authorizationServers", map[string]any{"name": "x", "audiences": []string{"a", "b"}}), 400, "E0000001", "Api validation failed: audiences")
	body["description"] = "Orders"
	if got := e.expect(e.do("PUT", "/api/v1/authorizationServers/"+id, body), 200).obj(t); got["description"] != "Orders" {
		t.Errorf("PUT %v", got)
	}
	e.expect(e.do("POST", "/api/v1/authorizationServers/"+id+"/lifecycle/deactivate", nil), 204)
	e.expect(e.do("DELETE", "/api/v1/authorizationServers/"+id, nil), 204)
	e.expectError(e.do("GET", "/api/v1/authorizationServers/"+id, nil), 404, "E0000007", "")
}

func TestO2_ScopeCreatedWithoutConsentIsImplicit_Post201(t *testing.T) {
	e := newEnv(t)
	sc := e.expect(e.do("POST", "/api/v1/authorizationServers/default/scopes", map[string]any{"name": "orders:read", "displayName": "Read your orders"}), 201).obj(t)
	if sc["consent"] != "IMPLICIT" || sc["metadataPublish"] != "NO_CLIENTS" || sc["system"] != false || sc["optional"] != false || !strings.HasPrefix(sc["id"].(string), "scp") {
		t.Errorf("scope %v", sc)
	}
	if path(sc, "_links", "self", "href") != e.srv.URL+"/api/v1/authorizationServers/"+e.def.ID+"/scopes/"+sc["id"].(string) {
		t.Errorf("_links.self %v", path(sc, "_links", "self"))
	}
	e.expectError(e.do("POST", "/api/v1/authorizationServers/default/scopes", map[string]any{"name": "orders:read"}), 400, "E0000001", "Api validation failed: name")
	e.expectError(e.do("POST", "/api/v1/authorizationServers/default/scopes", map[string]any{"name": "okta.users.read"}), 400, "E0000001", "Api validation failed: name")
	e.expectError(e.do("POST", "/api/v1/authorizationServers/default/scopes", map[string]any{"name": "x", "consent": "MAYBE"}), 400, "E0000001", "Api validation failed: consent")
}

// TestO2_SeedExample_PhoneRequiredThenFlexible is the seed's PUT of the
// phone scope: 200 with consent REQUIRED; consent is required on PUT.
func TestO2_SeedExample_PhoneRequiredThenFlexible(t *testing.T) {
	e := newEnv(t)
	phone, _ := e.store.FindScope(t.Context(), e.def.ID, "phone")
	u := "/api/v1/authorizationServers/default/scopes/" + phone.ID
	body := map[string]any{"id": phone.ID, "name": "phone", "displayName": "phone", "description": "Allows this application to access your phone number.",
		"system": true, "metadataPublish": "ALL_CLIENTS", "consent": "REQUIRED", "default": false}
	got := e.expect(e.do("PUT", u, body), 200).obj(t)
	if got["consent"] != "REQUIRED" || got["system"] != true || got["displayName"] != "phone" {
		t.Errorf("PUT answer %v", got)
	}
	if s, _ := e.store.FindScope(t.Context(), e.def.ID, "phone"); s.Consent != okta.ScopeRequired {
		t.Error("the store did not take consent REQUIRED")
	}
	delete(body, "consent")
	e.expectError(e.do("PUT", u, body), 400, "E0000001", "Api validation failed: consent")
	body["consent"] = "FLEXIBLE"
	body["optional"] = true
	if got := e.expect(e.do("PUT", u, body), 200).obj(t); got["consent"] != "FLEXIBLE" || got["optional"] != true {
		t.Errorf("FLEXIBLE: %v", got)
	}
	body["name"] = "telephone"
	e.expectError(e.do("PUT", u, body), 400, "E0000001", "Api validation failed: name")
}

func TestO2_ScopeDelete204AndSystemScopesStay(t *testing.T) {
	e := newEnv(t)
	sc := e.expect(e.do("POST", "/api/v1/authorizationServers/default/scopes", map[string]any{"name": "orders:write", "consent": "REQUIRED", "optional": true}), 201).obj(t)
	u := "/api/v1/authorizationServers/default/scopes/" + sc["id"].(string)
	if got := e.expect(e.do("GET", u, nil), 200).obj(t); got["optional"] != true || got["consent"] != "REQUIRED" {
		t.Errorf("GET %v", got)
	}
	e.expect(e.do("DELETE", u, nil), 204)
	e.expectError(e.do("GET", u, nil), 404, "E0000007", "")
	openid, _ := e.store.FindScope(t.Context(), e.def.ID, "openid")
	e.expectError(e.do("DELETE", "/api/v1/authorizationServers/default/scopes/"+openid.ID, nil), 400, "E0000001", "Api validation failed: system")
	e.expectError(e.do("GET", "/api/v1/authorizationServers/ausnope/scopes", nil), 404, "E0000007", "")
}

func TestO9_PoliciesAndRulesRoundTrip(t *testing.T) {
	e := newEnv(t)
	base := "/api/v1/authorizationServers/default/policies"
	p := e.expect(e.do("POST", base, map[string]any{"conditions": map[string]any{"clients": map[string]any{"include": []string{"ALL_CLIENTS"}}}, "description": "test", "name": "test", "priority": 1, "status": "ACTIVE", "type": "OAUTH_AUTHORIZATION_POLICY"}), 201).obj(t)
	pid := p["id"].(string)
	if !strings.HasPrefix(pid, "00p") || p["system"] != false || path(p, "_links", "rules") == nil {
		t.Errorf("policy %v", p)
	}
	if l := e.expect(e.do("GET", base, nil), 200).list(t); len(l) != 2 || l[0]["id"] != pid || l[1]["priority"] != float64(2) {
		t.Errorf("the new priority-1 policy should come first and move the default policy to 2: %v", l)
	}
	rule := map[string]any{"actions": map[string]any{"token": map[string]any{"accessTokenLifetimeMinutes": 60, "refreshTokenLifetimeMinutes": 0, "refreshTokenWindowMinutes": 10080}},
		"conditions": map[string]any{"grantTypes": map[string]any{"include": []string{"authorization_code"}}, "people": map[string]any{"groups": map[string]any{"include": []string{"EVERYONE"}}}, "scopes": map[string]any{"include": []string{"openid", "phone"}}},
		"name":       "test", "priority": 1, "status": "ACTIVE", "type": "RESOURCE_ACCESS"}
	r := e.expect(e.do("POST", base+"/"+pid+"/rules", rule), 201).obj(t)
	rid := r["id"].(string)
	if !strings.HasPrefix(rid, "0pr") || path(r, "actions", "token", "accessTokenLifetimeMinutes") != float64(60) {
		t.Errorf("rule %v", r)
	}
	rule["conditions"].(map[string]any)["scopes"] = map[string]any{"include": []string{"nope:scope"}}
	e.expectError(e.do("POST", base+"/"+pid+"/rules", rule), 400, "E0000001", "Api validation failed: conditions")
	rule["conditions"].(map[string]any)["scopes"] = map[string]any{"include": []string{"*"}}
	rule["conditions"].(map[string]any)["grantTypes"] = map[string]any{"include": []string{"magic"}}
	e.expectError(e.do("POST", base+"/"+pid+"/rules", rule), 400, "E0000001", "Api validation failed: conditions")
	rule["conditions"].(map[string]any)["grantTypes"] = map[string]any{"include": []string{"client_credentials"}}
	if got := e.expect(e.do("PUT", base+"/"+pid+"/rules/"+rid, rule), 200).obj(t); path(got, "conditions", "grantTypes", "include").([]any)[0] != "client_credentials" {
		t.Errorf("rule PUT %v", got)
	}
	e.expect(e.do("POST", base+"/"+pid+"/rules/"+rid+"/lifecycle/deactivate", nil), 204)
	if got, _ := e.store.GetRule(t.Context(), e.def.ID, pid, rid); got.Status != okta.StatusInactive {
		t.Error("rule deactivate did not stick")
	}
	p["description"] = "changed"
	if got := e.expect(e.do("PUT", base+"/"+pid, p), 200).obj(t); got["description"] != "changed" {
		t.Errorf("policy PUT %v", got)
	}
	e.expectError(e.do("POST", base, map[string]any{"name": "no clients"}), 400, "E0000001", "Api validation failed: conditions")
	e.expect(e.do("DELETE", base+"/"+pid, nil), 204)
	e.expectError(e.do("GET", base+"/"+pid+"/rules/"+rid, nil), 404, "E0000007", "")
	e.expectError(e.do("GET", base+"/00pnope", nil), 404, "E0000007", "Not found: Resource not found: 00pnope (Policy)")
}

// TestLinks_LifecycleLinkFollowsStatus pins the one lifecycle link that an
// authorization server, a policy and a rule offer: deactivate (POST) while
// ACTIVE, activate (POST) once INACTIVE.
func TestLinks_LifecycleLinkFollowsStatus(t *testing.T) {
	e := newEnv(t)
	srv := "/api/v1/authorizationServers/" + e.def.ID
	pol := e.expect(e.do("GET", srv+"/policies", nil), 200).list(t)
	if len(pol) == 0 {
		t.Fatal("the default server has no policy")
	}
	pid := pol[0]["id"].(string)
	rules := e.expect(e.do("GET", srv+"/policies/"+pid+"/rules", nil), 200).list(t)
	if len(rules) == 0 {
		t.Fatal("the default policy has no rule")
	}
	// Deactivate the rule and policy before the server, so that each GET
	// still reaches its item.
	for _, u := range []string{srv + "/policies/" + pid + "/rules/" + rules[0]["id"].(string), srv + "/policies/" + pid, srv} {
		check := func(want, not string) {
			t.Helper()
			got := e.expect(e.do("GET", u, nil), 200).obj(t)
			if path(got, "_links", want, "href") != e.srv.URL+u+"/lifecycle/"+want {
				t.Errorf("%s: _links.%s %v", u, want, path(got, "_links", want))
			}
			if allow, _ := path(got, "_links", want, "hints", "allow").([]any); len(allow) != 1 || allow[0] != "POST" {
				t.Errorf("%s: _links.%s.hints.allow %v, want [POST]", u, want, allow)
			}
			if l := path(got, "_links", not); l != nil {
				t.Errorf("%s: has _links.%s %v as well", u, not, l)
			}
		}
		check("deactivate", "activate")
		e.expect(e.do("POST", u+"/lifecycle/deactivate", nil), 204)
		check("activate", "deactivate")
	}
}
