package sla_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
)

var t0 = time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC) // a Monday

// incident-like states used by the test agreements.
const (
	stNew       = "new"
	stProgress  = "in_progress"
	stHold      = "on_hold"
	stResolved  = "resolved"
	stClosed    = "closed"
	stCancelled = "canceled"
)

func snap(state string, priority int) lifecycle.Snapshot {
	return lifecycle.Snapshot{State: state, Priority: priority, Group: "service-desk", OpenedAt: t0}
}

func held(priority int, reason string) lifecycle.Snapshot {
	s := snap(stHold, priority)
	s.HoldReason = reason
	return s
}

// resolutionSLA is ServiceNow's usual resolution SLA: runs while the
// incident is open, pauses on hold, stops at resolution.
func resolutionSLA() *sla.Agreement {
	return &sla.Agreement{
		ID:        "resolution",
		Name:      "Incident resolution",
		Type:      sla.TypeSLA,
		Target:    sla.TargetResolution,
		Process:   "incident",
		Durations: map[int]time.Duration{1: 4 * time.Hour, 2: 8 * time.Hour, 3: 24 * time.Hour},
		Start:     func(s lifecycle.Snapshot) bool { return s.State != stCancelled && s.State != stClosed },
		Stop:      func(s lifecycle.Snapshot) bool { return s.State == stResolved || s.State == stClosed },
		Pause:     func(s lifecycle.Snapshot) bool { return s.State == stHold },
	}
}

// responseSLA runs from opening until the incident is first worked on; it
// never pauses.
func responseSLA() *sla.Agreement {
	return &sla.Agreement{
		ID:        "response",
		Type:      sla.TypeSLA,
		Target:    sla.TargetResponse,
		Process:   "incident",
		Durations: map[int]time.Duration{0: time.Hour},
		Start:     func(s lifecycle.Snapshot) bool { return s.State == stNew },
		Stop:      func(s lifecycle.Snapshot) bool { return s.State != stNew },
		Cancel:    sla.Never,
	}
}

func attach(t *testing.T, a *sla.Agreement, s lifecycle.Snapshot, at time.Time) *sla.Timer {
	t.Helper()
	require.NoError(t, a.Validate())
	tm, ok, err := sla.Attach(a, "INC1", s, at)
	require.NoError(t, err)
	require.True(t, ok, "start rule should hold")
	return tm
}

func types(evs []lifecycle.Notification) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type + "@" + e.Value(sla.DataPercent)
	}
	return out
}

func next(t *testing.T, tm *sla.Timer) time.Time {
	t.Helper()
	n, ok := tm.NextDeadline()
	require.True(t, ok, "a deadline should be pending")
	return n
}

func noNext(t *testing.T, tm *sla.Timer) {
	t.Helper()
	n, ok := tm.NextDeadline()
	require.False(t, ok, "no deadline should be pending, got %v", n)
	require.True(t, n.IsZero())
}

func TestTimerWarnsThenBreachesOnce(t *testing.T) {
	a := resolutionSLA()
	tm := attach(t, a, snap(stNew, 2), t0) // P2: 8 h
	assert.Equal(t, sla.StageInProgress, tm.Stage)
	assert.Equal(t, 1, tm.Number)
	assert.Equal(t, 8*time.Hour, tm.Goal)
	assert.Equal(t, t0.Add(8*time.Hour), tm.Due)
	assert.Equal(t, t0.Add(8*time.Hour), tm.OriginalDue)
	assert.Equal(t, t0.Add(4*time.Hour), next(t, tm))

	assert.Nil(t, tm.Evaluate(t0.Add(4*time.Hour-time.Nanosecond)))

	evs := tm.Evaluate(t0.Add(7*time.Hour + 30*time.Minute))
	require.Equal(t, []string{"sla.warning@50", "sla.warning@75", "sla.warning@90"}, types(evs))
	assert.Equal(t, []time.Time{t0.Add(4 * time.Hour), t0.Add(6 * time.Hour), t0.Add(7*time.Hour + 12*time.Minute)},
		[]time.Time{evs[0].Time, evs[1].Time, evs[2].Time}, "events carry the instant the threshold was reached")
	assert.Equal(t, "sla/INC1/resolution/1/0", evs[0].ID)
	assert.Equal(t, "sla/INC1/resolution/1/2", evs[2].ID)
	e := evs[1]
	assert.Equal(t, sla.Process, e.Process)
	assert.Equal(t, "INC1/resolution", e.Subject)
	assert.Equal(t, "system", e.Actor)
	assert.Equal(t, map[string]string{
		"record": "INC1", "agreement": "resolution", "agreement_type": "sla", "target": "resolution",
		"percent": "75", "cycle": "1", "goal": "8h0m0s", "due": "2026-03-09T17:00:00Z",
	}, e.Payload.Data())
	assert.Nil(t, e.Data, "a warning's details are its payload, not a map")
	d, ok := sla.DetailsOf(e)
	require.True(t, ok)
	assert.Equal(t, sla.Details{
		Record: "INC1", Agreement: "resolution", AgreementType: sla.TypeSLA, Target: sla.TargetResolution,
		Percent: 75, Cycle: 1, Goal: 8 * time.Hour, Due: t0.Add(8 * time.Hour),
	}, d)
	assert.Equal(t, stNew, e.Snapshot.State)
	assert.False(t, tm.Breached)
	assert.Equal(t, t0.Add(8*time.Hour), next(t, tm))

	assert.Nil(t, tm.Evaluate(t0.Add(7*time.Hour+30*time.Minute)), "fired warnings never fire again")

	evs = tm.Evaluate(t0.Add(8 * time.Hour))
	require.Equal(t, []string{"sla.breached@100"}, types(evs))
	assert.Equal(t, "sla/INC1/resolution/1/3", evs[0].ID)
	assert.True(t, tm.Breached)
	noNext(t, tm)
	assert.Nil(t, tm.Evaluate(t0.Add(100*time.Hour)))

	require.NoError(t, tm.Observe(a, snap(stResolved, 2), t0.Add(9*time.Hour)))
	assert.Equal(t, sla.StageCompleted, tm.Stage)
	assert.True(t, tm.Breached, "a completed cycle stays breached")
	assert.Equal(t, t0.Add(9*time.Hour), tm.StoppedAt)
	assert.Equal(t, 9*time.Hour, tm.Elapsed)
	assert.Equal(t, t0.Add(8*time.Hour), tm.Due, "due stays the breach instant")
	noNext(t, tm)
}

func TestTimerBreachIsExactNotRounded(t *testing.T) {
	a := resolutionSLA()
	a.Durations = map[int]time.Duration{0: 10000 * time.Second}
	a.Warnings = []float64{}
	tm := attach(t, a, snap(stNew, 3), t0)
	require.Len(t, tm.Deadlines, 1, "an empty Warnings means no warnings")

	// 99.951 %: ServiceNow rounds it to 99.95... and its 2-decimal rule
	// breaches at 99.995; we breach only at 100 %.
	at := t0.Add(9995100 * time.Millisecond)
	st := tm.Status(nil, at)
	assert.InDelta(t, 99.951, st.Percent, 1e-9)
	assert.False(t, st.Breached)
	assert.Equal(t, 4900*time.Millisecond, st.Left)
	assert.Nil(t, tm.Evaluate(at))

	st = tm.Status(nil, t0.Add(10000*time.Second-time.Nanosecond))
	assert.False(t, st.Breached, "one nanosecond before the target")
	assert.Nil(t, tm.Evaluate(t0.Add(10000*time.Second-time.Nanosecond)))

	st = tm.Status(nil, t0.Add(10000*time.Second))
	assert.True(t, st.Breached)
	assert.Equal(t, 100.0, st.Percent)
	assert.Equal(t, []string{"sla.breached@100"}, types(tm.Evaluate(t0.Add(10000*time.Second))))
}

// osTicket #3034: the SLA clock must stop while a ticket waits on the
// customer, by status.
func TestPauseByStatus(t *testing.T) {
	a := resolutionSLA()
	tm := attach(t, a, snap(stProgress, 2), t0)

	require.NoError(t, tm.Observe(a, held(2, "awaiting_caller"), t0.Add(2*time.Hour)))
	assert.Equal(t, sla.StagePaused, tm.Stage)
	assert.True(t, tm.Due.IsZero(), "no due time while paused")
	noNext(t, tm)
	assert.Nil(t, tm.Evaluate(t0.Add(20*time.Hour)), "nothing fires while paused")

	st := tm.Status(nil, t0.Add(5*time.Hour))
	assert.Equal(t, 2*time.Hour, st.Elapsed)
	assert.Equal(t, 3*time.Hour, st.Paused)
	assert.Equal(t, t0.Add(11*time.Hour), st.Due, "due if resumed now")

	require.NoError(t, tm.Observe(a, snap(stProgress, 2), t0.Add(10*time.Hour)))
	assert.Equal(t, sla.StageInProgress, tm.Stage)
	assert.Equal(t, 2*time.Hour, tm.Elapsed, "paused time is never counted")
	assert.Equal(t, 8*time.Hour, tm.Paused)
	assert.Equal(t, 8*time.Hour, tm.ActualPaused)
	assert.Equal(t, t0.Add(16*time.Hour), tm.Due)
	assert.Equal(t, t0.Add(8*time.Hour), tm.OriginalDue)
	assert.Equal(t, t0.Add(12*time.Hour), next(t, tm), "50 % after 2 more hours")
}

// GLPI #15605: paused time was lost when the SLA or the priority changed.
func TestPausedTimeKeptOnPriorityChange(t *testing.T) {
	a := resolutionSLA()
	tm := attach(t, a, snap(stProgress, 3), t0) // P3: 24 h
	require.NoError(t, tm.Observe(a, held(3, "awaiting_vendor"), t0.Add(2*time.Hour)))
	require.NoError(t, tm.Observe(a, held(1, "awaiting_vendor"), t0.Add(4*time.Hour))) // P1: 4 h, still paused
	assert.Equal(t, sla.StagePaused, tm.Stage)
	assert.Equal(t, 1, tm.Priority)
	assert.Equal(t, 4*time.Hour, tm.Goal)
	assert.Equal(t, 2*time.Hour, tm.Elapsed)
	assert.Equal(t, 2*time.Hour, tm.Paused)

	// 2 h of 4 h is 50 %: the priority change, while paused, finds it
	// passed; it is dated when the elapsed time crossed it, before the
	// hold, and notified at the change.
	require.True(t, tm.Deadlines[0].Reached)
	assert.Equal(t, t0.Add(2*time.Hour), next(t, tm))
	evs := tm.Evaluate(t0.Add(4 * time.Hour))
	require.Equal(t, []string{"sla.warning@50"}, types(evs))
	assert.Equal(t, t0.Add(2*time.Hour), evs[0].Time)
	assert.Equal(t, 1, evs[0].Snapshot.Priority)
	assert.Equal(t, "4h0m0s", evs[0].Value(sla.DataGoal))

	require.NoError(t, tm.Observe(a, snap(stProgress, 1), t0.Add(5*time.Hour)))
	assert.Equal(t, 2*time.Hour, tm.Elapsed)
	assert.Equal(t, 3*time.Hour, tm.Paused)
	assert.Equal(t, t0.Add(7*time.Hour), tm.Due)
	assert.Equal(t, t0.Add(24*time.Hour), tm.OriginalDue, "the original due time stays")
}

func TestPriorityRaisedPastTargetBreachesAtOnce(t *testing.T) {
	a := resolutionSLA()
	tm := attach(t, a, snap(stProgress, 3), t0)
	at := t0.Add(5 * time.Hour)
	require.NoError(t, tm.Observe(a, snap(stProgress, 1), at))
	assert.True(t, tm.Breached)
	assert.Equal(t, t0.Add(4*time.Hour), tm.Due, "the 4 h target was used up 4 h in, before the raise")
	evs := tm.Evaluate(at)
	assert.Equal(t, []string{"sla.warning@50", "sla.warning@75", "sla.warning@90", "sla.breached@100"}, types(evs))
	// Each is dated when the elapsed time crossed it, and all are notified
	// once, at the raise.
	want := []time.Time{t0.Add(2 * time.Hour), t0.Add(3 * time.Hour), t0.Add(3*time.Hour + 36*time.Minute), t0.Add(4 * time.Hour)}
	for i, e := range evs {
		assert.Equal(t, want[i], e.Time, e.Type+"@"+e.Value(sla.DataPercent))
		assert.Equal(t, "2026-03-09T13:00:00Z", e.Value(sla.DataDue))
	}
	assert.Nil(t, tm.Evaluate(at), "notified once")

	// Lowering it again does not un-breach the cycle nor refire anything.
	require.NoError(t, tm.Observe(a, snap(stProgress, 3), t0.Add(6*time.Hour)))
	assert.True(t, tm.Breached)
	assert.Equal(t, 24*time.Hour, tm.Goal)
	assert.Nil(t, tm.Evaluate(t0.Add(48*time.Hour)))
}

func TestPriorityWithoutTargetKeepsCurrentGoal(t *testing.T) {
	a := resolutionSLA()
	tm := attach(t, a, snap(stProgress, 2), t0)
	require.NoError(t, tm.Observe(a, snap(stProgress, 5), t0.Add(time.Hour)))
	assert.Equal(t, 2, tm.Priority)
	assert.Equal(t, 8*time.Hour, tm.Goal)

	_, ok, err := sla.Attach(a, "INC2", snap(stNew, 5), t0)
	require.NoError(t, err)
	assert.False(t, ok, "a priority without a target never attaches")
}

// Zammad #5177: response, update and resolution timers were confused. They
// are separate agreements and separate timers here.
func TestResponseAndResolutionAreSeparate(t *testing.T) {
	resp, res := responseSLA(), resolutionSLA()
	rt := attach(t, resp, snap(stNew, 2), t0)
	st := attach(t, res, snap(stNew, 2), t0)
	assert.NotEqual(t, rt.ID, st.ID)

	// First response after 30 minutes: the response timer completes, the
	// resolution timer runs on.
	require.NoError(t, rt.Observe(resp, snap(stProgress, 2), t0.Add(30*time.Minute)))
	require.NoError(t, st.Observe(res, snap(stProgress, 2), t0.Add(30*time.Minute)))
	assert.Equal(t, sla.StageCompleted, rt.Stage)
	assert.False(t, rt.Breached)
	assert.Equal(t, sla.StageInProgress, st.Stage)

	// On hold: the resolution timer pauses; the completed response timer
	// does not restart (its start rule needs state new).
	require.NoError(t, rt.Observe(resp, held(2, "awaiting_caller"), t0.Add(time.Hour)))
	require.NoError(t, st.Observe(res, held(2, "awaiting_caller"), t0.Add(time.Hour)))
	assert.Equal(t, sla.StageCompleted, rt.Stage)
	assert.Equal(t, sla.StagePaused, st.Stage)

	assert.Equal(t, []string{"sla.warning@50"}, types(rt.Evaluate(t0.Add(10*time.Hour))), "the response warning at 30 min still fires")
	respEv := rt.Evaluate(t0.Add(10 * time.Hour))
	assert.Nil(t, respEv)
	require.NoError(t, st.Observe(res, snap(stProgress, 2), t0.Add(2*time.Hour)))
	evs := st.Evaluate(t0.Add(20 * time.Hour))
	require.Equal(t, []string{"sla.warning@50", "sla.warning@75", "sla.warning@90", "sla.breached@100"}, types(evs))
	for _, e := range evs {
		assert.Equal(t, "resolution", e.Value(sla.DataTarget))
	}
	assert.Equal(t, t0.Add(9*time.Hour), evs[3].Time, "8 h of work, 1 h on hold")
}

func TestRetroactiveStart(t *testing.T) {
	a := resolutionSLA()
	a.ID = "assigned"
	a.Durations = map[int]time.Duration{0: 4 * time.Hour}
	a.Start = func(s lifecycle.Snapshot) bool { return s.Assignee != "" }
	a.Cancel = sla.Never
	a.StartAt = func(s lifecycle.Snapshot) time.Time { return s.OpenedAt }

	s := snap(stProgress, 3)
	s.Assignee = "ann"
	tm := attach(t, a, s, t0.Add(3*time.Hour))
	assert.Equal(t, t0, tm.StartedAt)
	assert.Equal(t, 3*time.Hour, tm.Elapsed)
	assert.Equal(t, t0.Add(4*time.Hour), tm.Due)
	evs := tm.Evaluate(t0.Add(3 * time.Hour))
	require.Equal(t, []string{"sla.warning@50", "sla.warning@75"}, types(evs))
	assert.Equal(t, t0.Add(2*time.Hour), evs[0].Time, "reached in the past, at its real instant")
	assert.Equal(t, t0.Add(3*time.Hour), evs[1].Time)
	assert.Equal(t, t0.Add(3*time.Hour+36*time.Minute), next(t, tm))

	// A StartAt after the observation is ignored.
	a.StartAt = func(lifecycle.Snapshot) time.Time { return t0.Add(time.Hour) }
	tm = attach(t, a, s, t0)
	assert.Equal(t, t0, tm.StartedAt)
}

func TestRetroactiveStartWhilePaused(t *testing.T) {
	a := resolutionSLA()
	a.StartAt = func(s lifecycle.Snapshot) time.Time { return s.OpenedAt }
	tm := attach(t, a, held(2, "awaiting_caller"), t0.Add(time.Hour))
	assert.Equal(t, sla.StagePaused, tm.Stage)
	assert.Equal(t, time.Hour, tm.Elapsed, "time before the attachment counts as running")
	noNext(t, tm)
}

func TestCancelWhenStartNoLongerHolds(t *testing.T) {
	a := resolutionSLA()
	tm := attach(t, a, snap(stProgress, 1), t0)
	// 50 % (2 h) and 75 % (3 h) reached but not yet evaluated when the
	// incident is cancelled at 3 h: they still fire, nothing later does.
	require.NoError(t, tm.Observe(a, snap(stCancelled, 1), t0.Add(3*time.Hour)))
	assert.Equal(t, sla.StageCancelled, tm.Stage)
	assert.Equal(t, t0.Add(3*time.Hour), tm.StoppedAt)
	assert.Equal(t, t0.Add(2*time.Hour), next(t, tm))
	assert.Equal(t, []string{"sla.warning@50", "sla.warning@75"}, types(tm.Evaluate(t0.Add(10*time.Hour))))
	noNext(t, tm)
	assert.Nil(t, tm.Evaluate(t0.Add(11*time.Hour)))
	assert.Equal(t, t0.Add(4*time.Hour), tm.Due, "the last projection stays")
	assert.False(t, tm.Breached)
}

func TestCancelNever(t *testing.T) {
	a := resolutionSLA()
	a.Cancel = sla.Never
	tm := attach(t, a, snap(stProgress, 2), t0)
	require.NoError(t, tm.Observe(a, snap(stCancelled, 2), t0.Add(time.Hour)))
	assert.Equal(t, sla.StageInProgress, tm.Stage)
}

func TestExplicitCancelAndResume(t *testing.T) {
	a := resolutionSLA()
	a.Cancel = func(s lifecycle.Snapshot) bool { return s.Attributes["duplicate"] == "yes" }
	a.Resume = func(s lifecycle.Snapshot) bool { return s.Attributes["caller_replied"] == "yes" }
	tm := attach(t, a, snap(stProgress, 2), t0)
	require.NoError(t, tm.Observe(a, held(2, "awaiting_caller"), t0.Add(time.Hour)))
	require.NoError(t, tm.Observe(a, snap(stProgress, 2), t0.Add(2*time.Hour)))
	assert.Equal(t, sla.StagePaused, tm.Stage, "an explicit Resume must hold to resume")
	s := snap(stProgress, 2)
	s.Attributes = map[string]string{"caller_replied": "yes"}
	require.NoError(t, tm.Observe(a, s, t0.Add(3*time.Hour)))
	assert.Equal(t, sla.StageInProgress, tm.Stage)
	assert.Equal(t, time.Hour, tm.Elapsed)
	assert.Equal(t, 2*time.Hour, tm.Paused)

	s = snap(stProgress, 2)
	s.Attributes = map[string]string{"duplicate": "yes"}
	require.NoError(t, tm.Observe(a, s, t0.Add(4*time.Hour)))
	assert.Equal(t, sla.StageCancelled, tm.Stage)
	require.NoError(t, tm.Observe(a, s, t0.Add(5*time.Hour)))
	assert.Equal(t, sla.StageCancelled, tm.Stage, "no restart while the cancel condition holds")
	assert.Equal(t, 1, tm.Number)
}

// ServiceNow's reset (reattach): a change of assignment group cancels the
// running cycle and starts a new one; the old cycle is kept.
func TestResetOnGroupChangeStartsNewCycle(t *testing.T) {
	a := resolutionSLA()
	a.Type, a.ID = sla.TypeOLA, "group-ola"
	a.Reset = func(prev, next lifecycle.Snapshot) bool { return prev.Group != next.Group }
	tm := attach(t, a, snap(stProgress, 1), t0) // P1: 4 h

	s := snap(stProgress, 1)
	s.Group = "network"
	require.NoError(t, tm.Observe(a, s, t0.Add(3*time.Hour)))
	require.Len(t, tm.Cycles, 1)
	old := tm.Cycles[0]
	assert.Equal(t, sla.StageCancelled, old.Stage)
	assert.Equal(t, 3*time.Hour, old.Elapsed)
	assert.Equal(t, t0.Add(3*time.Hour), old.StoppedAt)
	assert.Equal(t, 2, tm.Number)
	assert.Equal(t, sla.StageInProgress, tm.Stage)
	assert.Equal(t, t0.Add(3*time.Hour), tm.StartedAt)
	assert.Equal(t, time.Duration(0), tm.Elapsed)
	assert.Equal(t, t0.Add(7*time.Hour), tm.Due)

	// The first cycle's 50 % (reached at 2 h, never evaluated) and 75 %
	// (reached at 3 h) still fire; then the second cycle's.
	evs := tm.Evaluate(t0.Add(5 * time.Hour))
	require.Equal(t, []string{"sla.warning@50", "sla.warning@75", "sla.warning@50"}, types(evs))
	assert.Equal(t, []string{"sla/INC1/group-ola/1/0", "sla/INC1/group-ola/1/1", "sla/INC1/group-ola/2/0"},
		[]string{evs[0].ID, evs[1].ID, evs[2].ID})
	assert.Equal(t, "2", evs[2].Value(sla.DataCycle))
	assert.Equal(t, "ola", evs[2].Value(sla.DataAgreementType))

	// Observing the same group again is not a change.
	require.NoError(t, tm.Observe(a, s, t0.Add(6*time.Hour)))
	assert.Len(t, tm.Cycles, 1)
}

// Jira's multi-cycle SLAs: a reopened incident starts a new cycle.
func TestReopenStartsNewCycle(t *testing.T) {
	a := resolutionSLA()
	tm := attach(t, a, snap(stProgress, 2), t0)
	require.NoError(t, tm.Observe(a, snap(stResolved, 2), t0.Add(time.Hour)))
	assert.Equal(t, sla.StageCompleted, tm.Stage)
	require.NoError(t, tm.Observe(a, snap(stResolved, 2), t0.Add(2*time.Hour)))
	assert.Equal(t, sla.StageCompleted, tm.Stage, "still resolved: no new cycle")

	require.NoError(t, tm.Observe(a, snap(stProgress, 2), t0.Add(5*time.Hour)))
	require.Len(t, tm.Cycles, 1)
	assert.Equal(t, sla.StageCompleted, tm.Cycles[0].Stage)
	assert.Equal(t, time.Hour, tm.Cycles[0].Elapsed)
	assert.Equal(t, 2, tm.Number)
	assert.Equal(t, sla.StageInProgress, tm.Stage)
	assert.Equal(t, t0.Add(13*time.Hour), tm.Due)

	require.NoError(t, tm.Observe(a, snap(stClosed, 2), t0.Add(6*time.Hour)))
	assert.Equal(t, sla.StageCompleted, tm.Stage)
	assert.Equal(t, time.Hour, tm.Elapsed)

	single := resolutionSLA()
	single.SingleCycle = true
	tm = attach(t, single, snap(stProgress, 2), t0)
	require.NoError(t, tm.Observe(single, snap(stResolved, 2), t0.Add(time.Hour)))
	require.NoError(t, tm.Observe(single, snap(stProgress, 2), t0.Add(5*time.Hour)))
	assert.Equal(t, sla.StageCompleted, tm.Stage)
	assert.Empty(t, tm.Cycles)
}

func TestObserveNeverRunsTimeBackwards(t *testing.T) {
	a := resolutionSLA()
	tm := attach(t, a, snap(stProgress, 2), t0)
	require.NoError(t, tm.Observe(a, held(2, "awaiting_caller"), t0.Add(2*time.Hour)))
	require.NoError(t, tm.Observe(a, snap(stProgress, 2), t0.Add(time.Hour))) // late, out-of-order clock
	assert.Equal(t, t0.Add(2*time.Hour), tm.UpdatedAt)
	assert.Equal(t, 2*time.Hour, tm.Elapsed)
	assert.Equal(t, time.Duration(0), tm.Paused)
	assert.Equal(t, sla.StageInProgress, tm.Stage)
	st := tm.Status(nil, t0)
	assert.Equal(t, 2*time.Hour, st.Elapsed, "Status before the last observation is the last observation")
}

func TestStartRule(t *testing.T) {
	a := resolutionSLA()
	_, ok, err := sla.Attach(a, "INC1", snap(stResolved, 2), t0)
	require.NoError(t, err)
	assert.False(t, ok, "stop holds")
	_, ok, err = sla.Attach(a, "INC1", snap(stCancelled, 2), t0)
	require.NoError(t, err)
	assert.False(t, ok, "start does not hold")
	tm, ok, err := sla.Attach(a, "INC1", held(2, "awaiting_caller"), t0)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, sla.StagePaused, tm.Stage, "attached paused when pause holds")
	assert.Equal(t, "INC1/resolution", tm.ID)
	assert.Equal(t, sla.TargetResolution, tm.Target)
	assert.Equal(t, sla.TypeSLA, tm.Type)
}

func TestReplayFollowsHistory(t *testing.T) {
	a := resolutionSLA()
	history := []lifecycle.Record{
		{Seq: 1, Time: t0, Event: "open", To: stNew, Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldPriority, New: "3"}}},
		{Seq: 2, Time: t0.Add(time.Hour), Event: "start", From: stNew, To: stProgress},
		{Seq: 3, Time: t0.Add(2 * time.Hour), Event: "hold", From: stProgress, To: stHold,
			Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldHoldReason, New: "awaiting_caller"}}},
		{Seq: 4, Time: t0.Add(5 * time.Hour), Event: "reprioritise", From: stHold, To: stHold,
			Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldPriority, Old: "3", New: "1"}}},
		{Seq: 5, Time: t0.Add(6 * time.Hour), Event: "resume", From: stHold, To: stProgress,
			Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldHoldReason, Old: "awaiting_caller"}}},
		{Seq: 6, Time: t0.Add(7 * time.Hour), Event: "resolve", From: stProgress, To: stResolved},
	}
	tm, ok, err := sla.Replay(a, "INC1", lifecycle.Snapshot{OpenedAt: t0}, history)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, int64(6), tm.RecordVersion)
	assert.Equal(t, sla.StageCompleted, tm.Stage)
	assert.Equal(t, 1, tm.Priority)
	assert.Equal(t, 3*time.Hour, tm.Elapsed)
	assert.Equal(t, 4*time.Hour, tm.Paused)
	assert.False(t, tm.Breached)
	evs := tm.Evaluate(t0.Add(8 * time.Hour))
	require.Equal(t, []string{"sla.warning@50", "sla.warning@75"}, types(evs))
	assert.Equal(t, t0.Add(2*time.Hour), evs[0].Time, "dated when 2 h of work were done, before the hold, not when the priority rose")
	assert.Equal(t, t0.Add(7*time.Hour), evs[1].Time, "3 h of work: 2 h before the hold, 1 h after")

	_, ok, err = sla.Replay(a, "INC2", lifecycle.Snapshot{}, history[:0])
	require.NoError(t, err)
	assert.False(t, ok)
	_, ok, err = sla.Replay(a, "INC2", lifecycle.Snapshot{}, []lifecycle.Record{{Seq: 1, Time: t0, To: stCancelled}})
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestCloneIsDeep(t *testing.T) {
	a := resolutionSLA()
	a.Reset = func(prev, next lifecycle.Snapshot) bool { return prev.Group != next.Group }
	s := snap(stProgress, 1)
	s.Attributes = map[string]string{"k": "v"}
	tm := attach(t, a, s, t0)
	s.Group = "other"
	require.NoError(t, tm.Observe(a, s, t0.Add(time.Hour)))
	require.Len(t, tm.Cycles, 1)
	c := tm.Clone()
	require.Equal(t, tm, c)
	c.Deadlines[0].Fired = true
	c.Cycles[0].Deadlines[0].Fired = true
	c.Snapshot.Attributes["k"] = "changed"
	assert.False(t, tm.Deadlines[0].Fired)
	assert.False(t, tm.Cycles[0].Deadlines[0].Fired)
	assert.Equal(t, "v", tm.Snapshot.Attributes["k"])
}

func scenarioTimer(t testing.TB) *sla.Timer {
	a := resolutionSLA()
	a.Reset = func(prev, next lifecycle.Snapshot) bool { return prev.Group != next.Group }
	s := snap(stProgress, 2)
	s.Attributes = map[string]string{"caller": "bob"}
	tm, _, err := sla.Attach(a, "INC1", s, t0)
	require.NoError(t, err)
	require.NoError(t, tm.Observe(a, held(2, "awaiting_caller"), t0.Add(time.Hour)))
	s.Group = "network"
	require.NoError(t, tm.Observe(a, s, t0.Add(5*time.Hour)))
	tm.Evaluate(t0.Add(12 * time.Hour))
	tm.Version, tm.RecordVersion = 3, 4
	return tm
}

func TestTimerJSONRoundTrip(t *testing.T) {
	tm := scenarioTimer(t)
	b, err := json.Marshal(tm)
	require.NoError(t, err)
	for _, key := range []string{`"stage":"in_progress"`, `"cycle":2`, `"business_elapsed":`, `"next_deadline":`,
		`"type":"sla"`, `"target":"resolution"`, `"cycles":[{"cycle":1,"stage":"cancelled"`} {
		assert.Contains(t, string(b), key)
	}
	var back sla.Timer
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, tm, &back)
}

func TestTimerJSONRejectsUnknownEnums(t *testing.T) {
	b, err := json.Marshal(scenarioTimer(t))
	require.NoError(t, err)
	for _, c := range []struct{ from, to, field string }{
		{`"stage":"in_progress"`, `"stage":"running"`, "stage"},
		{`"stage":"cancelled"`, `"stage":"canceled"`, "stage"},
		{`"type":"sla"`, `"type":"contract"`, "type"},
		{`"target":"resolution"`, `"target":"update"`, "target"},
	} {
		bad := []byte(replaceOnce(string(b), c.from, c.to))
		require.NotEqual(t, b, bad, c.from)
		var tm sla.Timer
		err := json.Unmarshal(bad, &tm)
		require.ErrorIs(t, err, lifecycle.ErrValidation, c.to)
		var ve *lifecycle.ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, c.field, ve.Field)
	}
	tm := scenarioTimer(t)
	tm.Stage = "bogus"
	_, err = json.Marshal(tm)
	assert.ErrorIs(t, err, lifecycle.ErrValidation, "an invalid stage is never written")
}

func replaceOnce(s, old, new string) string {
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	return s
}

func FuzzTimerJSON(f *testing.F) {
	b, err := json.Marshal(scenarioTimer(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"id":"x","stage":"paused","type":"ola","target":"response","deadlines":[{"percent":50}]}`))
	f.Add([]byte(`{"stage":"nope"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var tm sla.Timer
		if json.Unmarshal(data, &tm) != nil {
			return
		}
		first, err := json.Marshal(&tm)
		if err != nil {
			// Only a zero type or target (absent from the input) may fail
			// to marshal; a zero stage, a timer's that has not started, is
			// omitted.
			if tm.Type != "" && tm.Target != "" {
				t.Fatalf("decoded timer does not encode: %v", err)
			}
			return
		}
		var again sla.Timer
		if err := json.Unmarshal(first, &again); err != nil {
			t.Fatalf("re-decoding %s: %v", first, err)
		}
		second, err := json.Marshal(&again)
		if err != nil {
			t.Fatal(err)
		}
		if string(first) != string(second) {
			t.Fatalf("round trip changed the timer:\n%s\n%s", first, second)
		}
		c, err := json.Marshal(again.Clone())
		if err != nil || string(c) != string(second) {
			t.Fatalf("clone differs: %s, %v", c, err)
		}
	})
}
