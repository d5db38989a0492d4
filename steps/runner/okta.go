package runner

import (
	"context"
	"io/fs"
	"path"
	"strings"
	"testing/fstest"

	"github.com/cucumber/godog"

	"github.com/consentry/consentry/steps"
	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/target"
)

// A run checks one vendor's scenarios: an Okta org (kinds okta and
// embedded-okta) runs features/okta_*.feature and nothing else; every
// other target runs everything but those.

// runTarget is what a run needs of a started target of either vendor.
type runTarget interface {
	Describe() string
	Scrub(string) string
	Close()
}

// scenarioSuite registers a run's steps.
type scenarioSuite interface {
	InitializeScenario(*godog.ScenarioContext)
}

// startTarget starts the profile's target and its suite; left, when not
// nil, lists the fixtures the scenarios left on it (embedded targets).
func startTarget(ctx context.Context, cfg Config, newDriver func(context.Context) (driver.Driver, error)) (runTarget, scenarioSuite, func(context.Context) ([]string, error), error) {
	if target.IsOkta(cfg.Profile) {
		tgt, err := target.StartOkta(ctx, cfg.Profile, cfg.Start)
		if err != nil {
			return nil, nil, nil, err
		}
		suite, err := steps.NewOktaSuite(ctx, tgt, cfg.Driver, newDriver)
		if err != nil {
			tgt.Close()
			return nil, nil, nil, err
		}
		suite.StepTimeout = cfg.StepTimeout
		var left func(context.Context) ([]string, error)
		if cfg.Profile.Kind == target.KindEmbeddedOkta {
			left = suite.Leftovers
		}
		return tgt, suite, left, nil
	}
	tgt, err := target.Start(ctx, cfg.Profile, cfg.Start)
	if err != nil {
		return nil, nil, nil, err
	}
	suite, err := steps.NewSuite(ctx, tgt, cfg.Driver, newDriver)
	if err != nil {
		tgt.Close()
		return nil, nil, nil, err
	}
	suite.StepTimeout = cfg.StepTimeout
	var left func(context.Context) ([]string, error)
	if cfg.Profile.Kind == target.KindEmbedded && tgt.Mgmt != nil {
		left = func(ctx context.Context) ([]string, error) { return leftovers(ctx, tgt) }
	}
	return tgt, suite, left, nil
}

// IsOktaFeature reports whether a feature file is one of the Okta
// profile's (okta_*.feature).
func IsOktaFeature(name string) bool { return strings.HasPrefix(path.Base(name), "okta_") }

// vendorFeatures keeps the Okta features (okta) or every other one, in a
// copy of fsys's feature files; a tree it cannot read is passed on as it
// is, for makePlan to report.
func vendorFeatures(fsys fs.FS, okta bool) fs.FS {
	out := fstest.MapFS{}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".feature" || IsOktaFeature(p) != okta {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err == nil {
			out[p] = &fstest.MapFile{Data: data, Mode: 0o444}
		}
		return err
	})
	if err != nil {
		return fsys
	}
	return out
}
