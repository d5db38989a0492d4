package features_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/consentry/consentry/steps/target"
)

// The rules of tokens and browser applications: W4 (refresh token
// rotation), J1 (tokens and keys), J2 (userinfo), W3 (JSON bodies) and W1
// (CORS), each broken two ways.

// W4: the rotation setting lost on the way to the mock, and a reuse
// refused without ending the family.

func TestMutationW4_RotationSettingIgnored(t *testing.T) {
	expectFailure(t, "@rule:W4", "W4", target.StartOptions{Wrap: rewriteJSON(func(r *http.Request, obj map[string]any) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/api/v2/clients") {
			delete(obj, "refresh_token") // the bug: the client keeps its refresh tokens unrotated
		}
	})})
}

func TestMutationW4_ReuseDoesNotEndTheFamily(t *testing.T) {
	// The bug: a spent refresh token is refused as an unknown one, and
	// the tokens rotated from it keep working.
	var seen sync.Map
	expectFailure(t, "@rule:W4", "W4", target.StartOptions{Wrap: rewriteForm(func(r *http.Request, form url.Values) {
		if !strings.HasSuffix(r.URL.Path, "/oauth/token") || form.Get("grant_type") != "refresh_token" {
			return
		}
		if _, reused := seen.LoadOrStore(form.Get("refresh_token"), true); reused {
			form.Set("refresh_token", "not-a-refresh-token")
		}
	})})
}

// J2: the userinfo endpoint answering any token, and answering for
// someone else.

func TestMutationJ2_UserinfoAnswersAnyToken(t *testing.T) {
	expectFailure(t, "@rule:J2", "J2", target.StartOptions{Wrap: rewriteUserinfo(func(status int, body []byte) (int, []byte) {
		if status == http.StatusUnauthorized || status == http.StatusForbidden {
			return http.StatusOK, []byte(`{"sub":"auth0|anyone"}`) // the bug: no check of the token's scopes
		}
		return status, body
	})})
}

func TestMutationJ2_UserinfoAnswersForAnotherUser(t *testing.T) {
	expectFailure(t, "@rule:J2", "J2", target.StartOptions{Wrap: rewriteUserinfo(func(status int, body []byte) (int, []byte) {
		if status == http.StatusOK {
			return status, []byte(`{"sub":"auth0|someone-else"}`) // the bug: the claims of another user
		}
		return status, body
	})})
}

// rewriteUserinfo lets edit replace the mock's answers at /userinfo.
func rewriteUserinfo(edit func(status int, body []byte) (int, []byte)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasSuffix(r.URL.Path, "/userinfo") {
				next.ServeHTTP(w, r)
				return
			}
			rec := &recorder{header: http.Header{}}
			next.ServeHTTP(rec, r)
			status, body := edit(rec.status, rec.body.Bytes())
			rec.status, rec.body = status, *bytes.NewBuffer(body)
			rec.header.Set("Content-Type", "application/json")
			rec.header.Del("Content-Length")
			rec.header.Del("WWW-Authenticate")
			rec.copyTo(w)
		})
	}
}

// J1: the nonce lost on the way to the mock, and access tokens signed with
// a key the JWKS does not publish (under the kid of one it does).

func TestMutationJ1_NonceDropped(t *testing.T) {
	expectFailure(t, "@rule:J1", "J1", target.StartOptions{Wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/authorize") {
				q := r.URL.Query()
				q.Del("nonce") // the bug: the ID token carries no nonce
				r.URL.RawQuery = q.Encode()
			}
			next.ServeHTTP(w, r)
		})
	}})
}

func TestMutationJ1_AccessTokenSignedWithAnUnpublishedKey(t *testing.T) {
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	expectFailure(t, "@rule:J1", "J1", target.StartOptions{Wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(raw))
			form, _ := url.ParseQuery(string(raw))
			// The user's tokens only: the harness's own Management API
			// token (client credentials) stays good.
			if !strings.HasSuffix(r.URL.Path, "/oauth/token") || form.Get("grant_type") != "authorization_code" {
				next.ServeHTTP(w, r)
				return
			}
			rec := &recorder{header: http.Header{}}
			next.ServeHTTP(rec, r)
			var body map[string]any
			if rec.status == http.StatusOK && json.Unmarshal(rec.body.Bytes(), &body) == nil {
				if at, _ := body["access_token"].(string); at != "" {
					var claims jwt.MapClaims
					if tok, _, err := jwt.NewParser().ParseUnverified(at, &claims); err == nil {
						forged := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
						forged.Header["kid"] = tok.Header["kid"] // the bug: a key the JWKS does not have
						if signed, err := forged.SignedString(other); err == nil {
							body["access_token"] = signed
							b, _ := json.Marshal(body)
							rec.body = *bytes.NewBuffer(b)
							rec.header.Del("Content-Length")
						}
					}
				}
			}
			rec.copyTo(w)
		})
	}})
}

// W3: a JSON body refused at the token endpoint, and a JSON revocation
// answered 200 without revoking anything.

func TestMutationW3_TokenEndpointRefusesJSON(t *testing.T) {
	expectFailure(t, "@rule:W3", "W3", target.StartOptions{Wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/oauth/token") && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				w.Header().Set("Content-Type", "application/json") // the bug: forms only
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"error":"invalid_request","error_description":"Content-Type must be application/x-www-form-urlencoded"}`)
				return
			}
			next.ServeHTTP(w, r)
		})
	}})
}

func TestMutationW3_JSONRevocationIgnored(t *testing.T) {
	expectFailure(t, "@rule:W3", "W3", target.StartOptions{Wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/oauth/revoke") && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				w.WriteHeader(http.StatusOK) // the bug: the JSON body is never read
				return
			}
			next.ServeHTTP(w, r)
		})
	}})
}

// W1: any origin allowed (the Origin header reflected), and no CORS
// headers at all.

func TestMutationW1_AnyOriginAllowed(t *testing.T) {
	expectFailure(t, "@rule:W1", "W1", target.StartOptions{Wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if o := r.Header.Get("Origin"); o != "" && strings.HasSuffix(r.URL.Path, "/oauth/token") {
				w.Header().Set("Access-Control-Allow-Origin", o) // the bug: the Origin reflected, whoever sent it
			}
			next.ServeHTTP(w, r)
		})
	}})
}

func TestMutationW1_NoCORSHeaders(t *testing.T) {
	expectFailure(t, "@rule:W1", "W1", target.StartOptions{Wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Header.Del("Origin") // the bug: CORS never answered
			next.ServeHTTP(w, r)
		})
	}})
}
