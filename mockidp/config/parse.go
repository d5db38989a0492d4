package config

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/tenant"
)

// Defaults Auth0 applies.
const (
	DefaultConnection    = "Username-Password-Authentication"
	DefaultSigningAlg    = "RS256"
	DefaultTokenLifetime = 86400
	// MaxTokenLifetime is Auth0's limit: 30 days.
	MaxTokenLifetime = 2592000
)

var (
	// oidcScopes may appear in a user grant besides the API's own scopes.
	oidcScopes = []string{"openid", "profile", "email"}
)

// The file's shapes where they differ from the tenant types.

// fileClient is a client as written in the file: is_first_party is a
// pointer so that its absence can mean true (Auth0's default). The outer
// field hides the embedded one for encoding/json.
type fileClient struct {
	tenant.Client
	IsFirstParty *bool `json:"is_first_party"`
	// OIDCConformant is true when left out: the mock only behaves the
	// OIDC-conformant way.
	OIDCConformant *bool `json:"oidc_conformant"`
}

type fileUser struct {
	UserID     string `json:"user_id"`
	Email      string `json:"email"`
	Username   string `json:"username"`
	Name       string `json:"name"`
	Picture    string `json:"picture"`
	Connection string `json:"connection"`
	Password   string `json:"password"`
}

// fileGrant is a user grant; user is the user's email.
type fileGrant struct {
	User     string   `json:"user"`
	ClientID string   `json:"client_id"`
	Audience string   `json:"audience"`
	Scope    []string `json:"scope"`
}

type parser struct {
	file string
	errs Errors

	apis    map[string]*tenant.API    // by identifier
	clients map[string]*tenant.Client // by client_id
	users   map[string]*User          // by lower-case email
}

func (p *parser) fail(item, field, format string, args ...any) {
	p.errs = append(p.errs, &Error{File: p.file, Item: item, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (p *parser) parse(data []byte) *File {
	js, err := toJSON(data)
	if err != nil {
		p.fail("", "", "not valid YAML: %s", err)
		return nil
	}
	var raw rawFile
	if err := decodeStrict(js, &raw); err != nil {
		field, msg := explain(err)
		switch {
		case strings.HasPrefix(msg, "unknown field "):
			p.fail("", "", "unknown top-level key %s (the keys are %s)", strings.TrimPrefix(msg, "unknown field "), sections)
		case field == "":
			p.fail("", "", "the file must be a mapping with the keys %s", sections)
		default:
			p.fail("", field, "%s", msg)
		}
		return nil
	}
	switch raw.Vendor {
	case "", VendorAuth0:
	case VendorOkta:
		p.fail("", "vendor", "this is an Okta org file: load it with ParseOkta (mockidp serve reads the vendor key itself)")
		return nil
	default:
		p.fail("", "vendor", "%q is not a vendor (use %s or %s)", raw.Vendor, VendorAuth0, VendorOkta)
		return nil
	}
	f := &File{Name: p.file}
	p.apis = map[string]*tenant.API{}
	p.clients = map[string]*tenant.Client{}
	p.users = map[string]*User{}

	if c := raw.PasswordCost; c != nil {
		if *c < credentials.MinCost || *c > credentials.MaxCost {
			p.fail("", "password_cost", "want a bcrypt cost from %d to %d, got %d", credentials.MinCost, credentials.MaxCost, *c)
		} else {
			f.PasswordCost = *c
		}
	}
	p.settings(raw.Settings, &f.Settings)
	// APIs first: clients, grants and client grants refer to them.
	apiIDs := map[string]string{} // id -> item
	for i, r := range raw.APIs {
		if a := p.api(itemLabel("apis", i, peekName(r, "identifier", "name")), r, apiIDs); a != nil {
			f.APIs = append(f.APIs, a)
		}
	}
	for i, r := range raw.Clients {
		if c := p.client(itemLabel("clients", i, peekName(r, "name", "client_id")), r); c != nil {
			f.Clients = append(f.Clients, c)
		}
	}
	if raw.Connections != nil {
		f.Connections = p.connections(raw.Connections, f.Clients)
	}
	ids := map[string]bool{}
	usernames := map[string]bool{}
	for i, r := range raw.Users {
		if u := p.user(itemLabel("users", i, peekName(r, "email", "username", "user_id")), r, ids, usernames); u != nil {
			f.Users = append(f.Users, u)
		}
	}
	if raw.Connections == nil {
		f.Connections = p.implicitConnections(f.Clients, f.Users)
	} else {
		p.checkUserConnections(f.Users, f.Connections)
	}
	// The login a user types is looked up by email or username: one user's
	// username must not be another's email.
	for i, u := range f.Users {
		if o, ok := p.users[strings.ToLower(u.Username)]; ok && u.Username != "" && o != u {
			p.fail(itemLabel("users", i, u.Email), "username", "%q is the email of another user", u.Username)
		}
	}
	cgKeys := map[string]bool{}
	for i, r := range raw.ClientGrants {
		label := itemLabel("client_grants", i, grantName(peekName(r, "client_id"), peekName(r, "audience")))
		if g := p.clientGrant(label, r, cgKeys); g != nil {
			f.ClientGrants = append(f.ClientGrants, g)
		}
	}
	ugKeys := map[string]bool{}
	for i, r := range raw.Grants {
		label := itemLabel("grants", i, grantName(peekName(r, "user"), peekName(r, "client_id")))
		if g := p.userGrant(label, r, ugKeys); g != nil {
			f.Grants = append(f.Grants, g)
		}
	}
	return f
}

func grantName(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + " -> " + b
}

// Settings.

func (p *parser) settings(raw json.RawMessage, s *tenant.Settings) {
	if len(raw) == 0 {
		return
	}
	const item = "settings"
	if !p.decodeItem(item, raw, s) {
		return
	}
	if s.PictureURL != "" {
		p.checkWebURL(item, "picture_url", s.PictureURL)
	}
	if s.SupportEmail != "" && !validEmail(s.SupportEmail) {
		p.fail(item, "support_email", "%q is not an email address", s.SupportEmail)
	}
}

// APIs.

func (p *parser) api(item string, raw json.RawMessage, ids map[string]string) *tenant.API {
	a := &tenant.API{}
	if !p.decodeItem(item, raw, a) {
		return nil
	}
	switch {
	case a.Identifier == "":
		p.fail(item, "identifier", "is required (it is the audience clients ask tokens for)")
	case hasSpace(a.Identifier):
		p.fail(item, "identifier", "%q must not contain spaces", a.Identifier)
	case p.apis[a.Identifier] != nil:
		p.fail(item, "identifier", "%q is already the identifier of another API", a.Identifier)
	default:
		p.apis[a.Identifier] = a
	}
	if a.ID != "" {
		if other, ok := ids[a.ID]; ok {
			p.fail(item, "id", "%q is already the id of %s", a.ID, other)
		}
		ids[a.ID] = item
	}
	if a.Name == "" {
		p.fail(item, "name", "is required")
	}
	if a.IsSystem {
		p.fail(item, "is_system", "is reserved for the Management API, which the server creates itself")
	}
	seen := map[string]bool{}
	for i, s := range a.Scopes {
		field := fmt.Sprintf("scopes[%d].value", i)
		switch {
		case s.Value == "":
			p.fail(item, field, "is required")
		case hasSpace(s.Value):
			p.fail(item, field, "%q must not contain spaces", s.Value)
		case seen[s.Value]:
			p.fail(item, field, "%q is defined twice", s.Value)
		}
		seen[s.Value] = true
	}
	if a.SigningAlg == "" {
		a.SigningAlg = DefaultSigningAlg
	} else if !slices.Contains(tenant.SigningAlgs, a.SigningAlg) {
		p.fail(item, "signing_alg", "must be one of %s, not %q", strings.Join(tenant.SigningAlgs, ", "), a.SigningAlg)
	}
	if a.TokenLifetime == 0 {
		a.TokenLifetime = DefaultTokenLifetime
	} else if a.TokenLifetime < 0 || a.TokenLifetime > MaxTokenLifetime {
		p.fail(item, "token_lifetime", "must be between 1 and %d seconds, not %d", MaxTokenLifetime, a.TokenLifetime)
	}
	if a.TokenExchange != nil {
		for i, t := range a.TokenExchange.EnabledSubjectTokenTypes {
			if t != tenant.TokenTypeAccessToken {
				p.fail(item, fmt.Sprintf("token_exchange.enabled_subject_token_types[%d]", i), "must be %q, not %q", tenant.TokenTypeAccessToken, t)
			}
		}
	}
	return a
}

// Clients.

func (p *parser) client(item string, raw json.RawMessage) *tenant.Client {
	var fc fileClient
	if !p.decodeItem(item, raw, &fc) {
		return nil
	}
	c := &fc.Client
	c.IsFirstParty = fc.IsFirstParty == nil || *fc.IsFirstParty // K1: first-party unless told otherwise
	c.OIDCConformant = fc.OIDCConformant == nil || *fc.OIDCConformant
	p.clientBrowser(item, raw, c)

	if c.Name == "" {
		p.fail(item, "name", "is required")
	}
	if c.AppType == "" {
		c.AppType = tenant.AppRegularWeb
	} else if !slices.Contains(tenant.AppTypes, c.AppType) {
		// Go on with the other checks; the defaults are regular_web's.
		p.fail(item, "app_type", "must be one of %s, not %q", strings.Join(tenant.AppTypes, ", "), c.AppType)
	}

	// Ownership and the third-party controls (K1 to K3).
	if c.IsFirstParty {
		if c.ThirdPartySecurityMode != "" {
			p.fail(item, "third_party_security_mode", "only third-party clients (is_first_party: false) have one")
		}
	} else {
		if c.ThirdPartySecurityMode == "" {
			c.ThirdPartySecurityMode = tenant.ModeStrict
		} else if c.ThirdPartySecurityMode != tenant.ModeStrict && c.ThirdPartySecurityMode != tenant.ModePermissive {
			p.fail(item, "third_party_security_mode", "must be %s or %s, not %q", tenant.ModeStrict, tenant.ModePermissive, c.ThirdPartySecurityMode)
		}
		if c.RedirectionPolicy == "" {
			c.RedirectionPolicy = tenant.PolicyOpenRedirectProtection
		}
	}
	if c.RedirectionPolicy != "" && c.RedirectionPolicy != tenant.PolicyOpenRedirectProtection && c.RedirectionPolicy != tenant.PolicyAllowAlways {
		p.fail(item, "redirection_policy", "must be %s or %s, not %q", tenant.PolicyOpenRedirectProtection, tenant.PolicyAllowAlways, c.RedirectionPolicy)
	}

	// Identity.
	strict := c.IsStrictThirdParty()
	switch {
	case c.ClientID == "":
		c.ClientID = credentials.GenerateClientID(strict)
	case hasSpace(c.ClientID):
		p.fail(item, "client_id", "%q must not contain spaces", c.ClientID)
	case strict && !strings.HasPrefix(c.ClientID, credentials.StrictThirdPartyPrefix):
		p.fail(item, "client_id", "a strict third-party client_id must start with %q (rule K2), got %q", credentials.StrictThirdPartyPrefix, c.ClientID)
	}
	if _, dup := p.clients[c.ClientID]; dup {
		p.fail(item, "client_id", "%q is already the client_id of another client", c.ClientID)
	} else {
		p.clients[c.ClientID] = c
	}

	// Authentication.
	if c.TokenEndpointAuthMethod == "" {
		c.TokenEndpointAuthMethod = tenant.DefaultAuthMethod(c.AppType)
	} else if !slices.Contains(tenant.AuthMethods, c.TokenEndpointAuthMethod) {
		p.fail(item, "token_endpoint_auth_method", "must be one of %s, not %q", strings.Join(tenant.AuthMethods, ", "), c.TokenEndpointAuthMethod)
	}
	if !c.IsPublic() && c.ClientSecret == "" {
		p.fail(item, "client_secret", "is required: the client is confidential (token_endpoint_auth_method %s), so write its secret in the file or make it public with token_endpoint_auth_method: none", c.TokenEndpointAuthMethod)
	}

	// Grant types.
	if c.GrantTypes == nil {
		c.GrantTypes = tenant.DefaultGrantTypes(c)
	}
	for i, g := range c.GrantTypes {
		field := fmt.Sprintf("grant_types[%d]", i)
		switch {
		case !slices.Contains(tenant.GrantTypes, g):
			p.fail(item, field, "unknown grant type %q (known: %s)", g, strings.Join(tenant.GrantTypes, ", "))
		default:
			if msg := tenant.GrantTypeProblem(c, g); msg != "" {
				p.fail(item, field, "%s", msg)
			}
		}
	}

	// URLs. Lists are never null, as in the Management API's answers.
	for _, l := range []*[]string{&c.Callbacks, &c.AllowedLogoutURLs} {
		if *l == nil {
			*l = []string{}
		}
	}
	for i, cb := range c.Callbacks {
		if msg := tenant.RedirectURIProblem(cb); msg != "" {
			p.fail(item, fmt.Sprintf("callbacks[%d]", i), "%q %s", cb, msg)
		}
	}
	for i, u := range c.AllowedLogoutURLs {
		if msg := tenant.RedirectURIProblem(u); msg != "" {
			p.fail(item, fmt.Sprintf("allowed_logout_urls[%d]", i), "%q %s", u, msg)
		}
	}
	if c.LogoURI != "" {
		p.checkWebURL(item, "logo_uri", c.LogoURI)
	}

	// Token exchange (X1, X2).
	if c.AppType == tenant.AppResourceServer {
		switch {
		case c.ResourceServerIdentifier == "":
			p.fail(item, "resource_server_identifier", "is required for app_type resource_server: name the API this client acts for")
		case p.apis[c.ResourceServerIdentifier] == nil:
			p.fail(item, "resource_server_identifier", "%q is not the identifier of an API in the file", c.ResourceServerIdentifier)
		}
	} else if c.ResourceServerIdentifier != "" {
		p.fail(item, "resource_server_identifier", "only clients of app_type resource_server have one")
	}
	if c.TokenExchange != nil {
		for i, t := range c.TokenExchange.AllowAnyProfileOfType {
			if !slices.Contains(tenant.ExchangeProfiles, t) {
				p.fail(item, fmt.Sprintf("token_exchange.allow_any_profile_of_type[%d]", i), "must be one of %s, not %q", strings.Join(tenant.ExchangeProfiles, ", "), t)
			}
		}
	}
	return c
}

func (p *parser) checkWebURL(item, field, s string) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail(item, field, "%q is not an http(s) URL", s)
	}
}

// Users.

func (p *parser) user(item string, raw json.RawMessage, ids, usernames map[string]bool) *User {
	var fu fileUser
	if !p.decodeItem(item, raw, &fu) {
		return nil
	}
	u := &User{User: tenant.User{
		UserID: fu.UserID, Email: fu.Email, Username: fu.Username, Name: fu.Name,
		Picture: fu.Picture, Connection: fu.Connection,
	}, Password: Password{fu.Password}}

	switch key := strings.ToLower(u.Email); {
	case u.Email == "":
		p.fail(item, "email", "is required")
	case !validEmail(u.Email):
		p.fail(item, "email", "%q is not an email address", u.Email)
	case p.users[key] != nil:
		p.fail(item, "email", "%q is already the email of another user", u.Email)
	default:
		p.users[key] = u
	}
	if u.Username != "" {
		key := strings.ToLower(u.Username)
		switch {
		case hasSpace(u.Username):
			p.fail(item, "username", "%q must not contain spaces", u.Username)
		case usernames[key]:
			p.fail(item, "username", "%q is already the username of another user", u.Username)
		}
		usernames[key] = true
	}
	if u.UserID == "" {
		u.UserID = newUserID()
	} else if hasSpace(u.UserID) {
		p.fail(item, "user_id", "%q must not contain spaces", u.UserID)
	}
	if ids[u.UserID] {
		p.fail(item, "user_id", "%q is already the user_id of another user", u.UserID)
	}
	ids[u.UserID] = true
	if u.Connection == "" {
		u.Connection = DefaultConnection
	}
	if u.Picture != "" {
		p.checkWebURL(item, "picture", u.Picture)
	}
	switch pw := u.Password.Reveal(); {
	case pw == "":
		p.fail(item, "password", "is required")
	case len(pw) > 72:
		p.fail(item, "password", "is longer than 72 bytes, bcrypt's limit")
	}
	return u
}

// newUserID returns an Auth0-style database user id: auth0|<24 hex digits>.
func newUserID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "auth0|" + hex.EncodeToString(b)
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

func hasSpace(s string) bool { return strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' }) }

// Client grants.

func (p *parser) clientGrant(item string, raw json.RawMessage, keys map[string]bool) *tenant.ClientGrant {
	g := &tenant.ClientGrant{}
	if !p.decodeItem(item, raw, g) {
		return nil
	}
	if g.SubjectType == "" {
		g.SubjectType = tenant.SubjectClient
	} else if !slices.Contains(tenant.SubjectTypes, g.SubjectType) {
		p.fail(item, "subject_type", "must be %s or %s, not %q", tenant.SubjectClient, tenant.SubjectUser, g.SubjectType)
	}
	p.checkClientRef(item, g.ClientID)
	api := p.checkAPIRef(item, g.Audience)
	if api != nil {
		for i, s := range g.Scope {
			if !api.HasScope(s) {
				p.fail(item, fmt.Sprintf("scope[%d]", i), "%q is not a scope of the API %q", s, api.Identifier)
			}
		}
	}
	key := g.ClientID + "\x00" + g.Audience + "\x00" + g.SubjectType
	if keys[key] {
		p.fail(item, "", "the client already has a client grant of subject_type %s for this audience", g.SubjectType)
	}
	keys[key] = true
	return g
}

// User grants.

func (p *parser) userGrant(item string, raw json.RawMessage, keys map[string]bool) *tenant.UserGrant {
	var fg fileGrant
	if !p.decodeItem(item, raw, &fg) {
		return nil
	}
	g := &tenant.UserGrant{ClientID: fg.ClientID, Audience: fg.Audience, Scope: fg.Scope}
	switch u := p.users[strings.ToLower(fg.User)]; {
	case fg.User == "":
		p.fail(item, "user", "is required (the user's email)")
	case u == nil:
		p.fail(item, "user", "%q is not the email of a user in the file", fg.User)
	default:
		g.UserID = u.UserID
	}
	p.checkClientRef(item, g.ClientID)
	api := p.checkAPIRef(item, g.Audience)
	if api != nil {
		for i, s := range g.Scope {
			ok := api.HasScope(s) || slices.Contains(oidcScopes, s) || (s == "offline_access" && api.AllowOfflineAccess)
			if !ok {
				p.fail(item, fmt.Sprintf("scope[%d]", i), "%q is not a scope of the API %q", s, api.Identifier)
			}
		}
	}
	key := strings.ToLower(fg.User) + "\x00" + g.ClientID + "\x00" + g.Audience
	if keys[key] {
		p.fail(item, "", "the user already has a grant for this client and audience; list all its scopes in one grant")
	}
	keys[key] = true
	return g
}

func (p *parser) checkClientRef(item, id string) {
	switch {
	case id == "":
		p.fail(item, "client_id", "is required")
	case p.clients[id] == nil:
		p.fail(item, "client_id", "%q is not the client_id of a client in the file", id)
	}
}

func (p *parser) checkAPIRef(item, audience string) *tenant.API {
	switch a := p.apis[audience]; {
	case audience == "":
		p.fail(item, "audience", "is required (an API's identifier)")
	case a == nil:
		p.fail(item, "audience", "%q is not the identifier of an API in the file", audience)
	default:
		return a
	}
	return nil
}
