package httpua

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/consentry/consentry/steps/driver"
)

// fakeIdP serves the page contract: a login page, a consent page with a
// hidden anti-forgery field bound to a cookie, and a redirect to a callback.
func fakeIdP(t *testing.T, callback string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "tx", Value: "t1", Path: "/"})
		http.Redirect(w, r, "/u/login?state=abc", http.StatusFound)
	})
	mux.HandleFunc("GET /u/login", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><html><head><title>Log in | T</title></head><body>
<main data-prompt="login"><form method="post" action=""><input type="hidden" name="state" value="abc">
<input type="hidden" name="csrf" value="k&amp;1"><input type="text" name="username"><input type="password" name="password">
<button type="submit" name="action" value="default">Continue</button></form></main></body></html>`)
	})
	mux.HandleFunc("POST /u/login", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("tx")
		if err != nil || c.Value != "t1" || r.PostFormValue("csrf") != "k&1" || r.PostFormValue("state") != "abc" ||
			r.PostFormValue("username") != "ann" || r.PostFormValue("password") != "pw" || r.PostFormValue("action") != "default" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `<main data-prompt="error"><code data-error>bad_login</code><p data-error-description>%v</p></main>`, r.PostForm)
			return
		}
		http.Redirect(w, r, "/u/consent?state=abc", http.StatusFound)
	})
	mux.HandleFunc("GET /u/consent", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<main data-prompt="consent"><ul><li data-scope-line><b>Posts</b>: read and write your posts</li>
<li data-scope-line>Comments: read your comments</li></ul><form method="post" action="/u/consent?state=abc">
<input type="hidden" name="state" value="abc"><input type="hidden" name="scope" value="read:posts"><input type="hidden" name="scope" value="write:posts">
<button name="action" value="deny">Decline</button><button name="action" value="accept">Accept</button></form></main>`)
	})
	mux.HandleFunc("POST /u/consent", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		switch {
		case r.PostForm.Get("action") == "deny":
			http.Redirect(w, r, callback+"?error=access_denied&state=xyz", http.StatusFound)
		case len(r.PostForm["scope"]) != 2:
			w.WriteHeader(http.StatusBadRequest)
		case r.URL.Query().Get("mode") == "form_post":
			fmt.Fprintf(w, `<html><body data-prompt="form-post"><form method="post" action="%s"><input type="hidden" name="code" value="c1"><input type="hidden" name="state" value="xyz"></form></body></html>`, callback)
		default:
			http.Redirect(w, r, callback+"#access_token=at&state=xyz", http.StatusFound)
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestLoginConsentAcceptReachesCustomSchemeCallback(t *testing.T) {
	const cb = "com.example.app://callback"
	srv := fakeIdP(t, cb)
	d, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	d.WatchCallback(cb)
	ctx := context.Background()
	p, err := d.Open(ctx, srv.URL+"/authorize")
	if err != nil || p.Kind != driver.KindLogin || p.Title != "Log in | T" {
		t.Fatalf("open: %+v, %v", p, err)
	}
	p, err = d.Login(ctx, "ann", "pw")
	if err != nil || p.Kind != driver.KindConsent {
		t.Fatalf("login: %+v, %v", p, err)
	}
	want := []string{"Posts: read and write your posts", "Comments: read your comments"}
	if fmt.Sprint(p.ScopeLines) != fmt.Sprint(want) {
		t.Fatalf("scope lines %q, want %q", p.ScopeLines, want)
	}
	p, err = d.Accept(ctx)
	if err != nil || p.Kind != driver.KindCallback || p.CallbackVia != "fragment" ||
		p.Callback.Get("access_token") != "at" || p.Callback.Get("state") != "xyz" || p.Status != http.StatusFound {
		t.Fatalf("accept: %+v, %v", p, err)
	}
}

func TestDeclineAndFormPost(t *testing.T) {
	const cb = "http://127.0.0.1:51089/callback"
	srv := fakeIdP(t, cb)
	ctx := context.Background()
	d, _ := New(Options{})
	d.WatchCallback(cb)
	d.Open(ctx, srv.URL+"/authorize")
	d.Login(ctx, "ann", "pw")
	p, err := d.Decline(ctx)
	if err != nil || p.Kind != driver.KindCallback || p.CallbackVia != "query" || p.Callback.Get("error") != "access_denied" {
		t.Fatalf("decline: %+v, %v", p, err)
	}

	d2, _ := New(Options{})
	d2.WatchCallback(cb)
	d2.Open(ctx, srv.URL+"/authorize")
	d2.Login(ctx, "ann", "pw")
	action, fields, err := d2.Form("accept")
	if err != nil || len(fields["scope"]) != 2 || fields.Get("action") != "accept" {
		t.Fatalf("form: %v %v", fields, err)
	}
	u, _ := url.Parse(action)
	q := u.Query()
	q.Set("mode", "form_post")
	u.RawQuery = q.Encode()
	p, err = d2.PostForm(ctx, u.String(), fields)
	if err != nil || p.Kind != driver.KindCallback || p.CallbackVia != "form_post" || p.Callback.Get("code") != "c1" {
		t.Fatalf("form_post: %+v, %v", p, err)
	}
}

func TestUnwatchedCustomSchemeIsAnError(t *testing.T) {
	srv := fakeIdP(t, "com.example.app://callback")
	ctx := context.Background()
	d, _ := New(Options{})
	d.Open(ctx, srv.URL+"/authorize")
	d.Login(ctx, "ann", "pw")
	if _, err := d.Decline(ctx); err == nil {
		t.Fatal("want an error for an unwatched custom scheme")
	}
}

func TestErrorPage(t *testing.T) {
	srv := fakeIdP(t, "https://app.example.com/cb")
	ctx := context.Background()
	d, _ := New(Options{})
	d.Open(ctx, srv.URL+"/authorize")
	p, err := d.Login(ctx, "ann", "wrong")
	if err != nil || p.Kind != driver.KindError || p.Status != 400 || p.Error != "bad_login" || p.ErrorDescription == "" {
		t.Fatalf("%+v %v", p, err)
	}
	if !strings.Contains(p.Text, "bad_login") {
		t.Fatalf("text %q", p.Text)
	}
}
