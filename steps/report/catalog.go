package report

import (
	"bufio"
	"bytes"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Scenario is a scenario as written in a feature file.
type Scenario struct {
	Feature string // file name
	Name    string
	Line    int
	Rules   []string // rule IDs from @rule:ID tags (feature, scenario and examples tags)
	Tags    []string
	// own are the feature's and the scenario's tags; examples are the
	// outline's Examples blocks (none for a plain scenario).
	own      []string
	examples []examplesBlock
}

type examplesBlock struct {
	tags []string
	rows int
	// header is set once the block's header row was read.
	header bool
}

// Runs counts the runs of the scenario that check rule: 1 or 0 for a
// plain scenario; for an outline, its rows in the Examples blocks the rule
// applies to (a rule tagged on one Examples block checks only its rows).
// A run of the suite counts each row as a scenario: this is its count.
func (s Scenario) Runs(rule string) int {
	tag := "@rule:" + rule
	if len(s.examples) == 0 {
		if slices.Contains(s.Rules, rule) {
			return 1
		}
		return 0
	}
	n := 0
	for _, b := range s.examples {
		if slices.Contains(s.own, tag) || slices.Contains(b.tags, tag) {
			n += b.rows
		}
	}
	return n
}

// Catalog reads the scenarios of every .feature file in fsys with their
// tags, without running them. Tags on Examples blocks count for the
// outline they belong to.
func Catalog(fsys fs.FS) ([]Scenario, error) {
	var out []Scenario
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".feature" {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		out = append(out, parseScenarios(p, data)...)
		return nil
	})
	return out, err
}

func parseScenarios(file string, data []byte) []Scenario {
	var out []Scenario
	var featureTags, pending []string
	current := -1
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "@"):
			pending = append(pending, strings.Fields(line)...)
		case strings.HasPrefix(line, "Feature:"):
			featureTags, pending = pending, nil
		case strings.HasPrefix(line, "Scenario:"), strings.HasPrefix(line, "Scenario Outline:"),
			strings.HasPrefix(line, "Scenario Template:"), strings.HasPrefix(line, "Example:"):
			_, name, _ := strings.Cut(line, ":")
			tags := append(slices.Clone(featureTags), pending...)
			out = append(out, Scenario{Feature: file, Name: strings.TrimSpace(name), Line: n, Tags: tags, own: tags})
			current, pending = len(out)-1, nil
		case strings.HasPrefix(line, "Examples:"), strings.HasPrefix(line, "Scenarios:"):
			if current >= 0 {
				out[current].Tags = append(out[current].Tags, pending...)
				out[current].examples = append(out[current].examples, examplesBlock{tags: pending})
			}
			pending = nil
		case strings.HasPrefix(line, "|"):
			// A row of the current Examples block (steps, and so their
			// data tables, all come before a scenario's first block).
			if current >= 0 && len(out[current].examples) > 0 {
				b := &out[current].examples[len(out[current].examples)-1]
				if b.header {
					b.rows++
				}
				b.header = true
			}
		case strings.HasPrefix(line, "Background:"):
			pending = nil
		}
	}
	for i := range out {
		out[i].Tags = uniq(out[i].Tags)
		out[i].Rules = rulesOf(out[i].Tags)
	}
	return out
}

// rulesOf returns the rule IDs of @rule:ID tags.
func rulesOf(tags []string) []string {
	var ids []string
	for _, t := range tags {
		if id, ok := strings.CutPrefix(t, "@rule:"); ok {
			ids = append(ids, id)
		}
	}
	return uniq(ids)
}

func uniq(s []string) []string {
	var out []string
	for _, x := range s {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
