package auth0_test

// Rule tests for sections 4 (consent, C) and 5 (denial, D).

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/tenant"
)

func TestC1_ThirdPartyIsAlwaysAskedFirst(t *testing.T) {
	p := newIDP(t)
	// apiNotes lets first-party clients skip consent: not third-party ones.
	for name, c := range map[string]*tenant.Client{
		"permissive": p.addClient(permissiveThirdParty),
		"strict": func() *tenant.Client {
			c := p.addClient(strictThirdParty)
			p.clientGrant(c, apiNotes, tenant.SubjectUser, "read:notes")
			return c
		}(),
	} {
		t.Run(name, func(t *testing.T) {
			_, challenge := pkce()
			for _, scope := range []string{"read:notes", ""} { // even asking for no scope
				q := authReq(c, "audience", apiNotes, "scope", scope, "code_challenge", challenge, "code_challenge_method", "S256")
				b := p.browser()
				b.login(b.authorize(q)).wantPrompt("consent")
				p.wantNoGrant(c)
			}
		})
	}
}

func TestC2_AcceptCreatesGrantThatLaterLoginsReuse(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	b := p.browser()
	q := authReq(c, "audience", apiPosts, "scope", "openid read:posts")
	r := b.login(b.authorize(q))
	r.wantPrompt("consent")
	b.accept(r).code(q)
	gs := p.grants(c)
	if len(gs) != 1 || gs[0].Audience != apiPosts || !sameSet(gs[0].Scope, "openid", "read:posts") {
		t.Fatalf("grants = %+v, want one for %s with openid read:posts", gs, apiPosts)
	}
	grantID := gs[0].ID

	// Covered: same scopes, or fewer, need no page.
	for _, scope := range []string{"openid read:posts", "read:posts"} {
		q := authReq(c, "audience", apiPosts, "scope", scope)
		b.authorize(q).code(q)
	}
	// Beyond the grant: the page lists every requested scope; accepting merges.
	q = authReq(c, "audience", apiPosts, "scope", "openid read:posts write:posts")
	r = b.authorize(q)
	r.wantPrompt("consent")
	if got := r.hidden()["scope"]; !sameSet(got, "openid", "read:posts", "write:posts") {
		t.Errorf("consent form scopes = %q, want every requested scope", got)
	}
	if !slices.Contains(r.scopeLines(), "Posts: read and write your posts") {
		t.Errorf("consent lines = %q", r.scopeLines())
	}
	b.accept(r).code(q)
	gs = p.grants(c)
	if len(gs) != 1 || gs[0].ID != grantID || !sameSet(gs[0].Scope, "openid", "read:posts", "write:posts") {
		t.Errorf("grants = %+v, want the same grant with the scopes merged", gs)
	}
	q = authReq(c, "audience", apiPosts, "scope", "write:posts")
	b.authorize(q).code(q)
}

func sameSet(got []string, want ...string) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}

func TestC3_FirstPartyAskedUnlessAPISkips(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	b := p.browser()
	q := authReq(c, "audience", apiPosts, "scope", "read:posts")
	b.login(b.authorize(q)).wantPrompt("consent")

	q = authReq(c, "audience", apiNotes, "scope", "read:notes")
	b.authorize(q).code(q)
}

func TestC4_FirstPartySkipVerifiableGetsCodeWithoutGrant(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)
	b := p.browser()
	q := authReq(c, "audience", apiNotes, "scope", "read:notes write:notes")
	code := b.login(b.authorize(q)).code(q)
	p.wantNoGrant(c)
	tr := p.redeem(c, code, callbackWeb).wantOK(t)
	wantScopes(t, tr.str("scope"), "read:notes", "write:notes")
	// With the session, no page at all.
	q = authReq(c, "audience", apiNotes, "scope", "read:notes write:notes")
	b.authorize(q).code(q)
	p.wantNoGrant(c)
}

func TestC5_PromptConsentAlwaysAsks(t *testing.T) {
	p := newIDP(t)
	for _, tc := range []struct {
		name     string
		opts     func(*tenant.Client)
		audience string
	}{
		{"third-party", permissiveThirdParty, apiPosts},
		{"first-party", firstParty, apiPosts},
		{"first-party, API skips consent", firstParty, apiNotes},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := p.addClient(tc.opts)
			scope := "read:posts"
			if tc.audience == apiNotes {
				scope = "read:notes"
			}
			b := p.browser()
			q := authReq(c, "audience", tc.audience, "scope", scope, "prompt", "consent")
			r := b.login(b.authorize(q))
			r.wantPrompt("consent")
			b.accept(r).code(q)
			if len(p.grants(c)) != 1 {
				t.Fatalf("no grant after accepting")
			}
			for range 2 { // covered by the grant, asked anyway
				q := authReq(c, "audience", tc.audience, "scope", scope, "prompt", "consent")
				r := b.authorize(q)
				r.wantPrompt("consent")
				b.accept(r).code(q)
			}
		})
	}
}

func TestC6_ConfirmationForNonVerifiableCallback(t *testing.T) {
	const loopback, custom, localhost = "http://127.0.0.1:7000/cb", "com.example.app://cb", "http://localhost:7000/cb"
	setup := func(t *testing.T) (*idp, *tenant.Client, *browser) {
		p := newIDP(t)
		c := p.addClient(firstParty, callbacks(callbackWeb, loopback, custom, localhost))
		b := p.browser()
		q := authReq(c, "audience", apiNotes, "scope", "read:notes")
		b.signIn(q).code(q) // SSO session from a verifiable callback
		return p, c, b
	}

	for _, cb := range []string{loopback, custom, localhost} {
		t.Run("SSO to "+cb, func(t *testing.T) {
			p, c, b := setup(t)
			q := authReq(c, "audience", apiNotes, "scope", "read:notes", "redirect_uri", cb)
			r := b.authorize(q)
			r.wantPrompt("confirmation")
			if lines := r.scopeLines(); len(lines) != 0 {
				t.Errorf("confirmation page has scope lines %q", lines)
			}
			if btn := r.buttons(); btn["accept"] != "Accept" || btn["deny"] != "Decline" || len(btn) != 2 {
				t.Errorf("buttons = %v, want Accept and Decline", btn)
			}
			if !strings.Contains(r.body, c.Name) || !strings.Contains(r.body, p.alice.Email) {
				t.Errorf("confirmation page does not name the client and the user")
			}
			tr := p.redeem(c, b.accept(r).code(q), cb).wantOK(t)
			wantScopes(t, tr.str("scope"), "read:notes")
			p.wantNoGrant(c)
		})
	}
	t.Run("decline", func(t *testing.T) {
		p, c, b := setup(t)
		q := authReq(c, "audience", apiNotes, "scope", "read:notes", "redirect_uri", loopback)
		b.decline(b.authorize(q)).wantCallbackError(q, "query", "access_denied", declined)
		p.wantNoGrant(c)
	})
	t.Run("no API", func(t *testing.T) {
		_, c, b := setup(t)
		q := authReq(c, "scope", "openid", "redirect_uri", loopback)
		b.authorize(q).wantPrompt("confirmation")
	})
	t.Run("login page in the transaction", func(t *testing.T) {
		p := newIDP(t)
		c := p.addClient(firstParty, callbacks(loopback))
		b := p.browser()
		q := authReq(c, "audience", apiNotes, "scope", "read:notes")
		b.login(b.authorize(q)).code(q)
	})
	t.Run("prompt=login with a session", func(t *testing.T) {
		_, c, b := setup(t)
		q := authReq(c, "audience", apiNotes, "scope", "read:notes", "redirect_uri", loopback, "prompt", "login")
		b.login(b.authorize(q)).code(q)
	})
	t.Run("consent page in the transaction", func(t *testing.T) {
		_, c, b := setup(t)
		q := authReq(c, "audience", apiNotes, "scope", "read:notes", "redirect_uri", loopback, "prompt", "consent")
		r := b.authorize(q)
		r.wantPrompt("consent")
		b.accept(r).code(q)
	})
	t.Run("client setting turns it off", func(t *testing.T) {
		p, c, b := setup(t)
		c.SkipNonVerifiableCallbackURIConfirmationPrompt = ptr(true)
		must(t, p.store.UpdateClient(context.Background(), c))
		q := authReq(c, "audience", apiNotes, "scope", "read:notes", "redirect_uri", loopback)
		b.authorize(q).code(q)
	})
	t.Run("tenant setting turns it off", func(t *testing.T) {
		p, c, b := setup(t)
		p.setSettings(func(s *tenant.Settings) { s.SkipNonVerifiableCallbackURIConfirmationPrompt = true })
		q := authReq(c, "audience", apiNotes, "scope", "read:notes", "redirect_uri", loopback)
		b.authorize(q).code(q)
	})
	t.Run("client value wins over tenant", func(t *testing.T) {
		p, c, b := setup(t)
		p.setSettings(func(s *tenant.Settings) { s.SkipNonVerifiableCallbackURIConfirmationPrompt = true })
		c.SkipNonVerifiableCallbackURIConfirmationPrompt = ptr(false)
		must(t, p.store.UpdateClient(context.Background(), c))
		q := authReq(c, "audience", apiNotes, "scope", "read:notes", "redirect_uri", loopback)
		b.authorize(q).wantPrompt("confirmation")
	})
	t.Run("not for APIs that ask for consent", func(t *testing.T) {
		p, c, b := setup(t)
		q := authReq(c, "audience", apiPosts, "scope", "read:posts", "redirect_uri", loopback)
		r := b.authorize(q)
		r.wantPrompt("consent")
		b.accept(r).code(q)
		// Covered by the grant now: an API that does not skip consent
		// never gets a confirmation page (C6 is about skipped consent).
		q = authReq(c, "audience", apiPosts, "scope", "read:posts", "redirect_uri", loopback)
		b.authorize(q).code(q)
		_ = p
	})
}

func TestC7_ConsentPageWording(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(permissiveThirdParty, func(c *tenant.Client) { c.Name = "Shiny Reader" })
	b := p.browser()
	q := authReq(c, "audience", apiPosts, "scope", "read:posts write:posts")
	r := b.login(b.authorize(q))
	r.wantPrompt("consent")
	if got := r.scopeLines(); !slices.Equal(got, []string{"Posts: read and write your posts"}) {
		t.Errorf("lines = %q, want one grouped line", got)
	}
	for _, want := range []string{"Shiny Reader", p.alice.Email, tenantName} {
		if !strings.Contains(r.body, want) {
			t.Errorf("consent page does not name %q", want)
		}
	}
	if btn := r.buttons(); btn["accept"] != "Accept" || btn["deny"] != "Decline" || len(btn) != 2 {
		t.Errorf("buttons = %v, want Accept and Decline", btn)
	}

	q = authReq(c, "audience", apiPosts, "scope", "read:posts write:posts delete:posts")
	if got := b.authorize(q).scopeLines(); !slices.Equal(got, []string{"Posts: read, write and delete your posts"}) {
		t.Errorf("lines = %q, want three actions on one line", got)
	}

	p.setSettings(func(s *tenant.Settings) { s.Flags.UseScopeDescriptionsForConsent = true })
	q = authReq(c, "audience", apiPosts, "scope", "read:posts write:posts delete:posts")
	if got := b.authorize(q).scopeLines(); !slices.Equal(got, []string{"Read your posts", "Write your posts", "delete:posts"}) {
		t.Errorf("lines = %q, want one line per scope by description (value where none)", got)
	}
}

func TestC8_ConsentFormIsBoundToTransactionAndBrowser(t *testing.T) {
	// consentPage starts alice on the consent page of a fresh client.
	consentPage := func(t *testing.T) (*idp, *tenant.Client, *browser, *reply, url.Values) {
		p := newIDP(t)
		c := p.addClient(permissiveThirdParty)
		b := p.browser()
		q := authReq(c, "audience", apiPosts, "scope", "read:posts")
		r := b.login(b.authorize(q))
		r.wantPrompt("consent")
		return p, c, b, r, q
	}

	t.Run("form from another browser", func(t *testing.T) {
		p, c, b, r, q := consentPage(t)
		other := p.browser()
		oq := authReq(p.addClient(firstParty), "audience", apiNotes, "scope", "read:notes")
		other.signIn(oq).code(oq) // its own cookies and session
		other.submit(r, "action", "accept").wantErrorPage(http.StatusForbidden, "invalid_request", "")
		p.wantNoGrant(c)
		// The owner can still answer it.
		b.accept(r).code(q)
		if len(p.grants(c)) != 1 {
			t.Errorf("the owner's accept created no grant")
		}
	})
	t.Run("form from another login session in the same browser", func(t *testing.T) {
		p, c, b, r, _ := consentPage(t)
		bob := p.addUser("auth0|bob", "bob@example.com", "Bob")
		b.get(p.issuer + "v2/logout")
		oq := authReq(p.addClient(firstParty), "audience", apiNotes, "scope", "read:notes")
		b.submit(b.authorize(oq), "username", bob.Email, "password", password, "action", "default").code(oq)
		// Alice's page, Bob's session: neither of them consented to this.
		b.accept(r).wantErrorPage(http.StatusForbidden, "invalid_request", "")
		gs, err := p.store.ListUserGrants(context.Background(), tenant.UserGrantFilter{ClientID: c.ClientID})
		must(t, err)
		if len(gs) != 0 {
			t.Errorf("grant created for %s from a form shown to %s", gs[0].UserID, p.alice.UserID)
		}
	})
	t.Run("replayed form", func(t *testing.T) {
		p, c, b, r, q := consentPage(t)
		b.decline(r).wantCallbackError(q, "query", "access_denied", declined)
		replay := b.accept(r)
		replay.wantErrorPage(http.StatusBadRequest, "invalid_request", "")
		p.wantNoGrant(c)
	})
	t.Run("replayed accept", func(t *testing.T) {
		p, c, b, r, q := consentPage(t)
		b.accept(r).code(q)
		b.accept(r).wantErrorPage(http.StatusBadRequest, "invalid_request", "")
		if gs := p.grants(c); len(gs) != 1 {
			t.Errorf("grants = %d, want 1", len(gs))
		}
	})
	t.Run("form adding a scope", func(t *testing.T) {
		p, c, b, r, _ := consentPage(t)
		f := r.hidden()
		f.Add("scope", "write:posts")
		f.Set("action", "accept")
		b.post(r.formAction(), f).wantErrorPage(http.StatusBadRequest, "invalid_request", "")
		p.wantNoGrant(c)
		// The tampered transaction is over.
		b.accept(r).wantErrorPage(http.StatusBadRequest, "invalid_request", "")
		p.wantNoGrant(c)
	})
	t.Run("wrong anti-forgery value", func(t *testing.T) {
		p, c, b, r, q := consentPage(t)
		b.submit(r, "action", "accept", "csrf", "forged").wantErrorPage(http.StatusForbidden, "invalid_request", "")
		p.wantNoGrant(c)
		b.accept(r).code(q) // the real form still works
	})
	t.Run("forged form for a made-up transaction", func(t *testing.T) {
		p, c, b, r, _ := consentPage(t)
		b.submit(r, "action", "accept", "state", "made-up").wantErrorPage(http.StatusBadRequest, "invalid_request", "")
		p.wantNoGrant(c)
	})
}

func TestC9_RevokedGrantAsksAgainAndStopsRefreshTokens(t *testing.T) {
	for _, how := range []string{"store", "DELETE /api/v2/grants/{id}", "DELETE /api/v2/grants?user_id="} {
		t.Run(how, func(t *testing.T) {
			p := newIDP(t)
			c := p.addClient(firstParty)
			b := p.browser()
			q := authReq(c, "audience", apiPosts, "scope", "openid read:posts offline_access")
			tr := p.redeem(c, b.signIn(q).code(q), callbackWeb).wantOK(t)
			refresh := tr.str("refresh_token")
			if refresh == "" {
				t.Fatalf("no refresh token: %s", tr.raw)
			}
			refreshForm := form("grant_type", "refresh_token", "client_id", c.ClientID, "client_secret", c.ClientSecret, "refresh_token", refresh)
			p.token(refreshForm).wantOK(t)

			gs := p.grants(c)
			if len(gs) != 1 {
				t.Fatalf("grants = %d, want 1", len(gs))
			}
			switch how {
			case "store":
				must(t, p.store.DeleteUserGrant(context.Background(), gs[0].ID))
			case "DELETE /api/v2/grants/{id}":
				if status, body := p.mgmt("DELETE", "/api/v2/grants/"+gs[0].ID, ""); status != http.StatusNoContent {
					t.Fatalf("DELETE grant = %d %v", status, body)
				}
			default:
				if status, body := p.mgmt("DELETE", "/api/v2/grants?user_id="+p.alice.UserID, ""); status != http.StatusNoContent {
					t.Fatalf("DELETE grants = %d %v", status, body)
				}
			}
			p.wantNoGrant(c)

			refreshed := p.token(refreshForm)
			if refreshed.status == http.StatusOK || refreshed.str("error") != "invalid_grant" {
				t.Errorf("refresh after revocation: HTTP %d %s, want invalid_grant", refreshed.status, refreshed.raw)
			}
			q = authReq(c, "audience", apiPosts, "scope", "openid read:posts offline_access")
			b.authorize(q).wantPrompt("consent")
		})
	}
}

func TestD1_StrictThirdPartyDeclineShowsErrorPageNoRedirect(t *testing.T) {
	p := newIDP(t)
	c := p.strictClient() // redirection_policy unset: open_redirect_protection
	b := p.browser()
	_, challenge := pkce()
	q := authReq(c, "audience", apiPosts, "scope", "read:posts", "code_challenge", challenge, "code_challenge_method", "S256")
	r := b.decline(b.login(b.authorize(q)))
	r.wantErrorPage(http.StatusForbidden, "access_denied", declined)
	if got := r.errorDescription(); got != declined {
		t.Errorf("description = %q, want %q", got, declined)
	}
	if strings.Contains(r.body, callbackWeb) {
		t.Errorf("error page links to the callback")
	}
	p.wantNoGrant(c)
}

func TestD2_DeclineRedirectsWithAccessDenied(t *testing.T) {
	p := newIDP(t)
	for name, c := range map[string]*tenant.Client{
		"strict allow_always": p.strictClient(func(c *tenant.Client) { c.RedirectionPolicy = tenant.PolicyAllowAlways }),
		"first-party":         p.addClient(firstParty),
		"permissive":          p.addClient(permissiveThirdParty),
	} {
		t.Run(name, func(t *testing.T) {
			_, challenge := pkce()
			q := authReq(c, "audience", apiPosts, "scope", "read:posts", "code_challenge", challenge, "code_challenge_method", "S256")
			b := p.browser()
			r := b.decline(b.login(b.authorize(q)))
			if r.status != http.StatusFound {
				t.Fatalf("decline: HTTP %d, want 302", r.status)
			}
			r.wantCallbackError(q, "query", "access_denied", declined)
			p.wantNoGrant(c)
		})
	}
	t.Run("implicit", func(t *testing.T) {
		c := p.addClient(firstParty)
		q := authReq(c, "response_type", "token", "audience", apiPosts, "scope", "read:posts")
		b := p.browser()
		b.decline(b.login(b.authorize(q))).wantCallbackError(q, "fragment", "access_denied", declined)
	})
}

func TestD3_NothingIsGrantedAfterDecline(t *testing.T) {
	p := newIDP(t)
	for name, c := range map[string]*tenant.Client{
		"error page": p.strictClient(),
		"redirect":   p.addClient(firstParty),
	} {
		t.Run(name, func(t *testing.T) {
			_, challenge := pkce()
			b := p.browser()
			q := authReq(c, "audience", apiPosts, "scope", "read:posts", "code_challenge", challenge, "code_challenge_method", "S256")
			r := b.decline(b.login(b.authorize(q)))
			if loc := r.header.Get("Location"); strings.Contains(loc, "code=") {
				t.Errorf("decline sent a code: %s", loc)
			}
			p.wantNoGrant(c)
			// Nothing was remembered: the next login asks again.
			q = authReq(c, "audience", apiPosts, "scope", "read:posts", "code_challenge", challenge, "code_challenge_method", "S256")
			b.authorize(q).wantPrompt("consent")
		})
	}
}
