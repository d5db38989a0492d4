// Package httpua is the HTTP user agent of the conformance harness: it drives
// an IdP's login, consent and confirmation pages with a plain HTTP client and
// a cookie jar, reading the pages by their markup contract (data-prompt,
// data-scope-line, data-error) and submitting their forms with every hidden
// input, as a browser without JavaScript would. It is fast and needs no
// browser; it implements driver.Driver like the Chromium driver does.
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
}

// Driver is one HTTP user agent with its own cookies. It is not safe for
// concurrent use: one scenario drives it.
type Driver struct {
	client       *http.Client
	maxRedirects int
	watched      []string
	cur          driver.Page
	doc          *node // the current page, parsed; nil at a callback
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
	return &Driver{
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
// button name="action" value="default".
func (d *Driver) Login(ctx context.Context, username, password string) (driver.Page, error) {
	form := d.formWith(func(n *node) bool {
		name, _ := n.attr("name")
		return n.tag == "input" && name == "password"
	})
	if form == nil {
		return d.cur, fmt.Errorf("no login form on the page (%s page at %s)", d.cur.Kind, d.cur.URL)
	}
	fields := formFields(form)
	fields.Set("username", username)
	fields.Set("password", password)
	if b := form.find(buttonWithValue("default")); b != nil {
		fields.Set("action", "default")
	}
	return d.submit(ctx, form, fields)
}

// Accept presses name="action" value="accept".
func (d *Driver) Accept(ctx context.Context) (driver.Page, error) { return d.press(ctx, "accept") }

// Decline presses name="action" value="deny".
func (d *Driver) Decline(ctx context.Context) (driver.Page, error) { return d.press(ctx, "deny") }

func (d *Driver) press(ctx context.Context, value string) (driver.Page, error) {
	form := d.formWith(buttonWithValue(value))
	if form == nil {
		return d.cur, fmt.Errorf("no button action=%q on the page (%s page at %s)", value, d.cur.Kind, d.cur.URL)
	}
	fields := formFields(form)
	fields.Set("action", value)
	return d.submit(ctx, form, fields)
}

// Form returns the action URL and the fields the form holding the button
// name="action" value=button would submit, as pressing it would. Scenarios
// about forged and replayed forms (rule C8) use it with PostForm.
func (d *Driver) Form(button string) (action string, fields url.Values, err error) {
	form := d.formWith(buttonWithValue(button))
	if form == nil {
		return "", nil, fmt.Errorf("no button action=%q on the page (%s page at %s)", button, d.cur.Kind, d.cur.URL)
	}
	fields = formFields(form)
	fields.Set("action", button)
	action, err = d.formAction(form)
	return action, fields, err
}

// PostForm posts fields to action with this agent's cookies, as a browser
// submitting a form would, and follows the answer like Open.
func (d *Driver) PostForm(ctx context.Context, action string, fields url.Values) (driver.Page, error) {
	return d.navigate(ctx, http.MethodPost, action, fields)
}

func buttonWithValue(value string) func(*node) bool {
	return func(n *node) bool {
		name, _ := n.attr("name")
		v, _ := n.attr("value")
		typ, _ := n.attr("type")
		isButton := n.tag == "button" || (n.tag == "input" && (typ == "submit" || typ == "image"))
		return isButton && name == "action" && v == value
	}
}

// formWith returns the first form of the page holding an element that matches.
func (d *Driver) formWith(match func(*node) bool) *node {
	if d.doc == nil {
		return nil
	}
	for _, f := range d.doc.findAll(isTag("form")) {
		if f.find(match) != nil {
			return f
		}
	}
	return nil
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

// pageFrom reads a page by its markup. A page holding a form that posts to
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
	if marked := doc.find(hasAttr("data-prompt")); marked != nil {
		v, _ := marked.attr("data-prompt")
		switch k := driver.Kind(v); k {
		case driver.KindLogin, driver.KindConsent, driver.KindConfirmation, driver.KindError:
			p.Kind = k
		}
	}
	for _, l := range doc.findAll(hasAttr("data-scope-line")) {
		p.ScopeLines = append(p.ScopeLines, l.textContent())
	}
	if e := doc.find(hasAttr("data-error")); e != nil {
		p.Error = e.textContent()
	}
	if e := doc.find(hasAttr("data-error-description")); e != nil {
		p.ErrorDescription = e.textContent()
	}
	return p, doc
}

// redact drops the query and fragment of a URL for error messages: they
// may hold codes or tokens.
func redact(target string) string {
	if i := strings.IndexAny(target, "?#"); i >= 0 {
		return target[:i] + "?…"
	}
	return target
}
