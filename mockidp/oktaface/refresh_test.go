package oktaface_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/consentry/consentry/mockidp/okta"
)

// refreshOrg is a test org whose web app has the refresh_token grant and
// the REQUIRED phone scope granted by the user, with a refresh token
// issued from a code for "openid phone offline_access".
func refreshOrg(t *testing.T) (*org, map[string]any) {
	t.Helper()
	o := newOrg(t)
	o.web.Settings.OAuthClient.GrantTypes = append(o.web.Settings.OAuthClient.GrantTypes, okta.GrantRefreshToken)
	o.update(o.web)
	o.setScope("phone", okta.ScopeRequired, false)
	b := o.browser()
	cb := callback(t, b.answer(b.consentPage(b.login(b.authorize(o.web, url.Values{"scope": {"openid phone offline_access"}}))), "accept"), webCB, false)
	return o, o.redeem(cb.Get("code"))
}

func (o *org) refresh(rt string, extra url.Values) (int, map[string]any) {
	o.t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	for k, v := range extra {
		form[k] = v
	}
	return o.token(o.web.ClientID(), secret, form)
}

// TestRefresh_OfflineAccessGetsARefreshTokenThatWorks: offline_access and
// the refresh_token grant give a refresh token; using it gives new access
// and ID tokens for the same scopes and the same refresh token back (no
// rotation documented).
func TestRefresh_OfflineAccessGetsARefreshTokenThatWorks(t *testing.T) {
	o, body := refreshOrg(t)
	rt, _ := body["refresh_token"].(string)
	if rt == "" {
		t.Fatalf("no refresh token: %v", body)
	}
	status, res := o.refresh(rt, nil)
	if status != http.StatusOK {
		t.Fatalf("refresh: %d %v", status, res)
	}
	at := o.claims(res["access_token"].(string))
	if !slices.Equal(scp(at), []string{"openid", "phone", "offline_access"}) || at["uid"] != o.user.ID || at["cid"] != o.web.ClientID() {
		t.Errorf("refreshed access token %v", at)
	}
	if id := o.claims(res["id_token"].(string)); id["sub"] != o.user.ID || id["aud"] != o.web.ClientID() {
		t.Errorf("refreshed ID token %v", id)
	}
	if res["refresh_token"] != rt || res["scope"] != "openid phone offline_access" || res["token_type"] != "Bearer" {
		t.Errorf("refresh response %v", res)
	}
}

// TestRefresh_ScopeNarrowing: a refresh may ask for fewer scopes, never
// for one the refresh token was not issued for.
func TestRefresh_ScopeNarrowing(t *testing.T) {
	o, body := refreshOrg(t)
	rt := body["refresh_token"].(string)
	status, res := o.refresh(rt, url.Values{"scope": {"openid"}})
	if status != http.StatusOK || !slices.Equal(scp(o.claims(res["access_token"].(string))), []string{"openid"}) || res["scope"] != "openid" {
		t.Fatalf("narrowed: %d %v", status, res)
	}
	status, res = o.refresh(rt, url.Values{"scope": {"openid email"}})
	if status != http.StatusBadRequest || res["error"] != "invalid_scope" {
		t.Errorf("widened: %d %v", status, res)
	}
}

// TestRefresh_OnlyWithOfflineAccessAndTheGrantType: no offline_access, or
// an app without the refresh_token grant, means no refresh token; the
// grant itself is unauthorized_client for such an app.
func TestRefresh_OnlyWithOfflineAccessAndTheGrantType(t *testing.T) {
	o := newOrg(t)
	b := o.browser()
	cb := callback(t, b.login(b.authorize(o.web, url.Values{"scope": {"openid offline_access"}})), webCB, false)
	if body := o.redeem(cb.Get("code")); body["refresh_token"] != nil {
		t.Errorf("refresh token for an app without the refresh_token grant: %v", body)
	}
	status, res := o.refresh("anything", nil)
	if status != http.StatusBadRequest || res["error"] != "unauthorized_client" {
		t.Errorf("refresh grant on an app without it: %d %v", status, res)
	}
	o.web.Settings.OAuthClient.GrantTypes = append(o.web.Settings.OAuthClient.GrantTypes, okta.GrantRefreshToken)
	o.update(o.web)
	cb = callback(t, b.authorize(o.web, url.Values{"scope": {"openid"}}), webCB, false)
	if body := o.redeem(cb.Get("code")); body["refresh_token"] != nil {
		t.Errorf("refresh token without offline_access: %v", body)
	}
}

// TestRefresh_BadTokens: a missing, forged or another client's refresh
// token is refused with Okta's answers.
func TestRefresh_BadTokens(t *testing.T) {
	o, body := refreshOrg(t)
	rt := body["refresh_token"].(string)
	if status, res := o.refresh("", nil); status != http.StatusBadRequest || res["error"] != "invalid_request" {
		t.Errorf("missing: %d %v", status, res)
	}
	if status, res := o.refresh(rt+"x", nil); status != http.StatusBadRequest || res["error"] != "invalid_grant" ||
		res["error_description"] != "The refresh token is invalid or expired." {
		t.Errorf("forged: %d %v", status, res)
	}
	other := o.app("Other", okta.AppWeb, okta.ConsentTrusted, webCB, "other-secret-0123456789abcdef", okta.GrantAuthorizationCode, okta.GrantRefreshToken)
	status, res := o.token(other.ClientID(), "other-secret-0123456789abcdef", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if status != http.StatusBadRequest || res["error"] != "invalid_grant" {
		t.Errorf("another client's token: %d %v", status, res)
	}
	// An access token is not a refresh token.
	if status, res := o.refresh(body["access_token"].(string), nil); status != http.StatusBadRequest || res["error"] != "invalid_grant" {
		t.Errorf("access token as refresh token: %d %v", status, res)
	}
}

// TestO6_RevokedGrantsEndTheRefreshToken: deleting the user's grants for
// the client makes its refresh token invalid_grant and inactive, and a new
// consent does not bring the old token back.
func TestO6_RevokedGrantsEndTheRefreshToken(t *testing.T) {
	o, body := refreshOrg(t)
	rt := body["refresh_token"].(string)
	if _, in := o.postForm("/v1/introspect", o.web.ClientID(), secret, url.Values{"token": {rt}}); in["active"] != true ||
		in["client_id"] != o.web.ClientID() || in["uid"] != o.user.ID || in["scope"] != "openid phone offline_access" {
		t.Fatalf("introspect before: %v", in)
	}
	if _, err := o.st.DeleteGrants(context.Background(), okta.GrantFilter{UserID: o.user.ID, ClientID: o.web.ClientID()}); err != nil {
		t.Fatal(err)
	}
	if status, res := o.refresh(rt, nil); status != http.StatusBadRequest || res["error"] != "invalid_grant" {
		t.Errorf("after the grants were revoked: %d %v", status, res)
	}
	if _, in := o.postForm("/v1/introspect", o.web.ClientID(), secret, url.Values{"token": {rt}}); in["active"] != false || len(in) != 1 {
		t.Errorf("introspect after: %v", in)
	}
	// Consent again: a new token works, the old one stays dead.
	b := o.browser()
	cb := callback(t, b.answer(b.consentPage(b.login(b.authorize(o.web, url.Values{"scope": {"openid phone offline_access"}}))), "accept"), webCB, false)
	fresh := o.redeem(cb.Get("code"))["refresh_token"].(string)
	if status, _ := o.refresh(fresh, nil); status != http.StatusOK {
		t.Errorf("new refresh token: %d", status)
	}
	if status, _ := o.refresh(rt, nil); status != http.StatusBadRequest {
		t.Errorf("old refresh token works again after a new consent: %d", status)
	}
}

// TestRefresh_RevokeEndsTheRefreshToken: /v1/revoke with a refresh token
// ends it (invalid_grant, introspect inactive).
func TestRefresh_RevokeEndsTheRefreshToken(t *testing.T) {
	o, body := refreshOrg(t)
	rt := body["refresh_token"].(string)
	if status, _ := o.postForm("/v1/revoke", o.web.ClientID(), secret, url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}}); status != http.StatusOK {
		t.Fatalf("revoke: %d", status)
	}
	if status, res := o.refresh(rt, nil); status != http.StatusBadRequest || res["error"] != "invalid_grant" {
		t.Errorf("after revoke: %d %v", status, res)
	}
	if _, in := o.postForm("/v1/introspect", o.web.ClientID(), secret, url.Values{"token": {rt}}); in["active"] != false {
		t.Errorf("introspect after revoke: %v", in)
	}
}

// TestRefresh_PasswordGrantWithOfflineAccess: the password grant gives a
// refresh token too.
func TestRefresh_PasswordGrantWithOfflineAccess(t *testing.T) {
	o := newOrg(t)
	o.web.Settings.OAuthClient.GrantTypes = append(o.web.Settings.OAuthClient.GrantTypes, okta.GrantRefreshToken)
	o.update(o.web)
	status, body := o.token(o.web.ClientID(), secret, url.Values{"grant_type": {"password"}, "username": {o.user.Profile.Login},
		"password": {password}, "scope": {"openid offline_access"}})
	if status != http.StatusOK || body["refresh_token"] == nil {
		t.Fatalf("password grant: %d %v", status, body)
	}
	if status, res := o.refresh(body["refresh_token"].(string), nil); status != http.StatusOK {
		t.Errorf("refresh: %d %v", status, res)
	}
}

// TestRefresh_ReplayedCodeRevokesItsRefreshToken: a second redemption of
// a code is refused and the refresh token the first one issued stops
// working, as its access token does.
func TestRefresh_ReplayedCodeRevokesItsRefreshToken(t *testing.T) {
	o := newOrg(t)
	o.web.Settings.OAuthClient.GrantTypes = append(o.web.Settings.OAuthClient.GrantTypes, okta.GrantRefreshToken)
	o.update(o.web)
	b := o.browser()
	code := callback(t, b.login(b.authorize(o.web, url.Values{"scope": {"openid offline_access"}})), webCB, false).Get("code")
	rt := o.redeem(code)["refresh_token"].(string)
	if status, _ := o.refresh(rt, nil); status != http.StatusOK {
		t.Fatalf("refresh before the replay: %d", status)
	}
	if status, res := o.token(o.web.ClientID(), secret, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {webCB}}); status != http.StatusBadRequest || res["error"] != "invalid_grant" {
		t.Fatalf("replay: %d %v", status, res)
	}
	if status, res := o.refresh(rt, nil); status != http.StatusBadRequest || res["error"] != "invalid_grant" {
		t.Errorf("refresh after the replay: %d %v", status, res)
	}
}
