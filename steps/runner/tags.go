package runner

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/consentry/consentry/steps/report"
)

// TagError is a --tags expression that cannot be used. Its message is one
// line that says what is wrong and how tags are written.
type TagError struct {
	Expr, Problem string
	// Syntax is set when the expression is malformed (not just naming an
	// unknown rule): the message then says how tags are written.
	Syntax bool
}

func (e *TagError) Error() string {
	msg := fmt.Sprintf("--tags %q: %s", e.Expr, e.Problem)
	if e.Syntax {
		msg += " (write tags as @tag, join with && for and, ',' for or, prefix ~ for not: '@rule:C1,@rule:C2 && ~@exclusive')"
	}
	return msg
}

var tagTerm = regexp.MustCompile(`^~?@?[^\s,&~@()!|]+$`)

// ValidateTags checks a godog tag expression before godog sees it (godog
// panics on some malformed ones): every term of every && group and ,
// list is a tag, optionally negated with ~; a @rule:ID tag names a rule of
// the spec.
func ValidateTags(expr string) error {
	if strings.TrimSpace(expr) == "" {
		return nil
	}
	for _, group := range strings.Split(expr, "&&") {
		if strings.TrimSpace(group) == "" {
			return &TagError{expr, "an && has nothing on one side", true}
		}
		for _, term := range strings.Split(group, ",") {
			term = strings.TrimSpace(term)
			switch {
			case term == "":
				return &TagError{expr, "a ',' has nothing on one side", true}
			case strings.ContainsAny(term, " \t"):
				return &TagError{expr, fmt.Sprintf("%q is not one tag (and/or/not words and spaces inside a term are not supported)", term), true}
			case !tagTerm.MatchString(term):
				return &TagError{expr, fmt.Sprintf("%q is not a tag", term), true}
			}
			name := strings.TrimPrefix(strings.TrimPrefix(term, "~"), "@")
			if id, ok := strings.CutPrefix(name, "rule:"); ok {
				if _, known := report.RuleByID(id); !known {
					return &TagError{expr, fmt.Sprintf("the spec has no rule %s (consentry rules lists them)", id), false}
				}
			}
		}
	}
	return nil
}

// matchTags reports whether a scenario with the tags is selected by the
// expression, with godog's semantics: && binds groups that must all hold,
// a group holds when any of its , terms does, ~ negates a term, and the @
// of a tag is optional.
func matchTags(expr string, tags []string) bool {
	if strings.TrimSpace(expr) == "" {
		return true
	}
	has := func(name string) bool {
		for _, t := range tags {
			if strings.TrimPrefix(t, "@") == name {
				return true
			}
		}
		return false
	}
	for _, group := range strings.Split(expr, "&&") {
		ok := false
		for _, term := range strings.Split(group, ",") {
			term = strings.ReplaceAll(strings.TrimSpace(term), "@", "")
			if neg, found := strings.CutPrefix(term, "~"); found {
				ok = ok || !has(neg)
			} else {
				ok = ok || has(term)
			}
		}
		if !ok {
			return false
		}
	}
	return true
}
