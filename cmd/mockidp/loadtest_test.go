package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestLoadtestAgainstServe drives "mockidp serve" with "mockidp loadtest"
// and checks the printed figures and the JSON ones.
func TestLoadtestAgainstServe(t *testing.T) {
	t.Setenv(envMgmtClientID, "")
	t.Setenv(envMgmtClientSecret, "")
	t.Setenv(envLoadtestSecret, "reporting-service-secret-NOT-FOR-PRODUCTION")
	r := startServe(t, "--addr", "127.0.0.1:0", "--config", demoConfig, "--password-cost", "4")

	code, out, errOut := runCapture(t, "loadtest", "--url", r.issuer, "--flow", "client_credentials", "--concurrency", "2",
		"--requests", "20", "--client-id", "demo-reporting-service", "--audience", "https://calendar.example.com")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"token requests  20 ok, 0 errors", "req/s", "p50 ", "p90 ", "p99 "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	code, out, errOut = runCapture(t, "loadtest", "--url", r.issuer, "--flow", "code", "--requests", "3", "--json",
		"--client-id", "demo-web-app", "--client-secret", "demo-web-app-secret-NOT-FOR-PRODUCTION",
		"--redirect-uri", "http://app.localhost:3000/callback", "--audience", "https://calendar.example.com",
		"--scope", "openid read:events", "--user", "alice@example.com", "--password", "Alice-demo-pass1")
	if code != exitOK {
		t.Fatalf("code flow: exit %d\n%s%s", code, out, errOut)
	}
	var res struct {
		OK     int                       `json:"ok"`
		Errors int                       `json:"errors"`
		Rate   float64                   `json:"rate_per_s"`
		Steps  map[string]map[string]any `json:"steps"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if res.OK != 3 || res.Errors != 0 || res.Rate <= 0 || res.Steps["login"]["n"] != 3.0 || res.Steps["token"]["p50_ms"] == 0.0 {
		t.Fatalf("--json result %+v", res)
	}
	for _, s := range secrets {
		if strings.Contains(out+errOut, s) {
			t.Errorf("output leaks %q", s)
		}
	}

	// Every request failing is exit 1, with the errors listed.
	code, out, _ = runCapture(t, "loadtest", "--url", r.issuer, "--flow", "client_credentials", "--requests", "2",
		"--client-id", "demo-reporting-service", "--client-secret", "wrong", "--audience", "https://calendar.example.com")
	if code != exitError || !strings.Contains(out, "2  token: HTTP 401 invalid_client") {
		t.Fatalf("exit %d\n%s", code, out)
	}
}

func TestLoadtestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"loadtest"}, "--flow is required"},
		{[]string{"loadtest", "--flow", "client_credentials", "--url", "http://192.0.2.1/", "--client-id", "c", "--client-secret", "s"}, "--allow-remote"},
		{[]string{"loadtest", "--flow", "code", "--client-id", "c"}, "--password, --redirect-uri, --user"},
		{[]string{"loadtest", "--flow", "client_credentials", "--concurrency", "0"}, "must be positive"},
		{[]string{"loadtest", "--flow", "client_credentials", "--duration", "0s", "--requests", "5"}, "must be positive"},
		{[]string{"loadtest", "--bogus"}, "flag provided but not defined"},
	} {
		t.Setenv(envLoadtestSecret, "")
		t.Setenv(envLoadtestPassword, "")
		code, _, errOut := runCapture(t, tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) || strings.Count(errOut, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q; want 2 and one line about %q", tc.args, code, errOut, tc.want)
		}
	}
}

// TestLoadtestRunLength: an unset --duration reaches loadtest.Run as 0,
// its default (no clock with --requests: under load the first token of a
// tenant can take seconds, and a 10-second clock once ended such a run
// with "0 ok, 0 errors"; 10 seconds with neither flag, which
// TestDefaultDurationIsTenSeconds checks there); an explicit --duration
// is kept either way.
func TestLoadtestRunLength(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		duration time.Duration
		requests int
	}{
		{[]string{"--requests", "20"}, 0, 20},
		{nil, 0, 0},
		{[]string{"--duration", "3s"}, 3 * time.Second, 0},
		{[]string{"--requests", "20", "--duration", "1m"}, time.Minute, 20},
	} {
		cfg, _, err := parseLoadtestFlags(append([]string{"--flow", "client_credentials"}, tc.args...))
		if err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		if cfg.Duration != tc.duration || cfg.Requests != tc.requests {
			t.Errorf("%q: duration %v, requests %d; want %v, %d", tc.args, cfg.Duration, cfg.Requests, tc.duration, tc.requests)
		}
	}
}

// TestServeDemoPrintsTheDemoAppURL: with --demo the banner names the demo
// app's page, which answers, and lists the callbacks it registered.
func TestServeDemoPrintsTheDemoAppURL(t *testing.T) {
	t.Setenv(envMgmtClientID, "")
	t.Setenv(envMgmtClientSecret, "")
	r := startServe(t, "--addr", "127.0.0.1:0", "--config", demoConfig, "--demo")
	banner := r.stdout.String()
	for _, want := range []string{"  Demo app     " + r.issuer + "demo/", "-> " + r.issuer + "demo/callback", "/demo/callback"} {
		if !strings.Contains(banner, want) {
			t.Errorf("banner lacks %q:\n%s", want, banner)
		}
	}
	resp, err := http.Get(r.issuer + "demo/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("demo app: HTTP %d", resp.StatusCode)
	}

	plain := startServe(t, "--addr", "127.0.0.1:0", "--config", demoConfig)
	if strings.Contains(plain.stdout.String(), "Demo app") {
		t.Error("banner names a demo app without --demo")
	}
	resp, err = http.Get(plain.issuer + "demo/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("demo app without --demo: HTTP %d, want 404", resp.StatusCode)
	}
}
