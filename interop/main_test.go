package interop

import (
	"fmt"
	"os"
	"testing"
)

// mockBuildDir holds the mockidp binary buildMock builds once for all the
// tests of this binary.
var mockBuildDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "consentry-interop-mockidp-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "interop:", err)
		os.Exit(1)
	}
	mockBuildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
