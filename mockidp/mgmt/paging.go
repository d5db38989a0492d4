package mgmt

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
)

// Paging defaults and limits, as Auth0's.
const (
	defaultPerPage = 50
	maxPerPage     = 100
)

// paging is a list request's page, per_page and include_totals.
type paging struct {
	page, perPage int
	totals        bool
}

func parsePaging(q url.Values) (paging, error) {
	p := paging{perPage: defaultPerPage}
	var err error
	if p.page, err = queryInt(q, "page", 0, 0, math.MaxInt32); err != nil {
		return p, err
	}
	if p.perPage, err = queryInt(q, "per_page", defaultPerPage, 1, maxPerPage); err != nil {
		return p, err
	}
	if p.totals, err = queryBool(q, "include_totals"); err != nil {
		return p, err
	}
	return p, nil
}

func queryInt(q url.Values, name string, def, lo, hi int) (int, error) {
	s := q.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errQuery(name, "Expected type integer but found type string")
	}
	if n < lo {
		return 0, errQuery(name, "Value "+s+" is less than minimum "+strconv.Itoa(lo))
	}
	if n > hi {
		return 0, errQuery(name, "Value "+s+" is greater than maximum "+strconv.Itoa(hi))
	}
	return n, nil
}

// queryBool reads an optional "true"/"false" query parameter.
func queryBool(q url.Values, name string) (bool, error) {
	switch q.Get(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, errQuery(name, "Expected type boolean but found type string")
}

// writePage answers a list request: the page's items as a bare array, or
// with include_totals an object holding them under key with start, limit,
// total and (when withLength) length.
func writePage[T any](w http.ResponseWriter, p paging, key string, all []T, withLength bool) {
	start := min(p.page*p.perPage, len(all))
	end := min(start+p.perPage, len(all))
	items := all[start:end]
	if items == nil {
		items = []T{}
	}
	if !p.totals {
		writeJSON(w, http.StatusOK, items)
		return
	}
	body := map[string]any{
		"start": p.page * p.perPage,
		"limit": p.perPage,
		"total": len(all),
		key:     items,
	}
	if withLength {
		body["length"] = len(items)
	}
	writeJSON(w, http.StatusOK, body)
}
