package httpua

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/consentry/consentry/steps/driver/drivertest"
)

// connCounter is a server that counts the connections clients open to it.
func connCounter(t *testing.T) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var opened atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s1", Path: "/"})
		io.WriteString(w, `<!doctype html><title>x</title><main data-prompt="login"></main>`)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &opened
}

func get(t *testing.T, c *http.Client, url string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// Closing one scenario's user agent must not close the idle connections
// of a transport other clients use (a make test run failed a Management
// API DELETE of another scenario with "http: CloseIdleConnections
// called" when Close did): the connection another client left idle is
// still the one its next request takes.
func TestCloseLeavesASharedTransportsConnectionsAlone(t *testing.T) {
	for _, tc := range []struct {
		name   string
		shared *http.Transport // what the other client and Options.Transport use
		give   bool
	}{
		{name: "given transport", shared: &http.Transport{}, give: true},
		{name: "nil transport, other client on http.DefaultTransport", shared: http.DefaultTransport.(*http.Transport)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, opened := connCounter(t)
			other := &http.Client{Transport: tc.shared}
			get(t, other, srv.URL+"/")
			opts := Options{}
			if tc.give {
				opts.Transport = tc.shared
			}
			d, err := New(opts)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Open(context.Background(), srv.URL+"/authorize"); err != nil {
				t.Fatal(err)
			}
			before := opened.Load()
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			get(t, other, srv.URL+"/")
			if n := opened.Load(); n != before {
				t.Errorf("the other client opened %d new connections after the user agent's Close: its idle one was closed under it", n-before)
			}
		})
	}
}

// The user agent's own transport is its own: it shares no connection
// with http.DefaultTransport, and Close drops its cookies.
func TestCloseDropsTheCookies(t *testing.T) {
	srv, _ := connCounter(t)
	d, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(context.Background(), srv.URL+"/a"); err != nil {
		t.Fatal(err)
	}
	u := drivertest.MustURL(t, srv.URL)
	if len(d.client.Jar.Cookies(u)) == 0 {
		t.Fatal("no cookie kept after the first page: the test's server did not set one")
	}
	if d.client.Transport == http.DefaultTransport {
		t.Error("a nil Options.Transport is http.DefaultTransport itself: its connections are the process's, not the user agent's")
	}
	d.Close()
	if c := d.client.Jar.Cookies(u); len(c) != 0 {
		t.Errorf("cookies after Close: %v", c)
	}
}
