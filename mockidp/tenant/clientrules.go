package tenant

import (
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// The client rules Auth0 applies wherever a client is made: in the tenant
// file and through the Management API. Both edges call these, so the two
// never drift apart.

// The values the tenant's fields may take, for the edges that validate
// input (the tenant file, the Management API).
var (
	AppTypes     = []string{AppRegularWeb, AppSPA, AppNative, AppNonInteractive, AppResourceServer}
	AuthMethods  = []string{AuthNone, AuthSecretPost, AuthSecretBasic}
	SubjectTypes = []string{SubjectClient, SubjectUser}
	SigningAlgs  = []string{"RS256", "ES256"}
	// ExchangeProfiles are the token-exchange profile types a client may
	// allow; the mock acts on ProfileOnBehalfOf.
	ExchangeProfiles = []string{"custom_authentication", ProfileOnBehalfOf}
	// GrantTypes are the grant types the mock implements.
	GrantTypes = []string{
		GrantAuthorizationCode, GrantImplicit, GrantRefreshToken, GrantClientCredentials,
		GrantPassword, GrantPasswordRealm, GrantTokenExchange,
	}
)

// DefaultAuthMethod is the token endpoint auth method Auth0 gives a new
// client of appType: public for browser and native apps.
func DefaultAuthMethod(appType string) string {
	switch appType {
	case AppSPA, AppNative:
		return AuthNone
	}
	return AuthSecretPost
}

// DefaultGrantTypes are the grant types Auth0 gives a new client of its app
// type, minus those GrantTypeProblem refuses for it (rule K2, public
// clients).
func DefaultGrantTypes(c *Client) []string {
	var gts []string
	switch c.AppType {
	case AppSPA, AppNative:
		gts = []string{GrantAuthorizationCode, GrantImplicit, GrantRefreshToken}
	case AppNonInteractive:
		gts = []string{GrantClientCredentials}
	case AppResourceServer:
		gts = []string{GrantTokenExchange}
	default:
		gts = []string{GrantAuthorizationCode, GrantImplicit, GrantRefreshToken, GrantClientCredentials}
	}
	return slices.DeleteFunc(gts, func(g string) bool { return GrantTypeProblem(c, g) != "" })
}

// strictGrantTypes are the only grant types a strict third-party client may
// have (rule K2); client_credentials only when it is confidential.
var strictGrantTypes = []string{GrantAuthorizationCode, GrantRefreshToken, GrantClientCredentials}

// GrantTypeProblem says why c may not have grant type g, or "" when it may:
// strict third-party clients are limited by rule K2, and grants that need
// client authentication are refused to public clients.
func GrantTypeProblem(c *Client, g string) string {
	if c.IsStrictThirdParty() && !slices.Contains(strictGrantTypes, g) {
		return "Grant type '" + g + "' is not allowed for third-party clients in strict mode"
	}
	if c.IsPublic() && (g == GrantClientCredentials || g == GrantTokenExchange) {
		return "Grant type '" + g + "' needs client authentication, but the client is public (token_endpoint_auth_method: none)"
	}
	return ""
}

// RedirectURIProblem says what is wrong with a callback or logout URL, or ""
// when nothing is: custom schemes (com.example.app://callback) are fine,
// http(s) needs a host, and no URL has spaces or a fragment (RFC 6749
// section 3.1.2).
func RedirectURIProblem(s string) string {
	if s == "" {
		return "is empty"
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' }) {
		return "contains spaces"
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "is not a URL"
	case u.Scheme == "":
		return "is not an absolute URL (it needs a scheme, e.g. https://)"
	case strings.Contains(s, "#"):
		return "must not have a fragment (#...)"
	case (u.Scheme == "http" || u.Scheme == "https") && u.Host == "":
		return "has no host"
	}
	return ""
}

// MatchCallback reports whether redirectURI is one of the client's callbacks
// (rule K4); see MatchRedirectURI.
func (c *Client) MatchCallback(redirectURI string) bool {
	return MatchRedirectURI(c.Callbacks, redirectURI)
}

// MatchRedirectURI reports whether redirectURI matches one of callbacks
// (rule K4): string equality, with no case folding, percent-decoding or
// path normalisation, except that for a callback on a loopback IP literal
// (http://127.0.0.1/cb, http://[::1]:8080/cb) the port may differ, or be
// there or not (RFC 8252 section 7.3). Only the port: scheme, host, path and
// query stay byte for byte those of the callback. A redirect_uri with a
// fragment never matches (RFC 6749 section 3.1.2).
func MatchRedirectURI(callbacks []string, redirectURI string) bool {
	if redirectURI == "" || strings.Contains(redirectURI, "#") {
		return false
	}
	if slices.Contains(callbacks, redirectURI) {
		return true
	}
	want, ok := loopbackWithoutPort(redirectURI)
	if !ok {
		return false
	}
	for _, cb := range callbacks {
		if strings.Contains(cb, "#") {
			continue
		}
		if got, ok := loopbackWithoutPort(cb); ok && got == want {
			return true
		}
	}
	return false
}

// loopbackWithoutPort returns s without its port when s is
// "http(s)://" + a loopback IP literal in its canonical spelling + an
// optional ":port" + the rest (path, query); ok is false for anything else,
// which then only matches exactly.
func loopbackWithoutPort(s string) (string, bool) {
	scheme := "http://"
	rest, ok := strings.CutPrefix(s, scheme)
	if !ok {
		scheme = "https://"
		if rest, ok = strings.CutPrefix(s, scheme); !ok {
			return "", false
		}
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	host := authority
	if i := strings.LastIndexByte(authority, ':'); i >= 0 && !strings.HasSuffix(authority, "]") {
		if !validPort(authority[i+1:]) {
			return "", false
		}
		host = authority[:i]
	}
	literal := host
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		literal = host[1 : len(host)-1]
		if !strings.Contains(literal, ":") {
			return "", false
		}
	} else if strings.Contains(host, ":") {
		return "", false
	}
	ip := net.ParseIP(literal)
	if ip == nil || !ip.IsLoopback() || ip.String() != literal {
		return "", false
	}
	return scheme + host + tail, true
}

// validPort reports whether p is a port number as a URL spells it: 1 to
// 65535, digits only, no leading zero.
func validPort(p string) bool {
	if p == "" || len(p) > 5 || p[0] == '0' {
		return false
	}
	for _, r := range p {
		if r < '0' || r > '9' {
			return false
		}
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}
