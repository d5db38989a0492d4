package engine

import (
	"context"
	"net/http"
	"net/url"

	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/session"
)

// PendingLogin is the screen a transaction waits on while the browser
// logs in. The screens after it (consent, confirmation, ...) are named by
// the face's Decision.
const PendingLogin = "login"

// ResponseCode is the code flow's response_type; the engine issues an
// authorization code for it and asks the face for tokens for any other
// (the implicit flow).
const ResponseCode = "code"

// ErrorPage renders an error as the face's HTML error page.
type ErrorPage func(w http.ResponseWriter, r *http.Request, e *oautherr.Error)

// Flow is one face's login -> consent -> callback step: the engine owns
// the order (the session's user, prompt=login and max_age, prompt=none
// refusals, the screen transaction, the single completion, the answer in
// the response mode); the face supplies its decisions through the fields.
// U is the face's user type, as SessionUser finds it and Decide receives
// it. Every field is required.
type Flow[U any] struct {
	Engine *Engine
	// SessionUser returns the user of a live login session, false when
	// that user may no longer sign in (deleted, deactivated): the browser
	// must then log in again.
	SessionUser func(ctx context.Context, sess session.Session) (U, bool)
	// LoginRequired is sent to the callback under prompt=none when the
	// browser would have to log in (rule A4).
	LoginRequired *oautherr.Error
	// ConsentRequired is sent to the callback under prompt=none when
	// Decide wants the screen d (rule A4: no page is ever shown). A face
	// whose Decide already refuses prompt=none with its own text reaches
	// it only if that decision is broken.
	ConsentRequired func(d Decision) *oautherr.Error
	// ScreenURL is where the browser goes for the screen tx now waits on
	// (tx.Pending: PendingLogin or a Decision's Screen); the transaction's
	// ID is its state parameter.
	ScreenURL func(tx *session.Transaction) string
	ErrorPage ErrorPage
	// Decide is the face's consent decision for a logged-in user: a screen
	// to show, or what to finish with. A refusal goes to the callback and
	// ends the transaction (the client or API is gone, a policy refuses);
	// an error is an internal failure, shown on the error page.
	Decide func(ctx context.Context, tx *session.Transaction, sess session.Session, user U) (d Decision, refusal *oautherr.Error, err error)
}

// Decision is what a face decided for a logged-in transaction.
type Decision struct {
	// Screen is the screen to show ("consent", "confirmation", ...), ""
	// for none: the transaction then finishes with Finish.
	Screen string
	// Offered are the scopes the screen offers; a posted form may not ask
	// for more (rule C8).
	Offered []string
	Finish  Finish
}

// Finish is what the face issues when a transaction finishes.
type Finish struct {
	// Scopes are the scopes the code (or the tokens) carry.
	Scopes []string
	// GrantID is the user grant the code rests on, if the face keeps one.
	GrantID string
	// Tokens issues the tokens of a response type other than code for the
	// login session (its user, its auth_time), as the response's
	// parameters.
	Tokens func(ctx context.Context, sess session.Session) (url.Values, *oautherr.Error)
}

// Advance moves a transaction on: to the login screen, to the screen the
// face's Decide asks for, or to the callback. fresh is the login session
// the caller has just started (a login form, a login ticket); nil means
// the browser's own. In order:
//
//  1. no live session, a session whose user may no longer sign in, or, for
//     a transaction that has not passed the login screen, prompt=login or
//     a login older than max_age (rules A3, A6): the login screen, or
//     LoginRequired under prompt=none (A4);
//  2. Decide; its refusal goes to the callback;
//  3. a screen: ConsentRequired under prompt=none (A4), else the screen,
//     bound to the login session it is shown for (C8);
//  4. no screen: the transaction is completed, once (a double submit is
//     refused), and Finish answers.
func (fl *Flow[U]) Advance(w http.ResponseWriter, r *http.Request, tx *session.Transaction, fresh *session.Session) {
	e, ctx := fl.Engine, r.Context()
	var (
		sess session.Session
		ok   bool
		user U
	)
	if fresh != nil {
		sess, ok = *fresh, true
	} else {
		sess, ok = e.Session(r)
	}
	if ok {
		user, ok = fl.SessionUser(ctx, sess)
	}
	if !ok || (!tx.LoggedIn && (tx.Prompt["login"] || TooOld(tx, sess.AuthTime, e.now()))) {
		if tx.Prompt["none"] {
			fl.refuse(w, r, tx, fl.LoginRequired)
			return
		}
		fl.park(w, r, tx, PendingLogin)
		return
	}
	d, refusal, err := fl.Decide(ctx, tx, sess, user)
	switch {
	case err != nil:
		fl.ErrorPage(w, r, e.Internal(err))
		return
	case refusal != nil:
		fl.refuse(w, r, tx, refusal)
		return
	}
	if d.Screen != "" {
		if tx.Prompt["none"] {
			fl.refuse(w, r, tx, fl.ConsentRequired(d))
			return
		}
		tx.Offered, tx.SessionID = d.Offered, sess.ID
		fl.park(w, r, tx, d.Screen)
		return
	}
	// A stored transaction someone finished first is refused.
	if oe := e.Complete(ctx, tx); oe != nil {
		fl.ErrorPage(w, r, oe)
		return
	}
	fl.Finish(w, r, tx, sess, d.Finish)
}

// refuse ends the transaction and sends e to the callback.
func (fl *Flow[U]) refuse(w http.ResponseWriter, r *http.Request, tx *session.Transaction, e *oautherr.Error) {
	fl.Engine.EndTx(r.Context(), tx.ID)
	RespondError(w, r, tx, e)
}

// park saves the transaction waiting on screen and sends the browser there.
func (fl *Flow[U]) park(w http.ResponseWriter, r *http.Request, tx *session.Transaction, screen string) {
	if err := fl.Engine.Park(r.Context(), tx, screen); err != nil {
		fl.ErrorPage(w, r, fl.Engine.Internal(err))
		return
	}
	Redirect(w, r, fl.ScreenURL(tx))
}

// Finish answers the client for a transaction the caller has completed (or
// ended): a code, or for other response types the face's tokens, in the
// transaction's response mode with its state (rule A5). The code carries
// the session's user and login time (auth_time, A6) and the transaction's
// client, callback, audience, nonce and PKCE challenge.
func (fl *Flow[U]) Finish(w http.ResponseWriter, r *http.Request, tx *session.Transaction, sess session.Session, fin Finish) {
	e, ctx := fl.Engine, r.Context()
	params := url.Values{}
	if tx.ResponseType == ResponseCode {
		code, err := e.IssueCode(ctx, session.Code{
			ClientID: tx.ClientID, RedirectURI: tx.RedirectURI, UserID: sess.UserID, Audience: tx.Audience,
			Scopes: fin.Scopes, Nonce: tx.Nonce, AuthTime: sess.AuthTime, CodeChallenge: tx.CodeChallenge,
			ChallengeMethod: tx.ChallengeMethod, GrantID: fin.GrantID,
		})
		if err != nil {
			fl.ErrorPage(w, r, e.Internal(err))
			return
		}
		params.Set("code", code)
	} else {
		p, oe := fin.Tokens(ctx, sess)
		if oe != nil {
			RespondError(w, r, tx, oe)
			return
		}
		for k, v := range p {
			params[k] = v
		}
	}
	e.log.Info("authorize response", "tx", tx.ID, "client", tx.ClientID, "user", sess.UserID, "response_type", tx.ResponseType)
	Respond(w, r, tx, params)
}
