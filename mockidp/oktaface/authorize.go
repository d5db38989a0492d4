package oktaface

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/consentry/consentry/mockidp/consent"
	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/pages"
	"github.com/consentry/consentry/mockidp/session"
)

// Response types the face supports.
const (
	rtCode         = "code"
	rtToken        = "token"
	rtIDToken      = "id_token"
	rtIDTokenToken = "id_token token"
)

// Screens a transaction waits on.
const (
	pendingLogin   = engine.PendingLogin
	pendingConsent = "consent"
)

// Okta's texts for the authorization request (mock's where Okta's are not
// public).
const (
	descLoginRequired = "The client specified not to prompt, but the user is not logged in."
	descPKCERequired  = "PKCE code challenge is required when the token endpoint authentication method is 'NONE'."
	descNonceRequired = "The 'nonce' parameter is required for authorize requests with either the 'id_token' or 'token' response types."
	descBadSignIn     = "Unable to sign in"
)

// authorize is GET/POST /oauth2/{id}/v1/authorize. Problems with the
// server, the client or the callback are the HTML error page (O10); once
// the callback is known, errors go back to it (O8, O9, invalid_request).
func (f *Face) authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if e := engine.ParseForm(w, r); e != nil {
		f.errorPage(w, e)
		return
	}
	q := r.Form
	if e := engine.TooLong(q); e != nil {
		f.errorPage(w, e)
		return
	}
	srv, e := f.server(r)
	if e != nil {
		f.errorPage(w, e)
		return
	}
	if name := engine.Repeated(q, "client_id", "redirect_uri"); name != "" {
		f.errorPage(w, engine.RepeatedError(name))
		return
	}
	app, e := f.activeApp(ctx, q.Get("client_id"))
	if e != nil {
		f.errorPage(w, e)
		return
	}
	redirectURI := q.Get("redirect_uri")
	if !app.MatchRedirectURI(redirectURI) {
		f.errorPage(w, okta.ErrBadRedirectURI())
		return
	}

	tx := engine.NewTransaction()
	tx.ClientID, tx.RedirectURI, tx.Audience = app.ClientID(), redirectURI, srv.ID
	tx.State, tx.Nonce = q.Get("state"), q.Get("nonce")
	rt := strings.Join(engine.SortedFields(q.Get("response_type")), " ")
	tx.ResponseMode = engine.ModeQuery
	if rt != rtCode && rt != "" {
		tx.ResponseMode = engine.ModeFragment
	}
	dup := engine.Repeated(q)
	if dup == "state" {
		tx.State = ""
	}
	if dup != "" {
		engine.RespondError(w, r, &tx, engine.RepeatedError(dup))
		return
	}
	if m := q.Get("response_mode"); m != "" {
		switch m {
		case engine.ModeQuery, engine.ModeFragment, engine.ModeFormPost, engine.ModeOktaPostMessage:
			tx.ResponseMode = m
		default:
			engine.RespondError(w, r, &tx, oautherr.InvalidRequest("The 'response_mode' parameter is invalid or not supported: "+m+"."))
			return
		}
	}
	if e := f.validate(ctx, srv, app, &tx, rt, q); e != nil {
		f.log.Info("authorize refused", "client", app.ClientID(), "error", e.Code, "description", e.Description)
		engine.RespondError(w, r, &tx, e)
		return
	}
	tx.BrowserID = f.eng.BrowserID(w, r)
	f.log.Info("authorize", "server", srv.ID, "client", app.ClientID(), "tx", tx.ID, "response_type", rt, "scope", strings.Join(tx.Scopes, " "))
	f.flow.Advance(w, r, &tx, nil)
}

// validate checks an authorization request whose app and callback are
// known, filling the transaction.
func (f *Face) validate(ctx context.Context, srv *okta.AuthServer, app *okta.App, tx *session.Transaction, rt string, q url.Values) *oautherr.Error {
	switch rt {
	case "":
		return oautherr.InvalidRequest("The 'response_type' parameter is missing.")
	case rtCode, rtToken, rtIDToken, rtIDTokenToken:
	default:
		return oautherr.UnsupportedResponseType("The response type is not supported by the authorization server. Configured response types: [code, token, id_token].")
	}
	tx.ResponseType = rt
	if rt != rtCode && tx.ResponseMode == engine.ModeQuery {
		return oautherr.InvalidRequest("The 'response_mode' parameter 'query' is not allowed with response_type '" + rt + "'.")
	}
	grant := okta.GrantTypeOf(rt)
	if !app.AllowsGrant(grant) {
		return okta.ErrUnauthorizedClient(app)
	}
	for _, part := range strings.Fields(rt) {
		if !slices.Contains(app.Settings.OAuthClient.ResponseTypes, part) {
			return oautherr.UnsupportedResponseType("The response type is not supported by the client.")
		}
	}
	var e *oautherr.Error
	tx.CodeChallenge, tx.ChallengeMethod, e = engine.ParseChallenge(q, rt == rtCode)
	switch {
	case e != nil:
		return e
	case tx.CodeChallenge != "" && tx.ChallengeMethod != "S256":
		return oautherr.InvalidRequest("The 'code_challenge_method' parameter is invalid. Supported values: [S256].")
	case tx.CodeChallenge == "" && rt == rtCode && app.IsPublic():
		return oautherr.InvalidRequest(descPKCERequired)
	}
	p, e := consent.ParseOktaPrompt(q.Get("prompt"))
	if e != nil {
		return e
	}
	tx.Prompt = map[string]bool{"none": p.None, "login": p.Login, "consent": p.Consent}
	// max_age (A6): a non-negative number of seconds.
	if tx.MaxAge, tx.MaxAgeSet, e = engine.ParseMaxAge(q); e != nil {
		return e
	}
	all, err := f.st.ListScopes(ctx, srv.ID)
	if err != nil {
		return f.eng.Internal(err)
	}
	scopes, e := okta.ResolveScopes(all, strings.Fields(q.Get("scope")), grant)
	if e != nil {
		return e
	}
	tx.Scopes = scopeNames(scopes)
	if strings.Contains(rt, rtIDToken) && !slices.Contains(tx.Scopes, "openid") {
		return oautherr.InvalidRequest("The 'openid' scope is required for response_type '" + rt + "'.")
	}
	if rt != rtCode && tx.Nonce == "" {
		return oautherr.InvalidRequest(descNonceRequired)
	}
	return nil
}

func scopeNames(scopes []*okta.Scope) []string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		out[i] = s.Name
	}
	return out
}

// parties loads the transaction's server, app and the browser's user again:
// any of them may have changed since /authorize.
type parties struct {
	srv  *okta.AuthServer
	app  *okta.App
	user *okta.User
}

func (f *Face) txParties(ctx context.Context, tx *session.Transaction, userID string) (parties, *oautherr.Error) {
	var p parties
	srv, err := f.st.GetAuthServer(ctx, tx.Audience)
	if err != nil || srv.Status != okta.StatusActive {
		return p, oautherr.InvalidRequest("The authorization server no longer exists or is inactive.")
	}
	app, e := f.activeApp(ctx, tx.ClientID)
	if e != nil {
		return p, e
	}
	p.srv, p.app = srv, app
	if userID != "" {
		if p.user = f.activeUser(ctx, userID); p.user == nil {
			return p, oautherr.LoginRequired("Your session has ended. Start again from the application.")
		}
	}
	return p, nil
}

// activeUser returns an ACTIVE user, nil for any other.
func (f *Face) activeUser(ctx context.Context, id string) *okta.User {
	u, err := f.st.GetUser(ctx, id)
	if err != nil || u.Status != okta.UserActive {
		return nil
	}
	return u
}

// flowOf is the face's part of the engine's login -> consent -> callback
// step (engine.Flow): ACTIVE users only, Okta's texts, its v1/login and
// v1/consent screens, its consent decision.
func (f *Face) flowOf() engine.Flow[*okta.User] {
	return engine.Flow[*okta.User]{
		Engine: f.eng,
		SessionUser: func(ctx context.Context, sess session.Session) (*okta.User, bool) {
			u := f.activeUser(ctx, sess.UserID)
			return u, u != nil
		},
		LoginRequired: oautherr.LoginRequired(descLoginRequired),
		// consent.DecideOkta refuses prompt=none itself, with this text.
		ConsentRequired: func(d engine.Decision) *oautherr.Error {
			return oautherr.ConsentRequired("The following scopes require user consent: " + okta.List(d.Offered) + ".")
		},
		ScreenURL: func(tx *session.Transaction) string {
			if tx.Pending == pendingLogin {
				return f.screenURL(tx, "v1/login")
			}
			return f.screenURL(tx, "v1/consent")
		},
		ErrorPage: func(w http.ResponseWriter, _ *http.Request, e *oautherr.Error) { f.errorPage(w, e) },
		Decide:    f.decideScreen,
	}
}

// decideScreen is Okta's decision for a logged-in transaction: the
// authorization server's policy (okta.Authorize), then consent.DecideOkta
// over the user's grants and skipped scopes: the consent page for the
// scopes it asks, or a code for the scopes the token may carry.
func (f *Face) decideScreen(ctx context.Context, tx *session.Transaction, sess session.Session, _ *okta.User) (engine.Decision, *oautherr.Error, error) {
	p, e := f.txParties(ctx, tx, sess.UserID)
	if e != nil {
		return engine.Decision{}, e, nil
	}
	scopes, _, err := okta.Authorize(ctx, f.st, p.srv, p.app, p.user.ID, okta.GrantTypeOf(tx.ResponseType), tx.Scopes)
	if err != nil {
		return engine.Decision{}, f.refusal(err), nil
	}
	state, err := okta.LoadConsentState(ctx, f.st, p.srv, p.app, p.user.ID)
	if err != nil {
		return engine.Decision{}, nil, err
	}
	d := f.decide(consent.OktaFacts{
		ConsentMethod: p.app.Settings.OAuthClient.ConsentMethod,
		Prompt:        consent.OktaPrompt{None: tx.Prompt["none"], Login: tx.Prompt["login"], Consent: tx.Prompt["consent"]},
		Scopes:        scopes, Granted: state.Granted, Skipped: state.Skipped,
	})
	f.log.Info("consent decision", "tx", tx.ID, "client", p.app.ClientID(), "consent_method", p.app.Settings.OAuthClient.ConsentMethod,
		"show", d.Show, "ask", strings.Join(scopeNames(d.Ask), " "), "granted", strings.Join(state.Granted, " "), "skipped", strings.Join(state.Skipped, " "))
	switch {
	case d.Err != nil:
		return engine.Decision{}, d.Err, nil
	case d.Show:
		return engine.Decision{Screen: pendingConsent, Offered: scopeNames(d.Ask)}, nil, nil
	}
	return engine.Decision{Finish: f.finishing(tx, p, consent.OktaTokenScopes(scopes, state.Skipped, state.Granted))}, nil, nil
}

func (f *Face) screenURL(tx *session.Transaction, path string) string {
	srv := &okta.AuthServer{ID: tx.Audience}
	if s, err := f.st.GetAuthServer(context.Background(), tx.Audience); err == nil {
		srv = s
	}
	return f.endpoint(srv, path) + "?state=" + url.QueryEscape(tx.ID)
}

// finishing is what a finished transaction issues: a code for scopes, or
// the implicit flow's tokens, which the server's policy must allow for the
// implicit grant.
func (f *Face) finishing(tx *session.Transaction, p parties, scopes []string) engine.Finish {
	return engine.Finish{Scopes: scopes, Tokens: func(ctx context.Context, sess session.Session) (url.Values, *oautherr.Error) {
		_, rule, err := okta.Authorize(ctx, f.st, p.srv, p.app, p.user.ID, okta.GrantImplicit, scopes)
		if err != nil {
			return nil, f.refusal(err)
		}
		res, _, e := f.issue(tokenRequest{srv: p.srv, app: p.app, user: p.user, scopes: scopes, nonce: tx.Nonce,
			authTime: sess.AuthTime, rule: rule, access: strings.HasSuffix(tx.ResponseType, rtToken) && tx.ResponseType != rtIDToken,
			idToken: strings.HasPrefix(tx.ResponseType, rtIDToken)})
		if e != nil {
			return nil, e
		}
		return res.values(), nil
	}}
}

func (f *Face) form(tx *session.Transaction, path string) pages.Form {
	return pages.Form{Action: f.screenURL(tx, path), State: tx.ID, CSRF: tx.CSRF}
}

func clientView(a *okta.App) pages.OktaClient {
	oc := a.Settings.OAuthClient
	return pages.OktaClient{Name: a.Label, LogoURL: oc.LogoURI, ClientURI: oc.ClientURI, TOSURI: oc.TOSURI, PolicyURI: oc.PolicyURI}
}

// loginPage shows the sign-in page.
func (f *Face) loginPage(w http.ResponseWriter, r *http.Request) {
	if e := parseScreen(w, r); e != nil {
		f.errorPage(w, e)
		return
	}
	tx, e := f.eng.ScreenTx(r, pendingLogin)
	if e != nil {
		f.errorPage(w, e)
		return
	}
	f.renderLogin(w, r, tx, http.StatusOK, "", "")
}

func (f *Face) renderLogin(w http.ResponseWriter, r *http.Request, tx *session.Transaction, status int, username, msg string) {
	app, e := f.activeApp(r.Context(), tx.ClientID)
	if e != nil {
		f.errorPage(w, e)
		return
	}
	pages.RenderOktaLogin(w, status, pages.OktaLogin{Org: f.orgView(), Client: clientView(app), Form: f.form(tx, "v1/login"),
		Username: username, Error: msg})
}

// loginSubmit checks the credentials (an ACTIVE user, its password),
// starts the session and moves on.
func (f *Face) loginSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// A7: a field twice, or a user name under both of its names, is
	// ambiguous, never first-wins.
	if e := parseScreen(w, r); e != nil {
		f.errorPage(w, e)
		return
	}
	if e := oneOf(r.PostForm, "username", "identifier"); e != nil {
		f.errorPage(w, e)
		return
	}
	if e := oneOf(r.PostForm, "password", "credentials.passcode"); e != nil {
		f.errorPage(w, e)
		return
	}
	tx, e := f.eng.ScreenTx(r, pendingLogin)
	if e == nil {
		e = engine.CheckCSRF(r, tx)
	}
	if e != nil {
		f.errorPage(w, e)
		return
	}
	// The widget's Identity Engine names are accepted too.
	username := firstOf(r.PostForm, "username", "identifier")
	password := firstOf(r.PostForm, "password", "credentials.passcode")
	u, err := f.st.FindUser(ctx, username)
	if err != nil || u.Status != okta.UserActive || !credentials.CheckPassword(u.PasswordHash, password) {
		f.log.Info("login failed", "tx", tx.ID)
		f.renderLogin(w, r, tx, http.StatusUnauthorized, username, descBadSignIn)
		return
	}
	sess, err := f.eng.Login(w, r, u.ID)
	if err != nil {
		f.errorPage(w, f.eng.Internal(err))
		return
	}
	f.log.Info("login", "tx", tx.ID, "user", u.ID)
	tx.LoggedIn, tx.ScreenShown = true, true
	f.flow.Advance(w, r, tx, &sess)
}

// parseScreen parses a screen request within the bounds and refuses an
// ambiguous one: a field or parameter sent twice (rule A7).
func parseScreen(w http.ResponseWriter, r *http.Request) *oautherr.Error {
	if e := engine.ParseForm(w, r); e != nil {
		return e
	}
	return engine.CheckScreenForm(r)
}

// oneOf refuses a form that gives a value under both names of one field
// (the widget's Identity Engine name and the classic one).
func oneOf(v url.Values, a, b string) *oautherr.Error {
	if v.Get(a) != "" && v.Get(b) != "" {
		return oautherr.InvalidRequest("The form sends both " + a + " and " + b + ": send one of them.")
	}
	return nil
}

func firstOf(v url.Values, names ...string) string {
	for _, n := range names {
		if s := v.Get(n); s != "" {
			return s
		}
	}
	return ""
}

// consentTx loads the transaction of a consent request and the session
// it was shown for (rule C8); a posted form must carry the anti-forgery
// value.
func (f *Face) consentTx(r *http.Request, posted bool) (*session.Transaction, session.Session, *oautherr.Error) {
	tx, e := f.eng.ScreenTx(r, pendingConsent)
	if e == nil && posted {
		e = engine.CheckCSRF(r, tx)
	}
	if e != nil {
		return nil, session.Session{}, e
	}
	sess, e := f.eng.ScreenSession(r, tx)
	return tx, sess, e
}

// offered returns the scopes the consent page asks for, as the server has
// them now.
func (f *Face) offered(ctx context.Context, tx *session.Transaction) ([]*okta.Scope, error) {
	all, err := f.st.ListScopes(ctx, tx.Audience)
	if err != nil {
		return nil, err
	}
	var out []*okta.Scope
	for _, name := range tx.Offered {
		for _, s := range all {
			if s.Name == name {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// consentPage shows "<app> would like to:" with one row per asked scope
// and a checkbox per optional one (O12).
func (f *Face) consentPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if e := parseScreen(w, r); e != nil {
		f.errorPage(w, e)
		return
	}
	tx, sess, e := f.consentTx(r, false)
	if e != nil {
		f.errorPage(w, e)
		return
	}
	p, e := f.txParties(ctx, tx, sess.UserID)
	if e != nil {
		f.errorPage(w, e)
		return
	}
	asked, err := f.offered(ctx, tx)
	if err != nil {
		f.errorPage(w, f.eng.Internal(err))
		return
	}
	page := pages.OktaConsent{Org: f.orgView(), Client: clientView(p.app), Form: f.form(tx, "v1/consent"), UserName: p.user.Profile.Login}
	for _, s := range asked {
		page.Scopes = append(page.Scopes, pages.OktaScope{Name: s.Name, Label: s.Label(), Description: s.Description, Optional: s.Optional})
	}
	pages.RenderOktaConsent(w, page)
}

// consentSubmit handles "Allow Access" and "Don't Allow" (O6, O7).
func (f *Face) consentSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// A7: action=accept&action=deny is ambiguous, never first-wins.
	if e := parseScreen(w, r); e != nil {
		f.errorPage(w, e)
		return
	}
	tx, sess, e := f.consentTx(r, true)
	if e != nil {
		f.errorPage(w, e)
		return
	}
	action := r.PostFormValue("action")
	if action != "accept" && action != "deny" {
		f.errorPage(w, oautherr.InvalidRequest(`The form's action must be "accept" or "deny".`))
		return
	}
	if e := f.eng.Complete(ctx, tx); e != nil {
		f.errorPage(w, e)
		return
	}
	p, e := f.txParties(ctx, tx, sess.UserID)
	if e != nil {
		engine.RespondError(w, r, tx, e)
		return
	}
	asked, err := f.offered(ctx, tx)
	if err != nil {
		f.errorPage(w, f.eng.Internal(err))
		return
	}
	ans, e := consent.AnswerOkta(asked, action == "accept", pages.OktaTickedScopes(r.PostForm))
	if e != nil {
		f.log.Info("consent declined", "tx", tx.ID, "client", p.app.ClientID())
		engine.RespondError(w, r, tx, e)
		return
	}
	if err := okta.RecordConsent(ctx, f.st, p.srv, p.app, p.user.ID, p.srv.Issuer(f.org), ans.Grant, ans.Skip, f.now()); err != nil {
		f.errorPage(w, f.eng.Internal(err))
		return
	}
	f.log.Info("consent given", "tx", tx.ID, "client", p.app.ClientID(), "user", p.user.ID,
		"granted", strings.Join(scopeNames(ans.Grant), " "), "skipped", strings.Join(scopeNames(ans.Skip), " "))
	scopes, _, err := okta.Authorize(ctx, f.st, p.srv, p.app, p.user.ID, okta.GrantTypeOf(tx.ResponseType), tx.Scopes)
	if err != nil {
		engine.RespondError(w, r, tx, f.refusal(err))
		return
	}
	state, err := okta.LoadConsentState(ctx, f.st, p.srv, p.app, p.user.ID)
	if err != nil {
		f.errorPage(w, f.eng.Internal(err))
		return
	}
	f.flow.Finish(w, r, tx, sess, f.finishing(tx, p, consent.OktaTokenScopes(scopes, state.Skipped, state.Granted)))
}
