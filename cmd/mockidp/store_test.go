package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
)

func TestUsageErrorsOfTheStoreFlags(t *testing.T) {
	t.Setenv(envMgmtClientID, "")
	t.Setenv(envMgmtClientSecret, "")
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"data and store", []string{"serve", "--data", dir, "--store", "postgres://u@db/x"}, []string{"--data and --store both given"}},
		{"store not postgres", []string{"serve", "--store", "mysql://u:hunter2@db/x"}, []string{"--store: want a postgres://", "scheme given: mysql://"}},
		{"store a path", []string{"serve", "--store", "/var/lib/x.db"}, []string{"--store: want a postgres://", "--data DIR"}},
		{"reseed in memory", []string{"serve", "--reseed", "--config", demoConfig}, []string{"--reseed needs --data or --store"}},
		{"reseed without config", []string{"serve", "--reseed", "--data", dir}, []string{"--reseed needs --config"}},
		{"unreachable postgres", []string{"serve", "--store", "postgres://u:hunter2@127.0.0.1:1/x?connect_timeout=2"}, []string{"--store:", "127.0.0.1:1"}},
		{"data dir is a file", []string{"serve", "--data", demoConfig}, []string{"--data " + demoConfig}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runCapture(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, exitUsage, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
			if strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr %q does not contain %q", stderr, w)
				}
			}
			if strings.Contains(stderr, "hunter2") {
				t.Errorf("stderr leaks the database password: %q", stderr)
			}
		})
	}
}

func getJSON(t *testing.T, target, bearer string, into any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, target, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if into != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(body, into); err != nil {
			t.Fatalf("GET %s: %v\n%s", target, err, body)
		}
	}
	return resp.StatusCode
}

func mgmtToken(t *testing.T, issuer string) string {
	t.Helper()
	resp, err := http.PostForm(issuer+"oauth/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {"mgmt-client"},
		"client_secret": {"mgmt-secret-DO-NOT-PRINT"}, "audience": {issuer + "api/v2/"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("management token: status %d, %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// TestServeDataKeepsTheTenant is --data across restarts: the tenant file
// seeds the store once, a change made through the Management API and the
// signing keys (rule J1) survive a restart, the banner says the file was not
// loaded again, and --reseed goes back to the file with the same keys.
func TestServeDataKeepsTheTenant(t *testing.T) {
	t.Setenv(envMgmtClientID, "mgmt-client")
	t.Setenv(envMgmtClientSecret, "mgmt-secret-DO-NOT-PRINT")
	data := filepath.Join(t.TempDir(), "data")
	r, args := startServeOnFreeAddr(t, func(addr string) []string {
		return []string{"--addr", addr, "--data", data, "--config", demoConfig, "--password-cost", "4"}
	})
	if out := r.stdout.String(); !strings.Contains(out, "loaded into the store") || !strings.Contains(out, "SQLite "+data) {
		t.Errorf("first banner does not say the file seeded the SQLite store:\n%s", out)
	}
	var jwks1 map[string]any
	getJSON(t, r.issuer+".well-known/jwks.json", "", &jwks1)
	tok := mgmtToken(t, r.issuer)
	req, _ := http.NewRequest(http.MethodPatch, r.issuer+"api/v2/clients/demo-web-app", strings.NewReader(`{"name":"Renamed Web App"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("PATCH client: %v %v", resp, err)
	}
	resp.Body.Close()
	if code := r.stop(); code != exitOK {
		t.Fatalf("exit %d", code)
	}

	r = startServe(t, args...)
	out := r.stdout.String()
	if !strings.Contains(out, demoConfig+" not loaded: the store already holds the tenant (seeded from "+demoConfig) ||
		!strings.Contains(out, "--reseed") {
		t.Errorf("second banner does not say the store's tenant was kept:\n%s", out)
	}
	if !strings.Contains(out, "Renamed Web App") {
		t.Errorf("the change made before the restart is gone:\n%s", out)
	}
	var jwks2 map[string]any
	getJSON(t, r.issuer+".well-known/jwks.json", "", &jwks2)
	if a, b := mustJSON(jwks1), mustJSON(jwks2); a != b {
		t.Errorf("JWKS changed across a restart (rule J1):\n%s\n%s", a, b)
	}
	// A token issued before the restart still works.
	if code := getJSON(t, r.issuer+"api/v2/clients/demo-web-app", tok, nil); code != http.StatusOK {
		t.Errorf("management token issued before the restart: status %d, want 200", code)
	}
	r.stop()

	r = startServe(t, append(args, "--reseed")...)
	out = r.stdout.String()
	if !strings.Contains(out, "loaded into the store") || strings.Contains(out, "Renamed Web App") || !strings.Contains(out, "Demo Web App") {
		t.Errorf("--reseed did not go back to the tenant file:\n%s", out)
	}
	var jwks3 map[string]any
	getJSON(t, r.issuer+".well-known/jwks.json", "", &jwks3)
	if mustJSON(jwks1) != mustJSON(jwks3) {
		t.Error("--reseed changed the signing keys")
	}
	r.stop()
	for _, s := range secrets {
		if strings.Contains(r.stdout.String()+r.stderr.String(), s) {
			t.Errorf("output leaks the secret %q", s)
		}
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
