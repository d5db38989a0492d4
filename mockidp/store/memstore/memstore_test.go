package memstore_test

import (
	"testing"

	"github.com/consentry/consentry/mockidp/store/memstore"
	"github.com/consentry/consentry/mockidp/store/storetest"
	"github.com/consentry/consentry/mockidp/tenant"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(*testing.T) tenant.Store { return memstore.New() })
}
