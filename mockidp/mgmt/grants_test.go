package mgmt_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/tenant"
)

func TestM3_ClientGrants(t *testing.T) {
	f := newFixture(t)
	a := f.createClient(`{"name":"A"}`)["client_id"].(string)
	b := f.createClient(`{"name":"B","is_first_party":false}`)["client_id"].(string)
	f.createAPI(apiID)
	f.createAPI("https://other/")

	g := f.do("POST", "/api/v2/client-grants", `{"client_id":"`+a+`","audience":"`+apiID+`","scope":["read:posts"]}`).
		want(http.StatusCreated).obj()
	if g["id"] == "" || g["client_id"] != a || g["audience"] != apiID || g["subject_type"] != "client" {
		t.Fatalf("created: %v", g)
	}
	jsonEqual(t, g["scope"], `["read:posts"]`)
	gid := g["id"].(string)
	f.do("POST", "/api/v2/client-grants", `{"client_id":"`+a+`","audience":"`+apiID+`","scope":[]}`).
		wantError(http.StatusConflict, "conflict", "A client grant for this client, audience and subject type already exists")
	// Same client and audience, other subject type: a second grant (rule K2).
	f.do("POST", "/api/v2/client-grants", `{"client_id":"`+a+`","audience":"`+apiID+`","scope":[],"subject_type":"user"}`).want(201)
	f.do("POST", "/api/v2/client-grants", `{"client_id":"`+b+`","audience":"`+apiID+`","scope":[],"subject_type":"user"}`).want(201)
	f.do("POST", "/api/v2/client-grants", `{"client_id":"`+b+`","audience":"https://other/","scope":[]}`).want(201)

	f.do("POST", "/api/v2/client-grants", `{"client_id":"nope","audience":"`+apiID+`","scope":[]}`).
		wantError(http.StatusNotFound, "inexistent_client", "Client not found")
	f.do("POST", "/api/v2/client-grants", `{"client_id":"`+a+`","audience":"https://nope/","scope":[]}`).
		wantError(http.StatusNotFound, "inexistent_resource_server", "No resource with identifier https://nope/")

	count := func(query string) int {
		t.Helper()
		return len(f.do("GET", "/api/v2/client-grants"+query, "").want(200).arr())
	}
	for q, want := range map[string]int{
		"":                                    4,
		"?client_id=" + a:                     2,
		"?audience=" + url.QueryEscape(apiID): 3,
		"?subject_type=user":                  2,
		"?subject_type=client":                2,
		"?client_id=" + b + "&audience=" + url.QueryEscape(apiID) + "&subject_type=user": 1,
	} {
		if got := count(q); got != want {
			t.Errorf("GET client-grants%s: %d grants, want %d", q, got, want)
		}
	}
	m := f.do("GET", "/api/v2/client-grants?page=1&per_page=3&include_totals=true", "").want(200).obj()
	if m["start"] != 3.0 || m["limit"] != 3.0 || m["total"] != 4.0 || len(m["client_grants"].([]any)) != 1 {
		t.Fatalf("totals: %v", m)
	}

	got := f.do("PATCH", "/api/v2/client-grants/"+gid, `{"scope":["read:posts","write:posts"]}`).want(200).obj()
	jsonEqual(t, got["scope"], `["read:posts","write:posts"]`)
	stored, _ := f.store.GetClientGrant(context.Background(), gid)
	if len(stored.Scope) != 2 {
		t.Fatalf("store: %+v", stored)
	}
	for _, prop := range []string{"client_id", "audience", "subject_type"} {
		f.do("PATCH", "/api/v2/client-grants/"+gid, `{"`+prop+`":"x"}`).wantError(http.StatusBadRequest, "invalid_body",
			"Payload validation error: 'Property is read-only and cannot be changed after creation' on property "+prop+".")
	}
	f.do("GET", "/api/v2/client-grants/"+gid, "").want(200)
	f.do("DELETE", "/api/v2/client-grants/"+gid, "").want(http.StatusNoContent)
	for _, m := range []string{"GET", "PATCH", "DELETE"} {
		f.do(m, "/api/v2/client-grants/"+gid, `{}`).wantError(http.StatusNotFound, "inexistent_client_grant", "The client grant does not exist")
	}
}

func TestC9_GrantsListAndRevoke(t *testing.T) {
	f := newFixture(t)
	c1 := f.createClient(`{"name":"One"}`)["client_id"].(string)
	c2 := f.createClient(`{"name":"Two","is_first_party":false}`)["client_id"].(string)
	alice := f.createUser("alice@example.com")
	bob := f.createUser("bob@example.com")
	g1 := f.mergeGrant(alice, c1, apiID, "read:posts")
	f.mergeGrant(alice, c2, apiID, "read:posts", "write:posts")
	f.mergeGrant(alice, c2, "https://other/", "read:x")
	gb := f.mergeGrant(bob, c1, apiID, "read:posts")

	count := func(query string) int {
		t.Helper()
		return len(f.do("GET", "/api/v2/grants"+query, "").want(200).arr())
	}
	for q, want := range map[string]int{
		"":                                    4,
		"?user_id=" + url.QueryEscape(alice):  3,
		"?client_id=" + c2:                    2,
		"?audience=" + url.QueryEscape(apiID): 3,
		"?user_id=" + url.QueryEscape(alice) + "&client_id=" + c1: 1,
	} {
		if got := count(q); got != want {
			t.Errorf("GET grants%s: %d, want %d", q, got, want)
		}
	}
	one := f.do("GET", "/api/v2/grants?user_id="+url.QueryEscape(bob), "").want(200).arr()[0]
	jsonEqual(t, one, `{"id":"`+gb.ID+`","clientID":"`+c1+`","user_id":"`+bob+`","audience":"`+apiID+`","scope":["read:posts"]}`)
	m := f.do("GET", "/api/v2/grants?per_page=3&page=1&include_totals=true", "").want(200).obj()
	if m["start"] != 3.0 || m["limit"] != 3.0 || m["total"] != 4.0 || len(m["grants"].([]any)) != 1 {
		t.Fatalf("totals: %v", m)
	}
	if _, ok := m["length"]; ok {
		t.Fatalf("grants page has length: %v", m)
	}

	// Revoking a grant also revokes the refresh tokens issued under it.
	ctx := context.Background()
	rt := &tenant.RefreshToken{ID: "rt1", ClientID: c1, UserID: alice, Audience: apiID, GrantID: g1.ID, CreatedAt: time.Now()}
	if err := f.store.SaveRefreshToken(ctx, rt); err != nil {
		t.Fatal(err)
	}
	f.do("DELETE", "/api/v2/grants/"+g1.ID, "").want(http.StatusNoContent)
	if _, err := f.store.GetRefreshToken(ctx, "rt1"); !errors.Is(err, tenant.ErrNotFound) {
		t.Fatalf("refresh token survived: %v", err)
	}
	f.do("DELETE", "/api/v2/grants/"+g1.ID, "").wantError(http.StatusNotFound, "inexistent_grant", "The grant does not exist.")
	if got := count("?user_id=" + url.QueryEscape(alice)); got != 2 {
		t.Fatalf("after delete by id: %d", got)
	}

	f.do("DELETE", "/api/v2/grants", "").wantError(http.StatusBadRequest, "invalid_query_string",
		"Query validation error: 'Missing required property: user_id'.")
	f.do("DELETE", "/api/v2/grants?user_id="+url.QueryEscape(alice), "").want(http.StatusNoContent)
	if got := count("?user_id=" + url.QueryEscape(alice)); got != 0 {
		t.Fatalf("alice's grants left: %d", got)
	}
	if got := count("?user_id=" + url.QueryEscape(bob)); got != 1 {
		t.Fatalf("bob's grant gone: %d", got)
	}
	// The SDK's spelling with a trailing slash, and a user with no grants.
	f.do("DELETE", "/api/v2/grants/?user_id="+url.QueryEscape(bob), "").want(http.StatusNoContent)
	f.do("DELETE", "/api/v2/grants?user_id=nobody", "").want(http.StatusNoContent)
	if got := count(""); got != 0 {
		t.Fatalf("grants left: %d", got)
	}
}

func TestM3_DeleteUserRemovesItsGrants(t *testing.T) {
	f := newFixture(t)
	c := f.createClient(`{"name":"One"}`)["client_id"].(string)
	u := f.createUser("gone@example.com")
	f.mergeGrant(u, c, apiID, "read:posts")
	f.do("DELETE", "/api/v2/users/"+url.PathEscape(u), "").want(http.StatusNoContent)
	if got := f.do("GET", "/api/v2/grants", "").want(200).arr(); len(got) != 0 {
		t.Fatalf("grants left: %v", got)
	}
	if !strings.HasPrefix(u, "auth0|") {
		t.Fatalf("user_id %s", u)
	}
}
