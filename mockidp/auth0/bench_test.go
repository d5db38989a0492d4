package auth0_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/tenant"
)

// BenchmarkTokenClientCredentials measures POST /oauth/token with the
// client_credentials grant (rule T2) through the whole server handler, in
// process: client authentication, client grant lookup, RS256 signing.
func BenchmarkTokenClientCredentials(b *testing.B) {
	p := newIDP(b)
	c := p.addClient(firstParty)
	p.clientGrant(c, apiPosts, tenant.SubjectClient, "read:posts", "write:posts")
	body := form("grant_type", "client_credentials", "client_id", c.ClientID, "client_secret", c.ClientSecret,
		"audience", apiPosts, "scope", "read:posts").Encode()
	post := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, p.issuer+"oauth/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		p.srv.ServeHTTP(rec, req)
		return rec
	}
	if rec := post(); rec.Code != http.StatusOK {
		b.Fatalf("HTTP %d %s", rec.Code, rec.Body)
	}

	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if rec := post(); rec.Code != http.StatusOK {
				b.Fatalf("HTTP %d", rec.Code)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if rec := post(); rec.Code != http.StatusOK {
					b.Errorf("HTTP %d", rec.Code)
					return
				}
			}
		})
	})
}
