package tenant_test

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/consentry/consentry/mockidp/tenant"
)

func TestK4_MatchRedirectURI(t *testing.T) {
	cbs := []string{"http://127.0.0.1/callback", "http://[::1]:8080/cb", "https://app.example.com/cb",
		"com.example.app://callback", "http://127.0.0.1:3000/q?x=1", "http://localhost:3000/cb"}
	for _, tc := range []struct {
		uri  string
		want bool
	}{
		// Exact matches.
		{"https://app.example.com/cb", true},
		{"com.example.app://callback", true},
		{"http://localhost:3000/cb", true},
		{"http://127.0.0.1/callback", true},
		// Loopback IP literals: any port, or none.
		{"http://127.0.0.1:4444/callback", true},
		{"http://127.0.0.1:65535/callback", true},
		{"http://[::1]/cb", true},
		{"http://[::1]:51000/cb", true},
		{"http://127.0.0.1/q?x=1", true},
		{"http://127.0.0.1:9/q?x=1", true},
		// Anything but the port differs.
		{"HTTP://127.0.0.1:4444/callback", false},
		{"Http://127.0.0.1/callback", false},
		{"http://127.0.0.1:4444/callback#@evil.example", false},
		{"http://127.0.0.1/callback#", false},
		{"http://127.0.0.1:4444/%63allback", false},
		{"http://127.0.0.1:4444/Callback", false},
		{"http://127.0.0.1:4444/callback/", false},
		{"http://127.0.0.1:4444/./callback", false},
		{"http://127.0.0.1:4444//callback", false},
		{"http://127.0.0.1:4444/callback?", false},
		{"http://127.0.0.1:4444/callback?x=1", false},
		{"http://127.0.0.1:3000/q?x=2", false},
		{"http://127.0.0.1:3000/q?X=1", false},
		{"http://127.0.0.2:4444/callback", false},
		{"http://127.1:4444/callback", false},
		{"http://0177.0.0.1/callback", false},
		{"http://user@127.0.0.1:4444/callback", false},
		{"http://127.0.0.1@evil.example/callback", false},
		{"https://127.0.0.1:4444/callback", false},
		{"http://[0:0:0:0:0:0:0:1]:8080/cb", false},
		{"http://[::ffff:127.0.0.1]/callback", false},
		{"http://[::1]:8080/cb#x", false},
		{"http://127.0.0.1:/callback", false},
		{"http://127.0.0.1:0/callback", false},
		{"http://127.0.0.1:04444/callback", false},
		{"http://127.0.0.1:99999/callback", false},
		{"http://127.0.0.1:+80/callback", false},
		{"http://127.0.0.1:80:80/callback", false},
		{"http://127.0.0.1 /callback", false},
		// Not loopback IPs: exact only.
		{"http://localhost:3001/cb", false},
		{"https://app.example.com:8443/cb", false},
		{"https://APP.example.com/cb", false},
		{"https://app.example.com/cb#frag", false},
		{"com.example.app://callback#x", false},
		{"", false},
	} {
		if got := tenant.MatchRedirectURI(cbs, tc.uri); got != tc.want {
			t.Errorf("MatchRedirectURI(%q) = %v, want %v", tc.uri, got, tc.want)
		}
	}
	// A registered callback with a fragment (only a hand-edited store can
	// hold one) matches nothing.
	if tenant.MatchRedirectURI([]string{"http://127.0.0.1/cb#x"}, "http://127.0.0.1/cb#x") {
		t.Error("a redirect_uri with a fragment matched")
	}
}

// portRE finds the port of a loopback IP literal authority, the only part
// of a redirect URI that may differ from the registered callback (K4).
var portRE = regexp.MustCompile(`^(https?://(?:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[[0-9a-fA-F:.]+\]))(?::\d*)?`)

func withoutPort(s string) string { return portRE.ReplaceAllString(s, "$1") }

// FuzzMatchRedirectURI checks K4's property: a match never differs from a
// registered callback except in a loopback IP literal's port, never has a
// fragment, and the registered callback itself always matches.
func FuzzMatchRedirectURI(f *testing.F) {
	for _, s := range [][2]string{
		{"http://127.0.0.1/callback", "http://127.0.0.1:4444/callback"},
		{"http://127.0.0.1/callback", "HTTP://127.0.0.1:4444/callback"},
		{"http://127.0.0.1/callback", "http://127.0.0.1:4444/callback#@evil.example"},
		{"http://127.0.0.1/callback", "http://127.0.0.1:4444/%63allback"},
		{"http://[::1]:8080/cb", "http://[::1]/cb"},
		{"https://app.example.com/cb", "https://app.example.com/cb"},
		{"com.example.app://callback", "com.example.app://callback/"},
		{"http://127.0.0.1:3000/q?x=1", "http://127.0.0.1:1/q?x=1"},
		{"http://127.0.0.1", "http://127.0.0.1:80"},
		{"http://[::1]", "http://[::1]:1"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, registered, uri string) {
		cbs := []string{registered}
		got := tenant.MatchRedirectURI(cbs, uri)
		if !strings.Contains(registered, "#") && registered != "" && !tenant.MatchRedirectURI(cbs, registered) {
			t.Fatalf("the registered callback %q does not match itself", registered)
		}
		if !got {
			return
		}
		if strings.Contains(uri, "#") {
			t.Fatalf("%q matched %q with a fragment", uri, registered)
		}
		if uri == registered {
			return
		}
		if withoutPort(uri) != withoutPort(registered) {
			t.Fatalf("%q matched %q but differs beyond the port", uri, registered)
		}
		// The differing part is a loopback IP literal's port.
		u, err := url.Parse(uri)
		if err != nil {
			t.Fatalf("%q matched %q but is not a URL: %v", uri, registered, err)
		}
		host := u.Hostname()
		if !slices.Contains([]string{"::1"}, host) && !strings.HasPrefix(host, "127.") {
			t.Fatalf("%q matched %q with another port on a host that is not a loopback IP literal", uri, registered)
		}
	})
}
