package steps

// The Okta profile's steps (features/okta_*.feature, rules O1 to O12),
// bound to an Okta org: the embedded mock's (kind embedded-okta) or a real
// one (kind okta). Every fixture (apps, users, assignments, scopes, scope
// changes) is made through Okta's admin API with the profile's SSWS token
// and removed, or put back, when the scenario ends. The scenarios run one
// at a time: they change the org's authorization server.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/cucumber/godog"

	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/report"
	"github.com/consentry/consentry/steps/target"
)

// OktaSuite is one run against an Okta org.
type OktaSuite struct {
	Target      *target.OktaTarget
	Driver      string
	NewDriver   func(ctx context.Context) (driver.Driver, error)
	StepTimeout time.Duration

	admin *oktaAdmin
	keys  oidc.KeySet
	one   sync.Mutex // scenarios run one at a time
}

// NewOktaSuite prepares a suite for a started Okta target: it reads the
// authorization server's discovery document and its keys.
func NewOktaSuite(ctx context.Context, t *target.OktaTarget, driverName string, newDriver func(context.Context) (driver.Driver, error)) (*OktaSuite, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, t.Issuer+"/.well-known/openid-configuration", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("discovery for %s: %w", t.Issuer, err)
	}
	defer res.Body.Close()
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(res.Body).Decode(&doc); err != nil || res.StatusCode != http.StatusOK || doc.Issuer != t.Issuer {
		return nil, fmt.Errorf("discovery for %s: HTTP %d, issuer %q", t.Issuer, res.StatusCode, doc.Issuer)
	}
	return &OktaSuite{Target: t, Driver: driverName, NewDriver: newDriver,
		admin: &oktaAdmin{base: t.OrgURL, token: t.APIToken}, keys: oidc.NewRemoteKeySet(context.WithoutCancel(ctx), doc.JWKSURI)}, nil
}

func (s *OktaSuite) stepTimeout() time.Duration {
	if s.StepTimeout > 0 {
		return s.StepTimeout
	}
	return 30 * time.Second
}

// oktaFixturePrefix names every app the scenarios create; users are at
// oktaUserDomain. Leftovers looks for both.
const (
	oktaFixturePrefix = "consentry "
	oktaUserDomain    = "@consentry.test"
)

// Leftovers lists the scenarios' fixtures still in the org.
func (s *OktaSuite) Leftovers(ctx context.Context) ([]string, error) {
	var out []string
	var apps []struct {
		Label string `json:"label"`
	}
	if err := s.admin.do(ctx, http.MethodGet, "/api/v1/apps", nil, &apps, http.StatusOK); err != nil {
		return nil, err
	}
	for _, a := range apps {
		if strings.HasPrefix(a.Label, oktaFixturePrefix) {
			out = append(out, "apps: "+a.Label)
		}
	}
	var users []struct {
		Profile struct {
			Login string `json:"login"`
		} `json:"profile"`
	}
	if err := s.admin.do(ctx, http.MethodGet, "/api/v1/users", nil, &users, http.StatusOK); err != nil {
		return nil, err
	}
	for _, u := range users {
		if strings.HasSuffix(u.Profile.Login, oktaUserDomain) {
			out = append(out, "users: "+u.Profile.Login)
		}
	}
	return out, nil
}

// oktaAdmin is a small client of Okta's admin API.
type oktaAdmin struct{ base, token string }

// do sends body as JSON and decodes the answer into out; a status other
// than the wanted ones is an error with Okta's errorCode and errorSummary.
func (a *oktaAdmin) do(ctx context.Context, method, path string, body, out any, want ...int) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "SSWS "+a.token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("admin API %s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if !slices.Contains(want, res.StatusCode) {
		var e struct{ ErrorCode, ErrorSummary string }
		_ = json.Unmarshal(data, &e)
		return fmt.Errorf("admin API %s %s: HTTP %d %s %s", method, path, res.StatusCode, e.ErrorCode, e.ErrorSummary)
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("admin API %s %s: %w", method, path, err)
		}
	}
	return nil
}

// oktaApp is an app a scenario made.
type oktaApp struct {
	id, clientID, secret, redirect, kind string
}

// oktaScope is a scope a scenario refers to by its name in the feature.
type oktaScope struct {
	id, name, display string
}

// oktaTokenResult is the last token endpoint answer.
type oktaTokenResult struct {
	status int
	body   map[string]any
	access map[string]any // verified claims
	id     map[string]any
}

// oktaState is one scenario's state.
type oktaState struct {
	s        *OktaSuite
	ua       driver.Driver
	apps     map[string]*oktaApp
	scopes   map[string]*oktaScope
	user     *target.User
	userID   string
	page     driver.Page
	app      *oktaApp // the app of the last authorization
	state    string
	verifier string
	tok      oktaTokenResult
	cleanup  []func(context.Context) error
	secrets  []string
}

type oktaStateKey struct{}

func oktaStateOf(ctx context.Context) *oktaState {
	st, _ := ctx.Value(oktaStateKey{}).(*oktaState)
	return st
}

func (st *oktaState) scrub(s string) string {
	s = st.s.Target.Scrub(s)
	for _, x := range st.secrets {
		if len(x) >= 4 {
			s = strings.ReplaceAll(s, x, "[redacted]")
		}
	}
	return s
}

func oktaRandom(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// InitializeScenario registers the Okta steps and hooks for one scenario.
func (s *OktaSuite) InitializeScenario(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
		s.one.Lock()
		st := &oktaState{s: s, apps: map[string]*oktaApp{}, scopes: map[string]*oktaScope{}}
		return context.WithValue(ctx, oktaStateKey{}, st), nil
	})
	sc.After(func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
		defer s.one.Unlock()
		st := oktaStateOf(ctx)
		if st == nil {
			return ctx, nil
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*s.stepTimeout())
		defer cancel()
		var errs []error
		for i := len(st.cleanup) - 1; i >= 0; i-- {
			errs = append(errs, st.cleanup[i](cctx))
		}
		if st.ua != nil {
			errs = append(errs, st.ua.Close())
		}
		if e := errors.Join(errs...); e != nil {
			return ctx, errors.New(st.scrub("cleanup: " + e.Error()))
		}
		return ctx, nil
	})
	sc.StepContext().After(func(ctx context.Context, _ *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		st := oktaStateOf(ctx)
		if err != nil && errors.Is(err, godog.ErrSkip) {
			reason := strings.TrimPrefix(err.Error(), godog.ErrSkip.Error()+": ")
			ctx = godog.Attach(ctx, godog.Attachment{FileName: "not-applicable.txt", MediaType: report.NotApplicableMediaType, Body: []byte(reason)})
		} else if err != nil && st != nil {
			err = errors.New(st.scrub(err.Error()))
		}
		return ctx, err
	})
	step := func(expr string, fn any) { sc.Step(stepRE(expr), fn) }
	step(`^an Okta (web|service|browser) app "([^"]*)"(?: with consent_method (TRUSTED|REQUIRED))?$`, s.givenApp)
	step(`^the test user is assigned to "([^"]*)"$`, s.givenAssigned)
	step(`^the scope "([^"]*)" has consent (IMPLICIT|REQUIRED|FLEXIBLE)$`, s.givenScopeConsent)
	step(`^a scope "([^"]*)" with consent (IMPLICIT|REQUIRED|FLEXIBLE)(, optional)?$`, s.givenNewScope)
	step(`^the user authorizes "([^"]*)" with scope "([^"]*)"(?: and prompt "([^"]*)")?$`, s.whenAuthorize)
	step(`^the user authorizes "([^"]*)" with the implicit flow and scope "([^"]*)"$`, s.whenAuthorizeImplicit)
	step(`^the authorization of "([^"]*)" is opened with (client_id|redirect_uri) "([^"]*)"$`, s.whenAuthorizeBroken)
	step(`^the consent page asks for "([^"]*)"$`, s.thenConsentAsks)
	step(`^the user allows access$`, s.whenAllow)
	step(`^the user does not allow access$`, s.whenDeny)
	step(`^the user allows access, unticking "([^"]*)"$`, s.whenAllowUnticking)
	step(`^"([^"]*)" receives an authorization code$`, s.thenCode)
	step(`^"([^"]*)" receives tokens in the fragment$`, s.thenFragmentTokens)
	step(`^"([^"]*)" receives the error "([^"]*)"(?: with the description "([^"]*)")?$`, s.thenCallbackError)
	step(`^the error page shows "([^"]*)"$`, s.thenErrorPage)
	step(`^the code is exchanged for tokens$`, s.whenExchange)
	step(`^"([^"]*)" requests a client credentials token with scope "([^"]*)"$`, s.whenClientCredentials)
	step(`^"([^"]*)" requests a password grant token with scope "([^"]*)"$`, s.whenPassword)
	step(`^the token request fails with HTTP (\d+) "([^"]*)"(?: and the description "([^"]*)")?$`, s.thenTokenFails)
	step(`^the token request succeeds$`, s.thenTokenOK)
	step(`^the access token's scp is "([^"]*)"$`, s.thenSCP)
	step(`^the tokens carry Okta's claims$`, s.thenOktaClaims)
	step(`^the user has an ACTIVE grant for "([^"]*)" on "([^"]*)"$`, s.thenGrant)
	step(`^the user's grants for "([^"]*)" are revoked through the admin API$`, s.whenRevokeGrants)
	step(`^the access token is revoked$`, s.whenRevokeToken)
	step(`^introspection says the access token is (active|inactive)$`, s.thenIntrospect)
}

func (st *oktaState) later(f func(context.Context) error) { st.cleanup = append(st.cleanup, f) }

func (s *OktaSuite) givenApp(ctx context.Context, kind, name, method string) error {
	st := oktaStateOf(ctx)
	if method == "" {
		method = "TRUSTED"
	}
	a := &oktaApp{kind: kind}
	oc := map[string]any{"application_type": kind, "consent_method": method}
	cred := map[string]any{}
	switch kind {
	case "web":
		a.redirect = "https://app.consentry.test/okta/" + oktaRandom(6) + "/callback"
		oc["redirect_uris"] = []string{a.redirect}
		oc["grant_types"] = []string{"authorization_code", "implicit", "password"}
		oc["response_types"] = []string{"code", "token", "id_token"}
		cred["token_endpoint_auth_method"] = "client_secret_basic"
	case "browser":
		a.redirect = "http://localhost:7/okta/" + oktaRandom(6) + "/callback"
		oc["redirect_uris"] = []string{a.redirect}
		oc["grant_types"] = []string{"authorization_code"}
		oc["response_types"] = []string{"code"}
		cred["token_endpoint_auth_method"] = "none"
	case "service":
		oc["grant_types"] = []string{"client_credentials"}
		oc["response_types"] = []string{"token"}
		cred["token_endpoint_auth_method"] = "client_secret_basic"
	}
	body := map[string]any{"name": "oidc_client", "label": oktaFixturePrefix + name + " " + oktaRandom(3), "signOnMode": "OPENID_CONNECT",
		"credentials": map[string]any{"oauthClient": cred}, "settings": map[string]any{"oauthClient": oc}}
	var got struct {
		ID          string `json:"id"`
		Credentials struct {
			OAuthClient struct {
				ClientID     string `json:"client_id"`
				ClientSecret string `json:"client_secret"`
			} `json:"oauthClient"`
		} `json:"credentials"`
	}
	if err := s.admin.do(ctx, http.MethodPost, "/api/v1/apps?activate=true", body, &got, http.StatusOK, http.StatusCreated); err != nil {
		return err
	}
	a.id, a.clientID, a.secret = got.ID, got.Credentials.OAuthClient.ClientID, got.Credentials.OAuthClient.ClientSecret
	st.secrets = append(st.secrets, a.secret)
	st.apps[name] = a
	st.later(func(ctx context.Context) error {
		if err := s.admin.do(ctx, http.MethodPost, "/api/v1/apps/"+a.id+"/lifecycle/deactivate", nil, nil, http.StatusOK, http.StatusNoContent); err != nil {
			return err
		}
		return s.admin.do(ctx, http.MethodDelete, "/api/v1/apps/"+a.id, nil, nil, http.StatusNoContent)
	})
	return nil
}

func (st *oktaState) appNamed(name string) (*oktaApp, error) {
	a, ok := st.apps[name]
	if !ok {
		return nil, fmt.Errorf("no app %q in this scenario", name)
	}
	return a, nil
}

// testUser is the profile's user, or one the scenario creates.
func (s *OktaSuite) testUser(ctx context.Context, st *oktaState) error {
	if st.user != nil {
		return nil
	}
	if u := s.Target.User; u != nil {
		st.user = u
		var got struct {
			ID string `json:"id"`
		}
		if err := s.admin.do(ctx, http.MethodGet, "/api/v1/users/"+url.PathEscape(u.Username), nil, &got, http.StatusOK); err != nil {
			return err
		}
		st.userID = got.ID
		return nil
	}
	login := "user-" + oktaRandom(5) + oktaUserDomain
	pw := "Cy-" + oktaRandom(12) + "!"
	st.secrets = append(st.secrets, pw)
	body := map[string]any{
		"profile":     map[string]any{"login": login, "email": login, "firstName": "Consentry", "lastName": "Tester"},
		"credentials": map[string]any{"password": map[string]any{"value": pw}},
	}
	var got struct {
		ID string `json:"id"`
	}
	if err := s.admin.do(ctx, http.MethodPost, "/api/v1/users?activate=true", body, &got, http.StatusOK, http.StatusCreated); err != nil {
		return err
	}
	st.user, st.userID = &target.User{Username: login, Password: pw}, got.ID
	st.later(func(ctx context.Context) error {
		// Okta deletes a user in two steps: deactivate, then delete.
		if err := s.admin.do(ctx, http.MethodDelete, "/api/v1/users/"+got.ID, nil, nil, http.StatusNoContent, http.StatusOK); err != nil {
			return err
		}
		return s.admin.do(ctx, http.MethodDelete, "/api/v1/users/"+got.ID, nil, nil, http.StatusNoContent, http.StatusNotFound)
	})
	return nil
}

func (s *OktaSuite) givenAssigned(ctx context.Context, name string) error {
	st := oktaStateOf(ctx)
	a, err := st.appNamed(name)
	if err != nil {
		return err
	}
	if err := s.testUser(ctx, st); err != nil {
		return err
	}
	body := map[string]any{"id": st.userID, "scope": "USER", "credentials": map[string]any{"userName": st.user.Username}}
	return s.admin.do(ctx, http.MethodPost, "/api/v1/apps/"+a.id+"/users", body, nil, http.StatusOK)
}

func (s *OktaSuite) serverPath() string {
	return "/api/v1/authorizationServers/" + url.PathEscape(s.Target.ServerID)
}

// givenScopeConsent changes an existing scope's consent (the seed's phone)
// and puts it back after the scenario.
func (s *OktaSuite) givenScopeConsent(ctx context.Context, name, value string) error {
	st := oktaStateOf(ctx)
	var all []map[string]any
	if err := s.admin.do(ctx, http.MethodGet, s.serverPath()+"/scopes", nil, &all, http.StatusOK); err != nil {
		return err
	}
	for _, sc := range all {
		if sc["name"] != name {
			continue
		}
		id, _ := sc["id"].(string)
		orig := map[string]any{}
		for k, v := range sc {
			orig[k] = v
		}
		sc["consent"] = value
		if err := s.admin.do(ctx, http.MethodPut, s.serverPath()+"/scopes/"+id, sc, nil, http.StatusOK); err != nil {
			return err
		}
		st.later(func(ctx context.Context) error {
			return s.admin.do(ctx, http.MethodPut, s.serverPath()+"/scopes/"+id, orig, nil, http.StatusOK)
		})
		display, _ := sc["displayName"].(string)
		st.scopes[name] = &oktaScope{id: id, name: name, display: display}
		return nil
	}
	return fmt.Errorf("the authorization server has no scope %q", name)
}

// givenNewScope creates a scope of the scenario's own, removed after it.
func (s *OktaSuite) givenNewScope(ctx context.Context, alias, value, optional string) error {
	st := oktaStateOf(ctx)
	name := "consentry." + alias + "." + oktaRandom(3)
	display := "Consentry " + alias + " " + oktaRandom(2)
	var got struct {
		ID string `json:"id"`
	}
	body := map[string]any{"name": name, "displayName": display, "description": "A scope of a consentry scenario.", "consent": value, "metadataPublish": "NO_CLIENTS",
		"optional": optional != ""}
	if err := s.admin.do(ctx, http.MethodPost, s.serverPath()+"/scopes", body, &got, http.StatusCreated, http.StatusOK); err != nil {
		return err
	}
	st.scopes[alias] = &oktaScope{id: got.ID, name: name, display: display}
	st.later(func(ctx context.Context) error {
		return s.admin.do(ctx, http.MethodDelete, s.serverPath()+"/scopes/"+got.ID, nil, nil, http.StatusNoContent)
	})
	return nil
}

// scopeList turns the feature's scope names into the org's.
func (st *oktaState) scopeList(names string) []string {
	var out []string
	for _, n := range strings.Fields(names) {
		if sc, ok := st.scopes[n]; ok {
			out = append(out, sc.name)
		} else {
			out = append(out, n)
		}
	}
	return out
}

func (st *oktaState) agent(ctx context.Context) (driver.Driver, error) {
	if st.ua == nil {
		d, err := st.s.NewDriver(ctx)
		if err != nil {
			return nil, err
		}
		st.ua = d
	}
	return st.ua, nil
}

func (s *OktaSuite) open(ctx context.Context, a *oktaApp, q url.Values) error {
	st := oktaStateOf(ctx)
	ua, err := st.agent(ctx)
	if err != nil {
		return err
	}
	if a.redirect != "" {
		ua.WatchCallback(a.redirect)
	}
	st.app = a
	p, err := ua.Open(ctx, s.Target.Issuer+"/v1/authorize?"+q.Encode())
	if err != nil {
		return err
	}
	if p.Kind == driver.KindLogin {
		if err := s.testUser(ctx, st); err != nil {
			return err
		}
		if p, err = ua.Login(ctx, st.user.Username, st.user.Password); err != nil {
			return err
		}
	}
	st.page = p
	return nil
}

func (s *OktaSuite) whenAuthorize(ctx context.Context, name, scope, prompt string) error {
	st := oktaStateOf(ctx)
	a, err := st.appNamed(name)
	if err != nil {
		return err
	}
	st.state = oktaRandom(8)
	q := url.Values{"client_id": {a.clientID}, "redirect_uri": {a.redirect}, "response_type": {"code"},
		"scope": {strings.Join(st.scopeList(scope), " ")}, "state": {st.state}, "nonce": {oktaRandom(8)}}
	if prompt != "" {
		q.Set("prompt", prompt)
	}
	if a.kind == "browser" {
		st.verifier = oktaRandom(32)
		sum := sha256.Sum256([]byte(st.verifier))
		q.Set("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:]))
		q.Set("code_challenge_method", "S256")
	}
	return s.open(ctx, a, q)
}

func (s *OktaSuite) whenAuthorizeImplicit(ctx context.Context, name, scope string) error {
	st := oktaStateOf(ctx)
	a, err := st.appNamed(name)
	if err != nil {
		return err
	}
	st.state = oktaRandom(8)
	q := url.Values{"client_id": {a.clientID}, "redirect_uri": {a.redirect}, "response_type": {"id_token token"},
		"scope": {strings.Join(st.scopeList(scope), " ")}, "state": {st.state}, "nonce": {oktaRandom(8)}}
	return s.open(ctx, a, q)
}

func (s *OktaSuite) whenAuthorizeBroken(ctx context.Context, name, param, value string) error {
	st := oktaStateOf(ctx)
	a, err := st.appNamed(name)
	if err != nil {
		return err
	}
	st.state = oktaRandom(8)
	q := url.Values{"client_id": {a.clientID}, "redirect_uri": {a.redirect}, "response_type": {"code"}, "scope": {"openid"}, "state": {st.state}}
	q.Set(param, value)
	return s.open(ctx, a, q)
}

func (s *OktaSuite) thenConsentAsks(ctx context.Context, names string) error {
	st := oktaStateOf(ctx)
	if st.page.Kind != driver.KindConsent {
		return fmt.Errorf("want the consent page, got a %s page at %s", st.page.Kind, st.page.URL)
	}
	var want []string
	for _, n := range strings.Split(names, ",") {
		n = strings.TrimSpace(n)
		sc, ok := st.scopes[n]
		if !ok {
			return fmt.Errorf("scope %q was not set up by this scenario", n)
		}
		want = append(want, sc.display)
	}
	if !slices.Equal(st.page.ScopeLines, want) {
		return fmt.Errorf("the consent page lists %q, want %q", st.page.ScopeLines, want)
	}
	return nil
}

func (s *OktaSuite) whenAllow(ctx context.Context) error {
	st := oktaStateOf(ctx)
	p, err := st.ua.Accept(ctx)
	st.page = p
	return err
}

func (s *OktaSuite) whenDeny(ctx context.Context) error {
	st := oktaStateOf(ctx)
	p, err := st.ua.Decline(ctx)
	st.page = p
	return err
}

// whenAllowUnticking answers the consent page as a user who clears the
// checkbox of an optional scope (optedScopes.<scope>) and presses Allow
// Access: the form the page would submit, without that box.
func (s *OktaSuite) whenAllowUnticking(ctx context.Context, alias string) error {
	st := oktaStateOf(ctx)
	fu, ok := st.ua.(formUser)
	if !ok {
		return notApplicable("the %s user agent cannot change a form's checkboxes", s.Driver)
	}
	sc, ok := st.scopes[alias]
	if !ok {
		return fmt.Errorf("scope %q was not set up by this scenario", alias)
	}
	action, fields, err := fu.Form("accept")
	if err != nil {
		return err
	}
	box := "optedScopes." + sc.name
	if _, ticked := fields[box]; !ticked {
		return fmt.Errorf("the consent page has no ticked checkbox %s (fields: %v)", box, slices.Sorted(maps.Keys(fields)))
	}
	fields.Del(box)
	p, err := fu.PostForm(ctx, action, fields)
	st.page = p
	return err
}

func (st *oktaState) callback(name string) (url.Values, error) {
	a, err := st.appNamed(name)
	if err != nil {
		return nil, err
	}
	if st.page.Kind != driver.KindCallback || !strings.HasPrefix(st.page.URL, a.redirect) {
		return nil, fmt.Errorf("want %q's callback, got a %s page at %s (%s %s)", name, st.page.Kind, st.page.URL, st.page.Error, st.page.ErrorDescription)
	}
	if got := st.page.Callback.Get("state"); got != st.state {
		return nil, fmt.Errorf("the callback's state is %q, want %q", got, st.state)
	}
	return st.page.Callback, nil
}

func (s *OktaSuite) thenCode(ctx context.Context, name string) error {
	cb, err := oktaStateOf(ctx).callback(name)
	if err != nil {
		return err
	}
	if cb.Get("code") == "" || cb.Get("error") != "" {
		return fmt.Errorf("no code at the callback: error %q %q", cb.Get("error"), cb.Get("error_description"))
	}
	return nil
}

func (s *OktaSuite) thenFragmentTokens(ctx context.Context, name string) error {
	st := oktaStateOf(ctx)
	cb, err := st.callback(name)
	if err != nil {
		return err
	}
	if st.page.CallbackVia != "fragment" {
		return fmt.Errorf("the answer came by %s, want the fragment", st.page.CallbackVia)
	}
	st.tok = oktaTokenResult{status: http.StatusOK, body: map[string]any{"access_token": cb.Get("access_token"), "id_token": cb.Get("id_token")}}
	return s.verifyTokens(ctx, st)
}

func (s *OktaSuite) thenCallbackError(ctx context.Context, name, code, desc string) error {
	cb, err := oktaStateOf(ctx).callback(name)
	if err != nil {
		return err
	}
	if cb.Get("error") != code || (desc != "" && cb.Get("error_description") != desc) {
		return fmt.Errorf("the callback has error %q %q, want %q %q", cb.Get("error"), cb.Get("error_description"), code, desc)
	}
	if cb.Get("code") != "" {
		return errors.New("the callback has a code too")
	}
	return nil
}

func (s *OktaSuite) thenErrorPage(ctx context.Context, code string) error {
	st := oktaStateOf(ctx)
	if st.page.Kind != driver.KindError {
		return fmt.Errorf("want the error page, got a %s page at %s", st.page.Kind, st.page.URL)
	}
	if st.page.Error != code {
		return fmt.Errorf("the error page shows %q, want %q", st.page.Error, code)
	}
	return nil
}

// tokenCall posts a form to the token endpoint, with the app's secret by
// client_secret_basic, or client_id in the body for a public app.
func (s *OktaSuite) tokenCall(ctx context.Context, a *oktaApp, path string, form url.Values) (int, map[string]any, error) {
	if a.secret == "" {
		form.Set("client_id", a.clientID)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.Target.Issuer+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if a.secret != "" {
		req.SetBasicAuth(url.QueryEscape(a.clientID), url.QueryEscape(a.secret))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	var body map[string]any
	data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if len(data) > 0 {
		if err := json.Unmarshal(data, &body); err != nil {
			return res.StatusCode, nil, fmt.Errorf("%s: HTTP %d, not JSON", path, res.StatusCode)
		}
	}
	return res.StatusCode, body, nil
}

func (s *OktaSuite) whenExchange(ctx context.Context) error {
	st := oktaStateOf(ctx)
	if st.app == nil || st.page.Callback.Get("code") == "" {
		return errors.New("no code to exchange")
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {st.page.Callback.Get("code")}, "redirect_uri": {st.app.redirect}}
	if st.verifier != "" {
		form.Set("code_verifier", st.verifier)
	}
	return s.recordToken(ctx, st, st.app, form)
}

func (s *OktaSuite) recordToken(ctx context.Context, st *oktaState, a *oktaApp, form url.Values) error {
	status, body, err := s.tokenCall(ctx, a, "/v1/token", form)
	if err != nil {
		return err
	}
	st.tok = oktaTokenResult{status: status, body: body}
	if status == http.StatusOK {
		return s.verifyTokens(ctx, st)
	}
	return nil
}

// verifyTokens checks the signatures of the tokens received.
func (s *OktaSuite) verifyTokens(ctx context.Context, st *oktaState) error {
	for _, k := range []string{"access_token", "id_token"} {
		raw, _ := st.tok.body[k].(string)
		if raw == "" {
			continue
		}
		payload, err := s.keys.VerifySignature(ctx, raw)
		if err != nil {
			return fmt.Errorf("the %s does not verify with the server's keys: %w", k, err)
		}
		var c map[string]any
		if err := json.Unmarshal(payload, &c); err != nil {
			return err
		}
		if k == "access_token" {
			st.tok.access = c
		} else {
			st.tok.id = c
		}
	}
	return nil
}

func (s *OktaSuite) whenClientCredentials(ctx context.Context, name, scope string) error {
	st := oktaStateOf(ctx)
	a, err := st.appNamed(name)
	if err != nil {
		return err
	}
	return s.recordToken(ctx, st, a, url.Values{"grant_type": {"client_credentials"}, "scope": {strings.Join(st.scopeList(scope), " ")}})
}

func (s *OktaSuite) whenPassword(ctx context.Context, name, scope string) error {
	st := oktaStateOf(ctx)
	a, err := st.appNamed(name)
	if err != nil {
		return err
	}
	if err := s.testUser(ctx, st); err != nil {
		return err
	}
	return s.recordToken(ctx, st, a, url.Values{"grant_type": {"password"}, "username": {st.user.Username},
		"password": {st.user.Password}, "scope": {strings.Join(st.scopeList(scope), " ")}})
}

func (s *OktaSuite) thenTokenFails(ctx context.Context, status int, code, desc string) error {
	t := oktaStateOf(ctx).tok
	if t.status != status || t.body["error"] != code || (desc != "" && t.body["error_description"] != desc) {
		return fmt.Errorf("the token endpoint answered %d %v %v, want %d %q %q", t.status, t.body["error"], t.body["error_description"], status, code, desc)
	}
	return nil
}

func (s *OktaSuite) thenTokenOK(ctx context.Context) error {
	t := oktaStateOf(ctx).tok
	if t.status != http.StatusOK || t.access == nil {
		return fmt.Errorf("the token endpoint answered %d %v %v", t.status, t.body["error"], t.body["error_description"])
	}
	return nil
}

func (s *OktaSuite) thenSCP(ctx context.Context, want string) error {
	st := oktaStateOf(ctx)
	if st.tok.access == nil {
		return errors.New("no access token")
	}
	list, ok := st.tok.access["scp"].([]any)
	if !ok {
		return fmt.Errorf("scp is %T, not an array", st.tok.access["scp"])
	}
	var got []string
	for _, v := range list {
		s, _ := v.(string)
		got = append(got, s)
	}
	w := st.scopeList(want)
	if !slices.Equal(got, w) {
		return fmt.Errorf("scp is %q, want %q", got, w)
	}
	return nil
}

// thenOktaClaims checks rule O11's claims of the access and ID tokens.
func (s *OktaSuite) thenOktaClaims(ctx context.Context) error {
	st := oktaStateOf(ctx)
	at, id := st.tok.access, st.tok.id
	if at == nil || id == nil {
		return errors.New("want an access token and an ID token")
	}
	var problems []string
	check := func(ok bool, what string) {
		if !ok {
			problems = append(problems, what)
		}
	}
	jti, _ := at["jti"].(string)
	check(at["ver"] == float64(1), "access token ver is not 1")
	check(strings.HasPrefix(jti, "AT."), "access token jti does not start with AT.")
	check(at["iss"] == s.Target.Issuer, "access token iss is not the server's issuer")
	check(at["cid"] == st.app.clientID, "access token cid is not the client_id")
	check(at["uid"] == st.userID, "access token uid is not the user's id")
	check(at["sub"] == st.user.Username, "access token sub is not the user's login")
	_, aud := at["aud"].(string)
	check(aud, "access token aud is not a string")
	check(id["sub"] == st.userID, "ID token sub is not the user's id")
	check(id["aud"] == st.app.clientID, "ID token aud is not the client_id as a string")
	check(id["iss"] == s.Target.Issuer, "ID token iss is not the server's issuer")
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func (s *OktaSuite) thenGrant(ctx context.Context, scope, name string) error {
	st := oktaStateOf(ctx)
	a, err := st.appNamed(name)
	if err != nil {
		return err
	}
	sc, ok := st.scopes[scope]
	if !ok {
		return fmt.Errorf("scope %q was not set up by this scenario", scope)
	}
	var grants []struct {
		Status, ScopeID, ClientID, Issuer, Source string
	}
	if err := s.admin.do(ctx, http.MethodGet, "/api/v1/users/"+st.userID+"/clients/"+url.PathEscape(a.clientID)+"/grants", nil, &grants, http.StatusOK); err != nil {
		return err
	}
	for _, g := range grants {
		if g.ScopeID == sc.id && g.Status == "ACTIVE" {
			if g.Issuer != s.Target.Issuer || g.Source != "END_USER" {
				return fmt.Errorf("the grant has issuer %q and source %q, want %q and END_USER", g.Issuer, g.Source, s.Target.Issuer)
			}
			return nil
		}
	}
	return fmt.Errorf("no ACTIVE grant of %q among the user's %d grants for the app", scope, len(grants))
}

func (s *OktaSuite) whenRevokeGrants(ctx context.Context, name string) error {
	st := oktaStateOf(ctx)
	a, err := st.appNamed(name)
	if err != nil {
		return err
	}
	return s.admin.do(ctx, http.MethodDelete, "/api/v1/users/"+st.userID+"/clients/"+url.PathEscape(a.clientID)+"/grants", nil, nil, http.StatusNoContent)
}

func (s *OktaSuite) lastAccess(st *oktaState) (string, *oktaApp, error) {
	raw, _ := st.tok.body["access_token"].(string)
	if raw == "" {
		return "", nil, errors.New("no access token")
	}
	a := st.app
	for _, x := range st.apps {
		if x.clientID == st.tok.access["cid"] {
			a = x
		}
	}
	return raw, a, nil
}

func (s *OktaSuite) whenRevokeToken(ctx context.Context) error {
	st := oktaStateOf(ctx)
	raw, a, err := s.lastAccess(st)
	if err != nil {
		return err
	}
	status, body, err := s.tokenCall(ctx, a, "/v1/revoke", url.Values{"token": {raw}, "token_type_hint": {"access_token"}})
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("revoke answered %d %v", status, body)
	}
	return nil
}

func (s *OktaSuite) thenIntrospect(ctx context.Context, want string) error {
	st := oktaStateOf(ctx)
	raw, a, err := s.lastAccess(st)
	if err != nil {
		return err
	}
	status, body, err := s.tokenCall(ctx, a, "/v1/introspect", url.Values{"token": {raw}, "token_type_hint": {"access_token"}})
	if err != nil {
		return err
	}
	if status != http.StatusOK || body["active"] != (want == "active") {
		return fmt.Errorf("introspection answered %d active=%v, want %s", status, body["active"], want)
	}
	return nil
}
