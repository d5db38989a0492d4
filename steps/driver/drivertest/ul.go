// Package drivertest holds what the driver.Driver implementations test
// against in common, in the manner of mockidp/store/storetest: a fake
// Universal-Login-like IdP (ULIdP), the selectors that read it
// (ULSelectors), and the flow every driver must get through on it
// (RunUniversalLogin), run from each implementation's own tests:
//
//	func TestUniversalLogin(t *testing.T) {
//		drivertest.RunUniversalLogin(t, func(t *testing.T, sel driver.Selectors) driver.Driver {
//			d, err := httpua.New(httpua.Options{Selectors: sel})
//			...
//		})
//	}
//
// It is for tests only: no non-test code imports it.
package drivertest

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/consentry/consentry/steps/driver"
)

// ULSelectors read ULIdP's pages: ids, classes and attribute operators
// only, no data-*, field and button names that are not the mock's, a
// decline that is a link, an accept that is a button on one page and an
// input on another, and an error code inside a sentence.
var ULSelectors = driver.Selectors{
	Username:         "input#user-email",
	Password:         "input#user-pass",
	Login:            "form.c-form button.login-submit:not([disabled])",
	Next:             "form.c-form button[name^=continue]",
	Accept:           "#accept-btn",
	Decline:          "a.decline, button#decline-btn",
	ScopeLine:        "ul.scopes > li",
	Error:            "#error-message",
	ErrorPattern:     `code: ([a-z_]+)`,
	ErrorDescription: ".error-description",
	LoginPage:        []string{"input#user-pass, input#user-email"},
	ConsentPage:      []string{"form #accept-btn", "ul.scopes li"},
	ConfirmationPage: []string{"form #accept-btn"},
	ErrorPage:        []string{"#error-message, .error-page"},
}

// ULIdP serves Universal-Login-like pages that carry none of the mock's
// markup: a driver finds its way through them by ULSelectors alone. The
// user is ann, password pw; the login and consent forms carry a hidden
// state field the IdP checks, and the login form's fields are named email
// and passwd (a driver that posts the mock's username, password or action
// fields fails the login).
//
// Query parameters of /authorize (carried along to the pages): redirect_uri
// (where an accept goes), state, confirm=1 (a confirmation page: an input
// button without a scope list, instead of consent), response_mode=form_post
// (an accept answers with a plain self-submitting form instead of a 302),
// login=identifier-first (a username page, then a password page). A
// decline, a link on the consent page, shows a 403 error page whose code
// sits in a sentence. The server is closed when t ends.
func ULIdP(t *testing.T) *httptest.Server {
	t.Helper()
	page := func(w http.ResponseWriter, status int, title, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title></head>
<body class="_widget-auto-layout"><main class="_widget"><section class="c-container">%s</section></main></body></html>`, title, body)
	}
	login := func(w http.ResponseWriter, r *http.Request, problem string) {
		alert := ""
		if problem != "" {
			alert = `<div class="error" id="error-element-password">` + problem + `</div>`
		}
		fields := `<label for="user-email">Email address</label><input class="input" id="user-email" name="email" type="text" required>
<label for="user-pass">Password</label><input class="input" id="user-pass" name="passwd" type="password" required>
<button type="submit" class="c-button login-submit">Continue</button>`
		if r.URL.Query().Get("login") == "identifier-first" {
			if r.FormValue("email") != "ann" { // the username page
				fields = `<label for="user-email">Email address</label><input class="input" id="user-email" name="email" type="text" required>
<button type="submit" class="c-button" name="continue-id" value="1">Continue</button>`
			} else { // the password page, for the user named on the first
				fields = `<p>ann</p><input type="hidden" name="email" value="ann">
<label for="user-pass">Password</label><input class="input" id="user-pass" name="passwd" type="password" required>
<button type="submit" class="c-button login-submit">Log in</button>`
			}
		}
		page(w, http.StatusOK, "Log in | Acme", `<header><h1 id="title">Welcome</h1><p>Log in to Acme to continue to Test App.</p></header>
<form method="POST" class="c-form"><input type="hidden" name="state" value="ul-state">`+alert+fields+`</form>`)
	}
	signedIn := func(r *http.Request) bool { c, err := r.Cookie("ul"); return err == nil && c.Value == "ann" }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		if signedIn(r) {
			http.Redirect(w, r, "/u/consent?"+r.URL.RawQuery, http.StatusFound)
			return
		}
		http.Redirect(w, r, "/u/login?"+r.URL.RawQuery, http.StatusFound)
	})
	mux.HandleFunc("GET /u/login", func(w http.ResponseWriter, r *http.Request) { login(w, r, "") })
	mux.HandleFunc("POST /u/login", func(w http.ResponseWriter, r *http.Request) {
		idFirst := r.URL.Query().Get("login") == "identifier-first"
		if idFirst && r.PostFormValue("continue-id") == "1" && r.PostFormValue("email") == "ann" && !r.PostForm.Has("passwd") {
			login(w, r, "") // on to the password page
			return
		}
		if r.PostFormValue("state") != "ul-state" || r.PostFormValue("email") != "ann" || r.PostFormValue("passwd") != "pw" ||
			r.PostForm.Has("action") || r.PostForm.Has("username") || r.PostForm.Has("password") {
			login(w, r, "Wrong email or password")
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "ul", Value: "ann", Path: "/"})
		http.Redirect(w, r, "/u/consent?"+r.URL.RawQuery, http.StatusFound)
	})
	mux.HandleFunc("GET /u/consent", func(w http.ResponseWriter, r *http.Request) {
		if !signedIn(r) {
			http.Redirect(w, r, "/u/login?"+r.URL.RawQuery, http.StatusFound)
			return
		}
		scopes := `<ul class="scopes"><li class="scope"><b>Posts</b>: read and write your posts</li>
<li class="scope"><b>Profile</b>: read your profile</li></ul>`
		title := "Authorize Test App | Acme"
		accept := `<button type="submit" id="accept-btn" class="c-button" name="decision" value="yes">Allow Access</button>`
		if r.URL.Query().Get("confirm") == "1" {
			scopes, title = `<p>Continue to Test App?</p>`, "Confirm | Acme"
			accept = `<input type="submit" id="accept-btn" class="c-button" name="decision" value="Continue">`
		}
		page(w, http.StatusOK, title, `<h1>Authorize Test App</h1><p>Hi ann</p>`+scopes+`
<form method="POST" class="c-form"><input type="hidden" name="state" value="ul-state">`+accept+`</form>
<a class="decline" href="/u/consent/cancel?`+html.EscapeString(r.URL.RawQuery)+`">Don&#39;t Allow</a>`)
	})
	denied := func(w http.ResponseWriter) {
		page(w, http.StatusForbidden, "Error | Acme", `<div class="error-page"><h1>Oops!, something went wrong</h1>
<p id="error-message">The request was refused (error code: access_denied).</p>
<p class="error-description">User did not authorize the request</p></div>`)
	}
	mux.HandleFunc("GET /u/consent/cancel", func(w http.ResponseWriter, r *http.Request) {
		if !signedIn(r) {
			http.Error(w, "no session", http.StatusBadRequest)
			return
		}
		denied(w)
	})
	mux.HandleFunc("POST /u/consent", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.PostFormValue("state") != "ul-state" {
			http.Error(w, "bad state", http.StatusBadRequest)
			return
		}
		switch r.PostFormValue("decision") {
		case "yes", "Continue":
			cb := q.Get("redirect_uri")
			if q.Get("response_mode") == "form_post" {
				page(w, http.StatusOK, "Submit This Form", `<form method="post" action="`+html.EscapeString(cb)+`">
<input type="hidden" name="code" value="ul-code"><input type="hidden" name="state" value="`+html.EscapeString(q.Get("state"))+`">
</form><script>document.forms[0].submit()</script>`)
				return
			}
			http.Redirect(w, r, cb+"?code=ul-code&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
		default:
			http.Error(w, "no decision", http.StatusBadRequest)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// ULAuthorize builds an /authorize URL on srv (a ULIdP) with redirect_uri
// and state, plus extra parameters as name, value pairs.
func ULAuthorize(srv *httptest.Server, redirectURI, state string, extra ...string) string {
	q := url.Values{"redirect_uri": {redirectURI}, "state": {state}}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	return srv.URL + "/authorize?" + q.Encode()
}
