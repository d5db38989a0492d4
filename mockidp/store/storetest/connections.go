package storetest

import (
	"regexp"
	"slices"
	"testing"

	"github.com/consentry/consentry/mockidp/tenant"
)

// Connections, the browser fields of clients and the settings flags that
// are pointers.

func newConnection(name string, enabled ...string) *tenant.Connection {
	return &tenant.Connection{
		Name:     name,
		Strategy: tenant.StrategyAuth0,
		// Decoded JSON: numbers are float64, nested objects and arrays.
		Options: map[string]any{
			"requires_username": true,
			"passwordPolicy":    "good",
			"password_history":  map[string]any{"enable": false, "size": float64(5)},
			"import_mode":       false,
			"validation":        map[string]any{"username": map[string]any{"min": float64(1), "max": float64(15)}},
			"list":              []any{"a", float64(2)},
		},
		EnabledClients:     append([]string{}, enabled...),
		Realms:             []string{name},
		IsDomainConnection: true,
		DisplayName:        "Display " + name,
		ShowAsButton:       ptr(true),
		Metadata:           map[string]string{"owner": "team-" + name},
	}
}

var connectionID = regexp.MustCompile(`^con_[A-Za-z0-9]{16}$`)

func testConnectionCRUD(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	_, err := s.GetConnection(ctx, "con_nope")
	wantErr(t, err, tenant.ErrNotFound, "GetConnection of a missing connection")
	_, err = s.GetConnectionByName(ctx, "nope")
	wantErr(t, err, tenant.ErrNotFound, "GetConnectionByName of a missing connection")

	c := newConnection("db-one", "client-a")
	must(t, s.CreateConnection(ctx, c), "CreateConnection")
	if !connectionID.MatchString(c.ID) {
		t.Fatalf("CreateConnection assigned id %q, want con_ and 16 letters and digits", c.ID)
	}
	want := newConnection("db-one", "client-a")
	want.ID = c.ID
	got, err := s.GetConnection(ctx, c.ID)
	must(t, err, "GetConnection")
	same(t, got, want, "GetConnection after CreateConnection")
	got, err = s.GetConnectionByName(ctx, "db-one")
	must(t, err, "GetConnectionByName")
	same(t, got, want, "GetConnectionByName after CreateConnection")

	given := newConnection("db-two")
	given.ID = "con_0123456789abcdef"
	must(t, s.CreateConnection(ctx, given), "CreateConnection with an id")
	if given.ID != "con_0123456789abcdef" {
		t.Errorf("CreateConnection changed a given id to %q", given.ID)
	}

	c.EnabledClients = []string{"client-a", "client-b"}
	c.Options = map[string]any{}
	c.Realms = []string{"db-one", "example.com"}
	c.IsDomainConnection = false
	c.ShowAsButton = nil
	c.Metadata = nil
	must(t, s.UpdateConnection(ctx, c), "UpdateConnection")
	got, err = s.GetConnection(ctx, c.ID)
	must(t, err, "GetConnection after UpdateConnection")
	same(t, got, c, "GetConnection after UpdateConnection")

	missing := newConnection("db-missing")
	missing.ID = "con_missingmissing00"
	wantErr(t, s.UpdateConnection(ctx, missing), tenant.ErrNotFound, "UpdateConnection of a missing connection")

	must(t, s.DeleteConnection(ctx, c.ID), "DeleteConnection")
	_, err = s.GetConnection(ctx, c.ID)
	wantErr(t, err, tenant.ErrNotFound, "GetConnection after DeleteConnection")
	_, err = s.GetConnectionByName(ctx, "db-one")
	wantErr(t, err, tenant.ErrNotFound, "GetConnectionByName after DeleteConnection")
	wantErr(t, s.DeleteConnection(ctx, c.ID), tenant.ErrNotFound, "second DeleteConnection")
	list, err := s.ListConnections(ctx)
	must(t, err, "ListConnections")
	if len(list) != 1 || list[0].Name != "db-two" {
		t.Errorf("ListConnections after deleting one of two: %+v", list)
	}
}

func testConnectionConflicts(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	a := newConnection("db-a")
	must(t, s.CreateConnection(ctx, a), "CreateConnection")
	wantErr(t, s.CreateConnection(ctx, newConnection("db-a")), tenant.ErrConflict, "CreateConnection with a name in use")
	sameID := newConnection("db-other")
	sameID.ID = a.ID
	wantErr(t, s.CreateConnection(ctx, sameID), tenant.ErrConflict, "CreateConnection with an id in use")

	b := newConnection("db-b")
	must(t, s.CreateConnection(ctx, b), "CreateConnection")
	b.Name = "db-a"
	wantErr(t, s.UpdateConnection(ctx, b), tenant.ErrConflict, "UpdateConnection to another connection's name")
	got, _ := s.GetConnection(ctx, b.ID)
	if got == nil || got.Name != "db-b" {
		t.Errorf("a refused UpdateConnection changed the connection: %+v", got)
	}
	list, _ := s.ListConnections(ctx)
	if len(list) != 2 {
		t.Errorf("refused creates changed the list: %d connections", len(list))
	}
}

func testConnectionCopies(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	c := newConnection("db-copy", "client-a")
	must(t, s.CreateConnection(ctx, c), "CreateConnection")
	want := newConnection("db-copy", "client-a")
	want.ID = c.ID

	mutate := func(x *tenant.Connection) {
		x.EnabledClients[0] = "evil"
		x.Realms[0] = "evil"
		x.Options["passwordPolicy"] = "none"
		x.Options["password_history"].(map[string]any)["size"] = float64(0)
		x.Options["list"].([]any)[0] = "evil"
		*x.ShowAsButton = false
		x.Metadata["owner"] = "evil"
	}
	mutate(c)
	got, _ := s.GetConnection(ctx, want.ID)
	same(t, got, want, "connection after changing the value given to CreateConnection")
	mutate(got)
	byName, _ := s.GetConnectionByName(ctx, "db-copy")
	mutate(byName)
	list, _ := s.ListConnections(ctx)
	mutate(list[0])
	again, _ := s.GetConnection(ctx, want.ID)
	same(t, again, want, "connection after changing values returned by the getters")

	u := newConnection("db-copy", "client-b")
	u.ID = want.ID
	must(t, s.UpdateConnection(ctx, u), "UpdateConnection")
	wantU := newConnection("db-copy", "client-b")
	wantU.ID = want.ID
	mutate(u)
	again, _ = s.GetConnection(ctx, want.ID)
	same(t, again, wantU, "connection after changing the value given to UpdateConnection")
}

func testConnectionOrder(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	names := []string{"zeta", "alpha", "mid-one"}
	for _, n := range names {
		must(t, s.CreateConnection(ctx, newConnection(n)), "CreateConnection")
	}
	checkIDs(t, s.ListConnections, func(c *tenant.Connection) string { return c.Name }, names, "ListConnections")
}

func testDeleteConnectionUsers(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	gone, kept := newConnection("db-gone"), newConnection("db-kept")
	must(t, s.CreateConnection(ctx, gone), "CreateConnection")
	must(t, s.CreateConnection(ctx, kept), "CreateConnection")
	must(t, s.CreateClient(ctx, newClient("app")), "CreateClient")
	must(t, s.CreateAPI(ctx, newAPI("https://api.example.com")), "CreateAPI")
	grantIDs := map[string]string{}
	for _, u := range []struct{ id, email, conn string }{
		{"auth0|gone", "gone@example.com", "db-gone"},
		{"auth0|kept", "kept@example.com", "db-kept"},
	} {
		nu := newUser(u.id, u.email)
		nu.Connection = u.conn
		must(t, s.CreateUser(ctx, nu), "CreateUser")
		g, err := s.MergeUserGrant(ctx, u.id, "app", "https://api.example.com", []string{"read:posts"})
		must(t, err, "MergeUserGrant")
		grantIDs[u.id] = g.ID
		must(t, s.SaveRefreshToken(ctx, &tenant.RefreshToken{ID: "rt-" + u.id, ClientID: "app", UserID: u.id,
			Audience: "https://api.example.com", GrantID: g.ID, CreatedAt: t0}), "SaveRefreshToken")
	}

	must(t, s.DeleteConnection(ctx, gone.ID), "DeleteConnection")

	_, err := s.GetUser(ctx, "auth0|gone")
	wantErr(t, err, tenant.ErrNotFound, "GetUser of a user of the deleted connection")
	if _, err := s.GetUser(ctx, "auth0|kept"); err != nil {
		t.Errorf("DeleteConnection removed a user of another connection: %v", err)
	}
	ugs, _ := s.ListUserGrants(ctx, tenant.UserGrantFilter{})
	if len(ugs) != 1 || ugs[0].UserID != "auth0|kept" {
		t.Errorf("user grants after DeleteConnection: %+v, want only the other user's", ugs)
	}
	// Lookups by id and by (user, client, audience) agree with the list.
	_, err = s.GetUserGrant(ctx, grantIDs["auth0|gone"])
	wantErr(t, err, tenant.ErrNotFound, "GetUserGrant of a grant of a user of the deleted connection")
	if gs, _ := s.ListUserGrants(ctx, tenant.UserGrantFilter{UserID: "auth0|gone", ClientID: "app", Audience: "https://api.example.com"}); len(gs) != 0 {
		t.Errorf("ListUserGrants by user, client and audience after DeleteConnection: %+v, want none", gs)
	}
	_, err = s.GetRefreshToken(ctx, "rt-auth0|gone")
	wantErr(t, err, tenant.ErrNotFound, "refresh token of a user of the deleted connection")
	if _, err := s.GetRefreshToken(ctx, "rt-auth0|kept"); err != nil {
		t.Errorf("DeleteConnection removed another user's refresh token: %v", err)
	}
	// The email is free again.
	must(t, s.CreateUser(ctx, newUser("auth0|again", "gone@example.com")), "CreateUser with the deleted user's email")
}

func testDeleteClientDisablesConnection(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	for _, id := range []string{"gone", "kept"} {
		must(t, s.CreateClient(ctx, newClient(id)), "CreateClient")
	}
	c := newConnection("db", "gone", "kept")
	must(t, s.CreateConnection(ctx, c), "CreateConnection")
	must(t, s.DeleteClient(ctx, "gone"), "DeleteClient")
	got, err := s.GetConnection(ctx, c.ID)
	must(t, err, "GetConnection")
	if !slices.Equal(got.EnabledClients, []string{"kept"}) {
		t.Errorf("enabled_clients after deleting a client: %q, want [kept]", got.EnabledClients)
	}
}

func testClientBrowserFieldsCopies(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	c := newClient("b1")
	must(t, s.CreateClient(ctx, c), "CreateClient")
	want := newClient("b1")
	mutate := func(x *tenant.Client) {
		x.AllowedOrigins[0] = "https://evil.example.com"
		x.WebOrigins[0] = "https://evil.example.com"
		x.AllowedClients[0] = "evil"
		x.ClientAliases[0] = "evil"
		x.ClientMetadata["team"] = "evil"
		x.RefreshToken.RotationType = tenant.RotationNonRotating
		x.JWTConfiguration.Alg = "HS256"
		*x.SSO = true
		*x.SSODisabled = false
		*x.CustomLoginPageOn = false
	}
	mutate(c)
	got, _ := s.GetClient(ctx, "b1")
	same(t, got, want, "client after changing the browser fields given to CreateClient")
	mutate(got)
	list, _ := s.ListClients(ctx)
	mutate(list[0])
	again, _ := s.GetClient(ctx, "b1")
	same(t, again, want, "client after changing the browser fields of returned values")
}

func testSettingsCopies(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	in := tenant.Settings{FriendlyName: "T", Flags: tenant.Flags{EnableClientConnections: ptr(false)}}
	must(t, s.UpdateSettings(ctx, in), "UpdateSettings")
	*in.Flags.EnableClientConnections = true
	got, err := s.GetSettings(ctx)
	must(t, err, "GetSettings")
	if got.Flags.EnableClientConnections == nil || *got.Flags.EnableClientConnections {
		t.Fatalf("enable_client_connections after changing the value given to UpdateSettings: %v", got.Flags.EnableClientConnections)
	}
	*got.Flags.EnableClientConnections = true
	again, _ := s.GetSettings(ctx)
	if *again.Flags.EnableClientConnections {
		t.Fatal("changing a returned settings value changed the store")
	}
}
