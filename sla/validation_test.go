package sla_test

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

// requireInvalid checks that err is a *lifecycle.ValidationError naming
// field.
func requireInvalid(t *testing.T, err error, field string) {
	t.Helper()
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	var ve *lifecycle.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, field, ve.Field, err.Error())
}

// The audit's cases: a negative target and a threshold of 150 % used to
// give a timer already breached.
func TestAttachRejectsAnInvalidAgreement(t *testing.T) {
	bad := resolutionSLA()
	bad.Durations = map[int]time.Duration{1: -time.Hour}
	tm, ok, err := sla.Attach(bad, "INC1", snap(stProgress, 1), t0)
	requireInvalid(t, err, "durations")
	assert.Nil(t, tm)
	assert.False(t, ok)

	bad = resolutionSLA()
	bad.Warnings = []float64{150}
	tm, ok, err = sla.Attach(bad, "INC1", snap(stProgress, 1), t0)
	requireInvalid(t, err, "warnings")
	assert.Nil(t, tm)
	assert.False(t, ok)

	_, _, err = sla.Attach(nil, "INC1", snap(stProgress, 1), t0)
	requireInvalid(t, err, "agreement")
	_, _, err = sla.Attach(resolutionSLA(), "", snap(stProgress, 1), t0)
	requireInvalid(t, err, "record")
	_, _, err = sla.Attach(resolutionSLA(), "INC1", snap(stProgress, 1), time.Time{})
	requireInvalid(t, err, "at")
	_, err = sla.NewTimer(bad, "INC1")
	requireInvalid(t, err, "warnings")
	_, err = sla.NewTimer(resolutionSLA(), "")
	requireInvalid(t, err, "record")
}

// Observing with another agreement used to complete the timer silently
// (the other agreement's stop rule held). Every observation checks the
// agreement and changes nothing when it is wrong.
func TestObserveRejectsAnotherAgreement(t *testing.T) {
	a := resolutionSLA()
	tm := attach(t, a, snap(stProgress, 2), t0)
	want := tm.Clone()

	other := responseSLA() // its stop rule holds for in_progress
	requireInvalid(t, tm.Observe(other, snap(stProgress, 2), t0.Add(time.Hour)), "agreement")
	_, err := tm.ObserveVersion(other, 2, snap(stProgress, 2), t0.Add(time.Hour))
	requireInvalid(t, err, "agreement")

	invalid := resolutionSLA()
	invalid.Warnings = []float64{50, 50}
	requireInvalid(t, tm.Observe(invalid, snap(stResolved, 2), t0.Add(time.Hour)), "warnings")
	requireInvalid(t, tm.Observe(nil, snap(stResolved, 2), t0.Add(time.Hour)), "agreement")
	requireInvalid(t, tm.Observe(a, snap(stResolved, 2), time.Time{}), "at")
	_, err = tm.ObserveVersion(a, -1, snap(stResolved, 2), t0.Add(time.Hour))
	requireInvalid(t, err, "version")
	assert.Equal(t, want, tm, "nothing changed")

	var none *sla.Timer
	requireInvalid(t, none.Observe(a, snap(stResolved, 2), t0), "timer")
	requireInvalid(t, (&sla.Timer{}).Observe(a, snap(stResolved, 2), t0), "agreement")
}

func TestReplayRejectsBadInput(t *testing.T) {
	a := resolutionSLA()
	ok1 := lifecycle.Record{Seq: 1, Time: t0, To: stProgress}
	for _, c := range []struct {
		name    string
		a       *sla.Agreement
		id      string
		history []lifecycle.Record
		field   string
	}{
		{"invalid agreement", &sla.Agreement{ID: "x"}, "INC1", nil, "type"},
		{"no record", a, "", nil, "record"},
		{"zero seq", a, "INC1", []lifecycle.Record{{Seq: 0, Time: t0}}, "history[0].seq"},
		{"repeated seq", a, "INC1", []lifecycle.Record{ok1, {Seq: 1, Time: t0}}, "history[1].seq"},
		{"decreasing seq", a, "INC1", []lifecycle.Record{{Seq: 2, Time: t0}, ok1}, "history[1].seq"},
		{"no time", a, "INC1", []lifecycle.Record{ok1, {Seq: 2}}, "history[1].time"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tm, ok, err := sla.Replay(c.a, c.id, lifecycle.Snapshot{}, c.history)
			requireInvalid(t, err, c.field)
			assert.Nil(t, tm)
			assert.False(t, ok)
		})
	}
}

func TestEngineRejectsBadInput(t *testing.T) {
	d := newDesk(t, resolutionSLA())
	err := d.engine.Observe(ctx, lifecycle.Notification{Process: "incident", Subject: "INC1", Version: -2, Time: t0, Snapshot: snap(stNew, 1)})
	requireInvalid(t, err, "version")
	_, err = d.engine.EvaluateDue(ctx, time.Time{})
	requireInvalid(t, err, "now")
	_, err = d.engine.Timers(ctx, "")
	requireInvalid(t, err, "record")
	_, err = d.engine.Repair(ctx, "incident", "", lifecycle.Snapshot{}, nil)
	requireInvalid(t, err, "record")
	history := []lifecycle.Record{{Seq: 1, Time: t0, To: stProgress}, {Seq: 3, Time: t0.Add(time.Hour), To: stHold}, {Seq: 2, Time: t0, To: stProgress}}
	_, err = d.engine.Repair(ctx, "incident", "INC1", lifecycle.Snapshot{}, history)
	requireInvalid(t, err, "history[2].seq")
	ts, err := d.store.ListByRecord(ctx, "INC1")
	require.NoError(t, err)
	assert.Empty(t, ts, "nothing stored")
	assert.Empty(t, d.rec.Events())
}

// Validate costs no allocation, as every observation runs it.
func TestAgreementValidateDoesNotAllocate(t *testing.T) {
	a := resolutionSLA()
	a.Warnings = []float64{25, 50, 75, 90}
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if a.Validate() != nil {
			panic("invalid")
		}
	}))
}

func TestPausedSince(t *testing.T) {
	a := resolutionSLA()
	tm := attach(t, a, snap(stProgress, 2), t0)
	assert.True(t, tm.PausedSince.IsZero())
	require.NoError(t, tm.Observe(a, held(2, "awaiting_caller"), t0.Add(time.Hour)))
	assert.Equal(t, t0.Add(time.Hour), tm.PausedSince)
	require.NoError(t, tm.Observe(a, held(1, "awaiting_caller"), t0.Add(2*time.Hour)))
	assert.Equal(t, t0.Add(time.Hour), tm.PausedSince, "still the same pause")
	st := tm.Status(nil, t0.Add(3*time.Hour))
	assert.Equal(t, t0.Add(time.Hour), st.PausedSince)
	assert.Equal(t, 2*time.Hour, st.Paused)
	require.NoError(t, tm.Observe(a, snap(stProgress, 1), t0.Add(4*time.Hour)))
	assert.True(t, tm.PausedSince.IsZero())
	assert.True(t, tm.Status(nil, t0.Add(5*time.Hour)).PausedSince.IsZero())

	require.NoError(t, tm.Observe(a, held(1, "awaiting_caller"), t0.Add(5*time.Hour)))
	require.NoError(t, tm.Observe(a, snap(stResolved, 1), t0.Add(6*time.Hour)))
	assert.True(t, tm.PausedSince.IsZero(), "a stopped cycle is not paused")

	// A new cycle that starts paused, and an attachment while paused.
	require.NoError(t, tm.Observe(a, held(1, "awaiting_caller"), t0.Add(7*time.Hour)))
	assert.Equal(t, 2, tm.Number)
	assert.Equal(t, t0.Add(7*time.Hour), tm.PausedSince)
	a.StartAt = func(s lifecycle.Snapshot) time.Time { return s.OpenedAt }
	tm = attach(t, a, held(2, "awaiting_caller"), t0.Add(2*time.Hour))
	assert.Equal(t, t0.Add(2*time.Hour), tm.PausedSince, "retroactive start: running until attached")

	// Replay and the engine keep it too.
	history := []lifecycle.Record{
		{Seq: 1, Time: t0, To: stProgress, Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldPriority, New: "2"}}},
		{Seq: 2, Time: t0.Add(90 * time.Minute), From: stProgress, To: stHold, Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldHoldReason, New: "awaiting_caller"}}},
	}
	rp, ok, err := sla.Replay(resolutionSLA(), "INC1", lifecycle.Snapshot{}, history)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, t0.Add(90*time.Minute), rp.PausedSince)
	d := newDesk(t, resolutionSLA())
	d.observe(t, "INC1", 1, t0, snap(stProgress, 2))
	d.observe(t, "INC1", 2, t0.Add(90*time.Minute), held(2, "awaiting_caller"))
	assert.Equal(t, t0.Add(90*time.Minute), d.timer(t, "INC1/resolution").PausedSince)
}

// bigThreshold is the threshold by exact rational arithmetic.
func bigThreshold(goal time.Duration, percent float64) time.Duration {
	r := new(big.Rat).SetFloat64(percent)
	r.Mul(r, new(big.Rat).SetInt64(int64(goal)))
	r.Quo(r, big.NewRat(100, 1))
	q, m := new(big.Int).QuoRem(r.Num(), r.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return time.Duration(q.Int64())
}

// Warning thresholds are exact, however long the goal: float64 arithmetic
// put the 50 % of an odd goal over 2^53 ns (104 days) a nanosecond early.
func TestWarningThresholdsAreExact(t *testing.T) {
	a := resolutionSLA()
	goal := time.Duration(1<<53 + 1) // 2^53 + 1 ns
	a.Durations = map[int]time.Duration{0: goal, 1: 10000 * time.Hour}
	a.Warnings = []float64{50, 33.3, 0.001}
	tm := attach(t, a, snap(stProgress, 3), t0)
	require.Len(t, tm.Deadlines, 4)
	assert.Equal(t, time.Duration(1<<52+1), tm.Deadlines[2].Threshold, "⌈(2^53+1)/2⌉")
	assert.Equal(t, t0.Add(1<<52+1), tm.Deadlines[2].At)
	assert.Equal(t, goal, tm.Deadlines[3].Threshold)
	assert.Equal(t, t0.Add(goal), tm.Deadlines[3].At)
	// 33.3 is the binary fraction 33.29999999999999715782905696…
	assert.Equal(t, bigThreshold(goal, 33.3), tm.Deadlines[1].Threshold)
	assert.Equal(t, bigThreshold(goal, 0.001), tm.Deadlines[0].Threshold)

	// A priority change recomputes them.
	require.NoError(t, tm.Observe(a, snap(stProgress, 1), t0.Add(time.Hour)))
	assert.Equal(t, 5000*time.Hour, tm.Deadlines[2].Threshold)
	assert.Equal(t, bigThreshold(10000*time.Hour, 33.3), tm.Deadlines[1].Threshold)
	assert.Equal(t, 10000*time.Hour, tm.Deadlines[3].Threshold)

	// Against exact rationals, on random goals and percentages.
	rng := rand.New(rand.NewPCG(7, 42))
	for range 20000 {
		goal := time.Duration(rng.Int64N(math.MaxInt64) + 1)
		if rng.IntN(2) == 0 {
			goal = time.Duration(rng.Int64N(int64(400*24*time.Hour)) + 1)
		}
		p := rng.Float64() * 100
		switch rng.IntN(4) {
		case 0:
			p = math.Round(p*10) / 10
		case 1:
			p = math.Ldexp(rng.Float64(), -rng.IntN(1100))
		}
		if p <= 0 {
			continue
		}
		a := resolutionSLA()
		a.Durations = map[int]time.Duration{0: goal}
		a.Warnings = []float64{p}
		tm := attach(t, a, snap(stProgress, 3), t0)
		require.Equal(t, bigThreshold(goal, p), tm.Deadlines[0].Threshold, "goal %d ns, %v %%", goal, p)
	}
}

// Timers stored before thresholds were kept (no Threshold) get them when
// next observed.
func TestTimerWithoutThresholds(t *testing.T) {
	a := resolutionSLA()
	tm := attach(t, a, snap(stProgress, 2), t0)
	want := tm.Clone()
	for i := range tm.Deadlines {
		tm.Deadlines[i].Threshold = 0
	}
	require.NoError(t, tm.Observe(a, snap(stProgress, 2), t0))
	assert.Equal(t, want.Deadlines, tm.Deadlines)
}

// errors.Is works through the engine's joined errors.
func TestEngineNotifyJoinsValidationErrors(t *testing.T) {
	e, err := sla.New(sla.Config{Store: slatest.NewStore(), Agreements: []*sla.Agreement{resolutionSLA()}})
	require.NoError(t, err)
	err = e.Notify(ctx,
		lifecycle.Notification{Process: "incident", Subject: "INC1", Version: 1, Time: t0, Snapshot: snap(stNew, 1)},
		lifecycle.Notification{Process: "incident", Subject: "INC2", Version: -1, Time: t0, Snapshot: snap(stNew, 1)},
	)
	require.True(t, errors.Is(err, lifecycle.ErrValidation))
	_, err = e.Timers(ctx, "INC1")
	require.NoError(t, err)
}
