package auth0

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/pages"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

// The credential_type values /co/authenticate takes for a username and
// password in a realm: the one Auth0 documents and auth0.js and Lock send
// (login({realm})), and the older name this mock took first.
const (
	credentialTypePasswordRealm = "http://auth0.com/oauth/grant-type/password-realm"
	credentialTypePassword      = "http://auth0.com/credentials/password"
)

// coAuthenticate is POST /co/authenticate, cross-origin authentication:
// an embedded login form on the application's own origin (auth0.js
// login({realm}), Lock) sends the user's credentials from JavaScript and
// gets a login_ticket (with its co_verifier and co_id, which bind it to the
// browser: see ticketLogin), which /authorize?login_ticket= then turns into
// a session. The client must have cross_origin_authentication on, the
// request must come from one of the client's web_origins, and the
// realm must name a database connection the client may use.
func (f *Face) coAuthenticate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if e := parseBody(w, r); e != nil {
		oautherr.WriteJSON(w, e)
		return
	}
	in := r.PostForm
	clientID := in.Get("client_id")
	if clientID == "" {
		oautherr.WriteJSON(w, oautherr.InvalidRequest("Missing required parameter: client_id"))
		return
	}
	c, err := f.store.GetClient(ctx, clientID)
	if errors.Is(err, tenant.ErrNotFound) {
		oautherr.WriteJSON(w, oautherr.New(http.StatusUnauthorized, oautherr.CodeInvalidClient, "Unknown client: "+clientID))
		return
	} else if err != nil {
		oautherr.WriteJSON(w, f.eng.Internal(err))
		return
	}
	corsClient(r, c)
	if !c.CrossOriginAuthentication {
		oautherr.WriteJSON(w, oautherr.New(http.StatusForbidden, oautherr.CodeUnauthorizedClient, "Cross origin login not allowed."))
		return
	}
	// Embedded login needs the page's origin among the client's web_origins,
	// as Auth0's documentation for it says.
	if origin := r.Header.Get("Origin"); origin == "" || !c.AllowsCrossOriginAuth(origin) {
		oautherr.WriteJSON(w, oautherr.New(http.StatusForbidden, oautherr.CodeAccessDenied,
			`Origin "`+origin+`" is not allowed for cross-origin authentication: add it to the client's web_origins.`))
		return
	}
	if ct := in.Get("credential_type"); ct != credentialTypePasswordRealm && ct != credentialTypePassword {
		oautherr.WriteJSON(w, oautherr.InvalidRequest(`Unsupported credential_type "`+ct+`" (use `+credentialTypePasswordRealm+` with a realm).`))
		return
	}
	username, password, realm := in.Get("username"), in.Get("password"), in.Get("realm")
	switch {
	case username == "":
		oautherr.WriteJSON(w, oautherr.InvalidRequest("Missing required parameter: username"))
		return
	case password == "":
		oautherr.WriteJSON(w, oautherr.InvalidRequest("Missing required parameter: password"))
		return
	case realm == "":
		oautherr.WriteJSON(w, oautherr.InvalidRequest("Missing required parameter: realm"))
		return
	}
	u, e := f.realmUser(ctx, c, realm, username, password)
	if e != nil && e.Code == oautherr.CodeInvalidGrant {
		// Auth0's answer here for wrong credentials.
		e = oautherr.New(http.StatusForbidden, oautherr.CodeAccessDenied, e.Description)
	}
	if e != nil {
		f.log.Info("co/authenticate refused", "client", c.ClientID, "error", e.Code)
		oautherr.WriteJSON(w, e)
		return
	}
	ticket, verifier := tokens.RandomToken(), tokens.RandomToken()
	if err := f.sessions.PutTicket(ctx, ticketKey(ticket, verifier), session.Ticket{ClientID: c.ClientID, UserID: u.UserID, AuthTime: f.now()}); err != nil {
		oautherr.WriteJSON(w, f.eng.Internal(err))
		return
	}
	// The ticket is bound to this browser: by a cookie where the browser
	// keeps third-party cookies, else by the verifier auth0.js stores on
	// the application's origin (see ticketLogin).
	coID := coIDOf(ticket)
	http.SetCookie(w, f.coCookie(coID, verifier, int(session.TicketTTL.Seconds())))
	f.log.Info("co/authenticate", "client", c.ClientID, "user", u.UserID, "co_id", coID)
	writeJSON(w, http.StatusOK, map[string]string{"login_ticket": ticket, "co_verifier": verifier, "co_id": coID})
}

// Binding a login ticket to the browser that asked for it, as Auth0 does:
// /co/authenticate answers a co_verifier and a co_id with the ticket and
// sets a cookie holding the verifier. /authorize?login_ticket= redeems the
// ticket only with its verifier: from that cookie, or, where the browser
// dropped it (third-party cookies blocked), from the application's
// cross-origin verification page (cross_origin_loc), which the fallback
// page frames and asks for what auth0.js stored under co_id; the fallback
// page posts it to /co/verify. A ticket copied to another browser is
// worth nothing there.

// coCookiePrefix names the binding cookie of one ticket: prefix + co_id.
const coCookiePrefix = "mockidp_co_"

// ticketKey is the key of a ticket in the session store: the digest of
// the ticket and its verifier, so one is useless without the other.
func ticketKey(ticket, verifier string) string { return tokens.Digest(ticket + "." + verifier) }

// coIDOf derives a ticket's co_id, the name auth0.js files its verifier
// under; it does not reveal the ticket.
func coIDOf(ticket string) string { return tokens.Digest("co_id." + ticket)[:24] }

// coCookie is the binding cookie (maxAge -1 clears it). Over HTTPS it is
// SameSite=None; Secure, since a cross-site request sets it; over HTTP,
// Lax, which only a same-site application's request can set.
func (f *Face) coCookie(coID, verifier string, maxAge int) *http.Cookie {
	c := &http.Cookie{Name: coCookiePrefix + coID, Value: verifier, Path: "/", HttpOnly: true, MaxAge: maxAge, SameSite: http.SameSiteLaxMode}
	if f.secure {
		c.Secure, c.SameSite = true, http.SameSiteNoneMode
	}
	return c
}

type coVerifierKey struct{}

// coVerify is POST /co/verify, where the cross-origin verification
// fallback page posts the authorization request back with the verifier
// the application's page returned.
func (f *Face) coVerify(w http.ResponseWriter, r *http.Request) {
	if e := engine.ParseForm(w, r); e != nil {
		f.errorPage(w, r, e)
		return
	}
	if r.Form.Get("login_ticket") == "" {
		f.errorPage(w, r, oautherr.InvalidRequest("Missing required parameter: login_ticket"))
		return
	}
	verifier := r.PostForm.Get("verifier")
	r.Form.Del("verifier")
	r.PostForm.Del("verifier")
	f.authorize(w, r.WithContext(context.WithValue(r.Context(), coVerifierKey{}, verifier)))
}

// ticketLogin finishes a cross-origin authentication: the login ticket
// /co/authenticate issued for this client, with its verifier, becomes the
// browser's session, as a login in this transaction would.
func (f *Face) ticketLogin(w http.ResponseWriter, r *http.Request, c *tenant.Client, tx *session.Transaction, ticket string) {
	coID := coIDOf(ticket)
	verifier, posted := r.Context().Value(coVerifierKey{}).(string)
	if !posted {
		if ck, err := r.Cookie(coCookiePrefix + coID); err == nil {
			verifier = ck.Value
		} else if c.CrossOriginLoc != "" {
			f.coFallback(w, r, c, tx, coID)
			return
		} else {
			f.log.Info("authorize refused", "client", tx.ClientID, "error", "server_error",
				"description", "login_ticket without its cookie (third-party cookies blocked?) and the client has no cross_origin_loc")
			engine.RespondError(w, r, tx, oautherr.ServerError("Unable to configure verification page."))
			return
		}
	}
	http.SetCookie(w, f.coCookie(coID, "", -1))
	// The ticket lives in the session store, so another replica may have
	// issued it; redeeming it is one atomic step there (single use).
	tk, err := f.sessions.RedeemTicket(r.Context(), ticketKey(ticket, verifier))
	if err != nil && !errors.Is(err, session.ErrNotFound) {
		f.errorPage(w, r, f.eng.Internal(err))
		return
	}
	if err != nil || verifier == "" || tk.ClientID != tx.ClientID {
		f.log.Info("authorize refused", "client", tx.ClientID, "error", "access_denied", "description", "bad login ticket", "verified_by_page", posted)
		engine.RespondError(w, r, tx, oautherr.AccessDenied("Invalid, expired or already used login ticket."))
		return
	}
	sess, e := f.startSession(w, r, tk.UserID)
	if e != nil {
		f.errorPage(w, r, e)
		return
	}
	f.log.Info("login", "tx", tx.ID, "user", tk.UserID, "by", "login_ticket", "verified_by_page", posted)
	tx.LoggedIn = true
	f.flow.Advance(w, r, tx, &sess)
}

// coFallback shows the cross-origin verification fallback page: it frames
// the client's cross_origin_loc and posts the authorization request, with
// the verifier it gets from there, to /co/verify.
func (f *Face) coFallback(w http.ResponseWriter, r *http.Request, c *tenant.Client, tx *session.Transaction, coID string) {
	loc, err := url.Parse(c.CrossOriginLoc)
	if err != nil || loc.Scheme == "" || loc.Host == "" {
		f.log.Info("authorize refused", "client", c.ClientID, "error", "server_error", "description", "cross_origin_loc is no absolute URL")
		engine.RespondError(w, r, tx, oautherr.ServerError("Unable to configure verification page."))
		return
	}
	issuer, _ := url.Parse(f.iss.URL)
	frame := *loc
	frame.Fragment = ""
	frameURL := frame.String() + "#origin=" + url.QueryEscape(issuer.Scheme+"://"+issuer.Host)
	var fields []pages.Field
	for _, k := range slices.Sorted(maps.Keys(r.Form)) {
		for _, v := range r.Form[k] {
			fields = append(fields, pages.Field{Name: k, Value: v})
		}
	}
	f.log.Info("co/verify fallback page", "client", c.ClientID, "co_id", coID, "frame", frame.String())
	pages.RenderCoVerify(w, pages.CoVerify{FrameURL: frameURL, FrameOrigin: loc.Scheme + "://" + loc.Host,
		CoID: coID, Action: f.url("co/verify"), Fields: fields})
}

// realmUser checks a username and password against the database
// connection realm names, for client: the connection must exist and be
// enabled for the client, and the user must belong to it. Every failure
// about the credentials is the same 403 "Wrong email or password." (rule
// T3), so the answer does not tell which users exist.
func (f *Face) realmUser(ctx context.Context, c *tenant.Client, realm, username, password string) (*tenant.User, *oautherr.Error) {
	conn, err := tenant.RealmConnection(ctx, f.store, c, realm)
	switch {
	case errors.Is(err, tenant.ErrUnknownRealm):
		return nil, oautherr.New(http.StatusForbidden, oautherr.CodeInvalidGrant, "Wrong email or password.")
	case errors.Is(err, tenant.ErrConnectionDisabled):
		return nil, oautherr.New(http.StatusForbidden, oautherr.CodeUnauthorizedClient,
			`The connection "`+realm+`" is not enabled for the client.`)
	case err != nil:
		return nil, f.eng.Internal(err)
	}
	u, err := f.store.FindUser(ctx, username)
	if err != nil && !errors.Is(err, tenant.ErrNotFound) {
		return nil, f.eng.Internal(err)
	}
	if u == nil || u.Connection != conn.Name || !credentials.CheckPassword(u.PasswordHash, password) {
		return nil, oautherr.New(http.StatusForbidden, oautherr.CodeInvalidGrant, "Wrong email or password.")
	}
	return u, nil
}
