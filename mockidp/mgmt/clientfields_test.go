package mgmt_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// The client bodies Auth0's documentation tells people to POST for the
// common SDKs; each must be accepted as is and shown back.
func TestW1_ClientsTakeTheDocumentedBrowserSetups(t *testing.T) {
	setups := map[string]string{
		"auth0-spa-js": `{"name":"SPA","app_type":"spa","callbacks":["http://localhost:3000"],
			"allowed_logout_urls":["http://localhost:3000"],"web_origins":["http://localhost:3000"],
			"allowed_origins":["http://localhost:3000"],"oidc_conformant":true,
			"grant_types":["authorization_code","refresh_token"],"token_endpoint_auth_method":"none",
			"refresh_token":{"rotation_type":"rotating","expiration_type":"expiring","leeway":0,
				"token_lifetime":2592000,"infinite_token_lifetime":false,"idle_token_lifetime":1296000,"infinite_idle_token_lifetime":false},
			"jwt_configuration":{"alg":"RS256","lifetime_in_seconds":36000}}`,
		"auth0.js embedded login": `{"name":"Lock","app_type":"spa","callbacks":["https://app.example.com/callback"],
			"web_origins":["https://app.example.com"],"allowed_origins":["https://app.example.com","https://*.example.com"],
			"cross_origin_authentication":true,"cross_origin_loc":"https://app.example.com/cross-origin.html",
			"grant_types":["implicit","authorization_code","http://auth0.com/oauth/grant-type/password-realm"]}`,
		"express-openid-connect": `{"name":"Web","app_type":"regular_web","callbacks":["http://localhost:3000/callback"],
			"allowed_logout_urls":["http://localhost:3000"],"initiate_login_uri":"https://app.example.com/login",
			"oidc_conformant":true,"token_endpoint_auth_method":"client_secret_basic","sso_disabled":false}`,
		"auth0-deploy-cli export": `{"name":"Exported","app_type":"regular_web","callbacks":[],"allowed_origins":[],"web_origins":[],
			"allowed_clients":[],"client_aliases":[],"cross_origin_auth":false,"custom_login_page_on":true,"sso":false,
			"is_token_endpoint_ip_header_trusted":false,"oidc_conformant":true,"jwt_configuration":{"alg":"RS256","lifetime_in_seconds":36000,"secret_encoded":false},
			"client_metadata":{"team":"web"},"organization_usage":"deny","organization_require_behavior":"no_prompt",
			"require_pushed_authorization_requests":false,
			"refresh_token":{"expiration_type":"non-expiring","leeway":0,"infinite_token_lifetime":true,"infinite_idle_token_lifetime":true,
				"token_lifetime":31557600,"idle_token_lifetime":2592000,"rotation_type":"non-rotating"}}`,
	}
	for name, body := range setups {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			c := f.createClient(body)
			got := f.do("GET", "/api/v2/clients/"+c["client_id"].(string), "").want(http.StatusOK).obj()
			// Every property sent is shown back with the value sent.
			sent := decodeObj(t, body)
			for k, v := range sent {
				if k == "cross_origin_auth" {
					k = "cross_origin_authentication"
				}
				if k == "jwt_configuration" {
					// Merged into the defaults: every sub-property sent is kept.
					for sk, sv := range v.(map[string]any) {
						jsonEqual(t, got[k].(map[string]any)[sk], mustJSON(t, sv))
					}
					continue
				}
				if _, ok := got[k]; !ok {
					t.Errorf("%s not shown back", k)
					continue
				}
				jsonEqual(t, got[k], mustJSON(t, v))
			}
		})
	}
}

func TestW1_ClientBrowserDefaults(t *testing.T) {
	f := newFixture(t)
	c := f.createClient(`{"name":"Plain"}`)
	jsonEqual(t, c["allowed_origins"], `[]`)
	jsonEqual(t, c["web_origins"], `[]`)
	jsonEqual(t, c["cross_origin_authentication"], `false`)
	jsonEqual(t, c["oidc_conformant"], `true`)
	jsonEqual(t, c["refresh_token"], `{"rotation_type":"non-rotating","expiration_type":"non-expiring","leeway":0,
		"token_lifetime":2592000,"infinite_token_lifetime":true,"idle_token_lifetime":1296000,"infinite_idle_token_lifetime":true}`)
	jsonEqual(t, c["jwt_configuration"], `{"alg":"RS256","lifetime_in_seconds":36000,"secret_encoded":false}`)
	stored, err := f.store.GetClient(context.Background(), c["client_id"].(string))
	if err != nil || stored.RefreshTokenPolicy().Rotating() {
		t.Fatalf("stored %+v %v", stored, err)
	}
}

func TestW4_RefreshTokenPatchMerges(t *testing.T) {
	f := newFixture(t)
	id := f.createClient(`{"name":"SPA","app_type":"spa"}`)["client_id"].(string)
	got := f.do("PATCH", "/api/v2/clients/"+id, `{"refresh_token":{"rotation_type":"rotating","expiration_type":"expiring","leeway":3}}`).
		want(http.StatusOK).obj()
	jsonEqual(t, got["refresh_token"], `{"rotation_type":"rotating","expiration_type":"expiring","leeway":3,
		"token_lifetime":2592000,"infinite_token_lifetime":true,"idle_token_lifetime":1296000,"infinite_idle_token_lifetime":true}`)
	stored, _ := f.store.GetClient(context.Background(), id)
	if !stored.RefreshTokenPolicy().Rotating() {
		t.Fatal("rotation not stored")
	}
	got = f.do("PATCH", "/api/v2/clients/"+id, `{"refresh_token":{"token_lifetime":3600}}`).want(http.StatusOK).obj()
	if rt := got["refresh_token"].(map[string]any); rt["rotation_type"] != "rotating" || rt["token_lifetime"] != 3600.0 {
		t.Fatalf("second patch lost the first: %v", rt)
	}
	// null resets to Auth0's default.
	got = f.do("PATCH", "/api/v2/clients/"+id, `{"refresh_token":null}`).want(http.StatusOK).obj()
	if got["refresh_token"].(map[string]any)["rotation_type"] != "non-rotating" {
		t.Fatalf("null: %v", got["refresh_token"])
	}
}

func TestW1_ClientBrowserFieldsAreValidated(t *testing.T) {
	f := newFixture(t)
	tests := []struct{ body, msg string }{
		{`{"name":"A","web_origins":["https://app.example.com/"]}`,
			`Payload validation error: '"https://app.example.com/" is not an origin (scheme://host[:port]): drop the path, query and fragment ("https://app.example.com")' on property web_origins[0].`},
		{`{"name":"A","allowed_origins":["https://ok.example.com","https://app.example.com/cb"]}`,
			`Payload validation error: '"https://app.example.com/cb" is not an origin (scheme://host[:port]): drop the path, query and fragment ("https://app.example.com")' on property allowed_origins[1].`},
		{`{"name":"A","allowed_origins":["app.example.com"]}`,
			`Payload validation error: '"app.example.com" is not an origin (scheme://host[:port]): it needs a scheme and a host, e.g. https://app.example.com' on property allowed_origins[0].`},
		{`{"name":"A","web_origins":"https://app.example.com"}`,
			`Payload validation error: 'Expected type array but found type string' on property web_origins.`},
		{`{"name":"A","cross_origin_authentication":"yes"}`,
			`Payload validation error: 'Expected type boolean but found type string' on property cross_origin_authentication.`},
		{`{"name":"A","cross_origin_authentication":true,"cross_origin_auth":false}`,
			`Payload validation error: 'Contradicts cross_origin_authentication, of which it is the deprecated name' on property cross_origin_auth.`},
		{`{"name":"A","refresh_token":{"rotation_type":"sometimes"}}`,
			`Payload validation error: 'No enum match for: "sometimes"' on property refresh_token.rotation_type.`},
		{`{"name":"A","refresh_token":{"leeway":-1}}`,
			`Payload validation error: 'Value -1 is less than minimum 0' on property refresh_token.leeway.`},
		{`{"name":"A","refresh_token":{"token_lifetime":31557601}}`,
			`Payload validation error: 'Value 31557601 is greater than maximum 31557600' on property refresh_token.token_lifetime.`},
		{`{"name":"A","refresh_token":{"expiration_type":"expiring","infinite_token_lifetime":false,"infinite_idle_token_lifetime":false,"token_lifetime":60,"idle_token_lifetime":120}}`,
			`Payload validation error: 'must not be longer than token_lifetime' on property refresh_token.idle_token_lifetime.`},
		{`{"name":"A","refresh_token":{"rotation":"rotating"}}`,
			`Payload validation error: 'Additional properties not allowed: rotation' on property refresh_token.`},
		{`{"name":"A","jwt_configuration":{"alg":"none"}}`,
			`Payload validation error: 'No enum match for: "none"' on property jwt_configuration.alg.`},
		{`{"name":"A","client_metadata":{"n":1}}`,
			`Payload validation error: 'Expected type string but found type integer' on property client_metadata.n.`},
		{`{"name":"A","client_metadata":{"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8","i":"9","j":"10","k":"11"}}`,
			`Payload validation error: 'Too many properties defined (11), maximum 10' on property client_metadata.`},
		{`{"name":"A","initiate_login_uri":"http://app.example.com/login"}`,
			`Payload validation error: 'Object didn't pass validation for format absolute-https-uri-or-empty: http://app.example.com/login' on property initiate_login_uri.`},
		{`{"name":"A","organization_usage":"sometimes"}`,
			`Payload validation error: 'No enum match for: "sometimes"' on property organization_usage.`},
		{`{"name":"A","addons_typo":{}}`,
			`Payload validation error: 'Additional properties not allowed: addons_typo'.`},
	}
	for _, tc := range tests {
		f.do("POST", "/api/v2/clients", tc.body).wantError(http.StatusBadRequest, "invalid_body", tc.msg)
	}
	// On update too, and the client is left as it was.
	id := f.createClient(`{"name":"A","web_origins":["https://app.example.com"]}`)["client_id"].(string)
	f.do("PATCH", "/api/v2/clients/"+id, `{"web_origins":["https://app.example.com/path"]}`).want(http.StatusBadRequest)
	got := f.do("GET", "/api/v2/clients/"+id, "").want(http.StatusOK).obj()
	jsonEqual(t, got["web_origins"], `["https://app.example.com"]`)
}

func TestW1_StoredOriginsDriveTheTenantHelpers(t *testing.T) {
	f := newFixture(t)
	id := f.createClient(`{"name":"SPA","app_type":"spa","callbacks":["https://cb.example.com/callback"],
		"allowed_origins":["https://cors.example.com"],"web_origins":["https://web.example.com"],
		"allowed_logout_urls":["https://web.example.com/bye"]}`)["client_id"].(string)
	c, err := f.store.GetClient(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !c.AllowsOrigin("https://cors.example.com") || !c.AllowsOrigin("https://cb.example.com") || c.AllowsOrigin("https://x.example.com") {
		t.Error("AllowsOrigin on a client made through the API")
	}
	if !c.AllowsWebMessageOrigin("https://web.example.com") || c.AllowsWebMessageOrigin("https://cors.example.com") {
		t.Error("AllowsWebMessageOrigin on a client made through the API")
	}
	if !c.AllowsLogoutURL("https://web.example.com/bye") || c.AllowsLogoutURL("https://web.example.com/") {
		t.Error("AllowsLogoutURL on a client made through the API")
	}
	if strings.Contains(strings.Join(c.AllowedOrigins, ","), " ") {
		t.Error("spaces")
	}
}

func decodeObj(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("bad JSON literal %s: %v", s, err)
	}
	return m
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
