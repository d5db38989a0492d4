package steps

import (
	"context"
	"errors"
	"fmt"
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
	// name is what the consent page shows ("" when unknown).
	name       string
	clientID   string
	secret     string
	callbacks  []string
	authMethod string // client_secret_post, client_secret_basic, none
	firstParty bool
	strict     bool
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

// The fixture steps' expressions; needs.go reads scenarios with them too.
const (
	stepAPI      = `^an API "([^"]*)" with the scopes "([^"]*)"(.*)$`
	stepAPITable = `^an API "([^"]*)" with these scopes:$`
	stepApp      = `^an? ((?:strict |permissive |public )*(?:first|third)-party(?: regular web| single-page| native| machine-to-machine)?) application(.*)$`
	stepUser     = `^a user$`
)

func (s *Suite) registerFixtureSteps(sc *godog.ScenarioContext) {
	sc.Step(stepRE(stepAPI), s.anAPI)
	sc.Step(stepRE(stepAPITable), s.anAPIWithScopeTable)
	sc.Step(stepRE(stepApp), s.anApplication)
	sc.Step(stepRE(stepUser), s.aUser)
	sc.Step(stepRE(`^the tenant skips the login confirmation prompt for non-verifiable callbacks$`), s.tenantSkipsConfirmation)
	sc.Step(stepRE(`^the tenant shows scope descriptions on the consent page$`), s.tenantUsesScopeDescriptions)
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
	spec, err := parseAPI(name, scopes, clauses)
	if err != nil {
		return err
	}
	return getState(ctx).createAPI(ctx, spec)
}

func (s *Suite) anAPIWithScopeTable(ctx context.Context, name string, table *godog.Table) error {
	var rows [][]string
	for _, row := range table.Rows {
		var cells []string
		for _, c := range row.Cells {
			cells = append(cells, c.Value)
		}
		rows = append(rows, cells)
	}
	spec, err := parseAPITable(name, rows)
	if err != nil {
		return err
	}
	return getState(ctx).createAPI(ctx, spec)
}

func (st *state) createAPI(ctx context.Context, spec APISpec) error {
	values := spec.values()
	if st.suite.Target.Mgmt == nil {
		pre, why := bindAPI(st.suite.Target.Profile, spec)
		if pre == nil {
			return st.missingFixture(spec.String(), why)
		}
		st.apis = append(st.apis, &apiFixture{name: spec.Name, identifier: pre.Identifier, scopes: values, skips: spec.SkipsConsent})
		return nil
	}
	identifier := fmt.Sprintf("https://%s.consentry.test/%s", strings.ToLower(strings.ReplaceAll(spec.Name, " ", "-")), st.suffix)
	id, _, err := st.suite.Target.Mgmt.CreateResourceServer(ctx, mgmtclient.ResourceServer{
		Name: "consentry " + spec.Name + " " + st.suffix, Identifier: identifier, Scopes: spec.Scopes,
		AllowOfflineAccess: spec.OfflineAccess, SkipConsentForVerifiableFirstPartyClients: spec.SkipsConsent,
	})
	if err != nil {
		return err
	}
	st.registerAPI(&apiFixture{name: spec.Name, id: id, identifier: identifier, scopes: values, skips: spec.SkipsConsent})
	return nil
}

// missingFixture ends the scenario as not applicable: the target has no
// Management API and no pre-registered fixture fits. The reason names
// every fixture the scenario needs and the profile lacks (found when the
// scenario began), not only this one.
func (st *state) missingFixture(what, why string) error {
	missing := st.missing
	if !slices.ContainsFunc(missing, func(m string) bool { return strings.HasPrefix(m, what) }) {
		this := what
		if why != "" {
			this += " (" + why + ")"
		}
		missing = append([]string{this}, missing...)
	}
	return notApplicable("target %q has no Management API access (capability %s) and its profile registers no fixture for: %s",
		st.suite.Target.Profile.Name, target.CapManagement, strings.Join(missing, "; "))
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

// anApplication creates an application from its description, e.g. "strict
// third-party" + " with the redirection policy allow_always", or binds a
// pre-registered one with those properties.
func (s *Suite) anApplication(ctx context.Context, kind, clauses string) error {
	st := getState(ctx)
	spec, err := parseApp(kind, clauses, st.apiSpecs())
	if err != nil {
		return err
	}
	return st.createApp(ctx, spec)
}

// apiSpecs are the scenario's APIs so far, as an application's clauses
// refer to them.
func (st *state) apiSpecs() []APISpec {
	out := make([]APISpec, len(st.apis))
	for i, a := range st.apis {
		out[i] = APISpec{Name: a.name, SkipsConsent: a.skips}
		for _, v := range a.scopes {
			out[i].Scopes = append(out[i].Scopes, mgmtclient.Scope{Value: v})
		}
	}
	return out
}

func (st *state) createApp(ctx context.Context, spec AppSpec) error {
	fx := &appFixture{description: spec.Description, callbacks: spec.Callbacks, authMethod: spec.AuthMethod, firstParty: spec.FirstParty, strict: spec.Mode == "strict"}
	mgmt := st.suite.Target.Mgmt
	if mgmt == nil {
		var used []string
		for _, a := range st.apps {
			used = append(used, a.clientID)
		}
		if i := st.bound; i < len(st.needs.Apps) && st.needs.Apps[i].Description == spec.Description {
			spec.UsesGrants = st.needs.Apps[i].UsesGrants // the grant types its later steps use
		}
		st.bound++
		pre, why := bindClient(st.suite.Target.Profile, spec, used)
		if pre == nil {
			return st.missingFixture(spec.String(), why)
		}
		fx.clientID, fx.secret, fx.name = pre.ClientID, pre.ClientSecret, pre.Name
		fx.callbacks = spec.callbacksOn(pre)
		fx.authMethod = pre.AuthMethod
		if fx.authMethod == "" {
			fx.authMethod = defaultAuthMethod(pre.AppType)
		}
		st.addSecret(fx.secret)
		st.apps = append(st.apps, fx)
		return nil
	}
	app := spec.clientApp()
	app.Name = "consentry " + spec.Description + " " + st.suffix
	fx.name = app.Name
	fx.callbacks = app.Callbacks
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
	if spec.UserAccess {
		for _, api := range st.apis {
			if err := st.createClientGrant(ctx, mgmtclient.ClientGrant{ClientID: fx.clientID, Audience: api.identifier, Scope: api.scopes, SubjectType: "user"}); err != nil {
				return err
			}
		}
	}
	if g := spec.ClientGrant; g != nil {
		api, err := st.namedAPI(g.API)
		if err != nil {
			return err
		}
		if err := st.createClientGrant(ctx, mgmtclient.ClientGrant{ClientID: fx.clientID, Audience: api.identifier, Scope: g.Scopes, SubjectType: "client"}); err != nil {
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

// unconsentedUser is the fixture a scenario that expects to be asked for
// consent needs on a target without a Management API.
const unconsentedUser = "a user who has not consented to the scenario's applications yet"

func (s *Suite) aUser(ctx context.Context) error {
	st := getState(ctx)
	pre := st.suite.Target.Profile.User
	if st.suite.Target.Mgmt == nil {
		switch {
		case st.pooled.why != "":
			return st.missingFixture(unconsentedUser, st.pooled.why)
		case st.pooled.user != nil:
			pre = st.pooled.user
		case pre == nil && len(st.suite.Target.Profile.Users) > 0:
			// The scenario grants nothing (it expects no consent page), so
			// any of the users will do.
			pre = &st.suite.Target.Profile.Users[0]
		}
	}
	if pre != nil {
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
	if st.suite.Target.Mgmt == nil {
		return st.missingFixture("a test user", "user: in the profile")
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
