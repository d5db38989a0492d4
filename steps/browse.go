package steps

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/cucumber/godog"
	"golang.org/x/oauth2"

	"github.com/consentry/consentry/steps/driver"
)

// formUser is a user agent that can show the form behind a button and post
// a crafted one: the HTTP driver with its client, the browser by script in
// the page. Only the forged-form scenarios of rule C8 need it; with a user
// agent that cannot, they are not applicable.
type formUser interface {
	Form(button string) (action string, fields url.Values, err error)
	PostForm(ctx context.Context, action string, fields url.Values) (driver.Page, error)
}

// resubmitter is a user agent with a history to go back in (the browser):
// a used form is resubmitted from the IdP's page it came from, as a user
// pressing Back and submitting again does, so the browser sends the IdP's
// cookies with it.
type resubmitter interface {
	Resubmit(ctx context.Context, action string, fields url.Values) (driver.Page, error)
}

const stepSession = `^the user has a session at the identity provider$`

func (s *Suite) registerBrowseSteps(sc *godog.ScenarioContext) {
	sc.Step(stepRE(stepSession), s.hasSession)
	sc.Step(stepRE(`^the user has signed in to the application with "([^"]*)"$`), s.hasSignedIn)
	sc.Step(stepRE(`^the user has granted "([^"]*)" to the application$`), s.hasGranted)
	sc.Step(stepRE(`^the application asks for "([^"]*)"(?: again)?( without PKCE)?(?: with (.+))?$`), s.asksFor)
	sc.Step(stepRE(`^the user logs in$`), s.logsIn)
	sc.Step(stepRE(`^the user accepts consent$`), s.press(driver.KindConsent, true))
	sc.Step(stepRE(`^the user declines consent$`), s.press(driver.KindConsent, false))
	sc.Step(stepRE(`^the user accepts the login confirmation$`), s.press(driver.KindConfirmation, true))
	sc.Step(stepRE(`^the user declines the login confirmation$`), s.press(driver.KindConfirmation, false))
	sc.Step(stepRE(`^the user opens a new browser$`), s.opensNewBrowser)
	sc.Step(stepRE(`^another browser submits the user's consent form$`), s.otherBrowserSubmits)
	sc.Step(stepRE(`^the browser submits the same consent form again$`), s.replaysConsentForm)
	sc.Step(stepRE(`^the consent form is submitted with the added scope "([^"]*)"$`), s.submitsWithAddedScope)

	sc.Step(stepRE(`^the login page is shown$`), s.pageIs(driver.KindLogin))
	sc.Step(stepRE(`^the consent page is shown$`), s.pageIs(driver.KindConsent))
	sc.Step(stepRE(`^the login confirmation page is shown$`), s.pageIs(driver.KindConfirmation))
	sc.Step(stepRE(`^the consent page lists "([^"]*)"$`), s.consentLists)
	sc.Step(stepRE(`^the consent page lists:$`), s.consentListsTable)
	sc.Step(stepRE(`^the page lists no scopes$`), s.listsNoScopes)
	sc.Step(stepRE(`^the consent page names the application, the user and the tenant$`), s.namesAppUserTenant)
	sc.Step(stepRE(`^the page offers the accept and decline buttons$`), s.offersButtons)
	sc.Step(stepRE(`^the application receives an authorization code$`), s.receivesCode(""))
	sc.Step(stepRE(`^the application receives an authorization code by form_post$`), s.receivesCode("form_post"))
	sc.Step(stepRE(`^the application receives an access token in the URL fragment$`), s.receivesTokenInFragment)
	sc.Step(stepRE(`^the application receives the error "([^"]*)"(?: with the description "(.*)")?(?: in the (query|URL fragment))?$`), s.receivesError)
	sc.Step(stepRE(`^the application receives an error$`), s.receivesAnError)
	sc.Step(stepRE(`^the application receives no authorization code$`), s.receivesNoCode)
	sc.Step(stepRE(`^the browser is not redirected to the callback$`), s.notRedirected)
	sc.Step(stepRE(`^the browser reached the callback by an HTTP (\d+) redirect$`), s.redirectStatus)
	sc.Step(stepRE(`^the error page is shown(?: with the status (\d+))?(?: and the error "([^"]*)")?$`), s.errorPage)
	sc.Step(stepRE(`^the error page mentions "([^"]*)"$`), s.errorPageMentions)
}

// describe says where the user agent is, for failure messages.
func describe(p driver.Page) string {
	switch p.Kind {
	case driver.KindCallback:
		keys := make([]string, 0, len(p.Callback))
		for k := range p.Callback {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		s := fmt.Sprintf("the callback (via %s, parameters %s)", p.CallbackVia, strings.Join(keys, ", "))
		if e := p.Callback.Get("error"); e != "" {
			s += fmt.Sprintf(" with error=%s (%s)", e, p.Callback.Get("error_description"))
		}
		return s
	case driver.KindError:
		return fmt.Sprintf("the error page (HTTP %d, %s: %s)", p.Status, p.Error, p.ErrorDescription)
	case driver.KindOther:
		return fmt.Sprintf("an unrecognised page (HTTP %d, %q at %s)", p.Status, p.Title, p.URL)
	}
	return fmt.Sprintf("the %s page (HTTP %d)", p.Kind, p.Status)
}

// expectPage fails unless the user agent is on a page of kind. A page the
// target's page-kind selectors cannot tell from one of kind (a consent page
// that lists nothing, read as a confirmation page) is neither a pass nor a
// failure: the verdict says the target cannot tell.
func (st *state) expectPage(kind driver.Kind) error {
	if st.page.Kind == kind {
		return nil
	}
	if slices.Contains(st.page.Ambiguous, kind) {
		sel := st.suite.selectors
		return notApplicable("the %s page cannot be told from the %s page on target %q: the page has the %s page's markup (%s) and none of what only a %s page has (selectors consent_page %q, confirmation_page %q); add a selector that only one of them matches",
			kind, st.page.Kind, st.suite.Target.Profile.Name, st.page.Kind, strings.Join(kindSelectors(sel, st.page.Kind), " and "), kind, sel.ConsentPage, sel.ConfirmationPage)
	}
	return fmt.Errorf("expected the %s page, but the user agent is at %s", kind, describe(st.page))
}

func kindSelectors(s driver.Selectors, k driver.Kind) []string {
	for _, ks := range s.PageKinds() {
		if ks.Kind == k {
			return ks.AllOf
		}
	}
	return nil
}

func (st *state) arrive(p driver.Page) {
	st.page = p
	switch p.Kind {
	case driver.KindLogin, driver.KindConsent, driver.KindConfirmation:
		st.screens = append(st.screens, p.Kind)
	case driver.KindCallback:
		for _, k := range []string{"code", "access_token", "id_token", "refresh_token"} {
			st.addSecret(p.Callback.Get(k))
		}
	}
}

// authorize sends the user to the IdP's authorization endpoint for the
// scenario's application and API. params are "key=value" and "no PKCE"
// clauses joined with " and ". Like x/oauth2's users, it sends a PKCE S256
// challenge with every response_type=code request unless told otherwise.
func (st *state) authorize(ctx context.Context, scopes, params string) (driver.Page, error) {
	app, err := st.app()
	if err != nil {
		return driver.Page{}, err
	}
	req := &authRequest{app: app, redirectURI: app.callback(), state: "st-" + randomHex(8) + "~._", scopes: strings.Fields(scopes), verifier: oauth2.GenerateVerifier()}
	if api, err := st.api(); err == nil {
		req.audience = api.identifier
	}
	var extra []oauth2.AuthCodeOption
	var twice []string // parameters sent a second time (rule A7)
	method := "S256"
	for _, c := range splitClauses(params) {
		if c == "no PKCE" {
			req.verifier = ""
			continue
		}
		if p, ok := strings.CutSuffix(c, " twice"); ok && !strings.ContainsAny(p, " =") {
			twice = append(twice, p)
			continue
		}
		k, v, ok := strings.Cut(c, "=")
		if !ok {
			return driver.Page{}, fmt.Errorf("unknown authorization parameter %q (want key=value or \"no PKCE\")", c)
		}
		switch k {
		case "redirect_uri":
			req.redirectURI = v
		case "state":
			req.state = v
		case "code_challenge_method":
			method = v
		case "audience":
			req.audience = v
		case "response_type":
			if v != "code" {
				req.verifier = "" // PKCE belongs to the code flow
			}
			extra = append(extra, oauth2.SetAuthURLParam(k, v))
		default:
			extra = append(extra, oauth2.SetAuthURLParam(k, v))
		}
	}
	cfg := st.oauthConfig(app, req.redirectURI)
	cfg.Scopes = req.scopes
	var opts []oauth2.AuthCodeOption
	if req.audience != "" {
		// Auth0's audience, RFC 8707's resource, or both, as the profile says.
		for _, param := range st.suite.Target.Profile.APIParams() {
			opts = append(opts, oauth2.SetAuthURLParam(param, req.audience))
		}
	}
	if req.verifier != "" {
		switch method {
		case "S256":
			opts = append(opts, oauth2.S256ChallengeOption(req.verifier))
		case "plain":
			opts = append(opts, oauth2.SetAuthURLParam("code_challenge", req.verifier), oauth2.SetAuthURLParam("code_challenge_method", "plain"))
		default:
			opts = append(opts, oauth2.SetAuthURLParam("code_challenge", oauth2.S256ChallengeFromVerifier(req.verifier)), oauth2.SetAuthURLParam("code_challenge_method", method))
		}
	}
	opts = append(opts, extra...)
	req.url = cfg.AuthCodeURL(req.state, opts...)
	if len(twice) > 0 {
		if req.url, err = repeatParams(req.url, twice); err != nil {
			return driver.Page{}, err
		}
	}
	st.req = req
	st.screens = nil
	ua, err := st.browser(ctx)
	if err != nil {
		return driver.Page{}, err
	}
	for _, cb := range append([]string{req.redirectURI}, app.callbacks...) {
		ua.WatchCallback(cb)
	}
	p, err := ua.Open(ctx, req.url)
	if err != nil {
		return p, fmt.Errorf("opening the authorization request: %w", err)
	}
	st.arrive(p)
	return p, nil
}

// repeatParams sends each of names a second time, with the same value.
func repeatParams(raw string, names []string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	q := u.Query()
	for _, n := range names {
		v, ok := q[n]
		if !ok {
			return "", fmt.Errorf("%s twice: the request has no %s to repeat", n, n)
		}
		q[n] = append(v, v[0])
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func (s *Suite) asksFor(ctx context.Context, scopes, withoutPKCE, params string) error {
	if withoutPKCE != "" {
		params = strings.Join(append([]string{"no PKCE"}, splitClauses(params)...), " and ")
	}
	_, err := getState(ctx).authorize(ctx, scopes, params)
	return err
}

func (s *Suite) logsIn(ctx context.Context) error {
	st := getState(ctx)
	if err := st.expectPage(driver.KindLogin); err != nil {
		return err
	}
	return st.login(ctx)
}

// login submits the user's credentials on the login page.
func (st *state) login(ctx context.Context) error {
	u, err := st.theUser()
	if err != nil {
		return err
	}
	p, err := st.ua.Login(ctx, u.login, u.password)
	if err != nil {
		return fmt.Errorf("logging in: %w", err)
	}
	if p.Kind == driver.KindLogin {
		return errors.New("the login page is shown again after logging in: the credentials were refused")
	}
	st.arrive(p)
	return nil
}

// press accepts or declines on the page of the given kind.
func (s *Suite) press(kind driver.Kind, accept bool) func(context.Context) error {
	return func(ctx context.Context) error {
		st := getState(ctx)
		// Pressing is the same on either page: a page that may be of kind
		// will do (its check, if the scenario has one, says it cannot tell).
		if !st.page.MaybeKind(kind) {
			return st.expectPage(kind)
		}
		return st.pressButton(ctx, accept)
	}
}

func (st *state) pressButton(ctx context.Context, accept bool) error {
	button, do := "deny", st.ua.Decline
	if accept {
		button, do = "accept", st.ua.Accept
	}
	if fu, ok := st.ua.(formUser); ok {
		if action, fields, err := fu.Form(button); err == nil {
			st.forms[string(st.page.Kind)+"/"+button] = savedForm{action, fields}
		}
	}
	p, err := do(ctx)
	if err != nil {
		return fmt.Errorf("pressing %s: %w", button, err)
	}
	st.arrive(p)
	return nil
}

// completeSignIn walks through whatever screens the IdP shows, accepting
// them, until the callback is reached; it reports which screens it saw.
func (st *state) completeSignIn(ctx context.Context) error {
	for range 5 {
		switch st.page.Kind {
		case driver.KindCallback:
			if e := st.page.Callback.Get("error"); e != "" {
				return fmt.Errorf("the sign-in ended with an error at the callback: %s (%s)", e, st.page.Callback.Get("error_description"))
			}
			return nil
		case driver.KindLogin:
			if err := st.login(ctx); err != nil {
				return err
			}
		case driver.KindConsent, driver.KindConfirmation:
			if err := st.pressButton(ctx, true); err != nil {
				return err
			}
		default:
			return fmt.Errorf("signing in stopped at %s", describe(st.page))
		}
	}
	return fmt.Errorf("signing in did not reach the callback; the user agent is at %s", describe(st.page))
}

func (s *Suite) hasSignedIn(ctx context.Context, scopes string) error {
	st := getState(ctx)
	if _, err := st.authorize(ctx, scopes, ""); err != nil {
		return err
	}
	return st.completeSignIn(ctx)
}

func (s *Suite) hasGranted(ctx context.Context, scopes string) error {
	st := getState(ctx)
	if err := s.hasSignedIn(ctx, scopes); err != nil {
		return err
	}
	if !slices.Contains(st.screens, driver.KindConsent) {
		return errors.New("the user was never asked for consent, so nothing was granted")
	}
	return st.checkCode("")
}

// hasSession logs the user in through a helper application of its own, so
// that the scenario's application starts with an SSO session and no screen
// shown in its own transaction.
func (s *Suite) hasSession(ctx context.Context) error {
	st := getState(ctx)
	apps, apis := st.apps, st.apis
	defer func() { st.apps, st.apis = apps, apis }()
	st.apis = nil
	if err := st.createApp(ctx, sessionHelper(st.suite.Target.Mgmt == nil)); err != nil {
		if errors.Is(err, godog.ErrSkip) {
			return err
		}
		return fmt.Errorf("creating the sign-in helper application: %w", err)
	}
	if _, err := st.authorize(ctx, "openid", ""); err != nil {
		return err
	}
	if err := st.completeSignIn(ctx); err != nil {
		return fmt.Errorf("signing in with the helper application: %w", err)
	}
	if !slices.Contains(st.screens, driver.KindLogin) {
		return errors.New("the helper application's sign-in showed no login page: the user already had a session")
	}
	return nil
}

func (s *Suite) opensNewBrowser(ctx context.Context) error {
	return getState(ctx).newBrowser(ctx)
}

func (s *Suite) pageIs(kind driver.Kind) func(context.Context) error {
	return func(ctx context.Context) error { return getState(ctx).expectPage(kind) }
}

func (s *Suite) consentLists(ctx context.Context, line string) error {
	return getState(ctx).checkLines([]string{line})
}

func (s *Suite) consentListsTable(ctx context.Context, table *godog.Table) error {
	var want []string
	for _, row := range table.Rows {
		want = append(want, row.Cells[0].Value)
	}
	return getState(ctx).checkLines(want)
}

func (st *state) checkLines(want []string) error {
	if err := st.expectPage(driver.KindConsent); err != nil {
		return err
	}
	if !slices.Equal(st.page.ScopeLines, want) {
		return fmt.Errorf("the consent page lists %q, want %q", st.page.ScopeLines, want)
	}
	return nil
}

func (s *Suite) listsNoScopes(ctx context.Context) error {
	st := getState(ctx)
	if st.page.Kind == driver.KindCallback || st.page.Kind == driver.KindOther {
		return fmt.Errorf("expected an IdP page, but the user agent is at %s", describe(st.page))
	}
	if len(st.page.ScopeLines) > 0 {
		return fmt.Errorf("the page lists scopes %q, want none", st.page.ScopeLines)
	}
	return nil
}

func (s *Suite) namesAppUserTenant(ctx context.Context) error {
	st := getState(ctx)
	if err := st.expectPage(driver.KindConsent); err != nil {
		return err
	}
	app, err := st.app()
	if err != nil {
		return err
	}
	u, err := st.theUser()
	if err != nil {
		return err
	}
	tenant := st.suite.Target.Profile.TenantName
	if st.suite.Target.Mgmt != nil {
		if settings, err := st.suite.Target.Mgmt.TenantSettings(ctx); err == nil {
			if n, _ := settings["friendly_name"].(string); n != "" {
				tenant = n
			}
		}
	}
	if tenant == "" {
		return notApplicable("the tenant's name is unknown (no friendly_name in the tenant settings and no tenant_name in the target profile)")
	}
	appName := app.name
	if appName == "" {
		return notApplicable("the application's name is unknown: give the pre-registered client %s a name in the target profile", app.clientID)
	}
	var missing []string
	for what, v := range map[string]string{"the application's name": appName, "the user's email": u.email, "the tenant's name": tenant} {
		if !strings.Contains(st.page.Text, v) {
			missing = append(missing, fmt.Sprintf("%s %q", what, v))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("the consent page does not show %s", strings.Join(missing, ", "))
	}
	return nil
}

// offersButtons checks, by the Accept and Decline selectors, that the page
// offers both; what they say is the vendor's wording (a dialect check).
func (s *Suite) offersButtons(ctx context.Context) error {
	st := getState(ctx)
	sel := st.suite.selectors
	var missing []string
	if st.page.Accept == nil {
		missing = append(missing, fmt.Sprintf("accept (selector %s)", sel.Accept))
	}
	if st.page.Decline == nil {
		missing = append(missing, fmt.Sprintf("decline (selector %s)", sel.Decline))
	}
	if len(missing) > 0 {
		return fmt.Errorf("the page offers no %s (page: %s)", strings.Join(missing, " and no "), describe(st.page))
	}
	return nil
}

// checkCode checks that the application received a code and the state it
// sent, by the expected response mode ("" for any).
func (st *state) checkCode(via string) error {
	p := st.page
	if p.Kind != driver.KindCallback {
		return fmt.Errorf("expected the application to receive a code, but the user agent is at %s", describe(p))
	}
	if e := p.Callback.Get("error"); e != "" {
		return fmt.Errorf("the application received the error %s (%s) instead of a code", e, p.Callback.Get("error_description"))
	}
	if p.Callback.Get("code") == "" {
		return fmt.Errorf("the application reached its callback without a code: %s", describe(p))
	}
	if via != "" && p.CallbackVia != via {
		return fmt.Errorf("the code came by %s, want %s", p.CallbackVia, via)
	}
	return st.checkState()
}

func (st *state) checkState() error {
	if st.req == nil {
		return errors.New("no authorization request was sent")
	}
	if got := st.page.Callback.Get("state"); got != st.req.state {
		return fmt.Errorf("the application received state %q, want exactly %q", got, st.req.state)
	}
	return nil
}

func (s *Suite) receivesCode(via string) func(context.Context) error {
	return func(ctx context.Context) error { return getState(ctx).checkCode(via) }
}

func (s *Suite) receivesTokenInFragment(ctx context.Context) error {
	st := getState(ctx)
	p := st.page
	if p.Kind != driver.KindCallback || p.Callback.Get("access_token") == "" {
		return fmt.Errorf("expected an access token at the callback, but the user agent is at %s", describe(p))
	}
	if p.CallbackVia != "fragment" {
		return fmt.Errorf("the access token came by %s, want the URL fragment", p.CallbackVia)
	}
	if p.Callback.Get("code") != "" {
		return errors.New("the implicit response also carries a code")
	}
	if err := st.checkState(); err != nil {
		return err
	}
	_, err := st.verifyAccessToken(ctx, p.Callback.Get("access_token"))
	return err
}

func (s *Suite) receivesError(ctx context.Context, code, description, where string) error {
	st := getState(ctx)
	p := st.page
	if p.Kind != driver.KindCallback {
		return fmt.Errorf("expected the application to receive the error %s, but the user agent is at %s", code, describe(p))
	}
	if via := map[string]string{"query": "query", "URL fragment": "fragment"}[where]; via != "" && p.CallbackVia != via {
		return fmt.Errorf("the error came in the %s, want the %s", p.CallbackVia, where)
	}
	if got := p.Callback.Get("error"); got != code {
		return fmt.Errorf("the application received error=%q (%s), want %q", got, p.Callback.Get("error_description"), code)
	}
	got := p.Callback.Get("error_description")
	if description != "" && got != description {
		return fmt.Errorf("the application received error_description=%q, want %q", got, description)
	}
	if got == "" {
		return errors.New("the error has no error_description")
	}
	if p.Callback.Get("code") != "" || p.Callback.Get("access_token") != "" {
		return errors.New("the error response also carries a code or a token")
	}
	return st.checkState()
}

// receivesAnError checks that the application received an error (any
// code) with a description and its state, and no code or token.
func (s *Suite) receivesAnError(ctx context.Context) error {
	st := getState(ctx)
	p := st.page
	if p.Kind != driver.KindCallback || p.Callback.Get("error") == "" {
		return fmt.Errorf("expected the application to receive an error, but the user agent is at %s", describe(p))
	}
	if p.Callback.Get("code") != "" || p.Callback.Get("access_token") != "" {
		return errors.New("the error response also carries a code or a token")
	}
	return st.checkState()
}

func (s *Suite) receivesNoCode(ctx context.Context) error {
	st := getState(ctx)
	if st.page.Kind == driver.KindCallback && (st.page.Callback.Get("code") != "" || st.page.Callback.Get("access_token") != "") {
		return fmt.Errorf("the application received a code or a token: %s", describe(st.page))
	}
	return nil
}

func (s *Suite) notRedirected(ctx context.Context) error {
	st := getState(ctx)
	if st.page.Kind == driver.KindCallback {
		return fmt.Errorf("the browser was redirected to the callback: %s", describe(st.page))
	}
	return nil
}

func (s *Suite) redirectStatus(ctx context.Context, status int) error {
	st := getState(ctx)
	p := st.page
	if p.Kind != driver.KindCallback {
		return fmt.Errorf("expected the callback, but the user agent is at %s", describe(p))
	}
	// Both user agents report the 3xx that led to a captured callback; 0
	// means none was seen (a direct navigation, a script), so the step
	// cannot tell.
	if p.Status == 0 {
		return notApplicable("the %s user agent saw no response status for the callback (it was not reached by a redirect it saw)", st.suite.Driver)
	}
	if p.Status != status {
		return fmt.Errorf("the callback was reached by an HTTP %d, want %d", p.Status, status)
	}
	return nil
}

func (s *Suite) errorPage(ctx context.Context, status, code string) error {
	st := getState(ctx)
	p := st.page
	if p.Kind != driver.KindError {
		return fmt.Errorf("expected the error page, but the user agent is at %s", describe(p))
	}
	if status != "" && strconv.Itoa(p.Status) != status {
		return fmt.Errorf("the error page came with HTTP %d, want %s", p.Status, status)
	}
	if code != "" && p.Error != code {
		return fmt.Errorf("the error page shows %q (%s), want %q", p.Error, p.ErrorDescription, code)
	}
	if p.ErrorDescription == "" {
		return errors.New("the error page has no description")
	}
	return nil
}

func (s *Suite) errorPageMentions(ctx context.Context, text string) error {
	st := getState(ctx)
	p := st.page
	if p.Kind != driver.KindError {
		return fmt.Errorf("expected the error page, but the user agent is at %s", describe(p))
	}
	all := strings.ToLower(p.Error + " " + p.ErrorDescription + " " + p.Text)
	if !strings.Contains(all, strings.ToLower(text)) {
		return fmt.Errorf("the error page (%s: %s) does not mention %q", p.Error, p.ErrorDescription, text)
	}
	return nil
}

// formUserOf returns the user agent as a formUser, or not applicable.
func (st *state) formUserOf(d driver.Driver) (formUser, error) {
	fu, ok := d.(formUser)
	if !ok {
		return nil, notApplicable("the %s user agent cannot post a crafted form", st.suite.Driver)
	}
	return fu, nil
}

// consentForm returns the accept form of the consent page the user agent
// shows, as pressing Accept would submit it.
func (st *state) consentForm() (fu formUser, action string, fields url.Values, err error) {
	if fu, err = st.formUserOf(st.ua); err != nil {
		return nil, "", nil, err
	}
	if err = st.expectPage(driver.KindConsent); err != nil {
		return nil, "", nil, err
	}
	action, fields, err = fu.Form("accept")
	return fu, action, fields, err
}

func (s *Suite) otherBrowserSubmits(ctx context.Context) error {
	st := getState(ctx)
	_, action, fields, err := st.consentForm()
	if err != nil {
		return err
	}
	other, err := st.otherBrowser(ctx)
	if err != nil {
		return err
	}
	ofu, err := st.formUserOf(other)
	if err != nil {
		return err
	}
	if st.req != nil {
		other.WatchCallback(st.req.redirectURI)
	}
	p, err := ofu.PostForm(ctx, action, fields)
	if err != nil {
		return err
	}
	st.arrive(p)
	return nil
}

func (s *Suite) replaysConsentForm(ctx context.Context) error {
	st := getState(ctx)
	fu, err := st.formUserOf(st.ua)
	if err != nil {
		return err
	}
	saved, ok := st.forms[string(driver.KindConsent)+"/accept"]
	if !ok {
		return errors.New("no consent form was accepted earlier in the scenario")
	}
	post := fu.PostForm
	if r, ok := st.ua.(resubmitter); ok {
		post = r.Resubmit
	}
	p, err := post(ctx, saved.action, saved.fields)
	if err != nil {
		return err
	}
	st.arrive(p)
	return nil
}

func (s *Suite) submitsWithAddedScope(ctx context.Context, scope string) error {
	st := getState(ctx)
	fu, action, fields, err := st.consentForm()
	if err != nil {
		return err
	}
	fields.Add("scope", scope)
	p, err := fu.PostForm(ctx, action, fields)
	if err != nil {
		return err
	}
	st.arrive(p)
	return nil
}
