package tokens

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestNewKeysSignAndVerifyForeignClaims: in-memory keys sign a face's own
// claims (Okta's aud as one string) and verify them; an expired token
// verifies only when expiry is ignored (logout's id_token_hint).
func TestNewKeysSignAndVerifyForeignClaims(t *testing.T) {
	k, err := NewKeys()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	iss := &Issuer{URL: "https://org.example/oauth2/default", Keys: k, Now: func() time.Time { return now }}
	tok, err := iss.SignClaims(jwt.MapClaims{"iss": iss.URL, "aud": "client-1", "exp": now.Add(time.Minute).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := iss.VerifyClaims(tok, false)
	if err != nil || c["aud"] != "client-1" {
		t.Fatalf("verify: %v %v", c, err)
	}
	if n := len(k.JWKSFor(RS256).Keys); n != 1 {
		t.Errorf("JWKSFor(RS256) has %d keys", n)
	}
	now = now.Add(time.Hour)
	if _, err := iss.VerifyClaims(tok, false); err == nil {
		t.Error("an expired token verified")
	}
	if _, err := iss.VerifyClaims(tok, true); err != nil {
		t.Errorf("ignoring expiry: %v", err)
	}
	other := &Issuer{URL: "https://org.example/oauth2/other", Keys: k}
	if _, err := other.VerifyClaims(tok, true); err == nil {
		t.Error("a token of another issuer verified")
	}
}
