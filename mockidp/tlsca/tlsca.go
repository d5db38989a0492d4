// Package tlsca makes the throwaway certificate authority the mock IdP uses
// to serve HTTPS (mockidp serve --tls): an ECDSA P-256 CA and one server
// certificate it signs for the hosts the IdP answers on. Clients trust the
// CA by its PEM file; nothing is installed in any system trust store, and
// a new CA is made every time.
package tlsca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"slices"
	"strings"
	"time"
)

// Validity of the certificates. The CA is made anew at each start, so a
// year is plenty; it also stays under the 398 days some clients allow.
const (
	validity = 365 * 24 * time.Hour
	backdate = time.Hour // tolerate clocks slightly behind
)

// defaultHosts are always in the server certificate.
var defaultHosts = []string{"localhost", "127.0.0.1", "::1"}

// CA is a certificate authority and the server certificate it issued.
type CA struct {
	caCert  *x509.Certificate
	caPEM   []byte
	server  tls.Certificate
	dnsSANs []string
	ipSANs  []net.IP
}

// New makes a CA and a server certificate for hosts plus localhost,
// 127.0.0.1 and ::1. IP addresses become IP SANs, names DNS SANs
// (wildcards such as *.localhost are allowed). A host may carry a port
// ("idp.test:8443") or brackets ("[::1]"); both are dropped.
func New(hosts []string) (*CA, error) {
	dns, ips, err := sans(append(slices.Clone(defaultHosts), hosts...))
	if err != nil {
		return nil, err
	}
	now := time.Now()

	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("tlsca: CA key: %w", err)
	}
	caSerial, err := serial()
	if err != nil {
		return nil, err
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          caSerial,
		Subject:               pkix.Name{Organization: []string{"consentry"}, CommonName: "consentry mockidp CA " + caSerial.Text(16)[:8]},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("tlsca: CA certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("tlsca: CA certificate: %w", err)
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("tlsca: server key: %w", err)
	}
	srvSerial, err := serial()
	if err != nil {
		return nil, err
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: srvSerial,
		Subject:      pkix.Name{Organization: []string{"consentry"}, CommonName: "consentry mockidp"}, // clients check the SANs
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     dns,
		IPAddresses:  ips,
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("tlsca: server certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(srvDER)
	if err != nil {
		return nil, fmt.Errorf("tlsca: server certificate: %w", err)
	}
	return &CA{
		caCert: caCert,
		caPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		server: tls.Certificate{
			Certificate: [][]byte{srvDER, caDER},
			PrivateKey:  key,
			Leaf:        leaf,
		},
		dnsSANs: dns,
		ipSANs:  ips,
	}, nil
}

// sans sorts hosts into DNS names and IP addresses, without duplicates.
func sans(hosts []string) (dns []string, ips []net.IP, err error) {
	for _, h := range hosts {
		orig := h
		h = strings.TrimSpace(h)
		if host, port, err := net.SplitHostPort(h); err == nil && isPort(port) {
			h = host
		}
		h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
		if h == "" {
			return nil, nil, fmt.Errorf("tlsca: empty host name in %q", orig)
		}
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(ips, ip.Equal) {
				ips = append(ips, ip)
			}
			continue
		}
		h = strings.ToLower(h)
		if !validDNSName(h) {
			return nil, nil, fmt.Errorf("tlsca: %q is neither an IP address nor a host name", orig)
		}
		if !slices.Contains(dns, h) {
			dns = append(dns, h)
		}
	}
	return dns, ips, nil
}

// validDNSName accepts names made of letters, digits, hyphens and dots,
// with an optional leading "*." wildcard.
func validDNSName(h string) bool {
	h = strings.TrimPrefix(h, "*.")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

func isPort(s string) bool {
	return s != "" && len(s) <= 5 && strings.Trim(s, "0123456789") == ""
}

func serial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("tlsca: serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil // never zero
}

// CertPEM returns the CA certificate in PEM form: what a client must trust.
func (c *CA) CertPEM() []byte { return slices.Clone(c.caPEM) }

// WriteCertPEM writes the CA certificate (never a key) to path in PEM form.
func (c *CA) WriteCertPEM(path string) error {
	if path == "" {
		return errors.New("tlsca: no path for the CA certificate")
	}
	if err := os.WriteFile(path, c.caPEM, 0o644); err != nil {
		return fmt.Errorf("tlsca: write the CA certificate: %w", err)
	}
	return nil
}

// CertPool returns a pool holding only the CA, for clients.
func (c *CA) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.caCert)
	return p
}

// TLSConfig returns a new server configuration that presents the server
// certificate and its CA (TLS 1.2 and later).
func (c *CA) TLSConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{c.server},
		MinVersion:   tls.VersionTLS12,
	}
}

// Hosts returns the names and addresses the server certificate is valid for.
func (c *CA) Hosts() []string {
	out := slices.Clone(c.dnsSANs)
	for _, ip := range c.ipSANs {
		out = append(out, ip.String())
	}
	return out
}
