package mgmt

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"

	"github.com/consentry/consentry/mockidp/tenant"
)

// Resource server defaults and limits.
const (
	defaultTokenLifetime = 86400
	maxTokenLifetime     = 2592000
)

// Property names of rule P2: the current one and its older alias.
const (
	propSkipConsent      = "skip_consent_for_verifiable_first_party_clients"
	propSkipConsentAlias = "skip_consent_for_verifiable_first_party"
	propTokenExchange    = "token_exchange"
)

var (
	rsProps = []string{
		"name", "scopes", "signing_alg", "token_lifetime", "allow_offline_access",
		propSkipConsent, propSkipConsentAlias, propTokenExchange,
	}
	rsCreateProps = append(slices.Clone(rsProps), "identifier")
	rsUpdateProps = rsCreateProps // identifier is refused as read-only
)

var errSystemAPI = newError(http.StatusForbidden, codeOperationNotAllowed, "The resource server is a system API and cannot be changed")

// applyResourceServer sets the properties both create and update take,
// reading the P2 aliases into the current fields.
func applyResourceServer(p *payload, api *tenant.API) {
	p.nonEmptyStr("name", &api.Name)
	decodeProp(p, "scopes", &api.Scopes, decodeScopes)
	p.enum("signing_alg", &api.SigningAlg, tenant.SigningAlgs...)
	p.integer("token_lifetime", &api.TokenLifetime, 1, maxTokenLifetime)
	p.boolean("allow_offline_access", &api.AllowOfflineAccess)

	var skip, alias bool
	hasSkip := p.boolean(propSkipConsent, &skip)
	hasAlias := decodeProp(p, propSkipConsentAlias, &alias, decodeLooseBool)
	switch {
	case hasSkip && hasAlias && skip != alias:
		p.fail(errPayloadOn(propSkipConsentAlias, "Contradicts "+propSkipConsent+", of which it is an alias"))
	case hasSkip:
		api.SkipConsentForVerifiableFirstPartyClients = skip
	case hasAlias:
		api.SkipConsentForVerifiableFirstPartyClients = alias
	}
	decodeProp(p, propTokenExchange, &api.TokenExchange, decodeAPITokenExchange)
}

// decodeLooseBool takes a boolean or the strings "true" and "false": the
// values Auth0's how-to pages show for the old skip-consent name (P2).
func decodeLooseBool(prop string, raw json.RawMessage) (bool, error) {
	if jsonType(raw) == "string" {
		switch s, _ := decodeString(prop, raw); s {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return false, errPayloadOn(prop, "Expected type boolean but found type string")
	}
	return decodeBool(prop, raw)
}

// decodeAPITokenExchange takes the current form
// {"enabled_subject_token_types": ["..."]}, or the older one (P2)
// [{"enabled_subject_token_types": "..."}] whose items may also hold
// arrays; null turns token exchange off.
func decodeAPITokenExchange(prop string, raw json.RawMessage) (*tenant.APITokenExchange, error) {
	const key = "enabled_subject_token_types"
	te := &tenant.APITokenExchange{EnabledSubjectTokenTypes: []string{}}
	add := func(sub string, v json.RawMessage, allowString bool) error {
		var types []string
		if allowString && jsonType(v) == "string" {
			s, _ := decodeString(sub, v)
			types = []string{s}
		} else {
			var err error
			if types, err = decodeStrings(sub, v); err != nil {
				return err
			}
		}
		if err := checkEnum(sub, types, tenant.TokenTypeAccessToken); err != nil {
			return err
		}
		for _, t := range types {
			if !slices.Contains(te.EnabledSubjectTokenTypes, t) {
				te.EnabledSubjectTokenTypes = append(te.EnabledSubjectTokenTypes, t)
			}
		}
		return nil
	}
	switch jsonType(raw) {
	case "null":
		return nil, nil
	case "object":
		m, err := decodeObject(prop, raw, key)
		if err != nil {
			return nil, err
		}
		if v, ok := m[key]; ok {
			if err := add(prop+"."+key, v, false); err != nil {
				return nil, err
			}
		}
		return te, nil
	case "array":
		items, err := decodeArray(prop, raw)
		if err != nil {
			return nil, err
		}
		for i, item := range items {
			at := prop + "[" + strconv.Itoa(i) + "]"
			m, err := decodeObject(at, item, key)
			if err != nil {
				return nil, err
			}
			if v, ok := m[key]; ok {
				if err := add(at+"."+key, v, true); err != nil {
					return nil, err
				}
			}
		}
		return te, nil
	}
	return nil, errType(prop, "object", jsonType(raw))
}

func decodeScopes(prop string, raw json.RawMessage) ([]tenant.Scope, error) {
	items, err := decodeArray(prop, raw)
	if err != nil {
		return nil, err
	}
	out := make([]tenant.Scope, 0, len(items))
	for i, item := range items {
		at := prop + "[" + strconv.Itoa(i) + "]"
		m, err := decodeObject(at, item, "value", "description")
		if err != nil {
			return nil, err
		}
		var s tenant.Scope
		v, ok := m["value"]
		if !ok {
			return nil, errPayloadOn(at, "Missing required property: value")
		}
		if s.Value, err = decodeString(at+".value", v); err != nil {
			return nil, err
		}
		if s.Value == "" {
			return nil, errPayloadOn(at+".value", "String is too short (0 chars), minimum 1")
		}
		if d, ok := m["description"]; ok {
			if s.Description, err = decodeString(at+".description", d); err != nil {
				return nil, err
			}
		}
		if slices.ContainsFunc(out, func(o tenant.Scope) bool { return o.Value == s.Value }) {
			return nil, errPayloadOn(at+".value", "Duplicate scope value: "+s.Value)
		}
		out = append(out, s)
	}
	return out, nil
}

// rsView is an API as the Management API shows it: scopes never null.
func rsView(api *tenant.API) *tenant.API {
	if api.Scopes == nil {
		api.Scopes = []tenant.Scope{}
	}
	return api
}

// loadResourceServer finds the API named in the path by its id or, as
// Auth0 also accepts, by its (URL-encoded) identifier.
func (a *API) loadResourceServer(r *http.Request) (*tenant.API, error) {
	key, err := pathParam(r, "id")
	if err != nil {
		return nil, err
	}
	api, err := a.store.GetAPI(r.Context(), key)
	if errors.Is(err, tenant.ErrNotFound) {
		api, err = a.store.GetAPIByIdentifier(r.Context(), key)
	}
	if err != nil {
		return nil, storeError(err, errRSNotFound, nil)
	}
	return api, nil
}

func (a *API) listResourceServers(w http.ResponseWriter, r *http.Request) error {
	pg, err := parsePaging(r.URL.Query())
	if err != nil {
		return err
	}
	all, err := a.store.ListAPIs(r.Context())
	if err != nil {
		return err
	}
	for _, api := range all {
		rsView(api)
	}
	writePage(w, pg, "resource_servers", all, false)
	return nil
}

func (a *API) getResourceServer(w http.ResponseWriter, r *http.Request) error {
	api, err := a.loadResourceServer(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rsView(api))
	return nil
}

var errRSConflict = newError(http.StatusConflict, codeConflict, "A resource server with the same identifier already exists")

func (a *API) createResourceServer(w http.ResponseWriter, r *http.Request) error {
	p, err := readPayload(r)
	if err != nil {
		return err
	}
	p.allow(rsCreateProps...)
	p.require("identifier")
	api := &tenant.API{SigningAlg: "RS256", TokenLifetime: defaultTokenLifetime, Scopes: []tenant.Scope{}}
	p.nonEmptyStr("identifier", &api.Identifier)
	applyResourceServer(p, api)
	if p.err != nil {
		return p.err
	}
	if api.Name == "" {
		api.Name = api.Identifier
	}
	if err := a.store.CreateAPI(r.Context(), api); err != nil {
		return storeError(err, nil, errRSConflict)
	}
	writeJSON(w, http.StatusCreated, rsView(api))
	return nil
}

func (a *API) updateResourceServer(w http.ResponseWriter, r *http.Request) error {
	current, err := a.loadResourceServer(r)
	if err != nil {
		return err
	}
	if current.IsSystem {
		return errSystemAPI
	}
	p, err := readPayload(r)
	if err != nil {
		return err
	}
	// Applied inside the store's compare-and-swap: concurrent PATCHes of one
	// API both land.
	api, err := a.store.UpdateAPIFunc(r.Context(), current.ID, func(api *tenant.API) error {
		if api.IsSystem {
			return errSystemAPI
		}
		p.allow(rsUpdateProps...)
		p.readOnly("identifier")
		applyResourceServer(p, api)
		return p.err
	})
	if err != nil {
		return storeError(err, errRSNotFound, errRSConflict)
	}
	writeJSON(w, http.StatusOK, rsView(api))
	return nil
}

func (a *API) deleteResourceServer(w http.ResponseWriter, r *http.Request) error {
	api, err := a.loadResourceServer(r)
	if err != nil {
		return err
	}
	if api.IsSystem {
		return errSystemAPI
	}
	if err := a.store.DeleteAPI(r.Context(), api.ID); err != nil {
		return storeError(err, errRSNotFound, nil)
	}
	return noContent(w)
}
