package steps

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/cucumber/godog"

	"github.com/consentry/consentry/steps/driver"
)

// Dialect checks. Some of what the scenarios assert is one vendor's way of
// saying a rule, not the rule: Auth0's tpc_ client ids, its error
// descriptions and status codes, the openid scope in its access tokens, the
// mock's choice of error code where the spec leaves it open. A scenario
// writes such a check as its own step, ending "in the auth0 dialect" (and
// carries the tag @dialect:auth0), after the vendor-neutral steps that hold
// on every target:
//
//	Then the application receives the error "access_denied"
//	And the application's error description is "User did not authorize the request" in the auth0 dialect
//
// On a target of that dialect (the mock, an Auth0 tenant) a dialect check is
// a check like any other: a difference fails it. On any other target
// (target.Profile.Dialect) the step passes and the difference is attached
// to it (report.DialectMismatchMediaType, "auth0: <what differed>"), so the
// report says the core rule holds and the wording differs.

// TagDialect prefixes the tag of a scenario with dialect checks.
const TagDialect = "@dialect:"

// dialectCheck is one check a dialect step may make.
type dialectCheck struct {
	re    *regexp.Regexp
	check func(ctx context.Context, st *state, args []string) error
}

var dialectChecks = []dialectCheck{
	{regexp.MustCompile(`^the application's client_id starts with "([^"]*)"$`), func(_ context.Context, st *state, a []string) error {
		return st.clientIDStartsWith(a[0])
	}},
	{regexp.MustCompile(`^the application's error is "([^"]*)"$`), func(_ context.Context, st *state, a []string) error {
		return st.callbackErrorField("error", a[0])
	}},
	{regexp.MustCompile(`^the application's error description is "(.*)"$`), func(_ context.Context, st *state, a []string) error {
		return st.callbackErrorField("error_description", a[0])
	}},
	{regexp.MustCompile(`^the token error has the status (\d+)(?: and the error "([^"]*)")?(?: and the description "(.*)")?$`), func(_ context.Context, st *state, a []string) error {
		return st.tokenErrorDetails(a[0], a[1], a[2])
	}},
	{regexp.MustCompile(`^the access token's scope includes "([^"]*)"$`), func(ctx context.Context, st *state, a []string) error {
		return st.accessTokenIncludes(ctx, strings.Fields(a[0]))
	}},
	{regexp.MustCompile(`^the buttons read "([^"]*)" and "([^"]*)"$`), func(_ context.Context, st *state, a []string) error {
		return st.buttonLabels(a[0], a[1])
	}},
	{regexp.MustCompile(`^the access token's azp is the application$`), func(ctx context.Context, st *state, _ []string) error {
		return st.accessTokenAzp(ctx)
	}},
	{regexp.MustCompile(`^the token endpoint takes the code in a JSON body$`), func(ctx context.Context, st *state, _ []string) error {
		return st.exchangeJSON(ctx)
	}},
	{regexp.MustCompile(`^the revocation endpoint takes the refresh token in a JSON body$`), func(ctx context.Context, st *state, _ []string) error {
		return st.revokeJSON(ctx)
	}},
	{regexp.MustCompile(`^the token, revocation and userinfo endpoints allow scripts of the application's origin$`), func(ctx context.Context, st *state, _ []string) error {
		return st.corsAllowsApp(ctx)
	}},
	{regexp.MustCompile(`^the token, revocation and userinfo endpoints allow no script of another origin$`), func(ctx context.Context, st *state, _ []string) error {
		return st.corsRefusesOthers(ctx)
	}},
}

func (s *Suite) registerDialectSteps(sc *godog.ScenarioContext) {
	sc.Step(stepRE(`^(.+) in the (auth0|okta) dialect$`), s.inDialect)
}

// inDialect runs a dialect check: strict on a target of the dialect, else
// reported beside a passing step.
func (s *Suite) inDialect(ctx context.Context, text, dialect string) error {
	st := getState(ctx)
	if !hasTag(st.scenario, TagDialect+dialect) {
		return fmt.Errorf("a step checking the %s dialect needs the scenario tagged %s%s", dialect, TagDialect, dialect)
	}
	for _, c := range dialectChecks {
		m := c.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		err := c.check(ctx, st, m[1:])
		switch {
		case err == nil, errors.Is(err, godog.ErrSkip):
			return err
		case st.suite.Target.Profile.TheDialect() == dialect:
			return err
		}
		st.mu.Lock()
		st.mismatches = append(st.mismatches, dialect+": "+err.Error())
		st.mu.Unlock()
		return nil
	}
	return fmt.Errorf("%q is not a check a dialect step can make", text)
}

// takeMismatches returns and forgets the current step's dialect
// differences.
func (st *state) takeMismatches() []string {
	st.mu.Lock()
	defer st.mu.Unlock()
	m := st.mismatches
	st.mismatches = nil
	return m
}

func (st *state) clientIDStartsWith(prefix string) error {
	app, err := st.app()
	if err != nil {
		return err
	}
	if !strings.HasPrefix(app.clientID, prefix) {
		return fmt.Errorf("the client_id %q does not start with %q", app.clientID, prefix)
	}
	return nil
}

// callbackErrorField checks a field of the error the application received.
func (st *state) callbackErrorField(field, want string) error {
	p := st.page
	if p.Kind != driver.KindCallback || p.Callback.Get("error") == "" {
		return fmt.Errorf("expected an error at the callback, but the user agent is at %s", describe(p))
	}
	if got := p.Callback.Get(field); got != want {
		return fmt.Errorf("the application received %s=%q, want %q", field, got, want)
	}
	return nil
}

// tokenErrorDetails checks the status, error and description of a failed
// token request ("" leaves one unchecked).
func (st *state) tokenErrorDetails(status, code, description string) error {
	t := st.token
	if t == nil || !t.failed() {
		return errors.New("no failed token request to check")
	}
	var diffs []string
	if status != "" && fmt.Sprint(t.status) != status {
		diffs = append(diffs, fmt.Sprintf("the status is %d, want %s", t.status, status))
	}
	if code != "" && t.body["error"] != code {
		diffs = append(diffs, fmt.Sprintf("the error is %v, want %s", t.body["error"], code))
	}
	if description != "" {
		if st.req != nil {
			description = strings.ReplaceAll(description, "{audience}", st.req.audience)
		}
		if got, _ := t.body["error_description"].(string); got != description {
			diffs = append(diffs, fmt.Sprintf("the description is %q, want %q", got, description))
		}
	}
	if len(diffs) > 0 {
		return fmt.Errorf("token error: %s", strings.Join(diffs, "; "))
	}
	return nil
}

// accessTokenIncludes checks that the access token's scope has every one
// of want.
func (st *state) accessTokenIncludes(ctx context.Context, want []string) error {
	c, err := st.verifiedAccessToken(ctx)
	if err != nil {
		return err
	}
	got := strings.Fields(c.Scope)
	for _, w := range want {
		if !slices.Contains(got, w) {
			return fmt.Errorf("the access token's scope %q has no %s", c.Scope, w)
		}
	}
	return nil
}

// buttonLabels checks what the accept and decline controls say.
func (st *state) buttonLabels(accept, decline string) error {
	p := st.page
	if p.Accept == nil || p.Decline == nil {
		return fmt.Errorf("the page has no accept or decline control (page: %s)", describe(p))
	}
	if p.Accept.Label != accept || p.Decline.Label != decline {
		return fmt.Errorf("the buttons read %q and %q, want %q and %q", p.Accept.Label, p.Decline.Label, accept, decline)
	}
	return nil
}
