package engine

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/session"
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
	// MaxRedirectURIBytes bounds redirect_uri, MaxHintBytes login_hint
	// (an e-mail address or user name: RFC 5321 caps an address at 254),
	// MaxTokenHintBytes id_token_hint (a signed ID token).
	MaxRedirectURIBytes = 4096
	MaxHintBytes        = 512
	MaxTokenHintBytes   = 8192
	// MaxParamBytes bounds every other parameter of an authorization
	// request (audience, prompt, ui_locales, acr_values, connection,
	// organization, ...): free-form values the mock reads or ignores, none
	// of which needs more.
	MaxParamBytes = 1024
)

// paramBounds are the parameters with a bound of their own.
var paramBounds = map[string]int{
	"state": MaxStateBytes, "nonce": MaxNonceBytes, "scope": MaxScopeBytes,
	"redirect_uri": MaxRedirectURIBytes, "login_hint": MaxHintBytes, "id_token_hint": MaxTokenHintBytes,
}

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

// TooLong checks every value of an authorization request against its
// bound (paramBounds, else MaxParamBytes) and the number of scopes, in
// sorted parameter order so the answer is stable.
func TooLong(q url.Values) *oautherr.Error {
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		max, ok := paramBounds[name]
		if !ok {
			max = MaxParamBytes
		}
		for _, v := range q[name] {
			if len(v) > max {
				return oautherr.InvalidRequest("The " + shortName(name) + " parameter is too long (at most " + strconv.Itoa(max) + " bytes).")
			}
		}
	}
	return TooManyScopes(q.Get("scope"))
}

// shortName is a parameter name as an error message repeats it: names
// longer than a parameter's name should be are cut.
func shortName(name string) string {
	if len(name) > 64 {
		return name[:64] + "..."
	}
	return name
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

// Credentials are the client credentials a token, revocation or
// introspection request carries.
type Credentials struct {
	ID, Secret string
	// Basic says they came in the Authorization header
	// (client_secret_basic); else from the body (client_secret_post, or
	// none: a client_id alone).
	Basic bool
}

// ClientCredentials reads a request's client credentials from HTTP Basic
// (both parts form-urlencoded first, RFC 6749 section 2.3.1) or the posted
// form. A request using more than one client authentication method (Basic
// and a client_secret or client_assertion in the body, or a client_secret
// and a client_assertion) is refused with invalid_request: RFC 6749 section
// 2.3 forbids it, and which one to believe would be a guess. A client_id in
// the body beside Basic is no second method; whether it must match is the
// face's check.
func ClientCredentials(r *http.Request) (Credentials, *oautherr.Error) {
	form := r.PostForm
	methods := 0
	id, secret, basic := r.BasicAuth()
	if basic {
		methods++
	}
	if form.Has("client_secret") {
		methods++
	}
	if form.Has("client_assertion") || form.Has("client_assertion_type") {
		methods++
	}
	if methods > 1 {
		return Credentials{}, oautherr.InvalidRequest("The request uses more than one client authentication method (RFC 6749 section 2.3): send the client's credentials either in the Authorization header or in the body, not both.")
	}
	if !basic {
		return Credentials{ID: form.Get("client_id"), Secret: form.Get("client_secret")}, nil
	}
	if v, err := url.QueryUnescape(id); err == nil {
		id = v
	}
	if v, err := url.QueryUnescape(secret); err == nil {
		secret = v
	}
	return Credentials{ID: id, Secret: secret, Basic: true}, nil
}

// CheckScreenForm refuses an ambiguous request to a screen (login,
// consent): a field posted more than once, or a query parameter sent more
// than once (rule A7), except the fields named multi, which the form sends
// once per value (the consent form's scope). A state in the query that
// differs from the form's is ambiguous too. Call it after ParseForm.
func CheckScreenForm(r *http.Request, multi ...string) *oautherr.Error {
	query := r.URL.Query()
	for _, vals := range []url.Values{r.PostForm, query} {
		names := make([]string, 0, len(vals))
		for k := range vals {
			if !slices.Contains(multi, k) {
				names = append(names, k)
			}
		}
		slices.Sort(names)
		for _, n := range names {
			if len(vals[n]) > 1 {
				return RepeatedError(shortName(n))
			}
		}
	}
	if r.PostForm.Has("state") && query.Has("state") && r.PostForm.Get("state") != query.Get("state") {
		return oautherr.InvalidRequest("The form's state does not match the state of its address.")
	}
	return nil
}

// ParseMaxAge reads max_age (rule A6): a decimal number of seconds, no
// sign, at most math.MaxInt64 (about 292 billion years); anything else is
// invalid_request, which the face sends to the callback (A2). ok is false
// when the request has none.
func ParseMaxAge(q url.Values) (seconds int64, ok bool, e *oautherr.Error) {
	v, has := q["max_age"]
	if !has || v[0] == "" {
		return 0, false, nil
	}
	s := v[0]
	for _, c := range s {
		if c < '0' || c > '9' {
			return 0, false, oautherr.InvalidRequest("max_age must be a non-negative integer (seconds): " + shortValue(s))
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil { // only digits: out of range
		return 0, false, oautherr.InvalidRequest("max_age is too large (at most " + strconv.FormatInt(math.MaxInt64, 10) + " seconds): " + shortValue(s))
	}
	return n, true, nil
}

func shortValue(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

// TooOld reports whether a login at authTime is older than the
// transaction's max_age allows at now (rule A6; max_age=0: always). Ages
// are compared in whole seconds, as auth_time carries them, so a client
// checking auth_time + max_age against its clock agrees.
func TooOld(tx *session.Transaction, authTime, now time.Time) bool {
	if !tx.MaxAgeSet {
		return false
	}
	if tx.MaxAge == 0 {
		return true
	}
	return now.Unix()-authTime.Unix() > tx.MaxAge
}
