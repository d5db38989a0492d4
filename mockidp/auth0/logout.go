package auth0

import (
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/consentry/consentry/mockidp/engine"
	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/pages"
	"github.com/consentry/consentry/mockidp/tenant"
)

// endSession ends the browser's login session, if any (both the
// SameSite=None cookie and its companion may name it, W5).
func (f *Face) endSession(w http.ResponseWriter, r *http.Request) *oautherr.Error {
	if err := f.eng.Logout(w, r); err != nil {
		return f.eng.Internal(err)
	}
	return nil
}

// logout ends the login session and returns to returnTo when the client
// allows it (Auth0's /v2/logout, rule L1's last sentence): returnTo must
// match the allowed_logout_urls of the client named by client_id.
func (f *Face) logout(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.RawQuery) > engine.MaxQueryBytes {
		f.errorPage(w, r, oautherr.New(http.StatusRequestURITooLong, oautherr.CodeInvalidRequest, "The query string is too long."))
		return
	}
	if e := f.endSession(w, r); e != nil {
		f.errorPage(w, r, e)
		return
	}
	returnTo := r.URL.Query().Get("returnTo")
	if returnTo == "" {
		pages.RenderLoggedOut(w, pages.LoggedOut{Tenant: f.tenantView(r.Context())})
		return
	}
	clientID := r.URL.Query().Get("client_id")
	c, err := f.store.GetClient(r.Context(), clientID)
	if clientID == "" || err != nil || !c.AllowsLogoutURL(returnTo) {
		f.errorPage(w, r, oautherr.InvalidRequest(`The "returnTo" URL "`+returnTo+`" is not in the client's allowed_logout_urls (send client_id too).`))
		return
	}
	f.log.Info("logout", "client", c.ClientID)
	engine.Redirect(w, r, returnTo)
}

// oidcLogout is RP-initiated logout (OpenID Connect RP-Initiated Logout
// 1.0, rule L1), the discovery's end_session_endpoint, GET or POST. It
// always ends the session. It redirects to post_logout_redirect_uri, with
// state, when that URL is in the allowed_logout_urls of the client named by
// client_id or by id_token_hint's audience; otherwise (no URL, no client,
// a URL the client does not allow) it shows the logged-out page. A hint the
// mock did not sign, a client_id that contradicts the hint, or a parameter
// sent twice get the error page (the session ends all the same).
func (f *Face) oidcLogout(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if e := engine.ParseForm(w, r); e != nil {
		f.errorPage(w, r, e)
		return
	}
	if e := f.endSession(w, r); e != nil {
		f.errorPage(w, r, e)
		return
	}
	q := r.Form
	if name := engine.Repeated(q, "id_token_hint", "client_id", "post_logout_redirect_uri", "state", "logout_hint"); name != "" {
		f.errorPage(w, r, engine.RepeatedError(name))
		return
	}

	clientID := q.Get("client_id")
	if hint := q.Get("id_token_hint"); hint != "" {
		claims, err := f.iss.VerifyIDTokenHint(hint)
		if err != nil {
			f.log.Info("logout: bad id_token_hint", "err", err)
			f.errorPage(w, r, oautherr.InvalidRequest("The id_token_hint is not an ID token issued by this tenant."))
			return
		}
		aud := claims.AZP
		if aud == "" {
			aud = claims.Audience[0]
		}
		if clientID != "" && clientID != aud && !slices.Contains(claims.Audience, clientID) {
			f.errorPage(w, r, oautherr.InvalidRequest("The client_id does not match the audience of the id_token_hint."))
			return
		}
		clientID = aud
	}

	target := q.Get("post_logout_redirect_uri")
	u, ok := f.logoutTarget(r, clientID, target)
	if !ok {
		f.log.Info("logout", "client", clientID, "redirect", false)
		pages.RenderLoggedOut(w, pages.LoggedOut{Tenant: f.tenantView(ctx)})
		return
	}
	if state := q.Get("state"); state != "" {
		v := u.Query()
		v.Set("state", state)
		u.RawQuery = v.Encode()
	}
	f.log.Info("logout", "client", clientID, "redirect", true)
	engine.Redirect(w, r, u.String())
}

// logoutTarget returns post_logout_redirect_uri when the client allows it.
func (f *Face) logoutTarget(r *http.Request, clientID, target string) (*url.URL, bool) {
	if target == "" {
		return nil, false
	}
	if clientID == "" {
		f.log.Info("logout: post_logout_redirect_uri without client_id or id_token_hint")
		return nil, false
	}
	c, err := f.store.GetClient(r.Context(), clientID)
	if err != nil {
		if !errors.Is(err, tenant.ErrNotFound) {
			f.log.Error("logout: get client", "err", err)
		}
		return nil, false
	}
	u, err := url.Parse(target)
	if err != nil || !c.AllowsLogoutURL(target) {
		f.log.Info("logout: post_logout_redirect_uri not in allowed_logout_urls", "client", clientID)
		return nil, false
	}
	return u, true
}
