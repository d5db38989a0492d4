package auth0

import (
	"net/http"
	"time"
)

// Cookies over HTTPS (rule W5). The browser binding and the SSO session
// cookie are SameSite=None; Secure, so that silent authentication
// (prompt=none in a hidden iframe of the application's own site) sends
// them where the browser allows third-party cookies. Browsers that
// mishandle SameSite=None (old Safari and Chrome releases treat it as
// Strict or drop the cookie) get the same value in a companion cookie
// without SameSite, name + "_compat", as Auth0 does with auth0 and
// auth0_compat. Over plain HTTP (a local mock without --tls) SameSite=None
// is impossible, because it requires Secure, so the cookies are Lax.
const compatSuffix = "_compat"

// setCookie sets a cookie of the IdP (and its companion over HTTPS).
func (f *Face) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, MaxAge: int(maxAge.Seconds())}
	if !f.secure {
		c.SameSite = http.SameSiteLaxMode
		http.SetCookie(w, c)
		return
	}
	c.Secure, c.SameSite = true, http.SameSiteNoneMode
	http.SetCookie(w, c)
	compat := *c
	compat.Name, compat.SameSite = name+compatSuffix, http.SameSiteDefaultMode
	http.SetCookie(w, &compat)
}

// clearCookie removes a cookie of the IdP and its companion.
func (f *Face) clearCookie(w http.ResponseWriter, name string) {
	for _, n := range []string{name, name + compatSuffix} {
		c := &http.Cookie{Name: n, Value: "", Path: "/", HttpOnly: true, Secure: f.secure, MaxAge: -1}
		if f.secure && n == name {
			c.SameSite = http.SameSiteNoneMode
		}
		http.SetCookie(w, c)
		if !f.secure {
			break
		}
	}
}

func (f *Face) clearSessionCookie(w http.ResponseWriter) { f.clearCookie(w, cookieSession) }

// cookie returns the value of an IdP cookie, from its companion when the
// browser did not send the SameSite=None one.
func cookie(r *http.Request, name string) (string, bool) {
	for _, n := range []string{name, name + compatSuffix} {
		if c, err := r.Cookie(n); err == nil && c.Value != "" {
			return c.Value, true
		}
	}
	return "", false
}
