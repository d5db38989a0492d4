package config

// The Okta org file: a tenant file with "vendor: okta" describes one Okta
// org (apps, authorization servers with their scopes and access policies,
// users and app assignments) that the mock loads into an okta.Store.
//
// Field names are Okta's admin API JSON names (settings.oauthClient.
// consent_method, credentials.oauthClient.client_id, displayName, ...) and
// decoding is strict. Okta's defaults apply (consent_method TRUSTED, a
// scope without consent IMPLICIT, auth method by application_type) and
// every item is validated before anything is stored; errors name the file,
// the item and the field, as the Auth0 file's do:
//
//	okta-demo.yaml: apps[1] "Partner": settings.oauthClient.consent_method: "ALWAYS" is not one of TRUSTED, REQUIRED
//
// The org always has Okta's default authorization server "default" with
// the system scopes and a default policy allowing everything. An entry
// named default in authorizationServers changes it: its scopes are added,
// or, for a system scope, change consent, optional, default, displayName
// and description; its policies, when given, replace the default policy.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/okta"
)

// Vendors of a tenant file.
const (
	VendorAuth0 = "auth0"
	VendorOkta  = "okta"
)

// oktaSections are the top-level keys of an Okta org file.
const oktaSections = "vendor, org, apps, authorizationServers, users, assignments"

// Vendor reads a tenant file's "vendor" key: "auth0" when there is none.
// It does not validate the rest of the file.
func Vendor(data []byte) (string, error) {
	js, err := toJSON(data)
	if err != nil {
		return "", fmt.Errorf("not valid YAML: %s", err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(js, &top); err != nil || top == nil {
		return VendorAuth0, nil // the vendor's parser says what is wrong
	}
	raw, ok := top["vendor"]
	if !ok {
		return VendorAuth0, nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", errors.New("vendor: must be a string (auth0 or okta)")
	}
	switch v {
	case VendorAuth0, VendorOkta:
		return v, nil
	}
	return "", fmt.Errorf("vendor: %q is not auth0 or okta", v)
}

// OktaFile is a parsed, validated Okta org file with Okta's defaults
// applied. Apps and users without an id in the file get one at parse time,
// so that assignments can name them.
type OktaFile struct {
	// Name is the file's name as given to LoadOkta or ParseOkta.
	Name string

	Org         OktaOrg
	Apps        []*okta.App
	Servers     []*OktaServer
	Users       []*OktaUser
	Assignments []*okta.AppUser
}

// OktaOrg is what the pages show of the org.
type OktaOrg struct {
	Name    string `json:"name"`
	LogoURL string `json:"logo_url"`
}

// OktaServer is an authorization server of the file.
type OktaServer struct {
	// Server has Default set for the entry named default, which changes the
	// org's default server instead of creating one.
	Server   *okta.AuthServer
	Scopes   []*okta.Scope
	Policies []*OktaPolicy
}

// OktaPolicy is an access policy with its rules.
type OktaPolicy struct {
	Policy *okta.Policy
	Rules  []*okta.Rule
}

// OktaUser is a user of the file; the password is hashed by Apply.
type OktaUser struct {
	User     okta.User
	Password Password
}

// The file's shapes.

type oktaRawFile struct {
	Vendor               string            `json:"vendor"`
	Org                  json.RawMessage   `json:"org"`
	Apps                 []json.RawMessage `json:"apps"`
	AuthorizationServers []json.RawMessage `json:"authorizationServers"`
	Users                []json.RawMessage `json:"users"`
	Assignments          []json.RawMessage `json:"assignments"`
}

// fileApp is an app as written in the file; the read-only timestamps are
// not part of it.
type fileApp struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	Label       string              `json:"label"`
	Status      string              `json:"status"`
	SignOnMode  string              `json:"signOnMode"`
	Credentials okta.AppCredentials `json:"credentials"`
	Settings    okta.AppSettings    `json:"settings"`
}

type fileServer struct {
	ID          string       `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Audiences   []string     `json:"audiences"`
	IssuerMode  string       `json:"issuerMode"`
	Status      string       `json:"status"`
	Scopes      []fileScope  `json:"scopes"`
	Policies    []filePolicy `json:"policies"`
}

type fileScope struct {
	Name            string `json:"name"`
	DisplayName     string `json:"displayName"`
	Description     string `json:"description"`
	Consent         string `json:"consent"`
	Optional        bool   `json:"optional"`
	Default         bool   `json:"default"`
	MetadataPublish string `json:"metadataPublish"`
}

type filePolicy struct {
	Name        string                `json:"name"`
	Description string                `json:"description"`
	Priority    int                   `json:"priority"`
	Status      string                `json:"status"`
	Conditions  okta.PolicyConditions `json:"conditions"`
	Rules       []fileRule            `json:"rules"`
}

type fileRule struct {
	Name       string              `json:"name"`
	Priority   int                 `json:"priority"`
	Status     string              `json:"status"`
	Conditions okta.RuleConditions `json:"conditions"`
	Actions    *okta.RuleActions   `json:"actions"`
}

type fileOktaUser struct {
	ID       string           `json:"id"`
	Status   string           `json:"status"`
	Profile  okta.UserProfile `json:"profile"`
	Password string           `json:"password"`
}

// fileAssignment assigns a user (by login) to an app (by label, id or
// client_id).
type fileAssignment struct {
	App      string `json:"app"`
	User     string `json:"user"`
	UserName string `json:"userName"`
}

// LoadOkta reads and parses the Okta org file at path.
func LoadOkta(path string) (*OktaFile, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tenant file: %w", err)
	}
	return ParseOkta(data, filepath.Base(path))
}

// ParseOkta parses and validates an Okta org file; name is used in error
// messages. When the file has problems, the error is an Errors that lists
// every one of them.
func ParseOkta(data []byte, name string) (*OktaFile, error) {
	p := &oktaParser{parser: parser{file: name}}
	f := p.parse(data)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return f, nil
}

type oktaParser struct {
	parser
	apps  map[string]*okta.App // by label, id and client_id
	users map[string]*okta.User
}

// failCauses records a domain validation error under item, each field
// prefixed with prefix.
func (p *oktaParser) failCauses(item, prefix string, err error) {
	var ve *okta.ValidationError
	if !errors.As(err, &ve) {
		p.fail(item, "", "%s", err)
		return
	}
	for _, c := range ve.Causes {
		p.fail(item, prefix+c.Field, "%s", c.Msg)
	}
}

func (p *oktaParser) parse(data []byte) *OktaFile {
	js, err := toJSON(data)
	if err != nil {
		p.fail("", "", "not valid YAML: %s", err)
		return nil
	}
	var raw oktaRawFile
	if err := decodeStrict(js, &raw); err != nil {
		field, msg := explain(err)
		switch {
		case strings.HasPrefix(msg, "unknown field "):
			p.fail("", "", "unknown top-level key %s (the keys of an Okta org file are %s)", strings.TrimPrefix(msg, "unknown field "), oktaSections)
		case field == "":
			p.fail("", "", "the file must be a mapping with the keys %s", oktaSections)
		default:
			p.fail("", field, "%s", msg)
		}
		return nil
	}
	if raw.Vendor != VendorOkta {
		p.fail("", "vendor", "must be okta in an Okta org file, got %q", raw.Vendor)
		return nil
	}
	f := &OktaFile{Name: p.file, Org: OktaOrg{Name: "Okta"}}
	p.apps = map[string]*okta.App{}
	p.users = map[string]*okta.User{}
	if len(raw.Org) > 0 {
		p.decodeItem("org", raw.Org, &f.Org)
		if f.Org.LogoURL != "" {
			p.checkWebURL("org", "logo_url", f.Org.LogoURL)
		}
	}
	for i, r := range raw.Apps {
		if a := p.app(itemLabel("apps", i, peekName(r, "label", "id")), r); a != nil {
			f.Apps = append(f.Apps, a)
		}
	}
	names := map[string]bool{}
	for i, r := range raw.AuthorizationServers {
		if s := p.server(itemLabel("authorizationServers", i, peekName(r, "name", "id")), r, names); s != nil {
			f.Servers = append(f.Servers, s)
		}
	}
	for i, r := range raw.Users {
		if u := p.oktaUser(itemLabel("users", i, peekLogin(r)), r); u != nil {
			f.Users = append(f.Users, u)
		}
	}
	seen := map[string]bool{}
	for i, r := range raw.Assignments {
		label := itemLabel("assignments", i, grantName(peekName(r, "user"), peekName(r, "app")))
		if a := p.assignment(label, r, seen); a != nil {
			f.Assignments = append(f.Assignments, a)
		}
	}
	return f
}

func peekLogin(r json.RawMessage) string {
	var m struct {
		Profile struct {
			Login string `json:"login"`
		} `json:"profile"`
	}
	_ = json.Unmarshal(r, &m)
	return m.Profile.Login
}

// Apps.

func (p *oktaParser) app(item string, raw json.RawMessage) *okta.App {
	var fa fileApp
	if !p.decodeItem(item, raw, &fa) {
		return nil
	}
	a := &okta.App{ID: fa.ID, Name: fa.Name, Label: fa.Label, Status: fa.Status, SignOnMode: fa.SignOnMode,
		Credentials: fa.Credentials, Settings: fa.Settings}
	if a.ID == "" {
		a.ID = okta.NewID(okta.PrefixApp)
	}
	if a.Status == "" {
		a.Status = okta.StatusActive
	}
	okta.ApplyAppDefaults(a)
	if err := okta.ValidateApp(a); err != nil {
		p.failCauses(item, "", err)
		return nil
	}
	if a.NeedsSecret() && a.Credentials.OAuthClient.ClientSecret == "" {
		p.fail(item, "credentials.oauthClient.client_secret", "is required for %s (the file is the only place it is written)", a.Credentials.OAuthClient.TokenEndpointAuthMethod)
		return nil
	}
	if !a.NeedsSecret() && a.Credentials.OAuthClient.ClientSecret != "" {
		p.fail(item, "credentials.oauthClient.client_secret", "must be empty for token_endpoint_auth_method %s", a.Credentials.OAuthClient.TokenEndpointAuthMethod)
		return nil
	}
	for _, key := range []struct{ field, v string }{{"id", a.ID}, {"credentials.oauthClient.client_id", a.ClientID()}, {"label", a.Label}} {
		if o, ok := p.apps[key.v]; ok && o != a {
			p.fail(item, key.field, "%q is already the id, client_id or label of another app", key.v)
			return nil
		}
	}
	p.apps[a.ID], p.apps[a.ClientID()], p.apps[a.Label] = a, a, a
	return a
}

// Authorization servers.

func (p *oktaParser) server(item string, raw json.RawMessage, names map[string]bool) *OktaServer {
	var fs fileServer
	if !p.decodeItem(item, raw, &fs) {
		return nil
	}
	if names[fs.Name] {
		p.fail(item, "name", "%q is already the name of another authorization server", fs.Name)
		return nil
	}
	names[fs.Name] = true
	s := &okta.AuthServer{ID: fs.ID, Name: fs.Name, Description: fs.Description, Audiences: fs.Audiences, IssuerMode: fs.IssuerMode, Status: fs.Status}
	out := &OktaServer{Server: s}
	if fs.Name == okta.DefaultServerName {
		s.Default = true
		d := okta.NewDefaultServer()
		if fs.ID != "" || len(fs.Audiences) > 0 || fs.IssuerMode != "" || fs.Status != "" {
			p.fail(item, "", "the default server keeps Okta's id, audience (api://default), issuerMode and status; only description, scopes and policies can be given")
		}
		s.Audiences, s.IssuerMode, s.Status = d.Audiences, d.IssuerMode, d.Status
		if s.Description == "" {
			s.Description = d.Description
		}
	} else {
		if s.ID == "" {
			s.ID = okta.NewID(okta.PrefixAuthServer)
		}
		okta.ApplyServerDefaults(s)
		if err := okta.ValidateServer(s); err != nil {
			p.failCauses(item, "", err)
		}
	}
	system := map[string]bool{}
	for _, ss := range okta.SystemScopes {
		system[ss.Name] = true
	}
	scopeNames := map[string]bool{}
	for i, fsc := range fs.Scopes {
		field := fmt.Sprintf("scopes[%d].", i)
		sc := &okta.Scope{Name: fsc.Name, DisplayName: fsc.DisplayName, Description: fsc.Description, Consent: fsc.Consent,
			Optional: fsc.Optional, Default: fsc.Default, MetadataPublish: fsc.MetadataPublish, System: system[fsc.Name]}
		if sc.System && sc.MetadataPublish == "" {
			sc.MetadataPublish = okta.PublishAll
		}
		okta.ApplyScopeDefaults(sc)
		if err := okta.ValidateScope(sc); err != nil {
			p.failCauses(item, field, err)
			continue
		}
		if scopeNames[sc.Name] {
			p.fail(item, field+"name", "%q is listed twice", sc.Name)
			continue
		}
		scopeNames[sc.Name] = true
		out.Scopes = append(out.Scopes, sc)
	}
	for i, fp := range fs.Policies {
		field := fmt.Sprintf("policies[%d].", i)
		pol := &okta.Policy{Name: fp.Name, Description: fp.Description, Priority: fp.Priority, Status: fp.Status, Conditions: fp.Conditions}
		if pol.Priority == 0 {
			pol.Priority = i + 1
		}
		okta.ApplyPolicyDefaults(pol)
		if err := okta.ValidatePolicy(pol); err != nil {
			p.failCauses(item, field, err)
			continue
		}
		op := &OktaPolicy{Policy: pol}
		for j, fr := range fp.Rules {
			rfield := fmt.Sprintf("%srules[%d].", field, j)
			r := &okta.Rule{Name: fr.Name, Priority: fr.Priority, Status: fr.Status, Conditions: fr.Conditions}
			if fr.Actions != nil {
				r.Actions = *fr.Actions
			}
			if r.Priority == 0 {
				r.Priority = j + 1
			}
			okta.ApplyRuleDefaults(r)
			if err := okta.ValidateRule(r); err != nil {
				p.failCauses(item, rfield, err)
				continue
			}
			for k, name := range r.Conditions.Scopes.Include {
				if name != okta.AllScopes && !scopeNames[name] && !system[name] {
					p.fail(item, fmt.Sprintf("%sconditions.scopes.include[%d]", rfield, k), "the server has no scope %q", name)
				}
			}
			op.Rules = append(op.Rules, r)
		}
		out.Policies = append(out.Policies, op)
	}
	return out
}

// Users.

func (p *oktaParser) oktaUser(item string, raw json.RawMessage) *OktaUser {
	var fu fileOktaUser
	if !p.decodeItem(item, raw, &fu) {
		return nil
	}
	u := okta.User{ID: fu.ID, Status: fu.Status, Profile: fu.Profile}
	if u.ID == "" {
		u.ID = okta.NewID(okta.PrefixUser)
	}
	if u.Status == "" {
		u.Status = okta.UserActive
	}
	if err := okta.ValidateUser(&u); err != nil {
		p.failCauses(item, "", err)
		return nil
	}
	if fu.Password == "" {
		p.fail(item, "password", "is required (users of the file sign in with it)")
		return nil
	}
	key := strings.ToLower(u.Profile.Login)
	if _, ok := p.users[key]; ok {
		p.fail(item, "profile.login", "%q is already the login of another user", u.Profile.Login)
		return nil
	}
	if _, ok := p.users["id:"+u.ID]; ok {
		p.fail(item, "id", "%q is already the id of another user", u.ID)
		return nil
	}
	out := &OktaUser{User: u, Password: Password{text: fu.Password}}
	p.users[key], p.users["id:"+u.ID] = &out.User, &out.User
	return out
}

// Assignments.

func (p *oktaParser) assignment(item string, raw json.RawMessage, seen map[string]bool) *okta.AppUser {
	var fa fileAssignment
	if !p.decodeItem(item, raw, &fa) {
		return nil
	}
	app, ok := p.apps[fa.App]
	if fa.App == "" {
		p.fail(item, "app", "is required (an app's label, id or client_id)")
	} else if !ok {
		p.fail(item, "app", "%q is not the label, id or client_id of an app in the file", fa.App)
	}
	u, uok := p.users[strings.ToLower(fa.User)]
	if fa.User == "" {
		p.fail(item, "user", "is required (a user's login)")
	} else if !uok {
		p.fail(item, "user", "%q is not the login of a user in the file", fa.User)
	}
	if !ok || !uok {
		return nil
	}
	key := app.ID + "/" + u.ID
	if seen[key] {
		p.fail(item, "", "%s is already assigned to %s", fa.User, fa.App)
		return nil
	}
	seen[key] = true
	name := fa.UserName
	if name == "" {
		name = u.Profile.Login
	}
	return &okta.AppUser{AppID: app.ID, ID: u.ID, Scope: okta.AssignmentScopeUser, Status: okta.StatusActive,
		Credentials: okta.AppUserCredentials{UserName: name}}
}

// Apply stores the org in st, hashing passwords at passwordCost (0 means
// credentials.DefaultCost) before writing anything. An empty store is
// first seeded with the default server (okta.SeedOrg).
func (f *OktaFile) Apply(ctx context.Context, st okta.Store, passwordCost int, now time.Time) error {
	if passwordCost == 0 {
		passwordCost = credentials.DefaultCost
	}
	fail := func(item, field string, err error) error {
		return &Error{File: f.Name, Item: item, Field: field, Err: err}
	}
	hashes := make([]string, len(f.Users))
	for i, u := range f.Users {
		h, err := credentials.HashPassword(u.Password.Reveal(), passwordCost)
		if err != nil {
			return fail(itemLabel("users", i, u.User.Profile.Login), "password", err)
		}
		hashes[i] = h
	}
	now = now.UTC().Truncate(time.Millisecond)
	def, err := st.GetAuthServer(ctx, okta.DefaultServerName)
	if errors.Is(err, okta.ErrNotFound) {
		def, err = okta.SeedOrg(ctx, st, now)
	}
	if err != nil {
		return fail("", "", fmt.Errorf("default authorization server: %w", err))
	}
	for i, a := range f.Apps {
		n := *a
		n.Created, n.LastUpdated = now, now
		if err := st.CreateApp(ctx, &n); err != nil {
			return fail(itemLabel("apps", i, a.Label), "", err)
		}
	}
	for i, s := range f.Servers {
		if err := applyServer(ctx, st, s, def, now); err != nil {
			return fail(itemLabel("authorizationServers", i, s.Server.Name), "", err)
		}
	}
	for i, u := range f.Users {
		n := u.User
		n.PasswordHash = hashes[i]
		n.Created, n.LastUpdated = now, now
		n.Activated, n.StatusChanged, n.PasswordChanged = &now, &now, &now
		if err := st.CreateUser(ctx, &n); err != nil {
			return fail(itemLabel("users", i, u.User.Profile.Login), "", err)
		}
	}
	for i, a := range f.Assignments {
		n := *a
		n.Created, n.LastUpdated = now, now
		if err := st.AssignUser(ctx, &n); err != nil {
			return fail(itemLabel("assignments", i, a.Credentials.UserName), "", err)
		}
	}
	return nil
}

func applyServer(ctx context.Context, st okta.Store, s *OktaServer, def *okta.AuthServer, now time.Time) error {
	srv := def
	if s.Server.Default {
		if s.Server.Description != def.Description {
			n := *def
			n.Description, n.LastUpdated = s.Server.Description, now
			if err := st.UpdateAuthServer(ctx, &n); err != nil {
				return err
			}
		}
	} else {
		n := *s.Server
		created, err := okta.CreateServer(ctx, st, &n, now)
		if err != nil {
			return err
		}
		srv = created
	}
	for _, sc := range s.Scopes {
		n := *sc
		n.ServerID = srv.ID
		old, err := st.FindScope(ctx, srv.ID, sc.Name)
		switch {
		case err == nil:
			// A system scope: the file changes its consent and wording.
			old.Consent, old.Optional, old.Default = n.Consent, n.Optional, n.Default
			if n.DisplayName != "" {
				old.DisplayName = n.DisplayName
			}
			if n.Description != "" {
				old.Description = n.Description
			}
			if err := st.UpdateScope(ctx, old); err != nil {
				return fmt.Errorf("scope %s: %w", sc.Name, err)
			}
		case errors.Is(err, okta.ErrNotFound):
			n.System = false
			if err := st.CreateScope(ctx, &n); err != nil {
				return fmt.Errorf("scope %s: %w", sc.Name, err)
			}
		default:
			return err
		}
	}
	if len(s.Policies) > 0 && s.Server.Default {
		old, err := st.ListPolicies(ctx, srv.ID)
		if err != nil {
			return err
		}
		for _, p := range old {
			if err := st.DeletePolicy(ctx, srv.ID, p.ID); err != nil {
				return err
			}
		}
	}
	for _, op := range s.Policies {
		p := *op.Policy
		p.ServerID, p.Created, p.LastUpdated = srv.ID, now, now
		if err := st.CreatePolicy(ctx, &p); err != nil {
			return fmt.Errorf("policy %s: %w", p.Name, err)
		}
		for _, r := range op.Rules {
			n := *r
			n.ServerID, n.PolicyID, n.Created, n.LastUpdated = srv.ID, p.ID, now, now
			if err := st.CreateRule(ctx, &n); err != nil {
				return fmt.Errorf("policy %s rule %s: %w", p.Name, r.Name, err)
			}
		}
	}
	return nil
}
