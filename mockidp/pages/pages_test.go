package pages

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestPagesFollowTheContract(t *testing.T) {
	tn := Tenant{Name: "Acme <Test>"}
	form := Form{Action: "/u/consent?state=tx1", State: "tx1", CSRF: "c1"}
	cases := []struct {
		name   string
		render func(*httptest.ResponseRecorder)
		status int
		want   []string
		not    []string
	}{
		{"login", func(w *httptest.ResponseRecorder) {
			RenderLogin(w, 200, Login{Tenant: tn, Client: Client{Name: "App"}, Form: form})
		}, 200,
			[]string{`data-prompt="login"`, `name="username"`, `name="password"`, `name="action" value="default"`, `name="csrf" value="c1"`, "Acme &lt;Test&gt;"}, nil},
		{"consent", func(w *httptest.ResponseRecorder) {
			RenderConsent(w, Consent{Tenant: tn, Client: Client{Name: "Partner"}, Form: form, UserEmail: "a@x", Lines: []ScopeLine{{Title: "Posts", Text: "read and write your posts"}}, Scopes: []string{"read:posts"}})
		}, 200, []string{`data-prompt="consent"`, `data-scope-line><b>Posts</b>: read and write your posts`, `value="accept"`, `value="deny"`, `name="scope" value="read:posts"`, "Partner", "a@x"}, []string{`data-prompt="confirmation"`}},
		{"confirmation", func(w *httptest.ResponseRecorder) {
			RenderConsent(w, Consent{Tenant: tn, Client: Client{Name: "Native"}, Form: form, Confirmation: true, Lines: []ScopeLine{{Text: "x"}}})
		}, 200, []string{`data-prompt="confirmation"`, `value="accept"`, `value="deny"`}, []string{"data-scope-line"}},
		{"error", func(w *httptest.ResponseRecorder) {
			RenderError(w, Error{Tenant: tn, Code: "access_denied", Description: "User did not authorize the request", Status: 403})
		}, 403, []string{`data-prompt="error"`, `<code data-error>access_denied</code>`, `data-error-description>User did not authorize the request`}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c.render(w)
			body := w.Body.String()
			if w.Code != c.status {
				t.Errorf("status %d, want %d", w.Code, c.status)
			}
			for _, s := range c.want {
				if !strings.Contains(body, s) {
					t.Errorf("missing %q in\n%s", s, body)
				}
			}
			for _, s := range c.not {
				if strings.Contains(body, s) {
					t.Errorf("unexpected %q", s)
				}
			}
		})
	}
}
