package auth0

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/consentry/consentry/mockidp/consent"
	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/pages"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

// Cookies: the browser binding (set on the first /authorize) and the login
// session (set at login).
const (
	cookieBrowser = "mockidp_did"
	cookieSession = "mockidp_session"
)

// browserID returns the browser's binding ID, setting the cookie when the
// browser has none.
func (f *Face) browserID(w http.ResponseWriter, r *http.Request) string {
	if v, ok := cookie(r, cookieBrowser); ok {
		return v
	}
	id := tokens.RandomToken()
	f.setCookie(w, cookieBrowser, id, 365*24*time.Hour)
	return id
}

// currentUser returns the browser's live session and its user.
func (f *Face) currentUser(r *http.Request) (session.Session, *tenant.User, bool) {
	id, ok := cookie(r, cookieSession)
	if !ok {
		return session.Session{}, nil, false
	}
	sess, err := f.sessions.GetSession(r.Context(), id)
	if err != nil {
		if !errors.Is(err, session.ErrNotFound) {
			f.log.Error("read session", "err", err)
		}
		return session.Session{}, nil, false
	}
	u, ok := f.sessionUser(r, sess)
	return sess, u, ok
}

// sessionUser returns the session's user, unless it was deleted since.
func (f *Face) sessionUser(r *http.Request, sess session.Session) (*tenant.User, bool) {
	u, err := f.store.GetUser(r.Context(), sess.UserID)
	if err != nil {
		return nil, false
	}
	return u, true
}

// screenTx loads the transaction a screen request names and checks that it
// belongs to this browser and waits on one of the given screens (rule C8).
func (f *Face) screenTx(r *http.Request, pending ...string) (*session.Transaction, *oautherr.Error) {
	id := r.FormValue("state")
	tx, err := f.sessions.GetTransaction(r.Context(), id)
	if err != nil && !errors.Is(err, session.ErrNotFound) {
		return nil, f.internal(err)
	}
	if err != nil {
		return nil, oautherr.InvalidRequest("This login transaction is unknown, expired or already completed. Start again from the application.")
	}
	did, ok := cookie(r, cookieBrowser)
	if !ok || subtle.ConstantTimeCompare([]byte(did), []byte(tx.BrowserID)) != 1 {
		return nil, oautherr.New(http.StatusForbidden, oautherr.CodeInvalidRequest, "This form belongs to another browser session.")
	}
	if !slices.Contains(pending, tx.Pending) {
		return nil, oautherr.InvalidRequest("This form does not belong to the current step of the login transaction.")
	}
	return &tx, nil
}

// screenSession returns the browser's login session and its user when it is
// the session the consent or confirmation page was shown for: a form shown to
// one user is never answered under another user's session (rule C8).
func (f *Face) screenSession(r *http.Request, tx *session.Transaction) (session.Session, *tenant.User, *oautherr.Error) {
	sess, user, ok := f.currentUser(r)
	if !ok {
		return session.Session{}, nil, oautherr.LoginRequired("Your session has ended. Start again from the application.")
	}
	if subtle.ConstantTimeCompare([]byte(sess.ID), []byte(tx.SessionID)) != 1 {
		return session.Session{}, nil, oautherr.New(http.StatusForbidden, oautherr.CodeInvalidRequest, "This form belongs to another login session.")
	}
	return sess, user, nil
}

// checkCSRF verifies a posted form's anti-forgery value.
func checkCSRF(r *http.Request, tx *session.Transaction) *oautherr.Error {
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(tx.CSRF)) != 1 {
		return oautherr.New(http.StatusForbidden, oautherr.CodeInvalidRequest, "The form's anti-forgery value is missing or wrong.")
	}
	return nil
}

func (f *Face) clientView(c *tenant.Client) pages.Client {
	return pages.Client{Name: c.Name, LogoURL: c.LogoURI}
}

func (f *Face) form(path string, tx *session.Transaction) pages.Form {
	return pages.Form{Action: f.url(path + "?state=" + url.QueryEscape(tx.ID)), State: tx.ID, CSRF: tx.CSRF}
}

// loginPage shows the login form (rule A3).
func (f *Face) loginPage(w http.ResponseWriter, r *http.Request) {
	if e := parseForm(w, r); e != nil {
		f.errorPage(w, r, e)
		return
	}
	tx, e := f.screenTx(r, "login")
	if e != nil {
		f.errorPage(w, r, e)
		return
	}
	f.renderLogin(w, r, tx, http.StatusOK, "", "")
}

func (f *Face) renderLogin(w http.ResponseWriter, r *http.Request, tx *session.Transaction, status int, username, msg string) {
	client, err := f.store.GetClient(r.Context(), tx.ClientID)
	if err != nil {
		f.errorPage(w, r, oautherr.InvalidRequest("The client no longer exists."))
		return
	}
	pages.RenderLogin(w, status, pages.Login{Tenant: f.tenantView(r.Context()), Client: f.clientView(client),
		Form: f.form("u/login", tx), Username: username, Error: msg})
}

// loginSubmit checks the credentials, starts the session and moves on.
func (f *Face) loginSubmit(w http.ResponseWriter, r *http.Request) {
	if e := parseForm(w, r); e != nil {
		f.errorPage(w, r, e)
		return
	}
	tx, e := f.screenTx(r, "login")
	if e == nil {
		e = checkCSRF(r, tx)
	}
	if e != nil {
		f.errorPage(w, r, e)
		return
	}
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	u, err := f.store.FindUser(r.Context(), username)
	if err != nil && !errors.Is(err, tenant.ErrNotFound) {
		f.errorPage(w, r, f.internal(err))
		return
	}
	if u == nil || !credentials.CheckPassword(u.PasswordHash, password) {
		f.log.Info("login failed", "tx", tx.ID)
		f.renderLogin(w, r, tx, http.StatusUnauthorized, username, "Wrong email or password.")
		return
	}
	sess, e := f.startSession(w, r, u.UserID)
	if e != nil {
		f.errorPage(w, r, e)
		return
	}
	f.log.Info("login", "tx", tx.ID, "user", u.UserID)
	tx.LoggedIn, tx.ScreenShown = true, true
	f.advance(w, r, tx, &sess)
}

// startSession starts a login session for the user, now. A login always
// starts a new session and ends the browser's old one (a prompt=login
// re-login, another user): no session ID outlives the login that replaced
// it.
func (f *Face) startSession(w http.ResponseWriter, r *http.Request, userID string) (session.Session, *oautherr.Error) {
	if old, ok := cookie(r, cookieSession); ok {
		if err := f.sessions.DeleteSession(r.Context(), old); err != nil {
			return session.Session{}, f.internal(err)
		}
	}
	sess := session.Session{ID: tokens.RandomToken(), UserID: userID, AuthTime: f.now()}
	if err := f.sessions.PutSession(r.Context(), sess); err != nil {
		return session.Session{}, f.internal(err)
	}
	f.setCookie(w, cookieSession, sess.ID, session.SessionTTL)
	return sess, nil
}

// consentTx loads the transaction of a consent or confirmation request
// and the login session it was shown for; a posted form must also carry the
// transaction's anti-forgery value (rule C8).
func (f *Face) consentTx(r *http.Request, posted bool) (*session.Transaction, session.Session, *tenant.User, *oautherr.Error) {
	tx, e := f.screenTx(r, consent.Consent.String(), consent.Confirmation.String())
	if e == nil && posted {
		e = checkCSRF(r, tx)
	}
	if e != nil {
		return nil, session.Session{}, nil, e
	}
	sess, user, e := f.screenSession(r, tx)
	return tx, sess, user, e
}

// consentPage shows the consent or the login confirmation page.
func (f *Face) consentPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if e := parseForm(w, r); e != nil {
		f.errorPage(w, r, e)
		return
	}
	tx, _, user, e := f.consentTx(r, false)
	if e != nil {
		f.errorPage(w, r, e)
		return
	}
	client, api, e := f.txParties(ctx, tx)
	if e != nil {
		f.errorPage(w, r, e)
		return
	}
	settings, err := f.store.GetSettings(ctx)
	if err != nil {
		f.errorPage(w, r, f.internal(err))
		return
	}
	p := pages.Consent{
		Tenant: f.tenantView(ctx), Client: f.clientView(client), Form: f.form("u/consent", tx),
		UserName: user.Name, UserEmail: user.Email, UserPicture: user.Picture,
		Confirmation: tx.Pending == consent.Confirmation.String(),
	}
	if !p.Confirmation {
		describe := func(string) string { return "" }
		if api != nil {
			p.APIName = api.Name
			describe = api.Describe
		}
		for _, l := range consent.Lines(tx.Offered, describe, settings.Flags.UseScopeDescriptionsForConsent) {
			p.Lines = append(p.Lines, pages.ScopeLine{Title: l.Title, Text: l.Text, Scopes: l.Scopes})
		}
		p.Scopes = tx.Offered
	}
	pages.RenderConsent(w, p)
}

// consentSubmit handles Accept and Decline (rules C2, C8, D1 to D3).
func (f *Face) consentSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if e := parseForm(w, r); e != nil {
		f.errorPage(w, r, e)
		return
	}
	tx, sess, user, e := f.consentTx(r, true)
	if e != nil {
		f.errorPage(w, r, e)
		return
	}
	action := r.PostFormValue("action")
	if action != "accept" && action != "deny" {
		f.errorPage(w, r, oautherr.InvalidRequest(`The form's action must be "accept" or "deny".`))
		return
	}
	// C8: the form may not ask for more than the page offered.
	if posted := r.PostForm["scope"]; !subset(posted, tx.Offered) {
		f.endTx(ctx, tx.ID)
		f.log.Warn("consent form tampered", "tx", tx.ID)
		f.errorPage(w, r, oautherr.InvalidRequest("The consent form asks for scopes that were not offered."))
		return
	}
	// Only one submission of the form counts (replays are refused).
	ended, err := f.sessions.EndTransaction(ctx, tx.ID)
	if err != nil {
		f.errorPage(w, r, f.internal(err))
		return
	}
	if !ended {
		f.errorPage(w, r, oautherr.InvalidRequest("This login transaction was already completed."))
		return
	}
	client, api, e := f.txParties(ctx, tx)
	if e != nil {
		respondError(w, r, tx, e)
		return
	}
	if action == "deny" {
		f.decline(w, r, tx, client)
		return
	}
	grantID := ""
	if tx.Pending == consent.Consent.String() {
		g, err := f.store.MergeUserGrant(ctx, user.UserID, client.ClientID, f.grantAudience(tx), tx.Offered)
		if err != nil {
			f.errorPage(w, r, f.internal(err))
			return
		}
		grantID = g.ID
		f.log.Info("consent given", "tx", tx.ID, "client", client.ClientID, "user", user.UserID, "grant", g.ID)
	} else if gs, err := f.store.ListUserGrants(ctx, tenant.UserGrantFilter{UserID: user.UserID, ClientID: client.ClientID, Audience: f.grantAudience(tx)}); err == nil && len(gs) > 0 {
		grantID = gs[0].ID
	}
	f.finish(w, r, tx, client, api, user, sess, grantID)
}

// decline answers a declined consent or confirmation: an access_denied
// redirect (D2) or, for strict third-party clients under
// open_redirect_protection, the error page and no redirect (D1).
func (f *Face) decline(w http.ResponseWriter, r *http.Request, tx *session.Transaction, c *tenant.Client) {
	e := oautherr.AccessDenied(oautherr.DeclinedDescription)
	f.log.Info("consent declined", "tx", tx.ID, "client", c.ClientID, "redirect", c.RedirectsOnDecline())
	if c.RedirectsOnDecline() {
		respondError(w, r, tx, e)
		return
	}
	f.errorPage(w, r, e)
}
