package browser

import (
	"context"
	"errors"
	"sync"

	"github.com/consentry/consentry/steps/driver"
)

// Pool keeps fresh drivers ready, so that a scenario does not wait for a
// browser context and its tab to be created: each of its workers opens a
// driver (NewDriverWith) and holds it until Get hands it out, then opens
// the next. A driver is handed out once and never comes back: the scenario
// closes it, and with it its browser context (cookies, storage, cache), so
// preparing ahead keeps every scenario as isolated as NewDriver does.
//
// A pool with a limit prepares no more drivers than its run can still
// use: limit is how many scenarios will ask (one driver each), and Forgo
// takes back the share of a scenario that ended without asking. A driver
// prepared and never used costs a browser context and a tab for nothing
// (a short run of 2 scenarios at 4 at once left 3 of 5 unused). When the
// prepared ones run out (a scenario took a second driver), Get opens one
// itself.
type Pool struct {
	b     *Browser
	sel   driver.Selectors
	tabs  Tabs
	ready chan prepared
	ctx   context.Context
	stop  context.CancelFunc
	wg    sync.WaitGroup
	once  sync.Once
	// dry is closed when every worker has returned: no driver is on its
	// way to ready any more.
	dry chan struct{}

	mu   sync.Mutex
	left int // drivers the pool may still prepare; -1: no limit
}

type prepared struct {
	d   *Driver
	err error
}

// ErrPoolClosed is returned by Get after Close.
var ErrPoolClosed = errors.New("browser pool: closed")

// NewPool starts size workers (at least 1) that keep as many drivers ready,
// with the selectors sel and their tabs where tabs says, and prepare at
// most limit drivers in all (limit < 0: no limit; see Forgo). Close stops
// them and closes the drivers nobody took.
func (b *Browser) NewPool(size, limit int, sel driver.Selectors, tabs Tabs) *Pool {
	if size < 1 {
		size = 1
	}
	if limit < 0 {
		limit = -1
	}
	ctx, stop := context.WithCancel(b.ctx) // ends with the browser too
	p := &Pool{b: b, sel: sel, tabs: tabs, ready: make(chan prepared), ctx: ctx, stop: stop,
		dry: make(chan struct{}), left: limit}
	for range size {
		p.wg.Go(p.work)
	}
	go func() { p.wg.Wait(); close(p.dry) }()
	return p
}

func (p *Pool) work() {
	for p.ctx.Err() == nil && p.claim() {
		d, err := p.b.NewDriverTabs(p.ctx, p.sel, p.tabs)
		select {
		case p.ready <- prepared{d, err}:
		case <-p.ctx.Done():
			if d != nil {
				_ = d.Close()
			}
			return
		}
	}
}

// claim takes one driver of the limit for a worker to prepare; false when
// none is left.
func (p *Pool) claim() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.left < 0:
		return true
	case p.left == 0:
		return false
	}
	p.left--
	return true
}

// Forgo says that one of the scenarios the limit counted ended without
// asking for a driver, so the pool prepares one fewer. Without a limit it
// does nothing.
func (p *Pool) Forgo() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.left > 0 {
		p.left--
	}
}

// Get returns a driver no one else has had. It waits for one to be ready
// or for ctx to end; when the pool will prepare no more (its limit is
// used up), it opens one itself.
func (p *Pool) Get(ctx context.Context) (*Driver, error) {
	if p.ctx.Err() != nil {
		return nil, ErrPoolClosed
	}
	select {
	case pr := <-p.ready:
		return pr.d, pr.err
	case <-p.dry:
		if p.ctx.Err() != nil {
			return nil, ErrPoolClosed
		}
		return p.b.NewDriverTabs(ctx, p.sel, p.tabs)
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.ctx.Done():
		return nil, ErrPoolClosed
	}
}

// Close stops the workers and closes the drivers they held. Drivers
// already handed out are their takers' to close. It is idempotent.
func (p *Pool) Close() {
	p.once.Do(func() {
		p.stop()
		p.wg.Wait()
	})
}
