// Package driver defines the user agent the scenarios drive through an IdP's
// pages. Two implementations exist: the browser driver (a real Chromium via
// chromedp, package driver/browser) and the HTTP driver (an HTTP client with a
// cookie jar that submits the same forms, package driver/httpua). Steps only
// ever talk to this interface, so every scenario runs on both.
package driver

import (
	"context"
	"net/url"
)

// Kind says what the user agent is looking at.
type Kind string

const (
	KindLogin        Kind = "login"        // data-prompt="login"
	KindConsent      Kind = "consent"      // data-prompt="consent"
	KindConfirmation Kind = "confirmation" // data-prompt="confirmation"
	KindError        Kind = "error"        // data-prompt="error"
	KindCallback     Kind = "callback"     // the client's redirect_uri was reached
	KindOther        Kind = "other"        // anything else
)

// Page is a snapshot of where the user agent is.
type Page struct {
	Kind Kind
	// URL is the address of the page, or the full callback URL reached.
	URL string
	// Status is the HTTP status of the last document response (0 if unknown,
	// e.g. a custom-scheme callback that was intercepted and never loaded).
	Status int
	// Title is the page's <title>; Text its visible text.
	Title string
	Text  string
	// ScopeLines are the texts of the consent page's scope lines, in order
	// (elements marked data-scope-line).
	ScopeLines []string
	// Error and ErrorDescription are read from the error page (elements
	// marked data-error and data-error-description).
	Error            string
	ErrorDescription string
	// Callback holds the parameters the client received (query, fragment
	// or form_post body, merged), when Kind is KindCallback.
	Callback url.Values
	// CallbackVia is "query", "fragment" or "form_post".
	CallbackVia string
}

// Driver is one user agent with its own cookies: one per scenario.
type Driver interface {
	// Open navigates to an /authorize URL and follows redirects until an
	// IdP page is shown or a URL starting with one of the callbacks the
	// driver was told to watch is reached.
	Open(ctx context.Context, authorizeURL string) (Page, error)
	// Login fills username and password on the login page and submits
	// (button name="action" value="default").
	Login(ctx context.Context, username, password string) (Page, error)
	// Accept presses name="action" value="accept" on a consent or
	// confirmation page; Decline presses value="deny".
	Accept(ctx context.Context) (Page, error)
	Decline(ctx context.Context) (Page, error)
	// Current is the last page seen.
	Current() Page
	// WatchCallback registers a redirect_uri prefix whose navigation is
	// captured (not loaded) and reported as KindCallback.
	WatchCallback(prefix string)
	// Screenshot returns a PNG of the page, or nil for drivers without one.
	Screenshot(ctx context.Context) ([]byte, error)
	// Close frees the user agent (browser context, cookies).
	Close() error
}
