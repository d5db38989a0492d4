package auth0_test

// Rule tests for section 3 (the authorization endpoint, A).

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/session"
)

func TestA1_UnknownClientOrCallbackIsAnErrorPage(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	b := p.browser()

	q := authReq(c, "client_id", "no-such-client")
	b.authorize(q).wantErrorPage(http.StatusBadRequest, "invalid_request", "no-such-client")

	evil := "https://evil.example.net/callback"
	q = authReq(c, "redirect_uri", evil)
	b.authorize(q).wantErrorPage(http.StatusBadRequest, "invalid_request", evil)

	q = authReq(c, "redirect_uri", "")
	b.authorize(q).wantErrorPage(http.StatusBadRequest, "invalid_request", "redirect_uri")

	// Not even prompt=none or a broken request turns it into a redirect.
	q = authReq(c, "redirect_uri", evil, "prompt", "none", "response_type", "bogus")
	b.authorize(q).wantErrorPage(http.StatusBadRequest, "invalid_request", evil)
}

func TestA2_RequestErrorsRedirectWithState(t *testing.T) {
	p := newIDP(t)
	first := p.addClient(firstParty)
	strict := p.strictClient()
	_, challenge := pkce()
	for _, tc := range []struct {
		name       string
		q          url.Values
		mode, code string
	}{
		{"unsupported response_type", authReq(first, "response_type", "code id_token"), "fragment", "unsupported_response_type"},
		{"missing PKCE for a strict client", authReq(strict, "audience", apiPosts, "scope", "read:posts"), "query", "invalid_request"},
		{"bad code_challenge_method", authReq(first, "code_challenge", challenge, "code_challenge_method", "S512"), "query", "invalid_request"},
		{"malformed code_challenge", authReq(first, "code_challenge", "short", "code_challenge_method", "S256"), "query", "invalid_request"},
		{"implicit without nonce", authReq(first, "response_type", "id_token", "scope", "openid"), "fragment", "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			params := p.browser().authorize(tc.q).wantCallbackError(tc.q, tc.mode, tc.code, "")
			if params.Get("error_description") == "" {
				t.Errorf("no error_description")
			}
		})
	}
}

func TestA3_LoginPageUnlessSession(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	b := p.browser()
	q := authReq(c, "audience", apiNotes, "scope", "read:notes")
	r := b.authorize(q)
	r.wantPrompt("login")
	if r.url.Path != "/u/login" || r.url.Query().Get("state") == "" {
		t.Errorf("login page at %s, want /u/login?state=TX", r.url)
	}
	if r.hidden().Get("state") != r.url.Query().Get("state") || r.hidden().Get("csrf") == "" {
		t.Errorf("login form hidden fields = %v", r.hidden())
	}

	// Wrong password: the login page again, no session.
	bad := b.submit(r, "username", p.alice.Email, "password", "wrong", "action", "default")
	bad.wantPrompt("login")
	if bad.status != http.StatusUnauthorized || !strings.Contains(bad.body, "Wrong email or password.") {
		t.Errorf("failed login: HTTP %d, want 401 with the message", bad.status)
	}
	b.login(bad).code(q)

	// SSO: the same browser is not asked again, another browser is.
	q = authReq(c, "audience", apiNotes, "scope", "read:notes")
	b.authorize(q).code(q)
	p.browser().authorize(q).wantPrompt("login")

	// prompt=login asks again despite the session.
	q = authReq(c, "audience", apiNotes, "scope", "read:notes", "prompt", "login")
	r = b.authorize(q)
	r.wantPrompt("login")
	b.login(r).code(q)
}

func TestA3_SessionEndsAfterItsLifetime(t *testing.T) {
	p, clk := newClockedIDP(t)
	c := p.addClient(firstParty)
	b := p.browser()
	q := authReq(c, "audience", apiNotes, "scope", "read:notes")
	b.signIn(q).code(q)
	clk.Advance(session.SessionTTL - time.Minute)
	q = authReq(c, "audience", apiNotes, "scope", "read:notes")
	b.authorize(q).code(q)
	clk.Advance(2 * time.Minute)
	b.authorize(q).wantPrompt("login")
	q.Set("prompt", "none")
	b.authorize(q).wantCallbackError(q, "query", "login_required", "")
}

func TestA4_PromptNoneNeverShowsAPage(t *testing.T) {
	p := newIDP(t)
	first := p.addClient(firstParty, callbacks(callbackWeb, "http://127.0.0.1:5000/cb"))
	b := p.browser()

	t.Run("no session", func(t *testing.T) {
		q := authReq(first, "audience", apiNotes, "prompt", "none")
		p.browser().authorize(q).wantCallbackError(q, "query", "login_required", "")
		q = authReq(first, "response_type", "token", "audience", apiNotes, "prompt", "none")
		p.browser().authorize(q).wantCallbackError(q, "fragment", "login_required", "")
	})

	q := authReq(first, "audience", apiNotes, "scope", "read:notes")
	b.signIn(q).code(q)

	t.Run("consent needed", func(t *testing.T) {
		q := authReq(first, "audience", apiPosts, "scope", "read:posts", "prompt", "none")
		b.authorize(q).wantCallbackError(q, "query", "consent_required", "")
		p.wantNoGrant(first)
	})
	t.Run("confirmation needed", func(t *testing.T) {
		q := authReq(first, "audience", apiNotes, "scope", "read:notes", "redirect_uri", "http://127.0.0.1:5000/cb")
		b.authorize(q).wantPrompt("confirmation") // what the request would show without prompt=none
		q.Set("prompt", "none")
		b.authorize(q).wantCallbackError(q, "query", "consent_required", "")
	})
	t.Run("nothing needed", func(t *testing.T) {
		q := authReq(first, "audience", apiNotes, "scope", "read:notes", "prompt", "none")
		b.authorize(q).code(q)
	})
	t.Run("prompt=none with another prompt", func(t *testing.T) {
		q := authReq(first, "audience", apiNotes, "prompt", "none login")
		b.authorize(q).wantCallbackError(q, "query", "invalid_request", "")
	})
}

func TestA5_ResponseModes(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	b := p.browser()

	t.Run("query", func(t *testing.T) {
		q := authReq(c, "audience", apiNotes, "scope", "read:notes")
		params := b.signIn(q).callback(callbackWeb, "query")
		wantState(t, params, q)
		if params.Get("code") == "" || params.Has("access_token") {
			t.Errorf("query response = %v, want a code and no token", params)
		}
	})
	t.Run("query keeps the callback's own query", func(t *testing.T) {
		c := p.addClient(firstParty, callbacks("https://app.example.com/cb?tenant=a"))
		q := authReq(c, "audience", apiNotes, "scope", "read:notes")
		params := b.authorize(q).callback("https://app.example.com/cb", "query")
		if params.Get("tenant") != "a" || params.Get("code") == "" {
			t.Errorf("query response = %v, want tenant=a and a code", params)
		}
		wantState(t, params, q)
	})
	t.Run("fragment for implicit", func(t *testing.T) {
		q := authReq(c, "response_type", "id_token token", "audience", apiNotes, "scope", "openid read:notes", "nonce", "n-frag")
		params := b.authorize(q).callback(callbackWeb, "fragment")
		wantState(t, params, q)
		if params.Get("token_type") != "Bearer" || params.Get("expires_in") == "" {
			t.Errorf("fragment = %v, want token_type and expires_in", params)
		}
		claims := p.verifyAccess(params.Get("access_token"), apiNotes)
		wantScopes(t, claims.Scope, "openid", "read:notes")
		_, id := p.verifyJWKS(params.Get("id_token"))
		if id["nonce"] != "n-frag" {
			t.Errorf("id_token nonce = %v", id["nonce"])
		}
	})
	t.Run("response_type=id_token gives only an ID token", func(t *testing.T) {
		q := authReq(c, "response_type", "id_token", "scope", "openid", "nonce", "n-id")
		params := b.authorize(q).callback(callbackWeb, "fragment")
		wantState(t, params, q)
		if params.Get("id_token") == "" {
			t.Fatalf("fragment = %v, want an id_token", params)
		}
		if params.Has("access_token") {
			t.Errorf("response_type=id_token returned an access token: %v", params)
		}
	})
	t.Run("response_type=token gives no ID token", func(t *testing.T) {
		q := authReq(c, "response_type", "token", "audience", apiNotes, "scope", "openid read:notes")
		params := b.authorize(q).callback(callbackWeb, "fragment")
		if params.Get("access_token") == "" || params.Has("id_token") {
			t.Errorf("fragment = %v, want only an access token", params)
		}
	})
	t.Run("form_post", func(t *testing.T) {
		q := authReq(c, "audience", apiNotes, "scope", "read:notes", "response_mode", "form_post")
		r := b.authorize(q)
		r.wantPrompt("form-post")
		if r.status != http.StatusOK || r.formAction() != callbackWeb {
			t.Fatalf("form_post: HTTP %d, form posts to %q", r.status, r.formAction())
		}
		fields := r.hidden()
		wantState(t, fields, q)
		tr := p.redeem(c, fields.Get("code"), callbackWeb).wantOK(t)
		p.verifyAccess(tr.str("access_token"), apiNotes)

		// Errors are posted the same way.
		q = authReq(c, "audience", apiNotes, "response_mode", "form_post", "prompt", "none")
		r = p.browser().authorize(q)
		r.wantPrompt("form-post")
		if f := r.hidden(); f.Get("error") != "login_required" || f.Get("state") != q.Get("state") || f.Has("code") {
			t.Errorf("form_post error fields = %v", f)
		}
	})
}
