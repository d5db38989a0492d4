package main

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/store/sqlstore"
)

func oktaURLs(t *testing.T, out string) []string {
	t.Helper()
	var urls []string
	for _, m := range regexp.MustCompile(`(?m)^mockidp: Okta org (\S+) `).FindAllStringSubmatch(out, -1) {
		urls = append(urls, m[1])
	}
	return urls
}

func httpGet(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestServeVendorOktaStartsANewOrg: --vendor okta with no config serves a
// new org (server default) whose admin API takes the SSWS token of the
// environment, which is never printed.
func TestServeVendorOktaStartsANewOrg(t *testing.T) {
	t.Setenv(envOktaAPIToken, "okta-token-DO-NOT-PRINT")
	r := startServeUntil(t, "Press Ctrl+C to stop", "--vendor", "okta", "--addr", "127.0.0.1:0")
	urls := oktaURLs(t, r.stdout.String())
	if len(urls) != 1 {
		t.Fatalf("banner: %s", r.stdout)
	}
	org := urls[0]
	if status, body := httpGet(t, org+"/oauth2/default/.well-known/openid-configuration", ""); status != http.StatusOK || !strings.Contains(body, `"issuer":"`+org+`/oauth2/default"`) {
		t.Errorf("discovery: %d %s", status, body)
	}
	if status, body := httpGet(t, org+"/api/v1/authorizationServers/default/scopes", "SSWS okta-token-DO-NOT-PRINT"); status != http.StatusOK || !strings.Contains(body, `"name":"phone"`) {
		t.Errorf("admin API: %d %s", status, body)
	}
	if status, _ := httpGet(t, org+"/api/v1/apps", "SSWS wrong"); status != http.StatusUnauthorized {
		t.Errorf("wrong token: %d", status)
	}
	if strings.Contains(r.stdout.String()+r.stderr.String(), "okta-token-DO-NOT-PRINT") {
		t.Error("the API token was printed")
	}
}

// TestServeAuth0AndOktaSideBySide: one process serves the demo tenant on
// --addr and the demo Okta org on --okta-addr.
func TestServeAuth0AndOktaSideBySide(t *testing.T) {
	r := startServe(t, "--addr", "127.0.0.1:0", "--config", demoConfig, "--password-cost", "4",
		"--okta-addr", "127.0.0.1:0", "--okta-config", "../../testdata/tenants/okta-demo.yaml")
	discover(t, http.DefaultClient, r.issuer)
	urls := oktaURLs(t, r.stdout.String())
	if len(urls) != 1 || urls[0]+"/" == r.issuer {
		t.Fatalf("banner: %s", r.stdout)
	}
	if status, body := httpGet(t, urls[0]+"/oauth2/default/.well-known/openid-configuration", ""); status != http.StatusOK {
		t.Errorf("Okta discovery: %d %s", status, body)
	}
	if !strings.Contains(r.stdout.String(), "demo-okta-consent-web") {
		t.Errorf("the Okta banner does not list the demo apps:\n%s", r.stdout)
	}
	for _, s := range []string{"demo-okta-consent-web-secret-NOT-FOR-PRODUCTION"} {
		if strings.Contains(r.stdout.String()+r.stderr.String(), s) {
			t.Errorf("a secret was printed: %s", s)
		}
	}
}

// TestServeOktaFlagErrors: the Okta flags' bad combinations are one-line
// usage errors.
func TestServeOktaFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--vendor", "ping"},
		{"serve", "--vendor", "okta", "--okta-addr", "127.0.0.1:0"},
		{"serve", "--okta-config", "x.yaml"},
		{"serve", "--vendor", "auth0", "--config", "../../testdata/tenants/okta-demo.yaml"},
		{"serve", "--vendor", "okta", "--issuer", "http://h/path"},
		{"serve", "--okta-addr", "127.0.0.1:0", "--okta-url", "http://idp.test", "--tls"},
		{"serve", "--okta-addr", "127.0.0.1:0", "--okta-url", "idp.test"},
		{"serve", "--vendor", "okta", "--reseed", "--data", "/tmp/consentry-okta-data"},
	} {
		code, _, stderr := runCapture(t, args...)
		if code != exitUsage || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// TestServeAuth0AndOktaSideBySideTLSAndData: with --tls and --data, the
// Okta org beside the Auth0 tenant is served over https by the same local
// CA (one certificate, the hosts of both), and each keeps its own database
// in the data directory: DIR/mockidp.db for the tenant, DIR/okta.db for the
// org. A restart keeps the org (the banner says so) and its keys.
func TestServeAuth0AndOktaSideBySideTLSAndData(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	caFile := filepath.Join(dir, "ca.pem")
	oktaAddr := loopbackAddr(t)
	args := []string{"--addr", "127.0.0.1:0", "--config", demoConfig, "--password-cost", "4", "--tls", "--ca-cert", caFile,
		"--data", data, "--okta-addr", oktaAddr, "--okta-config", "../../testdata/tenants/okta-demo.yaml"}
	// A client trusting only the CA of this start (each start makes one).
	var c *http.Client
	trust := func() {
		t.Helper()
		pem, err := os.ReadFile(caFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		c = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	}
	r := startServe(t, args...)
	trust()
	discover(t, c, r.issuer)
	urls := oktaURLs(t, r.stdout.String())
	if len(urls) != 1 || urls[0] != "https://"+oktaAddr {
		t.Fatalf("want the Okta org at https://%s, banner:\n%s", oktaAddr, r.stdout)
	}
	jwks := func() string {
		t.Helper()
		res, err := c.Get(urls[0] + "/oauth2/default/v1/keys")
		if err != nil {
			t.Fatalf("the Okta org over TLS with the mock's CA: %v", err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK || res.Header.Get("Strict-Transport-Security") == "" {
			t.Errorf("Okta keys over TLS: %d, HSTS %q", res.StatusCode, res.Header.Get("Strict-Transport-Security"))
		}
		return string(b)
	}
	before := jwks()
	for _, f := range []string{sqlstore.DBFile, sqlstore.OktaDBFile} {
		if _, err := os.Stat(filepath.Join(data, f)); err != nil {
			t.Errorf("data directory: %v", err)
		}
	}
	if !strings.Contains(r.stdout.String(), filepath.Join(data, sqlstore.OktaDBFile)) {
		t.Errorf("the Okta banner does not name its database:\n%s", r.stdout)
	}
	if code := r.stop(); code != exitOK {
		t.Fatalf("stop: exit %d", code)
	}

	r = startServe(t, args...)
	trust()
	if !strings.Contains(r.stdout.String(), "not loaded: the store already holds the org") {
		t.Errorf("the restart did not keep the stored Okta org:\n%s", r.stdout)
	}
	if after := jwks(); after != before {
		t.Errorf("the Okta org's keys changed across a restart:\n%s\n%s", before, after)
	}
}
