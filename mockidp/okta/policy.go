package okta

import (
	"net/http"
	"slices"
	"strings"

	"github.com/consentry/consentry/mockidp/oautherr"
)

// Okta's error descriptions (its OAuth error catalogue).
const (
	DescUnknownScope     = "One or more scopes are not configured for the authorization server resource."
	DescNoDefaultScopes  = "The authorization server resource does not have any configured default scopes, 'scope' must be provided."
	DescOpenIDForService = "Cannot request 'openid' scopes using client credentials."
	DescNoMatchingPolicy = "Policy evaluation failed for this request, please check the policy configurations."
	DescNotAssigned      = "User is not assigned to the client application."
	DescInvalidClientID  = "Invalid value for 'client_id' parameter."
	DescBadRedirectURI   = "The 'redirect_uri' parameter must be a Login redirect URI in the client app settings."
	DescBadSecret        = "The client secret supplied for a confidential client is invalid."
	DescClientAuthFailed = "Client authentication failed. Either the client or the client credentials are invalid."
	DescGenericDenied    = "The resource owner or authorization server denied the request."
)

// List formats scope names or grant types the way Okta's messages show
// them: "[phone]", "[email, phone]" (the separator of a multi-item list is
// unverified on a real org).
func List(items []string) string { return "[" + strings.Join(items, ", ") + "]" }

// ErrUnknownScope is rule O8's refusal.
func ErrUnknownScope() *oautherr.Error {
	return oautherr.New(http.StatusBadRequest, oautherr.CodeInvalidScope, DescUnknownScope)
}

// ErrNoMatchingPolicy is rule O9's refusal when no policy and rule match
// (HTTP 401 in Okta's catalogue; a redirect at the authorization endpoint).
func ErrNoMatchingPolicy() *oautherr.Error {
	return oautherr.New(http.StatusUnauthorized, oautherr.CodeAccessDenied, DescNoMatchingPolicy)
}

// ErrNotAssigned is rule O9's refusal of a user not assigned to the app.
func ErrNotAssigned() *oautherr.Error {
	return oautherr.New(http.StatusBadRequest, oautherr.CodeAccessDenied, DescNotAssigned)
}

// ErrUnauthorizedClient refuses a grant type the app lacks (O10: 400, not
// Auth0's 403).
func ErrUnauthorizedClient(a *App) *oautherr.Error {
	return oautherr.New(http.StatusBadRequest, oautherr.CodeUnauthorizedClient,
		"The client is not authorized to use the provided grant type. Configured grant types: "+List(a.Settings.OAuthClient.GrantTypes)+".")
}

// ErrInvalidClient refuses an unknown or inactive client_id (O10: 401).
func ErrInvalidClient() *oautherr.Error { return oautherr.InvalidClient(DescInvalidClientID) }

// ErrBadRedirectURI refuses a redirect_uri the app does not list (O10; the
// authorization endpoint shows it on the HTML error page).
func ErrBadRedirectURI() *oautherr.Error { return oautherr.InvalidRequest(DescBadRedirectURI) }

// GrantTypeOf is the grant type a policy rule must cover for an
// authorization request: authorization_code when response_type has code,
// implicit otherwise.
func GrantTypeOf(responseType string) string {
	if slices.Contains(strings.Fields(responseType), "code") {
		return GrantAuthorizationCode
	}
	return GrantImplicit
}

// ResolveScopes turns the requested scope names into the server's scopes
// (rule O8): an unknown name is invalid_scope, no scope at all means the
// server's default scopes (invalid_scope when it has none), and openid is
// refused to client credentials. Duplicates are dropped; order is kept.
func ResolveScopes(all []*Scope, requested []string, grantType string) ([]*Scope, *oautherr.Error) {
	byName := make(map[string]*Scope, len(all))
	for _, s := range all {
		byName[s.Name] = s
	}
	var out []*Scope
	if len(requested) == 0 {
		for _, s := range all {
			if s.Default {
				out = append(out, s)
			}
		}
		if len(out) == 0 {
			return nil, oautherr.New(http.StatusBadRequest, oautherr.CodeInvalidScope, DescNoDefaultScopes)
		}
	}
	seen := map[string]bool{}
	for _, name := range requested {
		if seen[name] {
			continue
		}
		seen[name] = true
		s, ok := byName[name]
		if !ok {
			return nil, ErrUnknownScope()
		}
		out = append(out, s)
	}
	if grantType == GrantClientCredentials {
		for _, s := range out {
			if s.Name == "openid" {
				return nil, oautherr.New(http.StatusBadRequest, oautherr.CodeInvalidScope, DescOpenIDForService)
			}
		}
	}
	return out, nil
}

// PolicyRequest is what access policies are evaluated against.
type PolicyRequest struct {
	ClientID  string
	GrantType string
	// UserID is empty for client credentials: the people condition is
	// then ignored.
	UserID string
	Scopes []string
}

// ByPriority sorts policies or rules by priority, keeping the order of
// equal priorities.
func ByPriority[T any](items []T, priority func(T) int) []T {
	out := slices.Clone(items)
	slices.SortStableFunc(out, func(a, b T) int { return priority(a) - priority(b) })
	return out
}

// AppliesTo reports whether an ACTIVE policy's clients condition covers
// clientID.
func (p *Policy) AppliesTo(clientID string) bool {
	if p.Status != StatusActive || p.Conditions.Clients == nil {
		return false
	}
	c := p.Conditions.Clients
	if slices.Contains(c.Exclude, clientID) {
		return false
	}
	return slices.Contains(c.Include, AllClients) || slices.Contains(c.Include, clientID)
}

// Covers reports whether an ACTIVE rule covers the request's grant type,
// user and every one of its scopes.
func (r *Rule) Covers(req PolicyRequest) bool {
	if r.Status != StatusActive || !slices.Contains(r.Conditions.GrantTypes.Include, req.GrantType) {
		return false
	}
	if req.UserID != "" && !r.Conditions.People.covers(req.UserID) {
		return false
	}
	inc := r.Conditions.Scopes.Include
	for _, s := range req.Scopes {
		if slices.Contains(r.Conditions.Scopes.Exclude, s) {
			return false
		}
		if !slices.Contains(inc, AllScopes) && !slices.Contains(inc, s) {
			return false
		}
	}
	return true
}

func (p People) covers(userID string) bool {
	if p.Users != nil && slices.Contains(p.Users.Exclude, userID) {
		return false
	}
	if p.Users != nil && slices.Contains(p.Users.Include, userID) {
		return true
	}
	// The mock has no groups: only EVERYONE can match a group condition.
	return p.Groups != nil && slices.Contains(p.Groups.Include, Everyone) && !slices.Contains(p.Groups.Exclude, Everyone)
}

// EvaluatePolicies is rule O9: the first ACTIVE policy (by priority) that
// applies to the client decides, through its first ACTIVE rule (by
// priority) that covers the grant type, the user and every requested
// scope. rules gives a policy's rules by policy id. With no such policy or
// rule the answer is access_denied "Policy evaluation failed...".
func EvaluatePolicies(policies []*Policy, rules map[string][]*Rule, req PolicyRequest) (*Policy, *Rule, *oautherr.Error) {
	for _, p := range ByPriority(policies, func(p *Policy) int { return p.Priority }) {
		if !p.AppliesTo(req.ClientID) {
			continue
		}
		for _, r := range ByPriority(rules[p.ID], func(r *Rule) int { return r.Priority }) {
			if r.Covers(req) {
				return p, r, nil
			}
		}
		return p, nil, ErrNoMatchingPolicy()
	}
	return nil, nil, ErrNoMatchingPolicy()
}
