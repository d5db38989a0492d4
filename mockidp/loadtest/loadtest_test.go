package loadtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/config"
	"github.com/consentry/consentry/mockidp/loadtest"
	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/tenant"
)

const (
	socialAPI   = "https://social.example.com"
	calendarAPI = "https://calendar.example.com"
)

// startDemo serves the demo tenant in process on a loopback port, plus a
// client with the password grant (to get a subject token) and the social
// API's own client, able to exchange tokens.
func startDemo(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	f, err := config.Load("../../testdata/tenants/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st := memstore.New()
	if err := f.Apply(ctx, st, 4); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*tenant.Client{
		{ClientID: "lt-web", ClientSecret: "lt-web-secret", Name: "LT", IsFirstParty: true, AppType: tenant.AppRegularWeb,
			GrantTypes: []string{tenant.GrantPassword}, TokenEndpointAuthMethod: tenant.AuthSecretPost},
		{ClientID: "social-rs", ClientSecret: "social-rs-secret", Name: "Social API client", IsFirstParty: true,
			AppType: tenant.AppResourceServer, ResourceServerIdentifier: socialAPI, GrantTypes: []string{tenant.GrantTokenExchange},
			TokenEndpointAuthMethod: tenant.AuthSecretPost},
	} {
		if err := st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	api, err := st.GetAPIByIdentifier(ctx, socialAPI)
	if err != nil {
		t.Fatal(err)
	}
	api.TokenExchange = &tenant.APITokenExchange{EnabledSubjectTokenTypes: []string{tenant.TokenTypeAccessToken}}
	if err := st.UpdateAPI(ctx, api); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(nil)
	t.Cleanup(ts.Close)
	srv, err := server.New(ctx, server.Options{Issuer: ts.URL + "/", Store: st, PasswordCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = srv
	return ts.URL + "/"
}

func run(t *testing.T, cfg loadtest.Config) *loadtest.Result {
	t.Helper()
	res, err := loadtest.Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// checkFigures checks what every successful run must report.
func checkFigures(t *testing.T, res *loadtest.Result, n int) {
	t.Helper()
	if res.OK != n || res.Errors != 0 || len(res.ErrorKinds) != 0 {
		t.Fatalf("ok %d, errors %d %v; want %d ok, none failed", res.OK, res.Errors, res.ErrorKinds, n)
	}
	l := res.Latency
	if l.N != n {
		t.Fatalf("latency over %d samples, want %d", l.N, n)
	}
	if !(0 < l.P50 && l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.Max && l.Mean <= l.Max) {
		t.Fatalf("percentiles out of order: %+v", l)
	}
	if res.Rate() <= 0 || res.Elapsed <= 0 {
		t.Fatalf("rate %v over %v", res.Rate(), res.Elapsed)
	}
	var out bytes.Buffer
	if err := res.Print(&out, "test"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"p50 ", "p90 ", "p99 ", " errors", "/s"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestClientCredentialsCountsEveryRequest(t *testing.T) {
	issuer := startDemo(t)
	res := run(t, loadtest.Config{URL: issuer, Flow: loadtest.FlowClientCredentials, Concurrency: 4, Requests: 40,
		ClientID: "demo-reporting-service", ClientSecret: "reporting-service-secret-NOT-FOR-PRODUCTION", Audience: calendarAPI})
	checkFigures(t, res, 40)
	if res.HTTPRequests != 40 {
		t.Fatalf("%d HTTP requests, want one per token request (40)", res.HTTPRequests)
	}
}

func TestErrorsAreCountedByKind(t *testing.T) {
	issuer := startDemo(t)
	res := run(t, loadtest.Config{URL: issuer, Flow: loadtest.FlowClientCredentials, Concurrency: 3, Requests: 12,
		ClientID: "demo-reporting-service", ClientSecret: "wrong-secret", Audience: calendarAPI})
	if res.OK != 0 || res.Errors != 12 {
		t.Fatalf("ok %d errors %d, want 0 and 12", res.OK, res.Errors)
	}
	if got := res.ErrorKinds["token: HTTP 401 invalid_client"]; got != 12 {
		t.Fatalf("error kinds %v, want 12 × token: HTTP 401 invalid_client", res.ErrorKinds)
	}
	var out bytes.Buffer
	_ = res.Print(&out, issuer)
	if !strings.Contains(out.String(), "12  token: HTTP 401 invalid_client") {
		t.Fatalf("report does not list the errors:\n%s", out.String())
	}
	if strings.Contains(out.String(), "wrong-secret") {
		t.Fatalf("report shows the secret:\n%s", out.String())
	}

	// A grant the client does not have: 403 access_denied, counted too.
	res = run(t, loadtest.Config{URL: issuer, Flow: loadtest.FlowClientCredentials, Requests: 3,
		ClientID: "demo-reporting-service", ClientSecret: "reporting-service-secret-NOT-FOR-PRODUCTION", Audience: socialAPI})
	if res.Errors != 3 || len(res.ErrorKinds) != 1 {
		t.Fatalf("errors %d %v, want 3 of one kind", res.Errors, res.ErrorKinds)
	}
	for k := range res.ErrorKinds {
		if !strings.Contains(k, "access_denied") {
			t.Fatalf("kind %q, want access_denied", k)
		}
	}
}

func TestCodeFlowWithoutConsentTimesEachStep(t *testing.T) {
	issuer := startDemo(t)
	res := run(t, loadtest.Config{URL: issuer, Flow: loadtest.FlowCode, Concurrency: 2, Requests: 6,
		ClientID: "demo-web-app", ClientSecret: "demo-web-app-secret-NOT-FOR-PRODUCTION",
		RedirectURI: "http://app.localhost:3000/callback", Audience: calendarAPI, Scope: "openid profile read:events",
		Username: "alice@example.com", Password: "Alice-demo-pass1"})
	checkFigures(t, res, 6)
	steps := map[string]int{}
	for _, s := range res.Steps {
		steps[s.Name] = s.N
	}
	// First-party app, API that skips consent, verifiable callback: no consent page (rule C4).
	if steps["authorize"] != 6 || steps["login"] != 6 || steps["token"] != 6 || steps["consent"] != 0 {
		t.Fatalf("steps %v, want authorize, login and token 6 times and no consent", steps)
	}
}

func TestCodeFlowThroughConsent(t *testing.T) {
	issuer := startDemo(t)
	partner := loadtest.Config{URL: issuer, Flow: loadtest.FlowCode, Concurrency: 1, Requests: 3,
		ClientID: "tpc_demo-partner-app", ClientSecret: "partner-app-secret-NOT-FOR-PRODUCTION",
		RedirectURI: "https://partner.example.com/callback", Audience: socialAPI, Scope: "read:posts",
		Username: "bob@example.com", Password: "Bob-demo-pass1"}
	consents := func(res *loadtest.Result) int {
		if res.Steps[2].Name != "consent" {
			t.Fatalf("step 3 is %q, want consent", res.Steps[2].Name)
		}
		return res.Steps[2].N
	}

	// The first flow accepts the consent page; the grant then covers the
	// scopes and the next flows skip it (rule C2).
	res := run(t, partner)
	checkFigures(t, res, 3)
	if n := consents(res); n != 1 {
		t.Fatalf("consent step %d times, want once (then the grant covers it)", n)
	}

	// prompt=consent: the page every time (rule C5).
	partner.Prompt, partner.Requests, partner.Concurrency = "consent", 4, 2
	res = run(t, partner)
	checkFigures(t, res, 4)
	if n := consents(res); n != 4 {
		t.Fatalf("consent step %d times with prompt=consent, want 4", n)
	}
}

func TestCodeFlowCountsAWrongPassword(t *testing.T) {
	issuer := startDemo(t)
	res := run(t, loadtest.Config{URL: issuer, Flow: loadtest.FlowCode, Requests: 2,
		ClientID: "demo-web-app", ClientSecret: "demo-web-app-secret-NOT-FOR-PRODUCTION",
		RedirectURI: "http://app.localhost:3000/callback", Audience: calendarAPI, Scope: "openid",
		Username: "alice@example.com", Password: "not-her-password"})
	if res.Errors != 2 || res.ErrorKinds["login: the login page again (wrong --user or --password?)"] != 2 {
		t.Fatalf("errors %d %v", res.Errors, res.ErrorKinds)
	}
}

func TestExchangeFlow(t *testing.T) {
	issuer := startDemo(t)
	resp, err := http.PostForm(issuer+"oauth/token", url.Values{"grant_type": {"password"}, "client_id": {"lt-web"},
		"client_secret": {"lt-web-secret"}, "username": {"alice@example.com"}, "password": {"Alice-demo-pass1"},
		"audience": {socialAPI}, "scope": {"read:posts"}})
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if body.AccessToken == "" {
		t.Fatalf("no subject token: HTTP %d", resp.StatusCode)
	}
	res := run(t, loadtest.Config{URL: issuer, Flow: loadtest.FlowExchange, Concurrency: 2, Requests: 10,
		ClientID: "social-rs", ClientSecret: "social-rs-secret", SubjectToken: body.AccessToken,
		Audience: calendarAPI, Scope: "read:events"})
	checkFigures(t, res, 10)

	res = run(t, loadtest.Config{URL: issuer, Flow: loadtest.FlowExchange, Requests: 2,
		ClientID: "social-rs", ClientSecret: "social-rs-secret", SubjectToken: "not-a-token", Audience: calendarAPI})
	if res.Errors != 2 || res.OK != 0 {
		t.Fatalf("a bad subject token: ok %d errors %d %v", res.OK, res.Errors, res.ErrorKinds)
	}
}

func TestDurationEndsTheRun(t *testing.T) {
	issuer := startDemo(t)
	// One request first: the first token waits for the tenant's new keys.
	run(t, loadtest.Config{URL: issuer, Flow: loadtest.FlowClientCredentials, Requests: 1,
		ClientID: "demo-reporting-service", ClientSecret: "reporting-service-secret-NOT-FOR-PRODUCTION", Audience: calendarAPI})
	res, err := loadtest.Run(context.Background(), loadtest.Config{URL: issuer, Flow: loadtest.FlowClientCredentials,
		Concurrency: 2, Duration: 500 * time.Millisecond,
		ClientID: "demo-reporting-service", ClientSecret: "reporting-service-secret-NOT-FOR-PRODUCTION", Audience: calendarAPI})
	if err != nil {
		t.Fatal(err)
	}
	// Requests cut off by the end of the run are not the target's errors.
	if res.Elapsed < 500*time.Millisecond || res.OK == 0 || res.Errors != 0 {
		t.Fatalf("ok %d errors %d %v", res.OK, res.Errors, res.ErrorKinds)
	}
}

// tokenTransport calls hold for every request to the token endpoint
// before it is sent; other requests (discovery) go straight through.
type tokenTransport struct {
	hold func(*http.Request) error
}

func (tt tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if strings.HasSuffix(req.URL.Path, "/oauth/token") {
		if err := tt.hold(req); err != nil {
			return nil, err
		}
	}
	return http.DefaultTransport.RoundTrip(req)
}

// A run given Requests and no Duration ends when the Requests are done,
// however slow the target: no clock cuts it short. (It used to last 10s
// at most, so a target slow to sign its first token ended the run with
// "0 ok, 0 errors".)
func TestRequestsAloneHaveNoDeadline(t *testing.T) {
	issuer := startDemo(t)
	var mu sync.Mutex
	var deadlines []bool
	res, err := loadtest.Run(context.Background(), loadtest.Config{URL: issuer, Flow: loadtest.FlowClientCredentials,
		Concurrency: 2, Requests: 4,
		ClientID: "demo-reporting-service", ClientSecret: "reporting-service-secret-NOT-FOR-PRODUCTION", Audience: calendarAPI,
		Transport: tokenTransport{hold: func(req *http.Request) error {
			_, has := req.Context().Deadline()
			mu.Lock()
			deadlines = append(deadlines, has)
			mu.Unlock()
			return nil
		}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 4 || res.Errors != 0 || res.CutOff != 0 {
		t.Fatalf("ok %d errors %d cut off %d %v", res.OK, res.Errors, res.CutOff, res.ErrorKinds)
	}
	if len(deadlines) != 4 || slices.Contains(deadlines, true) {
		t.Fatalf("token requests had a deadline: %v, want none of 4", deadlines)
	}
}

// With neither Duration nor Requests the run lasts 10 seconds: the token
// requests carry that deadline. (The test ends the run at its first
// request by cancelling the run's context.)
func TestDefaultDurationIsTenSeconds(t *testing.T) {
	issuer := startDemo(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	var once sync.Once
	var deadline time.Time
	var has bool
	_, err := loadtest.Run(ctx, loadtest.Config{URL: issuer, Flow: loadtest.FlowClientCredentials,
		ClientID: "demo-reporting-service", ClientSecret: "reporting-service-secret-NOT-FOR-PRODUCTION", Audience: calendarAPI,
		Transport: tokenTransport{hold: func(req *http.Request) error {
			once.Do(func() { deadline, has = req.Context().Deadline() })
			cancel()
			return req.Context().Err()
		}}})
	end := time.Now()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, want the cancellation", err)
	}
	// The clock starts inside Run: between start and end.
	if !has || deadline.Before(start.Add(10*time.Second)) || deadline.After(end.Add(10*time.Second)) {
		t.Fatalf("token request deadline %v after the start (set: %v), want 10s after a moment in Run", deadline.Sub(start), has)
	}
}

// Operations still running when Duration ends are reported as cut off:
// neither successes nor the target's errors.
func TestCutOffOperationsAreCounted(t *testing.T) {
	issuer := startDemo(t)
	res, err := loadtest.Run(context.Background(), loadtest.Config{URL: issuer, Flow: loadtest.FlowClientCredentials,
		Concurrency: 3, Duration: 200 * time.Millisecond,
		ClientID: "demo-reporting-service", ClientSecret: "reporting-service-secret-NOT-FOR-PRODUCTION", Audience: calendarAPI,
		// The target never answers within the run.
		Transport: tokenTransport{hold: func(req *http.Request) error {
			<-req.Context().Done()
			return req.Context().Err()
		}}})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK != 0 || res.Errors != 0 || res.CutOff != 3 {
		t.Fatalf("ok %d errors %d cut off %d, want 0, 0, 3 (one per client)", res.OK, res.Errors, res.CutOff)
	}
	var out strings.Builder
	if err := res.Print(&out, issuer); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "cut off") || !strings.Contains(out.String(), " 3 unfinished when the duration ended") {
		t.Fatalf("the report does not name the cut-off operations:\n%s", out.String())
	}
}

func TestRefusesNonLoopbackTargets(t *testing.T) {
	ctx := context.Background()
	for _, u := range []string{"http://192.0.2.10/", "https://[2001:db8::1]/", "http://10.1.2.3:8080/"} {
		_, err := loadtest.Run(ctx, loadtest.Config{URL: u, Flow: loadtest.FlowClientCredentials, ClientID: "x", ClientSecret: "y", Requests: 1})
		if err == nil || !strings.Contains(err.Error(), "--allow-remote") {
			t.Errorf("%s: %v, want a refusal naming --allow-remote", u, err)
		}
	}
	for _, u := range []string{"http://127.0.0.1:1/", "http://localhost:1/", "http://app.localhost/", "http://[::1]:1/"} {
		if err := loadtest.CheckTarget(ctx, u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
}

func TestRefusesIncompleteConfigurations(t *testing.T) {
	for name, tc := range map[string]struct {
		cfg  loadtest.Config
		want string
	}{
		"flow":           {loadtest.Config{URL: "http://127.0.0.1:1/", Flow: "implicit", ClientID: "c"}, "--flow"},
		"client id":      {loadtest.Config{URL: "http://127.0.0.1:1/", Flow: loadtest.FlowClientCredentials}, "--client-id"},
		"secret":         {loadtest.Config{URL: "http://127.0.0.1:1/", Flow: loadtest.FlowClientCredentials, ClientID: "c"}, "--client-secret"},
		"code flow user": {loadtest.Config{URL: "http://127.0.0.1:1/", Flow: loadtest.FlowCode, ClientID: "c", RedirectURI: "https://a/cb"}, "--password, --user"},
		"subject token":  {loadtest.Config{URL: "http://127.0.0.1:1/", Flow: loadtest.FlowExchange, ClientID: "c", ClientSecret: "s"}, "--subject-token"},
		"no such server": {loadtest.Config{URL: "http://127.0.0.1:1/", Flow: loadtest.FlowClientCredentials, ClientID: "c", ClientSecret: "s"}, "discovery"},
		"not a URL":      {loadtest.Config{URL: "ftp://x/", Flow: loadtest.FlowClientCredentials, ClientID: "c", ClientSecret: "s"}, "http://"},
	} {
		_, err := loadtest.Run(context.Background(), tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error about %s", name, err, tc.want)
		}
	}
}

func TestSummarizeNearestRank(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := loadtest.Summarize(ds)
	if s.N != 100 || s.P50 != 50*time.Millisecond || s.P90 != 90*time.Millisecond || s.P99 != 99*time.Millisecond ||
		s.Max != 100*time.Millisecond || s.Mean != 50500*time.Microsecond {
		t.Fatalf("%+v", s)
	}
	if one := loadtest.Summarize([]time.Duration{7}); one.P50 != 7 || one.P99 != 7 {
		t.Fatalf("%+v", one)
	}
}
