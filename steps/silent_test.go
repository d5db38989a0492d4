package steps

import (
	"strings"
	"testing"

	"github.com/consentry/consentry/steps/driver"
)

func TestW5_SessionCookiesSameSiteNoneSecureWithCompanion(t *testing.T) {
	good := []driver.Cookie{
		{Name: "auth0", Value: "v", SameSite: "None", Secure: true, HTTPOnly: true},
		{Name: "auth0_compat", Value: "v", Secure: true, HTTPOnly: true},
		{Name: "did", Value: "d", SameSite: "Lax"},
	}
	if err := checkSameSiteNone(good); err != nil {
		t.Fatalf("want the cookies accepted: %v", err)
	}
	for name, tc := range map[string]struct {
		cookies []driver.Cookie
		want    string
	}{
		"only Lax":          {[]driver.Cookie{{Name: "s", Value: "v", SameSite: "Lax"}}, "no cookie of the identity provider is SameSite=None"},
		"none":              {nil, "no cookie of the identity provider is SameSite=None"},
		"None, not Secure":  {[]driver.Cookie{{Name: "s", Value: "v", SameSite: "None"}, {Name: "s_compat", Value: "v"}}, "without Secure"},
		"no companion":      {[]driver.Cookie{{Name: "s", Value: "v", SameSite: "None", Secure: true}}, "no companion"},
		"companion differs": {[]driver.Cookie{{Name: "s", Value: "v", SameSite: "None", Secure: true}, {Name: "s_compat", Value: "other"}}, "no companion"},
	} {
		err := checkSameSiteNone(tc.cookies)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", name, err, tc.want)
		}
	}
}

func TestSiteComparesSchemeAndRegistrableDomain(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"http://127.0.0.1:1/rp", "http://127.0.0.1:2/", true},
		{"http://127.0.0.1:1/rp", "http://localhost:2/", false},
		{"https://app.example.com/", "https://login.example.com/", true},
		{"http://app.example.com/", "https://app.example.com/", false},
		{"http://127.0.0.1:1/rp", "https://tenant.eu.auth0.com/", false},
	} {
		if got := site(c.a) == site(c.b); got != c.same {
			t.Errorf("site(%s) == site(%s): %v, want %v (%s, %s)", c.a, c.b, got, c.same, site(c.a), site(c.b))
		}
	}
}
