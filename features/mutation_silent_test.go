package features_test

import (
	"html"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"testing"

	"github.com/consentry/consentry/steps/runner"
	"github.com/consentry/consentry/steps/target"
)

// Mutations of rule W2 (response_mode=web_message), in front of the mock's
// handler: the silent authentication scenarios must fail against each.

// webMessageMutation edits the query of /authorize requests that ask for
// response_mode=web_message before the mock sees them.
func webMessageMutation(edit func(q map[string][]string)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/authorize" && r.URL.Query().Get("response_mode") == "web_message" {
				q := r.URL.Query()
				edit(q)
				r.URL.RawQuery = q.Encode()
			}
			next.ServeHTTP(w, r)
		})
	}
}

// The IdP ignores response_mode=web_message and redirects the frame to the
// callback: the application's page receives nothing.
func TestMutationW2_WebMessageIgnored(t *testing.T) {
	expectFailure(t, "@rule:W2", "W2", target.StartOptions{Wrap: webMessageMutation(func(q map[string][]string) {
		delete(q, "response_mode")
	})})
}

// The IdP loses the state on the web_message path: the response carries no
// state, which the application must refuse.
func TestMutationW2_StateLost(t *testing.T) {
	expectFailure(t, "@rule:W2", "W2", target.StartOptions{Wrap: webMessageMutation(func(q map[string][]string) {
		delete(q, "state")
	})})
}

// The IdP's page posts to another origin than the callback's: the
// browser never delivers the message to the application's page.
func TestMutationW2_WrongTargetOriginInTheBrowser(t *testing.T) {
	if os.Getenv("CONSENTRY_BROWSER") == "off" {
		t.Skip("CONSENTRY_BROWSER=off: the browser was NOT checked")
	}
	expectFailureWith(t, runner.DriverBrowser, "@rule:W2", "W2", target.StartOptions{Wrap: rewriteTargetOrigin("https://elsewhere.consentry.test")})
}

// The same, seen by the HTTP user agent, which drops it as a browser does.
func TestMutationW2_WrongTargetOrigin(t *testing.T) {
	expectFailure(t, "@rule:W2", "W2", target.StartOptions{Wrap: rewriteTargetOrigin("https://elsewhere.consentry.test")})
}

// The IdP's page posts the code to "*", any window that framed it: the
// HTTP user agent reads the address (a browser delivers it, and the page
// cannot tell).
func TestMutationW2_CodePostedToAnyOrigin(t *testing.T) {
	expectFailure(t, "@rule:W2", "W2", target.StartOptions{Wrap: rewriteTargetOrigin("*")})
}

// rewriteTargetOrigin changes the origin the web_message page addresses
// its message to (data-target-origin, which its script reads); the
// page's frame-ancestors stay as they were.
func rewriteTargetOrigin(to string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/authorize" || r.URL.Query().Get("response_mode") != "web_message" {
				next.ServeHTTP(w, r)
				return
			}
			rec := &recorder{header: http.Header{}}
			next.ServeHTTP(rec, r)
			body := targetOriginAttr.ReplaceAll(rec.body.Bytes(), []byte(`data-target-origin="`+html.EscapeString(to)+`"`))
			rec.body.Reset()
			rec.body.Write(body)
			rec.header.Del("Content-Length")
			rec.copyTo(w)
		})
	}
}

var targetOriginAttr = regexp.MustCompile(`data-target-origin="[^"]*"`)

// The IdP trusts the origin of every callback as a web origin (the bug:
// web_origins is not what is checked): the page on an origin that is not
// among the web_origins receives the response.
func TestMutationW2_CallbackOriginsTrusted(t *testing.T) {
	expectFailure(t, "@rule:W2", "W2", target.StartOptions{Wrap: rewriteJSON(func(r *http.Request, obj map[string]any) {
		cbs, ok := obj["callbacks"].([]any)
		if r.Method != http.MethodPatch || !ok {
			return
		}
		origins, _ := obj["web_origins"].([]any)
		for _, c := range cbs {
			if u, err := url.Parse(c.(string)); err == nil && u.Scheme != "" && u.Host != "" {
				origins = append(origins, u.Scheme+"://"+u.Host)
			}
		}
		obj["web_origins"] = origins
	})})
}
