package oktaface_test

// Fuzz targets for the Okta face's inputs, as mockidp/auth0's are for the
// Auth0 face: the /v1/authorize query, the token, revocation,
// introspection and userinfo endpoints (every grant type, every client
// authentication), and the sign-in and consent forms of a transaction in
// progress. No input may produce a 5xx, a panic or a hang; none may
// redirect anywhere but to the org's own pages or a URI registered for an
// app; the JSON endpoints answer JSON, their errors in Okta's
// {"error","error_description"} shape. The seeds run as ordinary tests in
// make test; make fuzz-short and make fuzz mutate them.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/internal/inproc"
	"github.com/consentry/consentry/mockidp/okta"
)

// fuzzOrg is newOrg with the refresh_token grant on the web app, the phone
// scope REQUIRED (so that consent is asked), and every URI the org may
// send a browser to.
type fuzzOrg struct {
	*org
	registered []string // redirect and post-logout redirect URIs of every app
}

func newFuzzOrg(f *testing.F) *fuzzOrg {
	o := newOrg(f)
	o.web.Settings.OAuthClient.GrantTypes = append(o.web.Settings.OAuthClient.GrantTypes, okta.GrantRefreshToken)
	o.update(o.web)
	o.setScope("phone", okta.ScopeRequired, false)
	fo := &fuzzOrg{org: o}
	for _, a := range []*okta.App{o.web, o.spa, o.svc} {
		fo.registered = append(fo.registered, a.Settings.OAuthClient.RedirectURIs...)
		fo.registered = append(fo.registered, a.Settings.OAuthClient.PostLogoutRedirectURIs...)
	}
	return fo
}

// serve runs one request through the org in process (inproc.Serve: a
// panic fails the input instead of being logged by an HTTP server; so does
// a hang).
func (o *fuzzOrg) serve(method, target, body string, header http.Header) *httptest.ResponseRecorder {
	return inproc.Serve(o.h, strings.TrimPrefix(o.url, "http://"), method, target, body, header)
}

// wantSafe checks what every answer must be: no 5xx, and a redirect only
// to the org's own pages or to a URI registered for an app.
func (o *fuzzOrg) wantSafe(t *testing.T, w *httptest.ResponseRecorder, input string) {
	t.Helper()
	if w.Code >= 500 {
		t.Fatalf("input %q: HTTP %d %s", input, w.Code, w.Body.String())
	}
	if w.Code < 300 || w.Code > 399 {
		return
	}
	loc := w.Header().Get("Location")
	if strings.HasPrefix(loc, o.url+"/") {
		return
	}
	base := loc
	if i := strings.IndexAny(base, "?#"); i >= 0 {
		base = base[:i]
	}
	for _, u := range o.registered {
		if base == u {
			return
		}
	}
	t.Fatalf("input %q redirected to %q: neither the org's page nor a registered URI", input, loc)
}

// wantJSON checks an API endpoint's answer: JSON, and an error in Okta's
// shape with a description.
func wantJSON(t *testing.T, w *httptest.ResponseRecorder, input string) {
	t.Helper()
	if w.Code == http.StatusNoContent || (w.Code == http.StatusOK && w.Body.Len() == 0) {
		return // revocation's empty 200
	}
	if mt, _, _ := mime.ParseMediaType(w.Header().Get("Content-Type")); mt != "application/json" {
		t.Fatalf("input %q: HTTP %d with Content-Type %q, want JSON: %.300s", input, w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("input %q: HTTP %d, not a JSON object: %v: %.300s", input, w.Code, err, w.Body.String())
	}
	if w.Code >= 400 {
		code, _ := body["error"].(string)
		desc, _ := body["error_description"].(string)
		if code == "" || desc == "" {
			t.Fatalf("input %q: HTTP %d without Okta's error and error_description: %s", input, w.Code, w.Body.String())
		}
	}
}

func FuzzOktaAuthorizeQuery(f *testing.F) {
	o := newFuzzOrg(f)
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	web, spa, svc := o.web.ClientID(), o.spa.ClientID(), o.svc.ClientID()
	for _, seed := range []string{
		"",
		q("client_id", web, "redirect_uri", webCB, "response_type", "code", "scope", "openid phone", "state", "s"),
		q("client_id", web, "redirect_uri", webCB, "response_type", "token id_token", "scope", "openid", "state", "s", "nonce", "n", "response_mode", "form_post"),
		q("client_id", web, "redirect_uri", webCB, "response_type", "code", "scope", "openid", "prompt", "none", "max_age", "0"),
		q("client_id", web, "redirect_uri", webCB, "response_type", "code", "scope", "openid", "prompt", "consent login"),
		q("client_id", spa, "redirect_uri", spaCB, "response_type", "code", "scope", "openid offline_access", "state", "s",
			"code_challenge", s256("verifier-0123456789-0123456789-0123456789"), "code_challenge_method", "S256", "response_mode", "okta_post_message"),
		q("client_id", spa, "redirect_uri", spaCB, "response_type", "code", "scope", "openid", "code_challenge", "x", "code_challenge_method", "plain"),
		q("client_id", svc, "redirect_uri", webCB, "response_type", "code", "scope", "openid"),
		q("client_id", web, "redirect_uri", "https://evil.example/cb", "response_type", "code", "scope", "openid"),
		q("client_id", web, "redirect_uri", webCB+"#frag", "response_type", "code", "scope", "openid"),
		q("client_id", web, "client_id", web, "redirect_uri", webCB, "response_type", "code", "scope", "openid"),
		q("client_id", web, "redirect_uri", webCB, "response_type", "code", "scope", "openid", "max_age", "-1", "idp", "0oa", "login_hint", "<b>"),
		q("client_id", web, "redirect_uri", webCB, "response_type", "code", "scope", "openid unknown:scope", "state", strings.Repeat("s", 3000)),
		"%zz", "client_id=%00&redirect_uri=%ff", "client_id=" + web + "&redirect_uri=" + url.QueryEscape(webCB) + "&response_type=code&response_mode=x&scope=openid",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, query string) {
		o.t = t
		for _, sid := range []string{"default", o.srv.ID} {
			path := "/oauth2/" + sid + "/v1/authorize"
			o.wantSafe(t, o.serve(http.MethodGet, path+"?"+query, "", nil), query)
			o.wantSafe(t, o.serve(http.MethodPost, path, query, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}), query)
		}
	})
}

// FuzzOktaTokenForm posts a fuzzed form with a fuzzed Authorization header
// to the token, revocation, introspection and userinfo endpoints (and
// sends it as userinfo's query). In both, {code} is a fresh code of the web
// app (consented to openid phone offline_access), {refresh}, {access} and
// {id} are tokens issued from one such code at the start, and {web}, {spa}
// and {svc} the apps' client IDs.
func FuzzOktaTokenForm(f *testing.F) {
	o := newFuzzOrg(f)
	b := o.browser()
	scope := url.Values{"scope": {"openid phone offline_access"}}
	// The first code is consented; the session and the grant make every
	// later one a redirect straight to the callback.
	first := callback(f, b.answer(b.consentPage(b.login(b.authorize(o.web, scope))), "accept"), webCB, false).Get("code")
	tok := o.redeem(first)
	refresh, access, idToken := tok["refresh_token"].(string), tok["access_token"].(string), tok["id_token"].(string)
	code := func() string {
		return callback(o.t, b.authorize(o.web, scope), webCB, false).Get("code")
	}
	basic := func(id, sec string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+sec))
	}
	webAuth, svcAuth := basic(o.web.ClientID(), secret), basic(o.svc.ClientID(), svcSec)
	for _, seed := range [][2]string{
		{"grant_type=authorization_code&code={code}&redirect_uri=" + url.QueryEscape(webCB), webAuth},
		{"grant_type=authorization_code&code={code}&redirect_uri=" + url.QueryEscape(webCB) + "&client_id={web}&client_secret=" + secret, ""},
		{"grant_type=authorization_code&code={code}&redirect_uri=" + url.QueryEscape(webCB), basic(o.web.ClientID(), "wrong")},
		{"grant_type=authorization_code&code={code}&code={code}&redirect_uri=" + url.QueryEscape(webCB), webAuth},
		{"grant_type=authorization_code&code={code}&redirect_uri=" + url.QueryEscape(spaCB) + "&client_id={spa}&code_verifier=x", ""},
		{"grant_type=refresh_token&refresh_token={refresh}", webAuth},
		{"grant_type=refresh_token&refresh_token={refresh}&scope=openid", webAuth},
		{"grant_type=refresh_token&refresh_token={access}", webAuth},
		{"grant_type=refresh_token&refresh_token={refresh}", svcAuth},
		{"grant_type=client_credentials&scope=phone", svcAuth},
		{"grant_type=client_credentials&scope=", svcAuth},
		{"grant_type=client_credentials&client_id={svc}&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion={id}", ""},
		{"grant_type=password&username=joe%40example.com&password=" + url.QueryEscape(password) + "&scope=openid+offline_access", webAuth},
		{"grant_type=password&username=joe%40example.com&password=wrong&scope=openid", webAuth},
		{"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&subject_token={access}&subject_token_type=urn%3Aietf%3Aparams%3Aoauth%3Atoken-type%3Aaccess_token&scope=phone", svcAuth},
		{"grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=x", webAuth},
		{"token={access}&token_type_hint=access_token", webAuth},
		{"token={refresh}&token_type_hint=refresh_token", webAuth},
		{"token={id}&token_type_hint=id_token", webAuth},
		{"", "Bearer {access}"},
		{"", "Bearer {id}"},
		{"", "Basic %%%"},
		{"grant_type=%zz", "Basic " + base64.StdEncoding.EncodeToString([]byte("no-colon"))},
		{"grant_type=authorization_code&code=" + strings.Repeat("A", 5000), webAuth},
	} {
		f.Add(seed[0], seed[1])
	}
	fill := strings.NewReplacer("{refresh}", refresh, "{access}", access, "{id}", idToken,
		"{web}", o.web.ClientID(), "{spa}", o.spa.ClientID(), "{svc}", o.svc.ClientID())
	f.Fuzz(func(t *testing.T, form, authorization string) {
		o.t = t
		input := form + " | " + authorization
		for strings.Contains(form, "{code}") {
			form = strings.Replace(form, "{code}", code(), 1)
		}
		form, authorization = fill.Replace(form), fill.Replace(authorization)
		header := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		if authorization != "" {
			header.Set("Authorization", authorization)
		}
		for _, path := range []string{"/v1/token", "/v1/revoke", "/v1/introspect", "/v1/userinfo"} {
			w := o.serve(http.MethodPost, "/oauth2/default"+path, form, header)
			o.wantSafe(t, w, input)
			wantJSON(t, w, input)
		}
		w := o.serve(http.MethodGet, "/oauth2/default/v1/userinfo?"+form, "", header)
		o.wantSafe(t, w, input)
		wantJSON(t, w, input)
	})
}

// FuzzOktaInteractionForms posts a fuzzed body to the sign-in form or (a
// second transaction, signed in) the consent form of a fresh transaction,
// with the page's own state and csrf fields first unless the input starts
// with "raw:". Whatever the body, the answer is a page or a redirect the
// org may send (its own, a registered callback).
func FuzzOktaInteractionForms(f *testing.F) {
	o := newFuzzOrg(f)
	login, pass := url.QueryEscape(o.user.Profile.Login), url.QueryEscape(password)
	for _, seed := range []struct {
		consent bool
		body    string
	}{
		{false, "username=" + login + "&password=" + pass},
		{false, "username=" + login + "&password=wrong"},
		{false, "identifier=" + login + "&credentials.passcode=" + pass},
		{false, "username=" + login + "&username=x&password=" + pass},
		{false, "raw:username=" + login + "&password=" + pass},
		{false, "raw:state=&csrf=&username=" + login + "&password=" + pass},
		{false, "%zz=%zz"},
		{true, "action=accept"},
		{true, "action=deny"},
		{true, "action=accept&action=deny"},
		{true, "action=accept&optedScopes.phone=true&optedScopes.email=true"},
		{true, "action=accept&optedScopes.offline_access=false"},
		{true, "raw:action=accept"},
		{true, "action="},
	} {
		f.Add(seed.consent, seed.body)
	}
	f.Fuzz(func(t *testing.T, consent bool, body string) {
		o.t = t
		// An input that consented leaves a grant that skips the page.
		if _, err := o.st.DeleteGrants(context.Background(), okta.GrantFilter{UserID: o.user.ID}); err != nil {
			t.Fatal(err)
		}
		b := o.browser()
		p := b.authorize(o.web, url.Values{"scope": {"openid phone"}})
		if consent {
			p = b.consentPage(b.login(p))
		} else {
			p = b.follow(p)
		}
		action, form := formOf(t, p)
		raw := strings.HasPrefix(body, "raw:")
		if raw {
			body = strings.TrimPrefix(body, "raw:")
		} else {
			body = form.Encode() + "&" + body
		}
		target := strings.TrimPrefix(action, o.url)
		w := o.serve(http.MethodPost, target, body, http.Header{
			"Content-Type": {"application/x-www-form-urlencoded"},
			"Cookie":       cookieHeader(b, action),
		})
		o.wantSafe(t, w, body)
	})
}

// cookieHeader is the Cookie header b's jar sends with a request to target.
func cookieHeader(b *browser, target string) []string {
	u, _ := url.Parse(target)
	var parts []string
	for _, c := range b.c.Jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	if len(parts) == 0 {
		return nil
	}
	return []string{strings.Join(parts, "; ")}
}
