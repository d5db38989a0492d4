package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/cucumber/godog"

	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/mgmtclient"
	"github.com/consentry/consentry/steps/target"
)

func (s *Suite) registerManagementSteps(sc *godog.ScenarioContext) {
	sc.Step(stepRE(`^the user has a grant for the application with the scopes "([^"]*)"$`), s.hasGrant)
	sc.Step(stepRE(`^the user has no grant for the application$`), s.hasNoGrant)
	sc.Step(stepRE(`^the tenant admin revokes the grant$`), s.revokesGrant)
	sc.Step(stepRE(`^the tenant admin revokes every grant of the user$`), s.revokesAllGrants)
	sc.Step(stepRE(`^an application created through the Management API without is_first_party$`), s.appWithoutOwner)
	sc.Step(stepRE(`^the application is (?:still )?(first|third)-party$`), s.appIs)
	sc.Step(stepRE(`^the tenant admin tries to make the application third-party$`), s.makeThirdParty)
	sc.Step(stepRE(`^the tenant admin creates an API with:$`), s.adminCreatesAPI)
	sc.Step(stepRE(`^the tenant admin updates the API with:$`), s.adminUpdatesAPI)
	sc.Step(stepRE(`^the API as read back has:$`), s.apiReadBackHas)
	sc.Step(stepRE(`^the API as read back has no field "([^"]*)"$`), s.apiReadBackLacks)
}

// grantFor returns the user's grant for the application and API, or nil.
func (st *state) grantFor(ctx context.Context) (*mgmtclient.Grant, error) {
	if err := st.needManagement("read the user's grants"); err != nil {
		return nil, err
	}
	u, err := st.theUser()
	if err != nil {
		return nil, err
	}
	if u.id == "" {
		return nil, notApplicable("the test user's id is unknown; set user.user_id in the target profile")
	}
	app, err := st.app()
	if err != nil {
		return nil, err
	}
	api, err := st.api()
	if err != nil {
		return nil, err
	}
	grants, err := st.suite.Target.Mgmt.Grants(ctx, u.id)
	if err != nil {
		return nil, err
	}
	for _, g := range grants {
		if g.ClientID == app.clientID && g.Audience == api.identifier {
			return &g, nil
		}
	}
	return nil, nil
}

func (s *Suite) hasGrant(ctx context.Context, scopes string) error {
	st := getState(ctx)
	if st.suite.Target.Mgmt == nil {
		return st.grantByBehaviour(ctx, strings.Fields(scopes))
	}
	g, err := st.grantFor(ctx)
	if err != nil {
		return err
	}
	if g == nil {
		return errors.New("the user has no grant for the application and the API")
	}
	got, want := slices.Clone(g.Scope), strings.Fields(scopes)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("the grant has the scopes %q, want %q", g.Scope, want)
	}
	return nil
}

func (s *Suite) hasNoGrant(ctx context.Context) error {
	st := getState(ctx)
	if st.suite.Target.Mgmt == nil {
		return st.grantByBehaviour(ctx, nil)
	}
	g, err := st.grantFor(ctx)
	if err != nil {
		return err
	}
	if g != nil {
		return fmt.Errorf("the user has a grant for the application with the scopes %q", g.Scope)
	}
	return nil
}

// Without a Management API the grant store cannot be read, but what a grant
// does can be seen (rule C2): a second authorization for scopes the grant
// covers shows no consent page, one for scopes it lacks shows it. The
// probes run in the user's browser, with its session; the scenario's page,
// request and screens are as they were afterwards. Where consent is never
// asked (a first-party application and an API that skips consent) nothing
// can be seen, and the step says so.

// grantByBehaviour checks, by second authorizations, that the user's grant
// covers exactly want (nil: that there is no grant).
func (st *state) grantByBehaviour(ctx context.Context, want []string) error {
	app, err := st.app()
	if err != nil {
		return err
	}
	api, err := st.api()
	if err != nil {
		return err
	}
	if app.firstParty && api.skips {
		return notApplicable("target %q has no Management API access (capability %s) to read the grant, and a second authorization cannot show it: the API lets the first-party application skip consent", st.suite.Target.Profile.Name, target.CapManagement)
	}
	saved, savedReq, savedScreens := st.page, st.req, st.screens
	defer func() { st.page, st.req, st.screens = saved, savedReq, savedScreens }()
	if want == nil { // no grant: even the scopes asked for last need consent
		probe := api.scopes
		if savedReq != nil && len(savedReq.scopes) > 0 {
			probe = savedReq.scopes
		}
		asked, err := st.consentAsked(ctx, probe)
		if err != nil {
			return err
		}
		if !asked {
			return fmt.Errorf("a second authorization for %q shows no consent page: the user has a grant for the application", strings.Join(probe, " "))
		}
		return nil
	}
	asked, err := st.consentAsked(ctx, want)
	if err != nil {
		return err
	}
	if asked {
		return fmt.Errorf("a second authorization for %q shows the consent page again: the user has no grant that covers them", strings.Join(want, " "))
	}
	var beyond []string
	for _, sc := range api.scopes {
		if !slices.Contains(want, sc) {
			beyond = append(beyond, sc)
		}
	}
	if len(beyond) == 0 {
		return nil
	}
	asked, err = st.consentAsked(ctx, append(slices.Clone(want), beyond...))
	if err != nil {
		return err
	}
	if !asked {
		return fmt.Errorf("a second authorization for %q shows no consent page: the grant covers more than %q", strings.Join(append(slices.Clone(want), beyond...), " "), strings.Join(want, " "))
	}
	return nil
}

// consentAsked sends an authorization request for scopes and reports
// whether the consent page is shown (logging in if the login page comes).
func (st *state) consentAsked(ctx context.Context, scopes []string) (bool, error) {
	if _, err := st.authorize(ctx, strings.Join(scopes, " "), ""); err != nil {
		return false, err
	}
	for range 3 {
		switch p := st.page; {
		case p.Kind == driver.KindConsent:
			return true, nil
		case p.Kind == driver.KindLogin:
			if err := st.login(ctx); err != nil {
				return false, err
			}
		case p.Kind == driver.KindCallback && p.Callback.Get("code") != "":
			return false, nil
		default:
			return false, notApplicable("target %q has no Management API access (capability %s) to read the grant, and a second authorization for %q ended at %s, which does not tell", st.suite.Target.Profile.Name, target.CapManagement, strings.Join(scopes, " "), describe(p))
		}
	}
	return false, fmt.Errorf("a second authorization did not end: the user agent is at %s", describe(st.page))
}

func (s *Suite) revokesGrant(ctx context.Context) error {
	st := getState(ctx)
	g, err := st.grantFor(ctx)
	if err != nil {
		return err
	}
	if g == nil {
		return errors.New("the user has no grant to revoke")
	}
	return st.suite.Target.Mgmt.DeleteGrant(ctx, g.ID)
}

func (s *Suite) revokesAllGrants(ctx context.Context) error {
	st := getState(ctx)
	if _, err := st.grantFor(ctx); err != nil {
		return err
	}
	if st.suite.Target.Profile.User != nil && !st.exclusive {
		return fmt.Errorf("the test user is shared by every scenario: a scenario that revokes all its grants must be tagged %s", TagExclusive)
	}
	if err := st.suite.Target.Mgmt.DeleteGrantsOfUser(ctx, st.user.id); err != nil {
		return err
	}
	grants, err := st.suite.Target.Mgmt.Grants(ctx, st.user.id)
	if err != nil {
		return err
	}
	if len(grants) > 0 {
		return fmt.Errorf("the user still has %d grants", len(grants))
	}
	return nil
}

func (s *Suite) appWithoutOwner(ctx context.Context) error {
	st := getState(ctx)
	if err := st.needManagement("create an application"); err != nil {
		return err
	}
	mgmt := st.suite.Target.Mgmt
	created, err := mgmt.CreateClient(ctx, mgmtclient.ClientApp{Name: "consentry ownerless " + st.suffix, AppType: "regular_web", Callbacks: []string{defaultCallback}})
	if err != nil {
		return err
	}
	st.addSecret(created.ClientSecret)
	st.apps = append(st.apps, &appFixture{description: "ownerless", clientID: created.ClientID, secret: created.ClientSecret, callbacks: []string{defaultCallback}, authMethod: "client_secret_post"})
	st.fixtures.Add("delete client "+created.ClientID, func(ctx context.Context) error {
		return mgmtclient.IgnoreNotFound(mgmt.DeleteClient(ctx, created.ClientID))
	})
	return nil
}

func (s *Suite) appIs(ctx context.Context, owner string) error {
	st := getState(ctx)
	if err := st.needManagement("read the application"); err != nil {
		return err
	}
	app, err := st.app()
	if err != nil {
		return err
	}
	c, err := st.suite.Target.Mgmt.GetClient(ctx, app.clientID)
	if err != nil {
		return err
	}
	if c.IsFirstParty == nil {
		return errors.New("the application as read back has no is_first_party")
	}
	if got := *c.IsFirstParty; got != (owner == "first") {
		return fmt.Errorf("the application has is_first_party=%v, want it %s-party", got, owner)
	}
	return nil
}

func (s *Suite) makeThirdParty(ctx context.Context) error {
	st := getState(ctx)
	app, err := st.app()
	if err != nil {
		return err
	}
	// The answer does not matter (Auth0 refuses; an IdP might ignore it):
	// what the application is afterwards does.
	_ = st.suite.Target.Mgmt.UpdateClient(ctx, app.clientID, map[string]any{"is_first_party": false})
	return nil
}

// apiBody reads a JSON docstring, replacing {identifier} with a unique
// API identifier for the scenario.
func (st *state) apiBody(doc *godog.DocString) (map[string]any, string, error) {
	identifier := "https://api.consentry.test/" + st.suffix + "-" + randomHex(3)
	text := strings.ReplaceAll(doc.Content, "{identifier}", identifier)
	var body map[string]any
	if err := json.Unmarshal([]byte(text), &body); err != nil {
		return nil, "", fmt.Errorf("the API body is not JSON: %w", err)
	}
	return body, identifier, nil
}

func (s *Suite) adminCreatesAPI(ctx context.Context, doc *godog.DocString) error {
	st := getState(ctx)
	if err := st.needManagement("create an API"); err != nil {
		return err
	}
	body, identifier, err := st.apiBody(doc)
	if err != nil {
		return err
	}
	if n, ok := body["name"].(string); ok {
		body["name"] = "consentry " + n + " " + st.suffix
	}
	id, _, err := st.suite.Target.Mgmt.CreateResourceServer(ctx, body)
	if err != nil {
		return err
	}
	var scopes []string
	if list, ok := body["scopes"].([]any); ok {
		for _, x := range list {
			if m, ok := x.(map[string]any); ok {
				if v, ok := m["value"].(string); ok {
					scopes = append(scopes, v)
				}
			}
		}
	}
	name, _ := body["name"].(string)
	st.registerAPI(&apiFixture{name: name, id: id, identifier: identifier, scopes: scopes})
	return nil
}

func (s *Suite) adminUpdatesAPI(ctx context.Context, doc *godog.DocString) error {
	st := getState(ctx)
	api, err := st.api()
	if err != nil {
		return err
	}
	if err := st.needManagement("update an API"); err != nil {
		return err
	}
	var patch map[string]any
	if err := json.Unmarshal([]byte(doc.Content), &patch); err != nil {
		return fmt.Errorf("the API patch is not JSON: %w", err)
	}
	return st.suite.Target.Mgmt.UpdateResourceServer(ctx, api.id, patch)
}

func (st *state) readAPI(ctx context.Context) (map[string]any, error) {
	api, err := st.api()
	if err != nil {
		return nil, err
	}
	if err := st.needManagement("read an API"); err != nil {
		return nil, err
	}
	return st.suite.Target.Mgmt.GetResourceServer(ctx, api.id)
}

func (s *Suite) apiReadBackHas(ctx context.Context, table *godog.Table) error {
	st := getState(ctx)
	got, err := st.readAPI(ctx)
	if err != nil {
		return err
	}
	var problems []string
	for i, row := range table.Rows {
		if len(row.Cells) != 2 {
			return errors.New("the table needs two columns: field and JSON value")
		}
		field, raw := row.Cells[0].Value, row.Cells[1].Value
		if i == 0 && field == "field" {
			continue
		}
		var want any
		if err := json.Unmarshal([]byte(raw), &want); err != nil {
			return fmt.Errorf("the expected value of %s is not JSON: %w", field, err)
		}
		have, ok := got[field]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s is missing", field))
			continue
		}
		if !reflect.DeepEqual(have, want) {
			h, _ := json.Marshal(have)
			problems = append(problems, fmt.Sprintf("%s is %s, want %s", field, h, raw))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("the API as read back: %s", strings.Join(problems, "; "))
	}
	return nil
}

func (s *Suite) apiReadBackLacks(ctx context.Context, field string) error {
	got, err := getState(ctx).readAPI(ctx)
	if err != nil {
		return err
	}
	if v, ok := got[field]; ok {
		h, _ := json.Marshal(v)
		return fmt.Errorf("the API as read back has %s = %s", field, h)
	}
	return nil
}
