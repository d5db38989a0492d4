package pages

import (
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

var oktaForm = Form{Action: "/oauth2/default/v1/authorize/consent?tx=tx1", State: "tx1", CSRF: "c1"}

func renderBody(t *testing.T, render func(*httptest.ResponseRecorder), status int) string {
	t.Helper()
	w := httptest.NewRecorder()
	render(w)
	if w.Code != status {
		t.Errorf("status %d, want %d", w.Code, status)
	}
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	return w.Body.String()
}

func wantAll(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, s := range want {
		if !strings.Contains(body, s) {
			t.Errorf("missing %q in\n%s", s, body)
		}
	}
}

func TestO12_OktaSignInPageCarriesTheWidgetSelectorsAndThePageContract(t *testing.T) {
	body := renderBody(t, func(w *httptest.ResponseRecorder) {
		RenderOktaLogin(w, 401, OktaLogin{Org: OktaOrg{Name: "Acme <Org>"}, Client: OktaClient{Name: "Web"}, Form: oktaForm, Username: "ann@example.com", Error: "Unable to sign in"})
	}, 401)
	wantAll(t, body,
		`data-prompt="login"`, `id="okta-sign-in"`, `data-se="o-form"`,
		`id="okta-signin-username" name="username" value="ann@example.com"`,
		`id="okta-signin-password" name="password"`,
		`id="okta-signin-submit"`, `name="action" value="default" data-type="save" data-se="save">Sign In</button>`,
		`name="state" value="tx1"`, `name="csrf" value="c1"`, `action="/oauth2/default/v1/authorize/consent?tx=tx1"`,
		"Acme &lt;Org&gt;", `data-login-error>Unable to sign in`)
}

func TestO12_OktaConsentPageRowsButtonsAndOptionalCheckboxes(t *testing.T) {
	p := OktaConsent{
		Org: OktaOrg{Name: "Acme"}, Form: oktaForm, UserName: "Ann Example",
		Client: OktaClient{Name: "Consent<Web>App", TOSURI: "https://app.example.com/tos", PolicyURI: "https://app.example.com/privacy"},
		Scopes: []OktaScope{
			{Name: "phone", Label: "View your phone number.", Description: "This allows the app to view your phone number."},
			{Name: "address", Label: "View your address.", Optional: true},
			{Name: "orders:read", Optional: true, Unticked: true},
		},
	}
	body := renderBody(t, func(w *httptest.ResponseRecorder) { RenderOktaConsent(w, p) }, 200)
	wantAll(t, body,
		`data-prompt="consent"`, `class="consent-title detail-row"`,
		`<span class="title-text" data-se="title-text"><b class="no-translate" data-client-name>Consent&lt;Web&gt;App</b>&nbsp;would like to:</span>`,
		`<div class="scope-item-text" data-scope-line><p>View your phone number.</p></div>`,
		`title="This allows the app to view your phone number."`,
		`<input type="checkbox" id="optedScopes.address" name="optedScopes.address" value="true" checked>`,
		`data-se-for-name="optedScopes.address" data-scope-line><p>View your address.</p></label>`,
		`name="optedScopes.orders:read" value="true">`, // unticked
		`<p>orders:read</p>`, // no displayName: the name
		`name="action" value="deny" data-type="cancel" data-se="cancel">Don't Allow</button>`,
		`name="action" value="accept" data-type="save" data-se="save">Allow Access</button>`,
		`class="terms-of-service" href="https://app.example.com/tos"`, `class="privacy-policy"`,
		"granular-consent", `name="csrf" value="c1"`, "By clicking Allow Access")
	if strings.Count(body, `type="checkbox"`) != 2 {
		t.Errorf("want one checkbox per optional scope (2), got %d", strings.Count(body, `type="checkbox"`))
	}
	if strings.Count(body, "data-scope-line") != 3 {
		t.Errorf("want one scope line per scope (3), got %d", strings.Count(body, "data-scope-line"))
	}
	// No optional scope: the plain form, no checkbox.
	p.Scopes = p.Scopes[:1]
	body = renderBody(t, func(w *httptest.ResponseRecorder) { RenderOktaConsent(w, p) }, 200)
	if strings.Contains(body, "granular-consent") || strings.Contains(body, `type="checkbox"`) {
		t.Error("a page with no optional scope has the granular form")
	}
}

func TestO10_OktaErrorPage(t *testing.T) {
	body := renderBody(t, func(w *httptest.ResponseRecorder) {
		RenderOktaError(w, OktaError{Org: OktaOrg{Name: "Acme"}, Code: "invalid_request", Description: "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings."})
	}, 400)
	wantAll(t, body, `data-prompt="error"`, "400 Bad Request", `<code data-error>invalid_request</code>`,
		`<span data-error-description>The &#39;redirect_uri&#39; parameter must be a Login redirect URI in the client app settings.</span>`)
}

func TestO6_OktaTickedScopesReadsTheCheckboxes(t *testing.T) {
	form := url.Values{
		"optedScopes.phone":   {"true"},
		"optedScopes.address": {"on"},
		"optedScopes.email":   {"false"},
		"optedScopes.":        {"true"},
		"phone":               {"true"},
		"action":              {"accept"},
	}
	if got := OktaTickedScopes(form); !slices.Equal(got, []string{"address", "phone"}) {
		t.Errorf("ticked %v", got)
	}
}
