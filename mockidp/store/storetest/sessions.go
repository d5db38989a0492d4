package storetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/session"
)

// Clock is the test clock RunSessions gives each new store: the suite moves
// it to expire sessions, transactions and codes.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now is the clock's time; pass it to the backend as its clock.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// RunSessions runs the conformance suite of session.Store, the short-lived
// state (login sessions, transactions, codes, login tickets, revoked access
// tokens).
// newStore must return a new, empty store that measures expiry on clock now
// and enforces limits; it may register cleanups with t.
//
//	func TestSessionConformance(t *testing.T) {
//		storetest.RunSessions(t, func(t *testing.T, now func() time.Time, l session.Limits) session.Store {
//			return session.NewMemory(now, l)
//		})
//	}
//
// Above all it pins down the atomic steps replicas rely on: of concurrent
// claims of one code exactly one wins (rule T1), of concurrent ends of one
// transaction exactly one succeeds (rule C8), of concurrent redemptions of
// one login ticket exactly one gets it; and the limits on pending
// transactions (count per browser, count and bytes in all).
func RunSessions(t *testing.T, newStore func(t *testing.T, now func() time.Time, limits session.Limits) session.Store) {
	tests := []struct {
		name   string
		limits session.Limits
		fn     func(t *testing.T, s session.Store, clk *Clock)
	}{
		{"Sessions", session.Limits{}, testSessions},
		{"Sessions/Expiry", session.Limits{}, testSessionExpiry},
		{"Transactions", session.Limits{}, testTransactions},
		{"Transactions/ReplaceKeepsCreatedAt", session.Limits{}, testTransactionReplace},
		{"Transactions/Expiry", session.Limits{}, testTransactionExpiry},
		{"Transactions/EvictOldestOfBrowser", session.Limits{MaxTransactions: 100, MaxTransactionsPerBrowser: 3}, testEvictPerBrowser},
		{"Transactions/EvictOldestOfAll", session.Limits{MaxTransactions: 5, MaxTransactionsPerBrowser: 5}, testEvictTotal},
		{"Transactions/EvictOldestOverByteBudget", session.Limits{MaxTransactions: 100, MaxTransactionsPerBrowser: 100,
			MaxTransactionBytes: 3*session.TransactionSize(newTx("t0", "b0")) + 10}, testEvictBytes},
		{"Transactions/ConcurrentEndOneWinner", session.Limits{}, testConcurrentEnd},
		{"Codes/ClaimStates", session.Limits{}, testClaimStates},
		{"Codes/Expiry", session.Limits{}, testCodeExpiry},
		{"Codes/Unknown", session.Limits{}, testCodeUnknown},
		{"Codes/Copies", session.Limits{}, testCodeCopies},
		{"Codes/ConcurrentClaimsOneWinner", session.Limits{}, testConcurrentClaims},
		{"Codes/ReplayAfterWinnerFlagged", session.Limits{}, testReplayAfterWinner},
		{"Tickets/SingleUse", session.Limits{}, testTicketSingleUse},
		{"Tickets/Expiry", session.Limits{}, testTicketExpiry},
		{"Tickets/ConcurrentRedeemOneWinner", session.Limits{}, testTicketConcurrentRedeem},
		{"RevokedAccess", session.Limits{}, testRevokedAccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &Clock{now: time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)}
			s := newStore(t, clk.Now, tt.limits)
			if s == nil {
				t.Fatal("newStore returned nil")
			}
			tt.fn(t, s, clk)
		})
	}
}

func testSessions(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	_, err := s.GetSession(ctx, "nope")
	wantErr(t, err, session.ErrNotFound, "GetSession of an unknown id")
	se := session.Session{ID: "s1", UserID: "auth0|u1", AuthTime: clk.Now()}
	must(t, s.PutSession(ctx, se), "PutSession")
	got, err := s.GetSession(ctx, "s1")
	must(t, err, "GetSession")
	same(t, got, se, "GetSession")
	// Replace.
	se.UserID = "auth0|u2"
	must(t, s.PutSession(ctx, se), "PutSession again")
	got, err = s.GetSession(ctx, "s1")
	must(t, err, "GetSession after replace")
	same(t, got, se, "GetSession after replace")
	must(t, s.DeleteSession(ctx, "s1"), "DeleteSession")
	_, err = s.GetSession(ctx, "s1")
	wantErr(t, err, session.ErrNotFound, "GetSession after DeleteSession")
	must(t, s.DeleteSession(ctx, "s1"), "DeleteSession of an unknown id")
}

func testSessionExpiry(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	must(t, s.PutSession(ctx, session.Session{ID: "s1", UserID: "u", AuthTime: clk.Now()}), "PutSession")
	clk.Advance(session.SessionTTL - time.Second)
	_, err := s.GetSession(ctx, "s1")
	must(t, err, "GetSession just before SessionTTL")
	clk.Advance(2 * time.Second)
	_, err = s.GetSession(ctx, "s1")
	wantErr(t, err, session.ErrNotFound, "GetSession after SessionTTL")
}

func newTx(id, browser string) session.Transaction {
	return session.Transaction{ID: id, BrowserID: browser, CSRF: "csrf-" + id, ClientID: "c1",
		RedirectURI: "https://app.example.com/cb", ResponseType: "code", ResponseMode: "query", State: "st " + id,
		Nonce: "n", Audience: "https://api.example.com/", Scopes: []string{"openid", "read:x"},
		CodeChallenge: "ch", ChallengeMethod: "S256", Prompt: map[string]bool{"login": true}}
}

func testTransactions(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	_, err := s.GetTransaction(ctx, "nope")
	wantErr(t, err, session.ErrNotFound, "GetTransaction of an unknown id")
	tx := newTx("t1", "b1")
	must(t, s.PutTransaction(ctx, tx), "PutTransaction")
	got, err := s.GetTransaction(ctx, "t1")
	must(t, err, "GetTransaction")
	if !got.CreatedAt.Equal(clk.Now()) {
		t.Errorf("CreatedAt = %v, want the store's now %v", got.CreatedAt, clk.Now())
	}
	tx.CreatedAt = got.CreatedAt
	same(t, got, tx, "GetTransaction")
	// Copies: changing what was returned changes nothing stored.
	got.Scopes[0], got.Prompt["consent"] = "changed", true
	again, err := s.GetTransaction(ctx, "t1")
	must(t, err, "GetTransaction again")
	same(t, again, tx, "GetTransaction after changing a returned copy")

	// A second screen's state.
	tx.Pending, tx.LoggedIn, tx.ScreenShown, tx.Offered, tx.SessionID = "consent", true, true, []string{"read:x"}, "s1"
	must(t, s.PutTransaction(ctx, tx), "PutTransaction (replace)")
	got, err = s.GetTransaction(ctx, "t1")
	must(t, err, "GetTransaction after replace")
	same(t, got, tx, "GetTransaction after replace")

	ended, err := s.EndTransaction(ctx, "t1")
	must(t, err, "EndTransaction")
	if !ended {
		t.Error("EndTransaction of a live transaction = false")
	}
	_, err = s.GetTransaction(ctx, "t1")
	wantErr(t, err, session.ErrNotFound, "GetTransaction after EndTransaction")
	ended, err = s.EndTransaction(ctx, "t1")
	must(t, err, "EndTransaction again")
	if ended {
		t.Error("EndTransaction of an ended transaction = true")
	}
}

func testTransactionReplace(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	tx := newTx("t1", "b1")
	must(t, s.PutTransaction(ctx, tx), "PutTransaction")
	first := clk.Now()
	clk.Advance(10 * time.Minute)
	tx.Pending = "login" // CreatedAt still zero, as a caller holding its own copy sends it
	must(t, s.PutTransaction(ctx, tx), "PutTransaction (replace)")
	got, err := s.GetTransaction(ctx, "t1")
	must(t, err, "GetTransaction")
	if !got.CreatedAt.Equal(first) {
		t.Errorf("CreatedAt after a replace = %v, want the first save's %v", got.CreatedAt, first)
	}
	// So the lifetime counts from the first save.
	clk.Advance(session.TransactionTTL - 10*time.Minute + time.Second)
	_, err = s.GetTransaction(ctx, "t1")
	wantErr(t, err, session.ErrNotFound, "GetTransaction TransactionTTL after the first save")
}

func testTransactionExpiry(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	must(t, s.PutTransaction(ctx, newTx("t1", "b1")), "PutTransaction")
	clk.Advance(session.TransactionTTL - time.Second)
	_, err := s.GetTransaction(ctx, "t1")
	must(t, err, "GetTransaction just before TransactionTTL")
	clk.Advance(2 * time.Second)
	_, err = s.GetTransaction(ctx, "t1")
	wantErr(t, err, session.ErrNotFound, "GetTransaction after TransactionTTL")
}

// live reports which of the ids are still stored.
func live(t *testing.T, s session.Store, ids ...string) []bool {
	t.Helper()
	out := make([]bool, len(ids))
	for i, id := range ids {
		_, err := s.GetTransaction(ctxOf(t), id)
		if err != nil && !errors.Is(err, session.ErrNotFound) {
			t.Fatalf("GetTransaction %s: %v", id, err)
		}
		out[i] = err == nil
	}
	return out
}

func testEvictPerBrowser(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	// Limit 3 per browser. Another browser's transaction is never evicted
	// for this one's.
	must(t, s.PutTransaction(ctx, newTx("other", "b2")), "PutTransaction other")
	for i := range 3 {
		must(t, s.PutTransaction(ctx, newTx(fmt.Sprintf("t%d", i), "b1")), "PutTransaction")
	}
	// Replacing an existing one is not a new transaction: nothing evicted.
	tx := newTx("t0", "b1")
	tx.Pending = "login"
	must(t, s.PutTransaction(ctx, tx), "PutTransaction replace t0")
	if got := live(t, s, "t0", "t1", "t2", "other"); got[0] != true || got[1] != true || got[2] != true || got[3] != true {
		t.Fatalf("after 3 transactions of one browser (limit 3) and a replace: live %v, want all", got)
	}
	must(t, s.PutTransaction(ctx, newTx("t3", "b1")), "PutTransaction t3")
	if got := live(t, s, "t0", "t1", "t2", "t3", "other"); got[0] || !got[1] || !got[2] || !got[3] || !got[4] {
		t.Errorf("after a 4th transaction of one browser (limit 3): live t0..t3, other = %v, want the oldest (t0) evicted only", got)
	}
	// An ended transaction frees its place.
	_, err := s.EndTransaction(ctx, "t1")
	must(t, err, "EndTransaction t1")
	must(t, s.PutTransaction(ctx, newTx("t4", "b1")), "PutTransaction t4")
	if got := live(t, s, "t2", "t3", "t4"); !got[0] || !got[1] || !got[2] {
		t.Errorf("after ending one and adding one: live t2..t4 = %v, want all", got)
	}
}

func testEvictTotal(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	// Limit 5 in all, each transaction from its own browser (as a client
	// without cookies sends them).
	for i := range 5 {
		must(t, s.PutTransaction(ctx, newTx(fmt.Sprintf("t%d", i), fmt.Sprintf("b%d", i))), "PutTransaction")
		clk.Advance(time.Second)
	}
	must(t, s.PutTransaction(ctx, newTx("t5", "b5")), "PutTransaction t5")
	must(t, s.PutTransaction(ctx, newTx("t6", "b6")), "PutTransaction t6")
	got := live(t, s, "t0", "t1", "t2", "t3", "t4", "t5", "t6")
	want := []bool{false, false, true, true, true, true, true}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("after 7 transactions (limit 5): live t0..t6 = %v, want %v (the oldest evicted)", got, want)
		}
	}
}

func testConcurrentEnd(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	for round := range 10 {
		id := fmt.Sprintf("t%d", round)
		must(t, s.PutTransaction(ctx, newTx(id, "b1")), "PutTransaction")
		var wins, fails int
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 20 {
			wg.Go(func() {
				<-start
				ok, err := s.EndTransaction(ctx, id)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					fails++
				} else if ok {
					wins++
				}
			})
		}
		close(start)
		wg.Wait()
		if wins != 1 || fails != 0 {
			t.Fatalf("20 concurrent EndTransaction: %d got true, %d failed; want exactly 1 true", wins, fails)
		}
	}
}

func newCode(clk *Clock) session.Code {
	return session.Code{ClientID: "c1", RedirectURI: "https://app.example.com/cb", UserID: "auth0|u1",
		Audience: "https://api.example.com/", Scopes: []string{"openid", "offline_access"}, Nonce: "n",
		AuthTime: clk.Now(), CodeChallenge: "ch", ChallengeMethod: "S256", GrantID: "g1",
		ExpiresAt: clk.Now().Add(session.CodeTTL)}
}

func claim(t *testing.T, s session.Store, digest string) (session.Code, session.Claim) {
	t.Helper()
	c, cl, err := s.ClaimCode(ctxOf(t), digest)
	must(t, err, "ClaimCode")
	return c, cl
}

func testClaimStates(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	want := newCode(clk)
	must(t, s.PutCode(ctx, "d1", want), "PutCode")
	got, err := s.GetCode(ctx, "d1")
	must(t, err, "GetCode")
	same(t, got, want, "GetCode")
	// Reading does not claim.
	got, cl := claim(t, s, "d1")
	if cl != session.ClaimWon {
		t.Fatalf("first ClaimCode = %v, want won", cl)
	}
	same(t, got, want, "ClaimCode (won)")
	if _, cl := claim(t, s, "d1"); cl != session.ClaimInFlight {
		t.Errorf("ClaimCode while the winner issues = %v, want in flight", cl)
	}
	must(t, s.RecordIssued(ctx, "d1", "jti-1", "rt-1"), "RecordIssued")
	got, cl = claim(t, s, "d1")
	if cl != session.ClaimReplayed {
		t.Fatalf("ClaimCode after RecordIssued = %v, want replayed", cl)
	}
	if got.IssuedAccess != "jti-1" || got.IssuedRefresh != "rt-1" {
		t.Errorf("replayed code's issued tokens = %q, %q; want jti-1, rt-1", got.IssuedAccess, got.IssuedRefresh)
	}
	// Still replayed on every later try, and GetCode shows the record.
	if _, cl := claim(t, s, "d1"); cl != session.ClaimReplayed {
		t.Errorf("second replay = %v, want replayed", cl)
	}
	got, err = s.GetCode(ctx, "d1")
	must(t, err, "GetCode of a redeemed code")
	if got.ClientID != want.ClientID || got.IssuedAccess != "jti-1" {
		t.Errorf("GetCode of a redeemed code = %+v", got)
	}
	// RecordIssued of an unknown code is no error.
	must(t, s.RecordIssued(ctx, "unknown", "a", "b"), "RecordIssued of an unknown code")
}

func testCodeExpiry(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	must(t, s.PutCode(ctx, "late", newCode(clk)), "PutCode late")
	must(t, s.PutCode(ctx, "used", newCode(clk)), "PutCode used")
	if _, cl := claim(t, s, "used"); cl != session.ClaimWon {
		t.Fatalf("ClaimCode = %v, want won", cl)
	}
	must(t, s.RecordIssued(ctx, "used", "jti", ""), "RecordIssued")
	clk.Advance(session.CodeTTL + time.Second)
	if _, cl := claim(t, s, "late"); cl != session.ClaimNone {
		t.Errorf("ClaimCode of an expired unused code = %v, want none", cl)
	}
	// A replay of a redeemed code after its expiry still revokes.
	if c, cl := claim(t, s, "used"); cl != session.ClaimReplayed || c.IssuedAccess != "jti" {
		t.Errorf("ClaimCode of a redeemed code after expiry = %v (%q), want replayed with its tokens", cl, c.IssuedAccess)
	}
}

func testCodeUnknown(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	_, err := s.GetCode(ctx, "nope")
	wantErr(t, err, session.ErrNotFound, "GetCode of an unknown digest")
	if c, cl := claim(t, s, "nope"); cl != session.ClaimNone || c.ClientID != "" {
		t.Errorf("ClaimCode of an unknown digest = %v %+v, want none and the zero Code", cl, c)
	}
}

func testCodeCopies(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	c := newCode(clk)
	must(t, s.PutCode(ctx, "d1", c), "PutCode")
	c.Scopes[0] = "changed after PutCode"
	got, err := s.GetCode(ctx, "d1")
	must(t, err, "GetCode")
	if got.Scopes[0] != "openid" {
		t.Errorf("changing the Code passed to PutCode changed the store: %v", got.Scopes)
	}
	got.Scopes[0] = "changed after GetCode"
	got, _ = claim(t, s, "d1")
	if got.Scopes[0] != "openid" {
		t.Errorf("changing a returned Code changed the store: %v", got.Scopes)
	}
}

func testEvictBytes(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	// The budget holds three transactions of newTx's size: a fourth
	// evicts the oldest, whatever the count limits say.
	for i := range 3 {
		must(t, s.PutTransaction(ctx, newTx(fmt.Sprintf("t%d", i), fmt.Sprintf("b%d", i))), "PutTransaction")
		clk.Advance(time.Second)
	}
	if got := live(t, s, "t0", "t1", "t2"); !got[0] || !got[1] || !got[2] {
		t.Fatalf("three transactions within the byte budget: live %v, want all", got)
	}
	must(t, s.PutTransaction(ctx, newTx("t3", "b3")), "PutTransaction t3")
	if got := live(t, s, "t0", "t1", "t2", "t3"); got[0] || !got[1] || !got[2] || !got[3] {
		t.Fatalf("a fourth transaction over the byte budget: live t0..t3 = %v, want the oldest (t0) evicted only", got)
	}
	// A large transaction (a long state) takes the room of several.
	big := newTx("big", "b9")
	big.State = strings.Repeat("s", int(session.TransactionSize(newTx("t0", "b0")))) // about twice the size
	must(t, s.PutTransaction(ctx, big), "PutTransaction big")
	if got := live(t, s, "t1", "t2", "t3", "big"); got[0] || got[1] || !got[2] || !got[3] {
		t.Fatalf("a transaction of twice the size: live t1, t2, t3, big = %v, want t1 and t2 evicted", got)
	}
	// Growing a transaction by a replace evicts others, never itself.
	t3 := newTx("t3", "b3")
	t3.Offered = []string{strings.Repeat("x", 200)}
	must(t, s.PutTransaction(ctx, t3), "PutTransaction t3 (replace, larger)")
	if got := live(t, s, "t3"); !got[0] {
		t.Fatalf("a replace that grows a transaction evicted the transaction itself")
	}
	// An ended transaction frees its bytes.
	_, err := s.EndTransaction(ctx, "big")
	must(t, err, "EndTransaction big")
	must(t, s.PutTransaction(ctx, newTx("n1", "b-n1")), "PutTransaction n1")
	if got := live(t, s, "t3", "n1"); !got[0] || !got[1] {
		t.Errorf("after ending the big transaction, another fits: live t3, n1 = %v, want both", got)
	}
}

func newTicket(clk *Clock) session.Ticket {
	return session.Ticket{ClientID: "c1", UserID: "auth0|u1", AuthTime: clk.Now()}
}

func testTicketSingleUse(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	_, err := s.RedeemTicket(ctx, "nope")
	wantErr(t, err, session.ErrNotFound, "RedeemTicket of an unknown digest")
	want := newTicket(clk)
	must(t, s.PutTicket(ctx, "tk1", want), "PutTicket")
	got, err := s.RedeemTicket(ctx, "tk1")
	must(t, err, "RedeemTicket")
	want.ExpiresAt = clk.Now().Add(session.TicketTTL)
	same(t, got, want, "RedeemTicket (ExpiresAt set to TicketTTL from now)")
	_, err = s.RedeemTicket(ctx, "tk1")
	wantErr(t, err, session.ErrNotFound, "second RedeemTicket of one ticket")
}

func testTicketExpiry(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	must(t, s.PutTicket(ctx, "early", newTicket(clk)), "PutTicket early")
	must(t, s.PutTicket(ctx, "late", newTicket(clk)), "PutTicket late")
	clk.Advance(session.TicketTTL - time.Second)
	_, err := s.RedeemTicket(ctx, "early")
	must(t, err, "RedeemTicket just before TicketTTL")
	clk.Advance(2 * time.Second)
	_, err = s.RedeemTicket(ctx, "late")
	wantErr(t, err, session.ErrNotFound, "RedeemTicket after TicketTTL")
}

func testTicketConcurrentRedeem(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	for round := range 10 {
		digest := fmt.Sprintf("tk%d", round)
		must(t, s.PutTicket(ctx, digest, newTicket(clk)), "PutTicket")
		var (
			mu                 sync.Mutex
			wg                 sync.WaitGroup
			start              = make(chan struct{})
			wins, gone, failed int
		)
		for range 20 {
			wg.Go(func() {
				<-start
				tk, err := s.RedeemTicket(ctx, digest)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && tk.UserID == "auth0|u1":
					wins++
				case errors.Is(err, session.ErrNotFound):
					gone++
				default:
					failed++
				}
			})
		}
		close(start)
		wg.Wait()
		if wins != 1 || gone != 19 {
			t.Fatalf("20 concurrent RedeemTicket of one ticket: %d redeemed, %d not found, %d failed; want exactly 1 redeemed", wins, gone, failed)
		}
	}
}

// concurrentClaims claims one code from n goroutines at once and counts
// the outcomes.
func concurrentClaims(t *testing.T, s session.Store, digest string, n int) map[session.Claim]int {
	t.Helper()
	ctx := ctxOf(t)
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		start = make(chan struct{})
		out   = map[session.Claim]int{}
		errs  []error
	)
	for range n {
		wg.Go(func() {
			<-start
			_, cl, err := s.ClaimCode(ctx, digest)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			out[cl]++
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		t.Errorf("concurrent ClaimCode: %v", err)
	}
	return out
}

func testConcurrentClaims(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	for round := range 20 {
		digest := fmt.Sprintf("d%d", round)
		must(t, s.PutCode(ctx, digest, newCode(clk)), "PutCode")
		n := 2
		if round%2 == 1 {
			n = 50
		}
		got := concurrentClaims(t, s, digest, n)
		if got[session.ClaimWon] != 1 || got[session.ClaimInFlight] != n-1 {
			t.Fatalf("%d concurrent claims of one code: %v, want exactly 1 won and %d in flight", n, got, n-1)
		}
	}
}

func testReplayAfterWinner(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	must(t, s.PutCode(ctx, "d1", newCode(clk)), "PutCode")
	if _, cl := claim(t, s, "d1"); cl != session.ClaimWon {
		t.Fatalf("ClaimCode = %v, want won", cl)
	}
	must(t, s.RecordIssued(ctx, "d1", "jti-w", "rt-w"), "RecordIssued")
	// Every replay after the winner flagged its tokens sees them.
	got := map[session.Claim]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			c, cl, err := s.ClaimCode(ctx, "d1")
			mu.Lock()
			defer mu.Unlock()
			if err != nil || c.IssuedAccess != "jti-w" || c.IssuedRefresh != "rt-w" {
				got[-1]++
				return
			}
			got[cl]++
		})
	}
	wg.Wait()
	if got[session.ClaimReplayed] != 20 {
		t.Errorf("20 replays after RecordIssued: %v, want 20 replayed, each with the winner's token IDs", got)
	}
}

func testRevokedAccess(t *testing.T, s session.Store, clk *Clock) {
	ctx := ctxOf(t)
	revoked, err := s.AccessRevoked(ctx, "jti-1")
	must(t, err, "AccessRevoked")
	if revoked {
		t.Error("AccessRevoked of a token never revoked = true")
	}
	must(t, s.RevokeAccess(ctx, "jti-1", clk.Now().Add(time.Hour)), "RevokeAccess")
	revoked, err = s.AccessRevoked(ctx, "jti-1")
	must(t, err, "AccessRevoked")
	if !revoked {
		t.Error("AccessRevoked after RevokeAccess = false")
	}
	if revoked, _ := s.AccessRevoked(ctx, "jti-2"); revoked {
		t.Error("AccessRevoked of another token = true")
	}
}
