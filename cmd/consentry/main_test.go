package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRulesListsEveryRequiredRule(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"rules"}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errb.String())
	}
	for _, id := range []string{"K1", "P2", "A4", "C6", "C8", "D1", "T5"} {
		if !strings.Contains(out.String(), "\n"+id+" ") && !strings.HasPrefix(out.String(), id+" ") {
			t.Errorf("rule %s not listed", id)
		}
	}
}

func TestRunPrintsTheRuleSummaryAndExitsZeroOnSuccess(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"run", "--driver", "http", "--tags", "@rule:K5", "--no-colors"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d:\n%s\n%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"RULE", "K5 ", "scenarios: 1 passed, 0 failed, 0 not applicable"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunExitsOneWhenNothingRuns(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"run", "--driver", "http", "--tags", "@no-such-tag"}, &out, &errb); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{{}, {"bogus"}, {"run", "--driver", "netscape"}, {"run", "--target", "/no/such/file.yaml"}, {"run", "extra"}} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
}
