package demo

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/consentry/consentry/mockidp/tenant"
)

// result is what the callback page shows.
type result struct {
	Flow    *Flow
	Base    string
	Problem string // the app could not do its part (unknown state, ...)

	// The authorization response.
	Error, ErrorDescription string
	Code                    string

	// The token request and its answer.
	TokenRequest  string // the form sent, secret redacted
	TokenStatus   int
	TokenResponse string // the JSON answer, indented, tokens shortened
	TokenError    string

	IDToken, AccessToken *decoded
	RefreshToken         bool

	UserID string
	Grants []*tenant.UserGrant
	// GrantsNote explains an empty grant list.
	GrantsNote string
}

// decoded is a JWT taken apart.
type decoded struct {
	Raw      string
	Header   string // indented JSON
	Claims   string // indented JSON
	Verified string // what was checked, when it passed
	Problem  string // why verification failed
}

func (a *App) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	res := &result{Base: a.URL(), Error: q.Get("error"), ErrorDescription: q.Get("error_description"), Code: q.Get("code")}
	a.mu.Lock()
	p := a.pending[q.Get("state")]
	delete(a.pending, q.Get("state"))
	a.mu.Unlock()
	if p == nil {
		res.Problem = "This callback's state is not one the demo app sent (it was used already, is older than 10 minutes, or the mock restarted). Start the flow again."
		a.render(w, http.StatusBadRequest, "result.html", res)
		return
	}
	res.Flow = p.flow
	if res.Error != "" || res.Code == "" {
		if res.Error == "" {
			res.Error = "(none)"
			res.ErrorDescription = "The callback has neither a code nor an error."
		}
		a.render(w, http.StatusOK, "result.html", res)
		return
	}
	a.redeem(r.Context(), p, res)
	a.render(w, http.StatusOK, "result.html", res)
}

// redeem exchanges the code, decodes and verifies the tokens, and reads the
// user's grants.
func (a *App) redeem(ctx context.Context, p *pending, res *result) {
	f := p.flow
	c, err := a.cfg.Store.GetClient(ctx, f.ClientID)
	if err != nil {
		res.Problem = "The client " + f.ClientID + " is gone from the tenant."
		return
	}
	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {f.ClientID}, "code": {res.Code},
		"redirect_uri": {f.RedirectURI}, "code_verifier": {p.verifier}}
	shown := url.Values{}
	for k, v := range form {
		shown[k] = v
	}
	if c.ClientSecret != "" {
		form.Set("client_secret", c.ClientSecret)
		shown.Set("client_secret", "[redacted]")
	}
	var lines []string
	for k, v := range shown {
		lines = append(lines, k+"="+v[0])
	}
	slices.Sort(lines)
	res.TokenRequest = "POST " + a.cfg.Issuer + "oauth/token\nContent-Type: application/x-www-form-urlencoded\n\n" + strings.Join(lines, "\n")

	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.Issuer+"oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := a.http.Do(req)
	if err != nil {
		res.TokenError = err.Error()
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	res.TokenStatus = resp.StatusCode
	var tr map[string]any
	if err := json.Unmarshal(body, &tr); err != nil {
		res.TokenError = "the answer is not JSON: " + err.Error()
		return
	}
	res.TokenResponse = shortenTokens(tr)
	if resp.StatusCode != http.StatusOK {
		res.TokenError = fmt.Sprintf("HTTP %d %v: %v", resp.StatusCode, tr["error"], tr["error_description"])
		return
	}
	_, res.RefreshToken = tr["refresh_token"].(string)

	provider, err := oidc.NewProvider(oidc.ClientContext(ctx, a.http), a.cfg.Issuer)
	if err != nil {
		res.TokenError = "discovery: " + err.Error()
		return
	}
	if raw, _ := tr["id_token"].(string); raw != "" {
		res.IDToken = decode(raw)
		tok, err := provider.Verifier(&oidc.Config{ClientID: f.ClientID, Now: a.cfg.Now}).Verify(oidc.ClientContext(ctx, a.http), raw)
		switch {
		case err != nil:
			res.IDToken.Problem = err.Error()
		case tok.Nonce != p.nonce:
			res.IDToken.Problem = "the nonce is not the one the demo app sent"
		default:
			res.IDToken.Verified = "signature (JWKS), iss, aud = " + f.ClientID + ", exp and nonce verified"
		}
	}
	if raw, _ := tr["access_token"].(string); raw != "" {
		res.AccessToken = decode(raw)
		tok, err := provider.Verifier(&oidc.Config{SkipClientIDCheck: true, Now: a.cfg.Now}).Verify(oidc.ClientContext(ctx, a.http), raw)
		if err != nil {
			res.AccessToken.Problem = err.Error()
		} else {
			res.AccessToken.Verified = "signature (JWKS), iss and exp verified; aud " + strings.Join(tok.Audience, ", ")
			res.UserID = tok.Subject
		}
	}
	if res.UserID == "" {
		return
	}
	grants, err := a.cfg.Store.ListUserGrants(ctx, tenant.UserGrantFilter{UserID: res.UserID})
	if err != nil {
		res.GrantsNote = "cannot read the grants: " + err.Error()
		return
	}
	res.Grants = grants
	if len(grants) == 0 {
		res.GrantsNote = "None: a consent skipped by a first-party app records no grant (rule C4)."
	}
}

// decode splits a JWT into its indented header and claims.
func decode(raw string) *decoded {
	d := &decoded{Raw: raw}
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		d.Problem = "not a JWS compact serialization"
		return d
	}
	d.Header, d.Claims = indentPart(parts[0]), indentPart(parts[1])
	return d
}

func indentPart(p string) string {
	b, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return "(not base64url: " + err.Error() + ")"
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return string(b)
	}
	return out.String()
}

// shortenTokens renders a token response with each token cut to its start.
func shortenTokens(tr map[string]any) string {
	show := map[string]any{}
	for k, v := range tr {
		if s, ok := v.(string); ok && strings.HasSuffix(k, "_token") && len(s) > 24 {
			v = fmt.Sprintf("%s… (%d characters)", s[:20], len(s))
		}
		show[k] = v
	}
	b, _ := json.MarshalIndent(show, "", "  ")
	return string(b)
}

// inProcess serves the app's requests with the IdP's own handler.
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	// A fresh context: the caller's carries the demo route's chi context,
	// which the IdP's router would take for its own.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer context.AfterFunc(req.Context(), cancel)()
	req = req.WithContext(ctx)
	rec := httptest.NewRecorder()
	req.RemoteAddr = "127.0.0.1:0"
	req.RequestURI = req.URL.RequestURI()
	t.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
