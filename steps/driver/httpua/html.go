package httpua

import (
	"fmt"
	"strings"

	"github.com/andybalholm/cascadia"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Pages are parsed with golang.org/x/net/html (the HTML5 parsing algorithm,
// as a browser builds its DOM) and read with CSS selectors compiled by
// github.com/andybalholm/cascadia, so a selector means the same to this
// driver as to the browser: :not(), attribute operators ([name^=...]), the
// ~ and + combinators and the rest of CSS Selectors Level 3.

// selector is a compiled CSS selector list and its source.
type selector struct {
	src string
	m   cascadia.Matcher
}

// compileSelector parses src.
func compileSelector(src string) (*selector, error) {
	if strings.TrimSpace(src) == "" {
		return nil, fmt.Errorf("selector %q is empty", src)
	}
	g, err := cascadia.ParseGroup(src)
	if err != nil {
		return nil, fmt.Errorf("selector %q is not valid CSS: %w", src, err)
	}
	return &selector{src: src, m: g}, nil
}

// all returns the elements under root that match, in document order.
func (s *selector) all(root *html.Node) []*html.Node { return cascadia.QueryAll(root, s.m) }

// first returns the first element under root that matches, or nil.
func (s *selector) first(root *html.Node) *html.Node { return cascadia.Query(root, s.m) }

// parseHTML builds the document tree of src. The HTML5 parser never fails
// on a string: it repairs what a browser would.
func parseHTML(src string) *html.Node {
	doc, err := html.Parse(strings.NewReader(src))
	if err != nil { // only a reader error, which a strings.Reader never has
		return &html.Node{Type: html.DocumentNode}
	}
	return doc
}

// attr returns the attribute's value and whether it is present.
func attr(n *html.Node, name string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

// elements returns the elements under root (root included) for which match
// is true, in document order.
func elements(root *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	for n := range root.Descendants() {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
	}
	if root.Type == html.ElementNode && match(root) {
		out = append([]*html.Node{root}, out...)
	}
	return out
}

// firstElement is the first of elements, or nil.
func firstElement(root *html.Node, match func(*html.Node) bool) *html.Node {
	for n := range root.Descendants() {
		if n.Type == html.ElementNode && match(n) {
			return n
		}
	}
	return nil
}

func isTag(a atom.Atom) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.DataAtom == a }
}

// inlineElements do not separate their text from their neighbours'.
var inlineElements = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true, atom.Cite: true, atom.Code: true,
	atom.Data: true, atom.Dfn: true, atom.Em: true, atom.I: true, atom.Kbd: true, atom.Mark: true, atom.Q: true,
	atom.S: true, atom.Samp: true, atom.Small: true, atom.Span: true, atom.Strong: true, atom.Sub: true,
	atom.Sup: true, atom.Time: true, atom.U: true, atom.Var: true, atom.Label: true,
}

// hidden elements show no text.
var hidden = map[atom.Atom]bool{atom.Script: true, atom.Style: true, atom.Head: true, atom.Noscript: true, atom.Template: true}

// textContent is the element's text with whitespace collapsed, skipping
// scripts and styles, as a reader sees it.
func textContent(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(x *html.Node) {
		switch x.Type {
		case html.TextNode:
			b.WriteString(x.Data)
			return
		case html.ElementNode:
			if hidden[x.DataAtom] {
				return
			}
		}
		block := x.Type == html.ElementNode && !inlineElements[x.DataAtom]
		if block {
			b.WriteByte(' ')
		}
		for c := x.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			b.WriteByte(' ')
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

// label is what a user reads on a control: an input's value, else its text.
func label(n *html.Node) string {
	if n.DataAtom == atom.Input {
		if v, ok := attr(n, "value"); ok {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	if t := textContent(n); t != "" {
		return t
	}
	v, _ := attr(n, "aria-label")
	return v
}
