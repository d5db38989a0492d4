// Package driver defines the user agent the scenarios drive through an IdP's
// pages. Two implementations exist: the browser driver (a real Chromium via
// chromedp, package driver/browser) and the HTTP driver (an HTTP client with a
// cookie jar that submits the same forms, package driver/httpua). Steps only
// ever talk to this interface, so every scenario runs on both.
package driver

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
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
	// Accept and Decline are the first elements the Selectors' Accept and
	// Decline match (a button, an input or a link), nil when none does.
	// Steps check that a page offers them by selector; their labels are
	// the vendor's wording, checked only as a dialect.
	Accept, Decline *Control
	// Ambiguous lists the other kinds the page may be that the page-kind
	// selectors cannot tell from Kind (see Selectors.Ambiguous): with
	// selectors that tell a consent page from a confirmation page only by
	// its scope list, a consent page that lists nothing looks like a
	// confirmation page.
	Ambiguous []Kind
}

// Control is a button, an input or a link a page offers.
type Control struct {
	// Tag is the element's tag name, lower case ("button", "input", "a").
	Tag string
	// Label is what the user reads: the element's text, or the value of an
	// input button.
	Label string
}

// MaybeKind reports whether the page is of kind k or may be (Ambiguous).
func (p Page) MaybeKind(k Kind) bool { return p.Kind == k || slices.Contains(p.Ambiguous, k) }

// Driver is one user agent with its own cookies: one per scenario.
type Driver interface {
	// Open navigates to an /authorize URL and follows redirects until an
	// IdP page is shown or a URL starting with one of the callbacks the
	// driver was told to watch is reached.
	Open(ctx context.Context, authorizeURL string) (Page, error)
	// Login fills username and password on the login page and submits
	// (the Selectors' Username, Password and Login; by default the inputs
	// name="username" and name="password" and the button name="action"
	// value="default"). On an identifier-first login page (a username input
	// and no password input) it submits the username with the Selectors'
	// Next button, then fills the password on the page that follows.
	Login(ctx context.Context, username, password string) (Page, error)
	// Accept presses the Selectors' Accept button on a consent or
	// confirmation page (default name="action" value="accept"); Decline
	// presses Decline (default value="deny"). Whatever the selector
	// matches is used as a user would: a button or an input submits its
	// form with its name and value, a link is followed.
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
// Both drivers take the same CSS selectors: the browser its own engine, the
// HTTP driver github.com/andybalholm/cascadia (CSS Selectors Level 3 and
// more: :not(), attribute operators such as [name^=...], the ~ and +
// combinators). Pseudo-classes about the live page (:hover, :checked after
// a click) mean nothing to the HTTP driver.
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
	// ErrorPattern and ErrorDescriptionPattern, when set, are regular
	// expressions applied to the text of the Error and ErrorDescription
	// elements: the first capturing group (the whole match without one) is
	// the value, for pages that show the code inside a sentence ("Error
	// code: access_denied"). A text they do not match gives "".
	ErrorPattern            string
	ErrorDescriptionPattern string
	// Next is the button that submits the username on an identifier-first
	// login page (a username page, then a password page); default Login.
	Next string
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
	str(&s.Next, s.Login)
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
		{"username", s.Username}, {"password", s.Password}, {"login", s.Login}, {"next", s.Next},
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

// Ambiguous returns the kinds a page identified as k may also be, because
// the page-kind selectors cannot tell them apart: k is tried after another
// kind whose selectors are all among k's own (nothing but the absence of
// the other kind's extra markers identifies k), or before a kind whose
// selectors are all among k's (that kind never wins). The mock's
// data-prompt markup has a marker of its own for every kind: nothing is
// ambiguous. Only consent and confirmation pages are compared; login and
// error pages are too different to be mistaken.
func (s Selectors) Ambiguous(k Kind) []Kind {
	subset := func(a, b []string) bool { // every selector of a is in b
		for _, x := range a {
			if !slices.Contains(b, x) {
				return false
			}
		}
		return len(a) > 0
	}
	switch k {
	case KindConfirmation:
		if subset(s.ConfirmationPage, s.ConsentPage) {
			return []Kind{KindConsent}
		}
	case KindConsent:
		if subset(s.ConsentPage, s.ConfirmationPage) {
			return []Kind{KindConfirmation}
		}
	}
	return nil
}

// Patterns are the compiled ErrorPattern and ErrorDescriptionPattern (nil
// when unset).
type Patterns struct{ Error, ErrorDescription *regexp.Regexp }

// CompilePatterns checks ErrorPattern and ErrorDescriptionPattern: each
// must be a regular expression with at most one capturing group.
func (s Selectors) CompilePatterns() (Patterns, error) {
	var p Patterns
	for _, x := range []struct {
		key string
		src string
		dst **regexp.Regexp
	}{{"error_pattern", s.ErrorPattern, &p.Error}, {"error_description_pattern", s.ErrorDescriptionPattern, &p.ErrorDescription}} {
		if x.src == "" {
			continue
		}
		re, err := regexp.Compile(x.src)
		if err != nil {
			return Patterns{}, fmt.Errorf("selectors.%s: %w", x.key, err)
		}
		if re.NumSubexp() > 1 {
			return Patterns{}, fmt.Errorf("selectors.%s: %q has %d capturing groups, want at most one (the value)", x.key, x.src, re.NumSubexp())
		}
		*x.dst = re
	}
	return p, nil
}

// Extract applies a pattern to an element's text: the first group (or the
// whole match), "" when it does not match; text itself when re is nil.
func Extract(re *regexp.Regexp, text string) string {
	if re == nil {
		return text
	}
	m := re.FindStringSubmatch(text)
	switch {
	case m == nil:
		return ""
	case len(m) > 1:
		return m[1]
	}
	return m[0]
}
