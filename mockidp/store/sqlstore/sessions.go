package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/consentry/consentry/mockidp/session"
)

// Sessions is the short-lived state (login sessions, transactions,
// authorization codes, login tickets, revoked access tokens) in the same database as the
// tenant, so that replicas share it: a flow may hop between replicas at
// every request. Create it with Store.Sessions.
//
// The steps that decide between concurrent callers are one statement each:
// EndTransaction is a DELETE whose row count says who won, and ClaimCode an
// UPDATE ... WHERE state = unused ... RETURNING. Times are Unix nanoseconds
// from the clock Sessions was made with, compared in SQL.
type Sessions struct {
	s      *Store
	now    func() time.Time
	limits session.Limits

	gcMu   sync.Mutex
	lastGC time.Time
}

var _ session.Store = (*Sessions)(nil)

// Code states, in the only order they move.
const (
	codeUnused  = 0
	codeClaimed = 1
	codeIssued  = 2
)

// Sessions returns the store's short-lived state, measuring expiry on now
// (time.Now when nil) and bounding pending transactions by limits (zero
// fields: the defaults).
func (s *Store) Sessions(now func() time.Time, limits session.Limits) *Sessions {
	if now == nil {
		now = time.Now
	}
	return &Sessions{s: s, now: now, limits: limits.WithDefaults()}
}

func nanos(t time.Time) int64 { return t.UnixNano() }

// getLive reads one session-side document; session.ErrNotFound when the
// query finds no row (none, or expired by the query's own bound).
func getLive[T any](ctx context.Context, q querier, query string, args ...any) (T, error) {
	var doc string
	err := q.QueryRowContext(ctx, query, args...).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, session.ErrNotFound
	}
	if err != nil {
		var zero T
		return zero, err
	}
	return decodeDoc[T](doc)
}

// Login sessions

func (ss *Sessions) PutSession(ctx context.Context, se session.Session) error {
	ss.maybeGC(ctx)
	_, err := ss.s.exec(ctx, `INSERT INTO login_sessions (id, auth_time_ns, doc) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET auth_time_ns = excluded.auth_time_ns, doc = excluded.doc`,
		se.ID, nanos(se.AuthTime), encode(se))
	return err
}

func (ss *Sessions) GetSession(ctx context.Context, id string) (session.Session, error) {
	return getLive[session.Session](ctx, ss.s.db, `SELECT doc FROM login_sessions WHERE id = $1 AND auth_time_ns >= $2`,
		id, nanos(ss.now().Add(-session.SessionTTL)))
}

func (ss *Sessions) DeleteSession(ctx context.Context, id string) error {
	_, err := ss.s.exec(ctx, `DELETE FROM login_sessions WHERE id = $1`, id)
	return err
}

// Transactions

// PutTransaction saves or replaces a transaction in one transaction that
// also evicts the oldest pending ones beyond the limits. On PostgreSQL the
// transactions table is locked for it, so that replicas saving at once
// count the same rows.
func (ss *Sessions) PutTransaction(ctx context.Context, t session.Transaction) error {
	ss.maybeGC(ctx)
	return ss.s.tx(ctx, func(tx *sql.Tx) error {
		if ss.s.d.lockTransactions != "" {
			if _, err := tx.ExecContext(ctx, ss.s.d.lockTransactions); err != nil {
				return err
			}
		}
		var created int64
		err := tx.QueryRowContext(ctx, `SELECT created_ns FROM transactions WHERE id = $1`, t.ID).Scan(&created)
		switch {
		case err == nil: // a replace: keeps its place in the eviction order
			if t.CreatedAt.IsZero() {
				t.CreatedAt = time.Unix(0, created).UTC()
			}
			if _, err = tx.ExecContext(ctx, `UPDATE transactions SET browser_id = $2, created_ns = $3, doc = $4, size_bytes = $5 WHERE id = $1`,
				t.ID, t.BrowserID, nanos(t.CreatedAt), encode(t), session.TransactionSize(t)); err != nil {
				return err
			}
			return evictBytes(ctx, tx, t.ID, ss.limits.MaxTransactionBytes)
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if t.CreatedAt.IsZero() {
			t.CreatedAt = ss.now()
		}
		if err := evict(ctx, tx, `browser_id = $1`, ss.limits.MaxTransactionsPerBrowser, t.BrowserID); err != nil {
			return err
		}
		if err := evict(ctx, tx, `1 = 1`, ss.limits.MaxTransactions); err != nil {
			return err
		}
		if _, err = tx.ExecContext(ctx, `INSERT INTO transactions (id, browser_id, created_ns, doc, size_bytes) VALUES ($1, $2, $3, $4, $5)`,
			t.ID, t.BrowserID, nanos(t.CreatedAt), encode(t), session.TransactionSize(t)); err != nil {
			return err
		}
		return evictBytes(ctx, tx, t.ID, ss.limits.MaxTransactionBytes)
	})
}

// evictBytes deletes the oldest transactions other than keep while the
// sizes of all exceed budget: every row whose own size plus those of the
// rows newer than it (keep counted first, whatever its place) is over the
// budget goes.
func evictBytes(ctx context.Context, tx *sql.Tx, keep string, budget int64) error {
	var total int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(size_bytes), 0) FROM transactions`).Scan(&total); err != nil {
		return err
	}
	if total <= budget {
		return nil
	}
	var kept int64
	if err := tx.QueryRowContext(ctx, `SELECT size_bytes FROM transactions WHERE id = $1`, keep).Scan(&kept); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM transactions WHERE seq IN (
	SELECT seq FROM (
		SELECT seq, SUM(size_bytes) OVER (ORDER BY seq DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS newer
		FROM transactions WHERE id <> $1
	) ranked WHERE newer + $2 > $3
)`, keep, kept, budget)
	return err
}

// evict deletes the oldest transactions matching where until fewer than
// max are left, making room for one more.
func evict(ctx context.Context, tx *sql.Tx, where string, max int, args ...any) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM transactions WHERE `+where, args...).Scan(&n); err != nil {
		return err
	}
	if n < max {
		return nil
	}
	limit := fmt.Sprint(n - max + 1)
	_, err := tx.ExecContext(ctx, `DELETE FROM transactions WHERE seq IN (SELECT seq FROM transactions WHERE `+where+
		` ORDER BY seq LIMIT `+limit+`)`, args...)
	return err
}

func (ss *Sessions) GetTransaction(ctx context.Context, id string) (session.Transaction, error) {
	return getLive[session.Transaction](ctx, ss.s.db, `SELECT doc FROM transactions WHERE id = $1 AND created_ns >= $2`,
		id, nanos(ss.now().Add(-session.TransactionTTL)))
}

// EndTransaction is one DELETE: of concurrent calls, only the one whose
// DELETE removed the row gets true.
func (ss *Sessions) EndTransaction(ctx context.Context, id string) (bool, error) {
	n, err := ss.s.exec(ctx, `DELETE FROM transactions WHERE id = $1`, id)
	return n == 1, err
}

// Codes. The issued token IDs have columns of their own, so that
// RecordIssued is one UPDATE; they are put back into the Code on reads.

func (ss *Sessions) PutCode(ctx context.Context, digest string, c session.Code) error {
	ss.maybeGC(ctx)
	c.IssuedAccess, c.IssuedRefresh = "", ""
	_, err := ss.s.exec(ctx, `INSERT INTO auth_codes (digest, state, expires_ns, issued_access, issued_refresh, doc) VALUES ($1, 0, $2, '', '', $3)
ON CONFLICT (digest) DO UPDATE SET state = 0, expires_ns = excluded.expires_ns, issued_access = '', issued_refresh = '', doc = excluded.doc`,
		digest, nanos(c.ExpiresAt), encode(c))
	return err
}

func scanCode(doc, access, refresh string) (session.Code, error) {
	c, err := decodeDoc[session.Code](doc)
	c.IssuedAccess, c.IssuedRefresh = access, refresh
	return c, err
}

func (ss *Sessions) GetCode(ctx context.Context, digest string) (session.Code, error) {
	c, _, err := ss.readCode(ctx, digest)
	return c, err
}

func (ss *Sessions) readCode(ctx context.Context, digest string) (session.Code, int, error) {
	var doc, access, refresh string
	var state int
	err := ss.s.db.QueryRowContext(ctx, `SELECT state, doc, issued_access, issued_refresh FROM auth_codes WHERE digest = $1`, digest).
		Scan(&state, &doc, &access, &refresh)
	if errors.Is(err, sql.ErrNoRows) {
		return session.Code{}, 0, session.ErrNotFound
	}
	if err != nil {
		return session.Code{}, 0, err
	}
	c, err := scanCode(doc, access, refresh)
	return c, state, err
}

// ClaimCode claims with ONE statement, the UPDATE of an unused, unexpired
// code: the database lets exactly one of concurrent claims change the row.
// A claim that changed nothing then reads why; the state only moves
// forward, so what it reads is a state the code really had after the
// failed claim.
func (ss *Sessions) ClaimCode(ctx context.Context, digest string) (session.Code, session.Claim, error) {
	var doc, access, refresh string
	err := func() error {
		if ss.s.d.oneWriter {
			ss.s.writeMu.Lock()
			defer ss.s.writeMu.Unlock()
		}
		return ss.s.db.QueryRowContext(ctx, `UPDATE auth_codes SET state = 1
WHERE digest = $1 AND state = 0 AND expires_ns >= $2
RETURNING doc, issued_access, issued_refresh`, digest, nanos(ss.now())).Scan(&doc, &access, &refresh)
	}()
	if err == nil {
		c, err := scanCode(doc, access, refresh)
		if err != nil {
			return session.Code{}, session.ClaimNone, err
		}
		return c, session.ClaimWon, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return session.Code{}, session.ClaimNone, err
	}
	c, state, err := ss.readCode(ctx, digest)
	switch {
	case errors.Is(err, session.ErrNotFound):
		return session.Code{}, session.ClaimNone, nil
	case err != nil:
		return session.Code{}, session.ClaimNone, err
	case state == codeIssued:
		return c, session.ClaimReplayed, nil
	case state == codeClaimed:
		return c, session.ClaimInFlight, nil
	}
	return session.Code{}, session.ClaimNone, nil // unused but expired
}

func (ss *Sessions) RecordIssued(ctx context.Context, digest, accessID, refreshID string) error {
	_, err := ss.s.exec(ctx, `UPDATE auth_codes SET state = 2, issued_access = $2, issued_refresh = $3 WHERE digest = $1`,
		digest, accessID, refreshID)
	return err
}

// Login tickets

func (ss *Sessions) PutTicket(ctx context.Context, digest string, t session.Ticket) error {
	ss.maybeGC(ctx)
	if t.ExpiresAt.IsZero() {
		t.ExpiresAt = ss.now().Add(session.TicketTTL)
	}
	_, err := ss.s.exec(ctx, `INSERT INTO login_tickets (digest, expires_ns, doc) VALUES ($1, $2, $3)
ON CONFLICT (digest) DO UPDATE SET expires_ns = excluded.expires_ns, doc = excluded.doc`,
		digest, nanos(t.ExpiresAt), encode(t))
	return err
}

// RedeemTicket is one DELETE ... RETURNING: of concurrent redemptions, on
// any replica, only the one whose DELETE removed the row gets the ticket.
// An expired ticket is deleted too, and not returned.
func (ss *Sessions) RedeemTicket(ctx context.Context, digest string) (session.Ticket, error) {
	var doc string
	var expires int64
	err := func() error {
		if ss.s.d.oneWriter {
			ss.s.writeMu.Lock()
			defer ss.s.writeMu.Unlock()
		}
		return ss.s.db.QueryRowContext(ctx, `DELETE FROM login_tickets WHERE digest = $1 RETURNING expires_ns, doc`, digest).Scan(&expires, &doc)
	}()
	if errors.Is(err, sql.ErrNoRows) {
		return session.Ticket{}, session.ErrNotFound
	}
	if err != nil {
		return session.Ticket{}, err
	}
	if nanos(ss.now()) > expires {
		return session.Ticket{}, session.ErrNotFound
	}
	return decodeDoc[session.Ticket](doc)
}

// Revoked access tokens

func (ss *Sessions) RevokeAccess(ctx context.Context, jti string, until time.Time) error {
	ss.maybeGC(ctx)
	_, err := ss.s.exec(ctx, `INSERT INTO revoked_access (jti, until_ns) VALUES ($1, $2)
ON CONFLICT (jti) DO UPDATE SET until_ns = excluded.until_ns`, jti, nanos(until))
	return err
}

func (ss *Sessions) AccessRevoked(ctx context.Context, jti string) (bool, error) {
	var one int
	err := ss.s.db.QueryRowContext(ctx, `SELECT 1 FROM revoked_access WHERE jti = $1`, jti).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// Expiry

// maybeGC deletes expired rows at most once a minute per process, on
// writes. Codes are kept a while past expiry, so that a late replay still
// revokes what the code gave. A failure is left for the next time: the
// reads check expiry themselves.
func (ss *Sessions) maybeGC(ctx context.Context) {
	now := ss.now()
	ss.gcMu.Lock()
	if now.Sub(ss.lastGC) < time.Minute {
		ss.gcMu.Unlock()
		return
	}
	ss.lastGC = now
	ss.gcMu.Unlock()
	_ = ss.s.tx(ctx, func(tx *sql.Tx) error {
		for _, q := range []struct {
			sql    string
			cutoff time.Time
		}{
			{`DELETE FROM login_sessions WHERE auth_time_ns < $1`, now.Add(-session.SessionTTL)},
			{`DELETE FROM transactions WHERE created_ns < $1`, now.Add(-session.TransactionTTL)},
			{`DELETE FROM auth_codes WHERE expires_ns < $1`, now.Add(-session.CodeTTL)},
			{`DELETE FROM revoked_access WHERE until_ns < $1`, now},
			{`DELETE FROM login_tickets WHERE expires_ns < $1`, now},
		} {
			if _, err := tx.ExecContext(ctx, q.sql, nanos(q.cutoff)); err != nil {
				return err
			}
		}
		return nil
	})
}
