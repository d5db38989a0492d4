package interop

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The authentication calls' tenant: a confidential regular web app with
// every grant the calls use, an API that allows offline access, and the
// client grant client_credentials needs (rule T2).
const authnTenant = `
settings:
  friendly_name: Consentry Authentication Interop
apis:
  - identifier: https://items.interop.example/
    name: Items API
    scopes:
      - value: read:items
        description: Read your items
    allow_offline_access: true
clients:
  - client_id: interop-authn
    client_secret: interop-authn-secret-NOT-FOR-PRODUCTION
    name: Interop Authn App
    app_type: regular_web
    grant_types: [authorization_code, refresh_token, client_credentials, password, "http://auth0.com/oauth/grant-type/password-realm"]
    callbacks: ["http://127.0.0.1/callback"]
client_grants:
  - client_id: interop-authn
    audience: https://items.interop.example/
    subject_type: client
    scope: [read:items]
` + appUsersYAML

// TestAuth0NodeAuthentication drives the mock's Authentication API with
// the Node SDK's AuthenticationClient and UserInfoClient (npm "auth0" v7,
// auth0/legacy): client credentials (T2), password realm with the realm
// checked (T3), userinfo (J2), refresh (T4), revoke with the JSON body the
// SDK sends (W3), and an authorization code with PKCE (T1) that the test
// gets through the mock's login and consent pages.
func TestAuth0NodeAuthentication(t *testing.T) {
	skipNodeInterop(t)
	node, npm := requireNode(t)
	t.Parallel() // its own mock on a system-chosen port, its own npm copy: independent of the other tests

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	tmp := t.TempDir()
	app := npmApp(t, ctx, node, npm, "auth0-node-authn", tmp)
	bin := buildMock(t, ctx)
	m := startMock(t, ctx, bin, tmp, writeTenant(t, tmp, authnTenant, nil))
	work := app()

	// A code with PKCE, by a user at the mock's pages; the loopback
	// callback matches on any port (K4) and nobody listens there.
	const redirectURI = "http://127.0.0.1:9/callback"
	verifier := "interop-verifier-" + strings.Repeat("x", 40)
	sum := sha256.Sum256([]byte(verifier))
	authz := url.URL{Scheme: "https", Host: m.addr, Path: "/authorize", RawQuery: url.Values{
		"response_type": {"code"}, "client_id": {"interop-authn"}, "redirect_uri": {redirectURI},
		"scope": {"openid profile email offline_access read:items"}, "audience": {"https://items.interop.example/"},
		"state": {"authn-state"}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}.Encode()}
	ua := newUserAgent(t, m.caFile)
	ua.stopAt = func(u *url.URL) bool { return u.Host == "127.0.0.1:9" }
	p := ua.login(ua.get(authz.String()), appUserEmail, appUserPassword)
	cb, err := url.Parse(p.Location)
	if err != nil || !strings.HasPrefix(p.Location, redirectURI+"?") || cb.Query().Get("code") == "" || cb.Query().Get("state") != "authn-state" {
		fatalPage(t, "the login ends at the callback with a code and the state", p, m)
	}

	script := exec.CommandContext(ctx, node, "authn.mjs")
	script.Dir = work
	script.Env = append(os.Environ(),
		"MOCKIDP_DOMAIN="+m.addr,
		"CLIENT_ID=interop-authn",
		"CLIENT_SECRET=interop-authn-secret-NOT-FOR-PRODUCTION",
		"AUDIENCE=https://items.interop.example/",
		"USERNAME="+appUserEmail,
		"PASSWORD="+appUserPassword,
		"USER_ID="+appUserID,
		"REALM=Username-Password-Authentication",
		"CODE="+cb.Query().Get("code"),
		"CODE_VERIFIER="+verifier,
		"REDIRECT_URI="+redirectURI,
		"NODE_EXTRA_CA_CERTS="+m.caFile,
	)
	out, err := script.CombinedOutput()
	if err != nil {
		t.Fatalf("node authn.mjs: %v\n--- script output ---\n%s\n--- mock log ---\n%s", err, out, m.log.String())
	}
	t.Logf("node authn.mjs:\n%s", out)
}
