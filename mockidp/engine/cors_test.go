package engine

import (
	"net/http"
	"testing"
)

func TestAllowPreflightSetsExactOriginAndCredentials(t *testing.T) {
	h := http.Header{}
	AllowPreflight(h, "https://app.example", "GET, POST", "Authorization, DPoP")
	want := map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example",
		"Access-Control-Allow-Credentials": "true",
		"Access-Control-Allow-Methods":     "GET, POST",
		"Access-Control-Allow-Headers":     "Authorization, DPoP",
		"Access-Control-Max-Age":           "86400",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if len(h) != len(want) {
		t.Errorf("headers %v, want only %v", h, want)
	}
}
