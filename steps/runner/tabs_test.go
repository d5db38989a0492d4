package runner

import (
	"testing"
	"time"

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

// Silent authentication waits briefly for a message only on the bundled
// mock, whose page posts before its frame's load event; every other IdP
// gets the driver's default, a mock by URL included.
func TestSilentQuietIsShortOnlyForTheBundledMock(t *testing.T) {
	for _, c := range []struct {
		name string
		cfg  Config
		want time.Duration
	}{
		{"no profile (embedded)", Config{}, bundledMockSilentQuiet},
		{"embedded", Config{Profile: target.Embedded()}, bundledMockSilentQuiet},
		{"embedded with the HTML report", Config{Profile: target.Embedded(), CapturePages: true}, bundledMockSilentQuiet},
		{"embedded-okta", Config{Profile: &target.Profile{Kind: target.KindEmbeddedOkta}}, bundledMockSilentQuiet},
		{"a mock by URL", Config{Profile: &target.Profile{Kind: target.KindURL}}, browser.DefaultSilentQuiet},
		{"auth0", Config{Profile: &target.Profile{Kind: target.KindAuth0}}, browser.DefaultSilentQuiet},
		{"okta", Config{Profile: &target.Profile{Kind: target.KindOkta}}, browser.DefaultSilentQuiet},
		{"generic", Config{Profile: &target.Profile{Kind: target.KindGeneric}}, browser.DefaultSilentQuiet},
	} {
		if got := silentQuietFor(c.cfg); got != c.want {
			t.Errorf("%s: quiet %s, want %s", c.name, got, c.want)
		}
	}
	if bundledMockSilentQuiet >= browser.DefaultSilentQuiet {
		t.Errorf("the bundled mock's quiet period %s is not shorter than the default %s", bundledMockSilentQuiet, browser.DefaultSilentQuiet)
	}
}
