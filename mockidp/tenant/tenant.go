// Package tenant holds the domain model of the mock identity provider: the
// clients, APIs, users, client grants, user grants and settings of one tenant,
// and the Store interface the rest of the IdP reads and writes them through.
//
// It imports nothing of the project. HTTP faces (Auth0, Okta), the Management
// API and the stores all speak these types. JSON field names are Auth0's, so
// the same structs serve the tenant YAML file and the Management API.
package tenant

import (
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Grant type names as they appear in a client's grant_types.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantImplicit          = "implicit"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
	GrantPassword          = "password"
	GrantPasswordRealm     = "http://auth0.com/oauth/grant-type/password-realm"
	GrantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
)

// Third-party security modes (rule K2) and redirection policies (rule K3).
const (
	ModeStrict     = "strict"
	ModePermissive = "permissive"

	PolicyOpenRedirectProtection = "open_redirect_protection"
	PolicyAllowAlways            = "allow_always"
)

// Token endpoint authentication methods.
const (
	AuthNone        = "none"
	AuthSecretPost  = "client_secret_post"
	AuthSecretBasic = "client_secret_basic"
)

// App types. AppResourceServer is the client an API acts as (rule X1).
const (
	AppSPA            = "spa"
	AppNative         = "native"
	AppRegularWeb     = "regular_web"
	AppNonInteractive = "non_interactive"
	AppResourceServer = "resource_server"
)

// TokenTypeAccessToken is the RFC 8693 subject token type the mock accepts.
const TokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"

// ProfileOnBehalfOf is the client token-exchange profile that enables
// On-Behalf-Of exchange (rule X2).
const ProfileOnBehalfOf = "on_behalf_of_token_exchange"

// Client is an application (rules K1 to K6).
type Client struct {
	ClientID                                       string               `json:"client_id"`
	ClientSecret                                   string               `json:"client_secret,omitempty"`
	Name                                           string               `json:"name"`
	Description                                    string               `json:"description,omitempty"`
	LogoURI                                        string               `json:"logo_uri,omitempty"`
	AppType                                        string               `json:"app_type,omitempty"`
	IsFirstParty                                   bool                 `json:"is_first_party"`
	ThirdPartySecurityMode                         string               `json:"third_party_security_mode,omitempty"`
	RedirectionPolicy                              string               `json:"redirection_policy,omitempty"`
	Callbacks                                      []string             `json:"callbacks"`
	AllowedLogoutURLs                              []string             `json:"allowed_logout_urls"`
	GrantTypes                                     []string             `json:"grant_types"`
	TokenEndpointAuthMethod                        string               `json:"token_endpoint_auth_method,omitempty"`
	SkipNonVerifiableCallbackURIConfirmationPrompt *bool                `json:"skip_non_verifiable_callback_uri_confirmation_prompt,omitempty"`
	ResourceServerIdentifier                       string               `json:"resource_server_identifier,omitempty"`
	TokenExchange                                  *ClientTokenExchange `json:"token_exchange,omitempty"`

	// Browser applications (rules W1, W2, W4) and the settings Auth0's
	// documented setups send; see browser.go.
	AllowedOrigins                     []string            `json:"allowed_origins"`
	WebOrigins                         []string            `json:"web_origins"`
	CrossOriginAuthentication          bool                `json:"cross_origin_authentication"`
	CrossOriginLoc                     string              `json:"cross_origin_loc,omitempty"`
	RefreshToken                       *RefreshTokenConfig `json:"refresh_token,omitempty"`
	OIDCConformant                     bool                `json:"oidc_conformant"`
	JWTConfiguration                   *JWTConfiguration   `json:"jwt_configuration,omitempty"`
	SSO                                *bool               `json:"sso,omitempty"`
	SSODisabled                        *bool               `json:"sso_disabled,omitempty"`
	CustomLoginPageOn                  *bool               `json:"custom_login_page_on,omitempty"`
	InitiateLoginURI                   string              `json:"initiate_login_uri,omitempty"`
	AllowedClients                     []string            `json:"allowed_clients"`
	ClientAliases                      []string            `json:"client_aliases"`
	ClientMetadata                     map[string]string   `json:"client_metadata,omitempty"`
	OrganizationUsage                  string              `json:"organization_usage,omitempty"`
	OrganizationRequireBehavior        string              `json:"organization_require_behavior,omitempty"`
	IsTokenEndpointIPHeaderTrusted     bool                `json:"is_token_endpoint_ip_header_trusted"`
	RequirePushedAuthorizationRequests bool                `json:"require_pushed_authorization_requests"`
}

// ClientTokenExchange is a client's token-exchange configuration.
type ClientTokenExchange struct {
	AllowAnyProfileOfType []string `json:"allow_any_profile_of_type"`
}

// IsStrictThirdParty reports whether the client is third-party in strict mode
// (rule K2). A third-party client with no mode set is strict.
func (c *Client) IsStrictThirdParty() bool {
	return !c.IsFirstParty && c.ThirdPartySecurityMode != ModePermissive
}

// IsPublic reports whether the client authenticates with no secret.
func (c *Client) IsPublic() bool { return c.TokenEndpointAuthMethod == AuthNone }

// AllowsGrant reports whether grantType is in the client's grant_types (rule K5).
func (c *Client) AllowsGrant(grantType string) bool {
	return slices.Contains(c.GrantTypes, grantType)
}

// RedirectsOnDecline reports whether a declined consent goes back to the
// callback with access_denied (rule D2) rather than to the error page (D1).
// Only strict third-party clients honour open_redirect_protection (rule K3).
func (c *Client) RedirectsOnDecline() bool {
	if !c.IsStrictThirdParty() {
		return true
	}
	return c.RedirectionPolicy == PolicyAllowAlways
}

func isLoopbackIP(host string) bool {
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// IsVerifiableCallback reports whether the IdP can verify who receives
// redirectURI. Custom schemes and loopback hosts (localhost, 127.0.0.0/8, ::1)
// are non-verifiable; subdomains of .localhost are verifiable (spec section 0).
func IsVerifiableCallback(redirectURI string) bool {
	u, err := url.Parse(redirectURI)
	if err != nil {
		return false
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || isLoopbackIP(host) {
		return false
	}
	return true
}

// Scope is one permission an API defines.
type Scope struct {
	Value       string `json:"value"`
	Description string `json:"description,omitempty"`
}

// API is a resource server (rules P1 to P3).
type API struct {
	ID                                        string            `json:"id"`
	Identifier                                string            `json:"identifier"`
	Name                                      string            `json:"name"`
	Scopes                                    []Scope           `json:"scopes"`
	SigningAlg                                string            `json:"signing_alg"`
	TokenLifetime                             int               `json:"token_lifetime"`
	AllowOfflineAccess                        bool              `json:"allow_offline_access"`
	SkipConsentForVerifiableFirstPartyClients bool              `json:"skip_consent_for_verifiable_first_party_clients"`
	TokenExchange                             *APITokenExchange `json:"token_exchange,omitempty"`
	IsSystem                                  bool              `json:"is_system,omitempty"`
}

// APITokenExchange enables token exchange for an API acting as a client.
type APITokenExchange struct {
	EnabledSubjectTokenTypes []string `json:"enabled_subject_token_types"`
}

// ScopeValues lists the values of the API's scopes.
func (a *API) ScopeValues() []string {
	out := make([]string, len(a.Scopes))
	for i, s := range a.Scopes {
		out[i] = s.Value
	}
	return out
}

// HasScope reports whether the API defines scope.
func (a *API) HasScope(scope string) bool {
	return slices.ContainsFunc(a.Scopes, func(s Scope) bool { return s.Value == scope })
}

// Describe returns a scope's description ("" when the API has none for it).
func (a *API) Describe(scope string) string {
	for _, s := range a.Scopes {
		if s.Value == scope {
			return s.Description
		}
	}
	return ""
}

// ExchangeEnabled reports whether the API's own configuration enables
// exchanging access tokens (rule X2, resource-server form).
func (a *API) ExchangeEnabled() bool {
	return a.TokenExchange != nil && slices.Contains(a.TokenExchange.EnabledSubjectTokenTypes, TokenTypeAccessToken)
}

// User is an end user of the tenant's database connection.
type User struct {
	UserID       string    `json:"user_id"`
	Email        string    `json:"email"`
	Username     string    `json:"username,omitempty"`
	Name         string    `json:"name,omitempty"`
	Picture      string    `json:"picture,omitempty"`
	Connection   string    `json:"connection"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// ClientGrant lets a client get tokens for an API: as itself (subject_type
// client, rule T2) or for users (subject_type user, rule K2).
type ClientGrant struct {
	ID          string   `json:"id"`
	ClientID    string   `json:"client_id"`
	Audience    string   `json:"audience"`
	Scope       []string `json:"scope"`
	SubjectType string   `json:"subject_type,omitempty"`
}

// Subject types of a client grant.
const (
	SubjectClient = "client"
	SubjectUser   = "user"
)

// UserGrant records that a user consented to scopes of an API for a client
// (rule C2).
type UserGrant struct {
	ID       string   `json:"id"`
	ClientID string   `json:"clientID"`
	UserID   string   `json:"user_id"`
	Audience string   `json:"audience"`
	Scope    []string `json:"scope"`
}

// Covers reports whether the grant includes every scope in scopes.
func (g *UserGrant) Covers(scopes []string) bool {
	for _, s := range scopes {
		if !slices.Contains(g.Scope, s) {
			return false
		}
	}
	return true
}

// DefaultFriendlyName names a tenant whose settings name none.
const DefaultFriendlyName = "Mock IdP"

// Settings are the tenant-wide settings.
type Settings struct {
	FriendlyName                                   string `json:"friendly_name"`
	PictureURL                                     string `json:"picture_url,omitempty"`
	SupportEmail                                   string `json:"support_email,omitempty"`
	Flags                                          Flags  `json:"flags"`
	SkipNonVerifiableCallbackURIConfirmationPrompt bool   `json:"skip_non_verifiable_callback_uri_confirmation_prompt"`
}

// Flags are the tenant feature flags.
type Flags struct {
	UseScopeDescriptionsForConsent bool `json:"use_scope_descriptions_for_consent"`
	// EnableClientConnections: whether a new client gets every connection
	// of the tenant enabled; unset means true, Auth0's default.
	EnableClientConnections *bool `json:"enable_client_connections,omitempty"`
	// RevokeRefreshTokenGrant is Auth0's "Refresh Token Revocation Deletes
	// Grant": a refresh token revoked at /oauth/revoke takes its user
	// grant with it, and so every refresh token issued for the same user,
	// client and audience. Off by default, as for Auth0 tenants created
	// since 13 January 2021: only the token (its rotation family) goes.
	RevokeRefreshTokenGrant bool `json:"revoke_refresh_token_grant"`
}

// ClientConnectionsEnabled reports whether a new client is enabled on every
// connection (enable_client_connections, true unless set to false).
func (f Flags) ClientConnectionsEnabled() bool {
	return f.EnableClientConnections == nil || *f.EnableClientConnections
}

// SkipConfirmation reports whether the login confirmation page for
// non-verifiable callbacks is turned off (rule K6): the client's value when
// set, else the tenant's.
func SkipConfirmation(c *Client, s Settings) bool {
	if c.SkipNonVerifiableCallbackURIConfirmationPrompt != nil {
		return *c.SkipNonVerifiableCallbackURIConfirmationPrompt
	}
	return s.SkipNonVerifiableCallbackURIConfirmationPrompt
}
