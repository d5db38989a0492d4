package racetests

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) { r.TB.Fatalf(format, args...) }

// A test that starts goroutines, itself or through a helper, is named
// unless its name matches; a matching one and a plain one are not.
func TestCheckNamesTheGoroutineTestsThatDoNotMatch(t *testing.T) {
	t.Chdir("testdata/pkg")
	r := &recorder{TB: t}
	Check(r, Concurrent)
	var named []string
	for _, e := range r.errs {
		_, rest, _ := strings.Cut(e, ": ")
		name, _, _ := strings.Cut(rest, " ")
		named = append(named, name)
	}
	slices.Sort(named)
	if want := []string{"TestGoStatement", "TestHelperStartsThem"}; !slices.Equal(named, want) {
		t.Fatalf("named %v, want %v:\n%s", named, want, strings.Join(r.errs, "\n"))
	}
}

// Concurrent is the Makefile's pattern, word for word: the two are one
// rule written in two languages.
func TestConcurrentIsOneOfTheMakefilesRaceSplitTests(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		name, value, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(name) != "RACE_SPLIT_TESTS" {
			continue
		}
		alts := strings.Split(strings.ReplaceAll(strings.TrimSpace(value), "$$", "$"), "|")
		if !slices.Contains(alts, Concurrent.String()) {
			t.Fatalf("RACE_SPLIT_TESTS (%v) has no alternative %s", alts, Concurrent)
		}
		return
	}
	t.Fatal("the Makefile sets no RACE_SPLIT_TESTS")
}
