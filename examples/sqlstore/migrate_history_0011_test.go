package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

// TestMigrateProblemAndChangeHistory writes problems and changes as the
// schema before migration 0011 kept them, each a document holding its
// whole history (and, for a problem, its work notes), then migrates: the
// history and journal tables hold exactly what the in-memory stores kept
// for the same records (each work note with the version of the change
// that wrote it), the documents hold neither, and the records take new
// commands that append after the migrated entries.
func TestMigrateProblemAndChangeHistory(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db, all := migratedTo(t, b, 10)

		// The records, made by the services on the in-memory stores.
		clock := lifecycletest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC))
		memProblems, memChanges := problemtest.NewStore(), changetest.NewStore()
		problems, err := problem.New(problem.Config{Store: memProblems, Clock: clock, IDs: lifecycle.Sequence("PRB", 1)})
		require.NoError(t, err)
		changes, err := change.New(change.Config{Store: memChanges, Clock: clock, IDs: lifecycle.Sequence("CHG", 1)})
		require.NoError(t, err)
		ann, carol := lifecycle.Actor{ID: "ann"}, lifecycle.Actor{ID: "carol", Roles: []string{change.RoleChangeManager}}
		step := func(_ any, err error) {
			t.Helper()
			require.NoError(t, err)
			clock.Advance(time.Minute + 7*time.Millisecond)
		}
		busy, err := problems.Open(ctx, ann, problem.Open{Title: "Mail relay drops messages", Impact: 2, Urgency: 2, Incidents: []string{"INC1"}})
		require.NoError(t, err)
		quiet, err := problems.Open(ctx, ann, problem.Open{Title: "Printer offline"})
		require.NoError(t, err)
		step(problems.AddWorkNote(ctx, ann, problem.AddWorkNote{ID: busy.ID, Text: "spool at 100%"}))
		step(problems.Assess(ctx, ann, problem.Assess{ID: busy.ID, Group: "messaging"}))
		step(problems.AddWorkNote(ctx, ann, problem.AddWorkNote{ID: busy.ID, Text: "spool at 100%"})) // the same text, later
		step(problems.Confirm(ctx, ann, problem.Confirm{ID: busy.ID, Assignee: "bob"}))
		step(problems.AddWorkNote(ctx, ann, problem.AddWorkNote{ID: busy.ID, Text: "root cause found"}))
		start := clock.Now().Add(48 * time.Hour)
		chg, err := changes.Create(ctx, ann, change.Create{Type: change.Normal, Title: "Grow the spool", ConfigItems: []string{"mx1"},
			Plans:        change.Plans{Implementation: "grow", Backout: "shrink", Test: "send mail"},
			PlannedStart: start, PlannedEnd: start.Add(time.Hour)})
		require.NoError(t, err)
		step(changes.Assess(ctx, ann, change.Assess{ID: chg.ID}))
		step(changes.RequestApproval(ctx, ann, change.RequestApproval{ID: chg.ID}))
		step(changes.Approve(ctx, carol, change.Approve{ID: chg.ID, Comment: "go"})) // and the scheduling after it

		// Stored as documents, the old way: each record whole, through
		// the store's own write of a record, in the columns the schema
		// then had.
		sqlProblems, sqlChanges := db.Problems(), db.Changes()
		oldProblems := &ProblemStore{loggedOf(asOfSchema(t, sqlProblems.t))}
		oldChanges := &ChangeStore{recordsOf(asOfSchema(t, sqlChanges.t))}
		wholeProblems := map[string]*problem.Problem{}
		for _, id := range []string{busy.ID, quiet.ID} {
			x, err := problems.Export(ctx, id)
			require.NoError(t, err)
			require.NotEmpty(t, x.History)
			wholeProblems[id] = x
			require.NoError(t, oldProblems.Commit(ctx, lifecycle.Write[*problem.Problem]{Record: x}))
		}
		require.Len(t, wholeProblems[busy.ID].WorkNotes, 3)
		wholeChange, err := changes.Export(ctx, chg.ID)
		require.NoError(t, err)
		require.Len(t, wholeChange.History, 5)
		require.NoError(t, oldChanges.Commit(ctx, lifecycle.Write[*change.Change]{Record: wholeChange}))

		require.NoError(t, db.migrateOnce(ctx, all))
		for id, whole := range wholeProblems {
			x, err := sqlProblems.Get(ctx, id)
			require.NoError(t, err)
			assert.Empty(t, x.History, "%s: the document keeps no history", id)
			assert.Empty(t, x.WorkNotes, "%s: nor work notes", id)
			want := whole.Clone()
			want.History, want.WorkNotes = nil, nil
			assert.Equal(t, want, x, id)

			assertLogsMoved(t, id, whole.History, sqlProblems, memProblems)
		}
		journal, err := sqlProblems.Journal(ctx, busy.ID, 0, 0)
		require.NoError(t, err)
		require.Len(t, journal, 3)
		assert.Equal(t, []int64{2, 4, 6}, []int64{journal[0].Version, journal[1].Version, journal[2].Version},
			"each note with the version that wrote it, a repeated text included")

		c, err := sqlChanges.Get(ctx, chg.ID)
		require.NoError(t, err)
		assert.Empty(t, c.History, "the change's document keeps no history")
		want := wholeChange.Clone()
		want.History = nil
		assert.Equal(t, want, c)
		history, err := lifecycle.ReadAll(ctx, chg.ID, sqlChanges.History)
		require.NoError(t, err)
		assert.Equal(t, wholeChange.History, history, "the change's history moved whole")
		_, err = db.Incidents().History(ctx, chg.ID, 0, 0)
		assert.ErrorIs(t, err, lifecycle.ErrNotFound, "under the change's process only")

		// The migrated records go on, appending after what was moved.
		sqlProblemSvc, err := problem.New(problem.Config{Store: sqlProblems, Clock: clock})
		require.NoError(t, err)
		_, err = sqlProblemSvc.AddWorkNote(ctx, ann, problem.AddWorkNote{ID: busy.ID, Text: "after the move"})
		require.NoError(t, err)
		exported, err := sqlProblemSvc.Export(ctx, busy.ID)
		require.NoError(t, err)
		n := len(wholeProblems[busy.ID].History)
		require.Len(t, exported.History, n+1)
		assert.Equal(t, n+1, exported.History[n].Seq)
		require.Len(t, exported.WorkNotes, 4)
		_, err = problem.DecodeExport(mustJSON(t, exported))
		assert.NoError(t, err, "the problem's export after the migration checks out")

		sqlChangeSvc, err := change.New(change.Config{Store: sqlChanges, Clock: clock})
		require.NoError(t, err)
		_, err = sqlChangeSvc.Implement(ctx, ann, change.Implement{ID: chg.ID})
		require.NoError(t, err)
		exportedChange, err := sqlChangeSvc.Export(ctx, chg.ID)
		require.NoError(t, err)
		require.Len(t, exportedChange.History, 6)
		assert.Equal(t, "implement", exportedChange.History[5].Event)
		_, err = change.DecodeExport(mustJSON(t, exportedChange))
		assert.NoError(t, err, "the change's export after the migration checks out")
	})
}
