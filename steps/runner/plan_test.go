package runner

import (
	"bytes"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	gherkin "github.com/cucumber/gherkin/go/v26"
	messages "github.com/cucumber/messages/go/v21"

	"github.com/consentry/consentry/features"
)

// A malformed tag expression is one line naming the problem (godog's
// parser panics on some); an unknown rule is named; good ones pass.
func TestValidateTags(t *testing.T) {
	for expr, want := range map[string]string{
		"@rule:C6 &&":       "an && has nothing on one side",
		"&& @consent":       "an && has nothing on one side",
		"@rule:C1,":         "a ',' has nothing on one side",
		"@a and @b":         `"@a and @b" is not one tag`,
		"not @exclusive":    "is not one tag",
		"(@a)":              `"(@a)" is not a tag`,
		"@rule:C1,@rule:Q7": "the spec has no rule Q7",
		"~@rule:ZZ":         "the spec has no rule ZZ",
	} {
		err := ValidateTags(expr)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: %v, want one line with %q", expr, err, want)
		}
	}
	for _, expr := range []string{"", "@rule:C6", "@rule:C1,@rule:C2 && ~@exclusive", "rule:C6", "@consent && ~@rule:C8", "@rule:W1", "@rule:O12"} {
		if err := ValidateTags(expr); err != nil {
			t.Errorf("%q: %v", expr, err)
		}
	}
}

func TestMatchTagsHasGodogsSemantics(t *testing.T) {
	tags := []string{"@consent", "@rule:C1"}
	for expr, want := range map[string]bool{
		"":                        true,
		"@consent":                true,
		"consent":                 true,
		"@denial":                 false,
		"@denial,@rule:C1":        true,
		"@consent && ~@rule:C1":   false,
		"@consent && ~@exclusive": true,
		"~@consent,@rule:C1":      true,
	} {
		if got := matchTags(expr, tags); got != want {
			t.Errorf("%q: %v, want %v", expr, got, want)
		}
	}
}

// picklesOf parses the plan's features as godog does and lists what runs.
func picklesOf(t *testing.T, fsys fs.FS) []string {
	t.Helper()
	var out []string
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".feature") {
			return err
		}
		src, _ := fs.ReadFile(fsys, p)
		newID := (&messages.Incrementing{}).NewId
		doc, err := gherkin.ParseGherkinDocument(bytes.NewReader(src), newID)
		if err != nil {
			return fmt.Errorf("%s no longer parses: %w", p, err)
		}
		lines := rowLines(doc)
		for _, pk := range gherkin.Pickles(*doc, p, newID) {
			out = append(out, fmt.Sprintf("%s:%d", p, lines[pk.AstNodeIds[len(pk.AstNodeIds)-1]]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The shards of a run never overlap, together cover every selected
// scenario (outline rows one by one), differ in size by at most one, and
// are the same every time; godog sees exactly the shard's scenarios, at
// their real lines.
func TestShardsPartitionTheSelectedScenarios(t *testing.T) {
	whole, err := makePlan(features.FS(), "", Shard{})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, s := range whole.scenarios {
		all = append(all, fmt.Sprintf("%s:%d", s.URI, s.Line))
	}
	if got := picklesOf(t, whole.fsys); !slices.Equal(got, all) {
		t.Fatalf("the whole plan runs %d scenarios, the features have %d", len(got), len(all))
	}
	for _, tags := range []string{"", "@consent,@denial"} {
		var union []string
		sizes := map[int]bool{}
		for k := 1; k <= 4; k++ {
			p, err := makePlan(features.FS(), tags, Shard{k, 4})
			if err != nil {
				t.Fatal(err)
			}
			again, _ := makePlan(features.FS(), tags, Shard{k, 4})
			var mine []string
			for _, s := range p.scenarios {
				mine = append(mine, fmt.Sprintf("%s:%d", s.URI, s.Line))
			}
			var twice []string
			for _, s := range again.scenarios {
				twice = append(twice, fmt.Sprintf("%s:%d", s.URI, s.Line))
			}
			if !slices.Equal(mine, twice) {
				t.Errorf("shard %d/4 is not stable", k)
			}
			if got := picklesOf(t, p.fsys); !slices.Equal(got, mine) {
				t.Errorf("shard %d/4 (tags %q): godog would run %v, the plan says %v", k, tags, got, mine)
			}
			sizes[len(mine)] = true
			union = append(union, mine...)
		}
		sel, _ := makePlan(features.FS(), tags, Shard{})
		if len(union) != len(sel.scenarios) {
			t.Errorf("tags %q: the shards hold %d scenarios, the selection %d", tags, len(union), len(sel.scenarios))
		}
		slices.Sort(union)
		if len(slices.Compact(union)) != len(sel.scenarios) {
			t.Errorf("tags %q: shards overlap", tags)
		}
		if len(sizes) > 2 {
			t.Errorf("tags %q: shard sizes %v", tags, sizes)
		}
	}
}

// Rows of one outline can land in different shards; a scenario left out
// is commented out whole, tags and docstrings included.
func TestCommentOutKeepsLinesAndDropsWholeScenarios(t *testing.T) {
	src := `@f
Feature: x

  Background:
    Given a

  @rule:C1
  Scenario: one
    Given b
    """
    Scenario: not a scenario
    """

  @rule:C2
  Scenario Outline: two
    Given <v>

    Examples:
      | v |
      | 1 |
      | 2 |
      | 3 |

  @rule:C3
  Scenario: three
    Given c
`
	fsys := fstest.MapFS{"x.feature": {Data: []byte(src)}}
	p, err := makePlan(fsys, "", Shard{2, 2})
	if err != nil {
		t.Fatal(err)
	}
	got := picklesOf(t, p.fsys)
	if want := []string{"x.feature:20", "x.feature:22"}; !slices.Equal(got, want) {
		t.Fatalf("shard 2/2 runs %v, want %v", got, want)
	}
	out, _ := fs.ReadFile(p.fsys, "x.feature")
	if strings.Count(string(out), "\n") != strings.Count(src, "\n") {
		t.Error("line count changed")
	}
	if p, _ = makePlan(fsys, "@rule:C2", Shard{}); len(picklesOf(t, p.fsys)) != 3 {
		t.Errorf("tags: %v", picklesOf(t, p.fsys))
	}
}

func TestParseShardAndRate(t *testing.T) {
	if s, err := ParseShard("2/4"); err != nil || s != (Shard{2, 4}) {
		t.Errorf("2/4: %v %v", s, err)
	}
	for _, bad := range []string{"0/4", "5/4", "2", "a/b", "2/0"} {
		if _, err := ParseShard(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if r, err := ParseRate("10/m"); err != nil || r.N != 10 || r.Per.Minutes() != 1 {
		t.Errorf("10/m: %v %v", r, err)
	}
	if r, err := ParseRate("1/5s"); err != nil || r.N != 1 || r.Per.Seconds() != 5 {
		t.Errorf("1/5s: %v %v", r, err)
	}
	for _, bad := range []string{"10", "0/m", "x/m", "10/fortnight"} {
		if _, err := ParseRate(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseFormats(t *testing.T) {
	con, outs, err := ParseFormats("pretty,junit:a.xml,html:dir,cucumber:c.json")
	if err != nil || con != FormatPretty || len(outs) != 3 {
		t.Fatalf("%q %v %v", con, outs, err)
	}
	for list, want := range map[string]string{
		"xml":               `unknown format "xml" (formats: progress, pretty, junit:FILE, cucumber:FILE, html:DIR)`,
		"html":              "html needs a directory",
		"progress,pretty":   "choose one of progress and pretty",
		"progress:file.txt": "takes no file",
	} {
		if _, _, err := ParseFormats(list); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", list, err, want)
		}
	}
}

// Pages in reports never show a credential: codes and tokens in a
// callback's query or fragment are redacted.
func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://app.example.com/cb?code=abc123&state=s1":         "https://app.example.com/cb?code=[redacted]&state=s1",
		"https://app.example.com/cb#access_token=tok&state=s1":    "https://app.example.com/cb#access_token=[redacted]&state=s1",
		"http://127.0.0.1:8080/u/login?state=xyz":                 "http://127.0.0.1:8080/u/login?state=xyz",
		"com.example.app://callback?error=access_denied&state=s2": "com.example.app://callback?error=access_denied&state=s2",
	} {
		if got := redactURL(in); got != want {
			t.Errorf("%s: %s, want %s", in, got, want)
		}
	}
}
