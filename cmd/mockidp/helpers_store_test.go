package main

import (
	"net"
	"testing"
)

// freeAddr is a loopback address with a port free right now, for tests that
// restart a server on the same address (its issuer must not change).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
