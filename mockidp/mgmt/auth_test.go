package mgmt_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/mgmt"
)

// endpoints lists every route with the one scope it needs.
var endpoints = []struct {
	method, path, scope string
}{
	{"GET", "/api/v2/clients", "read:clients"},
	{"POST", "/api/v2/clients", "create:clients"},
	{"GET", "/api/v2/clients/x", "read:clients"},
	{"PATCH", "/api/v2/clients/x", "update:clients"},
	{"DELETE", "/api/v2/clients/x", "delete:clients"},
	{"GET", "/api/v2/resource-servers", "read:resource_servers"},
	{"POST", "/api/v2/resource-servers", "create:resource_servers"},
	{"GET", "/api/v2/resource-servers/x", "read:resource_servers"},
	{"PATCH", "/api/v2/resource-servers/x", "update:resource_servers"},
	{"DELETE", "/api/v2/resource-servers/x", "delete:resource_servers"},
	{"GET", "/api/v2/client-grants", "read:client_grants"},
	{"POST", "/api/v2/client-grants", "create:client_grants"},
	{"GET", "/api/v2/client-grants/x", "read:client_grants"},
	{"PATCH", "/api/v2/client-grants/x", "update:client_grants"},
	{"DELETE", "/api/v2/client-grants/x", "delete:client_grants"},
	{"GET", "/api/v2/users", "read:users"},
	{"POST", "/api/v2/users", "create:users"},
	{"GET", "/api/v2/users/auth0%7Cx", "read:users"},
	{"DELETE", "/api/v2/users/auth0%7Cx", "delete:users"},
	{"GET", "/api/v2/users-by-email?email=a@example.com", "read:users"},
	{"GET", "/api/v2/grants", "read:grants"},
	{"DELETE", "/api/v2/grants/x", "delete:grants"},
	{"DELETE", "/api/v2/grants?user_id=x", "delete:grants"},
	{"GET", "/api/v2/tenants/settings", "read:tenant_settings"},
	{"PATCH", "/api/v2/tenants/settings", "update:tenant_settings"},
	{"GET", "/api/v2/connections", "read:connections"},
	{"POST", "/api/v2/connections", "create:connections"},
	{"GET", "/api/v2/connections/x", "read:connections"},
	{"PATCH", "/api/v2/connections/x", "update:connections"},
	{"DELETE", "/api/v2/connections/x", "delete:connections"},
	{"GET", "/api/v2/connections/x/clients", "read:connections"},
	{"PATCH", "/api/v2/connections/x/clients", "update:connections"},
}

// The endpoints of absent features, with their path parameters filled in.
func init() {
	fill := strings.NewReplacer("{trigger}", "post-login", "{factor}", "sms", "{name}", "welcome_email",
		"{prompt}", "login", "{language}", "en")
	for _, e := range mgmt.AbsentEndpoints {
		endpoints = append(endpoints, struct{ method, path, scope string }{e.Method, "/api/v2" + fill.Replace(e.Path), e.Scope})
	}
}

func TestM1_ScopesListsEveryCheckedScope(t *testing.T) {
	var checked []string
	for _, e := range endpoints {
		if !slices.Contains(checked, e.scope) {
			checked = append(checked, e.scope)
		}
	}
	got := slices.Sorted(slices.Values(mgmt.Scopes))
	slices.Sort(checked)
	if !slices.Equal(got, checked) {
		t.Fatalf("mgmt.Scopes = %v, want exactly %v", got, checked)
	}
	// The scopes rule M1 names must all be there.
	for _, s := range []string{"read:clients", "create:clients", "update:clients", "delete:clients",
		"read:resource_servers", "create:resource_servers", "update:resource_servers", "delete:resource_servers",
		"read:client_grants", "create:client_grants", "delete:client_grants", "read:users", "create:users",
		"read:grants", "delete:grants", "update:tenant_settings", "read:tenant_settings"} {
		if !slices.Contains(mgmt.Scopes, s) {
			t.Errorf("mgmt.Scopes lacks %s", s)
		}
	}
}

func TestM2_MissingOrBadTokenIs401(t *testing.T) {
	f := newFixture(t)
	for _, header := range []string{"", "Bearer", "Bearer ", "Basic YTpi", "Bearer not-a-token", "bearer nope"} {
		for _, e := range endpoints {
			req := httptest.NewRequest(e.method, e.path, strings.NewReader(`{}`))
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			rec := httptest.NewRecorder()
			f.h.ServeHTTP(rec, req)
			r := &response{t: t, status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
			r.wantError(http.StatusUnauthorized, "invalid_token", "Invalid token.")
		}
	}
}

func TestM2_MissingScopeIs403(t *testing.T) {
	f := newFixture(t)
	for _, e := range endpoints {
		t.Run(e.method+" "+e.path, func(t *testing.T) {
			f.t = t
			others := slices.DeleteFunc(slices.Clone(mgmt.Scopes), func(s string) bool { return s == e.scope })
			f.doAs(tokScopes(others...), e.method, e.path, `{}`).
				wantError(http.StatusForbidden, "insufficient_scope", "Insufficient scope; expected any of: "+e.scope+".")
			// The one scope alone gets past the check.
			r := f.doAs(tokScopes(e.scope), e.method, e.path, `{}`)
			if r.status == http.StatusForbidden && strings.Contains(string(r.body), "deprecated feature") {
				return // the deprecated features answer 403 to every token (absent_test.go)
			}
			if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
				t.Fatalf("with %s: status %d: %s", e.scope, r.status, r.body)
			}
		})
	}
}

func TestM2_UnknownRouteIsJSON404(t *testing.T) {
	f := newFixture(t)
	f.do("GET", "/api/v2/nope", "").wantError(http.StatusNotFound, "", "Not Found")
	f.do("PUT", "/api/v2/clients", "").wantError(http.StatusMethodNotAllowed, "", "Method Not Allowed")
}

func TestLog_OneLinePerRequestWithoutSecrets(t *testing.T) {
	f := newFixture(t)
	f.do("POST", "/api/v2/users", `{"connection":"db","email":"log@example.com","password":"TopSecretPw1"}`).want(http.StatusCreated)
	f.doAs("scopes:read:clients", "GET", "/api/v2/users-by-email?email=log@example.com", "").want(http.StatusForbidden)
	logs := f.logs.String()
	lines := strings.Split(strings.TrimSpace(logs), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 log lines, got %d:\n%s", len(lines), logs)
	}
	for _, want := range []string{`"method":"POST"`, `"path":"/api/v2/users"`, `"status":201`, `"status":403`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
	for _, secret := range []string{"TopSecretPw1", "HASHED", "scopes:read", "log@example.com", "s3cr3t"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q:\n%s", secret, logs)
		}
	}
}

// A 405 of the Management API had no Allow header (RFC 9110 15.5.6: it
// must name the methods the resource has).
func TestMethodNotAllowedNamesTheAllowedMethods(t *testing.T) {
	f := newFixture(t)
	for path, want := range map[string]string{
		"/api/v2/clients":          "GET, POST",
		"/api/v2/clients/abc":      "GET, PATCH, DELETE",
		"/api/v2/tenants/settings": "GET, PATCH",
	} {
		r := f.do("PUT", path, `{}`)
		r.wantError(http.StatusMethodNotAllowed, "", "Method Not Allowed")
		if got := r.header.Get("Allow"); got != want {
			t.Errorf("PUT %s: Allow %q, want %q", path, got, want)
		}
	}
}
