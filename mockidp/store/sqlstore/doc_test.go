package sqlstore_test

import (
	"reflect"
	"testing"

	"github.com/consentry/consentry/mockidp/tenant"
)

// TestStoredTypesSurviveJSON guards the document encoding: the store keeps
// each object as its JSON, so a field JSON skips (json:"-") or cannot see
// (unexported) would be silently lost on a durable store while the in-memory
// one kept it. The password hash is the one such field, and it has a column.
func TestStoredTypesSurviveJSON(t *testing.T) {
	stored := []any{tenant.Client{}, tenant.API{}, tenant.User{}, tenant.ClientGrant{}, tenant.UserGrant{},
		tenant.Settings{}, tenant.RefreshToken{}, tenant.SigningKey{}}
	allowed := map[string]bool{"User.PasswordHash": true}
	var walk func(rt reflect.Type, path string)
	walk = func(rt reflect.Type, path string) {
		for rt.Kind() == reflect.Pointer || rt.Kind() == reflect.Slice {
			rt = rt.Elem()
		}
		if rt.Kind() != reflect.Struct || rt.PkgPath() != reflect.TypeFor[tenant.Client]().PkgPath() {
			return
		}
		for i := range rt.NumField() {
			f := rt.Field(i)
			name := rt.Name() + "." + f.Name
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
