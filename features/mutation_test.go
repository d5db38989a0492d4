package features_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/consentry/consentry/mockidp/consent"
	"github.com/consentry/consentry/steps/report"
	"github.com/consentry/consentry/steps/runner"
	"github.com/consentry/consentry/steps/target"
)

// The mutation tests run scenarios against a deliberately broken mock and
// expect them to fail: a scenario that passes whatever the IdP does checks
// nothing. Each breaks one rule, in the consent decision (server.Options.Decide)
// or in front of the handler (an HTTP middleware), and runs the scenarios
// tagged with that rule.

func TestMutationC1_ThirdPartySkipsConsentWhenTheAPIAllows(t *testing.T) {
	broken := func(f consent.Facts) consent.Screen {
		if f.APISkipsConsent && !f.PromptConsent {
			return consent.None // the bug: the API setting also skips for third parties
		}
		return consent.Decide(f)
	}
	expectFailure(t, "@rule:C1", "C1", target.StartOptions{Decide: broken})
}

func TestMutationC4_FirstPartyIsAskedDespiteTheAPI(t *testing.T) {
	broken := func(f consent.Facts) consent.Screen {
		if f.FirstParty && f.APISkipsConsent && !f.PromptConsent {
			return consent.Consent // the bug: the skip setting is ignored
		}
		return consent.Decide(f)
	}
	expectFailure(t, "@rule:C4", "C4", target.StartOptions{Decide: broken})
}

func TestMutationC6_NoConfirmationForNonVerifiableCallbacks(t *testing.T) {
	broken := func(f consent.Facts) consent.Screen {
		f.VerifiableCallback = true // the bug: every callback is trusted
		return consent.Decide(f)
	}
	expectFailure(t, "@rule:C6", "C6", target.StartOptions{Decide: broken})
}

func TestMutationC2_GrantIgnored(t *testing.T) {
	broken := func(f consent.Facts) consent.Screen {
		f.Granted = nil // the bug: existing grants are never consulted
		return consent.Decide(f)
	}
	expectFailure(t, "@rule:C2", "C2", target.StartOptions{Decide: broken})
}

func TestMutationC3_FirstPartySkipsWithoutTheAPISetting(t *testing.T) {
	broken := func(f consent.Facts) consent.Screen {
		f.APISkipsConsent = f.APISkipsConsent || f.FirstParty // the bug: first party always skips
		return consent.Decide(f)
	}
	expectFailure(t, "@rule:C3", "C3", target.StartOptions{Decide: broken})
}

func TestMutationC5_PromptConsentIgnored(t *testing.T) {
	broken := func(f consent.Facts) consent.Screen {
		f.PromptConsent = false
		return consent.Decide(f)
	}
	expectFailure(t, "@rule:C5", "C5", target.StartOptions{Decide: broken})
}

func TestMutationK6_ConfirmationSettingIgnored(t *testing.T) {
	broken := func(f consent.Facts) consent.Screen {
		f.SkipConfirmation = false
		return consent.Decide(f)
	}
	expectFailure(t, "@rule:K6", "K6", target.StartOptions{Decide: broken})
}

func TestMutationD1_DeclineIsTakenAsAccept(t *testing.T) {
	expectFailure(t, "@denial", "D1", target.StartOptions{Wrap: rewriteForm(func(r *http.Request, form url.Values) {
		if form.Get("action") == "deny" {
			form.Set("action", "accept") // the bug: Decline grants
		}
	})})
}

func TestMutationD1_ErrorPageWithoutStatus403(t *testing.T) {
	expectFailure(t, "@rule:D1", "D1", target.StartOptions{Wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(statusRewriter{ResponseWriter: w, from: http.StatusForbidden, to: http.StatusOK}, r)
		})
	}})
}

func TestMutationT2_RequestedScopesIgnored(t *testing.T) {
	expectFailure(t, "@rule:T2", "T2", target.StartOptions{Wrap: rewriteForm(func(r *http.Request, form url.Values) {
		if strings.HasSuffix(r.URL.Path, "/oauth/token") && form.Get("grant_type") == "client_credentials" {
			form.Del("scope") // the bug: every scope of the client grant is given
		}
	})})
}

func TestMutationT2_TokenWithoutClientGrant(t *testing.T) {
	// The bug, as the application sees it: a client with no client grant
	// for the API gets a token anyway.
	expectFailure(t, "@rule:T2", "T2", target.StartOptions{Wrap: func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := &recorder{header: http.Header{}}
			next.ServeHTTP(rec, r)
			if strings.HasSuffix(r.URL.Path, "/oauth/token") && rec.status == http.StatusForbidden && bytes.Contains(rec.body.Bytes(), []byte("client-grant")) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = io.WriteString(w, `{"access_token":"forged","token_type":"Bearer","expires_in":86400}`)
				return
			}
			rec.copyTo(w)
		})
	}})
}

func TestMutationC8_AddedScopesIgnored(t *testing.T) {
	// The bug: the consent handler reads one scope field and ignores the
	// rest, so a form that adds scopes is accepted instead of refused.
	expectFailure(t, "@rule:C8", "C8", target.StartOptions{Wrap: rewriteForm(func(r *http.Request, form url.Values) {
		if form.Get("action") == "accept" && len(form["scope"]) > 1 {
			form["scope"] = form["scope"][:1]
		}
	})})
}

// The same bug caught in a real browser, where the scope field is added to
// the consent form by a DOM edit.
func TestMutationC8_AddedScopesIgnoredInTheBrowser(t *testing.T) {
	if os.Getenv("CONSENTRY_BROWSER") == "off" {
		t.Skip("CONSENTRY_BROWSER=off: the browser was NOT checked")
	}
	expectFailureWith(t, runner.DriverBrowser, "@rule:C8", "C8", target.StartOptions{Wrap: rewriteForm(func(r *http.Request, form url.Values) {
		if form.Get("action") == "accept" && len(form["scope"]) > 1 {
			form["scope"] = form["scope"][:1]
		}
	})})
}

// lendCookies breaks the binding of the consent form to the browser: a
// consent POST that comes without the IdP's cookies is given those of the
// browser its transaction's consent page was shown to, as a mock that
// ignored its cookies would behave.
func lendCookies(next http.Handler) http.Handler {
	var mu sync.Mutex
	byState := map[string]string{} // consent transaction -> the cookies of its browser
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/u/consent" {
			c := r.Header.Get("Cookie")
			switch r.Method {
			case http.MethodGet:
				if strings.Contains(c, "mockidp_session") {
					mu.Lock()
					byState[r.URL.Query().Get("state")] = c
					mu.Unlock()
				}
			case http.MethodPost:
				body, _ := io.ReadAll(r.Body)
				form, _ := url.ParseQuery(string(body))
				mu.Lock()
				if lent := byState[form.Get("state")]; lent != "" && !strings.Contains(c, "mockidp_session") {
					r.Header.Set("Cookie", lent)
				}
				mu.Unlock()
				r.Body = io.NopCloser(bytes.NewReader(body))
			}
		}
		next.ServeHTTP(w, r)
	})
}

func TestMutationC8_FormNotBoundToTheBrowser(t *testing.T) {
	expectFailure(t, "@rule:C8", "C8", target.StartOptions{Wrap: lendCookies})
}

// In a real browser the form is captured in one browser context and
// submitted from another.
func TestMutationC8_FormNotBoundToTheBrowserInTheBrowser(t *testing.T) {
	if os.Getenv("CONSENTRY_BROWSER") == "off" {
		t.Skip("CONSENTRY_BROWSER=off: the browser was NOT checked")
	}
	expectFailureWith(t, runner.DriverBrowser, "@rule:C8", "C8", target.StartOptions{Wrap: lendCookies})
}

func TestMutationX2_ExchangeEnabledByDefault(t *testing.T) {
	// The bug: every new API has token exchange enabled, so an API's client
	// exchanges tokens nobody allowed it to.
	expectFailure(t, "@exchange", "X2", target.StartOptions{Wrap: rewriteJSON(func(r *http.Request, body map[string]any) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/api/v2/resource-servers") {
			body["token_exchange"] = map[string]any{"enabled_subject_token_types": []string{"urn:ietf:params:oauth:token-type:access_token"}}
		}
	})})
}

func TestMutationX2_TargetConsentSettingIgnored(t *testing.T) {
	// The bug: every new API allows skipping consent, so a token is
	// exchanged for an API that wants the user to consent.
	expectFailure(t, "@exchange", "X2", target.StartOptions{Wrap: rewriteJSON(func(r *http.Request, body map[string]any) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/api/v2/resource-servers") {
			body["skip_consent_for_verifiable_first_party_clients"] = true
		}
	})})
}

func TestMutationX4_SubjectTokenTypeIgnored(t *testing.T) {
	// The bug: any subject_token_type is taken as an access token.
	expectFailure(t, "@exchange", "X4", target.StartOptions{Wrap: rewriteForm(func(r *http.Request, form url.Values) {
		if form.Get("grant_type") == "urn:ietf:params:oauth:grant-type:token-exchange" && form.Has("subject_token_type") {
			form.Set("subject_token_type", "urn:ietf:params:oauth:token-type:access_token")
		}
	})})
}

// expectFailure runs the scenarios matching tags against the broken mock
// with the HTTP driver and requires at least one scenario checking rule to
// fail.
func expectFailure(t *testing.T, tags, rule string, start target.StartOptions) {
	t.Helper()
	expectFailureWith(t, runner.DriverHTTP, tags, rule, start)
}

func expectFailureWith(t *testing.T, driverName, tags, rule string, start target.StartOptions) {
	t.Helper()
	var out bytes.Buffer
	res, err := runner.Run(context.Background(), runner.Config{
		Driver: driverName, Tags: tags, Concurrency: 4, Output: &out, Format: "progress", NoColors: true, Start: start,
	})
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, r := range res.Report.Results {
		if r.Outcome == report.Failed && contains(r.Rules, rule) {
			failed = append(failed, r.Feature+": "+r.Name+"\n    "+r.Reason)
		}
	}
	if len(failed) == 0 {
		var sum bytes.Buffer
		_ = res.Report.WriteSummary(&sum)
		t.Fatalf("no scenario of rule %s failed against the broken mock:\n%s", rule, sum.String())
	}
	t.Logf("%d of %d scenarios failed against the broken mock, as they should; for rule %s:\n  %s",
		res.Report.Count(report.Failed), len(res.Report.Results), rule, strings.Join(failed, "\n  "))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// rewriteForm lets edit change the form fields of POST requests before
// the mock sees them.
func rewriteForm(edit func(*http.Request, url.Values)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
				body, _ := io.ReadAll(r.Body)
				form, err := url.ParseQuery(string(body))
				if err == nil {
					edit(r, form)
					body = []byte(form.Encode())
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
				r.ContentLength = int64(len(body))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// rewriteJSON lets edit change the JSON object body of requests before
// the mock sees them.
func rewriteJSON(edit func(*http.Request, map[string]any)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
				body, _ := io.ReadAll(r.Body)
				var obj map[string]any
				if json.Unmarshal(body, &obj) == nil && obj != nil {
					edit(r, obj)
					body, _ = json.Marshal(obj)
				}
				r.Body = io.NopCloser(bytes.NewReader(body))
				r.ContentLength = int64(len(body))
			}
			next.ServeHTTP(w, r)
		})
	}
}

type statusRewriter struct {
	http.ResponseWriter
	from, to int
}

func (s statusRewriter) WriteHeader(code int) {
	if code == s.from {
		code = s.to
	}
	s.ResponseWriter.WriteHeader(code)
}

// recorder keeps a response so a middleware can replace it.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(code int) { r.status = code }

func (r *recorder) copyTo(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	if r.status == 0 {
		r.status = http.StatusOK
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body.Bytes())
}
