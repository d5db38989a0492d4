package interop

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// TestA0DeployRoundTrip is tenant-as-code against the mock: auth0-deploy-cli
// (a0deploy, pinned in a0deploy/package-lock.json) exports a seeded tenant
// (testdata/a0deploy-tenant.yaml), imports the export into an empty mock,
// and exports that one again. Both exports must be the same: clients with
// their browser settings (web_origins, refresh-token rotation), APIs,
// client grants, database and social connections with their enabled
// clients, and every endpoint of the features the mock answers empty
// (rules and hooks deprecated, attack protection and prompts at their
// defaults). Both mocks run with --tls and only their CA trusted.
//
// Where the time goes (auth0-deploy-cli 8.44.0, node 20, 2 cores; the
// mock's request log, node --cpu-prof, and the CLI's source; -v prints
// each run's split): an export is about 0.6 s of node loading the CLI and
// 4.1 s of requests at the pace of its request pool, 3 at once and at most
// 8 started a second (lib/tools/auth0/client.js: API_CONCURRENCY and
// API_FREQUENCY_PER_SECOND, constants, with no setting or environment
// variable); about 1 CPU-second in all. The import spent about 20
// CPU-seconds before its first request checking the file against the
// CLI's schema twice (lib/context/yaml/index.js loadAssetsFromLocal, then
// lib/tools/deploy.js), each time compiling the whole 8 MB tenant schema,
// the prompts part nearly all of it, with a new ajv 6 into 116 MB of
// JavaScript and having V8 compile that on its first call (node
// --cpu-prof: about 16 CPU-seconds of V8 parsing and compiling, 11 the
// first time and 5 the second); nothing in the file or the configuration
// changes that. Both checks use the same options and schema object, so a
// preload (a0deploy/reuse-compiled-schema.cjs, node --require; the CLI's
// files unchanged) hands the second ajv the first one's compiled schema:
// the test's CPU went from 27 to 20 CPU-seconds, the import's wait before
// its first request from 23 to 14 s (2 cores, the machine otherwise idle).
// Then about 10 s of requests, 7 s of it the CLI's fixed sleeps: 2.5 s
// after creating database connections and 2.5 s after creating other
// connections (processConnectionEnabledClients, so any import into an
// empty tenant) and 2 s before the trigger bindings (triggers.js, for any
// triggers section, and the export holds "triggers: {}"), the rest the
// request pool. The mock answers each request in under 1 ms and never with 429 or
// a 5xx, so neither the SDK (maxRetries) nor the CLI's backoff
// (retryWithExponentialBackoff, 429 only) ever waits. Packages come from
// the shared npm install (npmInstall), ready while the mocks start.
func TestA0DeployRoundTrip(t *testing.T) {
	if os.Getenv("CONSENTRY_SKIP_NODE_INTEROP") == "1" {
		t.Skip("CONSENTRY_SKIP_NODE_INTEROP=1: the auth0-deploy-cli interop test is turned off")
	}
	node, npm := requireNode(t)
	t.Parallel() // the Node tests wait on npm and node, not on the CPU alone

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	tmp := t.TempDir()

	installed := npmInstall(t, ctx, node, npm, "a0deploy", tmp)
	bin := buildMock(t, ctx)
	seeded := startMock(t, ctx, bin, filepath.Join(tmp, "seeded"), filepath.Join("testdata", "a0deploy-tenant.yaml"))
	empty := startMock(t, ctx, bin, filepath.Join(tmp, "empty"), "")
	cli := filepath.Join(installed(), "node_modules", "auth0-deploy-cli", "lib", "index.js")

	exportA := a0deploy(t, ctx, node, cli, seeded, tmp, "export", "--format", "yaml", "--output_folder", filepath.Join(tmp, "export-seeded"))
	first := readExport(t, filepath.Join(tmp, "export-seeded", "tenant.yaml"), exportA)
	checkSeededExport(t, first)

	imported := a0deploy(t, ctx, node, cli, empty, tmp, "import", "--input_file", filepath.Join(tmp, "export-seeded", "tenant.yaml"))
	if !strings.Contains(imported, schemaReused) {
		t.Logf("the import compiled the CLI's schema twice (a0deploy/reuse-compiled-schema.cjs reused nothing: about 7 CPU-seconds more); its output:\n%s", imported)
	} else {
		t.Logf("a0deploy import: its second schema check reused the first one's compiled schema")
	}
	exportB := a0deploy(t, ctx, node, cli, empty, tmp, "export", "--format", "yaml", "--output_folder", filepath.Join(tmp, "export-imported"))
	second := readExport(t, filepath.Join(tmp, "export-imported", "tenant.yaml"), exportB)

	// a0deploy adds this default to the options of the database connections
	// it creates; the seeded tenant's were made without it.
	for _, db := range list(second["databases"]) {
		if opts, ok := db.(map[string]any)["options"].(map[string]any); ok {
			delete(opts, "disable_self_service_change_password")
		}
	}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range first {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		if !reflect.DeepEqual(first[k], second[k]) {
			a, _ := yaml.Marshal(first[k])
			b, _ := yaml.Marshal(second[k])
			t.Errorf("%s differs after the round trip:\n--- exported from the seeded mock ---\n%s\n--- exported after import into an empty mock ---\n%s", k, a, b)
		}
	}
	for k := range second {
		if _, ok := first[k]; !ok {
			t.Errorf("the second export has a section %s the first has not", k)
		}
	}

	// The import made the ids fit: the connection is enabled for the
	// imported client's new client_id, not a name.
	checkEnabledClient(t, empty, "partners-db", "Deploy Web")
	if t.Failed() {
		t.Logf("--- imported mock log ---\n%s", empty.log.String())
	}
}

// schemaReused is what a0deploy/reuse-compiled-schema.cjs writes to the
// CLI's stderr when the second schema check of an import reuses the first
// one's compiled schema.
const schemaReused = "the schema compiled by an earlier ajv with the same options is reused"

// a0deploy runs the CLI against m (node --require
// a0deploy/reuse-compiled-schema.cjs; its CA trusted, the management client
// from the environment of startMock) and returns its output.
func a0deploy(t *testing.T, ctx context.Context, node, cli string, m *mock, dir string, args ...string) string {
	t.Helper()
	cfg := filepath.Join(dir, "a0deploy-"+strings.ReplaceAll(m.addr, ":", "_")+".json")
	data, _ := json.Marshal(map[string]any{
		"AUTH0_DOMAIN": m.addr, "AUTH0_CLIENT_ID": mgmtClientID, "AUTH0_CLIENT_SECRET": mgmtClientSecret,
		"AUTH0_ALLOW_DELETE": false,
	})
	if err := os.WriteFile(cfg, data, 0o600); err != nil {
		t.Fatal(err)
	}
	preload, err := filepath.Abs(filepath.Join("a0deploy", "reuse-compiled-schema.cjs"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, node, append([]string{"--require", preload, cli}, append(args, "--config_file", cfg)...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NODE_EXTRA_CA_CERTS="+m.caFile, "NO_COLOR=1", "FORCE_COLOR=0")
	logged := len(m.log.String())
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("a0deploy %s: %s", args[0], a0deployPhases(start, time.Now(), m.log.String()[logged:]))
	if err != nil || !strings.Contains(string(out), "Successful") {
		t.Fatalf("a0deploy %s: %v\n--- output ---\n%s\n--- mock log ---\n%s", args[0], err, out, m.log.String())
	}
	return string(out)
}

// mgmtRequestTime finds the time of each Management API request in the
// mock's log ("time=... msg=\"mgmt request\"").
var mgmtRequestTime = regexp.MustCompile(`(?m)^time=(\S+) level=\S+ msg="mgmt request"`)

// a0deployPhases says how long a run took, and how much of it came before
// its first Management API request (node starting, the CLI loading and,
// for an import, checking the file against its schema) and after it (the
// requests, at the CLI's pace), from the requests in log, the part of the
// mock's log written during the run.
func a0deployPhases(start, end time.Time, log string) string {
	total := end.Sub(start).Round(100 * time.Millisecond)
	var first time.Time
	n := 0
	for _, m := range mgmtRequestTime.FindAllStringSubmatch(log, -1) {
		at, err := time.Parse(time.RFC3339Nano, m[1])
		if err != nil {
			continue
		}
		if n == 0 {
			first = at
		}
		n++
	}
	if n == 0 {
		return total.String() + " (no Management API request)"
	}
	return fmt.Sprintf("%s: %s before its first Management API request, %s from there (%d requests)",
		total, first.Sub(start).Round(100*time.Millisecond), end.Sub(first).Round(100*time.Millisecond), n)
}

func readExport(t *testing.T, path, output string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v\n--- a0deploy output ---\n%s", err, output)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

func list(v any) []any { l, _ := v.([]any); return l }

// byName finds the item named name in a section of an export.
func byName(t *testing.T, doc map[string]any, section, name string) map[string]any {
	t.Helper()
	for _, it := range list(doc[section]) {
		if m, ok := it.(map[string]any); ok && m["name"] == name {
			return m
		}
	}
	t.Fatalf("export section %s has no %q: %v", section, name, doc[section])
	return nil
}

func wantJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, w) {
		g, _ := json.Marshal(got)
		t.Errorf("%s = %s, want %s", what, g, want)
	}
}

// checkSeededExport makes sure the first export holds what the seeded
// tenant has, so that the round trip compares something.
func checkSeededExport(t *testing.T, doc map[string]any) {
	t.Helper()
	spa := byName(t, doc, "clients", "Deploy SPA")
	wantJSON(t, "SPA web_origins", spa["web_origins"], `["http://localhost:3000"]`)
	wantJSON(t, "SPA allowed_origins", spa["allowed_origins"], `["https://*.shop.example.com"]`)
	wantJSON(t, "SPA cross_origin_authentication", spa["cross_origin_authentication"], `true`)
	wantJSON(t, "SPA refresh_token", spa["refresh_token"], `{"rotation_type":"rotating","expiration_type":"expiring","leeway":5,
		"token_lifetime":86400,"infinite_token_lifetime":false,"idle_token_lifetime":3600,"infinite_idle_token_lifetime":false}`)
	web := byName(t, doc, "clients", "Deploy Web")
	wantJSON(t, "web client_metadata", web["client_metadata"], `{"team":"storefront"}`)
	partner := byName(t, doc, "clients", "Deploy Partner")
	wantJSON(t, "partner is_first_party", partner["is_first_party"], `false`)
	byName(t, doc, "clients", "Deploy Reports")
	orders := byName(t, doc, "resourceServers", "Orders API")
	wantJSON(t, "orders scopes", orders["scopes"], `[{"value":"read:orders","description":"Read your orders"},{"value":"write:orders","description":"Place orders"}]`)
	byName(t, doc, "resourceServers", "Reports API")
	partners := byName(t, doc, "databases", "partners-db")
	wantJSON(t, "partners-db enabled_clients", partners["enabled_clients"], `["Deploy Web"]`)
	wantJSON(t, "partners-db realms", partners["realms"], `["partners-db","partners.example.com"]`)
	def := byName(t, doc, "databases", "Username-Password-Authentication")
	wantJSON(t, "default enabled_clients", def["enabled_clients"], `["Deploy SPA","Deploy Web"]`)
	google := byName(t, doc, "connections", "google-oauth2")
	wantJSON(t, "google enabled_clients", google["enabled_clients"], `["Deploy SPA"]`)
	grants := list(doc["clientGrants"])
	wantJSON(t, "clientGrants", grants, `[
		{"client_id":"Deploy Partner","audience":"https://orders.example.com/","scope":["read:orders"],"subject_type":"user"},
		{"client_id":"Deploy Reports","audience":"https://reports.example.com/","scope":["read:reports"],"subject_type":"client"}]`)
	wantJSON(t, "tenant friendly_name", doc["tenant"].(map[string]any)["friendly_name"], `"Consentry Deploy"`)
	if _, ok := doc["rules"]; ok && len(list(doc["rules"])) != 0 {
		t.Errorf("rules exported from a tenant without them: %v", doc["rules"])
	}
}

// checkEnabledClient asks m's Management API whether connection conn is
// enabled for the client named clientName.
func checkEnabledClient(t *testing.T, m *mock, conn, clientName string) {
	t.Helper()
	pemData, err := os.ReadFile(m.caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pemData)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	base := "https://" + m.addr + "/"
	resp, err := hc.PostForm(base+"oauth/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {mgmtClientID},
		"client_secret": {mgmtClientSecret}, "audience": {base + "api/v2/"}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if json.Unmarshal(body, &tok) != nil || tok.AccessToken == "" {
		t.Fatalf("management token: %d %s", resp.StatusCode, body)
	}
	get := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", base+"api/v2/"+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || json.Unmarshal(b, v) != nil {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
	}
	type client struct {
		ClientID string `json:"client_id"`
		Name     string `json:"name"`
	}
	var clients []client
	get("clients", &clients)
	var conns []struct {
		Name           string   `json:"name"`
		EnabledClients []string `json:"enabled_clients"`
	}
	get("connections?name="+url.QueryEscape(conn), &conns)
	i := slices.IndexFunc(clients, func(c client) bool { return c.Name == clientName })
	if i < 0 || len(conns) != 1 {
		t.Fatalf("client %q or connection %q missing: %v %v", clientName, conn, clients, conns)
	}
	if want := []string{clients[i].ClientID}; !slices.Equal(conns[0].EnabledClients, want) {
		t.Errorf("%s enabled_clients = %v, want %v (the client_id of %s)", conn, conns[0].EnabledClients, want, clientName)
	}
}
