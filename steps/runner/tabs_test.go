package runner

import (
	"testing"

	"github.com/consentry/consentry/steps/driver/browser"
	"github.com/consentry/consentry/steps/target"
)

// Only the bundled mock's pages, with no report showing them, run in
// Hidden tabs: every other IdP's pages get windows, as in a user's browser
// (animation frames, observers, exact screenshots).
func TestTabsAreHiddenOnlyForTheBundledMock(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
		want browser.Tabs
	}{
		{"no profile (embedded)", Config{}, browser.Hidden},
		{"embedded", Config{Profile: target.Embedded()}, browser.Hidden},
		{"embedded-okta", Config{Profile: &target.Profile{Kind: target.KindEmbeddedOkta}}, browser.Hidden},
		{"embedded with the HTML report", Config{Profile: target.Embedded(), CapturePages: true}, browser.Windowed},
		{"a mock by URL", Config{Profile: &target.Profile{Kind: target.KindURL}}, browser.Windowed},
		{"auth0", Config{Profile: &target.Profile{Kind: target.KindAuth0}}, browser.Windowed},
		{"okta", Config{Profile: &target.Profile{Kind: target.KindOkta}}, browser.Windowed},
		{"generic", Config{Profile: &target.Profile{Kind: target.KindGeneric}}, browser.Windowed},
	} {
		if got := tabsFor(c.cfg); got != c.want {
			t.Errorf("%s: tabs %d, want %d", c.name, got, c.want)
		}
	}
}
