package browser

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/steps/driver"
)

// storageSite is one origin that a scenario leaves traces on: a cookie
// set by the server (HttpOnly) and one by script, localStorage,
// sessionStorage, and a response in the HTTP cache (/cached, cacheable for
// an hour, counts the requests that reach it). cookies records the Cookie
// header of each request for /page.
type storageSite struct {
	*httptest.Server
	cachedHits atomic.Int32
	mu         sync.Mutex
	cookies    []string
}

func newStorageSite(t *testing.T) *storageSite {
	t.Helper()
	s := &storageSite{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /page", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.cookies = append(s.cookies, r.Header.Get("Cookie"))
		s.mu.Unlock()
		if r.URL.Query().Get("set") != "" {
			http.SetCookie(w, &http.Cookie{Name: "sid", Value: r.URL.Query().Get("set"), Path: "/", HttpOnly: true})
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = fmt.Fprint(w, `<!doctype html><title>storage</title><main data-prompt="login">storage</main>`)
	})
	mux.HandleFunc("GET /cached", func(w http.ResponseWriter, r *http.Request) {
		s.cachedHits.Add(1)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, _ = fmt.Fprint(w, "cached")
	})
	s.Server = httptest.NewServer(mux)
	t.Cleanup(s.Close)
	return s
}

func (s *storageSite) lastCookie() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cookies[len(s.cookies)-1]
}

// traces is what a page of the site can see of an earlier visit.
type traces struct {
	Cookie  string `json:"cookie"`
	Local   int    `json:"local"`
	Session int    `json:"session"`
}

const tracesJS = `({cookie: document.cookie, local: localStorage.length, session: sessionStorage.length})`

const leaveTracesJS = `(async () => {
	document.cookie = 'js=left; path=/; max-age=3600';
	localStorage.setItem('left', 'by an earlier scenario');
	sessionStorage.setItem('left', 'by an earlier scenario');
	await fetch('/cached');
	await fetch('/cached');
	return true;
})()`

const fetchCachedJS = `fetch('/cached').then(r => r.text())`

// The pool's isolation, as a scenario pair: a scenario leaves a cookie of
// each kind, localStorage, sessionStorage and a cached response on the
// IdP's origin; the next scenario's driver, prepared while the first ran
// or after it ended, sees none of them (no cookie sent or readable, empty
// storage, the cached URL requested again).
func TestPooledDriversShareNothing(t *testing.T) {
	t.Parallel()
	site := newStorageSite(t)
	b := launch(t)
	pool := b.NewPool(2, -1, driver.Selectors{}, Hidden)
	t.Cleanup(pool.Close)
	ctx := t.Context()

	first, err := pool.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ok(t)(first.Open(ctx, site.URL+"/page?set=first"))
	if _, err := chromedp.Run(first.ctx, chromedp.Evaluate[bool](leaveTracesJS, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	// The traces are there for the scenario that left them: the checks
	// below can fail.
	ok(t)(first.Open(ctx, site.URL+"/page"))
	if c := site.lastCookie(); c != "sid=first; js=left" && c != "js=left; sid=first" {
		t.Fatalf("the first driver sent Cookie %q on its second visit, want sid and js", c)
	}
	tr, err := chromedp.Run(first.ctx, chromedp.Evaluate[traces](tracesJS))
	if err != nil || tr.Cookie != "js=left" || tr.Local != 1 || tr.Session != 1 {
		t.Fatalf("the first driver sees %+v (%v), want its own traces", tr, err)
	}
	if n := site.cachedHits.Load(); n != 1 {
		t.Fatalf("/cached reached the server %d times in the first driver, want 1 (cached)", n)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	// The next two scenarios: one driver prepared while the first ran,
	// one prepared after it ended.
	for i := range 2 {
		d, err := pool.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d == first {
			t.Fatal("the pool handed out the same driver twice")
		}
		ok(t)(d.Open(ctx, site.URL+"/page"))
		if c := site.lastCookie(); c != "" {
			t.Errorf("scenario %d: the browser sent Cookie %q left by an earlier scenario", i+2, c)
		}
		tr, err := chromedp.Run(d.ctx, chromedp.Evaluate[traces](tracesJS))
		if err != nil {
			t.Fatal(err)
		}
		if tr != (traces{}) {
			t.Errorf("scenario %d sees an earlier scenario's traces: %+v", i+2, tr)
		}
		before := site.cachedHits.Load()
		if _, err := chromedp.Run(d.ctx, chromedp.Evaluate[string](fetchCachedJS, chromedp.EvalAwaitPromise)); err != nil {
			t.Fatal(err)
		}
		if site.cachedHits.Load() != before+1 {
			t.Errorf("scenario %d got /cached from an earlier scenario's HTTP cache", i+2)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// Get after Close is an error, never a driver; Close closes the drivers
// nobody took.
func TestPoolClose(t *testing.T) {
	t.Parallel()
	b := launch(t)
	pool := b.NewPool(2, -1, driver.Selectors{}, Hidden)
	pool.Close()
	pool.Close() // idempotent
	if d, err := pool.Get(t.Context()); err == nil {
		_ = d.Close()
		t.Fatal("Get after Close returned a driver")
	}
}

// A pool with a limit prepares no more drivers than it was told the run
// can take: after the last one is handed out its workers stop (dry), with
// none left over to dispose of, and a further Get opens a driver itself.
// Forgo takes one back. Without a limit the workers never stop.
func TestPoolPreparesNoMoreThanItsLimit(t *testing.T) {
	t.Parallel()
	b := launch(t)
	ctx := t.Context()
	get := func(p *Pool) *Driver {
		t.Helper()
		d, err := p.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.Close() })
		return d
	}
	isDry := func(p *Pool, wait time.Duration) bool {
		select {
		case <-p.dry:
			return true
		case <-time.After(wait):
			return false
		}
	}

	limited := b.NewPool(2, 3, driver.Selectors{}, Hidden)
	t.Cleanup(limited.Close)
	for range 2 {
		get(limited)
	}
	if isDry(limited, 200*time.Millisecond) {
		t.Fatal("the pool stopped after 2 of its 3 drivers")
	}
	get(limited)
	if !isDry(limited, 10*time.Second) {
		t.Fatal("the pool kept preparing drivers after the last of its 3 was handed out")
	}
	extra := get(limited) // opened by Get itself
	if n, err := chromedp.Run(extra.ctx, chromedp.Evaluate[int]("1 + 1")); err != nil || n != 2 {
		t.Fatalf("the driver Get opened past the limit does not work: %v, %v", n, err)
	}

	forgone := b.NewPool(1, 3, driver.Selectors{}, Hidden)
	t.Cleanup(forgone.Close)
	forgone.Forgo()
	get(forgone)
	get(forgone)
	if !isDry(forgone, 10*time.Second) {
		t.Fatal("a pool of 3 with one forgone kept preparing after 2")
	}

	unlimited := b.NewPool(1, -1, driver.Selectors{}, Hidden)
	t.Cleanup(unlimited.Close)
	for range 4 {
		get(unlimited)
	}
	if isDry(unlimited, 200*time.Millisecond) {
		t.Fatal("a pool without a limit stopped preparing")
	}
}
