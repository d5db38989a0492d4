package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/steps/driver"
)

var _ driver.SilentAuthenticator = (*Driver)(nil)

// DefaultSilentQuiet is how long the relying party's page waits after its
// frame loaded for a message before it concludes none will come, unless
// SetSilentQuiet says otherwise. An IdP's page may post from a script that
// runs after its load event (after a request of its own, say); the margin
// covers that and a slow tab.
const DefaultSilentQuiet = 1500 * time.Millisecond

// SetSilentQuiet sets the quiet period of this driver's SilentAuthenticate
// (see DefaultSilentQuiet); q <= 0 restores the default. The runner
// shortens it for the bundled mock, whose page posts from its first
// script, before its frame's load event.
func (d *Driver) SetSilentQuiet(q time.Duration) {
	if q <= 0 {
		q = DefaultSilentQuiet
	}
	d.mu.Lock()
	d.quiet = q
	d.mu.Unlock()
}

func (d *Driver) silentQuiet() time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.quiet
}

// silentStateJS reads what the harness's relying-party page recorded
// (steps/silent.go serves it): the messages it received, each with its
// origin and its data as JSON, and whether its frame fired load, how many
// milliseconds ago.
const silentStateJS = `(() => {
  const s = window.consentrySilent;
  if (!s) return {ready: false};
  return {ready: true, messages: s.messages, loaded: s.loadedAt > 0, sinceLoad: s.loadedAt > 0 ? Date.now() - s.loadedAt : 0};
})()`

// silentWaitJS resolves with what silentStateJS reads once the page has
// a message, or once its frame loaded %d ms ago or more with none. It waits
// on the page's events (its script, a message, the frame's load), never by
// polling; the one timer is the quiet period after the frame's load, the
// only way to tell that no message will come.
const silentWaitJS = `((quiet) => new Promise((resolve) => {
  const start = () => {
    const s = window.consentrySilent;
    if (!s) return false;
    const state = () => (` + silentStateJS + `);
    let timer = 0;
    const check = () => {
      if (s.messages.length > 0) return resolve(state());
      if (s.loadedAt > 0 && !timer) {
        // At the end of the quiet period resolve as it is: state() has
        // any message that came meanwhile.
        timer = setTimeout(() => resolve(state()), Math.max(0, quiet - (Date.now() - s.loadedAt)));
      }
    };
    // The page's own listener, added first, has recorded the message.
    window.addEventListener('message', check);
    // The frame's load: the capture phase runs before the page's own
    // listener on the frame sets loadedAt, so check after it.
    document.addEventListener('load', () => setTimeout(check, 0), true);
    check();
    return true;
  };
  if (!start()) document.addEventListener('DOMContentLoaded', start, {once: true});
}))(%d)`

type silentState struct {
	Ready    bool `json:"ready"`
	Messages []struct {
		Origin string `json:"origin"`
		Data   string `json:"data"`
	} `json:"messages"`
	Loaded    bool    `json:"loaded"`
	SinceLoad float64 `json:"sinceLoad"`
}

// SilentAuthenticate navigates the tab to the relying party's page, which
// frames the /authorize URL in a hidden iframe and records every message
// posted to it; it returns the first message, or none once the frame has
// loaded and stayed quiet. The frame's document status is read from the
// tab's network events (0 when the frame ran in another process). The
// current page becomes the relying party's page.
func (d *Driver) SilentAuthenticate(ctx context.Context, req driver.SilentRequest) (driver.SilentResult, error) {
	res := driver.SilentResult{Via: "postMessage", Frame: driver.Page{Kind: driver.KindOther, URL: req.AuthorizeURL}}
	authz, err := url.Parse(req.AuthorizeURL)
	if err != nil {
		return res, fmt.Errorf("silent authentication: %w", err)
	}
	endpoint := authz.Scheme + "://" + authz.Host + authz.Path

	// The frame's document response, from the tab's events.
	var (
		active atomic.Bool
		mu     sync.Mutex
		status int
	)
	active.Store(true)
	defer active.Store(false)
	if err := chromedp.Listen(d.ctx, func(ev any) {
		e, ok := ev.(*network.EventResponseReceived)
		if !ok || !active.Load() || e.Type != network.ResourceTypeDocument || e.Response == nil {
			return
		}
		if strings.HasPrefix(e.Response.URL, endpoint) {
			mu.Lock()
			status = int(e.Response.Status)
			mu.Unlock()
		}
	}); err != nil {
		return res, fmt.Errorf("silent authentication: %w", err)
	}

	sctx, cancel := d.stepContext(ctx)
	defer cancel()
	target := req.PageURL + "#authorize=" + url.QueryEscape(req.AuthorizeURL)
	nav, err := chromedp.Call(sctx, page.Navigate, page.NavigateParams{URL: target})
	if err == nil && nav.ErrorText != "" {
		err = errors.New(nav.ErrorText)
	}
	if err != nil {
		return res, fmt.Errorf("silent authentication: opening the relying party's page %s: %w", req.PageURL, err)
	}
	d.setCurrent(driver.Page{Kind: driver.KindOther, URL: req.PageURL, Title: "relying party page (silent authentication)"})

	js := fmt.Sprintf(silentWaitJS, d.silentQuiet().Milliseconds())
	for {
		s, err := waitInPage[silentState](sctx, d, js, nil)
		if err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			return res, fmt.Errorf("silent authentication: within %s the relying party's frame neither loaded nor posted a message", d.timeout)
		}
		mu.Lock()
		res.Frame.Status = status
		mu.Unlock()
		if len(s.Messages) > 0 {
			m := s.Messages[0]
			var data struct {
				Type     string         `json:"type"`
				Response map[string]any `json:"response"`
			}
			if err := json.Unmarshal([]byte(m.Data), &data); err != nil {
				return res, fmt.Errorf("silent authentication: the page received a message from %s that is not an object: %s", m.Origin, m.Data)
			}
			msg := &driver.WebMessage{Origin: m.Origin, Type: data.Type, Response: map[string]string{}}
			for k, v := range data.Response {
				if sv, ok := v.(string); ok {
					msg.Response[k] = sv
				} else {
					msg.Response[k] = fmt.Sprint(v)
				}
			}
			res.Message = msg
			return res, nil
		}
		return res, nil // the frame loaded and stayed quiet
	}
}

var _ driver.CookieReader = (*Driver)(nil)

// Cookies returns the cookies the tab's browser context would send to
// forURL, with their attributes.
func (d *Driver) Cookies(ctx context.Context, forURL string) ([]driver.Cookie, error) {
	sctx, cancel := d.stepContext(ctx)
	defer cancel()
	res, err := chromedp.Call(sctx, network.GetCookies, network.GetCookiesParams{URLs: []string{forURL}})
	if err != nil {
		return nil, fmt.Errorf("reading the cookies for %s: %w", forURL, err)
	}
	var out []driver.Cookie
	for _, c := range res.Cookies {
		if c == nil {
			continue
		}
		out = append(out, driver.Cookie{Name: c.Name, Value: c.Value, SameSite: string(c.SameSite), Secure: c.Secure, HTTPOnly: c.HTTPOnly})
	}
	return out, nil
}
