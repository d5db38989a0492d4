package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/consentry/consentry/steps/driver"
)

// The forged-form scenarios of rule C8 need a user agent that can show what
// a form would submit and submit a form of its own making: Form reads the
// form of a button from the DOM (with the button's own name and value, as
// pressing it would send them), PostForm builds a form in the current
// document and submits it, as a script or a DOM edit would, and Back goes
// back in the tab's history. Together they forge in a real browser what the
// HTTP driver forges with its client: a form captured in another browser
// context, a used form resubmitted after going back, a form with a field
// added.

// formData is a form as the page script reads it.
type formData struct {
	Problem string      `json:"problem"`
	Action  string      `json:"action"`
	Fields  [][2]string `json:"fields"`
}

// formJS reads the form of the first element matching the selector (%s):
// its absolute action and the fields a press of that button submits.
const formJS = `((sel) => {
	const b = document.querySelector(sel);
	if (!b) return {problem: 'nothing matches ' + sel, action: '', fields: []};
	const f = b.form;
	if (!f) return {problem: sel + ' is in no form', action: '', fields: []};
	let data;
	try { data = new FormData(f, b); } catch (e) { data = new FormData(f); if (b.name) data.append(b.name, b.value); }
	const fields = [];
	for (const [k, v] of data) if (typeof v === 'string') fields.push([k, v]);
	// Fields named "action" or "submit" shadow the form's own properties.
	const action = new URL(f.getAttribute('action') || '', document.baseURI).href;
	return {problem: '', action, fields};
})(%s)`

// Form returns the action URL and the fields the form holding a button
// would submit: "accept" and "deny" are the Selectors' Accept and Decline,
// any other value the button name="action" with that value.
func (d *Driver) Form(button string) (string, url.Values, error) {
	sel := fmt.Sprintf("button[name=action][value=%q]", button)
	switch button {
	case "accept":
		sel = d.sel.Accept
	case "deny":
		sel = d.sel.Decline
	}
	sctx, cancel := context.WithTimeout(d.ctx, d.timeout)
	defer cancel()
	f, err := chromedp.Run(sctx, chromedp.Evaluate[formData](fmt.Sprintf(formJS, jsString(sel))))
	if err != nil {
		return "", nil, fmt.Errorf("reading the %s form: %w", button, err)
	}
	if f.Problem != "" {
		return "", nil, fmt.Errorf("no %s button in a form on the page: %s", button, f.Problem)
	}
	fields := url.Values{}
	for _, kv := range f.Fields {
		fields.Add(kv[0], kv[1])
	}
	return f.Action, fields, nil
}

// postJS builds a POST form (%s: the action, then [name, value] pairs) in
// the current document and submits it.
const postJS = `((action, fields) => {
	const f = document.createElement('form');
	f.setAttribute('method', 'POST');
	f.setAttribute('action', action);
	f.setAttribute('data-consentry-forged', '');
	for (const [k, v] of fields) {
		const i = document.createElement('input');
		i.type = 'hidden';
		i.name = k;
		i.value = v;
		f.appendChild(i);
	}
	(document.body || document.documentElement).appendChild(f);
	HTMLFormElement.prototype.submit.call(f); // an input named submit shadows f.submit
})(%s, %s)`

// PostForm submits a form of the given fields to action from the current
// document, with this browser context's cookies as the browser sends them
// (a cross-site document does not send SameSite=Lax cookies: go Back to
// the IdP's page first to resubmit from it), and waits like Open.
func (d *Driver) PostForm(ctx context.Context, action string, fields url.Values) (driver.Page, error) {
	var pairs [][2]string
	for k, vs := range fields {
		for _, v := range vs {
			pairs = append(pairs, [2]string{k, v})
		}
	}
	js := fmt.Sprintf(postJS, jsString(action), jsValue(pairs))
	return d.step(ctx, "submit a form", func(sctx context.Context) error {
		_, err := chromedp.Run(sctx, chromedp.Evaluate[chromedp.Void](js))
		return err
	})
}

// Resubmit submits a used form again as a user would: Back to the page it
// was on, then submit it from there, with the IdP's cookies. When the
// browser will not show that page from its history (a page that answered a
// POST: Chromium's "Confirm Form Resubmission"), it loads the form's action
// URL instead, so that the form is still submitted from the IdP's origin.
func (d *Driver) Resubmit(ctx context.Context, action string, fields url.Values) (driver.Page, error) {
	sctx, cancel := d.stepContext(ctx)
	defer cancel()
	target, err := url.Parse(action)
	if err != nil {
		return driver.Page{}, fmt.Errorf("resubmit: action %q: %w", action, err)
	}
	_ = chromedp.Do(sctx, chromedp.Evaluate[chromedp.Void](`document.__consentryOld = true`))
	ok, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`history.length > 1 && (history.back(), true)`))
	if err != nil {
		return driver.Page{}, fmt.Errorf("resubmit: back: %w", err)
	}
	if !ok {
		return driver.Page{}, errors.New("resubmit: the tab has no history to go back to")
	}
	origin, err := d.newDocumentOrigin(sctx)
	if err != nil {
		return driver.Page{}, fmt.Errorf("resubmit: back: %w", err)
	}
	if origin != target.Scheme+"://"+target.Host {
		_ = chromedp.Do(sctx, chromedp.Evaluate[chromedp.Void](`document.__consentryOld = true`))
		if _, err := chromedp.Call(sctx, page.Navigate, page.NavigateParams{URL: action}); err != nil {
			return driver.Page{}, fmt.Errorf("resubmit: loading %s: %w", target.Host, err)
		}
		if _, err := d.newDocumentOrigin(sctx); err != nil {
			return driver.Page{}, fmt.Errorf("resubmit: loading %s: %w", target.Host, err)
		}
	}
	return d.PostForm(ctx, action, fields)
}

// newDocumentOrigin waits until the tab shows a loaded document other than
// the one marked old, and returns its origin.
func (d *Driver) newDocumentOrigin(ctx context.Context) (string, error) {
	for {
		type doc struct {
			Old    bool   `json:"old"`
			Ready  string `json:"ready"`
			Origin string `json:"origin"`
		}
		s, err := chromedp.Run(ctx, chromedp.Evaluate[doc](`({old: !!document.__consentryOld, ready: document.readyState, origin: location.origin})`))
		if err == nil && !s.Old && s.Ready == "complete" {
			return s.Origin, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("no new document within %s", d.timeout)
		case <-time.After(pollInterval):
		}
	}
}

// jsValue is v as a JavaScript literal.
func jsValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // strings only
	}
	return string(b)
}
