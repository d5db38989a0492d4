package runner

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing/fstest"

	gherkin "github.com/cucumber/gherkin/go/v26"
	messages "github.com/cucumber/messages/go/v21"
)

// Shard is one of Count equal parts of the selected scenarios (Index from
// 1). The zero value is the whole run.
type Shard struct{ Index, Count int }

// ParseShard reads "K/N" (1 <= K <= N).
func ParseShard(s string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	k, n, ok := strings.Cut(s, "/")
	ki, err1 := strconv.Atoi(strings.TrimSpace(k))
	ni, err2 := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err1 != nil || err2 != nil || ni < 1 || ki < 1 || ki > ni {
		return Shard{}, fmt.Errorf("--shard %q: want K/N with 1 <= K <= N, e.g. 2/4", s)
	}
	return Shard{ki, ni}, nil
}

func (s Shard) String() string {
	if s.Count == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// planned is one scenario (or one row of a scenario outline) a run will
// run.
type planned struct {
	URI  string
	Name string
	Line int
	Tags []string
}

// plan is what a run runs: the feature files with every scenario the tags
// or the shard leave out commented out (line numbers unchanged, so
// reports point into the real files), and the scenarios left.
type plan struct {
	fsys      fs.FS
	scenarios []planned
	// selected is how many scenarios the tags selected, before the shard.
	selected int
}

// makePlan selects the scenarios of fsys that match the tag expression,
// then the shard's part of them: every Count-th of the selected scenarios
// in file and line order, starting with the Index-th, so the shards of
// one set of features and tags never overlap, together cover it, differ
// in size by at most one, and stay the same from one machine to the next.
// An outline's rows are scenarios of their own.
func makePlan(fsys fs.FS, tags string, shard Shard) (*plan, error) {
	var files []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && path.Ext(p) == ".feature" {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(files)
	type parsed struct {
		src     []byte
		doc     *messages.GherkinDocument
		pickles []*messages.Pickle
	}
	docs := map[string]parsed{}
	var all []planned
	var keep []bool
	for _, f := range files {
		src, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, err
		}
		newID := (&messages.Incrementing{}).NewId
		doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), newID)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		pickles := gherkin.Pickles(*doc, f, newID)
		docs[f] = parsed{src, doc, pickles}
		rows := rowLines(doc)
		for _, p := range pickles {
			var tags []string
			for _, t := range p.Tags {
				tags = append(tags, t.Name)
			}
			line := rows[p.AstNodeIds[len(p.AstNodeIds)-1]]
			all = append(all, planned{URI: f, Name: p.Name, Line: line, Tags: tags})
		}
	}
	n := 0
	for _, p := range all {
		sel := matchTags(tags, p.Tags)
		if sel {
			if shard.Count > 1 && n%shard.Count != shard.Index-1 {
				sel = false
			}
			n++
		}
		keep = append(keep, sel)
	}
	out := &plan{selected: n}
	for i, p := range all {
		if keep[i] {
			out.scenarios = append(out.scenarios, p)
		}
	}
	if strings.TrimSpace(tags) == "" && shard.Count <= 1 {
		out.fsys = fsys
		return out, nil
	}
	mfs := fstest.MapFS{}
	i := 0
	for _, f := range files {
		d := docs[f]
		var dropped []int
		any := false
		for range d.pickles {
			if keep[i] {
				any = true
			} else {
				dropped = append(dropped, all[i].Line)
			}
			i++
		}
		if !any {
			continue
		}
		mfs[f] = &fstest.MapFile{Data: commentOut(d.src, d.doc, dropped), Mode: 0o444}
	}
	out.fsys = mfs
	return out, nil
}

// rowLines maps the AST id of every scenario and Examples row to its line.
func rowLines(doc *messages.GherkinDocument) map[string]int {
	lines := map[string]int{}
	for _, sc := range scenariosOf(doc) {
		lines[sc.Id] = int(sc.Location.Line)
		for _, ex := range sc.Examples {
			for _, row := range ex.TableBody {
				lines[row.Id] = int(row.Location.Line)
			}
		}
	}
	return lines
}

func scenariosOf(doc *messages.GherkinDocument) []*messages.Scenario {
	var out []*messages.Scenario
	if doc.Feature == nil {
		return nil
	}
	for _, c := range doc.Feature.Children {
		if c.Scenario != nil {
			out = append(out, c.Scenario)
		}
		if c.Rule != nil {
			for _, rc := range c.Rule.Children {
				if rc.Scenario != nil {
					out = append(out, rc.Scenario)
				}
			}
		}
	}
	return out
}

// commentOut turns the scenarios (and outline rows) at the dropped lines
// into comments: a row's own line, or a whole scenario from its first tag
// to the line before the next scenario, background or rule. An outline
// whose rows are all dropped is dropped whole.
func commentOut(src []byte, doc *messages.GherkinDocument, dropped []int) []byte {
	lines := strings.SplitAfter(string(src), "\n")
	start := func(loc *messages.Location, tags []*messages.Tag) int {
		s := int(loc.Line)
		for _, t := range tags {
			s = min(s, int(t.Location.Line))
		}
		return s
	}
	var starts []int
	for _, c := range doc.Feature.Children {
		switch {
		case c.Scenario != nil:
			starts = append(starts, start(c.Scenario.Location, c.Scenario.Tags))
		case c.Background != nil:
			starts = append(starts, int(c.Background.Location.Line))
		case c.Rule != nil:
			starts = append(starts, start(c.Rule.Location, c.Rule.Tags))
			for _, rc := range c.Rule.Children {
				if rc.Scenario != nil {
					starts = append(starts, start(rc.Scenario.Location, rc.Scenario.Tags))
				} else if rc.Background != nil {
					starts = append(starts, int(rc.Background.Location.Line))
				}
			}
		}
	}
	slices.Sort(starts)
	comment := func(from, to int) {
		for l := from; l <= to && l <= len(lines); l++ {
			lines[l-1] = "#" + lines[l-1]
		}
	}
	for _, sc := range scenariosOf(doc) {
		var rows []int
		for _, ex := range sc.Examples {
			for _, row := range ex.TableBody {
				rows = append(rows, int(row.Location.Line))
			}
		}
		whole := len(rows) == 0 && slices.Contains(dropped, int(sc.Location.Line))
		if len(rows) > 0 {
			all := true
			for _, r := range rows {
				if !slices.Contains(dropped, r) {
					all = false
				}
			}
			whole = all
			if !all {
				for _, r := range rows {
					if slices.Contains(dropped, r) {
						comment(r, r)
					}
				}
			}
		}
		if !whole {
			continue
		}
		from := start(sc.Location, sc.Tags)
		to := len(lines)
		for _, s := range starts {
			if s > from {
				to = s - 1
				break
			}
		}
		comment(from, to)
	}
	return []byte(strings.Join(lines, ""))
}
