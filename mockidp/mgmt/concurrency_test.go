package mgmt_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/consentry/consentry/mockidp/mgmt"
	"github.com/consentry/consentry/mockidp/tenant"
)

// TestConcurrentPatchesOfOneObjectAllLand sends PATCHes of different properties of
// one object at the same time, round after round. A PATCH is a
// read-modify-write: done as a read and a later write, one of two concurrent
// PATCHes overwrites the other's change with the value it read.
func TestConcurrentPatchesOfOneObjectAllLand(t *testing.T) {
	f := newFixture(t)
	f.createAPI(apiID)
	c := f.createClient(`{"name":"A"}`)
	id := c["client_id"].(string)
	const rounds = 40
	for r := range rounds {
		patches := []struct{ target, body string }{
			{"/api/v2/tenants/settings", fmt.Sprintf(`{"friendly_name":"n%d"}`, r)},
			{"/api/v2/tenants/settings", fmt.Sprintf(`{"support_email":"s%d@example.com"}`, r)},
			{"/api/v2/tenants/settings", fmt.Sprintf(`{"picture_url":"https://example.com/%d.png"}`, r)},
			{"/api/v2/clients/" + id, fmt.Sprintf(`{"name":"c%d"}`, r)},
			{"/api/v2/clients/" + id, fmt.Sprintf(`{"description":"d%d"}`, r)},
			{"/api/v2/clients/" + id, fmt.Sprintf(`{"callbacks":["https://example.com/%d"]}`, r)},
		}
		var wg sync.WaitGroup
		for _, p := range patches {
			wg.Go(func() {
				if res := f.do(http.MethodPatch, p.target, p.body); res.status != http.StatusOK {
					t.Errorf("PATCH %s %s: status %d: %s", p.target, p.body, res.status, res.body)
				}
			})
		}
		wg.Wait()
		s := f.do(http.MethodGet, "/api/v2/tenants/settings", "").want(http.StatusOK).obj()
		got := fmt.Sprint(s["friendly_name"], " ", s["support_email"], " ", s["picture_url"])
		if want := fmt.Sprintf("n%d s%d@example.com https://example.com/%d.png", r, r, r); got != want {
			t.Fatalf("round %d: settings %q, want %q: a concurrent PATCH was lost", r, got, want)
		}
		cl := f.do(http.MethodGet, "/api/v2/clients/"+id, "").want(http.StatusOK).obj()
		got = fmt.Sprint(cl["name"], " ", cl["description"], " ", cl["callbacks"])
		if want := fmt.Sprintf("c%d d%d [https://example.com/%d]", r, r, r); got != want {
			t.Fatalf("round %d: client %q, want %q: a concurrent PATCH was lost", r, got, want)
		}
	}
}

// TestConcurrentConnectionClientsFromTwoReplicasAllLand enables clients on one
// connection through two Management APIs sharing one store, as two replicas
// behind a load balancer do: each API's own lock cannot order the other's
// writes, so only the store's compare-and-swap keeps every change.
func TestConcurrentConnectionClientsFromTwoReplicasAllLand(t *testing.T) {
	f := newFixture(t)
	other := mgmt.New(mgmt.Config{Store: f.store, Verify: fakeVerify,
		HashPassword: func(pw string) (string, error) { return "HASHED-" + pw, nil },
		NewClientID:  func(bool) string { return "unused" }, NewSecret: func() string { return "s" },
		Logger: slog.New(slog.DiscardHandler)})
	r := chi.NewRouter()
	other.Mount(r)
	replicas := []http.Handler{f.h, r}

	conn, err := f.store.GetConnectionByName(t.Context(), "db")
	if err != nil {
		t.Fatal(err)
	}
	const n = 40
	var ids []string
	for i := range n {
		ids = append(ids, f.createClient(fmt.Sprintf(`{"name":"C%d"}`, i))["client_id"].(string))
	}
	// The new clients were enabled on every connection; start from none.
	if _, err := f.store.UpdateConnectionFunc(t.Context(), conn.ID, func(c *tenant.Connection) error {
		c.EnabledClients = nil
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			req := httptest.NewRequest(http.MethodPatch, "/api/v2/connections/"+conn.ID+"/clients",
				strings.NewReader(`[{"client_id":"`+id+`","status":true}]`))
			req.Header.Set("Authorization", "Bearer "+tokAll)
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			replicas[i%2].ServeHTTP(rec, req)
			if rec.Code != http.StatusNoContent {
				t.Errorf("PATCH clients: %d %s", rec.Code, rec.Body)
			}
		})
	}
	wg.Wait()
	got, _ := f.store.GetConnection(t.Context(), conn.ID)
	if len(got.EnabledClients) != n {
		t.Errorf("%d clients enabled through two replicas at once, %d stored: concurrent updates were lost", n, len(got.EnabledClients))
	}
}
