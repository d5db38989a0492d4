package pages_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"

	"github.com/consentry/consentry/mockidp/pages"
	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/driver/httpua"
)

// oktaWidgetSelectors are the selectors a harness profile for a real Okta
// org uses (Okta's own page objects: facts section 6).
var oktaWidgetSelectors = driver.Selectors{
	Username:    `#okta-signin-username, [name="identifier"]`,
	Password:    `#okta-signin-password, [name="credentials.passcode"]`,
	Login:       `#okta-signin-submit, [data-type="save"]`,
	Accept:      `[data-type="save"], [data-se="save"]`,
	Decline:     `[data-type="cancel"], [data-se="cancel"]`,
	ScopeLine:   `.scope-list .scope-item-text`,
	LoginPage:   []string{`#okta-signin-username, [name="identifier"]`},
	ConsentPage: []string{`.consent-title .title-text`, `.scope-list`},
}

// oktaPagesIdP serves the Okta pages: sign-in, then consent, then a
// redirect to the callback; it records what each form posted.
func oktaPagesIdP(t *testing.T) (*httptest.Server, func() []url.Values) {
	var mu sync.Mutex
	var posts []url.Values
	form := pages.Form{Action: "/next", State: "tx1", CSRF: "c1"}
	step := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			_ = r.ParseForm()
			mu.Lock()
			posts = append(posts, r.PostForm)
			step++
			s := step
			mu.Unlock()
			if s >= 2 {
				http.Redirect(w, r, "https://app.example.com/cb?code=c&state=s", http.StatusFound)
				return
			}
			pages.RenderOktaConsent(w, pages.OktaConsent{Org: pages.OktaOrg{Name: "Acme"}, Client: pages.OktaClient{Name: "Web"}, Form: form,
				Scopes: []pages.OktaScope{{Name: "phone", Label: "View your phone number."}, {Name: "address", Label: "View your address.", Optional: true}}})
			return
		}
		pages.RenderOktaLogin(w, http.StatusOK, pages.OktaLogin{Org: pages.OktaOrg{Name: "Acme"}, Client: pages.OktaClient{Name: "Web"}, Form: form})
	}))
	t.Cleanup(srv.Close)
	return srv, func() []url.Values { mu.Lock(); defer mu.Unlock(); return slices.Clone(posts) }
}

// TestO12_OneProfileServesTheMockAndARealOrg drives the Okta pages with the
// HTTP driver twice: with the mock's page contract and with the selectors
// of a real org's widget. Both must find the pages, the fields, the scope
// rows and the buttons.
func TestO12_OneProfileServesTheMockAndARealOrg(t *testing.T) {
	for name, sel := range map[string]driver.Selectors{"page contract": {}, "Okta widget": oktaWidgetSelectors} {
		t.Run(name, func(t *testing.T) {
			srv, posts := oktaPagesIdP(t)
			d, err := httpua.New(httpua.Options{Selectors: sel})
			if err != nil {
				t.Fatal(err)
			}
			d.WatchCallback("https://app.example.com/cb")
			ctx := t.Context()
			p, err := d.Open(ctx, srv.URL+"/authorize")
			if err != nil || p.Kind != driver.KindLogin {
				t.Fatalf("open: %v %+v", err, p)
			}
			p, err = d.Login(ctx, "ann@example.com", "Tr0ub4dor&3x")
			if err != nil || p.Kind != driver.KindConsent {
				t.Fatalf("login: %v kind %s", err, p.Kind)
			}
			if !slices.Equal(p.ScopeLines, []string{"View your phone number.", "View your address."}) {
				t.Errorf("scope lines %q", p.ScopeLines)
			}
			p, err = d.Accept(ctx)
			if err != nil || p.Kind != driver.KindCallback {
				t.Fatalf("accept: %v kind %s", err, p.Kind)
			}
			got := posts()
			if len(got) != 2 {
				t.Fatalf("%d posts", len(got))
			}
			login, consent := got[0], got[1]
			if login.Get("username") != "ann@example.com" || login.Get("password") != "Tr0ub4dor&3x" || login.Get("action") != "default" || login.Get("csrf") != "c1" {
				t.Errorf("login post %v", login)
			}
			if consent.Get("action") != "accept" || consent.Get("state") != "tx1" {
				t.Errorf("consent post %v", consent)
			}
			if ticked := pages.OktaTickedScopes(consent); !slices.Equal(ticked, []string{"address"}) {
				t.Errorf("the ticked optional scope was not posted: %v", ticked)
			}
		})
	}
}
