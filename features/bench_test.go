package features_test

import (
	"context"
	"io"
	"os"
	"sync/atomic"
	"testing"

	"github.com/cucumber/godog"

	"github.com/consentry/consentry/features"
	"github.com/consentry/consentry/steps"
	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/driver/browser"
	"github.com/consentry/consentry/steps/driver/httpua"
	"github.com/consentry/consentry/steps/target"
)

// benchFeature is what one iteration of the suite benchmarks runs: the
// third-party consent scenarios (three outline rows and three scenarios:
// login, consent, code, token, grants), one after another.
const benchFeature = "third_party_consent.feature"

// BenchmarkSuiteScenarioHTTP is the suite's cost per scenario on the HTTP
// driver against the embedded mock, started once: fixtures through the
// Management API, pages, tokens and cleanup (ms/scenario; allocs of the
// harness and the mock, which run in this process).
func BenchmarkSuiteScenarioHTTP(b *testing.B) {
	benchSuite(b, "http", func(context.Context) (driver.Driver, error) {
		return httpua.New(httpua.Options{})
	})
}

// BenchmarkSuiteScenarioBrowser is the same in Chromium, with browser
// contexts prepared ahead as a run prepares them (the allocations are the
// Go side only; Chromium's CPU is most of the cost).
func BenchmarkSuiteScenarioBrowser(b *testing.B) {
	if os.Getenv("CONSENTRY_BROWSER") == "off" {
		b.Skip("CONSENTRY_BROWSER=off")
	}
	chromium, err := sharedChromium()
	if err != nil {
		b.Fatal(err)
	}
	pool := chromium.NewPool(2, -1, driver.Selectors{}, browser.Hidden)
	defer pool.Close()
	benchSuite(b, "browser", func(ctx context.Context) (driver.Driver, error) {
		return pool.Get(ctx)
	})
}

func benchSuite(b *testing.B, driverName string, newDriver func(context.Context) (driver.Driver, error)) {
	ctx := context.Background()
	tgt, err := target.Start(ctx, target.Embedded(), target.StartOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer tgt.Close()
	suite, err := steps.NewSuite(ctx, tgt, driverName, newDriver)
	if err != nil {
		b.Fatal(err)
	}
	var scenarios atomic.Int64
	init := func(sc *godog.ScenarioContext) {
		sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
			scenarios.Add(1)
			return ctx, nil
		})
		suite.InitializeScenario(sc)
	}
	b.ReportAllocs()
	for b.Loop() {
		status := godog.TestSuite{
			Name:                "bench",
			ScenarioInitializer: init,
			Options: &godog.Options{
				Format: "progress", Output: io.Discard, NoColors: true, Strict: true,
				FS: features.FS(), Paths: []string{benchFeature}, Concurrency: 1,
			},
		}.Run()
		if status != 0 {
			b.Fatalf("the scenarios of %s failed (godog status %d)", benchFeature, status)
		}
	}
	n := scenarios.Load()
	if n == 0 {
		b.Fatal("no scenario ran")
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(n), "ms/scenario")
	b.ReportMetric(float64(n)/float64(b.N), "scenarios/op")
}
