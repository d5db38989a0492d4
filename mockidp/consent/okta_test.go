package consent

import (
	"slices"
	"testing"

	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/okta"
)

func sc(name, consent string, optional bool) *okta.Scope {
	return &okta.Scope{Name: name, Consent: consent, Optional: optional}
}

var (
	openid   = sc("openid", okta.ScopeImplicit, false)
	phone    = sc("phone", okta.ScopeRequired, false)
	email    = sc("email", okta.ScopeFlexible, false)
	address  = sc("address", okta.ScopeRequired, true)
	implicit = sc("orders:read", okta.ScopeImplicit, false)
)

func askNames(d OktaDecision) []string { return names(d.Ask) }

// TestO3_OktaDecisionTable walks every row of Okta's table.
func TestO3_OktaDecisionTable(t *testing.T) {
	consent := OktaPrompt{Consent: true}
	cases := []struct {
		name string
		f    OktaFacts
		show bool
		ask  []string
	}{
		{"CONSENT, TRUSTED, REQUIRED -> prompted", OktaFacts{ConsentMethod: okta.ConsentTrusted, Prompt: consent, Scopes: []*okta.Scope{openid, phone}}, true, []string{"phone"}},
		{"CONSENT, REQUIRED, REQUIRED -> prompted", OktaFacts{ConsentMethod: okta.ConsentRequired, Prompt: consent, Scopes: []*okta.Scope{openid, phone}}, true, []string{"phone"}},
		{"CONSENT, TRUSTED, FLEXIBLE -> prompted", OktaFacts{ConsentMethod: okta.ConsentTrusted, Prompt: consent, Scopes: []*okta.Scope{email}}, true, []string{"email"}},
		{"CONSENT, REQUIRED, FLEXIBLE -> prompted", OktaFacts{ConsentMethod: okta.ConsentRequired, Prompt: consent, Scopes: []*okta.Scope{email}}, true, []string{"email"}},
		{"CONSENT, TRUSTED, IMPLICIT -> not prompted", OktaFacts{ConsentMethod: okta.ConsentTrusted, Prompt: consent, Scopes: []*okta.Scope{openid, implicit}}, false, nil},
		{"NONE, TRUSTED, REQUIRED -> not prompted", OktaFacts{ConsentMethod: okta.ConsentTrusted, Scopes: []*okta.Scope{phone}}, false, nil},
		{"NONE, TRUSTED, FLEXIBLE -> not prompted", OktaFacts{ConsentMethod: okta.ConsentTrusted, Scopes: []*okta.Scope{email}}, false, nil},
		{"NONE, TRUSTED, IMPLICIT -> not prompted", OktaFacts{ConsentMethod: okta.ConsentTrusted, Scopes: []*okta.Scope{implicit}}, false, nil},
		{"NONE, REQUIRED, REQUIRED and FLEXIBLE -> prompted", OktaFacts{ConsentMethod: okta.ConsentRequired, Scopes: []*okta.Scope{openid, phone, email}}, true, []string{"phone", "email"}},
		{"NONE, REQUIRED, IMPLICIT -> not prompted", OktaFacts{ConsentMethod: okta.ConsentRequired, Scopes: []*okta.Scope{openid, implicit}}, false, nil},
		{"NONE, REQUIRED: granted scopes are not asked again", OktaFacts{ConsentMethod: okta.ConsentRequired, Scopes: []*okta.Scope{phone, email}, Granted: []string{"phone"}}, true, []string{"email"}},
		{"NONE, REQUIRED: everything granted -> not prompted", OktaFacts{ConsentMethod: okta.ConsentRequired, Scopes: []*okta.Scope{phone, email}, Granted: []string{"phone", "email"}}, false, nil},
		{"NONE, REQUIRED: a skipped optional scope is not asked again", OktaFacts{ConsentMethod: okta.ConsentRequired, Scopes: []*okta.Scope{address}, Skipped: []string{"address"}}, false, nil},
		{"CONSENT asks granted and skipped scopes again", OktaFacts{ConsentMethod: okta.ConsentRequired, Prompt: consent, Scopes: []*okta.Scope{phone, address}, Granted: []string{"phone"}, Skipped: []string{"address"}}, true, []string{"phone", "address"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := DecideOkta(c.f)
			if d.Show != c.show || !slices.Equal(askNames(d), c.ask) || d.Err != nil {
				t.Errorf("show %v ask %v err %v, want show %v ask %v", d.Show, askNames(d), d.Err, c.show, c.ask)
			}
		})
	}
}

func TestO3_PromptNoneWhereThePageWouldShowIsConsentRequired(t *testing.T) {
	d := DecideOkta(OktaFacts{ConsentMethod: okta.ConsentRequired, Prompt: OktaPrompt{None: true}, Scopes: []*okta.Scope{openid, phone}})
	if d.Show || d.Err == nil || d.Err.Code != oautherr.CodeConsentRequired || d.Err.Description != "The following scopes require user consent: [phone]." {
		t.Fatalf("got %+v", d)
	}
	// Nothing to ask: prompt=none goes through.
	d = DecideOkta(OktaFacts{ConsentMethod: okta.ConsentRequired, Prompt: OktaPrompt{None: true}, Scopes: []*okta.Scope{phone}, Granted: []string{"phone"}})
	if d.Show || d.Err != nil {
		t.Errorf("granted, prompt=none: %+v", d)
	}
}

func TestO3_PromptLoginConsentLogsInAgainThenAsksAsConsent(t *testing.T) {
	p, err := ParseOktaPrompt("login consent")
	if err != nil || !p.Login || !p.Consent || p.None {
		t.Fatalf("parse: %+v %v", p, err)
	}
	d := DecideOkta(OktaFacts{ConsentMethod: okta.ConsentTrusted, Prompt: p, Scopes: []*okta.Scope{phone}, Granted: []string{"phone"}})
	if !d.Reauthenticate || !d.Show || !slices.Equal(askNames(d), []string{"phone"}) {
		t.Errorf("got %+v", d)
	}
	d = DecideOkta(OktaFacts{ConsentMethod: okta.ConsentTrusted, Prompt: OktaPrompt{Login: true}, Scopes: []*okta.Scope{phone}})
	if !d.Reauthenticate || d.Show {
		t.Errorf("prompt=login, TRUSTED: %+v", d)
	}
}

func TestO3_ParseOktaPrompt(t *testing.T) {
	for _, ok := range []string{"", "none", "login", "consent", "consent login"} {
		if _, err := ParseOktaPrompt(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"select_account", "none consent", "login none"} {
		if _, err := ParseOktaPrompt(bad); err == nil || err.Code != oautherr.CodeInvalidRequest {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestO6_UntickedOptionalScopeIsSkippedAndLeftOutOfTheToken(t *testing.T) {
	ask := []*okta.Scope{phone, address}
	a, err := AnswerOkta(ask, true, nil)
	if err != nil || !slices.Equal(names(a.Grant), []string{"phone"}) || !slices.Equal(names(a.Skip), []string{"address"}) {
		t.Fatalf("unticked: %+v %v", a, err)
	}
	a, _ = AnswerOkta(ask, true, []string{"address", "phone"})
	if !slices.Equal(names(a.Grant), []string{"phone", "address"}) || len(a.Skip) != 0 {
		t.Errorf("ticked: %+v", a)
	}
	// A required scope cannot be unticked: it is granted whatever the form says.
	a, _ = AnswerOkta([]*okta.Scope{phone}, true, nil)
	if !slices.Equal(names(a.Grant), []string{"phone"}) {
		t.Errorf("required scope: %+v", a)
	}
	got := OktaTokenScopes([]*okta.Scope{openid, phone, address}, []string{"address"}, []string{"phone"})
	if !slices.Equal(got, []string{"openid", "phone"}) {
		t.Errorf("token scopes %v", got)
	}
	got = OktaTokenScopes([]*okta.Scope{openid, address}, []string{"address"}, []string{"address"})
	if !slices.Equal(got, []string{"openid", "address"}) {
		t.Errorf("granted after a skip: %v", got)
	}
}

func TestO7_DeclineIsAccessDenied(t *testing.T) {
	_, err := AnswerOkta([]*okta.Scope{phone}, false, []string{"phone"})
	if err == nil || err.Code != oautherr.CodeAccessDenied {
		t.Fatalf("got %v", err)
	}
}

func TestO4_ClientCredentialsRefusedARequiredScope(t *testing.T) {
	err := CheckOktaClientCredentials([]*okta.Scope{implicit, phone})
	if err == nil || err.Code != oautherr.CodeConsentRequired || err.HTTPStatus() != 400 ||
		err.Description != "The following scopes require user consent and cannot be granted for the client credentials grant type: [phone]." {
		t.Fatalf("got %+v", err)
	}
	// FLEXIBLE ("Block services" cleared) and IMPLICIT are granted.
	if err := CheckOktaClientCredentials([]*okta.Scope{email, implicit}); err != nil {
		t.Errorf("FLEXIBLE refused: %v", err)
	}
	// The seed's example: phone REQUIRED, then FLEXIBLE.
	p := *phone
	p.Consent = okta.ScopeFlexible
	if err := CheckOktaClientCredentials([]*okta.Scope{&p}); err != nil {
		t.Errorf("phone FLEXIBLE refused: %v", err)
	}
}

func TestO5_PasswordGrantForARequiredAppAndScope(t *testing.T) {
	err := CheckOktaPassword(okta.ConsentRequired, []*okta.Scope{openid, phone})
	want := "The following scopes require user consent: [phone]. To access protected scopes using the resource owner password grant type, please uncheck 'Require consent' in the app settings or set the 'consent_method' to 'TRUSTED' through the apps API."
	if err == nil || err.Code != oautherr.CodeConsentRequired || err.HTTPStatus() != 400 || err.Description != want {
		t.Fatalf("got %+v", err)
	}
	if err := CheckOktaPassword(okta.ConsentTrusted, []*okta.Scope{phone}); err != nil {
		t.Errorf("TRUSTED app refused: %v", err)
	}
	if err := CheckOktaPassword(okta.ConsentRequired, []*okta.Scope{openid, implicit}); err != nil {
		t.Errorf("IMPLICIT scopes refused: %v", err)
	}
}
