package engine_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tokens"
)

// fakeFace is a face reduced to its decisions: users that exist, one
// decision for every transaction, and a record of what the engine asked.
type fakeFace struct {
	t        *testing.T
	now      time.Time
	eng      *engine.Engine
	flow     engine.Flow[string]
	users    map[string]bool
	decision engine.Decision
	refusal  *oautherr.Error
	fail     error
	decided  int
	tokens   int
	pageErr  *oautherr.Error
}

func newFakeFace(t *testing.T) *fakeFace {
	f := &fakeFace{t: t, now: time.Unix(1_800_000_000, 0), users: map[string]bool{"u1": true}}
	clock := func() time.Time { return f.now }
	f.eng = engine.New(engine.Config{Sessions: session.NewMemory(clock, session.Limits{}), Now: clock, CookiePrefix: "t"})
	f.flow = engine.Flow[string]{
		Engine: f.eng,
		SessionUser: func(_ context.Context, s session.Session) (string, bool) {
			return s.UserID, f.users[s.UserID]
		},
		LoginRequired: oautherr.LoginRequired("fake: login required"),
		ConsentRequired: func(d engine.Decision) *oautherr.Error {
			return oautherr.ConsentRequired("fake: " + d.Screen + " required for " + strings.Join(d.Offered, " "))
		},
		ScreenURL: func(tx *session.Transaction) string { return "/screen/" + tx.Pending + "?state=" + tx.ID },
		ErrorPage: func(w http.ResponseWriter, _ *http.Request, e *oautherr.Error) {
			f.pageErr = e
			http.Error(w, e.Code, e.HTTPStatus())
		},
		Decide: func(_ context.Context, _ *session.Transaction, _ session.Session, user string) (engine.Decision, *oautherr.Error, error) {
			f.decided++
			if user == "" {
				t.Error("Decide without the session's user")
			}
			return f.decision, f.refusal, f.fail
		},
	}
	f.decision.Finish = engine.Finish{Scopes: []string{"openid", "read"}, GrantID: "g1",
		Tokens: func(_ context.Context, s session.Session) (url.Values, *oautherr.Error) {
			f.tokens++
			if s.UserID != "u1" {
				t.Errorf("tokens for the session of %q", s.UserID)
			}
			return url.Values{"access_token": {"at-1"}, "token_type": {"Bearer"}}, nil
		}}
	return f
}

// login starts a session for userID and returns it and its cookies.
func (f *fakeFace) login(userID string) (session.Session, []*http.Cookie) {
	w := httptest.NewRecorder()
	s, err := f.eng.Login(w, httptest.NewRequest("POST", "/", nil), userID)
	if err != nil {
		f.t.Fatal(err)
	}
	return s, w.Result().Cookies()
}

// tx returns a transaction fresh from /authorize for the code flow,
// prompt being the request's prompt values.
func (f *fakeFace) tx(prompt ...string) *session.Transaction {
	tx := engine.NewTransaction()
	tx.ClientID, tx.RedirectURI, tx.ResponseType, tx.ResponseMode = "c1", "https://app/cb", "code", engine.ModeQuery
	tx.State, tx.Nonce, tx.Audience, tx.Scopes = "st-1", "n-1", "https://api", []string{"openid", "read", "write"}
	tx.CodeChallenge, tx.ChallengeMethod = s256(verifier), "S256"
	tx.Prompt = map[string]bool{}
	for _, p := range prompt {
		tx.Prompt[p] = true
	}
	return &tx
}

// advance runs Advance with the browser's cookies (and fresh, if any).
func (f *fakeFace) advance(tx *session.Transaction, cookies []*http.Cookie, fresh *session.Session) *http.Response {
	f.pageErr = nil
	r := httptest.NewRequest("GET", "/authorize", nil)
	for _, c := range cookies {
		r.AddCookie(c)
	}
	w := httptest.NewRecorder()
	f.flow.Advance(w, r, tx, fresh)
	return w.Result()
}

// stored returns the stored transaction, false when there is none.
func (f *fakeFace) stored(id string) (session.Transaction, bool) {
	tx, err := f.eng.Sessions.GetTransaction(context.Background(), id)
	if errors.Is(err, session.ErrNotFound) {
		return tx, false
	} else if err != nil {
		f.t.Fatal(err)
	}
	return tx, true
}

// location parses the redirect's target.
func location(t *testing.T, res *http.Response) *url.URL {
	t.Helper()
	if res.StatusCode != http.StatusFound {
		t.Fatalf("status %d, want a redirect", res.StatusCode)
	}
	u, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// wantLoginScreen checks that the browser was sent to the login screen with
// the transaction parked on it, and that nothing was decided.
func (f *fakeFace) wantLoginScreen(t *testing.T, res *http.Response, tx *session.Transaction) {
	t.Helper()
	if u := location(t, res); u.Path != "/screen/login" || u.Query().Get("state") != tx.ID {
		t.Fatalf("sent to %s, want the login screen", u)
	}
	if st, ok := f.stored(tx.ID); !ok || st.Pending != engine.PendingLogin {
		t.Fatalf("stored transaction %v (pending %q), want one waiting on login", ok, st.Pending)
	}
	if f.decided != 0 {
		t.Fatalf("Decide ran %d times before the login", f.decided)
	}
}

// wantCallbackError checks an error at the callback, with state, and that
// the transaction is gone.
func (f *fakeFace) wantCallbackError(t *testing.T, res *http.Response, tx *session.Transaction, code, desc string) {
	t.Helper()
	u := location(t, res)
	q := u.Query()
	if !strings.HasPrefix(u.String(), tx.RedirectURI) || q.Get("error") != code || q.Get("error_description") != desc || q.Get("state") != tx.State {
		t.Fatalf("answer %s, want error=%s (%q) with state at the callback", u, code, desc)
	}
	if _, ok := f.stored(tx.ID); ok {
		t.Fatal("the refused transaction is still stored")
	}
}

// TestA3_NoSessionGoesToTheLoginScreen: without a session, or with one
// whose user may no longer sign in, the login screen comes before any
// decision.
func TestA3_NoSessionGoesToTheLoginScreen(t *testing.T) {
	f := newFakeFace(t)
	tx := f.tx()
	f.wantLoginScreen(t, f.advance(tx, nil, nil), tx)

	f = newFakeFace(t)
	_, cookies := f.login("u1")
	delete(f.users, "u1") // deleted or deactivated since the login
	tx = f.tx()
	f.wantLoginScreen(t, f.advance(tx, cookies, nil), tx)

	// A login just made for a user who is gone is no login either.
	f = newFakeFace(t)
	fresh, cookies := f.login("gone")
	tx = f.tx()
	tx.LoggedIn = true
	f.wantLoginScreen(t, f.advance(tx, cookies, &fresh), tx)
}

// TestA3_PromptLoginAsksAgainOnceInTheTransaction: prompt=login sends a
// logged-in browser to the login screen, but not again once the
// transaction passed it.
func TestA3_PromptLoginAsksAgainOnceInTheTransaction(t *testing.T) {
	f := newFakeFace(t)
	_, cookies := f.login("u1")
	tx := f.tx("login")
	f.wantLoginScreen(t, f.advance(tx, cookies, nil), tx)

	fresh, cookies := f.login("u1")
	tx.LoggedIn = true
	res := f.advance(tx, cookies, &fresh)
	if u := location(t, res); u.Query().Get("code") == "" || f.decided != 1 {
		t.Fatalf("after the login: %s (decided %d), want a code", u, f.decided)
	}
}

// TestA6_MaxAgeAsksForANewerLogin: a login older than max_age is asked
// again (max_age=0: always), before any decision; a login in the
// transaction itself stands.
func TestA6_MaxAgeAsksForANewerLogin(t *testing.T) {
	f := newFakeFace(t)
	_, cookies := f.login("u1")
	f.now = f.now.Add(61 * time.Second)
	tx := f.tx()
	tx.MaxAge, tx.MaxAgeSet = 60, true
	f.wantLoginScreen(t, f.advance(tx, cookies, nil), tx)

	f = newFakeFace(t)
	_, cookies = f.login("u1")
	f.now = f.now.Add(60 * time.Second)
	tx = f.tx()
	tx.MaxAge, tx.MaxAgeSet = 60, true
	if u := location(t, f.advance(tx, cookies, nil)); u.Query().Get("code") == "" {
		t.Fatalf("a login exactly max_age old: %s, want a code", u)
	}

	f = newFakeFace(t)
	fresh, cookies := f.login("u1")
	tx = f.tx()
	tx.MaxAgeSet = true // max_age=0
	f.wantLoginScreen(t, f.advance(tx, cookies, nil), tx)
	tx.LoggedIn = true
	if u := location(t, f.advance(tx, cookies, &fresh)); u.Query().Get("code") == "" {
		t.Fatalf("max_age=0 after the login: %s, want a code", u)
	}
}

// TestA4_PromptNoneNeverShowsAScreen: under prompt=none, a login that
// would be needed is the face's login_required and a screen Decide asks
// for is its consent_required, both at the callback, with the transaction
// ended and no page shown.
func TestA4_PromptNoneNeverShowsAScreen(t *testing.T) {
	f := newFakeFace(t)
	tx := f.tx("none")
	f.wantCallbackError(t, f.advance(tx, nil, nil), tx, oautherr.CodeLoginRequired, "fake: login required")
	if f.decided != 0 {
		t.Fatal("Decide ran without a session")
	}

	f = newFakeFace(t)
	_, cookies := f.login("u1")
	f.now = f.now.Add(time.Hour)
	tx = f.tx("none")
	tx.MaxAge, tx.MaxAgeSet = 60, true
	f.wantCallbackError(t, f.advance(tx, cookies, nil), tx, oautherr.CodeLoginRequired, "fake: login required")

	f = newFakeFace(t)
	_, cookies = f.login("u1")
	f.decision.Screen, f.decision.Offered = "consent", []string{"read"}
	tx = f.tx("none")
	f.wantCallbackError(t, f.advance(tx, cookies, nil), tx, oautherr.CodeConsentRequired, "fake: consent required for read")
	if f.decided != 1 {
		t.Fatalf("decided %d times, want once", f.decided)
	}
}

// TestC8_ScreenIsBoundToTheSessionItIsShownFor: a screen Decide asks for
// parks the transaction on it with the offered scopes and the login
// session, and sends the browser there.
func TestC8_ScreenIsBoundToTheSessionItIsShownFor(t *testing.T) {
	f := newFakeFace(t)
	sess, cookies := f.login("u1")
	f.decision.Screen, f.decision.Offered = "confirmation", []string{"openid", "read"}
	tx := f.tx()
	u := location(t, f.advance(tx, cookies, nil))
	if u.Path != "/screen/confirmation" || u.Query().Get("state") != tx.ID {
		t.Fatalf("sent to %s, want the confirmation screen", u)
	}
	st, ok := f.stored(tx.ID)
	if !ok || st.Pending != "confirmation" || st.SessionID != sess.ID || !slices.Equal(st.Offered, []string{"openid", "read"}) {
		t.Fatalf("stored %v: pending %q, session %q, offered %v", ok, st.Pending, st.SessionID, st.Offered)
	}
}

// TestA2_DecideRefusalGoesToTheCallback: a refusal of the face's decision
// is an error at the callback and ends the transaction; an internal
// failure is the error page.
func TestA2_DecideRefusalGoesToTheCallback(t *testing.T) {
	f := newFakeFace(t)
	_, cookies := f.login("u1")
	f.refusal = oautherr.AccessDenied("fake: the API is gone")
	tx := f.tx()
	f.wantCallbackError(t, f.advance(tx, cookies, nil), tx, oautherr.CodeAccessDenied, "fake: the API is gone")

	f = newFakeFace(t)
	_, cookies = f.login("u1")
	f.fail = errors.New("store down")
	res := f.advance(f.tx(), cookies, nil)
	if res.StatusCode != http.StatusInternalServerError || f.pageErr == nil || strings.Contains(f.pageErr.Description, "store down") {
		t.Fatalf("internal failure: status %d, page %v", res.StatusCode, f.pageErr)
	}
}

// TestA5_FinishIssuesTheCodeOfTheSession: with nothing to show, the code
// at the callback carries the session's user and login time, the face's
// scopes and grant, and the transaction's client, callback, nonce and
// PKCE; it is redeemable once.
func TestA5_FinishIssuesTheCodeOfTheSession(t *testing.T) {
	ctx := context.Background()
	f := newFakeFace(t)
	sess, cookies := f.login("u1")
	f.now = f.now.Add(5 * time.Second)
	tx := f.tx()
	u := location(t, f.advance(tx, cookies, nil))
	code := u.Query().Get("code")
	if !strings.HasPrefix(u.String(), tx.RedirectURI+"?") || code == "" || u.Query().Get("state") != tx.State {
		t.Fatalf("answer %s, want a code and the state in the query", u)
	}
	rec, err := f.eng.Sessions.GetCode(ctx, tokens.Digest(code))
	if err != nil {
		t.Fatal(err)
	}
	if rec.UserID != "u1" || !rec.AuthTime.Equal(sess.AuthTime) || rec.ClientID != "c1" || rec.RedirectURI != tx.RedirectURI ||
		rec.Audience != tx.Audience || rec.Nonce != tx.Nonce || rec.GrantID != "g1" || !slices.Equal(rec.Scopes, []string{"openid", "read"}) {
		t.Errorf("code record %+v", rec)
	}
	if f.tokens != 0 {
		t.Error("the code flow issued tokens at the callback")
	}
	issue := func(session.Code) (engine.Issued, *oautherr.Error) { return engine.Issued{}, nil }
	q := engine.Redemption{ClientID: "c1", Code: code, RedirectURI: tx.RedirectURI, Verifier: verifier}
	if oe := f.eng.Redeem(ctx, q, issue, nil); oe != nil {
		t.Fatalf("redeem: %v", oe)
	}
}

// TestA5_FinishSendsTheFacesTokensInTheResponseMode: another response
// type gets the face's tokens, in the transaction's response mode; a
// refusal to issue them goes to the callback.
func TestA5_FinishSendsTheFacesTokensInTheResponseMode(t *testing.T) {
	f := newFakeFace(t)
	_, cookies := f.login("u1")
	tx := f.tx()
	tx.ResponseType, tx.ResponseMode = "token", engine.ModeFragment
	u := location(t, f.advance(tx, cookies, nil))
	frag, _ := url.ParseQuery(u.Fragment)
	if u.RawQuery != "" || frag.Get("access_token") != "at-1" || frag.Get("state") != tx.State || frag.Get("code") != "" || f.tokens != 1 {
		t.Fatalf("answer %s (tokens issued %d), want the tokens and state in the fragment", u, f.tokens)
	}

	f = newFakeFace(t)
	_, cookies = f.login("u1")
	f.decision.Finish.Tokens = func(context.Context, session.Session) (url.Values, *oautherr.Error) {
		return nil, oautherr.AccessDenied("fake: no tokens")
	}
	tx = f.tx()
	tx.ResponseType, tx.ResponseMode = "token", engine.ModeQuery
	if q := location(t, f.advance(tx, cookies, nil)).Query(); q.Get("error") != oautherr.CodeAccessDenied || q.Get("state") != tx.State {
		t.Fatalf("refused tokens: %v", q)
	}
}

// TestC8_OnlyOneCompletionFinishes: a stored transaction completed
// elsewhere first (a double submit of the login form) is refused with the
// error page, and no code is issued.
func TestC8_OnlyOneCompletionFinishes(t *testing.T) {
	ctx := context.Background()
	f := newFakeFace(t)
	tx := f.tx()
	f.wantLoginScreen(t, f.advance(tx, nil, nil), tx)
	fresh, cookies := f.login("u1")
	tx.LoggedIn = true
	second := *tx
	if u := location(t, f.advance(tx, cookies, &fresh)); u.Query().Get("code") == "" {
		t.Fatalf("first completion: %s", u)
	}
	res := f.advance(&second, cookies, &fresh)
	if res.StatusCode != http.StatusBadRequest || f.pageErr == nil || f.pageErr.Code != oautherr.CodeInvalidRequest {
		t.Fatalf("second completion: status %d, page %v", res.StatusCode, f.pageErr)
	}
	if _, err := f.eng.Sessions.GetTransaction(ctx, tx.ID); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("transaction after completion: %v", err)
	}
}
