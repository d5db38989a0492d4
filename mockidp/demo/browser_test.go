package demo_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromium starts the Chromium the project uses, with its flags (see
// steps/driver/browser), and returns a tab. CONSENTRY_BROWSER=off skips the
// test, as it turns off the browser suite; a missing Chromium fails it.
func chromium(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("CONSENTRY_BROWSER") == "off" {
		t.Skip("CONSENTRY_BROWSER=off: the demo app's Chromium test does not run")
	}
	exe := os.Getenv("CHROME_PATH")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("chromium not found at %s: install it with \"apt-get install -y chromium\" or set CHROME_PATH", exe)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(exe)}
	for _, f := range []string{"headless", "no-sandbox", "disable-gpu", "disable-background-networking",
		"disable-component-update", "disable-sync", "no-first-run"} {
		opts = append(opts, chromedp.Flag(f, true))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancel := context.WithTimeout(tctx, 90*time.Second)
	t.Cleanup(func() { cancel(); cancelTab(); cancelAlloc() })
	return ctx
}

// TestDemoAppInChromium clicks through the demo app as a newcomer would:
// first-party skip, third-party consent, decline with access_denied; each
// ends on the callback page with the code, the decoded tokens and the
// grants.
func TestDemoAppInChromium(t *testing.T) {
	e := startDemo(t)
	ctx := chromium(t)
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			loc, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("%s: %v (at %s)", what, err, loc)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	// 1. First-party app, consent skipped: login, then straight to the callback.
	run("open the demo app", chromedp.Navigate(e.issuer+"demo/"), chromedp.WaitVisible(chromedp.CSS(`[data-demo-flow="first-party-skip"]`)))
	run("start first-party-skip", chromedp.Click(chromedp.CSS(`[data-demo-flow="first-party-skip"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-prompt="login"]`)))
	run("log in", chromedp.SendKeys(chromedp.CSS(`#username`), "alice@example.com"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "Alice-demo-pass1"),
		chromedp.Click(chromedp.CSS(`button[name="action"][value="default"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-demo-access-token]`)))
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	if !strings.HasPrefix(loc, "http://app.localhost:") || !strings.Contains(loc, "/demo/callback?code=") {
		t.Fatalf("callback at %s, want the demo callback on app.localhost with a code", loc)
	}
	if code := text(`[data-demo-code]`); len(code) < 20 {
		t.Fatalf("code shown: %q", code)
	}
	if v := text(`[data-demo-verified]`); !strings.Contains(v, "nonce verified") {
		t.Fatalf("ID token check: %q", v)
	}
	if c := text(`[data-demo-id-token] [data-demo-claims]`); !strings.Contains(c, `"email": "alice@example.com"`) {
		t.Fatalf("ID token claims:\n%s", c)
	}
	if c := text(`[data-demo-access-token] [data-demo-claims]`); !strings.Contains(c, `"sub": "auth0|a11ce0000000000000000001"`) {
		t.Fatalf("access token claims:\n%s", c)
	}

	// 2. Third-party app: the consent page, then a grant on record.
	run("start third-party-consent", chromedp.Navigate(e.issuer+"demo/"),
		chromedp.Click(chromedp.CSS(`[data-demo-flow="third-party-consent"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-prompt="consent"]`)))
	run("accept", chromedp.Click(chromedp.CSS(`button[name="action"][value="accept"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-demo-grants]`)))
	if g := text(`[data-demo-grants]`); !strings.Contains(g, "tpc_demo-partner-app") || !strings.Contains(g, "read:posts write:posts") {
		t.Fatalf("grants:\n%s", g)
	}

	// 3. Decline under allow_always: back at the callback with access_denied.
	run("start decline-permissive", chromedp.Navigate(e.issuer+"demo/"),
		chromedp.Click(chromedp.CSS(`[data-demo-flow="decline-permissive"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main[data-prompt="consent"]`)))
	run("decline", chromedp.Click(chromedp.CSS(`button[name="action"][value="deny"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-demo-error]`)))
	if got := text(`[data-demo-error]`); got != "access_denied" {
		t.Fatalf("error shown: %q", got)
	}
}
