package tlsca

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// startServer serves "hello" over TLS with the CA's configuration.
func startServer(t *testing.T, ca *CA) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	srv.TLS = ca.TLSConfig()
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// clientFor trusts only the certificates in pemFile and connects to addr
// whatever the URL's host, so that host names other than 127.0.0.1 can be
// checked against the certificate.
func clientFor(t *testing.T, pemFile, addr string) *http.Client {
	t.Helper()
	data, err := os.ReadFile(pemFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		t.Fatalf("%s holds no certificate", pemFile)
	}
	var d net.Dialer
	return &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}}
}

func get(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestClientTrustingOnlyTheCA(t *testing.T) {
	ca, err := New([]string{"idp.test", "app.localhost", "10.1.2.3"})
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, ca)
	pemFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := ca.WriteCertPEM(pemFile); err != nil {
		t.Fatal(err)
	}
	addr := srv.Listener.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	c := clientFor(t, pemFile, addr)

	for _, host := range []string{"127.0.0.1", "localhost", "[::1]", "idp.test", "app.localhost", "10.1.2.3"} {
		body, err := get(c, "https://"+host+":"+port+"/")
		if err != nil {
			t.Errorf("GET via %s: %v", host, err)
			continue
		}
		if body != "hello" {
			t.Errorf("GET via %s: body %q", host, body)
		}
	}

	// A name the certificate was not made for is refused.
	_, err = get(c, "https://other.test:"+port+"/")
	var hostErr x509.HostnameError
	if !errors.As(err, &hostErr) {
		t.Errorf("GET via other.test: %v, want a host name error", err)
	}
}

func TestClientWithoutTheCARefuses(t *testing.T) {
	ca, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := startServer(t, ca)
	// Another CA's certificate is not enough.
	other, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	pemFile := filepath.Join(t.TempDir(), "other.pem")
	if err := other.WriteCertPEM(pemFile); err != nil {
		t.Fatal(err)
	}
	_, err = get(clientFor(t, pemFile, srv.Listener.Addr().String()), srv.URL)
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("client trusting another CA: %v, want an unknown authority error", err)
	}
}

func TestCertificates(t *testing.T) {
	ca, err := New([]string{"IDP.test:8443", "[fd00::1]", "localhost", "127.0.0.1", " *.apps.localhost "})
	if err != nil {
		t.Fatal(err)
	}
	leaf := ca.TLSConfig().Certificates[0].Leaf
	if !slices.Equal(leaf.DNSNames, []string{"localhost", "idp.test", "*.apps.localhost"}) {
		t.Errorf("DNS SANs %q", leaf.DNSNames)
	}
	var ips []string
	for _, ip := range leaf.IPAddresses {
		ips = append(ips, ip.String())
	}
	if !slices.Equal(ips, []string{"127.0.0.1", "::1", "fd00::1"}) {
		t.Errorf("IP SANs %q", ips)
	}
	if !slices.Equal(ca.Hosts(), []string{"localhost", "idp.test", "*.apps.localhost", "127.0.0.1", "::1", "fd00::1"}) {
		t.Errorf("Hosts() = %q", ca.Hosts())
	}
	if leaf.IsCA || !slices.Contains(leaf.ExtKeyUsage, x509.ExtKeyUsageServerAuth) {
		t.Errorf("server certificate: IsCA %v, ext key usage %v", leaf.IsCA, leaf.ExtKeyUsage)
	}
	if leaf.PublicKeyAlgorithm != x509.ECDSA {
		t.Errorf("server key algorithm %v, want ECDSA", leaf.PublicKeyAlgorithm)
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: ca.CertPool(), DNSName: "idp.test"}); err != nil {
		t.Errorf("leaf does not verify against the CA pool: %v", err)
	}
	if !ca.caCert.IsCA || ca.caCert.PublicKeyAlgorithm != x509.ECDSA {
		t.Error("CA certificate is not an ECDSA CA")
	}
}

func TestWriteCertPEMWritesOnlyTheCACertificate(t *testing.T) {
	ca, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := ca.WriteCertPEM(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if strings.Count(string(data), "-----BEGIN CERTIFICATE-----") != 1 || strings.Contains(string(data), "PRIVATE KEY") {
		t.Errorf("file holds more than the CA certificate:\n%s", data)
	}
	if string(data) != string(ca.CertPEM()) {
		t.Error("file differs from CertPEM()")
	}

	err = ca.WriteCertPEM(filepath.Join(t.TempDir(), "no-such-dir", "ca.pem"))
	if err == nil || !strings.Contains(err.Error(), "no-such-dir") {
		t.Errorf("write into a missing directory: %v", err)
	}
	if err := ca.WriteCertPEM(""); err == nil {
		t.Error("empty path accepted")
	}
}

func TestEachCAIsNew(t *testing.T) {
	a, _ := New(nil)
	b, _ := New(nil)
	if string(a.CertPEM()) == string(b.CertPEM()) {
		t.Error("two CAs are the same")
	}
}

func TestNewRejectsBadHosts(t *testing.T) {
	for _, h := range []string{"", "  ", "bad host", "exa mple.com", "-a.example.com", "a..b", "http://x"} {
		if _, err := New([]string{h}); err == nil {
			t.Errorf("New([%q]) accepted", h)
		} else if !strings.Contains(err.Error(), "tlsca:") {
			t.Errorf("New([%q]): %v", h, err)
		}
	}
}

func TestTLSConfigIsACopy(t *testing.T) {
	ca, _ := New(nil)
	c := ca.TLSConfig()
	c.Certificates = nil
	if len(ca.TLSConfig().Certificates) != 1 {
		t.Error("changing a returned config changed the CA")
	}
	if ca.TLSConfig().MinVersion < tls.VersionTLS12 {
		t.Error("TLS below 1.2 allowed")
	}
}
