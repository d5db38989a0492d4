package target

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/consentry/consentry/mockidp/consent"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/steps/mgmtclient"
)

// DefaultConnection is Auth0's default database connection.
const DefaultConnection = "Username-Password-Authentication"

// EmbeddedTenantName is the friendly name the embedded mock's tenant gets.
const EmbeddedTenantName = "Consentry Test Tenant"

// CapClock: the harness can move the target's clock (rule T1's code
// expiry without waiting). Only the embedded mock has it: the harness owns
// its process and gives it Target.Clock. It is not a profile capability.
const CapClock = "clock"

// Clock is the embedded mock's time: real time plus an offset the harness
// moves forward. Every scenario on the target shares it, so only scenarios
// that run alone may move it.
type Clock struct{ offset atomic.Int64 }

// Now is the mock's current time.
func (c *Clock) Now() time.Time { return time.Now().Add(time.Duration(c.offset.Load())) }

// Advance moves the clock forward by d (backward when d is negative).
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// StartOptions tune how an embedded target starts; other kinds ignore them.
type StartOptions struct {
	// Logger receives the mock's log; nil discards it.
	Logger *slog.Logger
	// Decide replaces the mock's consent decision (mutation tests only).
	Decide func(consent.Facts) consent.Screen
	// Wrap wraps the mock's handler (mutation tests only).
	Wrap func(http.Handler) http.Handler
	// OktaDecide replaces the embedded Okta org's consent decision
	// (mutation tests only).
	OktaDecide func(consent.OktaFacts) consent.OktaDecision
	// OktaCheckClientCredentials replaces the embedded Okta org's rule O4
	// check (mutation tests only).
	OktaCheckClientCredentials func([]*okta.Scope) *oautherr.Error
}

// Target is a started target.
type Target struct {
	Profile *Profile
	// Issuer is the IdP's issuer URL.
	Issuer string
	// Mgmt is the Management API client; nil without CapManagement.
	Mgmt *mgmtclient.Client
	// Connection is the database connection of users.
	Connection string
	// Clock is the target's clock when the harness can move it
	// (CapClock); nil otherwise.
	Clock   *Clock
	caps    map[string]bool
	secrets []string
	stop    func()
}

// Has reports whether the target has a capability.
func (t *Target) Has(capability string) bool { return t.caps[capability] }

// Secrets lists the values to scrub from anything reported.
func (t *Target) Secrets() []string { return t.secrets }

// Scrub removes the target's secrets from s.
func (t *Target) Scrub(s string) string { return scrub(s, t.secrets) }

// Close stops what Start started.
func (t *Target) Close() {
	if t.stop != nil {
		t.stop()
	}
}

// Start starts (embedded) or reaches (every other kind) the target.
func Start(ctx context.Context, p *Profile, opts StartOptions) (*Target, error) {
	t := &Target{Profile: p, Issuer: p.Issuer, caps: p.Caps(), secrets: p.Secrets(), Connection: p.Connection}
	if t.Connection == "" {
		t.Connection = DefaultConnection
	}
	var mgmt Management
	switch p.Kind {
	case KindEmbedded:
		var err error
		mgmt, err = t.startEmbedded(ctx, opts)
		if err != nil {
			return nil, err
		}
	case KindGeneric:
		if t.Issuer == "" {
			iss, err := discoverIssuer(ctx, p.Discovery)
			if err != nil {
				return nil, err
			}
			t.Issuer = iss
		}
	}
	if p.Management != nil {
		mgmt = *p.Management
	}
	if t.caps[CapManagement] {
		base := t.Issuer
		if p.Kind != KindEmbedded {
			base = p.Management.URL(t.Issuer) // a custom domain's Management API stays on the tenant's domain
		}
		c, err := mgmtclient.New(ctx, mgmtclient.Config{Issuer: base, ClientID: mgmt.ClientID, ClientSecret: mgmt.ClientSecret})
		if err == nil && p.Kind != KindEmbedded {
			// Wrong credentials are a setup error, said once: otherwise
			// every scenario would fail on its first Management API call.
			err = c.CheckCredentials(ctx)
		}
		if err != nil {
			t.Close()
			return nil, fmt.Errorf("target %q: the Management API credentials (management:) do not work: %s", p.Name, scrub(err.Error(), t.secrets))
		}
		t.Mgmt = c
	}
	return t, nil
}

func (t *Target) startEmbedded(ctx context.Context, opts StartOptions) (Management, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Management{}, fmt.Errorf("embedded target: %w", err)
	}
	t.Issuer = "http://" + ln.Addr().String() + "/"
	m := Management{ClientID: "consentry-harness-" + randomHex(6), ClientSecret: randomHex(24)}
	if t.Profile.Management != nil {
		m = *t.Profile.Management // the profile names the mock's management client
	}
	t.secrets = cleanSecrets(append(t.secrets, m.ClientSecret))
	t.Clock = &Clock{}
	t.caps[CapClock] = true
	store := memstore.New()
	if err := store.UpdateSettings(ctx, tenant.Settings{FriendlyName: EmbeddedTenantName}); err != nil {
		ln.Close()
		return Management{}, err
	}
	srv, err := server.New(ctx, server.Options{
		Issuer: t.Issuer, Store: store, Logger: opts.Logger,
		MgmtClientID: m.ClientID, MgmtClientSecret: m.ClientSecret,
		PasswordCost: 4, Decide: opts.Decide, Now: t.Clock.Now,
	})
	if err != nil {
		ln.Close()
		return Management{}, fmt.Errorf("embedded target: %w", err)
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
	return m, nil
}

func discoverIssuer(ctx context.Context, discovery string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, discovery, nil)
	if err != nil {
		return "", fmt.Errorf("discovery: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("discovery: %w", err)
	}
	defer resp.Body.Close()
	var doc struct {
		Issuer string `json:"issuer"`
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("discovery %s: HTTP %d", discovery, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || doc.Issuer == "" {
		return "", errors.Join(fmt.Errorf("discovery %s: no issuer in the document", discovery), err)
	}
	return doc.Issuer, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// RevokeGrants sends the profile's grant_revocation request for u. A 2xx
// or 404 (no such grants) answer is success. The error names the user and
// the status, never a header.
func (t *Target) RevokeGrants(ctx context.Context, u User) error {
	r := t.Profile.GrantRevocation
	if r == nil {
		return errors.New("the target profile has no grant_revocation")
	}
	method := r.Method
	if method == "" {
		method = http.MethodDelete
	}
	target := strings.NewReplacer("{username}", url.QueryEscape(u.Username), "{user_id}", url.QueryEscape(u.UserID)).Replace(r.URL)
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return fmt.Errorf("grant_revocation for %s: %s", u.Username, t.Scrub(err.Error()))
	}
	for k, v := range r.Headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("grant_revocation for %s: %s", u.Username, t.Scrub(err.Error()))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 && resp.StatusCode != http.StatusNotFound {
		return fmt.Errorf("grant_revocation for %s: %s %s answered HTTP %d", u.Username, method, t.Scrub(target), resp.StatusCode)
	}
	return nil
}

// Describe is a one-line, secret-free description of the target.
func (t *Target) Describe() string {
	var caps []string
	for _, c := range append(slices.Clone(AllCapabilities), CapClock) {
		if t.caps[c] {
			caps = append(caps, c)
		}
	}
	return fmt.Sprintf("%s (%s) at %s, capabilities: %s", t.Profile.Name, t.Profile.Kind, t.Issuer, strings.Join(caps, ", "))
}
