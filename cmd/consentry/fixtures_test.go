package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// consentry fixtures lists what the selected scenarios need, with the
// properties a profile's entry must have, and which the profile lacks.
func TestFixturesListsWhatTheScenariosNeedAndWhatIsMissing(t *testing.T) {
	file := filepath.Join(t.TempDir(), "idp.yaml")
	profile := `name: partial
kind: generic
issuer: https://idp.example.com/
apis:
  - {name: Posts, identifier: "https://api.example.com/posts", scopes: [read:posts, write:posts]}
clients:
  - {client_id: fp-web, first_party: true, callbacks: ["https://app.example.com/callback"]}
`
	if err := os.WriteFile(file, []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"fixtures", "--target", file, "--tags", "@rule:C3"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := out.String()
	for _, want := range []string{
		"no Management API",
		`API "Posts"  registered: https://api.example.com/posts`,
		"client  registered: client_id fp-web",
		"app_type: native", // the native row of the outline has no client
		"MISSING",
		"A test user  MISSING",
		"0 of 4 scenarios have every fixture they need",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}

	out.Reset()
	if code := run([]string{"fixtures", "--tags", "@rule:C3"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "the harness creates each fixture") {
		t.Fatalf("embedded: exit %d:\n%s", code, out.String())
	}
}

// The entries it suggests for what is missing are a profile that binds
// them once the placeholders are filled in.
func TestFixturesSuggestsEntriesThatBind(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "idp.yaml")
	base := "name: empty\nkind: generic\nissuer: https://idp.example.com/\nuser: {username: u, password: p}\n"
	if err := os.WriteFile(file, []byte(base), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"fixtures", "--target", file, "--tags", "@rule:C3,@rule:D2,@rule:C6,@rule:C2"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	_, suggested, ok := strings.Cut(out.String(), "# Entries for the missing apis")
	if !ok {
		t.Fatalf("no suggested entries:\n%s", out.String())
	}
	var yaml strings.Builder
	yaml.WriteString(base)
	n := 0
	for _, line := range strings.Split(suggested, "\n") {
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, " (") {
			continue
		}
		if strings.Contains(line, "identifier: https://api.example.com/CHANGE-ME") {
			n++
			line = strings.Replace(line, "CHANGE-ME", fmt.Sprintf("api-%d", n), 1)
		}
		if strings.Contains(line, "client_id: CHANGE-ME") {
			n++
			line = strings.Replace(line, "CHANGE-ME", fmt.Sprintf("client-%d", n), 1)
		}
		yaml.WriteString(strings.ReplaceAll(line, "${CHANGE_ME}", "a-secret-value") + "\n")
	}
	if err := os.WriteFile(file, []byte(yaml.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"fixtures", "--target", file, "--tags", "@rule:C3,@rule:D2,@rule:C6,@rule:C2"}, &out, &errb); code != 0 {
		t.Fatalf("the suggested profile: exit %d: %s\n%s", code, errb.String(), yaml.String())
	}
	if strings.Contains(out.String(), "MISSING") {
		t.Errorf("the suggested entries do not bind everything:\n%s\n%s", yaml.String(), out.String())
	}
}

// consentry fixtures contacts no target: a vendor lists what to register
// before having the credentials, so a ${VAR} that is not set is shown as
// such and named, not an error. (It was: "environment variables not set".)
func TestFixturesListsAProfileWhoseVariablesAreNotSetYet(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"fixtures", "--target", "../../testdata/targets/generic.example.yaml", "--tags", "@rule:C3"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{
		"client  registered: client_id ${IDP_FIRST_PARTY_CLIENT_ID}",
		"environment variables not set, shown as ${NAME} above",
		"IDP_THIRD_PARTY_CLIENT_SECRET",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// consentry run still needs them.
	if code := run([]string{"run", "--driver", "http", "--target", "../../testdata/targets/generic.example.yaml"}, &out, &errb); code != 2 {
		t.Errorf("run without the variables: exit %d, want 2", code)
	}
}

// A malformed --tags is one line and exit 2 for fixtures too, as for run
// (it was a panic inside godog's tag parser); --help goes to stdout.
func TestFixturesBadTagsAndHelp(t *testing.T) {
	for args, want := range map[string]string{
		"@rule:C6 &&": "an && has nothing on one side",
		"@rule:Z9":    "the spec has no rule Z9",
	} {
		var out, errb bytes.Buffer
		if code := run([]string{"fixtures", "--tags", args}, &out, &errb); code != 2 || !strings.Contains(errb.String(), want) || strings.Count(errb.String(), "\n") != 1 {
			t.Errorf("--tags %q: exit %d, stderr %q; want 2 and one line with %q", args, code, errb.String(), want)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"fixtures", "--help"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "-target") || errb.Len() > 0 {
		t.Errorf("--help: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

// What the QA pass found fixtures never asked for: users who have not
// consented yet (grants leaked from one scenario to the next), the
// password grant type, and the scopes of a strict client's user client
// grant. The demo profile lists two users, the clients' grant types and
// the partner app's grant: fixtures says how many users suffice, which
// scenarios two leave out, and why the password scenarios have no client.
func TestFixturesAsksForUsersGrantTypesAndUserGrantScopes(t *testing.T) {
	t.Setenv("DEMO_ISSUER", "http://127.0.0.1:1/")
	var out, errb bytes.Buffer
	if code := run([]string{"fixtures", "--target", "../../testdata/targets/demo-preregistered.yaml"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := out.String()
	for _, want := range []string{
		"Users who have not consented yet  registered: 2 (users:), MISSING",
		"8 user(s) serve them all",
		"without one, not applicable: 7 scenario(s)",
		"grant_types ⊇ [password]",
		"demo-web-app: grant_types lack password",
		"grant_types: [authorization_code, password]",
		"user_client_grants ⊇ [{api: Posts, scopes: [read:posts, write:posts, delete:posts, read:comments]}]",
		"tpc_demo-partner-app: its user client grant for Posts lacks delete:posts",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}
