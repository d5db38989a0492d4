// Package tokens issues and verifies the tenant's JWTs (access tokens, ID
// tokens) and publishes its keys as a JWKS (rule J1). Keys are generated once
// per tenant and kept in the tenant.Store, so a durable store keeps them
// across restarts.
package tokens

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/consentry/consentry/mockidp/tenant"
)

// Signing algorithms an API may choose (rule P1).
const (
	RS256 = "RS256"
	ES256 = "ES256"
)

type key struct {
	kid    string
	alg    string
	signer crypto.Signer
}

// Keys are the tenant's signing keys: one RS256 and one ES256 key.
type Keys struct {
	byAlg map[string]key
	byKID map[string]key
}

// LoadOrCreate returns the tenant's keys, generating and storing whichever
// of the RS256 and ES256 keys the store does not have yet. Processes sharing
// one store may call it at the same time: a key is stored only if no key of
// its algorithm is (AddSigningKeyIfAbsent), and every process then uses the
// keys as stored, so all of them sign with the same keys.
func LoadOrCreate(ctx context.Context, st tenant.Store) (*Keys, error) {
	k, err := load(ctx, st)
	if err != nil {
		return nil, err
	}
	created := false
	for _, alg := range []string{RS256, ES256} {
		if _, ok := k.byAlg[alg]; ok {
			continue
		}
		sk, err := newSigningKey(alg)
		if err != nil {
			return nil, err
		}
		if _, err := st.AddSigningKeyIfAbsent(ctx, sk); err != nil {
			return nil, fmt.Errorf("tokens: store key: %w", err)
		}
		created = true
	}
	if !created {
		return k, nil
	}
	// Read back: another process may have stored its key first.
	return load(ctx, st)
}

// load reads the stored keys.
func load(ctx context.Context, st tenant.Store) (*Keys, error) {
	stored, err := st.SigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("tokens: read signing keys: %w", err)
	}
	k := &Keys{byAlg: map[string]key{}, byKID: map[string]key{}}
	for _, sk := range stored {
		signer, err := parsePEM(sk.PEM)
		if err != nil {
			return nil, fmt.Errorf("tokens: key %s: %w", sk.KID, err)
		}
		k.add(key{kid: sk.KID, alg: sk.Alg, signer: signer})
	}
	return k, nil
}

// newSigningKey generates a key and its stored form; its kid is the RFC 7638
// thumbprint.
func newSigningKey(alg string) (tenant.SigningKey, error) {
	signer, err := generate(alg)
	if err != nil {
		return tenant.SigningKey{}, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(signer)
	if err != nil {
		return tenant.SigningKey{}, fmt.Errorf("tokens: encode key: %w", err)
	}
	kid, err := thumbprint(signer)
	if err != nil {
		return tenant.SigningKey{}, err
	}
	return tenant.SigningKey{KID: kid, Alg: alg, PEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}),
		CreatedAt: time.Now().UTC()}, nil
}

func (k *Keys) add(nk key) {
	if _, ok := k.byAlg[nk.alg]; !ok {
		k.byAlg[nk.alg] = nk // the oldest key of an algorithm signs
	}
	k.byKID[nk.kid] = nk
}

func generate(alg string) (crypto.Signer, error) {
	switch alg {
	case RS256:
		return rsa.GenerateKey(rand.Reader, 2048)
	case ES256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	return nil, fmt.Errorf("tokens: unsupported algorithm %q", alg)
}

func parsePEM(b []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, fmt.Errorf("no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("key of type %T cannot sign", k)
	}
	return s, nil
}

// thumbprint is the RFC 7638 thumbprint of the public key, used as kid.
func thumbprint(s crypto.Signer) (string, error) {
	jwk := jose.JSONWebKey{Key: s.Public()}
	tp, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("tokens: key thumbprint: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// JWKS is the public key set published at /.well-known/jwks.json.
func (k *Keys) JWKS() jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	for _, alg := range []string{RS256, ES256} {
		for _, kk := range k.byKID {
			if kk.alg != alg {
				continue
			}
			set.Keys = append(set.Keys, jose.JSONWebKey{Key: kk.signer.Public(), KeyID: kk.kid, Algorithm: kk.alg, Use: "sig"})
		}
	}
	return set
}

// signer returns the key that signs for alg (RS256 when alg is empty).
func (k *Keys) signer(alg string) (key, error) {
	if alg == "" {
		alg = RS256
	}
	kk, ok := k.byAlg[alg]
	if !ok {
		return key{}, fmt.Errorf("tokens: no key for algorithm %q", alg)
	}
	return kk, nil
}
