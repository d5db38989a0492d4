// Package pages renders the IdP's HTML screens: login, consent, login
// confirmation, error and logged-out. They are server-rendered with
// html/template from embedded files, work without JavaScript, and follow the
// page contract the harness and other tools rely on: each page marks what it
// is with data-prompt on one element, forms carry the transaction and an
// anti-forgery value, buttons are name="action" with value default, accept or
// deny, consent scope lines carry data-scope-line, and the error page shows
// the error code and description in data-error and data-error-description.
package pages

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"
)

//go:embed templates/*.html
var files embed.FS

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"initial": initial,
	"title": func(c Consent) string {
		if c.Confirmation {
			return "Confirm log-in"
		}
		return "Authorize " + c.Client.Name
	},
}).ParseFS(files, "templates/*.html"))

// formPostScript is the one script the pages run; the CSP allows its hash.
const formPostScript = "document.forms[0].submit()"

var formPostScriptHash = func() string {
	sum := sha256.Sum256([]byte(formPostScript))
	return base64.StdEncoding.EncodeToString(sum[:])
}()

func initial(name string) string {
	for _, r := range name {
		return strings.ToUpper(string(r))
	}
	return "?"
}

// Tenant is what every page shows of the tenant.
type Tenant struct {
	Name    string
	LogoURL string
}

// Client is what the pages show of the application.
type Client struct {
	Name    string
	LogoURL string
}

// Form is the hidden state every form posts back.
type Form struct {
	Action string // the URL the form posts to
	State  string // the transaction
	CSRF   string // the anti-forgery value bound to the browser
}

// Login is the login page.
type Login struct {
	Tenant Tenant
	Client Client
	Form   Form
	// Username is kept after a failed attempt; Error says why it failed.
	Username string
	Error    string
}

// ScopeLine is one line of the consent page.
type ScopeLine struct {
	Title  string
	Text   string
	Scopes []string
}

// Consent is the consent page, and the login confirmation page when
// Confirmation is set (same look, no scope lines: rule C6).
type Consent struct {
	Tenant       Tenant
	Client       Client
	Form         Form
	UserName     string
	UserEmail    string
	UserPicture  string
	APIName      string
	Lines        []ScopeLine
	Scopes       []string // posted back as hidden fields (rule C8)
	Confirmation bool
}

// Error is the error page.
type Error struct {
	Tenant      Tenant
	Code        string
	Description string
	// Status is the HTTP status (400 when zero).
	Status int
}

// LoggedOut is shown after /v2/logout without a returnTo.
type LoggedOut struct {
	Tenant Tenant
}

// RenderLogin writes the login page with the given status (200 or 401).
func RenderLogin(w http.ResponseWriter, status int, p Login) {
	render(w, status, "login.html", p)
}

// RenderConsent writes the consent or confirmation page.
func RenderConsent(w http.ResponseWriter, p Consent) {
	render(w, http.StatusOK, "consent.html", p)
}

// RenderError writes the error page with its status.
func RenderError(w http.ResponseWriter, p Error) {
	if p.Status == 0 {
		p.Status = http.StatusBadRequest
	}
	render(w, p.Status, "error.html", p)
}

// RenderLoggedOut writes the logged-out page.
func RenderLoggedOut(w http.ResponseWriter, p LoggedOut) {
	render(w, http.StatusOK, "loggedout.html", p)
}

// FormPost is the response_mode=form_post page (rule A5): a form that posts
// the response to the callback, submitted by script or by hand.
type FormPost struct {
	Action string
	Fields map[string]string
}

// RenderFormPost writes the form_post page.
func RenderFormPost(w http.ResponseWriter, p FormPost) {
	render(w, http.StatusOK, "formpost.html", p)
}

func render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "page could not be rendered", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src * data:; form-action *; frame-ancestors 'none'; base-uri 'none'; script-src 'sha256-"+formPostScriptHash+"'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
