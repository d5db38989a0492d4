package httpua

import (
	"strings"
	"testing"

	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/driver/drivertest"
)

// The shared flow on Universal-Login-like pages (form_post included), by
// selectors alone.
func TestUniversalLogin(t *testing.T) {
	drivertest.RunUniversalLogin(t, func(t *testing.T, sel driver.Selectors) driver.Driver {
		t.Helper()
		d, err := New(Options{Selectors: sel})
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

func TestNewRejectsInvalidSelectors(t *testing.T) {
	_, err := New(Options{Selectors: driver.Selectors{ConsentPage: []string{"#ok", "form:has(ul"}}})
	if err == nil || !strings.Contains(err.Error(), "selectors.consent_page") {
		t.Fatalf("want an error naming selectors.consent_page, got %v", err)
	}
}
