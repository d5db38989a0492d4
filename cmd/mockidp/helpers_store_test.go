package main

import (
	"net"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
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
