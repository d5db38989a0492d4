package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/consentry/consentry/mockidp/tenant"
)

// The concurrency checks are meant to run under -race: besides their own
// assertions, they give the race detector interleavings to look at.

const (
	workers   = 8
	perWorker = 25
)

func testConcurrentCreates(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker*2)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				id := fmt.Sprintf("c-%d-%d", w, i)
				if err := s.CreateClient(ctx, newClient(id)); err != nil {
					errs <- fmt.Errorf("CreateClient %s: %w", id, err)
				}
				if err := s.CreateUser(ctx, newUser("auth0|"+id, id+"@example.com")); err != nil {
					errs <- fmt.Errorf("CreateUser %s: %w", id, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	clients, err := s.ListClients(ctx)
	must(t, err, "ListClients")
	users, err := s.ListUsers(ctx)
	must(t, err, "ListUsers")
	if len(clients) != workers*perWorker || len(users) != workers*perWorker {
		t.Fatalf("after %d concurrent creates: %d clients, %d users", workers*perWorker, len(clients), len(users))
	}
	seen := map[string]bool{}
	for _, c := range clients {
		if seen[c.ClientID] {
			t.Errorf("client %s listed twice", c.ClientID)
		}
		seen[c.ClientID] = true
	}
	// Creation order holds per writer: each worker's clients appear in the
	// order that worker created them.
	last := map[int]int{}
	for _, c := range clients {
		var w, i int
		if _, err := fmt.Sscanf(c.ClientID, "c-%d-%d", &w, &i); err != nil {
			t.Fatalf("unexpected client id %q", c.ClientID)
		}
		if prev, ok := last[w]; ok && i < prev {
			t.Errorf("worker %d: client %d listed after client %d", w, i, prev)
		}
		last[w] = i
	}
}

func testConcurrentSameID(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var ok, conflict int
	for w := range workers {
		wg.Go(func() {
			c := newClient("contested")
			c.Name = fmt.Sprintf("writer %d", w)
			err := s.CreateClient(ctx, c)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, tenant.ErrConflict):
				conflict++
			default:
				t.Errorf("CreateClient: unexpected error %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || conflict != workers-1 {
		t.Errorf("%d concurrent creates of one client_id: %d succeeded, %d conflicted; want 1 and %d", workers, ok, conflict, workers-1)
	}
	list, _ := s.ListClients(ctx)
	if len(list) != 1 {
		t.Errorf("ListClients: %d clients, want 1", len(list))
	}
}

func testConcurrentMerge(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	var wg sync.WaitGroup
	var want []string
	for w := range workers {
		for i := range perWorker {
			want = append(want, fmt.Sprintf("scope:%d:%d", w, i))
		}
	}
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				// Every writer also repeats a shared scope, to check that
				// concurrent merges never duplicate it.
				sc := []string{fmt.Sprintf("scope:%d:%d", w, i), "shared"}
				if _, err := s.MergeUserGrant(ctx, "auth0|u", "c", "https://a.example.com", sc); err != nil {
					t.Errorf("MergeUserGrant: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	list, err := s.ListUserGrants(ctx, tenant.UserGrantFilter{})
	must(t, err, "ListUserGrants")
	if len(list) != 1 {
		t.Fatalf("concurrent merges of one (user, client, audience) made %d grants, want 1", len(list))
	}
	checkScopes(t, list[0].Scope, append(want, "shared"), "scopes after concurrent merges")
}

func testConcurrentReadWrite(t *testing.T, s tenant.Store) {
	ctx := ctxOf(t)
	must(t, s.CreateAPI(ctx, newAPI("https://a.example.com")), "CreateAPI")
	must(t, s.CreateUser(ctx, newUser("auth0|u", "u@example.com")), "CreateUser")
	var wg sync.WaitGroup
	for w := range workers {
		// Writers.
		wg.Go(func() {
			for i := range perWorker {
				id := fmt.Sprintf("c-%d-%d", w, i)
				c := newClient(id)
				if err := s.CreateClient(ctx, c); err != nil {
					t.Errorf("CreateClient: %v", err)
					return
				}
				c.Name = "updated"
				if err := s.UpdateClient(ctx, c); err != nil {
					t.Errorf("UpdateClient: %v", err)
				}
				g := &tenant.ClientGrant{ClientID: id, Audience: "https://a.example.com", Scope: []string{"read:posts"}}
				if err := s.CreateClientGrant(ctx, g); err != nil {
					t.Errorf("CreateClientGrant: %v", err)
				}
				ug, err := s.MergeUserGrant(ctx, "auth0|u", id, "https://a.example.com", []string{"read:posts"})
				if err != nil {
					t.Errorf("MergeUserGrant: %v", err)
					continue
				}
				if err := s.SaveRefreshToken(ctx, &tenant.RefreshToken{ID: "rt-" + id, ClientID: id, UserID: "auth0|u", GrantID: ug.ID, CreatedAt: t0}); err != nil {
					t.Errorf("SaveRefreshToken: %v", err)
				}
				if i%2 == 0 {
					if err := s.DeleteClient(ctx, id); err != nil {
						t.Errorf("DeleteClient: %v", err)
					}
				}
				if err := s.UpdateSettings(ctx, tenant.Settings{FriendlyName: id}); err != nil {
					t.Errorf("UpdateSettings: %v", err)
				}
				if err := s.AddSigningKey(ctx, tenant.SigningKey{KID: id, Alg: "RS256", PEM: []byte(id), CreatedAt: t0}); err != nil {
					t.Errorf("AddSigningKey: %v", err)
				}
			}
		})
		// Readers, which also change what they read (it must be a copy).
		wg.Go(func() {
			for range perWorker {
				cs, err := s.ListClients(ctx)
				if err != nil {
					t.Errorf("ListClients: %v", err)
					return
				}
				for _, c := range cs {
					c.Callbacks = append(c.Callbacks[:0], "x")
					c.Name = "reader"
				}
				gs, _ := s.ListUserGrants(ctx, tenant.UserGrantFilter{UserID: "auth0|u"})
				for _, g := range gs {
					if len(g.Scope) > 0 {
						g.Scope[0] = "reader"
					}
				}
				cgs, _ := s.ListClientGrants(ctx, tenant.ClientGrantFilter{Audience: "https://a.example.com"})
				for _, g := range cgs {
					if len(g.Scope) > 0 {
						g.Scope[0] = "reader"
					}
				}
				if a, err := s.GetAPIByIdentifier(ctx, "https://a.example.com"); err == nil {
					a.Scopes[0].Value = "reader"
				}
				if u, err := s.FindUser(ctx, "u@example.com"); err == nil {
					u.Name = "reader"
				}
				_, _ = s.GetSettings(ctx)
				if ks, err := s.SigningKeys(ctx); err == nil {
					for _, k := range ks {
						if len(k.PEM) > 0 {
							k.PEM[0] = 'X'
						}
					}
				}
			}
		})
	}
	wg.Wait()

	cs, _ := s.ListClients(ctx)
	if want := workers * (perWorker / 2); len(cs) != want { // odd i survive
		t.Errorf("clients left: %d, want %d (every other one was deleted)", len(cs), want)
	}
	for _, c := range cs {
		if c.Name != "updated" {
			t.Errorf("client %s: name %q, want %q (a reader's change leaked into the store?)", c.ClientID, c.Name, "updated")
		}
		if _, err := s.GetRefreshToken(ctx, "rt-"+c.ClientID); err != nil {
			t.Errorf("refresh token of surviving client %s: %v", c.ClientID, err)
		}
	}
	cgs, _ := s.ListClientGrants(ctx, tenant.ClientGrantFilter{})
	ugs, _ := s.ListUserGrants(ctx, tenant.UserGrantFilter{})
	if len(cgs) != len(cs) || len(ugs) != len(cs) {
		t.Errorf("%d clients left but %d client grants and %d user grants", len(cs), len(cgs), len(ugs))
	}
	for _, g := range ugs {
		checkScopes(t, g.Scope, []string{"read:posts"}, "user grant "+g.ID+" after readers changed returned copies")
	}
	a, _ := s.GetAPIByIdentifier(ctx, "https://a.example.com")
	if a.Scopes[0].Value != "read:posts" {
		t.Errorf("API scope changed by a reader: %q", a.Scopes[0].Value)
	}
	ks, _ := s.SigningKeys(ctx)
	if len(ks) != workers*perWorker {
		t.Errorf("signing keys: %d, want %d", len(ks), workers*perWorker)
	}
	for _, k := range ks {
		if string(k.PEM) != k.KID {
			t.Errorf("key %s: PEM %q changed by a reader", k.KID, k.PEM)
		}
	}
}
