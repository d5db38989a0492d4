package report

// Rule is one rule of the consent behaviour spec.
type Rule struct {
	ID, Title string
	// Required rules (sections 1 to 6) must each be checked by a scenario.
	Required bool
}

// Rules is the catalogue of shared/spec/consent-behavior.md, in its order.
func Rules() []Rule {
	return []Rule{
		{"K1", "first-party by default; ownership never changes", true},
		{"K2", "strict third-party: tpc_ ids, PKCE, no implicit, no OIDC scopes, user client grant", true},
		{"K3", "redirection_policy only affects strict third-party clients", true},
		{"K4", "redirect URIs match exactly; loopback IPs with any port", true},
		{"K5", "grant type not allowed -> 403 unauthorized_client", true},
		{"K6", "skip_non_verifiable_callback_uri_confirmation_prompt, client wins over tenant", true},
		{"P1", "API fields: identifier, scopes, skip consent, offline access", true},
		{"P2", "older spellings accepted as aliases", true},
		{"P3", "unknown scopes are dropped, never an error", true},
		{"A1", "unknown client or redirect_uri: error page 400, never a redirect", true},
		{"A2", "other request errors redirect with error, description and state", true},
		{"A3", "login page without a session or with prompt=login; SSO otherwise", true},
		{"A4", "prompt=none: login_required / consent_required, no page", true},
		{"A5", "code in the query, tokens in the fragment, form_post; state unchanged", true},
		{"A6", "max_age: an older login shows the login page again; auth_time is the login's", true},
		{"C1", "third-party clients are always asked for consent", true},
		{"C2", "accepting creates a grant; covered requests skip the page; merging", true},
		{"C3", "first-party clients get consent unless the API allows skipping", true},
		{"C4", "first-party + skipping API + verifiable callback: no consent, no grant", true},
		{"C5", "prompt=consent always shows the consent page", true},
		{"C6", "login confirmation for non-verifiable callbacks", true},
		{"C7", "scope lines grouped per resource; descriptions flag; names and buttons", true},
		{"C8", "consent form bound to transaction and session", true},
		{"C9", "revoking a grant asks again and stops its refresh tokens", true},
		{"D1", "decline with open_redirect_protection: error page 403, no redirect", true},
		{"D2", "decline otherwise: redirect with access_denied", true},
		{"D3", "nothing granted after a decline", true},
		{"T1", "authorization_code: client auth, redirect_uri, PKCE, single-use codes that expire", true},
		{"T2", "client_credentials: no consent, needs a client grant", true},
		{"T3", "password grants: no consent, no grant; not for strict third-party", true},
		{"T4", "refresh_token with offline access", true},
		{"T5", "token errors are JSON with the spec's statuses", true},
		{"X1", "token exchange: an API's resource_server client trades a user's access token for another API's", false},
		{"X2", "token exchange only when enabled (API or client profile) and the target skips consent", false},
		{"X3", "exchanged token keeps sub; aud target, azp and nested act the actor; at most 4 deep", false},
		{"X4", "bad, expired or foreign subject token, wrong token type: invalid_request; unknown audience: invalid_target", false},
		{"O1", "Okta consent_method", false},
		{"O2", "Okta scope consent", false},
		{"O3", "Okta consent page table", false},
		{"O4", "Okta client credentials with REQUIRED scopes", false},
		{"O5", "Okta password grant with REQUIRED scopes", false},
		{"O6", "Okta grants per scope", false},
		{"O7", "Okta decline", false},
		{"J1", "discovery, JWKS, token claims", false},
		{"J2", "userinfo", false},
		{"M1", "Management API token", false},
		{"M2", "Management API errors", false},
		{"M3", "Management API endpoints", false},
		{"W1", "CORS for the client's allowed origins on the endpoints browser apps call", false},
		{"W2", "response_mode=web_message to a web origin; prompt=none in an iframe", false},
		{"W3", "JSON bodies at the token and revocation endpoints", false},
		{"W4", "refresh token rotation; reuse revokes the family", false},
		{"W5", "SSO cookie SameSite=None; Secure over HTTPS, with a companion cookie", false},
		{"L1", "RP-initiated logout at /oidc/logout; /v2/logout keeps returnTo", false},
	}
}
