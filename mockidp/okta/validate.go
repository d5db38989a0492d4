package okta

import (
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
)

// FieldError is one invalid field: Field is its JSON path
// ("settings.oauthClient.consent_method").
type FieldError struct {
	Field string
	Msg   string
}

func (e FieldError) String() string { return e.Field + ": " + e.Msg }

// ValidationError lists every invalid field of one object. The admin API
// answers it as E0000001 with one errorCause per field; the tenant file
// names the field of each.
type ValidationError struct {
	Causes []FieldError
}

func (e *ValidationError) Error() string {
	msgs := make([]string, len(e.Causes))
	for i, c := range e.Causes {
		msgs[i] = c.String()
	}
	return "validation failed: " + strings.Join(msgs, "; ")
}

// Summary is the first invalid field's top-level property, as Okta's
// "Api validation failed: settings" names it.
func (e *ValidationError) Summary() string {
	if len(e.Causes) == 0 {
		return ""
	}
	top, _, _ := strings.Cut(e.Causes[0].Field, ".")
	top, _, _ = strings.Cut(top, "[")
	return top
}

type checker struct{ causes []FieldError }

func (c *checker) fail(field, format string, args ...any) {
	c.causes = append(c.causes, FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) oneOf(field, value string, allowed ...string) {
	if !slices.Contains(allowed, value) {
		c.fail(field, "%q is not one of %s", value, strings.Join(allowed, ", "))
	}
}

func (c *checker) err() error {
	if len(c.causes) == 0 {
		return nil
	}
	return &ValidationError{Causes: c.causes}
}

// Grant types allowed per application_type (Okta's Apps API table).
var appGrantTypes = map[string][]string{
	AppBrowser: {GrantAuthorizationCode, GrantImplicit, GrantRefreshToken, GrantInteractionCode},
	AppNative:  {GrantAuthorizationCode, GrantImplicit, GrantPassword, GrantRefreshToken, GrantInteractionCode, GrantTokenExchange, GrantDeviceCode, GrantJWTBearer, GrantSAML2Bearer},
	AppService: {GrantClientCredentials, GrantTokenExchange, GrantJWTBearer, GrantSAML2Bearer},
	AppWeb:     {GrantAuthorizationCode, GrantImplicit, GrantRefreshToken, GrantClientCredentials, GrantPassword, GrantInteractionCode, GrantTokenExchange, GrantDeviceCode, GrantJWTBearer, GrantSAML2Bearer, GrantCIBA},
}

// RuleGrantTypes are the grant types a policy rule can name.
var RuleGrantTypes = []string{
	GrantAuthorizationCode, GrantImplicit, GrantPassword, GrantClientCredentials,
	GrantInteractionCode, GrantTokenExchange, GrantDeviceCode, GrantJWTBearer, GrantSAML2Bearer, GrantCIBA,
}

func truePtr() *bool { v := true; return &v }

// ApplyAppDefaults fills in what Okta fills in when an app is created
// through the Apps API: name oidc_client, signOnMode OPENID_CONNECT,
// consent_method TRUSTED (rule O1), client_id = the app id,
// token_endpoint_auth_method by application_type (none for browser apps,
// client_secret_basic otherwise), grant and response types (code flow; a
// service app gets client_credentials), PKCE required for public clients
// and the ${source.login} user name template.
func ApplyAppDefaults(a *App) {
	if a.Name == "" {
		a.Name = AppNameOIDC
	}
	if a.SignOnMode == "" {
		a.SignOnMode = SignOnModeOIDC
	}
	oc := &a.Settings.OAuthClient
	cr := &a.Credentials.OAuthClient
	if oc.ApplicationType == "" {
		oc.ApplicationType = AppWeb
	}
	if oc.ConsentMethod == "" {
		oc.ConsentMethod = ConsentTrusted
	}
	if oc.IssuerMode == "" {
		oc.IssuerMode = "ORG_URL"
	}
	if len(oc.GrantTypes) == 0 {
		if oc.ApplicationType == AppService {
			oc.GrantTypes = []string{GrantClientCredentials}
		} else {
			oc.GrantTypes = []string{GrantAuthorizationCode}
		}
	}
	if len(oc.ResponseTypes) == 0 {
		if oc.ApplicationType == AppService {
			oc.ResponseTypes = []string{"token"}
		} else {
			oc.ResponseTypes = []string{"code"}
		}
	}
	if oc.RedirectURIs == nil {
		oc.RedirectURIs = []string{}
	}
	if cr.ClientID == "" {
		cr.ClientID = a.ID
	}
	if cr.TokenEndpointAuthMethod == "" {
		if oc.ApplicationType == AppBrowser {
			cr.TokenEndpointAuthMethod = AuthNone
		} else {
			cr.TokenEndpointAuthMethod = AuthSecretBasic
		}
	}
	if cr.AutoKeyRotation == nil {
		cr.AutoKeyRotation = truePtr()
	}
	if cr.PKCERequired == nil {
		v := cr.TokenEndpointAuthMethod == AuthNone
		cr.PKCERequired = &v
	}
	if a.Credentials.UserNameTemplate == nil {
		a.Credentials.UserNameTemplate = &UserNameTemplate{Template: "${source.login}", Type: "BUILT_IN"}
	}
}

// NeedsSecret reports whether the app's authentication method uses a
// client secret.
func (a *App) NeedsSecret() bool {
	switch a.Credentials.OAuthClient.TokenEndpointAuthMethod {
	case AuthSecretBasic, AuthSecretPost, AuthSecretJWT:
		return true
	}
	return false
}

// clientIDChars are the characters Okta allows in a client_id.
const clientIDChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789$-_.+!*'(),"

// ValidateApp checks an app after ApplyAppDefaults.
func ValidateApp(a *App) error {
	var c checker
	if a.Name != AppNameOIDC {
		c.fail("name", "only OpenID Connect apps (%q) are supported, got %q", AppNameOIDC, a.Name)
	}
	if a.SignOnMode != SignOnModeOIDC {
		c.fail("signOnMode", "only %s apps are supported, got %q", SignOnModeOIDC, a.SignOnMode)
	}
	if strings.TrimSpace(a.Label) == "" {
		c.fail("label", "The field cannot be left blank")
	}
	if a.Status != "" {
		c.oneOf("status", a.Status, StatusActive, StatusInactive)
	}
	oc := a.Settings.OAuthClient
	cr := a.Credentials.OAuthClient
	const s = "settings.oauthClient."
	allowed, knownType := appGrantTypes[oc.ApplicationType]
	if !knownType {
		c.oneOf(s+"application_type", oc.ApplicationType, AppWeb, AppNative, AppBrowser, AppService)
	}
	c.oneOf(s+"consent_method", oc.ConsentMethod, ConsentTrusted, ConsentRequired)
	for i, g := range oc.GrantTypes {
		if knownType && !slices.Contains(allowed, g) {
			c.fail(fmt.Sprintf("%sgrant_types[%d]", s, i), "%q is not allowed for %s apps", g, oc.ApplicationType)
		}
	}
	for i, rt := range oc.ResponseTypes {
		if !slices.Contains([]string{"code", "token", "id_token"}, rt) {
			c.fail(fmt.Sprintf("%sresponse_types[%d]", s, i), "%q is not one of code, token, id_token", rt)
		}
	}
	hasGrant := func(g string) bool { return slices.Contains(oc.GrantTypes, g) }
	hasResponse := func(r string) bool { return slices.Contains(oc.ResponseTypes, r) }
	if hasGrant(GrantAuthorizationCode) && !hasResponse("code") {
		c.fail(s+"response_types", "must contain code for the authorization_code grant type")
	}
	if hasGrant(GrantImplicit) && !hasResponse("token") && !hasResponse("id_token") {
		c.fail(s+"response_types", "must contain token or id_token for the implicit grant type")
	}
	if hasGrant(GrantRefreshToken) && !hasGrant(GrantAuthorizationCode) && !hasGrant(GrantPassword) && !hasGrant(GrantDeviceCode) {
		c.fail(s+"grant_types", "refresh_token needs authorization_code, password or device_code")
	}
	if (hasGrant(GrantAuthorizationCode) || hasGrant(GrantImplicit)) && len(oc.RedirectURIs) == 0 {
		c.fail(s+"redirect_uris", "at least one redirect URI is required for the authorization_code and implicit grant types")
	}
	for i, u := range oc.RedirectURIs {
		if msg := checkRedirectURI(u); msg != "" {
			c.fail(fmt.Sprintf("%sredirect_uris[%d]", s, i), "%s", msg)
		}
	}
	for i, u := range oc.PostLogoutRedirectURIs {
		if msg := checkRedirectURI(u); msg != "" {
			c.fail(fmt.Sprintf("%spost_logout_redirect_uris[%d]", s, i), "%s", msg)
		}
	}
	for _, f := range []struct{ name, v string }{{"client_uri", oc.ClientURI}, {"logo_uri", oc.LogoURI}, {"tos_uri", oc.TOSURI}, {"policy_uri", oc.PolicyURI}, {"initiate_login_uri", oc.InitiateLoginURI}} {
		if f.v != "" && !isWebURL(f.v) {
			c.fail(s+f.name, "must be an http or https URL")
		}
	}
	const cs = "credentials.oauthClient."
	c.oneOf(cs+"token_endpoint_auth_method", cr.TokenEndpointAuthMethod, AuthNone, AuthSecretBasic, AuthSecretPost, AuthSecretJWT, AuthPrivateKey)
	switch {
	case oc.ApplicationType == AppBrowser && cr.TokenEndpointAuthMethod != AuthNone:
		c.fail(cs+"token_endpoint_auth_method", "browser apps must use none (PKCE), got %q", cr.TokenEndpointAuthMethod)
	case oc.ApplicationType == AppService && cr.TokenEndpointAuthMethod == AuthNone:
		c.fail(cs+"token_endpoint_auth_method", "service apps must authenticate; none is not allowed")
	}
	if cr.TokenEndpointAuthMethod == AuthNone && hasGrant(GrantClientCredentials) {
		c.fail(s+"grant_types", "client_credentials needs a client that authenticates")
	}
	if id := cr.ClientID; id != "" {
		switch {
		case len(id) < 6 || len(id) > 100:
			c.fail(cs+"client_id", "must be 6 to 100 characters long")
		case strings.Trim(id, clientIDChars) != "":
			c.fail(cs+"client_id", "may contain only letters, digits and $-_.+!*'(),")
		case id == AllClients:
			c.fail(cs+"client_id", "%s is reserved", AllClients)
		}
	}
	if sec := cr.ClientSecret; sec != "" && (len(sec) < 14 || len(sec) > 100) {
		c.fail(cs+"client_secret", "must be 14 to 100 characters long") // never quote a secret
	}
	return c.err()
}

func checkRedirectURI(u string) string {
	p, err := url.Parse(u)
	switch {
	case u == "":
		return "must not be empty"
	case err != nil || p.Scheme == "":
		return fmt.Sprintf("%q is not an absolute URI", u)
	case p.Fragment != "" || strings.Contains(u, "#"):
		return fmt.Sprintf("%q must not have a fragment", u)
	case (p.Scheme == "http" || p.Scheme == "https") && p.Host == "":
		return fmt.Sprintf("%q has no host", u)
	}
	return ""
}

func isWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// ApplyScopeDefaults gives a new scope Okta's defaults: consent IMPLICIT
// and metadataPublish NO_CLIENTS (rule O2). System scopes are IMPLICIT and
// never optional.
func ApplyScopeDefaults(sc *Scope) {
	if sc.Consent == "" {
		sc.Consent = ScopeImplicit
	}
	if sc.MetadataPublish == "" {
		sc.MetadataPublish = PublishNone
	}
}

// ValidateScope checks a scope after ApplyScopeDefaults.
func ValidateScope(sc *Scope) error {
	var c checker
	switch n := sc.Name; {
	case n == "":
		c.fail("name", "The field cannot be left blank")
	case strings.HasPrefix(n, "okta.") || strings.HasPrefix(n, "okta:") || n == "okta" || n == AllScopes:
		c.fail("name", "%q is reserved (names must not start with okta. or okta: nor be okta or *)", n)
	default:
		for _, r := range n {
			if r <= ' ' || r > '~' || r == '"' || r == '\\' {
				c.fail("name", "%q may contain only printable ASCII other than space, \" and \\", n)
				break
			}
		}
	}
	c.oneOf("consent", sc.Consent, ScopeImplicit, ScopeRequired, ScopeFlexible)
	c.oneOf("metadataPublish", sc.MetadataPublish, PublishAll, PublishNone)
	if sc.System && (sc.Consent != ScopeImplicit && sc.Name == "openid") {
		c.fail("consent", "the openid scope is always IMPLICIT")
	}
	return c.err()
}

// ApplyServerDefaults fills in a new server's status and issuerMode.
func ApplyServerDefaults(s *AuthServer) {
	if s.Status == "" {
		s.Status = StatusActive
	}
	if s.IssuerMode == "" {
		s.IssuerMode = "ORG_URL"
	}
}

// ValidateServer checks an authorization server.
func ValidateServer(s *AuthServer) error {
	var c checker
	if strings.TrimSpace(s.Name) == "" {
		c.fail("name", "The field cannot be left blank")
	}
	switch {
	case len(s.Audiences) == 0:
		c.fail("audiences", "The field cannot be left blank")
	case len(s.Audiences) > 1:
		c.fail("audiences", "only one audience is supported")
	case strings.TrimSpace(s.Audiences[0]) == "":
		c.fail("audiences[0]", "must not be empty")
	}
	c.oneOf("issuerMode", s.IssuerMode, "ORG_URL", "CUSTOM_URL", "DYNAMIC")
	c.oneOf("status", s.Status, StatusActive, StatusInactive)
	return c.err()
}

// ApplyPolicyDefaults fills in type and status.
func ApplyPolicyDefaults(p *Policy) {
	if p.Type == "" {
		p.Type = PolicyTypeOAuth
	}
	if p.Status == "" {
		p.Status = StatusActive
	}
}

// ValidatePolicy checks an access policy.
func ValidatePolicy(p *Policy) error {
	var c checker
	if strings.TrimSpace(p.Name) == "" {
		c.fail("name", "The field cannot be left blank")
	}
	if p.Type != PolicyTypeOAuth {
		c.fail("type", "must be %s, got %q", PolicyTypeOAuth, p.Type)
	}
	c.oneOf("status", p.Status, StatusActive, StatusInactive)
	if p.Priority < 1 {
		c.fail("priority", "must be 1 or more")
	}
	if p.Conditions.Clients == nil || len(p.Conditions.Clients.Include) == 0 {
		c.fail("conditions.clients.include", "The field cannot be left blank (use %s for every app)", AllClients)
	}
	return c.err()
}

// ApplyRuleDefaults fills in type, status, a people condition of
// EVERYONE when none is given (mock's choice) and Okta's default token
// lifetimes.
func ApplyRuleDefaults(r *Rule) {
	if r.Type == "" {
		r.Type = RuleTypeResource
	}
	if r.Status == "" {
		r.Status = StatusActive
	}
	if r.Conditions.People.Users == nil && r.Conditions.People.Groups == nil {
		r.Conditions.People.Groups = &IncludeExclude{Include: []string{Everyone}}
	}
	if r.Conditions.Scopes.Include == nil {
		r.Conditions.Scopes.Include = []string{}
	}
	t := &r.Actions.Token
	if t.AccessTokenLifetimeMinutes == 0 {
		t.AccessTokenLifetimeMinutes = 60
	}
	if t.RefreshTokenWindowMinutes == 0 {
		t.RefreshTokenWindowMinutes = 10080
	}
}

// ValidateRule checks a policy rule.
func ValidateRule(r *Rule) error {
	var c checker
	if strings.TrimSpace(r.Name) == "" {
		c.fail("name", "The field cannot be left blank")
	}
	if r.Type != RuleTypeResource {
		c.fail("type", "must be %s, got %q", RuleTypeResource, r.Type)
	}
	c.oneOf("status", r.Status, StatusActive, StatusInactive)
	if r.Priority < 1 {
		c.fail("priority", "must be 1 or more")
	}
	if len(r.Conditions.GrantTypes.Include) == 0 {
		c.fail("conditions.grantTypes.include", "The field cannot be left blank")
	}
	for i, g := range r.Conditions.GrantTypes.Include {
		if !slices.Contains(RuleGrantTypes, g) {
			c.fail(fmt.Sprintf("conditions.grantTypes.include[%d]", i), "%q is not a grant type", g)
		}
	}
	t := r.Actions.Token
	if t.AccessTokenLifetimeMinutes < 5 || t.AccessTokenLifetimeMinutes > 1440 {
		c.fail("actions.token.accessTokenLifetimeMinutes", "must be between 5 and 1440")
	}
	if t.RefreshTokenLifetimeMinutes < 0 || t.RefreshTokenWindowMinutes < 0 {
		c.fail("actions.token", "refresh token lifetimes must not be negative")
	}
	return c.err()
}

// ValidateUser checks a user's profile: login, email, firstName and
// lastName are required by Okta's default profile.
func ValidateUser(u *User) error {
	var c checker
	p := u.Profile
	if strings.TrimSpace(p.Login) == "" {
		c.fail("profile.login", "The field cannot be left blank")
	} else if strings.ContainsAny(p.Login, " \t\r\n") {
		c.fail("profile.login", "must not contain white space")
	}
	if strings.TrimSpace(p.Email) == "" {
		c.fail("profile.email", "The field cannot be left blank")
	} else if !validEmail(p.Email) {
		c.fail("profile.email", "Does not match required pattern")
	}
	if strings.TrimSpace(p.FirstName) == "" {
		c.fail("profile.firstName", "The field cannot be left blank")
	}
	if strings.TrimSpace(p.LastName) == "" {
		c.fail("profile.lastName", "The field cannot be left blank")
	}
	if u.Status != "" {
		c.oneOf("status", u.Status, UserStaged, UserProvisioned, UserActive, UserSuspended, UserDeprovisioned)
	}
	return c.err()
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, "@")
}
