// Package loadtest drives an OpenID Connect provider with many concurrent
// clients and measures it: requests per second, latency percentiles,
// errors by kind and, for the authorization-code flow, the time of each
// step (authorize, login, consent, token).
//
// It speaks only the standard protocol (discovery, /authorize, the token
// endpoint) and the login and consent forms as the consentry mock renders
// them (a form with username and password; a form with an accept button;
// every hidden field submitted), so the same run can be pointed at the mock,
// at node oidc-provider or at any other IdP with a compatible page and
// compared side by side.
//
// Load is only sent to loopback addresses unless AllowRemote is set: a load
// test against someone else's server is an attack.
package loadtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// The flows Run knows.
const (
	FlowClientCredentials = "client_credentials"
	FlowCode              = "code"
	FlowExchange          = "exchange"
)

// Flows lists the flows, for usage messages.
var Flows = []string{FlowClientCredentials, FlowCode, FlowExchange}

// Config says what to drive and how hard.
type Config struct {
	// URL is the issuer (discovery is read from
	// <URL>/.well-known/openid-configuration) or the discovery document's
	// own URL.
	URL string
	// Flow is one of Flows.
	Flow string
	// Concurrency is the number of clients running at once (default 1).
	Concurrency int
	// Duration is how long to run. Requests, when set, stops the run
	// earlier, after that many operations (flows or token requests). With
	// Requests and no Duration the run ends only when Requests are done
	// (or ctx ends); with neither it lasts 10s.
	Duration time.Duration
	Requests int

	// ClientID and ClientSecret authenticate at the token endpoint
	// (client_secret_post; an empty secret is a public client).
	ClientID, ClientSecret string
	// Audience and Scope are sent with every token or authorization request.
	Audience, Scope string
	// Resource is sent as RFC 8707's resource parameter, for IdPs that name
	// the API that way (node oidc-provider) rather than by Auth0's audience.
	Resource string

	// RedirectURI, Username and Password drive the code flow: each
	// iteration logs in with a fresh cookie jar, accepts the consent or
	// confirmation page when one is shown, catches the code at RedirectURI
	// (which is never requested) and redeems it with PKCE (S256).
	RedirectURI        string
	Username, Password string
	// Prompt is sent as /authorize's prompt parameter when set: "consent"
	// shows the consent page on every flow, not only until the user's
	// grant covers the scopes.
	Prompt string

	// SubjectToken is the access token the exchange flow exchanges
	// (RFC 8693, subject_token_type access_token).
	SubjectToken string

	// AllowRemote permits a URL whose host is not a loopback address.
	AllowRemote bool
	// Transport carries every request (http.DefaultTransport when nil,
	// cloned with enough idle connections for Concurrency).
	Transport http.RoundTripper
}

// Result is what a run measured.
type Result struct {
	Flow        string
	Concurrency int
	Elapsed     time.Duration
	// OK and Errors count operations: a token request, or a whole flow.
	OK, Errors int
	// CutOff counts operations started but not finished when Duration
	// ended: neither OK nor the target's errors, but a sign that the
	// run was too short for the target (the first token of a tenant
	// waits for its signing keys, for one).
	CutOff int
	// ErrorKinds counts the errors by a short description ("HTTP 401
	// invalid_client", "login: no login form"); never a secret.
	ErrorKinds map[string]int
	// HTTPRequests counts every request sent, redirects included.
	HTTPRequests int
	// Latency is the time of each successful operation.
	Latency Summary
	// Steps is the time of each step of the code flow, in order.
	Steps []Step
}

// Rate is successful operations per second.
func (r *Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// Step is the latency of one step of a flow.
type Step struct {
	Name string
	Summary
}

// Summary describes a set of durations.
type Summary struct {
	N                        int
	Mean, P50, P90, P99, Max time.Duration
}

// Summarize computes the summary of ds (which it sorts).
func Summarize(ds []time.Duration) Summary {
	if len(ds) == 0 {
		return Summary{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return Summary{N: len(ds), Mean: sum / time.Duration(len(ds)),
		P50: percentile(ds, 50), P90: percentile(ds, 90), P99: percentile(ds, 99), Max: ds[len(ds)-1]}
}

// percentile is the nearest-rank percentile of sorted ds.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// Discovery is the part of the discovery document the flows use.
type Discovery struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
}

// CheckTarget refuses a URL whose host is not loopback (localhost,
// *.localhost, 127.0.0.0/8, ::1, or a name that resolves only to those).
func CheckTarget(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("--url %q: want an absolute http:// or https:// URL", raw)
	}
	host := strings.ToLower(u.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() {
			return nil
		}
		return fmt.Errorf("%s is not a loopback address: pass --allow-remote to load-test another machine (only one you run)", host)
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return fmt.Errorf("resolve %s: %v", host, err)
	}
	for _, ip := range ips {
		if !ip.IP.IsLoopback() {
			return fmt.Errorf("%s resolves to %s, not a loopback address: pass --allow-remote to load-test another machine (only one you run)", host, ip.IP)
		}
	}
	return nil
}

func (c *Config) check() error {
	if !slices.Contains(Flows, c.Flow) {
		return fmt.Errorf("--flow %q: want one of %s", c.Flow, strings.Join(Flows, ", "))
	}
	if c.Concurrency < 0 || c.Duration < 0 || c.Requests < 0 {
		return errors.New("--concurrency, --duration and --requests cannot be negative")
	}
	if c.ClientID == "" {
		return errors.New("--client-id is required")
	}
	switch c.Flow {
	case FlowClientCredentials:
		if c.ClientSecret == "" {
			return errors.New("the client_credentials flow needs --client-secret (or $MOCKIDP_LOADTEST_CLIENT_SECRET)")
		}
	case FlowCode:
		var missing []string
		for name, v := range map[string]string{"--redirect-uri": c.RedirectURI, "--user": c.Username, "--password": c.Password} {
			if v == "" {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return fmt.Errorf("the code flow needs %s", strings.Join(missing, ", "))
		}
	case FlowExchange:
		if c.SubjectToken == "" {
			return errors.New("the exchange flow needs --subject-token (or --subject-token-file): a user's access token for the API that exchanges it")
		}
		if c.ClientSecret == "" {
			return errors.New("the exchange flow needs --client-secret: the exchanging API's client authenticates")
		}
	}
	return nil
}

// runner is one run's shared state.
type runner struct {
	cfg       Config
	disc      Discovery
	transport http.RoundTripper

	mu       sync.Mutex
	kinds    map[string]int
	requests int
}

// opError is a failed operation; kind is what is counted.
type opError struct{ kind string }

func (e *opError) Error() string { return e.kind }

func failf(format string, a ...any) error { return &opError{kind: fmt.Sprintf(format, a...)} }

// Run drives the target for cfg.Duration (or cfg.Requests operations) and
// returns what it measured. It returns an error only when the run cannot
// start (bad configuration, a refused target, no discovery); failures of
// individual operations are counted in the Result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if !cfg.AllowRemote {
		if err := CheckTarget(ctx, cfg.URL); err != nil {
			return nil, err
		}
	}
	if cfg.Concurrency == 0 {
		cfg.Concurrency = 1
	}
	if cfg.Duration == 0 && cfg.Requests == 0 {
		cfg.Duration = 10 * time.Second
	}
	rt := cfg.Transport
	if rt == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 2 * cfg.Concurrency
		t.MaxIdleConnsPerHost = 2 * cfg.Concurrency
		rt = t
		defer t.CloseIdleConnections()
	}
	r := &runner{cfg: cfg, transport: rt, kinds: map[string]int{}}
	disc, err := r.discover(ctx)
	if err != nil {
		return nil, err
	}
	r.disc = disc

	op := r.clientCredentials
	steps := []string{"token"}
	switch cfg.Flow {
	case FlowCode:
		op = r.codeFlow
		steps = []string{"authorize", "login", "consent", "token"}
	case FlowExchange:
		op = r.exchange
	}

	var (
		runCtx context.Context
		cancel context.CancelFunc
	)
	if cfg.Duration > 0 {
		runCtx, cancel = context.WithTimeout(ctx, cfg.Duration)
	} else {
		runCtx, cancel = context.WithCancel(ctx) // Requests alone: no clock
	}
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		ok, bad  int
		cutOff   int
		started  int
		latency  []time.Duration
		stepDurs = make([][]time.Duration, len(steps))
	)
	// take hands out the next operation, or false when the run is over.
	take := func() bool {
		mu.Lock()
		defer mu.Unlock()
		if runCtx.Err() != nil || (cfg.Requests > 0 && started >= cfg.Requests) {
			return false
		}
		started++
		return true
	}
	begin := time.Now()
	for range cfg.Concurrency {
		wg.Go(func() {
			var lat []time.Duration
			times := make([]time.Duration, len(steps))
			local := make([][]time.Duration, len(steps))
			var nOK, nBad, nCut int
			for take() {
				clear(times)
				t0 := time.Now()
				err := op(runCtx, times)
				d := time.Since(t0)
				if err != nil {
					if runCtx.Err() != nil && ctx.Err() == nil {
						nCut++ // cut off by the end of the run: not the target's fault
						break
					}
					nBad++
					r.count(err)
					continue
				}
				nOK++
				lat = append(lat, d)
				for i, t := range times {
					if t > 0 {
						local[i] = append(local[i], t)
					}
				}
			}
			mu.Lock()
			ok += nOK
			bad += nBad
			cutOff += nCut
			latency = append(latency, lat...)
			for i := range local {
				stepDurs[i] = append(stepDurs[i], local[i]...)
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(begin)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	res := &Result{Flow: cfg.Flow, Concurrency: cfg.Concurrency, Elapsed: elapsed, OK: ok, Errors: bad, CutOff: cutOff,
		ErrorKinds: r.kinds, HTTPRequests: r.requests, Latency: Summarize(latency)}
	if cfg.Flow == FlowCode {
		for i, name := range steps {
			res.Steps = append(res.Steps, Step{Name: name, Summary: Summarize(stepDurs[i])})
		}
	}
	return res, nil
}

func (r *runner) count(err error) {
	kind := err.Error()
	var oe *opError
	if !errors.As(err, &oe) {
		kind = "transport: " + shortTransportError(err)
	}
	r.mu.Lock()
	r.kinds[kind]++
	r.mu.Unlock()
}

// shortTransportError keeps the cause of a transport error without the
// URL (which may carry a code or a state).
func shortTransportError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Op + ": " + oe.Err.Error()
	}
	return err.Error()
}

// do sends req and counts it.
func (r *runner) do(c *http.Client, req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.requests++
	r.mu.Unlock()
	return c.Do(req)
}

func (r *runner) discover(ctx context.Context) (Discovery, error) {
	u := r.cfg.URL
	if !strings.Contains(u, "/.well-known/") {
		u = strings.TrimSuffix(u, "/") + "/.well-known/openid-configuration"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Discovery{}, fmt.Errorf("discovery: %v", err)
	}
	resp, err := (&http.Client{Transport: r.transport, Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return Discovery{}, fmt.Errorf("discovery at %s: %s", u, shortTransportError(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Discovery{}, fmt.Errorf("discovery at %s: HTTP %d", u, resp.StatusCode)
	}
	var d Discovery
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		return Discovery{}, fmt.Errorf("discovery at %s: %v", u, err)
	}
	if d.TokenEndpoint == "" {
		return Discovery{}, fmt.Errorf("discovery at %s has no token_endpoint", u)
	}
	if r.cfg.Flow == FlowCode && d.AuthorizationEndpoint == "" {
		return Discovery{}, fmt.Errorf("discovery at %s has no authorization_endpoint", u)
	}
	if !r.cfg.AllowRemote {
		// The endpoints must be on loopback too: a document could point elsewhere.
		for _, e := range []string{d.TokenEndpoint, d.AuthorizationEndpoint} {
			if e == "" {
				continue
			}
			if err := CheckTarget(ctx, e); err != nil {
				return Discovery{}, fmt.Errorf("discovery's endpoint %s: %v", e, err)
			}
		}
	}
	return d, nil
}

// plain is the client for token requests: no cookies, no redirects.
func (r *runner) plain() *http.Client {
	return &http.Client{Transport: r.transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// tokenRequest posts form to the token endpoint and checks for an
// access_token in a 200 answer.
func (r *runner) tokenRequest(ctx context.Context, c *http.Client, form url.Values) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.disc.TokenEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := r.do(c, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	var tr struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	_ = json.Unmarshal(body, &tr)
	if resp.StatusCode != http.StatusOK {
		if tr.Error != "" {
			return failf("token: HTTP %d %s", resp.StatusCode, tr.Error)
		}
		return failf("token: HTTP %d", resp.StatusCode)
	}
	if tr.AccessToken == "" {
		return failf("token: HTTP 200 without an access_token")
	}
	return nil
}

func (r *runner) clientCredentials(ctx context.Context, _ []time.Duration) error {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {r.cfg.ClientID}, "client_secret": {r.cfg.ClientSecret}}
	setIf(form, "audience", r.cfg.Audience)
	setIf(form, "resource", r.cfg.Resource)
	setIf(form, "scope", r.cfg.Scope)
	return r.tokenRequest(ctx, r.plain(), form)
}

func (r *runner) exchange(ctx context.Context, _ []time.Duration) error {
	form := url.Values{
		"grant_type":         {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"client_id":          {r.cfg.ClientID},
		"client_secret":      {r.cfg.ClientSecret},
		"subject_token":      {r.cfg.SubjectToken},
		"subject_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
	}
	setIf(form, "audience", r.cfg.Audience)
	setIf(form, "scope", r.cfg.Scope)
	return r.tokenRequest(ctx, r.plain(), form)
}

func setIf(v url.Values, k, val string) {
	if val != "" {
		v.Set(k, val)
	}
}

// randomString is n random bytes, base64url.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pkce returns a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = randomString(32)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}
