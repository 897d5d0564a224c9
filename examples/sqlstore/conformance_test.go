package sqlstore

import (
	"testing"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

func TestConformanceProblemStore(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		fresh := emptier(t, b)
		problemtest.TestStore(t, func(t *testing.T) problem.Store { return fresh(t).Problems() })
	})
}

func TestConformanceTimerStore(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		fresh := emptier(t, b)
		slatest.TestStore(t, func(t *testing.T) sla.Store { return fresh(t).Timers() })
	})
}

func TestConformanceServiceStore(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		fresh := emptier(t, b)
		lifecycletest.TestPortfolioStore(t, func(t *testing.T) lifecycle.PortfolioStore { return fresh(t).Services() })
	})
}

func TestConformanceImprovementStore(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		fresh := emptier(t, b)
		lifecycletest.TestImprovementStore(t, func(t *testing.T) lifecycle.ImprovementStore { return fresh(t).Improvements() })
	})
}

func TestConformanceIncidentStore(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		fresh := emptier(t, b)
		incidenttest.TestStore(t, func(t *testing.T) incident.Store { return fresh(t).Incidents() })
	})
}

func TestConformanceChangeStore(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		fresh := emptier(t, b)
		changetest.TestStore(t, func(t *testing.T) change.Store { return fresh(t).Changes() })
	})
}
