package tokens

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"

	"github.com/consentry/consentry/mockidp/store/memstore"
)

func newIssuer(t *testing.T) (*Issuer, *memstore.Store) {
	t.Helper()
	st := memstore.New()
	k, err := LoadOrCreate(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	return &Issuer{URL: "https://idp.test/", Keys: k}, st
}

func TestJ1_AccessTokenCarriesClaimsAndKidAndVerifiesAgainstJWKS(t *testing.T) {
	iss, _ := newIssuer(t)
	for _, alg := range []string{RS256, ES256} {
		got, err := iss.AccessToken(Access{Subject: "auth0|u1", Audience: []string{"https://api.test"}, ClientID: "c1", Scope: []string{"read:posts"}, Alg: alg})
		if err != nil {
			t.Fatal(err)
		}
		// Verify through the published JWKS, as a resource server would.
		raw, _ := json.Marshal(iss.Keys.JWKS())
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(raw, &set); err != nil {
			t.Fatal(err)
		}
		var c AccessClaims
		tok, err := jwt.ParseWithClaims(got.Token, &c, func(tk *jwt.Token) (any, error) {
			ks := set.Key(tk.Header["kid"].(string))
			if len(ks) != 1 {
				return nil, errors.New("kid not in JWKS")
			}
			return ks[0].Key, nil
		})
		if err != nil || !tok.Valid {
			t.Fatalf("%s: not verifiable via JWKS: %v", alg, err)
		}
		if tok.Method.Alg() != alg || c.Issuer != "https://idp.test/" || c.Subject != "auth0|u1" || c.AZP != "c1" || c.Scope != "read:posts" || c.IssuedAt == nil || c.ExpiresAt == nil {
			t.Fatalf("%s: claims %+v", alg, c)
		}
		if _, err := iss.VerifyAccess(got.Token, "https://api.test"); err != nil {
			t.Fatalf("%s: VerifyAccess: %v", alg, err)
		}
		if _, err := iss.VerifyAccess(got.Token, "https://other.test"); !errors.Is(err, ErrInvalidToken) {
			t.Fatalf("%s: foreign audience accepted: %v", alg, err)
		}
	}
}

func TestJ1_KeysSurviveReloadFromTheStore(t *testing.T) {
	iss, st := newIssuer(t)
	tok, err := iss.AccessToken(Access{Subject: "s", Audience: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreate(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	again := &Issuer{URL: iss.URL, Keys: k2}
	if _, err := again.VerifyAccess(tok.Token, "a"); err != nil {
		t.Fatalf("token from before the reload: %v", err)
	}
	if n := len(k2.JWKS().Keys); n != 2 {
		t.Fatalf("reload generated new keys: %d keys", n)
	}
}

func TestJ1_ExpiredTamperedAndForeignTokensAreRejected(t *testing.T) {
	iss, _ := newIssuer(t)
	now := time.Now()
	iss.Now = func() time.Time { return now }
	tok, _ := iss.AccessToken(Access{Subject: "s", Audience: []string{"a"}, Lifetime: time.Minute})
	iss.Now = func() time.Time { return now.Add(2 * time.Minute) }
	if _, err := iss.VerifyAccess(tok.Token, "a"); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("expired token accepted: %v", err)
	}
	iss.Now = nil
	tok, _ = iss.AccessToken(Access{Subject: "s", Audience: []string{"a"}})
	parts := strings.Split(tok.Token, ".")
	tampered := parts[0] + "." + parts[1] + "x." + parts[2]
	if _, err := iss.VerifyAccess(tampered, "a"); err == nil {
		t.Fatal("tampered token accepted")
	}
	other, _ := newIssuer(t)
	foreign, _ := other.AccessToken(Access{Subject: "s", Audience: []string{"a"}})
	if _, err := iss.VerifyAccess(foreign.Token, "a"); err == nil {
		t.Fatal("token signed by another tenant accepted")
	}
}

func TestJ1_IDTokenHasClientAudienceNonceAndAuthTime(t *testing.T) {
	iss, _ := newIssuer(t)
	at := time.Unix(1_700_000_000, 0)
	got, err := iss.IDToken(Identity{Subject: "u", ClientID: "c1", Nonce: "n-1", AuthTime: at, Email: "a@x", EmailScope: true})
	if err != nil {
		t.Fatal(err)
	}
	var c IDClaims
	if _, err := jwt.ParseWithClaims(got.Token, &c, iss.keyFunc); err != nil {
		t.Fatal(err)
	}
	if len(c.Audience) != 1 || c.Audience[0] != "c1" || c.Nonce != "n-1" || c.AuthTime != at.Unix() || c.Email != "a@x" {
		t.Fatalf("claims %+v", c)
	}
}

func BenchmarkAccessTokenRS256(b *testing.B) {
	st := memstore.New()
	k, _ := LoadOrCreate(context.Background(), st)
	iss := &Issuer{URL: "https://idp.test/", Keys: k}
	for b.Loop() {
		if _, err := iss.AccessToken(Access{Subject: "s", Audience: []string{"a"}, Scope: []string{"read:x"}}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPrepareGeneratesKeysInTheBackground: a new tenant's keys are made
// after Prepare returns; the JWKS and signing wait for them, and they are
// stored, so the next start loads the same ones.
func TestPrepareGeneratesKeysInTheBackground(t *testing.T) {
	st := memstore.New()
	k, err := Prepare(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	iss := &Issuer{URL: "https://t.example.com/", Keys: k}
	tok, err := iss.AccessToken(Access{Subject: "c@clients", Audience: []string{"https://api"}, ClientID: "c", Lifetime: time.Hour, Alg: ES256})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iss.VerifyAccess(tok.Token, "https://api"); err != nil {
		t.Fatal(err)
	}
	if err := k.Wait(); err != nil {
		t.Fatal(err)
	}
	stored, _ := st.SigningKeys(context.Background())
	if len(stored) != 2 || len(k.JWKS().Keys) != 2 {
		t.Fatalf("%d keys stored, %d published; want 2 and 2", len(stored), len(k.JWKS().Keys))
	}
	again, err := Prepare(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-again.ready:
	default:
		t.Fatal("keys already stored are not ready at once")
	}
	if got, want := again.JWKS().Keys[0].KeyID, k.JWKS().Keys[0].KeyID; got != want {
		t.Fatalf("kid %s after a restart, want %s", got, want)
	}
}

// TestJ1_ConcurrentStartsAgreeOnKeys is several replicas starting at once
// on one empty store: they must all end up signing with the same keys and
// publishing the same JWKS, never one first key each.
func TestJ1_ConcurrentStartsAgreeOnKeys(t *testing.T) {
	st := memstore.New()
	const replicas = 6
	keys := make([]*Keys, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() { keys[i], errs[i] = LoadOrCreate(context.Background(), st) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
	}
	stored, _ := st.SigningKeys(context.Background())
	if len(stored) != 2 {
		t.Fatalf("%d concurrent starts stored %d keys, want 2 (one RS256, one ES256)", replicas, len(stored))
	}
	want, _ := json.Marshal(keys[0].JWKS())
	for i, k := range keys {
		got, _ := json.Marshal(k.JWKS())
		if string(got) != string(want) {
			t.Errorf("replica %d publishes another JWKS than replica 0", i)
		}
		for _, alg := range []string{RS256, ES256} {
			a, _ := k.signer(alg)
			b, _ := keys[0].signer(alg)
			if a.kid != b.kid {
				t.Errorf("replica %d signs %s with %s, replica 0 with %s", i, alg, a.kid, b.kid)
			}
		}
	}
}
