package okta

import (
	"slices"
	"time"
)

// Lifecycle statuses of apps, authorization servers, policies and rules.
const (
	StatusActive   = "ACTIVE"
	StatusInactive = "INACTIVE"
)

// User statuses Okta uses.
const (
	UserStaged        = "STAGED"
	UserProvisioned   = "PROVISIONED"
	UserActive        = "ACTIVE"
	UserSuspended     = "SUSPENDED"
	UserDeprovisioned = "DEPROVISIONED"
)

// App consent methods (rule O1).
const (
	ConsentTrusted  = "TRUSTED"
	ConsentRequired = "REQUIRED"
)

// Scope consent values (rule O2).
const (
	ScopeImplicit = "IMPLICIT"
	ScopeRequired = "REQUIRED"
	ScopeFlexible = "FLEXIBLE"
)

// metadataPublish values.
const (
	PublishAll  = "ALL_CLIENTS"
	PublishNone = "NO_CLIENTS"
)

// Grant statuses and sources (rule O6).
const (
	GrantActive  = "ACTIVE"
	GrantRevoked = "REVOKED"

	SourceEndUser = "END_USER"
	SourceAdmin   = "ADMIN"
)

// Application types and their token endpoint authentication methods.
const (
	AppWeb     = "web"
	AppNative  = "native"
	AppBrowser = "browser"
	AppService = "service"

	AuthNone        = "none"
	AuthSecretBasic = "client_secret_basic"
	AuthSecretPost  = "client_secret_post"
	AuthSecretJWT   = "client_secret_jwt"
	AuthPrivateKey  = "private_key_jwt"
)

// Grant types as Okta names them in apps and policy rules.
const (
	GrantAuthorizationCode = "authorization_code"
	GrantImplicit          = "implicit"
	GrantPassword          = "password"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
	GrantInteractionCode   = "interaction_code"
	GrantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange"
	GrantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	GrantJWTBearer         = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	GrantSAML2Bearer       = "urn:ietf:params:oauth:grant-type:saml2-bearer"
	GrantCIBA              = "urn:openid:params:grant-type:ciba"
)

// Names and values Okta gives OIDC apps, policies and rules.
const (
	AppNameOIDC      = "oidc_client"
	SignOnModeOIDC   = "OPENID_CONNECT"
	PolicyTypeOAuth  = "OAUTH_AUTHORIZATION_POLICY"
	RuleTypeResource = "RESOURCE_ACCESS"
	// AllClients in a policy's conditions.clients.include matches every app.
	AllClients = "ALL_CLIENTS"
	// Everyone in a rule's people.groups.include matches every user.
	Everyone = "EVERYONE"
	// AllScopes in a rule's scopes.include matches every scope.
	AllScopes = "*"
	// DefaultServerName is the name (and path alias) of the org's default
	// custom authorization server.
	DefaultServerName = "default"
	// AssignmentScopeUser is an app assignment made to the user directly.
	AssignmentScopeUser = "USER"
)

// App is an OpenID Connect app (rule O1).
type App struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Label       string         `json:"label"`
	Status      string         `json:"status"`
	SignOnMode  string         `json:"signOnMode"`
	Created     time.Time      `json:"created"`
	LastUpdated time.Time      `json:"lastUpdated"`
	Credentials AppCredentials `json:"credentials"`
	Settings    AppSettings    `json:"settings"`
}

// AppCredentials are an app's credentials.
type AppCredentials struct {
	UserNameTemplate *UserNameTemplate      `json:"userNameTemplate,omitempty"`
	OAuthClient      OAuthClientCredentials `json:"oauthClient"`
}

// UserNameTemplate says how a user's app user name is built.
type UserNameTemplate struct {
	Template string `json:"template"`
	Type     string `json:"type"`
}

// OAuthClientCredentials are an app's OAuth client credentials. The secret
// is kept in clear (the admin API shows it in create and update answers
// only, rule O1).
type OAuthClientCredentials struct {
	AutoKeyRotation         *bool  `json:"autoKeyRotation,omitempty"`
	ClientID                string `json:"client_id"`
	ClientSecret            string `json:"client_secret,omitempty"`
	TokenEndpointAuthMethod string `json:"token_endpoint_auth_method"`
	PKCERequired            *bool  `json:"pkce_required,omitempty"`
}

// AppSettings are an app's settings; only oauthClient matters to the mock.
type AppSettings struct {
	OAuthClient OAuthClientSettings `json:"oauthClient"`
}

// OAuthClientSettings are the app's OAuth 2.0 client settings.
type OAuthClientSettings struct {
	ClientURI              string   `json:"client_uri,omitempty"`
	LogoURI                string   `json:"logo_uri,omitempty"`
	TOSURI                 string   `json:"tos_uri,omitempty"`
	PolicyURI              string   `json:"policy_uri,omitempty"`
	RedirectURIs           []string `json:"redirect_uris"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris,omitempty"`
	ResponseTypes          []string `json:"response_types"`
	GrantTypes             []string `json:"grant_types"`
	InitiateLoginURI       string   `json:"initiate_login_uri,omitempty"`
	ApplicationType        string   `json:"application_type"`
	ConsentMethod          string   `json:"consent_method"`
	IssuerMode             string   `json:"issuer_mode,omitempty"`
}

// ClientID is the app's client_id.
func (a *App) ClientID() string { return a.Credentials.OAuthClient.ClientID }

// IsActive reports whether the app is ACTIVE.
func (a *App) IsActive() bool { return a.Status == StatusActive }

// IsPublic reports whether the app authenticates with no secret.
func (a *App) IsPublic() bool { return a.Credentials.OAuthClient.TokenEndpointAuthMethod == AuthNone }

// RequiresConsent reports whether consent_method is REQUIRED (rule O1).
func (a *App) RequiresConsent() bool { return a.Settings.OAuthClient.ConsentMethod == ConsentRequired }

// AllowsGrant reports whether grantType is in the app's grant_types (O10).
func (a *App) AllowsGrant(grantType string) bool {
	return slices.Contains(a.Settings.OAuthClient.GrantTypes, grantType)
}

// MatchRedirectURI reports whether uri is one of the app's redirect_uris:
// an exact, case-sensitive match with no loopback port exemption (O10).
func (a *App) MatchRedirectURI(uri string) bool {
	return uri != "" && slices.Contains(a.Settings.OAuthClient.RedirectURIs, uri)
}

// User is a user of the org.
type User struct {
	ID              string      `json:"id"`
	Status          string      `json:"status"`
	Created         time.Time   `json:"created"`
	Activated       *time.Time  `json:"activated"`
	StatusChanged   *time.Time  `json:"statusChanged"`
	LastLogin       *time.Time  `json:"lastLogin"`
	LastUpdated     time.Time   `json:"lastUpdated"`
	PasswordChanged *time.Time  `json:"passwordChanged"`
	Profile         UserProfile `json:"profile"`
	// PasswordHash is the bcrypt hash of the user's password; never shown.
	PasswordHash string `json:"-"`
}

// UserProfile is the part of Okta's default user profile the mock keeps.
type UserProfile struct {
	Login        string `json:"login"`
	Email        string `json:"email"`
	FirstName    string `json:"firstName"`
	LastName     string `json:"lastName"`
	DisplayName  string `json:"displayName,omitempty"`
	NickName     string `json:"nickName,omitempty"`
	SecondEmail  string `json:"secondEmail,omitempty"`
	MobilePhone  string `json:"mobilePhone,omitempty"`
	PrimaryPhone string `json:"primaryPhone,omitempty"`
	Locale       string `json:"locale,omitempty"`
	TimeZone     string `json:"timezone,omitempty"`
}

// FullName is "First Last", or the login when both are empty.
func (u *User) FullName() string {
	switch {
	case u.Profile.FirstName != "" && u.Profile.LastName != "":
		return u.Profile.FirstName + " " + u.Profile.LastName
	case u.Profile.FirstName+u.Profile.LastName != "":
		return u.Profile.FirstName + u.Profile.LastName
	}
	return u.Profile.Login
}

// AppUser assigns a user to an app (rule O9: only assigned users get
// tokens).
type AppUser struct {
	AppID       string             `json:"-"`
	ID          string             `json:"id"` // the user's id
	Scope       string             `json:"scope"`
	Status      string             `json:"status"`
	Created     time.Time          `json:"created"`
	LastUpdated time.Time          `json:"lastUpdated"`
	Credentials AppUserCredentials `json:"credentials"`
}

// AppUserCredentials are the user's credentials for the app.
type AppUserCredentials struct {
	UserName string `json:"userName"`
}

// AuthServer is a custom authorization server.
type AuthServer struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Audiences   []string  `json:"audiences"`
	IssuerMode  string    `json:"issuerMode"`
	Status      string    `json:"status"`
	Created     time.Time `json:"created"`
	LastUpdated time.Time `json:"lastUpdated"`
	// Default marks the org's default server: "default" names it in every
	// path and its issuer is {org}/oauth2/default.
	Default bool `json:"default"`
}

// Issuer is the server's issuer for an org reachable at orgURL (no
// trailing slash): {org}/oauth2/default for the default server,
// {org}/oauth2/{id} for the others.
func (s *AuthServer) Issuer(orgURL string) string {
	if s.Default {
		return orgURL + "/oauth2/" + DefaultServerName
	}
	return orgURL + "/oauth2/" + s.ID
}

// Audience is the access tokens' aud (Okta supports one audience).
func (s *AuthServer) Audience() string {
	if len(s.Audiences) == 0 {
		return ""
	}
	return s.Audiences[0]
}

// Scope is a scope of an authorization server (rule O2).
type Scope struct {
	ServerID        string `json:"-"`
	ID              string `json:"id"`
	Name            string `json:"name"`
	DisplayName     string `json:"displayName,omitempty"`
	Description     string `json:"description,omitempty"`
	System          bool   `json:"system"`
	MetadataPublish string `json:"metadataPublish"`
	Consent         string `json:"consent"`
	Optional        bool   `json:"optional"`
	Default         bool   `json:"default"`
}

// NeedsConsent reports whether the scope's consent is REQUIRED or FLEXIBLE.
func (s *Scope) NeedsConsent() bool { return s.Consent == ScopeRequired || s.Consent == ScopeFlexible }

// Label is what the consent page shows: the displayName, else the name.
func (s *Scope) Label() string {
	if s.DisplayName != "" {
		return s.DisplayName
	}
	return s.Name
}

// Policy is an access policy of an authorization server.
type Policy struct {
	ServerID    string           `json:"-"`
	ID          string           `json:"id"`
	Type        string           `json:"type"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Priority    int              `json:"priority"`
	Status      string           `json:"status"`
	System      bool             `json:"system"`
	Conditions  PolicyConditions `json:"conditions"`
	Created     time.Time        `json:"created"`
	LastUpdated time.Time        `json:"lastUpdated"`
}

// PolicyConditions select the clients a policy applies to.
type PolicyConditions struct {
	Clients *IncludeExclude `json:"clients,omitempty"`
}

// IncludeExclude is Okta's {include: [...], exclude: [...]} condition.
type IncludeExclude struct {
	Include []string `json:"include"`
	Exclude []string `json:"exclude,omitempty"`
}

// Rule is a rule of an access policy.
type Rule struct {
	ServerID    string         `json:"-"`
	PolicyID    string         `json:"-"`
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	Name        string         `json:"name"`
	Priority    int            `json:"priority"`
	Status      string         `json:"status"`
	System      bool           `json:"system"`
	Conditions  RuleConditions `json:"conditions"`
	Actions     RuleActions    `json:"actions"`
	Created     time.Time      `json:"created"`
	LastUpdated time.Time      `json:"lastUpdated"`
}

// RuleConditions say which grant types, users and scopes a rule covers.
type RuleConditions struct {
	GrantTypes IncludeExclude `json:"grantTypes"`
	People     People         `json:"people"`
	Scopes     IncludeExclude `json:"scopes"`
}

// People is a rule's people condition.
type People struct {
	Users  *IncludeExclude `json:"users,omitempty"`
	Groups *IncludeExclude `json:"groups,omitempty"`
}

// RuleActions are what a matching rule sets.
type RuleActions struct {
	Token TokenActions `json:"token"`
}

// TokenActions are the token lifetimes a rule sets.
type TokenActions struct {
	AccessTokenLifetimeMinutes  int `json:"accessTokenLifetimeMinutes"`
	RefreshTokenLifetimeMinutes int `json:"refreshTokenLifetimeMinutes"`
	RefreshTokenWindowMinutes   int `json:"refreshTokenWindowMinutes"`
}

// Grant is a user's consent to one scope for one app on one authorization
// server (rule O6).
type Grant struct {
	ID          string    `json:"id"`
	Status      string    `json:"status"`
	Created     time.Time `json:"created"`
	LastUpdated time.Time `json:"lastUpdated"`
	CreatedBy   Actor     `json:"createdBy"`
	ClientID    string    `json:"clientId"`
	UserID      string    `json:"userId"`
	ScopeID     string    `json:"scopeId"`
	Issuer      string    `json:"issuer"`
	Source      string    `json:"source"`
	// ServerID is the authorization server the grant is on.
	ServerID string `json:"-"`
}

// Actor names who created something.
type Actor struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}
