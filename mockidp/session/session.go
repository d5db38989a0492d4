// Package session keeps the IdP's short-lived state: browser login sessions
// (SSO, rule A3), authorization transactions (one pass through /authorize,
// with the screens shown so far, rule C6), authorization codes (rule T1) and
// the IDs of revoked access tokens. It is in memory by design: none of it
// outlives a restart of a real IdP's front end either.
package session

import (
	"sync"
	"time"
)

// Session is a user's login session in one browser.
type Session struct {
	ID       string
	UserID   string
	AuthTime time.Time
}

// Transaction is one authorization request on its way to the callback.
type Transaction struct {
	ID string
	// BrowserID binds the transaction to the browser that started it (C8).
	BrowserID string
	// CSRF is the anti-forgery value the forms carry.
	CSRF string

	ClientID        string
	RedirectURI     string
	ResponseType    string
	ResponseMode    string
	State           string
	Nonce           string
	Audience        string
	Scopes          []string
	CodeChallenge   string
	ChallengeMethod string
	Prompt          map[string]bool

	// LoggedIn is set when the login page was passed in this transaction.
	LoggedIn bool
	// ScreenShown is set when any page (login, consent) was shown.
	ScreenShown bool
	// Pending is the screen the transaction waits on ("login", "consent",
	// "confirmation"), so a form for another screen is refused.
	Pending string
	// Offered are the scopes the consent page was rendered with.
	Offered []string
	// SessionID is the login session the consent or confirmation page was
	// shown for: its form is refused from any other session (C8).
	SessionID string
	CreatedAt time.Time
}

// Code is an issued authorization code's record.
type Code struct {
	ClientID        string
	RedirectURI     string
	UserID          string
	Audience        string
	Scopes          []string
	Nonce           string
	AuthTime        time.Time
	CodeChallenge   string
	ChallengeMethod string
	GrantID         string
	ExpiresAt       time.Time
	// Redeemed is set on first use; a second use revokes what the first issued.
	Redeemed bool
	// Replayed is set on a second use.
	Replayed bool
	// Issued are the token IDs (access token jti, refresh token digest)
	// issued from this code, revoked when the code is replayed.
	IssuedAccess  []string
	IssuedRefresh []string
}

// Lifetimes.
const (
	SessionTTL     = 24 * time.Hour
	TransactionTTL = 30 * time.Minute
	CodeTTL        = 5 * time.Minute // at most 10 minutes (rule T1)
)

// Store holds the short-lived state. The zero value is not usable; call New.
type Store struct {
	mu       sync.Mutex
	now      func() time.Time
	sessions map[string]*Session
	txs      map[string]*Transaction
	codes    map[string]*Code
	revoked  map[string]time.Time // access token jti -> its expiry
	lastGC   time.Time
}

// New returns an empty store using clock now (time.Now when nil).
func New(now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{now: now, sessions: map[string]*Session{}, txs: map[string]*Transaction{},
		codes: map[string]*Code{}, revoked: map[string]time.Time{}}
}

// PutSession saves a session.
func (s *Store) PutSession(se Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sessions[se.ID] = &se
}

// Session returns a live session.
func (s *Store) Session(id string) (Session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	se, ok := s.sessions[id]
	if !ok || s.now().Sub(se.AuthTime) > SessionTTL {
		return Session{}, false
	}
	return *se, true
}

// DeleteSession ends a session (logout).
func (s *Store) DeleteSession(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
}

// PutTransaction saves (or replaces) a transaction.
func (s *Store) PutTransaction(tx Transaction) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybeGC()
	if tx.CreatedAt.IsZero() {
		tx.CreatedAt = s.now()
	}
	s.txs[tx.ID] = &tx
}

// Transaction returns a live transaction by ID.
func (s *Store) Transaction(id string) (Transaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, ok := s.txs[id]
	if !ok || s.now().Sub(tx.CreatedAt) > TransactionTTL {
		return Transaction{}, false
	}
	return *tx, true
}

// EndTransaction removes a transaction, so its forms cannot be replayed.
// It reports whether the transaction was still there: of two concurrent
// submissions, only one ends it.
func (s *Store) EndTransaction(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.txs[id]
	delete(s.txs, id)
	return ok
}

// PutCode saves a code under its digest.
func (s *Store) PutCode(digest string, c Code) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.maybeGC()
	s.codes[digest] = &c
}

// RedeemCode marks the code used and returns it with whether this was the
// first redemption. Expired codes are not found.
func (s *Store) RedeemCode(digest string) (c Code, first bool, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, found := s.codes[digest]
	if !found || s.now().After(p.ExpiresAt) {
		return Code{}, false, false
	}
	first = !p.Redeemed
	p.Replayed = p.Redeemed
	p.Redeemed = true
	return *p, first, true
}

// RecordIssued notes tokens issued from a code, for revocation on replay.
// It reports whether the code was replayed while those tokens were being
// issued: the replay could not revoke them, so the caller must.
func (s *Store) RecordIssued(digest, accessID, refreshID string) (replayed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.codes[digest]
	if !ok {
		return false
	}
	if accessID != "" {
		p.IssuedAccess = append(p.IssuedAccess, accessID)
	}
	if refreshID != "" {
		p.IssuedRefresh = append(p.IssuedRefresh, refreshID)
	}
	return p.Replayed
}

// Revoke marks an access token ID revoked until its expiry.
func (s *Store) Revoke(jti string, until time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.revoked[jti] = until
}

// Revoked reports whether an access token ID was revoked.
func (s *Store) Revoked(jti string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.revoked[jti]
	return ok
}

// maybeGC drops expired entries at most once a minute; called with mu held,
// on writes, so the cost stays off the hot path.
func (s *Store) maybeGC() {
	now := s.now()
	if now.Sub(s.lastGC) < time.Minute {
		return
	}
	s.lastGC = now
	for k, tx := range s.txs {
		if now.Sub(tx.CreatedAt) > TransactionTTL {
			delete(s.txs, k)
		}
	}
	for k, c := range s.codes {
		if now.After(c.ExpiresAt.Add(CodeTTL)) {
			delete(s.codes, k)
		}
	}
	for k, se := range s.sessions {
		if now.Sub(se.AuthTime) > SessionTTL {
			delete(s.sessions, k)
		}
	}
	for k, until := range s.revoked {
		if now.After(until) {
			delete(s.revoked, k)
		}
	}
}
