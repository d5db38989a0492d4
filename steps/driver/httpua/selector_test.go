package httpua

import (
	"strings"
	"testing"

	"golang.org/x/net/html"
)

const cssDoc = `<html><body>
<main id="m" class="_widget login-id">
  <form method="post" class="c-form">
    <input id="username" name="username" class="input big">
    <input id="password" name="password" type="password">
    <button type="submit" name="action" value="default" class="c-button">Go</button>
  </form>
  <ul class="scopes"><li class="scope">a</li><li class="scope other">b</li></ul>
  <div class="outer"><div class="inner"><span data-x>deep</span></div></div>
</main>
<p class="scope">not in a list</p>
</body></html>`

// selected lists, in document order, the id (or tag and text) of every
// element matching sel.
func selected(t *testing.T, doc *html.Node, sel string) string {
	t.Helper()
	s, err := compileSelector(sel)
	if err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	var out []string
	for _, n := range s.all(doc) {
		if id, ok := attr(n, "id"); ok {
			out = append(out, "#"+id)
		} else {
			out = append(out, n.Data+":"+textContent(n))
		}
	}
	return strings.Join(out, " ")
}

// The HTTP driver takes the selectors the browser takes (cascadia): the
// simple ones, and :not(), attribute operators and sibling combinators that
// the hand-written subset it had before refused.
func TestSelectorsMeanWhatTheyMeanInABrowser(t *testing.T) {
	doc := parseHTML(cssDoc)
	for _, tc := range []struct{ sel, want string }{
		{"input", "#username #password"},
		{"INPUT", "#username #password"},
		{"#password", "#password"},
		{"input#username", "#username"},
		{"button#username", ""},
		{".scope", "li:a li:b p:not in a list"},
		{"li.scope.other", "li:b"},
		{".input.big", "#username"},
		{".input.small", ""},
		{"[data-x]", "span:deep"},
		{"[type=password]", "#password"},
		{`button[name="action"][value="default"]`, "button:Go"},
		{`button[name='action'][value='default']`, "button:Go"},
		{"button[name=action][value=accept]", ""},
		{"ul.scopes li", "li:a li:b"},
		{"ul.scopes > li", "li:a li:b"},
		{"main > li", ""},
		{"main li", "li:a li:b"},
		{".outer span", "span:deep"},
		{".outer > span", ""},
		{".outer > .inner > span", "span:deep"},
		{"form input#username", "#username"},
		{"main form   button", "button:Go"},
		{"input#password, input#username", "#username #password"}, // document order
		{"  #nope ,#password ", "#password"},
		{"*[data-x]", "span:deep"},
		{"#m", "#m"},
		{"body main#m.login-id ul.scopes", "ul:a b"},
		{"li:not(.other)", "li:a"},
		{"input:not([type=password])", "#username"},
		{"[name^=user]", "#username"},
		{"[name$=word]", "#password"},
		{"[class~=big]", "#username"},
		{"[name*=ssw]", "#password"},
		{"#username ~ button", "button:Go"},
		{"#username + input", "#password"},
		{"#password + input", ""},
		{"li:first-child", "li:a"},
		{"ul.scopes li:nth-child(2)", "li:b"},
		{"form:has(button)", "form:Go"},
	} {
		if got := selected(t, doc, tc.sel); got != tc.want {
			t.Errorf("%q matched %q, want %q", tc.sel, got, tc.want)
		}
	}
}

func TestInvalidSelectorIsAnError(t *testing.T) {
	for _, sel := range []string{
		"", " ", ",", "a,", "[x", `[x="y`, "#", ".", "a >", "> a", "li:no-such-class", "a[", "::",
	} {
		if _, err := compileSelector(sel); err == nil {
			t.Errorf("%q compiled; want an error", sel)
		}
	}
}
