// Package httpua is the HTTP user agent of the conformance harness: it drives
// an IdP's login, consent and confirmation pages with a plain HTTP client and
// a cookie jar, reading the pages with CSS selectors (by default the mock's
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

	"github.com/consentry/consentry/steps/driver"
)

// maxBody bounds how much of a page is read.
const maxBody = 4 << 20

// Options configure a Driver.
type Options struct {
	// Transport carries the requests; nil means http.DefaultTransport.
	Transport http.RoundTripper
	// MaxRedirects bounds one navigation (default 20).
	MaxRedirects int
	// Selectors read the pages; empty fields mean the mock's markup.
	// They must be in the CSS subset the driver understands (see
	// driver.Selectors); New says which one is not.
	Selectors driver.Selectors
}

// Driver is one HTTP user agent with its own cookies. It is not safe for
// concurrent use: one scenario drives it.
type Driver struct {
	client       *http.Client
	maxRedirects int
	watched      []string
	cur          driver.Page
	doc          *node // the current page, parsed; nil at a callback
	sel          *compiled
}

// compiled are the Selectors, parsed.
type compiled struct {
	username, password, login, accept, decline *selector
	scopeLine, errorSel, errorDescription      *selector
	kinds                                      []compiledKind
}

type compiledKind struct {
	kind  driver.Kind
	allOf []*selector
}

// CompileSelectors checks that every selector is in the subset the driver
// understands, naming the profile key of the first that is not.
func CompileSelectors(s driver.Selectors) error {
	_, err := compileSelectors(s)
	return err
}

func compileSelectors(s driver.Selectors) (*compiled, error) {
	s = s.WithDefaults()
	c := &compiled{}
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
	return &Driver{
		sel: sel,
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

// Close drops the cookies.
func (d *Driver) Close() error {
	d.client.CloseIdleConnections()
	return nil
}

// Open navigates to authorizeURL.
func (d *Driver) Open(ctx context.Context, authorizeURL string) (driver.Page, error) {
	return d.navigate(ctx, http.MethodGet, authorizeURL, nil)
}

// Login fills username and password on the login page and presses the
// login button (the Selectors' Username, Password and Login).
func (d *Driver) Login(ctx context.Context, username, password string) (driver.Page, error) {
	if d.doc == nil {
		return d.cur, fmt.Errorf("no login form on the page (%s page at %s)", d.cur.Kind, d.cur.URL)
	}
	// The form of the login button, else the form holding the password.
	button := d.doc.find(d.sel.login.match())
	form := formOf(d.doc, button)
	if form == nil {
		if pw := d.doc.find(d.sel.password.match()); pw != nil {
			form = formOf(d.doc, pw)
		}
	}
	if form == nil {
		return d.cur, fmt.Errorf("no login form on the page: nothing matches login '%s' or password '%s' in a form (%s page at %s)",
			d.sel.login.src, d.sel.password.src, d.cur.Kind, d.cur.URL)
	}
	fields := formFields(form)
	for _, in := range []struct {
		what  string
		sel   *selector
		value string
	}{{"username", d.sel.username, username}, {"password", d.sel.password, password}} {
		n := form.find(in.sel.match())
		if n == nil {
			n = d.doc.find(in.sel.match())
		}
		if n == nil {
			return d.cur, fmt.Errorf("the login form has no %s input (selector '%s') at %s", in.what, in.sel.src, d.cur.URL)
		}
		name, _ := n.attr("name")
		if name == "" {
			return d.cur, fmt.Errorf("the %s input (selector '%s') has no name: it would not be submitted", in.what, in.sel.src)
		}
		fields.Set(name, in.value)
	}
	if button == nil || formOf(d.doc, button) != form {
		button = form.find(d.sel.login.match())
	}
	setButton(fields, button)
	return d.submit(ctx, form, fields)
}

// Accept presses the Accept button (default name="action" value="accept").
func (d *Driver) Accept(ctx context.Context) (driver.Page, error) {
	return d.press(ctx, "accept", d.sel.accept)
}

// Decline presses the Decline button (default name="action" value="deny").
func (d *Driver) Decline(ctx context.Context) (driver.Page, error) {
	return d.press(ctx, "decline", d.sel.decline)
}

func (d *Driver) press(ctx context.Context, what string, sel *selector) (driver.Page, error) {
	form, fields, err := d.buttonForm(what, sel)
	if err != nil {
		return d.cur, err
	}
	return d.submit(ctx, form, fields)
}

// buttonForm finds the button and returns its form and the fields pressing
// it would submit.
func (d *Driver) buttonForm(what string, sel *selector) (*node, url.Values, error) {
	var button, form *node
	if d.doc != nil {
		// The first matching button that belongs to a form.
		for _, b := range d.doc.findAll(sel.match()) {
			if f := formOf(d.doc, b); f != nil {
				button, form = b, f
				break
			}
		}
	}
	if form == nil {
		return nil, nil, fmt.Errorf("no %s button in a form on the page (selector '%s'; %s page at %s)", what, sel.src, d.cur.Kind, d.cur.URL)
	}
	fields := formFields(form)
	setButton(fields, button)
	return form, fields, nil
}

// setButton adds what a pressed submit button sends: its name and value.
func setButton(fields url.Values, button *node) {
	if button == nil {
		return
	}
	if name, _ := button.attr("name"); name != "" {
		v, _ := button.attr("value")
		fields.Set(name, v)
	}
}

// formOf returns the form an element belongs to: the one its form
// attribute names, else its nearest form ancestor.
func formOf(doc, n *node) *node {
	if n == nil {
		return nil
	}
	if id, ok := n.attr("form"); ok && id != "" {
		return doc.find(func(f *node) bool { v, _ := f.attr("id"); return f.tag == "form" && v == id })
	}
	for a := n.parent; a != nil; a = a.parent {
		if a.tag == "form" {
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
		sel = &selector{src: fmt.Sprintf("button[name=action][value=%q]", button)}
		sel.alts = []complexSel{{parts: []compound{{tag: "button", attrs: []attrSel{
			{name: "name", value: "action", hasValue: true}, {name: "value", value: button, hasValue: true},
		}}}}}
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
// named input (hidden ones included), checked boxes, selects and textareas.
func formFields(form *node) url.Values {
	v := url.Values{}
	for _, n := range form.findAll(func(n *node) bool {
		return n.tag == "input" || n.tag == "select" || n.tag == "textarea"
	}) {
		name, ok := n.attr("name")
		if !ok || name == "" {
			continue
		}
		if _, disabled := n.attr("disabled"); disabled {
			continue
		}
		switch n.tag {
		case "input":
			typ, _ := n.attr("type")
			switch strings.ToLower(typ) {
			case "submit", "button", "image", "reset", "file":
				continue
			case "checkbox", "radio":
				if _, checked := n.attr("checked"); !checked {
					continue
				}
				val, ok := n.attr("value")
				if !ok {
					val = "on"
				}
				v.Add(name, val)
				continue
			}
			val, _ := n.attr("value")
			v.Add(name, val)
		case "textarea":
			v.Add(name, n.textContent())
		case "select":
			if opt := n.find(func(o *node) bool { _, sel := o.attr("selected"); return o.tag == "option" && sel }); opt != nil {
				val, ok := opt.attr("value")
				if !ok {
					val = opt.textContent()
				}
				v.Add(name, val)
			}
		}
	}
	return v
}

func (d *Driver) formAction(form *node) (string, error) {
	base, err := url.Parse(d.cur.URL)
	if err != nil {
		return "", err
	}
	action, _ := form.attr("action")
	ref, err := url.Parse(action)
	if err != nil {
		return "", fmt.Errorf("form action %q: %w", action, err)
	}
	return base.ResolveReference(ref).String(), nil
}

func (d *Driver) submit(ctx context.Context, form *node, fields url.Values) (driver.Page, error) {
	action, err := d.formAction(form)
	if err != nil {
		return d.cur, err
	}
	method, _ := form.attr("method")
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

func (d *Driver) arrive(p driver.Page, doc *node) driver.Page {
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
func callbackPage(target string, status int, body url.Values) (driver.Page, *node) {
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

// pageFrom reads a page with the Selectors (by default the mock's markup). A page holding a form that posts to
// a watched callback is a response_mode=form_post answer: a browser would
// submit it at once, so it is reported as the callback with the form's
// fields.
func (d *Driver) pageFrom(target string, status int, data []byte) (driver.Page, *node) {
	doc := parseHTML(string(bytes.ToValidUTF8(data, nil)))
	p := driver.Page{Kind: driver.KindOther, URL: target, Status: status}
	base, _ := url.Parse(target)
	for _, f := range doc.findAll(isTag("form")) {
		action, _ := f.attr("action")
		ref, err := url.Parse(action)
		if err != nil || base == nil {
			continue
		}
		to := base.ResolveReference(ref).String()
		if method, _ := f.attr("method"); strings.EqualFold(method, http.MethodPost) && d.isWatched(to) {
			return callbackPage(to, status, formFields(f))
		}
	}
	if t := doc.find(isTag("title")); t != nil {
		p.Title = strings.Join(strings.Fields(t.textContent()), " ")
	}
	body := doc.find(isTag("body"))
	if body == nil {
		body = doc
	}
	p.Text = body.textContent()
	p.Kind = d.kindOf(doc)
	for _, l := range doc.findAll(d.sel.scopeLine.match()) {
		p.ScopeLines = append(p.ScopeLines, l.textContent())
	}
	if e := doc.find(d.sel.errorSel.match()); e != nil {
		p.Error = e.textContent()
	}
	if e := doc.find(d.sel.errorDescription.match()); e != nil {
		p.ErrorDescription = e.textContent()
	}
	return p, doc
}

// kindOf identifies the page: the first kind whose selectors all match.
func (d *Driver) kindOf(doc *node) driver.Kind {
	for _, k := range d.sel.kinds {
		all := len(k.allOf) > 0
		for _, s := range k.allOf {
			if doc.find(s.match()) == nil {
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
