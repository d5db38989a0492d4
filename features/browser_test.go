package features_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/consentry/consentry/steps/driver/browser"
	"github.com/consentry/consentry/steps/runner"
)

// One Chromium serves every browser run of the package (a run gets fresh
// browser contexts from it, never another run's); TestMain closes it.
var (
	chromiumOnce sync.Once
	chromium     *browser.Browser
	chromiumErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if chromium != nil {
		if err := chromium.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close chromium:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// browserFor is the shared Chromium for a run on the browser driver, nil
// for the HTTP driver. A missing Chromium fails the test with the install
// message.
func browserFor(t *testing.T, driverName string) *browser.Browser {
	t.Helper()
	if driverName != runner.DriverBrowser {
		return nil
	}
	b, err := sharedChromium()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sharedChromium starts the package's Chromium on first use.
func sharedChromium() (*browser.Browser, error) {
	chromiumOnce.Do(func() {
		chromium, chromiumErr = browser.Launch(context.Background(), browser.Options{})
	})
	return chromium, chromiumErr
}
