package sqlstore

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// TestPortfolioStoresEventsWithTheChange: a Portfolio over the service and
// improvement stores commits each change with its event in one
// transaction (the stores are outboxes, so its Notifier is never called),
// and a refused change stores neither row nor event.
func TestPortfolioStoresEventsWithTheChange(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		p, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{
			Store:        db.Services(),
			Improvements: db.Improvements(),
			Clock:        lifecycletest.NewClock(t0),
			IDs:          lifecycle.Sequence("SVC", 3),
			Notifier: lifecycle.NotifierFunc(func(context.Context, ...lifecycle.Notification) error {
				t.Error("the Portfolio notified directly although its stores are outboxes")
				return nil
			}),
		})
		require.NoError(t, err)
		s, err := p.Define(ctx, agent, lifecycle.DefineService{Name: "Mail"})
		require.NoError(t, err)
		s, err = p.Advance(ctx, agent, lifecycle.AdvanceService{ID: s.ID, Version: 1})
		require.NoError(t, err)
		x, err := p.Propose(ctx, agent, lifecycle.ProposeImprovement{ServiceID: s.ID, Title: "t", Measure: "m", Baseline: "b", Target: "g"})
		require.NoError(t, err)
		want := []string{
			lifecycle.NotificationID(lifecycle.ProcessService, s.ID, 1, 0),
			lifecycle.NotificationID(lifecycle.ProcessService, s.ID, 2, 0),
			lifecycle.NotificationID(lifecycle.ProcessImprovement, x.ID, 1, 0),
		}
		ids, _ := outboxIDs(t, db)
		assert.Equal(t, want, ids)

		// A stale pin and a commit over a stale version store nothing.
		_, err = p.Advance(ctx, agent, lifecycle.AdvanceService{ID: s.ID, Version: 1})
		require.ErrorIs(t, err, lifecycle.ErrConflict)
		stale := s.Clone()
		stale.Version, stale.Name = 3, "stale"
		err = db.Services().CommitService(ctx, lifecycle.Write[*lifecycle.ITService]{
			Record: stale, Expected: 1,
			Events: []lifecycle.Notification{{ID: "stale", Process: lifecycle.ProcessService, Subject: s.ID, Type: "test"}},
		})
		require.ErrorIs(t, err, lifecycle.ErrConflict)
		ids, _ = outboxIDs(t, db)
		assert.Equal(t, want, ids, "a refused commit stores no event")
		got, err := db.Services().GetService(ctx, s.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(2), got.Version)
	})
}

// TestPortfolioStoresRefuseGuards: the service and improvement stores keep
// no guards, so a write that takes one is refused, stores nothing and
// takes no guard in the shared guards table.
func TestPortfolioStoresRefuseGuards(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		sw := lifecycle.Write[*lifecycle.ITService]{Record: &lifecycle.ITService{ID: "SVC-1", Version: 1, Name: "Mail", Status: lifecycle.StatusRequirements}}
		sw.Reads.Guard("g", 0)
		require.Error(t, db.Services().CommitService(ctx, sw))
		_, err := db.Services().GetService(ctx, "SVC-1")
		require.ErrorIs(t, err, lifecycle.ErrNotFound)

		iw := lifecycle.Write[*lifecycle.Improvement]{Record: &lifecycle.Improvement{ID: "CSI-1", Version: 1, ServiceID: "SVC-1", Title: "t", Status: lifecycle.ImprovementProposed}}
		iw.Reads.Guard("g", 0)
		require.Error(t, db.Improvements().CommitImprovement(ctx, iw))
		_, err = db.Improvements().GetImprovement(ctx, "CSI-1")
		require.ErrorIs(t, err, lifecycle.ErrNotFound)

		var n int
		require.NoError(t, db.w.QueryRowContext(ctx, "SELECT COUNT(*) FROM guards").Scan(&n))
		assert.Zero(t, n, "no guard taken")
	})
}
