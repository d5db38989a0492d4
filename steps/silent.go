package steps

// Steps for silent authentication (spec section 11, rules W2 and W5): the
// harness plays the relying party's page. It serves a tiny page on its own
// loopback origin (registered on the scenario's application as a web
// origin, an allowed origin and a callback through the Management API);
// the page frames /authorize?prompt=none&response_mode=web_message in a
// hidden iframe and records the message the IdP's page posts to it. The
// browser runs that page; the HTTP driver fetches the frame's URL with the
// user's cookies and reads the response the IdP's page carries.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"
	"golang.org/x/net/publicsuffix"
	"golang.org/x/oauth2"

	"github.com/consentry/consentry/steps/driver"
)

func (s *Suite) registerSilentSteps(sc *godog.ScenarioContext) {
	sc.Step(stepRE(`^the application's page is on the harness's web origin$`), s.pageOnWebOrigin(true))
	sc.Step(stepRE(`^the application's page is on an origin that is not among its web_origins$`), s.pageOnWebOrigin(false))
	sc.Step(stepRE(`^the application's page authenticates silently for "([^"]*)"$`), s.authenticatesSilently)
	sc.Step(stepRE(`^the page receives the authorization response from the identity provider's origin$`), s.receivesAuthorizationResponse)
	sc.Step(stepRE(`^the application receives an authorization code by web_message$`), s.receivesCode("web_message"))
	sc.Step(stepRE(`^the identity provider refuses with an error page and posts no message$`), s.refusesWithoutMessage)
	sc.Step(stepRE(`^the identity provider is served over HTTPS$`), s.servedOverHTTPS)
	sc.Step(stepRE(`^the identity provider's session cookies are SameSite=None and Secure, each with a companion cookie without SameSite$`), s.sessionCookiesSameSiteNone)
}

// silentState is the scenario's relying-party page and its last silent
// authentication.
type silentState struct {
	pageURL  string // the relying party's page
	callback string // its redirect_uri (never loaded: the answer is a message)
	result   *driver.SilentResult
}

// The relying party's page is one server for the whole process: the page
// is static (it reads the URL to frame from its fragment), so scenarios
// share it.
var (
	rpOnce   sync.Once
	rpOrigin string
	rpErr    error
)

// relyingParty starts the relying party's page server on first use and
// returns its origin (http://127.0.0.1:port: same site as the embedded
// mock, a loopback origin).
func relyingParty() (string, error) {
	rpOnce.Do(func() {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			rpErr = fmt.Errorf("starting the relying party's page: %w", err)
			return
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /rp", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write([]byte(driver.RelyingPartyPage))
		})
		mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
			// Reached only when an IdP ignored response_mode=web_message
			// and redirected the frame: nothing is posted from here.
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(`<!doctype html><title>callback</title><p>redirected to the callback</p>`))
		})
		rpOrigin = "http://" + ln.Addr().String()
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
	})
	return rpOrigin, rpErr
}

// supportsWebMessage reads response_modes_supported from the discovery
// document (OpenID Connect Discovery: absent means query and fragment).
func (st *state) supportsWebMessage() error {
	var doc struct {
		Modes []string `json:"response_modes_supported"`
	}
	if err := st.suite.provider.Claims(&doc); err != nil {
		return fmt.Errorf("reading the discovery document: %w", err)
	}
	if !slices.Contains(doc.Modes, "web_message") {
		modes := "none listed: query and fragment by default"
		if len(doc.Modes) > 0 {
			modes = strings.Join(doc.Modes, ", ")
		}
		return notApplicable("target %q does not advertise response_mode web_message in its discovery document (response_modes_supported: %s)", st.suite.Target.Profile.Name, modes)
	}
	return nil
}

// pageOnWebOrigin registers the harness's page on the scenario's
// application: its callback, and (allowed) its origin as a web origin and
// an allowed origin. The origin is a loopback one, so the application
// skips the login confirmation prompt for it (rule C6), as a developer's
// SPA on localhost is set up. Not allowed: the callback is registered, the
// web_origins name another origin.
func (s *Suite) pageOnWebOrigin(allowed bool) func(context.Context) error {
	return func(ctx context.Context) error {
		st := getState(ctx)
		if err := st.supportsWebMessage(); err != nil {
			return err
		}
		if err := st.needManagement("register the harness's relying-party page (its origin and callback) on the application"); err != nil {
			return err
		}
		app, err := st.app()
		if err != nil {
			return err
		}
		origin, err := relyingParty()
		if err != nil {
			return err
		}
		sl := &silentState{pageURL: origin + "/rp", callback: origin + "/callback"}
		webOrigins := []string{origin}
		if !allowed {
			webOrigins = []string{"https://elsewhere.consentry.test"}
		}
		callbacks := append(slices.Clone(app.callbacks), sl.callback)
		if err := st.suite.Target.Mgmt.UpdateClient(ctx, app.clientID, map[string]any{
			"callbacks":       callbacks,
			"web_origins":     webOrigins,
			"allowed_origins": webOrigins,
			"skip_non_verifiable_callback_uri_confirmation_prompt": true,
		}); err != nil {
			return fmt.Errorf("registering the relying party's page on the application: %w", err)
		}
		app.callbacks = callbacks
		st.silent = sl
		return nil
	}
}

// authenticatesSilently sends the silent authorization request from the
// relying party's page: response_type=code with PKCE, prompt=none,
// response_mode=web_message, the page's callback, a state with reserved
// characters. A message becomes the application's callback (via
// web_message), so the steps that check a code or an error apply.
func (s *Suite) authenticatesSilently(ctx context.Context, scopes string) error {
	st := getState(ctx)
	if st.silent == nil {
		return errors.New("the application's page has no origin yet (add \"the application's page is on the harness's web origin\")")
	}
	app, err := st.app()
	if err != nil {
		return err
	}
	ua, err := st.browser(ctx)
	if err != nil {
		return err
	}
	sa, ok := ua.(driver.SilentAuthenticator)
	if !ok {
		return notApplicable("the %s user agent cannot run a relying party's page (silent authentication)", st.suite.Driver)
	}
	if st.suite.Driver == "browser" && site(st.silent.pageURL) != site(st.suite.Target.Issuer) {
		// A browser: the frame's cookies are third-party cookies, which
		// headless Chromium blocks (interop's TestAuth0SPAJS allows them in
		// its own profile); the answer would be login_required whatever
		// the IdP does.
		return notApplicable("the relying party's page (%s) and the identity provider (%s) are different sites: in the browser the frame's session cookie is a third-party cookie, which headless Chromium blocks", st.silent.pageURL, st.suite.Target.Issuer)
	}
	req := &authRequest{app: app, redirectURI: st.silent.callback, state: "si-" + randomHex(8) + "~._", scopes: strings.Fields(scopes), verifier: oauth2.GenerateVerifier()}
	if api, err := st.api(); err == nil {
		req.audience = api.identifier
	}
	cfg := st.oauthConfig(app, req.redirectURI)
	cfg.Scopes = req.scopes
	opts := []oauth2.AuthCodeOption{
		oauth2.S256ChallengeOption(req.verifier),
		oauth2.SetAuthURLParam("prompt", "none"),
		oauth2.SetAuthURLParam("response_mode", "web_message"),
	}
	if req.audience != "" {
		for _, param := range st.suite.Target.Profile.APIParams() {
			opts = append(opts, oauth2.SetAuthURLParam(param, req.audience))
		}
	}
	req.url = cfg.AuthCodeURL(req.state, opts...)
	st.req = req
	st.screens = nil
	res, err := sa.SilentAuthenticate(ctx, driver.SilentRequest{PageURL: st.silent.pageURL, AuthorizeURL: req.url})
	if err != nil {
		return err
	}
	st.silent.result = &res
	if m := res.Message; m != nil {
		cb := url.Values{}
		for k, v := range m.Response {
			cb.Set(k, v)
		}
		st.arrive(driver.Page{Kind: driver.KindCallback, URL: req.redirectURI, Status: res.Frame.Status, Callback: cb, CallbackVia: "web_message"})
		return nil
	}
	st.arrive(res.Frame)
	return nil
}

// issuerOrigin is the origin of the authorization endpoint, which the
// IdP's page in the frame has.
func (st *state) authorizeOrigin() string {
	u, err := url.Parse(st.suite.provider.Endpoint().AuthURL)
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func (st *state) silentResult() (*driver.SilentResult, error) {
	if st.silent == nil || st.silent.result == nil {
		return nil, errors.New("the application's page has not authenticated silently yet")
	}
	return st.silent.result, nil
}

// receivesAuthorizationResponse checks the message itself: it came from
// the IdP's origin, it is an authorization_response (when the user agent
// ran the page's script), and it was addressed to the page's origin only
// (when the user agent could read the address: "*" would hand the code to
// any page that frames the IdP).
func (s *Suite) receivesAuthorizationResponse(ctx context.Context) error {
	st := getState(ctx)
	res, err := st.silentResult()
	if err != nil {
		return err
	}
	m := res.Message
	if m == nil {
		return fmt.Errorf("the page received no message; the frame showed %s", describeFrame(res.Frame))
	}
	if want := st.authorizeOrigin(); m.Origin != want {
		return fmt.Errorf("the message came from %q, want the identity provider's origin %q", m.Origin, want)
	}
	if res.Via == "postMessage" && m.Type != "authorization_response" {
		return fmt.Errorf("the message's type is %q, want \"authorization_response\"", m.Type)
	}
	pageOrigin := strings.TrimSuffix(st.silent.pageURL, "/rp")
	if m.TargetOrigin != "" && m.TargetOrigin != pageOrigin {
		return fmt.Errorf("the message was addressed to %q, want exactly the page's origin %q", m.TargetOrigin, pageOrigin)
	}
	if len(m.Response) == 0 {
		return errors.New("the message's response is empty")
	}
	return nil
}

// refusesWithoutMessage checks W2's refusal: no message, and the frame's
// document is an error (4xx; the error page when the user agent can read
// it: a browser cannot read a page that refuses to be framed).
func (s *Suite) refusesWithoutMessage(ctx context.Context) error {
	st := getState(ctx)
	res, err := st.silentResult()
	if err != nil {
		return err
	}
	if res.Message != nil {
		return fmt.Errorf("the identity provider posted a message to a page whose origin is not among the web_origins: %v", keysOf(res.Message.Response))
	}
	f := res.Frame
	if f.Status < 400 || f.Status > 499 {
		return fmt.Errorf("the frame's answer has the status %d, want an error page (4xx): %s", f.Status, describeFrame(f))
	}
	if res.Via != "postMessage" && f.Kind != driver.KindError {
		return fmt.Errorf("the frame's answer is not the error page: %s", describeFrame(f))
	}
	return nil
}

func describeFrame(p driver.Page) string {
	s := describe(p)
	if p.Kind == driver.KindOther && p.Text != "" {
		s += ": " + p.Text
	}
	return s
}

func keysOf(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// servedOverHTTPS: rule W5 is about HTTPS. The embedded mock serves HTTP
// (its cookies are Lax there, which the rule allows); mockidp serve --tls
// and real tenants are HTTPS.
func (s *Suite) servedOverHTTPS(ctx context.Context) error {
	st := getState(ctx)
	if !strings.HasPrefix(st.suite.Target.Issuer, "https://") {
		return notApplicable("target %q is served over HTTP (%s): rule W5 is about the cookies over HTTPS (run against mockidp serve --tls or a tenant)", st.suite.Target.Profile.Name, st.suite.Target.Issuer)
	}
	return nil
}

// sessionCookiesSameSiteNone reads the cookies the browser holds for the
// IdP: at least one is SameSite=None, every SameSite=None one is Secure,
// and each has a companion with the same value and no SameSite attribute
// (for browsers that mishandle None).
func (s *Suite) sessionCookiesSameSiteNone(ctx context.Context) error {
	st := getState(ctx)
	ua, err := st.browser(ctx)
	if err != nil {
		return err
	}
	cr, ok := ua.(driver.CookieReader)
	if !ok {
		return notApplicable("the %s user agent keeps no cookie attributes (SameSite): rule W5 is checked in the browser", st.suite.Driver)
	}
	cookies, err := cr.Cookies(ctx, st.suite.Target.Issuer)
	if err != nil {
		return err
	}
	return checkSameSiteNone(cookies)
}

// checkSameSiteNone is rule W5 on the cookies a browser holds for the IdP
// over HTTPS: at least one is SameSite=None, every SameSite=None one is
// Secure and has a companion with the same value and no SameSite.
func checkSameSiteNone(cookies []driver.Cookie) error {
	var none []driver.Cookie
	for _, c := range cookies {
		if strings.EqualFold(c.SameSite, "None") {
			none = append(none, c)
		}
	}
	if len(none) == 0 {
		var names []string
		for _, c := range cookies {
			names = append(names, c.Name+" (SameSite="+c.SameSite+")")
		}
		return fmt.Errorf("no cookie of the identity provider is SameSite=None: %s", strings.Join(names, ", "))
	}
	for _, c := range none {
		if !c.Secure {
			return fmt.Errorf("the cookie %s is SameSite=None without Secure", c.Name)
		}
		if !slices.ContainsFunc(cookies, func(o driver.Cookie) bool { return o.Name != c.Name && o.SameSite == "" && o.Value == c.Value }) {
			return fmt.Errorf("the cookie %s has no companion cookie without SameSite", c.Name)
		}
	}
	return nil
}

// site is a URL's site (scheme and registrable domain; an IP address or a
// name without a public suffix stands for itself), as browsers compare
// them for SameSite and third-party cookies.
func site(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	host := u.Hostname()
	if net.ParseIP(host) == nil {
		if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
			host = d
		}
	}
	return u.Scheme + "://" + host
}
