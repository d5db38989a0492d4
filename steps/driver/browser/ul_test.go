package browser

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

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
// Query parameters of /authorize: redirect_uri, state, confirm=1 (a
// confirmation page, buttons without a scope list, instead of consent),
// response_mode=form_post (a plain self-submitting form). A decline shows a
// 403 error page.
func ulIdP(t *testing.T) *httptest.Server {
	t.Helper()
	page := func(w http.ResponseWriter, status int, title, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>%s</title></head>
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
	signedIn := func(r *http.Request) bool { c, err := r.Cookie("ul"); return err == nil && c.Value == "ann" }
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		if signedIn(r) {
			http.Redirect(w, r, "/u/consent?"+r.URL.RawQuery, http.StatusFound)
			return
		}
		http.Redirect(w, r, "/u/login?"+r.URL.RawQuery, http.StatusFound)
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
		if !signedIn(r) {
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
		q := r.URL.Query()
		if r.PostFormValue("state") != "ul-state" {
			http.Error(w, "bad state", http.StatusBadRequest)
			return
		}
		switch r.PostFormValue("decision") {
		case "yes":
			cb := q.Get("redirect_uri")
			if q.Get("response_mode") == "form_post" {
				page(w, http.StatusOK, "Submit This Form", `<form method="post" action="`+html.EscapeString(cb)+`">
<input type="hidden" name="code" value="ul-code"><input type="hidden" name="state" value="`+html.EscapeString(q.Get("state"))+`">
</form><script>document.forms[0].submit()</script>`)
				return
			}
			http.Redirect(w, r, cb+"?code=ul-code&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
		case "no":
			page(w, http.StatusForbidden, "Error | Acme", `<div class="error-page"><h1>Oops!, something went wrong</h1>
<p id="error-message"><span class="error-code">access_denied</span></p>
<p class="error-description">User did not authorize the request</p></div>`)
		default:
			http.Error(w, "no decision", http.StatusBadRequest)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func newULDriver(t *testing.T) *Driver {
	t.Helper()
	d, err := launch(t).NewDriverWith(t.Context(), ulSelectors)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	return d
}

// The whole flow on pages without the mock's markup, by selectors alone:
// login (a wrong password first), consent with its scope lines, accept to
// the callback; then a confirmation page and a decline to the 403 error
// page.
func TestUniversalLoginLikePagesBySelectors(t *testing.T) {
	t.Parallel()
	idp := ulIdP(t)
	d := newULDriver(t)
	d.WatchCallback(partnerCallback)
	ctx := t.Context()

	authz := authorize(idp, partnerCallback, "s1")
	p := ok(t)(d.Open(ctx, authz))
	loginURL := idp.URL + "/u/login?" + mustURL(t, authz).RawQuery
	checkPage(t, p, driver.Page{Kind: driver.KindLogin, URL: loginURL, Status: 200, Title: "Log in | Acme"},
		"Log in to Acme to continue to Test App.")

	// The login page with an error box is still the login page.
	p = ok(t)(d.Login(ctx, "ann", "wrong"))
	checkPage(t, p, driver.Page{Kind: driver.KindLogin, URL: loginURL, Status: 200, Title: "Log in | Acme"},
		"Wrong email or password")

	p = ok(t)(d.Login(ctx, "ann", "pw"))
	checkPage(t, p, driver.Page{
		Kind: driver.KindConsent, URL: idp.URL + "/u/consent?" + mustURL(t, authz).RawQuery, Status: 200,
		Title: "Authorize Test App | Acme", ScopeLines: scopeLines,
	}, "Hi ann")

	p = ok(t)(d.Accept(ctx))
	checkPage(t, p, driver.Page{
		Kind:        driver.KindCallback,
		Status:      302,
		URL:         partnerCallback + "?code=ul-code&state=s1",
		Callback:    url.Values{"code": {"ul-code"}, "state": {"s1"}},
		CallbackVia: "query",
	})

	// Signed in: a confirmation page (no scope list), then a decline.
	p = ok(t)(d.Open(ctx, authorize(idp, partnerCallback, "s2", "confirm", "1")))
	if p.Kind != driver.KindConfirmation || p.ScopeLines != nil || p.Title != "Confirm | Acme" {
		t.Fatalf("confirmation page: got %#v", p)
	}
	p = ok(t)(d.Decline(ctx))
	checkPage(t, p, driver.Page{
		Kind: driver.KindError, URL: p.URL, Status: 403, Title: "Error | Acme",
		Error: "access_denied", ErrorDescription: "User did not authorize the request",
	}, "Oops!, something went wrong")
	if pathOf(p.URL) != "/u/consent" {
		t.Errorf("error page URL %s, want the consent POST's URL", p.URL)
	}

	// form_post: the relay page is none of the kinds; the POST is caught.
	ok(t)(d.Open(ctx, authorize(idp, partnerCallback, "s3", "response_mode", "form_post")))
	p = ok(t)(d.Accept(ctx))
	checkPage(t, p, driver.Page{
		Kind:        driver.KindCallback,
		Status:      200,
		URL:         partnerCallback,
		Callback:    url.Values{"code": {"ul-code"}, "state": {"s3"}},
		CallbackVia: "form_post",
	})
}

// Without their selectors the same pages are no IdP pages: the step says
// what it waited for.
func TestUniversalLoginLikePagesNeedTheirSelectors(t *testing.T) {
	t.Parallel()
	d := newDriver(t) // the mock's markup
	d.timeout = 2 * time.Second
	_, err := d.Open(t.Context(), authorize(ulIdP(t), partnerCallback, "x"))
	if err == nil || !strings.Contains(err.Error(), "expected an IdP page") {
		t.Fatalf("want a timeout waiting for an IdP page, got %v", err)
	}
	if c := d.Current(); c.Kind != driver.KindOther || c.Title != "Log in | Acme" {
		t.Errorf("Current() = %#v, want the login page as KindOther", c)
	}
}

func TestInvalidSelectorIsNamed(t *testing.T) {
	t.Parallel()
	_, err := launch(t).NewDriverWith(t.Context(), driver.Selectors{ErrorPage: []string{"#ok", "div[[bad"}})
	var se *SelectorError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "selectors.error_page") || !strings.Contains(err.Error(), "div[[bad") {
		t.Fatalf("want a SelectorError naming selectors.error_page, got %v", err)
	}
}
