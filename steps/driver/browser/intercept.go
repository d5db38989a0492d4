package browser

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"strings"

	"github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/steps/driver"
)

// dispatchPaused decodes a Fetch.requestPaused event and answers it. An
// event that does not decode is continued untouched, and the failure is
// kept for the next step's error message.
func (d *Driver) dispatchPaused(msg jsonv2.Value) {
	var ev fetch.EventRequestPaused
	err := jsonv2.Unmarshal(msg, &ev)
	if err == nil {
		d.handlePaused(&ev)
		return
	}
	d.mu.Lock()
	d.interrErr = fmt.Errorf("decode %s: %w", fetch.RequestPaused.Method, err)
	d.mu.Unlock()
	var id struct {
		RequestID fetch.RequestID `json:"requestId"`
	}
	if jsonv2.Unmarshal(msg, &id, jsonv2.AllowInvalidUTF8(true)) == nil && id.RequestID != "" {
		d.answer(func(ctx context.Context) error {
			_, err := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id.RequestID})
			return err
		})
	}
}

// handlePaused answers one paused document request. The tab's document
// requests are paused twice: before they are sent (Request stage) and when
// their response headers arrive (Response stage).
//
//   - Request stage, URL under a watched prefix (a form_post POST, or a
//     direct navigation): capture it, with its body, and answer it ourselves.
//     A POST gets the status of the page that posted it; anything else 0.
//   - Response stage, a 3xx whose Location is under a watched prefix: capture
//     the Location (query or fragment), with the 3xx as its status, and
//     replace the redirect with a small 200 page, so the browser never
//     follows it. This is the only way to see
//     a custom-scheme callback, which Chromium never requests.
//   - Anything else continues untouched.
func (d *Driver) handlePaused(ev *fetch.EventRequestPaused) {
	if ev.Request == nil {
		return
	}
	atResponse := ev.ResponseStatusCode != 0 || ev.ResponseErrorReason != ""
	switch {
	case !atResponse:
		full := ev.Request.URL + ev.Request.URLFragment
		if d.watched(full) {
			post := strings.EqualFold(ev.Request.Method, "POST")
			var body []byte
			if post {
				body = d.postData(ev)
			}
			cb := parseCallback(full, body, post)
			if post {
				// A form_post: the status of the page whose form posted.
				cb.Status = d.currentStatus()
			}
			d.capture(cb)
			d.fulfill(ev.RequestID, full)
			return
		}
		d.answer(func(ctx context.Context) error {
			_, err := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			return err
		})
	case ev.ResponseErrorReason != "":
		// The request failed (for example an unknown host that is not
		// watched): let the browser show its error.
		d.answer(func(ctx context.Context) error {
			_, err := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
			return err
		})
	default:
		if isRedirect(ev.ResponseStatusCode) {
			if loc := headerValue(ev.ResponseHeaders, "Location"); loc != "" {
				target := resolve(ev.Request.URL, loc)
				d.mu.Lock()
				d.lastRedirect = target
				d.mu.Unlock()
				if d.watched(target) {
					cb := parseCallback(target, nil, false)
					cb.Status = int(ev.ResponseStatusCode)
					d.capture(cb)
					d.fulfill(ev.RequestID, target)
					return
				}
			}
		}
		d.answer(func(ctx context.Context) error {
			_, err := chromedp.Call(ctx, fetch.ContinueResponse, fetch.ContinueResponseParams{RequestID: ev.RequestID})
			if err != nil {
				// Never leave it paused; continueRequest also works at
				// the response stage.
				_, err2 := chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				if err2 == nil {
					return nil
				}
			}
			return err
		})
	}
}

// currentStatus is the status of the main frame's current document, or 0.
func (d *Driver) currentStatus() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.status[d.loader]
}

// answer sends one reply to a paused request, bounded by the step timeout,
// and remembers a failure for the next step's error message.
func (d *Driver) answer(call func(context.Context) error) {
	ctx, cancel := context.WithTimeout(d.ctx, d.timeout)
	defer cancel()
	if err := call(ctx); err != nil && d.ctx.Err() == nil {
		d.mu.Lock()
		d.interrErr = err
		d.mu.Unlock()
	}
}

// fulfill answers a captured request with a small page, so the navigation
// ends cleanly instead of failing or leaving the browser.
func (d *Driver) fulfill(id fetch.RequestID, target string) {
	body := "<!doctype html><html><head><meta charset=\"utf-8\"><title>Callback captured</title><link rel=\"icon\" href=\"data:,\"></head>" +
		"<body><p data-consentry-callback>Callback captured by the test driver (not loaded):</p><pre>" +
		html.EscapeString(target) + "</pre></body></html>"
	d.answer(func(ctx context.Context) error {
		_, err := chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
			RequestID:    id,
			ResponseCode: 200,
			ResponseHeaders: []*fetch.HeaderEntry{
				{Name: "Content-Type", Value: "text/html; charset=utf-8"},
				{Name: "Cache-Control", Value: "no-store"},
			},
			Body: []byte(body),
		})
		return err
	})
}

// capture records a callback and wakes a waiting step.
func (d *Driver) capture(p driver.Page) {
	d.mu.Lock()
	d.cbSeq++
	d.cb = p
	close(d.cbWake)
	d.cbWake = make(chan struct{})
	d.mu.Unlock()
}

// postData is the body of a paused request: from the event, or asked for
// when the event left it out (large bodies).
func (d *Driver) postData(ev *fetch.EventRequestPaused) []byte {
	var b []byte
	for _, e := range ev.Request.PostDataEntries {
		if e != nil {
			b = append(b, e.Bytes...)
		}
	}
	if len(b) == 0 && ev.Request.HasPostData && ev.NetworkID != "" {
		d.answer(func(ctx context.Context) error {
			res, err := chromedp.Call(ctx, network.GetRequestPostData, network.GetRequestPostDataParams{RequestID: ev.NetworkID})
			b = res.PostData
			return err
		})
	}
	return b
}

// parseCallback reports a callback URL (and a form_post body) as a Page.
// The URL is split by hand so that any scheme, custom ones included, works.
func parseCallback(full string, body []byte, post bool) driver.Page {
	params := url.Values{}
	add := func(raw string) {
		vs, _ := url.ParseQuery(raw) // keep what parses
		for k, v := range vs {
			params[k] = append(params[k], v...)
		}
	}
	via := "query"
	rest, frag, hasFrag := strings.Cut(full, "#")
	if _, q, ok := strings.Cut(rest, "?"); ok {
		add(q)
	}
	if hasFrag && frag != "" {
		add(frag)
		via = "fragment"
	}
	if post {
		add(string(body))
		via = "form_post"
	}
	return driver.Page{
		Kind:        driver.KindCallback,
		URL:         full,
		Callback:    params,
		CallbackVia: via,
	}
}

func isRedirect(code int64) bool {
	switch code {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

func headerValue(hs []*fetch.HeaderEntry, name string) string {
	for _, h := range hs {
		if h != nil && strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

// resolve makes a Location absolute against the request URL. An absolute
// Location is kept as sent, so that the reported callback URL is exactly the
// one the IdP wrote.
func resolve(base, loc string) string {
	lu, err := url.Parse(loc)
	if err != nil || lu.IsAbs() {
		return loc
	}
	bu, err := url.Parse(base)
	if err != nil {
		return loc
	}
	return bu.ResolveReference(lu).String()
}
