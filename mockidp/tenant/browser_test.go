package tenant_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/tenant"
)

func spa() *tenant.Client {
	return &tenant.Client{
		ClientID:       "spa",
		IsFirstParty:   true,
		Callbacks:      []string{"https://app.example.com/callback", "http://localhost:3000/cb", "com.example.app://callback"},
		AllowedOrigins: []string{"https://cors.example.com", "https://*.widgets.example.com"},
		WebOrigins:     []string{"https://web.example.com:8443", "http://localhost:4000"},
		AllowedLogoutURLs: []string{"https://app.example.com/", "https://app.example.com/bye",
			"https://*.tenants.example.com/logged-out", "com.example.app://logout"},
	}
}

func TestW1_AllowsOrigin(t *testing.T) {
	c := spa()
	for _, tc := range []struct {
		origin string
		want   bool
	}{
		{"https://cors.example.com", true},
		{"HTTPS://CORS.Example.com", true},
		{"https://cors.example.com:443", true},       // default port
		{"https://cors.example.com/some/path", true}, // a URL: its origin counts
		{"https://cors.example.com:8443", false},
		{"http://cors.example.com", false},
		{"https://a.widgets.example.com", true}, // subdomain wildcard
		{"https://b.a.widgets.example.com", true},
		{"https://widgets.example.com", false}, // the wildcard needs a subdomain
		{"https://evilwidgets.example.com", false},
		{"https://web.example.com:8443", true}, // web_origins count
		{"https://web.example.com", false},
		{"http://localhost:4000", true},
		{"https://app.example.com", true}, // the origin of a callback (W1 default)
		{"http://localhost:3000", true},
		{"http://localhost:3001", false},
		{"com.example.app://callback", false}, // custom schemes have no web origin
		{"https://*.widgets.example.com", false},
		{"null", false},
		{"", false},
		{"https://other.example.com", false},
	} {
		if got := c.AllowsOrigin(tc.origin); got != tc.want {
			t.Errorf("AllowsOrigin(%q) = %v, want %v", tc.origin, got, tc.want)
		}
	}
}

func TestW2_AllowsWebMessageOrigin(t *testing.T) {
	c := spa()
	for _, tc := range []struct {
		origin string
		want   bool
	}{
		{"https://web.example.com:8443", true},
		{"https://web.example.com:8443/callback?x=1", true}, // a redirect_uri: its origin counts
		{"http://localhost:4000", true},
		{"https://web.example.com", false},
		{"https://cors.example.com", false}, // allowed_origins are for CORS only
		{"https://app.example.com", false},  // callbacks do not count for web_message
		{"", false},
	} {
		if got := c.AllowsWebMessageOrigin(tc.origin); got != tc.want {
			t.Errorf("AllowsWebMessageOrigin(%q) = %v, want %v", tc.origin, got, tc.want)
		}
	}
	wild := &tenant.Client{WebOrigins: []string{"https://*.example.org"}}
	if !wild.AllowsWebMessageOrigin("https://a.example.org") || wild.AllowsWebMessageOrigin("https://example.org") {
		t.Error("subdomain wildcard in web_origins")
	}
}

func TestL1_AllowsLogoutURL(t *testing.T) {
	c := spa()
	for _, tc := range []struct {
		url  string
		want bool
	}{
		{"https://app.example.com/", true},
		{"https://app.example.com", true}, // empty path and "/" are the same
		{"https://app.example.com/?from=logout", true},
		{"https://app.example.com/bye", true},
		{"https://app.example.com/bye?x=1#top", true}, // query and fragment do not count
		{"https://app.example.com/bye/", false},
		{"https://app.example.com/other", false},
		{"http://app.example.com/", false},
		{"https://app.example.com:8443/", false},
		{"https://acme.tenants.example.com/logged-out", true},
		{"https://tenants.example.com/logged-out", false},
		{"https://acme.tenants.example.com/elsewhere", false},
		{"com.example.app://logout", true},
		{"com.example.app://logout?state=1", true},
		{"com.example.app://other", false},
		{"https://evil.example.com/", false},
		{"", false},
		{"/relative", false},
	} {
		if got := c.AllowsLogoutURL(tc.url); got != tc.want {
			t.Errorf("AllowsLogoutURL(%q) = %v, want %v", tc.url, got, tc.want)
		}
	}
	if (&tenant.Client{}).AllowsLogoutURL("https://app.example.com/") {
		t.Error("a client with no allowed_logout_urls allows a logout URL")
	}
}

func TestW1_OriginProblem(t *testing.T) {
	for _, ok := range []string{"https://app.example.com", "http://localhost:3000", "https://*.example.com",
		"http://127.0.0.1:8080", "http://[::1]:3000", "chrome-extension://abcdef"} {
		if msg := tenant.OriginProblem(ok); msg != "" {
			t.Errorf("OriginProblem(%q) = %q, want none", ok, msg)
		}
	}
	for _, bad := range []string{"", "app.example.com", "https://app.example.com/", "https://app.example.com/cb",
		"https://app.example.com?x=1", "https://app.example.com#x", "https://u:p@app.example.com", "https://a.*.example.com",
		"https://*", "https://app example.com", "mailto:x@example.com"} {
		if msg := tenant.OriginProblem(bad); msg == "" {
			t.Errorf("OriginProblem(%q) found nothing wrong", bad)
		}
	}
}

func TestW1_Origin(t *testing.T) {
	for in, want := range map[string]string{
		"https://App.Example.com:443/cb?x": "https://app.example.com",
		"http://localhost:3000/":           "http://localhost:3000",
		"http://[::1]:8080/x":              "http://[::1]:8080",
		"not a url":                        "",
	} {
		if got := tenant.Origin(in); got != want {
			t.Errorf("Origin(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestW4_RefreshTokenPolicy(t *testing.T) {
	def := (&tenant.Client{}).RefreshTokenPolicy()
	if def.Rotating() {
		t.Error("a client without refresh_token rotates")
	}
	if _, ok := def.AbsoluteLifetime(); ok {
		t.Error("the default refresh token expires")
	}
	if f, msg := tenant.RefreshTokenProblem(def); msg != "" {
		t.Errorf("the default is invalid: %s %s", f, msg)
	}
	rot := &tenant.Client{RefreshToken: &tenant.RefreshTokenConfig{RotationType: tenant.RotationRotating,
		ExpirationType: tenant.ExpirationExpiring, Leeway: 3, TokenLifetime: 3600, IdleTokenLifetime: 600}}
	p := rot.RefreshTokenPolicy()
	if !p.Rotating() || p.ReuseLeeway() != 3*time.Second {
		t.Errorf("rotating policy %+v", p)
	}
	if d, ok := p.AbsoluteLifetime(); !ok || d != time.Hour {
		t.Errorf("absolute lifetime %v %v", d, ok)
	}
	if d, ok := p.IdleLifetime(); !ok || d != 10*time.Minute {
		t.Errorf("idle lifetime %v %v", d, ok)
	}
	p.InfiniteIdleTokenLifetime = true
	if _, ok := p.IdleLifetime(); ok {
		t.Error("infinite_idle_token_lifetime still expires")
	}
	for _, bad := range []func(*tenant.RefreshTokenConfig){
		func(r *tenant.RefreshTokenConfig) { r.RotationType = "sometimes" },
		func(r *tenant.RefreshTokenConfig) { r.ExpirationType = "" },
		func(r *tenant.RefreshTokenConfig) { r.Leeway = -1 },
		func(r *tenant.RefreshTokenConfig) { r.TokenLifetime = 0 },
		func(r *tenant.RefreshTokenConfig) { r.IdleTokenLifetime = tenant.MaxRefreshTokenLifetime + 1 },
		func(r *tenant.RefreshTokenConfig) { r.IdleTokenLifetime = 7200 }, // longer than the absolute lifetime
	} {
		r := *rot.RefreshToken
		bad(&r)
		if _, msg := tenant.RefreshTokenProblem(r); msg == "" {
			t.Errorf("RefreshTokenProblem(%+v) found nothing wrong", r)
		}
	}
}

func TestConnectionUsableBy(t *testing.T) {
	conn := &tenant.Connection{Name: "db", Strategy: tenant.StrategyAuth0, EnabledClients: []string{"first"}}
	first := &tenant.Client{ClientID: "first", IsFirstParty: true}
	other := &tenant.Client{ClientID: "other", IsFirstParty: true}
	third := &tenant.Client{ClientID: "tpc_x", IsFirstParty: false}
	if !conn.UsableBy(first) || conn.UsableBy(other) || conn.UsableBy(third) {
		t.Error("enabled_clients decides for first-party clients; third-party clients need a domain connection")
	}
	conn.IsDomainConnection = true
	if !conn.UsableBy(third) || conn.UsableBy(other) {
		t.Error("a domain connection is usable by third-party clients only, not by first-party clients it is not enabled for")
	}
}

func TestConnectionRealmConnection(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	app := &tenant.Client{ClientID: "app", IsFirstParty: true}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.CreateConnection(ctx, &tenant.Connection{Name: "db", Strategy: tenant.StrategyAuth0, EnabledClients: []string{"app"},
		Realms: []string{"db", "example.com"}}))
	must(st.CreateConnection(ctx, &tenant.Connection{Name: "closed", Strategy: tenant.StrategyAuth0}))
	must(st.CreateConnection(ctx, &tenant.Connection{Name: "google-oauth2", Strategy: "google-oauth2", EnabledClients: []string{"app"}}))

	for realm, want := range map[string]error{
		"db": nil, "example.com": nil,
		"closed": tenant.ErrConnectionDisabled, "google-oauth2": tenant.ErrUnknownRealm,
		"nope": tenant.ErrUnknownRealm, "": tenant.ErrUnknownRealm,
	} {
		c, err := tenant.RealmConnection(ctx, st, app, realm)
		if !errors.Is(err, want) {
			t.Errorf("RealmConnection(%q): %v, want %v", realm, err, want)
		}
		if want == nil && (c == nil || c.Name != "db") {
			t.Errorf("RealmConnection(%q) = %+v", realm, c)
		}
	}
}

func TestConnectionDefault(t *testing.T) {
	c := tenant.DefaultConnection(nil)
	if c.Name != "Username-Password-Authentication" || !c.IsDatabase() || c.EnabledClients == nil || c.Options == nil ||
		!c.IsDomainConnection || len(c.Realms) != 1 {
		t.Errorf("default connection %+v", c)
	}
	for name, want := range map[string]bool{"Username-Password-Authentication": true, "a": true, "my-db2": true,
		"-db": false, "db-": false, "a--b": false, "a_b": false, "": false} {
		if got := tenant.ValidConnectionName(name); got != want {
			t.Errorf("ValidConnectionName(%q) = %v", name, got)
		}
	}
}

func TestConnectionEnsureDefault(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	if err := st.CreateClient(ctx, &tenant.Client{ClientID: "a", IsFirstParty: true}); err != nil {
		t.Fatal(err)
	}
	made, err := tenant.EnsureDefaultConnection(ctx, st)
	if err != nil || !made {
		t.Fatalf("first call: %v %v", made, err)
	}
	c, err := st.GetConnectionByName(ctx, tenant.DefaultConnectionName)
	if err != nil || len(c.EnabledClients) != 1 || c.EnabledClients[0] != "a" {
		t.Fatalf("default connection %+v %v", c, err)
	}
	if made, err := tenant.EnsureDefaultConnection(ctx, st); err != nil || made {
		t.Fatalf("second call: %v %v", made, err)
	}
	if all, _ := st.ListConnections(ctx); len(all) != 1 {
		t.Fatalf("%d connections", len(all))
	}
}

func TestW1_AllowsCrossOriginAuth(t *testing.T) {
	c := spa()
	if c.AllowsCrossOriginAuth("https://web.example.com:8443") {
		t.Error("cross_origin_authentication off, yet allowed")
	}
	c.CrossOriginAuthentication = true
	if !c.AllowsCrossOriginAuth("https://web.example.com:8443") || c.AllowsCrossOriginAuth("https://cors.example.com") {
		t.Error("cross-origin authentication follows web_origins")
	}
}

func TestW1_AnyClientAllowsOrigin(t *testing.T) {
	ctx := context.Background()
	st := memstore.New()
	if ok, err := tenant.AnyClientAllowsOrigin(ctx, st, "https://cors.example.com"); ok || err != nil {
		t.Fatalf("empty tenant: %v %v", ok, err)
	}
	if err := st.CreateClient(ctx, spa()); err != nil {
		t.Fatal(err)
	}
	for origin, want := range map[string]bool{"https://cors.example.com": true, "https://app.example.com": true, "https://evil.example.com": false} {
		if ok, err := tenant.AnyClientAllowsOrigin(ctx, st, origin); ok != want || err != nil {
			t.Errorf("AnyClientAllowsOrigin(%q) = %v, %v", origin, ok, err)
		}
	}
}
