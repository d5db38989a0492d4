package pages

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
)

// CoVerify is the cross-origin verification fallback page of embedded
// login (rule W1). /authorize?login_ticket= shows it when the browser did
// not keep the cookie /co/authenticate set (third-party cookies blocked):
// it frames the application's cross-origin verification page (the client's
// cross_origin_loc, where auth0.js runs crossOriginVerification), asks it
// for the co_verifier auth0.js stored for CoID, and posts the verifier with
// Fields (the authorization request) to Action.
type CoVerify struct {
	FrameURL    string // cross_origin_loc#origin=<the IdP's origin>
	FrameOrigin string // the origin of cross_origin_loc
	CoID        string
	Action      string
	Fields      []Field
}

// Field is a hidden form field.
type Field struct{ Name, Value string }

// coVerifyScript speaks auth0.js's crossOriginVerification protocol: the
// framed page says {type: "ready"}, is asked {type: "co_verifier_request",
// request: {id}} and answers {type: "co_verifier_response", response:
// {verifier}}. It reads its data from the markup, so it never changes and
// the CSP allows it by its hash.
const coVerifyScript = `(function () {
  var m = document.querySelector("main[data-co-id]");
  var frameOrigin = m.getAttribute("data-frame-origin");
  var form = m.querySelector("form");
  var done = false;
  window.addEventListener("message", function (evt) {
    if (evt.origin !== frameOrigin || !evt.data || done) {
      return;
    }
    if (evt.data.type === "ready") {
      evt.source.postMessage({ type: "co_verifier_request", request: { id: m.getAttribute("data-co-id") } }, frameOrigin);
    } else if (evt.data.type === "co_verifier_response") {
      done = true;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = "verifier";
      input.value = (evt.data.response && evt.data.response.verifier) || "";
      form.appendChild(input);
      form.submit();
    }
  });
})();`

var coVerifyScriptHash = func() string {
	sum := sha256.Sum256([]byte(coVerifyScript))
	return base64.StdEncoding.EncodeToString(sum[:])
}()

// RenderCoVerify writes the cross-origin verification fallback page. Its
// CSP allows any form-action, like the other pages: the post to /co/verify
// ends in a redirect to the callback, which form-action also governs.
func RenderCoVerify(w http.ResponseWriter, p CoVerify) {
	var buf bytes.Buffer
	data := struct {
		CoVerify
		Script template.JS
	}{p, template.JS(coVerifyScript)}
	if err := tmpl.ExecuteTemplate(&buf, "coverify.html", data); err != nil {
		http.Error(w, "page could not be rendered", http.StatusInternalServerError)
		return
	}
	frame := cspOrigin(p.FrameOrigin)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; base-uri 'none'; form-action *; frame-ancestors 'none'; frame-src "+frame+
		"; script-src 'sha256-"+coVerifyScriptHash+"'")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
