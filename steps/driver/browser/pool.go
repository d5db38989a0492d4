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
type Pool struct {
	b     *Browser
	ready chan prepared
	ctx   context.Context
	stop  context.CancelFunc
	wg    sync.WaitGroup
	once  sync.Once
}

type prepared struct {
	d   *Driver
	err error
}

// ErrPoolClosed is returned by Get after Close.
var ErrPoolClosed = errors.New("browser pool: closed")

// NewPool starts size workers (at least 1) that keep as many drivers ready,
// with the selectors sel and their tabs where tabs says. Close stops them
// and closes the drivers nobody took.
func (b *Browser) NewPool(size int, sel driver.Selectors, tabs Tabs) *Pool {
	if size < 1 {
		size = 1
	}
	ctx, stop := context.WithCancel(b.ctx) // ends with the browser too
	p := &Pool{b: b, ready: make(chan prepared), ctx: ctx, stop: stop}
	for range size {
		p.wg.Go(func() { p.work(sel, tabs) })
	}
	return p
}

func (p *Pool) work(sel driver.Selectors, tabs Tabs) {
	for p.ctx.Err() == nil {
		d, err := p.b.NewDriverTabs(p.ctx, sel, tabs)
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

// Get returns a driver no one else has had. It waits for one to be ready
// or for ctx to end.
func (p *Pool) Get(ctx context.Context) (*Driver, error) {
	select {
	case pr := <-p.ready:
		return pr.d, pr.err
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
