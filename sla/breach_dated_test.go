package sla_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/sla"
)

// TestRaiseDatesThresholdsOnABusinessCalendar: a P3 (24 business hours)
// incident on the New York desk (09:00–17:00, closed Tuesday 2026-03-10,
// the week daylight saving starts) works 6 h on Monday, waits on the caller
// until Wednesday 10:00, works 3 h more and is raised to P2 (8 h) on
// Wednesday 13:00. Every threshold of the new target is then behind the
// elapsed time: each is dated when the business elapsed time crossed it,
// across the hold and the closed day, and all are notified once, at the
// raise.
func TestRaiseDatesThresholdsOnABusinessCalendar(t *testing.T) {
	a := businessResolution()
	tm := attach(t, a, snap(stProgress, 3), ny(3, 9, 9, 0))
	require.NoError(t, tm.Observe(a, held(3, "awaiting_caller"), ny(3, 9, 15, 0)))
	require.NoError(t, tm.Observe(a, snap(stProgress, 3), ny(3, 11, 10, 0)))
	raise := ny(3, 11, 13, 0)
	require.NoError(t, tm.Observe(a, snap(stProgress, 2), raise))
	assert.Equal(t, 9*time.Hour, tm.Elapsed)
	assert.True(t, tm.Breached)
	assertInstant(t, ny(3, 11, 12, 0), tm.Due, "due: 8 h of work, 6 h on Monday and 2 h on Wednesday")

	evs := tm.Evaluate(raise)
	require.Equal(t, []string{"sla.warning@50", "sla.warning@75", "sla.warning@90", "sla.breached@100"}, types(evs))
	for i, want := range []time.Time{
		ny(3, 9, 13, 0),   // 4 h, Monday
		ny(3, 9, 15, 0),   // 6 h, as the hold began
		ny(3, 11, 11, 12), // 7 h 12 min, 1 h 12 min after the resumption
		ny(3, 11, 12, 0),  // 8 h
	} {
		assertInstant(t, want, evs[i].Time, evs[i].Type+"@"+evs[i].Value(sla.DataPercent))
		assert.Equal(t, "2026-03-11T16:00:00Z", evs[i].Value(sla.DataDue))
	}
	assert.Nil(t, tm.Evaluate(raise.Add(time.Hour)), "notified once")
}

// TestEngineRaiseNotifiesPastThresholdsOnce: through the engine, the
// thresholds a raise puts behind are notified while the change is
// observed, dated when they were crossed, and never again.
func TestEngineRaiseNotifiesPastThresholdsOnce(t *testing.T) {
	d := newDesk(t, resolutionSLA())
	d.observe(t, "INC1", 1, t0, snap(stProgress, 3))
	d.observe(t, "INC1", 2, t0.Add(time.Hour), held(3, "awaiting_vendor"))
	d.observe(t, "INC1", 3, t0.Add(3*time.Hour), snap(stProgress, 3))
	d.observe(t, "INC1", 4, t0.Add(7*time.Hour), snap(stProgress, 1)) // 5 h of work, 4 h target
	evs := d.rec.Events()
	require.Equal(t, []string{sla.EventWarning, sla.EventWarning, sla.EventWarning, sla.EventBreached}, d.rec.Types())
	for i, want := range []time.Time{
		t0.Add(4 * time.Hour),                // 2 h of work: 1 h before the hold, 1 h after
		t0.Add(5 * time.Hour),                // 3 h
		t0.Add(5*time.Hour + 36*time.Minute), // 3 h 36 min
		t0.Add(6 * time.Hour),                // 4 h
	} {
		assert.Equal(t, want, evs[i].Time, evs[i].ID)
	}
	assert.Equal(t, t0.Add(6*time.Hour), d.timer(t, "INC1/resolution").Due)
	assert.Equal(t, 0, d.evaluate(t, t0.Add(8*time.Hour)))
	assert.Len(t, d.rec.Events(), 4, "notified once")
}
