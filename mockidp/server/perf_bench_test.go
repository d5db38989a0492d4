package server_test

// Benchmarks of the mock's hot paths, through the whole server handler:
// the token endpoint (client credentials, RS256 and ES256, in process and
// over loopback HTTP, against Go's raw RS256 signing rate in the same run),
// the full authorization-code flow over HTTP (flows/s and each step), and
// /authorize with 100,000 user grants in the store (memory added, slowdown
// against an empty store). `make bench` runs them; figures depend on the
// machine, so report them with its core count and load.

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/consentry/consentry/mockidp/credentials"
	"github.com/consentry/consentry/mockidp/loadtest"
	"github.com/consentry/consentry/mockidp/server"
	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/tenant"
)

const (
	benchRS256API = "https://rs.example.com"
	benchES256API = "https://es.example.com"
	benchCallback = "https://app.example.com/cb"
)

// benchIDP is a tenant with an M2M client granted two APIs (one per
// signing algorithm), a web app, a third-party app and a user.
type benchIDP struct {
	srv    *server.Server
	store  *memstore.Store
	issuer string
}

func newBenchIDP(b *testing.B, issuer string) *benchIDP {
	b.Helper()
	ctx := context.Background()
	st := memstore.New()
	hash, err := credentials.HashPassword("pw-alice-1", credentials.MinCost)
	if err != nil {
		b.Fatal(err)
	}
	for _, err := range []error{
		st.CreateUser(ctx, &tenant.User{UserID: "auth0|alice", Email: "alice@example.com", PasswordHash: hash, Connection: "Username-Password-Authentication"}),
		st.CreateAPI(ctx, &tenant.API{Identifier: benchRS256API, Name: "RS", SigningAlg: "RS256", TokenLifetime: 3600,
			Scopes: []tenant.Scope{{Value: "read:things"}}, SkipConsentForVerifiableFirstPartyClients: true}),
		st.CreateAPI(ctx, &tenant.API{Identifier: benchES256API, Name: "ES", SigningAlg: "ES256", TokenLifetime: 3600,
			Scopes: []tenant.Scope{{Value: "read:things"}}}),
		st.CreateClient(ctx, &tenant.Client{ClientID: "m2m", ClientSecret: "m2m-secret", Name: "M2M", IsFirstParty: true,
			AppType: tenant.AppNonInteractive, GrantTypes: []string{tenant.GrantClientCredentials}, TokenEndpointAuthMethod: tenant.AuthSecretPost}),
		st.CreateClient(ctx, &tenant.Client{ClientID: "web", ClientSecret: "web-secret", Name: "Web", IsFirstParty: true,
			Callbacks: []string{benchCallback}, GrantTypes: []string{tenant.GrantAuthorizationCode}, TokenEndpointAuthMethod: tenant.AuthSecretPost}),
		st.CreateClient(ctx, &tenant.Client{ClientID: "tpc_partner", ClientSecret: "partner-secret", Name: "Partner", IsFirstParty: false,
			Callbacks: []string{benchCallback}, GrantTypes: []string{tenant.GrantAuthorizationCode}, TokenEndpointAuthMethod: tenant.AuthSecretPost}),
		st.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: "m2m", Audience: benchRS256API, Scope: []string{"read:things"}, SubjectType: tenant.SubjectClient}),
		st.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: "m2m", Audience: benchES256API, Scope: []string{"read:things"}, SubjectType: tenant.SubjectClient}),
		st.CreateClientGrant(ctx, &tenant.ClientGrant{ClientID: "tpc_partner", Audience: benchES256API, Scope: []string{"read:things"}, SubjectType: tenant.SubjectUser}),
	} {
		if err != nil {
			b.Fatal(err)
		}
	}
	srv, err := server.New(ctx, server.Options{Issuer: issuer, Store: st, PasswordCost: credentials.MinCost})
	if err != nil {
		b.Fatal(err)
	}
	// The keys are generated in the background: not while we measure.
	if err := srv.Issuer().Keys.Wait(); err != nil {
		b.Fatal(err)
	}
	return &benchIDP{srv: srv, store: st, issuer: issuer}
}

// BenchmarkRawRS256Signing is Go's RS256 signing (SHA-256 + PKCS#1 v1.5,
// 2048-bit key) on every core: the ceiling of an RS256 token endpoint.
func BenchmarkRawRS256Signing(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		digest := sha256.Sum256([]byte("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtMm1AY2xpZW50cyJ9"))
		for pb.Next() {
			if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkTokenClientCredentialsAlg is POST /oauth/token, client
// credentials, for an RS256 and an ES256 API, on every core: in process
// (the handler alone) and over loopback HTTP (keep-alive connections),
// reporting req/s. BenchmarkTokenVsRawRS256 has the ratio to raw signing.
func BenchmarkTokenClientCredentialsAlg(b *testing.B) {
	for _, alg := range []struct{ name, api string }{{"RS256", benchRS256API}, {"ES256", benchES256API}} {
		body := url.Values{"grant_type": {"client_credentials"}, "client_id": {"m2m"}, "client_secret": {"m2m-secret"},
			"audience": {alg.api}}.Encode()
		b.Run(alg.name+"/handler", func(b *testing.B) {
			p := newBenchIDP(b, "http://idp.test/")
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodPost, "http://idp.test/oauth/token", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					rec := httptest.NewRecorder()
					p.srv.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Errorf("HTTP %d %s", rec.Code, rec.Body)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
		b.Run(alg.name+"/http", func(b *testing.B) {
			ts := httptest.NewServer(nil)
			defer ts.Close()
			p := newBenchIDP(b, ts.URL+"/")
			ts.Config.Handler = p.srv
			tr := &http.Transport{MaxIdleConnsPerHost: 64}
			defer tr.CloseIdleConnections()
			c := &http.Client{Transport: tr}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					resp, err := c.Post(ts.URL+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != http.StatusOK {
						b.Errorf("HTTP %d", resp.StatusCode)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
		})
	}
}

// BenchmarkTokenVsRawRS256 interleaves, in each iteration, one raw RS256
// signature (Go's rsa.SignPKCS1v15 over SHA-256, 2048-bit key) and one
// client-credentials token request for an RS256 API, timing each, so both
// are measured under the same load at the same moment (other work on a
// shared machine moves a separate run's figures far more than the
// difference). It reports pct-of-raw-rs256: the token path's rate as a
// percentage of the raw signing rate (100 would mean the rest of the
// request is free; the target is at least 90) by wall time and,
// in process, by the thread's CPU time, which the machine's load does not
// move (the garbage collector's background work is not in it).
func BenchmarkTokenVsRawRS256(b *testing.B) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJtMm1AY2xpZW50cyJ9"))
	body := url.Values{"grant_type": {"client_credentials"}, "client_id": {"m2m"}, "client_secret": {"m2m-secret"},
		"audience": {benchRS256API}}.Encode()

	ts := httptest.NewServer(nil)
	defer ts.Close()
	p := newBenchIDP(b, ts.URL+"/")
	ts.Config.Handler = p.srv
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	for _, mode := range []string{"handler", "http"} {
		b.Run(mode, func(b *testing.B) {
			// In process, the request runs on this goroutine: pinned to its
			// thread, the thread's CPU time is what each part cost, whatever
			// else the machine runs.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var raw, tok, rawCPU, tokCPU time.Duration
			for b.Loop() {
				t0, c0 := time.Now(), threadCPU()
				if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, digest[:]); err != nil {
					b.Fatal(err)
				}
				t1, c1 := time.Now(), threadCPU()
				code := 0
				if mode == "handler" {
					req := httptest.NewRequest(http.MethodPost, ts.URL+"/oauth/token", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					rec := httptest.NewRecorder()
					p.srv.ServeHTTP(rec, req)
					code = rec.Code
				} else {
					resp, err := c.Post(ts.URL+"/oauth/token", "application/x-www-form-urlencoded", strings.NewReader(body))
					if err != nil {
						b.Fatal(err)
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					code = resp.StatusCode
				}
				tok += time.Since(t1)
				raw += t1.Sub(t0)
				rawCPU += c1 - c0
				tokCPU += threadCPU() - c1
				if code != http.StatusOK {
					b.Fatalf("HTTP %d", code)
				}
			}
			b.ReportMetric(100*float64(raw)/float64(tok), "pct-of-raw-rs256")
			b.ReportMetric(float64(raw.Microseconds())/float64(b.N), "raw-µs/op")
			b.ReportMetric(float64(tok.Microseconds())/float64(b.N), "token-µs/op")
			if mode == "handler" && tokCPU > 0 {
				b.ReportMetric(100*float64(rawCPU)/float64(tokCPU), "cpu-pct-of-raw-rs256")
			}
		})
	}
}

// BenchmarkAuthorizationCodeFlow runs the whole flow over loopback HTTP
// with mockidp/loadtest, two clients at once: /authorize, the login form
// (bcrypt at cost 4, as the demo tenant), the consent form (a third-party
// app, prompt=consent so it shows every time) and the token request. It
// reports flows/s and each step's median.
func BenchmarkAuthorizationCodeFlow(b *testing.B) {
	for _, tc := range []struct {
		name             string
		client, audience string
		prompt           string
	}{
		{"first-party-skip", "web", benchRS256API, ""},
		{"third-party-consent", "tpc_partner", benchES256API, "consent"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			ts := httptest.NewServer(nil)
			defer ts.Close()
			p := newBenchIDP(b, ts.URL+"/")
			ts.Config.Handler = p.srv
			secret := map[string]string{"web": "web-secret", "tpc_partner": "partner-secret"}[tc.client]
			b.ResetTimer()
			res, err := loadtest.Run(context.Background(), loadtest.Config{URL: ts.URL + "/", Flow: loadtest.FlowCode,
				Concurrency: 2, Requests: b.N, Duration: time.Hour, ClientID: tc.client, ClientSecret: secret,
				RedirectURI: benchCallback, Audience: tc.audience, Scope: "read:things", Prompt: tc.prompt,
				Username: "alice@example.com", Password: "pw-alice-1"})
			if err != nil {
				b.Fatal(err)
			}
			if res.Errors > 0 {
				b.Fatalf("%d flows failed: %v", res.Errors, res.ErrorKinds)
			}
			b.ReportMetric(res.Rate(), "flows/s")
			if testing.Verbose() {
				var sb strings.Builder
				_ = res.Print(&sb, tc.name)
				b.Log("\n" + sb.String())
			}
			for _, s := range res.Steps {
				if s.N > 0 {
					b.ReportMetric(float64(s.P50.Microseconds()), s.Name+"-µs-p50")
				}
			}
		})
	}
}

// emptyAuthorizeCPU is the thread CPU time per op of
// BenchmarkAuthorizeUserGrants/grants=0 in this run, for the slowdown the
// 100,000 grants run reports.
var emptyAuthorizeCPU float64

// addGrants gives n other users a grant each.
func addGrants(b testing.TB, st tenant.Store, n int) {
	ctx := context.Background()
	for i := range n {
		client := []string{"web", "tpc_partner"}[i%2]
		if _, err := st.MergeUserGrant(ctx, fmt.Sprintf("auth0|user%06d", i), client, benchES256API, []string{"read:things"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthorizeUserGrants is GET /authorize for a logged-in user whose
// grant covers the request (rule C2: straight to the callback with a code),
// in process, with no other grant in the store and with 100,000 grants of
// other users. It reports the thread's CPU time per request (cpu-µs/op:
// the machine's load does not move it, unlike ns/op) and, for the big
// store, pct-slower-than-empty (by that CPU time) and the heap and RSS the
// grants add, measured in a fresh process (MB-heap-added, MB-rss-added).
func BenchmarkAuthorizeUserGrants(b *testing.B) {
	for _, n := range []int{0, 100_000} {
		b.Run("grants="+strconv.Itoa(n), func(b *testing.B) {
			ctx := context.Background()
			p := newBenchIDP(b, "http://idp.test/")
			addGrants(b, p.store, n)
			var heapMB, rssMB float64
			if n > 0 {
				heapMB, rssMB = grantsMemoryInFreshProcess(b)
			}
			if _, err := p.store.MergeUserGrant(ctx, "auth0|alice", "tpc_partner", benchES256API, []string{"read:things"}); err != nil {
				b.Fatal(err)
			}
			cookies := loginInProcess(b, p)
			q := url.Values{"client_id": {"tpc_partner"}, "redirect_uri": {benchCallback}, "response_type": {"code"},
				"audience": {benchES256API}, "scope": {"read:things"}, "state": {"s"},
				"code_challenge": {"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"}, "code_challenge_method": {"S256"}}
			target := "http://idp.test/authorize?" + q.Encode()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			var cpu time.Duration
			b.ReportAllocs()
			for b.Loop() {
				c0 := threadCPU()
				req := httptest.NewRequest(http.MethodGet, target, nil)
				for _, c := range cookies {
					req.AddCookie(c)
				}
				rec := httptest.NewRecorder()
				p.srv.ServeHTTP(rec, req)
				cpu += threadCPU() - c0
				if loc := rec.Header().Get("Location"); rec.Code != http.StatusFound || !strings.Contains(loc, "code=") {
					b.Fatalf("HTTP %d to %s, want a code (the grant covers the request)", rec.Code, loc)
				}
			}
			perOp := float64(cpu.Nanoseconds()) / float64(b.N)
			b.ReportMetric(perOp/1000, "cpu-µs/op")
			if n == 0 {
				emptyAuthorizeCPU = perOp
				return
			}
			b.ReportMetric(heapMB, "MB-heap-added")
			b.ReportMetric(rssMB, "MB-rss-added")
			if emptyAuthorizeCPU > 0 {
				b.ReportMetric(100*(perOp-emptyAuthorizeCPU)/emptyAuthorizeCPU, "pct-slower-than-empty")
			}
		})
	}
}

// grantsMemoryInFreshProcess runs TestGrantsMemoryHelper in a new process
// of this test binary: there, the RSS before and after is the grants' own,
// not memory an earlier benchmark left behind.
func grantsMemoryInFreshProcess(b *testing.B) (heapMB, rssMB float64) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestGrantsMemoryHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "CONSENTRY_GRANTS_MEMORY=100000")
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("memory helper: %v\n%s", err, out)
	}
	i := strings.Index(string(out), "grants-memory ")
	if i < 0 {
		b.Fatalf("memory helper printed no figures:\n%s", out)
	}
	if _, err := fmt.Sscanf(string(out[i:]), "grants-memory heap=%f rss=%f", &heapMB, &rssMB); err != nil {
		b.Fatalf("memory helper: %v\n%s", err, out)
	}
	return heapMB, rssMB
}

// TestGrantsMemoryHelper is BenchmarkAuthorizeUserGrants's helper process;
// it does nothing in a test run.
func TestGrantsMemoryHelper(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CONSENTRY_GRANTS_MEMORY"))
	if n == 0 {
		t.Skip("the helper process of BenchmarkAuthorizeUserGrants (it measures memory in a fresh process)")
	}
	st := memstore.New()
	heap0, rss0 := memNow()
	addGrants(t, st, n)
	heap1, rss1 := memNow()
	fmt.Printf("grants-memory heap=%.2f rss=%.2f\n", float64(int64(heap1)-int64(heap0))/(1<<20), float64(int64(rss1)-int64(rss0))/(1<<20))
	runtime.KeepAlive(st)
}

// loginInProcess logs alice in (login form of a first-party flow) and
// returns the session cookies.
func loginInProcess(b *testing.B, p *benchIDP) []*http.Cookie {
	b.Helper()
	q := url.Values{"client_id": {"web"}, "redirect_uri": {benchCallback}, "response_type": {"code"},
		"audience": {benchRS256API}, "scope": {"read:things"}, "state": {"s"}}
	jar := map[string]*http.Cookie{}
	do := func(req *http.Request) *httptest.ResponseRecorder {
		for _, c := range jar {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		p.srv.ServeHTTP(rec, req)
		for _, c := range rec.Result().Cookies() {
			jar[c.Name] = c
		}
		return rec
	}
	page, _ := url.Parse("http://idp.test/authorize?" + q.Encode())
	rec := do(httptest.NewRequest(http.MethodGet, page.String(), nil))
	for rec.Code == http.StatusFound && !strings.HasPrefix(rec.Header().Get("Location"), benchCallback) {
		page, _ = page.Parse(rec.Header().Get("Location"))
		rec = do(httptest.NewRequest(http.MethodGet, page.String(), nil))
	}
	body := rec.Body.String()
	form := url.Values{"username": {"alice@example.com"}, "password": {"pw-alice-1"}, "action": {"default"}}
	for _, m := range hidden.FindAllStringSubmatch(body, -1) {
		form.Set(m[1], m[2])
	}
	target, err := page.Parse(benchAction(body))
	if err != nil {
		b.Fatal(err)
	}
	action := target.String()
	req := httptest.NewRequest(http.MethodPost, action, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if rec = do(req); rec.Code != http.StatusFound || !strings.HasPrefix(rec.Header().Get("Location"), benchCallback) {
		b.Fatalf("login: HTTP %d to %q\n%s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	out := make([]*http.Cookie, 0, len(jar))
	for _, c := range jar {
		out = append(out, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	return out
}

func benchAction(body string) string {
	const marker = `<form method="post" action="`
	i := strings.Index(body, marker)
	if i < 0 {
		return ""
	}
	rest := body[i+len(marker):]
	return strings.ReplaceAll(rest[:strings.Index(rest, `"`)], "&amp;", "&")
}

// threadCPU is the CPU time of the calling OS thread
// (CLOCK_THREAD_CPUTIME_ID), or 0 where it cannot be read.
func threadCPU() time.Duration {
	var ts syscall.Timespec
	const clockThreadCPUTimeID = 3
	if _, _, e := syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0
	}
	return time.Duration(ts.Nano())
}

// memNow is the live heap after a GC and the process's resident set size.
func memNow() (heap, rss uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	heap = m.HeapAlloc
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 1 {
			pages, _ := strconv.ParseUint(f[1], 10, 64)
			rss = pages * uint64(os.Getpagesize())
		}
	}
	return heap, rss
}
