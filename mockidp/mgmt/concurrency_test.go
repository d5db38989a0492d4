package mgmt_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// TestPatchesOfOneObjectAllLand sends PATCHes of different properties of
// one object at the same time, round after round. A PATCH is a
// read-modify-write: done as a read and a later write, one of two concurrent
// PATCHes overwrites the other's change with the value it read.
func TestPatchesOfOneObjectAllLand(t *testing.T) {
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
