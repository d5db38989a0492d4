package drivertest

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/consentry/consentry/steps/driver"
)

// Callback is the redirect_uri RunUniversalLogin authorizes with and
// watches: a host that does not exist, so a driver that loads it instead of
// capturing it fails.
const Callback = "https://partner.example.com/callback"

// ULScopeLines are the scope lines of ULIdP's consent page.
var ULScopeLines = []string{"Posts: read and write your posts", "Profile: read your profile"}

// RunOption describes a trait of the driver under test that changes what
// RunUniversalLogin expects.
type RunOption func(*runConfig)

type runConfig struct {
	waits bool
}

// WaitsForIdPPages says the driver, on a page that no page-kind selector
// identifies, keeps waiting for an IdP page and fails the step with
// "expected an IdP page" (the browser), rather than reporting the page as
// driver.KindOther (the HTTP driver).
func WaitsForIdPPages() RunOption { return func(c *runConfig) { c.waits = true } }

// formReader is a driver that can show what pressing a button would submit
// (the HTTP driver's Form); RunUniversalLogin checks it where there is one.
type formReader interface {
	Form(button string) (action string, fields url.Values, err error)
}

// RunUniversalLogin runs the flow every driver must get through on ULIdP's
// pages by ULSelectors alone, and checks that the mock's default selectors
// do not recognise those pages. newDriver must return a new driver with its
// own cookies that reads pages with sel (the zero value: the mock's
// markup); it may register cleanups with t, and should make a driver that
// waits for IdP pages give up quickly when sel is the zero value.
func RunUniversalLogin(t *testing.T, newDriver func(t *testing.T, sel driver.Selectors) driver.Driver, opts ...RunOption) {
	var cfg runConfig
	for _, o := range opts {
		o(&cfg)
	}
	t.Run("BySelectors", func(t *testing.T) {
		t.Parallel()
		testBySelectors(t, newDriver(t, ULSelectors))
	})
	t.Run("IdentifierFirst", func(t *testing.T) {
		t.Parallel()
		testIdentifierFirst(t, newDriver(t, ULSelectors))
	})
	t.Run("NeedTheirSelectors", func(t *testing.T) {
		t.Parallel()
		testNeedTheirSelectors(t, newDriver(t, driver.Selectors{}), cfg)
	})
}

// The whole flow on pages without the mock's markup, by selectors alone:
// login (a wrong password first: the login page with its error box is still
// the login page), consent with its scope lines, accept to the callback;
// then, the session kept, a confirmation page and a decline to the 403
// error page; then form_post, whose relay page is none of the kinds and
// whose POST is caught.
func testBySelectors(t *testing.T, d driver.Driver) {
	idp := ULIdP(t)
	d.WatchCallback(Callback)
	ctx := t.Context()

	authz := ULAuthorize(idp, Callback, "s1")
	rawQuery := MustURL(t, authz).RawQuery
	p := OK(t)(d.Open(ctx, authz))
	loginURL := idp.URL + "/u/login?" + rawQuery
	CheckPage(t, p, driver.Page{Kind: driver.KindLogin, URL: loginURL, Status: 200, Title: "Log in | Acme"},
		"Log in to Acme to continue to Test App.")

	p = OK(t)(d.Login(ctx, "ann", "wrong"))
	CheckPage(t, p, driver.Page{Kind: driver.KindLogin, URL: loginURL, Status: 200, Title: "Log in | Acme"},
		"Wrong email or password")

	consentURL := idp.URL + "/u/consent?" + rawQuery
	p = OK(t)(d.Login(ctx, "ann", "pw"))
	CheckPage(t, p, driver.Page{
		Kind: driver.KindConsent, URL: consentURL, Status: 200,
		Title: "Authorize Test App | Acme", ScopeLines: ULScopeLines,
		Accept:  &driver.Control{Tag: "button", Label: "Allow Access"},
		Decline: &driver.Control{Tag: "a", Label: "Don't Allow"},
	}, "Hi ann")

	if f, isFR := d.(formReader); isFR {
		action, fields, err := f.Form("accept")
		if err != nil || fields.Get("decision") != "yes" || fields.Get("state") != "ul-state" || action != consentURL {
			t.Fatalf("Form(accept) = %s %v %v, want the consent URL with decision=yes and state=ul-state", action, fields, err)
		}
	}

	p = OK(t)(d.Accept(ctx))
	CheckPage(t, p, driver.Page{
		Kind:        driver.KindCallback,
		Status:      302,
		URL:         Callback + "?code=ul-code&state=s1",
		Callback:    url.Values{"code": {"ul-code"}, "state": {"s1"}},
		CallbackVia: "query",
	})

	// Signed in (the session kept): a confirmation page (no scope list),
	// then a decline.
	// The selectors tell it from a consent page only by its missing scope
	// list: the page says it may be a consent page that lists nothing.
	p = OK(t)(d.Open(ctx, ULAuthorize(idp, Callback, "s2", "confirm", "1")))
	if p.Kind != driver.KindConfirmation || p.ScopeLines != nil || p.Title != "Confirm | Acme" ||
		!reflect.DeepEqual(p.Ambiguous, []driver.Kind{driver.KindConsent}) ||
		!reflect.DeepEqual(p.Accept, &driver.Control{Tag: "input", Label: "Continue"}) {
		t.Fatalf("confirmation page: got %#v", p)
	}
	// A decline that is a link is followed.
	p = OK(t)(d.Decline(ctx))
	CheckPage(t, p, driver.Page{
		Kind: driver.KindError, URL: p.URL, Status: 403, Title: "Error | Acme",
		Error: "access_denied", ErrorDescription: "User did not authorize the request",
	}, "Oops!, something went wrong")
	if u := MustURL(t, p.URL); u.Path != "/u/consent/cancel" {
		t.Errorf("error page URL %s, want the decline link's", p.URL)
	}

	// An input button accepts, with its name and value.
	OK(t)(d.Open(ctx, ULAuthorize(idp, Callback, "s4", "confirm", "1")))
	p = OK(t)(d.Accept(ctx))
	if p.Kind != driver.KindCallback || p.Callback.Get("code") != "ul-code" || p.Callback.Get("state") != "s4" {
		t.Fatalf("accept by an input button: got %#v", p)
	}

	// form_post: the relay page is none of the kinds; the POST is caught.
	OK(t)(d.Open(ctx, ULAuthorize(idp, Callback, "s3", "response_mode", "form_post")))
	p = OK(t)(d.Accept(ctx))
	CheckPage(t, p, driver.Page{
		Kind:        driver.KindCallback,
		Status:      200,
		URL:         Callback,
		Callback:    url.Values{"code": {"ul-code"}, "state": {"s3"}},
		CallbackVia: "form_post",
	})
}

// Identifier-first login: a username page (its own Continue button, the
// Next selector), then a password page without the username input; a wrong
// password shows the password page again, and a login there fills the
// password alone.
func testIdentifierFirst(t *testing.T, d driver.Driver) {
	idp := ULIdP(t)
	d.WatchCallback(Callback)
	ctx := t.Context()
	p := OK(t)(d.Open(ctx, ULAuthorize(idp, Callback, "i1", "login", "identifier-first")))
	if p.Kind != driver.KindLogin || strings.Contains(p.Text, "Password") {
		t.Fatalf("want the username page, got %#v", p)
	}
	p = OK(t)(d.Login(ctx, "ann", "wrong"))
	if p.Kind != driver.KindLogin || !strings.Contains(p.Text, "Wrong email or password") {
		t.Fatalf("want the password page with an error, got %#v", p)
	}
	p = OK(t)(d.Login(ctx, "ann", "pw"))
	if p.Kind != driver.KindConsent || !reflect.DeepEqual(p.ScopeLines, ULScopeLines) {
		t.Fatalf("want the consent page after the password page, got %#v", p)
	}
}

// Without their selectors the same pages are no IdP pages: a driver that
// waits for one says what it waited for; one that does not reports the page
// as KindOther and a login on it names the selector it found nothing for.
func testNeedTheirSelectors(t *testing.T, d driver.Driver, cfg runConfig) {
	ctx := t.Context()
	p, err := d.Open(ctx, ULAuthorize(ULIdP(t), Callback, "x"))
	if cfg.waits {
		if err == nil || !strings.Contains(err.Error(), "expected an IdP page") {
			t.Fatalf("want a timeout waiting for an IdP page, got %#v, %v", p, err)
		}
	} else if err != nil || p.Kind != driver.KindOther {
		t.Fatalf("want the login page as KindOther, got %#v, %v", p, err)
	}
	if c := d.Current(); c.Kind != driver.KindOther || c.Title != "Log in | Acme" {
		t.Errorf("Current() = %#v, want the login page as KindOther", c)
	}
	_, err = d.Login(ctx, "ann", "pw")
	if err == nil {
		t.Fatal("login on a page that is no login page: no error")
	}
	if !cfg.waits && !strings.Contains(err.Error(), `input[name="password"]`) {
		t.Fatalf("want an error naming the selector, got %v", err)
	}
}

// OK fails the test on a step error: OK(t)(d.Open(ctx, u)).
func OK(t *testing.T) func(driver.Page, error) driver.Page {
	return func(p driver.Page, err error) driver.Page {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
}

// CheckPage compares every field of a Page; Text is checked by substrings.
func CheckPage(t *testing.T, got, want driver.Page, textHas ...string) {
	t.Helper()
	text := got.Text
	got.Text = ""
	if !reflect.DeepEqual(got, want) {
		t.Errorf("page:\n got  %#v\n want %#v", got, want)
	}
	for _, s := range textHas {
		if !strings.Contains(text, s) {
			t.Errorf("page text lacks %q:\n%s", s, text)
		}
	}
}

// MustURL parses s or fails the test.
func MustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
