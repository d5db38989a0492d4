package mgmt_test

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
)

func TestConnections_CreateGetListPatchDelete(t *testing.T) {
	f := newFixture(t)
	app := f.createClient(`{"name":"App"}`)["client_id"].(string)
	c := f.do("POST", "/api/v2/connections", `{"name":"my-db","strategy":"auth0","display_name":"My DB",
		"options":{"requires_username":true,"passwordPolicy":"good"},"enabled_clients":["`+app+`"],"metadata":{"k":"v"}}`).
		want(http.StatusCreated).obj()
	id := c["id"].(string)
	if !regexp.MustCompile(`^con_[A-Za-z0-9]{16}$`).MatchString(id) {
		t.Fatalf("id %q", id)
	}
	want := `{"id":"` + id + `","name":"my-db","display_name":"My DB","strategy":"auth0",
		"options":{"requires_username":true,"passwordPolicy":"good"},"enabled_clients":["` + app + `"],
		"realms":["my-db"],"is_domain_connection":false,"metadata":{"k":"v"}}`
	jsonEqual(t, c, want)
	jsonEqual(t, f.do("GET", "/api/v2/connections/"+id, "").want(http.StatusOK).obj(), want)

	list := f.do("GET", "/api/v2/connections", "").want(http.StatusOK).arr()
	var names []string
	for _, c := range list {
		names = append(names, c["name"].(string))
	}
	if !slices.Equal(names, []string{"Username-Password-Authentication", "db", "my-db"}) {
		t.Fatalf("list: %v", names)
	}

	// PATCH: options are replaced whole; name and strategy cannot change.
	got := f.do("PATCH", "/api/v2/connections/"+id, `{"options":{"disable_signup":true},"realms":["my-db","example.com"],"is_domain_connection":true}`).
		want(http.StatusOK).obj()
	jsonEqual(t, got["options"], `{"disable_signup":true}`)
	jsonEqual(t, got["realms"], `["my-db","example.com"]`)
	f.do("PATCH", "/api/v2/connections/"+id, `{"name":"renamed"}`).wantError(http.StatusBadRequest, "invalid_body",
		"Payload validation error: 'Additional properties not allowed: name'.")
	f.do("PATCH", "/api/v2/connections/"+id, `{"strategy":"samlp"}`).want(http.StatusBadRequest)
	stored, err := f.store.GetConnection(context.Background(), id)
	if err != nil || !stored.IsDomainConnection || stored.Options["disable_signup"] != true {
		t.Fatalf("stored %+v %v", stored, err)
	}

	f.do("DELETE", "/api/v2/connections/"+id, "").want(http.StatusAccepted)
	f.do("GET", "/api/v2/connections/"+id, "").wantError(http.StatusNotFound, "inexistent_connection", "The connection does not exist")
	f.do("DELETE", "/api/v2/connections/"+id, "").wantError(http.StatusNotFound, "inexistent_connection", "The connection does not exist")
	f.do("PATCH", "/api/v2/connections/"+id, `{}`).wantError(http.StatusNotFound, "inexistent_connection", "The connection does not exist")
}

func TestConnections_Validation(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ body, msg string }{
		{`{"strategy":"auth0"}`, "Payload validation error: 'Missing required property: name'."},
		{`{"name":"x"}`, "Payload validation error: 'Missing required property: strategy'."},
		{`{"name":"x","strategy":"magic"}`, `Payload validation error: 'No enum match for: "magic"' on property strategy.`},
		{`{"name":"bad name","strategy":"auth0"}`,
			"Payload validation error: 'String does not match pattern: ^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$' on property name."},
		{`{"name":"x","strategy":"auth0","options":[]}`, "Payload validation error: 'Expected type object but found type array' on property options."},
		{`{"name":"x","strategy":"auth0","enabled_clients":["nope"]}`, "Payload validation error: 'No client with client_id nope' on property enabled_clients[0]."},
		{`{"name":"x","strategy":"auth0","realms":[""]}`, "Payload validation error: 'String is too short (0 chars), minimum 1' on property realms[0]."},
		{`{"name":"x","strategy":"auth0","id":"con_x"}`, "Payload validation error: 'Additional properties not allowed: id'."},
	} {
		f.do("POST", "/api/v2/connections", tc.body).wantError(http.StatusBadRequest, "invalid_body", tc.msg)
	}
	f.do("POST", "/api/v2/connections", `{"name":"db","strategy":"auth0"}`).
		wantError(http.StatusConflict, "conflict", "A connection with the same name already exists")
	// Other strategies are stored too, with their options.
	g := f.do("POST", "/api/v2/connections", `{"name":"google-oauth2","strategy":"google-oauth2","options":{"client_id":"x","scope":["email"]}}`).
		want(http.StatusCreated).obj()
	jsonEqual(t, g["options"], `{"client_id":"x","scope":["email"]}`)
}

func TestConnections_ListFiltersAndPages(t *testing.T) {
	f := newFixture(t)
	for _, n := range []string{"c1", "c2", "c3"} {
		f.do("POST", "/api/v2/connections", `{"name":"`+n+`","strategy":"auth0"}`).want(http.StatusCreated)
	}
	f.do("POST", "/api/v2/connections", `{"name":"gh","strategy":"github"}`).want(http.StatusCreated)

	if got := f.do("GET", "/api/v2/connections?strategy=github", "").want(200).arr(); len(got) != 1 || got[0]["name"] != "gh" {
		t.Fatalf("strategy filter: %v", got)
	}
	if got := f.do("GET", "/api/v2/connections?strategy=auth0&strategy=github", "").want(200).arr(); len(got) != 6 {
		t.Fatalf("two strategies: %d", len(got))
	}
	if got := f.do("GET", "/api/v2/connections?name=c2", "").want(200).arr(); len(got) != 1 || got[0]["name"] != "c2" {
		t.Fatalf("name filter: %v", got)
	}
	f.do("GET", "/api/v2/connections?strategy=magic", "").want(http.StatusBadRequest)

	m := f.do("GET", "/api/v2/connections?page=1&per_page=2&include_totals=true", "").want(200).obj()
	if m["total"] != 6.0 || m["start"] != 2.0 || m["limit"] != 2.0 || len(m["connections"].([]any)) != 2 {
		t.Fatalf("offset paging: %v", m)
	}

	// Checkpoint paging (from/take), which the current SDKs use.
	var names []string
	from := ""
	for pages := 0; pages < 10; pages++ {
		target := "/api/v2/connections?take=4&include_totals=true"
		if from != "" {
			target += "&from=" + from
		}
		page := f.do("GET", target, "").want(200).obj()
		for _, c := range page["connections"].([]any) {
			names = append(names, c.(map[string]any)["name"].(string))
		}
		next, ok := page["next"].(string)
		if !ok {
			break
		}
		from = next
	}
	if !slices.Equal(names, []string{"Username-Password-Authentication", "db", "c1", "c2", "c3", "gh"}) {
		t.Fatalf("checkpoint pages: %v", names)
	}
	f.do("GET", "/api/v2/connections?take=0", "").want(http.StatusBadRequest)
	f.do("GET", "/api/v2/connections?from=con_nope&take=2", "").want(http.StatusBadRequest)
}

func TestConnections_EnabledClientsEndpoint(t *testing.T) {
	f := newFixture(t)
	// enable_client_connections is on by default: new clients get every connection.
	a := f.createClient(`{"name":"A"}`)["client_id"].(string)
	b := f.createClient(`{"name":"B"}`)["client_id"].(string)
	def, err := f.store.GetConnectionByName(context.Background(), "Username-Password-Authentication")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(def.EnabledClients, []string{a, b}) {
		t.Fatalf("default connection enabled for %v, want the new clients", def.EnabledClients)
	}
	got := f.do("GET", "/api/v2/connections/"+def.ID+"/clients?take=1", "").want(200).obj()
	jsonEqual(t, got, `{"clients":[{"client_id":"`+a+`"}],"next":"`+b+`"}`)
	got = f.do("GET", "/api/v2/connections/"+def.ID+"/clients?take=1&from="+b, "").want(200).obj()
	jsonEqual(t, got, `{"clients":[{"client_id":"`+b+`"}]}`)

	f.do("PATCH", "/api/v2/connections/"+def.ID+"/clients", `[{"client_id":"`+a+`","status":false},{"client_id":"`+b+`","status":true}]`).
		want(http.StatusNoContent)
	def, _ = f.store.GetConnection(context.Background(), def.ID)
	if !slices.Equal(def.EnabledClients, []string{b}) {
		t.Fatalf("after PATCH: %v", def.EnabledClients)
	}
	f.do("PATCH", "/api/v2/connections/"+def.ID+"/clients", `{"client_id":"x"}`).want(http.StatusBadRequest)
	f.do("PATCH", "/api/v2/connections/"+def.ID+"/clients", `[{"client_id":"nope","status":true}]`).
		wantError(http.StatusBadRequest, "invalid_body", "Payload validation error: 'No client with client_id nope' on property [0].client_id.")
	f.do("PATCH", "/api/v2/connections/"+def.ID+"/clients", `[{"client_id":"`+a+`"}]`).
		wantError(http.StatusBadRequest, "invalid_body", "Payload validation error: 'Missing required property: status'.")
	f.do("GET", "/api/v2/connections/con_nope/clients", "").want(http.StatusNotFound)

	// With the flag off, a new client gets no connection.
	f.do("PATCH", "/api/v2/tenants/settings", `{"flags":{"enable_client_connections":false}}`).want(200)
	c := f.createClient(`{"name":"C"}`)["client_id"].(string)
	def, _ = f.store.GetConnection(context.Background(), def.ID)
	if slices.Contains(def.EnabledClients, c) {
		t.Fatal("enable_client_connections false still enabled the new client")
	}
	// Deleting a client takes it off the connections.
	f.do("DELETE", "/api/v2/clients/"+b, "").want(http.StatusNoContent)
	def, _ = f.store.GetConnection(context.Background(), def.ID)
	if len(def.EnabledClients) != 0 {
		t.Fatalf("deleted client still enabled: %v", def.EnabledClients)
	}
}

func TestConnections_UsersBelongToADatabaseConnection(t *testing.T) {
	f := newFixture(t)
	f.do("POST", "/api/v2/users", `{"connection":"nope","email":"a@example.com","password":"x"}`).
		wantError(http.StatusBadRequest, "inexistent_connection", "The connection does not exist.")
	f.do("POST", "/api/v2/connections", `{"name":"github","strategy":"github"}`).want(http.StatusCreated)
	f.do("POST", "/api/v2/users", `{"connection":"github","email":"a@example.com","password":"x"}`).
		wantError(http.StatusBadRequest, "operation_not_supported",
			"The connection does not support user creation through the API. It must either be a database or passwordless connection.")
	id := f.createUser("a@example.com")

	// Deleting the connection deletes its users.
	conn, _ := f.store.GetConnectionByName(context.Background(), "Username-Password-Authentication")
	f.do("DELETE", "/api/v2/connections/"+conn.ID, "").want(http.StatusAccepted)
	f.do("GET", "/api/v2/users/"+id, "").want(http.StatusNotFound)
}

func TestConnections_ConcurrentEnablesLoseNothing(t *testing.T) {
	f := newFixture(t)
	conn, _ := f.store.GetConnectionByName(context.Background(), "db")
	const n = 20
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Half create clients (enabled everywhere), half enable them on db.
			id := f.do("POST", "/api/v2/clients", `{"name":"C`+strconv.Itoa(i)+`"}`).body
			var c map[string]any
			_ = json.Unmarshal(id, &c)
			cid, _ := c["client_id"].(string)
			ids <- cid
			f.do("PATCH", "/api/v2/connections/"+conn.ID+"/clients", `[{"client_id":"`+cid+`","status":true}]`)
		}()
	}
	wg.Wait()
	close(ids)
	got, _ := f.store.GetConnection(context.Background(), conn.ID)
	for id := range ids {
		if !slices.Contains(got.EnabledClients, id) {
			t.Errorf("client %s lost from enabled_clients", id)
		}
	}
	if len(got.EnabledClients) != n {
		t.Errorf("%d enabled clients, want %d: %v", len(got.EnabledClients), n, got.EnabledClients)
	}
}
