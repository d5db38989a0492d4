// Package target says which identity provider a conformance run checks and
// what it can do. A target profile (YAML) names the IdP: the bundled mock
// started in-process ("embedded", the default), a mock already running at a
// URL ("url"), a real Auth0 tenant ("auth0") or a vendor's own IdP
// ("generic"). Start turns a profile into a running Target: the issuer, a
// Management API client when the profile has one, and the capabilities
// scenarios check before they need something a target may lack.
//
// Profiles reference secrets as ${ENV_VAR}; they are expanded when the
// profile is loaded and are never printed: Profile.Secrets lists them so the
// harness can scrub them from anything it reports.
package target

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/consentry/consentry/steps/driver"
)

// Kinds of target.
const (
	KindEmbedded = "embedded"
	KindURL      = "url"
	KindAuth0    = "auth0"
	KindGeneric  = "generic"
)

// Capabilities a scenario may need.
const (
	// CapManagement: fixtures (applications, APIs, users, client grants)
	// are created and deleted through the Management API, and user grants
	// can be read and revoked there.
	CapManagement = "management"
	// CapTenantSettings: tenant-wide settings (flags, the confirmation
	// prompt setting) may be changed during the run and restored after.
	CapTenantSettings = "tenant_settings"
	// CapPasswordGrant: the tenant accepts the password grants.
	CapPasswordGrant = "password_grant"
)

// AllCapabilities lists every capability, for profiles and documentation.
var AllCapabilities = []string{CapManagement, CapTenantSettings, CapPasswordGrant}

// Profile describes a target. Field names are the YAML keys.
type Profile struct {
	// Name is shown in reports.
	Name string `json:"name"`
	// Kind is embedded, url, auth0 or generic.
	Kind string `json:"kind"`
	// Issuer is the tenant's issuer URL, ending with "/" for Auth0-style
	// IdPs. For generic targets Discovery may be given instead.
	Issuer string `json:"issuer,omitempty"`
	// Discovery is the OpenID Provider configuration URL (generic).
	Discovery string `json:"discovery,omitempty"`
	// Management holds the Management API client (url and auth0).
	Management *Management `json:"management,omitempty"`
	// User is a test user that exists on the target. Without one, each
	// scenario creates its own user through the Management API.
	User *User `json:"user,omitempty"`
	// Users are test users that have no grants when the run starts, on a
	// target without a Management API (which could revoke grants): a
	// scenario whose verdict rests on the user not having consented yet
	// (it expects a consent or confirmation page, or checks the grant) is
	// given one of them that no earlier scenario of the run used with the
	// same clients, and is not applicable when none is left. Grants stay
	// on the IdP after the run: re-create these users (or reset the IdP)
	// before the next one.
	Users []User `json:"users,omitempty"`
	// GrantScope is how long the IdP keeps a user's consent: "user" (the
	// default: until it is revoked, as Auth0 and Okta do) or "session"
	// (only for the login session it was given in, as node
	// oidc-provider's grants are). With "session" every scenario starts
	// without grants, since each has a browser of its own, and users is
	// not needed.
	GrantScope string `json:"grant_scope,omitempty"`
	// GrantRevocation is a request that revokes every grant of one test
	// user, for an IdP that has one (its own admin or self-service API):
	// the harness sends it for each of Users before the run, so that a
	// run after another starts clean too.
	GrantRevocation *Revocation `json:"grant_revocation,omitempty"`
	// Connection is the database connection users live in
	// (default "Username-Password-Authentication").
	Connection string `json:"connection,omitempty"`
	// TenantName is the name the pages show for the tenant, when it cannot
	// be read from the Management API.
	TenantName string `json:"tenant_name,omitempty"`
	// Dialect is the vendor whose wording, status codes and naming the
	// target is held to: checks marked with another dialect (a step
	// ending "in the auth0 dialect") pass with the difference reported
	// beside the verdict; checks of the target's own dialect must hold.
	// none, auth0 or okta; default auth0 for the mock and Auth0, none for a
	// generic IdP.
	Dialect string `json:"dialect,omitempty"`
	// APIParameter is how an authorization or token request names the API
	// it wants a token for: "audience" (Auth0's parameter, the default),
	// "resource" (RFC 8707 resource indicators) or "both".
	APIParameter string `json:"api_parameter,omitempty"`
	// APIs and Clients are fixtures registered by hand on targets without
	// Management API access, each described by its properties: a scenario
	// is bound to the first entry whose properties are what it asks for
	// (see steps.AppSpec and steps.APISpec; `consentry fixtures` lists what
	// the scenarios need). One API name may appear twice, once with each
	// skips_consent value.
	APIs    []PreAPI    `json:"apis,omitempty"`
	Clients []PreClient `json:"clients,omitempty"`
	// Selectors locate the page elements and identify the pages for both
	// user agents on pages that do not follow the mock's data-* markup
	// (Universal Login, a vendor's own IdP).
	Selectors *Selectors `json:"selectors,omitempty"`
	// Capabilities the target has; empty means the kind's default.
	Capabilities []string `json:"capabilities,omitempty"`
	// Okta is the Okta org of kinds okta and embedded-okta (okta.go).
	Okta *OktaSettings `json:"okta,omitempty"`
}

// Revocation is an HTTP request that revokes a user's grants. URL may hold
// {username} and {user_id} (the user's, query-escaped); header values are
// secrets (scrubbed from reports).
type Revocation struct {
	// Method is DELETE (the default), POST or PUT.
	Method  string            `json:"method,omitempty"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
}

// Grant scopes.
const (
	GrantScopeUser    = "user"
	GrantScopeSession = "session"
)

// Dialects a profile may name.
const (
	DialectNone  = "none"
	DialectAuth0 = "auth0"
	DialectOkta  = "okta"
)

// Dialects lists them.
var Dialects = []string{DialectNone, DialectAuth0, DialectOkta}

// API parameters.
const (
	APIParamAudience = "audience"
	APIParamResource = "resource"
	APIParamBoth     = "both"
)

// TheDialect is the profile's dialect, with the kind's default.
func (p *Profile) TheDialect() string {
	switch {
	case p.Dialect != "":
		return p.Dialect
	case p.Kind == KindGeneric:
		return DialectNone
	}
	return DialectAuth0
}

// APIParams lists the request parameters that name the API: audience,
// resource, or both.
func (p *Profile) APIParams() []string {
	switch p.APIParameter {
	case APIParamResource:
		return []string{APIParamResource}
	case APIParamBoth:
		return []string{APIParamAudience, APIParamResource}
	}
	return []string{APIParamAudience}
}

// Management is a Management API client.
type Management struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	// Domain is the Management API's host when it is not the issuer's: an
	// Auth0 tenant with a custom domain issues tokens as the custom domain
	// while its Management API stays on {tenant}.auth0.com. The token for
	// it is asked there too.
	Domain string `json:"domain,omitempty"`
}

// URL is the base URL (ending with "/") of the Management API: https://Domain/
// when Domain is set, else the issuer.
func (m *Management) URL(issuer string) string {
	if m == nil || m.Domain == "" {
		return issuer
	}
	if strings.Contains(m.Domain, "://") {
		return strings.TrimSuffix(m.Domain, "/") + "/"
	}
	return "https://" + strings.TrimSuffix(m.Domain, "/") + "/"
}

// User is a test user's credentials.
type User struct {
	Username string `json:"username"`
	Password string `json:"password"`
	// Email is shown on the consent page; defaults to Username.
	Email string `json:"email,omitempty"`
	// UserID is the user's id in the Management API, when known.
	UserID string `json:"user_id,omitempty"`
}

// PreAPI is an API registered by hand.
type PreAPI struct {
	// Name is the API's name in the scenarios ("Posts").
	Name       string `json:"name"`
	Identifier string `json:"identifier"`
	// Scopes are the scope values the API defines: a scenario asking for
	// others is not bound to it.
	Scopes []string `json:"scopes"`
	// Descriptions are the scopes' descriptions, for the scenarios that
	// give them (scope_display.feature).
	Descriptions map[string]string `json:"descriptions,omitempty"`
	// SkipsConsent says whether the API allows skipping consent for
	// verifiable first-party applications.
	SkipsConsent bool `json:"skips_consent,omitempty"`
	// OfflineAccess says whether the API allows offline access (refresh
	// tokens).
	OfflineAccess bool `json:"offline_access,omitempty"`
}

// PreClient is an application registered by hand, by its properties.
type PreClient struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
	// Name is the name the consent page shows.
	Name string `json:"name,omitempty"`
	// FirstParty: a first-party application; false means third-party.
	FirstParty bool `json:"first_party,omitempty"`
	// ThirdPartyMode is strict (the default for third-party) or permissive.
	ThirdPartyMode string `json:"third_party_mode,omitempty"`
	// AppType is regular_web (default), spa, native or non_interactive.
	AppType string `json:"app_type,omitempty"`
	// AuthMethod is the token endpoint authentication: client_secret_post,
	// client_secret_basic or none (default: none for spa and native,
	// client_secret_post otherwise).
	AuthMethod string `json:"auth_method,omitempty"`
	// Callbacks are the registered redirect URIs.
	Callbacks []string `json:"callbacks"`
	// GrantTypes, when given, are the grant types it has; scenarios that
	// name grant types need them given.
	GrantTypes []string `json:"grant_types,omitempty"`
	// RedirectionPolicy is open_redirect_protection (default for
	// third-party) or allow_always.
	RedirectionPolicy string `json:"redirection_policy,omitempty"`
	// SkipsConfirmation is the application's
	// skip_non_verifiable_callback_uri_confirmation_prompt, when set.
	SkipsConfirmation *bool `json:"skips_confirmation,omitempty"`
	// RefreshTokenRotation says its refresh tokens are rotated with no
	// reuse interval (Auth0: refresh_token.rotation_type rotating, leeway
	// 0): each refresh answers a new one and spends the one sent.
	RefreshTokenRotation bool `json:"refresh_token_rotation,omitempty"`
	// UserAPIs names the APIs the application may get user tokens for (a
	// strict third-party application's client grants with subject_type
	// user), with every scope; absent means every API. UserClientGrants
	// says the same with the scopes each grant allows; give one of them.
	UserAPIs         []string         `json:"user_apis,omitempty"`
	UserClientGrants []PreClientGrant `json:"user_client_grants,omitempty"`
	// ClientGrants are its grants for client credentials: an API by name
	// and the scopes it allows.
	ClientGrants []PreClientGrant `json:"client_grants,omitempty"`
}

// UserGrantFor is the client's user client grant for the API: its scopes,
// and whether it has one. Without user_client_grants, user_apis says which
// APIs (every scope), and without either every API is allowed; scopes is
// then nil.
func (c *PreClient) UserGrantFor(api string) (scopes []string, ok bool) {
	switch {
	case c.UserClientGrants != nil:
		for _, g := range c.UserClientGrants {
			if g.API == api {
				return g.Scopes, true
			}
		}
		return nil, false
	case c.UserAPIs != nil:
		return nil, slices.Contains(c.UserAPIs, api)
	}
	return nil, true
}

// PreClientGrant is a client grant of a pre-registered client: an API by
// name and the scopes it allows.
type PreClientGrant struct {
	API    string   `json:"api"`
	Scopes []string `json:"scopes"`
}

// Selectors are CSS selectors of the pages' parts, for IdPs whose pages do
// not follow the mock's data-* markup. Every key left out keeps the mock's
// markup (driver.DefaultSelectors). Both user agents take any CSS selector
// (the HTTP driver through cascadia).
type Selectors struct {
	// The login form: its inputs and the button that submits it; Next
	// submits the username on an identifier-first login page (default
	// Login).
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Login    string `json:"login,omitempty"`
	Next     string `json:"next,omitempty"`
	// The consent (and confirmation) page's buttons (or inputs, or links).
	Accept  string `json:"accept,omitempty"`
	Decline string `json:"decline,omitempty"`
	// ScopeLine matches each line of the consent page's scope list.
	ScopeLine string `json:"scope_line,omitempty"`
	// Error and ErrorDescription are read from the error page; a pattern,
	// when given, captures the value from the element's text (its first
	// group).
	Error                   string `json:"error,omitempty"`
	ErrorPattern            string `json:"error_pattern,omitempty"`
	ErrorDescription        string `json:"error_description,omitempty"`
	ErrorDescriptionPattern string `json:"error_description_pattern,omitempty"`
	// Page kinds: a page is of the kind when every selector given (one, or
	// a list) matches an element. They are tried in the order login,
	// consent, confirmation, error; the first that matches wins.
	LoginPage        AllOf `json:"login_page,omitempty"`
	ConsentPage      AllOf `json:"consent_page,omitempty"`
	ConfirmationPage AllOf `json:"confirmation_page,omitempty"`
	ErrorPage        AllOf `json:"error_page,omitempty"`
}

// AllOf is one selector, or a list of selectors that must all match. In
// YAML it is a string or a list of strings.
type AllOf []string

// UnmarshalJSON accepts a string or a list of strings.
func (a *AllOf) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = AllOf{one}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("a page selector is a string or a list of strings")
	}
	*a = list
	return nil
}

// Driver returns the selectors for the user agents, with the mock's markup
// for every key left out; a nil s is the mock's markup.
func (s *Selectors) Driver() driver.Selectors {
	if s == nil {
		return driver.DefaultSelectors()
	}
	return driver.Selectors{
		Username:                s.Username,
		Password:                s.Password,
		Login:                   s.Login,
		Next:                    s.Next,
		Accept:                  s.Accept,
		Decline:                 s.Decline,
		ScopeLine:               s.ScopeLine,
		Error:                   s.Error,
		ErrorPattern:            s.ErrorPattern,
		ErrorDescription:        s.ErrorDescription,
		ErrorDescriptionPattern: s.ErrorDescriptionPattern,
		LoginPage:               s.LoginPage,
		ConsentPage:             s.ConsentPage,
		ConfirmationPage:        s.ConfirmationPage,
		ErrorPage:               s.ErrorPage,
	}.WithDefaults()
}

// Embedded is the default profile: the bundled mock, started in-process.
func Embedded() *Profile { return &Profile{Name: "embedded", Kind: KindEmbedded} }

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Parse reads a profile, expanding ${VAR} from getenv. A variable that is
// unset is an error that names it (never its value).
func Parse(data []byte, getenv func(string) (string, bool)) (*Profile, error) {
	var missing []string
	expanded := envRef.ReplaceAllStringFunc(string(data), func(ref string) string {
		name := envRef.FindStringSubmatch(ref)[1]
		v, ok := getenv(name)
		if !ok {
			missing = append(missing, name)
			return ""
		}
		return v
	})
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, fmt.Errorf("target profile: environment variables not set: %s", strings.Join(slices.Compact(missing), ", "))
	}
	var shape map[string]any
	if err := yaml.Unmarshal([]byte(expanded), &shape); err == nil {
		for _, key := range []string{"apis", "clients"} {
			if _, isMap := shape[key].(map[string]any); isMap {
				return nil, fmt.Errorf("target profile: %s is a list of fixtures described by their properties (see testdata/targets/generic.example.yaml), no longer a map keyed by a scenario's phrase", key)
			}
		}
	}
	var p Profile
	if err := yaml.UnmarshalStrict([]byte(expanded), &p); err != nil {
		// The YAML error may quote expanded text; name only the file's problem.
		return nil, fmt.Errorf("target profile: %s", scrub(err.Error(), p.Secrets()))
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// Load reads a profile file with the process environment; "embedded" (or
// "") is the built-in default.
func Load(nameOrFile string) (*Profile, error) {
	if nameOrFile == "" || nameOrFile == KindEmbedded {
		return Embedded(), nil
	}
	if nameOrFile == KindEmbeddedOkta {
		return EmbeddedOkta(), nil
	}
	data, err := os.ReadFile(nameOrFile)
	if err != nil {
		return nil, fmt.Errorf("target profile: %w", err)
	}
	p, err := Parse(data, os.LookupEnv)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", nameOrFile, err)
	}
	return p, nil
}

func (p *Profile) validate() error {
	switch p.Kind {
	case KindEmbedded:
	case KindURL, KindAuth0:
		if p.Issuer == "" {
			return fmt.Errorf("target profile %q: kind %s needs issuer", p.Name, p.Kind)
		}
	case KindEmbeddedOkta, KindOkta:
		return p.validateOkta()
	case KindGeneric:
		if p.Issuer == "" && p.Discovery == "" {
			return fmt.Errorf("target profile %q: kind generic needs issuer or discovery", p.Name)
		}
	case "":
		return errors.New("target profile: kind is required (embedded, url, auth0 or generic)")
	default:
		return fmt.Errorf("target profile: unknown kind %q (embedded, url, auth0 or generic)", p.Kind)
	}
	if p.Issuer != "" && (p.Kind == KindURL || p.Kind == KindAuth0) && !strings.HasSuffix(p.Issuer, "/") {
		return fmt.Errorf("target profile %q: issuer %q must end with /", p.Name, p.Issuer)
	}
	if m := p.Management; m != nil && (m.ClientID == "" || m.ClientSecret == "") {
		return fmt.Errorf("target profile %q: management needs client_id and client_secret", p.Name)
	}
	for _, c := range p.Capabilities {
		if !slices.Contains(AllCapabilities, c) {
			return fmt.Errorf("target profile %q: unknown capability %q (known: %s)", p.Name, c, strings.Join(AllCapabilities, ", "))
		}
	}
	if slices.Contains(p.Capabilities, CapManagement) && p.Management == nil && p.Kind != KindEmbedded {
		return fmt.Errorf("target profile %q: capability management needs a management client", p.Name)
	}
	if p.Dialect != "" && !slices.Contains(Dialects, p.Dialect) {
		return fmt.Errorf("target profile %q: unknown dialect %q (known: %s)", p.Name, p.Dialect, strings.Join(Dialects, ", "))
	}
	switch p.APIParameter {
	case "", APIParamAudience, APIParamResource, APIParamBoth:
	default:
		return fmt.Errorf("target profile %q: api_parameter %q is none of audience, resource, both", p.Name, p.APIParameter)
	}
	if _, err := p.Selectors.Driver().CompilePatterns(); err != nil {
		return fmt.Errorf("target profile %q: %w", p.Name, err)
	}
	switch p.GrantScope {
	case "", GrantScopeUser, GrantScopeSession:
	default:
		return fmt.Errorf("target profile %q: grant_scope %q is none of user, session", p.Name, p.GrantScope)
	}
	for i, u := range p.Users {
		if u.Username == "" || u.Password == "" {
			return fmt.Errorf("target profile %q: users[%d]: username and password are required", p.Name, i)
		}
	}
	if r := p.GrantRevocation; r != nil {
		switch {
		case !strings.Contains(r.URL, "{username}") && !strings.Contains(r.URL, "{user_id}"):
			return fmt.Errorf("target profile %q: grant_revocation.url must name the user: {username} or {user_id}", p.Name)
		case r.Method != "" && r.Method != "DELETE" && r.Method != "POST" && r.Method != "PUT":
			return fmt.Errorf("target profile %q: grant_revocation.method %q is none of DELETE, POST, PUT", p.Name, r.Method)
		case len(p.Users) == 0:
			return fmt.Errorf("target profile %q: grant_revocation revokes the grants of users:, and there are none", p.Name)
		}
		for i, u := range p.Users {
			if strings.Contains(r.URL, "{user_id}") && u.UserID == "" {
				return fmt.Errorf("target profile %q: users[%d] (%s): grant_revocation.url names {user_id}, and the user has no user_id", p.Name, i, u.Username)
			}
		}
	}
	return p.validateFixtures()
}

// validateFixtures checks the pre-registered APIs and clients: every key
// that is given is one the harness reads, with a value it knows.
func (p *Profile) validateFixtures() error {
	type apiKey struct {
		name           string
		skips, offline bool
	}
	seen := map[apiKey]bool{}
	names := map[string]bool{}
	for i, a := range p.APIs {
		where := fmt.Sprintf("target profile %q: apis[%d]", p.Name, i)
		if a.Name == "" || a.Identifier == "" {
			return fmt.Errorf("%s: name and identifier are required", where)
		}
		if len(a.Scopes) == 0 {
			return fmt.Errorf("%s (%s): scopes are required: a scenario is bound to an API that defines the scopes it asks for", where, a.Name)
		}
		for scope := range a.Descriptions {
			if !slices.Contains(a.Scopes, scope) {
				return fmt.Errorf("%s (%s): descriptions names %q, which is not one of its scopes", where, a.Name, scope)
			}
		}
		k := apiKey{a.Name, a.SkipsConsent, a.OfflineAccess}
		if seen[k] {
			return fmt.Errorf("%s: a second API %q with skips_consent %v and offline_access %v: a scenario could not tell them apart", where, a.Name, a.SkipsConsent, a.OfflineAccess)
		}
		seen[k], names[a.Name] = true, true
	}
	oneOf := func(where, key, v string, allowed ...string) error {
		if v != "" && !slices.Contains(allowed, v) {
			return fmt.Errorf("%s: %s %q is none of %s", where, key, v, strings.Join(allowed, ", "))
		}
		return nil
	}
	for i, c := range p.Clients {
		where := fmt.Sprintf("target profile %q: clients[%d]", p.Name, i)
		if c.ClientID == "" {
			return fmt.Errorf("%s: client_id is required", where)
		}
		if c.AppType != "non_interactive" && len(c.Callbacks) == 0 {
			return fmt.Errorf("%s (%s): callbacks are required", where, c.ClientID)
		}
		if c.FirstParty && c.ThirdPartyMode != "" {
			return fmt.Errorf("%s (%s): third_party_mode is for third-party clients (first_party is true)", where, c.ClientID)
		}
		for _, e := range []error{
			oneOf(where, "third_party_mode", c.ThirdPartyMode, "strict", "permissive"),
			oneOf(where, "app_type", c.AppType, "regular_web", "spa", "native", "non_interactive"),
			oneOf(where, "auth_method", c.AuthMethod, "client_secret_post", "client_secret_basic", "none"),
			oneOf(where, "redirection_policy", c.RedirectionPolicy, "open_redirect_protection", "allow_always"),
		} {
			if e != nil {
				return e
			}
		}
		if c.AuthMethod != "none" && c.ClientSecret == "" && c.AuthMethod != "" {
			return fmt.Errorf("%s (%s): auth_method %s needs client_secret", where, c.ClientID, c.AuthMethod)
		}
		for _, n := range c.UserAPIs {
			if !names[n] {
				return fmt.Errorf("%s (%s): user_apis names %q, which is not under apis", where, c.ClientID, n)
			}
		}
		if c.UserAPIs != nil && c.UserClientGrants != nil {
			return fmt.Errorf("%s (%s): give user_apis or user_client_grants, not both", where, c.ClientID)
		}
		for _, g := range c.UserClientGrants {
			if !names[g.API] {
				return fmt.Errorf("%s (%s): user_client_grants names the API %q, which is not under apis", where, c.ClientID, g.API)
			}
			if len(g.Scopes) == 0 {
				return fmt.Errorf("%s (%s): user_client_grants for %q: scopes are required", where, c.ClientID, g.API)
			}
		}
		for _, g := range c.ClientGrants {
			if !names[g.API] {
				return fmt.Errorf("%s (%s): client_grants names the API %q, which is not under apis", where, c.ClientID, g.API)
			}
		}
	}
	return nil
}

// Caps returns the capabilities the profile grants: its list, or the
// kind's default (every capability for the mock; Management API access and
// the password grant for Auth0 when a management client is given; nothing
// for a generic IdP).
func (p *Profile) Caps() map[string]bool {
	list := p.Capabilities
	if len(list) == 0 {
		switch p.Kind {
		case KindEmbedded, KindURL:
			list = AllCapabilities
		case KindAuth0:
			list = []string{CapPasswordGrant}
			if p.Management != nil {
				list = append(list, CapManagement)
			}
		}
	}
	caps := map[string]bool{}
	for _, c := range list {
		caps[c] = true
	}
	if p.Management == nil && p.Kind != KindEmbedded {
		delete(caps, CapManagement)
		delete(caps, CapTenantSettings)
	}
	return caps
}

// Secrets lists the secret values in the profile, longest first, for
// scrubbing.
func (p *Profile) Secrets() []string {
	var s []string
	if p.Management != nil {
		s = append(s, p.Management.ClientSecret)
	}
	if p.User != nil {
		s = append(s, p.User.Password)
	}
	if p.Okta != nil {
		s = append(s, p.Okta.APIToken)
	}
	for _, c := range p.Clients {
		s = append(s, c.ClientSecret)
	}
	for _, u := range p.Users {
		s = append(s, u.Password)
	}
	if p.GrantRevocation != nil {
		for _, v := range p.GrantRevocation.Headers {
			s = append(s, v)
		}
	}
	return cleanSecrets(s)
}

func cleanSecrets(s []string) []string {
	out := s[:0]
	for _, x := range s {
		if len(x) >= 4 { // shorter strings would scrub ordinary words
			out = append(out, x)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return slices.Compact(out)
}

// scrub replaces every secret in s.
func scrub(s string, secrets []string) string {
	for _, x := range secrets {
		s = strings.ReplaceAll(s, x, "[redacted]")
	}
	return s
}
