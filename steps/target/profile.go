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
	// Connection is the database connection users live in
	// (default "Username-Password-Authentication").
	Connection string `json:"connection,omitempty"`
	// TenantName is the name the pages show for the tenant, when it cannot
	// be read from the Management API.
	TenantName string `json:"tenant_name,omitempty"`
	// APIs and Clients are fixtures registered by hand on targets without
	// Management API access, keyed as the scenarios describe them: an API
	// by its name ("Posts"), an application by its description
	// ("strict third-party application with the redirection policy
	// allow_always").
	APIs    map[string]PreAPI    `json:"apis,omitempty"`
	Clients map[string]PreClient `json:"clients,omitempty"`
	// Selectors locate the page elements and identify the pages for both
	// user agents on pages that do not follow the mock's data-* markup
	// (Universal Login, a vendor's own IdP).
	Selectors *Selectors `json:"selectors,omitempty"`
	// Capabilities the target has; empty means the kind's default.
	Capabilities []string `json:"capabilities,omitempty"`
}

// Management is a Management API client.
type Management struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
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
	Identifier string `json:"identifier"`
	// SkipsConsent says whether the API allows skipping consent for
	// verifiable first-party applications.
	SkipsConsent bool `json:"skips_consent,omitempty"`
	// Scopes are the scope values the API defines.
	Scopes []string `json:"scopes,omitempty"`
}

// PreClient is an application registered by hand.
type PreClient struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
	// Callback is the registered redirect_uri the scenarios use.
	Callback string `json:"callback"`
}

// Selectors are CSS selectors of the pages' parts, for IdPs whose pages do
// not follow the mock's data-* markup. Every key left out keeps the mock's
// markup (driver.DefaultSelectors). The HTTP driver understands a subset of
// CSS (tag, #id, .class, [attr], [attr=value], descendant and > combinators,
// comma lists); the browser all of it.
type Selectors struct {
	// The login form: its inputs and the button that submits it.
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Login    string `json:"login,omitempty"`
	// The consent (and confirmation) page's buttons.
	Accept  string `json:"accept,omitempty"`
	Decline string `json:"decline,omitempty"`
	// ScopeLine matches each line of the consent page's scope list.
	ScopeLine string `json:"scope_line,omitempty"`
	// Error and ErrorDescription are read from the error page.
	Error            string `json:"error,omitempty"`
	ErrorDescription string `json:"error_description,omitempty"`
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
		Username:         s.Username,
		Password:         s.Password,
		Login:            s.Login,
		Accept:           s.Accept,
		Decline:          s.Decline,
		ScopeLine:        s.ScopeLine,
		Error:            s.Error,
		ErrorDescription: s.ErrorDescription,
		LoginPage:        s.LoginPage,
		ConsentPage:      s.ConsentPage,
		ConfirmationPage: s.ConfirmationPage,
		ErrorPage:        s.ErrorPage,
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
	for _, c := range p.Clients {
		s = append(s, c.ClientSecret)
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
