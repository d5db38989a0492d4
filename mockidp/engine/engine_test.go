package engine_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/session"
)

func newEngine() *engine.Engine {
	return engine.New(engine.Config{Sessions: session.NewMemory(nil, session.Limits{}), CookiePrefix: "t"})
}

func s256(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-long-enough"

// TestT1_RedeemChecksBeforeClaimingAndRevokesOnReplay: a wrong
// redirect_uri or verifier consumes nothing; the first good redemption
// issues; a replay revokes what it issued.
func TestT1_RedeemChecksBeforeClaimingAndRevokesOnReplay(t *testing.T) {
	ctx := context.Background()
	e := newEngine()
	code, err := e.IssueCode(ctx, session.Code{ClientID: "c1", RedirectURI: "https://app/cb", UserID: "u1",
		CodeChallenge: s256(verifier), ChallengeMethod: "S256"})
	if err != nil {
		t.Fatal(err)
	}
	issued := 0
	issue := func(session.Code) (engine.Issued, *oautherr.Error) {
		issued++
		return engine.Issued{AccessID: "jti-1", RefreshID: "rt-1"}, nil
	}
	var revokedRefresh []string
	revoke := func(_ context.Context, id string) { revokedRefresh = append(revokedRefresh, id) }
	bad := []engine.Redemption{
		{ClientID: "c2", Code: code, RedirectURI: "https://app/cb", Verifier: verifier},
		{ClientID: "c1", Code: code, RedirectURI: "https://app/other", Verifier: verifier},
		{ClientID: "c1", Code: code, RedirectURI: "https://app/cb", Verifier: verifier + "x"},
		{ClientID: "c1", Code: code, RedirectURI: "https://app/cb"},
	}
	for i, q := range bad {
		if e := e.Redeem(ctx, q, issue, revoke); e == nil {
			t.Fatalf("bad redemption %d accepted", i)
		}
	}
	good := engine.Redemption{ClientID: "c1", Code: code, RedirectURI: "https://app/cb", Verifier: verifier}
	if oe := e.Redeem(ctx, good, issue, revoke); oe != nil || issued != 1 {
		t.Fatalf("good redemption: %v (issued %d)", oe, issued)
	}
	if e.AccessRevoked(ctx, "jti-1") {
		t.Fatal("revoked before any replay")
	}
	oe := e.Redeem(ctx, good, issue, revoke)
	if oe == nil || oe.Code != oautherr.CodeInvalidGrant || issued != 1 {
		t.Fatalf("replay: %v (issued %d)", oe, issued)
	}
	if !e.AccessRevoked(ctx, "jti-1") || len(revokedRefresh) != 1 || revokedRefresh[0] != "rt-1" {
		t.Errorf("replay did not revoke: access %v refresh %v", e.AccessRevoked(ctx, "jti-1"), revokedRefresh)
	}
}

func TestT1_PublicClientsMustUsePKCE(t *testing.T) {
	ctx := context.Background()
	e := newEngine()
	code, _ := e.IssueCode(ctx, session.Code{ClientID: "spa", RedirectURI: "https://app/cb"})
	oe := e.Redeem(ctx, engine.Redemption{ClientID: "spa", Public: true, Code: code, RedirectURI: "https://app/cb"},
		func(session.Code) (engine.Issued, *oautherr.Error) { t.Fatal("issued"); return engine.Issued{}, nil }, nil)
	if oe == nil || oe.Code != oautherr.CodeInvalidRequest {
		t.Fatalf("got %v", oe)
	}
}

func TestParseChallenge(t *testing.T) {
	for _, c := range []struct {
		q        string
		codeFlow bool
		ok       bool
		method   string
	}{
		{"", true, true, ""},
		{"code_challenge=" + s256(verifier) + "&code_challenge_method=S256", true, true, "S256"},
		{"code_challenge=" + s256(verifier), true, true, "plain"},
		{"code_challenge_method=S256", true, false, ""},
		{"code_challenge=" + s256(verifier), false, false, ""},
		{"code_challenge=short&code_challenge_method=S256", true, false, ""},
		{"code_challenge=" + s256(verifier) + "&code_challenge_method=S512", true, false, ""},
	} {
		q, _ := url.ParseQuery(c.q)
		_, m, e := engine.ParseChallenge(q, c.codeFlow)
		if (e == nil) != c.ok || m != c.method {
			t.Errorf("%q codeFlow=%v: method %q err %v", c.q, c.codeFlow, m, e)
		}
	}
}

func TestA5_RespondModes(t *testing.T) {
	for _, c := range []struct{ mode, want string }{
		{engine.ModeQuery, "https://app/cb?a=1&code=x&state=s"},
		{engine.ModeFragment, "https://app/cb?a=1#code=x&state=s"},
	} {
		w := httptest.NewRecorder()
		tx := &session.Transaction{RedirectURI: "https://app/cb?a=1", State: "s", ResponseMode: c.mode}
		engine.Respond(w, httptest.NewRequest("GET", "/", nil), tx, url.Values{"code": {"x"}})
		if w.Code != http.StatusFound || w.Header().Get("Location") != c.want {
			t.Errorf("%s: %d %q", c.mode, w.Code, w.Header().Get("Location"))
		}
	}
	w := httptest.NewRecorder()
	tx := &session.Transaction{RedirectURI: "https://app/cb", State: "s", ResponseMode: engine.ModeFormPost}
	engine.Respond(w, httptest.NewRequest("GET", "/", nil), tx, url.Values{"code": {"x"}})
	if body := w.Body.String(); w.Code != http.StatusOK || !strings.Contains(body, `action="https://app/cb"`) || !strings.Contains(body, `value="x"`) {
		t.Errorf("form_post: %d %s", w.Code, body)
	}
}

// TestC8_ScreenTxIsBoundToItsBrowserAndStep: a transaction's form is
// refused from another browser and for another screen.
func TestC8_ScreenTxIsBoundToItsBrowserAndStep(t *testing.T) {
	e := newEngine()
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/authorize", nil)
	tx := engine.NewTransaction()
	tx.BrowserID = e.BrowserID(w, r)
	if err := e.Park(r.Context(), &tx, "login"); err != nil {
		t.Fatal(err)
	}
	cookie := w.Result().Cookies()[0]
	if cookie.Name != "t_did" || !cookie.HttpOnly {
		t.Fatalf("cookie %+v", cookie)
	}
	get := func(withCookie bool, pending string) *oautherr.Error {
		r := httptest.NewRequest("GET", "/login?state="+tx.ID, nil)
		if withCookie {
			r.AddCookie(cookie)
		}
		_, e := e.ScreenTx(r, pending)
		return e
	}
	if e := get(true, "login"); e != nil {
		t.Errorf("own browser: %v", e)
	}
	if e := get(false, "login"); e == nil || e.HTTPStatus() != http.StatusForbidden {
		t.Errorf("other browser: %v", e)
	}
	if e := get(true, "consent"); e == nil {
		t.Error("other step accepted")
	}
	// Complete lets exactly one answer through.
	if e := e.Complete(r.Context(), &tx); e != nil {
		t.Fatal(e)
	}
	if e := e.Complete(r.Context(), &tx); e == nil {
		t.Error("second completion accepted")
	}
}

func TestLoginReplacesTheOldSession(t *testing.T) {
	e := newEngine()
	w := httptest.NewRecorder()
	s1, err := e.Login(w, httptest.NewRequest("POST", "/", nil), "u1")
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/", nil)
	r.AddCookie(w.Result().Cookies()[0])
	if got, ok := e.Session(r); !ok || got.UserID != "u1" {
		t.Fatalf("session %v %v", got, ok)
	}
	w2 := httptest.NewRecorder()
	if _, err := e.Login(w2, r, "u2"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Sessions.GetSession(r.Context(), s1.ID); err == nil {
		t.Error("old session still alive")
	}
}

func TestRouteAnswersWrongMethodsWithAllow(t *testing.T) {
	r := chi.NewRouter()
	engine.Route(r, "/x", map[string]http.HandlerFunc{http.MethodPost: func(w http.ResponseWriter, r *http.Request) {}},
		func(allow string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Allow", allow)
				oautherr.WriteJSON(w, engine.MethodError(r, allow))
			}
		})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "POST" {
		t.Errorf("%d %q", w.Code, w.Header().Get("Allow"))
	}
}

// TestW5_SecureCookiesAreSameSiteNoneWithACompanion: over HTTPS the
// engine's cookies are SameSite=None; Secure with a _compat companion, and
// a browser that sends only the companion keeps its session; logout clears
// both.
func TestW5_SecureCookiesAreSameSiteNoneWithACompanion(t *testing.T) {
	e := engine.New(engine.Config{Sessions: session.NewMemory(nil, session.Limits{}), Secure: true})
	w := httptest.NewRecorder()
	if _, err := e.Login(w, httptest.NewRequest("POST", "https://idp/", nil), "u1"); err != nil {
		t.Fatal(err)
	}
	cs := w.Result().Cookies()
	if len(cs) != 2 || cs[0].Name != "mockidp_session" || cs[0].SameSite != http.SameSiteNoneMode || !cs[0].Secure ||
		cs[1].Name != "mockidp_session_compat" || cs[1].SameSite == http.SameSiteNoneMode || !cs[1].Secure {
		t.Fatalf("cookies %+v", cs)
	}
	r := httptest.NewRequest("GET", "https://idp/", nil)
	r.AddCookie(&http.Cookie{Name: cs[1].Name, Value: cs[1].Value})
	if s, ok := e.Session(r); !ok || s.UserID != "u1" {
		t.Fatalf("companion only: %v %v", s, ok)
	}
	w = httptest.NewRecorder()
	if err := e.Logout(w, r); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.Session(r); ok {
		t.Error("session alive after logout")
	}
	if n := len(w.Result().Cookies()); n != 2 {
		t.Errorf("logout cleared %d cookies, want 2", n)
	}
}
