package browser

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"
)

// testIdP mimics the IdP's pages per the page contract (data-prompt,
// data-scope-line, data-error, the form buttons), with just enough logic to
// drive every path the driver must read: login -> consent -> callback, the
// 403 error page of a strict decline, and callbacks by query, fragment and
// form_post. The authorize request's query is carried along in the form
// actions, so the test chooses the redirect_uri, state and response_mode.
//
// Query parameters of /authorize: redirect_uri, state, response_mode
// (query|fragment|form_post), deny=page (a decline shows the 403 error page),
// confirm=1 (a logged-in user gets the confirmation page, not consent),
// redirect_status=303 (the status of the redirects to the callback),
// prompt=none (without a session: straight back with login_required).
func newTestIdP(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if user(r) == "" && q.Get("prompt") == "none" {
			respond(w, r, q, url.Values{"error": {"login_required"}, "state": {q.Get("state")}})
			return
		}
		if user(r) == "" {
			http.Redirect(w, r, "/login?"+r.URL.RawQuery, http.StatusFound)
			return
		}
		http.Redirect(w, r, "/consent?"+r.URL.RawQuery, http.StatusFound)
	})
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		render(w, http.StatusOK, loginTmpl, map[string]any{"Action": "/login?" + r.URL.RawQuery})
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("action") != "default" || r.PostFormValue("password") != "pw" {
			render(w, http.StatusOK, loginTmpl, map[string]any{
				"Action": "/login?" + r.URL.RawQuery, "Error": "Wrong email or password.",
			})
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: r.PostFormValue("username"), Path: "/"})
		http.Redirect(w, r, "/consent?"+r.URL.RawQuery, http.StatusFound)
	})
	mux.HandleFunc("GET /consent", func(w http.ResponseWriter, r *http.Request) {
		u := user(r)
		if u == "" {
			http.Redirect(w, r, "/login?"+r.URL.RawQuery, http.StatusFound)
			return
		}
		render(w, http.StatusOK, consentTmpl, map[string]any{
			"Action": "/consent?" + r.URL.RawQuery, "User": u,
			"Confirmation": r.URL.Query().Get("confirm") == "1",
		})
	})
	mux.HandleFunc("POST /consent", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch r.PostFormValue("action") {
		case "accept":
			respond(w, r, q, url.Values{"code": {"c0de+/="}, "state": {q.Get("state")}})
		case "deny":
			if q.Get("deny") == "page" {
				render(w, http.StatusForbidden, errorTmpl, map[string]any{
					"Code": "access_denied", "Description": "User did not authorize the request",
				})
				return
			}
			respond(w, r, q, url.Values{
				"error":             {"access_denied"},
				"error_description": {"User did not authorize the request"},
				"state":             {q.Get("state")},
			})
		default:
			http.Error(w, "bad action", http.StatusBadRequest)
		}
	})
	mux.HandleFunc("GET /bad-client", func(w http.ResponseWriter, r *http.Request) {
		render(w, http.StatusBadRequest, errorTmpl, map[string]any{
			"Code": "invalid_request", "Description": "Unknown client: nope",
		})
	})
	mux.HandleFunc("GET /plain", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte("<!doctype html><title>Plain</title><p>No prompt here.</p>"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func user(r *http.Request) string {
	c, err := r.Cookie("sid")
	if err != nil {
		return ""
	}
	return c.Value
}

// respond sends the authorization response the way response_mode asks.
func respond(w http.ResponseWriter, r *http.Request, q, params url.Values) {
	cb := q.Get("redirect_uri")
	switch q.Get("response_mode") {
	case "form_post":
		render(w, http.StatusOK, formPostTmpl, map[string]any{"Action": cb, "Fields": params})
	case "fragment":
		w.Header().Set("Location", cb+"#"+params.Encode())
		w.WriteHeader(redirectStatus(q))
	default:
		w.Header().Set("Location", cb+"?"+params.Encode())
		w.WriteHeader(redirectStatus(q))
	}
}

// redirectStatus is the authorize request's redirect_status, default 302.
func redirectStatus(q url.Values) int {
	if s, err := strconv.Atoi(q.Get("redirect_status")); err == nil {
		return s
	}
	return http.StatusFound
}

func render(w http.ResponseWriter, status int, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = t.Execute(w, data)
}

var (
	loginTmpl = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Log in | Acme</title></head><body>
<main data-prompt="login">
  <h1>Welcome</h1>
  <p>Log in to Acme to continue to Test App.</p>
  {{if .Error}}<div role="alert" data-login-error>{{.Error}}</div>{{end}}
  <form method="post" action="{{.Action}}">
    <label for="username">Email address or username</label>
    <input type="text" id="username" name="username" required autofocus>
    <label for="password">Password</label>
    <input type="password" id="password" name="password" required>
    <button type="submit" name="action" value="default">Continue</button>
  </form>
</main></body></html>`))

	consentTmpl = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{if .Confirmation}}Confirm{{else}}Authorize Test App{{end}} | Acme</title></head><body>
<main data-prompt="{{if .Confirmation}}confirmation{{else}}consent{{end}}">
  {{if .Confirmation}}<h1>Continue to Test App?</h1>{{else}}<h1>Authorize Test App</h1>{{end}}
  <p>Signed in as <span data-user>{{.User}}</span></p>
  {{if not .Confirmation}}<ul>
    <li data-scope-line><b>Posts</b>: read and write your posts</li>
    <li data-scope-line><b>Profile</b>: read your profile</li>
  </ul>{{end}}
  <form method="post" action="{{.Action}}">
    <button type="submit" name="action" value="deny">Decline</button>
    <button type="submit" name="action" value="accept">Accept</button>
  </form>
</main></body></html>`))

	errorTmpl = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Error | Acme</title></head><body>
<main data-prompt="error">
  <h1>Something went wrong</h1>
  <p><code data-error>{{.Code}}</code></p>
  <p data-error-description>{{.Description}}</p>
</main></body></html>`))

	// Like mockidp/pages/templates/formpost.html: the relay page has
	// data-prompt="form-post" and submits itself.
	formPostTmpl = template.Must(template.New("formpost").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Submit this form</title></head>
<body data-prompt="form-post">
<form method="post" action="{{.Action}}">
{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">
{{end}}<noscript><p>Script is off: press the button to continue.</p></noscript>
<button type="submit">Continue</button>
</form>
<script>document.forms[0].submit()</script>
</body></html>`))
)

// sentinel is a real loopback server standing in for a native app's
// redirect listener: a captured callback must never reach it.
type sentinel struct {
	*httptest.Server
	hits atomic.Int32
	last atomic.Value // the last request line
}

func newSentinel(t *testing.T) *sentinel {
	s := &sentinel{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.last.Store(r.Method + " " + r.URL.String())
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<main data-prompt="consent">the callback was LOADED</main>`))
	}))
	t.Cleanup(s.Close)
	return s
}

// authorize builds an /authorize URL on the test IdP.
func authorize(srv *httptest.Server, redirectURI, state string, extra ...string) string {
	q := url.Values{"redirect_uri": {redirectURI}, "state": {state}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return srv.URL + "/authorize?" + q.Encode()
}

func pathOf(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return rawURL
	}
	return u.Path
}
