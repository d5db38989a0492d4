package report

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// htmlTestReport has a passing scenario with a dialect mismatch, then a
// failing one that saw a login and a consent page (with screenshots).
func htmlTestReport(t *testing.T) *Report {
	t.Helper()
	pageInfo := func(kind, url, text string) cukeEmb {
		b, _ := json.Marshal(PageInfo{Kind: kind, URL: url, Status: 200, Text: text, Agent: 1})
		return emb(PageMediaType, b)
	}
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ok := scenario("third-party consent is asked", 4, "C1",
		step("Given", "a strict third-party application", "passed", runInfo("", start)),
		step("Then", "the application receives a code", "passed", emb(DialectMismatchMediaType, []byte("auth0: client_id has no tpc_ prefix"))))
	bad := scenario("decline shows the error page", 12, "D1 D3",
		step("Given", "a strict third-party application", "passed", runInfo("", start)),
		step("When", "the application asks for \"read:posts\"", "passed", pageInfo("login", "https://idp.example/u/login", "Log in to Acme"), emb("image/png", pngOf(t, color.RGBA{200, 30, 30, 255}))),
		step("When", "the user logs in", "passed", pageInfo("consent", "https://idp.example/u/consent", "Acme wants to read your posts Allow Don't allow"), emb("image/png", pngOf(t, color.RGBA{30, 30, 200, 255}))),
		step("When", "the user declines consent", "failed", emb("text/plain", []byte("kind: consent\ntext: Allow Don't allow\n"))),
		step("Then", "the error page is shown", "skipped"))
	bad.Steps[3].Result.Error = "no decline button on the page (selector a#cancel)"
	return fromCuke(t, cukeFeatT{URI: "denial.feature", Name: "Denial", Elements: []cukeElemT{ok, bad}})
}

func TestHTMLReportIsOneSelfContainedPage(t *testing.T) {
	dir := t.TempDir()
	if err := htmlTestReport(t).WriteHTML(dir, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != HTMLFile {
		t.Fatalf("the report directory holds %v, want only %s", entries, HTMLFile)
	}
	page, _ := os.ReadFile(filepath.Join(dir, HTMLFile))
	html := string(page)
	for _, banned := range []string{"<script", "<link", "@import", "url("} {
		if strings.Contains(html, banned) {
			t.Errorf("the page contains %q: it must load nothing", banned)
		}
	}
	if strings.Count(html, `src="data:image/`) != 2 {
		t.Error("screenshots are not inlined")
	}
	if i, j := strings.Index(html, "decline shows the error page"), strings.Index(html, "third-party consent is asked</b>"); i < 0 || j < 0 || i > j {
		t.Error("the failed scenario does not come first")
	}
}

// Opened in Chromium, the report shows the rule table with the rules'
// text, the failed scenario first with its steps, the error, the
// screenshots of the login and consent pages, the dialect note apart from
// failures, and loads nothing from the network.
func TestHTMLReportInChromium(t *testing.T) {
	if os.Getenv("CONSENTRY_BROWSER") == "off" {
		t.Skip("CONSENTRY_BROWSER=off: the HTML report was NOT checked in Chromium")
	}
	exe := os.Getenv("CHROME_PATH")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("chromium not found at %s: install it with \"apt-get install -y chromium\" or set CHROME_PATH (CONSENTRY_BROWSER=off skips this)", exe)
	}
	dir := t.TempDir()
	if err := htmlTestReport(t).WriteHTML(dir, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(exe), chromedp.Flag("headless", true)}
	for _, f := range []string{"no-sandbox", "disable-gpu", "disable-background-networking", "disable-component-update", "disable-sync", "no-first-run"} {
		opts = append(opts, chromedp.Flag(f, true))
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+filepath.Join(dir, HTMLFile))); err != nil {
		t.Fatal(err)
	}
	type facts struct {
		Title, FirstClass, FirstTitle, D1Class, D1Text, Note, StepErr string
		ShownAfterHiding                                              int
		Shots                                                         []int
		Steps                                                         int
		Resources                                                     []string
	}
	f, err := chromedp.Run(ctx, chromedp.Evaluate[facts](`(() => {
		const q = s => document.querySelector(s);
		const first = q("details.scenario");
		return {
			Title: document.title,
			FirstClass: first.className,
			FirstTitle: first.querySelector("summary b").textContent,
			D1Class: q("#rule-D1").className,
			D1Text: q("#rule-D1 .rule-text").textContent,
			Steps: first.querySelectorAll("ol.steps > li").length,
			StepErr: q("details.scenario.failed li.failed .reason").textContent,
			Shots: Array.from(document.querySelectorAll("details.scenario.failed img.shot")).map(i => i.complete ? i.naturalWidth : -1),
			Note: q("details.scenario.passed .note.dialect").textContent,
			Resources: performance.getEntriesByType("resource").map(e => e.name),
			ShownAfterHiding: (() => {
				q("#hide-passed").click();
				return Array.from(document.querySelectorAll("details.scenario")).filter(d => d.offsetParent !== null).length;
			})(),
		};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	title, firstClass, firstTitle, d1Class, d1Text, note, stepErr, shots, steps := f.Title, f.FirstClass, f.FirstTitle, f.D1Class, f.D1Text, f.Note, f.StepErr, f.Shots, f.Steps
	if f.ShownAfterHiding != 1 {
		t.Errorf("hiding the passed scenarios leaves %d shown, want the failed one", f.ShownAfterHiding)
	}
	if title != "consentry conformance report" {
		t.Errorf("title %q", title)
	}
	if !strings.Contains(firstClass, "failed") || firstTitle != "decline shows the error page" {
		t.Errorf("first scenario %q (%s), want the failed one", firstTitle, firstClass)
	}
	if !strings.Contains(d1Class, "failed") || !strings.Contains(d1Text, "open_redirect_protection") {
		t.Errorf("rule D1 row %q: %q", d1Class, d1Text)
	}
	if steps != 5 || !strings.Contains(stepErr, "selector a#cancel") {
		t.Errorf("%d steps, error %q", steps, stepErr)
	}
	if len(shots) != 2 || shots[0] != 120 || shots[1] != 120 {
		t.Errorf("screenshots of the login and consent pages: widths %v, want two of 120", shots)
	}
	if !strings.Contains(note, "core rule holds; Auth0 wording differs: client_id has no tpc_ prefix") {
		t.Errorf("dialect note %q", note)
	}
	for _, u := range f.Resources {
		if !strings.HasPrefix(u, "file://") && !strings.HasPrefix(u, "data:") {
			t.Errorf("the report loaded %s", u)
		}
	}
}

// A PNG screenshot inlined as JPEG was still named page-consent.png: the
// name says what the data is.
func TestInlinedScreenshotIsNamedAfterItsEncoding(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 320, 200))
	for x := 0; x < 320; x++ {
		for y := 0; y < 200; y++ {
			n := uint8((x*7919 + y*104729 + x*y*31) % 251) // noise: PNG cannot squeeze it
			img.Set(x, y, color.RGBA{n, n ^ 0x5a, uint8(x + y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	it := htmlItemOf(Attachment{Name: "page-consent.png", MediaType: "image/png", Data: b.Bytes()})
	src := string(it.Src)
	if !strings.HasPrefix(src, "data:image/jpeg;base64,") {
		t.Fatalf("the screenshot is not inlined as JPEG: %.40s", src)
	}
	if it.Name != "page-consent.jpg" {
		t.Errorf("a JPEG screenshot is named %q, want page-consent.jpg", it.Name)
	}
	small := htmlItemOf(Attachment{Name: "page-login.png", MediaType: "image/png", Data: pngOf(t, color.White)})
	if strings.HasPrefix(string(small.Src), "data:image/png;") != (small.Name == "page-login.png") {
		t.Errorf("a screenshot kept as %.22s is named %q", small.Src, small.Name)
	}
}
