package mgmt_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestM3_CreateAndGetUser(t *testing.T) {
	f := newFixture(t)
	r := f.do("POST", "/api/v2/users", `{"connection":"Username-Password-Authentication","email":"Ann@Example.com",
		"password":"Sup3rSecret!","name":"Ann","username":"ann","picture":"https://pics/ann.png","email_verified":true}`).
		want(http.StatusCreated)
	for _, leak := range []string{"Sup3rSecret", "HASHED", "password"} {
		if strings.Contains(string(r.body), leak) {
			t.Fatalf("answer contains %q: %s", leak, r.body)
		}
	}
	u := r.obj()
	id := u["user_id"].(string)
	if !regexp.MustCompile(`^auth0\|[0-9a-f]{24}$`).MatchString(id) {
		t.Fatalf("user_id %q", id)
	}
	if u["email"] != "Ann@Example.com" || u["name"] != "Ann" || u["username"] != "ann" || u["picture"] != "https://pics/ann.png" {
		t.Fatalf("created: %v", u)
	}
	jsonEqual(t, u["identities"], `[{"connection":"Username-Password-Authentication","user_id":"`+strings.TrimPrefix(id, "auth0|")+`","provider":"auth0","isSocial":false}]`)
	stored, err := f.store.GetUser(context.Background(), id)
	if err != nil || stored.PasswordHash != "HASHED-Sup3rSecret!" {
		t.Fatalf("stored %+v, %v", stored, err)
	}

	for _, path := range []string{url.PathEscape(id), "auth0%7C" + strings.TrimPrefix(id, "auth0|")} {
		got := f.do("GET", "/api/v2/users/"+path, "").want(http.StatusOK)
		if got.obj()["user_id"] != id || strings.Contains(string(got.body), "HASHED") {
			t.Fatalf("GET %s: %s", path, got.body)
		}
	}
	f.do("GET", "/api/v2/users/auth0%7Cnope", "").wantError(http.StatusNotFound, "inexistent_user", "The user does not exist.")

	// Given user_id, and the name defaulting to the email.
	v := f.do("POST", "/api/v2/users", `{"connection":"db","email":"v@example.com","password":"x","user_id":"abc123"}`).
		want(http.StatusCreated).obj()
	if v["user_id"] != "auth0|abc123" || v["name"] != "v@example.com" {
		t.Fatalf("created: %v", v)
	}
}

func TestM3_DuplicateUserIs409(t *testing.T) {
	f := newFixture(t)
	f.do("POST", "/api/v2/users", `{"connection":"db","email":"dup@example.com","password":"x","username":"dup"}`).want(201)
	f.do("POST", "/api/v2/users", `{"connection":"db","email":"DUP@example.com","password":"y"}`).
		wantError(http.StatusConflict, "auth0_idp_error", "The user already exists.")
	f.do("POST", "/api/v2/users", `{"connection":"db","email":"other@example.com","password":"y","username":"DUP"}`).
		wantError(http.StatusConflict, "auth0_idp_error", "The username provided is in use already.")
}

func TestM3_ListUsersAndByEmail(t *testing.T) {
	f := newFixture(t)
	for _, e := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		f.createUser(e)
	}
	if got := f.do("GET", "/api/v2/users", "").want(200).arr(); len(got) != 3 {
		t.Fatalf("list: %d", len(got))
	}
	m := f.do("GET", "/api/v2/users?page=0&per_page=2&include_totals=true", "").want(200).obj()
	if m["start"] != 0.0 || m["limit"] != 2.0 || m["length"] != 2.0 || m["total"] != 3.0 || len(m["users"].([]any)) != 2 {
		t.Fatalf("totals: %v", m)
	}
	if got := f.do("GET", "/api/v2/users?page=5", "").want(200).arr(); len(got) != 0 {
		t.Fatalf("past the end: %v", got)
	}
	got := f.do("GET", "/api/v2/users-by-email?email="+url.QueryEscape("B@Example.com"), "").want(200).arr()
	if len(got) != 1 || got[0]["email"] != "b@example.com" {
		t.Fatalf("by email: %v", got)
	}
	if got := f.do("GET", "/api/v2/users-by-email?email=none@example.com", "").want(200); string(got.body) != "[]\n" {
		t.Fatalf("by unknown email: %s", got.body)
	}
}

func TestM3_DeleteUser(t *testing.T) {
	f := newFixture(t)
	id := f.createUser("del@example.com")
	f.do("DELETE", "/api/v2/users/"+url.PathEscape(id), "").want(http.StatusNoContent)
	f.do("GET", "/api/v2/users/"+url.PathEscape(id), "").want(http.StatusNotFound)
	f.do("DELETE", "/api/v2/users/"+url.PathEscape(id), "").wantError(http.StatusNotFound, "inexistent_user", "The user does not exist.")
	// The email is free again.
	f.createUser("del@example.com")
}

func TestM3_TenantSettingsPatchMerges(t *testing.T) {
	f := newFixture(t)
	jsonEqual(t, f.do("GET", "/api/v2/tenants/settings", "").want(200).obj(),
		`{"friendly_name":"","flags":{"use_scope_descriptions_for_consent":false,"revoke_refresh_token_grant":false},"skip_non_verifiable_callback_uri_confirmation_prompt":false}`)
	f.do("PATCH", "/api/v2/tenants/settings", `{"friendly_name":"Acme","flags":{"use_scope_descriptions_for_consent":true}}`).want(200)
	f.do("PATCH", "/api/v2/tenants/settings", `{"support_email":"help@acme.test","picture_url":"https://acme.test/logo.png"}`).want(200)
	got := f.do("PATCH", "/api/v2/tenants/settings", `{"flags":{},"skip_non_verifiable_callback_uri_confirmation_prompt":true}`).want(200).obj()
	want := `{"friendly_name":"Acme","picture_url":"https://acme.test/logo.png","support_email":"help@acme.test",
		"flags":{"use_scope_descriptions_for_consent":true,"revoke_refresh_token_grant":false},"skip_non_verifiable_callback_uri_confirmation_prompt":true}`
	jsonEqual(t, got, want)
	jsonEqual(t, f.do("GET", "/api/v2/tenants/settings", "").want(200).obj(), want)
	s, _ := f.store.GetSettings(context.Background())
	if !s.Flags.UseScopeDescriptionsForConsent || s.FriendlyName != "Acme" {
		t.Fatalf("store: %+v", s)
	}
	f.do("PATCH", "/api/v2/tenants/settings", `{"flags":{"use_scope_descriptions_for_consent":false}}`).want(200)
	if s, _ := f.store.GetSettings(context.Background()); s.Flags.UseScopeDescriptionsForConsent {
		t.Fatal("flag not turned off")
	}
	// "Refresh Token Revocation Deletes Grant": off by default, as for
	// Auth0 tenants created since 13 January 2021; other flags keep theirs.
	f.do("PATCH", "/api/v2/tenants/settings", `{"flags":{"revoke_refresh_token_grant":true}}`).want(200)
	if s, _ := f.store.GetSettings(context.Background()); !s.Flags.RevokeRefreshTokenGrant || s.FriendlyName != "Acme" {
		t.Fatalf("revoke_refresh_token_grant not turned on, or the rest lost: %+v", s)
	}
	f.do("PATCH", "/api/v2/tenants/settings", `{"flags":{"revoke_refresh_token_grant":"yes"}}`).wantError(http.StatusBadRequest, "invalid_body",
		"Payload validation error: 'Expected type boolean but found type string' on property flags.revoke_refresh_token_grant.")
	f.do("PATCH", "/api/v2/tenants/settings", `{"support_email":"nope"}`).wantError(http.StatusBadRequest, "invalid_body",
		"Payload validation error: 'Object didn't pass validation for format email: nope' on property support_email.")
}

// GET /users?q= ignored q and answered every user, so a search for an
// email that no user has returned the first user of the tenant (a "find by
// email, then delete" script deleted someone else). The mock now reads
// field:value terms and refuses what it cannot read with a 400.
func TestM3_UserSearchQueryFiltersOrIsRefused(t *testing.T) {
	f := newFixture(t)
	for _, e := range []string{"alice@example.com", "bob@example.com", "bobby@example.org"} {
		f.createUser(e)
	}
	emails := func(q string) []string {
		var out []string
		for _, u := range f.do("GET", "/api/v2/users?search_engine=v3&q="+url.QueryEscape(q), "").want(200).arr() {
			out = append(out, u["email"].(string))
		}
		return out
	}
	for q, want := range map[string][]string{
		`email:"bob@example.com"`:    {"bob@example.com"},
		`email:BOB@example.com`:      {"bob@example.com"},
		`email:"nobody@example.com"`: nil,
		`email:bob*`:                 {"bob@example.com", "bobby@example.org"},
		`email:bob* AND identities.connection:Username-Password-Authentication`: {"bob@example.com", "bobby@example.org"},
		`email:bob* AND identities.connection:"other"`:                          nil,
		`identities.provider:auth0 email:alice*`:                                {"alice@example.com"},
	} {
		got := emails(q)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("q=%s: %v, want %v", q, got, want)
		}
	}
	for q, msg := range map[string]string{
		"nobody":                        "field:value terms",
		"app_metadata.plan:gold":        "cannot search the field app_metadata.plan",
		`email:"unterminated`:           "Unterminated",
		"email:*bob":                    "wildcards",
		"email:a OR email:b":            "only AND",
		strings.Repeat("email:a ", 400): "too long",
	} {
		r := f.do("GET", "/api/v2/users?q="+url.QueryEscape(q), "").want(http.StatusBadRequest)
		if !strings.Contains(string(r.body), msg) || !strings.Contains(string(r.body), "invalid_query_string") {
			t.Errorf("q=%.40s: %s, want %q", q, r.body, msg)
		}
	}
	if got := f.do("GET", "/api/v2/users?q=", "").want(200).arr(); len(got) != 3 {
		t.Errorf("empty q: %d users, want every one", len(got))
	}
}
