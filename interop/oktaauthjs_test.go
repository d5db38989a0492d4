package interop

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The demo org's user (testdata/tenants/okta-demo.yaml).
const (
	oktaJoeLogin    = "joe.smith@example.com"
	oktaJoePassword = "Demo-Passw0rd-NOT-FOR-PRODUCTION"
	oktaJSToken     = "00interop-okta-auth-js-token-NOT-FOR-PRODUCTION"
)

// TestOktaAuthJS runs a single-page app built on Okta's browser SDK
// (@okta/okta-auth-js 7.x, its prebuilt UMD bundle, unchanged) in headless
// Chromium against "mockidp serve --vendor okta --tls" with the demo org
// and, created through the admin API, a browser app that requires consent
// (O1) registered for the app's own origin https://localhost:<port> (a
// different site from the org's https://127.0.0.1:<port>):
//
//   - signInWithRedirect: the PKCE code flow through the Okta sign-in and
//     consent pages, driven by the Sign-In Widget's selectors (O12);
//   - handleLoginRedirect: the code exchange (a CORS request) and the SDK's
//     own ID token checks against the org's keys (iss, aud, nonce), and
//     token.verify refusing another audience and an altered signature;
//   - token.getWithoutPrompt: prompt=none by okta_post_message in a hidden
//     iframe: tokens with no page once the grant exists, consent_required
//     for a scope that needs consent not yet given (O3);
//   - tokenManager.renew, by getWithoutPrompt and (offline_access) by a
//     refresh token; getUser (userinfo); revokeAccessToken (the token is
//     refused afterwards);
//   - signOut: /v1/logout with id_token_hint and post_logout_redirect_uri,
//     back at the app, after which getWithoutPrompt says login_required.
func TestOktaAuthJS(t *testing.T) {
	node, npm, chromium := requireBrowserApp(t, "okta-auth-js")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	install := npmApp(t, ctx, node, npm, "okta-auth-js", tmp) // installs while the org starts

	appCA, ln, origin := appOrigin(t)

	bin := buildMock(t, ctx)
	org := startOktaOrg(t, bin, tmp, "../testdata/tenants/okta-demo.yaml")
	issuer := org.url + "/oauth2/default"
	work := install()

	// The app, as an admin registers a SPA: browser type, no secret, PKCE,
	// consent required, its callback and sign-out URLs, Joe assigned.
	var app struct {
		ID          string `json:"id"`
		Credentials struct {
			OAuthClient struct {
				ClientID string `json:"client_id"`
			} `json:"oauthClient"`
		} `json:"credentials"`
	}
	org.admin(t, "POST", "/api/v1/apps", map[string]any{
		"name": "oidc_client", "label": "Interop okta-auth-js SPA", "signOnMode": "OPENID_CONNECT",
		"credentials": map[string]any{"oauthClient": map[string]any{"token_endpoint_auth_method": "none"}},
		"settings": map[string]any{"oauthClient": map[string]any{
			"application_type": "browser", "consent_method": "REQUIRED",
			"grant_types": []string{"authorization_code", "refresh_token"}, "response_types": []string{"code"},
			"redirect_uris":             []string{origin + "/login/callback"},
			"post_logout_redirect_uris": []string{origin + "/"},
		}},
	}, http.StatusOK, &app)
	clientID := app.Credentials.OAuthClient.ClientID
	var joe struct {
		ID string `json:"id"`
	}
	org.admin(t, "GET", "/api/v1/users/"+oktaJoeLogin, nil, http.StatusOK, &joe)
	org.admin(t, "POST", "/api/v1/apps/"+app.ID+"/users", map[string]any{"id": joe.ID, "scope": "USER"}, http.StatusOK, nil)

	config := fmt.Sprintf("window.OKTA_CONFIG = %s;\n", mustJSON(map[string]string{"issuer": issuer, "clientId": clientID}))
	srv := &http.Server{Handler: oktaAuthJSHandler(work, config), TLSConfig: appCA.TLSConfig(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })

	m := &mock{addr: strings.TrimPrefix(org.url, "https://"), caFile: org.caFile, log: org.log}
	pins := []string{spkiPin(t, appCA.TLSConfig().Certificates[0].Certificate[0]), spkiPin(t, mockLeaf(t, m))}
	b := startAppBrowser(t, ctx, chromium, tmp, pins, m)
	fail, step, location, start := b.fail, b.step, b.location, b.start
	call := func(expr string) oktaJSResult {
		t.Helper()
		return appCall[oktaJSResult](b, expr)
	}
	// checkTokens checks the claims of the tokens the SDK accepted. An ID
	// token from a refresh answers no authorization request, so it need not
	// carry a nonce (the SDK checks one only when it sent one).
	checkTokens := func(what string, res oktaJSResult, scope string) {
		t.Helper()
		id, at := res.IDToken, res.AccessToken
		if id == nil || at == nil {
			fail("%s: tokens %+v", what, res)
		}
		if id.Sub != joe.ID || id.Iss != issuer || id.Aud != clientID || (id.Nonce == "" && !strings.Contains(what, "refresh")) || id.Email != oktaJoeLogin {
			fail("%s: ID token sub %q iss %q aud %q nonce %q email %q; want %s, %s, %s, a nonce, %s",
				what, id.Sub, id.Iss, id.Aud, id.Nonce, id.Email, joe.ID, issuer, clientID, oktaJoeLogin)
		}
		if at.UID != joe.ID || at.Sub != oktaJoeLogin || at.CID != clientID || at.Iss != issuer || at.Aud != "api://default" ||
			!slices.Contains(at.Scp, scope) {
			fail("%s: access token uid %q sub %q cid %q iss %q aud %v scp %v; want %s, %s, %s, %s, api://default, %s",
				what, at.UID, at.Sub, at.CID, at.Iss, at.Aud, at.Scp, joe.ID, oktaJoeLogin, clientID, issuer, scope)
		}
	}

	step("open the app", chromedp.Navigate(origin+"/"), appReady)

	// signInWithRedirect: the sign-in page, then consent for phone (a
	// REQUIRED scope of a REQUIRED app, O3).
	start(`okta.login()`)
	step("the sign-in page",
		chromedp.WaitVisible(chromedp.CSS(`#okta-sign-in #okta-signin-username`)),
		chromedp.SendKeys(chromedp.CSS(`#okta-signin-username`), oktaJoeLogin),
		chromedp.SendKeys(chromedp.CSS(`#okta-signin-password`), oktaJoePassword),
		chromedp.Click(chromedp.CSS(`#okta-signin-submit`)),
	)
	step("the consent page",
		chromedp.WaitVisible(chromedp.CSS(`.consent-required .scope-list [data-scope="phone"]`)),
		chromedp.Click(chromedp.CSS(`.consent-required [data-type="save"]`)),
	)
	step("back at the app", appReady)
	if back := location(); !strings.HasPrefix(back, origin+"/login/callback?") || !strings.Contains(back, "code=") {
		fail("after consent the browser is at %s, want %s/login/callback?code=...", back, origin)
	}

	res := call(`okta.callback()`)
	if !res.OK || !res.Authenticated || res.OriginalURI != "/after-login" {
		fail("handleLoginRedirect: %+v", res)
	}
	checkTokens("handleLoginRedirect", res, "phone")
	// The SDK's own checks run against the org's keys and refuse what
	// they should.
	if res = call(`okta.verify()`); !res.OK || !strings.Contains(res.WrongAudience, "audience") || !strings.Contains(res.BadSignature, "signature") {
		fail("token.verify: %+v, want the stored ID token valid, another audience and an altered signature refused", res)
	}
	var grants []struct {
		ClientID string `json:"clientId"`
		Issuer   string `json:"issuer"`
		Embedded struct {
			Scope struct {
				Name string `json:"name"`
			} `json:"scope"`
		} `json:"_embedded"`
	}
	org.admin(t, "GET", "/api/v1/users/"+joe.ID+"/clients/"+clientID+"/grants?expand=scope", nil, http.StatusOK, &grants)
	if len(grants) != 1 || grants[0].Issuer != issuer {
		fail("Joe's grants to the app after consent: %+v, want one (phone) issued by %s", grants, issuer)
	}

	// getWithoutPrompt: the grant exists, so prompt=none gives tokens.
	res = call(`okta.silent()`)
	if !res.OK {
		fail("getWithoutPrompt after consent: %s: %s", res.Error, res.Description)
	}
	checkTokens("getWithoutPrompt", res, "phone")
	// A REQUIRED scope not consented to yet cannot be given without a page.
	if res = call(`okta.silent(["openid", "orders:read"])`); res.OK || res.Error != "consent_required" {
		fail("getWithoutPrompt for orders:read: %+v, want the error consent_required", res)
	}

	// tokenManager.renew (no refresh token: by getWithoutPrompt).
	res = call(`okta.renew()`)
	if !res.OK || !res.Changed {
		fail("tokenManager.renew: %+v", res)
	}
	checkTokens("tokenManager.renew", res, "phone")

	// tokenManager.renew with a refresh token (offline_access): a
	// refresh_token grant from the page.
	res = call(`okta.renewByRefresh()`)
	if !res.OK || !res.Changed || !res.Refreshed {
		fail("tokenManager.renew by refresh token: %+v", res)
	}
	checkTokens("tokenManager.renew by refresh token", res, "offline_access")
	if !strings.Contains(org.log.String(), "grant_type=refresh_token") {
		fail("the renewal with a refresh token made no refresh_token grant")
	}

	res = call(`okta.user()`)
	if !res.OK || res.User["sub"] != joe.ID || res.User["email"] != oktaJoeLogin || res.User["phone_number"] != "+1 555 0100" {
		fail("getUser: %+v", res)
	}

	res = call(`okta.revoke()`)
	if !res.OK || res.Revoked == "" {
		fail("revokeAccessToken: %+v", res)
	}
	if status := org.userinfo(t, issuer, res.Revoked); status != http.StatusUnauthorized {
		fail("userinfo with the revoked access token: %d, want 401", status)
	}

	// signOut: /v1/logout with id_token_hint and post_logout_redirect_uri.
	start(`okta.logout()`)
	step("back at the app after signOut", appReady)
	if back := location(); back != origin+"/" {
		fail("after signOut the browser is at %s, want %s/", back, origin)
	}
	if res = call(`okta.silent()`); res.OK || res.Error != "login_required" {
		fail("getWithoutPrompt after signOut: %+v, want the error login_required", res)
	}
}

// oktaJSResult is what window.okta's functions resolve to.
type oktaJSResult struct {
	OK            bool           `json:"ok"`
	Error         string         `json:"error"`
	Description   string         `json:"description"`
	Authenticated bool           `json:"authenticated"`
	OriginalURI   string         `json:"originalUri"`
	Changed       bool           `json:"changed"`
	Refreshed     bool           `json:"refreshed"`
	Revoked       string         `json:"revoked"`
	WrongAudience string         `json:"wrongAudience"`
	BadSignature  string         `json:"badSignature"`
	User          map[string]any `json:"user"`
	IDToken       *struct {
		Sub, Iss, Aud, Nonce, Email, Raw string
	} `json:"idToken"`
	AccessToken *struct {
		Sub, UID, CID, Iss, Aud, Raw string
		Scp                          []string
	} `json:"accessToken"`
}

// oktaAuthJSHandler serves the SPA: its page for every route, its script,
// its configuration and the SDK's UMD bundle from node_modules.
func oktaAuthJSHandler(work, config string) http.Handler {
	return browserAppHandler(work, config, map[string]string{
		"/okta-auth-js.umd.js": filepath.Join(work, "node_modules", "@okta", "okta-auth-js", "umd", "default.js"),
		"/app.js":              filepath.Join(work, "app.js"),
	})
}

// oktaOrg is a running "mockidp serve --vendor okta --tls".
type oktaOrg struct {
	url    string // https://127.0.0.1:<port>
	caFile string
	log    *syncBuffer
	c      *http.Client
}

// startOktaOrg starts bin as an Okta org over TLS seeded from config, with
// the admin API token in its environment (startOktaServe with a --config
// where startOktaMock gives a --data directory).
func startOktaOrg(t *testing.T, bin, dir, config string) *oktaOrg {
	t.Helper()
	cfg, err := filepath.Abs(config)
	if err != nil {
		t.Fatal(err)
	}
	o := &oktaOrg{}
	o.url, o.caFile, o.log = startOktaServe(t, bin, dir, oktaJSToken, "--config", cfg)
	o.c = newUserAgent(t, o.caFile).c
	return o
}

// admin sends an admin API request with the org's SSWS token and decodes
// the answer into out, failing unless the status is want.
func (o *oktaOrg) admin(t *testing.T, method, path string, body any, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader([]byte(mustJSON(body)))
	}
	req, err := http.NewRequest(method, o.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "SSWS "+oktaJSToken)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := o.c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
}

// userinfo calls the server's userinfo endpoint with an access token and
// returns the status.
func (o *oktaOrg) userinfo(t *testing.T, issuer, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", issuer+"/v1/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := o.c.Do(req)
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}
