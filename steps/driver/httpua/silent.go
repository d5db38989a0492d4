package httpua

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/consentry/consentry/steps/driver"
)

var _ driver.SilentAuthenticator = (*Driver)(nil)

// SilentAuthenticate does what a hidden iframe of the relying party's page
// would: one GET of the /authorize URL with the user agent's cookies and
// the headers of a frame navigation, not following a redirect (an iframe
// that is redirected away shows the redirect's target, which is no
// message). The IdP's web_message page carries the response as data
// (main[data-response] and data-target-origin, the mock's markup): the
// message is what its script would post, delivered only when its target
// origin is the relying party page's origin, as a browser does. The
// current page (Current) does not change: a frame is not the tab.
func (d *Driver) SilentAuthenticate(ctx context.Context, req driver.SilentRequest) (driver.SilentResult, error) {
	res := driver.SilentResult{Via: "page data"}
	page, err := url.Parse(req.PageURL)
	if err != nil || page.Host == "" {
		return res, fmt.Errorf("silent authentication: the relying party's page %q is not a URL", req.PageURL)
	}
	pageOrigin := page.Scheme + "://" + page.Host
	r, err := http.NewRequestWithContext(ctx, http.MethodGet, req.AuthorizeURL, nil)
	if err != nil {
		return res, fmt.Errorf("silent authentication: %w", err)
	}
	r.Header.Set("Accept", "text/html")
	r.Header.Set("Referer", pageOrigin+"/")
	r.Header.Set("Sec-Fetch-Dest", "iframe")
	r.Header.Set("Sec-Fetch-Mode", "navigate")
	resp, err := d.client.Do(r)
	if err != nil {
		return res, fmt.Errorf("silent authentication: GET %s: %w", redact(req.AuthorizeURL), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return res, fmt.Errorf("silent authentication: reading %s: %w", redact(req.AuthorizeURL), err)
	}
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && loc != "" {
		// The frame went elsewhere (a redirect to the callback: the IdP
		// ignored response_mode=web_message). Nothing is posted.
		to, _ := resp.Request.URL.Parse(loc)
		res.Frame = driver.Page{Kind: driver.KindOther, URL: req.AuthorizeURL, Status: resp.StatusCode, Text: "redirected to " + redact(to.String())}
		return res, nil
	}
	p, doc := d.pageFrom(req.AuthorizeURL, resp.StatusCode, data)
	res.Frame = p
	msg, err := webMessageOf(doc)
	if err != nil {
		return res, fmt.Errorf("silent authentication: the web_message page of %s: %w", redact(req.AuthorizeURL), err)
	}
	if msg == nil {
		return res, nil
	}
	idp, _ := url.Parse(req.AuthorizeURL)
	msg.Origin = idp.Scheme + "://" + idp.Host
	if msg.TargetOrigin != pageOrigin && msg.TargetOrigin != "*" {
		// postMessage to another origin than the parent's: the browser
		// drops it.
		res.Frame.Text = fmt.Sprintf("a message addressed to %q, not to the page's origin %q (dropped, as a browser does)", msg.TargetOrigin, pageOrigin)
		return res, nil
	}
	res.Message = msg
	return res, nil
}

// webMessageOf reads the web_message page's data: the element with
// data-response (a JSON object of the response's parameters) and its
// data-target-origin. A page without it is no web_message page (nil); one
// whose data does not decode is an error.
func webMessageOf(doc *html.Node) (*driver.WebMessage, error) {
	n := firstElement(doc, func(n *html.Node) bool {
		_, ok := attr(n, "data-response")
		return ok && n.DataAtom != atom.Script
	})
	if n == nil {
		return nil, nil
	}
	raw, _ := attr(n, "data-response")
	target, _ := attr(n, "data-target-origin")
	var resp map[string]any
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	if err := dec.Decode(&resp); err != nil {
		return nil, fmt.Errorf("data-response is not a JSON object: %w", err)
	}
	m := &driver.WebMessage{TargetOrigin: target, Response: map[string]string{}}
	for k, v := range resp {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("data-response: %q is not a string", k)
		}
		m.Response[k] = s
	}
	return m, nil
}
