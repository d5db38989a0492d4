package interop

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v5/okta"

	oktaorg "github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/store/sqlstore"
)

const oktaSDKToken = "00interop-okta-sdk-token-NOT-FOR-PRODUCTION"

// oktaSDKClient builds and starts the binary, "mockidp serve --vendor okta
// --tls --data DIR" (a new org, the admin API token in the environment), and
// returns an okta-sdk-golang v5 client for it that trusts only the mock's
// CA, with the org's store opened beside the process (the same SQLite
// file, shared in WAL mode) so that the test can check and prepare what the
// SDK cannot.
func oktaSDKClient(t *testing.T) (*okta.APIClient, oktaorg.Store, *oktaorg.AuthServer, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	bin := buildMock(t, ctx) // before HOME moves: the build uses the Go caches under it
	// The SDK also reads ~/.okta/okta.yaml, ./.okta.yaml and OKTA_CLIENT_*:
	// pin them so that a developer's own configuration cannot leak in.
	t.Setenv("HOME", t.TempDir())
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "OKTA_") {
			t.Setenv(k, "") // restores the value after the test
			os.Unsetenv(k)
		}
	}
	orgURL, caFile := startOktaMock(t, bin, dir)

	st, err := sqlstore.OpenSQLite(ctx, filepath.Join(dir, "data", sqlstore.OktaDBFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	store := st.Okta()
	def, err := store.GetAuthServer(ctx, oktaorg.DefaultServerName)
	if err != nil {
		t.Fatal(err)
	}

	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", caFile)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}, Timeout: 30 * time.Second}
	cfg, err := okta.NewConfiguration(
		okta.WithOrgUrl(orgURL),
		okta.WithToken(oktaSDKToken),
		okta.WithAuthorizationMode("SSWS"),
		okta.WithHttpClientPtr(hc), // trusts the mock's CA only
		okta.WithCache(false),
	)
	if err != nil {
		t.Fatalf("okta.NewConfiguration: %v", err)
	}
	// v5 drops the port of orgUrl (NewConfiguration keeps only the host
	// name and every request's host is overwritten with it): put it back.
	u, _ := url.Parse(orgURL)
	cfg.Host = u.Host
	return okta.NewAPIClient(cfg), store, def, orgURL
}

// oktaBanner is the first line of an Okta org's banner.
var oktaBanner = regexp.MustCompile(`(?m)^mockidp: Okta org (https://127\.0\.0\.1:\d+) `)

// startOktaMock starts bin as an Okta org over TLS on a port the system
// picks, keeping the org in dir/data, and returns the org URL from its
// banner and the CA file.
func startOktaMock(t *testing.T, bin, dir string) (orgURL, caFile string) {
	t.Helper()
	orgURL, caFile, _ = startOktaServe(t, bin, dir, oktaSDKToken, "--data", filepath.Join(dir, "data"))
	return orgURL, caFile
}

// startOktaServe starts bin as an Okta org over TLS in dir with the admin
// API token in its environment and store (--data or --config and its
// argument) as where its data lives, waits for its banner and returns the
// org's URL, its CA file and its output; at cleanup it stops the process
// and fails the test if the output holds the token.
func startOktaServe(t *testing.T, bin, dir, token string, store ...string) (orgURL, caFile string, log *syncBuffer) {
	t.Helper()
	caFile = filepath.Join(dir, "mockidp-ca.pem")
	log = &syncBuffer{}
	args := append([]string{"serve", "--vendor", "okta", "--addr", "127.0.0.1:0", "--tls", "--ca-cert", caFile}, store...)
	cmd := exec.Command(bin, append(args, "--password-cost", "4")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "MOCKIDP_OKTA_API_TOKEN="+token)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		stopProcess(cmd, exited)
		if strings.Contains(log.String(), token) {
			t.Error("mockidp printed the API token")
		}
	})
	deadline := time.After(60 * time.Second)
	for !strings.Contains(log.String(), "Press Ctrl+C to stop") {
		select {
		case <-exited:
			t.Fatalf("mockidp exited early:\n%s", log.String())
		case <-deadline:
			t.Fatalf("no banner after 60s:\n%s", log.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	m := oktaBanner.FindStringSubmatch(log.String())
	if m == nil {
		t.Fatalf("no https Okta org URL in the banner:\n%s", log.String())
	}
	return m[1], caFile, log
}

// TestOktaGoSDK drives the admin API with Okta's official Go SDK
// (github.com/okta/okta-sdk-golang/v5 v5.0.2) using only its documented
// calls: create an app, replace its consent_method (O1), replace a scope's
// consent (O2), list and revoke a user's grants (O6), and read a 404 as
// okta.Error.
func TestOktaGoSDK(t *testing.T) {
	c, store, def, orgURL := oktaSDKClient(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	// Create a web app (O1): 200, TRUSTED by default, secret in the answer.
	creds := okta.NewOAuthApplicationCredentials()
	creds.OauthClient = &okta.ApplicationCredentialsOAuthClient{TokenEndpointAuthMethod: okta.PtrString("client_secret_basic")}
	settings := okta.NewOpenIdConnectApplicationSettings()
	settings.OauthClient = &okta.OpenIdConnectApplicationSettingsClient{
		ApplicationType: okta.PtrString("web"),
		RedirectUris:    []string{"https://app.example.com/authorization-code/callback"},
		ResponseTypes:   []string{"code"},
		GrantTypes:      []string{"authorization_code"},
	}
	app := okta.NewOpenIdConnectApplication(*creds, "oidc_client", *settings, "ConsentWebApp", "OPENID_CONNECT")
	created, resp, err := c.ApplicationAPI.CreateApplication(ctx).
		Application(okta.OpenIdConnectApplicationAsListApplications200ResponseInner(app)).Activate(true).Execute()
	if err != nil {
		t.Fatalf("CreateApplication: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("CreateApplication status %d, want 200", resp.StatusCode)
	}
	oidc := created.OpenIdConnectApplication
	if oidc == nil || oidc.Id == nil {
		t.Fatalf("the SDK did not decode an OpenIdConnectApplication: %+v", created)
	}
	appID := *oidc.Id
	if got := oidc.Settings.OauthClient.GetConsentMethod(); got != "TRUSTED" {
		t.Errorf("consent_method %q, want TRUSTED", got)
	}
	secret := oidc.Credentials.OauthClient.GetClientSecret()
	if secret == "" {
		t.Error("the create answer has no client_secret")
	}
	clientID := oidc.Credentials.OauthClient.GetClientId()

	// Replace its consent_method the way Okta's guide shows: GET, change, PUT back.
	got, _, err := c.ApplicationAPI.GetApplication(ctx, appID).Execute()
	if err != nil {
		t.Fatalf("GetApplication: %v", err)
	}
	o := got.OpenIdConnectApplication
	if o.Credentials.OauthClient.ClientSecret != nil {
		t.Error("GET shows the client secret")
	}
	o.Settings.OauthClient.ConsentMethod = okta.PtrString("REQUIRED")
	replaced, resp, err := c.ApplicationAPI.ReplaceApplication(ctx, appID).
		Application(okta.OpenIdConnectApplicationAsListApplications200ResponseInner(o)).Execute()
	if err != nil {
		t.Fatalf("ReplaceApplication: %v", err)
	}
	if resp.StatusCode != http.StatusOK || replaced.OpenIdConnectApplication.Settings.OauthClient.GetConsentMethod() != "REQUIRED" {
		t.Errorf("ReplaceApplication: status %d consent_method %q", resp.StatusCode, replaced.OpenIdConnectApplication.Settings.OauthClient.GetConsentMethod())
	}
	if replaced.OpenIdConnectApplication.Credentials.OauthClient.GetClientSecret() != secret {
		t.Error("the PUT (which sent no secret) changed the secret or left it out of the update answer")
	}
	if a, err := store.GetApp(ctx, appID); err != nil || !a.RequiresConsent() {
		t.Errorf("store after ReplaceApplication: %+v %v", a, err)
	}

	// Replace the phone scope's consent (the seed's example), then FLEXIBLE.
	scopes, _, err := c.AuthorizationServerScopesAPI.ListOAuth2Scopes(ctx, "default").Execute()
	if err != nil {
		t.Fatalf("ListOAuth2Scopes: %v", err)
	}
	var phone *okta.OAuth2Scope
	for i := range scopes {
		if scopes[i].GetName() == "phone" {
			phone = &scopes[i]
		}
	}
	if phone == nil {
		t.Fatalf("no phone scope among %d", len(scopes))
	}
	if phone.GetConsent() != "IMPLICIT" || !phone.GetSystem() {
		t.Errorf("phone before: consent %q system %v", phone.GetConsent(), phone.GetSystem())
	}
	for _, consent := range []string{"REQUIRED", "FLEXIBLE"} {
		phone.Consent = okta.PtrString(consent)
		out, resp, err := c.AuthorizationServerScopesAPI.ReplaceOAuth2Scope(ctx, "default", phone.GetId()).OAuth2Scope(*phone).Execute()
		if err != nil {
			t.Fatalf("ReplaceOAuth2Scope %s: %v", consent, err)
		}
		if resp.StatusCode != http.StatusOK || out.GetConsent() != consent {
			t.Errorf("ReplaceOAuth2Scope: status %d consent %q, want 200 %s", resp.StatusCode, out.GetConsent(), consent)
		}
		if s, _ := store.FindScope(ctx, def.ID, "phone"); s.Consent != consent {
			t.Errorf("store consent %q, want %s", s.Consent, consent)
		}
	}

	// A user with grants, put into the store directly: this test is about the
	// SDK's admin calls (TestOktaAuthJS makes grants through the consent page).
	user := &oktaorg.User{Status: oktaorg.UserActive, Created: time.Now(), LastUpdated: time.Now(),
		Profile: oktaorg.UserProfile{Login: "ann@example.com", Email: "ann@example.com", FirstName: "Ann", LastName: "Example"}}
	if err := store.CreateUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	var grantIDs []string
	for _, name := range []string{"phone", "email"} {
		sc, _ := store.FindScope(ctx, def.ID, name)
		g, err := store.SaveGrant(ctx, &oktaorg.Grant{UserID: user.ID, ClientID: clientID, ServerID: def.ID, ScopeID: sc.ID,
			Issuer: orgURL + "/oauth2/default", Source: oktaorg.SourceEndUser, Status: oktaorg.GrantActive,
			Created: time.Now().UTC(), LastUpdated: time.Now().UTC(), CreatedBy: oktaorg.Actor{ID: user.ID, Type: "User"}})
		if err != nil {
			t.Fatal(err)
		}
		grantIDs = append(grantIDs, g.ID)
	}

	grants, _, err := c.UserAPI.ListUserGrants(ctx, user.ID).Expand("scope").Execute()
	if err != nil {
		t.Fatalf("ListUserGrants: %v", err)
	}
	if len(grants) != 2 || grants[0].GetId() != grantIDs[0] || grants[0].GetScopeId() != phone.GetId() ||
		grants[0].GetClientId() != clientID || grants[0].GetStatus() != "ACTIVE" || grants[0].GetSource() != "END_USER" ||
		grants[0].Issuer != orgURL+"/oauth2/default" {
		t.Fatalf("ListUserGrants: %+v", grants)
	}
	if e := grants[0].Embedded; e == nil || e.Scope == nil || e.Scope.GetId() != phone.GetId() {
		t.Errorf("expand=scope: _embedded %+v", grants[0].Embedded)
	}
	byClient, _, err := c.UserAPI.ListGrantsForUserAndClient(ctx, user.ID, clientID).Execute()
	if err != nil || len(byClient) != 2 {
		t.Errorf("ListGrantsForUserAndClient: %d grants, %v", len(byClient), err)
	}

	resp, err = c.UserAPI.RevokeUserGrant(ctx, user.ID, grantIDs[0]).Execute()
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("RevokeUserGrant: %v (status %v)", err, resp)
	}
	grants, _, err = c.UserAPI.ListUserGrants(ctx, user.ID).Execute()
	if err != nil || len(grants) != 1 || grants[0].GetId() != grantIDs[1] {
		t.Errorf("after RevokeUserGrant: %+v %v", grants, err)
	}
	if _, err := c.UserAPI.RevokeGrantsForUserAndClient(ctx, user.ID, clientID).Execute(); err != nil {
		t.Errorf("RevokeGrantsForUserAndClient: %v", err)
	}
	if left, _ := store.ListGrants(ctx, oktaorg.GrantFilter{UserID: user.ID}); len(left) != 0 {
		t.Errorf("%d grants left after revoking", len(left))
	}

	// Okta's error body decodes into okta.Error (the SDK does so for 404).
	_, _, err = c.ApplicationAPI.GetApplication(ctx, "0oanope").Execute()
	var gerr *okta.GenericOpenAPIError
	if !errors.As(err, &gerr) {
		t.Fatalf("404: error %T %v", err, err)
	}
	if oe, ok := gerr.Model().(okta.Error); !ok || oe.GetErrorCode() != "E0000007" {
		t.Errorf("404 model %#v", gerr.Model())
	}
}

// TestOktaGoSDK_Fixtures creates with the SDK what the harness's Okta
// fixtures need: a user with a password (ACTIVE with activate=true), its
// assignment to an app (200), a custom scope (201, IMPLICIT by default),
// and removes the app again (deactivate, then delete: 204).
func TestOktaGoSDK_Fixtures(t *testing.T) {
	c, store, def, _ := oktaSDKClient(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	profile := okta.NewUserProfile()
	profile.SetLogin("fixture.user@example.com")
	profile.SetEmail("fixture.user@example.com")
	profile.SetFirstName("Fixture")
	profile.SetLastName("User")
	req := okta.NewCreateUserRequest(*profile)
	req.Credentials = &okta.UserCredentials{Password: &okta.PasswordCredential{Value: okta.PtrString("Fixture-Passw0rd-123")}}
	user, resp, err := c.UserAPI.CreateUser(ctx).Body(*req).Activate(true).Execute()
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if resp.StatusCode != http.StatusOK || user.GetStatus() != "ACTIVE" || !strings.HasPrefix(user.GetId(), "00u") {
		t.Errorf("CreateUser: status %d, user status %q id %q", resp.StatusCode, user.GetStatus(), user.GetId())
	}
	if u, err := store.FindUser(ctx, "fixture.user@example.com"); err != nil || u.PasswordHash == "" {
		t.Errorf("stored user %+v %v", u, err)
	}
	got, _, err := c.UserAPI.GetUser(ctx, "fixture.user@example.com").Execute()
	if err != nil || got.GetId() != user.GetId() {
		t.Errorf("GetUser by login: %+v %v", got, err)
	}

	creds := okta.NewOAuthApplicationCredentials()
	settings := okta.NewOpenIdConnectApplicationSettings()
	settings.OauthClient = &okta.OpenIdConnectApplicationSettingsClient{
		ApplicationType: okta.PtrString("browser"),
		RedirectUris:    []string{"http://localhost:3000/login/callback"},
		ConsentMethod:   okta.PtrString("REQUIRED"),
	}
	created, _, err := c.ApplicationAPI.CreateApplication(ctx).
		Application(okta.OpenIdConnectApplicationAsListApplications200ResponseInner(okta.NewOpenIdConnectApplication(*creds, "oidc_client", *settings, "Fixture SPA", "OPENID_CONNECT"))).Execute()
	if err != nil {
		t.Fatalf("CreateApplication: %v", err)
	}
	app := created.OpenIdConnectApplication
	if app.Credentials.OauthClient.GetTokenEndpointAuthMethod() != "none" || app.Credentials.OauthClient.ClientSecret != nil {
		t.Errorf("browser app credentials %+v", app.Credentials.OauthClient)
	}

	assign := okta.NewAppUserAssignRequest(user.GetId())
	assign.Scope = okta.PtrString("USER")
	assign.Credentials = &okta.AppUserCredentials{UserName: okta.PtrString("fixture.user@example.com")}
	au, resp, err := c.ApplicationUsersAPI.AssignUserToApplication(ctx, app.GetId()).AppUser(*assign).Execute()
	if err != nil {
		t.Fatalf("AssignUserToApplication: %v", err)
	}
	if resp.StatusCode != http.StatusOK || au.GetId() != user.GetId() || au.GetScope() != "USER" {
		t.Errorf("AssignUserToApplication: status %d %+v", resp.StatusCode, au)
	}
	if _, err := store.GetAppUser(ctx, app.GetId(), user.GetId()); err != nil {
		t.Errorf("assignment not stored: %v", err)
	}

	sc := okta.NewOAuth2Scope()
	sc.SetName("fixture:read")
	sc.SetDisplayName("Read fixtures")
	out, resp, err := c.AuthorizationServerScopesAPI.CreateOAuth2Scope(ctx, "default").OAuth2Scope(*sc).Execute()
	if err != nil {
		t.Fatalf("CreateOAuth2Scope: %v", err)
	}
	if resp.StatusCode != http.StatusCreated || out.GetConsent() != "IMPLICIT" || out.GetSystem() {
		t.Errorf("CreateOAuth2Scope: status %d consent %q system %v", resp.StatusCode, out.GetConsent(), out.GetSystem())
	}
	if _, err := store.FindScope(ctx, def.ID, "fixture:read"); err != nil {
		t.Errorf("scope not stored: %v", err)
	}
	if resp, err := c.AuthorizationServerScopesAPI.DeleteOAuth2Scope(ctx, "default", out.GetId()).Execute(); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Errorf("DeleteOAuth2Scope: %v", err)
	}

	if _, err := c.ApplicationAPI.DeleteApplication(ctx, app.GetId()).Execute(); err == nil {
		t.Error("an ACTIVE app was deleted")
	}
	if _, err := c.ApplicationAPI.DeactivateApplication(ctx, app.GetId()).Execute(); err != nil {
		t.Fatalf("DeactivateApplication: %v", err)
	}
	if resp, err := c.ApplicationAPI.DeleteApplication(ctx, app.GetId()).Execute(); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Errorf("DeleteApplication: %v", err)
	}
	if _, err := store.GetApp(ctx, app.GetId()); err == nil {
		t.Error("the app is still stored")
	}
}
