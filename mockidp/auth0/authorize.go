package auth0

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/consentry/consentry/mockidp/consent"
	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tenant"
	"github.com/consentry/consentry/mockidp/tokens"
)

// Response types the face supports.
const (
	rtCode         = "code"
	rtToken        = "token"
	rtIDToken      = "id_token"
	rtIDTokenToken = "id_token token"
)

// authorize starts a transaction (rules A1 to A5, K2 to K5).
func (f *Face) authorize(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if e := engine.ParseForm(w, r); e != nil {
		f.errorPage(w, r, e)
		return
	}
	q := r.Form
	// Bounds first: an oversized value is never stored nor sent back.
	if e := engine.TooLong(q); e != nil {
		f.errorPage(w, r, e)
		return
	}

	// A1, A7: problems with the client or the callback never redirect.
	if name := engine.Repeated(q, "client_id", "redirect_uri"); name != "" {
		f.errorPage(w, r, engine.RepeatedError(name))
		return
	}
	clientID := q.Get("client_id")
	if clientID == "" {
		f.errorPage(w, r, oautherr.InvalidRequest("Missing required parameter: client_id"))
		return
	}
	client, err := f.store.GetClient(ctx, clientID)
	if errors.Is(err, tenant.ErrNotFound) {
		f.errorPage(w, r, oautherr.InvalidRequest("Unknown client: "+clientID))
		return
	} else if err != nil {
		f.errorPage(w, r, f.eng.Internal(err))
		return
	}
	redirectURI := q.Get("redirect_uri")
	if redirectURI == "" {
		f.errorPage(w, r, oautherr.InvalidRequest("Missing required parameter: redirect_uri"))
		return
	}
	if strings.Contains(redirectURI, "#") {
		f.errorPage(w, r, oautherr.InvalidRequest(`The redirect_uri "`+redirectURI+`" has a fragment (#...), which a redirect URI must not have.`))
		return
	}
	if !client.MatchCallback(redirectURI) {
		f.errorPage(w, r, oautherr.InvalidRequest(`The redirect_uri "`+redirectURI+`" is not in the list of allowed callback URLs of the client.`))
		return
	}

	tx := session.Transaction{
		ID:           tokens.RandomID(),
		CSRF:         tokens.RandomToken(),
		ClientID:     client.ClientID,
		RedirectURI:  redirectURI,
		State:        q.Get("state"),
		Nonce:        q.Get("nonce"),
		Audience:     q.Get("audience"),
		ResponseMode: engine.ModeQuery,
	}
	// From here on, errors go back to the callback (A2). Pick the mode
	// first, so the error itself is sent the right way; a repeated state
	// or response_mode is not used for it.
	dup := engine.Repeated(q)
	if dup == "state" {
		tx.State = ""
	}
	rt := strings.Join(engine.SortedFields(q.Get("response_type")), " ")
	if rt != rtCode && rt != "" {
		tx.ResponseMode = engine.ModeFragment
	}
	if dup != "" {
		f.log.Info("authorize refused", "client", client.ClientID, "error", "invalid_request", "repeated", dup)
		engine.RespondError(w, r, &tx, engine.RepeatedError(dup))
		return
	}
	if m := q.Get("response_mode"); m != "" {
		switch m {
		case engine.ModeQuery, engine.ModeFragment, engine.ModeFormPost:
			tx.ResponseMode = m
		case engine.ModeWebMessage:
			// W2: the page posts the response to the callback's origin,
			// which must be one of the client's web_origins; else nothing
			// is sent anywhere.
			if !client.AllowsWebMessageOrigin(redirectURI) {
				f.errorPage(w, r, oautherr.InvalidRequest(`response_mode=web_message: the origin of the redirect_uri "`+redirectURI+`" is not in the client's web_origins.`))
				return
			}
			tx.ResponseMode = m
		default:
			engine.RespondError(w, r, &tx, oautherr.InvalidRequest("Unsupported response_mode: "+m))
			return
		}
	}
	if e := f.validate(ctx, client, &tx, rt, q); e != nil {
		f.log.Info("authorize refused", "client", client.ClientID, "error", e.Code, "description", e.Description)
		engine.RespondError(w, r, &tx, e)
		return
	}
	tx.BrowserID = f.eng.BrowserID(w, r)
	f.log.Info("authorize", "client", client.ClientID, "tx", tx.ID, "response_type", rt, "audience", tx.Audience, "scope", strings.Join(tx.Scopes, " "), "prompt", promptString(tx.Prompt))
	if t := q.Get("login_ticket"); t != "" {
		f.ticketLogin(w, r, client, &tx, t)
		return
	}
	f.flow.Advance(w, r, &tx, nil)
}

func promptString(p map[string]bool) string {
	var out []string
	for k := range p {
		out = append(out, k)
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// validate checks an authorization request whose client and callback are
// known, filling the transaction.
func (f *Face) validate(ctx context.Context, c *tenant.Client, tx *session.Transaction, rt string, q url.Values) *oautherr.Error {
	switch rt {
	case "":
		return oautherr.InvalidRequest("Missing required parameter: response_type")
	case rtCode, rtToken, rtIDToken, rtIDTokenToken:
	default:
		return oautherr.UnsupportedResponseType("Unsupported response type: " + q.Get("response_type"))
	}
	tx.ResponseType = rt
	if rt != rtCode && tx.ResponseMode == engine.ModeQuery {
		return oautherr.InvalidRequest("response_mode=query is not allowed with response_type=" + rt)
	}
	// K2: strict third-party clients only use the code flow.
	if c.IsStrictThirdParty() && rt != rtCode {
		return oautherr.UnsupportedResponseType("Third-party clients must use response_type=code.")
	}
	// K5: the flow's grant type must be allowed for the client.
	grant := tenant.GrantAuthorizationCode
	if rt != rtCode {
		grant = tenant.GrantImplicit
	}
	if !c.AllowsGrant(grant) {
		return oautherr.UnauthorizedClient("Grant type '" + grant + "' not allowed for the client.")
	}

	// PKCE (T1, K2): the engine reads it; third-party clients must send it.
	var e *oautherr.Error
	if tx.CodeChallenge, tx.ChallengeMethod, e = engine.ParseChallenge(q, rt == rtCode); e != nil {
		return e
	}
	if tx.CodeChallenge == "" && rt == rtCode && c.IsStrictThirdParty() {
		return oautherr.InvalidRequest("Missing required parameter: code_challenge (PKCE is required for third-party clients).")
	}

	// prompt (A3, A4, C5).
	tx.Prompt = map[string]bool{}
	for _, p := range strings.Fields(q.Get("prompt")) {
		switch p {
		case "none", "login", "consent", "select_account":
			tx.Prompt[p] = true
		default:
			return oautherr.InvalidRequest("Unsupported prompt value: " + p)
		}
	}
	if tx.Prompt["none"] && len(tx.Prompt) > 1 {
		return oautherr.InvalidRequest("prompt=none cannot be combined with other prompt values.")
	}
	// max_age (A6): a non-negative number of seconds (engine.ParseMaxAge).
	if tx.MaxAge, tx.MaxAgeSet, e = engine.ParseMaxAge(q); e != nil {
		return e
	}

	// Audience and scopes (P3, K2).
	api, e := f.apiFor(ctx, tx.Audience)
	if e != nil {
		return e
	}
	var allowed []string
	if c.IsStrictThirdParty() {
		if api == nil {
			return oautherr.InvalidRequest("Missing required parameter: audience (third-party clients must name an API).")
		}
		grants, err := f.store.ListClientGrants(ctx, tenant.ClientGrantFilter{ClientID: c.ClientID, Audience: api.Identifier, SubjectType: tenant.SubjectUser})
		if err != nil {
			return f.eng.Internal(err)
		}
		if len(grants) == 0 {
			return oautherr.UnauthorizedClient(`Client "` + c.ClientID + `" is not authorized to access resource server "` + api.Identifier + `".`)
		}
		allowed = grants[0].Scope
		if allowed == nil {
			allowed = []string{}
		}
	}
	tx.Scopes = effectiveScopes(splitScopes(q.Get("scope")), c, api, allowed)
	if strings.Contains(rt, rtIDToken) {
		if !slices.Contains(tx.Scopes, scopeOpenID) {
			return oautherr.InvalidRequest("response_type=" + rt + " requires the openid scope.")
		}
		if tx.Nonce == "" {
			return oautherr.InvalidRequest("Missing required parameter: nonce")
		}
	}
	return nil
}

// flowOf is the face's part of the engine's login -> consent -> callback
// step (engine.Flow): Auth0's texts, its /u/login and /u/consent screens,
// its consent decision.
func (f *Face) flowOf() engine.Flow[*tenant.User] {
	return engine.Flow[*tenant.User]{
		Engine:        f.eng,
		SessionUser:   f.sessionUser,
		LoginRequired: oautherr.LoginRequired("Login required"),
		// A4: consent_required for the confirmation too (C6).
		ConsentRequired: func(engine.Decision) *oautherr.Error { return oautherr.ConsentRequired("Consent required") },
		ScreenURL: func(tx *session.Transaction) string {
			if tx.Pending == engine.PendingLogin {
				return f.url("u/login?state=" + url.QueryEscape(tx.ID))
			}
			return f.url("u/consent?state=" + url.QueryEscape(tx.ID))
		},
		ErrorPage: f.errorPage,
		Decide:    f.decideScreen,
	}
}

// decideScreen is Auth0's decision for a logged-in transaction: the
// consent page, the login confirmation (consent.Decide's screens, shown at
// /u/consent with every requested scope), or a code under the user's grant.
func (f *Face) decideScreen(ctx context.Context, tx *session.Transaction, _ session.Session, user *tenant.User) (engine.Decision, *oautherr.Error, error) {
	client, api, e := f.txParties(ctx, tx)
	if e != nil {
		return engine.Decision{}, e, nil
	}
	facts, grant, err := f.facts(ctx, tx, client, api, user)
	if err != nil {
		return engine.Decision{}, nil, err
	}
	screen := f.decide(facts)
	f.log.Info("consent decision", "tx", tx.ID, "client", client.ClientID, "first_party", facts.FirstParty,
		"api_skips", facts.APISkipsConsent, "verifiable_callback", facts.VerifiableCallback, "has_grant", facts.HasGrant,
		"prompt_consent", facts.PromptConsent, "screen_shown", facts.ScreenShown, "screen", screen.String())
	if screen != consent.None {
		return engine.Decision{Screen: screen.String(), Offered: tx.Scopes}, nil, nil
	}
	grantID := ""
	if grant != nil {
		grantID = grant.ID
	}
	return engine.Decision{Finish: f.finishing(tx, client, api, user, grantID)}, nil, nil
}

// txParties loads the transaction's client and API again: they may have
// changed (or gone) since /authorize.
func (f *Face) txParties(ctx context.Context, tx *session.Transaction) (*tenant.Client, *tenant.API, *oautherr.Error) {
	client, err := f.store.GetClient(ctx, tx.ClientID)
	if err != nil {
		return nil, nil, oautherr.InvalidRequest("The client no longer exists.")
	}
	api, e := f.apiFor(ctx, tx.Audience)
	if e != nil {
		return nil, nil, e
	}
	return client, api, nil
}

// grantAudience is the audience a user grant is kept under.
func (f *Face) grantAudience(tx *session.Transaction) string {
	if tx.Audience == "" {
		return f.userinfoAudience()
	}
	return tx.Audience
}

// facts gathers what the consent decision needs.
func (f *Face) facts(ctx context.Context, tx *session.Transaction, c *tenant.Client, api *tenant.API, u *tenant.User) (consent.Facts, *tenant.UserGrant, error) {
	settings, err := f.store.GetSettings(ctx)
	if err != nil {
		return consent.Facts{}, nil, err
	}
	grants, err := f.store.ListUserGrants(ctx, tenant.UserGrantFilter{UserID: u.UserID, ClientID: c.ClientID, Audience: f.grantAudience(tx)})
	if err != nil {
		return consent.Facts{}, nil, err
	}
	facts := consent.Facts{
		FirstParty: c.IsFirstParty,
		// With no API, a first-party client only signs the user in to
		// itself: nothing to consent to beyond C6's confirmation.
		APISkipsConsent:    api == nil || api.SkipConsentForVerifiableFirstPartyClients,
		VerifiableCallback: tenant.IsVerifiableCallback(tx.RedirectURI),
		SkipConfirmation:   tenant.SkipConfirmation(c, settings),
		Requested:          tx.Scopes,
		PromptConsent:      tx.Prompt["consent"],
		ScreenShown:        tx.ScreenShown,
	}
	var grant *tenant.UserGrant
	if len(grants) > 0 {
		grant = grants[0]
		facts.HasGrant, facts.Granted = true, grant.Scope
	}
	return facts, grant, nil
}

// finishing is what a finished transaction issues: a code with the
// requested scopes under the user's grant, or the implicit flow's tokens.
func (f *Face) finishing(tx *session.Transaction, c *tenant.Client, api *tenant.API, u *tenant.User, grantID string) engine.Finish {
	return engine.Finish{Scopes: tx.Scopes, GrantID: grantID, Tokens: func(ctx context.Context, sess session.Session) (url.Values, *oautherr.Error) {
		res, _, e := f.userTokens(ctx, userTokenRequest{
			client: c, api: api, user: u, scopes: tx.Scopes, nonce: tx.Nonce, authTime: sess.AuthTime,
			// "id_token" contains "token": compare whole response types.
			access: tx.ResponseType == rtToken || tx.ResponseType == rtIDTokenToken, idToken: strings.Contains(tx.ResponseType, rtIDToken), noRefresh: true,
		})
		if e != nil {
			return nil, e
		}
		return res.values(), nil
	}}
}
