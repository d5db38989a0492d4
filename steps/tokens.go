package steps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/cucumber/godog"
	jose "github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/consentry/consentry/steps/driver"
	"github.com/consentry/consentry/steps/target"
)

// tokenResult is one answer of the token endpoint.
type tokenResult struct {
	status int
	// body is the JSON answer (errors, and successes sent by hand).
	body map[string]any
	// token is the success answer.
	token *oauth2.Token
}

func (t *tokenResult) failed() bool { return t.token == nil }

func (t *tokenResult) String() string {
	if t.token != nil {
		return "a token"
	}
	return fmt.Sprintf("HTTP %d %v: %v", t.status, t.body["error"], t.body["error_description"])
}

func (s *Suite) registerTokenSteps(sc *godog.ScenarioContext) {
	sc.Step(stepRE(`^the application exchanges the code for tokens$`), s.exchange(""))
	sc.Step(stepRE(`^the application exchanges the code for tokens again$`), s.exchange("again"))
	sc.Step(stepRE(`^the application exchanges the code with a wrong code verifier$`), s.exchange("wrong verifier"))
	sc.Step(stepRE(`^the application exchanges the code with a code verifier it never sent a challenge for$`), s.exchange("unasked verifier"))
	sc.Step(stepRE(`^the application exchanges the code with a wrong client secret$`), s.exchange("wrong secret"))
	sc.Step(stepRE(`^the application exchanges the code with the redirect_uri "([^"]*)"$`), s.exchangeWithRedirect)
	sc.Step(stepRE(`^the code is exchanged for an access token with the scopes "([^"]*)"$`), s.exchangedWithScopes)
	sc.Step(stepRE(`^the application refreshes the access token$`), s.refreshes)
	sc.Step(stepRE(`^the application asks for a client credentials token for the API(?: with the scopes "([^"]*)")?$`), s.clientCredentials)
	sc.Step(stepRE(`^the application asks for a token with the user's password(?: for "([^"]*)")?$`), s.password(false, false))
	sc.Step(stepRE(`^the application asks for a token with the user's password in the user's connection(?: for "([^"]*)")?$`), s.password(true, false))
	sc.Step(stepRE(`^the application asks for a token with a wrong password$`), s.wrongPassword)
	sc.Step(stepRE(`^the application sends a token request with the grant type "([^"]*)"$`), s.rawGrant)

	sc.Step(stepRE(`^the token request fails with the status (\d+) and the error "([^"]*)"(?: and the description "(.*)")?$`), s.tokenFails)
	sc.Step(stepRE(`^the token request is refused(?: with the error "([^"]*)")?$`), s.tokenRefused)
	sc.Step(stepRE(`^the access token has the scopes "([^"]*)"$`), s.accessTokenScopes)
	sc.Step(stepRE(`^the access token has the API scopes "([^"]*)"$`), s.accessTokenAPIScopes)
	sc.Step(stepRE(`^the access token has no scopes$`), s.accessTokenNoScopes)
	sc.Step(stepRE(`^an ID token is issued for the application$`), s.idTokenIssued)
	sc.Step(stepRE(`^no ID token is issued$`), s.noIDToken)
	sc.Step(stepRE(`^a refresh token is issued$`), s.refreshIssued(true))
	sc.Step(stepRE(`^no refresh token is issued$`), s.refreshIssued(false))
	sc.Step(stepRE(`^a new access token is issued$`), s.newAccessToken)
	sc.Step(stepRE(`^the refresh token no longer works$`), s.refreshFails)
	sc.Step(stepRE(`^a new refresh token is issued in place of the first$`), s.rotated)
	sc.Step(stepRE(`^the userinfo endpoint answers for the access token with the user's subject$`), s.userinfoAnswers)
	sc.Step(stepRE(`^the userinfo endpoint refuses the access token$`), s.userinfoRefuses)
	sc.Step(stepRE(`^the access token is a JWT of the identity provider's keys with the claims iss, sub, aud, scope, iat and exp$`), s.accessTokenClaims)
	sc.Step(stepRE(`^the ID token is for the application, with the nonce "([^"]*)" and the time of the login$`), s.idTokenClaims)
	sc.Step(stepRE(`^the application uses the first refresh token again$`), s.reusesFirstRefresh)
	sc.Step(stepRE(`^the application is refused user tokens for the API with "([^"]*)"$`), s.refusedUserTokens)
}

// record keeps a token endpoint answer; err is x/oauth2's error, if any.
func (st *state) record(tok *oauth2.Token, err error) error {
	if err == nil {
		st.token = &tokenResult{status: http.StatusOK, token: tok}
		st.addSecret(tok.AccessToken)
		st.addSecret(tok.RefreshToken)
		st.holdRefresh(tok.RefreshToken)
		return nil
	}
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return fmt.Errorf("token request: %w", err)
	}
	res := &tokenResult{status: re.Response.StatusCode, body: map[string]any{}}
	if jerr := json.Unmarshal(re.Body, &res.body); jerr != nil {
		res.body = map[string]any{"error": "(not JSON)", "raw": shorten(string(re.Body))}
	}
	st.token = res
	return nil
}

func shorten(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// code returns the code the application received.
func (st *state) code() (string, error) {
	if st.page.Kind != driver.KindCallback || st.page.Callback.Get("code") == "" {
		return "", fmt.Errorf("the application has no code to exchange; the user agent is at %s", describe(st.page))
	}
	return st.page.Callback.Get("code"), nil
}

func (s *Suite) exchange(variant string) func(context.Context) error {
	return func(ctx context.Context) error { return getState(ctx).exchangeCode(ctx, variant, "") }
}

func (s *Suite) exchangeWithRedirect(ctx context.Context, redirectURI string) error {
	return getState(ctx).exchangeCode(ctx, "", redirectURI)
}

func (st *state) exchangeCode(ctx context.Context, variant, redirectURI string) error {
	code, err := st.code()
	if err != nil {
		return err
	}
	req := st.req
	if redirectURI == "" {
		redirectURI = req.redirectURI
	}
	cfg := st.oauthConfig(req.app, redirectURI)
	var opts []oauth2.AuthCodeOption
	verifier := req.verifier
	switch variant {
	case "wrong verifier":
		verifier = oauth2.GenerateVerifier()
	case "unasked verifier":
		if verifier != "" {
			return errors.New("the authorization request had a PKCE challenge; ask \"without PKCE\"")
		}
		verifier = oauth2.GenerateVerifier()
	case "wrong secret":
		if req.app.authMethod == "none" {
			return errors.New("a public application has no secret to get wrong")
		}
		cfg.ClientSecret = "wrong-" + randomHex(8)
	}
	if verifier != "" {
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	// RFC 8707 2.2: the token request names the resource again.
	if req.audience != "" && slices.Contains(st.suite.Target.Profile.APIParams(), target.APIParamResource) {
		opts = append(opts, oauth2.SetAuthURLParam("resource", req.audience))
	}
	return st.record(cfg.Exchange(ctx, code, opts...))
}

func (st *state) needToken() (*oauth2.Token, error) {
	if st.token == nil {
		return nil, errors.New("the application has not asked the token endpoint yet")
	}
	if st.token.failed() {
		return nil, fmt.Errorf("the token request failed: %s", st.token)
	}
	return st.token.token, nil
}

func (s *Suite) exchangedWithScopes(ctx context.Context, scopes string) error {
	st := getState(ctx)
	if err := st.exchangeCode(ctx, "", ""); err != nil {
		return err
	}
	return s.accessTokenScopes(ctx, scopes)
}

// accessClaims are the claims of an access token the harness checks.
type accessClaims struct {
	Scope string `json:"scope"`
	Azp   string `json:"azp"`
	Sub   string `json:"sub"`
	Iat   *int64 `json:"iat"`
}

// verifiedAccessToken is the claims of the access token of the last token
// answer, verified (verifyAccessToken).
func (st *state) verifiedAccessToken(ctx context.Context) (*accessClaims, error) {
	tok, err := st.needToken()
	if err != nil {
		return nil, err
	}
	return st.verifyAccessToken(ctx, tok.AccessToken)
}

// verifyAccessToken checks the signature (tenant JWKS), issuer and expiry
// of an access token and returns its claims.
func (st *state) verifyAccessToken(ctx context.Context, raw string) (*accessClaims, error) {
	v := st.suite.provider.Verifier(&oidc.Config{SkipClientIDCheck: true, SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256, oidc.PS256}})
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("the access token does not verify against the tenant's keys: %w", err)
	}
	var c accessClaims
	if err := tok.Claims(&c); err != nil {
		return nil, err
	}
	if api, err := st.api(); err == nil && !slices.Contains(tok.Audience, api.identifier) {
		return nil, fmt.Errorf("the access token's audience is %q, want it to include %q", tok.Audience, api.identifier)
	}
	return &c, nil
}

func (s *Suite) accessTokenScopes(ctx context.Context, scopes string) error {
	st := getState(ctx)
	c, err := st.verifiedAccessToken(ctx)
	if err != nil {
		return err
	}
	got, want := strings.Fields(c.Scope), strings.Fields(scopes)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("the access token has the scopes %q, want %q", c.Scope, scopes)
	}
	return nil
}

// oidcScopes are OpenID Connect's own scopes: whether an access token
// carries them is the vendor's choice (Auth0's do).
var oidcScopes = []string{"openid", "profile", "email", "address", "phone", "offline_access"}

// accessTokenAPIScopes compares the access token's scopes without the
// OpenID Connect ones.
func (s *Suite) accessTokenAPIScopes(ctx context.Context, scopes string) error {
	st := getState(ctx)
	c, err := st.verifiedAccessToken(ctx)
	if err != nil {
		return err
	}
	got := slices.DeleteFunc(strings.Fields(c.Scope), func(s string) bool { return slices.Contains(oidcScopes, s) })
	want := strings.Fields(scopes)
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		return fmt.Errorf("the access token has the API scopes %q (scope %q), want %q", got, c.Scope, scopes)
	}
	return nil
}

func (s *Suite) accessTokenNoScopes(ctx context.Context) error { return s.accessTokenScopes(ctx, "") }

func (s *Suite) idTokenIssued(ctx context.Context) error {
	st := getState(ctx)
	tok, err := st.needToken()
	if err != nil {
		return err
	}
	_, err = st.verifyIDToken(ctx, tok)
	return err
}

// verifyIDToken verifies the ID token of tok with the provider's keys, for
// the application as its audience (go-oidc: signature, iss, aud, exp).
func (st *state) verifyIDToken(ctx context.Context, tok *oauth2.Token) (*oidc.IDToken, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, errors.New("no ID token was issued")
	}
	v := st.suite.provider.Verifier(&oidc.Config{ClientID: st.req.app.clientID, SupportedSigningAlgs: []string{oidc.RS256, oidc.ES256, oidc.PS256}})
	id, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("the ID token does not verify for the application: %w", err)
	}
	return id, nil
}

// signedAlgs are the JWS algorithms the suite accepts for tokens.
var signedAlgs = []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.PS256}

// accessTokenClaims checks rule J1 for the access token: a JWS whose
// header names its key (kid), verified with the keys of the discovery
// document's jwks_uri (go-oidc: the signature, iss and exp), whose aud
// includes the API, with sub, scope and iat. (azp, Auth0's name for the
// client in it, is a dialect check: RFC 9068 calls it client_id.)
func (s *Suite) accessTokenClaims(ctx context.Context) error {
	st := getState(ctx)
	tok, err := st.needToken()
	if err != nil {
		return err
	}
	jws, err := jose.ParseSigned(tok.AccessToken, signedAlgs)
	if err != nil {
		return fmt.Errorf("the access token is not a signed JWT: %w", err)
	}
	if len(jws.Signatures) != 1 || jws.Signatures[0].Header.KeyID == "" {
		return errors.New("the access token's header names no key (kid)")
	}
	c, err := st.verifyAccessToken(ctx, tok.AccessToken)
	if err != nil {
		return err
	}
	var missing []string
	if c.Sub == "" {
		missing = append(missing, "sub")
	}
	if c.Scope == "" {
		missing = append(missing, "scope")
	}
	if c.Iat == nil {
		missing = append(missing, "iat")
	}
	if len(missing) > 0 {
		return fmt.Errorf("the access token has no %s", strings.Join(missing, ", "))
	}
	return nil
}

// accessTokenAzp checks that the access token names the application in
// azp (Auth0's claim, rule J1).
func (st *state) accessTokenAzp(ctx context.Context) error {
	c, err := st.verifiedAccessToken(ctx)
	if err != nil {
		return err
	}
	if c.Azp != st.req.app.clientID {
		return fmt.Errorf("the access token's azp is %q, want the application's client_id %q", c.Azp, st.req.app.clientID)
	}
	return nil
}

// idTokenClaims checks rule J1 for the ID token: verified with the
// provider's keys for the application as its audience (go-oidc: signature,
// iss, aud, exp), the nonce the authorization request sent, and auth_time,
// the login's time: not after the token was issued. (OpenID Connect
// requires auth_time when the request has max_age; the scenario sends it.)
func (s *Suite) idTokenClaims(ctx context.Context, nonce string) error {
	st := getState(ctx)
	tok, err := st.needToken()
	if err != nil {
		return err
	}
	id, err := st.verifyIDToken(ctx, tok)
	if err != nil {
		return err
	}
	if id.Nonce != nonce {
		return fmt.Errorf("the ID token's nonce is %q, want %q (the authorization request's)", id.Nonce, nonce)
	}
	var c struct {
		AuthTime *int64 `json:"auth_time"`
	}
	if err := id.Claims(&c); err != nil {
		return err
	}
	switch {
	case c.AuthTime == nil:
		return errors.New("the ID token has no auth_time")
	case time.Unix(*c.AuthTime, 0).After(id.IssuedAt.Add(time.Minute)):
		return fmt.Errorf("the ID token's auth_time %s is after its iat %s", time.Unix(*c.AuthTime, 0).UTC(), id.IssuedAt.UTC())
	}
	return nil
}

// userinfoEndpoint is the IdP's userinfo endpoint, from its discovery
// document; an IdP that names none makes the step not applicable.
func (st *state) userinfoEndpoint() (string, error) {
	u := st.suite.provider.UserInfoEndpoint()
	if u == "" {
		return "", notApplicable("the discovery document names no userinfo_endpoint")
	}
	return u, nil
}

// userinfoAnswers checks rule J2 for a token with openid: the userinfo
// endpoint answers (go-oidc's UserInfo: a 2xx with JSON claims or a signed
// JWT) for the subject the tokens were issued to: the ID token's sub, or
// the access token's when no ID token came.
func (s *Suite) userinfoAnswers(ctx context.Context) error {
	st := getState(ctx)
	tok, err := st.needToken()
	if err != nil {
		return err
	}
	if _, err := st.userinfoEndpoint(); err != nil {
		return err
	}
	var sub string
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		id, err := st.verifyIDToken(ctx, tok)
		if err != nil {
			return err
		}
		sub = id.Subject
	} else {
		c, err := st.verifyAccessToken(ctx, tok.AccessToken)
		if err != nil {
			return err
		}
		sub = c.Sub
	}
	info, err := st.suite.provider.UserInfo(ctx, oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok.AccessToken, TokenType: "Bearer"}))
	if err != nil {
		return fmt.Errorf("the userinfo endpoint refused the access token: %w", err)
	}
	if info.Subject == "" || info.Subject != sub {
		return fmt.Errorf("the userinfo endpoint answered for the subject %q, want %q (the tokens')", info.Subject, sub)
	}
	return nil
}

// userinfoRefuses checks rule J2 for a token without openid: the userinfo
// endpoint answers a 4xx, never the user's claims.
func (s *Suite) userinfoRefuses(ctx context.Context) error {
	st := getState(ctx)
	tok, err := st.needToken()
	if err != nil {
		return err
	}
	u, err := st.userinfoEndpoint()
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("userinfo request: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	if res.StatusCode < 400 || res.StatusCode > 499 {
		return fmt.Errorf("the userinfo endpoint answered %d for a token without openid, want a 4xx refusal: %s", res.StatusCode, shorten(st.scrub(string(body))))
	}
	return nil
}

func (s *Suite) noIDToken(ctx context.Context) error {
	tok, err := getState(ctx).needToken()
	if err != nil {
		return err
	}
	if raw, _ := tok.Extra("id_token").(string); raw != "" {
		return errors.New("an ID token was issued")
	}
	return nil
}

func (s *Suite) refreshIssued(want bool) func(context.Context) error {
	return func(ctx context.Context) error {
		tok, err := getState(ctx).needToken()
		if err != nil {
			return err
		}
		if got := tok.RefreshToken != ""; got != want {
			if want {
				return errors.New("no refresh token was issued")
			}
			return errors.New("a refresh token was issued")
		}
		return nil
	}
}

// holdRefresh keeps a refresh token the token endpoint issued: the latest
// (the one the application refreshes with), and the first of the scenario.
func (st *state) holdRefresh(rt string) {
	if rt == "" {
		return
	}
	st.refreshToken = rt
	if st.firstRefresh == "" {
		st.firstRefresh = rt
	}
}

func (st *state) refresh(ctx context.Context) error {
	if st.refreshToken == "" {
		return errors.New("the application holds no refresh token")
	}
	return st.refreshWith(ctx, st.refreshToken)
}

// refreshWith sends a refresh request with rt and records the answer.
// x/oauth2 keeps rt as the new token's refresh token when the answer has
// none (a refresh token that is not rotated).
func (st *state) refreshWith(ctx context.Context, rt string) error {
	app := st.req.app
	cfg := st.oauthConfig(app, "")
	ts := cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: rt})
	return st.record(ts.Token())
}

// rotated checks rule W4's first half: the last refresh gave a refresh
// token, and not the first one again.
func (s *Suite) rotated(ctx context.Context) error {
	st := getState(ctx)
	tok, err := st.needToken()
	if err != nil {
		return err
	}
	switch {
	case st.firstRefresh == "":
		return errors.New("no refresh token was ever issued in this scenario")
	case tok.RefreshToken == "":
		return errors.New("the refresh answered no refresh token")
	case tok.RefreshToken == st.firstRefresh:
		return errors.New("the refresh token was not rotated: the refresh answered the first one again, or none")
	}
	return nil
}

// reusesFirstRefresh sends the scenario's first refresh token again, spent
// by a rotation (rule W4's second half).
func (s *Suite) reusesFirstRefresh(ctx context.Context) error {
	st := getState(ctx)
	if st.firstRefresh == "" {
		return errors.New("no refresh token was ever issued in this scenario")
	}
	return st.refreshWith(ctx, st.firstRefresh)
}

func (s *Suite) refreshes(ctx context.Context) error { return getState(ctx).refresh(ctx) }

func (s *Suite) newAccessToken(ctx context.Context) error {
	st := getState(ctx)
	tok, err := st.needToken()
	if err != nil {
		return err
	}
	_, err = st.verifyAccessToken(ctx, tok.AccessToken)
	return err
}

func (s *Suite) refreshFails(ctx context.Context) error {
	st := getState(ctx)
	if err := st.refresh(ctx); err != nil {
		return err
	}
	if !st.token.failed() {
		return errors.New("the refresh token still works")
	}
	if st.token.body["error"] != "invalid_grant" {
		return fmt.Errorf("refreshing failed with %s, want invalid_grant", st.token)
	}
	return nil
}

func (s *Suite) clientCredentials(ctx context.Context, scopes string) error {
	st := getState(ctx)
	app, err := st.app()
	if err != nil {
		return err
	}
	api, err := st.api()
	if err != nil {
		return err
	}
	cfg := clientcredentials.Config{
		ClientID: app.clientID, ClientSecret: app.secret, TokenURL: st.suite.provider.Endpoint().TokenURL,
		Scopes: strings.Fields(scopes), EndpointParams: st.apiParams(api.identifier), AuthStyle: oauth2.AuthStyleInParams,
	}
	st.req = &authRequest{app: app, audience: api.identifier}
	return st.record(cfg.Token(ctx))
}

// postToken sends a token request x/oauth2 has no helper for (the
// password grants with Auth0's audience and realm, unknown grant types).
func (st *state) postToken(ctx context.Context, app *appFixture, form url.Values) error {
	return st.postTokenBody(ctx, app, form, false)
}

// postTokenBody is postToken with the parameters as a JSON object instead
// of a form when asJSON is set (Auth0's token endpoint takes both, rule
// W3); a JSON body carries the client's credentials in the body, whatever
// its authentication method.
func (st *state) postTokenBody(ctx context.Context, app *appFixture, form url.Values, asJSON bool) error {
	app.credentialsIn(form)
	body, ctype := form.Encode(), "application/x-www-form-urlencoded"
	if asJSON {
		body, ctype = jsonObject(form), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, st.suite.provider.Endpoint().TokenURL, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("token request: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	res := &tokenResult{status: resp.StatusCode, body: map[string]any{}}
	if err := json.Unmarshal(data, &res.body); err != nil {
		res.body = map[string]any{"error": "(not JSON)", "raw": shorten(string(data))}
	}
	if resp.StatusCode == http.StatusOK {
		at, _ := res.body["access_token"].(string)
		rt, _ := res.body["refresh_token"].(string)
		if at == "" {
			return fmt.Errorf("the token endpoint answered 200 without an access_token")
		}
		res.token = (&oauth2.Token{AccessToken: at, RefreshToken: rt}).WithExtra(res.body)
		st.addSecret(at)
		st.addSecret(rt)
		st.holdRefresh(rt)
	}
	st.token = res
	return nil
}

// credentialsIn puts the application's client_id, and its secret unless it
// is public, in form (client_secret_post, or a JSON body).
func (a *appFixture) credentialsIn(form url.Values) {
	form.Set("client_id", a.clientID)
	if a.authMethod != "none" {
		form.Set("client_secret", a.secret)
	}
}

// revocationEndpoint is the discovery document's revocation_endpoint, ""
// when it names none.
func (st *state) revocationEndpoint() string { return st.discovered("revocation_endpoint") }

// discovered is the string member name of the discovery document NewSuite
// read, "" when it has none.
func (st *state) discovered(name string) string {
	var doc map[string]any
	if st.suite.provider.Claims(&doc) != nil {
		return ""
	}
	v, _ := doc[name].(string)
	return v
}

// jsonObject is form as a JSON object of strings (the first value of each
// parameter).
func jsonObject(form url.Values) string {
	obj := make(map[string]string, len(form))
	for k := range form {
		obj[k] = form.Get(k)
	}
	b, _ := json.Marshal(obj)
	return string(b)
}

// exchangeJSON checks rule W3 at the token endpoint: the application's code
// exchanged with a JSON body gets tokens, kept as the scenario's.
func (st *state) exchangeJSON(ctx context.Context) error {
	code, err := st.code()
	if err != nil {
		return err
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {st.req.redirectURI}}
	if st.req.verifier != "" {
		form.Set("code_verifier", st.req.verifier)
	}
	if err := st.postTokenBody(ctx, st.req.app, form, true); err != nil {
		return err
	}
	if st.token.failed() {
		return fmt.Errorf("the token endpoint refused the code in a JSON body: %s", st.token)
	}
	return nil
}

// revokeJSON checks rule W3 at the revocation endpoint (the discovery
// document's revocation_endpoint): the application's refresh token revoked
// with a JSON body no longer refreshes.
func (st *state) revokeJSON(ctx context.Context) error {
	if st.refreshToken == "" {
		return errors.New("the application holds no refresh token")
	}
	endpoint := st.revocationEndpoint()
	if endpoint == "" {
		return errors.New("the discovery document names no revocation_endpoint")
	}
	form := url.Values{"token": {st.refreshToken}}
	st.req.app.credentialsIn(form)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(jsonObject(form)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("revocation request: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("the revocation endpoint answered %d to a JSON body, want 200: %s", res.StatusCode, shorten(st.scrub(string(body))))
	}
	if err := st.refresh(ctx); err != nil {
		return err
	}
	if !st.token.failed() {
		return errors.New("the refresh token revoked with a JSON body still works")
	}
	return nil
}

func (s *Suite) password(realm, wrong bool) func(context.Context, string) error {
	return func(ctx context.Context, scopes string) error {
		st := getState(ctx)
		if !st.suite.Target.Has(target.CapPasswordGrant) {
			return notApplicable("target %q does not accept the password grants (capability %s)", st.suite.Target.Profile.Name, target.CapPasswordGrant)
		}
		app, err := st.app()
		if err != nil {
			return err
		}
		u, err := st.theUser()
		if err != nil {
			return err
		}
		form := url.Values{"grant_type": {"password"}, "username": {u.login}, "password": {u.password}}
		if wrong {
			form.Set("password", "wrong-"+randomHex(6))
		}
		if realm {
			form.Set("grant_type", "http://auth0.com/oauth/grant-type/password-realm")
			form.Set("realm", st.suite.Target.Connection)
		}
		if scopes != "" {
			form.Set("scope", scopes)
		}
		st.req = &authRequest{app: app}
		if api, err := st.api(); err == nil {
			for k, v := range st.apiParams(api.identifier) {
				form[k] = v
			}
			st.req.audience = api.identifier
		}
		return st.postToken(ctx, app, form)
	}
}

func (s *Suite) wrongPassword(ctx context.Context) error { return s.password(false, true)(ctx, "") }

func (s *Suite) rawGrant(ctx context.Context, grantType string) error {
	st := getState(ctx)
	app, err := st.app()
	if err != nil {
		return err
	}
	st.req = &authRequest{app: app}
	return st.postToken(ctx, app, url.Values{"grant_type": {grantType}})
}

// apiParams name the API in a token request: audience, resource or both,
// as the target profile says.
func (st *state) apiParams(identifier string) url.Values {
	v := url.Values{}
	for _, p := range st.suite.Target.Profile.APIParams() {
		v.Set(p, identifier)
	}
	return v
}

// tokenRefused checks that a token request failed as RFC 6749 5.2 says:
// a 4xx JSON error with an error code (the one given, when given).
func (s *Suite) tokenRefused(ctx context.Context, code string) error {
	st := getState(ctx)
	t := st.token
	if t == nil {
		return errors.New("the application has not asked the token endpoint yet")
	}
	if !t.failed() {
		return errors.New("the token request succeeded")
	}
	got, _ := t.body["error"].(string)
	if t.status < 400 || t.status > 499 || got == "" || got == "(not JSON)" {
		return fmt.Errorf("the token request failed with %s, want a 4xx JSON error", t)
	}
	if code != "" && got != code {
		return fmt.Errorf("the token request failed with %s, want the error %s", t, code)
	}
	return nil
}

func (s *Suite) tokenFails(ctx context.Context, status int, code, description string) error {
	st := getState(ctx)
	t := st.token
	if t == nil {
		return errors.New("the application has not asked the token endpoint yet")
	}
	if !t.failed() {
		return errors.New("the token request succeeded")
	}
	if t.status != status || t.body["error"] != code {
		return fmt.Errorf("the token request failed with %s, want HTTP %d %s", t, status, code)
	}
	desc, ok := t.body["error_description"].(string)
	if !ok || desc == "" {
		return errors.New("the error has no error_description")
	}
	if description != "" {
		if st.req != nil {
			description = strings.ReplaceAll(description, "{audience}", st.req.audience)
		}
		if desc != description {
			return fmt.Errorf("error_description is %q, want %q", desc, description)
		}
	}
	return nil
}

// refusedUserTokens walks a sign-in and checks the application gets no
// user token for the API, whether the IdP refuses at the authorization
// endpoint or at the token endpoint (rule K2 leaves the place open).
func (s *Suite) refusedUserTokens(ctx context.Context, code string) error {
	st := getState(ctx)
	for range 4 {
		switch st.page.Kind {
		case driver.KindLogin, driver.KindConsent, driver.KindConfirmation:
			if err := st.completeSignIn(ctx); err != nil && st.page.Kind != driver.KindCallback && st.page.Kind != driver.KindError {
				return err
			}
		case driver.KindError:
			if st.page.Error != code {
				return fmt.Errorf("the error page shows %s, want %s", st.page.Error, code)
			}
			return nil
		case driver.KindCallback:
			if e := st.page.Callback.Get("error"); e != "" {
				if e != code {
					return fmt.Errorf("the application received error=%s (%s), want %s", e, st.page.Callback.Get("error_description"), code)
				}
				return st.checkState()
			}
			if err := st.exchangeCode(ctx, "", ""); err != nil {
				return err
			}
			if !st.token.failed() {
				return errors.New("the application got a user token for the API")
			}
			if st.token.body["error"] != code {
				return fmt.Errorf("the token request failed with %s, want %s", st.token, code)
			}
			return nil
		default:
			return fmt.Errorf("the user agent is at %s", describe(st.page))
		}
	}
	return fmt.Errorf("the sign-in did not end; the user agent is at %s", describe(st.page))
}
