package target

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/store/oktamem"
)

// Okta targets: an Okta org, its custom authorization server and its admin
// API. "embedded-okta" is the bundled mock's Okta org, started in-process;
// "okta" a real org (or a mock already running), reached at org_url with
// an SSWS API token. The Okta scenarios (features/okta_*.feature) run only
// against these kinds, the others never.
const (
	KindEmbeddedOkta = "embedded-okta"
	KindOkta         = "okta"
)

// OktaSettings are a profile's okta: section.
type OktaSettings struct {
	// OrgURL is the org's base URL ("https://dev-123.okta.com").
	OrgURL string `json:"org_url"`
	// AuthorizationServer is the custom authorization server the
	// scenarios use (default "default").
	AuthorizationServer string `json:"authorization_server,omitempty"`
	// APIToken is an admin API token (Authorization: SSWS ...); the
	// scenarios create and delete their apps, users, scopes and grants
	// with it.
	APIToken string `json:"api_token"`
}

// IsOkta reports whether a profile names an Okta org.
func IsOkta(p *Profile) bool { return p != nil && (p.Kind == KindEmbeddedOkta || p.Kind == KindOkta) }

// EmbeddedOkta is the profile of the bundled mock's Okta org. It reads the
// pages with the Okta Sign-In Widget's selectors (OktaWidgetSelectors), as
// a profile for a real org does: the mock's pages carry them (rule O12).
func EmbeddedOkta() *Profile {
	return &Profile{Name: KindEmbeddedOkta, Kind: KindEmbeddedOkta, Dialect: DialectOkta, Selectors: OktaWidgetSelectors()}
}

// OktaWidgetSelectors are the Okta Sign-In Widget's own selectors (its
// Classic and Identity Engine forms, and its consent page), as Okta's own
// end-to-end page objects use them. The error page keeps the mock's markup.
func OktaWidgetSelectors() *Selectors {
	return &Selectors{
		Username:    `#okta-signin-username, [name="identifier"]`,
		Password:    `#okta-signin-password, [name="credentials.passcode"]`,
		Login:       `#okta-signin-submit, [data-type="save"]`,
		Accept:      `[data-type="save"]`,
		Decline:     `[data-type="cancel"]`,
		ScopeLine:   `.scope-list .scope-item-text`,
		LoginPage:   AllOf{`#okta-signin-username, [name="identifier"]`},
		ConsentPage: AllOf{`.consent-title`, `.scope-list`},
	}
}

func (p *Profile) validateOkta() error {
	if p.Kind == KindEmbeddedOkta {
		return nil
	}
	o := p.Okta
	if o == nil || o.OrgURL == "" || o.APIToken == "" {
		return fmt.Errorf("target profile %q: kind okta needs okta.org_url and okta.api_token", p.Name)
	}
	if u, err := url.Parse(o.OrgURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return fmt.Errorf("target profile %q: okta.org_url %q must be an http(s) URL with no path", p.Name, o.OrgURL)
	}
	if p.Dialect != "" && p.Dialect != DialectOkta {
		return fmt.Errorf("target profile %q: an Okta org speaks the okta dialect, not %q", p.Name, p.Dialect)
	}
	if _, err := p.Selectors.Driver().CompilePatterns(); err != nil {
		return fmt.Errorf("target profile %q: %w", p.Name, err)
	}
	return nil
}

// OktaTarget is a started Okta target.
type OktaTarget struct {
	Profile *Profile
	// OrgURL is the org's base URL (no trailing slash); ServerID the
	// authorization server's id in paths; Issuer its issuer.
	OrgURL, ServerID, Issuer string
	// APIToken is the admin API's SSWS token.
	APIToken string
	// User is the profile's test user, nil when scenarios create their own.
	User    *User
	secrets []string
	stop    func()
}

// Secrets lists the values to scrub from anything reported.
func (t *OktaTarget) Secrets() []string { return t.secrets }

// Scrub removes the target's secrets from s.
func (t *OktaTarget) Scrub(s string) string { return scrub(s, t.secrets) }

// Close stops what StartOkta started.
func (t *OktaTarget) Close() {
	if t.stop != nil {
		t.stop()
	}
}

// Describe is a one-line, secret-free description of the target.
func (t *OktaTarget) Describe() string {
	return fmt.Sprintf("%s (%s) at %s, authorization server %s", t.Profile.Name, t.Profile.Kind, t.OrgURL, t.ServerID)
}

// StartOkta starts (embedded-okta) or reaches (okta) an Okta org.
func StartOkta(ctx context.Context, p *Profile, opts StartOptions) (*OktaTarget, error) {
	t := &OktaTarget{Profile: p, User: p.User, secrets: p.Secrets(), ServerID: "default"}
	if p.Okta != nil && p.Okta.AuthorizationServer != "" {
		t.ServerID = p.Okta.AuthorizationServer
	}
	switch p.Kind {
	case KindEmbeddedOkta:
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("embedded Okta target: %w", err)
		}
		t.OrgURL = "http://" + ln.Addr().String()
		t.APIToken = randomHex(24)
		t.secrets = cleanSecrets(append(t.secrets, t.APIToken))
		srv, err := server.NewOkta(ctx, server.OktaOptions{OrgURL: t.OrgURL, Store: oktamem.New(), APIToken: t.APIToken,
			OrgName: "Consentry Test Org", Logger: opts.Logger, PasswordCost: 4, Decide: opts.OktaDecide,
			CheckClientCredentials: opts.OktaCheckClientCredentials})
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("embedded Okta target: %w", err)
		}
		var h http.Handler = srv
		if opts.Wrap != nil {
			h = opts.Wrap(h)
		}
		hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = hs.Serve(ln) }()
		t.stop = func() {
			sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			_ = hs.Shutdown(sctx)
		}
	case KindOkta:
		t.OrgURL, t.APIToken = strings.TrimSuffix(p.Okta.OrgURL, "/"), p.Okta.APIToken
	default:
		return nil, errors.New("target: not an Okta profile")
	}
	t.Issuer = t.OrgURL + "/oauth2/" + t.ServerID
	if t.ServerID != "default" {
		// A custom server's issuer is the discovery document's.
		iss, err := discoverIssuer(ctx, t.Issuer+"/.well-known/openid-configuration")
		if err != nil {
			t.Close()
			return nil, err
		}
		t.Issuer = iss
	}
	return t, nil
}
