package engine

import "net/http"

// PreflightMaxAge is how long (seconds) a browser may cache a CORS
// preflight the mock allows.
const PreflightMaxAge = "86400"

// AllowPreflight sets on h the headers of a CORS preflight answer that
// allows origin, credentialed (so the exact origin, never "*"), to use
// methods with the request headers allowHeaders. Which origins and
// headers a face allows is the face's choice.
func AllowPreflight(h http.Header, origin, methods, allowHeaders string) {
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
	h.Set("Access-Control-Allow-Methods", methods)
	h.Set("Access-Control-Allow-Headers", allowHeaders)
	h.Set("Access-Control-Max-Age", PreflightMaxAge)
}
