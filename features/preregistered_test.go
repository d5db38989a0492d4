package features_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/consentry/consentry/steps/mgmtclient"
	"github.com/consentry/consentry/steps/report"
	"github.com/consentry/consentry/steps/runner"
	"github.com/consentry/consentry/steps/target"
)

// preregistered starts the mock, registers fixtures on it through its
// Management API as a vendor would by hand, and returns a profile that
// reaches it without Management API access: the fixtures listed by their
// properties, a test user.
func preregistered(t *testing.T) (*target.Profile, *target.Target) {
	t.Helper()
	ctx := t.Context()
	mgmt := &target.Management{ClientID: "prereg-admin", ClientSecret: "prereg-admin-secret-0123456789"}
	mock, err := target.Start(ctx, &target.Profile{Name: "mock", Kind: target.KindEmbedded, Management: mgmt}, target.StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(mock.Close)
	m := mock.Mgmt
	api := func(name, identifier string, skips bool, scopes ...string) target.PreAPI {
		var list []mgmtclient.Scope
		for _, s := range scopes {
			list = append(list, mgmtclient.Scope{Value: s})
		}
		if _, _, err := m.CreateResourceServer(ctx, mgmtclient.ResourceServer{Name: name, Identifier: identifier, Scopes: list,
			SkipConsentForVerifiableFirstPartyClients: skips}); err != nil {
			t.Fatal(err)
		}
		return target.PreAPI{Name: name, Identifier: identifier, Scopes: scopes, SkipsConsent: skips}
	}
	posts := api("Posts", "https://posts.prereg.test/", false, "read:posts", "write:posts")
	trusted := api("Posts", "https://trusted-posts.prereg.test/", true, "read:posts", "write:posts")
	client := func(appType, auth string, first bool) target.PreClient {
		c, err := m.CreateClient(ctx, mgmtclient.ClientApp{Name: "prereg " + appType, AppType: appType, IsFirstParty: &first,
			TokenEndpointAuthMethod: auth, Callbacks: []string{"https://app.example.com/callback"},
			GrantTypes: []string{"authorization_code", "refresh_token"}})
		if err != nil {
			t.Fatal(err)
		}
		return target.PreClient{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Name: c.Name, FirstParty: first,
			AppType: appType, AuthMethod: auth, Callbacks: []string{"https://app.example.com/callback"}}
	}
	clients := []target.PreClient{client("regular_web", "client_secret_post", true), client("spa", "none", true), client("native", "none", true)}
	const password = "Prereg-Password-123!"
	u, err := m.CreateUser(ctx, mgmtclient.NewUser{Connection: target.DefaultConnection, Email: "prereg@consentry.example", Password: password, EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	return &target.Profile{
		Name: "prereg", Kind: target.KindURL, Issuer: mock.Issuer, TenantName: target.EmbeddedTenantName,
		Capabilities: []string{target.CapPasswordGrant},
		User:         &target.User{Username: u.Email, Password: password},
		// Created for this test, the user has no grants yet.
		Users: []target.User{{Username: u.Email, Password: password}},
		APIs:  []target.PreAPI{posts, trusted}, Clients: clients,
	}, mock
}

func runProfile(t *testing.T, p *target.Profile, tags string) *runner.Result {
	t.Helper()
	var out bytes.Buffer
	res, err := runner.Run(t.Context(), runner.Config{Profile: p, Driver: runner.DriverHTTP, Tags: tags, Concurrency: 2,
		Output: &out, Format: "progress", NoColors: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Report.Results) == 0 {
		t.Fatalf("no scenario matched %s", tags)
	}
	return res
}

// Without a Management API the grant store cannot be read, but a scenario
// whose last step checks it still gets a verdict: a second authorization
// for the granted scopes shows no consent page, one beyond them shows it
// (rule C3's scenarios end with "the user has a grant ...").
func TestGrantChecksWithoutTheManagementAPIProbeTheBehaviour(t *testing.T) {
	p, _ := preregistered(t)
	res := runProfile(t, p, "@rule:C3 && ~@management")
	for _, r := range res.Report.Results {
		if r.Outcome != report.Passed {
			t.Errorf("%s: %s (%s), want passed", r.Name, r.Outcome, r.Reason)
		}
	}
}

// Fixtures are bound by their properties: the API "Posts" is bound with
// skipping on in one scenario and off in another of the same run (two
// entries of one name), and the clients by type, not by the scenario's
// words.
func TestPreRegisteredFixturesAreBoundByProperties(t *testing.T) {
	p, _ := preregistered(t)
	res := runProfile(t, p, "@rule:C3,@rule:C4 && ~@management")
	var c3, c4 int
	for _, r := range res.Report.Results {
		switch {
		case strings.Contains(r.Name, "asked for consent when the API does not allow skipping"):
			c3++
			if r.Outcome != report.Passed {
				t.Errorf("%s: %s (%s)", r.Name, r.Outcome, r.Reason)
			}
		case strings.Contains(r.Name, "skips consent when the API allows it"):
			c4++
			// It ends with "the user has no grant", which a first-party
			// application on an API that skips consent cannot show.
			if r.Outcome != report.NotApplicable || !strings.Contains(r.Reason, "skip consent") {
				t.Errorf("%s: %s (%s), want not applicable saying consent is skipped", r.Name, r.Outcome, r.Reason)
			}
		}
	}
	if c3 != 3 || c4 != 3 {
		t.Errorf("ran %d C3 and %d C4 outline rows, want 3 and 3", c3, c4)
	}
}

// A scenario that needs fixtures the profile lacks names every one of
// them, not only the first.
func TestNotApplicableNamesEveryMissingFixture(t *testing.T) {
	p, _ := preregistered(t)
	p.User, p.Users, p.APIs = nil, nil, nil
	res := runProfile(t, p, "@rule:C1")
	for _, r := range res.Report.Results {
		if r.Outcome != report.NotApplicable {
			t.Errorf("%s: %s, want not applicable", r.Name, r.Outcome)
			continue
		}
		for _, want := range []string{`API "Posts"`, "third-party", "a test user"} {
			if !strings.Contains(r.Reason, want) {
				t.Errorf("%s: the reason does not name %s: %s", r.Name, want, r.Reason)
			}
		}
	}
}
