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
	"github.com/itsmkit/itsm/request"
	"github.com/itsmkit/itsm/request/requesttest"
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

func TestConformanceRequestStore(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		fresh := emptier(t, b)
		requesttest.TestStore(t, func(t *testing.T) request.Store { return fresh(t).Requests() })
	})
}

// TestConformanceOutbox runs lifecycletest.TestOutbox over every store:
// each is an outbox, which stores a write's events in the write's
// transaction, and none of a refused write's.
func TestConformanceOutbox(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		fresh := emptier(t, b)
		var db *DB
		open := func(t *testing.T) *DB {
			db = fresh(t)
			return db
		}
		t.Run("incident", func(t *testing.T) {
			lifecycletest.TestOutbox(t, incidenttest.Kit(func(t *testing.T) incident.Store { return open(t).Incidents() }), queued[*incident.Incident](&db))
		})
		t.Run("problem", func(t *testing.T) {
			lifecycletest.TestOutbox(t, problemtest.Kit(func(t *testing.T) problem.Store { return open(t).Problems() }), queued[*problem.Problem](&db))
		})
		t.Run("change", func(t *testing.T) {
			lifecycletest.TestOutbox(t, changetest.Kit(func(t *testing.T) change.Store { return open(t).Changes() }), queued[*change.Change](&db))
		})
		t.Run("sla", func(t *testing.T) {
			lifecycletest.TestOutbox(t, slatest.Kit(func(t *testing.T) sla.Store { return open(t).Timers() }), queued[*sla.Timer](&db))
		})
		t.Run("service", func(t *testing.T) {
			lifecycletest.TestOutbox(t, lifecycletest.PortfolioKit(func(t *testing.T) lifecycle.PortfolioStore { return open(t).Services() }), queued[*lifecycle.ITService](&db))
		})
		t.Run("improvement", func(t *testing.T) {
			lifecycletest.TestOutbox(t, lifecycletest.ImprovementKit(func(t *testing.T) lifecycle.ImprovementStore { return open(t).Improvements() }), queued[*lifecycle.Improvement](&db))
		})
	})
}

// queued returns the reader of the events queued in the outbox of *db,
// the database the last store was opened on, for lifecycletest.TestOutbox.
func queued[T any](db **DB) func(t *testing.T, s lifecycle.RecordStore[T]) []string {
	return func(t *testing.T, _ lifecycle.RecordStore[T]) []string {
		ids, _ := outboxIDs(t, *db)
		return ids
	}
}
