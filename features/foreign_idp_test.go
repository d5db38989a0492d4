package features_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// foreignIdP is a small OpenID provider that nobody here wrote the pages
// of, in the manner of node oidc-provider with its built-in screens: its
// own markup (no data-* contract), identifier-first login, a consent page
// listing the scopes not yet granted one per line by value, a "Continue"
// button and a "Don't Allow" link, errors whose code sits in a sentence,
// RFC 8707 resource indicators instead of Auth0's audience, pre-registered
// clients and no Management API. Consent is remembered per login session
// and client (as oidc-provider's grants are); first-party clients skip
// consent for the resource marked trusted; declines always go back to the
// callback with oidc-provider's wording. It knows nothing of login
// confirmation pages, third-party security modes or redirection policies.
type foreignIdP struct {
	srv *httptest.Server
	key *rsa.PrivateKey

	mu       sync.Mutex
	sessions map[string]*foreignSession // cookie value -> session
	tx       map[string]*foreignTx      // interaction id -> pending authorization
	codes    map[string]*foreignCode
	refresh  map[string]*foreignCode
}

type foreignClient struct {
	id, secret string
	public     bool
	firstParty bool
	callbacks  []string
}

type foreignResource struct {
	identifier string
	scopes     []string
	trusted    bool // first-party clients skip consent
}

type foreignSession struct {
	user    string
	granted map[string][]string // client + " " + resource -> scopes
}

type foreignTx struct {
	id, cookie string
	client     *foreignClient
	q          url.Values
	resource   *foreignResource
	scopes     []string // requested API scopes the resource defines
	oidc       []string // requested OIDC scopes
	user       string   // set after login
	loginShown bool
}

type foreignCode struct {
	client, redirectURI, challenge, method, user, resource, nonce string
	scopes                                                        []string
	used                                                          bool
	refresh                                                       string
	authTime                                                      time.Time
}

const (
	foreignUser     = "vendor-tester@example.org"
	foreignPassword = "Foreign-Pass-123!"
)

var foreignClients = []*foreignClient{
	{id: "web-app", secret: "web-app-secret-0123456789", firstParty: true, callbacks: []string{"https://app.example.com/callback"}},
	{id: "spa-app", public: true, firstParty: true, callbacks: []string{"https://app.example.com/callback"}},
	{id: "native-app", public: true, firstParty: true, callbacks: []string{"com.example.app://callback", "http://127.0.0.1/callback"}},
	{id: "partner-app", secret: "partner-app-secret-0123456789", callbacks: []string{"https://app.example.com/callback"}},
	{id: "sso-helper", secret: "sso-helper-secret-0123456789", firstParty: true, callbacks: []string{"https://sso.example.com/callback"}},
	{id: "partner-redirect", secret: "partner-redirect-secret-0123456789", callbacks: []string{"https://app.example.com/callback"}},
}

var foreignResources = []*foreignResource{
	{identifier: "https://api.foreign.test/posts", scopes: []string{"read:posts", "write:posts", "delete:posts", "read:comments"}},
	{identifier: "https://api.foreign.test/trusted-posts", scopes: []string{"read:posts", "write:posts", "delete:posts"}, trusted: true},
}

var oidcScopeValues = []string{"openid", "profile", "email", "offline_access"}

func newForeignIdP(t *testing.T) *foreignIdP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &foreignIdP{key: key, sessions: map[string]*foreignSession{}, tx: map[string]*foreignTx{},
		codes: map[string]*foreignCode{}, refresh: map[string]*foreignCode{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", f.discovery)
	mux.HandleFunc("GET /jwks", f.jwks)
	mux.HandleFunc("GET /auth", f.authorize)
	mux.HandleFunc("POST /interaction/{id}/login", f.login)
	mux.HandleFunc("POST /interaction/{id}/confirm", f.confirm)
	mux.HandleFunc("GET /interaction/{id}/abort", f.abort)
	mux.HandleFunc("POST /token", f.token)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *foreignIdP) issuer() string { return f.srv.URL }

func (f *foreignIdP) discovery(w http.ResponseWriter, r *http.Request) {
	iss := f.issuer()
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": iss, "authorization_endpoint": iss + "/auth", "token_endpoint": iss + "/token", "jwks_uri": iss + "/jwks",
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "code_challenge_methods_supported": []string{"S256", "plain"},
		"grant_types_supported": []string{"authorization_code", "refresh_token", "client_credentials"},
	})
}

func (f *foreignIdP) jwks(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// page writes one of the IdP's screens.
func foreignPage(w http.ResponseWriter, status int, title, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>%s</title></head><body><div class="container">%s</div></body></html>`, html.EscapeString(title), body)
}

// oops is the error page: the code sits in a sentence.
func oops(w http.ResponseWriter, status int, code, detail string) {
	foreignPage(w, status, "oops! something went wrong", fmt.Sprintf(`<div class="oops"><h1>oops! something went wrong</h1>
<p class="reason">Error code: %s</p><p class="detail">%s</p></div>`, html.EscapeString(code), html.EscapeString(detail)))
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func findClient(id string) *foreignClient {
	for _, c := range foreignClients {
		if c.id == id {
			return c
		}
	}
	return nil
}

func findResource(id string) *foreignResource {
	for _, r := range foreignResources {
		if r.identifier == id {
			return r
		}
	}
	return nil
}

// redirectError sends an error back to the client's callback.
func redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state, code, desc string) {
	q := url.Values{"error": {code}, "error_description": {desc}}
	if state != "" {
		q.Set("state", state)
	}
	http.Redirect(w, r, redirectURI+"?"+q.Encode(), http.StatusFound)
}

func (f *foreignIdP) session(r *http.Request) (string, *foreignSession) {
	c, err := r.Cookie("_session")
	if err != nil {
		return "", nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return c.Value, f.sessions[c.Value]
}

func (f *foreignIdP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k, vs := range q {
		if len(vs) > 1 && (k == "client_id" || k == "redirect_uri") {
			oops(w, http.StatusBadRequest, "invalid_request", "parameter "+k+" must be provided once")
			return
		}
	}
	client := findClient(q.Get("client_id"))
	if client == nil {
		oops(w, http.StatusBadRequest, "invalid_client", "client is invalid")
		return
	}
	redirectURI := q.Get("redirect_uri")
	if !slices.Contains(client.callbacks, redirectURI) {
		oops(w, http.StatusBadRequest, "invalid_redirect_uri", "redirect_uri did not match any of the client's registered redirect_uris")
		return
	}
	state := q.Get("state")
	if q.Get("response_type") != "code" {
		redirectError(w, r, redirectURI, state, "unsupported_response_type", "unsupported response_type requested")
		return
	}
	if ch := q.Get("code_challenge"); ch == "" && client.public {
		redirectError(w, r, redirectURI, state, "invalid_request", "PKCE must be used by public clients")
		return
	}
	if m := q.Get("code_challenge_method"); m != "" && m != "S256" && m != "plain" {
		redirectError(w, r, redirectURI, state, "invalid_request", "not supported value of code_challenge_method")
		return
	}
	tx := &foreignTx{id: randomID(), client: client, q: q}
	for _, s := range strings.Fields(q.Get("scope")) {
		if slices.Contains(oidcScopeValues, s) {
			tx.oidc = append(tx.oidc, s)
		}
	}
	if res := q.Get("resource"); res != "" {
		tx.resource = findResource(res)
		if tx.resource == nil {
			redirectError(w, r, redirectURI, state, "invalid_target", "resource indicator is missing, or unknown")
			return
		}
		for _, s := range strings.Fields(q.Get("scope")) {
			if slices.Contains(tx.resource.scopes, s) {
				tx.scopes = append(tx.scopes, s) // scopes the resource does not define are dropped
			}
		}
	}
	cookie, sess := f.session(r)
	prompts := strings.Fields(q.Get("prompt"))
	if sess != nil && !slices.Contains(prompts, "login") {
		tx.user, tx.cookie = sess.user, cookie
	}
	f.mu.Lock()
	f.tx[tx.id] = tx
	f.mu.Unlock()
	if slices.Contains(prompts, "none") {
		switch {
		case tx.user == "":
			redirectError(w, r, redirectURI, state, "login_required", "End-User authentication is required")
		case f.needsConsent(tx, sess):
			redirectError(w, r, redirectURI, state, "consent_required", "prompt none was specified but consent is required")
		default:
			f.issueCode(w, r, tx)
		}
		return
	}
	f.next(w, r, tx, sess)
}

// needsConsent says whether the transaction shows the consent screen.
func (f *foreignIdP) needsConsent(tx *foreignTx, sess *foreignSession) bool {
	if tx.resource == nil || len(tx.scopes) == 0 {
		return false
	}
	if slices.Contains(strings.Fields(tx.q.Get("prompt")), "consent") {
		return true
	}
	if tx.client.firstParty && tx.resource.trusted {
		return false
	}
	return len(f.missingScopes(tx, sess)) > 0
}

func (f *foreignIdP) missingScopes(tx *foreignTx, sess *foreignSession) []string {
	var granted []string
	if sess != nil {
		f.mu.Lock()
		granted = sess.granted[tx.client.id+" "+tx.resource.identifier]
		f.mu.Unlock()
	}
	var missing []string
	for _, s := range tx.scopes {
		if !slices.Contains(granted, s) {
			missing = append(missing, s)
		}
	}
	return missing
}

// next shows the screen the transaction needs, or finishes it.
func (f *foreignIdP) next(w http.ResponseWriter, r *http.Request, tx *foreignTx, sess *foreignSession) {
	if tx.user == "" {
		f.loginPage(w, tx, "", "")
		return
	}
	if f.needsConsent(tx, sess) {
		var lines strings.Builder
		if missing := f.missingScopes(tx, sess); len(missing) > 0 {
			lines.WriteString(`<ul class="scopes">`)
			for _, s := range missing {
				fmt.Fprintf(&lines, `<li>%s</li>`, html.EscapeString(s))
			}
			lines.WriteString(`</ul>`)
		}
		foreignPage(w, http.StatusOK, "Authorize", fmt.Sprintf(`<div class="consent-box"><h1>Authorize %s</h1>
<p>Signed in as %s.</p>%s<form method="post" action="/interaction/%s/confirm"><input type="hidden" name="prompt" value="consent">
<button type="submit" class="continue" name="decision" value="allow">Continue</button></form>
<a class="cancel" href="/interaction/%s/abort">Don't Allow</a></div>`,
			html.EscapeString(tx.client.id), html.EscapeString(tx.user), lines.String(), tx.id, tx.id))
		return
	}
	f.issueCode(w, r, tx)
}

// loginPage is identifier-first: the login name, then the password.
func (f *foreignIdP) loginPage(w http.ResponseWriter, tx *foreignTx, login, problem string) {
	tx.loginShown = true
	alert := ""
	if problem != "" {
		alert = `<p class="alert">` + html.EscapeString(problem) + `</p>`
	}
	if login == "" {
		foreignPage(w, http.StatusOK, "Sign-in", fmt.Sprintf(`<div class="login-box"><h1>Sign-in</h1>%s
<form method="post" action="/interaction/%s/login" class="login-form"><input type="text" name="login" placeholder="Enter any login" required>
<button type="submit" class="next">Next</button></form></div>`, alert, tx.id))
		return
	}
	foreignPage(w, http.StatusOK, "Sign-in", fmt.Sprintf(`<div class="login-box"><h1>Sign-in</h1>%s<p>%s</p>
<form method="post" action="/interaction/%s/login" class="login-form"><input type="hidden" name="login" value="%s">
<input type="password" name="password" placeholder="and password" required><button type="submit" class="sign-in">Sign-in</button></form></div>`,
		alert, html.EscapeString(login), tx.id, html.EscapeString(login)))
}

func (f *foreignIdP) pending(w http.ResponseWriter, r *http.Request) *foreignTx {
	f.mu.Lock()
	tx := f.tx[r.PathValue("id")]
	f.mu.Unlock()
	if tx == nil {
		oops(w, http.StatusBadRequest, "invalid_request", "interaction session not found")
	}
	return tx
}

func (f *foreignIdP) login(w http.ResponseWriter, r *http.Request) {
	tx := f.pending(w, r)
	if tx == nil {
		return
	}
	login := r.PostFormValue("login")
	if !r.PostForm.Has("password") {
		f.loginPage(w, tx, login, "")
		return
	}
	if login != foreignUser || r.PostFormValue("password") != foreignPassword {
		f.loginPage(w, tx, login, "Invalid login or password.")
		return
	}
	cookie := randomID()
	sess := &foreignSession{user: login, granted: map[string][]string{}}
	f.mu.Lock()
	f.sessions[cookie] = sess
	tx.user, tx.cookie = login, cookie
	f.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "_session", Value: cookie, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	f.next(w, r, tx, sess)
}

func (f *foreignIdP) confirm(w http.ResponseWriter, r *http.Request) {
	tx := f.pending(w, r)
	if tx == nil {
		return
	}
	cookie, sess := f.session(r)
	if sess == nil || cookie != tx.cookie {
		oops(w, http.StatusBadRequest, "invalid_request", "interaction session and authentication session mismatch")
		return
	}
	if r.PostFormValue("decision") != "allow" || r.PostForm.Has("scope") {
		oops(w, http.StatusBadRequest, "invalid_request", "unrecognized interaction result")
		return
	}
	f.mu.Lock()
	key := tx.client.id + " " + tx.resource.identifier
	for _, s := range tx.scopes {
		if !slices.Contains(sess.granted[key], s) {
			sess.granted[key] = append(sess.granted[key], s)
		}
	}
	f.mu.Unlock()
	f.issueCode(w, r, tx)
}

func (f *foreignIdP) abort(w http.ResponseWriter, r *http.Request) {
	tx := f.pending(w, r)
	if tx == nil {
		return
	}
	f.mu.Lock()
	delete(f.tx, tx.id)
	f.mu.Unlock()
	redirectError(w, r, tx.q.Get("redirect_uri"), tx.q.Get("state"), "access_denied", "End-User aborted interaction")
}

func (f *foreignIdP) issueCode(w http.ResponseWriter, r *http.Request, tx *foreignTx) {
	c := &foreignCode{client: tx.client.id, redirectURI: tx.q.Get("redirect_uri"), challenge: tx.q.Get("code_challenge"),
		method: tx.q.Get("code_challenge_method"), user: tx.user, nonce: tx.q.Get("nonce"), authTime: time.Now(),
		scopes: append(slices.Clone(tx.oidc), tx.scopes...)}
	if tx.resource != nil {
		c.resource = tx.resource.identifier
	}
	if c.challenge != "" && c.method == "" {
		c.method = "plain"
	}
	code := randomID()
	f.mu.Lock()
	f.codes[code] = c
	delete(f.tx, tx.id) // an interaction finishes once
	f.mu.Unlock()
	q := url.Values{"code": {code}, "iss": {f.issuer()}}
	if s := tx.q.Get("state"); s != "" {
		q.Set("state", s)
	}
	if tx.q.Get("response_mode") == "form_post" {
		var fields strings.Builder
		for k, vs := range q {
			fmt.Fprintf(&fields, `<input type="hidden" name="%s" value="%s">`, html.EscapeString(k), html.EscapeString(vs[0]))
		}
		foreignPage(w, http.StatusOK, "Submitting Callback", fmt.Sprintf(`<form method="post" action="%s">%s</form><script>document.forms[0].submit()</script>`,
			html.EscapeString(c.redirectURI), fields.String()))
		return
	}
	http.Redirect(w, r, c.redirectURI+"?"+q.Encode(), http.StatusFound)
}

func tokenError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func (f *foreignIdP) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "could not parse the request body")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	client := findClient(id)
	if client == nil || (!client.public && secret != client.secret) {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		f.mu.Lock()
		c := f.codes[r.PostForm.Get("code")]
		reused := c != nil && c.used
		if c != nil && c.client == client.id {
			if reused && c.refresh != "" {
				delete(f.refresh, c.refresh) // a replayed code revokes what it gave
			}
			c.used = true
		}
		f.mu.Unlock()
		switch {
		case c == nil || c.client != client.id || reused:
			tokenError(w, http.StatusBadRequest, "invalid_grant", "grant request is invalid")
			return
		case r.PostForm.Get("redirect_uri") != c.redirectURI:
			tokenError(w, http.StatusBadRequest, "invalid_grant", "grant request is invalid")
			return
		}
		verifier := r.PostForm.Get("code_verifier")
		switch {
		case c.challenge == "" && verifier != "":
			tokenError(w, http.StatusBadRequest, "invalid_request", "code_verifier without code_challenge")
			return
		case c.challenge != "" && !pkceOK(c.method, c.challenge, verifier):
			tokenError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
			return
		}
		f.issueTokens(w, client, c)
	case "refresh_token":
		f.mu.Lock()
		c := f.refresh[r.PostForm.Get("refresh_token")]
		f.mu.Unlock()
		if c == nil || c.client != client.id {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "grant request is invalid")
			return
		}
		f.issueTokens(w, client, c)
	case "client_credentials":
		res := findResource(r.PostForm.Get("resource"))
		if res == nil || client.public {
			tokenError(w, http.StatusBadRequest, "invalid_target", "resource indicator is missing, or unknown")
			return
		}
		scopes := strings.Fields(r.PostForm.Get("scope"))
		if len(scopes) == 0 {
			scopes = res.scopes
		}
		f.issueTokens(w, client, &foreignCode{client: client.id, resource: res.identifier, scopes: scopes})
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "unsupported grant_type requested")
	}
}

func pkceOK(method, challenge, verifier string) bool {
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		return base64.RawURLEncoding.EncodeToString(sum[:]) == challenge
	}
	return verifier == challenge
}

func (f *foreignIdP) issueTokens(w http.ResponseWriter, client *foreignClient, c *foreignCode) {
	now := time.Now()
	sign := func(claims jwt.MapClaims) string {
		t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		t.Header["kid"] = "k1"
		s, _ := t.SignedString(f.key)
		return s
	}
	var apiScopes []string
	for _, s := range c.scopes {
		if !slices.Contains(oidcScopeValues, s) {
			apiScopes = append(apiScopes, s)
		}
	}
	aud := c.resource
	if aud == "" {
		aud = client.id
	}
	out := map[string]any{
		"access_token": sign(jwt.MapClaims{"iss": f.issuer(), "sub": or(c.user, client.id), "aud": aud, "azp": client.id,
			"client_id": client.id, "scope": strings.Join(apiScopes, " "), "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": randomID()}),
		"token_type": "Bearer", "expires_in": 3600, "scope": strings.Join(c.scopes, " "),
	}
	if c.user != "" && slices.Contains(c.scopes, "openid") {
		claims := jwt.MapClaims{"iss": f.issuer(), "sub": c.user, "aud": client.id, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
			"auth_time": c.authTime.Unix()}
		if c.nonce != "" {
			claims["nonce"] = c.nonce
		}
		out["id_token"] = sign(claims)
	}
	if c.user != "" && slices.Contains(c.scopes, "offline_access") {
		rt := randomID()
		f.mu.Lock()
		f.refresh[rt] = c
		c.refresh = rt
		f.mu.Unlock()
		out["refresh_token"] = rt
	}
	writeJSON(w, http.StatusOK, out)
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
