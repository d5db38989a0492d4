package session

import (
	"testing"
	"time"
)

func TestT1_ReplayDuringIssuanceIsReportedToTheFirstRedeemer(t *testing.T) {
	s := New(nil)
	s.PutCode("d", Code{ClientID: "c", ExpiresAt: time.Now().Add(CodeTTL)})
	if _, first, ok := s.RedeemCode("d"); !ok || !first {
		t.Fatalf("first redemption: ok=%v first=%v", ok, first)
	}
	// The replay arrives before the first redeemer recorded its tokens.
	if c, first, ok := s.RedeemCode("d"); !ok || first || len(c.IssuedAccess) != 0 {
		t.Fatalf("replay: ok=%v first=%v issued=%v", ok, first, c.IssuedAccess)
	}
	if !s.RecordIssued("d", "jti-1", "rt-1") {
		t.Fatal("RecordIssued did not report the replay: the first tokens would stay valid")
	}
}

func TestT1_NoReplayNoReport(t *testing.T) {
	s := New(nil)
	s.PutCode("d", Code{ExpiresAt: time.Now().Add(CodeTTL)})
	s.RedeemCode("d")
	if s.RecordIssued("d", "jti-1", "") {
		t.Fatal("reported a replay that did not happen")
	}
}

func TestT1_ExpiredCodesAreNotFound(t *testing.T) {
	now := time.Now()
	s := New(func() time.Time { return now })
	s.PutCode("d", Code{ExpiresAt: now.Add(CodeTTL)})
	now = now.Add(CodeTTL + time.Second)
	if _, _, ok := s.RedeemCode("d"); ok {
		t.Fatal("expired code redeemed")
	}
}
