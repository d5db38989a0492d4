package steps

import (
	"strings"
	"testing"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v21"

	"github.com/consentry/consentry/steps/target"
)

// scenarioOf is a scenario with these steps, as godog hands it over.
func scenarioOf(uri, name string, steps ...string) *godog.Scenario {
	scn := &godog.Scenario{Uri: uri, Name: name}
	for _, s := range steps {
		scn.Steps = append(scn.Steps, &messages.PickleStep{Text: s})
	}
	return scn
}

var poolProfile = &target.Profile{
	APIs: []target.PreAPI{{Name: "Posts", Identifier: "https://posts", Scopes: []string{"read:posts", "write:posts"}}},
	Clients: []target.PreClient{
		{ClientID: "tpc_partner", ClientSecret: "s", Callbacks: []string{"https://partner/cb"}},
		{ClientID: "web", ClientSecret: "s", FirstParty: true, Callbacks: []string{"https://web/cb"},
			GrantTypes: []string{"authorization_code", "password"}},
	},
	Users: []target.User{{Username: "alice", Password: "a"}, {Username: "bob", Password: "b"}},
}

// The grants one scenario leaves decide the next one's verdict on a target
// that cannot revoke them (the QA pass: "the user was never asked for
// consent, so nothing was granted"). A scenario that may grant has its
// user, client and API to itself; those that only look share theirs, but
// never with one that grants; other clients are other grants.
func TestUsersAreHandedOutSoNoGrantLeaks(t *testing.T) {
	api := `an API "Posts" with the scopes "read:posts"`
	grants := func(name, app string) ScenarioNeeds {
		return needsOf(scenarioOf("c.feature", name, api, "a user", app, `the application asks for "read:posts"`, "the user logs in", "the user accepts consent"), true)
	}
	looks := func(name, app string) ScenarioNeeds {
		return needsOf(scenarioOf("c.feature", name, api, "a user", app, `the application asks for "read:posts"`, "the user logs in", "the user declines consent"), true)
	}
	if n := grants("g", "a strict third-party application"); !n.Unconsented || !n.Grants {
		t.Fatalf("accepting consent: %+v", n)
	}
	if n := looks("l", "a strict third-party application"); !n.Unconsented || n.Grants {
		t.Fatalf("declining consent: %+v", n)
	}
	pool := newUserPool(poolProfile)
	user := func(n ScenarioNeeds) string {
		pick := pool.take(n, poolProfile)
		if pick.user == nil {
			return "none: " + pick.why
		}
		return pick.user.Username
	}
	for _, tc := range []struct {
		n    ScenarioNeeds
		want string
	}{
		{grants("grants 1", "a strict third-party application"), "alice"},
		{looks("looks 1", "a strict third-party application"), "bob"},
		{looks("looks 2", "a strict third-party application"), "bob"},
		{grants("grants 2", "a strict third-party application"), "none"},
		{grants("grants 3", "a first-party regular web application"), "alice"},
		{grants("grants 4", "a first-party regular web application"), "bob"},
		{looks("looks 3", "a first-party regular web application"), "none"},
	} {
		if got := user(tc.n); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s: %s, want %s", tc.n.Scenario, got, tc.want)
		}
	}
	last := pool.take(grants("grants 5", "a strict third-party application"), poolProfile)
	for _, want := range []string{"users (users:)", "tpc_partner for https://posts", `"c.feature: grants 1"`, `"c.feature: looks 1"`} {
		if !strings.Contains(last.why, want) {
			t.Errorf("the reason does not name %s: %s", want, last.why)
		}
	}
}

// The password grant is a fixture property: the client a password
// scenario binds must list it (the demo's first-party client lacks it and
// got 403 unauthorized_client); a strict third-party client, which is
// refused the grant anyway, need not.
func TestPasswordScenariosNeedTheGrantType(t *testing.T) {
	p := *poolProfile
	p.Clients = []target.PreClient{{ClientID: "web-no-password", ClientSecret: "s", FirstParty: true, Callbacks: []string{"https://web/cb"}}}
	n := needsOf(scenarioOf("p.feature", "password", `an API "Posts" with the scopes "read:posts"`, "a user", "a first-party regular web application", "the application asks for a token with the user's password"), true)
	if got := n.Apps[0].UsesGrants; len(got) != 1 || got[0] != "password" {
		t.Fatalf("uses grants %v, want [password]", got)
	}
	if c, why := bindClient(&p, n.Apps[0], nil); c != nil || !strings.Contains(why, "grant_types not listed (needs password)") {
		t.Errorf("bound %v (%s), want none: grant_types not listed", c, why)
	}
	if c, _ := bindClient(poolProfile, n.Apps[0], nil); c == nil || c.ClientID != "web" {
		t.Errorf("bound %v, want web (it lists password)", c)
	}
	realm := needsOf(scenarioOf("p.feature", "realm", "a user", "a first-party regular web application", `the application asks for a token with the user's password in the user's connection for "read:posts"`), true)
	if got := realm.Apps[0].UsesGrants; len(got) != 1 || got[0] != passwordRealm {
		t.Errorf("password-realm uses %v", got)
	}
	strict := needsOf(scenarioOf("p.feature", "strict", "a user", "a strict third-party application", "the application asks for a token with the user's password"), true)
	if got := strict.Apps[0].UsesGrants; len(got) != 0 {
		t.Errorf("a strict third-party application (refused the grant) needs %v", got)
	}
}

// A strict third-party client's user client grant has scopes: a scenario
// asking for a scope it does not cover is not bound to it (the IdP rightly
// drops the scope; the QA pass saw scope_display:22 fail for it).
func TestStrictClientsUserGrantCoversTheScenariosScopes(t *testing.T) {
	p := *poolProfile
	p.APIs = []target.PreAPI{{Name: "Posts", Identifier: "https://posts", Scopes: []string{"read:posts", "write:posts", "delete:posts"}}}
	p.Clients = []target.PreClient{{ClientID: "tpc_partner", ClientSecret: "s", Callbacks: []string{"https://partner/cb"},
		UserClientGrants: []target.PreClientGrant{{API: "Posts", Scopes: []string{"read:posts", "write:posts"}}}}}
	some, _ := parseAPI("Posts", "read:posts write:posts", "")
	all, _ := parseAPI("Posts", "read:posts write:posts delete:posts", "")
	for _, tc := range []struct {
		api  APISpec
		kind string
		want string
	}{
		{some, "strict third-party", "tpc_partner"},
		{all, "strict third-party", ""},
	} {
		spec, err := parseApp(tc.kind, "", []APISpec{tc.api})
		if err != nil {
			t.Fatal(err)
		}
		c, why := bindClient(&p, spec, nil)
		switch {
		case tc.want == "" && c != nil:
			t.Errorf("%v: bound %s, whose user client grant lacks delete:posts", tc.api.values(), c.ClientID)
		case tc.want == "" && !strings.Contains(why, "its user client grant for Posts lacks delete:posts"):
			t.Errorf("%v: the reason does not say what the grant lacks: %s", tc.api.values(), why)
		case tc.want != "" && (c == nil || c.ClientID != tc.want):
			t.Errorf("%v: bound %v (%s), want %s", tc.api.values(), c, why, tc.want)
		}
		if tc.want == "" && !strings.Contains(spec.String(), "user_client_grants ⊇ [{api: Posts, scopes: [read:posts, write:posts, delete:posts]}]") {
			t.Errorf("the properties do not name the grant's scopes: %s", spec)
		}
	}
}
