package auth0_test

// Cross-origin authentication (embedded login, W1) as auth0.js and Lock
// drive it: what interop/auth0js_test.go found the real library needs.

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/consentry/consentry/mockidp/tenant"
)

// auth0.js's login({realm}) sends credential_type
// http://auth0.com/oauth/grant-type/password-realm (the value Auth0
// documents for /co/authenticate); the mock refused it as unsupported.
func TestW1_CoAuthenticateTakesThePasswordRealmCredentialType(t *testing.T) {
	p := newIDP(t)
	spa := p.addClient(firstParty, spaClient, func(c *tenant.Client) { c.CrossOriginAuthentication = true })
	coAuth := func(credentialType string) (int, map[string]any) {
		t.Helper()
		b, _ := json.Marshal(map[string]string{"client_id": spa.ClientID, "username": p.alice.Email, "password": password,
			"realm": connection, "credential_type": credentialType})
		res, body := p.call(http.MethodPost, "co/authenticate", string(b), "Content-Type", "application/json", "Origin", spaOrigin)
		var out map[string]any
		_ = json.Unmarshal([]byte(body), &out)
		return res.StatusCode, out
	}
	for _, ct := range []string{"http://auth0.com/oauth/grant-type/password-realm", "http://auth0.com/credentials/password"} {
		if status, out := coAuth(ct); status != 200 || out["login_ticket"] == nil {
			t.Errorf("credential_type %s: HTTP %d %v, want a login_ticket", ct, status, out)
		}
	}
	if status, out := coAuth("password"); status != 400 || out["error"] != "invalid_request" {
		t.Errorf("credential_type password: HTTP %d %v, want 400 invalid_request", status, out)
	}
}
