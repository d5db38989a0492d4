package pages

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
)

// WebMessage is the response_mode=web_message page (rule W2): it posts
// {type: "authorization_response", response: {...}} to the window that
// opened it (a popup) or, in an iframe, to its parent, at TargetOrigin
// only. Response holds the authorization response's parameters (code or
// error, state, ...).
//
// With Flat the page posts the parameters themselves, {state, code, ...}
// or {state, error, error_description}: Okta's response_mode
// okta_post_message, which okta-auth-js matches by data.state and by the
// message's origin being the issuer's (lib/oidc/util/browser.ts,
// addPostMessageListener).
type WebMessage struct {
	TargetOrigin string
	Response     map[string]string
	Flat         bool
}

// webMessageScript is the page's one script; it reads the response from
// the page's markup, so that it never changes and the CSP can allow it by
// its hash.
const webMessageScript = `(function () {
  var m = document.querySelector("main[data-response]");
  var msg = { type: "authorization_response", response: JSON.parse(m.getAttribute("data-response")) };
  var target = window.opener || window.parent;
  if (target && target !== window) {
    target.postMessage(msg, m.getAttribute("data-target-origin"));
  }
})();`

// flatMessageScript is the Flat page's script: the message is the
// response itself.
const flatMessageScript = `(function () {
  var m = document.querySelector("main[data-response]");
  var target = window.opener || window.parent;
  if (target && target !== window) {
    target.postMessage(JSON.parse(m.getAttribute("data-response")), m.getAttribute("data-target-origin"));
  }
})();`

func scriptHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(sum[:])
}

var webMessageScriptHash, flatMessageScriptHash = scriptHash(webMessageScript), scriptHash(flatMessageScript)

// RenderWebMessage writes the web_message page. Unlike the other pages it
// may be framed, but only by TargetOrigin (frame-ancestors): silent
// authentication runs it in a hidden iframe of the application.
func RenderWebMessage(w http.ResponseWriter, p WebMessage) {
	resp, err := json.Marshal(p.Response)
	if err != nil {
		http.Error(w, "page could not be rendered", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	data := struct {
		TargetOrigin string
		ResponseJSON string
		Script       template.JS
	}{p.TargetOrigin, string(resp), template.JS(webMessageScript)}
	hash := webMessageScriptHash
	if p.Flat {
		data.Script, hash = template.JS(flatMessageScript), flatMessageScriptHash
	}
	if err := tmpl.ExecuteTemplate(&buf, "webmessage.html", data); err != nil {
		http.Error(w, "page could not be rendered", http.StatusInternalServerError)
		return
	}
	ancestors := cspOrigin(p.TargetOrigin)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; base-uri 'none'; script-src 'sha256-"+hash+"'; frame-ancestors "+ancestors)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// cspOrigin is origin as a source of a Content-Security-Policy directive,
// or 'none' when it is empty or holds a character that could end the
// source or the directive: a policy is never built from something that is
// no origin.
func cspOrigin(origin string) string {
	if origin == "" || strings.ContainsAny(origin, " ;,'\"\r\n") {
		return "'none'"
	}
	return origin
}
