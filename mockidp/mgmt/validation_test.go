package mgmt_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestM2_PayloadValidationErrors(t *testing.T) {
	f := newFixture(t)
	client := f.createClient(`{"name":"A"}`)["client_id"].(string)
	rs := f.createAPI("https://api.example.com/")["id"].(string)
	tests := []struct {
		name, method, path, body, message string
	}{
		{"client unknown property", "POST", "/api/v2/clients", `{"name":"A","foo":1,"bar":2}`,
			"Payload validation error: 'Additional properties not allowed: bar,foo'."},
		{"client wrong type bool", "POST", "/api/v2/clients", `{"name":"A","is_first_party":"false"}`,
			"Payload validation error: 'Expected type boolean but found type string' on property is_first_party."},
		{"client missing name", "POST", "/api/v2/clients", `{"app_type":"spa"}`,
			"Payload validation error: 'Missing required property: name'."},
		{"client empty name", "POST", "/api/v2/clients", `{"name":""}`,
			"Payload validation error: 'String is too short (0 chars), minimum 1' on property name."},
		{"client callbacks item", "POST", "/api/v2/clients", `{"name":"A","callbacks":["https://a",3]}`,
			"Payload validation error: 'Expected type string but found type integer' on property callbacks[1]."},
		{"client callbacks null", "PATCH", "/api/v2/clients/" + client, `{"callbacks":null}`,
			"Payload validation error: 'Expected type array but found type null' on property callbacks."},
		{"client app_type enum", "POST", "/api/v2/clients", `{"name":"A","app_type":"tv"}`,
			`Payload validation error: 'No enum match for: "tv"' on property app_type.`},
		{"client grant type enum", "PATCH", "/api/v2/clients/" + client, `{"grant_types":["magic"]}`,
			`Payload validation error: 'No enum match for: "magic"' on property grant_types[0].`},
		{"client token_exchange profile", "PATCH", "/api/v2/clients/" + client, `{"token_exchange":{"allow_any_profile_of_type":["x"]}}`,
			`Payload validation error: 'No enum match for: "x"' on property token_exchange.allow_any_profile_of_type[0].`},
		{"client patch unknown", "PATCH", "/api/v2/clients/" + client, `{"tenant":"x"}`,
			"Payload validation error: 'Additional properties not allowed: tenant'."},
		{"mode on first-party", "POST", "/api/v2/clients", `{"name":"A","third_party_security_mode":"strict"}`,
			"Payload validation error: 'Only third-party clients (is_first_party: false) have a third-party security mode' on property third_party_security_mode."},
		{"callback not absolute", "POST", "/api/v2/clients", `{"name":"A","callbacks":["/cb"]}`,
			`Payload validation error: '"/cb" is not an absolute URL (it needs a scheme, e.g. https://)' on property callbacks[0].`},
		{"logout URL fragment", "PATCH", "/api/v2/clients/" + client, `{"allowed_logout_urls":["https://a/#x"]}`,
			`Payload validation error: '"https://a/#x" must not have a fragment (#...)' on property allowed_logout_urls[0].`},
		{"logo not web URL", "PATCH", "/api/v2/clients/" + client, `{"logo_uri":"ftp://a/logo.png"}`,
			"Payload validation error: 'Object didn't pass validation for format url: ftp://a/logo.png' on property logo_uri."},
		{"public client credentials", "POST", "/api/v2/clients", `{"name":"A","app_type":"spa","grant_types":["client_credentials"]}`,
			"Payload validation error: 'Grant type 'client_credentials' needs client authentication, but the client is public (token_endpoint_auth_method: none)' on property grant_types."},
		{"resource_server without API", "POST", "/api/v2/clients", `{"name":"A","app_type":"resource_server"}`,
			"Payload validation error: 'Required for app_type resource_server: the identifier of the API this client acts for' on property resource_server_identifier."},
		{"resource_server unknown API", "POST", "/api/v2/clients", `{"name":"A","app_type":"resource_server","resource_server_identifier":"https://nope/"}`,
			"Payload validation error: 'No resource server with identifier https://nope/' on property resource_server_identifier."},
		{"resource_server_identifier on web app", "PATCH", "/api/v2/clients/" + client, `{"resource_server_identifier":"https://api.example.com/"}`,
			"Payload validation error: 'Only clients of app_type resource_server have one' on property resource_server_identifier."},
		{"password too long", "POST", "/api/v2/users", `{"connection":"db","email":"a@b.c","password":"` + strings.Repeat("p", 73) + `"}`,
			"Payload validation error: 'String is too long (73 bytes), maximum 72' on property password."},
		{"rs missing identifier", "POST", "/api/v2/resource-servers", `{"name":"x"}`,
			"Payload validation error: 'Missing required property: identifier'."},
		{"rs signing alg", "POST", "/api/v2/resource-servers", `{"identifier":"x","signing_alg":"HS256"}`,
			`Payload validation error: 'No enum match for: "HS256"' on property signing_alg.`},
		{"rs token lifetime type", "PATCH", "/api/v2/resource-servers/" + rs, `{"token_lifetime":"3600"}`,
			"Payload validation error: 'Expected type integer but found type string' on property token_lifetime."},
		{"rs token lifetime float", "PATCH", "/api/v2/resource-servers/" + rs, `{"token_lifetime":1.5}`,
			"Payload validation error: 'Expected type integer but found type number' on property token_lifetime."},
		{"rs token lifetime range", "PATCH", "/api/v2/resource-servers/" + rs, `{"token_lifetime":0}`,
			"Payload validation error: 'Value 0 is less than minimum 1' on property token_lifetime."},
		{"rs scope item", "PATCH", "/api/v2/resource-servers/" + rs, `{"scopes":[{"value":"a","desc":"x"}]}`,
			"Payload validation error: 'Additional properties not allowed: desc' on property scopes[0]."},
		{"rs scope value missing", "PATCH", "/api/v2/resource-servers/" + rs, `{"scopes":[{"description":"x"}]}`,
			"Payload validation error: 'Missing required property: value' on property scopes[0]."},
		{"rs scope duplicate", "PATCH", "/api/v2/resource-servers/" + rs, `{"scopes":[{"value":"a"},{"value":"a"}]}`,
			"Payload validation error: 'Duplicate scope value: a' on property scopes[1].value."},
		{"rs current skip name wants boolean", "PATCH", "/api/v2/resource-servers/" + rs, `{"skip_consent_for_verifiable_first_party_clients":"true"}`,
			"Payload validation error: 'Expected type boolean but found type string' on property skip_consent_for_verifiable_first_party_clients."},
		{"rs identifier read-only", "PATCH", "/api/v2/resource-servers/" + rs, `{"identifier":"https://other/"}`,
			"Payload validation error: 'Property is read-only and cannot be changed after creation' on property identifier."},
		{"rs id unknown", "PATCH", "/api/v2/resource-servers/" + rs, `{"id":"x"}`,
			"Payload validation error: 'Additional properties not allowed: id'."},
		{"client grant scope type", "POST", "/api/v2/client-grants", `{"client_id":"a","audience":"b","scope":"read:x"}`,
			"Payload validation error: 'Expected type array but found type string' on property scope."},
		{"client grant subject", "POST", "/api/v2/client-grants", `{"client_id":"a","audience":"b","scope":[],"subject_type":"robot"}`,
			`Payload validation error: 'No enum match for: "robot"' on property subject_type.`},
		{"client grant missing scope", "POST", "/api/v2/client-grants", `{"client_id":"a","audience":"b"}`,
			"Payload validation error: 'Missing required property: scope'."},
		{"user missing connection", "POST", "/api/v2/users", `{"email":"a@b.c","password":"x"}`,
			"Payload validation error: 'Missing required property: connection'."},
		{"user bad email", "POST", "/api/v2/users", `{"connection":"db","email":"not-an-email","password":"x"}`,
			"Payload validation error: 'Object didn't pass validation for format email: not-an-email' on property email."},
		{"user unknown", "POST", "/api/v2/users", `{"connection":"db","email":"a@b.c","password":"x","app_metadata":{}}`,
			"Payload validation error: 'Additional properties not allowed: app_metadata'."},
		{"settings flag type", "PATCH", "/api/v2/tenants/settings", `{"flags":{"use_scope_descriptions_for_consent":"yes"}}`,
			"Payload validation error: 'Expected type boolean but found type string' on property flags.use_scope_descriptions_for_consent."},
		{"settings unknown flag", "PATCH", "/api/v2/tenants/settings", `{"flags":{"enable_foo":true}}`,
			"Payload validation error: 'Additional properties not allowed: enable_foo' on property flags."},
		{"settings unknown", "PATCH", "/api/v2/tenants/settings", `{"session_lifetime":3}`,
			"Payload validation error: 'Additional properties not allowed: session_lifetime'."},
		{"body is an array", "POST", "/api/v2/clients", `[{"name":"A"}]`,
			"Payload validation error: 'Expected type object but found type array'."},
		{"body is null", "PATCH", "/api/v2/tenants/settings", `null`,
			"Payload validation error: 'Expected type object but found type null'."},
		{"malformed JSON", "POST", "/api/v2/clients", `{"name":"A",}`, "Invalid request payload JSON format"},
		{"trailing garbage", "POST", "/api/v2/clients", `{"name":"A"} x`, "Invalid request payload JSON format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.t = t
			f.do(tc.method, tc.path, tc.body).wantError(http.StatusBadRequest, "invalid_body", tc.message)
		})
	}
}

func TestM2_BodyOver1MiBIsRefused(t *testing.T) {
	f := newFixture(t)
	big := `{"name":"A","description":"` + strings.Repeat("x", 1<<20) + `"}`
	f.do("POST", "/api/v2/clients", big).wantError(http.StatusRequestEntityTooLarge, "payload_too_large",
		"Payload content length greater than maximum allowed: 1048576")
}

func TestM2_QueryValidationErrors(t *testing.T) {
	f := newFixture(t)
	tests := []struct{ path, message string }{
		{"/api/v2/clients?per_page=101", "Query validation error: 'Value 101 is greater than maximum 100' on property per_page."},
		{"/api/v2/clients?per_page=0", "Query validation error: 'Value 0 is less than minimum 1' on property per_page."},
		{"/api/v2/users?page=-1", "Query validation error: 'Value -1 is less than minimum 0' on property page."},
		{"/api/v2/grants?page=x", "Query validation error: 'Expected type integer but found type string' on property page."},
		{"/api/v2/resource-servers?include_totals=yes", "Query validation error: 'Expected type boolean but found type string' on property include_totals."},
		{"/api/v2/client-grants?subject_type=robot", "Query validation error: 'No enum match for: robot' on property subject_type."},
		{"/api/v2/users-by-email", "Query validation error: 'Missing required property: email'."},
	}
	for _, tc := range tests {
		f.do("GET", tc.path, "").wantError(http.StatusBadRequest, "invalid_query_string", tc.message)
	}
}

// Odd bodies never make the API fail with a 5xx or panic.
func FuzzPayloads(f *testing.F) {
	for _, seed := range []string{
		`{}`, `null`, `[]`, `"x"`, `1`, `{"name":null}`, `{"scopes":[1]}`, `{"scopes":[{"value":1}]}`,
		`{"token_exchange":[1]}`, `{"token_exchange":"x"}`, `{"token_exchange":[{"enabled_subject_token_types":1}]}`,
		`{"token_exchange":{"enabled_subject_token_types":null}}`, `{"flags":[]}`, `{"grant_types":{}}`,
		`{"skip_consent_for_verifiable_first_party":"TRUE"}`, `{"token_lifetime":1e400}`, `{"token_lifetime":99999999999999999999}`,
		`{"name":"\ud800"}`, `{"callbacks":[null]}`, "{\"name\":\"a\"}\x00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fx := newFixture(t)
		client := fx.createClient(`{"name":"A"}`)["client_id"].(string)
		rs := fx.createAPI("https://api.example.com/")["id"].(string)
		for _, e := range []struct{ method, path string }{
			{"POST", "/api/v2/clients"}, {"PATCH", "/api/v2/clients/" + client},
			{"POST", "/api/v2/resource-servers"}, {"PATCH", "/api/v2/resource-servers/" + rs},
			{"POST", "/api/v2/client-grants"}, {"POST", "/api/v2/users"}, {"PATCH", "/api/v2/tenants/settings"},
		} {
			if r := fx.do(e.method, e.path, body); r.status >= 500 {
				t.Fatalf("%s %s %q: %d %s", e.method, e.path, body, r.status, r.body)
			}
		}
	})
}
