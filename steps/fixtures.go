package steps

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cucumber/godog"

	"github.com/consentry/consentry/steps/mgmtclient"
	"github.com/consentry/consentry/steps/target"
)

// apiFixture is an API the scenario uses.
type apiFixture struct {
	name       string
	id         string // Management API id; "" when pre-registered
	identifier string
	scopes     []string
	skips      bool
}

// appFixture is an application the scenario uses.
type appFixture struct {
	description string
	clientID    string
	secret      string
	callbacks   []string
	authMethod  string // client_secret_post, client_secret_basic, none
	firstParty  bool
	strict      bool
}

// callback is the application's first registered callback.
func (a *appFixture) callback() string {
	if len(a.callbacks) == 0 {
		return ""
	}
	return a.callbacks[0]
}

// userFixture is the scenario's user.
type userFixture struct {
	id       string // "" when unknown (pre-registered user without id)
	login    string
	password string
	email    string
}

const defaultCallback = "https://app.example.com/callback"

func (s *Suite) registerFixtureSteps(sc *godog.ScenarioContext) {
	sc.Step(`^an API "([^"]*)" with the scopes "([^"]*)"(.*)$`, s.anAPI)
	sc.Step(`^an API "([^"]*)" with these scopes:$`, s.anAPIWithScopeTable)
	sc.Step(`^an? ((?:strict |permissive |public )*(?:first|third)-party(?: regular web| single-page| native| machine-to-machine)?) application(.*)$`, s.anApplication)
	sc.Step(`^a user$`, s.aUser)
	sc.Step(`^the tenant skips the login confirmation prompt for non-verifiable callbacks$`, s.tenantSkipsConfirmation)
	sc.Step(`^the tenant shows scope descriptions on the consent page$`, s.tenantUsesScopeDescriptions)
}

// needManagement returns a not-applicable error unless the target has
// Management API access.
func (st *state) needManagement(what string) error {
	if st.suite.Target.Mgmt == nil {
		return notApplicable("target %q has no Management API access (capability %s), needed to %s", st.suite.Target.Profile.Name, target.CapManagement, what)
	}
	return nil
}

func (st *state) unique(prefix string) string { return prefix + "-" + st.suffix }

func (s *Suite) anAPI(ctx context.Context, name, scopes, clauses string) error {
	st := getState(ctx)
	var skip, offline bool
	for _, c := range splitClauses(clauses) {
		switch c {
		case "that allows skipping consent for first-party applications":
			skip = true
		case "that does not allow skipping consent":
			skip = false
		case "that allows offline access":
			offline = true
		default:
			return fmt.Errorf("unknown API clause %q", c)
		}
	}
	var list []mgmtclient.Scope
	for _, v := range strings.Fields(scopes) {
		list = append(list, mgmtclient.Scope{Value: v, Description: ""})
	}
	return st.createAPI(ctx, name, list, skip, offline)
}

func (s *Suite) anAPIWithScopeTable(ctx context.Context, name string, table *godog.Table) error {
	st := getState(ctx)
	var list []mgmtclient.Scope
	for i, row := range table.Rows {
		if len(row.Cells) != 2 {
			return errors.New("the scope table needs two columns: scope and description")
		}
		if i == 0 && row.Cells[0].Value == "scope" {
			continue
		}
		list = append(list, mgmtclient.Scope{Value: row.Cells[0].Value, Description: row.Cells[1].Value})
	}
	return st.createAPI(ctx, name, list, false, false)
}

func (st *state) createAPI(ctx context.Context, name string, scopes []mgmtclient.Scope, skip, offline bool) error {
	values := make([]string, len(scopes))
	for i, sc := range scopes {
		values[i] = sc.Value
	}
	if st.suite.Target.Mgmt == nil {
		pre, ok := st.suite.Target.Profile.APIs[name]
		if !ok {
			return st.needManagement(fmt.Sprintf("create the API %q (or register it under apis in the target profile)", name))
		}
		if pre.SkipsConsent != skip {
			return notApplicable("the pre-registered API %q does not have skipping consent set to %v", name, skip)
		}
		st.apis = append(st.apis, &apiFixture{name: name, identifier: pre.Identifier, scopes: values, skips: skip})
		return nil
	}
	identifier := fmt.Sprintf("https://%s.consentry.test/%s", strings.ToLower(strings.ReplaceAll(name, " ", "-")), st.suffix)
	id, _, err := st.suite.Target.Mgmt.CreateResourceServer(ctx, mgmtclient.ResourceServer{
		Name: "consentry " + name + " " + st.suffix, Identifier: identifier, Scopes: scopes,
		AllowOfflineAccess: offline, SkipConsentForVerifiableFirstPartyClients: skip,
	})
	if err != nil {
		return err
	}
	st.registerAPI(&apiFixture{name: name, id: id, identifier: identifier, scopes: values, skips: skip})
	return nil
}

func (st *state) registerAPI(a *apiFixture) {
	st.apis = append(st.apis, a)
	mgmt := st.suite.Target.Mgmt
	st.fixtures.Add("delete API "+a.identifier, func(ctx context.Context) error {
		return mgmtclient.IgnoreNotFound(mgmt.DeleteResourceServer(ctx, a.id))
	})
}

// splitClauses splits "that x and with y" into its clauses.
func splitClauses(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	var out []string
	for _, c := range strings.Split(s, " and ") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
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
)

// anApplication creates an application from its description, e.g. "strict
// third-party" + " with the redirection policy allow_always".
func (s *Suite) anApplication(ctx context.Context, kind, clauses string) error {
	st := getState(ctx)
	description := strings.TrimSpace(kind + " application " + strings.TrimSpace(clauses))
	words := strings.Fields(kind)
	app := mgmtclient.ClientApp{Name: "consentry " + description + " " + st.suffix, AppType: "regular_web", TokenEndpointAuthMethod: "client_secret_post"}
	first := slices.Contains(words, "first-party")
	app.IsFirstParty = &first
	mode := ""
	if !first {
		mode = "strict"
		if slices.Contains(words, "permissive") {
			mode = "permissive"
		}
		app.ThirdPartySecurityMode = mode
	}
	switch {
	case strings.Contains(kind, "single-page"):
		app.AppType, app.TokenEndpointAuthMethod = "spa", "none"
	case strings.Contains(kind, "native"):
		app.AppType, app.TokenEndpointAuthMethod = "native", "none"
	case strings.Contains(kind, "machine-to-machine"):
		app.AppType = "non_interactive"
	}
	if slices.Contains(words, "public") {
		app.TokenEndpointAuthMethod = "none"
	}
	var clientGrant *mgmtclient.ClientGrant
	userGrant := !first
	for _, c := range splitClauses(clauses) {
		switch {
		case clausePolicy.MatchString(c):
			app.RedirectionPolicy = clausePolicy.FindStringSubmatch(c)[1]
		case clauseCallback.MatchString(c):
			app.Callbacks = append(app.Callbacks, clauseCallback.FindStringSubmatch(c)[1])
		case clauseGrants.MatchString(c):
			app.GrantTypes = strings.Fields(clauseGrants.FindStringSubmatch(c)[1])
		case clauseAuth.MatchString(c):
			app.TokenEndpointAuthMethod = clauseAuth.FindStringSubmatch(c)[1]
		case clauseCG.MatchString(c):
			api, err := st.api()
			if err != nil {
				return err
			}
			scopes := api.scopes
			if m := clauseCG.FindStringSubmatch(c); m[1] != "" {
				scopes = strings.Fields(m[1])
			}
			clientGrant = &mgmtclient.ClientGrant{Audience: api.identifier, Scope: scopes, SubjectType: "client"}
		case clauseNoUserCG.MatchString(c):
			userGrant = false
		case clauseSkipConf.MatchString(c):
			t := true
			app.SkipNonVerifiableCallbackURIConfirmationPrompt = &t
		case clauseKeepsConf.MatchString(c):
			f := false
			app.SkipNonVerifiableCallbackURIConfirmationPrompt = &f
		default:
			return fmt.Errorf("unknown application clause %q", c)
		}
	}
	if len(app.Callbacks) == 0 && app.AppType != "non_interactive" {
		app.Callbacks = []string{defaultCallback}
	}
	if app.GrantTypes == nil {
		app.GrantTypes = defaultGrantTypes(app.AppType, first, mode, app.TokenEndpointAuthMethod)
	}
	fx := &appFixture{description: description, callbacks: app.Callbacks, authMethod: app.TokenEndpointAuthMethod, firstParty: first, strict: mode == "strict"}

	mgmt := st.suite.Target.Mgmt
	if mgmt == nil {
		pre, ok := st.suite.Target.Profile.Clients[description]
		if !ok {
			return st.needManagement(fmt.Sprintf("create a %s (or register one under clients in the target profile)", description))
		}
		fx.clientID, fx.secret, fx.callbacks = pre.ClientID, pre.ClientSecret, []string{pre.Callback}
		st.addSecret(fx.secret)
		st.apps = append(st.apps, fx)
		return nil
	}
	created, err := mgmt.CreateClient(ctx, app)
	if err != nil {
		return err
	}
	fx.clientID, fx.secret = created.ClientID, created.ClientSecret
	st.addSecret(fx.secret)
	st.apps = append(st.apps, fx)
	st.fixtures.Add("delete client "+fx.clientID, func(ctx context.Context) error {
		return mgmtclient.IgnoreNotFound(mgmt.DeleteClient(ctx, fx.clientID))
	})
	if fx.clientID == "" {
		return errors.New("the Management API created the client but returned no client_id")
	}
	if userGrant {
		for _, api := range st.apis {
			if err := st.createClientGrant(ctx, mgmtclient.ClientGrant{ClientID: fx.clientID, Audience: api.identifier, Scope: api.scopes, SubjectType: "user"}); err != nil {
				return err
			}
		}
	}
	if clientGrant != nil {
		clientGrant.ClientID = fx.clientID
		if err := st.createClientGrant(ctx, *clientGrant); err != nil {
			return err
		}
	}
	return nil
}

func (st *state) createClientGrant(ctx context.Context, g mgmtclient.ClientGrant) error {
	mgmt := st.suite.Target.Mgmt
	id, err := mgmt.CreateClientGrant(ctx, g)
	if err != nil {
		return err
	}
	st.fixtures.Add("delete client grant "+id, func(ctx context.Context) error {
		return mgmtclient.IgnoreNotFound(mgmt.DeleteClientGrant(ctx, id))
	})
	return nil
}

// defaultGrantTypes are the grant types an application of a kind gets
// unless the scenario says otherwise (close to Auth0's defaults).
func defaultGrantTypes(appType string, firstParty bool, mode, auth string) []string {
	const realm = "http://auth0.com/oauth/grant-type/password-realm"
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

func (s *Suite) aUser(ctx context.Context) error {
	st := getState(ctx)
	if pre := st.suite.Target.Profile.User; pre != nil {
		email := pre.Email
		if email == "" {
			email = pre.Username
		}
		st.user = &userFixture{id: pre.UserID, login: pre.Username, password: pre.Password, email: email}
		if st.user.id == "" && st.suite.Target.Mgmt != nil {
			if users, err := st.suite.Target.Mgmt.UsersByEmail(ctx, email); err == nil && len(users) == 1 {
				st.user.id = users[0].UserID
			}
		}
		return nil
	}
	if err := st.needManagement("create a user (or give a test user in the target profile)"); err != nil {
		return err
	}
	mgmt := st.suite.Target.Mgmt
	email := fmt.Sprintf("user-%s-%s@consentry.test", st.suffix, randomHex(3))
	password := "Cs-" + randomHex(12) + "!9a"
	st.addSecret(password)
	u, err := mgmt.CreateUser(ctx, mgmtclient.NewUser{Connection: st.suite.Target.Connection, Email: email, Password: password, Name: "Test User " + st.suffix, EmailVerified: true})
	if err != nil {
		return err
	}
	st.user = &userFixture{id: u.UserID, login: email, password: password, email: email}
	st.fixtures.Add("delete user "+u.UserID, func(ctx context.Context) error {
		return mgmtclient.IgnoreNotFound(mgmt.DeleteUser(ctx, u.UserID))
	})
	return nil
}

// changeSettings patches tenant settings for the scenario and restores the
// previous values afterwards. The scenario must hold the settings lock.
func (st *state) changeSettings(ctx context.Context, patch, restore map[string]any) error {
	if !st.exclusive {
		return fmt.Errorf("a scenario that changes tenant settings must be tagged %s so it runs alone", TagExclusive)
	}
	if !st.suite.Target.Has(target.CapTenantSettings) || st.suite.Target.Mgmt == nil {
		return notApplicable("target %q may not have its tenant settings changed (capability %s)", st.suite.Target.Profile.Name, target.CapTenantSettings)
	}
	mgmt := st.suite.Target.Mgmt
	if err := mgmt.UpdateTenantSettings(ctx, patch); err != nil {
		return err
	}
	st.fixtures.Add("restore tenant settings", func(ctx context.Context) error { return mgmt.UpdateTenantSettings(ctx, restore) })
	return nil
}

func (s *Suite) tenantSkipsConfirmation(ctx context.Context) error {
	st := getState(ctx)
	const key = "skip_non_verifiable_callback_uri_confirmation_prompt"
	prev, err := st.currentSetting(ctx, key)
	if err != nil {
		return err
	}
	return st.changeSettings(ctx, map[string]any{key: true}, map[string]any{key: prev == true})
}

func (s *Suite) tenantUsesScopeDescriptions(ctx context.Context) error {
	st := getState(ctx)
	const flag = "use_scope_descriptions_for_consent"
	flags, err := st.currentSetting(ctx, "flags")
	if err != nil {
		return err
	}
	prev := false
	if m, ok := flags.(map[string]any); ok {
		prev = m[flag] == true
	}
	return st.changeSettings(ctx, map[string]any{"flags": map[string]any{flag: true}}, map[string]any{"flags": map[string]any{flag: prev}})
}

func (st *state) currentSetting(ctx context.Context, key string) (any, error) {
	if err := st.needManagement("read the tenant settings"); err != nil {
		return nil, err
	}
	settings, err := st.suite.Target.Mgmt.TenantSettings(ctx)
	if err != nil {
		return nil, err
	}
	return settings[key], nil
}
