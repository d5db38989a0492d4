package interop

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/consentry/consentry/mockidp/config"
	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/store/oktamem"
)

// TestOktaGoOIDCCodeFlow: coreos/go-oidc and golang.org/x/oauth2, as a Go
// web app uses them with a real Okta org, against the mock's demo Okta org:
// discovery of {org}/oauth2/default, the code flow with PKCE through the
// sign-in and consent pages, the ID token verified (issuer, aud = the
// client id, nonce, signature from /v1/keys) and userinfo.
func TestOktaGoOIDCCodeFlow(t *testing.T) {
	ctx := context.Background()
	var h http.Handler
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	defer ts.Close()
	f, err := config.LoadOkta("../testdata/tenants/okta-demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st := oktamem.New()
	if err := f.Apply(ctx, st, 4, time.Now()); err != nil {
		t.Fatal(err)
	}
	srv, err := server.NewOkta(ctx, server.OktaOptions{OrgURL: ts.URL, Store: st})
	if err != nil {
		t.Fatal(err)
	}
	h = srv

	provider, err := oidc.NewProvider(ctx, ts.URL+"/oauth2/default")
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	const callback = "http://localhost:8080/authorization-code/callback"
	conf := oauth2.Config{ClientID: "demo-okta-consent-web", ClientSecret: "demo-okta-consent-web-secret-NOT-FOR-PRODUCTION",
		Endpoint: provider.Endpoint(), RedirectURL: callback, Scopes: []string{oidc.ScopeOpenID, "profile", "email", "phone"}}
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("state-42", oidc.Nonce("nonce-42"), oauth2.S256ChallengeOption(verifier))

	jar, _ := cookiejar.New(nil)
	ua := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (*http.Response, string) {
		res, err := ua.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	post := func(page string, set map[string]string) *http.Response {
		action := regexp.MustCompile(`action="([^"]+)"`).FindStringSubmatch(page)
		if action == nil {
			t.Fatalf("no form: %s", page)
		}
		form := url.Values{}
		for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`).FindAllStringSubmatch(page, -1) {
			form.Set(m[1], m[2])
		}
		for k, v := range set {
			form.Set(k, v)
		}
		res, err := ua.PostForm(strings.ReplaceAll(action[1], "&amp;", "&"), form)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	res, _ := get(authURL)
	_, login := get(res.Header.Get("Location"))
	res = post(login, map[string]string{"username": "joe.smith@example.com", "password": "Demo-Passw0rd-NOT-FOR-PRODUCTION", "action": "default"})
	_, consentPage := get(res.Header.Get("Location"))
	if !strings.Contains(consentPage, `data-prompt="consent"`) || !strings.Contains(consentPage, "View your phone number.") {
		t.Fatalf("want the consent page asking for phone: %s", consentPage)
	}
	res = post(consentPage, map[string]string{"action": "accept"})
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), callback) || loc.Query().Get("state") != "state-42" {
		t.Fatalf("callback %q", res.Header.Get("Location"))
	}

	tok, err := conf.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := provider.Verifier(&oidc.Config{ClientID: conf.ClientID}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	if idt.Nonce != "nonce-42" || !strings.HasPrefix(idt.Subject, "00u") {
		t.Errorf("ID token nonce %q sub %q", idt.Nonce, idt.Subject)
	}
	info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	if info.Subject != idt.Subject || info.Email != "joe.smith@example.com" {
		t.Errorf("userinfo sub %q email %q", info.Subject, info.Email)
	}
}
