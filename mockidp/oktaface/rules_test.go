package oktaface_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/okta"
)

// TestO3_RequiredAppAsksRequiredScopeOnce: a REQUIRED app asking for a
// REQUIRED scope shows the consent page; once granted, the next
// authorization goes straight to the callback and the token has the scope.
func TestO3_RequiredAppAsksRequiredScopeOnce(t *testing.T) {
	o := newOrg(t)
	o.setScope("phone", okta.ScopeRequired, false)
	b := o.browser()
	cp := b.consentPage(b.login(b.authorize(o.web, url.Values{"scope": {"openid phone"}})))
	if !strings.Contains(cp.body, "ConsentWebApp</b>&nbsp;would like to:") || !strings.Contains(cp.body, "View your phone number.") {
		t.Errorf("consent page does not ask for phone: %s", cp.body)
	}
	if strings.Contains(cp.body, `data-scope="openid"`) {
		t.Error("the IMPLICIT openid scope is asked")
	}
	cb := callback(t, b.answer(cp, "accept"), webCB, false)
	if cb.Get("state") != "st-1" || cb.Get("code") == "" {
		t.Fatalf("callback %v", cb)
	}
	at := o.claims(o.redeem(cb.Get("code"))["access_token"].(string))
	if !slices.Equal(scp(at), []string{"openid", "phone"}) {
		t.Errorf("scp %v", scp(at))
	}
	// Granted: no page the second time.
	cb = callback(t, b.authorize(o.web, url.Values{"scope": {"openid phone"}}), webCB, false)
	if cb.Get("code") == "" {
		t.Errorf("second authorization: %v", cb)
	}
}

// TestO3_TrustedAppIsNotPromptedUnlessPromptConsent: TRUSTED + REQUIRED
// scope and no prompt -> no page; prompt=consent -> the page.
func TestO3_TrustedAppIsNotPromptedUnlessPromptConsent(t *testing.T) {
	o := newOrg(t)
	o.web.Settings.OAuthClient.ConsentMethod = okta.ConsentTrusted
	o.update(o.web)
	o.setScope("phone", okta.ScopeRequired, false)
	b := o.browser()
	if cb := callback(t, b.login(b.authorize(o.web, url.Values{"scope": {"openid phone"}})), webCB, false); cb.Get("code") == "" {
		t.Fatalf("TRUSTED app: %v", cb)
	}
	cp := b.consentPage(b.authorize(o.web, url.Values{"scope": {"openid phone"}, "prompt": {"consent"}}))
	if !strings.Contains(cp.body, `data-scope="phone"`) {
		t.Errorf("prompt=consent does not ask for phone: %s", cp.body)
	}
	// IMPLICIT only: not shown even with prompt=consent.
	if cb := callback(t, b.authorize(o.web, url.Values{"scope": {"openid email"}, "prompt": {"consent"}}), webCB, false); cb.Get("code") == "" {
		t.Errorf("prompt=consent with IMPLICIT scopes: %v", cb)
	}
}

// TestO3_PromptNone: consent_required where the page would show,
// login_required without a session.
func TestO3_PromptNone(t *testing.T) {
	o := newOrg(t)
	o.setScope("phone", okta.ScopeRequired, false)
	b := o.browser()
	cb := callback(t, b.authorize(o.web, url.Values{"scope": {"openid phone"}, "prompt": {"none"}}), webCB, false)
	if cb.Get("error") != "login_required" || cb.Get("state") != "st-1" {
		t.Errorf("no session: %v", cb)
	}
	if cb := callback(t, b.login(b.authorize(o.web, url.Values{"scope": {"openid"}})), webCB, false); cb.Get("code") == "" {
		t.Fatal(cb)
	}
	cb = callback(t, b.authorize(o.web, url.Values{"scope": {"openid phone"}, "prompt": {"none"}}), webCB, false)
	if cb.Get("error") != "consent_required" || cb.Get("error_description") != "The following scopes require user consent: [phone]." {
		t.Errorf("consent needed: %v", cb)
	}
}

// TestO3_PromptLoginSignsInAgain: prompt=login shows the sign-in page to
// a browser with a session.
func TestO3_PromptLoginSignsInAgain(t *testing.T) {
	o := newOrg(t)
	b := o.browser()
	callback(t, b.login(b.authorize(o.web, nil)), webCB, false)
	p := b.authorize(o.web, url.Values{"prompt": {"login"}})
	if cb := callback(t, b.login(p), webCB, false); cb.Get("code") == "" {
		t.Errorf("after re-login: %v", cb)
	}
}

// TestO6_OptionalScopeUntickedIsSkippedAndOfferedAgainWithPromptConsent:
// an optional scope left unticked gets no grant, is left out of the token,
// is not asked again without prompt=consent, and prompt=consent offers it.
func TestO6_OptionalScopeUntickedIsSkippedAndOfferedAgainWithPromptConsent(t *testing.T) {
	o := newOrg(t)
	o.setScope("phone", okta.ScopeRequired, false)
	o.setScope("address", okta.ScopeFlexible, true)
	b := o.browser()
	cp := b.consentPage(b.login(b.authorize(o.web, url.Values{"scope": {"openid phone address"}})))
	if !strings.Contains(cp.body, `name="optedScopes.address"`) || strings.Contains(cp.body, `name="optedScopes.phone"`) {
		t.Fatalf("checkboxes: %s", cp.body)
	}
	cb := callback(t, b.answer(cp, "accept"), webCB, false) // address unticked
	at := o.claims(o.redeem(cb.Get("code"))["access_token"].(string))
	if !slices.Equal(scp(at), []string{"openid", "phone"}) {
		t.Errorf("scp %v", scp(at))
	}
	grants, _ := o.st.ListGrants(context.Background(), okta.GrantFilter{UserID: o.user.ID})
	if len(grants) != 1 {
		t.Errorf("grants %d, want 1 (phone)", len(grants))
	}
	if cb := callback(t, b.authorize(o.web, url.Values{"scope": {"openid phone address"}}), webCB, false); cb.Get("code") == "" {
		t.Errorf("asked again without prompt=consent: %v", cb)
	}
	cp = b.consentPage(b.authorize(o.web, url.Values{"scope": {"openid phone address"}, "prompt": {"consent"}}))
	if !strings.Contains(cp.body, `name="optedScopes.address"`) || !strings.Contains(cp.body, `data-scope="phone"`) {
		t.Fatalf("prompt=consent does not offer the skipped scope: %s", cp.body)
	}
	cb = callback(t, b.answer(cp, "accept", "address"), webCB, false)
	at = o.claims(o.redeem(cb.Get("code"))["access_token"].(string))
	if !slices.Equal(scp(at), []string{"openid", "phone", "address"}) {
		t.Errorf("after ticking: scp %v", scp(at))
	}
}

// TestO6_RevokedGrantIsAskedAgain: deleting the user's grants (the admin
// API's DELETE /api/v1/users/{id}/grants) makes the next authorization ask.
func TestO6_RevokedGrantIsAskedAgain(t *testing.T) {
	o := newOrg(t)
	o.setScope("phone", okta.ScopeRequired, false)
	b := o.browser()
	callback(t, b.answer(b.consentPage(b.login(b.authorize(o.web, url.Values{"scope": {"openid phone"}}))), "accept"), webCB, false)
	grants, _ := o.st.ListGrants(context.Background(), okta.GrantFilter{UserID: o.user.ID})
	if len(grants) != 1 || grants[0].Issuer != o.issuer() || grants[0].Source != okta.SourceEndUser || grants[0].ClientID != o.web.ClientID() {
		t.Fatalf("grants %+v", grants)
	}
	if _, err := o.st.DeleteGrants(context.Background(), okta.GrantFilter{UserID: o.user.ID}); err != nil {
		t.Fatal(err)
	}
	b.consentPage(b.authorize(o.web, url.Values{"scope": {"openid phone"}}))
}

// TestO7_DontAllowRedirectsAccessDeniedWithState.
func TestO7_DontAllowRedirectsAccessDeniedWithState(t *testing.T) {
	o := newOrg(t)
	o.setScope("phone", okta.ScopeRequired, false)
	b := o.browser()
	cb := callback(t, b.answer(b.consentPage(b.login(b.authorize(o.web, url.Values{"scope": {"openid phone"}}))), "deny"), webCB, false)
	if cb.Get("error") != "access_denied" || cb.Get("state") != "st-1" || cb.Get("code") != "" {
		t.Errorf("callback %v", cb)
	}
	if g, _ := o.st.ListGrants(context.Background(), okta.GrantFilter{UserID: o.user.ID}); len(g) != 0 {
		t.Errorf("a declined consent stored grants: %d", len(g))
	}
}

// TestO8_UnknownScopeIsInvalidScopeAtTheCallback.
func TestO8_UnknownScopeIsInvalidScopeAtTheCallback(t *testing.T) {
	o := newOrg(t)
	cb := callback(t, o.browser().authorize(o.web, url.Values{"scope": {"openid nope"}}), webCB, false)
	if cb.Get("error") != "invalid_scope" || cb.Get("error_description") != okta.DescUnknownScope || cb.Get("state") != "st-1" {
		t.Errorf("callback %v", cb)
	}
}

// TestO9_NotAssignedAndNoMatchingPolicyAreAccessDeniedAtTheCallback.
func TestO9_NotAssignedAndNoMatchingPolicyAreAccessDeniedAtTheCallback(t *testing.T) {
	o := newOrg(t)
	if err := o.st.UnassignUser(context.Background(), o.web.ID, o.user.ID); err != nil {
		t.Fatal(err)
	}
	b := o.browser()
	cb := callback(t, b.login(b.authorize(o.web, nil)), webCB, false)
	if cb.Get("error") != "access_denied" || cb.Get("error_description") != okta.DescNotAssigned {
		t.Errorf("not assigned: %v", cb)
	}
	o.assign(o.web)
	ctx := context.Background()
	pols, _ := o.st.ListPolicies(ctx, o.srv.ID)
	rules, _ := o.st.ListRules(ctx, o.srv.ID, pols[0].ID)
	rules[0].Conditions.Scopes.Include = []string{"openid"}
	if err := o.st.UpdateRule(ctx, rules[0]); err != nil {
		t.Fatal(err)
	}
	cb = callback(t, b.authorize(o.web, url.Values{"scope": {"openid email"}}), webCB, false)
	if cb.Get("error") != "access_denied" || cb.Get("error_description") != okta.DescNoMatchingPolicy {
		t.Errorf("no rule: %v", cb)
	}
}

// TestO10_UnknownClientAndWrongCallbackAreTheErrorPage: no redirect, an
// HTML 400 page with data-prompt="error"; redirect URIs match exactly (no
// loopback port exemption).
func TestO10_UnknownClientAndWrongCallbackAreTheErrorPage(t *testing.T) {
	o := newOrg(t)
	b := o.browser()
	for name, q := range map[string]url.Values{
		"unknown client":   {"client_id": {"0oanope"}},
		"wrong callback":   {"redirect_uri": {webCB + "/"}},
		"case":             {"redirect_uri": {strings.ToUpper(webCB)}},
		"loopback port":    {"client_id": {o.spa.ClientID()}, "redirect_uri": {"http://localhost:3001/login/callback"}},
		"missing callback": {"redirect_uri": {""}},
	} {
		p := b.authorize(o.web, q)
		if p.status != http.StatusBadRequest || p.location != "" || !strings.Contains(p.body, `data-prompt="error"`) {
			t.Errorf("%s: %d %q", name, p.status, p.location)
		}
	}
	o.web.Status = okta.StatusInactive
	o.update(o.web)
	if p := b.authorize(o.web, nil); p.status != http.StatusBadRequest || !strings.Contains(p.body, "<code data-error>invalid_client</code>") {
		t.Errorf("inactive app: %d %s", p.status, p.body)
	}
}

// TestO10_TokenEndpointClientErrors: a grant type the app lacks is 400
// unauthorized_client, failed client authentication 401 invalid_client.
func TestO10_TokenEndpointClientErrors(t *testing.T) {
	o := newOrg(t)
	status, body := o.token(o.svc.ClientID(), svcSec, url.Values{"grant_type": {"password"}, "username": {"x"}, "password": {"y"}})
	if status != http.StatusBadRequest || body["error"] != "unauthorized_client" ||
		body["error_description"] != "The client is not authorized to use the provided grant type. Configured grant types: [client_credentials]." {
		t.Errorf("grant type: %d %v", status, body)
	}
	status, body = o.token(o.svc.ClientID(), "wrong-secret-0123456789", url.Values{"grant_type": {"client_credentials"}})
	if status != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Errorf("bad secret: %d %v", status, body)
	}
	status, body = o.token("0oanope", "whatever-secret-123", url.Values{"grant_type": {"client_credentials"}})
	if status != http.StatusUnauthorized || body["error_description"] != okta.DescInvalidClientID {
		t.Errorf("unknown client: %d %v", status, body)
	}
}

// TestO4_SeedClientCredentialsPhoneRequiredThenFlexible is the seed's
// example over HTTP.
func TestO4_SeedClientCredentialsPhoneRequiredThenFlexible(t *testing.T) {
	o := newOrg(t)
	o.setScope("phone", okta.ScopeRequired, false)
	cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"phone"}}
	status, body := o.token(o.svc.ClientID(), svcSec, cc)
	if status != http.StatusBadRequest || body["error"] != "consent_required" ||
		body["error_description"] != "The following scopes require user consent and cannot be granted for the client credentials grant type: [phone]." {
		t.Fatalf("REQUIRED: %d %v", status, body)
	}
	o.setScope("phone", okta.ScopeFlexible, false)
	status, body = o.token(o.svc.ClientID(), svcSec, cc)
	if status != http.StatusOK {
		t.Fatalf("FLEXIBLE: %d %v", status, body)
	}
	at := o.claims(body["access_token"].(string))
	if !slices.Equal(scp(at), []string{"phone"}) || at["sub"] != o.svc.ClientID() || at["cid"] != o.svc.ClientID() {
		t.Errorf("claims %v", at)
	}
	if _, hasUID := at["uid"]; hasUID {
		t.Error("client credentials token has uid")
	}
}

// TestO5_PasswordGrantRequiredAppRequiredScope.
func TestO5_PasswordGrantRequiredAppRequiredScope(t *testing.T) {
	o := newOrg(t)
	o.setScope("phone", okta.ScopeRequired, false)
	pw := url.Values{"grant_type": {"password"}, "username": {o.user.Profile.Login}, "password": {password}, "scope": {"openid phone"}}
	status, body := o.token(o.web.ClientID(), secret, pw)
	if status != http.StatusBadRequest || body["error"] != "consent_required" || !strings.HasPrefix(body["error_description"].(string), "The following scopes require user consent: [phone]. To access protected scopes using the resource owner password grant type") {
		t.Fatalf("REQUIRED app: %d %v", status, body)
	}
	o.web.Settings.OAuthClient.ConsentMethod = okta.ConsentTrusted
	o.update(o.web)
	if status, body = o.token(o.web.ClientID(), secret, pw); status != http.StatusOK || body["id_token"] == nil {
		t.Errorf("TRUSTED app: %d %v", status, body)
	}
	pw.Set("password", "wrong")
	if status, body = o.token(o.web.ClientID(), secret, pw); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("wrong password: %d %v", status, body)
	}
}

// TestO11_TokenClaims: Okta's access token (ver, jti, iss, aud
// api://default, cid, uid, scp array, sub = login) and ID token (sub = user
// id, aud = client id as a string, nonce); userinfo's sub is the user id.
func TestO11_TokenClaims(t *testing.T) {
	o := newOrg(t)
	b := o.browser()
	cb := callback(t, b.login(b.authorize(o.web, url.Values{"scope": {"openid profile email"}, "nonce": {"n-1"}})), webCB, false)
	res := o.redeem(cb.Get("code"))
	if res["token_type"] != "Bearer" || res["scope"] != "openid profile email" || res["expires_in"].(float64) != 3600 {
		t.Errorf("response %v", res)
	}
	at := o.claims(res["access_token"].(string))
	if at["ver"].(float64) != 1 || !strings.HasPrefix(at["jti"].(string), "AT.") || at["iss"] != o.issuer() || at["aud"] != "api://default" ||
		at["cid"] != o.web.ClientID() || at["uid"] != o.user.ID || at["sub"] != o.user.Profile.Login {
		t.Errorf("access token %v", at)
	}
	if _, ok := at["scp"].([]any); !ok {
		t.Errorf("scp is not an array: %T", at["scp"])
	}
	id := o.claims(res["id_token"].(string))
	if id["sub"] != o.user.ID || id["aud"] != o.web.ClientID() || id["nonce"] != "n-1" || id["email"] != "joe@example.com" ||
		!strings.HasPrefix(id["jti"].(string), "ID.") || id["auth_time"] == nil || id["idp"] == nil {
		t.Errorf("id token %v", id)
	}
	req, _ := http.NewRequest("GET", o.issuer()+"/v1/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+res["access_token"].(string))
	status, ui := o.call(req)
	if status != http.StatusOK || ui["sub"] != o.user.ID || ui["preferred_username"] != o.user.Profile.Login {
		t.Errorf("userinfo %d %v", status, ui)
	}
}

// TestO11_ImplicitFlowIDTokenTokenInTheFragment is the seed's flow.
func TestO11_ImplicitFlowIDTokenTokenInTheFragment(t *testing.T) {
	o := newOrg(t)
	o.setScope("phone", okta.ScopeRequired, false)
	b := o.browser()
	q := url.Values{"response_type": {"id_token token"}, "scope": {"openid phone"}, "nonce": {"n-2"}}
	cp := b.consentPage(b.login(b.authorize(o.web, q)))
	fr := callback(t, b.answer(cp, "accept"), webCB, true)
	if fr.Get("state") != "st-1" || fr.Get("token_type") != "Bearer" || fr.Get("scope") != "openid phone" {
		t.Fatalf("fragment %v", fr)
	}
	at, id := o.claims(fr.Get("access_token")), o.claims(fr.Get("id_token"))
	if !slices.Equal(scp(at), []string{"openid", "phone"}) || id["nonce"] != "n-2" || id["at_hash"] == nil {
		t.Errorf("claims %v %v", at, id)
	}
	// Without a nonce the implicit flow is refused at the callback.
	q.Del("nonce")
	if e := callback(t, b.authorize(o.web, q), webCB, true); e.Get("error") != "invalid_request" {
		t.Errorf("no nonce: %v", e)
	}
}

// TestO10_PKCEForPublicClientsWithClientIDInTheBody is okta-auth-js's
// code flow: S256 challenge, then the code and verifier with client_id in
// the body and no secret.
func TestO10_PKCEForPublicClientsWithClientIDInTheBody(t *testing.T) {
	o := newOrg(t)
	b := o.browser()
	if e := callback(t, b.authorize(o.spa, nil), spaCB, false); e.Get("error") != "invalid_request" {
		t.Errorf("no PKCE: %v", e)
	}
	verifier := strings.Repeat("v", 50)
	cb := callback(t, b.login(b.authorize(o.spa, url.Values{"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"}})), spaCB, false)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {cb.Get("code")}, "redirect_uri": {spaCB},
		"client_id": {o.spa.ClientID()}, "code_verifier": {"wrong" + verifier}}
	if status, body := o.token("", "", form); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Errorf("wrong verifier: %d %v", status, body)
	}
	form.Set("code_verifier", verifier)
	status, body := o.token("", "", form)
	if status != http.StatusOK || body["access_token"] == nil || body["id_token"] == nil {
		t.Fatalf("redeem: %d %v", status, body)
	}
	if status, _ := o.token("", "", form); status != http.StatusBadRequest {
		t.Errorf("replay: %d", status)
	}
}

// TestO6_IntrospectIsInactiveAfterRevoke.
func TestO6_IntrospectIsInactiveAfterRevoke(t *testing.T) {
	o := newOrg(t)
	_, body := o.token(o.svc.ClientID(), svcSec, url.Values{"grant_type": {"client_credentials"}, "scope": {"email"}})
	at := body["access_token"].(string)
	status, in := o.postForm("/v1/introspect", o.svc.ClientID(), svcSec, url.Values{"token": {at}})
	if status != http.StatusOK || in["active"] != true || in["client_id"] != o.svc.ClientID() || in["scope"] != "email" {
		t.Fatalf("introspect: %d %v", status, in)
	}
	if status, _ := o.postForm("/v1/revoke", o.svc.ClientID(), svcSec, url.Values{"token": {at}}); status != http.StatusOK {
		t.Fatalf("revoke: %d", status)
	}
	if _, in = o.postForm("/v1/introspect", o.svc.ClientID(), svcSec, url.Values{"token": {at}}); in["active"] != false || len(in) != 1 {
		t.Errorf("after revoke: %v", in)
	}
}

// TestO12_PagesCarryTheWidgetSelectors: the sign-in and consent pages
// have the widget's ids and data-se/data-type values and this project's
// page contract.
func TestO12_PagesCarryTheWidgetSelectors(t *testing.T) {
	o := newOrg(t)
	o.setScope("phone", okta.ScopeRequired, false)
	b := o.browser()
	lp := b.follow(b.authorize(o.web, url.Values{"scope": {"openid phone"}}))
	for _, want := range []string{`id="okta-signin-username"`, `id="okta-signin-password"`, `id="okta-signin-submit"`, `data-prompt="login"`} {
		if !strings.Contains(lp.body, want) {
			t.Errorf("sign-in page lacks %s", want)
		}
	}
	a, form := formOf(t, lp)
	form.Set("username", o.user.Profile.Login)
	form.Set("password", "wrong")
	if p := b.post(a, form); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "Unable to sign in") {
		t.Errorf("wrong password: %d", p.status)
	}
	form.Set("password", password)
	cp := b.consentPage(b.post(a, form))
	for _, want := range []string{`data-type="save"`, `data-se="save"`, `data-type="cancel"`, `data-se="cancel"`, "Allow Access", "Don't Allow",
		`name="action" value="accept"`, `name="action" value="deny"`} {
		if !strings.Contains(cp.body, want) {
			t.Errorf("consent page lacks %s", want)
		}
	}
}

// TestDiscoveryAndKeys: the metadata names {issuer}/v1/... endpoints,
// S256 and the end_session_endpoint; unknown servers are 404.
func TestDiscoveryAndKeys(t *testing.T) {
	o := newOrg(t)
	for _, p := range []string{"/oauth2/default/.well-known/openid-configuration", "/oauth2/default/.well-known/oauth-authorization-server",
		"/oauth2/" + o.srv.ID + "/.well-known/openid-configuration"} {
		req, _ := http.NewRequest("GET", o.url+p, nil)
		status, d := o.call(req)
		if status != http.StatusOK || d["issuer"] != o.issuer() || d["authorization_endpoint"] != o.issuer()+"/v1/authorize" ||
			d["end_session_endpoint"] != o.issuer()+"/v1/logout" || d["jwks_uri"] != o.issuer()+"/v1/keys" {
			t.Errorf("%s: %d %v", p, status, d)
		}
	}
	req, _ := http.NewRequest("GET", o.url+"/oauth2/default/v1/keys", nil)
	if status, k := o.call(req); status != http.StatusOK || len(k["keys"].([]any)) != 1 {
		t.Errorf("keys %d %v", status, k)
	}
	req, _ = http.NewRequest("GET", o.url+"/oauth2/ausnope/.well-known/openid-configuration", nil)
	if status, _ := o.call(req); status != http.StatusNotFound {
		t.Errorf("unknown server: %d", status)
	}
}

// TestLogoutReturnsToARegisteredURIWithState.
func TestLogoutReturnsToARegisteredURIWithState(t *testing.T) {
	o := newOrg(t)
	b := o.browser()
	cb := callback(t, b.login(b.authorize(o.web, nil)), webCB, false)
	id := o.redeem(cb.Get("code"))["id_token"].(string)
	q := url.Values{"id_token_hint": {id}, "post_logout_redirect_uri": {"https://app.example.com/"}, "state": {"bye"}}
	p := b.get(o.issuer() + "/v1/logout?" + q.Encode())
	if p.status != http.StatusFound || p.location != "https://app.example.com/?state=bye" {
		t.Fatalf("logout: %d %q", p.status, p.location)
	}
	if p := b.authorize(o.web, url.Values{"prompt": {"none"}}); !strings.Contains(p.location, "error=login_required") {
		t.Errorf("session survived logout: %q", p.location)
	}
	q.Set("post_logout_redirect_uri", "https://evil.example/")
	if p := b.get(o.issuer() + "/v1/logout?" + q.Encode()); p.status != http.StatusBadRequest || p.location != "" {
		t.Errorf("unregistered logout URI: %d %q", p.status, p.location)
	}
}
