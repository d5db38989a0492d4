package config

import (
	"fmt"
	"strings"
)

// Error is one problem in a tenant file.
type Error struct {
	File  string // the file's name
	Item  string // e.g. `clients[2] "Partner App"`; empty for the whole file
	Field string // e.g. "callbacks[1]"; empty for the whole item
	Msg   string
	Err   error // the underlying error, if any (e.g. from the store)
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	for _, part := range []string{e.Item, e.Field, e.Msg} {
		if part != "" {
			b.WriteString(": ")
			b.WriteString(part)
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Errors are all the problems found in a tenant file, in file order.
type Errors []*Error

// Error returns the problems on one line, separated by "; ".
func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap lets errors.As find each *Error.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// itemLabel names an item for error messages: `clients[2] "Partner App"`.
func itemLabel(section string, i int, name string) string {
	if name == "" {
		return fmt.Sprintf("%s[%d]", section, i)
	}
	return fmt.Sprintf("%s[%d] %q", section, i, name)
}
