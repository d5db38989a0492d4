package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

const demoConfig = "../../testdata/tenants/demo.yaml"

// Secrets of the demo tenant and the test's management client: none may
// appear on stdout or stderr.
var secrets = []string{
	"demo-web-app-secret-NOT-FOR-PRODUCTION",
	"partner-app-secret-NOT-FOR-PRODUCTION",
	"community-plugin-secret-NOT-FOR-PRODUCTION",
	"reporting-service-secret-NOT-FOR-PRODUCTION",
	"Alice-demo-pass1",
	"Bob-demo-pass1",
	"mgmt-secret-DO-NOT-PRINT",
}

func runCapture(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestCommands(t *testing.T) {
	tests := []struct {
		args       []string
		code       int
		wantStdout string
		wantStderr string
	}{
		{nil, exitUsage, "", "Usage:"},
		{[]string{"help"}, exitOK, "mockidp serve [flags]", ""},
		{[]string{"--help"}, exitOK, "--password-cost N", ""},
		{[]string{"serve", "-h"}, exitOK, "Serve flags:", ""},
		{[]string{"version"}, exitOK, "mockidp ", ""},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCapture(t, tt.args...)
		if code != tt.code {
			t.Errorf("mockidp %q: exit %d, want %d", tt.args, code, tt.code)
		}
		if tt.wantStdout != "" && !strings.Contains(stdout, tt.wantStdout) {
			t.Errorf("mockidp %q: stdout %q does not contain %q", tt.args, stdout, tt.wantStdout)
		}
		if tt.wantStderr != "" && !strings.Contains(stderr, tt.wantStderr) {
			t.Errorf("mockidp %q: stderr %q does not contain %q", tt.args, stderr, tt.wantStderr)
		}
		if tt.wantStderr == "" && stderr != "" {
			t.Errorf("mockidp %q: unexpected stderr %q", tt.args, stderr)
		}
	}
}

// TestUsageErrors: bad flags, a bad tenant file or an unusable address
// print ONE line naming the problem and exit with status 2.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	badConfig := filepath.Join(dir, "bad.yaml")
	writeFile(t, badConfig, `clients:
  - client_id: web
    client_secret: web-secret-DO-NOT-PRINT
    name: Web App
    callbacks: [/callback]
`)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()

	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"unknown command", []string{"start"}, nil, []string{`mockidp: unknown command "start"`}},
		{"unknown flag", []string{"serve", "--port", "80"}, nil, []string{"mockidp: serve: flag provided but not defined: -port"}},
		{"flag without value", []string{"serve", "--addr"}, nil, []string{"flag needs an argument: -addr"}},
		{"positional argument", []string{"serve", "demo.yaml"}, nil, []string{`unexpected argument "demo.yaml"`}},
		{"cost not a number", []string{"serve", "--password-cost", "ten"}, nil, []string{`invalid value "ten" for flag -password-cost`}},
		{"cost out of range", []string{"serve", "--password-cost", "3"}, nil, []string{"--password-cost 3: want 4 to 31"}},
		{"bad log level", []string{"serve", "--log-level", "loud"}, nil, []string{`--log-level "loud": want debug, info, warn or error`}},
		{"issuer not a URL", []string{"serve", "--issuer", "idp.example.com"}, nil, []string{`--issuer "idp.example.com": want an absolute http:// or https:// URL`}},
		{"issuer with a query", []string{"serve", "--issuer", "http://idp.example.com/?x=1"}, nil, []string{"an issuer has no query or fragment"}},
		{"http issuer with --tls", []string{"serve", "--tls", "--issuer", "http://127.0.0.1:8080/"}, nil, []string{`--issuer "http://127.0.0.1:8080/" is http:// but --tls serves https://`}},
		{"only the mgmt id", []string{"serve"}, map[string]string{envMgmtClientID: "mgmt"}, []string{"MOCKIDP_MGMT_CLIENT_ID is set but MOCKIDP_MGMT_CLIENT_SECRET is not"}},
		{"only the mgmt secret", []string{"serve"}, map[string]string{envMgmtClientSecret: "mgmt-secret-DO-NOT-PRINT"}, []string{"MOCKIDP_MGMT_CLIENT_SECRET is set but MOCKIDP_MGMT_CLIENT_ID is not"}},
		{"missing config file", []string{"serve", "--config", filepath.Join(dir, "nope.yaml")}, nil, []string{"nope.yaml", "no such file"}},
		{"bad config file", []string{"serve", "--config", badConfig}, nil, []string{`bad.yaml: clients[0] "Web App": callbacks[0]: "/callback" is not an absolute URL`}},
		{"address without port", []string{"serve", "--addr", "localhost"}, nil, []string{"cannot listen on localhost: address localhost: missing port in address"}},
		{"bad port", []string{"serve", "--addr", "127.0.0.1:99999"}, nil, []string{"cannot listen on 127.0.0.1:99999", "invalid port"}},
		{"address in use", []string{"serve", "--addr", taken.Addr().String()}, nil, []string{"cannot listen on " + taken.Addr().String(), "address already in use"}},
		{"CA file not writable", []string{"serve", "--addr", "127.0.0.1:0", "--tls", "--ca-cert", filepath.Join(dir, "no-dir", "ca.pem")}, nil, []string{"--ca-cert", "no-dir"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(envMgmtClientID, "")
			t.Setenv(envMgmtClientSecret, "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			code, stdout, stderr := runCapture(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, exitUsage, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
				t.Errorf("stderr is not exactly one line: %q", stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not contain %q", stderr, w)
				}
			}
			for _, s := range append(secrets, "web-secret-DO-NOT-PRINT") {
				if strings.Contains(stderr, s) {
					t.Errorf("stderr leaks a secret: %q", stderr)
				}
			}
		})
	}
}

func TestCheckIssuerAppendsSlash(t *testing.T) {
	for in, want := range map[string]string{
		"http://127.0.0.1:8080":          "http://127.0.0.1:8080/",
		"http://127.0.0.1:8080/":         "http://127.0.0.1:8080/",
		"https://idp.example.com/tenant": "https://idp.example.com/tenant/",
	} {
		got, err := checkIssuer(in, false)
		if err != nil || got != want {
			t.Errorf("checkIssuer(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestDefaultIssuer(t *testing.T) {
	bound := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 41234}
	tests := []struct{ scheme, addr, want string }{
		{"http", "127.0.0.1:0", "http://127.0.0.1:41234/"},
		{"https", "localhost:8080", "https://localhost:41234/"},
		{"http", ":8080", "http://localhost:41234/"},
		{"http", "0.0.0.0:8080", "http://localhost:41234/"},
		{"http", "[::]:8080", "http://localhost:41234/"},
		{"http", "[::1]:8080", "http://[::1]:41234/"},
	}
	for _, tt := range tests {
		if got := defaultIssuer(tt.scheme, tt.addr, bound); got != tt.want {
			t.Errorf("defaultIssuer(%s, %s) = %s, want %s", tt.scheme, tt.addr, got, tt.want)
		}
	}
}

// A running server.

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type running struct {
	issuer         string
	stdout, stderr *syncBuffer
	stop           func() int // cancels the context and returns the exit code
}

// startServe runs "mockidp serve args..." until the test ends and waits
// for the banner.
func startServe(t *testing.T, args ...string) *running {
	t.Helper()
	r := startServeUntil(t, "Press Ctrl+C to stop", args...)
	r.issuer = bannerURL(t, r)
	return r
}

// bannerURL is the URL line of serve's banner.
func bannerURL(t *testing.T, r *running) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^  URL\s+(\S+)$`).FindStringSubmatch(r.stdout.String())
	if m == nil {
		t.Fatalf("no URL in the banner:\n%s", r.stdout)
	}
	return m[1]
}

// startServeOnFreeAddr is startServe on a free loopback address
// (onFreeAddr). It returns the arguments it runs with, for a restart.
func startServeOnFreeAddr(t *testing.T, argsFor func(addr string) []string) (*running, []string) {
	t.Helper()
	var r *running
	args := onFreeAddr(t, argsFor, func(args []string) (string, error) {
		var err error
		r, err = tryStartServeUntil(t, "Press Ctrl+C to stop", args...)
		return r.stderr.String(), err
	})
	r.issuer = bannerURL(t, r)
	return r, args
}

// startServeUntil runs "mockidp serve args..." until the test ends and
// waits for banner on stdout.
func startServeUntil(t *testing.T, banner string, args ...string) *running {
	t.Helper()
	r, err := tryStartServeUntil(t, banner, args...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// tryStartServeUntil is startServeUntil, with a serve that exits before
// its banner an error (errExitedBeforeBanner) instead of a failure.
func tryStartServeUntil(t *testing.T, banner string, args ...string) (*running, error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	done := make(chan int, 1)
	go func() { done <- run(ctx, append([]string{"serve"}, args...), r.stdout, r.stderr) }()
	var once sync.Once
	code := -1
	r.stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(15 * time.Second):
				t.Error("serve did not stop within 15s of cancellation")
			}
		})
		return code
	}
	t.Cleanup(func() { r.stop() })

	deadline := time.After(30 * time.Second)
	for !strings.Contains(r.stdout.String(), banner) {
		select {
		case code := <-done:
			done <- code // for r.stop, which the test's cleanup calls
			return r, fmt.Errorf("%w: serve exited with %d\nstdout:\n%s\nstderr:\n%s", errExitedBeforeBanner, code, r.stdout, r.stderr)
		case <-deadline:
			t.Fatalf("no banner after 30s\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return r, nil
}

func discover(t *testing.T, c *http.Client, issuer string) map[string]any {
	t.Helper()
	resp, err := c.Get(issuer + ".well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("discovery: %d %s", resp.StatusCode, body)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("discovery is not JSON: %v\n%s", err, body)
	}
	return doc
}

func TestServeDemoTenant(t *testing.T) {
	t.Setenv(envMgmtClientID, "mgmt-client")
	t.Setenv(envMgmtClientSecret, "mgmt-secret-DO-NOT-PRINT")
	r := startServe(t, "--addr", "127.0.0.1:0", "--config", demoConfig, "--password-cost", "4", "--log-level", "debug")

	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+/$`).MatchString(r.issuer) || strings.HasSuffix(r.issuer, ":0/") {
		t.Errorf("issuer %q is not http://127.0.0.1:<bound port>/", r.issuer)
	}
	doc := discover(t, http.DefaultClient, r.issuer)
	if doc["issuer"] != r.issuer {
		t.Errorf("discovery issuer %v, banner %s", doc["issuer"], r.issuer)
	}

	banner := r.stdout.String()
	for _, want := range []string{
		"Consentry Demo",
		r.issuer + ".well-known/openid-configuration",
		"Demo Web App", "demo-web-app", "first-party web app, confidential", "-> http://app.localhost:3000/callback",
		"Demo Mobile App", "first-party native app, public", "-> com.example.app://callback",
		"Partner App", "tpc_demo-partner-app", "third-party (strict)",
		"Community Plugin", "third-party (permissive)",
		"Reporting Service", "machine-to-machine",
		"alice@example.com", "bob@example.com",
		"secrets are not printed: see " + demoConfig,
		"Management API: audience " + r.issuer + "api/v2/, client mgmt-client",
		"Press Ctrl+C to stop.",
	} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	if strings.Contains(banner, "TLS CA") {
		t.Error("banner names a CA file without --tls")
	}

	// The management client from the environment works.
	resp, err := http.PostForm(r.issuer+"oauth/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"mgmt-client"},
		"client_secret": {"mgmt-secret-DO-NOT-PRINT"}, "audience": {r.issuer + "api/v2/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "access_token") {
		t.Errorf("management token: %d %s", resp.StatusCode, body)
	}
	if code := r.stop(); code != exitOK {
		t.Errorf("exit %d after cancellation, want 0\nstderr:\n%s", code, r.stderr)
	}
	if !strings.Contains(r.stderr.String(), `msg="shutting down"`) {
		t.Errorf("no shutdown log line:\n%s", r.stderr)
	}
	for _, s := range secrets {
		if strings.Contains(r.stdout.String()+r.stderr.String(), s) {
			t.Errorf("output leaks the secret %q", s)
		}
	}
}

func TestServeEmptyTenant(t *testing.T) {
	t.Setenv(envMgmtClientID, "")
	t.Setenv(envMgmtClientSecret, "")
	r := startServe(t, "--addr", "127.0.0.1:0", "--issuer", "http://idp.localhost:1234")
	if r.issuer != "http://idp.localhost:1234/" {
		t.Errorf("issuer %q, want the --issuer with a slash appended", r.issuer)
	}
	if out := r.stdout.String(); !strings.Contains(out, "the tenant is empty") || strings.Contains(out, "Clients") {
		t.Errorf("banner of an empty tenant:\n%s", out)
	}
}

func TestServeTLS(t *testing.T) {
	t.Setenv(envMgmtClientID, "")
	t.Setenv(envMgmtClientSecret, "")
	caFile := filepath.Join(t.TempDir(), "my-ca.pem")
	r := startServe(t, "--addr", "127.0.0.1:0", "--tls", "--ca-cert", caFile, "--config", demoConfig, "--password-cost", "4")

	if !strings.HasPrefix(r.issuer, "https://127.0.0.1:") {
		t.Errorf("issuer %q is not https", r.issuer)
	}
	if !regexp.MustCompile(`TLS CA\s+` + regexp.QuoteMeta(caFile)).MatchString(r.stdout.String()) {
		t.Errorf("banner does not name the CA file %s:\n%s", caFile, r.stdout)
	}
	pemData, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		t.Fatal("CA file holds no certificate")
	}
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if doc := discover(t, c, r.issuer); doc["issuer"] != r.issuer {
		t.Errorf("discovery issuer %v, want %s", doc["issuer"], r.issuer)
	}
	// HSTS under --tls (issue 8 item 8).
	if res, err := c.Get(r.issuer + "healthz"); err != nil {
		t.Error(err)
	} else {
		res.Body.Close()
		if got := res.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
			t.Errorf("Strict-Transport-Security under --tls = %q, want max-age=...", got)
		}
	}
	// A client without the CA refuses the server.
	if _, err := http.Get(r.issuer + ".well-known/openid-configuration"); err == nil {
		t.Error("a client with the system roots trusted the throwaway CA")
	}
	if code := r.stop(); code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
}

func TestServeDefaultCAFileInWorkingDirectory(t *testing.T) {
	t.Setenv(envMgmtClientID, "")
	t.Setenv(envMgmtClientSecret, "")
	dir := t.TempDir()
	t.Chdir(dir)
	r := startServe(t, "--addr", "127.0.0.1:0", "--tls")
	want := filepath.Join(dir, "mockidp-ca.pem")
	if _, err := os.Stat(want); err != nil {
		t.Errorf("default CA file: %v", err)
	}
	if !strings.Contains(r.stdout.String(), want) {
		t.Errorf("banner does not name %s:\n%s", want, r.stdout)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startServeOnFreeAddr starts serve again on another address when the
// first was taken (here by a listener of the test).
func TestServeIsStartedAgainWhenItsPortWasTaken(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	var tried []string
	r, _ := startServeOnFreeAddr(t, func(addr string) []string {
		if len(tried) == 0 {
			addr = held.Addr().String() // taken
		}
		tried = append(tried, addr)
		return []string{"--addr", addr, "--config", demoConfig, "--password-cost", "4"}
	})
	if len(tried) != 2 || !strings.Contains(r.issuer, tried[1]) {
		t.Fatalf("started on %v (issuer %s), want a second start on a free address", tried, r.issuer)
	}
}
