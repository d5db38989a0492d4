package oktamem_test

import (
	"testing"

	"github.com/consentry/consentry/mockidp/okta"
	"github.com/consentry/consentry/mockidp/store/oktamem"
	"github.com/consentry/consentry/mockidp/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunOkta(t, func(*testing.T) okta.Store { return oktamem.New() })
}
