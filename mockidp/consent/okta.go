package consent

import (
	"net/http"
	"slices"
	"strings"

	"github.com/consentry/consentry/mockidp/oautherr"
	"github.com/consentry/consentry/mockidp/okta"
)

// Okta's consent decision (spec section 8: O3 to O6), beside Auth0's
// Decide. Okta decides per scope: the app's consent_method, each scope's
// consent (IMPLICIT, REQUIRED, FLEXIBLE) and the user's per-scope grants and
// skips say whether the page shows and which scopes it asks for.

// OktaPrompt is the prompt parameter of an Okta authorization request.
type OktaPrompt struct {
	None    bool // prompt=none
	Login   bool // prompt=login: authenticate again
	Consent bool // prompt=consent: ask every consent-enabled scope again
}

// ParseOktaPrompt reads the prompt parameter: empty, none, login, consent,
// or login and consent together in either order. none cannot be combined.
func ParseOktaPrompt(s string) (OktaPrompt, *oautherr.Error) {
	var p OktaPrompt
	values := strings.Fields(s)
	for _, v := range values {
		switch v {
		case "none":
			p.None = true
		case "login":
			p.Login = true
		case "consent":
			p.Consent = true
		default:
			return OktaPrompt{}, errBadPrompt()
		}
	}
	if p.None && len(values) > 1 {
		return OktaPrompt{}, errBadPrompt()
	}
	return p, nil
}

func errBadPrompt() *oautherr.Error {
	return oautherr.InvalidRequest("Invalid value for 'prompt' parameter. Supported values: [none, consent, login, consent login, login consent]")
}

// OktaFacts are everything Okta's decision depends on.
type OktaFacts struct {
	// ConsentMethod is the app's settings.oauthClient.consent_method.
	ConsentMethod string
	Prompt        OktaPrompt
	// Scopes are the requested scopes, resolved (okta.ResolveScopes).
	Scopes []*okta.Scope
	// Granted are the names of the scopes the user has an ACTIVE grant for
	// (this app, this server); Skipped the optional ones they left
	// unticked before.
	Granted []string
	Skipped []string
}

// OktaDecision is what the transaction does next.
type OktaDecision struct {
	// Show is true when the consent page must show, asking for Ask.
	Show bool
	// Ask are the scopes the page lists, in request order; Optional ones
	// get a checkbox.
	Ask []*okta.Scope
	// Reauthenticate is true for prompt=login (alone or with consent): the
	// user logs in again before anything else.
	Reauthenticate bool
	// Err is consent_required for prompt=none when the page would show.
	Err *oautherr.Error
}

// DecideOkta is Okta's table (rule O3):
//
//	prompt=consent, any consent_method, scope REQUIRED or FLEXIBLE -> shown,
//	    every consent-enabled scope asked, granted and skipped ones too
//	prompt=consent, TRUSTED, IMPLICIT                               -> not shown
//	no prompt, TRUSTED                                              -> not shown
//	no prompt, REQUIRED app, REQUIRED or FLEXIBLE scopes            -> shown for
//	    the scopes neither granted nor skipped before
//	no prompt, REQUIRED app, IMPLICIT                               -> not shown
//	prompt=none where the page would show                           -> consent_required
//	prompt=login consent                                            -> log in again, then as consent
//
// With only IMPLICIT scopes nothing is asked whatever the prompt (the
// table's CONSENT/REQUIRED/IMPLICIT cell is empty; mock's reading).
func DecideOkta(f OktaFacts) OktaDecision {
	d := OktaDecision{Reauthenticate: f.Prompt.Login}
	for _, s := range f.Scopes {
		if !s.NeedsConsent() {
			continue
		}
		switch {
		case f.Prompt.Consent:
			d.Ask = append(d.Ask, s)
		case f.ConsentMethod == okta.ConsentRequired &&
			!slices.Contains(f.Granted, s.Name) && !slices.Contains(f.Skipped, s.Name):
			d.Ask = append(d.Ask, s)
		}
	}
	if len(d.Ask) == 0 {
		return OktaDecision{Reauthenticate: d.Reauthenticate}
	}
	if f.Prompt.None {
		return OktaDecision{Err: oautherr.ConsentRequired("The following scopes require user consent: " + okta.List(names(d.Ask)) + ".")}
	}
	d.Show = true
	return d
}

func names(scopes []*okta.Scope) []string {
	out := make([]string, len(scopes))
	for i, s := range scopes {
		out[i] = s.Name
	}
	return out
}

// OktaAnswer is what the user's answer on the consent page means.
type OktaAnswer struct {
	// Grant are the asked scopes to store a grant for: the required ones
	// and the optional ones left ticked.
	Grant []*okta.Scope
	// Skip are the optional scopes left unticked: no grant, left out of the
	// token, not asked again without prompt=consent (rule O6).
	Skip []*okta.Scope
}

// AnswerOkta reads the consent page's answer. ask is what the page asked
// (OktaDecision.Ask, not what the browser claims), ticked the optional
// scope names the user left ticked. A declined page is access_denied with
// the state back at the callback (rule O7; the description is the mock's
// choice, Okta's generic one).
func AnswerOkta(ask []*okta.Scope, accepted bool, ticked []string) (OktaAnswer, *oautherr.Error) {
	if !accepted {
		return OktaAnswer{}, oautherr.New(http.StatusForbidden, oautherr.CodeAccessDenied, okta.DescGenericDenied)
	}
	var a OktaAnswer
	for _, s := range ask {
		if s.Optional && !slices.Contains(ticked, s.Name) {
			a.Skip = append(a.Skip, s)
			continue
		}
		a.Grant = append(a.Grant, s)
	}
	return a, nil
}

// OktaTokenScopes are the scopes that go into the tokens: the requested
// ones less the optional scopes the user skipped and has not granted since.
func OktaTokenScopes(requested []*okta.Scope, skipped []string, granted []string) []string {
	var out []string
	for _, s := range requested {
		if s.Optional && s.NeedsConsent() && slices.Contains(skipped, s.Name) && !slices.Contains(granted, s.Name) {
			continue
		}
		out = append(out, s.Name)
	}
	return out
}

// CheckOktaClientCredentials is rule O4: a REQUIRED scope cannot be
// granted to client credentials (HTTP 400 consent_required). The check
// depends on the scope's consent alone: a FLEXIBLE scope is granted (the
// console's "Block services from requesting this scope" cleared).
func CheckOktaClientCredentials(scopes []*okta.Scope) *oautherr.Error {
	var blocked []string
	for _, s := range scopes {
		if s.Consent == okta.ScopeRequired {
			blocked = append(blocked, s.Name)
		}
	}
	if len(blocked) == 0 {
		return nil
	}
	return oautherr.ConsentRequired("The following scopes require user consent and cannot be granted for the client credentials grant type: " + okta.List(blocked) + ".")
}

// CheckOktaPassword is rule O5: the password grant never shows consent, so
// an app with consent_method REQUIRED asking for a REQUIRED scope gets
// HTTP 400 consent_required. A TRUSTED app, or only IMPLICIT and FLEXIBLE
// scopes, pass (FLEXIBLE is unverified on a real org).
func CheckOktaPassword(consentMethod string, scopes []*okta.Scope) *oautherr.Error {
	if consentMethod != okta.ConsentRequired {
		return nil
	}
	var blocked []string
	for _, s := range scopes {
		if s.Consent == okta.ScopeRequired {
			blocked = append(blocked, s.Name)
		}
	}
	if len(blocked) == 0 {
		return nil
	}
	return oautherr.ConsentRequired("The following scopes require user consent: " + okta.List(blocked) +
		". To access protected scopes using the resource owner password grant type, please uncheck 'Require consent' in the app settings or set the 'consent_method' to 'TRUSTED' through the apps API.")
}
