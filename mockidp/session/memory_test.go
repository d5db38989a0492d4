package session_test

import (
	"net/url"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/store/storetest"
)

func TestMemoryConformance(t *testing.T) {
	storetest.RunSessions(t, func(_ *testing.T, now func() time.Time, l session.Limits) session.Store {
		return session.NewMemory(now, l)
	})
}

// TestMemoryOwnsTransactionValues is issue 8's memory finding: a state or
// nonce taken from a request's query is a slice of the whole query string,
// so a store keeping it as it came kept every other parameter (a long
// login_hint) alive with it. The store keeps copies of its own.
func TestMemoryOwnsTransactionValues(t *testing.T) {
	query := "state=" + strings.Repeat("s", 100) + "&nonce=" + strings.Repeat("n", 100) + "&login_hint=" + strings.Repeat("h", 8000)
	q, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	m := session.NewMemory(nil, session.Limits{})
	tx := session.Transaction{ID: "t1", BrowserID: "b1", State: q.Get("state"), Nonce: q.Get("nonce"), Scopes: []string{q.Get("state")}}
	if err := m.PutTransaction(t.Context(), tx); err != nil {
		t.Fatal(err)
	}
	got, err := m.GetTransaction(t.Context(), "t1")
	if err != nil {
		t.Fatal(err)
	}
	for name, pair := range map[string][2]string{"State": {got.State, tx.State}, "Nonce": {got.Nonce, tx.Nonce}, "Scopes[0]": {got.Scopes[0], tx.Scopes[0]}} {
		if unsafe.StringData(pair[0]) == unsafe.StringData(pair[1]) {
			t.Errorf("the stored %s shares its bytes with the caller's string (and so keeps the request's whole query alive)", name)
		}
	}
}
