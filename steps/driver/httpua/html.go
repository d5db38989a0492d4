package httpua

import (
	"html"
	"strings"
)

// node is one element or text of a parsed page. The parser is deliberately
// small: the IdP pages the driver reads are server-rendered and well formed,
// and the module takes no HTML dependency.
type node struct {
	tag      string // lower case; "" for text
	attrs    map[string]string
	children []*node
	parent   *node // nil for the document
	text     string
}

var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true,
}

// inlineElements do not separate their text from their neighbours'.
var inlineElements = map[string]bool{
	"a": true, "abbr": true, "b": true, "bdi": true, "bdo": true, "cite": true, "code": true, "data": true,
	"dfn": true, "em": true, "i": true, "kbd": true, "mark": true, "q": true, "s": true, "samp": true,
	"small": true, "span": true, "strong": true, "sub": true, "sup": true, "time": true, "u": true, "var": true,
}

var rawTextElements = map[string]bool{"script": true, "style": true, "textarea": true, "title": true}

// parseHTML builds a tree from src. It never fails: unknown constructs are
// skipped, unclosed elements are closed at the end.
func parseHTML(src string) *node {
	root := &node{tag: "#document"}
	stack := []*node{root}
	top := func() *node { return stack[len(stack)-1] }
	addText := func(s string) {
		if s != "" {
			top().children = append(top().children, &node{text: html.UnescapeString(s)})
		}
	}
	for i := 0; i < len(src); {
		lt := strings.IndexByte(src[i:], '<')
		if lt < 0 {
			addText(src[i:])
			break
		}
		addText(src[i : i+lt])
		i += lt
		switch {
		case strings.HasPrefix(src[i:], "<!--"):
			end := strings.Index(src[i+4:], "-->")
			if end < 0 {
				return root
			}
			i += 4 + end + 3
		case strings.HasPrefix(src[i:], "<!") || strings.HasPrefix(src[i:], "<?"):
			end := strings.IndexByte(src[i:], '>')
			if end < 0 {
				return root
			}
			i += end + 1
		case strings.HasPrefix(src[i:], "</"):
			end := strings.IndexByte(src[i:], '>')
			if end < 0 {
				return root
			}
			name := strings.ToLower(strings.TrimSpace(src[i+2 : i+end]))
			i += end + 1
			for j := len(stack) - 1; j > 0; j-- {
				if stack[j].tag == name {
					stack = stack[:j]
					break
				}
			}
		default:
			n, next, selfClosing, ok := parseStartTag(src, i)
			if !ok {
				addText("<")
				i++
				continue
			}
			i = next
			n.parent = top()
			top().children = append(top().children, n)
			if rawTextElements[n.tag] {
				end := strings.Index(strings.ToLower(src[i:]), "</"+n.tag)
				if end < 0 {
					end = len(src) - i
				}
				if end > 0 {
					raw := src[i : i+end]
					if n.tag == "title" || n.tag == "textarea" {
						raw = html.UnescapeString(raw)
					}
					n.children = append(n.children, &node{text: raw})
				}
				i += end
				if gt := strings.IndexByte(src[i:], '>'); gt >= 0 {
					i += gt + 1
				}
				continue
			}
			if !selfClosing && !voidElements[n.tag] {
				stack = append(stack, n)
			}
		}
	}
	return root
}

// parseStartTag reads "<name attr=value ...>" at src[i].
func parseStartTag(src string, i int) (n *node, next int, selfClosing, ok bool) {
	j := i + 1
	start := j
	for j < len(src) && isNameByte(src[j]) {
		j++
	}
	if j == start {
		return nil, i, false, false
	}
	n = &node{tag: strings.ToLower(src[start:j]), attrs: map[string]string{}}
	for j < len(src) {
		for j < len(src) && isSpace(src[j]) {
			j++
		}
		if j >= len(src) {
			return n, j, false, true
		}
		switch src[j] {
		case '>':
			return n, j + 1, false, true
		case '/':
			if j+1 < len(src) && src[j+1] == '>' {
				return n, j + 2, true, true
			}
			j++
			continue
		}
		as := j
		for j < len(src) && !isSpace(src[j]) && src[j] != '=' && src[j] != '>' && !(src[j] == '/' && j+1 < len(src) && src[j+1] == '>') {
			j++
		}
		name := strings.ToLower(src[as:j])
		for j < len(src) && isSpace(src[j]) {
			j++
		}
		value := ""
		if j < len(src) && src[j] == '=' {
			j++
			for j < len(src) && isSpace(src[j]) {
				j++
			}
			if j < len(src) && (src[j] == '"' || src[j] == '\'') {
				q := src[j]
				end := strings.IndexByte(src[j+1:], q)
				if end < 0 {
					return n, len(src), false, true
				}
				value = src[j+1 : j+1+end]
				j += end + 2
			} else {
				vs := j
				for j < len(src) && !isSpace(src[j]) && src[j] != '>' {
					j++
				}
				value = src[vs:j]
			}
		}
		if _, seen := n.attrs[name]; !seen && name != "" {
			n.attrs[name] = html.UnescapeString(value)
		}
	}
	return n, j, false, true
}

func isNameByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == ':'
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' }

// attr returns the attribute's value and whether it is present.
func (n *node) attr(name string) (string, bool) {
	v, ok := n.attrs[name]
	return v, ok
}

// findAll returns the elements under n (n included) that match.
func (n *node) findAll(match func(*node) bool) []*node {
	var out []*node
	var walk func(*node)
	walk = func(x *node) {
		if x.tag != "" && match(x) {
			out = append(out, x)
		}
		for _, c := range x.children {
			walk(c)
		}
	}
	walk(n)
	return out
}

// find returns the first element under n that matches, or nil.
func (n *node) find(match func(*node) bool) *node {
	if all := n.findAll(match); len(all) > 0 {
		return all[0]
	}
	return nil
}

func isTag(tag string) func(*node) bool {
	return func(n *node) bool { return n.tag == tag }
}

// textContent is the element's text with whitespace collapsed, skipping
// scripts and styles, as a reader sees it.
func (n *node) textContent() string {
	var b strings.Builder
	var walk func(*node)
	walk = func(x *node) {
		if x.tag == "script" || x.tag == "style" || x.tag == "head" || x.tag == "noscript" {
			return
		}
		if x.tag == "" {
			b.WriteString(x.text)
			return
		}
		block := !inlineElements[x.tag]
		if block {
			b.WriteByte(' ')
		}
		for _, c := range x.children {
			walk(c)
		}
		if block {
			b.WriteByte(' ')
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}
