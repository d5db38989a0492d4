package httpua

import (
	"fmt"
	"strings"
)

// selector is a parsed CSS selector list, in the subset the driver needs to
// read an IdP's pages: type selectors (tag, *), #id, .class, [attr],
// [attr=value] (value bare, "quoted" or 'quoted'), the descendant (space)
// and child (>) combinators, and comma lists. Anything else (pseudo-classes,
// other attribute operators, sibling combinators) is an error when the
// selector is compiled, never a silent mismatch.
type selector struct {
	src  string
	alts []complexSel // any of them
}

// complexSel is compounds joined by combinators, left to right:
// combs[i] joins parts[i] and parts[i+1].
type complexSel struct {
	parts []compound
	combs []byte // ' ' descendant, '>' child
}

type compound struct {
	tag     string // "" or "*": any
	ids     []string
	classes []string
	attrs   []attrSel
}

type attrSel struct {
	name     string
	value    string
	hasValue bool
}

// compileSelector parses src.
func compileSelector(src string) (*selector, error) {
	s := &selector{src: src}
	p := &cssParser{src: src}
	for {
		p.skipSpace()
		c, err := p.complex()
		if err != nil {
			return nil, fmt.Errorf("selector %q: %w", src, err)
		}
		s.alts = append(s.alts, c)
		p.skipSpace()
		if p.eof() {
			return s, nil
		}
		if p.peek() != ',' {
			return nil, fmt.Errorf("selector %q: unsupported %q at offset %d (the HTTP driver knows tag, #id, .class, [attr], [attr=value], descendant and > combinators, comma lists)", src, p.src[p.i:], p.i)
		}
		p.i++
	}
}

type cssParser struct {
	src string
	i   int
}

func (p *cssParser) eof() bool  { return p.i >= len(p.src) }
func (p *cssParser) peek() byte { return p.src[p.i] }

func (p *cssParser) skipSpace() bool {
	start := p.i
	for !p.eof() && isSpace(p.peek()) {
		p.i++
	}
	return p.i > start
}

func (p *cssParser) complex() (complexSel, error) {
	var c complexSel
	for {
		comp, err := p.compound()
		if err != nil {
			return c, err
		}
		c.parts = append(c.parts, comp)
		spaced := p.skipSpace()
		if p.eof() || p.peek() == ',' {
			return c, nil
		}
		switch {
		case p.peek() == '>':
			p.i++
			p.skipSpace()
			c.combs = append(c.combs, '>')
		case spaced:
			c.combs = append(c.combs, ' ')
		default:
			return c, fmt.Errorf("unsupported %q at offset %d", p.src[p.i:], p.i)
		}
	}
}

func (p *cssParser) compound() (compound, error) {
	var c compound
	start := p.i
	if !p.eof() && p.peek() == '*' {
		c.tag = "*"
		p.i++
	} else if name := p.ident(); name != "" {
		c.tag = strings.ToLower(name)
	}
	for !p.eof() {
		switch p.peek() {
		case '#':
			p.i++
			id := p.ident()
			if id == "" {
				return c, fmt.Errorf("empty #id at offset %d", p.i)
			}
			c.ids = append(c.ids, id)
		case '.':
			p.i++
			cl := p.ident()
			if cl == "" {
				return c, fmt.Errorf("empty .class at offset %d", p.i)
			}
			c.classes = append(c.classes, cl)
		case '[':
			a, err := p.attr()
			if err != nil {
				return c, err
			}
			c.attrs = append(c.attrs, a)
		default:
			if p.i == start {
				return c, fmt.Errorf("expected a selector at offset %d, got %q", p.i, p.src[p.i:])
			}
			return c, nil
		}
	}
	if p.i == start {
		return c, fmt.Errorf("empty selector at offset %d", p.i)
	}
	return c, nil
}

// ident reads a CSS identifier (letters, digits, -, _, and non-ASCII; a
// backslash escapes the next character).
func (p *cssParser) ident() string {
	var b strings.Builder
	for !p.eof() {
		ch := p.peek()
		switch {
		case ch == '\\' && p.i+1 < len(p.src):
			b.WriteByte(p.src[p.i+1])
			p.i += 2
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9', ch == '-', ch == '_', ch >= 0x80:
			b.WriteByte(ch)
			p.i++
		default:
			return b.String()
		}
	}
	return b.String()
}

func (p *cssParser) attr() (attrSel, error) {
	var a attrSel
	p.i++ // [
	p.skipSpace()
	a.name = strings.ToLower(p.ident())
	if a.name == "" {
		return a, fmt.Errorf("empty attribute name at offset %d", p.i)
	}
	p.skipSpace()
	if p.eof() {
		return a, fmt.Errorf("unterminated [%s", a.name)
	}
	switch p.peek() {
	case ']':
		p.i++
		return a, nil
	case '=':
		p.i++
	default:
		return a, fmt.Errorf("unsupported attribute operator %q in [%s (only [attr] and [attr=value])", p.src[p.i:], a.name)
	}
	p.skipSpace()
	if p.eof() {
		return a, fmt.Errorf("unterminated [%s=", a.name)
	}
	a.hasValue = true
	if q := p.peek(); q == '"' || q == '\'' {
		end := strings.IndexByte(p.src[p.i+1:], q)
		if end < 0 {
			return a, fmt.Errorf("unterminated string in [%s=", a.name)
		}
		a.value = p.src[p.i+1 : p.i+1+end]
		p.i += end + 2
	} else {
		a.value = p.ident()
		if a.value == "" {
			return a, fmt.Errorf("empty value in [%s=", a.name)
		}
	}
	p.skipSpace()
	if p.eof() || p.peek() != ']' {
		return a, fmt.Errorf("expected ] after [%s=%q", a.name, a.value)
	}
	p.i++
	return a, nil
}

// matches reports whether element n matches the selector list.
func (s *selector) matches(n *node) bool {
	if n == nil || n.tag == "" || n.tag == "#document" {
		return false
	}
	for _, c := range s.alts {
		if c.matchAt(n, len(c.parts)-1) {
			return true
		}
	}
	return false
}

// matchAt reports whether n matches parts[i] with parts[:i] matched by its
// ancestors as the combinators ask.
func (c complexSel) matchAt(n *node, i int) bool {
	if !c.parts[i].matches(n) {
		return false
	}
	if i == 0 {
		return true
	}
	if c.combs[i-1] == '>' {
		return n.parent != nil && c.matchAt(n.parent, i-1)
	}
	for a := n.parent; a != nil; a = a.parent {
		if c.matchAt(a, i-1) {
			return true
		}
	}
	return false
}

func (c compound) matches(n *node) bool {
	if n.tag == "" || n.tag == "#document" {
		return false
	}
	if c.tag != "" && c.tag != "*" && c.tag != n.tag {
		return false
	}
	for _, id := range c.ids {
		if v, ok := n.attr("id"); !ok || v != id {
			return false
		}
	}
	if len(c.classes) > 0 {
		have := strings.Fields(n.attrs["class"])
		for _, cl := range c.classes {
			found := false
			for _, h := range have {
				if h == cl {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
	}
	for _, a := range c.attrs {
		v, ok := n.attr(a.name)
		if !ok || a.hasValue && v != a.value {
			return false
		}
	}
	return true
}

// match returns a matcher for find and findAll.
func (s *selector) match() func(*node) bool { return s.matches }
