package auth0

import (
	"context"
	"errors"
	"net/http"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/oautherr"
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
// gets a login_ticket, which /authorize?login_ticket= then turns into a
// session. The client must have cross_origin_authentication on, the
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
		oautherr.WriteJSON(w, f.internal(err))
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
	ticket := tokens.RandomToken()
	if err := f.sessions.PutTicket(ctx, tokens.Digest(ticket), session.Ticket{ClientID: c.ClientID, UserID: u.UserID, AuthTime: f.now()}); err != nil {
		oautherr.WriteJSON(w, f.internal(err))
		return
	}
	f.log.Info("co/authenticate", "client", c.ClientID, "user", u.UserID)
	writeJSON(w, http.StatusOK, map[string]string{"login_ticket": ticket})
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
		return nil, f.internal(err)
	}
	u, err := f.store.FindUser(ctx, username)
	if err != nil && !errors.Is(err, tenant.ErrNotFound) {
		return nil, f.internal(err)
	}
	if u == nil || u.Connection != conn.Name || !credentials.CheckPassword(u.PasswordHash, password) {
		return nil, oautherr.New(http.StatusForbidden, oautherr.CodeInvalidGrant, "Wrong email or password.")
	}
	return u, nil
}
