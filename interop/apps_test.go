package interop

// Helpers shared by the tests that run real client applications (the SPA,
// the Express web app, the Node SDK's authentication calls) against the
// mock: installing an app's pinned npm packages, writing the tenant it is
// registered in, and an HTTP user agent that walks the mock's login and
// consent pages the way a person would.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"text/template"
	"time"
)

// The user every app logs in as (see the tenant templates).
const (
	appUserEmail    = "ada@interop.example"
	appUserPassword = "Ada-interop-pass1"
	appUserID       = "auth0|ada0000000000000000000001"
)

// appUsersYAML is the tenant file's users section with the one app user,
// for the tenants of the app tests.
const appUsersYAML = `users:
  - email: ` + appUserEmail + `
    user_id: ` + appUserID + `
    name: Ada Interop
    password: ` + appUserPassword + `
`

// skipNodeInterop skips the test when CONSENTRY_SKIP_NODE_INTEROP=1, the
// opt-out of every test that needs Node.js.
func skipNodeInterop(t *testing.T) {
	t.Helper()
	if os.Getenv("CONSENTRY_SKIP_NODE_INTEROP") == "1" {
		t.Skip("CONSENTRY_SKIP_NODE_INTEROP=1: the Node.js interop tests are turned off")
	}
}

// npmApp copies the app in src (every file but node_modules) into
// tmp/<app>, so the test never writes into the source
// tree, and starts installing its packages (npmInstall). The returned
// function waits for the install, links the copy's node_modules to it and
// returns the copy's path.
func npmApp(t *testing.T, ctx context.Context, node, npm, src, tmp string) (wait func() string) {
	t.Helper()
	work := filepath.Join(tmp, filepath.Base(src))
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() || e.Name() == "node_modules" {
			continue
		}
		copyFile(t, filepath.Join(src, e.Name()), filepath.Join(work, e.Name()))
	}
	installed := npmInstall(t, ctx, node, npm, src, tmp)
	return func() string {
		t.Helper()
		if err := os.Symlink(filepath.Join(installed(), "node_modules"), filepath.Join(work, "node_modules")); err != nil {
			t.Fatal(err)
		}
		return work
	}
}

// freePort returns a loopback TCP port that was free a moment ago, for apps
// whose address must be registered with the mock before they start.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// writeTenant renders a tenant file from tmpl and data into dir.
func writeTenant(t *testing.T, dir, tmpl string, data any) string {
	t.Helper()
	var b strings.Builder
	if err := template.Must(template.New("tenant").Parse(tmpl)).Execute(&b, data); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "tenant.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// caPool reads the mock's CA file.
func caPool(t *testing.T, caFile string) *x509.CertPool {
	t.Helper()
	pemData, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatalf("%s holds no PEM certificate", caFile)
	}
	return pool
}

// userAgent is a browser stand-in: an HTTP client with a cookie jar that
// trusts the mock's CA, follows redirects and fills in the mock's login
// and consent pages.
type userAgent struct {
	t *testing.T
	c *http.Client
	// stopAt, when set, ends redirect-following at the first URL it
	// accepts (a callback nobody listens on).
	stopAt func(*url.URL) bool
}

func newUserAgent(t *testing.T, caFile string) *userAgent {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	ua := &userAgent{t: t}
	ua.c = &http.Client{
		Jar:       jar,
		Timeout:   20 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: caPool(t, caFile)}},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 20 {
				return errors.New("more than 20 redirects")
			}
			if ua.stopAt != nil && ua.stopAt(req.URL) {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
	return ua
}

// page is a response read to the end.
type page struct {
	URL      *url.URL // the final request's URL
	Status   int
	Location string // for a stopped redirect
	Body     string
}

// prompt is the mock's page contract: data-prompt="login|consent|...".
var promptAttr = regexp.MustCompile(`data-prompt="([a-z-]+)"`)

func (p page) Prompt() string {
	if m := promptAttr.FindStringSubmatch(p.Body); m != nil {
		return m[1]
	}
	return ""
}

func (ua *userAgent) do(req *http.Request) page {
	ua.t.Helper()
	resp, err := ua.c.Do(req)
	if err != nil {
		ua.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		ua.t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL, err)
	}
	return page{URL: resp.Request.URL, Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(body)}
}

// get opens a URL.
func (ua *userAgent) get(u string) page {
	ua.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		ua.t.Fatal(err)
	}
	return ua.do(req)
}

var (
	formAction  = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)
)

// submit posts the page's form with its hidden fields plus extra.
func (ua *userAgent) submit(p page, extra url.Values) page {
	ua.t.Helper()
	m := formAction.FindStringSubmatch(p.Body)
	if m == nil {
		ua.t.Fatalf("no form on the %q page at %s:\n%s", p.Prompt(), p.URL, p.Body)
	}
	action, err := p.URL.Parse(html.UnescapeString(m[1]))
	if err != nil {
		ua.t.Fatal(err)
	}
	form := url.Values{}
	for _, h := range hiddenInput.FindAllStringSubmatch(p.Body, -1) {
		form.Add(h[1], html.UnescapeString(h[2]))
	}
	for k, v := range extra {
		form[k] = v
	}
	req, err := http.NewRequest(http.MethodPost, action.String(), strings.NewReader(form.Encode()))
	if err != nil {
		ua.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return ua.do(req)
}

// login fills in the login page, then accepts the consent or confirmation
// page if one follows, and returns the page after that.
func (ua *userAgent) login(p page, user, password string) page {
	ua.t.Helper()
	if p.Prompt() != "login" {
		ua.t.Fatalf("expected the mock's login page, got %d %q at %s:\n%s", p.Status, p.Prompt(), p.URL, p.Body)
	}
	p = ua.submit(p, url.Values{"username": {user}, "password": {password}, "action": {"default"}})
	if pr := p.Prompt(); pr == "consent" || pr == "confirmation" {
		p = ua.submit(p, url.Values{"action": {"accept"}})
	}
	return p
}

// fatalPage fails with what the user agent saw.
func fatalPage(t *testing.T, what string, p page, m *mock) {
	t.Helper()
	t.Fatalf("%s: got %d %q at %s (Location %q)\n--- body ---\n%s\n--- mock log ---\n%s",
		what, p.Status, p.Prompt(), p.URL, p.Location, truncate(p.Body, 4000), m.log.String())
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + fmt.Sprintf("... (%d more bytes)", len(s)-n)
}
