package config

import (
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/store/memstore"
)

// storedCost applies f at cost and returns the bcrypt cost of the stored
// hash of a@example.com.
func storedCost(t *testing.T, f *File, cost int) string {
	t.Helper()
	s := memstore.New()
	if err := f.Apply(t.Context(), s, cost); err != nil {
		t.Fatal(err)
	}
	u, err := s.FindUser(t.Context(), "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !credentials.CheckPassword(u.PasswordHash, testPassword) {
		t.Fatal("stored hash does not match the password")
	}
	return u.PasswordHash[:7]
}

func TestPasswordCostOfTheFileIsUsedWhenTheCallerSetsNone(t *testing.T) {
	f := mustParse(t, "password_cost: 5\n"+tenantYAML(nil))
	if f.PasswordCost != 5 {
		t.Fatalf("PasswordCost %d, want 5", f.PasswordCost)
	}
	if got := storedCost(t, f, 0); got != "$2a$05$" {
		t.Errorf("hash prefix %s, want the file's cost 5", got)
	}
	if got := storedCost(t, f, 6); got != "$2a$06$" {
		t.Errorf("hash prefix %s, want the caller's cost 6 over the file's", got)
	}
	if got := storedCost(t, mustParse(t, tenantYAML(nil)), 0); got != "$2a$10$" {
		t.Errorf("hash prefix %s without password_cost, want the default 10", got)
	}
}

func TestPasswordCostOutOfRange(t *testing.T) {
	for _, c := range []string{"3", "32", "-1"} {
		_, err := Parse([]byte("password_cost: "+c+"\n"+tenantYAML(nil)), "t.yaml")
		if err == nil || !strings.Contains(err.Error(), "t.yaml: password_cost: want a bcrypt cost from 4 to 31, got "+c) {
			t.Errorf("password_cost %s: %v", c, err)
		}
	}
	_, err := Parse([]byte("password_cost: ten\n"+tenantYAML(nil)), "t.yaml")
	if err == nil || !strings.Contains(err.Error(), "password_cost") {
		t.Errorf("password_cost ten: %v", err)
	}
}

// TestDemoTenantHashesAtTheMinimumCost: the demo tenant's passwords are
// public, so it hashes them at cost 4 and the mock starts in milliseconds.
func TestDemoTenantHashesAtTheMinimumCost(t *testing.T) {
	f, err := Load("../../testdata/tenants/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if f.PasswordCost != credentials.MinCost {
		t.Fatalf("demo.yaml password_cost %d, want %d", f.PasswordCost, credentials.MinCost)
	}
}
