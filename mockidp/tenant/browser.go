package tenant

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Browser applications (spec section 11): which origins may call the IdP
// from JavaScript (W1), which may receive a web_message response (W2),
// where logout may return to (L1), and how refresh tokens behave (W4).
// The Auth0 face calls these; the tenant file and the Management API
// validate the lists with OriginProblem.

// Refresh token rotation and expiration types (client refresh_token).
const (
	RotationRotating    = "rotating"
	RotationNonRotating = "non-rotating"
	ExpirationExpiring  = "expiring"
	ExpirationNon       = "non-expiring"
)

// Refresh token lifetimes Auth0 gives a new client, and the longest it takes.
const (
	DefaultRefreshTokenLifetime     = 2592000  // 30 days
	DefaultRefreshTokenIdleLifetime = 1296000  // 15 days
	MaxRefreshTokenLifetime         = 31557600 // one year
)

// RefreshTokenConfig is a client's refresh_token object, with Auth0's names.
type RefreshTokenConfig struct {
	RotationType              string `json:"rotation_type"`
	ExpirationType            string `json:"expiration_type"`
	Leeway                    int    `json:"leeway"`
	TokenLifetime             int    `json:"token_lifetime"`
	InfiniteTokenLifetime     bool   `json:"infinite_token_lifetime"`
	IdleTokenLifetime         int    `json:"idle_token_lifetime"`
	InfiniteIdleTokenLifetime bool   `json:"infinite_idle_token_lifetime"`
}

// DefaultRefreshToken is the refresh_token configuration Auth0 gives a
// client created without one: non-rotating, non-expiring.
func DefaultRefreshToken() RefreshTokenConfig {
	return RefreshTokenConfig{
		RotationType: RotationNonRotating, ExpirationType: ExpirationNon,
		TokenLifetime: DefaultRefreshTokenLifetime, InfiniteTokenLifetime: true,
		IdleTokenLifetime: DefaultRefreshTokenIdleLifetime, InfiniteIdleTokenLifetime: true,
	}
}

// RefreshTokenPolicy is the client's refresh_token configuration, Auth0's
// default when it has none.
func (c *Client) RefreshTokenPolicy() RefreshTokenConfig {
	if c.RefreshToken == nil {
		return DefaultRefreshToken()
	}
	return *c.RefreshToken
}

// Rotating reports whether each use of a refresh token returns a new one and
// spends the old (rule W4).
func (r RefreshTokenConfig) Rotating() bool { return r.RotationType == RotationRotating }

// AbsoluteLifetime is how long a refresh token lives from issue; ok is false
// when it never expires (non-expiring, or infinite_token_lifetime).
func (r RefreshTokenConfig) AbsoluteLifetime() (d time.Duration, ok bool) {
	if r.ExpirationType != ExpirationExpiring || r.InfiniteTokenLifetime || r.TokenLifetime <= 0 {
		return 0, false
	}
	return time.Duration(r.TokenLifetime) * time.Second, true
}

// IdleLifetime is how long a refresh token lives unused; ok is false when
// idleness never expires it.
func (r RefreshTokenConfig) IdleLifetime() (d time.Duration, ok bool) {
	if r.ExpirationType != ExpirationExpiring || r.InfiniteIdleTokenLifetime || r.IdleTokenLifetime <= 0 {
		return 0, false
	}
	return time.Duration(r.IdleTokenLifetime) * time.Second, true
}

// AbsoluteExpiry is when a refresh token family started at now expires
// (zero: never).
func (r RefreshTokenConfig) AbsoluteExpiry(now time.Time) time.Time {
	if d, ok := r.AbsoluteLifetime(); ok {
		return now.Add(d)
	}
	return time.Time{}
}

// IdleExpiry is when a refresh token issued or used at now expires if it is
// not used again (zero: never).
func (r RefreshTokenConfig) IdleExpiry(now time.Time) time.Time {
	if d, ok := r.IdleLifetime(); ok {
		return now.Add(d)
	}
	return time.Time{}
}

// ReuseLeeway is how long after rotation a spent refresh token may still be
// exchanged without counting as reuse (Auth0's leeway).
func (r RefreshTokenConfig) ReuseLeeway() time.Duration { return time.Duration(r.Leeway) * time.Second }

// RefreshTokenProblem says what is wrong with a refresh_token configuration,
// naming the field, or returns "", "" when nothing is.
func RefreshTokenProblem(r RefreshTokenConfig) (field, msg string) {
	switch {
	case r.RotationType != RotationRotating && r.RotationType != RotationNonRotating:
		return "rotation_type", "must be " + RotationRotating + " or " + RotationNonRotating
	case r.ExpirationType != ExpirationExpiring && r.ExpirationType != ExpirationNon:
		return "expiration_type", "must be " + ExpirationExpiring + " or " + ExpirationNon
	case r.Leeway < 0:
		return "leeway", "must not be negative"
	case r.TokenLifetime < 1 || r.TokenLifetime > MaxRefreshTokenLifetime:
		return "token_lifetime", "must be between 1 and 31557600 seconds"
	case r.IdleTokenLifetime < 1 || r.IdleTokenLifetime > MaxRefreshTokenLifetime:
		return "idle_token_lifetime", "must be between 1 and 31557600 seconds"
	case r.ExpirationType == ExpirationExpiring && !r.InfiniteTokenLifetime && !r.InfiniteIdleTokenLifetime &&
		r.IdleTokenLifetime > r.TokenLifetime:
		return "idle_token_lifetime", "must not be longer than token_lifetime"
	}
	return "", ""
}

// JWT signing algorithms a client's jwt_configuration may name.
var JWTAlgs = []string{"HS256", "RS256", "PS256"}

// JWTConfiguration is a client's jwt_configuration (ID token settings).
type JWTConfiguration struct {
	Alg               string `json:"alg,omitempty"`
	LifetimeInSeconds int    `json:"lifetime_in_seconds,omitempty"`
	SecretEncoded     bool   `json:"secret_encoded"`
}

// DefaultJWTConfiguration is the jwt_configuration Auth0 gives a new client.
func DefaultJWTConfiguration() JWTConfiguration {
	return JWTConfiguration{Alg: "RS256", LifetimeInSeconds: 36000}
}

// Values of organization_usage and organization_require_behavior.
var (
	OrganizationUsages    = []string{"deny", "allow", "require"}
	OrganizationBehaviors = []string{"no_prompt", "pre_login_prompt", "post_login_prompt"}
)

// OriginProblem says what is wrong with an entry of allowed_origins or
// web_origins, or "" when nothing is: it must be scheme://host[:port] with
// no path (not even "/"), query, fragment or user info. The host may start
// with "*." to match its subdomains, as Auth0 allows.
func OriginProblem(s string) string {
	if s == "" {
		return "is empty"
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' }) {
		return "contains spaces"
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "is not an origin (scheme://host[:port])"
	case u.Scheme == "" || u.Opaque != "" || u.Host == "":
		return "is not an origin (scheme://host[:port]): it needs a scheme and a host, e.g. https://app.example.com"
	case u.User != nil:
		return "is not an origin (scheme://host[:port]): it has user info"
	case u.Path != "" || u.RawQuery != "" || u.ForceQuery || strings.Contains(s, "#"):
		return "is not an origin (scheme://host[:port]): drop the path, query and fragment (\"" + u.Scheme + "://" + u.Host + "\")"
	}
	host := u.Hostname()
	if rest, ok := strings.CutPrefix(host, "*."); ok {
		host = rest
	}
	if host == "" || strings.Contains(host, "*") {
		return "is not an origin (scheme://host[:port]): a wildcard may only be the first label of the host (https://*.example.com)"
	}
	return ""
}

// origin is a parsed origin: lower-case scheme and host, default port
// dropped. wildcard marks an allowed entry of the form scheme://*.domain.
type origin struct {
	scheme, host, port string
	wildcard           bool
}

var defaultPorts = map[string]string{"http": "80", "https": "443"}

// parseOrigin takes an origin or any URL (its origin is used); ok is false
// for something with no scheme and host.
func parseOrigin(s string) (o origin, ok bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return origin{}, false
	}
	o = origin{scheme: strings.ToLower(u.Scheme), host: strings.ToLower(u.Hostname()), port: u.Port()}
	if o.port == defaultPorts[o.scheme] {
		o.port = ""
	}
	if rest, ok := strings.CutPrefix(o.host, "*."); ok {
		o.host, o.wildcard = rest, true
	}
	return o, o.host != ""
}

// matches reports whether the concrete origin o is allowed by the entry a.
func (a origin) matches(o origin) bool {
	if o.wildcard || a.scheme != o.scheme || a.port != o.port {
		return false
	}
	if a.wildcard {
		return strings.HasSuffix(o.host, "."+a.host)
	}
	return a.host == o.host
}

func anyOriginMatches(entries []string, o origin) bool {
	return slices.ContainsFunc(entries, func(e string) bool {
		a, ok := parseOrigin(e)
		return ok && a.matches(o)
	})
}

// Origin returns the origin (scheme://host[:port], lower case, default port
// dropped) of a URL, or "" when it has none. The face echoes the request's
// Origin header, not this, in Access-Control-Allow-Origin.
func Origin(rawURL string) string {
	o, ok := parseOrigin(rawURL)
	if !ok || o.wildcard {
		return ""
	}
	if o.port != "" {
		return o.scheme + "://" + hostPort(o.host, o.port)
	}
	return o.scheme + "://" + bracketIPv6(o.host)
}

func hostPort(host, port string) string { return bracketIPv6(host) + ":" + port }

func bracketIPv6(host string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]"
	}
	return host
}

// AllowsOrigin reports whether JavaScript on origin may call the IdP for
// this client (rule W1, CORS): origin is in allowed_origins or web_origins,
// or is the origin of one of the callbacks. origin may be a full URL; only
// its origin counts. Entries of the form https://*.example.com match the
// subdomains of example.com.
func (c *Client) AllowsOrigin(origin string) bool {
	o, ok := parseOrigin(origin)
	if !ok || o.wildcard {
		return false
	}
	if anyOriginMatches(c.AllowedOrigins, o) || anyOriginMatches(c.WebOrigins, o) {
		return true
	}
	for _, cb := range c.Callbacks {
		// Custom-scheme callbacks have no web origin.
		if u, err := url.Parse(cb); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			continue
		}
		if a, ok := parseOrigin(cb); ok && a.matches(o) {
			return true
		}
	}
	return false
}

// AllowsWebMessageOrigin reports whether a response_mode=web_message answer
// may be posted to origin (rule W2): only the client's web_origins count.
// origin may be a full URL, such as the request's redirect_uri.
func (c *Client) AllowsWebMessageOrigin(origin string) bool {
	o, ok := parseOrigin(origin)
	return ok && !o.wildcard && anyOriginMatches(c.WebOrigins, o)
}

// AllowsLogoutURL reports whether logout may redirect to u for this client
// (rule L1): u matches an entry of allowed_logout_urls in scheme, host
// (an entry's "*." first label matches subdomains), port and path; the
// query and fragment of u are not taken into account, as Auth0 documents.
func (c *Client) AllowsLogoutURL(u string) bool {
	return matchLogoutURL(c.AllowedLogoutURLs, u)
}

func matchLogoutURL(entries []string, raw string) bool {
	target, err := url.Parse(raw)
	if err != nil || raw == "" || target.Scheme == "" {
		return false
	}
	to, okOrigin := parseOrigin(raw)
	for _, e := range entries {
		if e == raw {
			return true
		}
		eu, err := url.Parse(e)
		if err != nil || !strings.EqualFold(eu.Scheme, target.Scheme) {
			continue
		}
		if eu.Host == "" { // custom scheme: compare all but query and fragment
			if eu.Opaque == target.Opaque && eu.Path == target.Path && eu.Host == target.Host {
				return true
			}
			continue
		}
		eo, ok := parseOrigin(e)
		if ok && okOrigin && eo.matches(to) && samePath(eu.EscapedPath(), target.EscapedPath()) {
			return true
		}
	}
	return false
}

// samePath treats an empty path and "/" as the same.
func samePath(a, b string) bool {
	if a == "" {
		a = "/"
	}
	if b == "" {
		b = "/"
	}
	return a == b
}

// AllowsCrossOriginAuth reports whether JavaScript on origin may log users
// in with cross-origin authentication (/co/authenticate, auth0.js and
// Lock): the client has cross_origin_authentication on and origin is in its
// web_origins, as Auth0's documentation for embedded login asks.
func (c *Client) AllowsCrossOriginAuth(origin string) bool {
	return c.CrossOriginAuthentication && c.AllowsWebMessageOrigin(origin)
}

// AnyClientAllowsOrigin reports whether some client of the tenant allows
// origin (rule W1). It decides what names no client: a CORS preflight
// (OPTIONS carries no body, so no client_id), the discovery document and
// the JWKS.
func AnyClientAllowsOrigin(ctx context.Context, st Store, origin string) (bool, error) {
	clients, err := st.ListClients(ctx)
	if err != nil {
		return false, err
	}
	for _, c := range clients {
		if c.AllowsOrigin(origin) {
			return true, nil
		}
	}
	return false, nil
}
