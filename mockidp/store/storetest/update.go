package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/consentry/consentry/mockidp/tenant"
)

// The Update...Func methods are the read-modify-write of the Management
// API's PATCH: they must never lose one of two concurrent changes.

var errFromFn = errors.New("fn refused")

func testUpdateClientFunc(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	_, err := s.UpdateClientFunc(ctx, "missing", func(*tenant.Client) error { return nil })
	wantErr(t, err, tenant.ErrNotFound, "UpdateClientFunc of a missing client")

	must(t, s.CreateClient(ctx, newClient("c")), "CreateClient")
	must(t, s.CreateAPI(ctx, newAPI("https://a.example.com")), "CreateAPI")
	want := newClient("c")
	want.Name = "Renamed"
	want.Callbacks = append(want.Callbacks, "https://c.example.com/other")
	got, err := s.UpdateClientFunc(ctx, "c", func(c *tenant.Client) error {
		// fn may read the store (the Management API checks references).
		if _, err := s.GetAPIByIdentifier(ctx, "https://a.example.com"); err != nil {
			return err
		}
		if _, err := s.GetClient(ctx, "c"); err != nil {
			return err
		}
		c.Name = "Renamed"
		c.Callbacks = append(c.Callbacks, "https://c.example.com/other")
		return nil
	})
	must(t, err, "UpdateClientFunc")
	same(t, got, want, "client returned by UpdateClientFunc")
	stored, _ := s.GetClient(ctx, "c")
	same(t, stored, want, "client stored by UpdateClientFunc")

	_, err = s.UpdateClientFunc(ctx, "c", func(c *tenant.Client) error {
		c.Name = "Should not be stored"
		return errFromFn
	})
	wantErr(t, err, errFromFn, "UpdateClientFunc whose fn fails")
	stored, _ = s.GetClient(ctx, "c")
	same(t, stored, want, "client after an UpdateClientFunc whose fn failed")

	// The value returned is a copy.
	got.Callbacks[0] = "https://evil.example.com/"
	stored, _ = s.GetClient(ctx, "c")
	same(t, stored, want, "client after changing the value UpdateClientFunc returned")
}

func testUpdateAPIFunc(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	_, err := s.UpdateAPIFunc(ctx, "missing", func(*tenant.API) error { return nil })
	wantErr(t, err, tenant.ErrNotFound, "UpdateAPIFunc of a missing API")
	a, b := newAPI("https://a.example.com"), newAPI("https://b.example.com")
	must(t, s.CreateAPI(ctx, a), "CreateAPI")
	must(t, s.CreateAPI(ctx, b), "CreateAPI")

	got, err := s.UpdateAPIFunc(ctx, a.ID, func(x *tenant.API) error {
		x.Scopes = append(x.Scopes, tenant.Scope{Value: "delete:posts"})
		x.Identifier = "https://a2.example.com"
		return nil
	})
	must(t, err, "UpdateAPIFunc")
	want := newAPI("https://a.example.com")
	want.ID = a.ID
	want.Identifier = "https://a2.example.com"
	want.Scopes = append(want.Scopes, tenant.Scope{Value: "delete:posts"})
	same(t, got, want, "API returned by UpdateAPIFunc")
	stored, err := s.GetAPIByIdentifier(ctx, "https://a2.example.com")
	must(t, err, "GetAPIByIdentifier of the new identifier")
	same(t, stored, want, "API stored by UpdateAPIFunc")

	_, err = s.UpdateAPIFunc(ctx, a.ID, func(x *tenant.API) error {
		x.Identifier = "https://b.example.com"
		return nil
	})
	wantErr(t, err, tenant.ErrConflict, "UpdateAPIFunc to an identifier in use")
	stored, _ = s.GetAPI(ctx, a.ID)
	same(t, stored, want, "API after a refused UpdateAPIFunc")

	_, err = s.UpdateAPIFunc(ctx, a.ID, func(x *tenant.API) error { x.Name = "no"; return errFromFn })
	wantErr(t, err, errFromFn, "UpdateAPIFunc whose fn fails")
	stored, _ = s.GetAPI(ctx, a.ID)
	same(t, stored, want, "API after an UpdateAPIFunc whose fn failed")
}

func testUpdateClientGrantFunc(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	_, err := s.UpdateClientGrantFunc(ctx, "missing", func(*tenant.ClientGrant) error { return nil })
	wantErr(t, err, tenant.ErrNotFound, "UpdateClientGrantFunc of a missing grant")
	g := &tenant.ClientGrant{ClientID: "c", Audience: "https://a.example.com", Scope: []string{"read:posts"}, SubjectType: tenant.SubjectClient}
	must(t, s.CreateClientGrant(ctx, g), "CreateClientGrant")
	got, err := s.UpdateClientGrantFunc(ctx, g.ID, func(x *tenant.ClientGrant) error {
		x.Scope = append(x.Scope, "write:posts")
		return nil
	})
	must(t, err, "UpdateClientGrantFunc")
	want := *g
	want.Scope = []string{"read:posts", "write:posts"}
	same(t, got, &want, "grant returned by UpdateClientGrantFunc")
	stored, _ := s.GetClientGrant(ctx, g.ID)
	same(t, stored, &want, "grant stored by UpdateClientGrantFunc")
	_, err = s.UpdateClientGrantFunc(ctx, g.ID, func(x *tenant.ClientGrant) error { x.Scope = nil; return errFromFn })
	wantErr(t, err, errFromFn, "UpdateClientGrantFunc whose fn fails")
	stored, _ = s.GetClientGrant(ctx, g.ID)
	same(t, stored, &want, "grant after an UpdateClientGrantFunc whose fn failed")
}

func testUpdateConnectionFunc(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	_, err := s.UpdateConnectionFunc(ctx, "con_missing", func(*tenant.Connection) error { return nil })
	wantErr(t, err, tenant.ErrNotFound, "UpdateConnectionFunc of a missing connection")
	a, b := newConnection("db-a", "c1"), newConnection("db-b")
	must(t, s.CreateConnection(ctx, a), "CreateConnection")
	must(t, s.CreateConnection(ctx, b), "CreateConnection")
	got, err := s.UpdateConnectionFunc(ctx, a.ID, func(c *tenant.Connection) error {
		c.EnabledClients = append(c.EnabledClients, "c2")
		c.Options["extra"] = "x"
		return nil
	})
	must(t, err, "UpdateConnectionFunc")
	want := newConnection("db-a", "c1", "c2")
	want.ID = a.ID
	want.Options["extra"] = "x"
	same(t, got, want, "connection returned by UpdateConnectionFunc")
	stored, _ := s.GetConnection(ctx, a.ID)
	same(t, stored, want, "connection stored by UpdateConnectionFunc")
	_, err = s.UpdateConnectionFunc(ctx, a.ID, func(c *tenant.Connection) error { c.Name = "db-b"; return nil })
	wantErr(t, err, tenant.ErrConflict, "UpdateConnectionFunc to a name in use")
	_, err = s.UpdateConnectionFunc(ctx, a.ID, func(c *tenant.Connection) error { c.EnabledClients = nil; return errFromFn })
	wantErr(t, err, errFromFn, "UpdateConnectionFunc whose fn fails")
	stored, _ = s.GetConnection(ctx, a.ID)
	same(t, stored, want, "connection after refused UpdateConnectionFuncs")
}

func testUpdateSettingsFunc(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	got, err := s.UpdateSettingsFunc(ctx, func(st *tenant.Settings) error {
		st.FriendlyName = "Named"
		st.Flags.UseScopeDescriptionsForConsent = true
		return nil
	})
	must(t, err, "UpdateSettingsFunc on an empty store")
	want := tenant.Settings{FriendlyName: "Named", Flags: tenant.Flags{UseScopeDescriptionsForConsent: true}}
	same(t, got, want, "settings returned by UpdateSettingsFunc")
	stored, _ := s.GetSettings(ctx)
	same(t, stored, want, "settings stored by UpdateSettingsFunc")
	_, err = s.UpdateSettingsFunc(ctx, func(st *tenant.Settings) error { st.FriendlyName = "no"; return errFromFn })
	wantErr(t, err, errFromFn, "UpdateSettingsFunc whose fn fails")
	stored, _ = s.GetSettings(ctx)
	same(t, stored, want, "settings after an UpdateSettingsFunc whose fn failed")
}

// testConcurrentUpdateFuncs has every worker add its own value to one
// client, one API, one client grant, one connection and the settings at the
// same time: a
// store that does read-modify-write without a check loses some.
func testConcurrentUpdateFuncs(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	must(t, s.CreateClient(ctx, newClient("c")), "CreateClient")
	a := newAPI("https://a.example.com")
	must(t, s.CreateAPI(ctx, a), "CreateAPI")
	g := &tenant.ClientGrant{ClientID: "c", Audience: a.Identifier}
	must(t, s.CreateClientGrant(ctx, g), "CreateClientGrant")
	conn := newConnection("db")
	must(t, s.CreateConnection(ctx, conn), "CreateConnection")
	const n = 5
	var wg sync.WaitGroup
	var want []string
	for w := range workers {
		for i := range n {
			want = append(want, fmt.Sprintf("v%d-%d", w, i))
		}
	}
	for w := range workers {
		wg.Go(func() {
			for i := range n {
				v := fmt.Sprintf("v%d-%d", w, i)
				if _, err := s.UpdateClientFunc(ctx, "c", func(c *tenant.Client) error {
					c.AllowedLogoutURLs = append(c.AllowedLogoutURLs, v)
					return nil
				}); err != nil {
					t.Errorf("UpdateClientFunc: %v", err)
				}
				if _, err := s.UpdateAPIFunc(ctx, a.ID, func(x *tenant.API) error {
					x.Scopes = append(x.Scopes, tenant.Scope{Value: v})
					return nil
				}); err != nil {
					t.Errorf("UpdateAPIFunc: %v", err)
				}
				if _, err := s.UpdateClientGrantFunc(ctx, g.ID, func(x *tenant.ClientGrant) error {
					x.Scope = append(x.Scope, v)
					return nil
				}); err != nil {
					t.Errorf("UpdateClientGrantFunc: %v", err)
				}
				if _, err := s.UpdateConnectionFunc(ctx, conn.ID, func(c *tenant.Connection) error {
					c.EnabledClients = append(c.EnabledClients, v)
					return nil
				}); err != nil {
					t.Errorf("UpdateConnectionFunc: %v", err)
				}
				if _, err := s.UpdateSettingsFunc(ctx, func(st *tenant.Settings) error {
					st.FriendlyName += v + " "
					return nil
				}); err != nil {
					t.Errorf("UpdateSettingsFunc: %v", err)
				}
			}
		})
	}
	wg.Wait()
	c, _ := s.GetClient(ctx, "c")
	checkScopes(t, c.AllowedLogoutURLs, append(newClient("c").AllowedLogoutURLs, want...), "client logout URLs after concurrent UpdateClientFunc")
	api, _ := s.GetAPI(ctx, a.ID)
	checkScopes(t, api.ScopeValues(), append(newAPI("x").ScopeValues(), want...), "API scopes after concurrent UpdateAPIFunc")
	cg, _ := s.GetClientGrant(ctx, g.ID)
	checkScopes(t, cg.Scope, want, "client grant scopes after concurrent UpdateClientGrantFunc")
	cn, _ := s.GetConnection(ctx, conn.ID)
	checkScopes(t, cn.EnabledClients, want, "connection enabled_clients after concurrent UpdateConnectionFunc")
	st, _ := s.GetSettings(ctx)
	for _, v := range want {
		if !slices.Contains(splitFields(st.FriendlyName), v) {
			t.Errorf("settings after concurrent UpdateSettingsFunc lost %q", v)
		}
	}
}

func splitFields(s string) []string {
	var out []string
	start := -1
	for i, r := range s + " " {
		if r == ' ' {
			if start >= 0 {
				out = append(out, s[start:i])
			}
			start = -1
		} else if start < 0 {
			start = i
		}
	}
	return out
}

func testAddSigningKeyIfAbsent(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	first := tenant.SigningKey{KID: "rs-1", Alg: "RS256", PEM: []byte("pem-1"), CreatedAt: t0}
	ok, err := s.AddSigningKeyIfAbsent(ctx, first)
	must(t, err, "AddSigningKeyIfAbsent on an empty store")
	if !ok {
		t.Fatal("AddSigningKeyIfAbsent on an empty store did not store the key")
	}
	ok, err = s.AddSigningKeyIfAbsent(ctx, tenant.SigningKey{KID: "rs-2", Alg: "RS256", PEM: []byte("pem-2"), CreatedAt: t0})
	must(t, err, "AddSigningKeyIfAbsent of a second RS256 key")
	if ok {
		t.Error("AddSigningKeyIfAbsent stored a second RS256 key")
	}
	es := tenant.SigningKey{KID: "es-1", Alg: "ES256", PEM: []byte("pem-3"), CreatedAt: t0}
	ok, err = s.AddSigningKeyIfAbsent(ctx, es)
	must(t, err, "AddSigningKeyIfAbsent of an ES256 key")
	if !ok {
		t.Error("AddSigningKeyIfAbsent did not store the first ES256 key")
	}
	keys, _ := s.SigningKeys(ctx)
	same(t, keys, []tenant.SigningKey{first, es}, "SigningKeys after AddSigningKeyIfAbsent")
}

// testConcurrentFirstKeys is two replicas starting at once on one store.
func testConcurrentFirstKeys(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	stored := 0
	for w := range workers {
		wg.Go(func() {
			ok, err := s.AddSigningKeyIfAbsent(ctx, tenant.SigningKey{KID: fmt.Sprintf("k%d", w), Alg: "RS256", PEM: []byte("p"), CreatedAt: t0})
			if err != nil {
				t.Errorf("AddSigningKeyIfAbsent: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if ok {
				stored++
			}
		})
	}
	wg.Wait()
	keys, _ := s.SigningKeys(ctx)
	if stored != 1 || len(keys) != 1 {
		t.Errorf("%d concurrent AddSigningKeyIfAbsent of RS256 keys: %d reported stored, %d keys stored; want 1 and 1", workers, stored, len(keys))
	}
}
