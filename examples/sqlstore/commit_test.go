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

func TestIncidentCommitter(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		fresh := emptier(t, b)
		lifecycletest.TestCommitter(t, lifecycletest.CommitterKit[*incident.Incident]{
			New:    func(t *testing.T) lifecycle.Committer[*incident.Incident] { return fresh(t).Incidents() },
			Record: committerIncident,
			Get: func(ctx context.Context, s lifecycle.Committer[*incident.Incident], id string) (int64, error) {
				x, err := s.(*IncidentStore).Get(ctx, id)
				if err != nil {
					return 0, err
				}
				return x.Version, nil
			},
		})
	})
}

func TestProblemCommitter(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		fresh := emptier(t, b)
		lifecycletest.TestCommitter(t, lifecycletest.CommitterKit[*problem.Problem]{
			New: func(t *testing.T) lifecycle.Committer[*problem.Problem] { return fresh(t).Problems() },
			Record: func(id string, version int64) *problem.Problem {
				p := problemtest.Fixture(id)
				p.Version = version
				return p
			},
			Get: func(ctx context.Context, s lifecycle.Committer[*problem.Problem], id string) (int64, error) {
				p, err := s.(*ProblemStore).Get(ctx, id)
				if err != nil {
					return 0, err
				}
				return p.Version, nil
			},
		})
	})
}

func TestChangeCommitter(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		fresh := emptier(t, b)
		lifecycletest.TestCommitter(t, lifecycletest.CommitterKit[*change.Change]{
			New: func(t *testing.T) lifecycle.Committer[*change.Change] { return fresh(t).Changes() },
			Record: func(id string, version int64) *change.Change {
				return &change.Change{ID: id, Version: version, Type: change.Normal, State: change.StateNew,
					Title: "Patch db1", ConfigItems: []string{"db1"}, CreatedAt: t0, UpdatedAt: t0}
			},
			Get: func(ctx context.Context, s lifecycle.Committer[*change.Change], id string) (int64, error) {
				c, err := s.(*ChangeStore).Get(ctx, id)
				if err != nil {
					return 0, err
				}
				return c.Version, nil
			},
		})
	})
}
