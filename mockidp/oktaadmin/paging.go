package oktaadmin

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// page cuts a list by Okta's cursor paging: limit (default def, at most
// max) and after (the id of the last item of the previous page). It sets
// the Link headers rel="self" and, when more items follow, rel="next"
// (the only way Okta's clients find the next page).
func page[T any](w http.ResponseWriter, r *http.Request, base string, items []T, id func(T) string, def, max int) ([]T, error) {
	q := r.URL.Query()
	limit := def
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return nil, invalid("limit", "limit: must be a whole number of at least 1")
		}
		limit = min(n, max)
	}
	start := 0
	if after := q.Get("after"); after != "" {
		start = len(items)
		for i, it := range items {
			if id(it) == after {
				start = i + 1
				break
			}
		}
	}
	end := min(start+limit, len(items))
	out := items[start:end]
	self := base + r.URL.Path
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	links := []string{"<" + self + `>; rel="self"`}
	if end < len(items) && len(out) > 0 {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("after", id(out[len(out)-1]))
		next.Set("limit", strconv.Itoa(limit))
		links = append(links, "<"+base+r.URL.Path+"?"+next.Encode()+`>; rel="next"`)
	}
	for _, l := range links {
		w.Header().Add("Link", l)
	}
	if out == nil {
		out = []T{}
	}
	return out, nil
}

// matchQ reports whether any of fields starts with q (case-insensitive),
// Okta's "q" search of names and labels.
func matchQ(q string, fields ...string) bool {
	if q == "" {
		return true
	}
	q = strings.ToLower(q)
	for _, f := range fields {
		if strings.HasPrefix(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}
