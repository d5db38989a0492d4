package target

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestOktaProfiles(t *testing.T) {
	data, err := os.ReadFile("../../testdata/targets/okta.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"OKTA_DOMAIN": "dev-1.okta.com", "OKTA_API_TOKEN": "00-api-token-secret"}
	p, err := Parse(data, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if !IsOkta(p) || p.Okta.OrgURL != "https://dev-1.okta.com" || !slices.Contains(p.Secrets(), "00-api-token-secret") {
		t.Errorf("profile %+v, secrets %v", p.Okta, p.Secrets())
	}
	if p, err := Load(KindEmbeddedOkta); err != nil || p.Kind != KindEmbeddedOkta || p.Selectors.Driver().Username != OktaWidgetSelectors().Username {
		t.Errorf("Load(embedded-okta): %v %v", p, err)
	}
	for bad, want := range map[string]string{
		"kind: okta\n": "needs okta.org_url and okta.api_token",
		"kind: okta\nokta:\n  org_url: https://x.okta.com/oauth2/default\n  api_token: t\n":  "no path",
		"kind: okta\ndialect: auth0\nokta:\n  org_url: https://x.okta.com\n  api_token: t\n": "okta dialect",
	} {
		if _, err := Parse([]byte(bad), func(string) (string, bool) { return "", false }); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if IsOkta(Embedded()) {
		t.Error("the Auth0 mock is an Okta target")
	}
}
