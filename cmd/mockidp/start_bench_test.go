package main

import (
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkStartToFirstDiscovery measures, for the built binary, the time
// from exec to the first 200 answer to /.well-known/openid-configuration,
// with the demo tenant (its password_cost, 4) and with the passwords hashed
// at the default cost 10 (how every start went before). It reports
// ms-to-discovery; the target is under 50 ms on 2 cores.
func BenchmarkStartToFirstDiscovery(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "mockidp")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{"demo", nil},
		{"cost=10", []string{"--password-cost", "10"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			var total time.Duration
			for b.Loop() {
				addr := freeAddr(b)
				cmd := exec.Command(bin, append([]string{"serve", "--addr", addr, "--config", demoConfig, "--log-level", "error"}, tc.extra...)...)
				start := time.Now()
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				url := "http://" + addr + "/.well-known/openid-configuration"
				for {
					resp, err := client.Get(url)
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode == http.StatusOK {
							break
						}
					}
					if time.Since(start) > 10*time.Second {
						_ = cmd.Process.Kill()
						b.Fatalf("no discovery 10s after start: %v", err)
					}
					time.Sleep(200 * time.Microsecond)
				}
				total += time.Since(start)
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
			}
			b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-to-discovery")
		})
	}
}

// freeAddr is a loopback address with a port nobody listens on (now).
func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr())
}
