package config

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/store/memstore"
)

// FuzzParse feeds the tenant file parser odd files: it never panics or
// hangs, its errors never quote a value, and a file it accepts applies to
// an empty store without error (validation happens in Parse, not midway
// through Apply).
func FuzzParse(f *testing.F) {
	var all []string
	for _, s := range defaultSections {
		all = append(all, s)
	}
	f.Add(strings.Join(all, "\n"))
	for _, seed := range []string{
		"", "{}", "[]", "null", "clients: 1", "clients: [1]", "clients:\n  - {}\n",
		"apis:\n  - identifier: x\n    scopes: [{value: 1}]\n", "users:\n  - email: a@b\n    password: x\n",
		"settings: {flags: []}", "a: &a [*a]", "clients:\n  - client_id: a\n  - client_id: a\n",
		"grants:\n  - {user_id: u, client_id: c, audience: a, scope: [x]}\n",
		"client_grants:\n  - {client_id: web, audience: https://api.example.com, scope: [read:things]}\n",
		"\xff\xfe", "clients:\n  - callbacks: ['http://127.0.0.1/cb#x']\n", "key: key: key",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		done := make(chan struct{})
		defer close(done)
		go func() {
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				panic(fmt.Sprintf("Parse and Apply hang on %q", data))
			}
		}()
		file, err := Parse([]byte(data), "fuzz.yaml")
		if err != nil {
			for _, secret := range []string{testSecret, testPassword} {
				if strings.Contains(err.Error(), secret) && !namesAnItem(data, secret) {
					t.Fatalf("the error quotes a secret: %v", err)
				}
			}
			return
		}
		if err := file.Apply(context.Background(), memstore.New(), credentials.MinCost); err != nil {
			t.Fatalf("Parse accepted a file that Apply refuses: %v\n%s", err, data)
		}
	})
}

// namesAnItem reports whether secret stands in a file as the value of a
// field that errors name items by (an API's identifier, a client's name or
// id, a user's email...). The fuzzer moves the test secrets into such
// fields too, and an error quoting them there is naming the item, not
// leaking a secret; anywhere else, quoting it is a leak.
func namesAnItem(data, secret string) bool {
	for _, line := range strings.Split(data, "\n") {
		if !strings.Contains(line, secret) {
			continue
		}
		for _, key := range []string{"identifier:", "name:", "client_id:", "email:", "username:", "user_id:", "audience:", "connection:", "id:"} {
			if i := strings.Index(line, key); i >= 0 && i < strings.Index(line, secret) {
				return true
			}
		}
	}
	return false
}
