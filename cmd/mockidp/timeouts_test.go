package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The default timeouts cut a one-byte-a-second body before 30 seconds and
// close idle connections (issue 8 item 6).
func TestServeTimeoutsAreSet(t *testing.T) {
	if timeouts.read <= 0 || timeouts.read >= 30*time.Second {
		t.Errorf("read timeout %v: want set and under 30s", timeouts.read)
	}
	if timeouts.readHeader <= 0 || timeouts.readHeader > timeouts.read {
		t.Errorf("read header timeout %v: want set and at most the read timeout %v", timeouts.readHeader, timeouts.read)
	}
	if timeouts.write <= 0 || timeouts.idle <= 0 {
		t.Errorf("write %v, idle %v: want both set", timeouts.write, timeouts.idle)
	}
}

// shortTimeouts runs the test with the server's timeouts scaled down, so
// their effect shows in a second.
func shortTimeouts(t *testing.T) {
	saved := timeouts
	t.Cleanup(func() { timeouts = saved })
	timeouts.readHeader, timeouts.read, timeouts.write, timeouts.idle = 300*time.Millisecond, 500*time.Millisecond, time.Second, 500*time.Millisecond
}

// closedWithin reads from conn until the server closes it, or fails after
// limit.
func closedWithin(t *testing.T, conn net.Conn, limit time.Duration) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(limit))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %v", limit)
	}
}

func TestServeCutsSlowBodiesAndIdleConnections(t *testing.T) {
	shortTimeouts(t)
	t.Setenv(envMgmtClientID, "")
	t.Setenv(envMgmtClientSecret, "")
	r := startServe(t, "--addr", "127.0.0.1:0", "--config", demoConfig, "--password-cost", "4")
	u, err := url.Parse(r.issuer)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("slow body", func(t *testing.T) {
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_, err = io.WriteString(conn, "POST /oauth/token HTTP/1.1\r\nHost: "+u.Host+
			"\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n")
		if err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		defer close(stop)
		go func() { // one byte every 100ms, far from done when the read timeout hits
			for {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
					if _, err := conn.Write([]byte("a")); err != nil {
						return
					}
				}
			}
		}()
		closedWithin(t, conn, 5*time.Second)
	})

	t.Run("idle keep-alive", func(t *testing.T) {
		conn, err := net.Dial("tcp", u.Host)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: "+u.Host+"\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(conn)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
			t.Fatalf("GET /healthz: %d %q", res.StatusCode, body)
		}
		closedWithin(t, conn, 5*time.Second)
	})
}
