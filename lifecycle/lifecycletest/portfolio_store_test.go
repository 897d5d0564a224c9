package lifecycletest_test

import (
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

func TestMemoryPortfolioStore(t *testing.T) {
	lifecycletest.TestPortfolioStore(t, func(*testing.T) lifecycle.PortfolioStore {
		return lifecycletest.NewPortfolioStore()
	})
}

func TestMemoryImprovementStore(t *testing.T) {
	lifecycletest.TestImprovementStore(t, func(*testing.T) lifecycle.ImprovementStore {
		return lifecycletest.NewImprovementStore()
	})
}
