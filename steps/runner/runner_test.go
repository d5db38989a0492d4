package runner

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/target"
)

// The profile's selectors reach the HTTP driver; one it cannot use fails
// the run before any scenario, naming the key.
func TestProfileSelectorsReachTheHTTPDriver(t *testing.T) {
	p := &target.Profile{Name: "t", Kind: target.KindGeneric, Selectors: &target.Selectors{ConsentPage: target.AllOf{"form:has(ul"}}}
	_, err := driverFactory(context.Background(), Config{Profile: p, Driver: DriverHTTP}, 1)
	if err == nil || !strings.Contains(err.Error(), "selectors.consent_page") {
		t.Fatalf("want an error naming selectors.consent_page, got %v", err)
	}

	p.Selectors = &target.Selectors{ConsentPage: target.AllOf{"#consent"}, Accept: "#yes"}
	uas, err := driverFactory(context.Background(), Config{Profile: p, Driver: DriverHTTP}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer uas.close()
	d, err := uas.new(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<main id="consent"><form method="post"><button id="yes">Yes</button></form></main>`)
	}))
	defer srv.Close()
	page, err := d.Open(context.Background(), srv.URL)
	if err != nil || page.Kind != driver.KindConsent {
		t.Fatalf("a page the profile's consent_page matches: %+v, %v", page, err)
	}
}
