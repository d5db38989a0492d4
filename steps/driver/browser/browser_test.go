package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/driver/drivertest"
)

// One Chromium serves every test of the package; TestMain closes it.
var (
	sharedOnce    sync.Once
	sharedBrowser *Browser
	sharedErr     error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedBrowser != nil {
		if err := sharedBrowser.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close browser:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// launch returns the shared browser. A missing Chromium fails the test with
// the install message; only CONSENTRY_BROWSER=off skips. Its drivers'
// tabs are Hidden, as the runner's are for the bundled mock's pages, which
// is what most tests here drive: the package's tests under -race, as make
// test runs them, took 18.9-19.5 CPU-s of the machine with Windowed ones
// and 13.9-15.1 with Hidden (2 cores, 2026-12-03). The Windowed path stays
// under test where it differs or matters: TestUniversalLogin (vendors' page
// copies, as the runner drives every IdP's pages but the mock's),
// TestBrowserContextHasOnlyItsPage and TestScreenshotShowsThePage (both
// kinds of tab).
func launch(t *testing.T) *Browser {
	t.Helper()
	if os.Getenv("CONSENTRY_BROWSER") == "off" {
		t.Skip("CONSENTRY_BROWSER=off: real-browser tests are skipped")
	}
	sharedOnce.Do(func() {
		start := time.Now()
		sharedBrowser, sharedErr = Launch(context.Background(), Options{Tabs: Hidden})
		if sharedErr == nil {
			fmt.Fprintf(os.Stderr, "chromium started in %s\n", time.Since(start).Round(time.Millisecond))
		}
	})
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedBrowser
}

func newDriver(t *testing.T) *Driver {
	t.Helper()
	b := launch(t)
	d, err := b.NewDriver(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	return d
}

// The page-check helpers are the driver conformance suite's.
var (
	ok        = drivertest.OK
	checkPage = drivertest.CheckPage
	mustURL   = drivertest.MustURL
)

const partnerCallback = "https://partner.example.com/callback"

var scopeLines = []string{"Posts: read and write your posts", "Profile: read your profile"}

// The code flow: login page, consent page, then a 302 to a host that does
// not exist, captured from the Location header and never loaded.
func TestLoginConsentAndQueryCallback(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	d := newDriver(t)
	d.WatchCallback(partnerCallback)
	ctx := t.Context()

	authz := authorize(idp, partnerCallback, "st 1")
	p := ok(t)(d.Open(ctx, authz))
	loginURL := idp.URL + "/login?" + mustURL(t, authz).RawQuery
	checkPage(t, p, driver.Page{Kind: driver.KindLogin, URL: loginURL, Status: 200, Title: "Log in | Acme"},
		"Log in to Acme to continue to Test App.")

	p = ok(t)(d.Login(ctx, "alice", "pw"))
	consentURL := idp.URL + "/consent?" + mustURL(t, authz).RawQuery
	checkPage(t, p, driver.Page{
		Kind: driver.KindConsent, URL: consentURL, Status: 200, Title: "Authorize Test App | Acme",
		ScopeLines: scopeLines, Accept: mockAccept, Decline: mockDecline,
	}, "Signed in as alice", "Posts: read and write your posts")

	p = ok(t)(d.Accept(ctx))
	want := driver.Page{
		Kind:        driver.KindCallback,
		Status:      302,
		URL:         partnerCallback + "?code=c0de%2B%2F%3D&state=st+1",
		Callback:    url.Values{"code": {"c0de+/="}, "state": {"st 1"}},
		CallbackVia: "query",
	}
	checkPage(t, p, want)
	if !reflect.DeepEqual(d.Current(), want) {
		t.Errorf("Current() = %#v, want the callback", d.Current())
	}

	// The session cookie stays with the driver: no login the second time.
	p = ok(t)(d.Open(ctx, authorize(idp, partnerCallback, "st2")))
	if p.Kind != driver.KindConsent {
		t.Fatalf("second authorize: got %s page %s, want consent (session kept)", p.Kind, p.URL)
	}
	p = ok(t)(d.Decline(ctx))
	checkPage(t, p, driver.Page{
		Kind:   driver.KindCallback,
		Status: 302,
		URL:    partnerCallback + "?error=access_denied&error_description=User+did+not+authorize+the+request&state=st2",
		Callback: url.Values{
			"error": {"access_denied"}, "error_description": {"User did not authorize the request"}, "state": {"st2"},
		},
		CallbackVia: "query",
	})
}

// D1: a strict decline shows the error page with HTTP 403 and no redirect.
func TestDeclineShowsForbiddenErrorPage(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	d := newDriver(t)
	d.WatchCallback(partnerCallback)
	ctx := t.Context()

	ok(t)(d.Open(ctx, authorize(idp, partnerCallback, "s", "deny", "page")))
	ok(t)(d.Login(ctx, "bob", "pw"))
	p := ok(t)(d.Decline(ctx))
	checkPage(t, p, driver.Page{
		Kind: driver.KindError, URL: p.URL, Status: 403, Title: "Error | Acme",
		Error: "access_denied", ErrorDescription: "User did not authorize the request",
	}, "Something went wrong", "access_denied")
	if pathOf(p.URL) != "/consent" {
		t.Errorf("error page URL %s, want the consent POST's URL", p.URL)
	}
}

// A1-like: an error page opened directly reports its own status (400).
func TestOpenErrorPageReportsStatus(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	d := newDriver(t)
	p := ok(t)(d.Open(t.Context(), idp.URL+"/bad-client"))
	checkPage(t, p, driver.Page{
		Kind: driver.KindError, URL: idp.URL + "/bad-client", Status: 400, Title: "Error | Acme",
		Error: "invalid_request", ErrorDescription: "Unknown client: nope",
	}, "Unknown client: nope")
}

// A custom scheme is never requested by Chromium: the 302 is caught.
func TestCustomSchemeCallbackFromRedirect(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	d := newDriver(t)
	const cb = "com.example.app://callback"
	d.WatchCallback(cb)
	ctx := t.Context()

	// prompt=none without a session: the very first redirect is the callback.
	p := ok(t)(d.Open(ctx, authorize(idp, cb, "pn", "prompt", "none")))
	checkPage(t, p, driver.Page{
		Kind:        driver.KindCallback,
		Status:      302,
		URL:         cb + "?error=login_required&state=pn",
		Callback:    url.Values{"error": {"login_required"}, "state": {"pn"}},
		CallbackVia: "query",
	})

	ok(t)(d.Open(ctx, authorize(idp, cb, "xyz")))
	ok(t)(d.Login(ctx, "carol", "pw"))
	p = ok(t)(d.Accept(ctx))
	checkPage(t, p, driver.Page{
		Kind:        driver.KindCallback,
		Status:      302,
		URL:         cb + "?code=c0de%2B%2F%3D&state=xyz",
		Callback:    url.Values{"code": {"c0de+/="}, "state": {"xyz"}},
		CallbackVia: "query",
	})
}

// D2: a callback reached by a redirect reports that redirect's status, as
// the IdP sent it (not a constant 302).
func TestCallbackReportsTheRedirectStatus(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	for _, status := range []int{302, 303, 307} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			d := newDriver(t)
			d.WatchCallback(partnerCallback)
			ctx := t.Context()
			// No session and prompt=none: the IdP answers at once.
			p := ok(t)(d.Open(ctx, authorize(idp, partnerCallback, "r", "prompt", "none", "redirect_status", fmt.Sprint(status))))
			if p.Kind != driver.KindCallback || p.Status != status || p.Callback.Get("error") != "login_required" {
				t.Errorf("prompt=none: got %#v, want the callback with Status %d", p, status)
			}
			// The decline after a login: the status of the last hop.
			ok(t)(d.Open(ctx, authorize(idp, partnerCallback, "r2", "redirect_status", fmt.Sprint(status))))
			ok(t)(d.Login(ctx, "hank", "pw"))
			p = ok(t)(d.Decline(ctx))
			if p.Kind != driver.KindCallback || p.Status != status || p.Callback.Get("error") != "access_denied" {
				t.Errorf("decline: got %#v, want the callback with Status %d", p, status)
			}
		})
	}
}

// Implicit-style responses: parameters in the fragment of the Location.
func TestFragmentCallbackFromRedirect(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	d := newDriver(t)
	d.WatchCallback(partnerCallback)
	ctx := t.Context()

	ok(t)(d.Open(ctx, authorize(idp, partnerCallback, "frag", "response_mode", "fragment")))
	ok(t)(d.Login(ctx, "dave", "pw"))
	p := ok(t)(d.Accept(ctx))
	checkPage(t, p, driver.Page{
		Kind:        driver.KindCallback,
		Status:      302,
		URL:         partnerCallback + "#code=c0de%2B%2F%3D&state=frag",
		Callback:    url.Values{"code": {"c0de+/="}, "state": {"frag"}},
		CallbackVia: "fragment",
	})
}

// response_mode=form_post: the relay page (data-prompt="form-post") posts
// itself with JavaScript; the POST is caught with its body, and its status is
// the relay page's (200): no redirect led there.
func TestFormPostCallback(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	loop := newSentinel(t)
	for _, cb := range []string{partnerCallback, loop.URL + "/cb"} {
		t.Run(cb, func(t *testing.T) {
			d := newDriver(t)
			d.WatchCallback(cb)
			ctx := t.Context()
			ok(t)(d.Open(ctx, authorize(idp, cb, "fp", "response_mode", "form_post")))
			ok(t)(d.Login(ctx, "erin", "pw"))
			p := ok(t)(d.Accept(ctx))
			checkPage(t, p, driver.Page{
				Kind:        driver.KindCallback,
				Status:      200,
				URL:         cb,
				Callback:    url.Values{"code": {"c0de+/="}, "state": {"fp"}},
				CallbackVia: "form_post",
			})
		})
	}
	if n := loop.hits.Load(); n != 0 {
		t.Errorf("the loopback callback server was hit %d times (last: %v); callbacks must not be loaded", n, loop.last.Load())
	}
}

// Loopback callbacks: a live port (which must not be hit) and a dead one.
func TestLoopbackCallbacks(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	loop := newSentinel(t)
	for _, cb := range []string{loop.URL + "/cb", "http://localhost:3000/callback"} {
		t.Run(cb, func(t *testing.T) {
			d := newDriver(t)
			d.WatchCallback(cb)
			ctx := t.Context()
			ok(t)(d.Open(ctx, authorize(idp, cb, "lb")))
			ok(t)(d.Login(ctx, "frank", "pw"))
			p := ok(t)(d.Accept(ctx))
			checkPage(t, p, driver.Page{
				Kind:        driver.KindCallback,
				Status:      302,
				URL:         cb + "?code=c0de%2B%2F%3D&state=lb",
				Callback:    url.Values{"code": {"c0de+/="}, "state": {"lb"}},
				CallbackVia: "query",
			})

			// A navigation straight to a watched URL is caught too, with
			// Status 0: no response led there.
			p = ok(t)(d.Open(ctx, cb+"?code=direct&state=d#x=1"))
			checkPage(t, p, driver.Page{
				Kind:        driver.KindCallback,
				URL:         cb + "?code=direct&state=d#x=1",
				Callback:    url.Values{"code": {"direct"}, "state": {"d"}, "x": {"1"}},
				CallbackVia: "fragment",
			})
		})
	}
	if n := loop.hits.Load(); n != 0 {
		t.Errorf("the loopback callback server was hit %d times (last: %v); callbacks must not be loaded", n, loop.last.Load())
	}
}

// The page's accept and decline buttons, as the mock's markup has them.
var (
	mockAccept  = &driver.Control{Tag: "button", Label: "Accept"}
	mockDecline = &driver.Control{Tag: "button", Label: "Decline"}
)

// C6: the confirmation page is read like consent, without scope lines, and
// Accept works on it.
func TestConfirmationPage(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	d := newDriver(t)
	d.WatchCallback(partnerCallback)
	ctx := t.Context()
	authz := authorize(idp, partnerCallback, "c", "confirm", "1")
	ok(t)(d.Open(ctx, authz))
	p := ok(t)(d.Login(ctx, "gina", "pw"))
	checkPage(t, p, driver.Page{
		Kind: driver.KindConfirmation, URL: idp.URL + "/consent?" + mustURL(t, authz).RawQuery,
		Status: 200, Title: "Confirm | Acme", Accept: mockAccept, Decline: mockDecline,
	}, "Continue to Test App?", "Signed in as gina")
	p = ok(t)(d.Accept(ctx))
	if p.Kind != driver.KindCallback || p.Callback.Get("code") != "c0de+/=" {
		t.Errorf("accept on confirmation: got %#v", p)
	}
}

func TestWrongPasswordShowsLoginAgain(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	d := newDriver(t)
	ctx := t.Context()
	ok(t)(d.Open(ctx, authorize(idp, partnerCallback, "w")))
	p := ok(t)(d.Login(ctx, "alice", "nope"))
	if p.Kind != driver.KindLogin || p.Status != 200 || !strings.Contains(p.Text, "Wrong email or password.") {
		t.Errorf("after a wrong password: got %#v", p)
	}
	// An empty required field: the browser refuses to submit, and says so.
	_, err := d.Login(ctx, "alice", "")
	if err == nil || !strings.Contains(err.Error(), "refuses to submit") || !strings.Contains(err.Error(), "password") {
		t.Errorf("login with an empty password: err = %v, want a refusal naming the password field", err)
	}
}

func TestActionOnWrongPageNamesTheKind(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	d := newDriver(t)
	ctx := t.Context()

	_, err := d.Accept(ctx)
	if err == nil || !strings.Contains(err.Error(), `"other"`) {
		t.Errorf("accept before any page: err = %v", err)
	}
	ok(t)(d.Open(ctx, idp.URL+"/bad-client"))
	_, err = d.Login(ctx, "a", "b")
	if err == nil || !strings.Contains(err.Error(), `expected a login page, but the current page is "error"`) {
		t.Errorf("login on the error page: err = %v", err)
	}
	ok(t)(d.Open(ctx, authorize(idp, partnerCallback, "k")))
	_, err = d.Decline(ctx)
	if err == nil || !strings.Contains(err.Error(), `expected a consent or confirmation page, but the current page is "login"`) {
		t.Errorf("decline on the login page: err = %v", err)
	}
}

// A page without data-prompt is not a place to stop: the step times out
// with an error that says what it waited for and where the tab is.
func TestTimeoutSaysWhatAndWhere(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	d := newDriver(t)
	d.timeout = 2 * time.Second
	d.WatchCallback(partnerCallback)
	_, err := d.Open(t.Context(), idp.URL+"/plain")
	if err == nil {
		t.Fatal("open a page without data-prompt: no error")
	}
	for _, s := range []string{"expected an IdP page (one the login, consent, confirmation or error page selectors identify) or a callback", partnerCallback, "current URL " + idp.URL + "/plain"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
	if c := d.Current(); c.Kind != driver.KindOther || c.Title != "Plain" || c.Status != 200 {
		t.Errorf("Current() after the timeout = %#v", c)
	}

	// A cancelled caller context is reported as such.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := d.Open(ctx, idp.URL+"/plain"); !errors.Is(err, context.Canceled) {
		t.Errorf("open with a cancelled context: err = %v", err)
	}
}

func TestScreenshotIsPNG(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	d := newDriver(t)
	ok(t)(d.Open(t.Context(), authorize(idp, partnerCallback, "s")))
	png, err := d.Screenshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 1000 {
		t.Errorf("screenshot: %d bytes, prefix %q", len(png), png[:min(8, len(png))])
	}
}

// Drivers made concurrently (godog Concurrency) share no cookies: each sees
// its own session, and a new driver has none.
func TestParallelDriversDoNotShareCookies(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	b := launch(t)
	users := []string{"ann", "ben", "cid"}
	errs := make(chan error, len(users))
	var wg sync.WaitGroup
	for _, u := range users {
		wg.Go(func() {
			errs <- func() error {
				ctx := t.Context()
				d, err := b.NewDriver(ctx)
				if err != nil {
					return err
				}
				defer d.Close()
				d.WatchCallback(partnerCallback)
				p, err := d.Open(ctx, authorize(idp, partnerCallback, u))
				if err != nil {
					return err
				}
				if p.Kind != driver.KindLogin {
					return fmt.Errorf("%s: fresh driver got a %s page, want login (cookies shared?)", u, p.Kind)
				}
				if _, err := d.Login(ctx, u, "pw"); err != nil {
					return err
				}
				for range 3 { // interleave with the other drivers
					p, err = d.Open(ctx, authorize(idp, partnerCallback, u))
					if err != nil {
						return err
					}
					if p.Kind != driver.KindConsent || !strings.Contains(p.Text, "Signed in as "+u) {
						return fmt.Errorf("%s: got %s page with text %q, want its own consent page", u, p.Kind, p.Text)
					}
				}
				return nil
			}()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	d := newDriver(t)
	if p := ok(t)(d.Open(t.Context(), authorize(idp, partnerCallback, "new"))); p.Kind != driver.KindLogin {
		t.Errorf("a driver made after the others got a %s page, want login", p.Kind)
	}
}

func TestLaunchWithoutChromiumFails(t *testing.T) {
	_, err := Launch(t.Context(), Options{ExecPath: "/nonexistent/chromium"})
	want := `chromium not found at /nonexistent/chromium: install it with "apt-get install -y chromium" or set CHROME_PATH`
	if err == nil || err.Error() != want || !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want %s", err, want)
	}
}

func TestExecPathDefaults(t *testing.T) {
	t.Setenv("CHROME_PATH", "")
	if got := (Options{}).withDefaults(); got.ExecPath != "/usr/bin/chromium" || got.StepTimeout != 15*time.Second || !got.headless() {
		t.Errorf("defaults = %+v", got)
	}
	t.Setenv("CHROME_PATH", "/opt/chrome")
	if got := (Options{}).withDefaults().ExecPath; got != "/opt/chrome" {
		t.Errorf("with CHROME_PATH: ExecPath = %s", got)
	}
}

func TestParseCallback(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		url  string
		body string
		post bool
		want url.Values
		via  string
	}{
		{"com.example.app://callback?code=a&state=b", "", false, url.Values{"code": {"a"}, "state": {"b"}}, "query"},
		{"https://x/cb#access_token=t%26u&state=s", "", false, url.Values{"access_token": {"t&u"}, "state": {"s"}}, "fragment"},
		{"https://x/cb?k=1#state=s", "", false, url.Values{"k": {"1"}, "state": {"s"}}, "fragment"},
		{"https://x/cb", "code=a&state=b+c", true, url.Values{"code": {"a"}, "state": {"b c"}}, "form_post"},
		{"https://x/cb", "", false, url.Values{}, "query"},
	} {
		p := parseCallback(c.url, []byte(c.body), c.post)
		if p.Kind != driver.KindCallback || p.URL != c.url || p.CallbackVia != c.via || !reflect.DeepEqual(p.Callback, c.want) {
			t.Errorf("parseCallback(%q, %q) = %#v", c.url, c.body, p)
		}
	}
}

// A scenario's browser context costs one page and nothing else: Chromium
// would preload the WebUI omnibox popups of its window (two renderer
// processes a scenario, never shown), which the flags turn off.
func TestBrowserContextHasOnlyItsPage(t *testing.T) {
	t.Parallel()
	idp := newTestIdP(t)
	for _, tabs := range []Tabs{Windowed, Hidden} {
		d, err := launch(t).NewDriverTabs(t.Context(), driver.Selectors{}, tabs)
		if err != nil {
			t.Fatal(err)
		}
		ok(t)(d.Open(t.Context(), authorize(idp, partnerCallback, "s")))
		infos, err := chromedp.Targets(d.ctx)
		if err != nil {
			t.Fatal(err)
		}
		bc, tab := d.browserContext(), chromedp.FromContext(d.ctx).Target.TargetID
		pages := 0
		for _, in := range infos {
			if in.BrowserContextID != bc {
				continue
			}
			if in.TargetID == tab { // a Hidden tab's type is "other"
				pages++
				continue
			}
			t.Errorf("tabs %d: the scenario's browser context has a %s target %s (%s)", tabs, in.Type, in.URL, in.Title)
		}
		if pages != 1 {
			t.Errorf("tabs %d: the scenario's browser context has %d pages, want 1", tabs, pages)
		}
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	}
}
