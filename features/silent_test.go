package features_test

import (
	"slices"
	"strings"

	"github.com/consentry/consentry/steps/report"
)

// httpsOnly reports whether a scenario was not applicable only because it
// checks rule W5 (the SSO cookie over HTTPS) and the target, the embedded
// mock, serves HTTP. Every other not-applicable verdict on the embedded
// mock is a defect of the suite.
func httpsOnly(r report.Result) bool {
	return r.Outcome == report.NotApplicable && slices.Contains(r.Rules, "W5") &&
		strings.Contains(r.Reason, "is served over HTTP") && strings.Contains(r.Reason, "rule W5 is about the cookies over HTTPS")
}
