package pages

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// The Okta org's pages: a sign-in page and a consent page that look like
// Okta's hosted Sign-In Widget and carry its own selectors (rule O12:
// #okta-signin-username, #okta-signin-password, #okta-signin-submit,
// .consent-title .title-text, .scope-list .scope-item-text, data-type and
// data-se "save"/"cancel", one optedScopes.<scope> checkbox per optional
// scope) as well as this package's page contract (data-prompt, the inputs
// name="username" and name="password", buttons name="action" with value
// default, accept or deny, data-scope-line, data-error). So one target
// profile serves the mock and a real org. The buttons are <button>
// elements: a profile should select them by attribute ([data-type="save"],
// as Okta's own page objects do), not as input[data-type="save"].

//go:embed templates/okta/*.html
var oktaFiles embed.FS

var oktaTmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"initial":    initial,
	"statusText": http.StatusText,
}).ParseFS(oktaFiles, "templates/okta/*.html"))

// OktaOrg is what every Okta page shows of the org.
type OktaOrg struct {
	Name    string
	LogoURL string
}

// OktaClient is what the pages show of the app (its settings.oauthClient
// client_uri, logo_uri, tos_uri and policy_uri).
type OktaClient struct {
	Name      string
	LogoURL   string
	ClientURI string
	TOSURI    string
	PolicyURI string
}

// OktaLogin is the sign-in page.
type OktaLogin struct {
	Org    OktaOrg
	Client OktaClient
	Form   Form
	// Username is kept after a failed attempt; Error says why it failed.
	Username string
	Error    string
}

// OktaScope is one row of the consent page.
type OktaScope struct {
	// Name is the scope's name; Label what the row shows (displayName, else
	// the name); Description the row's tooltip.
	Name        string
	Label       string
	Description string
	// Optional scopes get a checkbox (ticked unless Unticked).
	Optional bool
	Unticked bool
}

// OktaConsent is the consent page: "<app> would like to:", one row per
// scope, "Allow Access" and "Don't Allow".
type OktaConsent struct {
	Org      OktaOrg
	Client   OktaClient
	Form     Form
	UserName string
	Scopes   []OktaScope
}

// HasOptional reports whether a scope has a checkbox (the widget's
// granular consent form).
func (c OktaConsent) HasOptional() bool {
	for _, s := range c.Scopes {
		if s.Optional {
			return true
		}
	}
	return false
}

// OktaError is the Okta-looking error page (unknown app, wrong
// redirect_uri: rule O10).
type OktaError struct {
	Org         OktaOrg
	Code        string
	Description string
	// Status is the HTTP status (400 when zero).
	Status int
}

// RenderOktaLogin writes the sign-in page with the given status (200, or
// 401 after a failed attempt).
func RenderOktaLogin(w http.ResponseWriter, status int, p OktaLogin) {
	renderOkta(w, status, "okta-login.html", p)
}

// RenderOktaConsent writes the consent page.
func RenderOktaConsent(w http.ResponseWriter, p OktaConsent) {
	for i := range p.Scopes {
		if p.Scopes[i].Label == "" {
			p.Scopes[i].Label = p.Scopes[i].Name
		}
	}
	renderOkta(w, http.StatusOK, "okta-consent.html", p)
}

// RenderOktaError writes the error page with its status.
func RenderOktaError(w http.ResponseWriter, p OktaError) {
	if p.Status == 0 {
		p.Status = http.StatusBadRequest
	}
	renderOkta(w, p.Status, "okta-error.html", p)
}

// OktaTickedScopes reads the consent form's optedScopes.<scope> checkboxes
// and returns the names of the ticked ones, sorted. The face compares them
// with what it asked (consent.AnswerOkta): a name it did not ask for has no
// effect.
func OktaTickedScopes(form url.Values) []string {
	var out []string
	for k, v := range form {
		name, ok := strings.CutPrefix(k, "optedScopes.")
		if !ok || name == "" || len(v) == 0 {
			continue
		}
		switch strings.ToLower(v[len(v)-1]) {
		case "true", "on", "1":
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func renderOkta(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := oktaTmpl.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "page could not be rendered", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; form-action *")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
