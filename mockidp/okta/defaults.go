package okta

import (
	"context"
	"fmt"
	"time"
)

// SystemScope is one of Okta's system scopes as a new org's default server
// has it (recorded real responses).
type SystemScope struct {
	Name, DisplayName, Description string
}

// SystemScopes are the system scopes of every custom authorization server:
// system, IMPLICIT, not optional, published to all clients.
var SystemScopes = []SystemScope{
	{"openid", "openid", "Signals that a request is an OpenID request."},
	{"profile", "View your profile information.", "The exact data varies based on what profile information you have provided, such as: name, time zone, picture, or birthday."},
	{"email", "View your email address.", "This allows the app to view your email address."},
	{"address", "View your address.", "This allows the app to view your address, such as: street address, city, state, and zip code."},
	{"phone", "View your phone number.", "This allows the app to view your phone number."},
	{"offline_access", "Keep you signed in to the app.", "This keeps you signed in to the app, even when you are not using it."},
	{"device_sso", "Request device secret.", "This allows you to single sign on between native client applications on your device."},
}

// NewSystemScopes returns the system scopes of server serverID.
func NewSystemScopes(serverID string) []*Scope {
	out := make([]*Scope, len(SystemScopes))
	for i, s := range SystemScopes {
		out[i] = &Scope{
			ServerID: serverID, Name: s.Name, DisplayName: s.DisplayName, Description: s.Description,
			System: true, MetadataPublish: PublishAll, Consent: ScopeImplicit,
		}
	}
	return out
}

// DefaultPolicy is the access policy a new org's default server has: it
// applies to every client.
func DefaultPolicy(serverID string) *Policy {
	return &Policy{
		ServerID: serverID, Type: PolicyTypeOAuth, Name: "Default Policy",
		Description: "Default policy description", Priority: 1, Status: StatusActive,
		Conditions: PolicyConditions{Clients: &IncludeExclude{Include: []string{AllClients}}},
	}
}

// AllowAllRule is the rule of the default policy: every grant type, every
// user, every scope.
func AllowAllRule(serverID, policyID string) *Rule {
	r := &Rule{
		ServerID: serverID, PolicyID: policyID, Type: RuleTypeResource, Name: "Default Policy Rule",
		Priority: 1, Status: StatusActive,
		Conditions: RuleConditions{
			GrantTypes: IncludeExclude{Include: append([]string(nil), RuleGrantTypes...)},
			People:     People{Groups: &IncludeExclude{Include: []string{Everyone}}},
			Scopes:     IncludeExclude{Include: []string{AllScopes}},
		},
	}
	ApplyRuleDefaults(r)
	return r
}

// CreateServer stores a new authorization server with Okta's system
// scopes and returns it as stored. When s.Default is set it also gets the
// default access policy and its allow-all rule, as a new org's default
// server has.
func CreateServer(ctx context.Context, st Store, s *AuthServer, now time.Time) (*AuthServer, error) {
	ApplyServerDefaults(s)
	if err := ValidateServer(s); err != nil {
		return nil, err
	}
	s.Created, s.LastUpdated = now, now
	if err := st.CreateAuthServer(ctx, s); err != nil {
		return nil, err
	}
	for _, sc := range NewSystemScopes(s.ID) {
		if err := st.CreateScope(ctx, sc); err != nil {
			return nil, fmt.Errorf("system scope %s: %w", sc.Name, err)
		}
	}
	if s.Default {
		p := DefaultPolicy(s.ID)
		p.Created, p.LastUpdated = now, now
		if err := st.CreatePolicy(ctx, p); err != nil {
			return nil, fmt.Errorf("default policy: %w", err)
		}
		r := AllowAllRule(s.ID, p.ID)
		r.Created, r.LastUpdated = now, now
		if err := st.CreateRule(ctx, r); err != nil {
			return nil, fmt.Errorf("default policy rule: %w", err)
		}
	}
	return st.GetAuthServer(ctx, s.ID)
}

// NewDefaultServer is the org's default custom authorization server:
// name "default", audience api://default.
func NewDefaultServer() *AuthServer {
	return &AuthServer{
		Name: DefaultServerName, Description: "Default Authorization Server for your Applications",
		Audiences: []string{"api://default"}, IssuerMode: "DYNAMIC", Status: StatusActive, Default: true,
	}
}

// SeedOrg gives an empty org what a new Okta org has: the default server
// with the system scopes, the default policy and its rule.
func SeedOrg(ctx context.Context, st Store, now time.Time) (*AuthServer, error) {
	return CreateServer(ctx, st, NewDefaultServer(), now)
}
