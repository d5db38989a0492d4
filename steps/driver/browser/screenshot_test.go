package browser

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/steps/driver"
)

// pagePainted serves a page whose top block is red by its style sheet and
// green once its script has run: what the tab shows. The script paints the
// block blue where the block says it was painted already, which is the
// case in a copy of the document: a copy that ran the page's scripts again
// would be blue.
func pagePainted(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/style.css" {
			w.Header().Set("Content-Type", "text/css")
			fmt.Fprint(w, `#block { background: rgb(200, 0, 0); height: 300px; }`)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><head><title>painted</title>
<link rel="stylesheet" href="style.css"></head>
<body style="margin: 0"><div id="block"></div>
<script>
const block = document.getElementById('block');
block.style.background = block.dataset.painted ? 'blue' : 'rgb(0, 160, 0)';
block.dataset.painted = 'yes';
</script></body></html>`)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func pixel(t *testing.T, data []byte, x, y int) color.RGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); int64(b.Dx()) != tabSize.Width || int64(b.Dy()) != tabSize.Height {
		t.Errorf("screenshot is %dx%d, want the tab's %dx%d", b.Dx(), b.Dy(), tabSize.Width, tabSize.Height)
	}
	r, g, b, a := img.At(x, y).RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

// A hidden tab draws nothing, so its screenshot is of a copy of its
// document: the copy must show what the tab shows (the page's style sheet,
// the DOM as the page's script left it) and run none of the page's scripts
// or refreshes. A Windowed tab is shot itself; both agree.
func TestScreenshotShowsThePage(t *testing.T) {
	t.Parallel()
	srv := pagePainted(t)
	b := launch(t)
	for _, tabs := range []Tabs{Hidden, Windowed} {
		t.Run(fmt.Sprintf("tabs=%d", tabs), func(t *testing.T) {
			d, err := b.NewDriverTabs(t.Context(), driver.Selectors{}, tabs)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if _, err := chromedp.Call(d.ctx, page.Navigate, page.NavigateParams{URL: srv.URL + "/"}); err != nil {
				t.Fatal(err)
			}
			if _, err := chromedp.Run(d.ctx, chromedp.Evaluate[bool](loadedJS, chromedp.EvalAwaitPromise)); err != nil {
				t.Fatal(err)
			}
			shot, err := d.Screenshot(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if got, want := pixel(t, shot, 400, 100), (color.RGBA{0, 160, 0, 255}); got != want {
				t.Errorf("the block is %v in the screenshot, want the green the page's script painted, %v", got, want)
			}
			if d.hidden != (tabs == Hidden) {
				t.Errorf("hidden = %v with tabs = %d", d.hidden, tabs)
			}
		})
	}
}
