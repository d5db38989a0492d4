package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/cucumber/godog"

	"github.com/consentry/consentry/steps/mgmtclient"
	"github.com/consentry/consentry/steps/target"
)

// Token exchange (RFC 8693, Auth0's On-Behalf-Of flow; rules X1 to X4): an
// API acts as a client (app_type "resource_server" linked to the API) and
// trades an access token the user's application sent it for a token to
// another API, for the same user.

const (
	grantTokenExchange   = "urn:ietf:params:oauth:grant-type:token-exchange"
	tokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"
)

// exchangeState is what a scenario knows about token exchange. It lives in
// the scenario's context next to state.
type exchangeState struct {
	// actors are the clients the APIs act as, by API name.
	actors map[string]*appFixture
	// userToken is the user's access token the first exchange starts from;
	// userSub is its verified sub.
	userToken, userSub string
	// userExpiry is when userToken expires.
	userExpiry time.Time
	// exchanged is the access token of the last successful exchange.
	exchanged string
}

type exchangeKey struct{}

func getExchange(ctx context.Context) *exchangeState {
	ex, _ := ctx.Value(exchangeKey{}).(*exchangeState)
	return ex
}

func (s *Suite) registerExchangeSteps(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
		return context.WithValue(ctx, exchangeKey{}, &exchangeState{actors: map[string]*appFixture{}}), nil
	})
	sc.Step(stepRE(`^the API "([^"]*)" has a client to act as$`), s.apiHasActingClient)
	sc.Step(stepRE(`^the tenant admin updates the API "([^"]*)" with:$`), s.adminUpdatesNamedAPI)
	sc.Step(stepRE(`^the tenant admin updates the client of the API "([^"]*)" with:$`), s.adminUpdatesActingClient)
	sc.Step(stepRE(`^the user has an access token for the API "([^"]*)"(?: with the scopes "([^"]*)")?$`), s.userHasAccessToken)
	sc.Step(stepRE(`^the user's access token has expired$`), s.userTokenExpired)
	sc.Step(stepRE(`^the API "([^"]*)" exchanges the (user's access token|exchanged token) for a token for the API "([^"]*)"(?: with the scopes "([^"]*)")?$`), s.exchanges)
	sc.Step(stepRE(`^the API "([^"]*)" keeps exchanging the exchanged token for a token for the API "([^"]*)" (\d+) times$`), s.keepsExchanging)
	sc.Step(stepRE(`^the API "([^"]*)" sends a token exchange request for the API "([^"]*)" with (.+)$`), s.sendsExchange)

	sc.Step(stepRE(`^the exchange gives a Bearer access token with the scopes "([^"]*)"$`), s.exchangeGives)
	sc.Step(stepRE(`^the exchanged token is signed by the identity provider, for the user and the API "([^"]*)"$`), s.exchangedFor)
	sc.Step(stepRE(`^the exchanged token has the scopes "([^"]*)"$`), s.exchangedScopes)
	sc.Step(stepRE(`^the exchanged token's azp is the client of the API "([^"]*)"$`), s.exchangedAzp)
	sc.Step(stepRE(`^the exchanged token's act chain is "([^"]*)"$`), s.exchangedActChain)
}

// namedAPI returns the scenario's API called name.
func (st *state) namedAPI(name string) (*apiFixture, error) {
	for i := len(st.apis) - 1; i >= 0; i-- {
		if st.apis[i].name == name {
			return st.apis[i], nil
		}
	}
	return nil, fmt.Errorf("the scenario has no API %q (add a Given step that creates it)", name)
}

func (ex *exchangeState) actor(name string) (*appFixture, error) {
	a, ok := ex.actors[name]
	if !ok {
		return nil, fmt.Errorf("the API %q has no client to act as (add \"Given the API %q has a client to act as\")", name, name)
	}
	return a, nil
}

// apiHasActingClient creates the API's client: app_type resource_server,
// linked to the API by resource_server_identifier, confidential.
func (s *Suite) apiHasActingClient(ctx context.Context, name string) error {
	st := getState(ctx)
	if err := st.needManagement("create an API's client (app_type resource_server)"); err != nil {
		return err
	}
	api, err := st.namedAPI(name)
	if err != nil {
		return err
	}
	mgmt := st.suite.Target.Mgmt
	var created mgmtclient.ClientApp
	body := map[string]any{
		"name": "consentry " + name + " API client " + st.suffix, "app_type": "resource_server",
		"resource_server_identifier": api.identifier, "token_endpoint_auth_method": "client_secret_post",
		"grant_types": []string{grantTokenExchange},
	}
	if err := mgmt.Do(ctx, http.MethodPost, "/clients", body, &created); err != nil {
		return err
	}
	if created.ClientID == "" || created.ClientSecret == "" {
		return errors.New("the Management API created the API's client but returned no client_id or client_secret")
	}
	st.addSecret(created.ClientSecret)
	st.fixtures.Add("delete client "+created.ClientID, func(ctx context.Context) error {
		return mgmtclient.IgnoreNotFound(mgmt.DeleteClient(ctx, created.ClientID))
	})
	getExchange(ctx).actors[name] = &appFixture{description: name + " API client", clientID: created.ClientID,
		secret: created.ClientSecret, authMethod: "client_secret_post", firstParty: true}
	return nil
}

// docJSON reads a JSON docstring exactly as written.
func docJSON(doc *godog.DocString) (map[string]any, error) {
	var body map[string]any
	if err := json.Unmarshal([]byte(doc.Content), &body); err != nil {
		return nil, fmt.Errorf("the docstring is not a JSON object: %w", err)
	}
	return body, nil
}

func (s *Suite) adminUpdatesNamedAPI(ctx context.Context, name string, doc *godog.DocString) error {
	st := getState(ctx)
	if err := st.needManagement("update an API"); err != nil {
		return err
	}
	api, err := st.namedAPI(name)
	if err != nil {
		return err
	}
	patch, err := docJSON(doc)
	if err != nil {
		return err
	}
	return st.suite.Target.Mgmt.UpdateResourceServer(ctx, api.id, patch)
}

func (s *Suite) adminUpdatesActingClient(ctx context.Context, name string, doc *godog.DocString) error {
	st := getState(ctx)
	if err := st.needManagement("update an application"); err != nil {
		return err
	}
	actor, err := getExchange(ctx).actor(name)
	if err != nil {
		return err
	}
	patch, err := docJSON(doc)
	if err != nil {
		return err
	}
	return st.suite.Target.Mgmt.UpdateClient(ctx, actor.clientID, patch)
}

// userToken gets the user an access token for an API from the scenario's
// application with the password grant: the token an application would send
// to the API, without a user agent.
func (st *state) userToken(ctx context.Context, apiName, scopes string) (string, error) {
	if !st.suite.Target.Has(target.CapPasswordGrant) {
		return "", notApplicable("target %q does not accept the password grants (capability %s), used to get the user's first access token", st.suite.Target.Profile.Name, target.CapPasswordGrant)
	}
	app, err := st.app()
	if err != nil {
		return "", err
	}
	u, err := st.theUser()
	if err != nil {
		return "", err
	}
	api, err := st.namedAPI(apiName)
	if err != nil {
		return "", err
	}
	form := url.Values{"grant_type": {"password"}, "username": {u.login}, "password": {u.password}, "audience": {api.identifier}}
	if scopes != "" {
		form.Set("scope", scopes)
	}
	st.req = &authRequest{app: app, audience: api.identifier}
	if err := st.postToken(ctx, app, form); err != nil {
		return "", err
	}
	tok, err := st.needToken()
	if err != nil {
		return "", fmt.Errorf("the user's access token for %q: %w", apiName, err)
	}
	return tok.AccessToken, nil
}

func (s *Suite) userHasAccessToken(ctx context.Context, apiName, scopes string) error {
	st, ex := getState(ctx), getExchange(ctx)
	raw, err := st.userToken(ctx, apiName, scopes)
	if err != nil {
		return err
	}
	api, _ := st.namedAPI(apiName)
	tok, err := st.verifyFor(ctx, raw, api.identifier, true)
	if err != nil {
		return fmt.Errorf("the user's access token: %w", err)
	}
	ex.userToken, ex.userSub, ex.userExpiry = raw, tok.Subject, tok.Expiry
	return nil
}

// userTokenExpired waits until the user's access token has expired (give
// its API a short token_lifetime first). On a target whose clock the
// harness moves (capability clock: the embedded mock), in a scenario that
// runs alone (@exclusive), the clock is moved past the expiry instead of
// waiting, and set back when the scenario ends; elsewhere the step waits
// in real time.
func (s *Suite) userTokenExpired(ctx context.Context) error {
	st, ex := getState(ctx), getExchange(ctx)
	if ex.userToken == "" {
		return errors.New("the user has no access token yet")
	}
	if clock := st.suite.Target.Clock; clock != nil && st.suite.Target.Has(target.CapClock) && st.exclusive {
		if d := ex.userExpiry.Add(time.Second).Sub(clock.Now()); d > 0 {
			clock.Advance(d)
			st.fixtures.Add(fmt.Sprintf("set the clock back by %s", d), func(context.Context) error {
				clock.Advance(-d)
				return nil
			})
		}
		return nil
	}
	wait := time.Until(ex.userExpiry.Add(time.Second))
	if limit := 10 * time.Second; wait > limit {
		return fmt.Errorf("the user's access token expires in %s; give its API a token_lifetime of a few seconds", wait.Round(time.Second))
	}
	select {
	case <-time.After(wait):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// exchangeForm is a token exchange request by the API apiName's client for
// the API targetName, starting from the user's or the last exchanged token.
func (st *state) exchangeForm(ctx context.Context, actingAPI, which, targetName string) (*appFixture, url.Values, error) {
	ex := getExchange(ctx)
	actor, err := ex.actor(actingAPI)
	if err != nil {
		return nil, nil, err
	}
	tgt, err := st.namedAPI(targetName)
	if err != nil {
		return nil, nil, err
	}
	subject := ex.userToken
	if which == "exchanged token" {
		subject = ex.exchanged
	}
	if subject == "" {
		return nil, nil, fmt.Errorf("there is no %s to exchange yet", which)
	}
	st.req = &authRequest{app: actor, audience: tgt.identifier}
	return actor, url.Values{
		"grant_type": {grantTokenExchange}, "subject_token": {subject},
		"subject_token_type": {tokenTypeAccessToken}, "audience": {tgt.identifier},
	}, nil
}

// sendExchange posts the request and remembers a successful answer's token.
func (st *state) sendExchange(ctx context.Context, actor *appFixture, form url.Values) error {
	if err := st.postToken(ctx, actor, form); err != nil {
		return err
	}
	if !st.token.failed() {
		getExchange(ctx).exchanged = st.token.token.AccessToken
	}
	return nil
}

func (s *Suite) exchanges(ctx context.Context, actingAPI, which, targetName, scopes string) error {
	st := getState(ctx)
	actor, form, err := st.exchangeForm(ctx, actingAPI, which, targetName)
	if err != nil {
		return err
	}
	if scopes != "" {
		form.Set("scope", scopes)
	}
	return st.sendExchange(ctx, actor, form)
}

func (s *Suite) keepsExchanging(ctx context.Context, actingAPI, targetName string, times int) error {
	st := getState(ctx)
	for i := 1; i <= times; i++ {
		actor, form, err := st.exchangeForm(ctx, actingAPI, "exchanged token", targetName)
		if err != nil {
			return err
		}
		if err := st.sendExchange(ctx, actor, form); err != nil {
			return err
		}
		if st.token.failed() {
			return fmt.Errorf("exchange %d of %d failed: %s", i, times, st.token)
		}
	}
	return nil
}

// sendsExchange sends a token exchange request starting from the user's
// access token, changed as the scenario says: "no P" removes the parameter
// P, "P=V" sets it. For subject_token, V is "garbled", "tampered" (one
// character of the signature changed) or "a token for "API"" (the user's
// access token for another API); for audience, the name of a scenario's
// API stands for its identifier.
func (s *Suite) sendsExchange(ctx context.Context, actingAPI, targetName, changes string) error {
	st := getState(ctx)
	actor, form, err := st.exchangeForm(ctx, actingAPI, "user's access token", targetName)
	if err != nil {
		return err
	}
	for _, c := range splitClauses(changes) {
		if p, ok := strings.CutPrefix(c, "no "); ok {
			form.Del(p)
			continue
		}
		p, v, ok := strings.Cut(c, "=")
		if !ok {
			return fmt.Errorf("unknown change %q (want \"no PARAM\" or \"PARAM=VALUE\")", c)
		}
		switch {
		case p == "subject_token" && v == "garbled":
			v = "not-a-jwt." + randomHex(8)
		case p == "subject_token" && v == "tampered":
			v = tamper(form.Get("subject_token"))
		case p == "subject_token" && strings.HasPrefix(v, "a token for "):
			name := strings.Trim(strings.TrimPrefix(v, "a token for "), `"`)
			saved := st.req
			if v, err = st.userToken(ctx, name, ""); err != nil {
				return err
			}
			st.req = saved
		case p == "audience":
			if api, err := st.namedAPI(strings.Trim(v, `"`)); err == nil {
				v = api.identifier
			}
			st.req.audience = v
		}
		form.Set(p, v)
	}
	return st.sendExchange(ctx, actor, form)
}

// tamper changes one character in the middle of a JWT's signature.
func tamper(jwt string) string {
	i := strings.LastIndexByte(jwt, '.')
	if i < 0 || len(jwt)-i < 8 {
		return jwt + "x"
	}
	pos := i + (len(jwt)-i)/2
	c := byte('A')
	if jwt[pos] == 'A' {
		c = 'B'
	}
	return jwt[:pos] + string(c) + jwt[pos+1:]
}

// exchangeGives checks the token endpoint's answer (rule X3).
func (s *Suite) exchangeGives(ctx context.Context, scopes string) error {
	st := getState(ctx)
	if _, err := st.needToken(); err != nil {
		return err
	}
	b := st.token.body
	var problems []string
	if at, _ := b["access_token"].(string); at == "" {
		problems = append(problems, "no access_token")
	}
	if b["issued_token_type"] != tokenTypeAccessToken {
		problems = append(problems, fmt.Sprintf("issued_token_type is %v, want %s", b["issued_token_type"], tokenTypeAccessToken))
	}
	if tt, _ := b["token_type"].(string); !strings.EqualFold(tt, "Bearer") {
		problems = append(problems, fmt.Sprintf("token_type is %v, want Bearer", b["token_type"]))
	}
	if n, _ := b["expires_in"].(float64); n <= 0 {
		problems = append(problems, fmt.Sprintf("expires_in is %v, want a positive number", b["expires_in"]))
	}
	scope, ok := b["scope"].(string)
	if !ok {
		problems = append(problems, "no scope")
	} else if !sameScopes(scope, scopes) {
		problems = append(problems, fmt.Sprintf("scope is %q, want %q", scope, scopes))
	}
	if len(problems) > 0 {
		return fmt.Errorf("the exchange answer: %s", strings.Join(problems, "; "))
	}
	return nil
}

func sameScopes(a, b string) bool {
	x, y := strings.Fields(a), strings.Fields(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// actClaim is RFC 8693's act claim.
type actClaim struct {
	Sub string    `json:"sub"`
	Act *actClaim `json:"act,omitempty"`
}

// exchangedClaims are the claims of an exchanged token the scenarios check.
type exchangedClaims struct {
	Sub   string    `json:"sub"`
	Azp   string    `json:"azp"`
	Scope string    `json:"scope"`
	Act   *actClaim `json:"act"`
}

// verifyFor checks a token's signature against the IdP's JWKS (go-oidc),
// its issuer, its expiry (unless skipped) and that its audience includes
// audience.
func (st *state) verifyFor(ctx context.Context, raw, audience string, skipExpiry bool) (*oidc.IDToken, error) {
	v := st.suite.provider.Verifier(&oidc.Config{ClientID: audience, SkipExpiryCheck: skipExpiry,
		SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256, oidc.PS256}})
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("the token does not verify against the identity provider's keys for the audience %q: %w", audience, err)
	}
	return tok, nil
}

// exchanged verifies the last exchanged token for the API targetName (or
// only its signature and issuer when targetName is "") and returns its claims.
func (st *state) exchanged(ctx context.Context, targetName string) (*oidc.IDToken, *exchangedClaims, error) {
	ex := getExchange(ctx)
	if _, err := st.needToken(); err != nil {
		return nil, nil, err
	}
	if ex.exchanged == "" {
		return nil, nil, errors.New("no token was exchanged")
	}
	audience := ""
	if targetName != "" {
		api, err := st.namedAPI(targetName)
		if err != nil {
			return nil, nil, err
		}
		audience = api.identifier
	}
	var tok *oidc.IDToken
	var err error
	if audience == "" {
		v := st.suite.provider.Verifier(&oidc.Config{SkipClientIDCheck: true, SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256, oidc.PS256}})
		tok, err = v.Verify(ctx, ex.exchanged)
		if err != nil {
			err = fmt.Errorf("the exchanged token does not verify against the identity provider's keys: %w", err)
		}
	} else {
		tok, err = st.verifyFor(ctx, ex.exchanged, audience, false)
	}
	if err != nil {
		return nil, nil, err
	}
	var c exchangedClaims
	if err := tok.Claims(&c); err != nil {
		return nil, nil, err
	}
	return tok, &c, nil
}

func (s *Suite) exchangedFor(ctx context.Context, targetName string) error {
	st, ex := getState(ctx), getExchange(ctx)
	tok, c, err := st.exchanged(ctx, targetName)
	if err != nil {
		return err
	}
	api, _ := st.namedAPI(targetName)
	if len(tok.Audience) != 1 || tok.Audience[0] != api.identifier {
		return fmt.Errorf("the exchanged token's aud is %q, want only the API %q (%s)", tok.Audience, targetName, api.identifier)
	}
	if c.Sub == "" || c.Sub != ex.userSub {
		return fmt.Errorf("the exchanged token's sub is %q, want the user's %q", c.Sub, ex.userSub)
	}
	if u, err := st.theUser(); err == nil && u.id != "" && c.Sub != u.id {
		return fmt.Errorf("the exchanged token's sub is %q, want the user %q", c.Sub, u.id)
	}
	return nil
}

func (s *Suite) exchangedScopes(ctx context.Context, scopes string) error {
	_, c, err := getState(ctx).exchanged(ctx, "")
	if err != nil {
		return err
	}
	if !sameScopes(c.Scope, scopes) {
		return fmt.Errorf("the exchanged token has the scopes %q, want %q", c.Scope, scopes)
	}
	return nil
}

func (s *Suite) exchangedAzp(ctx context.Context, actingAPI string) error {
	st := getState(ctx)
	actor, err := getExchange(ctx).actor(actingAPI)
	if err != nil {
		return err
	}
	_, c, err := st.exchanged(ctx, "")
	if err != nil {
		return err
	}
	if c.Azp != actor.clientID {
		return fmt.Errorf("the exchanged token's azp is %q, want the client of the API %q (%s)", c.Azp, actingAPI, actor.clientID)
	}
	return nil
}

// exchangedActChain checks the nested act claims: "Billing > Orders" means
// act.sub is the client of Billing (the last actor), act.act.sub the client
// of Orders, and nothing deeper.
func (s *Suite) exchangedActChain(ctx context.Context, chain string) error {
	st, ex := getState(ctx), getExchange(ctx)
	_, c, err := st.exchanged(ctx, "")
	if err != nil {
		return err
	}
	var want []string
	for _, name := range strings.Split(chain, ">") {
		actor, err := ex.actor(strings.TrimSpace(name))
		if err != nil {
			return err
		}
		want = append(want, actor.clientID)
	}
	var got []string
	for a := c.Act; a != nil; a = a.Act {
		got = append(got, a.Sub)
		if len(got) > 16 {
			break
		}
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("the exchanged token's act chain is %q, want %q (%s)", got, want, chain)
	}
	return nil
}
