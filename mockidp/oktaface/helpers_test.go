package oktaface_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/golang-jwt/jwt/v5"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/oktaface"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/store/oktamem"
	"github.com/consentry/consentry/mockidp/tokens"
)

const (
	password = "correct horse battery staple"
	webCB    = "https://app.example.com/authorization-code/callback"
	spaCB    = "http://localhost:3000/login/callback"
	secret   = "web-secret-0123456789abcdef"
	svcSec   = "svc-secret-0123456789abcdef"
)

// org is a test org behind an httptest server.
type org struct {
	t    testing.TB
	h    http.Handler // the org's routes, for requests made in process
	st   *oktamem.Store
	srv  *okta.AuthServer
	url  string
	keys *tokens.Keys
	web  *okta.App // REQUIRED, code + implicit
	spa  *okta.App // browser, PKCE
	svc  *okta.App // service
	user *okta.User
}

func newOrg(t testing.TB) *org {
	t.Helper()
	ctx := context.Background()
	st := oktamem.New()
	srv, err := okta.SeedOrg(ctx, st, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keys, err := tokens.NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	o := &org{t: t, st: st, srv: srv, keys: keys}
	var h http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(ts.Close)
	o.url = ts.URL
	r := chi.NewRouter()
	oktaface.New(oktaface.Config{Store: st, Sessions: session.NewMemory(nil, session.Limits{}), Keys: keys, OrgURL: ts.URL, OrgName: "Test Org"}).Mount(r)
	h = r
	o.h = r

	o.web = o.app("ConsentWebApp", okta.AppWeb, okta.ConsentRequired, webCB, secret, okta.GrantAuthorizationCode, okta.GrantImplicit, okta.GrantPassword)
	o.web.Settings.OAuthClient.ResponseTypes = []string{"code", "token", "id_token"}
	o.web.Settings.OAuthClient.PostLogoutRedirectURIs = []string{"https://app.example.com/"}
	o.update(o.web)
	o.spa = o.app("SPA", okta.AppBrowser, okta.ConsentRequired, spaCB, "", okta.GrantAuthorizationCode)
	o.svc = o.app("Service", okta.AppService, okta.ConsentTrusted, "", svcSec, okta.GrantClientCredentials)
	hash, err := credentials.HashPassword(password, credentials.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	u := &okta.User{Status: okta.UserActive, PasswordHash: hash, Profile: okta.UserProfile{Login: "joe@example.com",
		Email: "joe@example.com", FirstName: "Joe", LastName: "Smith", MobilePhone: "+1 555 0100"}}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	o.user = u
	o.assign(o.web)
	o.assign(o.spa)
	return o
}

func (o *org) app(label, typ, method, cb, sec string, grants ...string) *okta.App {
	a := &okta.App{Label: label, Status: okta.StatusActive}
	if slices.Contains(grants, okta.GrantImplicit) {
		a.Settings.OAuthClient.ResponseTypes = []string{"code", "token", "id_token"}
	}
	a.ID = okta.NewID(okta.PrefixApp)
	oc := &a.Settings.OAuthClient
	oc.ApplicationType, oc.ConsentMethod, oc.GrantTypes = typ, method, grants
	if cb != "" {
		oc.RedirectURIs = []string{cb}
	}
	a.Credentials.OAuthClient.ClientSecret = sec
	okta.ApplyAppDefaults(a)
	if err := okta.ValidateApp(a); err != nil {
		o.t.Fatal(err)
	}
	if err := o.st.CreateApp(context.Background(), a); err != nil {
		o.t.Fatal(err)
	}
	return a
}

func (o *org) update(a *okta.App) {
	if err := o.st.UpdateApp(context.Background(), a); err != nil {
		o.t.Fatal(err)
	}
}

func (o *org) assign(a *okta.App) {
	if err := o.st.AssignUser(context.Background(), &okta.AppUser{AppID: a.ID, ID: o.user.ID, Scope: okta.AssignmentScopeUser}); err != nil {
		o.t.Fatal(err)
	}
}

func (o *org) setScope(name, consentValue string, optional bool) {
	s, err := o.st.FindScope(context.Background(), o.srv.ID, name)
	if err != nil {
		o.t.Fatal(err)
	}
	s.Consent, s.Optional = consentValue, optional
	if err := o.st.UpdateScope(context.Background(), s); err != nil {
		o.t.Fatal(err)
	}
}

func (o *org) issuer() string { return o.url + "/oauth2/default" }

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	o *org
	c *http.Client
}

func (o *org) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{o: o, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status   int
	location string
	body     string
}

func (b *browser) do(req *http.Request) page {
	b.o.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.o.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, location: res.Header.Get("Location"), body: string(body)}
}

func (b *browser) get(u string) page {
	req, _ := http.NewRequest("GET", u, nil)
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) page {
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// authorize starts an authorization request on the default server.
func (b *browser) authorize(a *okta.App, params url.Values) page {
	q := url.Values{"client_id": {a.ClientID()}, "redirect_uri": {a.Settings.OAuthClient.RedirectURIs[0]},
		"response_type": {"code"}, "state": {"st-1"}, "scope": {"openid"}}
	for k, v := range params {
		q[k] = v
	}
	return b.get(b.o.issuer() + "/v1/authorize?" + q.Encode())
}

var (
	actionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	stateRE  = regexp.MustCompile(`name="state" value="([^"]+)"`)
	csrfRE   = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
)

func formOf(t testing.TB, p page) (string, url.Values) {
	t.Helper()
	a, s, c := actionRE.FindStringSubmatch(p.body), stateRE.FindStringSubmatch(p.body), csrfRE.FindStringSubmatch(p.body)
	if a == nil || s == nil || c == nil {
		t.Fatalf("no form in page %d: %s", p.status, p.body)
	}
	return unescape(a[1]), url.Values{"state": {unescape(s[1])}, "csrf": {unescape(c[1])}}
}

func unescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`).Replace(s)
}

// follow follows one redirect inside the org.
func (b *browser) follow(p page) page {
	b.o.t.Helper()
	if p.status != http.StatusFound || !strings.HasPrefix(p.location, b.o.url) {
		b.o.t.Fatalf("want a redirect inside the org, got %d %q: %s", p.status, p.location, p.body)
	}
	return b.get(p.location)
}

// login follows the redirect to the sign-in page and signs in; it returns
// the answer to the sign-in post.
func (b *browser) login(p page) page {
	b.o.t.Helper()
	lp := b.follow(p)
	if !strings.Contains(lp.body, `data-prompt="login"`) {
		b.o.t.Fatalf("not the sign-in page: %s", lp.body)
	}
	action, form := formOf(b.o.t, lp)
	form.Set("username", b.o.user.Profile.Login)
	form.Set("password", password)
	return b.post(action, form)
}

// consentPage follows the redirect to the consent page.
func (b *browser) consentPage(p page) page {
	b.o.t.Helper()
	cp := b.follow(p)
	if !strings.Contains(cp.body, `data-prompt="consent"`) {
		b.o.t.Fatalf("not the consent page: %s", cp.body)
	}
	return cp
}

// answer posts the consent page's form with action and the ticked optional
// scopes.
func (b *browser) answer(cp page, action string, ticked ...string) page {
	a, form := formOf(b.o.t, cp)
	form.Set("action", action)
	for _, s := range ticked {
		form.Set("optedScopes."+s, "true")
	}
	return b.post(a, form)
}

// callback checks that p goes to the app's callback and returns its
// parameters (query, or fragment when fragment is true).
func callback(t testing.TB, p page, cb string, fragment bool) url.Values {
	t.Helper()
	if p.status != http.StatusFound || !strings.HasPrefix(p.location, cb) {
		t.Fatalf("want a redirect to %s, got %d %q: %s", cb, p.status, p.location, p.body)
	}
	u, _ := url.Parse(p.location)
	raw := u.RawQuery
	if fragment {
		raw = u.Fragment
	}
	v, _ := url.ParseQuery(raw)
	return v
}

// token posts to the token endpoint with basic auth when sec is set.
func (o *org) token(clientID, sec string, form url.Values) (int, map[string]any) {
	o.t.Helper()
	req, _ := http.NewRequest("POST", o.issuer()+"/v1/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sec != "" {
		req.SetBasicAuth(clientID, sec)
	}
	return o.call(req)
}

func (o *org) call(req *http.Request) (int, map[string]any) {
	o.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		o.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(res.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			o.t.Fatalf("%d: not JSON: %s", res.StatusCode, b)
		}
	}
	return res.StatusCode, out
}

func (o *org) postForm(path, clientID, sec string, form url.Values) (int, map[string]any) {
	req, _ := http.NewRequest("POST", o.issuer()+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, sec)
	return o.call(req)
}

// redeem exchanges a code of the web app.
func (o *org) redeem(code string) map[string]any {
	o.t.Helper()
	status, body := o.token(o.web.ClientID(), secret, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {webCB}})
	if status != http.StatusOK {
		o.t.Fatalf("token: %d %v", status, body)
	}
	return body
}

// claims verifies a token with the org's keys and returns its claims.
func (o *org) claims(tok string) jwt.MapClaims {
	o.t.Helper()
	c, err := (&tokens.Issuer{URL: o.issuer(), Keys: o.keys}).VerifyClaims(tok, false)
	if err != nil {
		o.t.Fatalf("token does not verify: %v", err)
	}
	return c
}

func scp(c jwt.MapClaims) []string {
	var out []string
	for _, v := range c["scp"].([]any) {
		out = append(out, v.(string))
	}
	return out
}

func s256(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
