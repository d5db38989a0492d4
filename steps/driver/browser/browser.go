// Package browser is the user agent that drives an IdP's pages in a real
// Chromium through the DevTools protocol (chromedp). One Browser (one Chromium
// process) serves a whole test run; each scenario gets its own Driver, a fresh
// browser context with its own cookies, that implements driver.Driver.
//
// The driver reads pages from the DOM with CSS selectors (by default the
// data-prompt contract of the mock's pages; see driver.Selectors) and
// captures navigations to the client's redirect_uri with the Fetch domain,
// so a callback is never loaded: not for a host that does not exist,
// not for a loopback port with nothing listening, and not for a custom scheme
// such as com.example.app://callback, which Chromium would never request.
// A captured callback is never loaded, so its Status is that of the response
// that led there: the 3xx whose Location was the callback, the 200 of the
// page whose form posted to it (response_mode=form_post), or 0 when it was
// reached otherwise (opened directly, or by a script). The tab shows a small
// stand-in page instead.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/steps/driver"
)

// DefaultExecPath is where Debian's chromium lives. CHROME_PATH overrides it.
const DefaultExecPath = "/usr/bin/chromium"

// DefaultStepTimeout bounds one Open, Login, Accept or Decline.
const DefaultStepTimeout = 15 * time.Second

// Options configure Launch. The zero value is a headless Chromium at
// $CHROME_PATH or /usr/bin/chromium with a 15s step timeout.
type Options struct {
	// ExecPath is the Chromium executable. Empty: $CHROME_PATH, else
	// /usr/bin/chromium.
	ExecPath string
	// StepTimeout bounds each step (Open, Login, Accept, Decline,
	// Screenshot); the start of Chromium and of a driver get twice as long.
	// Zero: 15s.
	StepTimeout time.Duration
	// Headless runs Chromium without a window. Nil means true; a visible
	// window (new(false)) needs a display and is only for local debugging.
	Headless *bool
	// Selectors read the IdP's pages in every driver of this browser
	// (NewDriverWith overrides them); empty fields mean the mock's markup.
	Selectors driver.Selectors
	// Tabs is where NewDriver and NewDriverWith put a driver's tab: in a
	// window of its own (Windowed, the zero value) or Hidden.
	Tabs Tabs
}

// Tabs chooses where a driver's tab lives.
type Tabs int

const (
	// Windowed gives each tab a window of its own, as a user's browser
	// does: the page gets animation frames and screenshots are of the tab
	// itself.
	Windowed Tabs = iota
	// Hidden tabs have no window (Target.createTarget hidden), which costs
	// about half the CPU of a scenario, but Chromium draws nothing for
	// them: requestAnimationFrame, ResizeObserver, IntersectionObserver and
	// CSS transition events never fire, and a screenshot is of a copy of
	// the tab's document (see Driver.Screenshot). The runner uses them for
	// the bundled mock's pages only, which need none of these.
	Hidden
)

func (o Options) withDefaults() Options {
	if o.ExecPath == "" {
		o.ExecPath = os.Getenv("CHROME_PATH")
	}
	if o.ExecPath == "" {
		o.ExecPath = DefaultExecPath
	}
	if o.StepTimeout <= 0 {
		o.StepTimeout = DefaultStepTimeout
	}
	return o
}

func (o Options) headless() bool { return o.Headless == nil || *o.Headless }

// ErrNotFound is matched (errors.Is) by the error Launch returns when the
// Chromium executable is missing.
var ErrNotFound = errors.New("chromium not found")

// NotFoundError says where Chromium was looked for and how to get it.
type NotFoundError struct{ Path string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("chromium not found at %s: install it with \"apt-get install -y chromium\" or set CHROME_PATH", e.Path)
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Browser is one Chromium process. It is safe for concurrent use.
type Browser struct {
	opts Options

	allocCancel context.CancelFunc
	ctx         context.Context // chromedp context that owns the process
	cancel      context.CancelFunc
	output      *tailBuffer

	opened atomic.Int64 // drivers opened (see DriversOpened)

	closeOnce sync.Once
	closeErr  error
}

// noFeatures are the Chromium features the harness turns off (see flags).
const noFeatures = "WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup,site-per-process,IsolateOrigins"

// flags are the Chromium switches, exactly. The allocator adds
// --remote-debugging-pipe, a fresh temporary --user-data-dir (removed when
// the browser exits) and the first URL, about:blank.
func flags(o Options) []chromedp.ExecAllocatorOption {
	var fs []chromedp.ExecAllocatorOption
	if o.headless() {
		fs = append(fs, chromedp.Flag("headless", true))
	}
	for _, name := range []string{
		"no-sandbox",
		"disable-gpu",
		"disable-background-networking",
		"disable-component-update",
		"disable-sync",
		"no-first-run",
		"disable-quic",
		"disable-site-isolation-trials",
	} {
		fs = append(fs, chromedp.Flag(name, true))
	}
	// Chromium preloads the WebUI omnibox popups of each window: two
	// renderer processes a window that nothing ever shows. The harness
	// never types in an address bar, so turning them off changes nothing a
	// page can see. (Hidden tabs have no window at all.)
	//
	// Site isolation (site-per-process, IsolateOrigins) puts each site of a
	// tab in a renderer process of its own: with the mock, the client's
	// origin and about:blank, about four processes a scenario, and a
	// process costs about 100 ms of CPU to start. Without it a tab keeps
	// one renderer process for its life. The state a scenario must not
	// share (cookies, storage, cache) is its browser context's, which no
	// other context's process can read either way; pages see no
	// difference (their origins, cookies and frames are the same).
	fs = append(fs, chromedp.Flag("disable-features", noFeatures))
	return fs
}

// Launch starts Chromium. ctx bounds the start only: the browser runs until
// Close. A missing executable is an error (NotFoundError), never a skip.
func Launch(ctx context.Context, opts Options) (*Browser, error) {
	opts = opts.withDefaults()
	if err := checkExecutable(opts.ExecPath); err != nil {
		return nil, err
	}

	out := &tailBuffer{max: 16 << 10}
	allocOpts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(opts.ExecPath),
		chromedp.CombinedOutput(out),
	}, flags(opts)...)

	base := context.WithoutCancel(ctx)
	allocCtx, allocCancel := chromedp.NewExecAllocator(base, allocOpts...)
	bctx, cancel := chromedp.NewContext(allocCtx)

	// Abort the start if ctx ends or it takes too long, but do not tie the
	// browser's life to ctx.
	limit := 2 * opts.StepTimeout
	stop := context.AfterFunc(ctx, cancel)
	timer := time.AfterFunc(limit, cancel)
	err := chromedp.Do(bctx)
	late := !timer.Stop()
	stop()
	if err == nil && bctx.Err() != nil {
		err = bctx.Err()
	}
	if err != nil {
		cancel()
		allocCancel()
		switch {
		case ctx.Err() != nil:
			err = ctx.Err()
		case late:
			err = fmt.Errorf("not ready within %s (%v)", limit, err)
		}
		msg := fmt.Sprintf("start chromium at %s: %v", opts.ExecPath, err)
		if tail := strings.TrimSpace(out.String()); tail != "" {
			msg += "\nchromium said:\n" + tail
		}
		return nil, errors.New(msg)
	}
	return &Browser{
		opts:        opts,
		allocCancel: allocCancel,
		ctx:         bctx,
		cancel:      cancel,
		output:      out,
	}, nil
}

// checkExecutable returns a NotFoundError unless path names an executable
// file (a bare name is looked up in PATH).
func checkExecutable(path string) error {
	p := path
	if !strings.Contains(path, "/") {
		lp, err := exec.LookPath(path)
		if err != nil {
			return &NotFoundError{Path: path}
		}
		p = lp
	}
	fi, err := os.Stat(p)
	if err != nil || fi.IsDir() || fi.Mode().Perm()&0o111 == 0 {
		return &NotFoundError{Path: path}
	}
	return nil
}

// DriversOpened is how many drivers, each a browser context with its tab,
// the browser has opened so far, those of its pools included: what a run
// cost in contexts (a pool that prepared more than its scenarios took shows
// here).
func (b *Browser) DriversOpened() int64 { return b.opened.Load() }

// StepTimeout is the per-step timeout the drivers of this browser use.
func (b *Browser) StepTimeout() time.Duration { return b.opts.StepTimeout }

// Close stops Chromium (gracefully, then by force) and removes its profile
// directory. Drivers still open are closed with it. Close is idempotent.
func (b *Browser) Close() error {
	b.closeOnce.Do(func() {
		cctx, ccancel := context.WithTimeout(b.ctx, 5*time.Second)
		err := chromedp.Cancel(cctx)
		ccancel()
		b.cancel()
		b.allocCancel() // waits for the process and the profile removal
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			b.closeErr = fmt.Errorf("close chromium: %w", err)
		}
	})
	return b.closeErr
}

// tailBuffer keeps the last max bytes written to it: Chromium's output, for
// the error message when the start fails.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
