package steps

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"
	"golang.org/x/oauth2"

	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/fixture"
)

// state is everything one scenario knows. It is reached through the
// scenario's context; nothing else shares it.
type state struct {
	suite     *Suite
	scenario  *godog.Scenario
	fixtures  fixture.Registry
	release   func()
	exclusive bool // holds the tenant settings exclusively
	suffix    string

	mu      sync.Mutex
	secrets []string

	apis []*apiFixture
	apps []*appFixture
	user *userFixture
	// missing are the fixtures the scenario needs that the target can
	// neither create nor bind (read from its steps when it began).
	missing []string
	// needs are the scenario's needs, read when it began (only on a target
	// without a Management API); pooled is its user from the profile's
	// users when it needs one who has not consented yet.
	needs  ScenarioNeeds
	pooled userPick
	// bound counts the applications bound so far (needs.Apps' index).
	bound int
	// mismatches are dialect differences found by the current step, to be
	// attached to it (report.DialectMismatchMediaType).
	mismatches []string

	ua      driver.Driver   // the user's browser
	others  []driver.Driver // other user agents opened by the scenario
	req     *authRequest    // the last authorization request
	page    driver.Page     // the last page the user agent reached
	screens []driver.Kind   // the screens shown in the current transaction
	forms   map[string]savedForm

	token *tokenResult // the last token endpoint answer
	// refreshToken is the latest refresh token the application holds;
	// firstRefresh the first it was issued in the scenario (rotation, W4).
	refreshToken, firstRefresh string
	// logout is the last RP-initiated logout (auth0_browser.go).
	logout *logoutState
	// silent is the relying party's page and its last silent authentication (silent.go).
	silent *silentState
}

type stateKey struct{}

func newState(s *Suite, scn *godog.Scenario) *state {
	return &state{suite: s, scenario: scn, suffix: randomHex(4), secrets: slices.Clone(s.Target.Secrets()), forms: map[string]savedForm{}}
}

func withState(ctx context.Context, st *state) context.Context {
	return context.WithValue(ctx, stateKey{}, st)
}

func getState(ctx context.Context) *state {
	st, _ := ctx.Value(stateKey{}).(*state)
	return st
}

// addSecret records a value that must never appear in a report.
func (st *state) addSecret(v string) {
	if len(v) < 4 {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.secrets = append(st.secrets, v)
}

func (st *state) scrub(s string) string {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, x := range st.secrets {
		s = strings.ReplaceAll(s, x, "[redacted]")
	}
	return s
}

// close ends the scenario: user agents first, then every fixture, then the
// tenant settings lock.
func (st *state) close(ctx context.Context) error {
	var errs []error
	for _, d := range append([]driver.Driver{st.ua}, st.others...) {
		if d != nil {
			if err := d.Close(); err != nil {
				errs = append(errs, fmt.Errorf("closing the user agent: %w", err))
			}
		}
	}
	errs = append(errs, st.fixtures.Cleanup(ctx))
	if st.release != nil {
		st.release()
		st.release = nil
	}
	return errors.Join(errs...)
}

// browser returns the user's user agent, starting it on first use.
func (st *state) browser(ctx context.Context) (driver.Driver, error) {
	if st.ua != nil {
		return st.ua, nil
	}
	d, err := st.suite.NewDriver(ctx)
	if err != nil {
		return nil, fmt.Errorf("starting the %s user agent: %w", st.suite.Driver, err)
	}
	st.ua = d
	return d, nil
}

// newBrowser replaces the user's user agent with a fresh one (no cookies).
func (st *state) newBrowser(ctx context.Context) error {
	if st.ua != nil {
		st.others = append(st.others, st.ua)
		st.ua = nil
	}
	_, err := st.browser(ctx)
	return err
}

// otherBrowser returns a second, independent user agent.
func (st *state) otherBrowser(ctx context.Context) (driver.Driver, error) {
	d, err := st.suite.NewDriver(ctx)
	if err != nil {
		return nil, fmt.Errorf("starting another %s user agent: %w", st.suite.Driver, err)
	}
	st.others = append(st.others, d)
	return d, nil
}

// attachFailure attaches a screenshot (when the user agent has one) and the
// page the user agent was on.
func (st *state) attachFailure(ctx context.Context) context.Context {
	if st.ua == nil {
		return ctx
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	p := st.ua.Current()
	info := fmt.Sprintf("driver: %s\nkind: %s\nstatus: %d\nurl: %s\n", st.suite.Driver, p.Kind, p.Status, p.URL)
	if p.Error != "" {
		info += fmt.Sprintf("error: %s\nerror_description: %s\n", p.Error, p.ErrorDescription)
	}
	if len(p.ScopeLines) > 0 {
		info += "scope lines: " + strings.Join(p.ScopeLines, " | ") + "\n"
	}
	if p.Text != "" {
		info += "text: " + p.Text + "\n"
	}
	ctx = godog.Attach(ctx, godog.Attachment{FileName: "page.txt", MediaType: "text/plain", Body: []byte(st.scrub(info))})
	if png, err := st.ua.Screenshot(sctx); err == nil && len(png) > 0 {
		ctx = godog.Attach(ctx, godog.Attachment{FileName: "screenshot.png", MediaType: "image/png", Body: png})
	}
	return ctx
}

// app returns the scenario's application (the last one created).
func (st *state) app() (*appFixture, error) {
	if len(st.apps) == 0 {
		return nil, errors.New("the scenario has no application yet (add a Given step that creates one)")
	}
	return st.apps[len(st.apps)-1], nil
}

// api returns the scenario's API (the last one created).
func (st *state) api() (*apiFixture, error) {
	if len(st.apis) == 0 {
		return nil, errors.New("the scenario has no API yet (add a Given step that creates one)")
	}
	return st.apis[len(st.apis)-1], nil
}

func (st *state) theUser() (*userFixture, error) {
	if st.user == nil {
		return nil, errors.New("the scenario has no user yet (add \"Given a user\")")
	}
	return st.user, nil
}

// authRequest is one authorization request the application sent.
type authRequest struct {
	app         *appFixture
	url         string
	redirectURI string
	state       string
	verifier    string // "" without PKCE
	scopes      []string
	audience    string
}

// savedForm is a form the user agent showed, kept for replay (rule C8).
type savedForm struct {
	action string
	fields url.Values
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// oauthConfig is the application's x/oauth2 configuration.
func (st *state) oauthConfig(app *appFixture, redirectURI string) *oauth2.Config {
	ep := st.suite.provider.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInParams
	if app.authMethod == "client_secret_basic" {
		ep.AuthStyle = oauth2.AuthStyleInHeader
	}
	secret := app.secret
	if app.authMethod == "none" {
		secret = ""
	}
	return &oauth2.Config{ClientID: app.clientID, ClientSecret: secret, Endpoint: ep, RedirectURL: redirectURI}
}
