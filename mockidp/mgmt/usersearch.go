package mgmt

import (
	"net/http"
	"strings"

	"github.com/consentry/consentry/mockidp/tenant"
)

// User search (GET /api/v2/users?q=...). Auth0 reads q as a Lucene query
// (search engine v3). The mock reads the subset tests and tools use to
// find users: terms field:value, field:"a phrase" or field:prefix*, joined
// by AND (or by spaces, which Lucene reads as AND for these fields), on the
// fields the mock keeps. Anything else is a 400 that says what the mock
// reads, never a silently ignored filter: a q that matched everyone made a
// "find the user by email, then delete it" script delete the first user of
// the tenant.

// maxUserQuery bounds q, as Auth0 bounds its query strings.
const maxUserQuery = 2048

// userFields are the fields q may name, and how to read each.
var userFields = map[string]func(*tenant.User) string{
	"user_id":               func(u *tenant.User) string { return u.UserID },
	"email":                 func(u *tenant.User) string { return u.Email },
	"username":              func(u *tenant.User) string { return u.Username },
	"name":                  func(u *tenant.User) string { return u.Name },
	"identities.connection": func(u *tenant.User) string { return u.Connection },
	"identities.provider":   func(u *tenant.User) string { p, _, _ := strings.Cut(u.UserID, "|"); return p },
	"identities.user_id":    func(u *tenant.User) string { _, id, _ := strings.Cut(u.UserID, "|"); return id },
}

// userTerm is one field:value term of q.
type userTerm struct {
	field, value string
	prefix       bool
}

func errUserQuery(msg string) *apiError {
	return newError(http.StatusBadRequest, codeInvalidQuery, "Query validation error: '"+msg+"' on property q.")
}

// parseUserQuery reads q into terms that must all match.
func parseUserQuery(q string) ([]userTerm, error) {
	if len(q) > maxUserQuery {
		return nil, errUserQuery("String is too long (at most 2048 characters)")
	}
	var terms []userTerm
	rest := strings.TrimSpace(q)
	for rest != "" {
		field, after, ok := strings.Cut(rest, ":")
		field = strings.TrimSpace(field)
		if !ok || field == "" || strings.ContainsAny(field, " \"()") {
			return nil, errUserQuery(`The mock reads q as field:value terms joined by AND (field:"a phrase", field:prefix*), e.g. email:"alice@example.com"`)
		}
		if _, known := userFields[field]; !known {
			return nil, errUserQuery("The mock cannot search the field " + field + " (it searches user_id, email, username, name, identities.connection, identities.provider, identities.user_id)")
		}
		var value string
		if strings.HasPrefix(after, `"`) {
			end := strings.IndexByte(after[1:], '"')
			if end < 0 {
				return nil, errUserQuery("Unterminated quoted value")
			}
			value, rest = after[1:1+end], after[2+end:]
		} else {
			value, rest, _ = strings.Cut(after, " ")
		}
		t := userTerm{field: field, value: value}
		if strings.HasSuffix(t.value, "*") {
			t.prefix, t.value = true, strings.TrimSuffix(t.value, "*")
		}
		if t.value == "" || strings.ContainsAny(t.value, `*?()`) {
			return nil, errUserQuery("The value of " + field + " is empty or uses wildcards other than a trailing *")
		}
		terms = append(terms, t)
		rest = strings.TrimSpace(rest)
		if next, ok := strings.CutPrefix(rest, "AND "); ok {
			rest = strings.TrimSpace(next)
		} else if strings.HasPrefix(rest, "OR ") || strings.HasPrefix(rest, "NOT ") {
			return nil, errUserQuery("The mock reads only AND between terms")
		}
	}
	return terms, nil
}

// matches reports whether u matches every term; values compare without
// case, as Auth0's search does for these fields.
func matchesUser(u *tenant.User, terms []userTerm) bool {
	for _, t := range terms {
		got := strings.ToLower(userFields[t.field](u))
		want := strings.ToLower(t.value)
		if t.prefix && !strings.HasPrefix(got, want) || !t.prefix && got != want {
			return false
		}
	}
	return true
}
