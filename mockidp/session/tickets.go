package session

import "time"

// TicketTTL is how long a login ticket of cross-origin authentication may
// wait for its /authorize (Auth0's are short-lived too).
const TicketTTL = 2 * time.Minute

// Ticket is a login ticket: the proof, issued by POST /co/authenticate,
// that a user gave the right password to an embedded login form on the
// client's own origin. /authorize?login_ticket= turns it into a session,
// once. Tickets live in the Store (PutTicket, RedeemTicket), so that a
// ticket issued by one replica can be redeemed at another.
type Ticket struct {
	ClientID  string
	UserID    string
	AuthTime  time.Time
	ExpiresAt time.Time
}
