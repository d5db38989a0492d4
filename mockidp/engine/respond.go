package engine

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/pages"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tenant"
)

// Response modes (rules A5, W2). Which ones a face accepts is the face's
// choice.
const (
	ModeQuery      = "query"
	ModeFragment   = "fragment"
	ModeFormPost   = "form_post"
	ModeWebMessage = "web_message"
	// ModeOktaPostMessage is Okta's okta_post_message: like web_message,
	// but the message is the response parameters themselves.
	ModeOktaPostMessage = "okta_post_message"
)

// Respond sends an authorization response (or error) to the client's
// callback in the transaction's response mode, with state unchanged.
func Respond(w http.ResponseWriter, r *http.Request, tx *session.Transaction, params url.Values) {
	if tx.State != "" {
		params.Set("state", tx.State)
	}
	switch tx.ResponseMode {
	case ModeWebMessage, ModeOktaPostMessage:
		// W2: posted to the opener or parent at the callback's origin,
		// which the face checked (Auth0: against the client's web
		// origins; Okta: the callback is a registered redirect URI).
		fields := map[string]string{}
		for k := range params {
			fields[k] = params.Get(k)
		}
		pages.RenderWebMessage(w, pages.WebMessage{TargetOrigin: tenant.Origin(tx.RedirectURI), Response: fields,
			Flat: tx.ResponseMode == ModeOktaPostMessage})
	case ModeFormPost:
		fields := map[string]string{}
		for k := range params {
			fields[k] = params.Get(k)
		}
		pages.RenderFormPost(w, pages.FormPost{Action: tx.RedirectURI, Fields: fields})
	case ModeFragment:
		u := tx.RedirectURI
		if i := strings.IndexByte(u, '#'); i >= 0 {
			u = u[:i]
		}
		Redirect(w, r, u+"#"+params.Encode())
	default:
		u, err := url.Parse(tx.RedirectURI)
		if err != nil { // registered callbacks are valid URLs; be safe anyway
			http.Error(w, "invalid redirect_uri", http.StatusBadRequest)
			return
		}
		q := u.Query()
		for k, v := range params {
			q[k] = v
		}
		u.RawQuery = q.Encode()
		Redirect(w, r, u.String())
	}
}

// RespondError sends an OAuth error to the callback (rule A2).
func RespondError(w http.ResponseWriter, r *http.Request, tx *session.Transaction, e *oautherr.Error) {
	p := url.Values{"error": {e.Code}}
	if e.Description != "" {
		p.Set("error_description", e.Description)
	}
	Respond(w, r, tx, p)
}

// Redirect answers 302 Found, not to be cached.
func Redirect(w http.ResponseWriter, r *http.Request, to string) {
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, to, http.StatusFound)
}
