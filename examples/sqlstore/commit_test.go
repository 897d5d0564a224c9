package sqlstore

import (
	"context"
	"testing"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

// committerIncident is a minimal valid incident at version: new, with one
// history record per stored version (the opening, then comments), as the
// incident decoder checks.
func committerIncident(id string, version int64) *incident.Incident {
	h := []lifecycle.Record{{Seq: 1, Time: t0, Actor: "alice", Event: "open", To: string(incident.StateNew)}}
	for i := int64(2); i <= version; i++ {
		h = append(h, lifecycle.Record{Seq: int(i), Time: t0, Actor: "alice", Event: string(incident.EventComment),
			From: string(incident.StateNew), To: string(incident.StateNew)})
	}
	return &incident.Incident{ID: id, Version: version, State: incident.StateNew, Title: "Mail is down",
		Impact: 2, Urgency: 2, Priority: 3, History: h, CreatedAt: t0, UpdatedAt: t0}
}

// testCommitter runs lifecycletest.TestCommitter on one process's store of
// a fresh database per subtest, on every backend: store picks the store
// from the database, record builds a valid record, version reads one
// back.
func testCommitter[T any, S interface {
	lifecycle.Committer[T]
	Get(ctx context.Context, id string) (T, error)
}](t *testing.T, store func(*DB) S, record func(id string, version int64) T, version func(T) int64) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		fresh := emptier(t, b)
		lifecycletest.TestCommitter(t, lifecycletest.CommitterKit[T]{
			New:    func(t *testing.T) lifecycle.Committer[T] { return store(fresh(t)) },
			Record: record,
			Get: func(ctx context.Context, s lifecycle.Committer[T], id string) (int64, error) {
				x, err := s.(S).Get(ctx, id)
				if err != nil {
					return 0, err
				}
				return version(x), nil
			},
		})
	})
}

func TestIncidentCommitter(t *testing.T) {
	testCommitter(t, (*DB).Incidents, committerIncident, func(x *incident.Incident) int64 { return x.Version })
}

func TestProblemCommitter(t *testing.T) {
	walker := lifecycletest.Walker[problem.State, problem.Event]{Allowed: problem.Allowed, Target: problem.Target}
	testCommitter(t, (*DB).Problems, func(id string, version int64) *problem.Problem {
		// The fixture at version 1, then one update per stored version:
		// the store replays the history when it decodes the problem.
		p := problemtest.Fixture(id)
		for ; p.Version < version; p.Version++ {
			h, err := walker.Fire(p.History, lifecycle.Record{Time: p.UpdatedAt, Actor: "alice"}, problem.EventUpdate)
			if err != nil {
				panic(err)
			}
			p.History = h
		}
		return p
	}, func(p *problem.Problem) int64 { return p.Version })
}

func TestChangeCommitter(t *testing.T) {
	testCommitter(t, (*DB).Changes, func(id string, version int64) *change.Change {
		return &change.Change{ID: id, Version: version, Type: change.Normal, State: change.StateNew,
			Title: "Patch db1", ConfigItems: []string{"db1"}, CreatedAt: t0, UpdatedAt: t0}
	}, func(c *change.Change) int64 { return c.Version })
}
