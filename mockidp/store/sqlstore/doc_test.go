package sqlstore_test

import (
	"reflect"
	"testing"

	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/tenant"
)

// TestStoredTypesSurviveJSON guards the document encoding: the store keeps
// each object as its JSON, so a field JSON skips (json:"-") or cannot see
// (unexported) would be silently lost on a durable store while the in-memory
// one kept it. The password hash is the one such field, and it has a column.
func TestStoredTypesSurviveJSON(t *testing.T) {
	stored := []any{tenant.Client{}, tenant.API{}, tenant.User{}, tenant.ClientGrant{}, tenant.UserGrant{},
		tenant.Settings{}, tenant.RefreshToken{}, tenant.SigningKey{},
		session.Session{}, session.Transaction{}, session.Code{},
		okta.App{}, okta.User{}, okta.AppUser{}, okta.AuthServer{}, okta.Scope{}, okta.Policy{}, okta.Rule{}, okta.Grant{}}
	// The fields kept in columns of their own.
	allowed := map[string]bool{"tenant.User.PasswordHash": true, "okta.User.PasswordHash": true,
		"okta.AppUser.AppID": true, "okta.Scope.ServerID": true, "okta.Policy.ServerID": true,
		"okta.Rule.ServerID": true, "okta.Rule.PolicyID": true, "okta.Grant.ServerID": true}
	ours := map[string]bool{}
	for _, v := range []any{tenant.Client{}, session.Session{}, okta.App{}} {
		ours[reflect.TypeOf(v).PkgPath()] = true
	}
	var walk func(rt reflect.Type, path string)
	walk = func(rt reflect.Type, path string) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || !ours[rt.PkgPath()] {
			return
		}
		for i := range rt.NumField() {
			f := rt.Field(i)
			name := rt.String() + "." + f.Name
			if !f.IsExported() || f.Tag.Get("json") == "-" {
				if !allowed[name] {
					t.Errorf("%s (in %s) is not encoded by encoding/json, so sqlstore would lose it: give it a JSON name or a column", name, path)
				}
				continue
			}
			walk(f.Type, path+"."+f.Name)
		}
	}
	for _, v := range stored {
		rt := reflect.TypeOf(v)
		walk(rt, rt.Name())
	}
}
