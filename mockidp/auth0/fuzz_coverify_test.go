package auth0_test

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzCoVerify posts form bodies to /co/verify, where the cross-origin
// verification fallback page posts the authorization request and the
// verifier back (rule W1): every answer is a page or a redirect, never a
// 5xx or a panic.
func FuzzCoVerify(f *testing.F) {
	ft := newFuzzTenant(f)
	for _, seed := range []string{
		"client_id=spa&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb&response_type=token+id_token&nonce=n&state=s&login_ticket=t&verifier=v",
		"client_id=spa&redirect_uri=http%3A%2F%2Flocalhost%3A3000%2Fcb&response_type=code&login_ticket=t&verifier=",
		"login_ticket=t&verifier=v&verifier=w", "login_ticket=&verifier=v", "verifier=v", "", "%zz", "login_ticket=%00",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		ft.t = t
		w := ft.serve(http.MethodPost, "/co/verify", body, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
		wantNo5xx(t, w, body)
		// No ticket was ever issued, so nothing logs in: a 200 is only the
		// form_post of an error.
		if w.Code == http.StatusOK && !strings.Contains(w.Body.String(), `<input type="hidden" name="error"`) {
			t.Fatalf("input %q: HTTP 200 from /co/verify for a ticket that was never issued:\n%s", body, w.Body.String())
		}
	})
}
