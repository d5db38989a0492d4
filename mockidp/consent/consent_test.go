package consent

import (
	"reflect"
	"testing"
)

func TestC1_ThirdPartyAlwaysAsked_EvenWhenAPIAllowsSkipping(t *testing.T) {
	f := Facts{FirstParty: false, APISkipsConsent: true, VerifiableCallback: true, Requested: []string{"read:posts"}}
	if got := Decide(f); got != Consent {
		t.Fatalf("third-party client: got %v, want consent", got)
	}
}

func TestC2_GrantCoveringScopesSkipsThePage_WiderRequestAsksAgain(t *testing.T) {
	f := Facts{VerifiableCallback: true, Requested: []string{"read:posts"}, HasGrant: true, Granted: []string{"read:posts", "write:posts"}}
	if got := Decide(f); got != None {
		t.Fatalf("covered: got %v, want none", got)
	}
	f.Requested = []string{"read:posts", "delete:posts"}
	if got := Decide(f); got != Consent {
		t.Fatalf("beyond the grant: got %v, want consent", got)
	}
}

func TestC1_FirstAccessIsConsentedEvenWithNoScopes(t *testing.T) {
	if got := Decide(Facts{VerifiableCallback: true}); got != Consent {
		t.Fatalf("no grant, no scopes: got %v, want consent", got)
	}
	if got := Decide(Facts{VerifiableCallback: true, HasGrant: true}); got != None {
		t.Fatalf("grant, no scopes: got %v, want none", got)
	}
}

func TestC3_FirstPartyAskedWhenAPIDoesNotAllowSkipping(t *testing.T) {
	f := Facts{FirstParty: true, VerifiableCallback: true, Requested: []string{"read:posts"}}
	if got := Decide(f); got != Consent {
		t.Fatalf("got %v, want consent", got)
	}
}

func TestC4_FirstPartyVerifiableCallbackSkipsConsent(t *testing.T) {
	f := Facts{FirstParty: true, APISkipsConsent: true, VerifiableCallback: true, Requested: []string{"read:posts"}}
	if got := Decide(f); got != None {
		t.Fatalf("got %v, want none", got)
	}
}

func TestC5_PromptConsentAlwaysShowsThePage(t *testing.T) {
	for _, f := range []Facts{
		{FirstParty: true, APISkipsConsent: true, VerifiableCallback: true, PromptConsent: true},
		{Requested: []string{"a:b"}, HasGrant: true, Granted: []string{"a:b"}, PromptConsent: true, VerifiableCallback: true},
	} {
		if got := Decide(f); got != Consent {
			t.Fatalf("%+v: got %v, want consent", f, got)
		}
	}
}

func TestC6_NonVerifiableCallbackGetsConfirmationUnlessAScreenWasShown(t *testing.T) {
	f := Facts{FirstParty: true, APISkipsConsent: true, VerifiableCallback: false, Requested: []string{"read:posts"}}
	if got := Decide(f); got != Confirmation {
		t.Fatalf("SSO, no screen yet: got %v, want confirmation", got)
	}
	f.ScreenShown = true
	if got := Decide(f); got != None {
		t.Fatalf("after the login page: got %v, want none", got)
	}
}

func TestK6_SkipConfirmationTurnsTheConfirmationOff(t *testing.T) {
	f := Facts{FirstParty: true, APISkipsConsent: true, SkipConfirmation: true}
	if got := Decide(f); got != None {
		t.Fatalf("got %v, want none", got)
	}
}

func TestC7_ScopesOfOneResourceShareALine(t *testing.T) {
	none := func(string) string { return "" }
	got := Lines([]string{"read:posts", "write:posts", "read:comments", "delete:posts"}, none, false)
	want := []string{"Posts: read, write and delete your posts", "Comments: read your comments"}
	if len(got) != len(want) {
		t.Fatalf("got %d lines %v", len(got), got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("line %d: got %q, want %q", i, got[i].String(), want[i])
		}
	}
	two := Lines([]string{"read:posts", "write:posts"}, none, false)
	if two[0].String() != "Posts: read and write your posts" {
		t.Errorf("got %q", two[0].String())
	}
	if !reflect.DeepEqual(two[0].Scopes, []string{"read:posts", "write:posts"}) {
		t.Errorf("scopes %v", two[0].Scopes)
	}
}

func TestC7_DescriptionsFlagShowsOneLinePerScope(t *testing.T) {
	desc := map[string]string{"read:posts": "Read your blog posts"}
	got := Lines([]string{"read:posts", "write:posts"}, func(s string) string { return desc[s] }, true)
	if len(got) != 2 || got[0].String() != "Read your blog posts" || got[1].String() != "write:posts" {
		t.Fatalf("got %v", got)
	}
}
