// Package features holds the Gherkin scenarios of the consent conformance
// suite, one feature file per behaviour, each scenario tagged @rule:ID for
// the rules of shared/spec/consent-behavior.md it checks. They are embedded
// so the consentry binary runs them without the source tree.
package features

import (
	"embed"
	"io/fs"
)

//go:embed *.feature
var files embed.FS

// FS returns the feature files.
func FS() fs.FS { return files }
