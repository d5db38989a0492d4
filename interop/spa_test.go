package interop

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The SPA's tenant: a public single-page application registered the way
// Auth0's SPA quickstart says (callback, logout URL, web origin and allowed
// origin all the app's origin; refresh token rotation on), and an API it
// calls that allows offline access and asks every client for consent.
const spaTenant = `
settings:
  friendly_name: Consentry SPA Interop
apis:
  - identifier: https://items.interop.example/
    name: Items API
    scopes:
      - value: read:items
        description: Read your items
    allow_offline_access: true
    skip_consent_for_verifiable_first_party_clients: false
clients:
  - client_id: interop-spa
    name: Interop SPA
    app_type: spa
    token_endpoint_auth_method: none
    grant_types: [authorization_code, refresh_token]
    callbacks: ["{{.Origin}}/"]
    allowed_logout_urls: ["{{.Origin}}/"]
    web_origins: ["{{.Origin}}"]
    allowed_origins: ["{{.Origin}}"]
    refresh_token:
      rotation_type: rotating
      expiration_type: expiring
` + appUsersYAML

// TestAuth0SPAJS runs a single-page app built on Auth0's SPA SDK
// (@auth0/auth0-spa-js 2.x, its prebuilt browser file) in headless
// Chromium against mockidp serve --tls: login through the mock's login
// and consent pages, handleRedirectCallback (the code exchange is a CORS
// request, W1), getUser, getTokenSilently by refresh token (rotation, W4)
// and by web_message in a hidden cross-site iframe (W2, with the SSO cookie
// SameSite=None, W5), and logout, after which silent authentication says
// login_required. The app is served from its own origin, https://localhost,
// a different site from the mock's https://127.0.0.1.
func TestAuth0SPAJS(t *testing.T) {
	node, npm, chromium := requireBrowserApp(t, "SPA")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	app := npmApp(t, ctx, node, npm, "spa", tmp)

	// The app's own HTTPS origin, with a certificate from a local CA.
	appCA, ln, origin := appOrigin(t)

	bin := buildMock(t, ctx)
	m := startMock(t, ctx, bin, tmp, writeTenant(t, tmp, spaTenant, map[string]string{"Origin": origin}))
	work := app()

	config := fmt.Sprintf("window.SPA_CONFIG = %s;\n", mustJSON(map[string]string{
		"domain": m.addr, "clientId": "interop-spa", "audience": "https://items.interop.example/",
	}))
	srv := &http.Server{Handler: spaHandler(work, config), TLSConfig: appCA.TLSConfig(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	t.Cleanup(func() { _ = srv.Close() })

	// Chromium trusts exactly the two servers' keys; nothing is installed.
	pins := []string{spkiPin(t, appCA.TLSConfig().Certificates[0].Certificate[0]), spkiPin(t, mockLeaf(t, m))}
	b := startAppBrowser(t, ctx, chromium, tmp, pins, m)
	fail, step, location, start := b.fail, b.step, b.location, b.start
	ready := appReady
	call := func(expr string) spaResult {
		t.Helper()
		return appCall[spaResult](b, expr)
	}

	step("open the app", chromedp.Navigate(origin+"/"), ready)

	// Login: the SDK redirects to /authorize; the user logs in and consents.
	start(`spa.login()`)
	step("the login page",
		chromedp.WaitVisible(chromedp.CSS(`main[data-prompt="login"]`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), appUserEmail),
		chromedp.SendKeys(chromedp.CSS(`#password`), appUserPassword),
		chromedp.Click(chromedp.CSS(`button[name="action"][value="default"]`)),
	)
	step("the consent page",
		chromedp.WaitVisible(chromedp.CSS(`main[data-prompt="consent"]`)),
		chromedp.Click(chromedp.CSS(`button[name="action"][value="accept"]`)),
	)
	step("back at the app", ready)
	back := location()
	if !strings.HasPrefix(back, origin+"/?") || !strings.Contains(back, "code=") {
		fail("after consent the browser is at %s, want %s/?code=...", back, origin)
	}

	res := call(`spa.callback()`)
	if !res.OK {
		fail("handleRedirectCallback: %s: %s", res.Error, res.Description)
	}
	if res.AppState["target"] != "/after-login" || res.User["email"] != appUserEmail || res.User["sub"] != appUserID {
		fail("handleRedirectCallback/getUser: appState %v, user %v", res.AppState, res.User)
	}

	// Refresh tokens: twice, so the second call uses the rotated token.
	for i := 1; i <= 2; i++ {
		res = call(`spa.token("rt")`)
		if !res.OK {
			fail("getTokenSilently by refresh token (call %d): %s: %s", i, res.Error, res.Description)
		}
		checkSPAToken(t, fail, res)
	}

	// web_message in a hidden iframe on the mock's origin: silent SSO.
	res = call(`spa.token("iframe")`)
	if !res.OK {
		fail("getTokenSilently by web_message: %s: %s", res.Error, res.Description)
	}
	checkSPAToken(t, fail, res)
	if res = call(`spa.user("iframe")`); !res.OK || res.User["email"] != appUserEmail {
		fail("getUser after silent authentication: %+v", res)
	}

	// Logout ends the mock's session and returns to the app.
	start(`spa.logout()`)
	step("back at the app after logout", ready)
	back = location()
	if back != origin+"/" {
		fail("after logout the browser is at %s, want %s/", back, origin)
	}
	res = call(`spa.token("iframe")`)
	if res.OK || res.Error != "login_required" {
		fail("silent authentication after logout: %+v, want the error login_required", res)
	}
}

// spaResult is what window.spa's functions resolve to.
type spaResult struct {
	OK          bool           `json:"ok"`
	Error       string         `json:"error"`
	Description string         `json:"description"`
	AppState    map[string]any `json:"appState"`
	User        map[string]any `json:"user"`
	Sub         string         `json:"sub"`
	Aud         any            `json:"aud"`
	Scope       string         `json:"scope"`
	IDTokenSub  string         `json:"idTokenSub"`
}

func checkSPAToken(t *testing.T, fail func(string, ...any), res spaResult) {
	t.Helper()
	aud, _ := json.Marshal(res.Aud)
	if res.Sub != appUserID || res.IDTokenSub != appUserID || !strings.Contains(string(aud), "https://items.interop.example/") ||
		!strings.Contains(" "+res.Scope+" ", " read:items ") {
		fail("getTokenSilently gave sub %q, ID token sub %q, aud %s, scope %q; want %s, audience https://items.interop.example/, read:items",
			res.Sub, res.IDTokenSub, aud, res.Scope, appUserID)
	}
}

// spaHandler serves the SPA: its page for every route, its script, its
// configuration and the SDK's prebuilt browser file from node_modules.
func spaHandler(work, config string) http.Handler {
	return browserAppHandler(work, config, map[string]string{
		"/auth0-spa-js.production.js": filepath.Join(work, "node_modules", "@auth0", "auth0-spa-js", "dist", "auth0-spa-js.production.js"),
		"/app.js":                     filepath.Join(work, "app.js"),
	})
}

// mockLeaf returns the DER of the certificate the mock serves, checked
// against the mock's CA.
func mockLeaf(t *testing.T, m *mock) []byte {
	t.Helper()
	conn, err := tls.Dial("tcp", m.addr, &tls.Config{RootCAs: caPool(t, m.caFile)})
	if err != nil {
		t.Fatalf("TLS to the mock: %v", err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].Raw
}

// spkiPin is Chromium's --ignore-certificate-errors-spki-list entry for a
// certificate: base64(SHA-256(SubjectPublicKeyInfo)).
func spkiPin(t *testing.T, der []byte) string {
	t.Helper()
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
