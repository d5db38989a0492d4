package auth0_test

// Fuzz targets for the face's inputs (issue 8): the /authorize query, the
// token endpoint's form for every grant type and the consent form. No
// input may produce a 5xx, a panic or a hang, and none may redirect
// anywhere but to the IdP's own pages or a registered callback. Each runs
// a few seconds in make test and longer under make fuzz; crashers found
// become regular tests.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/internal/inproc"
	"github.com/consentry/consentry/mockidp/tenant"
)

// fuzzTenant is an IdP with clients of every kind under fixed IDs, so seeds
// can name them.
type fuzzTenant struct {
	*idp
	callbacks []string // every registered callback
	web       *tenant.Client
}

func newFuzzTenant(f *testing.F) *fuzzTenant {
	p := newIDP(f)
	id := func(s string) func(*tenant.Client) {
		return func(c *tenant.Client) { c.ClientID = s; c.ClientSecret = s + "-secret" }
	}
	ft := &fuzzTenant{idp: p}
	ft.web = p.addClient(firstParty, id("web"), callbacks(callbackWeb, "http://127.0.0.1/cb", "com.example.app://cb"))
	p.addClient(strictThirdParty, id("tpc_partner"), callbacks("https://partner.example.com/cb"))
	p.addClient(firstParty, public, func(c *tenant.Client) { c.ClientID = "spa"; c.AppType = tenant.AppSPA }, callbacks("http://localhost:3000/cb"))
	p.addClient(permissiveThirdParty, id("plugin"), callbacks("https://plugin.example.com/cb"))
	p.addClient(id("notes-rs"), func(c *tenant.Client) {
		c.AppType, c.ResourceServerIdentifier, c.GrantTypes = tenant.AppResourceServer, apiNotes, []string{tenant.GrantTokenExchange}
		c.TokenExchange = &tenant.ClientTokenExchange{AllowAnyProfileOfType: []string{tenant.ProfileOnBehalfOf}}
	})
	partner, err := p.store.GetClient(context.Background(), "tpc_partner")
	must(f, err)
	p.clientGrant(partner, apiPosts, tenant.SubjectUser, "read:posts", "write:posts")
	p.clientGrant(ft.web, apiNotes, tenant.SubjectClient, "read:notes")
	clients, err := p.store.ListClients(context.Background())
	must(f, err)
	for _, c := range clients {
		ft.callbacks = append(ft.callbacks, c.Callbacks...)
	}
	return ft
}

// serve runs one request through the IdP in process (inproc.Serve).
func (ft *fuzzTenant) serve(method, target, body string, header http.Header) *httptest.ResponseRecorder {
	return inproc.Serve(ft.srv, "", method, target, body, header)
}

// wantSafeRedirect checks that a redirect goes to the IdP's own screens or
// to a registered callback, never elsewhere.
func (ft *fuzzTenant) wantSafeRedirect(t *testing.T, w *httptest.ResponseRecorder, input string) {
	t.Helper()
	if w.Code < 300 || w.Code > 399 {
		return
	}
	loc := w.Header().Get("Location")
	if strings.HasPrefix(loc, "/u/") || strings.HasPrefix(loc, ft.issuer+"u/") {
		return
	}
	base := loc
	if i := strings.IndexAny(base, "?#"); i >= 0 {
		base = base[:i]
	}
	if !tenant.MatchRedirectURI(ft.callbacks, base) {
		t.Fatalf("input %q redirected to %q, which is no registered callback", input, loc)
	}
}

func wantNo5xx(t *testing.T, w *httptest.ResponseRecorder, input string) {
	t.Helper()
	if w.Code >= 500 {
		t.Fatalf("input %q: HTTP %d %s", input, w.Code, w.Body.String())
	}
}

func FuzzAuthorizeQuery(f *testing.F) {
	ft := newFuzzTenant(f)
	for _, seed := range []string{
		"",
		"client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&response_type=code&state=s&audience=https%3A%2F%2Fnotes.example.com%2F&scope=openid+read%3Anotes",
		"client_id=web&redirect_uri=http%3A%2F%2F127.0.0.1%3A4444%2Fcb&response_type=code&prompt=none",
		"client_id=web&redirect_uri=com.example.app%3A%2F%2Fcb&response_type=id_token+token&nonce=n&scope=openid&response_mode=form_post",
		"client_id=tpc_partner&redirect_uri=https%3A%2F%2Fpartner.example.com%2Fcb&response_type=code&audience=https%3A%2F%2Fposts.example.com%2F&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
		"client_id=spa&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb&response_type=token&prompt=login+consent&max_age=0",
		"client_id=plugin&redirect_uri=https%3A%2F%2Fplugin.example.com%2Fcb&response_type=code&state=a&state=b",
		"client_id=web&client_id=web", "client_id=web&redirect_uri=https%3A%2F%2Fevil.example%2F",
		"client_id=web&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcb%23%40evil", "%zz", "client_id=%00&redirect_uri=%ff",
		"client_id=web&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback&response_type=code&response_mode=x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		ft.t = t
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			var w *httptest.ResponseRecorder
			if method == http.MethodGet {
				w = ft.serve(method, "/authorize?"+query, "", nil)
			} else {
				w = ft.serve(method, "/authorize", query, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
			}
			wantNo5xx(t, w, query)
			ft.wantSafeRedirect(t, w, query)
		}
	})
}

func FuzzTokenForm(f *testing.F) {
	ft := newFuzzTenant(f)
	// A refresh token and a subject token minted once; a fresh code is
	// minted for each input that asks for one with {code}.
	q := authReq(ft.web, "audience", apiNotes, "scope", "openid read:notes offline_access")
	tr := ft.redeem(ft.web, ft.browser().signIn(q).code(q), callbackWeb).wantOK(f)
	refresh, access := tr.str("refresh_token"), tr.str("access_token")
	for _, seed := range [][2]string{
		{"grant_type=authorization_code&client_id=web&client_secret=web-secret&code={code}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback", ""},
		{"grant_type=authorization_code&code={code}&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcallback", "Basic d2ViOndlYi1zZWNyZXQ="},
		{"grant_type=authorization_code&client_id=spa&code={code}&code_verifier=x", ""},
		{"grant_type=client_credentials&client_id=web&client_secret=web-secret&audience=https%3A%2F%2Fnotes.example.com%2F&scope=read%3Anotes", ""},
		{"grant_type=password&client_id=web&client_secret=web-secret&username=alice%40example.com&password=x&audience=https%3A%2F%2Fnotes.example.com%2F", ""},
		{"grant_type=http%3A%2F%2Fauth0.com%2Foauth%2Fgrant-type%2Fpassword-realm&client_id=web&client_secret=web-secret&username=alice&password=x&realm=Username-Password-Authentication", ""},
		{"grant_type=refresh_token&client_id=web&client_secret=web-secret&refresh_token={refresh}&scope=openid", ""},
		{"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&client_id=notes-rs&client_secret=notes-rs-secret&subject_token={access}&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&audience=https%3A%2F%2Fposts.example.com%2F", ""},
		{"grant_type=x", "Basic %%%"}, {"", ""}, {"grant_type=client_credentials&grant_type=password", ""},
		{"grant_type=authorization_code", "Basic Og=="}, {"client_id=web&client_secret=web-secret", "Bearer x"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, body, authorization string) {
		ft.t = t
		if strings.Contains(body, "{code}") {
			q := authReq(ft.web, "audience", apiNotes, "scope", "openid read:notes offline_access")
			b := ft.browser()
			b.t = t
			body = strings.ReplaceAll(body, "{code}", url.QueryEscape(b.signIn(q).code(q)))
		}
		body = strings.ReplaceAll(strings.ReplaceAll(body, "{refresh}", url.QueryEscape(refresh)), "{access}", url.QueryEscape(access))
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		if authorization != "" {
			h.Set("Authorization", authorization)
		}
		w := ft.serve(http.MethodPost, "/oauth/token", body, h)
		wantNo5xx(t, w, body)
		if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("input %q: Content-Type %q, want JSON", body, ct)
		}
		var res map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
			t.Fatalf("input %q: the answer is not JSON: %v %s", body, err, w.Body.String())
		}
		if w.Code == http.StatusOK && res["access_token"] == nil {
			t.Fatalf("input %q: 200 without an access token: %s", body, w.Body.String())
		}
		if w.Code != http.StatusOK && res["error"] == nil {
			t.Fatalf("input %q: HTTP %d without an error code: %s", body, w.Code, w.Body.String())
		}
	})
}

func FuzzConsentForm(f *testing.F) {
	ft := newFuzzTenant(f)
	b := ft.browser()
	plugin, err := ft.store.GetClient(context.Background(), "plugin")
	must(f, err)
	q := authReq(plugin, "audience", apiPosts, "scope", "read:posts")
	b.signIn(q).code(q) // the browser has a session from here on
	for _, seed := range []string{
		"state={state}&csrf={csrf}&action=accept&scope=read%3Aposts",
		"state={state}&csrf={csrf}&action=deny",
		"state={state}&csrf={csrf}&action=accept&scope=read%3Aposts&scope=write%3Aposts",
		"state={state}&csrf=wrong&action=accept",
		"state={state}&csrf={csrf}&action=accept&action=deny",
		"state={state}&csrf={csrf}&action=other", "state=x&csrf={csrf}&action=accept", "%zz", "",
		"state={state}&state={state}&csrf={csrf}&action=accept",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		ft.t, b.t = t, t
		q := authReq(plugin, "audience", apiPosts, "scope", "read:posts write:posts", "prompt", "consent")
		page := b.authorize(q)
		page.wantPrompt("consent")
		hidden := page.hidden()
		body = strings.ReplaceAll(strings.ReplaceAll(body, "{state}", url.QueryEscape(hidden.Get("state"))), "{csrf}", url.QueryEscape(hidden.Get("csrf")))
		r := b.rawPost(page.formAction(), body)
		if r.status >= 500 {
			t.Fatalf("input %q: HTTP %d %s", body, r.status, r.summary())
		}
		loc, _ := url.Parse(r.header.Get("Location"))
		if loc == nil || !loc.Query().Has("code") {
			return
		}
		// A code only for an accepted form that asks for no scope beyond
		// the page's.
		posted, err := url.ParseQuery(body)
		if err != nil || posted.Get("action") != "accept" {
			t.Fatalf("input %q: a code was issued for a form that did not accept", body)
		}
		for _, s := range posted["scope"] {
			if s != "read:posts" && s != "write:posts" {
				t.Fatalf("input %q: a code was issued for a form that adds scope %q", body, s)
			}
		}
	})
}

// FuzzJSONBody sends JSON bodies (rule W3) to the token, revocation and
// cross-origin authentication endpoints: every answer is a JSON 2xx or 4xx,
// never a 5xx or a panic.
func FuzzJSONBody(f *testing.F) {
	ft := newFuzzTenant(f)
	for _, seed := range []string{
		`{"grant_type":"client_credentials","client_id":"web","client_secret":"web-secret","audience":"https://notes.example.com/"}`,
		`{"grant_type":"password","client_id":"web","client_secret":"web-secret","username":"alice@example.com","password":"x","realm":"Username-Password-Authentication"}`,
		`{"client_id":"web","client_secret":"web-secret","token":"x"}`,
		`{"client_id":"web","username":"a","password":"b","realm":"r","credential_type":"http://auth0.com/credentials/password"}`,
		`{"grant_type":1e999}`, `{"grant_type":null}`, `{"a":[1,2]}`, `[]`, `{`, ``, `{"x":"\u0000"}`, `{"grant_type":"x"} {}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		ft.t = t
		for _, path := range []string{"/oauth/token", "/oauth/revoke", "/co/authenticate"} {
			w := ft.serve(http.MethodPost, path, body, http.Header{"Content-Type": {"application/json"}, "Origin": {"https://spa.example.com"}})
			wantNo5xx(t, w, body)
			if w.Code != http.StatusOK || path != "/oauth/revoke" {
				if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Fatalf("%s input %q: HTTP %d Content-Type %q, want JSON", path, body, w.Code, ct)
				}
			}
		}
	})
}
