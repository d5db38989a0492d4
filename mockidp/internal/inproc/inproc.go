// Package inproc runs one HTTP request through a handler in process, for
// the fuzz targets of the IdP's faces: a panic in a handler fails the input
// (an HTTP server would only log it), and a request that takes longer than
// Limit is reported as a hang.
package inproc

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"
)

// Limit is how long a request may take before Serve calls it a hang.
const Limit = 10 * time.Second

// Serve sends method target (a path with an optional query, kept exactly as
// given) with body and header to h, with host as its Host when not empty,
// and returns the answer. A request still running after Limit panics with
// the request in the message, which fails the fuzz input.
func Serve(h http.Handler, host, method, target, body string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/", strings.NewReader(body))
	req.URL.Path, req.URL.RawQuery = target, ""
	if path, query, ok := strings.Cut(target, "?"); ok {
		req.URL.Path, req.URL.RawQuery = path, query
	}
	req.RequestURI = target
	if host != "" {
		req.Host = host
	}
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(w, req)
	}()
	select {
	case <-done:
	case <-time.After(Limit):
		panic(fmt.Sprintf("%s %s hangs (body %q)", method, target, body))
	}
	return w
}
