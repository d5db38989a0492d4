package runner

import (
	"context"
	"fmt"
	"time"

	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/driver/browser"
	"github.com/consentry/consentry/steps/target"
)

// ErrNoBrowser is matched (errors.Is) by the error of a browser run when
// Chromium is missing; its message says how to install it.
var ErrNoBrowser = browser.ErrNotFound

// launchBrowser starts one Chromium for the run (or uses cfg.Browser);
// every scenario gets a fresh isolated browser context from it, reading
// pages with sel. The contexts are prepared ahead (a browser.Pool, one
// more than the scenarios running at once), each handed out once and
// disposed of by its scenario; no more are prepared than the run's
// scenarios (how many: scenarios) can still take, less those that ended
// without one. A missing Chromium is an error (ErrNoBrowser) whose message
// says how to install it; so is a selector that is not valid CSS, before
// any scenario runs.
func launchBrowser(ctx context.Context, cfg Config, sel driver.Selectors, scenarios int) (userAgents, error) {
	b, closeBrowser := cfg.Browser, func() {}
	if b == nil {
		var err error
		b, err = browser.Launch(ctx, browser.Options{ExecPath: cfg.ChromePath, StepTimeout: cfg.StepTimeout, Selectors: sel})
		if err != nil {
			return userAgents{}, err
		}
		closeBrowser = func() { _ = b.Close() }
	}
	if cfg.Profile != nil && cfg.Profile.Selectors != nil {
		d, err := b.NewDriverWith(ctx, sel)
		if err != nil {
			closeBrowser()
			return userAgents{}, fmt.Errorf("target profile %q: %w", cfg.Profile.Name, err)
		}
		_ = d.Close()
	}
	pool := b.NewPool(cfg.Concurrency+1, scenarios, sel, tabsFor(cfg))
	quiet := silentQuietFor(cfg)
	return userAgents{
		new: func(ctx context.Context) (driver.Driver, error) {
			d, err := pool.Get(ctx)
			if err != nil {
				return nil, err
			}
			d.SetSilentQuiet(quiet)
			return d, nil
		},
		forgo: pool.Forgo,
		close: func() { pool.Close(); closeBrowser() },
	}, nil
}

// tabsFor puts the scenarios' tabs in windows of their own, as a user's
// browser does, except for the bundled mock's pages when no report shows
// them: those draw nothing on animation frames and observers (which a
// Hidden tab never gets), and Hidden tabs cost about half the CPU. The HTML
// report's screenshots are of every page, so they are of the pages
// themselves, in windows.
func tabsFor(cfg Config) browser.Tabs {
	if bundledMock(cfg) && !cfg.CapturePages {
		return browser.Hidden
	}
	return browser.Windowed
}

// bundledMockSilentQuiet is the quiet period of silent authentication
// against the bundled mock. Its web_message page posts from its first
// script, while the frame's document is still loading, so a message it
// sends is there before the frame's load event; the 250 ms are a margin for
// the tab's own event loop under load. The one scenario of the browser
// suite that expects no message (W2, an origin not among the web origins)
// waited the default 1.5 s, last in the run, with the other workers done.
const bundledMockSilentQuiet = 250 * time.Millisecond

// silentQuietFor is how long silent authentication waits for a message
// after the frame loaded: briefly for the bundled mock, whose page is
// known, and the driver's default for every other IdP, real tenants and a
// mock by URL alike.
func silentQuietFor(cfg Config) time.Duration {
	if bundledMock(cfg) {
		return bundledMockSilentQuiet
	}
	return browser.DefaultSilentQuiet
}

// bundledMock says whether the run's target is the mock in this process
// (Auth0's tenant or Okta's org).
func bundledMock(cfg Config) bool {
	return cfg.Profile == nil || cfg.Profile.Kind == target.KindEmbedded || cfg.Profile.Kind == target.KindEmbeddedOkta
}
