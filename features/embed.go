// Package features holds the Gherkin scenarios of the consent conformance
// suite, one feature file per behaviour, each scenario tagged @rule:ID for
// the rules of shared/spec/consent-behavior.md it checks, and the text of
// those rules (rules.md). They are embedded so the consentry binary runs
// the scenarios and quotes the rules without the source tree.
package features

import (
	"embed"
	"io/fs"
)

//go:embed *.feature
var files embed.FS

//go:embed rules.md
var rules []byte

// FS returns the feature files.
func FS() fs.FS { return files }

// Rules returns rules.md: the spec's rules, each under a "### ID: title"
// heading, grouped in numbered sections (see the file's preamble).
func Rules() []byte { return rules }
