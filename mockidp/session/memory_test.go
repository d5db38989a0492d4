package session_test

import (
	"testing"
	"time"

	"github.com/consentry/consentry/mockidp/session"
	"github.com/consentry/consentry/mockidp/store/storetest"
)

func TestMemoryConformance(t *testing.T) {
	storetest.RunSessions(t, func(_ *testing.T, now func() time.Time, l session.Limits) session.Store {
		return session.NewMemory(now, l)
	})
}
