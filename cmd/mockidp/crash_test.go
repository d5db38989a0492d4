package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
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

// envChild makes the test binary run as mockidp itself: the crash test
// starts it as a child process so that it can kill -9 it.
const envChild = "CONSENTRY_MOCKIDP_CHILD"

// envChildBin names a mockidp binary built from this tree for the child
// processes to run instead of this test binary. make test builds
// bin/mockidp once, without -race, and sets it: the child-process tests
// check durability and replicas, which are about processes, not goroutines,
// and a race-built child pays the race detector on every request of the
// load. Without it (go test ./cmd/mockidp) the test binary runs itself, and
// a race-built child's race report fails the test.
const envChildBin = "CONSENTRY_MOCKIDP_BIN"

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		main() // os.Args[1:] are the mockidp arguments; main exits
	}
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}

// child is a "mockidp serve" process.
type child struct {
	cmd    *exec.Cmd
	issuer string
	stdout *syncBuffer
	stderr *syncBuffer
	exited chan struct{}
}

// mgmtEnv gives a child the management client the tests use.
var mgmtEnv = []string{envMgmtClientID + "=mgmt-client", envMgmtClientSecret + "=mgmt-secret-DO-NOT-PRINT"}

func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	return startChildEnv(t, mgmtEnv, args...)
}

// startChildEnv starts a child with env added to the test's environment.
// Its issuer is the banner's URL, or the Okta org's URL (no trailing "/")
// for --vendor okta.
func startChildEnv(t *testing.T, env []string, args ...string) *child {
	t.Helper()
	c, err := tryStartChild(t, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// errExitedBeforeBanner is tryStartChild's error for a child that exited
// before it printed its banner.
var errExitedBeforeBanner = errors.New("mockidp exited before the banner")

// startChildOnFreeAddr starts a child (startChildEnv) on a free loopback
// address (onFreeAddr): argsFor gets the address and returns the child's
// arguments. It returns the child and the arguments it runs with, for a
// restart.
func startChildOnFreeAddr(t *testing.T, env []string, argsFor func(addr string) []string) (*child, []string) {
	t.Helper()
	var c *child
	args := onFreeAddr(t, argsFor, func(args []string) (string, error) {
		var err error
		c, err = tryStartChild(t, env, args...)
		return c.stderr.String(), err
	})
	return c, args
}

// tryStartChild is startChildEnv, with a child that exits before its banner
// an error (errExitedBeforeBanner) instead of a failure.
func tryStartChild(t *testing.T, env []string, args ...string) (*child, error) {
	t.Helper()
	exe := os.Getenv(envChildBin)
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			t.Fatal(err)
		}
	} else if !filepath.IsAbs(exe) {
		t.Fatalf("%s=%s: want an absolute path (the tests run in the package directory)", envChildBin, exe)
	}
	c := &child{stdout: &syncBuffer{}, stderr: &syncBuffer{}, exited: make(chan struct{})}
	c.cmd = exec.Command(exe, append([]string{"serve"}, args...)...)
	c.cmd.Env = append(append(os.Environ(), envChild+"=1"), env...)
	pipe, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.Stderr = c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		_, _ = io.Copy(c.stdout, bufio.NewReader(pipe))
		_ = c.cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		c.kill()
		// A race-built child (the test binary under -race) reports a data
		// race on stderr and goes on serving: the report is the failure.
		if strings.Contains(c.stderr.String(), "WARNING: DATA RACE") {
			t.Errorf("the mockidp child reported a data race:\n%s", c.stderr)
		}
	})
	deadline := time.After(60 * time.Second)
	for !strings.Contains(c.stdout.String(), "Press Ctrl+C to stop") {
		select {
		case <-c.exited:
			return c, fmt.Errorf("%w\nstdout:\n%s\nstderr:\n%s", errExitedBeforeBanner, c.stdout, c.stderr)
		case <-deadline:
			t.Fatalf("no banner after 60s\nstdout:\n%s\nstderr:\n%s", c.stdout, c.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	m := regexp.MustCompile(`(?m)^  URL\s+(\S+)$`).FindStringSubmatch(c.stdout.String())
	if m == nil {
		m = regexp.MustCompile(`(?m)^mockidp: Okta org (\S+) `).FindStringSubmatch(c.stdout.String())
	}
	if m == nil {
		t.Fatalf("no URL in the banner:\n%s", c.stdout)
	}
	c.issuer = m[1]
	return c, nil
}

// kill is kill -9: no shutdown, no flush, nothing but what is on disk.
func (c *child) kill() {
	_ = c.cmd.Process.Kill()
	<-c.exited
}

// crashLoad is what the load acknowledged: a write counts once its 2xx
// response has arrived in full.
type crashLoad struct {
	mu       sync.Mutex
	clients  []string // client_ids created
	users    []string // user_ids created
	settings int      // highest friendly_name number a PATCH acknowledged
	tokens   []string // access tokens issued
	refresh  []string // refresh tokens issued
	acks     atomic.Int64
}

func post(ctx context.Context, target, bearer, contentType string, body string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	return send(req, bearer, contentType)
}

func send(req *http.Request, bearer, contentType string) (int, []byte, error) {
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// TestCrashKeepsEveryAcknowledgedWrite is the durability promise of
// --data: a child mockidp under Management API writes and token requests is
// killed with SIGKILL at a random moment; after a restart on the same
// directory every write it acknowledged is there, the JWKS is the same, and
// every token it issued still verifies (rule J1).
func TestCrashKeepsEveryAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills child processes")
	}
	t.Parallel() // child processes and waits: overlaps the package's other child-process tests
	data := filepath.Join(t.TempDir(), "data")
	c, args := startChildOnFreeAddr(t, mgmtEnv, func(addr string) []string {
		return []string{"--addr", addr, "--data", data, "--config", demoConfig, "--password-cost", "4", "--log-level", "error"}
	})
	issuer := c.issuer
	var jwksBefore jose.JSONWebKeySet
	getJSON(t, issuer+".well-known/jwks.json", "", &jwksBefore)
	tok := mgmtToken(t, issuer)

	// A client for the password grant, whose refresh tokens are writes too.
	code, body, err := post(context.Background(), issuer+"api/v2/clients", tok, "application/json",
		`{"name":"crash password client","app_type":"regular_web","grant_types":["password","refresh_token"]}`)
	var pwClient struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err != nil || code != http.StatusCreated || json.Unmarshal(body, &pwClient) != nil {
		t.Fatalf("create the password client: %d %s %v", code, body, err)
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	load := &crashLoad{}
	var wg sync.WaitGroup
	var sent atomic.Int64
	worker := func(fn func(n int) bool) {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				sent.Add(1)
				if !fn(n) {
					return
				}
			}
		})
	}
	// create posts one object to the Management API and, once it is
	// acknowledged with 201, keeps the ID the answer names in field: an ID
	// the server acknowledged must survive the crash.
	create := func(what, path, field, reqBody string, ids *[]string) bool {
		code, body, err := post(ctx, issuer+path, tok, "application/json", reqBody)
		if err != nil {
			return false
		}
		var obj map[string]any
		ok := code == http.StatusCreated && json.Unmarshal(body, &obj) == nil
		id, isString := obj[field].(string)
		if !ok || (obj[field] != nil && !isString) { // a missing ID reads as "", as in a struct; another type does not decode
			t.Errorf("create %s: %d %s", what, code, body)
			return false
		}
		load.mu.Lock()
		*ids = append(*ids, id)
		load.mu.Unlock()
		load.acks.Add(1)
		return true
	}
	for w := range 3 { // clients
		worker(func(n int) bool {
			return create("client", "api/v2/clients", "client_id",
				fmt.Sprintf(`{"name":"crash-%d-%d","app_type":"non_interactive"}`, w, n), &load.clients)
		})
	}
	worker(func(n int) bool { // users
		return create("user", "api/v2/users", "user_id",
			fmt.Sprintf(`{"connection":"Username-Password-Authentication","email":"crash%d@example.com","password":"Crash-pass-%d"}`, n, n), &load.users)
	})
	worker(func(n int) bool { // settings: a read-modify-write
		req, _ := http.NewRequestWithContext(ctx, http.MethodPatch, issuer+"api/v2/tenants/settings",
			strings.NewReader(fmt.Sprintf(`{"friendly_name":"crash %d"}`, n+1)))
		code, body, err := send(req, tok, "application/json")
		if err != nil {
			return false
		}
		if code != http.StatusOK {
			t.Errorf("patch settings: %d %s", code, body)
			return false
		}
		load.mu.Lock()
		load.settings = n + 1
		load.mu.Unlock()
		load.acks.Add(1)
		return true
	})
	for range 2 { // tokens
		worker(func(int) bool {
			code, body, err := post(ctx, issuer+"oauth/token", "", "application/x-www-form-urlencoded", url.Values{
				"grant_type": {"client_credentials"}, "client_id": {"demo-reporting-service"},
				"client_secret": {"reporting-service-secret-NOT-FOR-PRODUCTION"}, "audience": {"https://calendar.example.com"},
			}.Encode())
			if err != nil {
				return false
			}
			var tr struct {
				AccessToken string `json:"access_token"`
			}
			if code != http.StatusOK || json.Unmarshal(body, &tr) != nil || tr.AccessToken == "" {
				t.Errorf("token: %d %s", code, body)
				return false
			}
			load.mu.Lock()
			load.tokens = append(load.tokens, tr.AccessToken)
			load.mu.Unlock()
			return true
		})
	}

	worker(func(int) bool { // refresh tokens (password grant with offline_access)
		code, body, err := post(ctx, issuer+"oauth/token", "", "application/x-www-form-urlencoded", url.Values{
			"grant_type": {"password"}, "username": {"alice@example.com"}, "password": {"Alice-demo-pass1"},
			"client_id": {pwClient.ClientID}, "client_secret": {pwClient.ClientSecret},
			"audience": {"https://calendar.example.com"}, "scope": {"offline_access read:events"},
		}.Encode())
		if err != nil {
			return false
		}
		var tr struct {
			RefreshToken string `json:"refresh_token"`
		}
		if code != http.StatusOK || json.Unmarshal(body, &tr) != nil || tr.RefreshToken == "" {
			t.Errorf("password grant: %d %s", code, body)
			return false
		}
		load.mu.Lock()
		load.refresh = append(load.refresh, tr.RefreshToken)
		load.mu.Unlock()
		load.acks.Add(1)
		return true
	})

	// Let some writes through, then kill at a random moment.
	for load.acks.Load() < 20 {
		select {
		case <-c.exited:
			t.Fatalf("mockidp died under load\nstderr:\n%s", c.stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
	time.Sleep(time.Duration(rand.IntN(700)) * time.Millisecond)
	c.kill()
	wg.Wait() // every worker has seen its request fail
	stop()

	load.mu.Lock()
	defer load.mu.Unlock()
	t.Logf("killed after %d acknowledged writes (%d clients, %d users, settings #%d, %d refresh tokens) and %d access tokens; %d requests sent",
		load.acks.Load(), len(load.clients), len(load.users), load.settings, len(load.refresh), len(load.tokens), sent.Load())

	c = startChild(t, args...)
	if c.issuer != issuer {
		t.Fatalf("issuer changed across the restart: %s, then %s", issuer, c.issuer)
	}
	if !strings.Contains(c.stdout.String(), "not loaded: the store already holds the tenant") {
		t.Errorf("the restart did not keep the stored tenant:\n%s", c.stdout)
	}
	var jwksAfter jose.JSONWebKeySet
	getJSON(t, issuer+".well-known/jwks.json", "", &jwksAfter)
	if a, b := mustJSON(jwksBefore), mustJSON(jwksAfter); a != b {
		t.Errorf("JWKS changed across the crash:\n%s\n%s", a, b)
	}

	// The management token issued before the crash still works, and every
	// acknowledged write is there.
	if code := getJSON(t, issuer+"api/v2/clients?per_page=100&page=0&include_totals=false", tok, nil); code != http.StatusOK {
		t.Fatalf("Management API with the token issued before the crash: status %d", code)
	}
	for _, id := range load.clients {
		if code := getJSON(t, issuer+"api/v2/clients/"+id, tok, nil); code != http.StatusOK {
			t.Errorf("acknowledged client %s: status %d after the crash", id, code)
		}
	}
	for _, id := range load.users {
		if code := getJSON(t, issuer+"api/v2/users/"+url.PathEscape(id), tok, nil); code != http.StatusOK {
			t.Errorf("acknowledged user %s: status %d after the crash", id, code)
		}
	}
	var st struct {
		FriendlyName string `json:"friendly_name"`
	}
	getJSON(t, issuer+"api/v2/tenants/settings", tok, &st)
	var got int
	if _, err := fmt.Sscanf(st.FriendlyName, "crash %d", &got); err != nil || got < load.settings {
		t.Errorf("settings after the crash: friendly_name %q, want \"crash N\" with N >= %d (the last acknowledged PATCH)", st.FriendlyName, load.settings)
	}

	// Every refresh token issued before the crash still works.
	for i, rt := range load.refresh {
		code, body, err := post(context.Background(), issuer+"oauth/token", "", "application/x-www-form-urlencoded", url.Values{
			"grant_type": {"refresh_token"}, "refresh_token": {rt},
			"client_id": {pwClient.ClientID}, "client_secret": {pwClient.ClientSecret},
		}.Encode())
		if err != nil || code != http.StatusOK {
			t.Errorf("refresh token %d issued before the crash: %d %s %v", i, code, body, err)
			break
		}
	}

	// Every token issued before the crash verifies against the JWKS now
	// served.
	for i, raw := range load.tokens {
		_, err := jwt.Parse(raw, func(tk *jwt.Token) (any, error) {
			kid, _ := tk.Header["kid"].(string)
			ks := jwksAfter.Key(kid)
			if len(ks) == 0 {
				return nil, fmt.Errorf("kid %q not in the JWKS", kid)
			}
			return ks[0].Key, nil
		}, jwt.WithIssuer(issuer), jwt.WithAudience("https://calendar.example.com"))
		if err != nil {
			t.Errorf("token %d issued before the crash does not verify: %v", i, err)
			break
		}
	}
	if bytes.Contains([]byte(c.stdout.String()+c.stderr.String()), []byte("NOT-FOR-PRODUCTION")) {
		t.Error("the child's output leaks a secret")
	}
}

// A child whose port was taken before it listened is started again on
// another (startChildOnFreeAddr): here the first address is one a listener
// of the test holds.
func TestChildIsStartedAgainWhenItsPortWasTaken(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mockidp processes")
	}
	t.Parallel()
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	var tried []string
	c, args := startChildOnFreeAddr(t, mgmtEnv, func(addr string) []string {
		if len(tried) == 0 {
			addr = held.Addr().String() // taken
		}
		tried = append(tried, addr)
		return []string{"--addr", addr, "--config", demoConfig, "--password-cost", "4", "--log-level", "error"}
	})
	if len(tried) != 2 || args[1] != tried[1] || !strings.Contains(c.issuer, tried[1]) {
		t.Fatalf("started on %v with %v (issuer %s), want a second start on a free address", tried, args, c.issuer)
	}
}
