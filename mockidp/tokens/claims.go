package tokens

import (
	"fmt"

	"github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
)

// Tokens of another vendor's shape: a face whose claims are not Auth0's
// (Okta's scp array, cid, uid, ver; an ID token aud that is one string)
// builds its own claims and has the issuer sign and verify them with the
// same keys.

// NewKeys generates a key set (one RS256, one ES256 key) kept in memory
// only, for an org that has no tenant.Store to keep keys in.
func NewKeys() (*Keys, error) {
	k := &Keys{ready: make(chan struct{}), byAlg: map[string]key{}, byKID: map[string]key{}}
	defer close(k.ready) // complete once NewKeys returns
	for _, alg := range []string{RS256, ES256} {
		signer, err := generate(alg)
		if err != nil {
			return nil, err
		}
		kid, err := thumbprint(signer)
		if err != nil {
			return nil, err
		}
		k.add(key{kid: kid, alg: alg, signer: signer})
	}
	return k, nil
}

// JWKSFor is the public key set restricted to one algorithm (Okta
// publishes and uses RS256 only).
func (k *Keys) JWKSFor(alg string) jose.JSONWebKeySet {
	var set jose.JSONWebKeySet
	for _, kk := range k.JWKS().Keys {
		if kk.Algorithm == alg {
			set.Keys = append(set.Keys, kk)
		}
	}
	return set
}

// SignClaims signs claims with the RS256 key; the face sets every claim,
// iss included.
func (i *Issuer) SignClaims(claims jwt.MapClaims) (string, error) {
	return i.sign(RS256, claims)
}

// VerifyClaims checks a token's signature (RS256 only), that iss is the
// issuer's URL and, unless ignoreExpiry, that it has not expired; it
// returns the claims.
func (i *Issuer) VerifyClaims(token string, ignoreExpiry bool) (jwt.MapClaims, error) {
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{RS256}), jwt.WithIssuer(i.URL), jwt.WithTimeFunc(i.now)}
	if ignoreExpiry {
		opts = append(opts, jwt.WithoutClaimsValidation())
	} else {
		opts = append(opts, jwt.WithExpirationRequired())
	}
	c := jwt.MapClaims{}
	if _, err := jwt.ParseWithClaims(token, c, i.keyFunc, opts...); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if ignoreExpiry {
		if iss, _ := c["iss"].(string); iss != i.URL {
			return nil, fmt.Errorf("%w: wrong issuer", ErrInvalidToken)
		}
	}
	return c, nil
}
