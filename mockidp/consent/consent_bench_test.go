package consent

import "testing"

// BenchmarkDecide is the consent decision for the cases /authorize meets
// most: a third-party app whose grant covers the request (C2), and a
// first-party app that skips consent (C4).
func BenchmarkDecide(b *testing.B) {
	for name, f := range map[string]Facts{
		"third-party-covered": {Requested: []string{"read:posts", "write:posts"}, HasGrant: true,
			Granted: []string{"read:posts", "write:posts", "read:comments"}, VerifiableCallback: true},
		"first-party-skip": {FirstParty: true, APISkipsConsent: true, VerifiableCallback: true, Requested: []string{"read:events"}},
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			var s Screen
			for b.Loop() {
				s = Decide(f)
			}
			if s != None {
				b.Fatalf("screen %v, want none", s)
			}
		})
	}
}
