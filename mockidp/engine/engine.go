package engine

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tokens"
)

// Config configures an Engine. Sessions is required.
type Config struct {
	Sessions session.Store
	Logger   *slog.Logger
	// Now is the clock; time.Now when nil. Use the clock the Sessions were
	// made with.
	Now func() time.Time
	// Secure says the face is served over https: the cookies are then
	// Secure and SameSite=None, each with a companion cookie without
	// SameSite (see setCookie).
	Secure bool
	// CookiePrefix names the cookies: <prefix>_did (the browser binding)
	// and <prefix>_session (the login session); "mockidp" when empty. Two
	// faces on one host name (cookies ignore the port) need two prefixes.
	CookiePrefix string
}

// Engine is one face's transaction machinery.
type Engine struct {
	Sessions session.Store
	log      *slog.Logger
	now      func() time.Time
	secure   bool
	// cookie names
	browserCookie, sessionCookie string
}

// New returns the engine for cfg.
func New(cfg Config) *Engine {
	e := &Engine{Sessions: cfg.Sessions, log: cfg.Logger, now: cfg.Now, secure: cfg.Secure}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	p := cfg.CookiePrefix
	if p == "" {
		p = "mockidp"
	}
	e.browserCookie, e.sessionCookie = p+"_did", p+"_session"
	return e
}

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.now() }

// Internal logs an unexpected failure and answers without leaking it.
func (e *Engine) Internal(err error) *oautherr.Error {
	e.log.Error("internal error", "err", err)
	return oautherr.ServerError("The server encountered an internal error.")
}

// BrowserID returns the browser's binding ID, setting the cookie when the
// browser has none.
func (e *Engine) BrowserID(w http.ResponseWriter, r *http.Request) string {
	if v, ok := cookie(r, e.browserCookie); ok {
		return v
	}
	id := tokens.RandomToken()
	e.setCookie(w, e.browserCookie, id, 365*24*time.Hour)
	return id
}

// Cookies over HTTPS (rule W5). The browser binding and the login session
// cookie are SameSite=None; Secure, so that silent authentication
// (prompt=none in a hidden iframe of the application's own site) sends them
// where the browser allows third-party cookies. Browsers that mishandle
// SameSite=None (old Safari and Chrome releases treat it as Strict or drop
// the cookie) get the same value in a companion cookie without SameSite,
// name + "_compat", as Auth0 does with auth0 and auth0_compat. Over plain
// HTTP (a local mock without TLS) SameSite=None is impossible, because it
// requires Secure, so the cookies are Lax.
const compatSuffix = "_compat"

// setCookie sets a cookie (and its companion over HTTPS).
func (e *Engine) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, MaxAge: int(maxAge.Seconds())}
	if !e.secure {
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

// clearCookie removes a cookie and its companion.
func (e *Engine) clearCookie(w http.ResponseWriter, name string) {
	for _, n := range []string{name, name + compatSuffix} {
		c := &http.Cookie{Name: n, Value: "", Path: "/", HttpOnly: true, Secure: e.secure, MaxAge: -1}
		if e.secure && n == name {
			c.SameSite = http.SameSiteNoneMode
		}
		http.SetCookie(w, c)
		if !e.secure {
			break
		}
	}
}

// cookie returns the value of a cookie, from its companion when the browser
// did not send the SameSite=None one.
func cookie(r *http.Request, name string) (string, bool) {
	for _, n := range []string{name, name + compatSuffix} {
		if c, err := r.Cookie(n); err == nil && c.Value != "" {
			return c.Value, true
		}
	}
	return "", false
}

// Session returns the browser's live login session. Whether its user
// still exists is the face's question.
func (e *Engine) Session(r *http.Request) (session.Session, bool) {
	id, ok := cookie(r, e.sessionCookie)
	if !ok {
		return session.Session{}, false
	}
	sess, err := e.Sessions.GetSession(r.Context(), id)
	if err != nil {
		if !errors.Is(err, session.ErrNotFound) {
			e.log.Error("read session", "err", err)
		}
		return session.Session{}, false
	}
	return sess, true
}

// Login starts a login session for userID in this browser. A login always
// starts a new session and ends the browser's old one (a prompt=login
// re-login, another user): no session ID outlives the login that replaced
// it.
func (e *Engine) Login(w http.ResponseWriter, r *http.Request, userID string) (session.Session, error) {
	if old, ok := cookie(r, e.sessionCookie); ok {
		if err := e.Sessions.DeleteSession(r.Context(), old); err != nil {
			return session.Session{}, err
		}
	}
	sess := session.Session{ID: tokens.RandomToken(), UserID: userID, AuthTime: e.now()}
	if err := e.Sessions.PutSession(r.Context(), sess); err != nil {
		return session.Session{}, err
	}
	e.setCookie(w, e.sessionCookie, sess.ID, session.SessionTTL)
	return sess, nil
}

// Logout ends the browser's login session, if any (both the SameSite=None
// cookie and its companion may name one).
func (e *Engine) Logout(w http.ResponseWriter, r *http.Request) error {
	for _, name := range []string{e.sessionCookie, e.sessionCookie + compatSuffix} {
		if c, err := r.Cookie(name); err == nil && c.Value != "" {
			if err := e.Sessions.DeleteSession(r.Context(), c.Value); err != nil {
				return err
			}
		}
	}
	e.clearCookie(w, e.sessionCookie)
	return nil
}

// Park saves a transaction waiting on a screen (the face's name for it:
// "login", "consent", ...).
func (e *Engine) Park(ctx context.Context, tx *session.Transaction, pending string) error {
	tx.Pending = pending
	return e.Sessions.PutTransaction(ctx, *tx)
}

// EndTx ends a transaction whose outcome is already decided; a failure is
// only logged, the transaction expires anyway.
func (e *Engine) EndTx(ctx context.Context, id string) {
	if _, err := e.Sessions.EndTransaction(ctx, id); err != nil {
		e.log.Error("end transaction", "tx", id, "err", err)
	}
}

// Complete ends a transaction that is about to be answered. It refuses a
// stored transaction someone else completed first (a double submit): of
// concurrent completions exactly one goes on.
func (e *Engine) Complete(ctx context.Context, tx *session.Transaction) *oautherr.Error {
	ended, err := e.Sessions.EndTransaction(ctx, tx.ID)
	if err != nil {
		return e.Internal(err)
	}
	if !ended && tx.Pending != "" {
		return oautherr.InvalidRequest("This login transaction was already completed.")
	}
	return nil
}

// ScreenTx loads the transaction a screen request names (its state
// parameter) and checks that it belongs to this browser and waits on one of
// the given screens (rule C8).
func (e *Engine) ScreenTx(r *http.Request, pending ...string) (*session.Transaction, *oautherr.Error) {
	id := r.FormValue("state")
	tx, err := e.Sessions.GetTransaction(r.Context(), id)
	if err != nil && !errors.Is(err, session.ErrNotFound) {
		return nil, e.Internal(err)
	}
	if err != nil {
		return nil, oautherr.InvalidRequest("This login transaction is unknown, expired or already completed. Start again from the application.")
	}
	did, ok := cookie(r, e.browserCookie)
	if !ok || subtle.ConstantTimeCompare([]byte(did), []byte(tx.BrowserID)) != 1 {
		return nil, oautherr.New(http.StatusForbidden, oautherr.CodeInvalidRequest, "This form belongs to another browser session.")
	}
	if !slices.Contains(pending, tx.Pending) {
		return nil, oautherr.InvalidRequest("This form does not belong to the current step of the login transaction.")
	}
	return &tx, nil
}

// ScreenSession returns the browser's login session when it is the one the
// transaction's consent (or confirmation) page was shown for: a form shown
// to one user is never answered under another user's session (rule C8).
func (e *Engine) ScreenSession(r *http.Request, tx *session.Transaction) (session.Session, *oautherr.Error) {
	sess, ok := e.Session(r)
	if !ok {
		return session.Session{}, oautherr.LoginRequired("Your session has ended. Start again from the application.")
	}
	if subtle.ConstantTimeCompare([]byte(sess.ID), []byte(tx.SessionID)) != 1 {
		return session.Session{}, oautherr.New(http.StatusForbidden, oautherr.CodeInvalidRequest, "This form belongs to another login session.")
	}
	return sess, nil
}

// CheckCSRF verifies a posted form's anti-forgery value (field "csrf").
func CheckCSRF(r *http.Request, tx *session.Transaction) *oautherr.Error {
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(tx.CSRF)) != 1 {
		return oautherr.New(http.StatusForbidden, oautherr.CodeInvalidRequest, "The form's anti-forgery value is missing or wrong.")
	}
	return nil
}

// NewTransaction starts a transaction with fresh ID and anti-forgery value.
func NewTransaction() session.Transaction {
	return session.Transaction{ID: tokens.RandomID(), CSRF: tokens.RandomToken()}
}
