package steps

// Steps for browser applications and logout (spec section 11): the
// application's logout URLs and RP-initiated logout through the
// discovery's end_session_endpoint (rule L1).

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/cucumber/godog"

	"github.com/consentry/consentry/steps/driver"
)

func (s *Suite) registerAuth0BrowserSteps(sc *godog.ScenarioContext) {
	sc.Step(stepRE(`^the application allows the logout URL "([^"]*)"$`), s.allowsLogoutURL)
	sc.Step(stepRE(`^the application logs the user out with its ID token and the post_logout_redirect_uri "([^"]*)"$`), s.logsOut)
	sc.Step(stepRE(`^the browser returns to "([^"]*)" with the state$`), s.returnsWithState)
}

// logoutState is the state the last logout request sent.
type logoutState struct{ state string }

func (s *Suite) allowsLogoutURL(ctx context.Context, u string) error {
	st := getState(ctx)
	if err := st.needManagement("setting the application's allowed_logout_urls"); err != nil {
		return err
	}
	app, err := st.app()
	if err != nil {
		return err
	}
	return st.suite.Target.Mgmt.UpdateClient(ctx, app.clientID, map[string]any{"allowed_logout_urls": []string{u}})
}

// endSessionEndpoint is the discovery document's end_session_endpoint
// (the one NewSuite read); a target that names none makes the step not
// applicable.
func (st *state) endSessionEndpoint() (string, error) {
	u := st.discovered("end_session_endpoint")
	if u == "" {
		return "", notApplicable("target %q advertises no end_session_endpoint (RP-initiated logout)", st.suite.Target.Profile.Name)
	}
	return u, nil
}

// logsOut sends the browser to the end_session_endpoint with the ID token
// of the last token answer as id_token_hint, the redirect URI and a state.
func (s *Suite) logsOut(ctx context.Context, redirectURI string) error {
	st := getState(ctx)
	if st.token == nil || st.token.token == nil {
		return errors.New("the application has no tokens yet (exchange a code first)")
	}
	idToken, _ := st.token.token.Extra("id_token").(string)
	if idToken == "" {
		return errors.New("the last token answer has no ID token (ask for openid)")
	}
	endpoint, err := st.endSessionEndpoint()
	if err != nil {
		return err
	}
	state := "lo-" + randomHex(8)
	st.logout = &logoutState{state: state}
	u, err := url.Parse(endpoint)
	if err != nil {
		return fmt.Errorf("end_session_endpoint %q: %w", endpoint, err)
	}
	q := u.Query()
	q.Set("id_token_hint", idToken)
	q.Set("post_logout_redirect_uri", redirectURI)
	q.Set("state", state)
	u.RawQuery = q.Encode()
	ua, err := st.browser(ctx)
	if err != nil {
		return err
	}
	ua.WatchCallback(redirectURI)
	p, err := ua.Open(ctx, u.String())
	if err != nil && p.Kind == "" {
		// The logged-out page is no IdP page the user agents know: it is
		// not an error that the browser stays there.
		return fmt.Errorf("opening the end_session_endpoint: %w", err)
	}
	st.arrive(p)
	return nil
}

func (s *Suite) returnsWithState(ctx context.Context, redirectURI string) error {
	st := getState(ctx)
	p := st.page
	if p.Kind != driver.KindCallback || !strings.HasPrefix(p.URL, redirectURI) {
		return fmt.Errorf("expected the browser back at %s, but it is at %s", redirectURI, describe(p))
	}
	if st.logout == nil {
		return errors.New("no logout was sent")
	}
	if got := p.Callback.Get("state"); got != st.logout.state {
		return fmt.Errorf("the state came back as %q, want %q", got, st.logout.state)
	}
	return nil
}
