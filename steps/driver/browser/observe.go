package browser

import "github.com/consentry/consentry/steps/driver"

// ObservePages has f called with every IdP page the tab settles on, in
// the goroutine of the step that reached it, before the step goes on: the
// tab is quiet, so a Screenshot taken in f shows the page. Reports use it
// to show every page a scenario saw, also those a step passes through (the
// login page inside "the user has granted ...", the username page of an
// identifier-first login). Captured callbacks, never loaded, are not
// pages. nil stops the calls.
func (d *Driver) ObservePages(f func(driver.Page)) {
	d.mu.Lock()
	d.observe = f
	d.mu.Unlock()
}
