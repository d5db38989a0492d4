package engine

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"regexp"

	"github.com/consentry/consentry/mockidp/oautherr"
)

// pkceChallenge is RFC 7636's code_challenge syntax.
var pkceChallenge = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// ParseChallenge reads an authorization request's code_challenge and
// code_challenge_method (RFC 7636): a method without a challenge, a
// challenge outside the code flow, an unknown method or a malformed
// challenge is invalid_request. The method defaults to plain. Whether a
// client must send one is the face's rule.
func ParseChallenge(q url.Values, codeFlow bool) (challenge, method string, e *oautherr.Error) {
	challenge, method = q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "" && method != "":
		return "", "", oautherr.InvalidRequest("code_challenge_method was sent without code_challenge.")
	case challenge == "":
		return "", "", nil
	case !codeFlow:
		return "", "", oautherr.InvalidRequest("code_challenge is only allowed with response_type=code.")
	}
	if method == "" {
		method = "plain"
	}
	if method != "S256" && method != "plain" {
		return "", "", oautherr.InvalidRequest("Unsupported code_challenge_method: " + method + " (use S256 or plain).")
	}
	if !pkceChallenge.MatchString(challenge) {
		return "", "", oautherr.InvalidRequest("code_challenge must be 43 to 128 characters of [A-Za-z0-9._~-].")
	}
	return challenge, method, nil
}

// PKCEMatches reports whether verifier answers challenge under method.
func PKCEMatches(method, challenge, verifier string) bool {
	want := verifier
	if method == "S256" {
		sum := sha256.Sum256([]byte(verifier))
		want = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(challenge)) == 1
}
