package credentials

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestHashPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("Alice-demo-pass1", MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if h == "Alice-demo-pass1" || strings.Contains(h, "Alice-demo-pass1") {
		t.Fatalf("hash contains the password: %q", h)
	}
	if !CheckPassword(h, "Alice-demo-pass1") {
		t.Error("CheckPassword rejected the right password")
	}
	for _, wrong := range []string{"", "alice-demo-pass1", "Alice-demo-pass", "Alice-demo-pass1 "} {
		if CheckPassword(h, wrong) {
			t.Errorf("CheckPassword accepted %q", wrong)
		}
	}
}

func TestHashPasswordUsesCost(t *testing.T) {
	for _, cost := range []int{MinCost, 6} {
		h, err := HashPassword("pw", cost)
		if err != nil {
			t.Fatal(err)
		}
		got, err := bcrypt.Cost([]byte(h))
		if err != nil {
			t.Fatal(err)
		}
		if got != cost {
			t.Errorf("cost = %d, want %d", got, cost)
		}
	}
}

func TestHashPasswordSalted(t *testing.T) {
	a, _ := HashPassword("same", MinCost)
	b, _ := HashPassword("same", MinCost)
	if a == b {
		t.Error("two hashes of the same password are equal: no salt")
	}
}

func TestHashPasswordRejects(t *testing.T) {
	const secret = "s3cret-Password"
	tests := []struct {
		name string
		pw   string
		cost int
		want string
	}{
		{"empty", "", MinCost, "password is empty"},
		{"too long", strings.Repeat("x", 73), MinCost, "longer than 72 bytes"},
		{"cost too low", secret, 3, "bcrypt cost 3 out of range"},
		{"cost too high", secret, 32, "bcrypt cost 32 out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := HashPassword(tt.pw, tt.cost)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error leaks the password: %q", err)
			}
		})
	}
}

func TestCheckPasswordMalformedHash(t *testing.T) {
	for _, h := range []string{"", "not-a-hash", "$2a$04$short"} {
		if CheckPassword(h, "pw") {
			t.Errorf("CheckPassword(%q) matched", h)
		}
	}
}

func TestGenerateSecret(t *testing.T) {
	seen := map[string]bool{}
	re := regexp.MustCompile(`^[A-Za-z0-9_-]{64}$`)
	for range 100 {
		s := GenerateSecret()
		if !re.MatchString(s) {
			t.Fatalf("secret %q is not 64 base64url characters", s)
		}
		if seen[s] {
			t.Fatalf("secret %q generated twice", s)
		}
		seen[s] = true
	}
}

func TestSecretMatches(t *testing.T) {
	s := GenerateSecret()
	tests := []struct {
		stored, presented string
		want              bool
	}{
		{s, s, true},
		{s, s[:len(s)-1], false},
		{s, s + "x", false},
		{s, "", false},
		{"abcDEF", "ABCdef", false},
		{"", "", false},
		{"", "anything", false},
		{"short", "short", true},
	}
	for _, tt := range tests {
		if got := SecretMatches(tt.stored, tt.presented); got != tt.want {
			t.Errorf("SecretMatches(%q, %q) = %v, want %v", tt.stored, tt.presented, got, tt.want)
		}
	}
}

func TestGenerateClientIDRuleK2(t *testing.T) {
	plain := regexp.MustCompile(`^[A-Za-z0-9]{32}$`)
	strict := regexp.MustCompile(`^tpc_[A-Za-z0-9]{32}$`)
	seen := map[string]bool{}
	for range 200 {
		id := GenerateClientID(false)
		if !plain.MatchString(id) {
			t.Fatalf("first-party id %q", id)
		}
		if strings.HasPrefix(id, "tpc_") {
			t.Fatalf("non-strict id %q has the tpc_ prefix", id)
		}
		tp := GenerateClientID(true)
		if !strict.MatchString(tp) {
			t.Fatalf("strict third-party id %q", tp)
		}
		if seen[id] || seen[tp] {
			t.Fatal("client id generated twice")
		}
		seen[id], seen[tp] = true, true
	}
}

// TestGenerateClientIDUsesWholeAlphabet guards against a biased or truncated
// alphabet: over many ids, every one of the 62 characters shows up.
func TestGenerateClientIDUsesWholeAlphabet(t *testing.T) {
	counts := map[rune]int{}
	for range 200 {
		for _, r := range GenerateClientID(false) {
			counts[r]++
		}
	}
	for _, r := range clientIDAlphabet {
		if counts[r] == 0 {
			t.Errorf("character %q never generated in 6400 draws", r)
		}
	}
}

func BenchmarkSecretMatches(b *testing.B) {
	s := GenerateSecret()
	p := GenerateSecret()
	for b.Loop() {
		SecretMatches(s, p)
	}
}

func BenchmarkCheckPassword(b *testing.B) {
	for _, cost := range []int{4, 10} {
		h, err := HashPassword("Alice-demo-pass1", cost)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("cost=%d", cost), func(b *testing.B) {
			for b.Loop() {
				CheckPassword(h, "Alice-demo-pass1")
			}
		})
	}
}
