package steps

import (
	"strings"
	"testing"

	"github.com/consentry/consentry/steps/target"
)

// A scenario's words become the properties a fixture must have, and a
// pre-registered client is bound by them, whatever the scenario calls it.
func TestApplicationsAreBoundByTheirProperties(t *testing.T) {
	yes := true
	profile := &target.Profile{
		APIs: []target.PreAPI{{Name: "Posts", Identifier: "https://p", Scopes: []string{"read:posts", "write:posts"}}},
		Clients: []target.PreClient{
			{ClientID: "fp-web", FirstParty: true, Callbacks: []string{"https://app/cb"}},
			{ClientID: "tp-open", Callbacks: []string{"https://app/cb"}, UserAPIs: []string{"Posts"}},
			{ClientID: "tp-redirect", Callbacks: []string{"https://app/cb"}, RedirectionPolicy: "allow_always"},
			{ClientID: "tp-nouser", Callbacks: []string{"https://app/cb"}, UserAPIs: []string{}},
			{ClientID: "native", FirstParty: true, AppType: "native", Callbacks: []string{"com.example.app://cb"}, SkipsConfirmation: &yes},
			{ClientID: "fp-rotating", FirstParty: true, Callbacks: []string{"https://app/cb"}, RefreshTokenRotation: true},
		},
	}
	posts := []APISpec{{Name: "Posts"}}
	for _, tc := range []struct{ kind, clauses, want string }{
		{"first-party regular web", "", "fp-web"},
		{"third-party", "", "tp-open"},
		{"strict third-party", "", "tp-open"},
		{"third-party", "with the redirection policy allow_always", "tp-redirect"},
		{"strict third-party", "without access to the API for users", "tp-nouser"},
		{"first-party native", `with the callback "com.example.app://cb" and that skips the login confirmation prompt`, "native"},
		{"first-party native", `with the callback "com.example.app://cb"`, ""}, // its client skips the prompt: not the same
		{"permissive third-party", "", ""},
		{"first-party single-page", "", ""},
		{"first-party regular web", "with the grant types \"authorization_code\"", ""}, // grant types named but not registered
		{"first-party regular web", "with refresh token rotation", "fp-rotating"},      // the one client that rotates
		{"third-party", "with refresh token rotation", ""},                             // no third-party client rotates
	} {
		spec, err := parseApp(tc.kind, tc.clauses, posts)
		if err != nil {
			t.Fatal(err)
		}
		got, why := spec.BindIn(profile)
		switch {
		case tc.want == "" && got != nil:
			t.Errorf("%s %s: bound %s, want none", tc.kind, tc.clauses, got.ClientID)
		case tc.want == "" && why == "":
			t.Errorf("%s %s: no client and no reason", tc.kind, tc.clauses)
		case tc.want != "" && (got == nil || got.ClientID != tc.want):
			t.Errorf("%s %s: bound %v (%s), want %s", tc.kind, tc.clauses, got, why, tc.want)
		}
	}
}

// "with refresh token rotation" creates the client with Auth0's rotating
// refresh_token object, no reuse interval; without it the object is left
// to the tenant's defaults.
func TestRotationClauseCreatesARotatingClient(t *testing.T) {
	spec, err := parseApp("third-party", "with refresh token rotation", nil)
	if err != nil {
		t.Fatal(err)
	}
	rt := spec.clientApp().RefreshToken
	if rt == nil || rt.RotationType != "rotating" || rt.ExpirationType != "expiring" || rt.Leeway == nil || *rt.Leeway != 0 {
		t.Errorf("refresh_token %+v, want rotating, expiring, leeway 0", rt)
	}
	if !strings.Contains(spec.String(), "refresh_token_rotation: true") {
		t.Errorf("the fixture's properties do not say it rotates: %s", spec)
	}
	plain, err := parseApp("third-party", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if rt := plain.clientApp().RefreshToken; rt != nil {
		t.Errorf("a client not asked to rotate got refresh_token %+v", rt)
	}
}

// One API name is bound with either skipping value, to different entries;
// an entry lacking a scope the scenario uses is not bound, and says why.
func TestAPIsAreBoundByNameSkippingAndScopes(t *testing.T) {
	profile := &target.Profile{APIs: []target.PreAPI{
		{Name: "Posts", Identifier: "https://plain", Scopes: []string{"read:posts"}},
		{Name: "Posts", Identifier: "https://skips", Scopes: []string{"read:posts", "write:posts"}, SkipsConsent: true},
	}}
	for _, tc := range []struct {
		clauses, scopes, want string
	}{
		{"that does not allow skipping consent", "read:posts", "https://plain"},
		{"that allows skipping consent for first-party applications", "read:posts write:posts", "https://skips"},
		{"that does not allow skipping consent", "read:posts write:posts", ""},
		{"that allows offline access", "read:posts", ""},
	} {
		spec, err := parseAPI("Posts", tc.scopes, tc.clauses)
		if err != nil {
			t.Fatal(err)
		}
		got, why := spec.BindIn(profile)
		if tc.want == "" {
			if got != nil || why == "" {
				t.Errorf("%s %s: bound %v (%q), want none with a reason", tc.clauses, tc.scopes, got, why)
			}
			continue
		}
		if got == nil || got.Identifier != tc.want {
			t.Errorf("%s %s: bound %v (%s), want %s", tc.clauses, tc.scopes, got, why, tc.want)
		}
	}
	if _, why := (APISpec{Name: "Orders"}).BindIn(profile); !strings.Contains(why, `no API named "Orders"`) {
		t.Errorf("unknown name: %q", why)
	}
}
