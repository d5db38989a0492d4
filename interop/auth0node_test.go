package interop

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// The seeded tenant (testdata/tenant.yaml) as the script expects it.
const (
	seedUserID       = "auth0|5eed00000000000000000001"
	seedFriendlyName = "Consentry Interop"
	mgmtClientID     = "interop-mgmt-client"
	mgmtClientSecret = "interop-mgmt-secret-NOT-FOR-PRODUCTION"
)

// TestAuth0NodeSDK drives the mock's Management API with Auth0's Node SDK
// (auth0 v7): clients, resource servers, client grants, the skip-consent
// flag in both spellings (P2), users and user grants (C9), over TLS with
// the token the SDK gets by itself from /oauth/token (M1).
func TestAuth0NodeSDK(t *testing.T) {
	if os.Getenv("CONSENTRY_SKIP_NODE_INTEROP") == "1" {
		t.Skip("CONSENTRY_SKIP_NODE_INTEROP=1: the Auth0 Node SDK interop test is turned off")
	}
	node, npm := requireNode(t)
	t.Parallel()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tmp := t.TempDir()

	app := npmApp(t, ctx, node, npm, "auth0-node", tmp)
	bin := buildMock(t, ctx)
	m := startMock(t, ctx, bin, tmp, filepath.Join("testdata", "tenant.yaml"))
	work := app()

	script := exec.CommandContext(ctx, node, "interop.mjs")
	script.Dir = work
	script.Env = append(os.Environ(),
		"MOCKIDP_DOMAIN="+m.addr,
		"MOCKIDP_MGMT_CLIENT_ID="+mgmtClientID,
		"MOCKIDP_MGMT_CLIENT_SECRET="+mgmtClientSecret,
		"SEED_USER_ID="+seedUserID,
		"SEED_FRIENDLY_NAME="+seedFriendlyName,
		"NODE_EXTRA_CA_CERTS="+m.caFile,
	)
	out, err := script.CombinedOutput()
	if err != nil {
		t.Fatalf("node interop.mjs: %v\n--- script output ---\n%s\n--- mock log ---\n%s", err, out, m.log.String())
	}
	t.Logf("node interop.mjs:\n%s", out)
}

// requireNode finds node (20.19 or later, as auth0 v7 needs) and npm, or
// fails saying what is missing. It never skips: a missing runtime must not
// pass for a green test.
func requireNode(t *testing.T) (node, npm string) {
	t.Helper()
	const help = "the Node interop tests (Auth0 Node SDK, auth0-deploy-cli) need Node.js 20.19+ and npm on PATH; install them, " +
		"or set CONSENTRY_SKIP_NODE_INTEROP=1 to skip this test on purpose"
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node not found: %s", help)
	}
	npm, err = exec.LookPath("npm")
	if err != nil {
		t.Fatalf("npm not found: %s", help)
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		t.Fatalf("node --version: %v: %s", err, help)
	}
	v := strings.TrimSpace(string(out))
	var major, minor int
	if _, err := fmt.Sscanf(v, "v%d.%d", &major, &minor); err != nil || major < 20 || (major == 20 && minor < 19) {
		t.Fatalf("node %s is too old: %s", v, help)
	}
	return node, npm
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// buildMock returns the path of cmd/mockidp built for this test binary, or
// the one make test built ($CONSENTRY_MOCKIDP_BIN).
// The binary is built once, by the first test that asks, into a directory
// TestMain removes at the end; the tests that run at the same time wait
// for that one build instead of linking their own (five links of the same
// binary cost more CPU than any single interop test's Go code).
func buildMock(t *testing.T, ctx context.Context) string {
	t.Helper()
	mockBuild.once.Do(func() {
		// make test builds the binary once for every test that runs it as
		// a process (cmd/mockidp's crash and replica tests, these).
		if bin := os.Getenv("CONSENTRY_MOCKIDP_BIN"); bin != "" {
			mockBuild.bin = bin
			return
		}
		goBin, err := exec.LookPath("go")
		if err != nil {
			mockBuild.err = fmt.Errorf("go not found on PATH: %w", err)
			return
		}
		mockBuild.bin = filepath.Join(mockBuildDir, "mockidp")
		cmd := exec.CommandContext(ctx, goBin, "build", "-o", mockBuild.bin, "./cmd/mockidp")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			mockBuild.err = fmt.Errorf("go build ./cmd/mockidp: %w\n%s", err, out)
		}
	})
	if mockBuild.err != nil {
		t.Fatal(mockBuild.err)
	}
	return mockBuild.bin
}

// mockBuild is the one build of cmd/mockidp of this test binary.
var mockBuild struct {
	once sync.Once
	bin  string
	err  error
}

// mock is a running mockidp serve --tls.
type mock struct {
	addr   string // 127.0.0.1:<port>
	caFile string // PEM of the CA that signed its certificate
	log    *syncBuffer
}

// bannerURL finds the issuer in the banner mockidp prints when it is up:
// "  URL  https://127.0.0.1:<port>/".
var bannerURL = regexp.MustCompile(`(?m)^\s*URL\s+(https://127\.0\.0\.1:\d+/)\s*$`)

// startMock starts the binary with TLS on a port the system picks, the
// tenant file tenantFile (none when "": an empty tenant) and the management
// client, learns the address from its banner and waits until its discovery
// document, fetched trusting only the mock's CA, names the issuer
// https://127.0.0.1:<port>/ the SDK expects. The CA goes into dir.
func startMock(t *testing.T, ctx context.Context, bin, dir, tenantFile string) *mock {
	t.Helper()
	m := &mock{caFile: filepath.Join(dir, "mockidp-ca.pem"), log: &syncBuffer{}}
	args := []string{"serve", "--addr", "127.0.0.1:0", "--tls", "--ca-cert", m.caFile, "--password-cost", "4"}
	if tenantFile != "" {
		config, err := filepath.Abs(tenantFile)
		if err != nil {
			t.Fatal(err)
		}
		args = append(args, "--config", config)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"MOCKIDP_MGMT_CLIENT_ID="+mgmtClientID,
		"MOCKIDP_MGMT_CLIENT_SECRET="+mgmtClientSecret,
	)
	cmd.Stdout, cmd.Stderr = m.log, m.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	// exited is closed when the process has ended, waitErr says how; a
	// closed channel (not a value) so that both the start-up loop and the
	// cleanup can see it.
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		stopProcess(cmd, exited)
	})

	deadline := time.Now().Add(60 * time.Second)
	var last error = errors.New("no URL line in the banner yet")
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			t.Fatalf("mockidp exited early: %v\n--- mock log ---\n%s", waitErr, m.log.String())
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
		match := bannerURL.FindStringSubmatch(m.log.String())
		if match == nil {
			continue
		}
		issuer := match[1]
		m.addr = strings.TrimSuffix(strings.TrimPrefix(issuer, "https://"), "/")
		if last = checkIssuer(m.caFile, issuer); last == nil {
			return m
		}
	}
	t.Fatalf("mockidp not ready: %v\n--- mock log ---\n%s", last, m.log.String())
	return nil
}

// checkIssuer fetches the discovery document, trusting only the CA in
// caFile, and checks its issuer.
func checkIssuer(caFile, issuer string) error {
	pemData, err := os.ReadFile(caFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pemData) {
		return errors.New(caFile + " holds no PEM certificate")
	}
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := c.Get(issuer + ".well-known/openid-configuration")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var doc struct {
		Issuer string `json:"issuer"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &doc) != nil {
		return fmt.Errorf("discovery: %d %s", resp.StatusCode, body)
	}
	if doc.Issuer != issuer {
		return fmt.Errorf("the mock's issuer is %q, the SDK needs %q", doc.Issuer, issuer)
	}
	return nil
}

// syncBuffer collects a process's output safely.
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
