package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/steps/driver"
)

var _ driver.Driver = (*Driver)(nil)

// statusWait bounds how long a step that found its page waits for the
// status of the page's document (the response event precedes the document
// in practice) before it reports the status as unknown (0).
const statusWait = 250 * time.Millisecond

// Driver is one scenario's user agent: a tab in its own browser context, so
// it shares no cookies with other drivers. Its methods are meant to be called
// from one goroutine (a scenario's steps); NewDriver and Close may run
// concurrently with other drivers.
type Driver struct {
	b        *Browser
	bcid     cdp.BrowserContextID // the driver's own browser context
	hidden   bool                 // the tab has no window (Hidden)
	ctx      context.Context      // chromedp context of the tab
	cancel   context.CancelFunc
	timeout  time.Duration
	wg       sync.WaitGroup // the interception goroutine
	sel      driver.Selectors
	patterns driver.Patterns
	config   string // sel as a JavaScript object literal

	mu       sync.Mutex
	prefixes []string
	cur      driver.Page
	cbSeq    int           // bumped on each captured callback
	cb       driver.Page   // the last captured callback
	cbWake   chan struct{} // closed (and replaced) on each capture
	// navWake is closed (and replaced) when the main frame commits a new
	// document or a script context is created: a wait in the page
	// evaluates again in the new document. statusWake is closed on each
	// document response.
	navWake    chan struct{}
	statusWake chan struct{}
	loader     cdp.LoaderID // loader of the main frame's current document
	url        string       // URL of the main frame's current document
	status     map[cdp.LoaderID]int
	interrErr  error // last error while answering a paused request
	// lastRedirect is the last 3xx Location seen, for error messages: an
	// unwatched custom-scheme redirect otherwise leaves no trace.
	lastRedirect string
	observe      func(driver.Page) // see ObservePages
	quiet        time.Duration     // see SetSilentQuiet

	closeOnce sync.Once
	closeErr  error
}

// NewDriver opens a tab in a fresh browser context (own cookies, own
// storage) that reads pages with the browser's Options.Selectors. It is safe
// to call from several goroutines at once. ctx bounds the setup only; the
// driver lives until Close.
func (b *Browser) NewDriver(ctx context.Context) (*Driver, error) {
	return b.NewDriverWith(ctx, b.opts.Selectors)
}

// NewDriverWith is NewDriver with its own selectors (empty fields: the
// mock's markup). A selector that is not valid CSS is an error that names
// its profile key.
func (b *Browser) NewDriverWith(ctx context.Context, sel driver.Selectors) (*Driver, error) {
	return b.NewDriverTabs(ctx, sel, b.opts.Tabs)
}

// NewDriverTabs is NewDriverWith with the tab where tabs says.
func (b *Browser) NewDriverTabs(ctx context.Context, sel driver.Selectors, tabs Tabs) (*Driver, error) {
	if err := b.ctx.Err(); err != nil {
		return nil, fmt.Errorf("new driver: browser is closed: %w", err)
	}
	sel = sel.WithDefaults()
	patterns, err := sel.CompilePatterns()
	if err != nil {
		return nil, err
	}
	// The driver owns its browser context and disposes of it in Close:
	// disposing closes the tab with it, so Close need not close the tab and
	// poll until it is gone. chromedp only attaches to the tab.
	limit := 2 * b.opts.StepTimeout
	var (
		dctx   context.Context
		cancel context.CancelFunc
		bcid   cdp.BrowserContextID
	)
	if tabs != Hidden {
		// chromedp creates the context and a window for the tab (in the
		// first call, in setup); WithDetachOnCancel: Close disposes of it.
		dctx, cancel = chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(), chromedp.WithDetachOnCancel())
	} else {
		var tab target.ID
		bcid, tab, err = b.newTab(ctx, limit)
		if err != nil {
			return nil, fmt.Errorf("new driver: %w", err)
		}
		dctx, cancel = chromedp.NewContext(b.ctx, chromedp.WithTargetID(tab))
	}
	d := &Driver{
		b:          b,
		bcid:       bcid,
		hidden:     tabs == Hidden,
		ctx:        dctx,
		cancel:     cancel,
		sel:        sel,
		patterns:   patterns,
		config:     configJS(sel),
		timeout:    b.opts.StepTimeout,
		cbWake:     make(chan struct{}),
		navWake:    make(chan struct{}),
		statusWake: make(chan struct{}),
		status:     make(map[cdp.LoaderID]int),
		cur:        driver.Page{Kind: driver.KindOther, URL: "about:blank"},
		quiet:      DefaultSilentQuiet,
	}

	// The first call on dctx attaches to the tab; it gets dctx itself, and
	// the guards below abort the setup if ctx ends or it takes too long.
	stop := context.AfterFunc(ctx, cancel)
	timer := time.AfterFunc(limit, cancel)
	err = d.setup()
	late := !timer.Stop()
	stop()
	if err == nil && dctx.Err() != nil {
		err = dctx.Err()
	}
	if err != nil {
		_ = d.Close() // the browser context too, when it was created
		switch {
		case ctx.Err() != nil:
			err = ctx.Err()
		case late:
			err = fmt.Errorf("the tab was not ready within %s (%v)", limit, err)
		}
		return nil, fmt.Errorf("new driver: %w", err)
	}
	b.opened.Add(1)
	return d, nil
}

// tabSize is the viewport of every tab, Windowed or Hidden, so that pages
// lay out the same in both (a headless window of its own gave a tab 780x493).
var tabSize = emulation.SetDeviceMetricsOverrideParams{Width: 800, Height: 600, DeviceScaleFactor: 1}

// session is the browser's own protocol session (Target.* commands).
func (b *Browser) session() cdp.Session { return chromedp.FromContext(b.ctx).Browser }

// openTab opens a blank tab in the browser context bc: Hidden (no window),
// or in a window of its own in front.
func (b *Browser) openTab(ctx context.Context, bc cdp.BrowserContextID, tabs Tabs) (target.ID, error) {
	params := target.CreateTargetParams{URL: "about:blank", BrowserContextID: bc}
	if tabs == Hidden {
		// Chromium refuses a hidden target with newWindow (even false)
		// and one in the foreground.
		params.Hidden, params.Background = new(true), new(true)
	} else {
		params.NewWindow, params.Background = new(true), new(false)
	}
	res, err := cdp.Call(ctx, b.session(), target.CreateTarget, params)
	if err != nil {
		return "", err
	}
	return res.TargetID, nil
}

// newTab creates a browser context (its own cookies, storage and cache)
// and a hidden tab in it (Hidden). Chromium builds no window, tab strip or
// omnibox for it: 48 ms of the browser process's CPU a context created and
// disposed, against 128 ms with a window. setup gives it the viewport and
// focus a window would.
func (b *Browser) newTab(ctx context.Context, limit time.Duration) (cdp.BrowserContextID, target.ID, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	bc, err := cdp.Call(ctx, b.session(), target.CreateBrowserContext, target.CreateBrowserContextParams{})
	if err != nil {
		return "", "", fmt.Errorf("create a browser context: %w", err)
	}
	tab, err := b.openTab(ctx, bc.BrowserContextID, Hidden)
	if err != nil {
		dctx, dcancel := context.WithTimeout(context.Background(), limit)
		defer dcancel()
		_, _ = cdp.Call(dctx, b.session(), target.DisposeBrowserContext, target.DisposeBrowserContextParams{BrowserContextID: bc.BrowserContextID})
		return "", "", fmt.Errorf("create a tab: %w", err)
	}
	return bc.BrowserContextID, tab, nil
}

func (d *Driver) setup() error {
	// Ordered events: which document the main frame shows and the status
	// of each document response.
	if err := chromedp.Listen(d.ctx, d.onEvent); err != nil {
		return err
	}
	// Subscribe before Fetch.enable so that no paused request is missed.
	// The raw subscription (not chromedp.Events) lets an event that does
	// not decode be answered too: a request left paused would hang the tab.
	raw, unsubscribe := chromedp.FromContext(d.ctx).Target.Subscribe(fetch.RequestPaused.Method)
	d.wg.Go(func() {
		defer unsubscribe()
		for {
			select {
			case <-d.ctx.Done():
				return
			case msg, ok := <-raw:
				if !ok {
					return
				}
				d.dispatchPaused(msg)
			}
		}
	})
	// A hidden tab has a 0x0 viewport (nothing could be clicked) and no
	// focus: give it what a window would.
	if _, err := chromedp.Call(d.ctx, emulation.SetDeviceMetricsOverride, tabSize); err != nil {
		return fmt.Errorf("size the tab: %w", err)
	}
	if _, err := chromedp.Call(d.ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		return fmt.Errorf("focus the tab: %w", err)
	}
	_, err := chromedp.Call(d.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: "*", ResourceType: network.ResourceTypeDocument, RequestStage: fetch.RequestStageRequest},
		{URLPattern: "*", ResourceType: network.ResourceTypeDocument, RequestStage: fetch.RequestStageResponse},
	}})
	if err != nil {
		return fmt.Errorf("enable request interception: %w", err)
	}
	problem, err := chromedp.Run(d.ctx, chromedp.Evaluate[string](fmt.Sprintf(validateJS, d.config)))
	if err != nil {
		return fmt.Errorf("check the selectors: %w", err)
	}
	if problem != "" {
		return &SelectorError{msg: problem}
	}
	return nil
}

// SelectorError says which selector is not valid CSS.
type SelectorError struct{ msg string }

func (e *SelectorError) Error() string { return e.msg }

// onEvent runs on the tab's event loop, in the browser's order: it must
// not block or send commands.
func (d *Driver) onEvent(ev any) {
	switch ev := ev.(type) {
	case *network.EventResponseReceived:
		if ev.Type != network.ResourceTypeDocument || ev.Response == nil {
			return
		}
		d.mu.Lock()
		if len(d.status) > 64 {
			clear(d.status)
		}
		d.status[ev.LoaderID] = int(ev.Response.Status)
		close(d.statusWake)
		d.statusWake = make(chan struct{})
		d.mu.Unlock()
	case *page.EventFrameNavigated:
		if ev.Frame == nil || ev.Frame.ParentID != "" {
			return
		}
		d.mu.Lock()
		d.loader = ev.Frame.LoaderID
		d.url = ev.Frame.URL + ev.Frame.URLFragment
		d.wakeNav()
		d.mu.Unlock()
	case *runtime.EventExecutionContextCreated:
		d.mu.Lock()
		d.wakeNav()
		d.mu.Unlock()
	case *page.EventNavigatedWithinDocument:
		d.mu.Lock()
		d.url = ev.URL
		d.mu.Unlock()
	}
}

// wakeNav wakes the waits in the page (d.mu held).
func (d *Driver) wakeNav() {
	close(d.navWake)
	d.navWake = make(chan struct{})
}

// WatchCallback registers a redirect_uri prefix: navigations to URLs that
// start with it are captured, not loaded, and reported as KindCallback.
func (d *Driver) WatchCallback(prefix string) {
	if prefix == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.prefixes {
		if p == prefix {
			return
		}
	}
	d.prefixes = append(d.prefixes, prefix)
}

func (d *Driver) watched(u string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, p := range d.prefixes {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	return false
}

// Current is the last page seen.
func (d *Driver) Current() driver.Page {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cur
}

func (d *Driver) setCurrent(p driver.Page) {
	d.mu.Lock()
	d.cur = p
	observe := d.observe
	d.mu.Unlock()
	if observe != nil {
		observe(p)
	}
}

// Open navigates to authorizeURL and waits for an IdP page or a callback.
func (d *Driver) Open(ctx context.Context, authorizeURL string) (driver.Page, error) {
	return d.step(ctx, "open "+authorizeURL, func(sctx context.Context) error {
		res, err := chromedp.Call(sctx, page.Navigate, page.NavigateParams{URL: authorizeURL})
		if err != nil {
			return err
		}
		if res.ErrorText != "" {
			return errors.New(res.ErrorText)
		}
		return nil
	})
}

// Login fills username and password on the login page and submits it. On
// an identifier-first page (a username input, no password input) it
// submits the username with the Next button, then fills the password on
// the page that follows.
func (d *Driver) Login(ctx context.Context, username, password string) (driver.Page, error) {
	if err := d.expect("login", driver.KindLogin); err != nil {
		return driver.Page{}, err
	}
	has, err := d.loginInputs(ctx)
	if err != nil {
		return driver.Page{}, err
	}
	if has.User && !has.Pass {
		p, err := d.fillLogin(ctx, "login (username page)", d.sel.Next, &username, nil)
		if err != nil || p.Kind != driver.KindLogin {
			return p, err
		}
		if has, err = d.loginInputs(ctx); err != nil || !has.Pass {
			return d.Current(), err
		}
	}
	var user *string
	if has.User {
		user = &username
	}
	return d.fillLogin(ctx, "login", d.sel.Login, user, &password)
}

type loginInputs struct {
	User bool `json:"user"`
	Pass bool `json:"pass"`
}

// loginInputs says which of the login inputs the page has.
func (d *Driver) loginInputs(ctx context.Context) (loginInputs, error) {
	sctx, cancel := d.stepContext(ctx)
	defer cancel()
	js := fmt.Sprintf(`((c) => ({user: !!document.querySelector(c.username), pass: !!document.querySelector(c.password)}))(%s)`, d.config)
	has, err := chromedp.Run(sctx, chromedp.Evaluate[loginInputs](js))
	if err != nil {
		return loginInputs{}, fmt.Errorf("login: reading the login page: %w", err)
	}
	return has, nil
}

// fillLogin fills the inputs given (nil: leave it) in the form of button
// and presses the button.
func (d *Driver) fillLogin(ctx context.Context, what, button string, user, pass *string) (driver.Page, error) {
	js := func(v *string) string {
		if v == nil {
			return "null"
		}
		return jsString(*v)
	}
	fill := fmt.Sprintf(loginJS, d.config, jsString(button), js(user), js(pass))
	return d.step(ctx, what, func(sctx context.Context) error {
		problem, err := chromedp.Run(sctx, chromedp.Evaluate[string](fill))
		if err != nil {
			return err
		}
		if problem != "" {
			return errors.New(problem)
		}
		return d.click(sctx, button)
	})
}

// loginJS fills the login form and checks it (%s: configJS; then the
// button's selector, the username and the password, each null to leave
// it). A browser refuses to submit a form with an empty required field;
// the step says so instead of waiting for a navigation that never comes.
// It returns "" when the form is ready.
const loginJS = `((c, button, user, pass) => {
	const b = document.querySelector(button);
	if (!b) return 'no login button on the page (selector ' + button + ')';
	const f = b.form;
	if (!f) return 'the login button (selector ' + button + ') is in no form';
	const fill = [];
	for (const [what, sel, v] of [['username', c.username, user], ['password', c.password, pass]]) {
		if (v === null) continue;
		const el = f.querySelector(sel) || document.querySelector(sel);
		if (!el) return 'the login form has no ' + what + ' input (selector ' + sel + ')';
		fill.push([el, v]);
	}
	for (const [el, v] of fill) {
		el.value = v;
		el.dispatchEvent(new Event('input', {bubbles: true}));
		el.dispatchEvent(new Event('change', {bubbles: true}));
	}
	if (f.checkValidity()) return '';
	const bad = f.querySelector(':invalid');
	return 'the browser refuses to submit the login form (' +
		(bad ? bad.name + ': ' + bad.validationMessage : 'invalid form') + ')';
})(%s, %s, %s, %s)`

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

// Accept presses Accept on a consent or confirmation page: a click on
// whatever the selector matches (button, input or link).
func (d *Driver) Accept(ctx context.Context) (driver.Page, error) {
	return d.press(ctx, "accept", d.sel.Accept)
}

// Decline presses Decline on a consent or confirmation page.
func (d *Driver) Decline(ctx context.Context) (driver.Page, error) {
	return d.press(ctx, "decline", d.sel.Decline)
}

func (d *Driver) press(ctx context.Context, what, sel string) (driver.Page, error) {
	if err := d.expect(what, driver.KindConsent, driver.KindConfirmation); err != nil {
		return driver.Page{}, err
	}
	return d.step(ctx, what, func(sctx context.Context) error {
		err := d.click(sctx, sel)
		if errors.Is(err, errNoMatch) {
			return fmt.Errorf("no %s button on the page (selector %s)", what, sel)
		}
		return err
	})
}

// errNoMatch is click's error when nothing on the page matches.
var errNoMatch = errors.New("nothing on the page matches")

// clickJS finds the first element matching the selector (%s), waits until
// it is visible (a DOM or size change wakes the check: no polling), scrolls
// it into the middle of the viewport and resolves with the centre of its
// box, or with none: true when nothing matches.
const clickJS = `((sel) => new Promise((resolve) => {
	const el = document.querySelector(sel);
	if (!el) return resolve({none: true});
	let mo = null, ro = null;
	const check = () => {
		if (!el.isConnected) return false;
		let r = el.getBoundingClientRect();
		if (r.width === 0 || r.height === 0) return false;
		if (el.checkVisibility && !el.checkVisibility({visibilityProperty: true})) return false;
		el.scrollIntoView({block: 'center', inline: 'center'});
		r = el.getBoundingClientRect();
		if (mo) mo.disconnect();
		if (ro) ro.disconnect();
		resolve({none: false, x: r.left + r.width / 2, y: r.top + r.height / 2});
		return true;
	};
	if (check()) return;
	mo = new MutationObserver(check);
	mo.observe(document, {subtree: true, childList: true, attributes: true});
	ro = new ResizeObserver(check);
	ro.observe(el);
}))(%s)`

type clickPoint struct {
	None bool    `json:"none"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
}

// click presses the left mouse button on the first element matching sel,
// as a user would (trusted mouse events at the centre of the element), in
// one evaluation and two input events. chromedp.Click does the same with a
// DOM query that retries every 5 ms until chromedp has the new document's
// tree, and four more round trips.
func (d *Driver) click(ctx context.Context, sel string) error {
	at, err := chromedp.Run(ctx, chromedp.Evaluate[clickPoint](fmt.Sprintf(clickJS, jsString(sel)), chromedp.EvalAwaitPromise))
	if err != nil {
		return err
	}
	if at.None {
		return fmt.Errorf("%w: %s", errNoMatch, sel)
	}
	return chromedp.Do(ctx, chromedp.MouseClickXY(at.X, at.Y))
}

// expect fails unless the current page is of one of the kinds.
func (d *Driver) expect(what string, kinds ...driver.Kind) error {
	cur := d.Current()
	for _, k := range kinds {
		if cur.Kind == k {
			return nil
		}
	}
	want := make([]string, len(kinds))
	for i, k := range kinds {
		want[i] = string(k)
	}
	return fmt.Errorf("%s: expected a %s page, but the current page is %q (%s)",
		what, strings.Join(want, " or "), cur.Kind, cur.URL)
}

// stepContext is a context for one step: a child of the tab's context
// (chromedp needs it) that ends after the step timeout or when ctx ends.
func (d *Driver) stepContext(ctx context.Context) (context.Context, context.CancelFunc) {
	sctx, cancel := context.WithTimeout(d.ctx, d.timeout)
	stop := context.AfterFunc(ctx, cancel)
	return sctx, func() { stop(); cancel() }
}

// step marks the current document as old, runs act, and waits until the
// tab settles on a new IdP page (one that the page-kind selectors identify)
// or a watched callback is captured.
func (d *Driver) step(ctx context.Context, what string, act func(context.Context) error) (driver.Page, error) {
	if err := ctx.Err(); err != nil {
		return driver.Page{}, fmt.Errorf("%s: %w", what, err)
	}
	sctx, cancel := d.stepContext(ctx)
	defer cancel()

	d.mu.Lock()
	seq := d.cbSeq
	d.lastRedirect, d.interrErr = "", nil
	d.mu.Unlock()
	// A new navigation gives a new document, without this mark. If the
	// mark cannot be set (the tab is between documents), there is no old
	// document to confuse with a new one.
	_ = chromedp.Do(sctx, chromedp.Evaluate[chromedp.Void](`document.__consentryOld = true`))

	if err := act(sctx); err != nil {
		if p, ok := d.callbackSince(seq); ok {
			return d.landed(sctx, p), nil
		}
		return driver.Page{}, d.stepError(ctx, sctx, what, err)
	}
	return d.settle(ctx, sctx, what, seq)
}

func (d *Driver) callbackSince(seq int) (driver.Page, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cbSeq == seq {
		return driver.Page{}, false
	}
	d.cur = d.cb
	return d.cb, true
}

// settle waits until a callback is captured or a new document that the
// page-kind selectors identify is ready (the mock's form_post relay page is
// none of the kinds: the step waits past it). It waits on events, never by
// polling: the page itself resolves a promise when it is ready and of a
// kind (a MutationObserver sees a page that scripts build), a capture
// cancels the wait, and a new document gets a new wait.
func (d *Driver) settle(ctx, sctx context.Context, what string, seq int) (driver.Page, error) {
	waitJS := fmt.Sprintf(waitPageJS, d.config)
	for {
		if p, ok := d.callbackSince(seq); ok {
			return d.landed(sctx, p), nil
		}
		d.mu.Lock()
		wake := d.cbWake
		d.mu.Unlock()
		snap, err := waitInPage[snapshot](sctx, d, waitJS, wake)
		if p, ok := d.callbackSince(seq); ok {
			return d.landed(sctx, p), nil
		}
		if err == nil {
			p := d.awaitStatus(sctx, snap)
			if cb, ok := d.callbackSince(seq); ok {
				return d.landed(sctx, cb), nil
			}
			d.setCurrent(p)
			return p, nil
		}
		if sctx.Err() != nil {
			// Where the tab is, for the failure report.
			if snap, ok := d.snapshotNow(); ok {
				p, _ := d.pageOf(snap)
				d.setCurrent(p)
			}
			return driver.Page{}, d.stepError(ctx, sctx, what, nil)
		}
	}
}

// awaitStatus is the page of snap, once the status of its document is
// known, or with status 0 after statusWait.
func (d *Driver) awaitStatus(sctx context.Context, snap snapshot) driver.Page {
	timer := time.NewTimer(statusWait)
	defer timer.Stop()
	for {
		d.mu.Lock()
		wake := d.statusWake
		d.mu.Unlock()
		p, known := d.pageOf(snap)
		if known {
			return p
		}
		select {
		case <-wake:
		case <-timer.C:
			return p
		case <-sctx.Done():
			return p
		}
	}
}

// snapshotNow reads the current document once, briefly: the page a failed
// step ended on. ok is false when there is no new document to read.
func (d *Driver) snapshotNow() (snapshot, bool) {
	ctx, cancel := context.WithTimeout(d.ctx, time.Second)
	defer cancel()
	snap, err := chromedp.Run(ctx, chromedp.Evaluate[snapshot](fmt.Sprintf(snapshotJS, d.config)))
	return snap, err == nil && !snap.Old
}

// waitInPage evaluates js, a promise that resolves in the document the
// caller waits for and never in another (an old one, a page of no kind).
// When the document goes away first (a navigation destroys the
// evaluation, or the tab reports a new document or script context), it is
// evaluated again in the next. It ends when ctx ends or wake closes (a
// captured callback), with an error.
func waitInPage[T any](ctx context.Context, d *Driver, js string, wake <-chan struct{}) (T, error) {
	for {
		d.mu.Lock()
		nav := d.navWake
		d.mu.Unlock()
		ectx, cancel := context.WithCancel(ctx)
		stopWake := afterClose(wake, cancel)
		stopNav := afterClose(nav, cancel)
		v, err := chromedp.Run(ectx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
		stopWake()
		stopNav()
		cancel()
		if err == nil {
			return v, nil
		}
		select {
		case <-wake:
			return v, errors.New("a callback was captured")
		case <-ctx.Done():
			return v, ctx.Err()
		default:
		}
		// The evaluation failed between documents, or its document went
		// away: evaluate again once a new one is there.
		select {
		case <-nav:
		case <-wake:
			return v, errors.New("a callback was captured")
		case <-ctx.Done():
			return v, ctx.Err()
		}
	}
}

// landedWait bounds how long a step waits, after a capture, for the
// stand-in page to replace the IdP page.
const landedWait = 2 * time.Second

// landed waits (briefly) until the tab shows the stand-in page of a captured
// callback, so that the next step, a screenshot or Close find a quiet tab,
// and returns p.
func (d *Driver) landed(sctx context.Context, p driver.Page) driver.Page {
	wctx, cancel := context.WithTimeout(sctx, landedWait)
	defer cancel()
	_, _ = waitInPage[bool](wctx, d, landedJS, nil)
	return p
}

// landedJS resolves once the stand-in page of a captured callback is
// there (never in the document the step started on).
const landedJS = `new Promise((resolve) => {
	if (document.__consentryOld) return;
	const ok = () => document.readyState !== 'loading' && !!document.querySelector('[data-consentry-callback]');
	if (ok()) return resolve(true);
	document.addEventListener('readystatechange', () => { if (ok()) resolve(true); });
})`

// afterClose calls f when ch closes, until stop is called.
func afterClose(ch <-chan struct{}, f func()) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			f()
		case <-done:
		}
	}()
	return func() { close(done) }
}

// stepError explains a failed step: what was expected, and where the tab is.
func (d *Driver) stepError(ctx, sctx context.Context, what string, cause error) error {
	d.mu.Lock()
	url, ierr, redirect := d.url, d.interrErr, d.lastRedirect
	prefixes := strings.Join(d.prefixes, ", ")
	d.mu.Unlock()
	if prefixes == "" {
		prefixes = "none"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: ", what)
	switch {
	case ctx.Err() != nil:
		fmt.Fprintf(&b, "%v", ctx.Err())
	case cause != nil && sctx.Err() != nil:
		fmt.Fprintf(&b, "did not complete within %s (%v)", d.timeout, cause)
	case cause != nil:
		fmt.Fprintf(&b, "%v", cause)
	default:
		fmt.Fprintf(&b, "expected an IdP page (one the login, consent, confirmation or error page selectors identify) or a callback to a watched prefix (%s), got neither within %s", prefixes, d.timeout)
	}
	fmt.Fprintf(&b, "; current URL %s", url)
	if redirect != "" && !strings.HasPrefix(redirect, "http") {
		fmt.Fprintf(&b, "; last redirect to %s (not a watched prefix; Chromium does not load such URLs)", redirect)
	}
	if ierr != nil {
		fmt.Fprintf(&b, "; request interception: %v", ierr)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", b.String(), ctx.Err())
	}
	return errors.New(b.String())
}

// Screenshot returns a PNG of the tab's viewport. A Hidden tab draws no
// frames, so its screenshot is of a copy: the tab's document as it is now,
// shown in a window of the same browser context (the same cookies for its
// style sheets and images) with scripts and refreshes off, so that the copy
// can neither run nor navigate.
func (d *Driver) Screenshot(ctx context.Context) ([]byte, error) {
	sctx, cancel := d.stepContext(ctx)
	defer cancel()
	if d.hidden {
		return d.screenshotOfCopy(sctx)
	}
	png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	if err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	return png, nil
}

// copyJS returns the document as HTML with a base URL (so relative style
// sheets and images resolve as in the tab) and a policy that runs no script,
// and without meta refreshes.
const copyJS = `(() => {
	const doc = document.documentElement.cloneNode(true);
	doc.setAttribute('data-consentry-copy', '');
	for (const m of doc.querySelectorAll('meta[http-equiv]')) {
		if (/^refresh$/i.test(m.getAttribute('http-equiv'))) m.remove();
	}
	for (const s of doc.querySelectorAll('script')) s.remove();
	let head = doc.querySelector('head');
	if (!head) { head = document.createElement('head'); doc.prepend(head); }
	const csp = document.createElement('meta');
	csp.setAttribute('http-equiv', 'Content-Security-Policy');
	csp.setAttribute('content', "script-src 'none'; object-src 'none'; frame-src 'none'; form-action 'none'");
	const base = document.createElement('base');
	base.href = document.baseURI;
	head.prepend(csp, base);
	for (const el of doc.querySelectorAll('input[name]')) {
		const live = document.querySelector('[name="' + CSS.escape(el.name) + '"]');
		if (el.type !== 'password' && live && live.value) el.setAttribute('value', live.value);
	}
	return '<!doctype html>' + doc.outerHTML;
})()`

// loadedJS resolves once the document and its subresources have loaded.
const loadedJS = `new Promise((r) => document.readyState === 'complete' ? r(true) : addEventListener('load', () => r(true)))`

// copyShownJS resolves true once the window shows the copy (copyJS marks
// its root) with its style sheets and images loaded and two frames drawn
// after that, and false when the window shows another document.
// document.readyState alone was not enough: under load (six busy loops on
// two cores) one screenshot in 30 was taken before the copy's style sheet
// applied. A style sheet or image that failed before the wait began sends
// no more events; the wait gives up on those after 5 s and shoots what is
// there.
const copyShownJS = `new Promise((resolve) => {
	const root = document.documentElement;
	if (!root || !root.hasAttribute('data-consentry-copy')) return resolve(false);
	const settled = (el) => new Promise((r) => { el.addEventListener('load', r, {once: true}); el.addEventListener('error', r, {once: true}); });
	const waits = [...document.querySelectorAll('link[rel~="stylesheet" i]')].filter((l) => !l.sheet).map(settled);
	waits.push(...[...document.images].filter((i) => !i.complete).map(settled));
	waits.push(` + loadedJS + `);
	const drawn = () => requestAnimationFrame(() => requestAnimationFrame(() => resolve(document.documentElement.hasAttribute('data-consentry-copy'))));
	Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 5000))]).then(drawn);
})`

func (d *Driver) screenshotOfCopy(ctx context.Context) ([]byte, error) {
	doc, err := chromedp.Run(ctx, chromedp.Evaluate[string](copyJS))
	if err != nil {
		return nil, fmt.Errorf("screenshot: copying the page: %w", err)
	}
	tab, err := d.b.openTab(ctx, d.bcid, Windowed)
	if err != nil {
		return nil, fmt.Errorf("screenshot: opening a window: %w", err)
	}
	vctx, vcancel := chromedp.NewContext(d.b.ctx, chromedp.WithTargetID(tab))
	defer func() {
		vcancel()
		cctx, ccancel := context.WithTimeout(context.Background(), d.timeout)
		defer ccancel()
		_, _ = cdp.Call(cctx, d.b.session(), target.CloseTarget, target.CloseTargetParams{TargetID: tab})
	}()
	stop := context.AfterFunc(ctx, vcancel)
	defer stop()
	if err := chromedp.Do(vctx); err != nil {
		return nil, fmt.Errorf("screenshot: opening a window: %w", err)
	}
	tree, err := chromedp.Call(vctx, page.GetFrameTree, cdp.Empty{})
	if err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	if _, err := chromedp.Call(vctx, emulation.SetDeviceMetricsOverride, tabSize); err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	if _, err := chromedp.Call(vctx, page.SetDocumentContent, page.SetDocumentContentParams{FrameID: tree.FrameTree.Frame.ID, HTML: doc}); err != nil {
		return nil, fmt.Errorf("screenshot: showing the copy: %w", err)
	}
	// Style sheets and images of the copy load from the IdP: wait for them
	// and for a frame drawn with them.
	shown, err := chromedp.Run(vctx, chromedp.Evaluate[bool](copyShownJS, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("screenshot: loading the copy: %w", err)
	}
	if !shown {
		return nil, errors.New("screenshot: the window does not show the copy of the page")
	}
	png, err := chromedp.Run(vctx, chromedp.CaptureScreenshot())
	if err != nil {
		return nil, fmt.Errorf("screenshot: %w", err)
	}
	return png, nil
}

// browserContext is the driver's browser context: its own (Hidden) or the
// one chromedp created for it (Windowed; empty until setup created it).
func (d *Driver) browserContext() cdp.BrowserContextID {
	if d.bcid != "" {
		return d.bcid
	}
	if c := chromedp.FromContext(d.ctx); c != nil {
		return c.BrowserContextID
	}
	return ""
}

// Close closes the tab and disposes its browser context (cookies, storage,
// cache and all). It is idempotent.
func (d *Driver) Close() error {
	d.closeOnce.Do(func() {
		id := d.browserContext()
		err := chromedp.Cancel(d.ctx) // detaches from the tab
		d.cancel()
		d.wg.Wait()
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, chromedp.ErrInvalidContext) {
			d.closeErr = fmt.Errorf("close driver: %w", err)
		}
		if id == "" {
			return // the setup never created the browser context
		}
		// Disposing of the browser context closes its tab, and answers a
		// paused request of the tab (it is dropped with the tab).
		dctx, dcancel := context.WithTimeout(context.Background(), d.timeout)
		defer dcancel()
		if _, err := cdp.Call(dctx, d.b.session(), target.DisposeBrowserContext, target.DisposeBrowserContextParams{BrowserContextID: id}); err != nil && d.closeErr == nil {
			d.closeErr = fmt.Errorf("close driver: disposing of its browser context: %w", err)
		}
	})
	return d.closeErr
}
