package auth0_test

// Test fixtures for the rule tests: a tenant built straight through the
// memstore, an httptest server running the whole IdP, a browser (cookie jar,
// stops at the first redirect off the IdP's host) that drives the pages by
// their markup contract, and token endpoint helpers.

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

const (
	tenantName = "Acme Test Tenant"
	connection = "Username-Password-Authentication"
	password   = "correct horse battery staple"

	// apiPosts asks for consent from every client (skip off).
	apiPosts = "https://posts.example.com/"
	// apiNotes lets first-party clients skip consent.
	apiNotes = "https://notes.example.com/"

	callbackWeb = "https://app.example.com/callback"

	mgmtClientID     = "mgmt-client"
	mgmtClientSecret = "mgmt-secret-0123456789"

	declined = "User did not authorize the request"
)

// idp is one mock IdP on a real loopback listener, over a memstore the test
// reads and writes directly.
type idp struct {
	t      testing.TB
	store  *memstore.Store
	srv    *server.Server
	ts     *httptest.Server
	issuer string
	host   string
	alice  *tenant.User
}

// testKeys are signing keys made once for every test tenant: generating an
// RSA key per test would be most of the suite's run time.
var testKeys = sync.OnceValues(func() ([]tenant.SigningKey, error) {
	st := memstore.New()
	if _, err := tokens.LoadOrCreate(context.Background(), st); err != nil {
		return nil, err
	}
	return st.SigningKeys(context.Background())
})

// newIDP starts an IdP whose tenant has the two APIs, one user (alice) and
// a friendly name. Clients are added by each test.
func newIDP(t testing.TB) *idp {
	t.Helper()
	return startIDP(t, nil)
}

// clock is a test clock for server.Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newClockedIDP is newIDP on a clock the test moves, so codes, sessions and
// tokens expire without waiting.
func newClockedIDP(t testing.TB) (*idp, *clock) {
	t.Helper()
	clk := &clock{now: time.Now().Truncate(time.Second)}
	return startIDP(t, clk.Now), clk
}

func startIDP(t testing.TB, now func() time.Time) *idp {
	t.Helper()
	return startIDPWith(t, now, false)
}

// startIDPWith is startIDP, served over HTTPS (httptest's certificate,
// which p.ts.Client() trusts) when tls is set.
func startIDPWith(t testing.TB, now func() time.Time, tls bool) *idp {
	t.Helper()
	return startReplicas(t, now, tls, 1)
}

// startReplicas is startIDPWith with n replicas of the IdP behind one
// address, taking the requests in turn, over one tenant store and one
// session store (as replicas on one PostgreSQL are). p.srv is the first.
func startReplicas(t testing.TB, now func() time.Time, tls bool, n int) *idp {
	t.Helper()
	ctx := context.Background()
	st := memstore.New()
	ts := httptest.NewUnstartedServer(nil)
	p := &idp{t: t, store: st, ts: ts, host: ts.Listener.Addr().String()}
	p.issuer = "http://" + p.host + "/"
	if tls {
		p.issuer = "https://" + p.host + "/"
	}
	must(t, st.UpdateSettings(ctx, tenant.Settings{FriendlyName: tenantName}))
	must(t, st.CreateAPI(ctx, &tenant.API{Identifier: apiPosts, Name: "Posts API", SigningAlg: tokens.RS256,
		TokenLifetime: 3600, AllowOfflineAccess: true, Scopes: []tenant.Scope{
			{Value: "read:posts", Description: "Read your posts"},
			{Value: "write:posts", Description: "Write your posts"},
			{Value: "delete:posts"}, // no description: shown by its value (C7)
		}}))
	must(t, st.CreateAPI(ctx, &tenant.API{Identifier: apiNotes, Name: "Notes API", SigningAlg: tokens.RS256,
		TokenLifetime: 7200, AllowOfflineAccess: true, SkipConsentForVerifiableFirstPartyClients: true,
		Scopes: []tenant.Scope{{Value: "read:notes"}, {Value: "write:notes"}}}))
	p.alice = p.addUser("auth0|alice", "alice@example.com", "Alice Liddell")
	keys, err := testKeys()
	must(t, err)
	for _, k := range keys {
		must(t, st.AddSigningKey(ctx, k))
	}
	opts := server.Options{Issuer: p.issuer, Store: st, PasswordCost: credentials.MinCost,
		MgmtClientID: mgmtClientID, MgmtClientSecret: mgmtClientSecret, Now: now}
	if n > 1 {
		opts.Sessions = session.NewMemory(now, session.Limits{})
	}
	var replicas []http.Handler
	for range n {
		srv, err := server.New(ctx, opts)
		must(t, err)
		if p.srv == nil {
			p.srv = srv
		}
		replicas = append(replicas, srv)
	}
	if n == 1 {
		ts.Config.Handler = p.srv
	} else {
		var next atomic.Uint64
		ts.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			replicas[(next.Add(1)-1)%uint64(len(replicas))].ServeHTTP(w, r)
		})
	}
	if tls {
		ts.StartTLS()
	} else {
		ts.Start()
	}
	t.Cleanup(ts.Close)
	return p
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (p *idp) addUser(id, email, name string) *tenant.User {
	p.t.Helper()
	h, err := credentials.HashPassword(password, credentials.MinCost)
	must(p.t, err)
	u := &tenant.User{UserID: id, Email: email, Name: name, Connection: connection, PasswordHash: h}
	must(p.t, p.store.CreateUser(context.Background(), u))
	return u
}

// Client kinds for addClient.
func firstParty(c *tenant.Client) { c.IsFirstParty = true }

func strictThirdParty(c *tenant.Client) {
	c.IsFirstParty = false
	c.ThirdPartySecurityMode = tenant.ModeStrict
	c.ClientID = credentials.GenerateClientID(true)
	c.GrantTypes = []string{tenant.GrantAuthorizationCode, tenant.GrantRefreshToken, tenant.GrantClientCredentials}
}

func permissiveThirdParty(c *tenant.Client) {
	c.IsFirstParty = false
	c.ThirdPartySecurityMode = tenant.ModePermissive
}

func public(c *tenant.Client) { c.TokenEndpointAuthMethod = tenant.AuthNone; c.ClientSecret = "" }

func callbacks(cbs ...string) func(*tenant.Client) {
	return func(c *tenant.Client) { c.Callbacks = cbs }
}

func grantTypes(gts ...string) func(*tenant.Client) {
	return func(c *tenant.Client) { c.GrantTypes = gts }
}

func skipConfirmation(v bool) func(*tenant.Client) {
	return func(c *tenant.Client) { c.SkipNonVerifiableCallbackURIConfirmationPrompt = &v }
}

// addClient stores a confidential regular web client with every grant type
// the face knows, changed by opts, and returns it as stored.
func (p *idp) addClient(opts ...func(*tenant.Client)) *tenant.Client {
	p.t.Helper()
	c := &tenant.Client{
		ClientID: credentials.GenerateClientID(false), ClientSecret: credentials.GenerateSecret(),
		Name: "Client " + tokens.RandomID()[:6], AppType: tenant.AppRegularWeb,
		Callbacks: []string{callbackWeb}, AllowedLogoutURLs: []string{},
		GrantTypes: []string{tenant.GrantAuthorizationCode, tenant.GrantImplicit, tenant.GrantRefreshToken,
			tenant.GrantClientCredentials, tenant.GrantPassword, tenant.GrantPasswordRealm},
		TokenEndpointAuthMethod: tenant.AuthSecretPost,
	}
	for _, o := range opts {
		o(c)
	}
	ctx := context.Background()
	must(p.t, p.store.CreateClient(ctx, c))
	// As the Management API does: a new client may use the tenant's
	// database connection (password-realm checks it).
	conn, err := p.store.GetConnectionByName(ctx, tenant.DefaultConnectionName)
	must(p.t, err)
	conn.EnabledClients = append(conn.EnabledClients, c.ClientID)
	must(p.t, p.store.UpdateConnection(ctx, conn))
	return c
}

// clientGrant gives a client a client grant on an API.
func (p *idp) clientGrant(c *tenant.Client, audience, subject string, scopes ...string) {
	p.t.Helper()
	must(p.t, p.store.CreateClientGrant(context.Background(), &tenant.ClientGrant{ClientID: c.ClientID,
		Audience: audience, SubjectType: subject, Scope: scopes}))
}

// grants lists alice's user grants for a client.
func (p *idp) grants(c *tenant.Client) []*tenant.UserGrant {
	p.t.Helper()
	gs, err := p.store.ListUserGrants(context.Background(), tenant.UserGrantFilter{UserID: p.alice.UserID, ClientID: c.ClientID})
	must(p.t, err)
	return gs
}

func (p *idp) wantNoGrant(c *tenant.Client) {
	p.t.Helper()
	if gs := p.grants(c); len(gs) != 0 {
		p.t.Fatalf("user grants = %+v, want none", gs[0])
	}
}

func (p *idp) setSettings(f func(*tenant.Settings)) {
	p.t.Helper()
	ctx := context.Background()
	s, err := p.store.GetSettings(ctx)
	must(p.t, err)
	f(&s)
	must(p.t, p.store.UpdateSettings(ctx, s))
}

// authReq is an authorization request for c's first callback: the code
// flow with a state; kv pairs set (or, with "", delete) parameters.
func authReq(c *tenant.Client, kv ...string) url.Values {
	q := url.Values{"client_id": {c.ClientID}, "response_type": {"code"}, "state": {"st/" + tokens.RandomID()[:8] + " &=?"}}
	if len(c.Callbacks) > 0 {
		q.Set("redirect_uri", c.Callbacks[0])
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}

// pkce returns a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = tokens.RandomToken() + "-pkce"
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// browser is a user agent with its own cookies.
type browser struct {
	t testing.TB
	p *idp
	c *http.Client
}

func (p *idp) browser() *browser {
	jar, err := cookiejar.New(nil)
	must(p.t, err)
	return &browser{t: p.t, p: p, c: &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != p.host {
			return http.ErrUseLastResponse // the callback: the test reads it
		}
		if len(via) > 10 {
			return errors.New("redirect loop inside the IdP")
		}
		return nil
	}}}
}

// reply is the browser's view of the last response.
type reply struct {
	t      testing.TB
	status int
	header http.Header
	body   string
	url    *url.URL // where the body came from (after redirects inside the IdP)
}

func (b *browser) do(req *http.Request) *reply {
	b.t.Helper()
	res, err := b.c.Do(req)
	must(b.t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	must(b.t, err)
	return &reply{t: b.t, status: res.StatusCode, header: res.Header, body: string(body), url: res.Request.URL}
}

func (b *browser) get(u string) *reply {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	must(b.t, err)
	return b.do(req)
}

func (b *browser) post(u string, form url.Values) *reply {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	must(b.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// authorize sends the browser to /authorize.
func (b *browser) authorize(q url.Values) *reply {
	b.t.Helper()
	return b.get(b.p.issuer + "authorize?" + q.Encode())
}

// submit posts the page's form with its hidden fields, changed by kv pairs.
func (b *browser) submit(r *reply, kv ...string) *reply {
	b.t.Helper()
	form := r.hidden()
	for i := 0; i+1 < len(kv); i += 2 {
		form.Set(kv[i], kv[i+1])
	}
	return b.post(r.formAction(), form)
}

// login fills the login page r as alice.
func (b *browser) login(r *reply) *reply {
	b.t.Helper()
	r.wantPrompt("login")
	return b.submit(r, "username", b.p.alice.Email, "password", password, "action", "default")
}

func (b *browser) accept(r *reply) *reply {
	b.t.Helper()
	return b.submit(r, "action", "accept")
}

func (b *browser) decline(r *reply) *reply {
	b.t.Helper()
	return b.submit(r, "action", "deny")
}

// signIn starts a session in the browser: a transaction of c that logs in
// and, when asked, accepts the consent page. It returns the callback reply.
func (b *browser) signIn(q url.Values) *reply {
	b.t.Helper()
	r := b.login(b.authorize(q))
	if r.prompt() == "consent" || r.prompt() == "confirmation" {
		r = b.accept(r)
	}
	return r
}

var (
	tagRE  = regexp.MustCompile(`<([a-zA-Z]+)\b([^>]*)>`)
	attrRE = regexp.MustCompile(`([a-zA-Z][-a-zA-Z0-9_]*)(?:\s*=\s*"([^"]*)")?`)
	lineRE = regexp.MustCompile(`(?s)<li data-scope-line>(.*?)</li>`)
	markRE = regexp.MustCompile(`<[^>]*>`)
)

type tag struct {
	name  string
	attrs map[string]string
	has   map[string]bool
}

func (r *reply) tags(name string) []tag {
	var out []tag
	for _, m := range tagRE.FindAllStringSubmatch(r.body, -1) {
		if !strings.EqualFold(m[1], name) && name != "" {
			continue
		}
		tg := tag{name: strings.ToLower(m[1]), attrs: map[string]string{}, has: map[string]bool{}}
		for _, a := range attrRE.FindAllStringSubmatch(m[2], -1) {
			tg.attrs[a[1]] = html.UnescapeString(a[2])
			tg.has[a[1]] = true
		}
		out = append(out, tg)
	}
	return out
}

// prompt is the page's data-prompt ("" when none: not a page of the IdP).
func (r *reply) prompt() string {
	for _, tg := range r.tags("") {
		if tg.has["data-prompt"] {
			return tg.attrs["data-prompt"]
		}
	}
	return ""
}

func (r *reply) wantPrompt(want string) {
	r.t.Helper()
	if got := r.prompt(); got != want {
		r.t.Fatalf("page = %q (HTTP %d, %s), want %q\n%s", got, r.status, r.url, want, r.summary())
	}
}

// summary is what a failure message shows of the reply.
func (r *reply) summary() string {
	if loc := r.header.Get("Location"); loc != "" {
		return "Location: " + loc
	}
	if e := r.errorCode(); e != "" {
		return "error page: " + e + ": " + r.errorDescription()
	}
	if len(r.body) > 600 {
		return r.body[:600]
	}
	return r.body
}

// hidden are the hidden fields of the page's form.
func (r *reply) hidden() url.Values {
	v := url.Values{}
	for _, tg := range r.tags("input") {
		if tg.attrs["type"] == "hidden" {
			v.Add(tg.attrs["name"], tg.attrs["value"])
		}
	}
	return v
}

func (r *reply) formAction() string {
	r.t.Helper()
	for _, tg := range r.tags("form") {
		return tg.attrs["action"]
	}
	r.t.Fatalf("no form on the page\n%s", r.summary())
	return ""
}

// buttons maps each action button's value to its label.
func (r *reply) buttons() map[string]string {
	out := map[string]string{}
	re := regexp.MustCompile(`<button[^>]*name="action" value="([a-z]+)"[^>]*>([^<]*)</button>`)
	for _, m := range re.FindAllStringSubmatch(r.body, -1) {
		out[m[1]] = m[2]
	}
	return out
}

// scopeLines are the consent page's scope lines as the user reads them.
func (r *reply) scopeLines() []string {
	var out []string
	for _, m := range lineRE.FindAllStringSubmatch(r.body, -1) {
		out = append(out, strings.TrimSpace(html.UnescapeString(markRE.ReplaceAllString(m[1], ""))))
	}
	return out
}

func (r *reply) errorCode() string {
	m := regexp.MustCompile(`<code data-error>([^<]*)</code>`).FindStringSubmatch(r.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func (r *reply) errorDescription() string {
	m := regexp.MustCompile(`<p data-error-description>([^<]*)</p>`).FindStringSubmatch(r.body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// wantErrorPage checks the IdP's error page: status, code and, when not
// empty, a description fragment; and that nothing was redirected.
func (r *reply) wantErrorPage(status int, code, descContains string) {
	r.t.Helper()
	r.wantPrompt("error")
	if r.status != status {
		r.t.Errorf("error page status = %d, want %d", r.status, status)
	}
	if r.header.Get("Location") != "" {
		r.t.Errorf("error page has a Location: %s", r.header.Get("Location"))
	}
	if got := r.errorCode(); got != code {
		r.t.Errorf("data-error = %q, want %q (%s)", got, code, r.errorDescription())
	}
	if !strings.Contains(r.errorDescription(), descContains) {
		r.t.Errorf("data-error-description = %q, want it to contain %q", r.errorDescription(), descContains)
	}
}

// callback checks that the IdP answered with a 302 to redirectURI and
// returns the response parameters of the given mode (query or fragment).
func (r *reply) callback(redirectURI, mode string) url.Values {
	r.t.Helper()
	if r.status != http.StatusFound {
		r.t.Fatalf("status = %d, want 302 to the callback\n%s", r.status, r.summary())
	}
	loc, err := url.Parse(r.header.Get("Location"))
	must(r.t, err)
	base := *loc
	base.RawQuery, base.Fragment, base.RawFragment = "", "", ""
	want, err := url.Parse(redirectURI)
	must(r.t, err)
	want.RawQuery = ""
	if base.String() != want.String() {
		r.t.Fatalf("redirected to %s, want the callback %s", loc, redirectURI)
	}
	var params url.Values
	switch mode {
	case "query":
		params = loc.Query()
		if loc.Fragment != "" {
			r.t.Errorf("query response also has a fragment: %s", loc)
		}
	case "fragment":
		params, err = url.ParseQuery(loc.EscapedFragment())
		must(r.t, err)
		if _, ok := loc.Query()["code"]; ok {
			r.t.Errorf("fragment response has a code in the query: %s", loc)
		}
	default:
		r.t.Fatalf("unknown mode %q", mode)
	}
	return params
}

// wantState checks that the response carries the request's state unchanged.
func wantState(t testing.TB, params, q url.Values) {
	t.Helper()
	if got, want := params.Get("state"), q.Get("state"); got != want {
		t.Errorf("state = %q, want %q", got, want)
	}
}

// code returns the code of a successful query response.
func (r *reply) code(q url.Values) string {
	r.t.Helper()
	params := r.callback(q.Get("redirect_uri"), "query")
	if e := params.Get("error"); e != "" {
		r.t.Fatalf("callback error %s: %s", e, params.Get("error_description"))
	}
	wantState(r.t, params, q)
	c := params.Get("code")
	if c == "" {
		r.t.Fatalf("no code in %v", params)
	}
	return c
}

// wantCallbackError checks an error response at the callback.
func (r *reply) wantCallbackError(q url.Values, mode, code, desc string) url.Values {
	r.t.Helper()
	params := r.callback(q.Get("redirect_uri"), mode)
	if got := params.Get("error"); got != code {
		r.t.Errorf("error = %q (%s), want %q", got, params.Get("error_description"), code)
	}
	if desc != "" && params.Get("error_description") != desc {
		r.t.Errorf("error_description = %q, want %q", params.Get("error_description"), desc)
	}
	if params.Has("code") || params.Has("access_token") || params.Has("id_token") {
		r.t.Errorf("error response carries a credential: %v", params)
	}
	wantState(r.t, params, q)
	return params
}

// tokenReply is a token endpoint answer.
type tokenReply struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (tr tokenReply) str(k string) string { s, _ := tr.body[k].(string); return s }

// wantError checks a JSON error answer.
func (tr tokenReply) wantError(t testing.TB, status int, code, desc string) {
	t.Helper()
	if tr.status != status || tr.str("error") != code || (desc != "" && tr.str("error_description") != desc) {
		t.Fatalf("got HTTP %d %s, want HTTP %d {error: %q, error_description: %q}", tr.status, tr.raw, status, code, desc)
	}
	if ct := tr.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q, want JSON", ct)
	}
}

func (tr tokenReply) wantOK(t testing.TB) tokenReply {
	t.Helper()
	if tr.status != http.StatusOK || tr.str("access_token") == "" {
		t.Fatalf("token endpoint: HTTP %d %s", tr.status, tr.raw)
	}
	return tr
}

// token posts form to /oauth/token; with basic set, the client
// authenticates with HTTP Basic.
func (p *idp) token(form url.Values, basic ...string) tokenReply {
	p.t.Helper()
	req, err := http.NewRequest(http.MethodPost, p.issuer+"oauth/token", strings.NewReader(form.Encode()))
	must(p.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) == 2 {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	res, err := p.ts.Client().Do(req)
	must(p.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	must(p.t, err)
	tr := tokenReply{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &tr.body)
	return tr
}

// form builds url.Values from kv pairs.
func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// redeem exchanges a code with client_secret_post (or none for public clients).
func (p *idp) redeem(c *tenant.Client, code, redirectURI string, kv ...string) tokenReply {
	p.t.Helper()
	f := form(append([]string{"grant_type", "authorization_code", "client_id", c.ClientID, "code", code, "redirect_uri", redirectURI}, kv...)...)
	if !c.IsPublic() {
		f.Set("client_secret", c.ClientSecret)
	}
	return p.token(f)
}

// userinfo calls /userinfo with a bearer token.
func (p *idp) userinfo(bearer string) (int, map[string]any) {
	p.t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.issuer+"userinfo", nil)
	must(p.t, err)
	req.Header.Set("Authorization", "Bearer "+bearer)
	res, err := p.ts.Client().Do(req)
	must(p.t, err)
	defer res.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body
}

// verifyAccess verifies an access token for audience with the IdP's issuer.
func (p *idp) verifyAccess(tok, audience string) *tokens.AccessClaims {
	p.t.Helper()
	c, err := p.srv.Issuer().VerifyAccess(tok, audience)
	if err != nil {
		p.t.Fatalf("access token does not verify for %q: %v", audience, err)
	}
	return c
}

// jwks fetches the published key set.
func (p *idp) jwks() jose.JSONWebKeySet {
	p.t.Helper()
	res, err := p.ts.Client().Get(p.issuer + ".well-known/jwks.json")
	must(p.t, err)
	defer res.Body.Close()
	var set jose.JSONWebKeySet
	must(p.t, json.NewDecoder(res.Body).Decode(&set))
	return set
}

// verifyJWKS verifies any token of the tenant with nothing but the
// published JWKS, and returns its header and claims.
func (p *idp) verifyJWKS(tok string) (map[string]any, jwt.MapClaims) {
	p.t.Helper()
	set := p.jwks()
	claims := jwt.MapClaims{}
	parsed, err := jwt.ParseWithClaims(tok, claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		keys := set.Key(kid)
		if len(keys) != 1 {
			return nil, errors.New("kid " + kid + " not in the JWKS")
		}
		if keys[0].Algorithm != t.Method.Alg() {
			return nil, errors.New("alg does not match the JWKS key")
		}
		return keys[0].Key, nil
	}, jwt.WithValidMethods([]string{"RS256", "ES256"}), jwt.WithIssuer(p.issuer), jwt.WithExpirationRequired())
	if err != nil {
		p.t.Fatalf("token does not verify with the JWKS: %v", err)
	}
	return parsed.Header, claims
}

// wantAudiences checks a token's aud claim as a set.
func wantAudiences(t testing.TB, got jwt.ClaimStrings, want ...string) {
	t.Helper()
	g := slices.Clone([]string(got))
	slices.Sort(g)
	w := slices.Clone(want)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("aud = %v, want %v", got, want)
	}
}

// wantScopes checks a space-separated scope string as a set.
func wantScopes(t testing.TB, got string, want ...string) {
	t.Helper()
	g := strings.Fields(got)
	slices.Sort(g)
	w := slices.Clone(want)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("scope = %q, want %q", got, strings.Join(want, " "))
	}
}
