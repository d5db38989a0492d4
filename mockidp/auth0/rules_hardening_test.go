package auth0_test

// Tests for the hardening of issue 8: rules T1 (one code, one winner; no
// way to burn another client's code), K4 (exact callbacks), A7 (repeated
// parameters), the input bounds, the token endpoint's wrong methods and the
// session replacement of a re-login. The concurrency tests are meant to run
// under -race too.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/consentry/consentry/mockidp/tenant"
)

// redeemConcurrently redeems one code n times at once and counts the
// answers: the successes, and every refusal by error code.
func (p *idp) redeemConcurrently(c *tenant.Client, code string, n int) (ok []tokenReply, refused map[string]int, losers []tokenReply) {
	p.t.Helper()
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		start   = make(chan struct{})
		replies = make([]tokenReply, n)
	)
	for i := range n {
		wg.Go(func() {
			<-start
			replies[i] = p.redeemNoHelper(c, code, callbackWeb)
		})
	}
	close(start)
	wg.Wait()
	refused = map[string]int{}
	mu.Lock()
	defer mu.Unlock()
	for _, r := range replies {
		if r.status == http.StatusOK && r.str("access_token") != "" {
			ok = append(ok, r)
		} else {
			refused[r.str("error")]++
			losers = append(losers, r)
		}
	}
	return ok, refused, losers
}

// redeemNoHelper is redeem for goroutines: it reports transport errors in
// the reply instead of calling t.Fatal off the test's goroutine.
func (p *idp) redeemNoHelper(c *tenant.Client, code, redirectURI string) tokenReply {
	f := form("grant_type", "authorization_code", "client_id", c.ClientID, "client_secret", c.ClientSecret,
		"code", code, "redirect_uri", redirectURI)
	res, err := p.ts.Client().PostForm(p.issuer+"oauth/token", f)
	if err != nil {
		return tokenReply{status: -1, raw: err.Error(), body: map[string]any{"error": "transport: " + err.Error()}}
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return tokenReply{status: -1, raw: err.Error(), body: map[string]any{"error": "transport: " + err.Error()}}
	}
	tr := tokenReply{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &tr.body)
	return tr
}

// wantWinnerConsistent checks the winner's access token against what the
// losers were told: a loser that arrived after the winner recorded its
// tokens is a replay and revokes them (T1); a loser that arrived while the
// winner was issuing revokes nothing.
func (p *idp) wantWinnerConsistent(t *testing.T, winner tokenReply, losers []tokenReply) {
	t.Helper()
	replays := 0
	for _, l := range losers {
		if strings.Contains(l.str("error_description"), "revoked") {
			replays++
		}
	}
	status, _ := p.userinfo(winner.str("access_token"))
	switch {
	case replays == 0 && status != http.StatusOK:
		t.Fatalf("no loser was a replay, yet /userinfo with the winner's access token = %d, want 200", status)
	case replays > 0 && status != http.StatusUnauthorized:
		t.Fatalf("%d losers were replays after the winner, yet /userinfo with the winner's token = %d, want 401", replays, status)
	}
}

func TestT1_ConcurrentRedemptionOneWinner(t *testing.T) {
	p := newIDP(t)
	c := p.addClient(firstParty)

	for _, n := range []int{100, 10} {
		t.Run(fmt.Sprintf("%d at once", n), func(t *testing.T) {
			_, code := p.codeFor(c)
			ok, refused, losers := p.redeemConcurrently(c, code, n)
			if len(ok) != 1 || refused["invalid_grant"] != n-1 {
				t.Fatalf("%d concurrent redemptions: %d succeeded, refusals %v; want exactly 1 success and %d invalid_grant", n, len(ok), refused, n-1)
			}
			p.wantWinnerConsistent(t, ok[0], losers)
			// A replay after the winner revokes the winner's tokens (T1).
			p.redeem(c, code, callbackWeb).wantError(t, http.StatusBadRequest, "invalid_grant", "")
			if status, _ := p.userinfo(ok[0].str("access_token")); status != http.StatusUnauthorized {
				t.Errorf("/userinfo after a later replay = %d, want 401", status)
			}
			p.token(form("grant_type", "refresh_token", "client_id", c.ClientID, "client_secret", c.ClientSecret, "refresh_token", ok[0].str("refresh_token"))).
				wantError(t, http.StatusBadRequest, "invalid_grant", "")
		})
	}

	t.Run("double submit, 20 times", func(t *testing.T) {
		for range 20 {
			_, code := p.codeFor(c)
			ok, refused, losers := p.redeemConcurrently(c, code, 2)
			if len(ok) != 1 || refused["invalid_grant"] != 1 {
				t.Fatalf("2 concurrent redemptions: %d succeeded, refusals %v; want 1 and 1 invalid_grant", len(ok), refused)
			}
			p.wantWinnerConsistent(t, ok[0], losers)
		}
	})
}

func TestT1_OtherClientCannotBurnCode(t *testing.T) {
	p := newIDP(t)
	owner := p.addClient(firstParty)
	other := p.addClient(firstParty)
	pub := p.addClient(firstParty, public)

	attempts := func(t *testing.T, code string) {
		t.Helper()
		// Another confidential client, with its own valid credentials.
		p.redeem(other, code, callbackWeb).wantError(t, http.StatusBadRequest, "invalid_grant", "")
		// A public client: no authentication at all.
		p.redeem(pub, code, callbackWeb).wantError(t, http.StatusBadRequest, "invalid_grant", "")
		// The owner with a wrong secret, posted and basic.
		p.token(form("grant_type", "authorization_code", "client_id", owner.ClientID, "client_secret", "wrong",
			"code", code, "redirect_uri", callbackWeb)).wantError(t, http.StatusUnauthorized, "invalid_client", "")
		p.token(form("grant_type", "authorization_code", "code", code, "redirect_uri", callbackWeb), owner.ClientID, "wrong").
			wantError(t, http.StatusUnauthorized, "invalid_client", "")
		// The owner's id with no secret.
		p.token(form("grant_type", "authorization_code", "client_id", owner.ClientID, "code", code, "redirect_uri", callbackWeb)).
			wantError(t, http.StatusUnauthorized, "invalid_client", "")
	}

	t.Run("before the owner redeems", func(t *testing.T) {
		_, code := p.codeFor(owner)
		attempts(t, code)
		// The code is untouched: its owner redeems it.
		p.redeem(owner, code, callbackWeb).wantOK(t)
	})
	t.Run("wrong redirect_uri or verifier", func(t *testing.T) {
		verifier, challenge := pkce()
		_, code := p.codeFor(owner, "code_challenge", challenge, "code_challenge_method", "S256")
		p.redeem(owner, code, callbackWeb+"/x", "code_verifier", verifier).wantError(t, http.StatusBadRequest, "invalid_grant", "")
		p.redeem(owner, code, callbackWeb, "code_verifier", verifier+"x").wantError(t, http.StatusBadRequest, "invalid_grant", "")
		p.redeem(owner, code, callbackWeb).wantError(t, http.StatusBadRequest, "invalid_request", "")
		res := p.redeem(owner, code, callbackWeb, "code_verifier", verifier).wantOK(t)
		// After the redemption, a replay without the verifier revokes nothing.
		p.redeem(owner, code, callbackWeb, "code_verifier", verifier+"x").wantError(t, http.StatusBadRequest, "invalid_grant", "")
		if status, _ := p.userinfo(res.str("access_token")); status != http.StatusOK {
			t.Errorf("/userinfo after a replay with a wrong verifier = %d, want 200", status)
		}
	})
	t.Run("after the owner redeemed", func(t *testing.T) {
		_, code := p.codeFor(owner)
		res := p.redeem(owner, code, callbackWeb).wantOK(t)
		attempts(t, code)
		// Nothing was revoked.
		if status, _ := p.userinfo(res.str("access_token")); status != http.StatusOK {
			t.Errorf("/userinfo after other clients' attempts = %d, want 200", status)
		}
		p.token(form("grant_type", "refresh_token", "client_id", owner.ClientID, "client_secret", owner.ClientSecret,
			"refresh_token", res.str("refresh_token"))).wantOK(t)
	})
}
