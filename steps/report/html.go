package report

import (
	"bytes"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

//go:embed html.tmpl
var htmlFiles embed.FS

var htmlTemplate = template.Must(template.New("html.tmpl").Funcs(template.FuncMap{
	"join": strings.Join,
	"ms":   func(d time.Duration) string { return d.Round(time.Millisecond).String() },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04:05 UTC")
	},
}).ParseFS(htmlFiles, "html.tmpl"))

// HTMLOptions tune the HTML report.
type HTMLOptions struct {
	// Title heads the page (default "consentry conformance report").
	Title string
}

// HTMLFile is the page WriteHTML writes in its directory.
const HTMLFile = "index.html"

type htmlRule struct {
	RuleSummary
	Class     string
	Scenarios []htmlLink
}

type htmlLink struct {
	ID, Label, Class string
}

type htmlScenario struct {
	Result
	ID, Class string
	Open      bool
	RuleTexts []Rule
	Steps     []htmlStep
	Notes     []string
}

type htmlStep struct {
	Step
	Class string
	Items []htmlItem
}

type htmlItem struct {
	Kind  string // page, image, text, dialect, na
	Name  string
	Page  PageInfo
	Src   template.URL
	Text  string
	Label string
}

// WriteHTML writes the report as one self-contained HTML page,
// DIR/index.html: no script, style sheet, font or image is loaded from
// anywhere (screenshots are inlined), so it opens from a CI artifact
// offline. It has the runs, the rule table with each rule's text, then
// every scenario, failures first, with its steps, what each step saw (the
// pages, and in the browser their screenshots), the reason of a failure
// or of a scenario that was not applicable, and dialect mismatches apart
// from failures.
func (r *Report) WriteHTML(dir string, opts HTMLOptions) error {
	if opts.Title == "" {
		opts.Title = "consentry conformance report"
	}
	ordered := r.Ordered()
	ids := map[string]string{}
	var scenarios []htmlScenario
	for i, res := range ordered {
		s := htmlScenario{Result: res, ID: fmt.Sprintf("s%d", i+1), Class: resultClass(res),
			Open: res.Outcome == Failed || res.Checks > 0}
		ids[res.Key()] = s.ID
		for _, id := range res.Rules {
			if rule, ok := RuleByID(id); ok {
				s.RuleTexts = append(s.RuleTexts, rule)
			}
		}
		if res.Outcome != Failed {
			for _, d := range res.Dialect {
				s.Notes = append(s.Notes, DialectNote(d))
			}
		}
		for _, st := range res.Steps {
			hs := htmlStep{Step: st, Class: stepClass(st.Status)}
			for _, a := range st.Attachments {
				hs.Items = append(hs.Items, htmlItemOf(a))
			}
			s.Steps = append(s.Steps, hs)
		}
		scenarios = append(scenarios, s)
	}
	var rules []htmlRule
	var unchecked []Rule
	for _, sum := range r.Rules() {
		if sum.Checked == 0 {
			if sum.Required || sum.Pending {
				unchecked = append(unchecked, sum.Rule)
			}
			continue
		}
		hr := htmlRule{RuleSummary: sum, Class: ruleClass(sum)}
		for _, res := range ordered {
			if slices.Contains(res.Rules, sum.ID) {
				hr.Scenarios = append(hr.Scenarios, htmlLink{ID: ids[res.Key()], Label: fmt.Sprintf("%s:%d", res.Feature, res.Line), Class: resultClass(res)})
			}
		}
		rules = append(rules, hr)
	}
	data := map[string]any{
		"Title":     opts.Title,
		"Runs":      r.Runs(),
		"Count":     r.CountLine(),
		"OK":        r.OK(),
		"Failed":    r.Count(Failed),
		"Rules":     rules,
		"Unchecked": unchecked,
		"Failures":  failures(scenarios),
		"Scenarios": scenarios,
		"Generated": time.Now(),
	}
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, data); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, HTMLFile), buf.Bytes(), 0o644)
}

func failures(s []htmlScenario) []htmlLink {
	var out []htmlLink
	for _, sc := range s {
		if sc.Outcome == Failed {
			out = append(out, htmlLink{ID: sc.ID, Label: fmt.Sprintf("%s:%d %s", sc.Feature, sc.Line, sc.Title()), Class: "failed"})
		}
	}
	return out
}

func htmlItemOf(a Attachment) htmlItem {
	it := htmlItem{Name: a.Name}
	switch {
	case a.MediaType == PageMediaType:
		it.Kind = "page"
		it.Page, _ = a.Page()
	case strings.HasPrefix(a.MediaType, "image/"):
		it.Kind = "image"
		var mt string
		it.Src, mt = inlineImage(a)
		if mt == "image/jpeg" && a.MediaType != mt {
			// Named after what it holds now, not the PNG it was taken as.
			it.Name = strings.TrimSuffix(a.Name, ".png") + ".jpg"
		}
	case a.MediaType == DialectMismatchMediaType:
		it.Kind, it.Text = "dialect", DialectNote(strings.TrimSpace(string(a.Data)))
	case a.MediaType == NotApplicableMediaType:
		it.Kind, it.Text = "na", strings.TrimPrefix(string(a.Data), "not applicable: ")
	default:
		it.Kind, it.Text = "text", string(a.Data)
	}
	return it
}

// inlineImage is a data: URL of the image and the media type it holds; PNG
// screenshots become JPEG (a tenth of the size, enough to see what the
// user saw) when that is smaller.
func inlineImage(a Attachment) (template.URL, string) {
	mt, data := a.MediaType, a.Data
	if mt == "image/png" {
		if img, err := png.Decode(bytes.NewReader(data)); err == nil {
			var b bytes.Buffer
			if jpeg.Encode(&b, img, &jpeg.Options{Quality: 75}) == nil && b.Len() < len(data) {
				mt, data = "image/jpeg", b.Bytes()
			}
		}
	}
	return template.URL("data:" + mt + ";base64," + base64.StdEncoding.EncodeToString(data)), mt
}

func resultClass(r Result) string {
	switch {
	case r.Outcome == Failed:
		return "failed"
	case r.Outcome == NotApplicable && r.Checks > 0:
		return "partly"
	case r.Outcome == NotApplicable:
		return "na"
	}
	return "passed"
}

func stepClass(status string) string {
	switch status {
	case "passed":
		return "passed"
	case "skipped":
		return "na"
	}
	return "failed"
}

func ruleClass(s RuleSummary) string {
	switch {
	case s.Checked == 0:
		return "unchecked"
	case s.Failed > 0:
		return "failed"
	case s.Passed == 0 && s.PartlyChecked == 0:
		return "na"
	case s.NotApplicable > 0:
		return "partly"
	}
	return "passed"
}
