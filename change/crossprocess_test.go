package change_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// TestOpenedEventNamesLinks: the IDs given at creation are in the "opened"
// event's Data, comma-separated and sorted like the "linked" event's, and
// absent when none were given, so that the incident reactor can link the
// incidents a change caused from the moment it is opened.
func TestOpenedEventNamesLinks(t *testing.T) {
	_, evs, err := testRules().New("CHG-1", alice, t0, change.Create{
		Type: change.Normal, Title: "Roll back the cache config",
		Incidents: []string{"INC-9", "INC-2", "INC-9"}, Problems: []string{"PRB-4"},
	})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, change.TypeOpened, evs[0].Type)
	assert.Equal(t, "INC-2,INC-9", evs[0].Data["incidents"])
	assert.Equal(t, "PRB-4", evs[0].Data["problems"])

	_, evs, err = testRules().New("CHG-2", alice, t0, change.Create{Type: change.Normal, Title: "t"})
	require.NoError(t, err)
	assert.NotContains(t, evs[0].Data, "incidents", "omitted when empty")
	assert.NotContains(t, evs[0].Data, "problems", "omitted when empty")

	// Same format as a later Link.
	c := newChange(t, change.Normal)
	linked := apply(t, c, alice, change.Link{Incidents: []string{"INC-9", "INC-2"}})
	assert.Equal(t, "INC-2,INC-9", linked[0].Data["incidents"])
}

// TestClosedEventNamesProblems: the "closed" event names every problem the
// change fixes (given at creation or linked later), so that the problem
// reactor can resolve the problems the change lists.
func TestClosedEventNamesProblems(t *testing.T) {
	c, _, err := testRules().New("CHG-1", alice, t0, change.Create{
		Type: change.Normal, Title: "Fix", ConfigItems: []string{"web-1"}, Plans: fullPlans,
		PlannedStart: t0.Add(48 * time.Hour), PlannedEnd: t0.Add(50 * time.Hour), Problems: []string{"PRB-7"},
	})
	require.NoError(t, err)
	apply(t, c, alice, change.Link{Problems: []string{"PRB-3"}})
	advance(t, c, change.StateReview)
	evs := apply(t, c, alice, change.Close{})
	require.Len(t, evs, 1)
	assert.Equal(t, change.TypeClosed, evs[0].Type)
	assert.Equal(t, "PRB-3,PRB-7", evs[0].Data["problems"])
	assert.Equal(t, "successful", evs[0].Data["outcome"])

	n := newChange(t, change.Normal)
	advance(t, n, change.StateReview)
	evs = apply(t, n, alice, change.Close{})
	assert.NotContains(t, evs[0].Data, "problems")
}

// TestPriority: impact and urgency default to the matrix's lowest level
// (3 × 3 → priority 5, planning, in the default matrix), are validated
// when given, follow the host's matrix, recompute on Update and reach the
// snapshot (replayable from the history) that SLA agreements read.
func TestPriority(t *testing.T) {
	c, evs, err := testRules().New("CHG-1", alice, t0, change.Create{Type: change.Normal, Title: "t"})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.Impact(3), c.Impact)
	assert.Equal(t, lifecycle.Urgency(3), c.Urgency)
	assert.Equal(t, lifecycle.PriorityPlanning, c.Priority)
	assert.Equal(t, 5, evs[0].Snapshot.Priority)
	assert.Equal(t, "alice", c.OpenedBy)

	c, evs, err = testRules().New("CHG-2", alice, t0, change.Create{Type: change.Emergency, Title: "t", Impact: 1, Urgency: 2})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.PriorityHigh, c.Priority)
	assert.Equal(t, 2, evs[0].Snapshot.Priority)

	for name, tc := range map[string]struct {
		impact  lifecycle.Impact
		urgency lifecycle.Urgency
		field   string
	}{
		"impact too high":  {4, 1, "impact"},
		"impact negative":  {-1, 1, "impact"},
		"urgency too high": {1, 9, "urgency"},
	} {
		t.Run(name, func(t *testing.T) {
			c, evs, err := testRules().New("CHG-3", alice, t0, change.Create{Type: change.Normal, Title: "t", Impact: tc.impact, Urgency: tc.urgency})
			require.ErrorIs(t, err, lifecycle.ErrValidation)
			lifecycletest.CheckInvalid(t, err, tc.field)
			assert.Nil(t, c)
			assert.Nil(t, evs)
		})
	}

	// The host's matrix.
	m, err := lifecycle.NewMatrix([][]lifecycle.Priority{{1, 1, 2, 3}, {1, 2, 3, 4}})
	require.NoError(t, err)
	r := testRules()
	r.Matrix = m
	c, _, err = r.New("CHG-4", alice, t0, change.Create{Type: change.Normal, Title: "t"})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.Impact(2), c.Impact, "the lowest impact of a 2-row matrix")
	assert.Equal(t, lifecycle.Urgency(4), c.Urgency, "the lowest urgency of a 4-column matrix")
	assert.Equal(t, lifecycle.Priority(4), c.Priority)
	_, _, err = r.New("CHG-5", alice, t0, change.Create{Type: change.Normal, Title: "t", Impact: 3})
	require.ErrorIs(t, err, lifecycle.ErrValidation)

	// Update recomputes it; a bad level changes nothing.
	c = newChange(t, change.Normal)
	refused(t, testRules(), c, alice, change.Update{Urgency: 4}, lifecycle.ErrValidation)
	evs = apply(t, c, alice, change.Update{Impact: 1})
	assert.Equal(t, lifecycle.PriorityModerate, c.Priority)
	assert.Equal(t, 3, evs[0].Snapshot.Priority)
	p, ok := c.History[len(c.History)-1].Changed(lifecycle.FieldPriority)
	require.True(t, ok)
	assert.Equal(t, lifecycle.FieldChange{Field: lifecycle.FieldPriority, Old: "5", New: "3"}, p)

	// The snapshot replays from the history.
	snap := lifecycle.Snapshot{}
	for _, h := range c.History {
		snap = snap.Apply(h)
	}
	assert.Equal(t, c.Snapshot().Priority, snap.Priority)
	assert.Equal(t, 3, snap.Priority)
}

// TestServiceActualTimes: through the Service, the clock is "now": a start
// in the future is refused, so a later review without an explicit end
// works.
func TestServiceActualTimes(t *testing.T) {
	s, _, clk := newService(t, nil)
	c := createNormal(t, s, "web-1")
	c, err := s.Assess(ctx, alice, change.Assess{ID: c.ID})
	require.NoError(t, err)
	c, err = s.RequestApproval(ctx, alice, change.RequestApproval{ID: c.ID})
	require.NoError(t, err)
	c, err = s.Approve(ctx, carol, change.Approve{ID: c.ID})
	require.NoError(t, err)
	require.Equal(t, change.StateScheduled, c.State)

	clk.Advance(48 * time.Hour)
	got, err := s.Implement(ctx, bob, change.Implement{ID: c.ID, Start: clk.Now().Add(time.Hour)})
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	lifecycletest.CheckInvalid(t, err, "actual_start")
	assert.Nil(t, got)
	stored, err := s.Get(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c, stored, "nothing changed")

	c, err = s.Implement(ctx, bob, change.Implement{ID: c.ID, Start: clk.Now().Add(-10 * time.Minute)})
	require.NoError(t, err)
	clk.Advance(time.Hour)
	_, err = s.Review(ctx, bob, change.Review{ID: c.ID, Outcome: change.OutcomeSuccessful, End: clk.Now().Add(time.Minute)})
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	c, err = s.Review(ctx, bob, change.Review{ID: c.ID, Outcome: change.OutcomeSuccessful})
	require.NoError(t, err)
	assert.Equal(t, clk.Now(), c.ActualEnd)
}
