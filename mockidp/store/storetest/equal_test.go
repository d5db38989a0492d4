package storetest

import (
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/tenant"
)

func TestEqual(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name string
		a, b any
		want bool
	}{
		{"nil and empty slice", &tenant.Client{Callbacks: nil}, &tenant.Client{Callbacks: []string{}}, true},
		{"different slices", &tenant.Client{Callbacks: []string{"a"}}, &tenant.Client{Callbacks: []string{"b"}}, false},
		{"longer slice", &tenant.Client{Callbacks: []string{"a"}}, &tenant.Client{Callbacks: []string{"a", "b"}}, false},
		{"same instant, other location", &tenant.User{CreatedAt: now}, &tenant.User{CreatedAt: now.UTC().Round(0)}, true},
		{"other instant", &tenant.User{CreatedAt: now}, &tenant.User{CreatedAt: now.Add(time.Second)}, false},
		{"nil and set pointer", &tenant.Client{}, &tenant.Client{TokenExchange: &tenant.ClientTokenExchange{}}, false},
		{"pointers to equal values", &tenant.API{TokenExchange: &tenant.APITokenExchange{}}, &tenant.API{TokenExchange: &tenant.APITokenExchange{}}, true},
		{"string field", tenant.Scope{Value: "a"}, tenant.Scope{Value: "b"}, false},
		{"nil and non-nil top level", (*tenant.Client)(nil), &tenant.Client{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := equal(tt.a, tt.b); got != tt.want {
				t.Errorf("equal = %v, want %v", got, tt.want)
			}
		})
	}
}
