package auth0_test

import (
	"testing"

	"github.com/consentry/consentry/mockidp/internal/racetests"
)

// make test runs this package's tests under the race detector only when
// their names say Concurrent (RACE_SPLIT_TESTS): every test that starts
// goroutines must.
func TestGoroutineTestsRunUnderTheRaceDetector(t *testing.T) {
	racetests.Check(t, racetests.Concurrent)
}
