package mgmt_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/tenant"
)

const (
	apiID      = "https://api.example.com/"
	apiIDPath  = "https%3A%2F%2Fapi.example.com%2F"
	accessType = "urn:ietf:params:oauth:token-type:access_token"
)

func TestP1_ResourceServerDefaults(t *testing.T) {
	f := newFixture(t)
	got := f.do("POST", "/api/v2/resource-servers", `{"identifier":"urn:posts"}`).want(http.StatusCreated).obj()
	if got["id"] == "" || got["name"] != "urn:posts" || got["signing_alg"] != "RS256" || got["token_lifetime"] != 86400.0 ||
		got["allow_offline_access"] != false || got["skip_consent_for_verifiable_first_party_clients"] != false {
		t.Fatalf("defaults: %v", got)
	}
	jsonEqual(t, got["scopes"], `[]`)
	if _, ok := got["token_exchange"]; ok {
		t.Fatalf("token_exchange shown though unset: %v", got)
	}
	full := f.do("POST", "/api/v2/resource-servers", `{"identifier":"https://full/","name":"Full","signing_alg":"ES256",
		"token_lifetime":3600,"allow_offline_access":true,"skip_consent_for_verifiable_first_party_clients":true,
		"scopes":[{"value":"read:posts","description":"Read your posts"},{"value":"write:posts"}],
		"token_exchange":{"enabled_subject_token_types":["`+accessType+`"]}}`).want(http.StatusCreated).obj()
	jsonEqual(t, full["scopes"], `[{"value":"read:posts","description":"Read your posts"},{"value":"write:posts"}]`)
	jsonEqual(t, full["token_exchange"], `{"enabled_subject_token_types":["`+accessType+`"]}`)
	a, err := f.store.GetAPIByIdentifier(context.Background(), "https://full/")
	if err != nil || a.SigningAlg != "ES256" || a.TokenLifetime != 3600 || !a.AllowOfflineAccess ||
		!a.SkipConsentForVerifiableFirstPartyClients || !a.ExchangeEnabled() {
		t.Fatalf("stored %+v, %v", a, err)
	}
}

// The exact bodies of Auth0's how-to pages (rule P2).
func TestP2_SeedSkipConsentBodyAccepted(t *testing.T) {
	f := newFixture(t)
	id := f.createAPI(apiID)["id"].(string)
	got := f.do("PATCH", "/api/v2/resource-servers/"+id, `{"skip_consent_for_verifiable_first_party": "true"}`).
		want(http.StatusOK).obj()
	if got["skip_consent_for_verifiable_first_party_clients"] != true {
		t.Fatalf("PATCH answer: %v", got)
	}
	g := f.do("GET", "/api/v2/resource-servers/"+id, "").want(http.StatusOK).obj()
	if g["skip_consent_for_verifiable_first_party_clients"] != true {
		t.Fatalf("GET: %v", g)
	}
	if _, ok := g["skip_consent_for_verifiable_first_party"]; ok {
		t.Fatalf("GET shows the alias: %v", g)
	}
	a, _ := f.store.GetAPI(context.Background(), id)
	if !a.SkipConsentForVerifiableFirstPartyClients {
		t.Fatal("store not changed")
	}
}

func TestP2_SeedTokenExchangeBodyAccepted(t *testing.T) {
	f := newFixture(t)
	id := f.createAPI(apiID)["id"].(string)
	body := `{ "token_exchange": [ { "enabled_subject_token_types": "urn:ietf:params:oauth:token-type:access_token" } ] }`
	got := f.do("PATCH", "/api/v2/resource-servers/"+id, body).want(http.StatusOK).obj()
	jsonEqual(t, got["token_exchange"], `{"enabled_subject_token_types":["`+accessType+`"]}`)
	g := f.do("GET", "/api/v2/resource-servers/"+id, "").want(http.StatusOK).obj()
	jsonEqual(t, g["token_exchange"], `{"enabled_subject_token_types":["`+accessType+`"]}`)
	a, _ := f.store.GetAPI(context.Background(), id)
	if !a.ExchangeEnabled() {
		t.Fatal("store not changed")
	}
}

func TestP2_AliasesOnCreateAndUpdate(t *testing.T) {
	tests := []struct {
		name, body string
		wantSkip   bool
		wantTE     string // JSON of token_exchange, "" for absent
	}{
		{"alias true", `{"skip_consent_for_verifiable_first_party":true}`, true, ""},
		{"alias string true", `{"skip_consent_for_verifiable_first_party":"true"}`, true, ""},
		{"alias false", `{"skip_consent_for_verifiable_first_party":false}`, false, ""},
		{"alias string false", `{"skip_consent_for_verifiable_first_party":"false"}`, false, ""},
		{"both agree", `{"skip_consent_for_verifiable_first_party":"true","skip_consent_for_verifiable_first_party_clients":true}`, true, ""},
		{"old exchange with array item", `{"token_exchange":[{"enabled_subject_token_types":["` + accessType + `"]}]}`, false,
			`{"enabled_subject_token_types":["` + accessType + `"]}`},
		{"old exchange repeated", `{"token_exchange":[{"enabled_subject_token_types":"` + accessType + `"},{"enabled_subject_token_types":"` + accessType + `"}]}`, false,
			`{"enabled_subject_token_types":["` + accessType + `"]}`},
		{"old exchange empty", `{"token_exchange":[]}`, false, `{"enabled_subject_token_types":[]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			check := func(got map[string]any) {
				t.Helper()
				if got["skip_consent_for_verifiable_first_party_clients"] != tc.wantSkip {
					t.Errorf("skip = %v, want %v", got["skip_consent_for_verifiable_first_party_clients"], tc.wantSkip)
				}
				if _, ok := got["skip_consent_for_verifiable_first_party"]; ok {
					t.Errorf("alias shown: %v", got)
				}
				te, ok := got["token_exchange"]
				if tc.wantTE == "" && ok {
					t.Errorf("token_exchange = %v, want none", te)
				} else if tc.wantTE != "" {
					jsonEqual(t, te, tc.wantTE)
				}
			}
			// On create.
			body := `{"identifier":"` + apiID + `",` + strings.TrimPrefix(tc.body, "{")
			check(f.do("POST", "/api/v2/resource-servers", body).want(http.StatusCreated).obj())
			// On update, from the opposite state.
			id := f.createAPI("https://other/")["id"].(string)
			if strings.Contains(tc.body, "skip_consent") {
				f.do("PATCH", "/api/v2/resource-servers/"+id, `{"skip_consent_for_verifiable_first_party_clients":`+
					map[bool]string{true: "false", false: "true"}[tc.wantSkip]+`}`).want(http.StatusOK)
			}
			f.do("PATCH", "/api/v2/resource-servers/"+id, tc.body).want(http.StatusOK)
			check(f.do("GET", "/api/v2/resource-servers/"+id, "").want(http.StatusOK).obj())
		})
	}
}

func TestP2_BadAliasValuesAre400(t *testing.T) {
	f := newFixture(t)
	id := f.createAPI(apiID)["id"].(string)
	tests := []struct{ body, message string }{
		{`{"skip_consent_for_verifiable_first_party":"yes"}`,
			"Payload validation error: 'Expected type boolean but found type string' on property skip_consent_for_verifiable_first_party."},
		{`{"skip_consent_for_verifiable_first_party":1}`,
			"Payload validation error: 'Expected type boolean but found type integer' on property skip_consent_for_verifiable_first_party."},
		{`{"skip_consent_for_verifiable_first_party":"true","skip_consent_for_verifiable_first_party_clients":false}`,
			"Payload validation error: 'Contradicts skip_consent_for_verifiable_first_party_clients, of which it is an alias' on property skip_consent_for_verifiable_first_party."},
		{`{"token_exchange":[{"enabled_subject_token_types":"urn:x"}]}`,
			`Payload validation error: 'No enum match for: "urn:x"' on property token_exchange[0].enabled_subject_token_types[0].`},
		{`{"token_exchange":[{"enabled_subject_token_types":"` + accessType + `","x":1}]}`,
			"Payload validation error: 'Additional properties not allowed: x' on property token_exchange[0]."},
		{`{"token_exchange":["` + accessType + `"]}`,
			"Payload validation error: 'Expected type object but found type string' on property token_exchange[0]."},
		{`{"token_exchange":"` + accessType + `"}`,
			"Payload validation error: 'Expected type object but found type string' on property token_exchange."},
		{`{"token_exchange":{"enabled_subject_token_types":"` + accessType + `"}}`,
			"Payload validation error: 'Expected type array but found type string' on property token_exchange.enabled_subject_token_types."},
	}
	for _, tc := range tests {
		f.do("PATCH", "/api/v2/resource-servers/"+id, tc.body).wantError(http.StatusBadRequest, "invalid_body", tc.message)
	}
	a, _ := f.store.GetAPI(context.Background(), id)
	if a.SkipConsentForVerifiableFirstPartyClients || a.TokenExchange != nil {
		t.Fatalf("refused bodies changed the API: %+v", a)
	}
}

func TestP2_NullTurnsTokenExchangeOff(t *testing.T) {
	f := newFixture(t)
	id := f.createAPI(apiID)["id"].(string)
	f.do("PATCH", "/api/v2/resource-servers/"+id, `{"token_exchange":{"enabled_subject_token_types":["`+accessType+`"]}}`).want(200)
	got := f.do("PATCH", "/api/v2/resource-servers/"+id, `{"token_exchange":null}`).want(200).obj()
	if _, ok := got["token_exchange"]; ok {
		t.Fatalf("still on: %v", got)
	}
}

func TestM3_ResourceServerByIDOrIdentifier(t *testing.T) {
	f := newFixture(t)
	created := f.createAPI(apiID)
	id := created["id"].(string)
	for _, key := range []string{id, apiIDPath, url.PathEscape(apiID)} {
		got := f.do("GET", "/api/v2/resource-servers/"+key, "").want(http.StatusOK).obj()
		if got["id"] != id || got["identifier"] != apiID {
			t.Fatalf("GET %s: %v", key, got)
		}
	}
	f.do("PATCH", "/api/v2/resource-servers/"+apiIDPath, `{"name":"Renamed"}`).want(http.StatusOK)
	if got := f.do("GET", "/api/v2/resource-servers/"+id, "").want(200).obj(); got["name"] != "Renamed" {
		t.Fatalf("after PATCH by identifier: %v", got)
	}
	f.do("DELETE", "/api/v2/resource-servers/"+apiIDPath, "").want(http.StatusNoContent)
	for _, m := range []string{"GET", "PATCH", "DELETE"} {
		f.do(m, "/api/v2/resource-servers/"+id, `{}`).wantError(http.StatusNotFound, "inexistent_resource_server",
			"The resource server does not exist")
	}
}

func TestM3_ResourceServerDuplicateIdentifierIs409(t *testing.T) {
	f := newFixture(t)
	f.createAPI(apiID)
	f.do("POST", "/api/v2/resource-servers", `{"identifier":"`+apiID+`"}`).wantError(http.StatusConflict, "conflict",
		"A resource server with the same identifier already exists")
}

func TestM3_SystemResourceServerCannotChange(t *testing.T) {
	f := newFixture(t)
	sys := &tenant.API{Identifier: "https://idp/api/v2/", Name: "Auth0 Management API", IsSystem: true}
	if err := f.store.CreateAPI(context.Background(), sys); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"PATCH", "DELETE"} {
		f.do(m, "/api/v2/resource-servers/"+sys.ID, `{"name":"x"}`).wantError(http.StatusForbidden, "operation_not_supported",
			"The resource server is a system API and cannot be changed")
	}
	if got := f.do("GET", "/api/v2/resource-servers/"+sys.ID, "").want(200).obj(); got["is_system"] != true {
		t.Fatalf("system API: %v", got)
	}
}

func TestM3_ListResourceServers(t *testing.T) {
	f := newFixture(t)
	for _, id := range []string{"https://a/", "https://b/", "https://c/"} {
		f.createAPI(id)
	}
	if got := f.do("GET", "/api/v2/resource-servers", "").want(200).arr(); len(got) != 3 {
		t.Fatalf("list: %v", got)
	}
	m := f.do("GET", "/api/v2/resource-servers?per_page=2&include_totals=true", "").want(200).obj()
	if m["start"] != 0.0 || m["limit"] != 2.0 || m["total"] != 3.0 || len(m["resource_servers"].([]any)) != 2 {
		t.Fatalf("totals: %v", m)
	}
}

func TestM3_DeleteResourceServerRemovesItsClientGrants(t *testing.T) {
	f := newFixture(t)
	rs := f.createAPI(apiID)["id"].(string)
	c := f.createClient(`{"name":"A"}`)["client_id"].(string)
	f.do("POST", "/api/v2/client-grants", `{"client_id":"`+c+`","audience":"`+apiID+`","scope":[]}`).want(201)
	f.do("DELETE", "/api/v2/resource-servers/"+rs, "").want(http.StatusNoContent)
	if got := f.do("GET", "/api/v2/client-grants?audience="+url.QueryEscape(apiID), "").want(200).arr(); len(got) != 0 {
		t.Fatalf("client grants left: %v", got)
	}
}
