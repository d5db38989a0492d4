package mgmt

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/go-chi/chi/v5"
)

// The endpoints of features the mock does not model. Each answers as a new
// Auth0 tenant that does not use the feature answers: the deprecated rules
// and hooks with 403, lists empty, settings with their defaults, and
// "not configured" resources with 404. Tools that read a whole tenant
// (auth0-deploy-cli's export) get a complete, truthful picture, and writing
// back what they read (a re-import) succeeds: the settings documents below
// keep what is written to them in memory, without acting on it, and a
// list refuses new items with 501.

// Answer kinds of an absent endpoint.
const (
	kindDeprecated = "403 deprecated feature"
	kindList       = "empty list"
	kindDocument   = "settings (default, kept in memory)"
	kindNotFound   = "404 not configured"
	kindNoCreate   = "501 not modelled"
	kindFactor     = "sets enabled in the factors list"
)

// Absent describes one endpoint of a feature the mock does not model.
type Absent struct {
	Method, Path string // Path is relative to /api/v2, in chi's pattern syntax
	Scope        string
	Feature      string
	Kind         string
	// Key names the list in an object answer (include_totals, from/take,
	// or always when Object is set).
	Key    string
	Object bool
	// Default is the document (kindDocument) or the 404 message (kindNotFound).
	Default string
}

// Auth0's factors and triggers, as a new tenant lists them.
const (
	defaultFactors = `[{"name":"sms","enabled":false,"trial_expired":false},{"name":"push-notification","enabled":false,"trial_expired":false},
{"name":"otp","enabled":false,"trial_expired":false},{"name":"email","enabled":false,"trial_expired":false},
{"name":"duo","enabled":false,"trial_expired":false},{"name":"webauthn-roaming","enabled":false,"trial_expired":false},
{"name":"webauthn-platform","enabled":false,"trial_expired":false},{"name":"recovery-code","enabled":false,"trial_expired":false}]`
	defaultTriggers = `{"triggers":[
{"id":"post-login","version":"v3","status":"CURRENT","runtimes":["node18-actions","node22"],"default_runtime":"node22","compatible_triggers":[]},
{"id":"credentials-exchange","version":"v2","status":"CURRENT","runtimes":["node18-actions","node22"],"default_runtime":"node22","compatible_triggers":[]},
{"id":"pre-user-registration","version":"v2","status":"CURRENT","runtimes":["node18-actions","node22"],"default_runtime":"node22","compatible_triggers":[]},
{"id":"post-user-registration","version":"v2","status":"CURRENT","runtimes":["node18-actions","node22"],"default_runtime":"node22","compatible_triggers":[]},
{"id":"post-change-password","version":"v2","status":"CURRENT","runtimes":["node18-actions","node22"],"default_runtime":"node22","compatible_triggers":[]},
{"id":"send-phone-message","version":"v2","status":"CURRENT","runtimes":["node18-actions","node22"],"default_runtime":"node22","compatible_triggers":[]},
{"id":"password-reset-post-challenge","version":"v1","status":"CURRENT","runtimes":["node18-actions","node22"],"default_runtime":"node22","compatible_triggers":[]}]}`
)

// AbsentEndpoints lists them; README's table is checked against it.
var AbsentEndpoints = []Absent{
	{Method: "GET", Path: "/rules", Scope: "read:rules", Feature: "Rules", Kind: kindDeprecated},
	{Method: "POST", Path: "/rules", Scope: "create:rules", Feature: "Rules", Kind: kindDeprecated},
	{Method: "GET", Path: "/rules-configs", Scope: "read:rules_configs", Feature: "Rules configs", Kind: kindDeprecated},
	{Method: "GET", Path: "/hooks", Scope: "read:hooks", Feature: "Hooks", Kind: kindDeprecated},
	{Method: "POST", Path: "/hooks", Scope: "create:hooks", Feature: "Hooks", Kind: kindDeprecated},

	{Method: "GET", Path: "/actions/actions", Scope: "read:actions", Feature: "Actions", Kind: kindList, Key: "actions", Object: true},
	{Method: "POST", Path: "/actions/actions", Scope: "create:actions", Feature: "Actions", Kind: kindNoCreate},
	{Method: "GET", Path: "/actions/modules", Scope: "read:actions", Feature: "Actions modules", Kind: kindList, Key: "modules", Object: true},
	{Method: "GET", Path: "/actions/triggers", Scope: "read:actions", Feature: "Actions triggers", Kind: kindDocument, Default: defaultTriggers},
	{Method: "GET", Path: "/actions/triggers/{trigger}/bindings", Scope: "read:actions", Feature: "Actions trigger bindings", Kind: kindList, Key: "bindings", Object: true},
	{Method: "PATCH", Path: "/actions/triggers/{trigger}/bindings", Scope: "update:actions", Feature: "Actions trigger bindings", Kind: kindNoCreate},

	{Method: "GET", Path: "/attack-protection/bot-detection", Scope: "read:attack_protection", Feature: "Attack protection", Kind: kindDocument,
		Default: `{"bot_detection_level":"medium","challenge_password_policy":"never","challenge_passwordless_policy":"never","challenge_password_reset_policy":"never","allowlist":[],"monitoring_mode_enabled":false}`},
	{Method: "GET", Path: "/attack-protection/breached-password-detection", Scope: "read:attack_protection", Feature: "Attack protection", Kind: kindDocument,
		Default: `{"enabled":false,"shields":[],"admin_notification_frequency":[],"method":"standard","stage":{"pre-user-registration":{"shields":[]},"pre-change-password":{"shields":[]}}}`},
	{Method: "GET", Path: "/attack-protection/brute-force-protection", Scope: "read:attack_protection", Feature: "Attack protection", Kind: kindDocument,
		Default: `{"enabled":true,"shields":["block","user_notification"],"mode":"count_per_identifier_and_ip","allowlist":[],"max_attempts":10}`},
	{Method: "GET", Path: "/attack-protection/captcha", Scope: "read:attack_protection", Feature: "Attack protection", Kind: kindDocument,
		Default: `{"active_provider_id":"auth_challenge","auth_challenge":{"fail_open":false}}`},
	{Method: "GET", Path: "/attack-protection/suspicious-ip-throttling", Scope: "read:attack_protection", Feature: "Attack protection", Kind: kindDocument,
		Default: `{"enabled":true,"shields":["admin_notification","block"],"allowlist":[],"stage":{"pre-login":{"max_attempts":100,"rate":864000},"pre-user-registration":{"max_attempts":50,"rate":1200}}}`},

	{Method: "GET", Path: "/branding", Scope: "read:branding", Feature: "Branding", Kind: kindDocument, Default: `{}`},
	{Method: "GET", Path: "/branding/templates/universal-login", Scope: "read:branding", Feature: "Universal Login template", Kind: kindNotFound,
		Default: "The template does not exist."},
	{Method: "GET", Path: "/branding/themes/default", Scope: "read:branding", Feature: "Branding themes", Kind: kindNotFound, Default: "There is no default theme"},
	{Method: "GET", Path: "/branding/phone/providers", Scope: "read:phone_providers", Feature: "Phone providers", Kind: kindList, Key: "providers", Object: true},
	{Method: "GET", Path: "/branding/phone/templates", Scope: "read:phone_templates", Feature: "Phone templates", Kind: kindList, Key: "templates", Object: true},

	{Method: "GET", Path: "/custom-domains", Scope: "read:custom_domains", Feature: "Custom domains", Kind: kindList},
	{Method: "POST", Path: "/custom-domains", Scope: "create:custom_domains", Feature: "Custom domains", Kind: kindNoCreate},
	{Method: "GET", Path: "/email-templates/{name}", Scope: "read:email_templates", Feature: "Email templates", Kind: kindNotFound, Default: "The template does not exist."},
	{Method: "GET", Path: "/emails/provider", Scope: "read:email_provider", Feature: "Email provider", Kind: kindNotFound, Default: "There is no email provider configured"},
	{Method: "GET", Path: "/event-streams", Scope: "read:event_streams", Feature: "Event streams", Kind: kindList, Key: "eventStreams"},
	{Method: "GET", Path: "/flows", Scope: "read:flows", Feature: "Forms and flows", Kind: kindList, Key: "flows"},
	{Method: "GET", Path: "/flows/vault/connections", Scope: "read:flows_vault_connections", Feature: "Forms and flows", Kind: kindList, Key: "connections"},
	{Method: "GET", Path: "/forms", Scope: "read:forms", Feature: "Forms and flows", Kind: kindList, Key: "forms"},

	{Method: "GET", Path: "/guardian/factors", Scope: "read:guardian_factors", Feature: "MFA factors", Kind: kindDocument, Default: defaultFactors},
	{Method: "PUT", Path: "/guardian/factors/{factor}", Scope: "update:guardian_factors", Feature: "MFA factors", Kind: kindFactor},
	{Method: "GET", Path: "/guardian/factors/sms/templates", Scope: "read:guardian_factors", Feature: "MFA factors", Kind: kindDocument,
		Default: `{"enrollment_message":"{{code}} is your verification code for {{tenant.friendly_name}}. Please enter this code to verify your enrollment.","verification_message":"{{code}} is your verification code for {{tenant.friendly_name}}"}`},
	{Method: "GET", Path: "/guardian/factors/phone/templates", Scope: "read:guardian_factors", Feature: "MFA factors", Kind: kindDocument,
		Default: `{"enrollment_message":"{{code}} is your verification code for {{tenant.friendly_name}}. Please enter this code to verify your enrollment.","verification_message":"{{code}} is your verification code for {{tenant.friendly_name}}"}`},
	{Method: "GET", Path: "/guardian/factors/phone/message-types", Scope: "read:guardian_factors", Feature: "MFA factors", Kind: kindDocument, Default: `{"message_types":[]}`},
	{Method: "GET", Path: "/guardian/factors/phone/selected-provider", Scope: "read:guardian_factors", Feature: "MFA factors", Kind: kindDocument, Default: `{"provider":"auth0"}`},
	{Method: "GET", Path: "/guardian/factors/sms/providers/twilio", Scope: "read:guardian_factors", Feature: "MFA factors", Kind: kindDocument, Default: `{}`},
	{Method: "GET", Path: "/guardian/factors/phone/providers/twilio", Scope: "read:guardian_factors", Feature: "MFA factors", Kind: kindDocument, Default: `{}`},
	{Method: "GET", Path: "/guardian/factors/push-notification/providers/apns", Scope: "read:guardian_factors", Feature: "MFA factors", Kind: kindDocument, Default: `{}`},
	{Method: "GET", Path: "/guardian/factors/push-notification/providers/sns", Scope: "read:guardian_factors", Feature: "MFA factors", Kind: kindDocument, Default: `{}`},
	{Method: "GET", Path: "/guardian/policies", Scope: "read:mfa_policies", Feature: "MFA policies", Kind: kindDocument, Default: `[]`},

	{Method: "GET", Path: "/connections-directory-provisionings", Scope: "read:directory_provisionings", Feature: "Directory provisioning", Kind: kindList, Key: "directory_provisionings", Object: true},
	{Method: "GET", Path: "/log-streams", Scope: "read:log_streams", Feature: "Log streams", Kind: kindList},
	{Method: "GET", Path: "/network-acls", Scope: "read:network_acls", Feature: "Network ACLs", Kind: kindList, Key: "network_acls"},
	{Method: "GET", Path: "/organizations", Scope: "read:organizations", Feature: "Organizations", Kind: kindList, Key: "organizations"},
	{Method: "POST", Path: "/organizations", Scope: "create:organizations", Feature: "Organizations", Kind: kindNoCreate},
	{Method: "GET", Path: "/roles", Scope: "read:roles", Feature: "Roles", Kind: kindList, Key: "roles"},
	{Method: "POST", Path: "/roles", Scope: "create:roles", Feature: "Roles", Kind: kindNoCreate},

	{Method: "GET", Path: "/prompts", Scope: "read:prompts", Feature: "Prompts", Kind: kindDocument,
		Default: `{"universal_login_experience":"new","identifier_first":false,"webauthn_platform_first_factor":false}`},
	{Method: "GET", Path: "/prompts/rendering", Scope: "read:prompts", Feature: "Prompts", Kind: kindList, Key: "configs"},
	{Method: "GET", Path: "/prompts/{prompt}/custom-text/{language}", Scope: "read:prompts", Feature: "Prompts", Kind: kindDocument, Default: `{}`},
	{Method: "GET", Path: "/prompts/{prompt}/partials", Scope: "read:prompts", Feature: "Prompts", Kind: kindDocument, Default: `{}`},

	{Method: "GET", Path: "/rate-limit-policies", Scope: "read:rate_limit_policies", Feature: "Rate limit policies", Kind: kindList, Key: "rate_limit_policies"},
	{Method: "GET", Path: "/risk-assessments/settings", Scope: "read:attack_protection", Feature: "Risk assessment", Kind: kindDocument, Default: `{"enabled":false}`},
	{Method: "GET", Path: "/risk-assessments/settings/new-device", Scope: "read:attack_protection", Feature: "Risk assessment", Kind: kindDocument, Default: `{"remember_for":30}`},
	{Method: "GET", Path: "/self-service-profiles", Scope: "read:self_service_profiles", Feature: "Self-service SSO profiles", Kind: kindList, Key: "self_service_profiles"},
	{Method: "GET", Path: "/supplemental-signals", Scope: "read:attack_protection", Feature: "Supplemental signals", Kind: kindDocument, Default: `{"akamai_enabled":false}`},
	{Method: "GET", Path: "/token-exchange-profiles", Scope: "read:token_exchange_profiles", Feature: "Token exchange profiles", Kind: kindList, Key: "token_exchange_profiles"},
	{Method: "GET", Path: "/user-attribute-profiles", Scope: "read:user_attribute_profiles", Feature: "User attribute profiles", Kind: kindList, Key: "user_attribute_profiles"},
	{Method: "GET", Path: "/connection-profiles", Scope: "read:connection_profiles", Feature: "Connection profiles", Kind: kindList, Key: "connection_profiles"},
}

// writable settings documents: the method and scope that change each one.
var documentWrites = map[string][2]string{
	"/attack-protection/bot-detection":               {"PATCH", "update:attack_protection"},
	"/attack-protection/breached-password-detection": {"PATCH", "update:attack_protection"},
	"/attack-protection/brute-force-protection":      {"PATCH", "update:attack_protection"},
	"/attack-protection/captcha":                     {"PATCH", "update:attack_protection"},
	"/attack-protection/suspicious-ip-throttling":    {"PATCH", "update:attack_protection"},
	"/branding":                                 {"PATCH", "update:branding"},
	"/guardian/factors/sms/templates":           {"PUT", "update:guardian_factors"},
	"/guardian/factors/phone/templates":         {"PUT", "update:guardian_factors"},
	"/guardian/factors/phone/message-types":     {"PUT", "update:guardian_factors"},
	"/guardian/factors/phone/selected-provider": {"PUT", "update:guardian_factors"},
	"/guardian/policies":                        {"PUT", "update:mfa_policies"},
	"/prompts":                                  {"PATCH", "update:prompts"},
	"/prompts/{prompt}/custom-text/{language}":  {"PUT", "update:prompts"},
	"/prompts/{prompt}/partials":                {"PUT", "update:prompts"},
	"/risk-assessments/settings":                {"PATCH", "update:attack_protection"},
	"/risk-assessments/settings/new-device":     {"PATCH", "update:attack_protection"},
	"/supplemental-signals":                     {"PATCH", "update:attack_protection"},
}

func init() {
	// Each writable document also answers its write.
	for _, e := range slices.Clone(AbsentEndpoints) {
		if w, ok := documentWrites[e.Path]; ok && e.Kind == kindDocument && e.Method == "GET" {
			AbsentEndpoints = append(AbsentEndpoints, Absent{Method: w[0], Path: e.Path, Scope: w[1], Feature: e.Feature, Kind: kindDocument, Default: e.Default})
		}
	}
	for _, e := range AbsentEndpoints {
		if !slices.Contains(Scopes, e.Scope) {
			Scopes = append(Scopes, e.Scope)
		}
	}
}

var errDeprecated = newError(http.StatusForbidden, "", "Insufficient privileges to use this deprecated feature")

// documents keeps what is written to the settings documents, per request
// path (so /prompts/login/custom-text/en and .../fr are apart).
type documents struct {
	mu   sync.Mutex
	docs map[string]json.RawMessage
}

func (a *API) mountAbsent(r chi.Router) {
	for _, e := range AbsentEndpoints {
		r.MethodFunc(e.Method, e.Path, a.handle(e.Scope, a.absentHandler(e)))
	}
}

func (a *API) absentHandler(e Absent) handlerFunc {
	switch e.Kind {
	case kindDeprecated:
		return func(http.ResponseWriter, *http.Request) error { return errDeprecated }
	case kindNotFound:
		return func(http.ResponseWriter, *http.Request) error {
			return newError(http.StatusNotFound, "inexistent_"+strings.ReplaceAll(strings.ToLower(e.Feature), " ", "_"), e.Default)
		}
	case kindNoCreate:
		return func(http.ResponseWriter, *http.Request) error {
			return newError(http.StatusNotImplemented, "not_implemented", e.Feature+" are not modelled by the mock IdP; it answers as a tenant without them")
		}
	case kindList:
		return func(w http.ResponseWriter, r *http.Request) error {
			q := r.URL.Query()
			pg, err := parsePaging(q)
			if err != nil && !q.Has("take") {
				return err
			}
			switch {
			case e.Key != "" && (q.Has("from") || q.Has("take")):
				writeJSON(w, http.StatusOK, map[string]any{e.Key: []any{}})
			case e.Key != "" && (e.Object || pg.totals):
				writeJSON(w, http.StatusOK, map[string]any{e.Key: []any{}, "start": 0, "limit": pg.perPage, "total": 0})
			default:
				writeJSON(w, http.StatusOK, []any{})
			}
			return nil
		}
	}
	if e.Kind == kindFactor {
		return a.factorHandler
	}
	return a.documentHandler(e)
}

// factorHandler answers PUT /guardian/factors/{factor} {"enabled": bool}:
// it sets the factor's enabled in the factors list document.
func (a *API) factorHandler(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "factor")
	p, err := readPayload(r)
	if err != nil {
		return err
	}
	p.allow("enabled")
	p.require("enabled")
	var enabled bool
	p.boolean("enabled", &enabled)
	if p.err != nil {
		return p.err
	}
	key := strings.TrimSuffix(r.URL.Path, "/"+name)
	a.docs.mu.Lock()
	defer a.docs.mu.Unlock()
	cur, ok := a.docs.docs[key]
	if !ok {
		cur = json.RawMessage(defaultFactors)
	}
	var factors []map[string]any
	_ = json.Unmarshal(cur, &factors)
	i := slices.IndexFunc(factors, func(f map[string]any) bool { return f["name"] == name })
	if i < 0 {
		return newError(http.StatusNotFound, "inexistent_factor", "The factor does not exist")
	}
	factors[i]["enabled"] = enabled
	next, _ := json.Marshal(factors)
	if a.docs.docs == nil {
		a.docs.docs = map[string]json.RawMessage{}
	}
	a.docs.docs[key] = next
	writeJSON(w, http.StatusOK, map[string]bool{"enabled": enabled})
	return nil
}

// documentHandler answers a settings document: GET shows it (its default
// until written), PATCH merges the body's top-level properties into it,
// PUT replaces it.
func (a *API) documentHandler(e Absent) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		key := r.URL.Path
		a.docs.mu.Lock()
		defer a.docs.mu.Unlock()
		cur, ok := a.docs.docs[key]
		if !ok {
			cur = json.RawMessage(e.Default)
		}
		if r.Method == http.MethodGet {
			writeRaw(w, cur)
			return nil
		}
		body, err := readRaw(r)
		if err != nil {
			return err
		}
		next := body
		if r.Method == http.MethodPatch {
			if jsonType(body) != "object" {
				return errPayload("Expected type object but found type " + jsonType(body))
			}
			next = mergeObjects(cur, body)
		}
		if a.docs.docs == nil {
			a.docs.docs = map[string]json.RawMessage{}
		}
		a.docs.docs[key] = next
		writeRaw(w, next)
		return nil
	}
}

// mergeObjects sets patch's top-level properties in cur, keeping the order
// of cur's properties (new ones go last), so that a document read back
// lists its properties as before. Both are JSON objects; a cur that is not
// one is replaced.
func mergeObjects(cur, patch json.RawMessage) json.RawMessage {
	keys, vals := objectMembers(cur)
	pk, pv := objectMembers(patch)
	for i, k := range pk {
		if j := slices.Index(keys, k); j >= 0 {
			vals[j] = pv[i]
		} else {
			keys, vals = append(keys, k), append(vals, pv[i])
		}
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kj, _ := json.Marshal(k)
		b.Write(kj)
		b.WriteByte(':')
		b.Write(vals[i])
	}
	b.WriteByte('}')
	return b.Bytes()
}

// objectMembers lists a JSON object's properties in order; nothing for
// anything else.
func objectMembers(raw json.RawMessage) (keys []string, vals []json.RawMessage) {
	d := json.NewDecoder(bytes.NewReader(raw))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, nil
	}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, nil
		}
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, nil
		}
		keys, vals = append(keys, t.(string)), append(vals, v)
	}
	return keys, vals
}

func writeRaw(w http.ResponseWriter, raw json.RawMessage) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(raw, '\n'))
}
