package mgmt_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestM3_CreateClientDefaultsByAppType(t *testing.T) {
	tests := []struct {
		name, body, wantAuth, wantGrants string
	}{
		{"no app type", `{"name":"A"}`, "client_secret_post",
			`["authorization_code","implicit","refresh_token","client_credentials"]`},
		{"spa", `{"name":"A","app_type":"spa"}`, "none", `["authorization_code","implicit","refresh_token"]`},
		{"native", `{"name":"A","app_type":"native"}`, "none", `["authorization_code","implicit","refresh_token"]`},
		{"regular_web", `{"name":"A","app_type":"regular_web"}`, "client_secret_post",
			`["authorization_code","implicit","refresh_token","client_credentials"]`},
		{"non_interactive", `{"name":"A","app_type":"non_interactive"}`, "client_secret_post", `["client_credentials"]`},
		{"resource_server", `{"name":"A","app_type":"resource_server","resource_server_identifier":"https://api.example.com/"}`, "client_secret_post",
			`["urn:ietf:params:oauth:grant-type:token-exchange"]`},
		{"explicit", `{"name":"A","app_type":"spa","token_endpoint_auth_method":"client_secret_basic","grant_types":["password"]}`,
			"client_secret_basic", `["password"]`},
		{"strict third-party web", `{"name":"A","app_type":"regular_web","is_first_party":false}`, "client_secret_post",
			`["authorization_code","refresh_token","client_credentials"]`},
		{"strict third-party spa", `{"name":"A","app_type":"spa","is_first_party":false}`, "none",
			`["authorization_code","refresh_token"]`},
		{"permissive third-party spa", `{"name":"A","app_type":"spa","is_first_party":false,"third_party_security_mode":"permissive"}`, "none",
			`["authorization_code","implicit","refresh_token"]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.createAPI(apiID)
			c := f.createClient(tc.body)
			if tc.name == "no app type" && c["app_type"] != "regular_web" {
				t.Errorf("app_type = %v, want regular_web (the tenant file's default too)", c["app_type"])
			}
			if c["token_endpoint_auth_method"] != tc.wantAuth {
				t.Errorf("token_endpoint_auth_method = %v, want %s", c["token_endpoint_auth_method"], tc.wantAuth)
			}
			jsonEqual(t, c["grant_types"], tc.wantGrants)
		})
	}
}

func TestK1_ClientIsFirstPartyByDefault(t *testing.T) {
	f := newFixture(t)
	c := f.createClient(`{"name":"Mine","callbacks":["https://app.example.com/cb"]}`)
	if c["is_first_party"] != true {
		t.Fatalf("is_first_party = %v", c["is_first_party"])
	}
	if _, ok := c["third_party_security_mode"]; ok {
		t.Fatalf("first-party client shows third_party_security_mode: %v", c)
	}
	id := c["client_id"].(string)
	if strings.HasPrefix(id, "tpc_") || c["client_secret"] != "s3cr3t-value" {
		t.Fatalf("client_id %q, client_secret %v", id, c["client_secret"])
	}
	jsonEqual(t, c["callbacks"], `["https://app.example.com/cb"]`)
	jsonEqual(t, c["allowed_logout_urls"], `[]`)
	// It is in the store at once.
	stored, err := f.store.GetClient(context.Background(), id)
	if err != nil || !stored.IsFirstParty || stored.Name != "Mine" {
		t.Fatalf("stored %+v, %v", stored, err)
	}
}

func TestK2_StrictThirdPartyClientDefaults(t *testing.T) {
	f := newFixture(t)
	c := f.createClient(`{"name":"Theirs","is_first_party":false}`)
	if !strings.HasPrefix(c["client_id"].(string), "tpc_") {
		t.Errorf("client_id %v lacks tpc_", c["client_id"])
	}
	if c["third_party_security_mode"] != "strict" || c["redirection_policy"] != "open_redirect_protection" || c["is_first_party"] != false {
		t.Errorf("got %v", c)
	}
	p := f.createClient(`{"name":"Loose","is_first_party":false,"third_party_security_mode":"permissive","redirection_policy":"allow_always"}`)
	if strings.HasPrefix(p["client_id"].(string), "tpc_") || p["third_party_security_mode"] != "permissive" || p["redirection_policy"] != "allow_always" {
		t.Errorf("permissive: %v", p)
	}
}

func TestK2_StrictThirdPartyRefusesPasswordAndImplicit(t *testing.T) {
	f := newFixture(t)
	for _, gt := range []string{"password", "implicit", "http://auth0.com/oauth/grant-type/password-realm"} {
		f.do("POST", "/api/v2/clients", `{"name":"T","is_first_party":false,"grant_types":["authorization_code","`+gt+`"]}`).
			wantError(http.StatusBadRequest, "invalid_body",
				"Payload validation error: 'Grant type '"+gt+"' is not allowed for third-party clients in strict mode' on property grant_types.")
	}
	f.do("POST", "/api/v2/clients", `{"name":"T","is_first_party":false,"app_type":"spa","grant_types":["client_credentials"]}`).
		want(http.StatusBadRequest)
	// On update too.
	id := f.createClient(`{"name":"T","is_first_party":false}`)["client_id"].(string)
	f.do("PATCH", "/api/v2/clients/"+id, `{"grant_types":["password"]}`).want(http.StatusBadRequest)
	f.do("PATCH", "/api/v2/clients/"+id, `{"token_endpoint_auth_method":"none"}`).want(http.StatusBadRequest) // keeps client_credentials
	f.do("PATCH", "/api/v2/clients/"+id, `{"grant_types":["authorization_code"]}`).want(http.StatusOK)
	// Permissive third-party and first-party clients may have them.
	f.createClient(`{"name":"P","is_first_party":false,"third_party_security_mode":"permissive","grant_types":["password","implicit"]}`)
	f.createClient(`{"name":"F","grant_types":["password","implicit"]}`)
}

func TestK1_OwnershipIsReadOnlyOnPatch(t *testing.T) {
	f := newFixture(t)
	first := f.createClient(`{"name":"F"}`)["client_id"].(string)
	third := f.createClient(`{"name":"T","is_first_party":false}`)["client_id"].(string)
	tests := []struct {
		id, body, prop string
	}{
		{first, `{"is_first_party":false}`, "is_first_party"},
		{third, `{"is_first_party":true}`, "is_first_party"},
		{third, `{"third_party_security_mode":"permissive"}`, "third_party_security_mode"},
		{first, `{"third_party_security_mode":"strict"}`, "third_party_security_mode"},
		{first, `{"client_id":"other"}`, "client_id"},
		{first, `{"client_id":"` + first + `"}`, "client_id"},
	}
	for _, tc := range tests {
		f.do("PATCH", "/api/v2/clients/"+tc.id, tc.body).wantError(http.StatusBadRequest, "invalid_body",
			"Payload validation error: 'Property is read-only and cannot be changed after creation' on property "+tc.prop+".")
	}
	// Repeating the current value is no change.
	f.do("PATCH", "/api/v2/clients/"+first, `{"is_first_party":true}`).want(http.StatusOK)
	f.do("PATCH", "/api/v2/clients/"+third, `{"is_first_party":false,"third_party_security_mode":"strict"}`).want(http.StatusOK)
	c, _ := f.store.GetClient(context.Background(), third)
	if c.IsFirstParty || c.ThirdPartySecurityMode != "strict" {
		t.Fatalf("ownership changed: %+v", c)
	}
}

func TestM3_PatchClientChangesOnlyGivenFields(t *testing.T) {
	f := newFixture(t)
	c := f.createClient(`{"name":"Old","description":"d","callbacks":["https://a/cb"],"app_type":"regular_web"}`)
	id := c["client_id"].(string)
	got := f.do("PATCH", "/api/v2/clients/"+id, `{
		"name":"New","logo_uri":"https://a/logo.png","callbacks":["https://b/cb"],"allowed_logout_urls":["https://b/"],
		"redirection_policy":"allow_always","skip_non_verifiable_callback_uri_confirmation_prompt":true,
		"token_exchange":{"allow_any_profile_of_type":["on_behalf_of_token_exchange"]},"client_secret":"rotated"}`).
		want(http.StatusOK).obj()
	if got["name"] != "New" || got["description"] != "d" || got["logo_uri"] != "https://a/logo.png" ||
		got["skip_non_verifiable_callback_uri_confirmation_prompt"] != true || got["client_secret"] != "rotated" {
		t.Fatalf("patched: %v", got)
	}
	jsonEqual(t, got["token_exchange"], `{"allow_any_profile_of_type":["on_behalf_of_token_exchange"]}`)
	g := f.do("GET", "/api/v2/clients/"+id, "").want(http.StatusOK).obj()
	jsonEqual(t, g["callbacks"], `["https://b/cb"]`)
	if g["app_type"] != "regular_web" {
		t.Fatalf("app_type %v", g["app_type"])
	}
	// null clears the client's own confirmation setting (K6: back to the tenant's).
	got = f.do("PATCH", "/api/v2/clients/"+id, `{"skip_non_verifiable_callback_uri_confirmation_prompt":null,"token_exchange":null}`).
		want(http.StatusOK).obj()
	if _, ok := got["skip_non_verifiable_callback_uri_confirmation_prompt"]; ok {
		t.Fatalf("not cleared: %v", got)
	}
	if _, ok := got["token_exchange"]; ok {
		t.Fatalf("not cleared: %v", got)
	}
}

func TestM3_ClientNotFound(t *testing.T) {
	f := newFixture(t)
	for _, m := range []string{"GET", "PATCH", "DELETE"} {
		f.do(m, "/api/v2/clients/nope", `{}`).wantError(http.StatusNotFound, "inexistent_client", "The client does not exist")
	}
}

func TestM3_ListClients(t *testing.T) {
	f := newFixture(t)
	f.createClient(`{"name":"A","app_type":"spa"}`)
	f.createClient(`{"name":"B","app_type":"regular_web","is_first_party":false}`)
	f.createClient(`{"name":"C","app_type":"native"}`)
	names := func(items []map[string]any) string {
		var n []string
		for _, i := range items {
			n = append(n, i["name"].(string))
		}
		return strings.Join(n, ",")
	}
	if got := names(f.do("GET", "/api/v2/clients", "").want(200).arr()); got != "A,B,C" {
		t.Errorf("all: %s", got)
	}
	if got := names(f.do("GET", "/api/v2/clients?is_first_party=false", "").want(200).arr()); got != "B" {
		t.Errorf("third-party: %s", got)
	}
	if got := names(f.do("GET", "/api/v2/clients?app_type=spa,native", "").want(200).arr()); got != "A,C" {
		t.Errorf("spa,native: %s", got)
	}
	m := f.do("GET", "/api/v2/clients?page=1&per_page=2&include_totals=true", "").want(200).obj()
	if m["start"] != 2.0 || m["limit"] != 2.0 || m["length"] != 1.0 || m["total"] != 3.0 {
		t.Errorf("totals: %v", m)
	}
	if len(m["clients"].([]any)) != 1 {
		t.Errorf("page: %v", m["clients"])
	}
}

func TestM3_DeleteClientCascades(t *testing.T) {
	f := newFixture(t)
	id := f.createClient(`{"name":"A"}`)["client_id"].(string)
	f.createAPI("https://api.example.com/")
	f.do("POST", "/api/v2/client-grants", `{"client_id":"`+id+`","audience":"https://api.example.com/","scope":["read:posts"]}`).want(201)
	user := f.createUser("u@example.com")
	f.mergeGrant(user, id, "https://api.example.com/", "read:posts")

	f.do("DELETE", "/api/v2/clients/"+id, "").want(http.StatusNoContent)
	f.do("GET", "/api/v2/clients/"+id, "").want(http.StatusNotFound)
	if got := f.do("GET", "/api/v2/client-grants?client_id="+id, "").want(200).arr(); len(got) != 0 {
		t.Errorf("client grants left: %v", got)
	}
	if got := f.do("GET", "/api/v2/grants?user_id="+user, "").want(200).arr(); len(got) != 0 {
		t.Errorf("user grants left: %v", got)
	}
	f.do("DELETE", "/api/v2/clients/"+id, "").want(http.StatusNotFound)
}
