package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The embedded-login app's tenant: a single-page application registered
// the way Auth0's documentation for embedded login says: cross-origin
// authentication on, the app's origin among its web_origins and
// allowed_origins, a cross-origin verification fallback page
// (cross_origin_loc) on the app's origin, the implicit grant
// (responseType "token id_token"). Its API asks every client for consent,
// so the first login shows the consent page once and the grant it leaves
// lets checkSession (prompt=none) through.
const auth0jsTenant = `
settings:
  friendly_name: Consentry auth0.js Interop
apis:
  - identifier: https://items.interop.example/
    name: Items API
    scopes:
      - value: read:items
        description: Read your items
    skip_consent_for_verifiable_first_party_clients: false
clients:
  - client_id: interop-auth0js
    name: Interop auth0.js
    app_type: spa
    token_endpoint_auth_method: none
    grant_types: [implicit]
    callbacks: ["{{.Origin}}/callback"]
    allowed_logout_urls: ["{{.Origin}}/"]
    web_origins: ["{{.Origin}}"]
    allowed_origins: ["{{.Origin}}"]
    cross_origin_authentication: true
    cross_origin_loc: "{{.Origin}}/verify.html"
` + appUsersYAML

// TestAuth0JS runs an embedded-login page built on auth0.js (npm auth0-js
// 9.x, its prebuilt browser file, the library behind Lock) in headless
// Chromium against mockidp serve --tls, the page on its own origin
// https://localhost (another site than the mock's https://127.0.0.1):
// login({realm, username, password}) by cross-origin authentication
// (POST /co/authenticate, a CORS request with credentials, then
// /authorize?login_ticket=), parseHash at the callback (the ID token
// checked against the JWKS, fetched by CORS), checkSession (prompt=none by
// web_message in a hidden cross-site iframe, W2 and W5), client.userInfo
// (CORS, W1), wrong credentials in auth0.js's error shape, and logout,
// after which checkSession says login_required. Last, the cross-origin
// verification fallback: a login whose /co/authenticate cookie the browser
// lost goes through the mock's fallback page, the app's verify.html
// (auth0.js crossOriginVerification) and /co/verify.
func TestAuth0JS(t *testing.T) {
	node, npm, chromium := requireBrowserApp(t, "auth0.js")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	app := npmApp(t, ctx, node, npm, "auth0js", tmp)

	appCA, ln, origin := appOrigin(t)

	bin := buildMock(t, ctx)
	m := startMock(t, ctx, bin, tmp, writeTenant(t, tmp, auth0jsTenant, map[string]string{"Origin": origin}))
	work := app()

	config := fmt.Sprintf("window.AUTH0JS_CONFIG = %s;\n", mustJSON(map[string]string{
		"domain": m.addr, "clientID": "interop-auth0js", "audience": "https://items.interop.example/",
		"realm": "Username-Password-Authentication",
	}))
	srv := &http.Server{Handler: auth0jsHandler(work, config), TLSConfig: appCA.TLSConfig(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })

	// Chromium trusts exactly the two servers' keys; third-party cookies
	// are allowed in the profile, as in the browsers most people run
	// (cross-origin authentication and silent authentication depend on
	// them; see TestAuth0SPAJS).
	pins := []string{spkiPin(t, appCA.TLSConfig().Certificates[0].Certificate[0]), spkiPin(t, mockLeaf(t, m))}
	b := startAppBrowser(t, ctx, chromium, tmp, pins, m)
	fail, step, location, start := b.fail, b.step, b.location, b.start
	ready := appReady
	call := func(expr string) auth0jsResult {
		t.Helper()
		return appCall[auth0jsResult](b, expr)
	}
	checkTokens := func(what string, res auth0jsResult) {
		t.Helper()
		if !res.OK {
			fail("%s: %s: %s", what, res.Error, res.Description)
		}
		aud, _ := json.Marshal(res.Aud)
		if res.Sub != appUserID || res.IDTokenSub != appUserID || res.Email != appUserEmail ||
			!strings.Contains(string(aud), "https://items.interop.example/") || !strings.Contains(" "+res.Scope+" ", " read:items ") {
			fail("%s gave sub %q, ID token sub %q, email %q, aud %s, scope %q; want %s, %s, audience https://items.interop.example/, read:items",
				what, res.Sub, res.IDTokenSub, res.Email, aud, res.Scope, appUserID, appUserEmail)
		}
	}

	step("open the app", chromedp.Navigate(origin+"/"), ready)

	// Wrong credentials: /co/authenticate refuses, and auth0.js hands the
	// refusal to the callback in its own shape; the page stays.
	res := call(fmt.Sprintf(`a0.login(%q, "not-the-password")`, appUserEmail))
	if res.OK || res.Error != "access_denied" || res.Description != "Wrong email or password." {
		fail("login with a wrong password: %+v, want access_denied \"Wrong email or password.\"", res)
	}

	// Login: the credentials go to /co/authenticate from the page; auth0.js
	// then navigates to /authorize?login_ticket=, which comes back to the
	// callback with the tokens in the fragment.
	start(fmt.Sprintf(`a0.login(%q, %q)`, appUserEmail, appUserPassword))
	step("the consent page",
		chromedp.WaitVisible(chromedp.CSS(`main[data-prompt="consent"]`)),
		chromedp.Click(chromedp.CSS(`button[name="action"][value="accept"]`)),
	)
	step("back at the callback", ready)
	if back := location(); !strings.HasPrefix(back, origin+"/callback#") || !strings.Contains(back, "access_token=") {
		fail("after login the browser is at %s, want %s/callback#access_token=...", back, origin)
	}
	checkTokens("parseHash", call(`a0.callback()`))

	// userinfo with the access token, a CORS request.
	res = call(`a0.userInfo()`)
	if !res.OK || res.User["sub"] != appUserID || res.User["email"] != appUserEmail {
		fail("client.userInfo: %+v", res)
	}

	// Silent authentication in a hidden iframe on the mock's origin.
	checkTokens("checkSession", call(`a0.session()`))

	// Logout ends the mock's session and returns to the app.
	start(`a0.logout()`)
	step("back at the app after logout", ready)
	if back := location(); back != origin+"/" {
		fail("after logout the browser is at %s, want %s/", back, origin)
	}
	if res = call(`a0.session()`); res.OK || res.Error != "login_required" {
		fail("checkSession after logout: %+v, want the error login_required", res)
	}

	// The cross-origin verification fallback: the browser keeps the app's
	// cookies but not the one /co/authenticate set (the test drops it
	// between /co/authenticate and /authorize, by auth0.js's onRedirecting
	// hook). The mock's fallback page frames the app's verify.html, where
	// auth0.js's crossOriginVerification hands over the co_verifier it
	// stored, and posts it to /co/verify.
	if res = call(fmt.Sprintf(`a0.loginPaused(%q, %q)`, appUserEmail, appUserPassword)); !res.OK {
		fail("login (paused before /authorize): %s: %s", res.Error, res.Description)
	}
	mockURL := "https://" + m.addr + "/"
	step("drop the mock's login-ticket cookie", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		got, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{mockURL}})
		if err != nil {
			return err
		}
		dropped := 0
		for _, c := range got.Cookies {
			if strings.HasPrefix(c.Name, "mockidp_co_") {
				if _, err := chromedp.Call(ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: c.Name, URL: mockURL}); err != nil {
					return err
				}
				dropped++
			}
		}
		if dropped == 0 {
			return fmt.Errorf("no mockidp_co_ cookie among the mock's %d cookies: /co/authenticate set none", len(got.Cookies))
		}
		return nil
	}))
	start(`a0.resume()`)
	step("back at the callback through the fallback page", ready)
	if back := location(); !strings.HasPrefix(back, origin+"/callback#") || !strings.Contains(back, "access_token=") {
		fail("after the fallback the browser is at %s, want %s/callback#access_token=...", back, origin)
	}
	checkTokens("parseHash after the fallback", call(`a0.callback()`))
	if log := m.log.String(); !strings.Contains(log, "co/verify fallback page") || !strings.Contains(log, "verified_by_page=true") {
		fail("the login did not go through the fallback page and /co/verify")
	}
}

// auth0jsResult is what window.a0's functions resolve to.
type auth0jsResult struct {
	OK          bool           `json:"ok"`
	Error       string         `json:"error"`
	Description string         `json:"description"`
	User        map[string]any `json:"user"`
	Sub         string         `json:"sub"`
	Aud         any            `json:"aud"`
	Scope       string         `json:"scope"`
	IDTokenSub  string         `json:"idTokenSub"`
	Email       string         `json:"email"`
}

// auth0jsHandler serves the embedded-login app: its page for every route,
// its script, the cross-origin verification page, its configuration and
// auth0.js's prebuilt browser file from node_modules.
func auth0jsHandler(work, config string) http.Handler {
	return browserAppHandler(work, config, map[string]string{
		"/auth0.min.js": filepath.Join(work, "node_modules", "auth0-js", "dist", "auth0.min.js"),
		"/app.js":       filepath.Join(work, "app.js"),
		"/verify.html":  filepath.Join(work, "verify.html"),
	})
}
