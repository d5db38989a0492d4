package oktaadmin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/store/oktamem"
)

const testToken = "00test-api-token-NOT-FOR-PRODUCTION"

var testNow = time.Date(2026, 3, 27, 4, 46, 11, 123456789, time.UTC)

type env struct {
	t      *testing.T
	store  *oktamem.Store
	srv    *httptest.Server
	api    *API
	def    *okta.AuthServer
	secret atomic.Int64
}

// newEnv starts the admin API over a seeded org (the default server, its
// system scopes, default policy and rule).
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, store: oktamem.New()}
	var n atomic.Int64
	e.api = New(Config{
		Store: e.store, Token: testToken,
		NewID:        func(p string) string { return fmt.Sprintf("%s%017d", p, n.Add(1)) },
		NewSecret:    func() string { return fmt.Sprintf("secret-%058d", e.secret.Add(1)) },
		HashPassword: func(pw string) (string, error) { return "hash:" + fmt.Sprint(len(pw)), nil },
		Now:          func() time.Time { return testNow },
	})
	e.srv = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.srv.Close)
	d, err := okta.SeedOrg(t.Context(), e.store, testNow)
	if err != nil {
		t.Fatal(err)
	}
	e.def = d
	return e
}

type resp struct {
	status int
	header http.Header
	raw    []byte
}

func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.raw, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.raw)
	}
	return m
}

func (r resp) list(t *testing.T) []map[string]any {
	t.Helper()
	var l []map[string]any
	if err := json.Unmarshal(r.raw, &l); err != nil {
		t.Fatalf("body is not a JSON array: %v\n%s", err, r.raw)
	}
	return l
}

func (e *env) call(method, path string, body any, auth string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, _ := json.Marshal(b)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(e.t.Context(), method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if ct := res.Header.Get("Content-Type"); len(raw) > 0 && !strings.HasPrefix(ct, "application/json") {
		e.t.Errorf("%s %s: Content-Type %q, want application/json", method, path, ct)
	}
	return resp{status: res.StatusCode, header: res.Header, raw: raw}
}

func (e *env) do(method, path string, body any) resp {
	e.t.Helper()
	return e.call(method, path, body, "SSWS "+testToken)
}

// expect checks the status, failing with the body.
func (e *env) expect(r resp, status int) resp {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

// expectError checks an Okta error body.
func (e *env) expectError(r resp, status int, code, summary string) map[string]any {
	e.t.Helper()
	e.expect(r, status)
	m := r.obj(e.t)
	if m["errorCode"] != code || m["errorLink"] != code {
		e.t.Errorf("errorCode %v errorLink %v, want %s", m["errorCode"], m["errorLink"], code)
	}
	if summary != "" && m["errorSummary"] != summary {
		e.t.Errorf("errorSummary %q, want %q", m["errorSummary"], summary)
	}
	id, _ := m["errorId"].(string)
	if !strings.HasPrefix(id, "oae") || len(id) != 25 {
		e.t.Errorf("errorId %q is not an oae... id", id)
	}
	if _, ok := m["errorCauses"].([]any); !ok {
		e.t.Errorf("errorCauses %v is not a list", m["errorCauses"])
	}
	return m
}

func causeTexts(m map[string]any) []string {
	var out []string
	cs, _ := m["errorCauses"].([]any)
	for _, c := range cs {
		if cm, ok := c.(map[string]any); ok {
			out = append(out, fmt.Sprint(cm["errorSummary"]))
		}
	}
	return out
}

// path digs into a decoded JSON object: path(m, "settings", "oauthClient", "consent_method").
func path(m map[string]any, keys ...string) any {
	var cur any = m
	for _, k := range keys {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[k]
	}
	return cur
}

// webAppBody is a minimal web app as the Apps API takes it.
func webAppBody(label string) map[string]any {
	return map[string]any{
		"name": "oidc_client", "label": label, "signOnMode": "OPENID_CONNECT",
		"credentials": map[string]any{"oauthClient": map[string]any{"token_endpoint_auth_method": "client_secret_basic"}},
		"settings": map[string]any{"oauthClient": map[string]any{
			"redirect_uris": []string{"https://app.example.com/callback"}, "response_types": []string{"code"},
			"grant_types": []string{"authorization_code"}, "application_type": "web",
		}},
	}
}

func (e *env) createApp(label string) map[string]any {
	e.t.Helper()
	return e.expect(e.do("POST", "/api/v1/apps", webAppBody(label)), 200).obj(e.t)
}

func (e *env) createUser(login string) map[string]any {
	e.t.Helper()
	body := map[string]any{
		"profile":     map[string]any{"firstName": "Ann", "lastName": "Example", "email": login, "login": login},
		"credentials": map[string]any{"password": map[string]any{"value": "Tr0ub4dor&3x"}},
	}
	return e.expect(e.do("POST", "/api/v1/users?activate=true", body), 200).obj(e.t)
}
