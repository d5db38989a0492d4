package mgmt

import (
	"encoding/json"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/consentry/consentry/mockidp/tenant"
)

// The client properties of browser applications (rules W1, W2, W4) and the
// others Auth0's documented setups send (auth0-spa-js, auth0.js,
// express-openid-connect, auth0-deploy-cli). Every one is stored and shown
// again; README says which ones the mock acts on.

const propCrossOriginAuthAlias = "cross_origin_auth" // Auth0's deprecated name

var clientBrowserProps = []string{
	"allowed_origins", "web_origins", "cross_origin_authentication", propCrossOriginAuthAlias, "cross_origin_loc",
	"refresh_token", "oidc_conformant", "jwt_configuration", "sso", "sso_disabled", "custom_login_page_on",
	"initiate_login_uri", "allowed_clients", "client_aliases", "client_metadata", "organization_usage",
	"organization_require_behavior", "is_token_endpoint_ip_header_trusted", "require_pushed_authorization_requests",
}

// Limits of client_metadata, as Auth0's.
const (
	maxClientMetadataKeys = 10
	maxClientMetadataLen  = 255
)

func applyClientBrowser(p *payload, c *tenant.Client) {
	p.strs("allowed_origins", &c.AllowedOrigins)
	p.strs("web_origins", &c.WebOrigins)
	var coa, alias bool
	hasCOA := p.boolean("cross_origin_authentication", &coa)
	hasAlias := p.boolean(propCrossOriginAuthAlias, &alias)
	switch {
	case hasCOA && hasAlias && coa != alias:
		p.fail(errPayloadOn(propCrossOriginAuthAlias, "Contradicts cross_origin_authentication, of which it is the deprecated name"))
	case hasCOA:
		c.CrossOriginAuthentication = coa
	case hasAlias:
		c.CrossOriginAuthentication = alias
	}
	p.str("cross_origin_loc", &c.CrossOriginLoc)
	decodeProp(p, "refresh_token", &c.RefreshToken, func(prop string, raw json.RawMessage) (*tenant.RefreshTokenConfig, error) {
		return decodeRefreshToken(prop, raw, c.RefreshToken)
	})
	p.boolean("oidc_conformant", &c.OIDCConformant)
	decodeProp(p, "jwt_configuration", &c.JWTConfiguration, func(prop string, raw json.RawMessage) (*tenant.JWTConfiguration, error) {
		return decodeJWTConfiguration(prop, raw, c.JWTConfiguration)
	})
	p.optBool("sso", &c.SSO)
	p.optBool("sso_disabled", &c.SSODisabled)
	p.optBool("custom_login_page_on", &c.CustomLoginPageOn)
	p.str("initiate_login_uri", &c.InitiateLoginURI)
	p.strs("allowed_clients", &c.AllowedClients)
	p.strs("client_aliases", &c.ClientAliases)
	decodeProp(p, "client_metadata", &c.ClientMetadata, decodeClientMetadata)
	p.enum("organization_usage", &c.OrganizationUsage, tenant.OrganizationUsages...)
	p.enum("organization_require_behavior", &c.OrganizationRequireBehavior, tenant.OrganizationBehaviors...)
	p.boolean("is_token_endpoint_ip_header_trusted", &c.IsTokenEndpointIPHeaderTrusted)
	p.boolean("require_pushed_authorization_requests", &c.RequirePushedAuthorizationRequests)
}

// decodeRefreshToken merges a refresh_token object into the client's
// current one (Auth0's default when it has none); null resets it to the
// default. Every integer is checked as Auth0's schema does, the whole by
// tenant.RefreshTokenProblem.
func decodeRefreshToken(prop string, raw json.RawMessage, current *tenant.RefreshTokenConfig) (*tenant.RefreshTokenConfig, error) {
	rt := tenant.DefaultRefreshToken()
	if current != nil {
		rt = *current
	}
	if isNull(raw) {
		d := tenant.DefaultRefreshToken()
		return &d, nil
	}
	m, err := decodeObject(prop, raw, "rotation_type", "expiration_type", "leeway", "token_lifetime",
		"infinite_token_lifetime", "idle_token_lifetime", "infinite_idle_token_lifetime")
	if err != nil {
		return nil, err
	}
	sub := &payload{props: m}
	sub.enum("rotation_type", &rt.RotationType, tenant.RotationRotating, tenant.RotationNonRotating)
	sub.enum("expiration_type", &rt.ExpirationType, tenant.ExpirationExpiring, tenant.ExpirationNon)
	sub.integer("leeway", &rt.Leeway, 0, tenant.MaxRefreshTokenLifetime)
	sub.integer("token_lifetime", &rt.TokenLifetime, 1, tenant.MaxRefreshTokenLifetime)
	sub.boolean("infinite_token_lifetime", &rt.InfiniteTokenLifetime)
	sub.integer("idle_token_lifetime", &rt.IdleTokenLifetime, 1, tenant.MaxRefreshTokenLifetime)
	sub.boolean("infinite_idle_token_lifetime", &rt.InfiniteIdleTokenLifetime)
	if sub.err != nil {
		return nil, prefixProp(sub.err, prop)
	}
	if field, msg := tenant.RefreshTokenProblem(rt); msg != "" {
		return nil, errPayloadOn(prop+"."+field, msg)
	}
	return &rt, nil
}

// decodeJWTConfiguration merges a jwt_configuration object into the
// current one; null removes it.
func decodeJWTConfiguration(prop string, raw json.RawMessage, current *tenant.JWTConfiguration) (*tenant.JWTConfiguration, error) {
	if isNull(raw) {
		return nil, nil
	}
	jc := tenant.DefaultJWTConfiguration()
	if current != nil {
		jc = *current
	}
	m, err := decodeObject(prop, raw, "alg", "lifetime_in_seconds", "secret_encoded", "scopes")
	if err != nil {
		return nil, err
	}
	sub := &payload{props: m}
	sub.enum("alg", &jc.Alg, tenant.JWTAlgs...)
	sub.integer("lifetime_in_seconds", &jc.LifetimeInSeconds, 0, 2592000)
	sub.boolean("secret_encoded", &jc.SecretEncoded)
	if v, ok := m["scopes"]; ok && sub.err == nil && jsonType(v) != "object" {
		sub.fail(errType("scopes", "object", jsonType(v)))
	}
	if sub.err != nil {
		return nil, prefixProp(sub.err, prop)
	}
	return &jc, nil
}

func decodeClientMetadata(prop string, raw json.RawMessage) (map[string]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	if t := jsonType(raw); t != "object" {
		return nil, errType(prop, "object", t)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, errBadJSON
	}
	if len(m) > maxClientMetadataKeys {
		return nil, errPayloadOn(prop, "Too many properties defined ("+strconv.Itoa(len(m))+"), maximum "+strconv.Itoa(maxClientMetadataKeys))
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		s, err := decodeString(prop+"."+k, v)
		if err != nil {
			return nil, err
		}
		if n := utf8.RuneCountInString(s); n > maxClientMetadataLen {
			return nil, errPayloadOn(prop+"."+k, "String is too long ("+strconv.Itoa(n)+" chars), maximum "+strconv.Itoa(maxClientMetadataLen))
		}
		out[k] = s
	}
	return out, nil
}

// prefixProp rewrites "... on property x." into "... on property prop.x."
// for errors found inside a nested object.
func prefixProp(err error, prop string) error {
	e, ok := err.(*apiError)
	if !ok {
		return err
	}
	const marker = "' on property "
	for i := len(e.Message) - len(marker); i >= 0; i-- {
		if e.Message[i:i+len(marker)] == marker {
			n := *e
			n.Message = e.Message[:i+len(marker)] + prop + "." + e.Message[i+len(marker):]
			return &n
		}
	}
	return err
}

// checkClientBrowser refuses origins that are not scheme://host[:port]
// (W1, W2) and a cross_origin_loc or initiate_login_uri that is not a web
// URL (initiate_login_uri must be https, as Auth0 requires).
func checkClientBrowser(c *tenant.Client) error {
	for _, l := range []struct {
		prop    string
		origins []string
	}{{"allowed_origins", c.AllowedOrigins}, {"web_origins", c.WebOrigins}} {
		for i, o := range l.origins {
			if msg := tenant.OriginProblem(o); msg != "" {
				return errPayloadOn(l.prop+"["+strconv.Itoa(i)+"]", strconv.Quote(o)+" "+msg)
			}
		}
	}
	if c.CrossOriginLoc != "" {
		if u, err := url.Parse(c.CrossOriginLoc); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errPayloadOn("cross_origin_loc", "Object didn't pass validation for format url: "+c.CrossOriginLoc)
		}
	}
	if c.InitiateLoginURI != "" {
		if u, err := url.Parse(c.InitiateLoginURI); err != nil || u.Scheme != "https" || u.Host == "" || u.Fragment != "" {
			return errPayloadOn("initiate_login_uri", "Object didn't pass validation for format absolute-https-uri-or-empty: "+c.InitiateLoginURI)
		}
	}
	return nil
}

// defaultClientBrowser fills in what Auth0 gives a client created without
// them.
func defaultClientBrowser(p *payload, c *tenant.Client) {
	if c.RefreshToken == nil {
		rt := tenant.DefaultRefreshToken()
		c.RefreshToken = &rt
	}
	if c.JWTConfiguration == nil && !p.has("jwt_configuration") {
		jc := tenant.DefaultJWTConfiguration()
		c.JWTConfiguration = &jc
	}
	if !p.has("oidc_conformant") {
		// The mock only behaves the OIDC-conformant way.
		c.OIDCConformant = true
	}
}
