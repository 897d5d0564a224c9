package sla_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

// deliver hands the engine the event of version v without moving the
// clock: a relay delivering late.
func (d *desk) deliver(t *testing.T, id string, v int64, at time.Time, s lifecycle.Snapshot) {
	t.Helper()
	require.NoError(t, d.engine.Observe(ctx, lifecycle.Notification{
		ID: lifecycle.NotificationID("incident", id, v, 0), Process: "incident", Subject: id, Type: "updated",
		Actor: "ann", Time: at, Version: v, Snapshot: s,
	}))
}

// The ITSM users' first complaint, paused time lost: the relay delivers
// "on hold" (v2, at +1 h) after "resumed" (v3, at +4 h). The timer is
// rebuilt as if the versions had come in order.
func TestEngineLatePauseIsNotLost(t *testing.T) {
	d := newDesk(t, resolutionSLA())
	d.clock.Set(t0.Add(4 * time.Hour))
	d.deliver(t, "INC1", 1, t0, snap(stProgress, 2)) // P2: 8 h
	d.deliver(t, "INC1", 3, t0.Add(4*time.Hour), snap(stProgress, 2))
	before := d.timer(t, "INC1/resolution")
	assert.Equal(t, 4*time.Hour, before.Elapsed, "v2 not seen yet")
	assert.Equal(t, int64(2), before.Journal.Through+1, "the gap is at version 2")
	require.Len(t, before.Journal.Pending, 1)

	d.deliver(t, "INC1", 2, t0.Add(time.Hour), held(2, "awaiting_caller"))
	tm := d.timer(t, "INC1/resolution")
	assert.Equal(t, time.Hour, tm.Elapsed)
	assert.Equal(t, 3*time.Hour, tm.Paused)
	assert.Equal(t, 3*time.Hour, tm.ActualPaused)
	assert.Equal(t, sla.StageInProgress, tm.Stage)
	assert.True(t, tm.PausedSince.IsZero())
	assert.Equal(t, t0.Add(11*time.Hour), tm.Due)
	assert.Equal(t, int64(3), tm.RecordVersion)
	assert.Equal(t, sla.Journal{}, tm.Journal, "the gap is filled: nothing kept")
	assert.Equal(t, snap(stProgress, 2), tm.Snapshot, "the newest version's snapshot")

	// The same as in order.
	in := newDesk(t, resolutionSLA())
	in.clock.Set(t0.Add(4 * time.Hour))
	in.deliver(t, "INC1", 1, t0, snap(stProgress, 2))
	in.deliver(t, "INC1", 2, t0.Add(time.Hour), held(2, "awaiting_caller"))
	in.deliver(t, "INC1", 3, t0.Add(4*time.Hour), snap(stProgress, 2))
	want := in.timer(t, "INC1/resolution")
	want.Version, tm.Version = 0, 0
	assert.Equal(t, want, tm)

	// Redelivering any version changes nothing and stores nothing.
	stored := d.timer(t, "INC1/resolution")
	for v := int64(1); v <= 3; v++ {
		d.deliver(t, "INC1", v, t0, snap(stResolved, 2))
	}
	assert.Equal(t, stored, d.timer(t, "INC1/resolution"))
}

// A breach fired on the projection of a timer that, as a change delivered
// late shows, was paused: the cycle is no longer breached, the breach is
// not notified again, and the cycle breaches (silently) when its target is
// really used up. ServiceNow's SLA repair recomputes "has breached" the
// same way and does not notify twice.
func TestEngineLatePauseWithdrawsAFiredBreach(t *testing.T) {
	a := resolutionSLA()
	d := newDesk(t, a)
	d.clock.Set(t0.Add(5 * time.Hour))
	d.deliver(t, "INC1", 1, t0, snap(stProgress, 1)) // P1: 4 h, all four fire at once
	require.Equal(t, []string{"sla.warning@50", "sla.warning@75", "sla.warning@90", "sla.breached@100"}, types(d.rec.Events()))
	require.True(t, d.timer(t, "INC1/resolution").Breached)

	d.deliver(t, "INC1", 3, t0.Add(4*time.Hour), snap(stProgress, 1))
	d.deliver(t, "INC1", 2, t0.Add(time.Hour), held(1, "awaiting_caller"))
	tm := d.timer(t, "INC1/resolution")
	assert.Equal(t, time.Hour, tm.Elapsed)
	assert.Equal(t, 3*time.Hour, tm.Paused)
	assert.False(t, tm.Breached, "the breach did not happen")
	assert.Equal(t, t0.Add(7*time.Hour), tm.Due)
	for _, dl := range tm.Deadlines {
		assert.True(t, dl.Fired, "%v: fired stays fired", dl.Percent)
	}
	assert.True(t, tm.Deadlines[0].Reached, "50 % (2 h) was reached at +5 h")
	assert.Equal(t, t0.Add(5*time.Hour), tm.Deadlines[0].At)
	assert.False(t, tm.Deadlines[3].Reached)
	assert.Equal(t, t0.Add(7*time.Hour), tm.Deadlines[3].At)
	assert.Equal(t, "INC1/resolution", tm.ID)
	assert.Equal(t, t0.Add(6*time.Hour), next(t, tm), "at the 75 % instant, Evaluate marks it reached, silently")
	require.Len(t, d.rec.Events(), 4, "nothing notified twice")

	assert.Zero(t, d.evaluate(t, t0.Add(7*time.Hour)), "no event: each was notified once")
	tm = d.timer(t, "INC1/resolution")
	assert.True(t, tm.Breached, "breached when the target is really used up")
	noNext(t, tm)
	n, ok, err := d.engine.NextDeadline(ctx)
	require.NoError(t, err)
	assert.False(t, ok, "nothing left for the scheduler (got %v)", n)
	require.Len(t, d.rec.Events(), 4)
}

// A change delivered before the earlier change that starts the timer is
// not lost: the engine keeps a timer that has not started.
func TestEngineLateStart(t *testing.T) {
	d := newDesk(t, resolutionSLA())
	d.clock.Set(t0.Add(3 * time.Hour))
	d.deliver(t, "INC1", 2, t0.Add(2*time.Hour), snap(stResolved, 2))
	ts, err := d.engine.Timers(ctx, "INC1")
	require.NoError(t, err)
	assert.Empty(t, ts, "Timers leaves out timers that have not started")
	kept := d.timer(t, "INC1/resolution")
	assert.False(t, kept.Started())
	assert.Equal(t, sla.Stage(""), kept.Stage)
	assert.Equal(t, int64(2), kept.RecordVersion)
	require.Len(t, kept.Journal.Pending, 1)

	d.deliver(t, "INC1", 1, t0, snap(stNew, 2))
	tm := d.timer(t, "INC1/resolution")
	assert.True(t, tm.Started())
	assert.Equal(t, sla.StageCompleted, tm.Stage)
	assert.Equal(t, 2*time.Hour, tm.Elapsed)
	assert.Equal(t, t0.Add(2*time.Hour), tm.StoppedAt)
	assert.Empty(t, d.rec.Events(), "nothing: P2's 50 % is at 4 h")
	ts, err = d.engine.Timers(ctx, "INC1")
	require.NoError(t, err)
	assert.Len(t, ts, 1)

	// A record that never starts keeps one small timer, in order.
	d.deliver(t, "INC2", 1, t0, snap(stCancelled, 2))
	d.deliver(t, "INC2", 2, t0.Add(time.Hour), snap(stClosed, 2))
	idle := d.timer(t, "INC2/resolution")
	assert.False(t, idle.Started())
	assert.Equal(t, sla.Journal{}, idle.Journal)
	assert.Equal(t, int64(2), idle.RecordVersion)
	assert.Equal(t, sla.Status{}, idle.Status(nil, t0.Add(time.Hour)))
	noNext(t, idle)
}

// A missing version is awaited while it is less than ReorderWindow versions
// older than the newest, and given up after: the journal never holds more
// than the window, and empties once the gap is given up.
func TestEngineReorderWindow(t *testing.T) {
	w := int64(sla.ReorderWindow)
	d := newDesk(t, resolutionSLA())
	d.clock.Set(t0.Add(100 * time.Hour))
	for _, id := range []string{"INC1", "INC2"} {
		d.deliver(t, id, 1, t0, snap(stProgress, 3))
		// Version 2 does not come; 3 .. w+1 do, one a minute.
		for v := int64(3); v <= w+1; v++ {
			d.deliver(t, id, v, t0.Add(time.Duration(v)*time.Minute), snap(stProgress, 3))
		}
		tm := d.timer(t, id+"/resolution")
		require.Equal(t, int64(1), tm.Journal.Through)
		require.Len(t, tm.Journal.Pending, int(w-1), "the most it holds")
	}

	// Within the window, version 2 (on hold from minute 2 to 3) counts.
	d.deliver(t, "INC1", 2, t0.Add(2*time.Minute), held(3, "awaiting_caller"))
	tm := d.timer(t, "INC1/resolution")
	assert.Equal(t, sla.Journal{}, tm.Journal)
	assert.Equal(t, w+1, tm.RecordVersion)
	assert.Equal(t, time.Minute, tm.Paused)
	assert.Equal(t, time.Duration(w)*time.Minute, tm.Elapsed)

	// One version more, and version 2 is given up.
	d.deliver(t, "INC2", w+2, t0.Add(time.Duration(w+2)*time.Minute), snap(stProgress, 3))
	tm = d.timer(t, "INC2/resolution")
	assert.Equal(t, sla.Journal{}, tm.Journal)
	assert.Equal(t, w+2, tm.RecordVersion)
	before := tm.Clone()
	d.deliver(t, "INC2", 2, t0.Add(2*time.Minute), held(3, "awaiting_caller"))
	assert.Equal(t, before, d.timer(t, "INC2/resolution"), "too late: ignored")
	assert.Equal(t, time.Duration(w+2)*time.Minute, before.Elapsed)
}

// A late change that removes a reset renumbers the cycles: what fired in a
// cycle that disappears stays fired if a cycle of that number comes back.
func TestEngineOrphanedFiredDeadlines(t *testing.T) {
	a := resolutionSLA()
	a.Durations = map[int]time.Duration{0: time.Hour}
	a.Warnings = []float64{}
	// Reset when the priority jumps by two: 3 → 1 resets, 3 → 2 → 1 does not.
	a.Reset = func(prev, next lifecycle.Snapshot) bool { return prev.Priority-next.Priority >= 2 }
	d := newDesk(t, a)
	d.clock.Set(t0.Add(10 * time.Hour))
	d.deliver(t, "INC1", 1, t0, snap(stProgress, 3))
	d.deliver(t, "INC1", 3, t0.Add(2*time.Hour), snap(stProgress, 1)) // reset: cycle 2
	tm := d.timer(t, "INC1/resolution")
	require.Equal(t, 2, tm.Number)
	require.Equal(t, []string{"sla/INC1/resolution/1/0", "sla/INC1/resolution/2/0"}, eventIDs(d.rec.Events()))

	d.deliver(t, "INC1", 2, t0.Add(time.Hour), snap(stProgress, 2)) // 3 → 2 → 1: no reset
	tm = d.timer(t, "INC1/resolution")
	assert.Equal(t, 1, tm.Number)
	assert.Empty(t, tm.Cycles)
	assert.Equal(t, []sla.FiredDeadline{{Cycle: 2, Percent: 100, Breach: true}}, tm.Journal.Orphans)

	d.deliver(t, "INC1", 4, t0.Add(11*time.Hour), snap(stResolved, 1))
	d.deliver(t, "INC1", 5, t0.Add(12*time.Hour), snap(stProgress, 1)) // reopened: cycle 2 again
	tm = d.timer(t, "INC1/resolution")
	require.Equal(t, 2, tm.Number)
	assert.True(t, tm.Deadlines[0].Fired, "cycle 2's breach was notified: never again")
	assert.Empty(t, tm.Journal.Orphans)
	d.evaluate(t, t0.Add(20*time.Hour))
	assert.Equal(t, []string{"sla/INC1/resolution/1/0", "sla/INC1/resolution/2/0"}, eventIDs(d.rec.Events()))
}

func eventIDs(evs []lifecycle.Notification) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.ID
	}
	return out
}

func TestTimerObserveVersion(t *testing.T) {
	a := resolutionSLA()
	tm, err := sla.NewTimer(a, "INC1")
	require.NoError(t, err)
	assert.False(t, tm.Started())
	assert.Equal(t, "INC1/resolution", tm.ID)

	obs := func(v int64, at time.Time, s lifecycle.Snapshot) bool {
		t.Helper()
		changed, err := tm.ObserveVersion(a, v, s, at)
		require.NoError(t, err)
		return changed
	}
	assert.True(t, obs(1, t0, snap(stProgress, 2)))
	assert.True(t, tm.Started())
	assert.False(t, obs(1, t0, snap(stProgress, 2)), "redelivered")
	assert.True(t, obs(4, t0.Add(5*time.Hour), held(2, "awaiting_caller")))
	assert.Equal(t, t0.Add(5*time.Hour), tm.PausedSince)
	assert.True(t, obs(2, t0.Add(time.Hour), held(2, "awaiting_caller")))
	assert.Equal(t, sla.StagePaused, tm.Stage, "v3 (resume) not seen yet: paused since v2")
	assert.Equal(t, t0.Add(time.Hour), tm.PausedSince)
	assert.Equal(t, time.Hour, tm.Elapsed)
	assert.Equal(t, []int64{4}, pendingVersions(tm))
	assert.False(t, obs(2, t0, snap(stNew, 2)), "redelivered while a gap is open")
	assert.False(t, obs(4, t0, snap(stNew, 2)), "redelivered while a gap is open")
	assert.True(t, obs(3, t0.Add(2*time.Hour), snap(stProgress, 2)))
	assert.Equal(t, sla.StagePaused, tm.Stage, "on hold again at v4")
	assert.Equal(t, t0.Add(5*time.Hour), tm.PausedSince)
	assert.Equal(t, 4*time.Hour, tm.Elapsed)
	assert.Equal(t, time.Hour, tm.Paused)
	assert.Equal(t, sla.Journal{}, tm.Journal)
	assert.Equal(t, int64(4), tm.RecordVersion)

	// Version 0 is taken as the newest and gives up missing versions.
	assert.True(t, obs(6, t0.Add(6*time.Hour), snap(stProgress, 2)))
	assert.True(t, obs(0, t0.Add(7*time.Hour), held(2, "awaiting_caller")))
	assert.Equal(t, sla.Journal{}, tm.Journal)
	assert.Equal(t, int64(6), tm.RecordVersion, "version 0 does not move it")
	assert.False(t, obs(5, t0.Add(5*time.Hour+30*time.Minute), snap(stResolved, 2)), "given up")
	require.NoError(t, tm.Observe(a, snap(stProgress, 2), t0.Add(8*time.Hour)))
	assert.Equal(t, 5*time.Hour, tm.Elapsed)
	assert.Equal(t, 3*time.Hour, tm.Paused)
	assert.True(t, tm.PausedSince.IsZero())
}

func pendingVersions(tm *sla.Timer) []int64 {
	var out []int64
	for _, o := range tm.Journal.Pending {
		out = append(out, o.Version)
	}
	return out
}

// A timer with an open journal (a gap, a base, orphans) survives JSON.
func TestTimerJournalJSONRoundTrip(t *testing.T) {
	a := resolutionSLA()
	a.Reset = func(prev, next lifecycle.Snapshot) bool { return prev.Group != next.Group }
	tm, err := sla.NewTimer(a, "INC1")
	require.NoError(t, err)
	s := snap(stProgress, 2)
	s.Attributes = map[string]string{"caller": "bob"}
	for _, o := range []struct {
		v  int64
		at time.Duration
		s  lifecycle.Snapshot
	}{{1, 0, s}, {2, time.Hour, held(2, "awaiting_caller")}, {4, 3 * time.Hour, s}, {6, 5 * time.Hour, snap(stProgress, 1)}} {
		_, err := tm.ObserveVersion(a, o.v, o.s, t0.Add(o.at))
		require.NoError(t, err)
	}
	tm.Evaluate(t0.Add(20 * time.Hour))
	tm.Journal.Orphans = []sla.FiredDeadline{{Cycle: 7, Percent: 12.5}}
	require.NotNil(t, tm.Journal.Base)
	require.Len(t, tm.Journal.Pending, 2)
	assert.Equal(t, sla.StagePaused, tm.Journal.Base.Cycle.Stage)
	assert.Equal(t, t0.Add(time.Hour), tm.Journal.Base.Cycle.PausedSince)

	b, err := json.Marshal(tm)
	require.NoError(t, err)
	for _, key := range []string{`"journal":{"through":2,"base":{"current":{"cycle":1,"stage":"paused"`, `"paused_since":"2026-03-09T10:00:00Z"`,
		`"pending":[{"version":4,`, `"orphans":[{"cycle":7,"percent":12.5}]`, `"threshold":14400000000000`} {
		assert.Contains(t, string(b), key)
	}
	var back sla.Timer
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, tm, &back)
	assert.Equal(t, tm, tm.Clone())

	// The decoded timer goes on like the original.
	_, err = tm.ObserveVersion(a, 3, held(2, "awaiting_caller"), t0.Add(2*time.Hour))
	require.NoError(t, err)
	_, err = back.ObserveVersion(a, 3, held(2, "awaiting_caller"), t0.Add(2*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, tm, &back)
}

// propEvents are the events an incident service would notify for history.
func propEvents(history []lifecycle.Record) []lifecycle.Notification {
	out := make([]lifecycle.Notification, len(history))
	s := propFirst
	for i, r := range history {
		s = s.Apply(r)
		out[i] = lifecycle.Notification{
			ID: lifecycle.NotificationID("incident", "INC1", int64(r.Seq), 0), Process: "incident", Subject: "INC1",
			Type: "changed", Actor: "ann", Time: r.Time, Version: int64(r.Seq), Snapshot: s.Clone(),
		}
	}
	return out
}

// propDesk runs one agreement's engine over an in-memory store with a
// fixed clock.
func propDesk(t *rapid.T, a *sla.Agreement, now time.Time) (*sla.Engine, *slatest.Store, *slatest.Recorder) {
	store, rec := slatest.NewStore(), &slatest.Recorder{}
	e, err := sla.New(sla.Config{Store: store, Notifier: rec, Clock: lifecycletest.NewClock(now), Agreements: []*sla.Agreement{a}})
	require.NoError(t, err)
	return e, store, rec
}

// withoutNotified clears what differs between deliveries in any order: the
// stored version, and which deadlines were notified (Fired, and orphans).
func withoutNotified(tm *sla.Timer) *sla.Timer {
	c := tm.Clone()
	c.Version = 0
	c.Journal.Orphans = nil
	clear := func(cy *sla.Cycle) {
		for i := range cy.Deadlines {
			cy.Deadlines[i].Fired = false
		}
	}
	for i := range c.Cycles {
		clear(&c.Cycles[i])
	}
	clear(&c.Cycle)
	return c
}

// reachedIDs returns the event IDs of the deadlines reached in tm.
func reachedIDs(tm *sla.Timer) map[string]bool {
	return deadlineIDs(tm, func(d sla.Deadline) bool { return d.Reached })
}

// Delivering a record's events in any order, any of them several times,
// gives the timer that in-order delivery gives, but for which deadlines
// were notified; no event is notified twice, and every deadline reached is
// notified.
func TestPropReorderedDeliveryEqualsInOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := propAgreement(t)
		history := propHistory(t)
		events := propEvents(history)
		last := history[len(history)-1].Time
		now := last.Add(time.Duration(rapid.Int64Range(0, int64(48*time.Hour)).Draw(t, "now_after_last")))
		end := last.Add(60 * 24 * time.Hour)

		order := rapid.Permutation(events).Draw(t, "order")
		for range rapid.IntRange(0, 5).Draw(t, "duplicates") {
			ev := rapid.SampledFrom(events).Draw(t, "duplicate")
			at := rapid.IntRange(0, len(order)).Draw(t, "duplicate_at")
			order = slices.Insert(order, at, ev)
		}

		run := func(deliveries []lifecycle.Notification) (*sla.Timer, []lifecycle.Notification) {
			e, store, rec := propDesk(t, a, now)
			for _, ev := range deliveries {
				require.NoError(t, e.Observe(ctx, ev))
			}
			_, err := e.EvaluateDue(ctx, end)
			require.NoError(t, err)
			tm, err := store.Get(ctx, sla.TimerID("INC1", a.ID))
			require.NoError(t, err)
			return tm, rec.Events()
		}
		want, wantEvents := run(events)
		got, gotEvents := run(order)

		require.Equal(t, withoutNotified(want), withoutNotified(got))
		require.Equal(t, sla.Journal{}, withoutNotified(got).Journal)
		require.Equal(t, int64(len(events)), got.RecordVersion)
		seen := map[string]bool{}
		for _, e := range gotEvents {
			require.False(t, seen[e.ID], "%s notified twice", e.ID)
			seen[e.ID] = true
		}
		// Every deadline the history reaches was notified, in both runs.
		// (Either run may also have notified a projection that a change
		// delivered after the clock passed it disproved; in order too,
		// since the clock is ahead of the changes.)
		inOrder := map[string]bool{}
		for _, e := range wantEvents {
			inOrder[e.ID] = true
		}
		for id := range reachedIDs(got) {
			require.True(t, seen[id], "%s reached, not notified", id)
			require.True(t, inOrder[id], "%s reached, not notified in order", id)
		}
		require.Equal(t, reachedIDs(want), reachedIDs(got))
		_, ok, err := sla.Replay(a, "INC1", propFirst, history)
		require.NoError(t, err)
		require.Equal(t, ok, got.Started())
	})
}

// The same at the timer level, with evaluations between deliveries.
func TestPropObserveVersionAnyOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := propAgreement(t)
		history := propHistory(t)
		events := propEvents(history)
		end := history[len(history)-1].Time.Add(60 * 24 * time.Hour)
		order := rapid.Permutation(events).Draw(t, "order")

		tm, err := sla.NewTimer(a, "INC1")
		require.NoError(t, err)
		fired := map[string]bool{}
		for i, ev := range order {
			changed, err := tm.ObserveVersion(a, ev.Version, ev.Snapshot, ev.Time)
			require.NoError(t, err)
			require.True(t, changed)
			if rapid.Bool().Draw(t, fmt.Sprintf("evaluate_%d", i)) {
				at := ev.Time.Add(time.Duration(rapid.Int64Range(0, int64(24*time.Hour)).Draw(t, "eval_after")))
				for _, e := range tm.Evaluate(at) {
					require.False(t, fired[e.ID], "%s fired twice", e.ID)
					fired[e.ID] = true
				}
			}
		}
		for _, e := range tm.Evaluate(end) {
			require.False(t, fired[e.ID], "%s fired twice", e.ID)
		}
		want, ok, err := sla.Replay(a, "INC1", propFirst, history)
		require.NoError(t, err)
		require.Equal(t, ok, tm.Started())
		if !ok {
			return
		}
		want.Evaluate(end)
		require.Equal(t, withoutNotified(want), withoutNotified(tm))
	})
}
