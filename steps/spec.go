package steps

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/consentry/consentry/steps/mgmtclient"
	"github.com/consentry/consentry/steps/target"
)

// A scenario describes the fixtures it needs in words ("a strict
// third-party application with the redirection policy allow_always"). The
// words are read once into a spec: the properties the fixture must have. On
// a target with a Management API the harness creates a fixture with them;
// on one without, it binds a fixture registered in the target profile that
// has them (bindAPI, bindClient); `consentry fixtures` lists them.

// APISpec is what a scenario asks of an API.
type APISpec struct {
	Name string
	// Scopes are the scopes the scenario uses, with descriptions when it
	// gives them (Described).
	Scopes        []mgmtclient.Scope
	Described     bool
	SkipsConsent  bool
	OfflineAccess bool
}

func (a APISpec) values() []string {
	out := make([]string, len(a.Scopes))
	for i, s := range a.Scopes {
		out[i] = s.Value
	}
	return out
}

// String is the API and its properties, in the profile's keys.
func (a APISpec) String() string {
	return fmt.Sprintf("API %q {%s}", a.Name, strings.Join(a.Properties(), ", "))
}

// Properties are the API's properties as profile keys and values.
func (a APISpec) Properties() []string {
	p := []string{"scopes ⊇ [" + strings.Join(a.values(), " ") + "]", fmt.Sprintf("skips_consent: %v", a.SkipsConsent)}
	if a.OfflineAccess {
		p = append(p, "offline_access: true")
	}
	if a.Described {
		var d []string
		for _, s := range a.Scopes {
			d = append(d, fmt.Sprintf("%s=%q", s.Value, s.Description))
		}
		p = append(p, "descriptions: "+strings.Join(d, " "))
	}
	return p
}

// parseAPI reads `an API "Posts" with the scopes "read:posts" that ...`.
func parseAPI(name, scopes, clauses string) (APISpec, error) {
	spec := APISpec{Name: name}
	for _, c := range splitClauses(clauses) {
		switch c {
		case "that allows skipping consent for first-party applications":
			spec.SkipsConsent = true
		case "that does not allow skipping consent":
			spec.SkipsConsent = false
		case "that allows offline access":
			spec.OfflineAccess = true
		default:
			return APISpec{}, fmt.Errorf("unknown API clause %q", c)
		}
	}
	for _, v := range strings.Fields(scopes) {
		spec.Scopes = append(spec.Scopes, mgmtclient.Scope{Value: v})
	}
	return spec, nil
}

// parseAPITable reads `an API "Posts" with these scopes:` and its table
// (scope, description; a header row is skipped).
func parseAPITable(name string, rows [][]string) (APISpec, error) {
	spec := APISpec{Name: name, Described: true}
	for i, row := range rows {
		if len(row) != 2 {
			return APISpec{}, fmt.Errorf("the scope table needs two columns: scope and description")
		}
		if i == 0 && row[0] == "scope" {
			continue
		}
		spec.Scopes = append(spec.Scopes, mgmtclient.Scope{Value: row[0], Description: row[1]})
	}
	return spec, nil
}

// bindAPI finds the profile's API for spec: the same name and skipping
// setting, offline access when the scenario needs it, every scope the
// scenario uses (with its description, when given). It says why none fits.
func bindAPI(p *target.Profile, spec APISpec) (*target.PreAPI, string) {
	var why []string
	for i := range p.APIs {
		a := &p.APIs[i]
		if a.Name != spec.Name {
			continue
		}
		switch {
		case a.SkipsConsent != spec.SkipsConsent:
			why = append(why, fmt.Sprintf("%s has skips_consent: %v", a.Identifier, a.SkipsConsent))
		case spec.OfflineAccess && !a.OfflineAccess:
			why = append(why, a.Identifier+" has no offline_access")
		default:
			var lacks []string
			for _, s := range spec.Scopes {
				if !slices.Contains(a.Scopes, s.Value) {
					lacks = append(lacks, s.Value)
				} else if spec.Described && a.Descriptions[s.Value] != s.Description {
					lacks = append(lacks, fmt.Sprintf("%s described %q", s.Value, s.Description))
				}
			}
			if len(lacks) == 0 {
				return a, ""
			}
			why = append(why, fmt.Sprintf("%s lacks %s", a.Identifier, strings.Join(lacks, ", ")))
		}
	}
	if len(why) == 0 {
		return nil, fmt.Sprintf("no API named %q under apis", spec.Name)
	}
	return nil, strings.Join(why, "; ")
}

// AppSpec is what a scenario asks of an application.
type AppSpec struct {
	// Description is the scenario's words, for names and messages.
	Description string
	FirstParty  bool
	// Mode is strict or permissive for third-party applications.
	Mode string
	// AppType is regular_web, spa, native or non_interactive.
	AppType    string
	AuthMethod string
	// Callbacks are the callbacks the scenario names, in order; nil means
	// any verifiable one (a created application gets defaultCallback).
	Callbacks []string
	// GrantTypes are the grant types the scenario names; nil: the kind's.
	GrantTypes []string
	// UsesGrants are the grant types the scenario's later steps use with
	// the application (the password grants) and expect it to have: a
	// pre-registered client must list them under grant_types.
	UsesGrants []string
	// RedirectionPolicy is the policy the scenario names ("" for none).
	RedirectionPolicy string
	// SkipsConfirmation is the application's confirmation setting, when
	// the scenario names it.
	SkipsConfirmation *bool
	// RotatesRefreshTokens: the application's refresh tokens are rotated
	// (rule W4: refresh_token.rotation_type rotating, no reuse interval).
	RotatesRefreshTokens bool
	// UserAccess: a third-party application gets user tokens for the
	// APIs the scenario has (client grants of subject type user); NoUserAPIs
	// are those it must not.
	UserAccess bool
	UserAPIs   []string
	NoUserAPIs []string
	// UserScopes are the scopes the scenario uses of each of UserAPIs: a
	// strict third-party application's user client grant must allow them.
	UserScopes map[string][]string
	// ClientGrant is a client credentials grant the application needs.
	ClientGrant *ClientGrantSpec
}

// ClientGrantSpec is a client credentials grant for an API, by name.
type ClientGrantSpec struct {
	API    string
	Scopes []string
}

var (
	clausePolicy    = regexp.MustCompile(`^with the redirection policy (\S+)$`)
	clauseCallback  = regexp.MustCompile(`^with the callback "([^"]*)"$`)
	clauseGrants    = regexp.MustCompile(`^with the grant types "([^"]*)"$`)
	clauseAuth      = regexp.MustCompile(`^authenticating with (client_secret_basic|client_secret_post|none)$`)
	clauseCG        = regexp.MustCompile(`^with a client grant for the API(?: with the scopes "([^"]*)")?$`)
	clauseNoUserCG  = regexp.MustCompile(`^without access to the API for users$`)
	clauseSkipConf  = regexp.MustCompile(`^that skips the login confirmation prompt$`)
	clauseKeepsConf = regexp.MustCompile(`^that does not skip the login confirmation prompt$`)
	clauseRotation  = regexp.MustCompile(`^with refresh token rotation$`)
)

// parseApp reads an application's description: the kind ("strict
// third-party", "first-party native") and the clauses after
// "application". apis are the scenario's APIs so far (the last is "the
// API" of a client grant clause).
func parseApp(kind, clauses string, apis []APISpec) (AppSpec, error) {
	words := strings.Fields(kind)
	spec := AppSpec{
		Description: strings.TrimSpace(kind + " application " + strings.TrimSpace(clauses)),
		FirstParty:  slices.Contains(words, "first-party"),
		AppType:     "regular_web", AuthMethod: "client_secret_post",
	}
	if !spec.FirstParty {
		spec.Mode = "strict"
		if slices.Contains(words, "permissive") {
			spec.Mode = "permissive"
		}
	}
	switch {
	case strings.Contains(kind, "single-page"):
		spec.AppType, spec.AuthMethod = "spa", "none"
	case strings.Contains(kind, "native"):
		spec.AppType, spec.AuthMethod = "native", "none"
	case strings.Contains(kind, "machine-to-machine"):
		spec.AppType = "non_interactive"
	}
	if slices.Contains(words, "public") {
		spec.AuthMethod = "none"
	}
	spec.UserAccess = !spec.FirstParty
	if spec.UserAccess {
		spec.UserScopes = map[string][]string{}
		for _, a := range apis {
			spec.UserAPIs = append(spec.UserAPIs, a.Name)
			spec.UserScopes[a.Name] = append(spec.UserScopes[a.Name], a.values()...)
		}
	}
	for _, c := range splitClauses(clauses) {
		switch {
		case clausePolicy.MatchString(c):
			spec.RedirectionPolicy = clausePolicy.FindStringSubmatch(c)[1]
		case clauseCallback.MatchString(c):
			spec.Callbacks = append(spec.Callbacks, clauseCallback.FindStringSubmatch(c)[1])
		case clauseGrants.MatchString(c):
			spec.GrantTypes = strings.Fields(clauseGrants.FindStringSubmatch(c)[1])
		case clauseAuth.MatchString(c):
			spec.AuthMethod = clauseAuth.FindStringSubmatch(c)[1]
		case clauseCG.MatchString(c):
			if len(apis) == 0 {
				return AppSpec{}, fmt.Errorf("%q: the scenario has no API yet (add a Given step that creates one)", c)
			}
			api := apis[len(apis)-1]
			g := &ClientGrantSpec{API: api.Name, Scopes: api.values()}
			if m := clauseCG.FindStringSubmatch(c); m[1] != "" {
				g.Scopes = strings.Fields(m[1])
			}
			spec.ClientGrant = g
		case clauseNoUserCG.MatchString(c):
			spec.UserAccess, spec.UserAPIs, spec.UserScopes = false, nil, nil
			for _, a := range apis {
				spec.NoUserAPIs = append(spec.NoUserAPIs, a.Name)
			}
		case clauseSkipConf.MatchString(c):
			t := true
			spec.SkipsConfirmation = &t
		case clauseKeepsConf.MatchString(c):
			f := false
			spec.SkipsConfirmation = &f
		case clauseRotation.MatchString(c):
			spec.RotatesRefreshTokens = true
		default:
			return AppSpec{}, fmt.Errorf("unknown application clause %q", c)
		}
	}
	return spec, nil
}

// policy is the redirection policy the application has: the one named,
// else the default (open_redirect_protection for third-party).
func (a AppSpec) policy() string {
	if a.RedirectionPolicy != "" || a.FirstParty {
		return a.RedirectionPolicy
	}
	return "open_redirect_protection"
}

func (a AppSpec) grantTypes() []string {
	if a.GrantTypes != nil {
		return a.GrantTypes
	}
	return defaultGrantTypes(a.AppType, a.FirstParty, a.Mode, a.AuthMethod)
}

// clientApp is the Management API body that creates the application.
func (a AppSpec) clientApp() mgmtclient.ClientApp {
	first := a.FirstParty
	app := mgmtclient.ClientApp{
		AppType: a.AppType, TokenEndpointAuthMethod: a.AuthMethod, IsFirstParty: &first,
		ThirdPartySecurityMode: a.Mode, RedirectionPolicy: a.RedirectionPolicy,
		Callbacks: slices.Clone(a.Callbacks), GrantTypes: a.grantTypes(),
		SkipNonVerifiableCallbackURIConfirmationPrompt: a.SkipsConfirmation,
	}
	if len(app.Callbacks) == 0 && a.AppType != "non_interactive" {
		app.Callbacks = []string{defaultCallback}
	}
	if a.RotatesRefreshTokens {
		// Auth0 rotates only expiring refresh tokens; leeway 0: a spent
		// token is refused at once, with no reuse interval.
		app.RefreshToken = &mgmtclient.RefreshTokenPolicy{RotationType: "rotating", ExpirationType: "expiring", Leeway: new(0)}
	}
	return app
}

// String is the application and its properties, in the profile's keys.
func (a AppSpec) String() string {
	return fmt.Sprintf("client for %q {%s}", a.Description, strings.Join(a.Properties(), ", "))
}

// Properties are the application's properties as profile keys and values.
func (a AppSpec) Properties() []string {
	p := []string{fmt.Sprintf("first_party: %v", a.FirstParty)}
	if !a.FirstParty {
		p = append(p, "third_party_mode: "+a.Mode)
	}
	p = append(p, "app_type: "+a.AppType, "auth_method: "+a.AuthMethod)
	if a.AppType != "non_interactive" {
		if a.Callbacks != nil {
			p = append(p, "callbacks ⊇ ["+strings.Join(a.Callbacks, " ")+"]")
		} else {
			p = append(p, "callbacks: one verifiable (https) callback")
		}
	}
	if a.GrantTypes != nil {
		p = append(p, "grant_types: ["+strings.Join(a.GrantTypes, " ")+"]")
	} else if len(a.UsesGrants) > 0 {
		p = append(p, "grant_types ⊇ ["+strings.Join(a.UsesGrants, " ")+"]")
	}
	if pol := a.policy(); pol != "" {
		p = append(p, "redirection_policy: "+pol)
	}
	if a.SkipsConfirmation != nil {
		p = append(p, fmt.Sprintf("skips_confirmation: %v", *a.SkipsConfirmation))
	}
	if a.RotatesRefreshTokens {
		p = append(p, "refresh_token_rotation: true")
	}
	if len(a.UserAPIs) > 0 {
		if a.Mode == "strict" {
			p = append(p, "user_client_grants ⊇ ["+a.userGrants()+"] (or user_apis, or neither: every API, every scope)")
		} else {
			p = append(p, "user_apis ⊇ ["+strings.Join(a.UserAPIs, " ")+"] (or absent: every API)")
		}
	}
	if len(a.NoUserAPIs) > 0 {
		p = append(p, "user_apis without ["+strings.Join(a.NoUserAPIs, " ")+"]")
	}
	if g := a.ClientGrant; g != nil {
		p = append(p, fmt.Sprintf("client_grants: [{api: %s, scopes: [%s]}]", g.API, strings.Join(g.Scopes, " ")))
	}
	return p
}

// userGrants are the user client grants a strict third-party application
// needs, as profile YAML: {api: Posts, scopes: [read:posts]}, ...
func (a AppSpec) userGrants() string {
	var g []string
	for _, api := range a.UserAPIs {
		g = append(g, fmt.Sprintf("{api: %s, scopes: [%s]}", api, strings.Join(a.UserScopes[api], ", ")))
	}
	return strings.Join(g, ", ")
}

// callbacksOn are the callbacks the scenario uses on a pre-registered
// client: those it names, else the client's first verifiable one.
func (a AppSpec) callbacksOn(c *target.PreClient) []string {
	if a.Callbacks != nil {
		return a.Callbacks
	}
	for _, cb := range c.Callbacks {
		if verifiable(cb) {
			return []string{cb}
		}
	}
	return nil
}

// verifiable reports whether a callback's receiver can be verified (rule
// C6's words: not a custom scheme, not a loopback address).
func verifiable(cb string) bool {
	u, err := url.Parse(cb)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		return false
	}
	switch h := u.Hostname(); {
	case h == "localhost", h == "::1", strings.HasPrefix(h, "127."):
		return false
	}
	return true
}

// bindClient finds the profile's client with the application's properties,
// preferring one the scenario does not use yet. It says why none fits.
func bindClient(p *target.Profile, spec AppSpec, used []string) (*target.PreClient, string) {
	var fits []*target.PreClient
	var why []string
	for i := range p.Clients {
		c := &p.Clients[i]
		if problem := clientMismatch(c, spec); problem != "" {
			why = append(why, c.ClientID+": "+problem)
			continue
		}
		fits = append(fits, c)
	}
	for _, c := range fits {
		if !slices.Contains(used, c.ClientID) {
			return c, ""
		}
	}
	if len(fits) > 0 {
		return fits[0], ""
	}
	if len(why) == 0 {
		return nil, "no clients in the profile"
	}
	if len(why) > 3 {
		why = append(why[:3], fmt.Sprintf("%d more", len(why)-3))
	}
	return nil, "closest: " + strings.Join(why, "; ")
}

func defaultAuthMethod(appType string) string {
	if appType == "spa" || appType == "native" {
		return "none"
	}
	return "client_secret_post"
}

// clientMismatch says the first property of c that is not what spec asks
// for, or "".
func clientMismatch(c *target.PreClient, spec AppSpec) string {
	appType := c.AppType
	if appType == "" {
		appType = "regular_web"
	}
	mode, policy, auth := c.ThirdPartyMode, c.RedirectionPolicy, c.AuthMethod
	if !c.FirstParty {
		if mode == "" {
			mode = "strict"
		}
		if policy == "" {
			policy = "open_redirect_protection"
		}
	}
	if auth == "" {
		auth = defaultAuthMethod(appType)
	}
	switch {
	case c.FirstParty != spec.FirstParty:
		return fmt.Sprintf("first_party is %v", c.FirstParty)
	case mode != spec.Mode:
		return "third_party_mode is " + mode
	case appType != spec.AppType:
		return "app_type is " + appType
	case auth != spec.AuthMethod:
		return "auth_method is " + auth
	case policy != spec.policy():
		return "redirection_policy is " + or(policy, "unset")
	}
	if spec.AppType != "non_interactive" {
		if spec.Callbacks == nil {
			if len(spec.callbacksOn(c)) == 0 {
				return "no verifiable (https) callback"
			}
		} else {
			for _, cb := range spec.Callbacks {
				if !slices.Contains(c.Callbacks, cb) {
					return "no callback " + cb
				}
			}
		}
	}
	for _, g := range spec.UsesGrants {
		if spec.GrantTypes == nil && !slices.Contains(c.GrantTypes, g) {
			if c.GrantTypes == nil {
				return "grant_types not listed (needs " + g + ")"
			}
			return "grant_types lack " + g
		}
	}
	if spec.GrantTypes != nil {
		got, want := slices.Clone(c.GrantTypes), slices.Clone(spec.GrantTypes)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			return "grant_types are [" + strings.Join(c.GrantTypes, " ") + "]"
		}
	}
	if spec.SkipsConfirmation != nil {
		if c.SkipsConfirmation == nil || *c.SkipsConfirmation != *spec.SkipsConfirmation {
			return fmt.Sprintf("skips_confirmation is not %v", *spec.SkipsConfirmation)
		}
	} else if c.SkipsConfirmation != nil && *c.SkipsConfirmation {
		return "skips_confirmation is true"
	}
	if spec.RotatesRefreshTokens && !c.RefreshTokenRotation {
		return "refresh_token_rotation is not true"
	}
	for _, api := range spec.NoUserAPIs {
		if _, ok := c.UserGrantFor(api); ok {
			return "may get user tokens for " + api + " (user_apis, user_client_grants)"
		}
	}
	for _, api := range spec.UserAPIs {
		scopes, ok := c.UserGrantFor(api)
		if !ok {
			return "may not get user tokens for " + api + " (user_apis, user_client_grants)"
		}
		if scopes == nil || spec.Mode != "strict" {
			continue // every scope; only strict clients are held to their grants' scopes
		}
		var lacks []string
		for _, v := range spec.UserScopes[api] {
			if !slices.Contains(scopes, v) {
				lacks = append(lacks, v)
			}
		}
		if len(lacks) > 0 {
			return "its user client grant for " + api + " lacks " + strings.Join(lacks, ", ")
		}
	}
	if g := spec.ClientGrant; g != nil {
		ok := false
		for _, cg := range c.ClientGrants {
			got, want := slices.Clone(cg.Scopes), slices.Clone(g.Scopes)
			slices.Sort(got)
			slices.Sort(want)
			if cg.API == g.API && slices.Equal(got, want) {
				ok = true
			}
		}
		if !ok {
			return fmt.Sprintf("no client grant for %s with [%s]", g.API, strings.Join(g.Scopes, " "))
		}
	} else if len(c.ClientGrants) > 0 && spec.AppType == "non_interactive" {
		return "has client grants"
	}
	return ""
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// passwordRealm is Auth0's password grant that names the connection.
const passwordRealm = "http://auth0.com/oauth/grant-type/password-realm"

// defaultGrantTypes are the grant types an application of a kind gets
// unless the scenario says otherwise (close to Auth0's defaults).
func defaultGrantTypes(appType string, firstParty bool, mode, auth string) []string {
	const realm = passwordRealm
	switch {
	case appType == "non_interactive":
		return []string{"client_credentials"}
	case !firstParty && mode == "strict":
		if auth == "none" {
			return []string{"authorization_code", "refresh_token"}
		}
		return []string{"authorization_code", "refresh_token", "client_credentials"}
	case !firstParty:
		return []string{"authorization_code", "implicit", "refresh_token", "client_credentials"}
	case auth == "none":
		return []string{"authorization_code", "implicit", "refresh_token"}
	default:
		return []string{"authorization_code", "implicit", "refresh_token", "client_credentials", "password", realm}
	}
}

// BindIn returns the profile's API bound for the spec, or nil and why none
// fits.
func (a APISpec) BindIn(p *target.Profile) (*target.PreAPI, string) { return bindAPI(p, a) }

// BindIn returns the profile's client bound for the spec, or nil and why
// none fits.
func (a AppSpec) BindIn(p *target.Profile) (*target.PreClient, string) { return bindClient(p, a, nil) }

// ProfileEntry is a target profile entry (YAML, a list item) that would
// bind the API, with a placeholder identifier.
func (a APISpec) ProfileEntry() string {
	var b strings.Builder
	fmt.Fprintf(&b, "- name: %s\n  identifier: https://api.example.com/CHANGE-ME\n  scopes: [%s]\n", a.Name, strings.Join(a.values(), ", "))
	if a.SkipsConsent {
		b.WriteString("  skips_consent: true\n")
	}
	if a.OfflineAccess {
		b.WriteString("  offline_access: true\n")
	}
	if a.Described {
		b.WriteString("  descriptions:\n")
		for _, s := range a.Scopes {
			fmt.Fprintf(&b, "    %s: %q\n", s.Value, s.Description)
		}
	}
	return b.String()
}

// ProfileEntry is a target profile entry (YAML, a list item) that would
// bind the application, with placeholders for what the IdP assigns.
func (a AppSpec) ProfileEntry() string {
	var b strings.Builder
	fmt.Fprintf(&b, "- client_id: CHANGE-ME  # %s\n", a.Description)
	if a.AuthMethod != "none" {
		b.WriteString("  client_secret: ${CHANGE_ME}\n")
	}
	fmt.Fprintf(&b, "  first_party: %v\n", a.FirstParty)
	if !a.FirstParty && a.Mode != "strict" {
		fmt.Fprintf(&b, "  third_party_mode: %s\n", a.Mode)
	}
	if a.AppType != "regular_web" {
		fmt.Fprintf(&b, "  app_type: %s\n", a.AppType)
	}
	if a.AuthMethod != defaultAuthMethod(a.AppType) {
		fmt.Fprintf(&b, "  auth_method: %s\n", a.AuthMethod)
	}
	if a.AppType != "non_interactive" {
		cbs := a.Callbacks
		if cbs == nil {
			cbs = []string{defaultCallback}
		}
		quoted := make([]string, len(cbs))
		for i, c := range cbs {
			quoted[i] = fmt.Sprintf("%q", c)
		}
		fmt.Fprintf(&b, "  callbacks: [%s]\n", strings.Join(quoted, ", "))
	}
	if a.GrantTypes != nil {
		fmt.Fprintf(&b, "  grant_types: [%s]\n", strings.Join(a.GrantTypes, ", "))
	} else if len(a.UsesGrants) > 0 {
		fmt.Fprintf(&b, "  grant_types: [%s]\n", strings.Join(append([]string{"authorization_code"}, a.UsesGrants...), ", "))
	}
	if a.RedirectionPolicy != "" {
		fmt.Fprintf(&b, "  redirection_policy: %s\n", a.RedirectionPolicy)
	}
	if a.SkipsConfirmation != nil {
		fmt.Fprintf(&b, "  skips_confirmation: %v\n", *a.SkipsConfirmation)
	}
	if a.RotatesRefreshTokens {
		b.WriteString("  refresh_token_rotation: true\n")
	}
	if a.NoUserAPIs != nil {
		b.WriteString("  user_apis: []\n")
	} else if a.Mode == "strict" && len(a.UserAPIs) > 0 {
		fmt.Fprintf(&b, "  user_client_grants: [%s]\n", a.userGrants())
	}
	if g := a.ClientGrant; g != nil {
		fmt.Fprintf(&b, "  client_grants: [{api: %s, scopes: [%s]}]\n", g.API, strings.Join(g.Scopes, ", "))
	}
	return b.String()
}
