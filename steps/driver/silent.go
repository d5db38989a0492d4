package driver

import "context"

// SilentAuthenticator is a user agent that can authenticate silently as a
// relying party's page does (rule W2): the page, on its own origin, opens a
// hidden iframe to an /authorize URL with prompt=none and
// response_mode=web_message and waits for the IdP's page in the frame to
// post {type: "authorization_response", response: {...}} to it. Both
// drivers implement it; steps find it by a type assertion, so a user agent
// without it is not applicable rather than broken.
type SilentAuthenticator interface {
	SilentAuthenticate(ctx context.Context, req SilentRequest) (SilentResult, error)
}

// SilentRequest is one silent authentication.
type SilentRequest struct {
	// PageURL is the relying party's page (served by the harness) that
	// frames AuthorizeURL: the browser loads it with
	// #authorize=<AuthorizeURL>; the HTTP driver only takes its origin,
	// the origin the message must be addressed to.
	PageURL string
	// AuthorizeURL is the full /authorize request.
	AuthorizeURL string
}

// SilentResult is what the relying party's page saw.
type SilentResult struct {
	// Message is the message the page received from the frame, nil when
	// none came.
	Message *WebMessage
	// Frame is what the IdP answered in the frame: its URL and HTTP
	// status (0 when unknown) and, when the driver can read it (the HTTP
	// driver; the browser cannot read a page that refuses to be framed),
	// the page's kind and error.
	Frame Page
	// Via says how the message was read: "postMessage" (the browser ran
	// the page's script and the relying party's page received it) or
	// "page data" (the HTTP driver read the response the page carries, as
	// the page's script would post it).
	Via string
}

// WebMessage is one message a relying party's page received.
type WebMessage struct {
	// Origin is the sender's origin (MessageEvent.origin).
	Origin string
	// TargetOrigin is the origin the sender addressed the message to
	// (known to the HTTP driver, which reads it from the page; the
	// browser only delivers a message whose target origin is the page's).
	TargetOrigin string
	// Type is the message's type ("authorization_response"); "" when the
	// driver read the response without running the page's script.
	Type string
	// Response holds the authorization response's parameters (code or
	// error, error_description, state).
	Response map[string]string
}

// CookieReader is a user agent that can show the cookies it holds for a
// URL with their attributes (rule W5: SameSite, Secure). The browser has
// it; an HTTP cookie jar forgets the attributes.
type CookieReader interface {
	Cookies(ctx context.Context, forURL string) ([]Cookie, error)
}

// Cookie is one cookie and the attributes the rules check.
type Cookie struct {
	Name, Value string
	// SameSite is "Strict", "Lax", "None" or "" (not set).
	SameSite string
	Secure   bool
	HTTPOnly bool
}

// RelyingPartyPage is the relying party's page that the harness serves
// for silent authentication (steps/silent.go) and the browser driver
// reads (window.consentrySilent). It frames the URL in its fragment's
// authorize parameter in a hidden iframe and records every message posted
// to the window, with its origin and its data as JSON, and when the frame
// fired load. This is what an
// SPA SDK's silent authentication does (auth0-spa-js getTokenSilently,
// auth0.js checkSession); it keeps every message, so the harness sees a
// message from the wrong origin too.
const RelyingPartyPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>consentry relying party</title></head>
<body data-consentry-rp>
<p>consentry's relying-party page: silent authentication in a hidden iframe.</p>
<script>
(function () {
  var s = window.consentrySilent = { messages: [], loadedAt: 0 };
  window.addEventListener("message", function (e) {
    var data;
    try { data = JSON.stringify(e.data); } catch (err) { data = String(e.data); }
    s.messages.push({ origin: e.origin, data: data });
  });
  var authorize = new URLSearchParams(location.hash.slice(1)).get("authorize");
  if (!authorize) return;
  var f = document.createElement("iframe");
  f.style.display = "none";
  f.addEventListener("load", function () { s.loadedAt = Date.now(); });
  f.src = authorize;
  document.body.appendChild(f);
})();
</script>
</body></html>`
