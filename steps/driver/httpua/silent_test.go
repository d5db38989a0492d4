package httpua

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/consentry/consentry/mockidp/pages"
	"github.com/consentry/consentry/steps/driver"
)

// webMessageIdP answers /authorize with the mock's web_message page
// addressed to the query's origin (the session cookie must come along),
// or, with refuse=1, with a 400 error page.
func webMessageIdP(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("refuse") != "" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`<main data-prompt="error"><code data-error>invalid_request</code><p data-error-description>origin</p></main>`))
			return
		}
		resp := map[string]string{"state": q.Get("state")}
		if c, err := r.Cookie("sid"); err == nil && c.Value == "s1" {
			resp["code"] = "c1"
		} else {
			resp["error"], resp["error_description"] = "login_required", "Login required"
		}
		pages.RenderWebMessage(w, pages.WebMessage{TargetOrigin: q.Get("origin"), Response: resp})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func silentURL(idp, origin, extra string) string {
	return idp + "/authorize?" + url.Values{"origin": {origin}, "state": {"s&1~"}}.Encode() + extra
}

func TestSilentAuthenticateReadsTheWebMessage(t *testing.T) {
	idp := webMessageIdP(t)
	d, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(idp.URL)
	d.client.Jar.SetCookies(u, []*http.Cookie{{Name: "sid", Value: "s1", Path: "/"}})
	const rp = "http://127.0.0.1:1"
	res, err := d.SilentAuthenticate(t.Context(), driver.SilentRequest{PageURL: rp + "/rp", AuthorizeURL: silentURL(idp.URL, rp, "")})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Message
	if m == nil {
		t.Fatalf("no message; frame %+v", res.Frame)
	}
	if m.Origin != idp.URL || m.TargetOrigin != rp || m.Response["code"] != "c1" || m.Response["state"] != "s&1~" || res.Via != "page data" {
		t.Fatalf("message %+v via %s", m, res.Via)
	}
	if res.Frame.Status != http.StatusOK {
		t.Fatalf("frame status %d", res.Frame.Status)
	}
}

// A message addressed to another origin than the page's is dropped, as a
// browser drops it; "*" is delivered, with its address, for the step to
// judge.
func TestSilentAuthenticateDropsAMessageForAnotherOrigin(t *testing.T) {
	idp := webMessageIdP(t)
	d, _ := New(Options{})
	res, err := d.SilentAuthenticate(t.Context(), driver.SilentRequest{PageURL: "http://127.0.0.1:1/rp", AuthorizeURL: silentURL(idp.URL, "http://127.0.0.1:2", "")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Message != nil {
		t.Fatalf("a message for another origin was delivered: %+v", res.Message)
	}
	res, err = d.SilentAuthenticate(t.Context(), driver.SilentRequest{PageURL: "http://127.0.0.1:1/rp", AuthorizeURL: silentURL(idp.URL, "*", "")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Message == nil || res.Message.TargetOrigin != "*" || res.Message.Response["error"] != "login_required" {
		t.Fatalf("want the login_required message addressed to *, got %+v", res.Message)
	}
}

func TestSilentAuthenticateReportsTheErrorPage(t *testing.T) {
	idp := webMessageIdP(t)
	d, _ := New(Options{})
	res, err := d.SilentAuthenticate(t.Context(), driver.SilentRequest{PageURL: "http://127.0.0.1:1/rp", AuthorizeURL: silentURL(idp.URL, "http://127.0.0.1:1", "&refuse=1")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Message != nil || res.Frame.Kind != driver.KindError || res.Frame.Status != http.StatusBadRequest || res.Frame.Error != "invalid_request" {
		t.Fatalf("want the error page and no message, got %+v / %+v", res.Message, res.Frame)
	}
}
