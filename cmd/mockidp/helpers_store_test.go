package main

import (
	"net"
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
