// Package consent decides, as pure functions of their inputs, which screen an
// authorization transaction needs next (rules C1 to C6) and how the consent
// page words the requested scopes (rule C7). It does no I/O: the HTTP faces
// gather the facts (client, API, existing grant, request, session) and act on
// the answer, so the Auth0 face and later faces share one decision.
package consent

import (
	"slices"
)

// Screen is what the transaction must show before it can answer the client.
type Screen int

const (
	// None: no screen is needed; the authorization response can be sent.
	None Screen = iota
	// Consent: the consent page with the scope lines.
	Consent
	// Confirmation: the login confirmation page for a non-verifiable
	// callback (rule C6): the consent page's look without scope lines.
	Confirmation
)

func (s Screen) String() string {
	switch s {
	case Consent:
		return "consent"
	case Confirmation:
		return "confirmation"
	default:
		return "none"
	}
}

// Facts are everything the decision depends on.
type Facts struct {
	// FirstParty is the client's is_first_party.
	FirstParty bool
	// APISkipsConsent is the API's skip_consent_for_verifiable_first_party_clients.
	APISkipsConsent bool
	// VerifiableCallback is false for custom-scheme and loopback redirect URIs.
	VerifiableCallback bool
	// SkipConfirmation is rule K6's setting (client value, else tenant).
	SkipConfirmation bool
	// Requested are the scopes that need the user's consent in this request.
	Requested []string
	// HasGrant is true when the user has a grant for this client and API;
	// Granted are its scopes.
	HasGrant bool
	Granted  []string
	// PromptConsent is true when the request has prompt=consent (rule C5).
	PromptConsent bool
	// ScreenShown is true when the transaction already showed a screen
	// (login or consent) to the user.
	ScreenShown bool
}

// Skips reports whether consent can be skipped altogether: a first-party
// client of an API that allows it (rules C3, C4). Third-party clients never
// skip (rule C1).
func (f Facts) Skips() bool { return f.FirstParty && f.APISkipsConsent }

// Covered reports whether an existing grant covers every requested scope.
// With no grant nothing is covered: the first access to an API is always
// consented to (rule C1), even when it asks for no scope.
func (f Facts) Covered() bool {
	if !f.HasGrant {
		return false
	}
	for _, s := range f.Requested {
		if !slices.Contains(f.Granted, s) {
			return false
		}
	}
	return true
}

// Decide returns the screen the transaction needs next (Auth0 profile).
func Decide(f Facts) Screen {
	if f.PromptConsent {
		return Consent // C5: every time, whatever the grant or the API says
	}
	if !f.Skips() {
		if f.Covered() {
			return None // C2: the grant covers the request
		}
		return Consent // C1, C3
	}
	// C4 and C6: consent skipped; a non-verifiable callback gets a login
	// confirmation unless a screen was already shown or K6 turns it off.
	if !f.VerifiableCallback && !f.SkipConfirmation && !f.ScreenShown {
		return Confirmation
	}
	return None
}
