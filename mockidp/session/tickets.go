package session

import (
	"sync"
	"time"
)

// TicketTTL is how long a login ticket of cross-origin authentication may
// wait for its /authorize (Auth0's are short-lived too).
const TicketTTL = 2 * time.Minute

// Ticket is a login ticket: the proof, issued by POST /co/authenticate,
// that a user gave the right password to an embedded login form on the
// client's own origin. /authorize?login_ticket= turns it into a session,
// once.
type Ticket struct {
	ClientID  string
	UserID    string
	AuthTime  time.Time
	ExpiresAt time.Time
}

// Tickets holds login tickets by the digest of their value. The zero value
// is not usable; call NewTickets.
type Tickets struct {
	mu      sync.Mutex
	now     func() time.Time
	tickets map[string]Ticket
}

// NewTickets returns an empty ticket store on clock now (time.Now when nil).
func NewTickets(now func() time.Time) *Tickets {
	if now == nil {
		now = time.Now
	}
	return &Tickets{now: now, tickets: map[string]Ticket{}}
}

// Put saves a ticket, its ExpiresAt set to TicketTTL from now when zero.
func (t *Tickets) Put(digest string, tk Ticket) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for k, old := range t.tickets {
		if now.After(old.ExpiresAt) {
			delete(t.tickets, k)
		}
	}
	if tk.ExpiresAt.IsZero() {
		tk.ExpiresAt = now.Add(TicketTTL)
	}
	t.tickets[digest] = tk
}

// Redeem removes and returns a live ticket: a ticket is good once.
func (t *Tickets) Redeem(digest string) (Ticket, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tk, ok := t.tickets[digest]
	delete(t.tickets, digest)
	if !ok || t.now().After(tk.ExpiresAt) {
		return Ticket{}, false
	}
	return tk, true
}
