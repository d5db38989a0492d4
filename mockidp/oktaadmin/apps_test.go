package oktaadmin

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestAuth_MissingOrOtherHeaderIs403InvalidSession(t *testing.T) {
	e := newEnv(t)
	for _, h := range []string{"", "Basic dXNlcjpwdw==", "SSWS", "SSWS   "} {
		e.expectError(e.call("GET", "/api/v1/apps", nil, h), 403, "E0000005", "Invalid session")
	}
}

func TestAuth_WrongTokenIs401InvalidToken(t *testing.T) {
	e := newEnv(t)
	e.expectError(e.call("GET", "/api/v1/apps", nil, "SSWS wrong"), 401, "E0000011", "Invalid token provided")
	e.expectError(e.call("GET", "/api/v1/users", nil, "Bearer eyJ.x.y"), 401, "E0000011", "Invalid token provided")
	e.expect(e.call("GET", "/api/v1/apps", nil, "ssws "+testToken), 200) // scheme is case-insensitive
}

func TestAuth_NoConfiguredTokenRefusesEverything(t *testing.T) {
	e := newEnv(t)
	e.api.hasToken = false
	e.expectError(e.do("GET", "/api/v1/apps", nil), 401, "E0000011", "")
}

func TestO1_AppCreateAnswers200WithTheSecretAndTrustedByDefault(t *testing.T) {
	e := newEnv(t)
	app := e.createApp("ConsentWebApp")
	id, _ := app["id"].(string)
	if !strings.HasPrefix(id, "0oa") || app["status"] != "ACTIVE" || app["name"] != "oidc_client" || app["signOnMode"] != "OPENID_CONNECT" {
		t.Errorf("app %v", app)
	}
	if path(app, "settings", "oauthClient", "consent_method") != "TRUSTED" {
		t.Errorf("consent_method %v, want TRUSTED (Apps API default)", path(app, "settings", "oauthClient", "consent_method"))
	}
	if path(app, "credentials", "oauthClient", "client_id") != id {
		t.Errorf("client_id %v, want the app id", path(app, "credentials", "oauthClient", "client_id"))
	}
	secret, _ := path(app, "credentials", "oauthClient", "client_secret").(string)
	if secret == "" {
		t.Fatal("the create answer has no client_secret")
	}
	got := e.expect(e.do("GET", "/api/v1/apps/"+id, nil), 200).obj(t)
	if _, ok := path(got, "credentials", "oauthClient").(map[string]any)["client_secret"]; ok {
		t.Error("GET shows the client secret")
	}
	if path(got, "_links", "users", "href") != e.srv.URL+"/api/v1/apps/"+id+"/users" {
		t.Errorf("_links.users %v", path(got, "_links", "users"))
	}
	stored, _ := e.store.GetApp(t.Context(), id)
	if stored.Credentials.OAuthClient.ClientSecret != secret {
		t.Error("the store does not hold the secret the answer showed")
	}
}

func TestO1_ReplaceAppAcceptsTheBodyAGetReturnedAndKeepsTheSecret(t *testing.T) {
	e := newEnv(t)
	app := e.createApp("ConsentWebApp")
	id := app["id"].(string)
	secret := path(app, "credentials", "oauthClient", "client_secret").(string)
	body := e.expect(e.do("GET", "/api/v1/apps/"+id, nil), 200).obj(t)
	body["settings"].(map[string]any)["oauthClient"].(map[string]any)["consent_method"] = "REQUIRED"
	// Read-only and unknown fields as a real org and the SDK send them back.
	body["orn"] = "orn:okta:idp:00o1:apps:oidc_client:" + id
	body["universalLogout"] = map[string]any{"status": "DISABLED"}
	body["status"] = "INACTIVE" // read-only on PUT: lifecycle calls change it
	body["created"] = "2001-01-01T00:00:00.000Z"
	got := e.expect(e.do("PUT", "/api/v1/apps/"+id, body), 200).obj(t)
	if path(got, "settings", "oauthClient", "consent_method") != "REQUIRED" {
		t.Errorf("consent_method %v after PUT", path(got, "settings", "oauthClient", "consent_method"))
	}
	if path(got, "credentials", "oauthClient", "client_secret") != secret {
		t.Error("PUT without client_secret lost or changed the secret, or did not show it in the update answer")
	}
	if got["status"] != "ACTIVE" || got["created"] != app["created"] || got["id"] != id {
		t.Errorf("read-only fields changed: status %v created %v id %v", got["status"], got["created"], got["id"])
	}
	stored, _ := e.store.GetApp(t.Context(), id)
	if !stored.RequiresConsent() || stored.Credentials.OAuthClient.ClientSecret != secret {
		t.Errorf("store after PUT: %+v", stored.Settings.OAuthClient)
	}
}

func TestO1_ConsentMethodOtherThanTrustedOrRequiredIs400(t *testing.T) {
	e := newEnv(t)
	b := webAppBody("Bad")
	b["settings"].(map[string]any)["oauthClient"].(map[string]any)["consent_method"] = "SOMETIMES"
	m := e.expectError(e.do("POST", "/api/v1/apps", b), 400, "E0000001", "Api validation failed: settings")
	if c := causeTexts(m); len(c) != 1 || !strings.HasPrefix(c[0], "settings.oauthClient.consent_method:") {
		t.Errorf("causes %v", c)
	}
}

func TestApps_ValidationMalformedAndUnknown(t *testing.T) {
	e := newEnv(t)
	e.expectError(e.do("POST", "/api/v1/apps", `{"label":`), 400, "E0000003", "The request body was not well-formed.")
	e.expectError(e.do("POST", "/api/v1/apps", `{"label": 5}`), 400, "E0000003", "")
	e.expectError(e.do("POST", "/api/v1/apps", ""), 400, "E0000003", "")
	m := e.expectError(e.do("POST", "/api/v1/apps", map[string]any{"label": "", "settings": map[string]any{"oauthClient": map[string]any{"grant_types": []string{"implicit"}}}}), 400, "E0000001", "")
	if len(causeTexts(m)) < 2 {
		t.Errorf("want a cause per bad field, got %v", causeTexts(m))
	}
	e.expectError(e.do("GET", "/api/v1/apps/0oanope", nil), 404, "E0000007", "Not found: Resource not found: 0oanope (AppInstance)")
	e.expectError(e.do("PUT", "/api/v1/apps/0oanope", webAppBody("x")), 404, "E0000007", "")
	e.expectError(e.do("PATCH", "/api/v1/apps", nil), 405, "E0000022", "")
	e.expectError(e.do("GET", "/api/v1/nothing", nil), 404, "E0000007", "")
	// A taken client_id.
	b := webAppBody("One")
	b["credentials"].(map[string]any)["oauthClient"].(map[string]any)["client_id"] = "my-client-id"
	e.expect(e.do("POST", "/api/v1/apps", b), 200)
	b["label"] = "Two"
	e.expectError(e.do("POST", "/api/v1/apps", b), 400, "E0000001", "Api validation failed: credentials")
}

func TestO1_AppTypesAsOktaCreatesThem(t *testing.T) {
	e := newEnv(t)
	spa := map[string]any{"label": "SPA", "settings": map[string]any{"oauthClient": map[string]any{
		"application_type": "browser", "redirect_uris": []string{"http://localhost:8080/login/callback"}}}}
	got := e.expect(e.do("POST", "/api/v1/apps", spa), 200).obj(t)
	if path(got, "credentials", "oauthClient", "token_endpoint_auth_method") != "none" || path(got, "credentials", "oauthClient", "pkce_required") != true {
		t.Errorf("browser app credentials %v", path(got, "credentials", "oauthClient"))
	}
	if _, ok := path(got, "credentials", "oauthClient").(map[string]any)["client_secret"]; ok {
		t.Error("a public browser app got a secret")
	}
	svc := map[string]any{"label": "Service", "settings": map[string]any{"oauthClient": map[string]any{"application_type": "service"}}}
	got = e.expect(e.do("POST", "/api/v1/apps", svc), 200).obj(t)
	if gt := path(got, "settings", "oauthClient", "grant_types").([]any); len(gt) != 1 || gt[0] != "client_credentials" {
		t.Errorf("service grant types %v", gt)
	}
	if path(got, "credentials", "oauthClient", "client_secret") == nil {
		t.Error("a service app has no secret")
	}
}

func TestApps_LifecycleAndDelete(t *testing.T) {
	e := newEnv(t)
	id := e.createApp("Life")["id"].(string)
	e.expectError(e.do("DELETE", "/api/v1/apps/"+id, nil), 403, "E0000056", "Delete application forbidden.")
	r := e.expect(e.do("POST", "/api/v1/apps/"+id+"/lifecycle/deactivate", nil), 200)
	if strings.TrimSpace(string(r.raw)) != "{}" {
		t.Errorf("deactivate body %s, want {}", r.raw)
	}
	if got := e.expect(e.do("GET", "/api/v1/apps/"+id, nil), 200).obj(t); got["status"] != "INACTIVE" || path(got, "_links", "activate") == nil {
		t.Errorf("after deactivate: %v %v", got["status"], got["_links"])
	}
	e.expect(e.do("POST", "/api/v1/apps/"+id+"/lifecycle/activate", nil), 200)
	e.expect(e.do("POST", "/api/v1/apps/"+id+"/lifecycle/deactivate", nil), 200)
	e.expect(e.do("DELETE", "/api/v1/apps/"+id, nil), 204)
	e.expectError(e.do("GET", "/api/v1/apps/"+id, nil), 404, "E0000007", "")
	inactive := e.expect(e.do("POST", "/api/v1/apps?activate=false", webAppBody("Off")), 200).obj(t)
	if inactive["status"] != "INACTIVE" {
		t.Errorf("activate=false: status %v", inactive["status"])
	}
}

func TestApps_ListQFilterAndPaging(t *testing.T) {
	e := newEnv(t)
	for _, l := range []string{"Alpha", "Beta", "Alpine"} {
		e.createApp(l)
	}
	if l := e.expect(e.do("GET", "/api/v1/apps?q=al", nil), 200).list(t); len(l) != 2 {
		t.Errorf("q=al: %d apps, want 2", len(l))
	}
	if l := e.expect(e.do("GET", `/api/v1/apps?filter=status+eq+%22ACTIVE%22`, nil), 200).list(t); len(l) != 3 {
		t.Errorf("filter status: %d apps", len(l))
	}
	e.expectError(e.do("GET", `/api/v1/apps?filter=label+sw+%22A%22`, nil), 400, "E0000001", "")
	r := e.expect(e.do("GET", "/api/v1/apps?limit=2", nil), 200)
	if l := r.list(t); len(l) != 2 {
		t.Fatalf("limit=2: %d apps", len(l))
	}
	var next string
	for _, h := range r.header.Values("Link") {
		if strings.HasSuffix(h, `rel="next"`) {
			next = strings.TrimSuffix(strings.TrimPrefix(h, "<"), `>; rel="next"`)
		}
	}
	if next == "" {
		t.Fatalf("no rel=next Link: %v", r.header.Values("Link"))
	}
	r = e.expect(e.do("GET", strings.TrimPrefix(next, e.srv.URL), nil), 200)
	if l := r.list(t); len(l) != 1 || l[0]["label"] != "Alpine" {
		t.Errorf("second page %v", l)
	}
	for _, h := range r.header.Values("Link") {
		if strings.Contains(h, `rel="next"`) {
			t.Error("the last page has a next link")
		}
	}
	e.expectError(e.do("GET", "/api/v1/apps?limit=x", nil), 400, "E0000001", "")
}

func TestO9_AppUserAssignmentAnswers200(t *testing.T) {
	e := newEnv(t)
	appID := e.createApp("Assigned")["id"].(string)
	u := e.createUser("ann@example.com")
	body := map[string]any{"id": u["id"], "scope": "USER", "credentials": map[string]any{"userName": "ann@example.com"}}
	got := e.expect(e.do("POST", "/api/v1/apps/"+appID+"/users", body), 200).obj(t)
	if got["id"] != u["id"] || got["scope"] != "USER" || got["status"] != "ACTIVE" || path(got, "credentials", "userName") != "ann@example.com" {
		t.Errorf("assignment %v", got)
	}
	if _, err := e.store.GetAppUser(t.Context(), appID, u["id"].(string)); err != nil {
		t.Errorf("assignment not stored: %v", err)
	}
	if l := e.expect(e.do("GET", "/api/v1/apps/"+appID+"/users", nil), 200).list(t); len(l) != 1 {
		t.Errorf("list %v", l)
	}
	e.expect(e.do("GET", "/api/v1/apps/"+appID+"/users/"+u["id"].(string), nil), 200)
	e.expectError(e.do("POST", "/api/v1/apps/"+appID+"/users", map[string]any{"id": "00unope"}), 404, "E0000007", "Not found: Resource not found: 00unope (User)")
	e.expectError(e.do("POST", "/api/v1/apps/"+appID+"/users", map[string]any{}), 400, "E0000001", "Api validation failed: id")
	e.expectError(e.do("POST", "/api/v1/apps/0oanope/users", body), 404, "E0000007", "")
	e.expect(e.do("DELETE", "/api/v1/apps/"+appID+"/users/"+u["id"].(string), nil), 204)
	e.expectError(e.do("DELETE", "/api/v1/apps/"+appID+"/users/"+u["id"].(string), nil), 404, "E0000007", "")
}

func TestLogsNeverCarrySecretsOrTokens(t *testing.T) {
	var buf bytes.Buffer
	e := newEnv(t)
	e.api.log = slog.New(slog.NewTextHandler(&buf, nil))
	app := e.createApp("Logged")
	e.createUser("logged@example.com")
	e.call("GET", "/api/v1/apps", nil, "SSWS wrong-token-value")
	secret := path(app, "credentials", "oauthClient", "client_secret").(string)
	for _, s := range []string{secret, testToken, "wrong-token-value", "Tr0ub4dor&3x", "logged@example.com"} {
		if strings.Contains(buf.String(), s) {
			t.Errorf("log contains %q", s)
		}
	}
	if !strings.Contains(buf.String(), "okta admin request") {
		t.Error("no request lines logged")
	}
}
