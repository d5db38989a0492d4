package runner

import (
	"context"
	"fmt"

	"github.com/consentry/consentry/steps/driver"
)

// launchBrowser starts one Chromium for the run. (Wired to
// steps/driver/browser once that package lands.)
func launchBrowser(ctx context.Context, cfg Config) (func(context.Context) (driver.Driver, error), func(), error) {
	return nil, nil, fmt.Errorf("%w: the browser driver is not available in this build", ErrNoBrowser)
}
