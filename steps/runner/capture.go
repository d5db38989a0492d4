package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/report"
)

// recorder follows one scenario's user agents: each new page one of them
// shows is attached to the step that reached it (report.PageMediaType)
// with, in the browser, a screenshot, so reports show every page the
// scenario saw. A user agent that can tell each page it settles on
// (pageObserver: the browser) is heard page by page, so the pages a step
// passes through are there too; of the others, the page each step ends
// on. The drivers are found as the suite makes them (the runner's driver
// factory registers them with the recorder in the scenario's context);
// they are never wrapped, so the steps see the drivers' own types.
type recorder struct {
	// screenshots: pages are recorded (CapturePages), with screenshots in
	// the user agents that take them.
	screenshots bool
	scrub       func(string) string
	mu          sync.Mutex
	agents      []*agent
}

type agent struct {
	d       driver.Driver
	n       int    // 1 for the scenario's first user agent
	last    string // the last page recorded
	pending []godog.Attachment
}

// pageObserver is a user agent that calls f with every page it settles
// on, while the page is shown (the browser driver).
type pageObserver interface {
	ObservePages(f func(driver.Page))
}

type recorderKey struct{}

func recorderFrom(ctx context.Context) *recorder {
	r, _ := ctx.Value(recorderKey{}).(*recorder)
	return r
}

// used says whether the scenario asked for a user agent.
func (r *recorder) used() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.agents) > 0
}

func (r *recorder) add(d driver.Driver) {
	r.mu.Lock()
	a := &agent{d: d, n: len(r.agents) + 1}
	r.agents = append(r.agents, a)
	r.mu.Unlock()
	if o, ok := d.(pageObserver); ok && r.screenshots {
		o.ObservePages(func(p driver.Page) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.record(context.Background(), a, p)
		})
	}
}

// attachPages attaches the pages the user agents showed during the step:
// those they told of, then each one's current page when it differs from
// the last one recorded for it.
func (r *recorder) attachPages(ctx context.Context) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range r.agents {
		r.record(ctx, a, a.d.Current())
		ctx = godog.Attach(ctx, a.pending...)
		a.pending = nil
	}
	return ctx
}

// record keeps p (and its screenshot) for the step's attachments unless
// it is the page recorded last for the agent. r.mu is held.
func (r *recorder) record(ctx context.Context, a *agent, p driver.Page) {
	if (p.Kind == "" && p.URL == "") || p.URL == "about:blank" || p.URL == "" && p.Kind == driver.KindOther {
		return // a user agent that has shown nothing yet
	}
	key := fmt.Sprintf("%s|%s|%d|%s|%s", p.Kind, p.URL, p.Status, p.Title, p.Text)
	if key == a.last {
		return
	}
	a.last = key
	info := report.PageInfo{Kind: string(p.Kind), URL: r.scrub(redactURL(p.URL)), Status: p.Status, Title: r.scrub(p.Title), Text: r.scrub(p.Text), Agent: a.n}
	if p.Kind == driver.KindCallback {
		info.Text = ""
	}
	data, _ := json.Marshal(info)
	name := fmt.Sprintf("page-%s.json", p.Kind)
	a.pending = append(a.pending, godog.Attachment{FileName: name, MediaType: report.PageMediaType, Body: data})
	// A callback is captured, never loaded: there is nothing to see.
	if r.screenshots && p.Kind != driver.KindCallback {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		png, err := a.d.Screenshot(sctx)
		cancel()
		if err == nil && len(png) > 0 {
			a.pending = append(a.pending, godog.Attachment{FileName: strings.TrimSuffix(name, ".json") + ".png", MediaType: "image/png", Body: png})
		}
	}
}

// credentialParams are the parameters of a callback (or any URL) whose
// values are credentials: never in a report.
var credentialParams = []string{"code", "access_token", "id_token", "refresh_token", "client_secret", "password", "subject_token"}

// redactURL replaces the values of credential parameters in the query and
// the fragment of u with [redacted].
func redactURL(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	redact := func(raw string) (string, bool) {
		vals, err := url.ParseQuery(raw)
		if err != nil {
			return raw, false
		}
		changed := false
		for _, k := range credentialParams {
			if vals.Has(k) {
				vals.Set(k, "[redacted]")
				changed = true
			}
		}
		return strings.ReplaceAll(vals.Encode(), "%5Bredacted%5D", "[redacted]"), changed
	}
	if q, ok := redact(parsed.RawQuery); ok {
		parsed.RawQuery = q
	}
	frag, fragChanged := redact(parsed.Fragment)
	if !fragChanged {
		return parsed.String()
	}
	parsed.Fragment, parsed.RawFragment = "", ""
	return parsed.String() + "#" + frag
}

// limiter lets at most n events through per period, evenly spaced (the
// first at once).
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newLimiter(r Rate) *limiter {
	if r.N <= 0 {
		return nil
	}
	return &limiter{interval: r.Per / time.Duration(r.N)}
}

// wait blocks until the next event may happen, or ctx ends.
func (l *limiter) wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	if d := time.Until(at); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Rate is at most N logins per Per.
type Rate struct {
	N   int
	Per time.Duration
}

// ParseRate reads "N/UNIT" or "N/DURATION": "10/m", "30/1h", "1/5s".
func ParseRate(s string) (Rate, error) {
	if s == "" {
		return Rate{}, nil
	}
	bad := fmt.Errorf("--rate %q: want N/PERIOD, e.g. 10/m, 100/h or 1/5s", s)
	n, per, ok := strings.Cut(s, "/")
	if !ok {
		return Rate{}, bad
	}
	var r Rate
	if _, err := fmt.Sscanf(strings.TrimSpace(n), "%d", &r.N); err != nil || r.N < 1 {
		return Rate{}, bad
	}
	per = strings.TrimSpace(per)
	switch per {
	case "s", "sec":
		r.Per = time.Second
	case "m", "min":
		r.Per = time.Minute
	case "h", "hour":
		r.Per = time.Hour
	default:
		d, err := time.ParseDuration(per)
		if err != nil || d <= 0 {
			return Rate{}, bad
		}
		r.Per = d
	}
	return r, nil
}

func (r Rate) String() string {
	if r.N == 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%d per %s", r.N, r.Per)
}
