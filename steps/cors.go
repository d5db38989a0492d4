package steps

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// CORS (rule W1): a browser application calls the token, revocation and
// userinfo endpoints from script on its own origin (Auth0: the client's
// allowed_origins, the origins of its callbacks included by default); a
// page of any other origin gets no Access-Control-Allow-Origin there, so
// the browser keeps the answer from it. Both are Auth0's behaviour and
// checked as its dialect: other IdPs configure CORS their own way.

// otherOrigin is an origin no application of the suite registers.
const otherOrigin = "https://not-the-app.example.net"

// corsEndpoints are the endpoints W1 names that the discovery document
// lists: the token endpoint always, revocation and userinfo when named.
func (st *state) corsEndpoints() []string {
	eps := []string{st.suite.provider.Endpoint().TokenURL}
	for _, u := range []string{st.revocationEndpoint(), st.suite.provider.UserInfoEndpoint()} {
		if u != "" {
			eps = append(eps, u)
		}
	}
	return eps
}

// appOrigin is the origin of the application's first callback.
func (st *state) appOrigin() (string, error) {
	app, err := st.app()
	if err != nil {
		return "", err
	}
	u, err := url.Parse(app.callback())
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("the application's callback %q has no web origin", app.callback())
	}
	return u.Scheme + "://" + u.Host, nil
}

// preflight sends a CORS preflight for a POST with a Content-Type header
// from origin and returns the Access-Control-Allow-Origin of the answer.
func (st *state) preflight(ctx context.Context, endpoint, origin string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodOptions, endpoint, nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", http.MethodPost)
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("preflight to %s: %w", endpoint, err)
	}
	res.Body.Close()
	return res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"), nil
}

// corsAllowsApp checks that every CORS endpoint answers a preflight from
// the application's origin with that origin allowed.
func (st *state) corsAllowsApp(ctx context.Context) error {
	origin, err := st.appOrigin()
	if err != nil {
		return err
	}
	var bad []string
	for _, ep := range st.corsEndpoints() {
		status, allow, err := st.preflight(ctx, ep, origin)
		if err != nil {
			return err
		}
		if status/100 != 2 || allow != origin {
			bad = append(bad, fmt.Sprintf("%s: %d, Access-Control-Allow-Origin %q", ep, status, allow))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("a preflight from the application's origin %s was not allowed: %s", origin, strings.Join(bad, "; "))
	}
	return nil
}

// corsRefusesOthers checks that no CORS endpoint allows otherOrigin (by
// name or with *).
func (st *state) corsRefusesOthers(ctx context.Context) error {
	var bad []string
	for _, ep := range st.corsEndpoints() {
		_, allow, err := st.preflight(ctx, ep, otherOrigin)
		if err != nil {
			return err
		}
		if allow != "" {
			bad = append(bad, fmt.Sprintf("%s: Access-Control-Allow-Origin %q", ep, allow))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("a preflight from %s, an origin of no application, was allowed: %s", otherOrigin, strings.Join(bad, "; "))
	}
	return nil
}
