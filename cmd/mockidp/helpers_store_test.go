package main

import (
	"errors"
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// loopbackAddr is a loopback address with a port free right now, for tests that
// restart a server on the same address (its issuer must not change).
func loopbackAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// onFreeAddr starts a server (a mockidp child or an in-process serve) on a
// free loopback address: argsFor gets the address and returns its
// arguments, start starts it with them and returns what it printed on
// stderr and errExitedBeforeBanner when it exited before its banner.
// Finding a free port and the server listening on it are two steps, and
// another process (make test runs five go test runs at once, each with its
// own servers and clients) can take the port in between: a server that
// exits saying so is started again on another address, up to five times.
// It returns the arguments the server runs with.
func onFreeAddr(t *testing.T, argsFor func(addr string) []string, start func(args []string) (stderr string, err error)) []string {
	t.Helper()
	for try := 1; ; try++ {
		args := argsFor(loopbackAddr(t))
		stderr, err := start(args)
		switch {
		case err == nil:
			return args
		case try < 5 && errors.Is(err, errExitedBeforeBanner) && strings.Contains(stderr, "address already in use"):
			t.Logf("start %d: the port was taken before the server listened; trying another", try)
		default:
			t.Fatal(err)
		}
	}
}

// roundRobin is a reverse proxy in front of two replicas: each request goes
// to the other replica than the one before, with the Host header the client
// sent, and served counts the requests each replica got. The test sets
// backends before the first request and closes the proxy.
type roundRobin struct {
	*httptest.Server
	backends [2]*url.URL
	next     atomic.Uint64
	served   [2]atomic.Int64
}

func newRoundRobin() *roundRobin {
	rr := &roundRobin{}
	rr.Server = httptest.NewServer(&httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			i := rr.next.Add(1) % 2
			rr.served[i].Add(1)
			r.SetURL(rr.backends[i])
			r.Out.Host = r.In.Host
		},
	})
	return rr
}
