package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/mockidp/tlsca"
)

// requireChromium returns the Chromium the browser interop tests start
// ($CHROME_PATH, else Debian's /usr/bin/chromium) and fails the test when
// there is none.
func requireChromium(t *testing.T) string {
	t.Helper()
	chromium := os.Getenv("CHROME_PATH")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("chromium not found at %s: install it with \"apt-get install -y chromium\" or set CHROME_PATH (or CONSENTRY_BROWSER=off to skip on purpose)", chromium)
	}
	return chromium
}

// requireBrowserApp opens a test of a browser app (what names it in the
// skip message): it skips under CONSENTRY_SKIP_NODE_INTEROP=1 or
// CONSENTRY_BROWSER=off, saying so, needs Node, npm and Chromium, and runs
// the test in parallel with the others (each has its own mock on a
// system-chosen port, its own app origin, npm copy and Chromium profile; a
// serial test would hold back every parallel one).
func requireBrowserApp(t *testing.T, what string) (node, npm, chromium string) {
	t.Helper()
	skipNodeInterop(t)
	if os.Getenv("CONSENTRY_BROWSER") == "off" {
		t.Skipf("CONSENTRY_BROWSER=off: the %s interop test needs Chromium and did NOT run", what)
	}
	node, npm = requireNode(t)
	t.Parallel()
	return node, npm, requireChromium(t)
}

// appBrowser is a headless Chromium driving a browser app (an SPA, an
// embedded-login page) against a mock. Its failures show where the browser
// was, the page, the browser console (with the mock's cookies each request
// carried or why they were blocked) and the mock's log.
type appBrowser struct {
	t   *testing.T
	ctx context.Context
	m   *mock

	mu      sync.Mutex
	console []string
}

// appReady waits for a document of the app that no start has left yet.
var appReady = chromedp.WaitVisible(chromedp.CSS(`html:not([data-left]) p#status[data-ready]`))

// startAppBrowser starts Chromium trusting exactly the keys in pins, with a
// profile in dir that allows third-party cookies: headless Chromium blocks
// them by default, the browsers most people run (Chrome, Edge) do not, and
// silent and cross-origin authentication in a cross-site iframe depend on
// them (W5). The browser stops when the test ends.
func startAppBrowser(t *testing.T, ctx context.Context, chromium, dir string, pins []string, m *mock) *appBrowser {
	t.Helper()
	profile := filepath.Join(dir, "chromium-profile")
	prefs := `{"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": false}}`
	if err := os.MkdirAll(filepath.Join(profile, "Default"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(profile, "Default", "Preferences"), []byte(prefs), 0o644); err != nil {
		t.Fatal(err)
	}
	alloc, allocCancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("ignore-certificate-errors-spki-list", strings.Join(pins, ",")),
	)
	t.Cleanup(allocCancel)
	bctx, bcancel := chromedp.NewContext(alloc)
	t.Cleanup(bcancel)
	b := &appBrowser{t: t, ctx: bctx, m: m}
	if err := chromedp.Listen(bctx, b.record); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return b
}

// record keeps the console lines, exceptions and the mock's cookies.
func (b *appBrowser) record(ev any) {
	var line string
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range e.Args {
			parts = append(parts, string(a.Value))
		}
		line = string(e.Type) + ": " + strings.Join(parts, " ")
	case *runtime.EventExceptionThrown:
		if e.ExceptionDetails != nil {
			line = "exception: " + e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				line += " " + e.ExceptionDetails.Exception.Description
			}
		}
	case *network.EventRequestWillBeSentExtraInfo:
		// Which cookies went to the mock, and why others did not: the
		// diagnosis of a failed silent authentication.
		var parts []string
		for _, c := range e.AssociatedCookies {
			if c.Cookie != nil && strings.HasPrefix(c.Cookie.Name, "mockidp_") {
				parts = append(parts, fmt.Sprintf("%s blocked=%v", c.Cookie.Name, c.BlockedReasons))
			}
		}
		if len(parts) > 0 {
			line = "cookies: " + strings.Join(parts, ", ")
		}
	}
	if line != "" {
		b.mu.Lock()
		b.console = append(b.console, line)
		b.mu.Unlock()
	}
}

// fail ends the test with what the browser saw.
func (b *appBrowser) fail(format string, args ...any) {
	b.t.Helper()
	where, _ := chromedp.Run(b.ctx, chromedp.Location())
	if text, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.documentElement.outerHTML`)); err == nil {
		where += "\n" + truncate(text, 2000)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.t.Fatalf("%s\n--- browser at %s; console ---\n%s\n--- mock log ---\n%s",
		fmt.Sprintf(format, args...), where, strings.Join(b.console, "\n"), b.m.log.String())
}

// step runs actions within 30 s.
func (b *appBrowser) step(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	sctx, scancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer scancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		b.fail("%s: %v", what, err)
	}
}

// location is the address the browser is at.
func (b *appBrowser) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.fail("location: %v", err)
	}
	return loc
}

// start runs one of the app's functions that navigates away.
func (b *appBrowser) start(expr string) {
	b.t.Helper()
	b.step("wait for the app before "+expr, appReady)
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[json.RawMessage](`document.documentElement.dataset.left = ""; void `+expr)); err != nil {
		b.fail("%s: %v", expr, err)
	}
}

// appCall runs one of the app's functions and decodes its result.
func appCall[T any](b *appBrowser, expr string) T {
	b.t.Helper()
	b.step("wait for the app before "+expr, appReady)
	sctx, scancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer scancel()
	raw, err := chromedp.Run(sctx, chromedp.Evaluate[json.RawMessage](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.fail("%s: %v", expr, err)
	}
	var res T
	if err := json.Unmarshal(raw, &res); err != nil {
		b.fail("%s: %v in %s", expr, err, raw)
	}
	return res
}

// appOrigin makes a browser app's own HTTPS origin: a local CA with a
// certificate for localhost, a listener on a system-chosen port and the
// origin it will answer on (https://localhost:<port>).
func appOrigin(t *testing.T) (appCA *tlsca.CA, ln net.Listener, origin string) {
	t.Helper()
	appCA, err := tlsca.New([]string{"localhost"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return appCA, ln, fmt.Sprintf("https://localhost:%d", ln.Addr().(*net.TCPAddr).Port)
}

// browserAppHandler serves a browser app from its npm work directory: each
// of files (URL path to file), its configuration script as /config.js, and
// its index.html, uncached, for every other route.
func browserAppHandler(work, config string, files map[string]string) http.Handler {
	mux := http.NewServeMux()
	for path, file := range files {
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, file) })
	}
	mux.HandleFunc("GET /config.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = w.Write([]byte(config))
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		http.ServeFile(w, r, filepath.Join(work, "index.html"))
	})
	return mux
}

// stopProcess stops a started child: an interrupt, then a kill if it has
// not exited (exited closed) within 5 seconds; it returns once it has.
func stopProcess(cmd *exec.Cmd, exited <-chan struct{}) {
	_ = cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}
