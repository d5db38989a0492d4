package mgmt

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/consentry/consentry/mockidp/tenant"
)

var (
	// grantTypes are those a client may list: the ones the mock implements
	// and Auth0's others, accepted and never granted.
	grantTypes = append(slices.Clone(tenant.GrantTypes),
		"http://auth0.com/oauth/grant-type/mfa-oob",
		"http://auth0.com/oauth/grant-type/mfa-otp",
		"http://auth0.com/oauth/grant-type/mfa-recovery-code",
		"urn:ietf:params:oauth:grant-type:device_code",
	)
)

// clientProps are the client properties both create and update take.
var clientProps = []string{
	"name", "description", "logo_uri", "app_type", "redirection_policy", "callbacks",
	"allowed_logout_urls", "grant_types", "token_endpoint_auth_method",
	"skip_non_verifiable_callback_uri_confirmation_prompt", "resource_server_identifier", "token_exchange",
}

var (
	clientCreateProps = append(slices.Concat(clientProps, clientBrowserProps), "is_first_party", "third_party_security_mode")
	// is_first_party and third_party_security_mode are accepted on update
	// only when they repeat the current value: ownership never changes (K1).
	clientUpdateProps = append(slices.Clone(clientCreateProps), "client_id", "client_secret")
)

// applyClient sets the properties both create and update take.
func applyClient(p *payload, c *tenant.Client) {
	p.nonEmptyStr("name", &c.Name)
	p.str("description", &c.Description)
	p.str("logo_uri", &c.LogoURI)
	p.enum("app_type", &c.AppType, tenant.AppTypes...)
	p.enum("redirection_policy", &c.RedirectionPolicy, tenant.PolicyOpenRedirectProtection, tenant.PolicyAllowAlways)
	p.strs("callbacks", &c.Callbacks)
	p.strs("allowed_logout_urls", &c.AllowedLogoutURLs)
	decodeProp(p, "grant_types", &c.GrantTypes, func(prop string, raw json.RawMessage) ([]string, error) {
		v, err := decodeStrings(prop, raw)
		if err == nil {
			err = checkEnum(prop, v, grantTypes...)
		}
		return v, err
	})
	p.enum("token_endpoint_auth_method", &c.TokenEndpointAuthMethod, tenant.AuthMethods...)
	p.optBool("skip_non_verifiable_callback_uri_confirmation_prompt", &c.SkipNonVerifiableCallbackURIConfirmationPrompt)
	p.str("resource_server_identifier", &c.ResourceServerIdentifier)
	decodeProp(p, "token_exchange", &c.TokenExchange, decodeClientTokenExchange)
	applyClientBrowser(p, c)
}

func decodeClientTokenExchange(prop string, raw json.RawMessage) (*tenant.ClientTokenExchange, error) {
	if isNull(raw) {
		return nil, nil
	}
	m, err := decodeObject(prop, raw, "allow_any_profile_of_type")
	if err != nil {
		return nil, err
	}
	te := &tenant.ClientTokenExchange{AllowAnyProfileOfType: []string{}}
	if v, ok := m["allow_any_profile_of_type"]; ok {
		sub := prop + ".allow_any_profile_of_type"
		if te.AllowAnyProfileOfType, err = decodeStrings(sub, v); err != nil {
			return nil, err
		}
		if err := checkEnum(sub, te.AllowAnyProfileOfType, tenant.ExchangeProfiles...); err != nil {
			return nil, err
		}
	}
	return te, nil
}

// checkClient refuses a client the tenant file would refuse too: grant
// types a strict third-party client may not have (rule K2), grants that need
// a secret on a public client, callbacks that are not absolute URLs, and a
// resource_server client without the API it acts for (rule X1).
func (a *API) checkClient(ctx context.Context, c *tenant.Client) error {
	for _, g := range c.GrantTypes {
		if msg := tenant.GrantTypeProblem(c, g); msg != "" {
			return errPayloadOn("grant_types", msg)
		}
	}
	for _, l := range []struct {
		prop string
		urls []string
	}{{"callbacks", c.Callbacks}, {"allowed_logout_urls", c.AllowedLogoutURLs}} {
		for i, u := range l.urls {
			if msg := tenant.RedirectURIProblem(u); msg != "" {
				return errPayloadOn(l.prop+"["+strconv.Itoa(i)+"]", strconv.Quote(u)+" "+msg)
			}
		}
	}
	if err := checkClientBrowser(c); err != nil {
		return err
	}
	if c.LogoURI != "" {
		if u, err := url.Parse(c.LogoURI); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errPayloadOn("logo_uri", "Object didn't pass validation for format url: "+c.LogoURI)
		}
	}
	if c.AppType != tenant.AppResourceServer {
		if c.ResourceServerIdentifier != "" {
			return errPayloadOn("resource_server_identifier", "Only clients of app_type resource_server have one")
		}
		return nil
	}
	if c.ResourceServerIdentifier == "" {
		return errPayloadOn("resource_server_identifier", "Required for app_type resource_server: the identifier of the API this client acts for")
	}
	if _, err := a.store.GetAPIByIdentifier(ctx, c.ResourceServerIdentifier); err != nil {
		return storeError(err, errPayloadOn("resource_server_identifier", "No resource server with identifier "+c.ResourceServerIdentifier), nil)
	}
	return nil
}

// clientView is a client as the API shows it: lists are never null.
func clientView(c *tenant.Client) *tenant.Client {
	for _, s := range []*[]string{&c.Callbacks, &c.AllowedLogoutURLs, &c.GrantTypes, &c.AllowedOrigins, &c.WebOrigins, &c.AllowedClients, &c.ClientAliases} {
		if *s == nil {
			*s = []string{}
		}
	}
	return c
}

func (a *API) listClients(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	pg, err := parsePaging(q)
	if err != nil {
		return err
	}
	firstParty, err := queryBool(q, "is_first_party")
	if err != nil {
		return err
	}
	var appTypeFilter []string
	if s := q.Get("app_type"); s != "" {
		appTypeFilter = strings.Split(s, ",")
	}
	all, err := a.store.ListClients(r.Context())
	if err != nil {
		return err
	}
	out := make([]*tenant.Client, 0, len(all))
	for _, c := range all {
		if q.Has("is_first_party") && c.IsFirstParty != firstParty {
			continue
		}
		if appTypeFilter != nil && !slices.Contains(appTypeFilter, c.AppType) {
			continue
		}
		out = append(out, clientView(c))
	}
	writePage(w, pg, "clients", out, true)
	return nil
}

func (a *API) getClient(w http.ResponseWriter, r *http.Request) error {
	c, err := a.loadClient(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, clientView(c))
	return nil
}

func (a *API) loadClient(r *http.Request) (*tenant.Client, error) {
	id, err := pathParam(r, "id")
	if err != nil {
		return nil, err
	}
	c, err := a.store.GetClient(r.Context(), id)
	if err != nil {
		return nil, storeError(err, errClientNotFound, nil)
	}
	return c, nil
}

func (a *API) createClient(w http.ResponseWriter, r *http.Request) error {
	p, err := readPayload(r)
	if err != nil {
		return err
	}
	p.allow(clientCreateProps...)
	p.require("name")
	c := &tenant.Client{IsFirstParty: true}
	p.boolean("is_first_party", &c.IsFirstParty)
	p.enum("third_party_security_mode", &c.ThirdPartySecurityMode, tenant.ModeStrict, tenant.ModePermissive)
	applyClient(p, c)
	if p.err != nil {
		return p.err
	}
	if c.IsFirstParty {
		if c.ThirdPartySecurityMode != "" {
			return errPayloadOn("third_party_security_mode", "Only third-party clients (is_first_party: false) have a third-party security mode")
		}
	} else {
		if c.ThirdPartySecurityMode == "" {
			c.ThirdPartySecurityMode = tenant.ModeStrict
		}
		if c.RedirectionPolicy == "" {
			c.RedirectionPolicy = tenant.PolicyOpenRedirectProtection
		}
	}
	if c.AppType == "" {
		c.AppType = tenant.AppRegularWeb
	}
	if c.TokenEndpointAuthMethod == "" {
		c.TokenEndpointAuthMethod = tenant.DefaultAuthMethod(c.AppType)
	}
	if !p.has("grant_types") {
		c.GrantTypes = tenant.DefaultGrantTypes(c)
	}
	defaultClientBrowser(p, c)
	if err := a.checkClient(r.Context(), c); err != nil {
		return err
	}
	c.ClientID = a.newClientID(c.IsStrictThirdParty())
	c.ClientSecret = a.newSecret()
	if err := a.store.CreateClient(r.Context(), c); err != nil {
		return storeError(err, nil, newError(http.StatusConflict, codeConflict, "A client with the same client_id already exists"))
	}
	if err := a.enableOnAllConnections(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, clientView(c))
	return nil
}

func (a *API) updateClient(w http.ResponseWriter, r *http.Request) error {
	current, err := a.loadClient(r) // a missing client is a 404 whatever the body
	if err != nil {
		return err
	}
	p, err := readPayload(r)
	if err != nil {
		return err
	}
	// The change is applied inside the store's compare-and-swap, so two
	// concurrent PATCHes of one client both land.
	c, err := a.store.UpdateClientFunc(r.Context(), current.ClientID, func(c *tenant.Client) error {
		p.allow(clientUpdateProps...)
		p.readOnly("client_id")
		// Ownership never changes (K1): these may only repeat the current value.
		var firstParty bool
		if p.boolean("is_first_party", &firstParty) && firstParty != c.IsFirstParty {
			p.fail(errReadOnly("is_first_party"))
		}
		var mode string
		if p.enum("third_party_security_mode", &mode, tenant.ModeStrict, tenant.ModePermissive) && mode != currentMode(c) {
			p.fail(errReadOnly("third_party_security_mode"))
		}
		applyClient(p, c)
		p.nonEmptyStr("client_secret", &c.ClientSecret)
		if p.err != nil {
			return p.err
		}
		return a.checkClient(r.Context(), c)
	})
	if err != nil {
		return storeError(err, errClientNotFound, nil)
	}
	writeJSON(w, http.StatusOK, clientView(c))
	return nil
}

// currentMode is the client's effective third-party security mode; "" for
// first-party clients.
func currentMode(c *tenant.Client) string {
	switch {
	case c.IsFirstParty:
		return ""
	case c.ThirdPartySecurityMode == "":
		return tenant.ModeStrict
	}
	return c.ThirdPartySecurityMode
}

func (a *API) deleteClient(w http.ResponseWriter, r *http.Request) error {
	id, err := pathParam(r, "id")
	if err != nil {
		return err
	}
	if err := a.store.DeleteClient(r.Context(), id); err != nil {
		return storeError(err, errClientNotFound, nil)
	}
	return noContent(w)
}
