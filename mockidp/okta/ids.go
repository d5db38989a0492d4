package okta

import "crypto/rand"

// ID prefixes Okta uses (seen in real data).
const (
	PrefixApp        = "0oa"
	PrefixUser       = "00u"
	PrefixAuthServer = "aus"
	PrefixScope      = "scp"
	PrefixPolicy     = "00p"
	PrefixRule       = "0pr"
	PrefixGrant      = "oag"
	PrefixErrorID    = "oae"
)

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// idLen is the length of an Okta id: a 3-character prefix and 17 more.
const idLen = 20

// NewID returns a random Okta-looking id: prefix followed by alphanumerics,
// 20 characters in all.
func NewID(prefix string) string {
	n := idLen - len(prefix)
	if n < 8 {
		n = 8
	}
	out := make([]byte, 0, len(prefix)+n)
	out = append(out, prefix...)
	// Rejection sampling keeps every character equally likely.
	const limit = 256 - 256%len(idAlphabet)
	buf := make([]byte, n)
	for len(out) < len(prefix)+n {
		_, _ = rand.Read(buf) // never fails (crypto/rand)
		for _, b := range buf {
			if int(b) < limit && len(out) < len(prefix)+n {
				out = append(out, idAlphabet[int(b)%len(idAlphabet)])
			}
		}
	}
	return string(out)
}

// NewSecret returns a random 64-character client secret.
func NewSecret() string {
	const alphabet = idAlphabet + "-_"
	const limit = 256 - 256%len(alphabet)
	out := make([]byte, 0, 64)
	buf := make([]byte, 64)
	for len(out) < 64 {
		_, _ = rand.Read(buf)
		for _, b := range buf {
			if int(b) < limit && len(out) < 64 {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}
