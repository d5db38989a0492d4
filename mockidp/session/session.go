// Package session keeps the IdP's short-lived state: browser login sessions
// (SSO, rule A3), authorization transactions (one pass through /authorize,
// with the screens shown so far, rule C6), authorization codes (rule T1),
// the login tickets of cross-origin authentication and the IDs of revoked
// access tokens, behind the Store interface. Memory is
// the in-memory Store, the default; a durable backend shared by replicas
// implements the same interface and passes the same conformance suite
// (mockidp/store/storetest.RunSessions).
package session

import (
	"context"
	"errors"
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
	// MaxAge is the request's max_age in seconds when MaxAgeSet (rule A6):
	// a session whose login is older needs a new login.
	MaxAge    int64
	MaxAgeSet bool

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
	// IssuedAccess and IssuedRefresh are the IDs of the tokens the winning
	// redemption issued (access token jti, refresh token digest), set by
	// RecordIssued and revoked when the code is replayed after that.
	IssuedAccess  string
	IssuedRefresh string
}

// Lifetimes.
const (
	SessionTTL     = 24 * time.Hour
	TransactionTTL = 30 * time.Minute
	CodeTTL        = 5 * time.Minute // at most 10 minutes (rule T1)
)

// Limits bound the pending transactions, the one part of the state anyone can
// create without credentials. Beyond a limit the oldest transactions (the
// first saved) are evicted: of the same browser first, then of all.
type Limits struct {
	// MaxTransactions bounds every pending transaction of the tenant;
	// DefaultMaxTransactions when zero.
	MaxTransactions int
	// MaxTransactionsPerBrowser bounds the pending transactions of one
	// BrowserID; DefaultMaxTransactionsPerBrowser when zero.
	MaxTransactionsPerBrowser int
	// MaxTransactionBytes bounds the sum of TransactionSize over every
	// pending transaction; DefaultMaxTransactionBytes when zero. Saving a
	// transaction evicts the oldest others until the sum fits (a single
	// transaction is never evicted for its own size: the input bounds of
	// mockidp/engine keep it small).
	MaxTransactionBytes int64
}

// The default limits.
const (
	DefaultMaxTransactions           = 10000
	DefaultMaxTransactionsPerBrowser = 32
	// DefaultMaxTransactionBytes keeps the pending transactions of a
	// tenant to 16 MiB of stored values, however large each request's
	// state, nonce and scope are within their bounds.
	DefaultMaxTransactionBytes = 16 << 20
)

// txOverhead is what TransactionSize counts for a transaction beyond its
// values: the struct, its map and indexes.
const txOverhead = 512

// TransactionSize is the size a transaction counts against
// Limits.MaxTransactionBytes: the bytes of its values plus a fixed
// overhead. Every backend counts the same, so the limits mean the same.
func TransactionSize(tx Transaction) int64 {
	n := txOverhead
	for _, s := range []string{tx.ID, tx.BrowserID, tx.CSRF, tx.ClientID, tx.RedirectURI, tx.ResponseType,
		tx.ResponseMode, tx.State, tx.Nonce, tx.Audience, tx.CodeChallenge, tx.ChallengeMethod, tx.Pending, tx.SessionID} {
		n += len(s)
	}
	for _, s := range tx.Scopes {
		n += len(s) + 16
	}
	for _, s := range tx.Offered {
		n += len(s) + 16
	}
	for k := range tx.Prompt {
		n += len(k) + 16
	}
	return int64(n)
}

// WithDefaults returns l with its zero fields set to the defaults.
func (l Limits) WithDefaults() Limits {
	if l.MaxTransactions <= 0 {
		l.MaxTransactions = DefaultMaxTransactions
	}
	if l.MaxTransactionsPerBrowser <= 0 {
		l.MaxTransactionsPerBrowser = DefaultMaxTransactionsPerBrowser
	}
	if l.MaxTransactionBytes <= 0 {
		l.MaxTransactionBytes = DefaultMaxTransactionBytes
	}
	return l
}

// ErrNotFound is returned for a session, transaction, code or login ticket
// that is unknown, expired, ended, redeemed or collected.
var ErrNotFound = errors.New("session: not found")

// Claim is the outcome of Store.ClaimCode. A code moves one way only:
// unused, claimed (a redemption is issuing tokens), issued (the tokens are
// recorded).
type Claim int

const (
	// ClaimNone: the code is unknown, or expired before anyone claimed it.
	ClaimNone Claim = iota
	// ClaimWon: the code was unused and this caller claimed it. It must
	// issue the tokens and then call RecordIssued.
	ClaimWon
	// ClaimInFlight: another caller claimed the code and has not recorded
	// its tokens yet (a concurrent redemption, a double submit). Refuse the
	// redemption; there is nothing to revoke, and the winner is not harmed.
	ClaimInFlight
	// ClaimReplayed: the code was redeemed and its tokens recorded. Refuse
	// the redemption and revoke the returned Code's IssuedAccess and
	// IssuedRefresh (rule T1).
	ClaimReplayed
)

func (c Claim) String() string {
	switch c {
	case ClaimWon:
		return "won"
	case ClaimInFlight:
		return "in flight"
	case ClaimReplayed:
		return "replayed"
	}
	return "none"
}

// Store keeps the short-lived state. Every method is safe for concurrent
// use, and every method that decides between concurrent callers
// (EndTransaction, ClaimCode) does so in one atomic step, so that a backend
// shared by several replicas (one SQL statement each) keeps the same
// guarantees as the in-memory one. Expiry is measured on the clock the
// backend was made with. The conformance suite is
// mockidp/store/storetest.RunSessions.
type Store interface {
	// PutSession saves (or replaces) a login session.
	PutSession(ctx context.Context, s Session) error
	// GetSession returns a session younger than SessionTTL (from its
	// AuthTime), else ErrNotFound.
	GetSession(ctx context.Context, id string) (Session, error)
	// DeleteSession ends a session; deleting an unknown one is no error.
	DeleteSession(ctx context.Context, id string) error

	// PutTransaction saves a transaction or replaces the one with its ID.
	// A zero CreatedAt is set to now on the first save and kept on
	// replaces. Saving a new transaction beyond the Limits evicts the
	// oldest ones.
	PutTransaction(ctx context.Context, tx Transaction) error
	// GetTransaction returns a transaction younger than TransactionTTL
	// (from its CreatedAt), else ErrNotFound.
	GetTransaction(ctx context.Context, id string) (Transaction, error)
	// EndTransaction removes a transaction so its forms cannot be replayed,
	// and reports whether it was still there: of any number of concurrent
	// calls for one ID, exactly one gets true.
	EndTransaction(ctx context.Context, id string) (bool, error)

	// PutCode saves a new, unused code under the digest of its value.
	PutCode(ctx context.Context, digest string, c Code) error
	// GetCode returns a code's record without claiming it, whatever its
	// state or expiry (the checks that must not consume the code read it
	// first, rule T1); ErrNotFound when unknown or collected.
	GetCode(ctx context.Context, digest string) (Code, error)
	// ClaimCode atomically claims an unused, unexpired code for the caller
	// (ClaimWon), or says why not. Of any number of concurrent calls for
	// one code exactly one gets ClaimWon. The returned Code is the record
	// (with the issued token IDs for ClaimReplayed); for ClaimNone it is
	// the zero Code.
	ClaimCode(ctx context.Context, digest string) (Code, Claim, error)
	// RecordIssued notes the tokens the winner issued from a code it
	// claimed (either ID may be empty) and moves the code to issued: from
	// then on a redemption gets ClaimReplayed. Unknown codes are no error.
	RecordIssued(ctx context.Context, digest, accessID, refreshID string) error

	// PutTicket saves a login ticket under the digest of its value, its
	// ExpiresAt set to TicketTTL from now when zero.
	PutTicket(ctx context.Context, digest string, t Ticket) error
	// RedeemTicket removes and returns a live ticket in one atomic step:
	// a ticket is good once, and of any number of concurrent calls for one
	// digest (on any replica) at most one gets it. Unknown, expired and
	// redeemed tickets are ErrNotFound.
	RedeemTicket(ctx context.Context, digest string) (Ticket, error)

	// RevokeAccess marks an access token ID revoked until its expiry.
	RevokeAccess(ctx context.Context, jti string, until time.Time) error
	// AccessRevoked reports whether an access token ID was revoked.
	AccessRevoked(ctx context.Context, jti string) (bool, error)
}
