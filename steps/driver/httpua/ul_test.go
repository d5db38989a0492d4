package httpua

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/consentry/consentry/steps/driver"
)

// ulSelectors read ulIdP's pages: ids and classes only, no data-*, field
// and button names that are not the mock's.
var ulSelectors = driver.Selectors{
	Username:         "input#user-email",
	Password:         "input#user-pass",
	Login:            "form.c-form button.login-submit",
	Accept:           "button#accept-btn",
	Decline:          "button#decline-btn",
	ScopeLine:        "ul.scopes > li",
	Error:            "#error-message .error-code",
	ErrorDescription: ".error-description",
	LoginPage:        []string{"input#user-pass, input#user-email"},
	ConsentPage:      []string{"form button#accept-btn", "ul.scopes li"},
	ConfirmationPage: []string{"form button#accept-btn"},
	ErrorPage:        []string{"#error-message, .error-page"},
}

// ulIdP serves Universal-Login-like pages that carry none of the mock's
// markup: the driver finds its way through them by ulSelectors alone.
// /authorize?confirm=1 shows a confirmation page (buttons, no scope list)
// instead of consent; a decline shows a 403 error page.
func ulIdP(t *testing.T, callback string) *httptest.Server {
	t.Helper()
	page := func(w http.ResponseWriter, status int, title, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><title>%s</title></head>
<body class="_widget-auto-layout"><main class="_widget"><section class="c-container">%s</section></main></body></html>`, title, body)
	}
	login := func(w http.ResponseWriter, problem string) {
		alert := ""
		if problem != "" {
			alert = `<div class="error" id="error-element-password">` + problem + `</div>`
		}
		page(w, http.StatusOK, "Log in | Acme", `<header><h1 id="title">Welcome</h1><p>Log in to Acme to continue to Test App.</p></header>
<form method="POST" class="c-form"><input type="hidden" name="state" value="ul-state">`+alert+`
<label for="user-email">Email address</label><input class="input" id="user-email" name="email" type="text" required>
<label for="user-pass">Password</label><input class="input" id="user-pass" name="passwd" type="password" required>
<button type="submit" class="c-button login-submit">Continue</button></form>`)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/u/consent?"+r.URL.RawQuery, http.StatusFound) // or the login page
	})
	mux.HandleFunc("GET /u/login", func(w http.ResponseWriter, r *http.Request) { login(w, "") })
	mux.HandleFunc("POST /u/login", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("state") != "ul-state" || r.PostFormValue("email") != "ann" || r.PostFormValue("passwd") != "pw" ||
			r.PostForm.Has("action") || r.PostForm.Has("username") || r.PostForm.Has("password") {
			login(w, "Wrong email or password")
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "ul", Value: "ann", Path: "/"})
		http.Redirect(w, r, "/u/consent?"+r.URL.RawQuery, http.StatusFound)
	})
	mux.HandleFunc("GET /u/consent", func(w http.ResponseWriter, r *http.Request) {
		if c, err := r.Cookie("ul"); err != nil || c.Value != "ann" {
			http.Redirect(w, r, "/u/login?"+r.URL.RawQuery, http.StatusFound)
			return
		}
		scopes := `<ul class="scopes"><li class="scope"><b>Posts</b>: read and write your posts</li>
<li class="scope"><b>Profile</b>: read your profile</li></ul>`
		title := "Authorize Test App | Acme"
		if r.URL.Query().Get("confirm") == "1" {
			scopes, title = `<p>Continue to Test App?</p>`, "Confirm | Acme"
		}
		page(w, http.StatusOK, title, `<h1>Authorize Test App</h1><p>Hi ann</p>`+scopes+`
<form method="POST" class="c-form"><input type="hidden" name="state" value="ul-state">
<button type="submit" id="decline-btn" class="c-button secondary" name="decision" value="no">Decline</button>
<button type="submit" id="accept-btn" class="c-button" name="decision" value="yes">Accept</button></form>`)
	})
	mux.HandleFunc("POST /u/consent", func(w http.ResponseWriter, r *http.Request) {
		if r.PostFormValue("state") != "ul-state" {
			http.Error(w, "bad state", http.StatusBadRequest)
			return
		}
		switch r.PostFormValue("decision") {
		case "yes":
			http.Redirect(w, r, callback+"?code=ul-code&state="+url.QueryEscape(r.URL.Query().Get("state")), http.StatusFound)
		case "no":
			page(w, http.StatusForbidden, "Error | Acme", `<div class="error-page"><h1>Oops!, something went wrong</h1>
<p id="error-message"><span class="error-code">access_denied</span></p>
<p class="error-description">`+html.EscapeString("User did not authorize the request")+`</p></div>`)
		default:
			http.Error(w, "no decision", http.StatusBadRequest)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// The whole flow on pages without the mock's markup, by selectors alone:
// login, consent (with its scope lines), accept to the callback; then a
// confirmation page and a decline to the 403 error page.
func TestUniversalLoginLikePagesBySelectors(t *testing.T) {
	const cb = "https://app.example.com/callback"
	srv := ulIdP(t, cb)
	ctx := context.Background()
	d, err := New(Options{Selectors: ulSelectors})
	if err != nil {
		t.Fatal(err)
	}
	d.WatchCallback(cb)

	p, err := d.Open(ctx, srv.URL+"/authorize?state=s1")
	if err != nil || p.Kind != driver.KindLogin || p.Status != 200 || p.Title != "Log in | Acme" {
		t.Fatalf("open: %+v, %v", p, err)
	}
	p, err = d.Login(ctx, "ann", "wrong")
	if err != nil || p.Kind != driver.KindLogin || !strings.Contains(p.Text, "Wrong email or password") {
		t.Fatalf("wrong password: want the login page again (its .error box is no error page): %+v, %v", p, err)
	}
	p, err = d.Login(ctx, "ann", "pw")
	if err != nil || p.Kind != driver.KindConsent {
		t.Fatalf("login: %+v, %v", p, err)
	}
	want := []string{"Posts: read and write your posts", "Profile: read your profile"}
	if fmt.Sprint(p.ScopeLines) != fmt.Sprint(want) {
		t.Fatalf("scope lines %q, want %q", p.ScopeLines, want)
	}
	if action, fields, err := d.Form("accept"); err != nil || fields.Get("decision") != "yes" || fields.Get("state") != "ul-state" ||
		!strings.HasSuffix(action, "/u/consent?state=s1") {
		t.Fatalf("Form(accept) = %s %v %v", action, fields, err)
	}
	p, err = d.Accept(ctx)
	if err != nil || p.Kind != driver.KindCallback || p.Status != http.StatusFound || p.CallbackVia != "query" ||
		p.Callback.Get("code") != "ul-code" || p.Callback.Get("state") != "s1" {
		t.Fatalf("accept: %+v, %v", p, err)
	}

	p, err = d.Open(ctx, srv.URL+"/authorize?state=s2&confirm=1")
	if err != nil || p.Kind != driver.KindConfirmation || p.ScopeLines != nil {
		t.Fatalf("confirmation (session kept, no scope list): %+v, %v", p, err)
	}
	p, err = d.Decline(ctx)
	if err != nil || p.Kind != driver.KindError || p.Status != http.StatusForbidden ||
		p.Error != "access_denied" || p.ErrorDescription != "User did not authorize the request" {
		t.Fatalf("decline: %+v, %v", p, err)
	}
}

// With the mock's default selectors the same pages are not IdP pages at all.
func TestUniversalLoginLikePagesNeedTheirSelectors(t *testing.T) {
	srv := ulIdP(t, "https://app.example.com/callback")
	d, _ := New(Options{})
	p, err := d.Open(context.Background(), srv.URL+"/authorize")
	if err != nil || p.Kind != driver.KindOther {
		t.Fatalf("%+v, %v", p, err)
	}
	if _, err := d.Login(context.Background(), "ann", "pw"); err == nil || !strings.Contains(err.Error(), `input[name="password"]`) {
		t.Fatalf("want an error naming the selector, got %v", err)
	}
}

func TestNewRejectsSelectorsOutsideTheSubset(t *testing.T) {
	_, err := New(Options{Selectors: driver.Selectors{ConsentPage: []string{"#ok", "form:has(ul)"}}})
	if err == nil || !strings.Contains(err.Error(), "selectors.consent_page") {
		t.Fatalf("want an error naming selectors.consent_page, got %v", err)
	}
}
