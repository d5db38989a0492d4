package driver

import (
	"reflect"
	"testing"
)

func TestSelectorsWithDefaults(t *testing.T) {
	if got := (Selectors{}).WithDefaults(); !reflect.DeepEqual(got, DefaultSelectors()) {
		t.Errorf("zero value: got %#v, want the defaults", got)
	}
	s := Selectors{Accept: "#ok", ConsentPage: []string{"", "form #ok", "ul.scopes li"}, ErrorPage: []string{""}}.WithDefaults()
	def := DefaultSelectors()
	if s.Accept != "#ok" || s.Decline != def.Decline || s.Username != def.Username {
		t.Errorf("strings: %#v", s)
	}
	if !reflect.DeepEqual(s.ConsentPage, []string{"form #ok", "ul.scopes li"}) || !reflect.DeepEqual(s.ErrorPage, def.ErrorPage) {
		t.Errorf("page kinds: consent %q error %q", s.ConsentPage, s.ErrorPage)
	}
	kinds := s.PageKinds()
	if len(kinds) != 4 || kinds[0].Kind != KindLogin || kinds[1].Kind != KindConsent || kinds[2].Kind != KindConfirmation || kinds[3].Kind != KindError {
		t.Errorf("kind order: %v", kinds)
	}
	if n := len(s.All()); n != 8+1+2+1+1 {
		t.Errorf("All() has %d selectors", n)
	}
}
