package features_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"testing/fstest"

	"github.com/consentry/consentry/steps/runner"
)

// forgoFeature has three scenarios that never open a user agent (client
// credentials) before two that do (a login and a consent page).
const forgoFeature = `@token
Feature: contexts only for the scenarios that ask

  Background:
    Given an API "Reports" with the scopes "read:reports write:reports"

  @rule:T2
  Scenario: first back-channel scenario
    Given a first-party machine-to-machine application with a client grant for the API with the scopes "read:reports write:reports"
    When the application asks for a client credentials token for the API
    Then the access token has the scopes "read:reports write:reports"

  @rule:T2
  Scenario: second back-channel scenario
    Given a first-party machine-to-machine application with a client grant for the API with the scopes "read:reports"
    When the application asks for a client credentials token for the API with the scopes "read:reports write:reports"
    Then the access token has the scopes "read:reports"

  @rule:T2
  Scenario: third back-channel scenario
    Given a first-party machine-to-machine application with a client grant for the API with the scopes "read:reports write:reports"
    When the application asks for a client credentials token for the API with the scopes "read:reports"
    Then the access token has the scopes "read:reports"

  @rule:C1
  Scenario: first browser scenario
    Given a strict third-party application
    And a user
    When the application asks for "read:reports"
    And the user logs in
    Then the consent page is shown
    When the user accepts consent
    Then the application receives an authorization code

  @rule:C1
  Scenario: second browser scenario
    Given a strict third-party application
    And a user
    When the application asks for "read:reports write:reports"
    And the user logs in
    Then the consent page is shown
`

// A browser run prepares browser contexts ahead (one more than it runs
// scenarios at once) but no more than its scenarios take: each scenario
// that ends without a user agent gives its share back (the pool's Forgo,
// from the runner's After hook). Here the three back-channel scenarios
// come first, so the two contexts prepared at the start are the only ones
// the run may open; without the give-back, each of the two browser
// scenarios would have the pool prepare one more, closed unused at the end.
func TestBrowserRunOpensOnlyTheContextsItsScenariosTake(t *testing.T) {
	if os.Getenv("CONSENTRY_BROWSER") == "off" {
		t.Skip("CONSENTRY_BROWSER=off: real-browser tests are skipped")
	}
	b := browserFor(t, runner.DriverBrowser)
	before := b.DriversOpened()
	var out bytes.Buffer
	res, err := runner.Run(context.Background(), runner.Config{
		Driver: runner.DriverBrowser, Browser: b, Concurrency: 1, Output: &out, NoColors: true,
		Features: fstest.MapFS{"forgo.feature": {Data: []byte(forgoFeature)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || len(res.Report.Results) != 5 {
		t.Fatalf("the run: OK %v, %d scenarios, want 5 passed:\n%s", res.OK(), len(res.Report.Results), out.String())
	}
	if opened := b.DriversOpened() - before; opened != 2 {
		t.Errorf("the run opened %d browser contexts for its 2 browser scenarios, want 2", opened)
	}
}
