package sla_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

// TestEvaluateNothingDueDoesNotAllocate: a timer, and an engine over a
// store of timers, with nothing due cost no allocation.
func TestEvaluateNothingDueDoesNotAllocate(t *testing.T) {
	a := resolutionSLA()
	tm := attach(t, a, snap(stProgress, 2), t0)
	before := t0.Add(time.Hour)
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if tm.Evaluate(before) != nil {
			t.Fatal("nothing is due an hour in")
		}
	}), "Timer.Evaluate with nothing due")

	store := slatest.NewStore()
	for i := range 100 {
		x, ok, err := sla.Attach(a, loadRecord(i), snap(stProgress, 1+i%3), t0)
		require.NoError(t, err)
		require.True(t, ok)
		x.Version = 1
		require.NoError(t, store.Commit(context.Background(), lifecycle.Write[*sla.Timer]{Record: x}))
	}
	e, err := sla.New(sla.Config{Store: store, Clock: lifecycletest.NewClock(before), Agreements: []*sla.Agreement{a}})
	require.NoError(t, err)
	ctx := context.Background()
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if n, err := e.EvaluateDue(ctx, before); n != 0 || err != nil {
			t.Fatalf("EvaluateDue = %d, %v; want nothing due", n, err)
		}
	}), "Engine.EvaluateDue with nothing due")
}

// maxAllocsPerDueTimer bounds what evaluating a due timer that fires two
// events costs through the engine and the in-memory store: the events'
// slice, their IDs and their details (one allocation each, however many
// events fire), and a share of the store's copies, allocated per batch.
const maxAllocsPerDueTimer = 1 + 1 + 1 + 0.5

// TestEvaluateDueAllocations holds EvaluateDue to its allocation budget
// per due timer, every timer firing its 50 and 75 % warnings.
func TestEvaluateDueAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	a := resolutionSLA()
	const timers = 2000
	at := t0.Add(7 * time.Hour) // P2 (8 h) started at t0: 50 % and 75 % are due
	ctx := context.Background()
	store := slatest.NewStore()
	for i := range timers {
		x, ok, err := sla.Attach(a, loadRecord(i), snap(stProgress, 2), t0)
		require.NoError(t, err)
		require.True(t, ok)
		x.Version = 1
		require.NoError(t, store.Commit(ctx, lifecycle.Write[*sla.Timer]{Record: x}))
	}
	e, err := sla.New(sla.Config{Store: store, Clock: lifecycletest.NewClock(at), Agreements: []*sla.Agreement{a}, Batch: timers})
	require.NoError(t, err)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	n, err := e.EvaluateDue(ctx, at)
	runtime.ReadMemStats(&m1)
	require.NoError(t, err)
	require.Equal(t, 2*timers, n)
	per := float64(m1.Mallocs-m0.Mallocs) / timers
	t.Logf("%.2f allocations per due timer", per)
	assert.LessOrEqual(t, per, maxAllocsPerDueTimer)
}
