package runner

import (
	"context"

	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/driver/browser"
)

// ErrNoBrowser is matched (errors.Is) by the error of a browser run when
// Chromium is missing; its message says how to install it.
var ErrNoBrowser = browser.ErrNotFound

// launchBrowser starts one Chromium for the run; every scenario gets a
// fresh isolated browser context from it. A missing Chromium is an error
// (ErrNoBrowser) whose message says how to install it.
func launchBrowser(ctx context.Context, cfg Config) (func(context.Context) (driver.Driver, error), func(), error) {
	b, err := browser.Launch(ctx, browser.Options{ExecPath: cfg.ChromePath, StepTimeout: cfg.StepTimeout})
	if err != nil {
		return nil, nil, err
	}
	newDriver := func(ctx context.Context) (driver.Driver, error) {
		d, err := b.NewDriver(ctx)
		if err != nil {
			return nil, err
		}
		return d, nil
	}
	return newDriver, func() { _ = b.Close() }, nil
}
