package sla_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
)

// onService returns s on service svc.
func onService(s lifecycle.Snapshot, svc string) lifecycle.Snapshot {
	s.Service = svc
	return s
}

// emailResolution is resolutionSLA for the records of the e-mail service,
// started retroactively at the record's opening.
func emailResolution(keep bool) *sla.Agreement {
	a := resolutionSLA()
	a.ID = "email-resolution"
	start := a.Start
	a.Start = func(s lifecycle.Snapshot) bool { return s.Service == "email" && start(s) }
	a.StartAt = func(s lifecycle.Snapshot) time.Time { return s.OpenedAt }
	a.KeepHistory = keep
	return a
}

// TestRetroactiveStartKeepsEarlierHold is TestRetroactiveStartWhilePaused
// with KeepHistory: the record, opened at t0 on another service, waits on
// the caller from 30 min and moves to the e-mail service at 1 h. The hold
// stays paused time; without the option the backdated start counts it as
// elapsed.
func TestRetroactiveStartKeepsEarlierHold(t *testing.T) {
	for _, keep := range []bool{false, true} {
		a := emailResolution(keep)
		tm, err := sla.NewTimer(a, "INC1")
		require.NoError(t, err)
		require.NoError(t, tm.Observe(a, onService(snap(stProgress, 2), "vpn"), t0))
		require.NoError(t, tm.Observe(a, onService(held(2, "awaiting_caller"), "vpn"), t0.Add(30*time.Minute)))
		assert.False(t, tm.Started())
		require.NoError(t, tm.Observe(a, onService(held(2, "awaiting_caller"), "email"), t0.Add(time.Hour)))
		require.True(t, tm.Started())
		assert.Equal(t, sla.StagePaused, tm.Stage)
		assert.Equal(t, t0, tm.StartedAt)
		assert.Nil(t, tm.Prior)
		if keep {
			assert.Equal(t, 30*time.Minute, tm.Elapsed, "KeepHistory: only the time before the hold is elapsed")
			assert.Equal(t, 30*time.Minute, tm.Paused, "KeepHistory: the hold stays paused time")
			assert.Equal(t, t0.Add(30*time.Minute), tm.PausedSince)
		} else {
			assert.Equal(t, time.Hour, tm.Elapsed, "without KeepHistory a StartAt counts the hold as running")
			assert.Zero(t, tm.Paused)
		}
	}
}

// TestKeepHistoryAcrossAgreementsOnABusinessCalendar: a P3 incident on the
// New York desk (09:00–17:00, closed Tuesday 2026-03-10) is opened on
// Friday 2026-03-06 16:00 (EST); daylight saving starts on Sunday. It is
// worked 1 h on Friday and 2 h on Monday (EDT), waits on the caller from
// 11:00 to 14:00, is worked 2 h more and raised to P2 at 16:00: the P3
// agreement cancels, and the P1–P2 agreement, with KeepHistory, starts with
// the P3 timer's elapsed and paused business time, its thresholds dated
// when that time crossed them, and stores and notifies through the engine.
func TestKeepHistoryAcrossAgreementsOnABusinessCalendar(t *testing.T) {
	low := businessResolution()
	low.ID, low.Durations = "low", map[int]time.Duration{3: 24 * time.Hour, 4: 48 * time.Hour}
	high := businessResolution()
	high.ID, high.Durations, high.KeepHistory = "high", map[int]time.Duration{1: 4 * time.Hour, 2: 8 * time.Hour}, true
	base := low.Start
	low.Start = func(s lifecycle.Snapshot) bool { return s.Priority >= 3 && base(s) }
	high.Start = func(s lifecycle.Snapshot) bool { return s.Priority <= 2 && base(s) }
	d := newDesk(t, low, high)
	open := ny(3, 6, 16, 0)
	s := snap(stProgress, 3)
	s.OpenedAt = open
	hold := s
	hold.State, hold.HoldReason = stHold, "awaiting_caller"
	raised := s
	raised.Priority = 2
	d.observe(t, "INC1", 1, open, s)
	d.observe(t, "INC1", 2, ny(3, 9, 11, 0), hold)
	d.observe(t, "INC1", 3, ny(3, 9, 14, 0), s)
	d.observe(t, "INC1", 4, ny(3, 9, 16, 0), raised)

	old := d.timer(t, "INC1/low")
	assert.Equal(t, sla.StageCancelled, old.Stage)
	assert.Equal(t, 5*time.Hour, old.Elapsed)
	assert.Equal(t, 3*time.Hour, old.Paused)

	tm := d.timer(t, "INC1/high")
	require.True(t, tm.Started())
	assert.Equal(t, sla.StageInProgress, tm.Stage)
	assert.Equal(t, old.Elapsed, tm.Elapsed, "the elapsed business time carries over")
	assert.Equal(t, old.Paused, tm.Paused, "the paused business time carries over")
	assert.Equal(t, old.ActualPaused, tm.ActualPaused)
	assertInstant(t, open, tm.StartedAt, "starts where the record's time began")
	assertInstant(t, ny(3, 11, 11, 0), tm.Due, "3 h left: Monday 16–17, Tuesday closed, Wednesday 9–11")

	evs := d.rec.Events()
	require.Len(t, evs, 1, "the 50 % warning, passed before the raise")
	assert.Equal(t, "sla/INC1/high/1/0", evs[0].ID)
	assertInstant(t, ny(3, 9, 15, 0), evs[0].Time, "4 h of work: an hour after the caller replied")
	assert.Equal(t, 0, d.evaluate(t, ny(3, 9, 16, 30)))

	// Replaying the same history gives the same timer.
	history := []lifecycle.Record{
		{Seq: 1, Time: open, To: stProgress, Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldPriority, New: "3"}}},
		{Seq: 2, Time: ny(3, 9, 11, 0), To: stHold, Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldHoldReason, New: "awaiting_caller"}}},
		{Seq: 3, Time: ny(3, 9, 14, 0), To: stProgress, Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldHoldReason, Old: "awaiting_caller"}}},
		{Seq: 4, Time: ny(3, 9, 16, 0), Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldPriority, Old: "3", New: "2"}}},
	}
	first := lifecycle.Snapshot{Group: "service-desk", OpenedAt: open}
	r, ok, err := sla.Replay(high, "INC1", first, history)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, tm.Elapsed, r.Elapsed)
	assert.Equal(t, tm.Paused, r.Paused)
	assertInstant(t, tm.Due, r.Due, "replayed due")
}

// TestKeepHistoryReorderedVersions: the hold of the record's history,
// delivered after the move, is counted where it belongs.
func TestKeepHistoryReorderedVersions(t *testing.T) {
	a := emailResolution(true)
	tm, err := sla.NewTimer(a, "INC1")
	require.NoError(t, err)
	observe := func(v int64, s lifecycle.Snapshot, at time.Time) {
		t.Helper()
		_, err := tm.ObserveVersion(a, v, s, at)
		require.NoError(t, err)
	}
	observe(1, onService(snap(stProgress, 2), "vpn"), t0)
	observe(3, onService(snap(stProgress, 2), "email"), t0.Add(2*time.Hour))
	observe(2, onService(held(2, "awaiting_caller"), "vpn"), t0.Add(30*time.Minute))
	require.True(t, tm.Started())
	assert.Equal(t, 30*time.Minute, tm.Elapsed)
	assert.Equal(t, 90*time.Minute, tm.Paused, "the hold from 30 min to the move at 2 h")
	assert.Equal(t, sla.StageInProgress, tm.Stage, "the move resumed it")
}
