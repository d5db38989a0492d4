package runner

import (
	"bytes"
	"io"
	"sync"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/formatters"
)

// cucumberFormatName is the godog format that writes a run's cucumber
// JSON into memory. godog's own "cucumber:FILE" wraps the file in its
// colour filter, which writes one rune per write(2): for the suite's
// 850 kB report, 0.9 s of the browser suite's 4.5 CPU-s of Go (pprof). This
// format hands godog's cucumber formatter a buffer instead; the JSON is the
// same bytes.
const cucumberFormatName = "consentry-cucumber"

var (
	cucumberOnce sync.Once
	cucumbers    bySuite[*bytes.Buffer]
)

// captureCucumber makes a buffer the cucumber output of the suite named
// suiteName (from console.register); forget drops it after the run.
func captureCucumber(suiteName string) (buf *bytes.Buffer, forget func()) {
	cucumberOnce.Do(func() {
		cuke := formatters.FindFmt("cucumber")
		godog.Format(cucumberFormatName, "consentry's cucumber JSON, in memory", func(suite string, _ io.Writer) formatters.Formatter {
			w, ok := cucumbers.get(suite)
			if !ok {
				return cuke(suite, io.Discard)
			}
			return cuke(suite, w)
		})
	})
	buf = new(bytes.Buffer)
	return buf, cucumbers.put(suiteName, buf)
}
