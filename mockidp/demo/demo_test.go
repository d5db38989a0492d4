package demo_test

import (
	"context"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/config"
	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/tenant"
)

type env struct {
	t      *testing.T
	issuer string
	store  *memstore.Store
	ts     *httptest.Server
}

// startDemo serves the demo tenant with the demo app on a loopback port.
func startDemo(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	f, err := config.Load("../../testdata/tenants/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	if err := f.Apply(ctx, st, 4); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(nil)
	t.Cleanup(ts.Close)
	srv, err := server.New(ctx, server.Options{Issuer: ts.URL + "/", Store: st, PasswordCost: 4, Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv
	return &env{t: t, issuer: ts.URL + "/", store: st, ts: ts}
}

// browser is a cookie-jar client that resolves every host (app.localhost
// included, as browsers do) to the test server.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	addr := e.ts.Listener.Addr().String()
	dialer := &net.Dialer{}
	return &http.Client{Jar: jar, Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}}}
}

type page struct {
	url  *url.URL
	code int
	body string
}

func (e *env) get(c *http.Client, u string) page {
	e.t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		e.t.Fatal(err)
	}
	return read(e.t, resp)
}

func read(t *testing.T, resp *http.Response) page {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{url: resp.Request.URL, code: resp.StatusCode, body: string(b)}
}

var (
	hiddenRe = regexp.MustCompile(`<input type="hidden" name="(\w+)" value="([^"]*)">`)
	actionRe = regexp.MustCompile(`<form method="post" action="([^"]*)">`)
	promptRe = regexp.MustCompile(`data-prompt="(\w+)"`)
)

func (p page) prompt() string {
	if m := promptRe.FindStringSubmatch(p.body); m != nil {
		return m[1]
	}
	return ""
}

// submit posts the page's form with its hidden fields and extra.
func (e *env) submit(c *http.Client, p page, extra url.Values) page {
	e.t.Helper()
	m := actionRe.FindStringSubmatch(p.body)
	if m == nil {
		e.t.Fatalf("no form on %s:\n%s", p.url, p.body)
	}
	form := url.Values{}
	for _, h := range hiddenRe.FindAllStringSubmatch(p.body, -1) {
		form.Add(h[1], html.UnescapeString(h[2]))
	}
	for k, v := range extra {
		form[k] = v
	}
	target, _ := p.url.Parse(html.UnescapeString(m[1]))
	resp, err := c.PostForm(target.String(), form)
	if err != nil {
		e.t.Fatal(err)
	}
	return read(e.t, resp)
}

func (e *env) login(c *http.Client, p page, user, pw string) page {
	e.t.Helper()
	if p.prompt() != "login" {
		e.t.Fatalf("want the login page, got %q at %s:\n%s", p.prompt(), p.url, p.body)
	}
	return e.submit(c, p, url.Values{"username": {user}, "password": {pw}, "action": {"default"}})
}

func must(t *testing.T, p page, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(p.body, w) {
			t.Fatalf("%s (HTTP %d) lacks %q:\n%s", p.url, p.code, w, p.body)
		}
	}
}

func TestIndexStartsEveryFlowOfTryIt(t *testing.T) {
	e := startDemo(t)
	p := e.get(e.browser(), e.issuer+"demo/")
	for _, id := range []string{"first-party-skip", "first-party-consent", "third-party-consent", "loopback-confirmation",
		"decline-strict", "decline-permissive", "prompt-consent"} {
		must(t, p, `data-demo-flow="`+id+`"`)
	}
	if strings.Contains(p.body, "Unavailable") {
		t.Fatalf("a flow is unavailable with the demo tenant:\n%s", p.body)
	}
	// The callbacks are registered on the clients (and shown in the banner).
	c, _ := e.store.GetClient(context.Background(), "tpc_demo-partner-app")
	port := e.ts.Listener.Addr().(*net.TCPAddr).Port
	if want := "http://app.localhost:" + strconv.Itoa(port) + "/demo/callback"; !slices.Contains(c.Callbacks, want) {
		t.Fatalf("partner app callbacks %v lack %s", c.Callbacks, want)
	}
}

func TestC4_FirstPartySkipShowsTheDecodedTokens(t *testing.T) {
	e := startDemo(t)
	b := e.browser()
	p := e.login(b, e.get(b, e.issuer+"demo/start/first-party-skip"), "alice@example.com", "Alice-demo-pass1")
	if p.url.Host != "app.localhost:"+strconv.Itoa(e.ts.Listener.Addr().(*net.TCPAddr).Port) || p.url.Path != "/demo/callback" {
		t.Fatalf("landed on %s, want the demo callback on app.localhost", p.url)
	}
	must(t, p, `data-demo="result"`, "data-demo-code", "HTTP 200", "data-demo-id-token", "data-demo-access-token",
		"signature (JWKS), iss, aud = demo-web-app, exp and nonce verified",
		"&#34;sub&#34;: &#34;auth0|a11ce0000000000000000001&#34;", "&#34;aud&#34;: [\n    &#34;https://calendar.example.com&#34;",
		"client_secret=[redacted]", "A refresh token came too", "rule C4")
	if strings.Contains(p.body, "demo-web-app-secret") {
		t.Fatal("the page shows the client secret")
	}
}

func TestC1_ThirdPartyConsentRecordsAGrant(t *testing.T) {
	e := startDemo(t)
	b := e.browser()
	p := e.login(b, e.get(b, e.issuer+"demo/start/third-party-consent"), "bob@example.com", "Bob-demo-pass1")
	if p.prompt() != "consent" {
		t.Fatalf("want the consent page, got %q:\n%s", p.prompt(), p.body)
	}
	p = e.submit(b, p, url.Values{"action": {"accept"}})
	must(t, p, "data-demo-no-id-token", "data-demo-access-token", "data-demo-grant",
		"<td>tpc_demo-partner-app</td><td>https://social.example.com</td><td>read:posts write:posts</td>")
}

func TestD2_DeclineUnderAllowAlwaysComesBackWithAccessDenied(t *testing.T) {
	e := startDemo(t)
	b := e.browser()
	p := e.login(b, e.get(b, e.issuer+"demo/start/decline-permissive"), "bob@example.com", "Bob-demo-pass1")
	p = e.submit(b, p, url.Values{"action": {"deny"}})
	must(t, p, `data-demo="result"`, `<td data-demo-error>access_denied</td>`)
}

func TestD1_DeclineUnderOpenRedirectProtectionStaysOnTheErrorPage(t *testing.T) {
	e := startDemo(t)
	b := e.browser()
	p := e.login(b, e.get(b, e.issuer+"demo/start/decline-strict"), "bob@example.com", "Bob-demo-pass1")
	p = e.submit(b, p, url.Values{"action": {"deny"}})
	if p.prompt() != "error" || strings.Contains(p.url.Path, "/demo/") {
		t.Fatalf("want the IdP's error page, got %q at %s", p.prompt(), p.url)
	}
}

func TestC6_C5_ConfirmationAndPromptConsentOnceLoggedIn(t *testing.T) {
	e := startDemo(t)
	b := e.browser()
	e.login(b, e.get(b, e.issuer+"demo/start/first-party-skip"), "alice@example.com", "Alice-demo-pass1")

	p := e.get(b, e.issuer+"demo/start/loopback-confirmation")
	if p.prompt() != "confirmation" {
		t.Fatalf("loopback callback with a session: %q, want the confirmation page", p.prompt())
	}
	p = e.submit(b, p, url.Values{"action": {"accept"}})
	if p.url.Host != e.ts.Listener.Addr().String() {
		t.Fatalf("confirmation accepted: landed on %s, want the loopback callback", p.url)
	}
	must(t, p, "data-demo-access-token")

	p = e.get(b, e.issuer+"demo/start/prompt-consent")
	if p.prompt() != "consent" {
		t.Fatalf("prompt=consent: %q, want the consent page", p.prompt())
	}
}

func TestCallbackWithAnUnknownStateSaysSo(t *testing.T) {
	e := startDemo(t)
	p := e.get(e.browser(), e.issuer+"demo/callback?code=x&state=forged")
	if p.code != http.StatusBadRequest {
		t.Fatalf("HTTP %d, want 400", p.code)
	}
	must(t, p, "data-demo-problem", "not one the demo app sent")
	if p = e.get(e.browser(), e.issuer+"demo/start/nope"); p.code != http.StatusNotFound {
		t.Fatalf("unknown flow: HTTP %d", p.code)
	}
}

// TestFlowsWithoutTheirClientAreUnavailable: on a tenant without the demo
// clients the page says why instead of starting a flow that cannot work.
func TestFlowsWithoutTheirClientAreUnavailable(t *testing.T) {
	ctx := context.Background()
	ts := httptest.NewServer(nil)
	t.Cleanup(ts.Close)
	st := memstore.New()
	if err := st.CreateClient(ctx, &tenant.Client{ClientID: "demo-web-app", ClientSecret: "s", Name: "W", IsFirstParty: true,
		GrantTypes: []string{tenant.GrantAuthorizationCode}, TokenEndpointAuthMethod: tenant.AuthSecretPost}); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(ctx, server.Options{Issuer: ts.URL + "/", Store: st, Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv
	e := &env{t: t, issuer: ts.URL + "/", ts: ts}
	p := e.get(e.browser(), e.issuer+"demo/")
	must(t, p, `data-demo-flow="first-party-skip"`, "Unavailable: the tenant has no client tpc_demo-partner-app")
	if p = e.get(e.browser(), e.issuer+"demo/start/third-party-consent"); p.code != http.StatusConflict {
		t.Fatalf("starting an unavailable flow: HTTP %d, want 409", p.code)
	}
}

// TestLogoutLinkEndsTheSessionAndComesBack: the index's "Log out" goes
// through /v2/logout (the app's page is an allowed logout URL) and the next
// flow shows the login page again.
func TestLogoutLinkEndsTheSessionAndComesBack(t *testing.T) {
	e := startDemo(t)
	b := e.browser()
	e.login(b, e.get(b, e.issuer+"demo/start/first-party-skip"), "alice@example.com", "Alice-demo-pass1")
	if p := e.get(b, e.issuer+"demo/start/prompt-consent"); p.prompt() != "consent" {
		t.Fatalf("logged in: %q, want the consent page", p.prompt())
	}
	index := e.get(b, e.issuer+"demo/")
	m := regexp.MustCompile(`<a href="([^"]+)" data-demo-logout>`).FindStringSubmatch(index.body)
	if m == nil {
		t.Fatalf("no logout link:\n%s", index.body)
	}
	p := e.get(b, html.UnescapeString(m[1]))
	if p.url.String() != e.issuer+"demo/" || !strings.Contains(p.body, `data-demo="index"`) {
		t.Fatalf("logout landed on %s (HTTP %d), want the demo app", p.url, p.code)
	}
	if p := e.get(b, e.issuer+"demo/start/prompt-consent"); p.prompt() != "login" {
		t.Fatalf("after logout: %q, want the login page", p.prompt())
	}
}
