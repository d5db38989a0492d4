// Package storetest is the conformance suite every tenant.Store backend must
// pass (the in-memory store now, the on-disk store later), in the manner of
// dex's storage/conformance: one description of the contract, run against
// each implementation from that implementation's own tests.
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) tenant.Store { return memstore.New() })
//	}
//
// Besides what the tenant.Store comments say, the suite pins down the
// behaviour callers already rely on: IDs assigned on create when empty,
// conflicts on duplicate emails, usernames, API identifiers and key IDs, and
// a missing client-grant subject_type meaning "client" (Auth0's default).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/tenant"
)

// Run runs the whole suite. newStore must return a new, empty store each time
// it is called; it may register cleanups with t.
func Run(t *testing.T, newStore func(t *testing.T) tenant.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s tenant.Store)
	}{
		{"Clients/CRUD", testClientCRUD},
		{"Clients/Copies", testClientCopies},
		{"Clients/CreationOrder", testClientOrder},
		{"Clients/DeleteCascades", testDeleteClientCascades},
		{"Clients/BrowserFieldsCopies", testClientBrowserFieldsCopies},

		{"APIs/CRUD", testAPICRUD},
		{"APIs/AssignsID", testAPIAssignsID},
		{"APIs/Conflicts", testAPIConflicts},
		{"APIs/Copies", testAPICopies},
		{"APIs/CreationOrder", testAPIOrder},
		{"APIs/DeleteRemovesClientGrants", testDeleteAPIClientGrants},
		{"APIs/DeleteRemovesUserGrantsAndRefreshTokens", testDeleteAPIUserGrants},

		{"Users/CRUD", testUserCRUD},
		{"Users/FindUser", testFindUser},
		{"Users/Conflicts", testUserConflicts},
		{"Users/Copies", testUserCopies},
		{"Users/CreationOrder", testUserOrder},
		{"Users/DeleteCascades", testDeleteUserCascades},

		{"ClientGrants/CRUD", testClientGrantCRUD},
		{"ClientGrants/Conflicts", testClientGrantConflicts},
		{"ClientGrants/Filter", testClientGrantFilter},
		{"ClientGrants/Copies", testClientGrantCopies},

		{"UserGrants/MergeCreates", testMergeCreates},
		{"UserGrants/MergeAddsScopes", testMergeAddsScopes},
		{"UserGrants/MergeKeepsTriplesApart", testMergeTriplesApart},
		{"UserGrants/Filter", testUserGrantFilter},
		{"UserGrants/Copies", testUserGrantCopies},
		{"UserGrants/DeleteCascades", testDeleteUserGrantCascades},

		{"Settings", testSettings},
		{"Settings/FlagsCopies", testSettingsCopies},

		{"Connections/CRUD", testConnectionCRUD},
		{"Connections/Conflicts", testConnectionConflicts},
		{"Connections/Copies", testConnectionCopies},
		{"Connections/CreationOrder", testConnectionOrder},
		{"Connections/DeleteRemovesUsers", testDeleteConnectionUsers},
		{"Connections/DeleteClientDisablesIt", testDeleteClientDisablesConnection},

		{"RefreshTokens", testRefreshTokens},
		{"RefreshTokens/Copies", testRefreshTokenCopies},
		{"RefreshTokens/Fields", testRefreshTokenFields},
		{"RefreshTokens/Update", testRefreshTokenUpdate},
		{"RefreshTokens/Spend", testRefreshTokenSpend},
		{"RefreshTokens/SpendConcurrent", testRefreshTokenSpendConcurrent},
		{"RefreshTokens/Family", testRefreshTokenFamily},
		{"RefreshTokens/DeleteOfUserClientAudience", testRefreshTokensOf},

		{"SigningKeys", testSigningKeys},
		{"SigningKeys/Copies", testSigningKeyCopies},
		{"SigningKeys/AddIfAbsent", testAddSigningKeyIfAbsent},

		{"UpdateFunc/Client", testUpdateClientFunc},
		{"UpdateFunc/API", testUpdateAPIFunc},
		{"UpdateFunc/ClientGrant", testUpdateClientGrantFunc},
		{"UpdateFunc/Connection", testUpdateConnectionFunc},
		{"UpdateFunc/Settings", testUpdateSettingsFunc},

		{"Concurrent/DistinctCreates", testConcurrentCreates},
		{"Concurrent/SameClientID", testConcurrentSameID},
		{"Concurrent/MergeUserGrant", testConcurrentMerge},
		{"Concurrent/ReadersAndWriters", testConcurrentReadWrite},
		{"Concurrent/UpdateFuncsLoseNothing", testConcurrentUpdateFuncs},
		{"Concurrent/FirstSigningKey", testConcurrentFirstKeys},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t)
			if s == nil {
				t.Fatal("newStore returned nil")
			}
			tt.fn(t, s)
		})
	}
}

// Helpers.

func must(t *testing.T, err error, op string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", op, err)
	}
}

func wantErr(t *testing.T, err, want error, op string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error = %v, want %v", op, err, want)
	}
}

func same(t *testing.T, got, want any, what string) {
	t.Helper()
	if !equal(got, want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, deref(got), deref(want))
	}
}

// deref makes %+v print the values behind pointers, not addresses.
func deref(v any) any {
	switch x := v.(type) {
	case *tenant.Client:
		if x != nil {
			return *x
		}
	case *tenant.API:
		if x != nil {
			return *x
		}
	case *tenant.User:
		if x != nil {
			return *x
		}
	case *tenant.ClientGrant:
		if x != nil {
			return *x
		}
	case *tenant.UserGrant:
		if x != nil {
			return *x
		}
	case *tenant.RefreshToken:
		if x != nil {
			return *x
		}
	}
	return v
}

func ptr[T any](v T) *T { return &v }

// A fixed instant with no monotonic reading, so that values survive any
// encoding a durable store uses.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

func newClient(id string) *tenant.Client {
	return &tenant.Client{
		ClientID:                id,
		ClientSecret:            "secret-" + id,
		Name:                    "Client " + id,
		AppType:                 tenant.AppRegularWeb,
		IsFirstParty:            true,
		Callbacks:               []string{"https://" + id + ".example.com/callback", "http://localhost:3000/cb"},
		AllowedLogoutURLs:       []string{"https://" + id + ".example.com/"},
		GrantTypes:              []string{tenant.GrantAuthorizationCode, tenant.GrantRefreshToken},
		TokenEndpointAuthMethod: tenant.AuthSecretPost,
		SkipNonVerifiableCallbackURIConfirmationPrompt: ptr(false),
		TokenExchange: &tenant.ClientTokenExchange{AllowAnyProfileOfType: []string{tenant.ProfileOnBehalfOf}},

		AllowedOrigins:            []string{"https://" + id + ".example.com"},
		WebOrigins:                []string{"https://" + id + ".example.com", "http://localhost:3000"},
		CrossOriginAuthentication: true,
		CrossOriginLoc:            "https://" + id + ".example.com/co",
		RefreshToken: &tenant.RefreshTokenConfig{RotationType: tenant.RotationRotating, ExpirationType: tenant.ExpirationExpiring,
			Leeway: 5, TokenLifetime: 3600, IdleTokenLifetime: 600},
		OIDCConformant:                     true,
		JWTConfiguration:                   &tenant.JWTConfiguration{Alg: "RS256", LifetimeInSeconds: 600},
		SSO:                                ptr(false),
		SSODisabled:                        ptr(true),
		CustomLoginPageOn:                  ptr(true),
		InitiateLoginURI:                   "https://" + id + ".example.com/login",
		AllowedClients:                     []string{"other"},
		ClientAliases:                      []string{"urn:" + id},
		ClientMetadata:                     map[string]string{"team": "web"},
		OrganizationUsage:                  "allow",
		OrganizationRequireBehavior:        "no_prompt",
		IsTokenEndpointIPHeaderTrusted:     true,
		RequirePushedAuthorizationRequests: true,
	}
}

func newAPI(identifier string) *tenant.API {
	return &tenant.API{
		Identifier:    identifier,
		Name:          "API " + identifier,
		Scopes:        []tenant.Scope{{Value: "read:posts", Description: "Read posts"}, {Value: "write:posts"}},
		SigningAlg:    "RS256",
		TokenLifetime: 86400,
		TokenExchange: &tenant.APITokenExchange{EnabledSubjectTokenTypes: []string{tenant.TokenTypeAccessToken}},
	}
}

func newUser(id, email string) *tenant.User {
	return &tenant.User{
		UserID:       id,
		Email:        email,
		Name:         "User " + id,
		Connection:   "Username-Password-Authentication",
		PasswordHash: "$2a$04$hash-of-" + id,
		CreatedAt:    t0,
	}
}

func ctxOf(t *testing.T) context.Context { return t.Context() }

// Clients.

func testClientCRUD(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	_, err := s.GetClient(ctx, "nope")
	wantErr(t, err, tenant.ErrNotFound, "GetClient of a missing client")

	c := newClient("abc")
	must(t, s.CreateClient(ctx, c), "CreateClient")
	got, err := s.GetClient(ctx, "abc")
	must(t, err, "GetClient")
	same(t, got, c, "GetClient after CreateClient")

	dup := newClient("abc")
	dup.Name = "Other"
	wantErr(t, s.CreateClient(ctx, dup), tenant.ErrConflict, "CreateClient with a taken client_id")
	got, _ = s.GetClient(ctx, "abc")
	if got.Name != c.Name {
		t.Errorf("a refused CreateClient changed the stored client: name %q", got.Name)
	}

	c.Name = "Renamed"
	c.Callbacks = []string{"https://new.example.com/cb"}
	c.TokenExchange = nil
	c.SkipNonVerifiableCallbackURIConfirmationPrompt = nil
	must(t, s.UpdateClient(ctx, c), "UpdateClient")
	got, err = s.GetClient(ctx, "abc")
	must(t, err, "GetClient after UpdateClient")
	same(t, got, c, "GetClient after UpdateClient")

	wantErr(t, s.UpdateClient(ctx, newClient("missing")), tenant.ErrNotFound, "UpdateClient of a missing client")
	if _, err := s.GetClient(ctx, "missing"); !errors.Is(err, tenant.ErrNotFound) {
		t.Errorf("UpdateClient of a missing client created it (GetClient error %v)", err)
	}

	must(t, s.DeleteClient(ctx, "abc"), "DeleteClient")
	_, err = s.GetClient(ctx, "abc")
	wantErr(t, err, tenant.ErrNotFound, "GetClient after DeleteClient")
	wantErr(t, s.DeleteClient(ctx, "abc"), tenant.ErrNotFound, "second DeleteClient")
	list, err := s.ListClients(ctx)
	must(t, err, "ListClients")
	if len(list) != 0 {
		t.Errorf("ListClients after deleting the only client: %d clients", len(list))
	}
}

func testClientCopies(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	c := newClient("c1")
	want := newClient("c1")
	must(t, s.CreateClient(ctx, c), "CreateClient")

	// Changing the value passed to CreateClient must not reach the store.
	c.Name = "changed"
	c.Callbacks[0] = "https://evil.example.com/"
	c.GrantTypes = append(c.GrantTypes[:0], tenant.GrantPassword)
	*c.SkipNonVerifiableCallbackURIConfirmationPrompt = true
	c.TokenExchange.AllowAnyProfileOfType[0] = "other"
	got, _ := s.GetClient(ctx, "c1")
	same(t, got, want, "client after changing the value given to CreateClient")

	// Changing a returned value must not reach the store.
	got.Callbacks[0] = "https://evil.example.com/"
	got.AllowedLogoutURLs[0] = "x"
	got.GrantTypes[0] = tenant.GrantPassword
	*got.SkipNonVerifiableCallbackURIConfirmationPrompt = true
	got.TokenExchange.AllowAnyProfileOfType[0] = "other"
	list, _ := s.ListClients(ctx)
	list[0].Callbacks[0] = "https://evil.example.com/"
	*list[0].SkipNonVerifiableCallbackURIConfirmationPrompt = true
	list[0].TokenExchange.AllowAnyProfileOfType[0] = "other"
	again, _ := s.GetClient(ctx, "c1")
	same(t, again, want, "client after changing values returned by GetClient and ListClients")

	// Same for UpdateClient.
	u := newClient("c1")
	u.Name = "Updated"
	wantU := newClient("c1")
	wantU.Name = "Updated"
	must(t, s.UpdateClient(ctx, u), "UpdateClient")
	u.Callbacks[0] = "https://evil.example.com/"
	u.TokenExchange.AllowAnyProfileOfType[0] = "other"
	*u.SkipNonVerifiableCallbackURIConfirmationPrompt = true
	again, _ = s.GetClient(ctx, "c1")
	same(t, again, wantU, "client after changing the value given to UpdateClient")
}

func testClientOrder(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	// Not alphabetical, so that a store sorting by key fails.
	ids := []string{"zeta", "alpha", "mu", "beta"}
	for _, id := range ids {
		must(t, s.CreateClient(ctx, newClient(id)), "CreateClient "+id)
	}
	checkIDs(t, s.ListClients, func(c *tenant.Client) string { return c.ClientID }, ids, "ListClients")

	u := newClient("alpha")
	u.Name = "Alpha v2"
	must(t, s.UpdateClient(ctx, u), "UpdateClient")
	checkIDs(t, s.ListClients, func(c *tenant.Client) string { return c.ClientID }, ids, "ListClients after an update")

	must(t, s.DeleteClient(ctx, "mu"), "DeleteClient")
	must(t, s.CreateClient(ctx, newClient("mu")), "CreateClient again")
	checkIDs(t, s.ListClients, func(c *tenant.Client) string { return c.ClientID },
		[]string{"zeta", "alpha", "beta", "mu"}, "ListClients after delete and re-create")
}

func checkIDs[T any](t *testing.T, list func(context.Context) ([]*T, error), id func(*T) string, want []string, what string) {
	t.Helper()
	items, err := list(ctxOf(t))
	must(t, err, what)
	got := make([]string, len(items))
	for i, it := range items {
		got[i] = id(it)
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: order %q, want %q", what, got, want)
	}
}

func testDeleteClientCascades(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	for _, id := range []string{"gone", "kept"} {
		must(t, s.CreateClient(ctx, newClient(id)), "CreateClient")
	}
	must(t, s.CreateAPI(ctx, newAPI("https://api.example.com")), "CreateAPI")
	must(t, s.CreateUser(ctx, newUser("auth0|1", "a@example.com")), "CreateUser")

	var grants = map[string]string{} // client id -> user grant id
	for _, id := range []string{"gone", "kept"} {
		for _, st := range []string{tenant.SubjectClient, tenant.SubjectUser} {
			must(t, s.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: id, Audience: "https://api.example.com", Scope: []string{"read:posts"}, SubjectType: st}), "CreateClientGrant")
		}
		g, err := s.MergeUserGrant(ctx, "auth0|1", id, "https://api.example.com", []string{"read:posts"})
		must(t, err, "MergeUserGrant")
		grants[id] = g.ID
		// One token under the grant, one without a grant (e.g. a password grant).
		must(t, s.SaveRefreshToken(ctx, &tenant.RefreshToken{ID: "rt-grant-" + id, ClientID: id, UserID: "auth0|1", Audience: "https://api.example.com", GrantID: g.ID, CreatedAt: t0}), "SaveRefreshToken")
		must(t, s.SaveRefreshToken(ctx, &tenant.RefreshToken{ID: "rt-nogrant-" + id, ClientID: id, UserID: "auth0|1", Audience: "https://api.example.com", CreatedAt: t0}), "SaveRefreshToken")
	}

	must(t, s.DeleteClient(ctx, "gone"), "DeleteClient")

	cgs, err := s.ListClientGrants(ctx, tenant.ClientGrantFilter{})
	must(t, err, "ListClientGrants")
	if len(cgs) != 2 {
		t.Errorf("client grants after DeleteClient: %d, want the 2 of the other client", len(cgs))
	}
	for _, g := range cgs {
		if g.ClientID == "gone" {
			t.Errorf("client grant %s of the deleted client survived", g.ID)
		}
	}
	_, err = s.GetUserGrant(ctx, grants["gone"])
	wantErr(t, err, tenant.ErrNotFound, "GetUserGrant of the deleted client's grant")
	ugs, err := s.ListUserGrants(ctx, tenant.UserGrantFilter{})
	must(t, err, "ListUserGrants")
	if len(ugs) != 1 || ugs[0].ClientID != "kept" {
		t.Errorf("user grants after DeleteClient: %+v, want only the other client's", ugs)
	}
	for _, id := range []string{"rt-grant-gone", "rt-nogrant-gone"} {
		_, err := s.GetRefreshToken(ctx, id)
		wantErr(t, err, tenant.ErrNotFound, "GetRefreshToken "+id+" after DeleteClient")
	}
	for _, id := range []string{"rt-grant-kept", "rt-nogrant-kept"} {
		_, err := s.GetRefreshToken(ctx, id)
		must(t, err, "GetRefreshToken "+id+" of the other client")
	}
	if _, err := s.GetUser(ctx, "auth0|1"); err != nil {
		t.Errorf("DeleteClient removed the user: %v", err)
	}
	if _, err := s.GetAPIByIdentifier(ctx, "https://api.example.com"); err != nil {
		t.Errorf("DeleteClient removed the API: %v", err)
	}
}

// APIs.

func testAPICRUD(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	_, err := s.GetAPI(ctx, "nope")
	wantErr(t, err, tenant.ErrNotFound, "GetAPI of a missing API")
	_, err = s.GetAPIByIdentifier(ctx, "https://nope.example.com")
	wantErr(t, err, tenant.ErrNotFound, "GetAPIByIdentifier of a missing API")

	a := newAPI("https://social.example.com")
	a.ID = "api_social"
	a.AllowOfflineAccess = true
	a.SkipConsentForVerifiableFirstPartyClients = true
	must(t, s.CreateAPI(ctx, a), "CreateAPI")
	got, err := s.GetAPI(ctx, "api_social")
	must(t, err, "GetAPI")
	same(t, got, a, "GetAPI after CreateAPI")
	got, err = s.GetAPIByIdentifier(ctx, "https://social.example.com")
	must(t, err, "GetAPIByIdentifier")
	same(t, got, a, "GetAPIByIdentifier after CreateAPI")

	a.Name = "Renamed"
	a.Scopes = []tenant.Scope{{Value: "delete:posts"}}
	a.Identifier = "https://social2.example.com"
	a.TokenExchange = nil
	must(t, s.UpdateAPI(ctx, a), "UpdateAPI")
	got, _ = s.GetAPI(ctx, "api_social")
	same(t, got, a, "GetAPI after UpdateAPI")
	_, err = s.GetAPIByIdentifier(ctx, "https://social.example.com")
	wantErr(t, err, tenant.ErrNotFound, "GetAPIByIdentifier of the identifier before the update")
	got, err = s.GetAPIByIdentifier(ctx, "https://social2.example.com")
	must(t, err, "GetAPIByIdentifier of the new identifier")
	same(t, got, a, "GetAPIByIdentifier after UpdateAPI")

	missing := newAPI("https://missing.example.com")
	missing.ID = "api_missing"
	wantErr(t, s.UpdateAPI(ctx, missing), tenant.ErrNotFound, "UpdateAPI of a missing API")

	must(t, s.DeleteAPI(ctx, "api_social"), "DeleteAPI")
	_, err = s.GetAPI(ctx, "api_social")
	wantErr(t, err, tenant.ErrNotFound, "GetAPI after DeleteAPI")
	_, err = s.GetAPIByIdentifier(ctx, "https://social2.example.com")
	wantErr(t, err, tenant.ErrNotFound, "GetAPIByIdentifier after DeleteAPI")
	wantErr(t, s.DeleteAPI(ctx, "api_social"), tenant.ErrNotFound, "second DeleteAPI")
}

func testAPIAssignsID(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	a := newAPI("https://a.example.com")
	b := newAPI("https://b.example.com")
	must(t, s.CreateAPI(ctx, a), "CreateAPI")
	must(t, s.CreateAPI(ctx, b), "CreateAPI")
	if a.ID == "" || b.ID == "" {
		t.Fatalf("CreateAPI with an empty id did not write the assigned id back: %q, %q", a.ID, b.ID)
	}
	if a.ID == b.ID {
		t.Fatalf("two APIs got the same id %q", a.ID)
	}
	got, err := s.GetAPI(ctx, a.ID)
	must(t, err, "GetAPI by the assigned id")
	same(t, got, a, "GetAPI by the assigned id")
}

func testAPIConflicts(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	a := newAPI("https://a.example.com")
	a.ID = "api_a"
	must(t, s.CreateAPI(ctx, a), "CreateAPI")

	dupIdent := newAPI("https://a.example.com")
	wantErr(t, s.CreateAPI(ctx, dupIdent), tenant.ErrConflict, "CreateAPI with a taken identifier")
	dupID := newAPI("https://other.example.com")
	dupID.ID = "api_a"
	wantErr(t, s.CreateAPI(ctx, dupID), tenant.ErrConflict, "CreateAPI with a taken id")
	list, _ := s.ListAPIs(ctx)
	if len(list) != 1 {
		t.Errorf("refused CreateAPI calls left %d APIs, want 1", len(list))
	}

	b := newAPI("https://b.example.com")
	must(t, s.CreateAPI(ctx, b), "CreateAPI")
	b.Identifier = "https://a.example.com"
	wantErr(t, s.UpdateAPI(ctx, b), tenant.ErrConflict, "UpdateAPI to another API's identifier")
	got, _ := s.GetAPI(ctx, b.ID)
	if got.Identifier != "https://b.example.com" {
		t.Errorf("refused UpdateAPI changed the identifier to %q", got.Identifier)
	}
}

func testAPICopies(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	a := newAPI("https://a.example.com")
	a.ID = "api_a"
	want := newAPI("https://a.example.com")
	want.ID = "api_a"
	must(t, s.CreateAPI(ctx, a), "CreateAPI")
	a.Scopes[0].Value = "changed"
	a.TokenExchange.EnabledSubjectTokenTypes[0] = "changed"
	got, _ := s.GetAPI(ctx, "api_a")
	same(t, got, want, "API after changing the value given to CreateAPI")

	got.Scopes[0].Value = "changed"
	got.TokenExchange.EnabledSubjectTokenTypes[0] = "changed"
	byIdent, _ := s.GetAPIByIdentifier(ctx, "https://a.example.com")
	byIdent.Scopes[1].Description = "changed"
	list, _ := s.ListAPIs(ctx)
	list[0].Scopes[0].Value = "changed"
	list[0].TokenExchange.EnabledSubjectTokenTypes[0] = "changed"
	again, _ := s.GetAPI(ctx, "api_a")
	same(t, again, want, "API after changing returned values")

	u := newAPI("https://a.example.com")
	u.ID = "api_a"
	must(t, s.UpdateAPI(ctx, u), "UpdateAPI")
	u.Scopes[0].Value = "changed"
	u.TokenExchange.EnabledSubjectTokenTypes[0] = "changed"
	again, _ = s.GetAPI(ctx, "api_a")
	same(t, again, want, "API after changing the value given to UpdateAPI")
}

func testAPIOrder(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	idents := []string{"https://z.example.com", "https://a.example.com", "https://m.example.com"}
	for _, id := range idents {
		must(t, s.CreateAPI(ctx, newAPI(id)), "CreateAPI")
	}
	ident := func(a *tenant.API) string { return a.Identifier }
	checkIDs(t, s.ListAPIs, ident, idents, "ListAPIs")
	a, _ := s.GetAPIByIdentifier(ctx, "https://a.example.com")
	a.Name = "changed"
	must(t, s.UpdateAPI(ctx, a), "UpdateAPI")
	checkIDs(t, s.ListAPIs, ident, idents, "ListAPIs after an update")
}

func testDeleteAPIClientGrants(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	a := newAPI("https://a.example.com")
	b := newAPI("https://b.example.com")
	must(t, s.CreateAPI(ctx, a), "CreateAPI")
	must(t, s.CreateAPI(ctx, b), "CreateAPI")
	must(t, s.CreateClient(ctx, newClient("c")), "CreateClient")
	must(t, s.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: "c", Audience: a.Identifier, Scope: []string{"read:posts"}}), "CreateClientGrant")
	must(t, s.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: "c", Audience: b.Identifier, Scope: []string{"read:posts"}}), "CreateClientGrant")

	must(t, s.DeleteAPI(ctx, a.ID), "DeleteAPI")
	cgs, _ := s.ListClientGrants(ctx, tenant.ClientGrantFilter{})
	if len(cgs) != 1 || cgs[0].Audience != b.Identifier {
		t.Errorf("client grants after DeleteAPI: %+v, want only the one for %s", cgs, b.Identifier)
	}
	if _, err := s.GetClient(ctx, "c"); err != nil {
		t.Errorf("DeleteAPI removed the client: %v", err)
	}
}

// An API deleted and created again under the same identifier must not
// inherit the old consent: its user grants and refresh tokens go with it.
func testDeleteAPIUserGrants(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	a := newAPI("https://a.example.com")
	b := newAPI("https://b.example.com")
	must(t, s.CreateAPI(ctx, a), "CreateAPI")
	must(t, s.CreateAPI(ctx, b), "CreateAPI")
	ga, err := s.MergeUserGrant(ctx, "u1", "c", a.Identifier, []string{"read:posts"})
	must(t, err, "MergeUserGrant")
	gb, err := s.MergeUserGrant(ctx, "u1", "c", b.Identifier, []string{"read:posts"})
	must(t, err, "MergeUserGrant")
	must(t, s.SaveRefreshToken(ctx, &tenant.RefreshToken{ID: "rt-a", ClientID: "c", UserID: "u1", Audience: a.Identifier, GrantID: ga.ID}), "SaveRefreshToken")
	must(t, s.SaveRefreshToken(ctx, &tenant.RefreshToken{ID: "rt-b", ClientID: "c", UserID: "u1", Audience: b.Identifier, GrantID: gb.ID}), "SaveRefreshToken")

	must(t, s.DeleteAPI(ctx, a.ID), "DeleteAPI")
	gs, _ := s.ListUserGrants(ctx, tenant.UserGrantFilter{})
	if len(gs) != 1 || gs[0].Audience != b.Identifier {
		t.Errorf("user grants after DeleteAPI: %+v, want only the one for %s", gs, b.Identifier)
	}
	_, err = s.GetRefreshToken(ctx, "rt-a")
	wantErr(t, err, tenant.ErrNotFound, "refresh token of the deleted API")
	if _, err := s.GetRefreshToken(ctx, "rt-b"); err != nil {
		t.Errorf("refresh token of the other API: %v", err)
	}
}

// Users.

func testUserCRUD(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	_, err := s.GetUser(ctx, "auth0|nope")
	wantErr(t, err, tenant.ErrNotFound, "GetUser of a missing user")

	u := newUser("auth0|1", "alice@example.com")
	u.Username = "alice"
	u.Picture = "https://example.com/alice.png"
	must(t, s.CreateUser(ctx, u), "CreateUser")
	got, err := s.GetUser(ctx, "auth0|1")
	must(t, err, "GetUser")
	// PasswordHash is json:"-"; a store that encodes users as JSON must keep
	// it some other way.
	same(t, got, u, "GetUser after CreateUser (including PasswordHash)")

	u.Name = "Alice Renamed"
	u.PasswordHash = "$2a$04$new"
	must(t, s.UpdateUser(ctx, u), "UpdateUser")
	got, _ = s.GetUser(ctx, "auth0|1")
	same(t, got, u, "GetUser after UpdateUser")

	wantErr(t, s.UpdateUser(ctx, newUser("auth0|missing", "m@example.com")), tenant.ErrNotFound, "UpdateUser of a missing user")

	must(t, s.DeleteUser(ctx, "auth0|1"), "DeleteUser")
	_, err = s.GetUser(ctx, "auth0|1")
	wantErr(t, err, tenant.ErrNotFound, "GetUser after DeleteUser")
	_, err = s.FindUser(ctx, "alice@example.com")
	wantErr(t, err, tenant.ErrNotFound, "FindUser after DeleteUser")
	wantErr(t, s.DeleteUser(ctx, "auth0|1"), tenant.ErrNotFound, "second DeleteUser")
}

func testFindUser(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	alice := newUser("auth0|a", "Alice@Example.com")
	alice.Username = "AliceW"
	bob := newUser("auth0|b", "bob@example.com")
	carol := newUser("auth0|c", "") // a username but no email
	carol.Username = "carol"
	for _, u := range []*tenant.User{alice, bob, carol} {
		must(t, s.CreateUser(ctx, u), "CreateUser "+u.UserID)
	}

	tests := []struct {
		login string
		want  string // user id, "" for not found
	}{
		{"Alice@Example.com", "auth0|a"},
		{"alice@example.com", "auth0|a"},
		{"ALICE@EXAMPLE.COM", "auth0|a"},
		{"alicew", "auth0|a"},
		{"AliceW", "auth0|a"},
		{"bob@example.com", "auth0|b"},
		{"BOB@example.com", "auth0|b"},
		{"Carol", "auth0|c"},
		{"", ""},      // neither bob's missing username nor carol's missing email matches ""
		{"bob", ""},   // not a username
		{"alice", ""}, // a prefix is not a match
		{"auth0|a", ""},
	}
	for _, tt := range tests {
		got, err := s.FindUser(ctx, tt.login)
		if tt.want == "" {
			if !errors.Is(err, tenant.ErrNotFound) {
				t.Errorf("FindUser(%q) = %v, %v; want ErrNotFound", tt.login, deref(got), err)
			}
			continue
		}
		if err != nil {
			t.Errorf("FindUser(%q): %v", tt.login, err)
			continue
		}
		if got.UserID != tt.want {
			t.Errorf("FindUser(%q) = %s, want %s", tt.login, got.UserID, tt.want)
		}
		if got.PasswordHash == "" {
			t.Errorf("FindUser(%q) returned no password hash", tt.login)
		}
	}
}

func testUserConflicts(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	a := newUser("auth0|a", "alice@example.com")
	a.Username = "alice"
	must(t, s.CreateUser(ctx, a), "CreateUser")

	sameID := newUser("auth0|a", "other@example.com")
	wantErr(t, s.CreateUser(ctx, sameID), tenant.ErrConflict, "CreateUser with a taken user_id")
	sameEmail := newUser("auth0|b", "ALICE@example.com")
	wantErr(t, s.CreateUser(ctx, sameEmail), tenant.ErrConflict, "CreateUser with a taken email (other case)")
	sameUsername := newUser("auth0|c", "c@example.com")
	sameUsername.Username = "Alice"
	wantErr(t, s.CreateUser(ctx, sameUsername), tenant.ErrConflict, "CreateUser with a taken username (other case)")

	list, _ := s.ListUsers(ctx)
	if len(list) != 1 {
		t.Errorf("refused CreateUser calls left %d users, want 1", len(list))
	}
	// Two users without usernames do not conflict on the empty username.
	must(t, s.CreateUser(ctx, newUser("auth0|d", "d@example.com")), "CreateUser without username")
	must(t, s.CreateUser(ctx, newUser("auth0|e", "e@example.com")), "second CreateUser without username")
}

func testUserCopies(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	u := newUser("auth0|a", "a@example.com")
	want := newUser("auth0|a", "a@example.com")
	must(t, s.CreateUser(ctx, u), "CreateUser")
	u.Email = "changed@example.com"
	u.PasswordHash = "changed"
	got, _ := s.GetUser(ctx, "auth0|a")
	same(t, got, want, "user after changing the value given to CreateUser")
	got.Name = "changed"
	found, _ := s.FindUser(ctx, "a@example.com")
	found.PasswordHash = "changed"
	list, _ := s.ListUsers(ctx)
	list[0].Email = "changed@example.com"
	again, _ := s.GetUser(ctx, "auth0|a")
	same(t, again, want, "user after changing returned values")
}

func testUserOrder(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	ids := []string{"auth0|z", "auth0|a", "auth0|m"}
	for _, id := range ids {
		must(t, s.CreateUser(ctx, newUser(id, id[6:]+"@example.com")), "CreateUser")
	}
	uid := func(u *tenant.User) string { return u.UserID }
	checkIDs(t, s.ListUsers, uid, ids, "ListUsers")
	u, _ := s.GetUser(ctx, "auth0|a")
	u.Name = "changed"
	must(t, s.UpdateUser(ctx, u), "UpdateUser")
	checkIDs(t, s.ListUsers, uid, ids, "ListUsers after an update")
}

func testDeleteUserCascades(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	must(t, s.CreateClient(ctx, newClient("c")), "CreateClient")
	must(t, s.CreateUser(ctx, newUser("auth0|gone", "gone@example.com")), "CreateUser")
	must(t, s.CreateUser(ctx, newUser("auth0|kept", "kept@example.com")), "CreateUser")
	must(t, s.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: "c", Audience: "https://api.example.com", SubjectType: tenant.SubjectUser}), "CreateClientGrant")
	ids := map[string]string{}
	for _, u := range []string{"auth0|gone", "auth0|kept"} {
		for _, aud := range []string{"https://api.example.com", "https://other.example.com"} {
			g, err := s.MergeUserGrant(ctx, u, "c", aud, []string{"read:posts"})
			must(t, err, "MergeUserGrant")
			ids[u+aud] = g.ID
		}
		must(t, s.SaveRefreshToken(ctx, &tenant.RefreshToken{ID: "rt-" + u, ClientID: "c", UserID: u, GrantID: ids[u+"https://api.example.com"], CreatedAt: t0}), "SaveRefreshToken")
		must(t, s.SaveRefreshToken(ctx, &tenant.RefreshToken{ID: "rt-nogrant-" + u, ClientID: "c", UserID: u, CreatedAt: t0}), "SaveRefreshToken")
	}

	must(t, s.DeleteUser(ctx, "auth0|gone"), "DeleteUser")

	ugs, _ := s.ListUserGrants(ctx, tenant.UserGrantFilter{})
	if len(ugs) != 2 {
		t.Errorf("user grants after DeleteUser: %d, want the other user's 2", len(ugs))
	}
	for _, g := range ugs {
		if g.UserID == "auth0|gone" {
			t.Errorf("grant %s of the deleted user survived", g.ID)
		}
	}
	for _, id := range []string{"rt-auth0|gone", "rt-nogrant-auth0|gone"} {
		_, err := s.GetRefreshToken(ctx, id)
		wantErr(t, err, tenant.ErrNotFound, "GetRefreshToken "+id+" after DeleteUser")
	}
	for _, id := range []string{"rt-auth0|kept", "rt-nogrant-auth0|kept"} {
		_, err := s.GetRefreshToken(ctx, id)
		must(t, err, "GetRefreshToken "+id+" of the other user")
	}
	if cgs, _ := s.ListClientGrants(ctx, tenant.ClientGrantFilter{}); len(cgs) != 1 {
		t.Errorf("DeleteUser changed the client grants: %d left, want 1", len(cgs))
	}
	if _, err := s.GetClient(ctx, "c"); err != nil {
		t.Errorf("DeleteUser removed the client: %v", err)
	}
}

// Client grants.

func testClientGrantCRUD(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	_, err := s.GetClientGrant(ctx, "cgr_nope")
	wantErr(t, err, tenant.ErrNotFound, "GetClientGrant of a missing grant")

	g := &tenant.ClientGrant{ClientID: "c", Audience: "https://api.example.com", Scope: []string{"read:posts", "write:posts"}, SubjectType: tenant.SubjectClient}
	must(t, s.CreateClientGrant(ctx, g), "CreateClientGrant")
	if g.ID == "" {
		t.Fatal("CreateClientGrant with an empty id did not write the assigned id back")
	}
	got, err := s.GetClientGrant(ctx, g.ID)
	must(t, err, "GetClientGrant")
	same(t, got, g, "GetClientGrant after CreateClientGrant")

	fixed := &tenant.ClientGrant{ID: "cgr_fixed", ClientID: "c", Audience: "https://other.example.com"}
	must(t, s.CreateClientGrant(ctx, fixed), "CreateClientGrant with an id")
	if fixed.ID != "cgr_fixed" {
		t.Errorf("CreateClientGrant replaced the given id with %q", fixed.ID)
	}
	if _, err := s.GetClientGrant(ctx, "cgr_fixed"); err != nil {
		t.Errorf("GetClientGrant by the given id: %v", err)
	}

	g.Scope = []string{"read:posts"}
	must(t, s.UpdateClientGrant(ctx, g), "UpdateClientGrant")
	got, _ = s.GetClientGrant(ctx, g.ID)
	same(t, got, g, "GetClientGrant after UpdateClientGrant")
	wantErr(t, s.UpdateClientGrant(ctx, &tenant.ClientGrant{ID: "cgr_missing", ClientID: "c", Audience: "x"}), tenant.ErrNotFound, "UpdateClientGrant of a missing grant")

	must(t, s.DeleteClientGrant(ctx, g.ID), "DeleteClientGrant")
	_, err = s.GetClientGrant(ctx, g.ID)
	wantErr(t, err, tenant.ErrNotFound, "GetClientGrant after DeleteClientGrant")
	wantErr(t, s.DeleteClientGrant(ctx, g.ID), tenant.ErrNotFound, "second DeleteClientGrant")
	if _, err := s.GetClientGrant(ctx, "cgr_fixed"); err != nil {
		t.Errorf("DeleteClientGrant removed another grant: %v", err)
	}
}

func testClientGrantConflicts(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	const aud = "https://api.example.com"
	must(t, s.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: "c", Audience: aud, SubjectType: tenant.SubjectClient}), "CreateClientGrant")
	wantErr(t, s.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: "c", Audience: aud, SubjectType: tenant.SubjectClient, Scope: []string{"x"}}),
		tenant.ErrConflict, "second client grant of subject type client")
	// A missing subject_type means "client" (Auth0's default).
	wantErr(t, s.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: "c", Audience: aud}),
		tenant.ErrConflict, "client grant with no subject type next to one of type client")
	// Another subject type, client or audience is another grant.
	must(t, s.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: "c", Audience: aud, SubjectType: tenant.SubjectUser}), "client grant of subject type user")
	wantErr(t, s.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: "c", Audience: aud, SubjectType: tenant.SubjectUser}),
		tenant.ErrConflict, "second client grant of subject type user")
	must(t, s.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: "d", Audience: aud}), "client grant of another client")
	must(t, s.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: "c", Audience: "https://other.example.com"}), "client grant for another audience")
	list, _ := s.ListClientGrants(ctx, tenant.ClientGrantFilter{})
	if len(list) != 4 {
		t.Errorf("ListClientGrants: %d grants, want 4", len(list))
	}
}

func testClientGrantFilter(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	grants := []*tenant.ClientGrant{
		{ID: "g1", ClientID: "c2", Audience: "https://b.example.com", SubjectType: tenant.SubjectClient},
		{ID: "g2", ClientID: "c1", Audience: "https://a.example.com"}, // no subject type: client
		{ID: "g3", ClientID: "c1", Audience: "https://a.example.com", SubjectType: tenant.SubjectUser},
		{ID: "g4", ClientID: "c1", Audience: "https://b.example.com", SubjectType: tenant.SubjectUser},
		{ID: "g5", ClientID: "c2", Audience: "https://a.example.com", SubjectType: tenant.SubjectClient},
	}
	for _, g := range grants {
		must(t, s.CreateClientGrant(ctx, g), "CreateClientGrant "+g.ID)
	}
	tests := []struct {
		f    tenant.ClientGrantFilter
		want []string
	}{
		{tenant.ClientGrantFilter{}, []string{"g1", "g2", "g3", "g4", "g5"}},
		{tenant.ClientGrantFilter{ClientID: "c1"}, []string{"g2", "g3", "g4"}},
		{tenant.ClientGrantFilter{Audience: "https://a.example.com"}, []string{"g2", "g3", "g5"}},
		{tenant.ClientGrantFilter{SubjectType: tenant.SubjectClient}, []string{"g1", "g2", "g5"}},
		{tenant.ClientGrantFilter{SubjectType: tenant.SubjectUser}, []string{"g3", "g4"}},
		{tenant.ClientGrantFilter{ClientID: "c1", Audience: "https://a.example.com"}, []string{"g2", "g3"}},
		{tenant.ClientGrantFilter{ClientID: "c1", Audience: "https://a.example.com", SubjectType: tenant.SubjectUser}, []string{"g3"}},
		{tenant.ClientGrantFilter{ClientID: "c3"}, nil},
		{tenant.ClientGrantFilter{Audience: "https://a.example.com/"}, nil}, // exact match, no normalisation
	}
	for _, tt := range tests {
		list, err := s.ListClientGrants(ctx, tt.f)
		must(t, err, "ListClientGrants")
		var got []string
		for _, g := range list {
			got = append(got, g.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ListClientGrants(%+v) = %q, want %q (in creation order)", tt.f, got, tt.want)
		}
	}
}

func testClientGrantCopies(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	g := &tenant.ClientGrant{ID: "g", ClientID: "c", Audience: "https://a.example.com", Scope: []string{"read:a", "write:a"}}
	want := &tenant.ClientGrant{ID: "g", ClientID: "c", Audience: "https://a.example.com", Scope: []string{"read:a", "write:a"}}
	must(t, s.CreateClientGrant(ctx, g), "CreateClientGrant")
	g.Scope[0] = "changed"
	got, _ := s.GetClientGrant(ctx, "g")
	same(t, got, want, "client grant after changing the value given to CreateClientGrant")
	got.Scope[0] = "changed"
	list, _ := s.ListClientGrants(ctx, tenant.ClientGrantFilter{})
	list[0].Scope[1] = "changed"
	again, _ := s.GetClientGrant(ctx, "g")
	same(t, again, want, "client grant after changing returned values")

	u := &tenant.ClientGrant{ID: "g", ClientID: "c", Audience: "https://a.example.com", Scope: []string{"read:a"}}
	must(t, s.UpdateClientGrant(ctx, u), "UpdateClientGrant")
	u.Scope[0] = "changed"
	again, _ = s.GetClientGrant(ctx, "g")
	same(t, again.Scope, []string{"read:a"}, "client grant scope after changing the value given to UpdateClientGrant")
}

// User grants.

func testMergeCreates(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	_, err := s.GetUserGrant(ctx, "nope")
	wantErr(t, err, tenant.ErrNotFound, "GetUserGrant of a missing grant")

	g, err := s.MergeUserGrant(ctx, "auth0|u", "c", "https://a.example.com", []string{"read:posts", "write:posts"})
	must(t, err, "MergeUserGrant")
	if g.ID == "" {
		t.Fatal("MergeUserGrant returned a grant with no id")
	}
	want := &tenant.UserGrant{ID: g.ID, UserID: "auth0|u", ClientID: "c", Audience: "https://a.example.com", Scope: []string{"read:posts", "write:posts"}}
	same(t, g, want, "grant returned by MergeUserGrant")
	got, err := s.GetUserGrant(ctx, g.ID)
	must(t, err, "GetUserGrant")
	same(t, got, want, "GetUserGrant after MergeUserGrant")
}

func testMergeAddsScopes(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	const aud = "https://a.example.com"
	first, err := s.MergeUserGrant(ctx, "auth0|u", "c", aud, []string{"read:posts", "read:posts"})
	must(t, err, "MergeUserGrant")
	checkScopes(t, first.Scope, []string{"read:posts"}, "scopes after a merge with a repeated scope")

	second, err := s.MergeUserGrant(ctx, "auth0|u", "c", aud, []string{"write:posts", "read:posts", "delete:posts"})
	must(t, err, "second MergeUserGrant")
	if second.ID != first.ID {
		t.Errorf("second MergeUserGrant made a new grant %s, want %s", second.ID, first.ID)
	}
	checkScopes(t, second.Scope, []string{"read:posts", "write:posts", "delete:posts"}, "scopes after the second merge")

	third, err := s.MergeUserGrant(ctx, "auth0|u", "c", aud, []string{"read:posts"})
	must(t, err, "MergeUserGrant of covered scopes")
	checkScopes(t, third.Scope, []string{"read:posts", "write:posts", "delete:posts"}, "scopes after merging covered scopes")

	stored, _ := s.GetUserGrant(ctx, first.ID)
	checkScopes(t, stored.Scope, []string{"read:posts", "write:posts", "delete:posts"}, "stored scopes")
	list, _ := s.ListUserGrants(ctx, tenant.UserGrantFilter{})
	if len(list) != 1 {
		t.Errorf("ListUserGrants: %d grants after three merges of one triple, want 1", len(list))
	}
}

// checkScopes compares as sets and rejects duplicates: the order of a
// grant's scopes is not part of the contract.
func checkScopes(t *testing.T, got, want []string, what string) {
	t.Helper()
	g := slices.Clone(got)
	slices.Sort(g)
	if len(slices.Compact(slices.Clone(g))) != len(g) {
		t.Errorf("%s: %q has duplicates", what, got)
		return
	}
	w := slices.Clone(want)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("%s: %q, want %q", what, got, want)
	}
}

func testMergeTriplesApart(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	triples := [][3]string{
		{"auth0|u", "c", "https://a.example.com"},
		{"auth0|u", "c", "https://b.example.com"},
		{"auth0|u", "d", "https://a.example.com"},
		{"auth0|v", "c", "https://a.example.com"},
	}
	ids := map[string]bool{}
	for i, tr := range triples {
		g, err := s.MergeUserGrant(ctx, tr[0], tr[1], tr[2], []string{fmt.Sprintf("scope:%d", i)})
		must(t, err, "MergeUserGrant")
		if ids[g.ID] {
			t.Fatalf("triple %v got an existing grant id %s", tr, g.ID)
		}
		ids[g.ID] = true
		checkScopes(t, g.Scope, []string{fmt.Sprintf("scope:%d", i)}, fmt.Sprintf("scopes of triple %v", tr))
	}
}

func testUserGrantFilter(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	triples := [][3]string{
		{"auth0|v", "d", "https://b.example.com"},
		{"auth0|u", "c", "https://a.example.com"},
		{"auth0|u", "c", "https://b.example.com"},
		{"auth0|u", "d", "https://a.example.com"},
		{"auth0|v", "c", "https://a.example.com"},
	}
	var ids []string
	for _, tr := range triples {
		g, err := s.MergeUserGrant(ctx, tr[0], tr[1], tr[2], []string{"read:x"})
		must(t, err, "MergeUserGrant")
		ids = append(ids, g.ID)
	}
	pick := func(idx ...int) []string {
		var out []string
		for _, i := range idx {
			out = append(out, ids[i])
		}
		return out
	}
	tests := []struct {
		f    tenant.UserGrantFilter
		want []string
	}{
		{tenant.UserGrantFilter{}, pick(0, 1, 2, 3, 4)},
		{tenant.UserGrantFilter{UserID: "auth0|u"}, pick(1, 2, 3)},
		{tenant.UserGrantFilter{ClientID: "c"}, pick(1, 2, 4)},
		{tenant.UserGrantFilter{Audience: "https://a.example.com"}, pick(1, 3, 4)},
		{tenant.UserGrantFilter{UserID: "auth0|u", ClientID: "c"}, pick(1, 2)},
		{tenant.UserGrantFilter{UserID: "auth0|u", ClientID: "c", Audience: "https://b.example.com"}, pick(2)},
		{tenant.UserGrantFilter{UserID: "auth0|w"}, nil},
	}
	for _, tt := range tests {
		list, err := s.ListUserGrants(ctx, tt.f)
		must(t, err, "ListUserGrants")
		var got []string
		for _, g := range list {
			got = append(got, g.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ListUserGrants(%+v) = %q, want %q (in creation order)", tt.f, got, tt.want)
		}
	}
}

func testUserGrantCopies(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	scopes := []string{"read:a", "write:a"}
	g, err := s.MergeUserGrant(ctx, "auth0|u", "c", "https://a.example.com", scopes)
	must(t, err, "MergeUserGrant")
	scopes[0] = "changed"
	g.Scope[1] = "changed"
	got, _ := s.GetUserGrant(ctx, g.ID)
	checkScopes(t, got.Scope, []string{"read:a", "write:a"}, "scopes after changing the argument and the returned grant")
	got.Scope[0] = "changed"
	list, _ := s.ListUserGrants(ctx, tenant.UserGrantFilter{})
	list[0].Scope[0] = "changed"
	again, _ := s.GetUserGrant(ctx, g.ID)
	checkScopes(t, again.Scope, []string{"read:a", "write:a"}, "scopes after changing returned grants")
}

func testDeleteUserGrantCascades(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	gone, err := s.MergeUserGrant(ctx, "auth0|u", "c", "https://a.example.com", []string{"offline_access"})
	must(t, err, "MergeUserGrant")
	kept, err := s.MergeUserGrant(ctx, "auth0|u", "c", "https://b.example.com", []string{"offline_access"})
	must(t, err, "MergeUserGrant")
	for _, rt := range []*tenant.RefreshToken{
		{ID: "rt1", ClientID: "c", UserID: "auth0|u", Audience: "https://a.example.com", GrantID: gone.ID, CreatedAt: t0},
		{ID: "rt2", ClientID: "c", UserID: "auth0|u", Audience: "https://a.example.com", GrantID: gone.ID, CreatedAt: t0},
		{ID: "rt3", ClientID: "c", UserID: "auth0|u", Audience: "https://b.example.com", GrantID: kept.ID, CreatedAt: t0},
		{ID: "rt4", ClientID: "c", UserID: "auth0|u", Audience: "https://a.example.com", CreatedAt: t0},
	} {
		must(t, s.SaveRefreshToken(ctx, rt), "SaveRefreshToken")
	}

	must(t, s.DeleteUserGrant(ctx, gone.ID), "DeleteUserGrant")
	_, err = s.GetUserGrant(ctx, gone.ID)
	wantErr(t, err, tenant.ErrNotFound, "GetUserGrant after DeleteUserGrant")
	wantErr(t, s.DeleteUserGrant(ctx, gone.ID), tenant.ErrNotFound, "second DeleteUserGrant")
	for _, id := range []string{"rt1", "rt2"} {
		_, err := s.GetRefreshToken(ctx, id)
		wantErr(t, err, tenant.ErrNotFound, "refresh token "+id+" issued under the deleted grant (rule C9)")
	}
	for _, id := range []string{"rt3", "rt4"} {
		_, err := s.GetRefreshToken(ctx, id)
		must(t, err, "refresh token "+id+" not issued under the deleted grant")
	}
	if _, err := s.GetUserGrant(ctx, kept.ID); err != nil {
		t.Errorf("DeleteUserGrant removed another grant: %v", err)
	}
	// After a revocation, merging again starts a new grant from scratch.
	g, err := s.MergeUserGrant(ctx, "auth0|u", "c", "https://a.example.com", []string{"read:posts"})
	must(t, err, "MergeUserGrant after DeleteUserGrant")
	checkScopes(t, g.Scope, []string{"read:posts"}, "scopes of the grant made after revocation")
}

// Settings.

func testSettings(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	got, err := s.GetSettings(ctx)
	must(t, err, "GetSettings of an empty store")
	same(t, got, tenant.Settings{}, "settings of an empty store")

	want := tenant.Settings{
		FriendlyName: "Consentry Demo",
		PictureURL:   "https://example.com/logo.png",
		SupportEmail: "support@example.com",
		Flags:        tenant.Flags{UseScopeDescriptionsForConsent: true},
		SkipNonVerifiableCallbackURIConfirmationPrompt: true,
	}
	must(t, s.UpdateSettings(ctx, want), "UpdateSettings")
	got, err = s.GetSettings(ctx)
	must(t, err, "GetSettings")
	same(t, got, want, "GetSettings after UpdateSettings")

	want.Flags.UseScopeDescriptionsForConsent = false
	want.FriendlyName = "Renamed"
	must(t, s.UpdateSettings(ctx, want), "second UpdateSettings")
	got, _ = s.GetSettings(ctx)
	same(t, got, want, "GetSettings after a second UpdateSettings (false must overwrite true)")
}

// Refresh tokens.

func testRefreshTokens(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	_, err := s.GetRefreshToken(ctx, "nope")
	wantErr(t, err, tenant.ErrNotFound, "GetRefreshToken of a missing token")
	wantErr(t, s.DeleteRefreshToken(ctx, "nope"), tenant.ErrNotFound, "DeleteRefreshToken of a missing token")

	rt := &tenant.RefreshToken{
		ID: "sha256-digest", ClientID: "c", UserID: "auth0|u", Audience: "https://a.example.com",
		Scope: []string{"openid", "offline_access"}, GrantID: "g1", AuthTime: t0, CreatedAt: t0.Add(time.Minute),
	}
	other := &tenant.RefreshToken{ID: "other", ClientID: "c", UserID: "auth0|u", CreatedAt: t0}
	must(t, s.SaveRefreshToken(ctx, rt), "SaveRefreshToken")
	must(t, s.SaveRefreshToken(ctx, other), "SaveRefreshToken")
	got, err := s.GetRefreshToken(ctx, "sha256-digest")
	must(t, err, "GetRefreshToken")
	same(t, got, rt, "GetRefreshToken after SaveRefreshToken")

	must(t, s.DeleteRefreshToken(ctx, "sha256-digest"), "DeleteRefreshToken")
	_, err = s.GetRefreshToken(ctx, "sha256-digest")
	wantErr(t, err, tenant.ErrNotFound, "GetRefreshToken after DeleteRefreshToken")
	wantErr(t, s.DeleteRefreshToken(ctx, "sha256-digest"), tenant.ErrNotFound, "second DeleteRefreshToken")
	if _, err := s.GetRefreshToken(ctx, "other"); err != nil {
		t.Errorf("DeleteRefreshToken removed another token: %v", err)
	}
}

func testRefreshTokenCopies(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	rt := &tenant.RefreshToken{ID: "r", ClientID: "c", UserID: "u", Scope: []string{"a", "b"}, CreatedAt: t0}
	must(t, s.SaveRefreshToken(ctx, rt), "SaveRefreshToken")
	rt.Scope[0] = "changed"
	rt.UserID = "changed"
	got, _ := s.GetRefreshToken(ctx, "r")
	same(t, got, &tenant.RefreshToken{ID: "r", ClientID: "c", UserID: "u", Scope: []string{"a", "b"}, CreatedAt: t0}, "token after changing the value given to SaveRefreshToken")
	got.Scope[1] = "changed"
	again, _ := s.GetRefreshToken(ctx, "r")
	same(t, again.Scope, []string{"a", "b"}, "token scope after changing a returned value")
}

// Signing keys.

func testSigningKeys(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	keys, err := s.SigningKeys(ctx)
	must(t, err, "SigningKeys of an empty store")
	if len(keys) != 0 {
		t.Fatalf("empty store has %d signing keys", len(keys))
	}
	want := []tenant.SigningKey{
		{KID: "k-new-name-but-oldest", Alg: "RS256", PEM: []byte("-----BEGIN PRIVATE KEY-----\n1\n-----END PRIVATE KEY-----\n"), CreatedAt: t0},
		{KID: "a-second", Alg: "ES256", PEM: []byte("-----BEGIN PRIVATE KEY-----\n2\n-----END PRIVATE KEY-----\n"), CreatedAt: t0.Add(time.Hour)},
		{KID: "m-third", Alg: "RS256", PEM: []byte("-----BEGIN PRIVATE KEY-----\n3\n-----END PRIVATE KEY-----\n"), CreatedAt: t0.Add(2 * time.Hour)},
	}
	for _, k := range want {
		must(t, s.AddSigningKey(ctx, k), "AddSigningKey "+k.KID)
	}
	keys, err = s.SigningKeys(ctx)
	must(t, err, "SigningKeys")
	same(t, keys, want, "SigningKeys, oldest first")

	dup := want[1]
	dup.PEM = []byte("other")
	wantErr(t, s.AddSigningKey(ctx, dup), tenant.ErrConflict, "AddSigningKey with a taken kid")
	keys, _ = s.SigningKeys(ctx)
	same(t, keys, want, "SigningKeys after a refused AddSigningKey")
}

func testSigningKeyCopies(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	pem := []byte("PEM-BYTES")
	must(t, s.AddSigningKey(ctx, tenant.SigningKey{KID: "k", Alg: "RS256", PEM: pem, CreatedAt: t0}), "AddSigningKey")
	pem[0] = 'X'
	keys, _ := s.SigningKeys(ctx)
	if string(keys[0].PEM) != "PEM-BYTES" {
		t.Errorf("PEM after changing the slice given to AddSigningKey: %q", keys[0].PEM)
	}
	keys[0].PEM[0] = 'Y'
	keys[0].KID = "changed"
	again, _ := s.SigningKeys(ctx)
	if string(again[0].PEM) != "PEM-BYTES" || again[0].KID != "k" {
		t.Errorf("key after changing a returned value: kid %q, PEM %q", again[0].KID, again[0].PEM)
	}
}
