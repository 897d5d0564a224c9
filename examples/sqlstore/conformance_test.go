package sqlstore

import (
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"testing"

	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

func TestProblemStore(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(testing.TB) *DB) {
		fresh := emptier(t, open)
		problemtest.TestStore(t, func(t *testing.T) problem.Store { return fresh(t).Problems() })
	})
}

func TestTimerStore(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(testing.TB) *DB) {
		fresh := emptier(t, open)
		slatest.TestStore(t, func(t *testing.T) sla.Store { return fresh(t).Timers() })
	})
}

func TestServiceStore(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(testing.TB) *DB) {
		fresh := emptier(t, open)
		lifecycletest.TestPortfolioStore(t, func(t *testing.T) lifecycle.PortfolioStore { return fresh(t).Services() })
	})
}

func TestImprovementStore(t *testing.T) {
	eachBackend(t, func(t *testing.T, open func(testing.TB) *DB) {
		fresh := emptier(t, open)
		lifecycletest.TestImprovementStore(t, func(t *testing.T) lifecycle.ImprovementStore { return fresh(t).Improvements() })
	})
}
