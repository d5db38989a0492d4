package session

import (
	"container/list"
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Memory is the in-memory Store. The zero value is not usable; call
// NewMemory.
type Memory struct {
	mu       sync.Mutex
	now      func() time.Time
	limits   Limits
	sessions map[string]*Session
	txs      map[string]*txEntry
	// order holds transaction IDs, oldest first; byBrowser the same per
	// BrowserID. Both only hold live entries of txs.
	order     *list.List
	byBrowser map[string][]string
	codes     map[string]*codeEntry
	tickets   map[string]Ticket
	revoked   map[string]time.Time // access token jti -> its expiry
	lastGC    time.Time
	// txBytes is the sum of the live transactions' sizes.
	txBytes int64
}

type txEntry struct {
	tx   Transaction
	size int64
	elem *list.Element
}

type codeState int

const (
	codeUnused codeState = iota
	codeClaimed
	codeIssued
)

type codeEntry struct {
	code  Code
	state codeState
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty store using clock now (time.Now when nil) and
// the limits (zero fields: the defaults).
func NewMemory(now func() time.Time, limits Limits) *Memory {
	if now == nil {
		now = time.Now
	}
	return &Memory{now: now, limits: limits.WithDefaults(), sessions: map[string]*Session{},
		txs: map[string]*txEntry{}, order: list.New(), byBrowser: map[string][]string{},
		codes: map[string]*codeEntry{}, tickets: map[string]Ticket{}, revoked: map[string]time.Time{}}
}

// PutSession saves a session.
func (s *Memory) PutSession(_ context.Context, se Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybeGC()
	s.sessions[se.ID] = &se
	return nil
}

// GetSession returns a live session.
func (s *Memory) GetSession(_ context.Context, id string) (Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.sessions[id]
	if !ok || s.now().Sub(se.AuthTime) > SessionTTL {
		return Session{}, ErrNotFound
	}
	return *se, nil
}

// DeleteSession ends a session (logout, re-login).
func (s *Memory) DeleteSession(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
	return nil
}

// PutTransaction saves (or replaces) a transaction, evicting the oldest
// beyond the limits. The store keeps its own copy of every value: a string
// the caller sliced out of a larger one (a request's query) would keep the
// whole of it alive.
func (s *Memory) PutTransaction(_ context.Context, tx Transaction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybeGC()
	tx = ownTransaction(tx)
	size := TransactionSize(tx)
	if e, ok := s.txs[tx.ID]; ok {
		if tx.CreatedAt.IsZero() {
			tx.CreatedAt = e.tx.CreatedAt
		}
		if tx.BrowserID != e.tx.BrowserID {
			s.dropFromBrowser(e.tx.BrowserID, tx.ID)
			s.byBrowser[tx.BrowserID] = append(s.byBrowser[tx.BrowserID], tx.ID)
		}
		s.txBytes += size - e.size
		e.tx, e.size = tx, size
		s.evictBytes(tx.ID)
		return nil
	}
	if tx.CreatedAt.IsZero() {
		tx.CreatedAt = s.now()
	}
	for len(s.byBrowser[tx.BrowserID]) >= s.limits.MaxTransactionsPerBrowser {
		s.removeTx(s.byBrowser[tx.BrowserID][0])
	}
	for len(s.txs) >= s.limits.MaxTransactions {
		s.removeTx(s.order.Front().Value.(string))
	}
	s.txs[tx.ID] = &txEntry{tx: tx, size: size, elem: s.order.PushBack(tx.ID)}
	s.byBrowser[tx.BrowserID] = append(s.byBrowser[tx.BrowserID], tx.ID)
	s.txBytes += size
	s.evictBytes(tx.ID)
	return nil
}

// evictBytes removes the oldest transactions other than keep until the
// byte budget holds; called with mu held.
func (s *Memory) evictBytes(keep string) {
	for e := s.order.Front(); e != nil && s.txBytes > s.limits.MaxTransactionBytes; {
		next := e.Next()
		if id := e.Value.(string); id != keep {
			s.removeTx(id)
		}
		e = next
	}
}

// ownTransaction returns tx with copies of its strings, slices and map.
func ownTransaction(tx Transaction) Transaction {
	for _, p := range []*string{&tx.ID, &tx.BrowserID, &tx.CSRF, &tx.ClientID, &tx.RedirectURI, &tx.ResponseType,
		&tx.ResponseMode, &tx.State, &tx.Nonce, &tx.Audience, &tx.CodeChallenge, &tx.ChallengeMethod, &tx.Pending, &tx.SessionID} {
		*p = strings.Clone(*p)
	}
	own := func(ss []string) []string {
		if ss == nil {
			return nil
		}
		out := make([]string, len(ss))
		for i, v := range ss {
			out[i] = strings.Clone(v)
		}
		return out
	}
	tx.Scopes, tx.Offered = own(tx.Scopes), own(tx.Offered)
	if tx.Prompt != nil {
		p := make(map[string]bool, len(tx.Prompt))
		for k, v := range tx.Prompt {
			p[strings.Clone(k)] = v
		}
		tx.Prompt = p
	}
	return tx
}

// removeTx deletes a transaction from every index; called with mu held.
func (s *Memory) removeTx(id string) bool {
	e, ok := s.txs[id]
	if !ok {
		return false
	}
	delete(s.txs, id)
	s.txBytes -= e.size
	s.order.Remove(e.elem)
	s.dropFromBrowser(e.tx.BrowserID, id)
	return true
}

func (s *Memory) dropFromBrowser(browser, id string) {
	ids := slices.DeleteFunc(s.byBrowser[browser], func(x string) bool { return x == id })
	if len(ids) == 0 {
		delete(s.byBrowser, browser)
		return
	}
	s.byBrowser[browser] = ids
}

// GetTransaction returns a live transaction by ID.
func (s *Memory) GetTransaction(_ context.Context, id string) (Transaction, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.txs[id]
	if !ok || s.now().Sub(e.tx.CreatedAt) > TransactionTTL {
		return Transaction{}, ErrNotFound
	}
	tx := e.tx
	tx.Prompt = maps.Clone(tx.Prompt)
	tx.Scopes, tx.Offered = slices.Clone(tx.Scopes), slices.Clone(tx.Offered)
	return tx, nil
}

// EndTransaction removes a transaction; exactly one concurrent caller gets
// true.
func (s *Memory) EndTransaction(_ context.Context, id string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.removeTx(id), nil
}

// PutCode saves an unused code under its digest.
func (s *Memory) PutCode(_ context.Context, digest string, c Code) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybeGC()
	c.Scopes = slices.Clone(c.Scopes)
	s.codes[digest] = &codeEntry{code: c}
	return nil
}

// GetCode returns a code's record without claiming it.
func (s *Memory) GetCode(_ context.Context, digest string) (Code, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.codes[digest]
	if !ok {
		return Code{}, ErrNotFound
	}
	return e.copy(), nil
}

// ClaimCode claims an unused, unexpired code, in one step under the lock.
func (s *Memory) ClaimCode(_ context.Context, digest string) (Code, Claim, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.codes[digest]
	if !ok {
		return Code{}, ClaimNone, nil
	}
	switch e.state {
	case codeIssued:
		return e.copy(), ClaimReplayed, nil
	case codeClaimed:
		return e.copy(), ClaimInFlight, nil
	}
	if s.now().After(e.code.ExpiresAt) {
		return Code{}, ClaimNone, nil
	}
	e.state = codeClaimed
	return e.copy(), ClaimWon, nil
}

// RecordIssued notes the winner's tokens and marks the code issued.
func (s *Memory) RecordIssued(_ context.Context, digest, accessID, refreshID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.codes[digest]
	if !ok {
		return nil
	}
	e.code.IssuedAccess, e.code.IssuedRefresh = accessID, refreshID
	e.state = codeIssued
	return nil
}

func (e *codeEntry) copy() Code {
	c := e.code
	c.Scopes = slices.Clone(c.Scopes)
	return c
}

// PutTicket saves a login ticket.
func (s *Memory) PutTicket(_ context.Context, digest string, t Ticket) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybeGC()
	if t.ExpiresAt.IsZero() {
		t.ExpiresAt = s.now().Add(TicketTTL)
	}
	s.tickets[digest] = t
	return nil
}

// RedeemTicket removes and returns a live ticket, under the lock.
func (s *Memory) RedeemTicket(_ context.Context, digest string) (Ticket, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tickets[digest]
	delete(s.tickets, digest)
	if !ok || s.now().After(t.ExpiresAt) {
		return Ticket{}, ErrNotFound
	}
	return t, nil
}

// RevokeAccess marks an access token ID revoked until its expiry.
func (s *Memory) RevokeAccess(_ context.Context, jti string, until time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybeGC()
	s.revoked[jti] = until
	return nil
}

// AccessRevoked reports whether an access token ID was revoked.
func (s *Memory) AccessRevoked(_ context.Context, jti string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.revoked[jti]
	return ok, nil
}

// maybeGC drops expired entries at most once a minute; called with mu held,
// on writes, so the cost stays off the hot path.
func (s *Memory) maybeGC() {
	now := s.now()
	if now.Sub(s.lastGC) < time.Minute {
		return
	}
	s.lastGC = now
	for k, e := range s.txs {
		if now.Sub(e.tx.CreatedAt) > TransactionTTL {
			s.removeTx(k)
		}
	}
	for k, e := range s.codes {
		// Kept a while past expiry, so a late replay still revokes.
		if now.After(e.code.ExpiresAt.Add(CodeTTL)) {
			delete(s.codes, k)
		}
	}
	for k, se := range s.sessions {
		if now.Sub(se.AuthTime) > SessionTTL {
			delete(s.sessions, k)
		}
	}
	for k, t := range s.tickets {
		if now.After(t.ExpiresAt) {
			delete(s.tickets, k)
		}
	}
	for k, until := range s.revoked {
		if now.After(until) {
			delete(s.revoked, k)
		}
	}
}
