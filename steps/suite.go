// Package steps holds the step definitions of the consent conformance
// scenarios in features/. A Suite binds them to one target (the IdP) and one
// kind of user agent (browser or HTTP); InitializeScenario registers them
// with godog. All state of a scenario lives in a value carried by its
// context.Context, so scenarios run concurrently without sharing anything
// but the Suite's read-only parts.
//
// Every fixture a scenario needs (applications, APIs, users, grants, changed
// tenant settings) is created through the Management API by the scenario and
// removed when it ends. A step that needs something the target lacks ends
// the scenario as not applicable (godog's skipped status, with the reason
// attached to the step), never as passed.
package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/cucumber/godog"

	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/report"
	"github.com/consentry/consentry/steps/target"
)

// Suite is one run's configuration: the target and how to make user agents.
type Suite struct {
	// Target is the started IdP.
	Target *target.Target
	// Driver names the user agent kind for reports ("http", "browser").
	Driver string
	// NewDriver returns a fresh user agent (own cookies) for a scenario.
	NewDriver func(ctx context.Context) (driver.Driver, error)
	// StepTimeout bounds every step (default 30s).
	StepTimeout time.Duration

	provider  *oidc.Provider
	selectors driver.Selectors // the target's, with the mock's markup for keys left out
	// exclusive lets scenarios tagged @exclusive (they change tenant-wide
	// state: settings, every grant of a shared user) run alone, while all
	// others share it.
	exclusive sync.RWMutex
	// users hands out the profile's users to scenarios that need one who
	// has not consented yet (users.go).
	users *userPool
}

// NewSuite prepares a suite for a started target: it reads the IdP's
// discovery document once.
func NewSuite(ctx context.Context, t *target.Target, driverName string, newDriver func(context.Context) (driver.Driver, error)) (*Suite, error) {
	p, err := oidc.NewProvider(ctx, t.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discovery for %s: %w", t.Issuer, err)
	}
	return &Suite{Target: t, Driver: driverName, NewDriver: newDriver, provider: p, selectors: t.Profile.Selectors.Driver(), users: newUserPool(t.Profile)}, nil
}

// TagExclusive marks scenarios that change tenant-wide state (tenant
// settings, every grant of a shared test user); they run alone.
const TagExclusive = "@exclusive"

// stepScope is one step's timeout: the context the step ran in, derived
// from base, is cancelled after the step and base goes on to the next.
type stepScope struct {
	base   context.Context
	cancel context.CancelFunc
}

type stepScopeKey struct{}

// InitializeScenario registers the steps and hooks for one scenario.
func (s *Suite) InitializeScenario(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, scn *godog.Scenario) (context.Context, error) {
		st := newState(s, scn)
		if s.Target.Mgmt == nil {
			st.needs = needsOf(scn, true)
			st.missing = st.needs.Missing(s.Target.Profile)
			if st.needs.User && st.needs.Unconsented && s.Target.Profile.GrantScope != target.GrantScopeSession {
				st.pooled = s.users.pick(st.needs, s.Target.Profile)
				if st.pooled.why != "" {
					st.missing = append(st.missing, unconsentedUser+" ("+st.pooled.why+")")
				}
			}
		}
		if hasTag(scn, TagExclusive) {
			s.exclusive.Lock()
			st.release, st.exclusive = s.exclusive.Unlock, true
		} else {
			s.exclusive.RLock()
			st.release = s.exclusive.RUnlock
		}
		return withState(ctx, st), nil
	})
	sc.After(func(ctx context.Context, scn *godog.Scenario, err error) (context.Context, error) {
		st := getState(ctx)
		if st == nil {
			return ctx, nil
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*s.stepTimeout())
		defer cancel()
		cerr := st.close(cctx)
		if cerr != nil {
			cerr = errors.New(st.scrub(cerr.Error()))
		}
		return ctx, cerr
	})
	sc.StepContext().Before(func(ctx context.Context, _ *godog.Step) (context.Context, error) {
		sctx, cancel := context.WithTimeout(ctx, s.stepTimeout())
		return context.WithValue(sctx, stepScopeKey{}, &stepScope{base: ctx, cancel: cancel}), nil
	})
	sc.StepContext().After(func(ctx context.Context, step *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		out := ctx
		if scope, ok := ctx.Value(stepScopeKey{}).(*stepScope); ok {
			defer scope.cancel()
			out = scope.base
		}
		st := getState(ctx)
		if st != nil {
			for _, m := range st.takeMismatches() {
				out = godog.Attach(out, godog.Attachment{FileName: "dialect-mismatch.txt", MediaType: report.DialectMismatchMediaType, Body: []byte(st.scrub(m))})
			}
		}
		switch {
		case err != nil && errors.Is(err, godog.ErrSkip):
			reason := strings.TrimPrefix(err.Error(), godog.ErrSkip.Error()+": ")
			out = godog.Attach(out, godog.Attachment{FileName: "not-applicable.txt", MediaType: report.NotApplicableMediaType, Body: []byte(reason)})
		case status == godog.StepFailed && st != nil:
			out = st.attachFailure(out)
			if err != nil {
				err = errors.New(st.scrub(err.Error()))
			}
		}
		return out, err
	})
	s.registerDialectSteps(sc)
	s.registerFixtureSteps(sc)
	s.registerBrowseSteps(sc)
	s.registerTokenSteps(sc)
	s.registerManagementSteps(sc)
	s.registerExchangeSteps(sc)
	s.registerClockSteps(sc)
	s.registerAuth0BrowserSteps(sc)
	s.registerSilentSteps(sc)
}

func (s *Suite) stepTimeout() time.Duration {
	if s.StepTimeout > 0 {
		return s.StepTimeout
	}
	return 30 * time.Second
}

func hasTag(scn *godog.Scenario, tag string) bool {
	for _, t := range scn.Tags {
		if t.Name == tag {
			return true
		}
	}
	return false
}

// notApplicable ends a scenario as not applicable, with the reason.
func notApplicable(format string, args ...any) error {
	return fmt.Errorf("%w: not applicable: %s", godog.ErrSkip, fmt.Sprintf(format, args...))
}
