package browser

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/driver/drivertest"
)

// The shared flow on Universal-Login-like pages (form_post included), by
// selectors alone; the browser waits for an IdP page where the mock's
// markup finds none. The tabs are Windowed, as the runner's are for every
// IdP's pages but the bundled mock's (the package's other tests use
// Hidden ones: see launch).
func TestUniversalLogin(t *testing.T) {
	t.Parallel()
	drivertest.RunUniversalLogin(t, func(t *testing.T, sel driver.Selectors) driver.Driver {
		t.Helper()
		d, err := launch(t).NewDriverTabs(t.Context(), sel, Windowed)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := d.Close(); err != nil {
				t.Error(err)
			}
		})
		if reflect.DeepEqual(sel, driver.Selectors{}) {
			// The mock's markup finds no IdP page there: the step can
			// only time out, so let it do so soon.
			d.timeout = 2 * time.Second
		}
		return d
	}, drivertest.WaitsForIdPPages())
}

func TestInvalidSelectorIsNamed(t *testing.T) {
	t.Parallel()
	_, err := launch(t).NewDriverWith(t.Context(), driver.Selectors{ErrorPage: []string{"#ok", "div[[bad"}})
	var se *SelectorError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "selectors.error_page") || !strings.Contains(err.Error(), "div[[bad") {
		t.Fatalf("want a SelectorError naming selectors.error_page, got %v", err)
	}
}
