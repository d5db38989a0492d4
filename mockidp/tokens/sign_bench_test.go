package tokens

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/store/memstore"
)

// BenchmarkSign compares Go's raw signature (SHA-256 of a JWT-sized input,
// then PKCS#1 v1.5 or ECDSA P-256) with a whole access token from the
// Issuer (claims, JSON, base64url, signature), for both algorithms, in the
// same run. raw/RS256 is the ceiling of an RS256 token endpoint.
func BenchmarkSign(b *testing.B) {
	k, err := LoadOrCreate(context.Background(), memstore.New())
	if err != nil {
		b.Fatal(err)
	}
	iss := &Issuer{URL: "https://idp.test/", Keys: k}
	input := []byte("eyJhbGciOiJSUzI1NiIsImtpZCI6IngiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJodHRwczovL2lkcC50ZXN0LyIsInN1YiI6Im0ybUBjbGllbnRzIiwiYXVkIjoiaHR0cHM6Ly9hcGkiLCJleHAiOjE3MDAwMDAwMDAsImlhdCI6MTcwMDAwMDAwMCwianRpIjoiMDEyMzQ1Njc4OWFiY2RlZiIsImF6cCI6Im0ybSIsInNjb3BlIjoicmVhZDp0aGluZ3MiLCJndHkiOiJjbGllbnQtY3JlZGVudGlhbHMifQ")
	for _, alg := range []string{RS256, ES256} {
		kk, err := k.signer(alg)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("raw/"+alg, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sum := sha256.Sum256(input)
				switch key := kk.signer.(type) {
				case *rsa.PrivateKey:
					_, err = rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
				case *ecdsa.PrivateKey:
					_, err = ecdsa.SignASN1(rand.Reader, key, sum[:])
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("AccessToken/"+alg, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := iss.AccessToken(Access{Subject: "m2m@clients", Audience: []string{"https://api"}, ClientID: "m2m",
					Scope: []string{"read:things"}, GTY: "client-credentials", Lifetime: time.Hour, Alg: alg}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
