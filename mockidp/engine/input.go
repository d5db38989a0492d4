package engine

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/consentry/consentry/mockidp/oautherr"
)

// Input bounds. Anyone can reach the authorization endpoint, the login form
// and the token endpoint without credentials, so nothing they send is kept
// or parsed without a bound. The README's security section lists these
// figures.
const (
	// MaxFormBytes bounds the body of every form post.
	MaxFormBytes = 64 << 10
	// MaxQueryBytes bounds the query string of every request.
	MaxQueryBytes = 16 << 10
	// MaxStateBytes, MaxNonceBytes and MaxScopeBytes bound the values an
	// authorization request stores with its transaction; MaxScopes bounds
	// how many scope values a request may name.
	MaxStateBytes = 4096
	MaxNonceBytes = 2048
	MaxScopeBytes = 8192
	MaxScopes     = 256
)

// ParseForm parses a request's query and (for a post) its form body within
// the bounds, with the error to answer when it fails: 414 for a query too
// long, 413 for a body too large, 400 for anything unparsable.
func ParseForm(w http.ResponseWriter, r *http.Request) *oautherr.Error {
	if len(r.URL.RawQuery) > MaxQueryBytes {
		return oautherr.New(http.StatusRequestURITooLong, oautherr.CodeInvalidRequest,
			"The query string is too long (at most "+strconv.Itoa(MaxQueryBytes)+" bytes).")
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	}
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return oautherr.New(http.StatusRequestEntityTooLarge, oautherr.CodeInvalidRequest,
				"The request body is too large (at most "+strconv.Itoa(MaxFormBytes>>10)+" KiB).")
		}
		return oautherr.InvalidRequest("The request could not be parsed: send the parameters as application/x-www-form-urlencoded.")
	}
	return nil
}

// Repeated returns the first of names (every parameter when names is
// empty) that vals holds more than once, in sorted order so the answer is
// stable (rule A7, RFC 6749 section 3.1).
func Repeated(vals url.Values, names ...string) string {
	if len(names) == 0 {
		for k := range vals {
			names = append(names, k)
		}
		slices.Sort(names)
	}
	for _, n := range names {
		if len(vals[n]) > 1 {
			return n
		}
	}
	return ""
}

// RepeatedError is the refusal of a parameter sent more than once.
func RepeatedError(name string) *oautherr.Error {
	return oautherr.InvalidRequest("Parameter " + name + " was sent more than once.")
}

// TooLong checks the stored values of an authorization request (state,
// nonce, scope) against their bounds.
func TooLong(q url.Values) *oautherr.Error {
	for _, b := range []struct {
		name string
		max  int
	}{{"state", MaxStateBytes}, {"nonce", MaxNonceBytes}, {"scope", MaxScopeBytes}} {
		for _, v := range q[b.name] {
			if len(v) > b.max {
				return oautherr.InvalidRequest("The " + b.name + " parameter is too long (at most " + strconv.Itoa(b.max) + " bytes).")
			}
		}
	}
	return TooManyScopes(q.Get("scope"))
}

// TooManyScopes refuses a scope parameter naming more than MaxScopes values.
func TooManyScopes(scope string) *oautherr.Error {
	if n := len(strings.Fields(scope)); n > MaxScopes {
		return oautherr.InvalidRequest("The scope parameter names too many scopes (" + strconv.Itoa(n) + ", at most " + strconv.Itoa(MaxScopes) + ").")
	}
	return nil
}

// SortedFields splits a space-separated parameter (response_type, scope)
// into its sorted, distinct values.
func SortedFields(s string) []string {
	fs := strings.Fields(s)
	slices.Sort(fs)
	return slices.Compact(fs)
}

// Subset reports whether every element of a is in b.
func Subset(a, b []string) bool {
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}
