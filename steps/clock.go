package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/cucumber/godog"

	"github.com/consentry/consentry/steps/target"
)

func (s *Suite) registerClockSteps(sc *godog.ScenarioContext) {
	sc.Step(stepRE(`^(\d+) (second|minute|hour)s? pass(?:es)?$`), s.timePasses)
}

// timePasses moves the target's clock forward (rule T1: codes expire). Only
// the embedded mock's clock can be moved (capability clock). The clock is
// the whole mock's, shared by every scenario running on it: a scenario that
// moves it must be tagged @exclusive, so it runs alone, and the clock is
// set back when it ends.
func (s *Suite) timePasses(ctx context.Context, n int, unit string) error {
	st := getState(ctx)
	clock := st.suite.Target.Clock
	if !st.suite.Target.Has(target.CapClock) || clock == nil {
		return notApplicable("the clock of target %q cannot be moved (capability %s: only the embedded mock has it)", st.suite.Target.Profile.Name, target.CapClock)
	}
	if !st.exclusive {
		return fmt.Errorf("a scenario that moves the clock must be tagged %s so it runs alone: the clock is shared by every scenario", TagExclusive)
	}
	d := time.Duration(n) * map[string]time.Duration{"second": time.Second, "minute": time.Minute, "hour": time.Hour}[unit]
	clock.Advance(d)
	st.fixtures.Add(fmt.Sprintf("set the clock back by %s", d), func(context.Context) error {
		clock.Advance(-d)
		return nil
	})
	return nil
}
