package loadtest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// Step indexes of the code flow, in Result.Steps order.
const (
	stepAuthorize = iota
	stepLogin
	stepConsent
	stepToken
)

// maxPageBytes bounds a login or consent page.
const maxPageBytes = 1 << 20

// errCallback stops redirects at the client's redirect_uri: it is never
// requested (it may not exist, as in the demo tenant).
var errCallback = errors.New("reached the redirect_uri")

// page is a response the flow is looking at: a page with forms, or the
// callback with its query.
type page struct {
	url      *url.URL
	status   int
	forms    []form
	prompt   string     // data-prompt of the page, when it has one
	callback url.Values // the callback's query (or fragment) when the flow reached it
}

// form is an HTML form: where it posts and what it would submit.
type form struct {
	action  string
	fields  url.Values        // hidden and text inputs with their values
	names   map[string]bool   // every input name, of any type
	buttons map[string]string // submit button value -> its name
}

// codeFlow runs one authorization-code flow with a fresh cookie jar and
// records the time of each step in times.
func (r *runner) codeFlow(ctx context.Context, times []time.Duration) error {
	jar, _ := cookiejar.New(nil)
	cb, err := url.Parse(r.cfg.RedirectURI)
	if err != nil {
		return failf("redirect_uri is not a URL")
	}
	c := &http.Client{Transport: r.transport, Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if isCallback(req.URL, cb) {
			return http.ErrUseLastResponse
		}
		if len(via) >= 10 {
			return failf("more than 10 redirects")
		}
		return nil
	}}

	verifier, challenge := pkce()
	state := randomString(12)
	q := url.Values{"response_type": {"code"}, "client_id": {r.cfg.ClientID}, "redirect_uri": {r.cfg.RedirectURI},
		"state": {state}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	setIf(q, "audience", r.cfg.Audience)
	setIf(q, "resource", r.cfg.Resource)
	setIf(q, "prompt", r.cfg.Prompt)
	scope := r.cfg.Scope
	if scope == "" {
		scope = "openid"
	}
	q.Set("scope", scope)
	authz := r.disc.AuthorizationEndpoint
	if strings.Contains(authz, "?") {
		authz += "&" + q.Encode()
	} else {
		authz += "?" + q.Encode()
	}

	t := time.Now()
	p, err := r.load(ctx, c, cb, http.MethodGet, authz, nil)
	times[stepAuthorize] = time.Since(t)
	if err != nil {
		return prefix("authorize", err)
	}

	if p.callback == nil {
		login := p.formWith(func(f *form) bool { return f.names["password"] })
		if login == nil {
			return failf("login: no login form%s", p.describe())
		}
		fields := login.values()
		fields.Set("username", r.cfg.Username)
		fields.Set("password", r.cfg.Password)
		if name, ok := login.buttons["default"]; ok {
			fields.Set(name, "default")
		}
		t = time.Now()
		p, err = r.load(ctx, c, cb, http.MethodPost, p.resolve(login.action), fields)
		times[stepLogin] = time.Since(t)
		if err != nil {
			return prefix("login", err)
		}
		if p.callback == nil && p.formWith(func(f *form) bool { return f.names["password"] }) != nil {
			return failf("login: the login page again (wrong --user or --password?)")
		}
	}

	if p.callback == nil {
		accept := p.formWith(func(f *form) bool { _, ok := f.buttons["accept"]; return ok })
		if accept == nil {
			return failf("consent: neither the callback nor a form with an accept button%s", p.describe())
		}
		fields := accept.values()
		fields.Set(accept.buttons["accept"], "accept")
		t = time.Now()
		p, err = r.load(ctx, c, cb, http.MethodPost, p.resolve(accept.action), fields)
		times[stepConsent] = time.Since(t)
		if err != nil {
			return prefix("consent", err)
		}
		if p.callback == nil {
			return failf("consent: did not reach the redirect_uri%s", p.describe())
		}
	}

	if e := p.callback.Get("error"); e != "" {
		return failf("callback: error=%s", e)
	}
	if p.callback.Get("state") != state {
		return failf("callback: state does not match")
	}
	code := p.callback.Get("code")
	if code == "" {
		return failf("callback: no code")
	}
	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {r.cfg.ClientID}, "code": {code},
		"redirect_uri": {r.cfg.RedirectURI}, "code_verifier": {verifier}}
	setIf(form, "client_secret", r.cfg.ClientSecret)
	t = time.Now()
	err = r.tokenRequest(ctx, r.plain(), form)
	times[stepToken] = time.Since(t)
	return err
}

func prefix(step string, err error) error {
	var oe *opError
	if errors.As(err, &oe) {
		return failf("%s: %s", step, oe.kind)
	}
	return err
}

// isCallback reports whether u is the redirect_uri cb (any query).
func isCallback(u, cb *url.URL) bool {
	return u.Scheme == cb.Scheme && strings.EqualFold(u.Host, cb.Host) && u.Path == cb.Path
}

// load requests a page (following the IdP's redirects) and reads its forms,
// or stops at the callback.
func (r *runner) load(ctx context.Context, c *http.Client, cb *url.URL, method, target string, body url.Values) (*page, error) {
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(body.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, rd)
	if err != nil {
		return nil, failf("bad URL")
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := r.do(c, req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	p := &page{url: resp.Request.URL, status: resp.StatusCode}
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && loc != "" {
		u, err := resp.Request.URL.Parse(loc)
		if err != nil {
			return nil, failf("HTTP %d with a bad Location", resp.StatusCode)
		}
		if !isCallback(u, cb) {
			return nil, failf("HTTP %d to somewhere else than the redirect_uri", resp.StatusCode)
		}
		p.callback = u.Query()
		if u.Fragment != "" {
			if fq, err := url.ParseQuery(u.Fragment); err == nil {
				p.callback = fq
			}
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return p, nil
	}
	doc, err := html.Parse(io.LimitReader(resp.Body, maxPageBytes))
	if err != nil {
		return nil, failf("HTTP %d, not HTML", resp.StatusCode)
	}
	p.read(doc)
	if resp.StatusCode != http.StatusOK && len(p.forms) == 0 {
		return nil, failf("HTTP %d%s", resp.StatusCode, p.describe())
	}
	return p, nil
}

// describe names the page kind, for an error.
func (p *page) describe() string {
	if p.prompt != "" {
		return " (HTTP " + strconv.Itoa(p.status) + ", page data-prompt=" + p.prompt + ")"
	}
	return " (HTTP " + strconv.Itoa(p.status) + ")"
}

func (p *page) resolve(action string) string {
	if action == "" {
		return p.url.String()
	}
	u, err := p.url.Parse(action)
	if err != nil {
		return p.url.String()
	}
	return u.String()
}

func (p *page) formWith(match func(*form) bool) *form {
	for i := range p.forms {
		if match(&p.forms[i]) {
			return &p.forms[i]
		}
	}
	return nil
}

// values is a copy of the fields the form submits.
func (f *form) values() url.Values {
	v := url.Values{}
	for k, vs := range f.fields {
		v[k] = append([]string(nil), vs...)
	}
	return v
}

// read collects the page's forms and its data-prompt.
func (p *page) read(n *html.Node) {
	var cur *form
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if v, ok := attr(n, "data-prompt"); ok && p.prompt == "" {
				p.prompt = v
			}
			switch n.Data {
			case "form":
				action, _ := attr(n, "action")
				p.forms = append(p.forms, form{action: action, fields: url.Values{}, names: map[string]bool{}, buttons: map[string]string{}})
				prev := cur
				cur = &p.forms[len(p.forms)-1]
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					walk(c)
				}
				cur = prev
				return
			case "input":
				if cur != nil {
					name, _ := attr(n, "name")
					typ, _ := attr(n, "type")
					val, _ := attr(n, "value")
					if name != "" {
						cur.names[name] = true
						switch strings.ToLower(typ) {
						case "submit":
							cur.buttons[val] = name
						case "checkbox", "radio":
							if _, checked := attr(n, "checked"); checked {
								cur.fields.Add(name, val)
							}
						default:
							cur.fields.Add(name, val)
						}
					}
				}
			case "button":
				if cur != nil {
					name, _ := attr(n, "name")
					val, _ := attr(n, "value")
					typ, _ := attr(n, "type")
					if name != "" && (typ == "" || strings.EqualFold(typ, "submit")) {
						cur.buttons[val] = name
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}
