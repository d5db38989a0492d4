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

// Kind says what the user agent is looking at. The comments give the mock's
// markup of each kind; Selectors can identify them otherwise.
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
	// Status is the HTTP status of the last document response (0 if
	// unknown). For a callback (KindCallback), which is captured and never
	// loaded, it is the status of the response that led there: the 3xx of
	// the redirect whose Location was the callback; for form_post, the
	// status of the page whose form posted to it (200); 0 when the callback
	// was reached otherwise (opened directly, or by a script or meta
	// refresh) or the driver did not see it.
	Status int
	// Title is the page's <title>; Text its visible text.
	Title string
	Text  string
	// ScopeLines are the texts of the consent page's scope lines, in order
	// (elements matching Selectors.ScopeLine; data-scope-line by default).
	ScopeLines []string
	// Error and ErrorDescription are read from the error page (the first
	// elements matching Selectors.Error and Selectors.ErrorDescription;
	// data-error and data-error-description by default).
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
	// (the Selectors' Username, Password and Login; by default the inputs
	// name="username" and name="password" and the button name="action"
	// value="default").
	Login(ctx context.Context, username, password string) (Page, error)
	// Accept presses the Selectors' Accept button on a consent or
	// confirmation page (default name="action" value="accept"); Decline
	// presses Decline (default value="deny").
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

// Selectors locate the parts of an IdP's pages by CSS selectors, for pages
// that do not follow the mock's data-* markup (Auth0 Universal Login, a
// vendor's own IdP). The zero value of a field means the mock's markup (see
// DefaultSelectors); WithDefaults fills them in.
//
// The page-kind fields (LoginPage, ConsentPage, ConfirmationPage,
// ErrorPage) identify a page: it is of that kind when every selector of the
// field matches an element (each may itself be a comma list: any of its
// alternatives). The kinds are tried in the order login, consent,
// confirmation, error, and the first that matches wins, so a login page
// showing an error message is still a login page, and a consent page is
// told from a confirmation page by something only it has (its scope list).
// A page that matches no kind is not an IdP page: a step keeps waiting for
// one (the browser) or reports it as KindOther (the HTTP driver).
//
// The HTTP driver understands a subset of CSS: type (tag), #id, .class,
// [attr], [attr=value] (value quoted or not), the descendant and child (>)
// combinators and comma lists. The browser understands all of CSS.
type Selectors struct {
	// Username and Password are the login form's inputs; Login is the
	// button that submits it.
	Username string
	Password string
	Login    string
	// Accept and Decline are the consent (or confirmation) page's buttons.
	Accept  string
	Decline string
	// ScopeLine matches each line of the consent page's scope list.
	ScopeLine string
	// Error and ErrorDescription are read from the error page.
	Error            string
	ErrorDescription string
	// Page kinds: every selector must match for the page to be of the kind.
	LoginPage        []string
	ConsentPage      []string
	ConfirmationPage []string
	ErrorPage        []string
}

// DefaultSelectors is the mock's page contract: data-prompt names the page,
// data-scope-line, data-error and data-error-description mark its parts,
// and the forms' buttons are name="action" with the values default, accept
// and deny.
func DefaultSelectors() Selectors {
	return Selectors{
		Username:         `input[name="username"]`,
		Password:         `input[name="password"]`,
		Login:            `button[name="action"][value="default"]`,
		Accept:           `button[name="action"][value="accept"]`,
		Decline:          `button[name="action"][value="deny"]`,
		ScopeLine:        `[data-scope-line]`,
		Error:            `[data-error]`,
		ErrorDescription: `[data-error-description]`,
		LoginPage:        []string{`[data-prompt="login"]`},
		ConsentPage:      []string{`[data-prompt="consent"]`},
		ConfirmationPage: []string{`[data-prompt="confirmation"]`},
		ErrorPage:        []string{`[data-prompt="error"]`},
	}
}

// WithDefaults returns s with every empty field set to the mock's markup.
func (s Selectors) WithDefaults() Selectors {
	def := DefaultSelectors()
	str := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	list := func(v *[]string, d []string) {
		var kept []string
		for _, x := range *v {
			if x != "" {
				kept = append(kept, x)
			}
		}
		if len(kept) == 0 {
			kept = d
		}
		*v = kept
	}
	str(&s.Username, def.Username)
	str(&s.Password, def.Password)
	str(&s.Login, def.Login)
	str(&s.Accept, def.Accept)
	str(&s.Decline, def.Decline)
	str(&s.ScopeLine, def.ScopeLine)
	str(&s.Error, def.Error)
	str(&s.ErrorDescription, def.ErrorDescription)
	list(&s.LoginPage, def.LoginPage)
	list(&s.ConsentPage, def.ConsentPage)
	list(&s.ConfirmationPage, def.ConfirmationPage)
	list(&s.ErrorPage, def.ErrorPage)
	return s
}

// PageKinds lists the page-kind selectors in the order they are tried.
func (s Selectors) PageKinds() []KindSelector {
	return []KindSelector{
		{KindLogin, s.LoginPage},
		{KindConsent, s.ConsentPage},
		{KindConfirmation, s.ConfirmationPage},
		{KindError, s.ErrorPage},
	}
}

// KindSelector is one page kind and the selectors that must all match.
type KindSelector struct {
	Kind  Kind
	AllOf []string
}

// All lists every selector with its name (the profile's YAML key), for
// validation and error messages.
func (s Selectors) All() []NamedSelector {
	out := []NamedSelector{
		{"username", s.Username}, {"password", s.Password}, {"login", s.Login},
		{"accept", s.Accept}, {"decline", s.Decline}, {"scope_line", s.ScopeLine},
		{"error", s.Error}, {"error_description", s.ErrorDescription},
	}
	for _, k := range s.PageKinds() {
		for _, sel := range k.AllOf {
			out = append(out, NamedSelector{string(k.Kind) + "_page", sel})
		}
	}
	return out
}

// NamedSelector is a selector and the profile key it came from.
type NamedSelector struct{ Name, Selector string }
