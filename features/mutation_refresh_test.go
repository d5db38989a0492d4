package features_test

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/consentry/consentry/steps/target"
)

// Rule W4 broken two ways: the rotation setting lost on the way to the
// mock, and a reuse refused without ending the family.

func TestMutationW4_RotationSettingIgnored(t *testing.T) {
	expectFailure(t, "@rule:W4", "W4", target.StartOptions{Wrap: rewriteJSON(func(r *http.Request, obj map[string]any) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/api/v2/clients") {
			delete(obj, "refresh_token") // the bug: the client keeps its refresh tokens unrotated
		}
	})})
}

func TestMutationW4_ReuseDoesNotEndTheFamily(t *testing.T) {
	// The bug: a spent refresh token is refused as an unknown one, and
	// the tokens rotated from it keep working.
	var seen sync.Map
	expectFailure(t, "@rule:W4", "W4", target.StartOptions{Wrap: rewriteForm(func(r *http.Request, form url.Values) {
		if !strings.HasSuffix(r.URL.Path, "/oauth/token") || form.Get("grant_type") != "refresh_token" {
			return
		}
		if _, reused := seen.LoadOrStore(form.Get("refresh_token"), true); reused {
			form.Set("refresh_token", "not-a-refresh-token")
		}
	})})
}
