package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"sync"

	"github.com/cucumber/godog"

	"github.com/consentry/consentry/steps/target"
)

// ScenarioNeeds is what one scenario needs of a target, read from its steps
// before any runs: the fixtures (APIs, applications, a user), and whether it
// does something only a Management API can.
type ScenarioNeeds struct {
	// Scenario is the scenario's name; URI its feature file.
	Scenario, URI string
	APIs          []APISpec
	Apps          []AppSpec
	// User: the scenario signs a user in (the profile's test user, or one
	// created through the Management API).
	User bool
	// Unconsented: the scenario's verdict rests on the user not having
	// consented to its applications before it began (it expects a consent
	// or confirmation page, consent_required, or checks the grant), so a
	// grant left by an earlier scenario or run would fail it. Without a
	// Management API to revoke grants it needs a user of the profile's
	// users that no other scenario of the run used with its clients.
	Unconsented bool
	// Grants: the scenario may leave a grant (it accepts consent or a
	// confirmation, or submits a consent form), so no other scenario may
	// share its user and clients on such a target.
	Grants bool
	// Management lists the steps that only a Management API can do.
	Management []string
	// Problems are steps whose words could not be read.
	Problems []string
	key      string // scenarioKey
}

var (
	reAPI      = regexp.MustCompile(stepAPI)
	reAPITable = regexp.MustCompile(stepAPITable)
	reApp      = regexp.MustCompile(stepApp)
	reUser     = regexp.MustCompile(stepUser)
	reSession  = regexp.MustCompile(stepSession)
	// Steps whose outcome depends on the user not having consented yet.
	reUnconsented = []*regexp.Regexp{
		regexp.MustCompile(`^the (?:consent|login confirmation) page is shown$`),
		regexp.MustCompile(`^the consent page (?:lists|names)`),
		regexp.MustCompile(`^the page (?:lists no scopes|offers the accept and decline buttons)$`),
		regexp.MustCompile(`^the buttons read `),
		regexp.MustCompile(`^the user (?:accepts|declines) (?:consent|the login confirmation)$`),
		regexp.MustCompile(`^the user has (?:granted|a grant|no grant)`),
		regexp.MustCompile(`consent form`),
		regexp.MustCompile(`^the application receives the error "consent_required"`),
	}
	// Steps that may leave a grant behind.
	reGrants = []*regexp.Regexp{
		regexp.MustCompile(`^the user accepts (?:consent|the login confirmation)$`),
		regexp.MustCompile(`^the user has granted `),
		regexp.MustCompile(`consent form`),
	}
	// Steps that use a grant type a pre-registered client must list.
	rePasswordGrant = regexp.MustCompile(`^the application asks for a token with (?:the user's|a wrong) password( in the user's connection)?`)
	// Steps that need the Management API whatever the profile registers.
	reManagementOnly = []*regexp.Regexp{
		regexp.MustCompile(`^the tenant admin `),
		regexp.MustCompile(`^an application created through the Management API`),
		regexp.MustCompile(`^the API "[^"]*" has a client to act as$`),
		regexp.MustCompile(`^the tenant (?:skips|shows) `),
		regexp.MustCompile(`^the application is (?:still )?(?:first|third)-party$`),
		regexp.MustCompile(`^the API as read back `),
	}
)

// sessionHelper is the application the user signs in with to get an SSO
// session ("the user has a session at the identity provider"). Created, it
// has its own callback; pre-registered, any verifiable one.
func sessionHelper(preRegistered bool) AppSpec {
	clauses := `with the callback "https://sso.example.com/callback"`
	if preRegistered {
		clauses = ""
	}
	spec, _ := parseApp("first-party regular web", clauses, nil) // fixed words: they parse
	return spec
}

// needsOf reads a scenario's steps (background included).
func needsOf(scn *godog.Scenario, preRegistered bool) ScenarioNeeds {
	n := ScenarioNeeds{Scenario: scn.Name, URI: scn.Uri, key: scenarioKey(scn)}
	for _, step := range scn.Steps {
		text := step.Text
		switch {
		case reAPI.MatchString(text):
			m := reAPI.FindStringSubmatch(text)
			spec, err := parseAPI(m[1], m[2], m[3])
			if err != nil {
				n.Problems = append(n.Problems, fmt.Sprintf("%q: %v", text, err))
				continue
			}
			n.APIs = append(n.APIs, spec)
		case reAPITable.MatchString(text):
			var rows [][]string
			if step.Argument != nil && step.Argument.DataTable != nil {
				for _, r := range step.Argument.DataTable.Rows {
					var cells []string
					for _, c := range r.Cells {
						cells = append(cells, c.Value)
					}
					rows = append(rows, cells)
				}
			}
			spec, err := parseAPITable(reAPITable.FindStringSubmatch(text)[1], rows)
			if err != nil {
				n.Problems = append(n.Problems, fmt.Sprintf("%q: %v", text, err))
				continue
			}
			n.APIs = append(n.APIs, spec)
		case reApp.MatchString(text):
			m := reApp.FindStringSubmatch(text)
			spec, err := parseApp(m[1], m[2], n.APIs)
			if err != nil {
				n.Problems = append(n.Problems, fmt.Sprintf("%q: %v", text, err))
				continue
			}
			n.Apps = append(n.Apps, spec)
		case reUser.MatchString(text):
			n.User = true
		case reSession.MatchString(text):
			n.Apps = append(n.Apps, sessionHelper(preRegistered))
		case rePasswordGrant.MatchString(text):
			// A strict third-party application is refused the password
			// grants whatever it lists (rule K2): only the others need it.
			if len(n.Apps) > 0 {
				app := &n.Apps[len(n.Apps)-1]
				if app.FirstParty || app.Mode != "strict" {
					g := "password"
					if rePasswordGrant.FindStringSubmatch(text)[1] != "" {
						g = passwordRealm
					}
					if !slices.Contains(app.UsesGrants, g) {
						app.UsesGrants = append(app.UsesGrants, g)
					}
				}
			}
		default:
			for _, re := range reUnconsented {
				if re.MatchString(text) {
					n.Unconsented = true
					break
				}
			}
			for _, re := range reGrants {
				if re.MatchString(text) {
					n.Grants = true
					break
				}
			}
			for _, re := range reManagementOnly {
				if re.MatchString(text) {
					n.Management = append(n.Management, text)
					break
				}
			}
		}
	}
	return n
}

// Missing lists what the scenario needs and the profile does not register,
// on a target without a Management API: every fixture, not the first.
func (n ScenarioNeeds) Missing(p *target.Profile) []string {
	var out []string
	for _, a := range n.APIs {
		if pre, why := bindAPI(p, a); pre == nil {
			out = append(out, fmt.Sprintf("%s (%s)", a, why))
		}
	}
	var used []string
	for _, a := range n.Apps {
		pre, why := bindClient(p, a, used)
		if pre == nil {
			out = append(out, fmt.Sprintf("%s (%s)", a, why))
			continue
		}
		used = append(used, pre.ClientID)
	}
	if n.User && p.User == nil && len(p.Users) == 0 {
		out = append(out, "a test user (user: in the profile)") // as missingFixture writes it
	}
	return out
}

// Needs reads what every scenario of the features that tags selects needs
// (godog's tag expression, "" for all), without running any step.
// preRegistered reads them as a target without a Management API binds them.
func Needs(ctx context.Context, features fs.FS, tags string, preRegistered bool) ([]ScenarioNeeds, error) {
	var mu sync.Mutex
	var out []ScenarioNeeds
	errRead := errors.New("read, not run")
	status := godog.TestSuite{
		Name: "consentry-needs",
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			sc.Before(func(ctx context.Context, scn *godog.Scenario) (context.Context, error) {
				mu.Lock()
				out = append(out, needsOf(scn, preRegistered))
				mu.Unlock()
				return ctx, errRead
			})
		},
		Options: &godog.Options{
			Format: "progress", Output: io.Discard, Paths: []string{"."}, FS: features, Tags: tags,
			Concurrency: 1, DefaultContext: ctx, NoColors: true,
		},
	}.Run()
	if status == 2 || (status != 0 && len(out) == 0) {
		return out, fmt.Errorf("reading the features failed (godog status %d)", status)
	}
	return out, nil
}
