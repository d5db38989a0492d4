package steps

import (
	"regexp"
	"sync"
)

// stepREs holds every step expression compiled once. godog compiles a
// string expression on each registration, and the suites register every
// step for every scenario: 19% of the HTTP suite's CPU went to compiling
// the same 200 expressions 134 times over.
var stepREs sync.Map // string -> *regexp.Regexp

// stepRE is expr compiled, from the cache. A *regexp.Regexp is safe for
// concurrent use, so every scenario shares it.
func stepRE(expr string) *regexp.Regexp {
	if re, ok := stepREs.Load(expr); ok {
		return re.(*regexp.Regexp)
	}
	re, _ := stepREs.LoadOrStore(expr, regexp.MustCompile(expr))
	return re.(*regexp.Regexp)
}
