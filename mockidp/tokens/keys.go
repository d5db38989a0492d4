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
	// ready is closed when byAlg and byKID are complete (Prepare generates
	// missing keys in the background) and err is set.
	ready chan struct{}
	err   error
	byAlg map[string]key
	byKID map[string]key
}

// LoadOrCreate returns the tenant's keys, generating and storing whichever
// of the RS256 and ES256 keys the store does not have yet. Processes sharing
// one store may do this at the same time: a key is stored only if no key of
// its algorithm is (AddSigningKeyIfAbsent), and a process whose key was not
// stored uses the stored one, so all of them sign with the same keys.
func LoadOrCreate(ctx context.Context, st tenant.Store) (*Keys, error) {
	k, err := Prepare(ctx, st)
	if err != nil {
		return nil, err
	}
	if err := k.Wait(); err != nil {
		return nil, err
	}
	return k, nil
}

// Prepare is LoadOrCreate without the wait: it reads the stored keys (and
// reports a bad one), then generates and stores the missing ones in the
// background. Signing, verifying and the JWKS wait for them; everything
// else can be served at once. An RSA-2048 key takes 10 to 70 ms to
// generate on 2 cores, most of a fresh mock's start before this.
func Prepare(ctx context.Context, st tenant.Store) (*Keys, error) {
	stored, err := st.SigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("tokens: read signing keys: %w", err)
	}
	k := &Keys{ready: make(chan struct{}), byAlg: map[string]key{}, byKID: map[string]key{}}
	for _, sk := range stored {
		signer, err := parsePEM(sk.PEM)
		if err != nil {
			return nil, fmt.Errorf("tokens: key %s: %w", sk.KID, err)
		}
		k.add(key{kid: sk.KID, alg: sk.Alg, signer: signer})
	}
	var missing []string
	for _, alg := range []string{RS256, ES256} {
		if _, ok := k.byAlg[alg]; !ok {
			missing = append(missing, alg)
		}
	}
	if len(missing) == 0 {
		close(k.ready)
		return k, nil
	}
	ctx = context.WithoutCancel(ctx)
	go func() {
		defer close(k.ready)
		for _, alg := range missing {
			if k.err = k.create(ctx, st, alg); k.err != nil {
				return
			}
		}
	}()
	return k, nil
}

// Wait blocks until every key exists and returns the error that kept one
// from being generated or stored.
func (k *Keys) Wait() error {
	<-k.ready
	return k.err
}

// create generates a key for alg and stores it unless another process
// sharing the store stored one first; then it uses the stored key instead.
func (k *Keys) create(ctx context.Context, st tenant.Store, alg string) error {
	signer, err := generate(alg)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(signer)
	if err != nil {
		return fmt.Errorf("tokens: encode key: %w", err)
	}
	kid, err := thumbprint(signer)
	if err != nil {
		return err
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	stored, err := st.AddSigningKeyIfAbsent(ctx, tenant.SigningKey{KID: kid, Alg: alg, PEM: pemBytes, CreatedAt: time.Now().UTC()})
	if err != nil {
		return fmt.Errorf("tokens: store key: %w", err)
	}
	if stored {
		k.add(key{kid: kid, alg: alg, signer: signer})
		return nil
	}
	// Another process stored its key of alg first: read it back.
	all, err := st.SigningKeys(ctx)
	if err != nil {
		return fmt.Errorf("tokens: read signing keys: %w", err)
	}
	for _, sk := range all {
		if sk.Alg != alg {
			continue
		}
		s, err := parsePEM(sk.PEM)
		if err != nil {
			return fmt.Errorf("tokens: key %s: %w", sk.KID, err)
		}
		k.add(key{kid: sk.KID, alg: sk.Alg, signer: s})
	}
	if _, ok := k.byAlg[alg]; !ok {
		return fmt.Errorf("tokens: no %s key stored", alg)
	}
	return nil
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
// It waits for keys being generated; it is empty when that failed.
func (k *Keys) JWKS() jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	if k.Wait() != nil {
		return set
	}
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
	if err := k.Wait(); err != nil {
		return key{}, err
	}
	if alg == "" {
		alg = RS256
	}
	kk, ok := k.byAlg[alg]
	if !ok {
		return key{}, fmt.Errorf("tokens: no key for algorithm %q", alg)
	}
	return kk, nil
}

// byID returns the key with kid, once every key exists.
func (k *Keys) byID(kid string) (key, bool) {
	if k.Wait() != nil {
		return key{}, false
	}
	kk, ok := k.byKID[kid]
	return kk, ok
}
