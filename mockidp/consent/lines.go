package consent

import (
	"strings"
)

// Line is one line of the consent page.
type Line struct {
	// Title is the resource ("Posts"); empty when the line is a description.
	Title string
	// Text is the sentence ("read and write your posts").
	Text string
	// Scopes are the scope values the line stands for.
	Scopes []string
}

// String renders the line as the page shows it.
func (l Line) String() string {
	if l.Title == "" {
		return l.Text
	}
	return l.Title + ": " + l.Text
}

// oidcLines words the OpenID Connect scopes (mock's choice of wording).
var oidcLines = map[string]Line{
	"openid":         {Title: "Identity", Text: "know who you are"},
	"profile":        {Title: "Profile", Text: "access your name and picture"},
	"email":          {Title: "Email", Text: "access your email address"},
	"offline_access": {Title: "Offline access", Text: "keep access when you are not signed in"},
}

// Lines words scopes for the consent page (rule C7). By default the scopes
// of one resource ("read:posts", "write:posts") share a line: "Posts: read
// and write your posts". With useDescriptions each scope has a line of its
// own showing its description, or its value where it has none. describe
// returns a scope's description ("" when none).
func Lines(scopes []string, describe func(string) string, useDescriptions bool) []Line {
	var out []Line
	if useDescriptions {
		for _, s := range scopes {
			d := describe(s)
			if d == "" {
				d = s
			}
			out = append(out, Line{Text: d, Scopes: []string{s}})
		}
		return out
	}
	index := map[string]int{} // resource -> position in out
	actions := map[string][]string{}
	for _, s := range scopes {
		if l, ok := oidcLines[s]; ok {
			l.Scopes = []string{s}
			out = append(out, l)
			continue
		}
		action, resource, ok := strings.Cut(s, ":")
		if !ok || action == "" || resource == "" {
			out = append(out, Line{Text: s, Scopes: []string{s}})
			continue
		}
		i, seen := index[resource]
		if !seen {
			i = len(out)
			index[resource] = i
			out = append(out, Line{Title: titleOf(resource)})
		}
		out[i].Scopes = append(out[i].Scopes, s)
		actions[resource] = append(actions[resource], humanize(action))
	}
	for resource, i := range index {
		out[i].Text = joinAnd(actions[resource]) + " your " + humanize(resource)
	}
	return out
}

func humanize(s string) string {
	return strings.NewReplacer("_", " ", "-", " ", ".", " ").Replace(s)
}

func titleOf(resource string) string {
	h := humanize(resource)
	if h == "" {
		return h
	}
	return strings.ToUpper(h[:1]) + h[1:]
}

// joinAnd joins words as "a", "a and b", "a, b and c".
func joinAnd(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
