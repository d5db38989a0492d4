package main

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"testing"

	"github.com/consentry/consentry/mockidp/store/pgtest"
	"github.com/consentry/consentry/steps/report"
	"github.com/consentry/consentry/steps/runner"
	"github.com/consentry/consentry/steps/target"
)

// TestReplicasPassTheConformanceSuite runs two "mockidp serve --store
// postgres://..." processes on one database behind a round-robin reverse
// proxy, so that consecutive requests of one flow (authorize, login,
// consent, callback, token, userinfo, Management API) land on alternate
// replicas, and runs the whole conformance suite on the HTTP driver against
// the proxy: the replicas must behave as one tenant.
func TestReplicasPassTheConformanceSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and two mockidp processes and runs the whole suite")
	}
	t.Parallel() // child processes and waits: overlaps the package's other child-process tests
	dsn := pgtest.URL(t)

	proxy := newRoundRobin()
	defer proxy.Close()
	issuer := proxy.URL + "/"
	for i := range proxy.backends {
		var addr string
		startChildOnFreeAddr(t, mgmtEnv, func(a string) []string {
			addr = a
			return []string{"--addr", a, "--store", dsn, "--issuer", issuer, "--password-cost", "4", "--log-level", "error"}
		})
		proxy.backends[i] = &url.URL{Scheme: "http", Host: addr}
	}

	profile, err := target.Parse([]byte(fmt.Sprintf(`name: two replicas behind a round-robin proxy
kind: url
issuer: %s
management:
  client_id: mgmt-client
  client_secret: mgmt-secret-DO-NOT-PRINT
capabilities: [management, tenant_settings, password_grant]
`, issuer)), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := runner.Run(context.Background(), runner.Config{
		Profile: profile, Driver: runner.DriverHTTP, Concurrency: 4,
		TestingT: t, Output: &out, Format: "progress", NoColors: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	var sum bytes.Buffer
	_ = res.Report.WriteSummary(&sum)
	t.Logf("%d scenarios passed, %d failed, %d not applicable on a URL target; replica 0 served %d requests, replica 1 %d:\n%s",
		res.Report.Count(report.Passed), res.Report.Count(report.Failed), res.Report.Count(report.NotApplicable),
		proxy.served[0].Load(), proxy.served[1].Load(), sum.String())
	if res.Report.Count(report.Passed) == 0 {
		t.Error("no scenario passed: the suite did not run")
	}
	failed := 0
	for _, r := range res.Report.Results {
		if r.Outcome == report.Failed {
			failed++
			t.Errorf("failed behind the replicas: %s", r.Name)
		}
	}
	if !res.OK() || failed > 0 {
		t.Errorf("the suite failed on two replicas: %d scenarios failed (godog status %d)\n%s", failed, res.Status, out.String())
	}
	if proxy.served[0].Load() == 0 || proxy.served[1].Load() == 0 {
		t.Error("one replica served no request: the proxy did not alternate")
	}
}
