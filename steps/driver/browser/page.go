package browser

import (
	"encoding/json"

	"github.com/consentry/consentry/steps/driver"
)

// snapshot is what one evaluation in the page reads, so that every field
// comes from the same document.
type snapshot struct {
	Old              bool     `json:"old"`
	Ready            string   `json:"ready"`
	URL              string   `json:"url"`
	Title            string   `json:"title"`
	Kind             string   `json:"kind"`
	Text             string   `json:"text"`
	ScopeLines       []string `json:"scopeLines"`
	Error            string   `json:"error"`
	ErrorDescription string   `json:"errorDescription"`
	Accept           *control `json:"accept"`
	Decline          *control `json:"decline"`
}

// control is a button, input or link the page offers.
type control struct {
	Tag   string `json:"tag"`
	Label string `json:"label"`
}

func (c *control) page() *driver.Control {
	if c == nil {
		return nil
	}
	return &driver.Control{Tag: c.Tag, Label: c.Label}
}

// pageConfig is the selectors as the page scripts take them.
type pageConfig struct {
	Kinds            [][2]any    `json:"kinds"` // [kind, [selectors, all of which must match]]
	Username         string      `json:"username"`
	Password         string      `json:"password"`
	Login            string      `json:"login"`
	Next             string      `json:"next"`
	Accept           string      `json:"accept"`
	Decline          string      `json:"decline"`
	ScopeLine        string      `json:"scopeLine"`
	Error            string      `json:"error"`
	ErrorDescription string      `json:"errorDescription"`
	All              [][2]string `json:"all"` // [profile key, selector], for validation
}

// configJS is the selectors as a JavaScript object literal.
func configJS(s driver.Selectors) string {
	c := pageConfig{
		Username: s.Username, Password: s.Password, Login: s.Login, Next: s.Next,
		Accept: s.Accept, Decline: s.Decline,
		ScopeLine: s.ScopeLine, Error: s.Error, ErrorDescription: s.ErrorDescription,
	}
	for _, k := range s.PageKinds() {
		c.Kinds = append(c.Kinds, [2]any{string(k.Kind), k.AllOf})
	}
	for _, n := range s.All() {
		c.All = append(c.All, [2]string{n.Name, n.Selector})
	}
	b, err := json.Marshal(c)
	if err != nil {
		panic(err) // strings only
	}
	return string(b)
}

// snapshotJS reads the page with the selectors (%s: configJS): the first
// kind whose selectors all match names the page (none: ""), ScopeLine the
// consent lines, Error and ErrorDescription the error page. By default
// these are the mock's data-prompt, data-scope-line, data-error and
// data-error-description; the mock's form_post relay page
// (data-prompt="form-post") matches no kind, so a step waits past it.
const snapshotJS = `((c) => {
	const text = el => el ? (el.innerText ?? el.textContent ?? '').trim() : '';
	const q = s => document.querySelector(s);
	const k = c.kinds.find(([, all]) => all.length > 0 && all.every(s => q(s)));
	const ctl = s => {
		const el = q(s);
		if (!el) return null;
		const tag = el.tagName.toLowerCase();
		let label = tag === 'input' && el.value ? el.value : text(el);
		if (!label) label = el.getAttribute('aria-label') || '';
		return {tag, label: label.replace(/\s+/g, ' ').trim()};
	};
	return {
		old: !!document.__consentryOld,
		ready: document.readyState,
		url: location.href,
		title: document.title,
		kind: k ? k[0] : '',
		text: document.body ? document.body.innerText : '',
		scopeLines: Array.from(document.querySelectorAll(c.scopeLine), text),
		error: text(q(c.error)),
		errorDescription: text(q(c.errorDescription)),
		accept: ctl(c.accept),
		decline: ctl(c.decline),
	};
})(%s)`

// validateJS returns "" when every selector (%s: configJS) is valid CSS,
// else what is wrong with the first that is not.
const validateJS = `((c) => {
	const frag = document.createDocumentFragment();
	for (const [name, sel] of c.all) {
		try { frag.querySelector(sel); } catch (e) {
			return 'selectors.' + name + ': ' + JSON.stringify(sel) + ' is not a valid CSS selector (' + e.message + ')';
		}
	}
	return '';
})(%s)`

// kindOf maps a snapshot's kind to a Kind.
func kindOf(kind string) driver.Kind {
	switch k := driver.Kind(kind); k {
	case driver.KindLogin, driver.KindConsent, driver.KindConfirmation, driver.KindError:
		return k
	}
	return driver.KindOther
}

// pageOf turns a snapshot into a Page, with the status of the main frame's
// current document; known is false while that status has not been seen.
func (d *Driver) pageOf(s snapshot) (p driver.Page, known bool) {
	d.mu.Lock()
	status, known := d.status[d.loader]
	d.mu.Unlock()
	if len(s.ScopeLines) == 0 {
		s.ScopeLines = nil
	}
	kind := kindOf(s.Kind)
	return driver.Page{
		Kind:             kind,
		URL:              s.URL,
		Status:           status,
		Title:            s.Title,
		Text:             s.Text,
		ScopeLines:       s.ScopeLines,
		Error:            driver.Extract(d.patterns.Error, s.Error),
		ErrorDescription: driver.Extract(d.patterns.ErrorDescription, s.ErrorDescription),
		Accept:           s.Accept.page(),
		Decline:          s.Decline.page(),
		Ambiguous:        d.sel.Ambiguous(kind),
	}, known
}
