// Package httpua is the HTTP user agent of the conformance harness: it drives
// an IdP's login, consent and confirmation pages with a plain HTTP client and
// a cookie jar, reading the pages with CSS selectors (cascadia over
// golang.org/x/net/html, the same selectors the browser takes) (by default the mock's
// markup contract: data-prompt, data-scope-line, data-error; a target
// profile may give others, see driver.Selectors) and submitting their forms
// with every hidden input, as a browser without JavaScript would. It is fast
// and needs no browser; it implements driver.Driver like the Chromium driver
// does.
//
// Redirects are followed by hand so that a redirect to a watched callback
// (https, loopback or a custom scheme such as com.example.app://cb) is
// captured and never requested: no real application has to listen there.
package httpua

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/consentry/consentry/steps/driver"
)

// maxBody bounds how much of a page is read.
const maxBody = 4 << 20

// Options configure a Driver.
type Options struct {
	// Transport carries the requests; the caller owns it, and Close leaves
	// its connections alone. Nil means a transport of the Driver's own (a
	// clone of http.DefaultTransport's settings), which shares no
	// connection with any other client, as a browser context shares none
	// with another, and whose idle connections Close closes.
	Transport http.RoundTripper
	// MaxRedirects bounds one navigation (default 20).
	MaxRedirects int
	// Selectors read the pages; empty fields mean the mock's markup. New
	// says which one is not valid CSS.
	Selectors driver.Selectors
}

// Driver is one HTTP user agent with its own cookies. It is not safe for
// concurrent use: one scenario drives it.
type Driver struct {
	client       *http.Client
	own          *http.Transport // the transport New made, nil if the caller gave one
	maxRedirects int
	watched      []string
	cur          driver.Page
	doc          *html.Node // the current page, parsed; nil at a callback
	sel          *compiled
}

// compiled are the Selectors, parsed.
type compiled struct {
	raw                                              driver.Selectors
	username, password, login, next, accept, decline *selector
	scopeLine, errorSel, errorDescription            *selector
	kinds                                            []compiledKind
	patterns                                         driver.Patterns
}

type compiledKind struct {
	kind  driver.Kind
	allOf []*selector
}

// CompileSelectors checks that every selector is valid CSS and every
// pattern a valid regular expression, naming the profile key of the first
// that is not.
func CompileSelectors(s driver.Selectors) error {
	_, err := compileSelectors(s)
	return err
}

func compileSelectors(s driver.Selectors) (*compiled, error) {
	s = s.WithDefaults()
	c := &compiled{raw: s}
	var err error
	one := func(dst **selector, key, src string) {
		if err != nil {
			return
		}
		var e error
		if *dst, e = compileSelector(src); e != nil {
			err = fmt.Errorf("selectors.%s: %w", key, e)
		}
	}
	one(&c.username, "username", s.Username)
	one(&c.password, "password", s.Password)
	one(&c.login, "login", s.Login)
	one(&c.next, "next", s.Next)
	one(&c.accept, "accept", s.Accept)
	one(&c.decline, "decline", s.Decline)
	one(&c.scopeLine, "scope_line", s.ScopeLine)
	one(&c.errorSel, "error", s.Error)
	one(&c.errorDescription, "error_description", s.ErrorDescription)
	for _, k := range s.PageKinds() {
		ck := compiledKind{kind: k.Kind}
		for _, src := range k.AllOf {
			var x *selector
			one(&x, string(k.Kind)+"_page", src)
			ck.allOf = append(ck.allOf, x)
		}
		c.kinds = append(c.kinds, ck)
	}
	if err != nil {
		return nil, err
	}
	if c.patterns, err = s.CompilePatterns(); err != nil {
		return nil, err
	}
	return c, nil
}

var _ driver.Driver = (*Driver)(nil)

// New returns a user agent with an empty cookie jar.
func New(opts Options) (*Driver, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = 20
	}
	sel, err := compileSelectors(opts.Selectors)
	if err != nil {
		return nil, err
	}
	var own *http.Transport
	if opts.Transport == nil {
		own = http.DefaultTransport.(*http.Transport).Clone()
		opts.Transport = own
	}
	return &Driver{
		sel: sel,
		own: own,
		client: &http.Client{
			Transport: opts.Transport,
			Jar:       jar,
			// Redirects are followed by navigate, which knows the callbacks.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		maxRedirects: opts.MaxRedirects,
	}, nil
}

// WatchCallback registers a redirect_uri whose navigation is captured.
func (d *Driver) WatchCallback(prefix string) {
	for _, w := range d.watched {
		if w == prefix {
			return
		}
	}
	d.watched = append(d.watched, prefix)
}

// Current is the last page seen.
func (d *Driver) Current() driver.Page { return d.cur }

// Screenshot returns nil: an HTTP client has nothing to show.
func (d *Driver) Screenshot(context.Context) ([]byte, error) { return nil, nil }

// Close drops the cookies and closes the idle connections of the
// transport New made. A transport the caller gave is not touched: it may
// carry other clients' requests at that moment (scenarios run
// concurrently, and the Management API client shares the process's
// http.DefaultTransport), and closing its idle connections under them
// failed their requests with "http: CloseIdleConnections called".
func (d *Driver) Close() error {
	if jar, err := cookiejar.New(nil); err == nil {
		d.client.Jar = jar
	}
	if d.own != nil {
		d.own.CloseIdleConnections()
	}
	return nil
}

// Open navigates to authorizeURL.
func (d *Driver) Open(ctx context.Context, authorizeURL string) (driver.Page, error) {
	return d.navigate(ctx, http.MethodGet, authorizeURL, nil)
}

// Login fills username and password on the login page and presses the
// login button (the Selectors' Username, Password and Login). On an
// identifier-first page (a username input, no password input) it submits
// the username with the Next button first, then fills the password on the
// page that follows; a page that asks for the username again, or shows
// anything but a login page, ends the login there.
func (d *Driver) Login(ctx context.Context, username, password string) (driver.Page, error) {
	if d.doc == nil {
		return d.cur, fmt.Errorf("no login form on the page (%s page at %s)", d.cur.Kind, d.cur.URL)
	}
	hasUser, hasPass := d.sel.username.first(d.doc) != nil, d.sel.password.first(d.doc) != nil
	switch {
	case hasUser && !hasPass: // identifier-first: the username page
		p, err := d.fillAndSubmit(ctx, d.sel.next, []loginField{{"username", d.sel.username, username}})
		if err != nil || p.Kind != driver.KindLogin || d.sel.password.first(d.doc) == nil {
			return p, err
		}
		if d.sel.username.first(d.doc) != nil {
			return d.fillAndSubmit(ctx, d.sel.login, []loginField{{"username", d.sel.username, username}, {"password", d.sel.password, password}})
		}
		return d.fillAndSubmit(ctx, d.sel.login, []loginField{{"password", d.sel.password, password}})
	case hasPass && !hasUser: // identifier-first: the password page
		return d.fillAndSubmit(ctx, d.sel.login, []loginField{{"password", d.sel.password, password}})
	}
	return d.fillAndSubmit(ctx, d.sel.login, []loginField{{"username", d.sel.username, username}, {"password", d.sel.password, password}})
}

type loginField struct {
	what  string
	sel   *selector
	value string
}

// fillAndSubmit sets the fields in the form of the button (else the form of
// the first field) and presses the button.
func (d *Driver) fillAndSubmit(ctx context.Context, buttonSel *selector, in []loginField) (driver.Page, error) {
	button := buttonSel.first(d.doc)
	form := formOf(d.doc, button)
	var tried []string
	for _, f := range in {
		if form != nil {
			break
		}
		if n := f.sel.first(d.doc); n != nil {
			form = formOf(d.doc, n)
		}
		tried = append(tried, fmt.Sprintf("%s '%s'", f.what, f.sel.src))
	}
	if form == nil {
		return d.cur, fmt.Errorf("no login form on the page: nothing matches %s '%s' or %s in a form (%s page at %s)",
			keyOf(buttonSel, d.sel), buttonSel.src, strings.Join(tried, " or "), d.cur.Kind, d.cur.URL)
	}
	fields := formFields(form)
	for _, f := range in {
		n := f.sel.first(form)
		if n == nil {
			n = f.sel.first(d.doc)
		}
		if n == nil {
			return d.cur, fmt.Errorf("the login form has no %s input (selector '%s') at %s", f.what, f.sel.src, d.cur.URL)
		}
		name, _ := attr(n, "name")
		if name == "" {
			return d.cur, fmt.Errorf("the %s input (selector '%s') has no name: it would not be submitted", f.what, f.sel.src)
		}
		fields.Set(name, f.value)
	}
	if button == nil || formOf(d.doc, button) != form {
		button = buttonSel.first(form)
	}
	setButton(fields, button)
	return d.submit(ctx, form, fields)
}

func keyOf(s *selector, c *compiled) string {
	if s == c.next && c.next.src != c.login.src {
		return "next"
	}
	return "login"
}

// Accept presses what the Accept selector matches (default the button
// name="action" value="accept").
func (d *Driver) Accept(ctx context.Context) (driver.Page, error) {
	return d.press(ctx, "accept", d.sel.accept)
}

// Decline presses what the Decline selector matches (default the button
// name="action" value="deny").
func (d *Driver) Decline(ctx context.Context) (driver.Page, error) {
	return d.press(ctx, "decline", d.sel.decline)
}

// press uses the first element the selector matches as a user would: a
// link (an element with an href) is followed, a button or an input submits
// its form with its name and value.
func (d *Driver) press(ctx context.Context, what string, sel *selector) (driver.Page, error) {
	if d.doc != nil {
		for _, n := range sel.all(d.doc) {
			if href, ok := attr(n, "href"); ok && n.DataAtom != atom.Link {
				target, err := d.resolve(href)
				if err != nil {
					return d.cur, fmt.Errorf("the %s link (selector '%s'): %w", what, sel.src, err)
				}
				return d.navigate(ctx, http.MethodGet, target, nil)
			}
			if formOf(d.doc, n) != nil {
				break
			}
		}
	}
	form, fields, err := d.buttonForm(what, sel)
	if err != nil {
		return d.cur, err
	}
	return d.submit(ctx, form, fields)
}

// buttonForm finds the button and returns its form and the fields pressing
// it would submit.
func (d *Driver) buttonForm(what string, sel *selector) (*html.Node, url.Values, error) {
	var button, form *html.Node
	if d.doc != nil {
		// The first matching button that belongs to a form.
		for _, b := range sel.all(d.doc) {
			if f := formOf(d.doc, b); f != nil {
				button, form = b, f
				break
			}
		}
	}
	if form == nil {
		return nil, nil, fmt.Errorf("no %s button in a form and no %s link on the page (selector '%s'; %s page at %s)", what, what, sel.src, d.cur.Kind, d.cur.URL)
	}
	fields := formFields(form)
	setButton(fields, button)
	return form, fields, nil
}

// setButton adds what a pressed submit button sends: its name and value
// (an image button sends the coordinates of the click instead).
func setButton(fields url.Values, button *html.Node) {
	if button == nil {
		return
	}
	name, _ := attr(button, "name")
	if typ, _ := attr(button, "type"); button.DataAtom == atom.Input && strings.EqualFold(typ, "image") {
		prefix := ""
		if name != "" {
			prefix = name + "."
		}
		fields.Set(prefix+"x", "1")
		fields.Set(prefix+"y", "1")
		return
	}
	if name != "" {
		v, _ := attr(button, "value")
		fields.Set(name, v)
	}
}

// formOf returns the form an element belongs to: the one its form
// attribute names, else its nearest form ancestor.
func formOf(doc, n *html.Node) *html.Node {
	if n == nil {
		return nil
	}
	if id, ok := attr(n, "form"); ok && id != "" {
		return firstElement(doc, func(f *html.Node) bool { v, _ := attr(f, "id"); return f.DataAtom == atom.Form && v == id })
	}
	for a := n.Parent; a != nil; a = a.Parent {
		if a.DataAtom == atom.Form {
			return a
		}
	}
	return nil
}

// Form returns the action URL and the fields the form holding a button
// would submit, as pressing it would: "accept" and "deny" are the
// Selectors' Accept and Decline buttons, any other value the button
// name="action" with that value. Scenarios about forged and replayed forms
// (rule C8) use it with PostForm.
func (d *Driver) Form(button string) (action string, fields url.Values, err error) {
	var sel *selector
	switch button {
	case "accept":
		sel = d.sel.accept
	case "deny":
		sel = d.sel.decline
	default:
		if sel, err = compileSelector(fmt.Sprintf("button[name=action][value=%q]", button)); err != nil {
			return "", nil, err
		}
	}
	form, fields, err := d.buttonForm(button, sel)
	if err != nil {
		return "", nil, err
	}
	action, err = d.formAction(form)
	return action, fields, err
}

// PostForm posts fields to action with this agent's cookies, as a browser
// submitting a form would, and follows the answer like Open.
func (d *Driver) PostForm(ctx context.Context, action string, fields url.Values) (driver.Page, error) {
	return d.navigate(ctx, http.MethodPost, action, fields)
}

// formFields collects what the form submits without its buttons: every
// named input (hidden ones included), checked boxes, selects and textareas,
// its own and those outside it that name it with a form attribute.
func formFields(form *html.Node) url.Values {
	v := url.Values{}
	doc := form
	for doc.Parent != nil {
		doc = doc.Parent
	}
	for _, n := range elements(doc, func(n *html.Node) bool {
		return (n.DataAtom == atom.Input || n.DataAtom == atom.Select || n.DataAtom == atom.Textarea) && formOf(doc, n) == form
	}) {
		name, ok := attr(n, "name")
		if !ok || name == "" {
			continue
		}
		if _, disabled := attr(n, "disabled"); disabled {
			continue
		}
		switch n.DataAtom {
		case atom.Input:
			typ, _ := attr(n, "type")
			switch strings.ToLower(typ) {
			case "submit", "button", "image", "reset", "file":
				continue
			case "checkbox", "radio":
				if _, checked := attr(n, "checked"); !checked {
					continue
				}
				val, ok := attr(n, "value")
				if !ok {
					val = "on"
				}
				v.Add(name, val)
				continue
			}
			val, _ := attr(n, "value")
			v.Add(name, val)
		case atom.Textarea:
			var b strings.Builder
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.TextNode {
					b.WriteString(c.Data)
				}
			}
			v.Add(name, b.String())
		case atom.Select:
			opts := elements(n, isTag(atom.Option))
			var chosen *html.Node
			for _, o := range opts {
				if _, sel := attr(o, "selected"); sel {
					chosen = o
					break
				}
			}
			if chosen == nil && len(opts) > 0 {
				if _, multiple := attr(n, "multiple"); !multiple {
					chosen = opts[0] // a browser selects the first option
				}
			}
			if chosen != nil {
				val, ok := attr(chosen, "value")
				if !ok {
					val = textContent(chosen)
				}
				v.Add(name, val)
			}
		}
	}
	return v
}

// resolve makes ref absolute against the current page's URL.
func (d *Driver) resolve(ref string) (string, error) {
	base, err := url.Parse(d.cur.URL)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return "", fmt.Errorf("URL %q: %w", ref, err)
	}
	return base.ResolveReference(r).String(), nil
}

func (d *Driver) formAction(form *html.Node) (string, error) {
	action, _ := attr(form, "action")
	return d.resolve(action)
}

func (d *Driver) submit(ctx context.Context, form *html.Node, fields url.Values) (driver.Page, error) {
	action, err := d.formAction(form)
	if err != nil {
		return d.cur, err
	}
	method, _ := attr(form, "method")
	if strings.EqualFold(method, http.MethodPost) {
		return d.navigate(ctx, http.MethodPost, action, fields)
	}
	u, err := url.Parse(action)
	if err != nil {
		return d.cur, err
	}
	u.RawQuery = fields.Encode()
	return d.navigate(ctx, http.MethodGet, u.String(), nil)
}

// navigate requests target and follows redirects until a page that is not a
// redirect, or a watched callback, is reached.
func (d *Driver) navigate(ctx context.Context, method, target string, form url.Values) (driver.Page, error) {
	status := 0
	for hop := 0; hop <= d.maxRedirects; hop++ {
		if d.isWatched(target) {
			return d.arrive(callbackPage(target, status, nil)), nil
		}
		u, err := url.Parse(target)
		if err != nil {
			return d.cur, fmt.Errorf("navigate to %q: %w", target, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return d.cur, fmt.Errorf("redirected to %s, which is neither http(s) nor a watched callback", redact(target))
		}
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, err := http.NewRequestWithContext(ctx, method, target, body)
		if err != nil {
			return d.cur, err
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		req.Header.Set("Accept", "text/html,application/xhtml+xml")
		resp, err := d.client.Do(req)
		if err != nil {
			return d.cur, fmt.Errorf("%s %s: %w", method, redact(target), err)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
		resp.Body.Close()
		if err != nil {
			return d.cur, fmt.Errorf("%s %s: reading the page: %w", method, redact(target), err)
		}
		status = resp.StatusCode
		if loc := resp.Header.Get("Location"); loc != "" && status >= 300 && status < 400 {
			ref, err := url.Parse(loc)
			if err != nil {
				return d.cur, fmt.Errorf("bad Location %q: %w", redact(loc), err)
			}
			target = u.ResolveReference(ref).String()
			if status != http.StatusTemporaryRedirect && status != http.StatusPermanentRedirect {
				method, form = http.MethodGet, nil
			}
			continue
		}
		return d.arrive(d.pageFrom(target, status, data)), nil
	}
	return d.cur, errors.New("too many redirects")
}

func (d *Driver) arrive(p driver.Page, doc *html.Node) driver.Page {
	d.cur, d.doc = p, doc
	return p
}

// isWatched reports whether target is, or extends with a query or fragment,
// a watched callback.
func (d *Driver) isWatched(target string) bool {
	for _, w := range d.watched {
		if rest, ok := strings.CutPrefix(target, w); ok && (rest == "" || rest[0] == '?' || rest[0] == '#') {
			return true
		}
	}
	return false
}

// callbackPage reports a callback reached by redirect: parameters from the
// query and, where present, the fragment.
func callbackPage(target string, status int, body url.Values) (driver.Page, *html.Node) {
	p := driver.Page{Kind: driver.KindCallback, URL: target, Status: status, Callback: url.Values{}, CallbackVia: "query"}
	base, frag, _ := strings.Cut(target, "#")
	if u, err := url.Parse(base); err == nil {
		for k, vs := range u.Query() {
			p.Callback[k] = append(p.Callback[k], vs...)
		}
	}
	if frag != "" {
		if fv, err := url.ParseQuery(frag); err == nil && len(fv) > 0 {
			p.CallbackVia = "fragment"
			for k, vs := range fv {
				p.Callback[k] = append(p.Callback[k], vs...)
			}
		}
	}
	if body != nil {
		p.CallbackVia = "form_post"
		for k, vs := range body {
			p.Callback[k] = append(p.Callback[k], vs...)
		}
	}
	return p, nil
}

// pageFrom reads a page with the Selectors (by default the mock's markup).
// A page holding a form that posts to a watched callback is a
// response_mode=form_post answer: a browser would submit it at once, so it
// is reported as the callback with the form's fields.
func (d *Driver) pageFrom(target string, status int, data []byte) (driver.Page, *html.Node) {
	doc := parseHTML(string(bytes.ToValidUTF8(data, nil)))
	p := driver.Page{Kind: driver.KindOther, URL: target, Status: status}
	base, _ := url.Parse(target)
	for _, f := range elements(doc, isTag(atom.Form)) {
		action, _ := attr(f, "action")
		ref, err := url.Parse(action)
		if err != nil || base == nil {
			continue
		}
		to := base.ResolveReference(ref).String()
		if method, _ := attr(f, "method"); strings.EqualFold(method, http.MethodPost) && d.isWatched(to) {
			return callbackPage(to, status, formFields(f))
		}
	}
	if t := firstElement(doc, isTag(atom.Title)); t != nil {
		p.Title = strings.Join(strings.Fields(textContent(t)), " ")
	}
	body := firstElement(doc, isTag(atom.Body))
	if body == nil {
		body = doc
	}
	p.Text = textContent(body)
	p.Kind = d.kindOf(doc)
	p.Ambiguous = d.sel.raw.Ambiguous(p.Kind)
	for _, l := range d.sel.scopeLine.all(doc) {
		p.ScopeLines = append(p.ScopeLines, textContent(l))
	}
	if e := d.sel.errorSel.first(doc); e != nil {
		p.Error = driver.Extract(d.sel.patterns.Error, textContent(e))
	}
	if e := d.sel.errorDescription.first(doc); e != nil {
		p.ErrorDescription = driver.Extract(d.sel.patterns.ErrorDescription, textContent(e))
	}
	if n := d.sel.accept.first(doc); n != nil {
		p.Accept = &driver.Control{Tag: n.Data, Label: label(n)}
	}
	if n := d.sel.decline.first(doc); n != nil {
		p.Decline = &driver.Control{Tag: n.Data, Label: label(n)}
	}
	return p, doc
}

// kindOf identifies the page: the first kind whose selectors all match.
func (d *Driver) kindOf(doc *html.Node) driver.Kind {
	for _, k := range d.sel.kinds {
		all := len(k.allOf) > 0
		for _, s := range k.allOf {
			if s.first(doc) == nil {
				all = false
				break
			}
		}
		if all {
			return k.kind
		}
	}
	return driver.KindOther
}

// redact drops the query and fragment of a URL for error messages: they
// may hold codes or tokens.
func redact(target string) string {
	if i := strings.IndexAny(target, "?#"); i >= 0 {
		return target[:i] + "?…"
	}
	return target
}
