package auth0

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/consentry/consentry/mockidp/consent"
	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/pages"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tenant"
)

// The browser binding and login session cookies (mockidp_did,
// mockidp_session, and their _compat companions over HTTPS), the screen
// transactions and their checks (rule C8), their single completion and the
// order of login, consent and callback (engine.Flow) are the engine's.

// sessionUser returns the session's user, unless it was deleted since.
func (f *Face) sessionUser(ctx context.Context, sess session.Session) (*tenant.User, bool) {
	u, err := f.store.GetUser(ctx, sess.UserID)
	if err != nil {
		return nil, false
	}
	return u, true
}

// screenSession returns the browser's login session and its user when it is
// the session the consent or confirmation page was shown for: a form shown to
// one user is never answered under another user's session (rule C8).
func (f *Face) screenSession(r *http.Request, tx *session.Transaction) (session.Session, *tenant.User, *oautherr.Error) {
	sess, e := f.eng.ScreenSession(r, tx)
	if e != nil {
		return session.Session{}, nil, e
	}
	user, ok := f.sessionUser(r.Context(), sess)
	if !ok {
		return session.Session{}, nil, oautherr.LoginRequired("Your session has ended. Start again from the application.")
	}
	return sess, user, nil
}

func (f *Face) clientView(c *tenant.Client) pages.Client {
	return pages.Client{Name: c.Name, LogoURL: c.LogoURI}
}

func (f *Face) form(path string, tx *session.Transaction) pages.Form {
	return pages.Form{Action: f.url(path + "?state=" + url.QueryEscape(tx.ID)), State: tx.ID, CSRF: tx.CSRF}
}

// parseScreen parses a screen request within the bounds and refuses an
// ambiguous one (a field or parameter sent twice, but the multi-valued
// ones; rule A7).
func parseScreen(w http.ResponseWriter, r *http.Request, multi ...string) *oautherr.Error {
	if e := engine.ParseForm(w, r); e != nil {
		return e
	}
	return engine.CheckScreenForm(r, multi...)
}

// loginPage shows the login form (rule A3).
func (f *Face) loginPage(w http.ResponseWriter, r *http.Request) {
	if e := parseScreen(w, r); e != nil {
		f.errorPage(w, r, e)
		return
	}
	tx, e := f.eng.ScreenTx(r, engine.PendingLogin)
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
	// A7: username or password twice is ambiguous, never first-wins.
	if e := parseScreen(w, r); e != nil {
		f.errorPage(w, r, e)
		return
	}
	tx, e := f.eng.ScreenTx(r, engine.PendingLogin)
	if e == nil {
		e = engine.CheckCSRF(r, tx)
	}
	if e != nil {
		f.errorPage(w, r, e)
		return
	}
	username, password := r.PostFormValue("username"), r.PostFormValue("password")
	u, err := f.store.FindUser(r.Context(), username)
	if err != nil && !errors.Is(err, tenant.ErrNotFound) {
		f.errorPage(w, r, f.eng.Internal(err))
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
	f.flow.Advance(w, r, tx, &sess)
}

// startSession starts a login session for the user, now, replacing the
// browser's old one (the engine's Login).
func (f *Face) startSession(w http.ResponseWriter, r *http.Request, userID string) (session.Session, *oautherr.Error) {
	sess, err := f.eng.Login(w, r, userID)
	if err != nil {
		return session.Session{}, f.eng.Internal(err)
	}
	return sess, nil
}

// consentTx loads the transaction of a consent or confirmation request
// and the login session it was shown for; a posted form must also carry the
// transaction's anti-forgery value (rule C8).
func (f *Face) consentTx(r *http.Request, posted bool) (*session.Transaction, session.Session, *tenant.User, *oautherr.Error) {
	tx, e := f.eng.ScreenTx(r, consent.Consent.String(), consent.Confirmation.String())
	if e == nil && posted {
		e = engine.CheckCSRF(r, tx)
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
	if e := parseScreen(w, r, "scope"); e != nil {
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
		f.errorPage(w, r, f.eng.Internal(err))
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
	// A7: action=accept&action=deny is ambiguous, never first-wins.
	if e := parseScreen(w, r, "scope"); e != nil {
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
	if posted := r.PostForm["scope"]; !engine.Subset(posted, tx.Offered) {
		f.eng.EndTx(ctx, tx.ID)
		f.log.Warn("consent form tampered", "tx", tx.ID)
		f.errorPage(w, r, oautherr.InvalidRequest("The consent form asks for scopes that were not offered."))
		return
	}
	// Only one submission of the form counts (replays are refused).
	if e := f.eng.Complete(ctx, tx); e != nil {
		f.errorPage(w, r, e)
		return
	}
	client, api, e := f.txParties(ctx, tx)
	if e != nil {
		engine.RespondError(w, r, tx, e)
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
			f.errorPage(w, r, f.eng.Internal(err))
			return
		}
		grantID = g.ID
		f.log.Info("consent given", "tx", tx.ID, "client", client.ClientID, "user", user.UserID, "grant", g.ID)
	} else if gs, err := f.store.ListUserGrants(ctx, tenant.UserGrantFilter{UserID: user.UserID, ClientID: client.ClientID, Audience: f.grantAudience(tx)}); err == nil && len(gs) > 0 {
		grantID = gs[0].ID
	}
	f.flow.Finish(w, r, tx, sess, f.finishing(tx, client, api, user, grantID))
}

// decline answers a declined consent or confirmation: an access_denied
// redirect (D2) or, for strict third-party clients under
// open_redirect_protection, the error page and no redirect (D1).
func (f *Face) decline(w http.ResponseWriter, r *http.Request, tx *session.Transaction, c *tenant.Client) {
	e := oautherr.AccessDenied(oautherr.DeclinedDescription)
	f.log.Info("consent declined", "tx", tx.ID, "client", c.ClientID, "redirect", c.RedirectsOnDecline())
	if c.RedirectsOnDecline() {
		engine.RespondError(w, r, tx, e)
		return
	}
	f.errorPage(w, r, e)
}
