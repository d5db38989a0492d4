package driver

import (
	"reflect"
	"testing"
)

func TestSelectorsWithDefaults(t *testing.T) {
	want := DefaultSelectors()
	want.Next = want.Login // Next defaults to the login button
	if got := (Selectors{}).WithDefaults(); !reflect.DeepEqual(got, want) {
		t.Errorf("zero value: got %#v, want the defaults", got)
	}
	if got := (Selectors{Login: "#go"}).WithDefaults(); got.Next != "#go" {
		t.Errorf("Next defaults to the profile's login button, got %q", got.Next)
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
	if n := len(s.All()); n != 9+1+2+1+1 {
		t.Errorf("All() has %d selectors", n)
	}
}

// A page is ambiguous only when the selectors of its kind are all among
// another kind's: nothing of its own tells it apart. The mock's markup
// (data-prompt) never is.
func TestAmbiguousKinds(t *testing.T) {
	def := DefaultSelectors()
	for _, k := range []Kind{KindLogin, KindConsent, KindConfirmation, KindError} {
		if a := def.Ambiguous(k); a != nil {
			t.Errorf("mock markup: %s ambiguous with %v", k, a)
		}
	}
	byScopes := Selectors{ConsentPage: []string{"#ok", "ul li"}, ConfirmationPage: []string{"#ok"}}.WithDefaults()
	if a := byScopes.Ambiguous(KindConfirmation); !reflect.DeepEqual(a, []Kind{KindConsent}) {
		t.Errorf("confirmation told only by a missing scope list: %v, want [consent]", a)
	}
	if a := byScopes.Ambiguous(KindConsent); a != nil {
		t.Errorf("a page with a scope list is a consent page: %v", a)
	}
	own := Selectors{ConsentPage: []string{"#ok", "ul li"}, ConfirmationPage: []string{"#ok", ".confirm"}}.WithDefaults()
	if a := own.Ambiguous(KindConfirmation); a != nil {
		t.Errorf("a confirmation marker of its own: %v", a)
	}
	same := Selectors{ConsentPage: []string{"#ok"}, ConfirmationPage: []string{"#ok"}}.WithDefaults()
	if a := same.Ambiguous(KindConsent); !reflect.DeepEqual(a, []Kind{KindConfirmation}) {
		t.Errorf("identical selectors: consent ambiguous with %v, want [confirmation]", a)
	}
}

func TestErrorPatterns(t *testing.T) {
	p, err := Selectors{ErrorPattern: `code: ([a-z_]+)`, ErrorDescriptionPattern: `^Reason: .*$`}.CompilePatterns()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ got, want string }{
		{Extract(p.Error, "The request was refused (error code: access_denied)."), "access_denied"},
		{Extract(p.Error, "no code here"), ""},
		{Extract(p.ErrorDescription, "Reason: the user said no"), "Reason: the user said no"},
		{Extract(nil, "whole text"), "whole text"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	for _, bad := range []Selectors{{ErrorPattern: `(`}, {ErrorDescriptionPattern: `(a)(b)`}} {
		if _, err := bad.CompilePatterns(); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}
