package browser

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/pages"
	"github.com/consentry/consentry/steps/driver"
)

// silentServers starts an IdP whose /authorize answers with the mock's
// web_message page addressed to the relying party (and sets a Lax
// cookie), or with refuse=1 a 400 page that may not be framed, and the
// relying party's page on another origin of the same site.
func silentServers(t *testing.T) (idp, rp string) {
	t.Helper()
	var rpOrigin string
	i := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("refuse") != "" {
			w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`<main data-prompt="error"><code data-error>invalid_request</code></main>`))
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s1", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		pages.RenderWebMessage(w, pages.WebMessage{TargetOrigin: rpOrigin, Response: map[string]string{"code": "c1", "state": q.Get("state")}})
	}))
	t.Cleanup(i.Close)
	p := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(driver.RelyingPartyPage))
	}))
	t.Cleanup(p.Close)
	rpOrigin = p.URL
	return i.URL, p.URL
}

func TestSilentAuthenticateReceivesThePostedMessage(t *testing.T) {
	idp, rp := silentServers(t)
	d := newDriver(t)
	res, err := d.SilentAuthenticate(t.Context(), driver.SilentRequest{PageURL: rp + "/rp", AuthorizeURL: idp + "/authorize?" + url.Values{"state": {"s&1~"}}.Encode()})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Message
	if m == nil {
		t.Fatalf("no message; frame %+v", res.Frame)
	}
	if m.Origin != idp || m.Type != "authorization_response" || m.Response["code"] != "c1" || m.Response["state"] != "s&1~" || res.Via != "postMessage" {
		t.Fatalf("message %+v via %s", m, res.Via)
	}
	if res.Frame.Status != http.StatusOK {
		t.Errorf("frame status %d, want 200", res.Frame.Status)
	}
	if cur := d.Current(); cur.URL != rp+"/rp" {
		t.Errorf("current page %s, want the relying party's page", cur.URL)
	}
	cookies, err := d.Cookies(t.Context(), idp)
	if err != nil {
		t.Fatal(err)
	}
	if len(cookies) != 1 || cookies[0].Name != "sid" || cookies[0].SameSite != "Lax" || !cookies[0].HTTPOnly || cookies[0].Secure {
		t.Fatalf("cookies %+v, want sid Lax HttpOnly", cookies)
	}
}

func TestSilentAuthenticateWithoutMessageReportsTheStatus(t *testing.T) {
	idp, rp := silentServers(t)
	d := newDriver(t)
	res, err := d.SilentAuthenticate(t.Context(), driver.SilentRequest{PageURL: rp + "/rp", AuthorizeURL: idp + "/authorize?refuse=1"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Message != nil || res.Frame.Status != http.StatusBadRequest {
		t.Fatalf("want no message and the status 400, got %+v / %+v", res.Message, res.Frame)
	}
}

// The quiet period is the driver's: a message posted a second after the
// frame loaded is received within a 4 s quiet period and not within a
// 100 ms one (the default, 1.5 s, is restored by SetSilentQuiet(0)).
func TestSilentQuietIsTheDriversOwn(t *testing.T) {
	var rpOrigin string
	late := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = fmt.Fprintf(w, `<!doctype html><title>late</title><script>
window.addEventListener('load', () => setTimeout(() => parent.postMessage({type: 'authorization_response', response: {code: 'late'}}, %q), 1000));
</script>`, rpOrigin)
	}))
	t.Cleanup(late.Close)
	_, rp := silentServers(t)
	rpOrigin = rp
	req := driver.SilentRequest{PageURL: rp + "/rp", AuthorizeURL: late.URL + "/authorize"}
	for _, c := range []struct {
		quiet   time.Duration
		message bool
	}{{4 * time.Second, true}, {100 * time.Millisecond, false}} {
		d := newDriver(t)
		d.SetSilentQuiet(c.quiet)
		res, err := d.SilentAuthenticate(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Message != nil; got != c.message {
			t.Errorf("quiet %s: message %+v, want one: %v", c.quiet, res.Message, c.message)
		}
		if c.message && res.Message != nil && res.Message.Response["code"] != "late" {
			t.Errorf("quiet %s: message %+v, want code late", c.quiet, res.Message)
		}
	}
	d := newDriver(t)
	d.SetSilentQuiet(0)
	if q := d.silentQuiet(); q != DefaultSilentQuiet {
		t.Errorf("SetSilentQuiet(0) left %s, want the default %s", q, DefaultSilentQuiet)
	}
}
