package tokens

import (
	"fmt"

	"github.com/golang-jwt/jwt/v5"
)

// VerifyIDTokenHint checks an id_token_hint (OpenID Connect RP-Initiated
// Logout 1.0): an ID token this issuer signed, whose signature and issuer
// are checked and whose expiry is not, since the specification asks the
// provider to accept a hint that has expired. The audience is the client
// the hint names.
func (i *Issuer) VerifyIDTokenHint(token string) (*IDClaims, error) {
	var c IDClaims
	_, err := jwt.ParseWithClaims(token, &c, i.keyFunc,
		jwt.WithValidMethods([]string{RS256}),
		jwt.WithoutClaimsValidation(),
	)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidToken, err)
	}
	if c.Issuer != i.URL {
		return nil, fmt.Errorf("%w: issuer %q is not %q", ErrInvalidToken, c.Issuer, i.URL)
	}
	if len(c.Audience) == 0 || c.Subject == "" {
		return nil, fmt.Errorf("%w: no aud or sub", ErrInvalidToken)
	}
	return &c, nil
}
