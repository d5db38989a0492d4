package auth0

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/consentry/consentry/mockidp/oautherr"
)

// Input bounds. Anyone can reach /authorize, the login form and the token
// endpoint without credentials, so nothing they send is kept or parsed
// without a bound. The README's security section lists these figures.
const (
	// maxFormBytes bounds the body of every form post.
	maxFormBytes = 64 << 10
	// maxQueryBytes bounds the query string of every request of the face.
	maxQueryBytes = 16 << 10
	// maxStateBytes, maxNonceBytes and maxScopeBytes bound the values an
	// authorization request stores with its transaction; maxScopes bounds
	// how many scope values a request may name.
	maxStateBytes = 4096
	maxNonceBytes = 2048
	maxScopeBytes = 8192
	maxScopes     = 256
)

// parseForm parses a request's query and (for a post) its form body within
// the bounds, with the error to answer when it fails: 414 for a query too
// long, 413 for a body too large, 400 for anything unparsable.
func parseForm(w http.ResponseWriter, r *http.Request) *oautherr.Error {
	if len(r.URL.RawQuery) > maxQueryBytes {
		return oautherr.New(http.StatusRequestURITooLong, oautherr.CodeInvalidRequest,
			"The query string is too long (at most "+strconv.Itoa(maxQueryBytes)+" bytes).")
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	}
	if err := r.ParseForm(); err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return oautherr.New(http.StatusRequestEntityTooLarge, oautherr.CodeInvalidRequest,
				"The request body is too large (at most "+strconv.Itoa(maxFormBytes>>10)+" KiB).")
		}
		return oautherr.InvalidRequest("The request could not be parsed: send the parameters as application/x-www-form-urlencoded.")
	}
	return nil
}

// repeated returns the first of names (every parameter when names is
// empty) that vals holds more than once, in sorted order so the answer is
// stable (rule A7, RFC 6749 section 3.1).
func repeated(vals url.Values, names ...string) string {
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

func repeatedError(name string) *oautherr.Error {
	return oautherr.InvalidRequest("Parameter " + name + " was sent more than once.")
}

// tooLong checks the stored values of an authorization request against
// their bounds.
func tooLong(q url.Values) *oautherr.Error {
	for _, b := range []struct {
		name string
		max  int
	}{{"state", maxStateBytes}, {"nonce", maxNonceBytes}, {"scope", maxScopeBytes}} {
		for _, v := range q[b.name] {
			if len(v) > b.max {
				return oautherr.InvalidRequest("The " + b.name + " parameter is too long (at most " + strconv.Itoa(b.max) + " bytes).")
			}
		}
	}
	return tooManyScopes(q.Get("scope"))
}

func tooManyScopes(scope string) *oautherr.Error {
	if n := len(strings.Fields(scope)); n > maxScopes {
		return oautherr.InvalidRequest("The scope parameter names too many scopes (" + strconv.Itoa(n) + ", at most " + strconv.Itoa(maxScopes) + ").")
	}
	return nil
}
