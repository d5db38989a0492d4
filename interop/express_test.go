package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// The Express app's tenant: a regular web application with a secret, its
// callback and its logout URL.
const expressTenant = `
settings:
  friendly_name: Consentry Express Interop
clients:
  - client_id: interop-express
    client_secret: interop-express-secret-NOT-FOR-PRODUCTION
    name: Interop Express App
    app_type: regular_web
    token_endpoint_auth_method: client_secret_basic
    grant_types: [authorization_code, refresh_token]
    callbacks: ["{{.BaseURL}}/callback"]
    allowed_logout_urls: ["{{.BaseURL}}"]
` + appUsersYAML

// TestExpressOpenIDConnect runs a server-side web app protected by
// express-openid-connect (openid-client underneath) against mockidp serve
// --tls: /login goes through the mock's login page and back to the app,
// which redeems the code; the protected route shows the user; /logout with
// idpLogout goes to the discovery's end_session_endpoint with id_token_hint
// and post_logout_redirect_uri, which ends the mock's session and returns
// to the app (rule L1), so the next login shows the login page again.
// The user is an HTTP client with a cookie jar that follows the pages.
func TestExpressOpenIDConnect(t *testing.T) {
	skipNodeInterop(t)
	node, npm := requireNode(t)
	t.Parallel() // its own mock on a system-chosen port, its own npm copy: independent of the other tests

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	app := npmApp(t, ctx, node, npm, "express-app", tmp)

	port := freePort(t)
	baseURL := fmt.Sprintf("http://localhost:%d", port)
	bin := buildMock(t, ctx)
	m := startMock(t, ctx, bin, tmp, writeTenant(t, tmp, expressTenant, map[string]string{"BaseURL": baseURL}))
	work := app()

	appLog := startExpress(t, ctx, node, work, m, port)
	fail := func(what string, p page) {
		t.Helper()
		t.Logf("--- app log ---\n%s", appLog.String())
		fatalPage(t, what, p, m)
	}

	ua := newUserAgent(t, m.caFile)
	if p := ua.get(baseURL + "/"); p.Status != 200 || p.Body != "logged out" {
		fail("the app before login", p)
	}
	// requiresAuth sends an anonymous visitor to the IdP.
	p := ua.get(baseURL + "/profile")
	if !strings.HasPrefix(p.URL.String(), "https://"+m.addr+"/u/login") {
		fail("the protected route sends the visitor to the mock's login page", p)
	}
	p = ua.login(p, appUserEmail, appUserPassword)
	if p.Status != 200 || p.URL.String() != baseURL+"/profile" {
		fail("after login the app shows the protected route", p)
	}
	var profile struct {
		User          map[string]any `json:"user"`
		IDTokenClaims map[string]any `json:"idTokenClaims"`
	}
	if err := json.Unmarshal([]byte(p.Body), &profile); err != nil {
		fail("the protected route answers JSON", p)
	}
	if profile.User["sub"] != appUserID || profile.User["email"] != appUserEmail {
		fail(fmt.Sprintf("the protected route's user is %v, want %s", profile.User, appUserID), p)
	}
	if iss := profile.IDTokenClaims["iss"]; iss != "https://"+m.addr+"/" {
		fail(fmt.Sprintf("the ID token's iss is %v", iss), p)
	}

	// idpLogout: the app's /logout goes to the mock's end_session_endpoint
	// and comes back to the app's base URL.
	var logoutURL *url.URL
	ua.stopAt = func(u *url.URL) bool {
		if u.Host == m.addr && logoutURL == nil {
			logoutURL = u
		}
		return false
	}
	p = ua.get(baseURL + "/logout")
	ua.stopAt = nil
	if logoutURL == nil {
		fail("/logout never reached the mock", p)
	}
	q := logoutURL.Query()
	var names []string
	for k := range q {
		names = append(names, k)
	}
	slices.Sort(names)
	if logoutURL.Path != "/oidc/logout" {
		fail(fmt.Sprintf("/logout went to %s (parameters %v), want the discovery's end_session_endpoint /oidc/logout", logoutURL.Path, names), p)
	}
	if q.Get("id_token_hint") == "" || q.Get("post_logout_redirect_uri") != baseURL {
		fail(fmt.Sprintf("the logout request has the parameters %v, want id_token_hint and post_logout_redirect_uri=%s", names, baseURL), p)
	}
	if p.Status != 200 || strings.TrimSuffix(p.URL.String(), "/") != baseURL || p.Body != "logged out" {
		fail("after logout the mock returns to the app, logged out", p)
	}
	// The mock's session is gone: the next login asks for the password.
	if p = ua.get(baseURL + "/login"); p.Prompt() != "login" {
		fail("a login after logout shows the mock's login page (the IdP session ended)", p)
	}
}

// startExpress starts the Express app and waits for its LISTENING line.
func startExpress(t *testing.T, ctx context.Context, node, work string, m *mock, port int) *syncBuffer {
	t.Helper()
	log := &syncBuffer{}
	cmd := exec.Command(node, "app.mjs")
	cmd.Dir = work
	cmd.Env = append(os.Environ(),
		fmt.Sprintf("PORT=%d", port),
		"ISSUER=https://"+m.addr+"/",
		"CLIENT_ID=interop-express",
		"CLIENT_SECRET=interop-express-secret-NOT-FOR-PRODUCTION",
		"SESSION_SECRET=a-long-random-session-secret-for-the-interop-test-only",
		"NODE_EXTRA_CA_CERTS="+m.caFile,
	)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the Express app: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.After(30 * time.Second)
	for !strings.Contains(log.String(), "LISTENING ") {
		select {
		case <-exited:
			t.Fatalf("the Express app exited:\n%s", log.String())
		case <-ctx.Done():
			t.Fatalf("the Express app did not start: %v\n%s", ctx.Err(), log.String())
		case <-deadline:
			t.Fatalf("the Express app did not start within 30s:\n%s", log.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return log
}
