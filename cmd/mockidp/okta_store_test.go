package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/consentry/consentry/mockidp/store/pgtest"
)

const (
	oktaDemoConfig = "../../testdata/tenants/okta-demo.yaml"
	oktaTestToken  = "okta-store-token-DO-NOT-PRINT"
)

var oktaEnv = []string{envOktaAPIToken + "=" + oktaTestToken}

// oktaCall sends an admin API or token request and decodes a JSON answer
// into out (when not nil).
func oktaCall(ctx context.Context, method, target, auth, contentType, body string, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, err
	}
	if out != nil && res.StatusCode/100 == 2 {
		if err := json.Unmarshal(b, out); err != nil {
			return res.StatusCode, fmt.Errorf("%w: %s", err, b)
		}
	}
	return res.StatusCode, nil
}

func oktaJWKS(t *testing.T, org string) jose.JSONWebKeySet {
	t.Helper()
	var ks jose.JSONWebKeySet
	if code, err := oktaCall(context.Background(), "GET", org+"/oauth2/default/v1/keys", "", "", "", &ks); err != nil || code != http.StatusOK || len(ks.Keys) == 0 {
		t.Fatalf("keys: %d %v", code, err)
	}
	return ks
}

// verifyOkta checks raw's signature against ks and its issuer.
func verifyOkta(raw string, ks jose.JSONWebKeySet, issuer string) error {
	_, err := jwt.Parse(raw, func(tk *jwt.Token) (any, error) {
		kid, _ := tk.Header["kid"].(string)
		k := ks.Key(kid)
		if len(k) == 0 {
			return nil, fmt.Errorf("kid %q not in the JWKS", kid)
		}
		return k[0].Key, nil
	}, jwt.WithIssuer(issuer))
	return err
}

func serviceToken(ctx context.Context, org, scope string) (string, int, error) {
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", org+"/oauth2/default/v1/token",
		strings.NewReader(url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}.Encode()))
	req.SetBasicAuth("demo-okta-service", "demo-okta-service-secret-NOT-FOR-PRODUCTION")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return "", res.StatusCode, fmt.Errorf("%s", b)
	}
	err = json.NewDecoder(res.Body).Decode(&tok)
	return tok.AccessToken, res.StatusCode, err
}

// TestOktaDataSurvivesKillAndRestart is --data for an Okta org: a child
// "mockidp serve --vendor okta --data" under admin API writes (scopes,
// users) and token requests is killed with SIGKILL at a random moment;
// restarted on the same directory it serves the stored org (the banner
// says the file was not loaded), every write it acknowledged is there, the
// JWKS is the same and every token issued before verifies. --reseed then
// replaces the org with the file and keeps the keys.
func TestOktaDataSurvivesKillAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills child processes")
	}
	t.Parallel() // child processes and waits: overlaps the package's other child-process tests
	data := filepath.Join(t.TempDir(), "data")
	c, args := startChildOnFreeAddr(t, oktaEnv, func(addr string) []string {
		return []string{"--vendor", "okta", "--addr", addr, "--data", data, "--config", oktaDemoConfig, "--password-cost", "4", "--log-level", "error"}
	})
	org := c.issuer
	if !strings.Contains(c.stdout.String(), "loaded into the store") || !strings.Contains(c.stdout.String(), filepath.Join(data, "okta.db")) {
		t.Errorf("first start: the banner does not say the file seeded %s/okta.db:\n%s", data, c.stdout)
	}
	jwksBefore := oktaJWKS(t, org)
	sswsAuth := "SSWS " + oktaTestToken
	var first struct{ ID string }
	if code, err := oktaCall(context.Background(), "POST", org+"/api/v1/authorizationServers/default/scopes", sswsAuth, "application/json",
		`{"name":"crash:read"}`, &first); err != nil || code != http.StatusCreated {
		t.Fatalf("create scope: %d %v", code, err)
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var mu sync.Mutex
	var scopes, users, tokens []string
	var acks atomic.Int64
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				switch w {
				case 0:
					var sc struct{ ID string }
					if code, err := oktaCall(ctx, "POST", org+"/api/v1/authorizationServers/default/scopes", sswsAuth, "application/json",
						fmt.Sprintf(`{"name":"crash:%d","consent":"REQUIRED"}`, n), &sc); err == nil && code == http.StatusCreated {
						mu.Lock()
						scopes = append(scopes, sc.ID)
						mu.Unlock()
						acks.Add(1)
					}
				case 1:
					var u struct{ ID string }
					login := fmt.Sprintf("crash%d@example.com", n)
					if code, err := oktaCall(ctx, "POST", org+"/api/v1/users?activate=true", sswsAuth, "application/json",
						`{"profile":{"firstName":"C","lastName":"R","email":"`+login+`","login":"`+login+`"},"credentials":{"password":{"value":"Crash-Passw0rd-1"}}}`, &u); err == nil && code == http.StatusOK {
						mu.Lock()
						users = append(users, u.ID)
						mu.Unlock()
						acks.Add(1)
					}
				case 2:
					if tok, code, err := serviceToken(ctx, org, "crash:read"); err == nil && code == http.StatusOK {
						mu.Lock()
						tokens = append(tokens, tok)
						mu.Unlock()
						acks.Add(1)
					}
				}
			}
		})
	}
	// Kill at a random moment once every writer has had an acknowledgement
	// (not after a fixed 300 ms: on a loaded machine that could be too
	// early, on an idle one it is time spent waiting).
	for ackedAll := false; !ackedAll; {
		mu.Lock()
		ackedAll = len(scopes) > 0 && len(users) > 0 && len(tokens) > 0
		mu.Unlock()
		select {
		case <-c.exited:
			t.Fatalf("mockidp died under load\nstderr:\n%s", c.stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
	time.Sleep(time.Duration(rand.IntN(500)) * time.Millisecond)
	c.kill()
	stop()
	wg.Wait()
	t.Logf("killed after %d acknowledged writes and tokens (%d scopes, %d users, %d tokens)", acks.Load(), len(scopes), len(users), len(tokens))
	if len(scopes) == 0 || len(users) == 0 || len(tokens) == 0 {
		t.Fatalf("the load acknowledged too little to test: %d scopes, %d users, %d tokens", len(scopes), len(users), len(tokens))
	}

	c = startChildEnv(t, oktaEnv, args...)
	if c.issuer != org {
		t.Fatalf("org URL changed: %s, then %s", org, c.issuer)
	}
	if !strings.Contains(c.stdout.String(), "not loaded: the store already holds the org") {
		t.Errorf("the restart did not keep the stored org:\n%s", c.stdout)
	}
	jwksAfter := oktaJWKS(t, org)
	if a, b := mustJSON(jwksBefore), mustJSON(jwksAfter); a != b {
		t.Errorf("JWKS changed across the crash:\n%s\n%s", a, b)
	}
	for _, id := range scopes {
		if code, err := oktaCall(context.Background(), "GET", org+"/api/v1/authorizationServers/default/scopes/"+id, sswsAuth, "", "", nil); err != nil || code != http.StatusOK {
			t.Errorf("acknowledged scope %s after the crash: %d %v", id, code, err)
		}
	}
	for _, id := range users {
		if code, err := oktaCall(context.Background(), "GET", org+"/api/v1/users/"+id, sswsAuth, "", "", nil); err != nil || code != http.StatusOK {
			t.Errorf("acknowledged user %s after the crash: %d %v", id, code, err)
		}
	}
	for i, tok := range tokens {
		if err := verifyOkta(tok, jwksAfter, org+"/oauth2/default"); err != nil {
			t.Errorf("token %d issued before the crash does not verify: %v", i, err)
			break
		}
	}
	if _, code, err := serviceToken(context.Background(), org, "crash:read"); code != http.StatusOK {
		t.Errorf("a token for the stored scope after the restart: %d %v", code, err)
	}

	// --reseed: the file's org again (the scopes added are gone), same keys.
	c.kill()
	c = startChildEnv(t, oktaEnv, append(args, "--reseed")...)
	if !strings.Contains(c.stdout.String(), "loaded into the store") {
		t.Errorf("--reseed: the banner does not say the file was loaded:\n%s", c.stdout)
	}
	if code, _ := oktaCall(context.Background(), "GET", org+"/api/v1/authorizationServers/default/scopes/"+first.ID, sswsAuth, "", "", nil); code != http.StatusNotFound {
		t.Errorf("--reseed kept a scope the file does not have: %d", code)
	}
	if a, b := mustJSON(jwksBefore), mustJSON(oktaJWKS(t, org)); a != b {
		t.Errorf("--reseed changed the keys:\n%s\n%s", a, b)
	}
	if out := c.stdout.String() + c.stderr.String(); strings.Contains(out, "NOT-FOR-PRODUCTION") || strings.Contains(out, oktaTestToken) {
		t.Error("the child's output leaks a secret")
	}
}

var (
	oktaActionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	oktaStateRE  = regexp.MustCompile(`name="state" value="([^"]+)"`)
	oktaCSRFRE   = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	oktaPromptRE = regexp.MustCompile(`data-prompt="([a-z]+)"`)
)

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`).Replace(s)
}

// oktaCodeFlow runs the code flow of the demo's ConsentWebApp for joe in
// browser c (its cookies kept), answering the sign-in and consent pages,
// and returns the code and the prompts seen.
func oktaCodeFlow(t *testing.T, c *http.Client, org, scope string) (code string, prompts []string) {
	t.Helper()
	const cb = "http://localhost:8080/authorization-code/callback"
	next := org + "/oauth2/default/v1/authorize?" + url.Values{"client_id": {"demo-okta-consent-web"}, "redirect_uri": {cb},
		"response_type": {"code"}, "scope": {scope}, "state": {"st-1"}}.Encode()
	var form url.Values
	for range 12 {
		var res *http.Response
		var err error
		if form == nil {
			res, err = c.Get(next)
		} else {
			res, err = c.PostForm(next, form)
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		body, loc := string(b), res.Header.Get("Location")
		form = nil
		switch {
		case res.StatusCode == http.StatusFound && strings.HasPrefix(loc, cb):
			u, _ := url.Parse(loc)
			if u.Query().Get("code") == "" {
				t.Fatalf("callback without a code: %s", loc)
			}
			return u.Query().Get("code"), prompts
		case res.StatusCode == http.StatusFound:
			u, err := url.Parse(org)
			if err == nil {
				if l, err := u.Parse(loc); err == nil {
					next = l.String()
				}
			}
		case res.StatusCode == http.StatusOK:
			p := oktaPromptRE.FindStringSubmatch(body)
			a, s, k := oktaActionRE.FindStringSubmatch(body), oktaStateRE.FindStringSubmatch(body), oktaCSRFRE.FindStringSubmatch(body)
			if p == nil || a == nil || s == nil || k == nil {
				t.Fatalf("unexpected page %d: %s", res.StatusCode, body)
			}
			prompts = append(prompts, p[1])
			u, _ := url.Parse(org)
			l, _ := u.Parse(htmlUnescape(a[1]))
			next = l.String()
			form = url.Values{"state": {htmlUnescape(s[1])}, "csrf": {htmlUnescape(k[1])}}
			switch p[1] {
			case "login":
				form.Set("username", "joe.smith@example.com")
				form.Set("password", "Demo-Passw0rd-NOT-FOR-PRODUCTION")
			case "consent":
				form.Set("action", "accept")
			default:
				t.Fatalf("page %q: %s", p[1], body)
			}
		default:
			t.Fatalf("authorize: %d %q %s", res.StatusCode, loc, body)
		}
	}
	t.Fatal("the flow did not reach the callback in 12 requests")
	return "", nil
}

// TestOktaReplicasShareTheOrg: two "mockidp serve --vendor okta --store
// postgres://..." processes on one database behind a round-robin reverse
// proxy behave as one org: one JWKS, an admin API write seen by both, and
// a code flow whose every request (authorize, sign-in, consent, callback,
// token, userinfo) alternates between replicas; the consent recorded on one
// is honoured by the other (no consent page the second time).
func TestOktaReplicasShareTheOrg(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and two mockidp processes")
	}
	t.Parallel() // child processes and waits: overlaps the package's other child-process tests
	dsn := pgtest.URL(t)
	proxy := newRoundRobin()
	defer proxy.Close()
	org := proxy.URL
	for i := range proxy.backends {
		var addr string
		startChildOnFreeAddr(t, oktaEnv, func(a string) []string {
			addr = a
			return []string{"--vendor", "okta", "--addr", a, "--store", dsn, "--config", oktaDemoConfig,
				"--issuer", org, "--password-cost", "4", "--log-level", "error"}
		})
		proxy.backends[i] = &url.URL{Scheme: "http", Host: addr}
	}

	a, b := mustJSON(oktaJWKS(t, org)), mustJSON(oktaJWKS(t, org))
	if a != b {
		t.Fatalf("the replicas serve different keys:\n%s\n%s", a, b)
	}
	ks := oktaJWKS(t, org)
	sswsAuth := "SSWS " + oktaTestToken
	var sc struct{ ID string }
	if code, err := oktaCall(context.Background(), "POST", org+"/api/v1/authorizationServers/default/scopes", sswsAuth, "application/json",
		`{"name":"replica:read","consent":"REQUIRED"}`, &sc); err != nil || code != http.StatusCreated {
		t.Fatalf("create scope: %d %v", code, err)
	}
	for i := range 2 {
		if code, err := oktaCall(context.Background(), "GET", org+"/api/v1/authorizationServers/default/scopes/"+sc.ID, sswsAuth, "", "", nil); code != http.StatusOK {
			t.Errorf("GET %d of the new scope: %d %v", i, code, err)
		}
	}

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	code, prompts := oktaCodeFlow(t, browser, org, "openid replica:read")
	if strings.Join(prompts, ",") != "login,consent" {
		t.Errorf("first flow showed %v, want the sign-in then the consent page", prompts)
	}
	redeem := func(code string) {
		t.Helper()
		req, _ := http.NewRequest("POST", org+"/oauth2/default/v1/token", strings.NewReader(url.Values{"grant_type": {"authorization_code"},
			"code": {code}, "redirect_uri": {"http://localhost:8080/authorization-code/callback"}}.Encode()))
		req.SetBasicAuth("demo-okta-consent-web", "demo-okta-consent-web-secret-NOT-FOR-PRODUCTION")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
			IDToken     string `json:"id_token"`
		}
		if err := json.NewDecoder(res.Body).Decode(&tok); err != nil || res.StatusCode != http.StatusOK || tok.IDToken == "" {
			t.Fatalf("token: %d %v", res.StatusCode, err)
		}
		for _, raw := range []string{tok.AccessToken, tok.IDToken} {
			if err := verifyOkta(raw, ks, org+"/oauth2/default"); err != nil {
				t.Errorf("a token from the replicas does not verify: %v", err)
			}
		}
		for i := range 2 { // userinfo on both replicas
			var ui struct{ Sub string }
			if c, err := oktaCall(context.Background(), "GET", org+"/oauth2/default/v1/userinfo", "Bearer "+tok.AccessToken, "", "", &ui); c != http.StatusOK || ui.Sub == "" {
				t.Errorf("userinfo %d: %d %v", i, c, err)
			}
		}
		// The code is spent on both replicas.
		req2, _ := http.NewRequest("POST", org+"/oauth2/default/v1/token", strings.NewReader(url.Values{"grant_type": {"authorization_code"},
			"code": {code}, "redirect_uri": {"http://localhost:8080/authorization-code/callback"}}.Encode()))
		req2.SetBasicAuth("demo-okta-consent-web", "demo-okta-consent-web-secret-NOT-FOR-PRODUCTION")
		req2.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res2, err := http.DefaultClient.Do(req2)
		if err != nil {
			t.Fatal(err)
		}
		res2.Body.Close()
		if res2.StatusCode != http.StatusBadRequest {
			t.Errorf("a code redeemed twice across replicas: %d, want 400", res2.StatusCode)
		}
	}
	redeem(code)

	// The session and the per-scope grants are shared: no page at all now.
	code, prompts = oktaCodeFlow(t, browser, org, "openid replica:read")
	if len(prompts) != 0 {
		t.Errorf("second flow showed %v, want none (session and grant on the store)", prompts)
	}
	redeem(code)
	if proxy.served[0].Load() == 0 || proxy.served[1].Load() == 0 {
		t.Errorf("one replica served nothing: %d and %d requests", proxy.served[0].Load(), proxy.served[1].Load())
	}
	t.Logf("replica 0 served %d requests, replica 1 %d", proxy.served[0].Load(), proxy.served[1].Load())
}
