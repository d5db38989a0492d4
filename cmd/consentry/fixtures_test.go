package main

import (
	"bytes"
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
