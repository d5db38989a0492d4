package browser

import (
	"strings"

	"github.com/consentry/consentry/steps/driver"
)

// snapshot is what one evaluation in the page reads, so that every field
// comes from the same document.
type snapshot struct {
	Old              bool     `json:"old"`
	Ready            string   `json:"ready"`
	URL              string   `json:"url"`
	Title            string   `json:"title"`
	Prompt           string   `json:"prompt"`
	Text             string   `json:"text"`
	ScopeLines       []string `json:"scopeLines"`
	Error            string   `json:"error"`
	ErrorDescription string   `json:"errorDescription"`
}

// snapshotJS reads the page per the IdP contract: data-prompt marks the
// kind, data-scope-line the consent lines, data-error and
// data-error-description the error page.
const snapshotJS = `(() => {
	const text = el => el ? (el.innerText ?? el.textContent ?? '').trim() : '';
	const p = document.querySelector('[data-prompt]');
	return {
		old: !!document.__consentryOld,
		ready: document.readyState,
		url: location.href,
		title: document.title,
		prompt: p ? (p.getAttribute('data-prompt') || '') : '',
		text: document.body ? document.body.innerText : '',
		scopeLines: Array.from(document.querySelectorAll('[data-scope-line]'), text),
		error: text(document.querySelector('[data-error]')),
		errorDescription: text(document.querySelector('[data-error-description]')),
	};
})()`

// kindOf maps a data-prompt value to a Kind.
func kindOf(prompt string) driver.Kind {
	switch k := driver.Kind(strings.TrimSpace(prompt)); k {
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
	return driver.Page{
		Kind:             kindOf(s.Prompt),
		URL:              s.URL,
		Status:           status,
		Title:            s.Title,
		Text:             s.Text,
		ScopeLines:       s.ScopeLines,
		Error:            s.Error,
		ErrorDescription: s.ErrorDescription,
	}, known
}
