package runner

import (
	"testing"
	"time"

	"github.com/consentry/consentry/steps/driver/browser"
	"github.com/consentry/consentry/steps/target"
)

// Only the bundled mock's pages, with no report showing them, run in
// Hidden tabs: every other IdP's pages get windows, as in a user's browser
// (animation frames, observers, exact screenshots). Silent authentication
// waits briefly for a message only on the bundled mock, whose page posts
// before its frame's load event; every other IdP gets the driver's
// default, a mock by URL included.
func TestOnlyTheBundledMockGetsHiddenTabsAndAShortQuietPeriod(t *testing.T) {
	const short, long = bundledMockSilentQuiet, browser.DefaultSilentQuiet
	for _, c := range []struct {
		name  string
		cfg   Config
		tabs  browser.Tabs
		quiet time.Duration
	}{
		{"no profile (embedded)", Config{}, browser.Hidden, short},
		{"embedded", Config{Profile: target.Embedded()}, browser.Hidden, short},
		{"embedded-okta", Config{Profile: &target.Profile{Kind: target.KindEmbeddedOkta}}, browser.Hidden, short},
		{"embedded with the HTML report", Config{Profile: target.Embedded(), CapturePages: true}, browser.Windowed, short},
		{"a mock by URL", Config{Profile: &target.Profile{Kind: target.KindURL}}, browser.Windowed, long},
		{"auth0", Config{Profile: &target.Profile{Kind: target.KindAuth0}}, browser.Windowed, long},
		{"okta", Config{Profile: &target.Profile{Kind: target.KindOkta}}, browser.Windowed, long},
		{"generic", Config{Profile: &target.Profile{Kind: target.KindGeneric}}, browser.Windowed, long},
	} {
		if got := tabsFor(c.cfg); got != c.tabs {
			t.Errorf("%s: tabs %d, want %d", c.name, got, c.tabs)
		}
		if got := silentQuietFor(c.cfg); got != c.quiet {
			t.Errorf("%s: quiet period %s, want %s", c.name, got, c.quiet)
		}
	}
	if short >= long {
		t.Errorf("the bundled mock's quiet period %s is not shorter than the default %s", short, long)
	}
}
