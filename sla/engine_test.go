package sla_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

var ctx = context.Background()

func TestAgreementValidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(a *sla.Agreement)
		field string
	}{
		{"no id", func(a *sla.Agreement) { a.ID = "" }, "id"},
		{"no type", func(a *sla.Agreement) { a.Type = "" }, "type"},
		{"unknown type", func(a *sla.Agreement) { a.Type = "contract" }, "type"},
		{"no target", func(a *sla.Agreement) { a.Target = "" }, "target"},
		{"unknown target", func(a *sla.Agreement) { a.Target = "update" }, "target"},
		{"no durations", func(a *sla.Agreement) { a.Durations = nil }, "durations"},
		{"negative duration", func(a *sla.Agreement) { a.Durations[2] = -time.Hour }, "durations"},
		{"zero duration", func(a *sla.Agreement) { a.Durations[1] = 0 }, "durations"},
		{"negative priority", func(a *sla.Agreement) { a.Durations[-1] = time.Hour }, "durations"},
		{"zero threshold", func(a *sla.Agreement) { a.Warnings = []float64{0, 50} }, "warnings"},
		{"negative threshold", func(a *sla.Agreement) { a.Warnings = []float64{-10} }, "warnings"},
		{"threshold over 100", func(a *sla.Agreement) { a.Warnings = []float64{50, 100.0001} }, "warnings"},
		{"NaN threshold", func(a *sla.Agreement) { a.Warnings = []float64{math.NaN()} }, "warnings"},
		{"infinite threshold", func(a *sla.Agreement) { a.Warnings = []float64{math.Inf(1)} }, "warnings"},
		{"duplicate threshold", func(a *sla.Agreement) { a.Warnings = []float64{75, 50, 75} }, "warnings"},
		{"no start", func(a *sla.Agreement) { a.Start = nil }, "start"},
		{"no stop", func(a *sla.Agreement) { a.Stop = nil }, "stop"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := resolutionSLA()
			c.edit(a)
			err := a.Validate()
			require.ErrorIs(t, err, lifecycle.ErrValidation)
			var ve *lifecycle.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, c.field, ve.Field, err.Error())
		})
	}
	a := resolutionSLA()
	a.Warnings = []float64{100, 0.001, 99.999}
	require.NoError(t, a.Validate(), "(0, 100] is open at 0 and closed at 100")
	var nilAgreement *sla.Agreement
	require.ErrorIs(t, nilAgreement.Validate(), lifecycle.ErrValidation)

	d, ok := resolutionSLA().Goal(2)
	assert.True(t, ok)
	assert.Equal(t, 8*time.Hour, d)
	_, ok = resolutionSLA().Goal(4)
	assert.False(t, ok)
	d, ok = responseSLA().Goal(4)
	assert.True(t, ok, "key 0 is the default")
	assert.Equal(t, time.Hour, d)
}

func TestEnumsText(t *testing.T) {
	assert.Equal(t, []sla.Stage{"in_progress", "paused", "completed", "cancelled"}, sla.Stages())
	assert.Equal(t, []sla.AgreementType{"sla", "ola", "underpinning_contract"}, sla.AgreementTypes())
	assert.Equal(t, []sla.Target{"response", "resolution"}, sla.Targets())
	for _, s := range sla.Stages() {
		var back sla.Stage
		b, err := s.MarshalText()
		require.NoError(t, err)
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, s, back)
		assert.Equal(t, string(s), s.String())
	}
	var st sla.Stage
	assert.ErrorIs(t, st.UnmarshalText([]byte("running")), lifecycle.ErrValidation)
	var ty sla.AgreementType
	assert.ErrorIs(t, ty.UnmarshalText([]byte("SLA")), lifecycle.ErrValidation)
	require.NoError(t, ty.UnmarshalText([]byte("underpinning_contract")))
	assert.Equal(t, sla.TypeUnderpinningContract, ty)
	var tg sla.Target
	assert.ErrorIs(t, tg.UnmarshalText([]byte("")), lifecycle.ErrValidation)
	assert.True(t, sla.StagePaused.Active())
	assert.False(t, sla.StageCompleted.Active())
}

func TestNewValidatesConfig(t *testing.T) {
	store := slatest.NewStore()
	bad := resolutionSLA()
	bad.Durations[1] = -time.Minute
	for _, c := range []struct {
		name  string
		cfg   sla.Config
		field string
	}{
		{"no store", sla.Config{Agreements: []*sla.Agreement{resolutionSLA()}}, "store"},
		{"no agreements", sla.Config{Store: store}, "agreements"},
		{"invalid agreement", sla.Config{Store: store, Agreements: []*sla.Agreement{bad}}, "durations"},
		{"duplicate IDs", sla.Config{Store: store, Agreements: []*sla.Agreement{resolutionSLA(), resolutionSLA()}}, "agreements"},
		{"negative lease", sla.Config{Store: store, Agreements: []*sla.Agreement{resolutionSLA()}, Lease: -1}, "lease"},
		{"negative batch", sla.Config{Store: store, Agreements: []*sla.Agreement{resolutionSLA()}, Batch: -1}, "batch"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, err := sla.New(c.cfg)
			require.Nil(t, e)
			var ve *lifecycle.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, c.field, ve.Field)
		})
	}
	e, err := sla.New(sla.Config{Store: store, Agreements: []*sla.Agreement{resolutionSLA(), responseSLA()}})
	require.NoError(t, err)
	a, ok := e.Agreement("response")
	require.True(t, ok)
	assert.Equal(t, sla.TargetResponse, a.Target)
}

// desk is an engine over an in-memory store with a recorder and a fake
// clock.
type desk struct {
	store  *slatest.Store
	rec    *slatest.Recorder
	clock  *lifecycletest.Clock
	engine *sla.Engine
}

func newDesk(t *testing.T, agreements ...*sla.Agreement) *desk {
	t.Helper()
	d := &desk{store: slatest.NewStore(), rec: &slatest.Recorder{}, clock: lifecycletest.NewClock(t0)}
	e, err := sla.New(sla.Config{Store: d.store, Notifier: d.rec, Clock: d.clock, Agreements: agreements})
	require.NoError(t, err)
	d.engine = e
	return d
}

// incidentEvent is what an incident service would notify for record id at
// version v: the clock moves to at first.
func (d *desk) observe(t *testing.T, id string, v int64, at time.Time, s lifecycle.Snapshot) {
	t.Helper()
	d.clock.Set(at)
	require.NoError(t, d.engine.Notify(ctx, lifecycle.Notification{
		ID: lifecycle.NotificationID("incident", id, v, 0), Process: "incident", Subject: id, Type: "updated",
		Actor: "ann", Time: at, Version: v, Snapshot: s,
	}))
}

func (d *desk) timer(t *testing.T, id string) *sla.Timer {
	t.Helper()
	tm, err := d.store.Get(ctx, id)
	require.NoError(t, err)
	return tm
}

func (d *desk) evaluate(t *testing.T, at time.Time) int {
	t.Helper()
	d.clock.Set(at)
	n, err := d.engine.EvaluateDue(ctx, at)
	require.NoError(t, err)
	return n
}

func TestEngineFollowsAnIncident(t *testing.T) {
	d := newDesk(t, responseSLA(), resolutionSLA())
	d.observe(t, "INC1", 1, t0, snap(stNew, 2))
	ts, err := d.engine.Timers(ctx, "INC1")
	require.NoError(t, err)
	require.Len(t, ts, 2)
	assert.Equal(t, "INC1/resolution", ts[0].ID)
	assert.Equal(t, "INC1/response", ts[1].ID)
	assert.Equal(t, int64(1), ts[0].Version)
	assert.Equal(t, int64(1), ts[0].RecordVersion)

	next, ok, err := d.engine.NextDeadline(ctx)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, t0.Add(30*time.Minute), next, "the response's 50 %")

	assert.Equal(t, 1, d.evaluate(t, t0.Add(40*time.Minute)))
	assert.Equal(t, []string{sla.EventWarning}, d.rec.Types())
	assert.Equal(t, "response", d.rec.Events()[0].Value(sla.DataTarget))
	assert.Equal(t, 0, d.evaluate(t, t0.Add(40*time.Minute)), "nothing twice")

	d.observe(t, "INC1", 2, t0.Add(50*time.Minute), snap(stProgress, 2))
	resp := d.timer(t, "INC1/response")
	assert.Equal(t, sla.StageCompleted, resp.Stage)
	assert.False(t, resp.Breached)
	assert.Equal(t, int64(3), resp.Version, "created, evaluated, observed")

	d.observe(t, "INC1", 3, t0.Add(2*time.Hour), held(2, "awaiting_caller"))
	d.observe(t, "INC1", 4, t0.Add(26*time.Hour), snap(stProgress, 2))
	res := d.timer(t, "INC1/resolution")
	assert.Equal(t, 2*time.Hour, res.Elapsed)
	assert.Equal(t, 24*time.Hour, res.Paused)
	assert.Equal(t, t0.Add(32*time.Hour), res.Due)

	d.rec.Reset()
	assert.Equal(t, 4, d.evaluate(t, t0.Add(33*time.Hour)))
	assert.Equal(t, []string{sla.EventWarning, sla.EventWarning, sla.EventWarning, sla.EventBreached}, d.rec.Types())
	breach := d.rec.Events()[3]
	assert.Equal(t, "sla/INC1/resolution/1/3", breach.ID)
	assert.Equal(t, t0.Add(32*time.Hour), breach.Time)
	assert.Equal(t, int64(5), breach.Version, "the version stored with the fired flags")
	assert.Equal(t, int64(5), d.timer(t, "INC1/resolution").Version)
	_, ok, err = d.engine.NextDeadline(ctx)
	require.NoError(t, err)
	assert.False(t, ok)

	d.observe(t, "INC1", 5, t0.Add(34*time.Hour), snap(stResolved, 2))
	res = d.timer(t, "INC1/resolution")
	assert.Equal(t, sla.StageCompleted, res.Stage)
	assert.True(t, res.Breached)
}

func TestEngineIgnoresRedeliveredAndStaleEvents(t *testing.T) {
	d := newDesk(t, resolutionSLA())
	d.observe(t, "INC1", 1, t0, snap(stProgress, 2))
	d.observe(t, "INC1", 2, t0.Add(time.Hour), held(2, "awaiting_caller"))
	before := d.timer(t, "INC1/resolution")

	d.observe(t, "INC1", 2, t0.Add(time.Hour), held(2, "awaiting_caller")) // redelivered
	d.observe(t, "INC1", 1, t0, snap(stProgress, 2))                       // reordered
	assert.Equal(t, before, d.timer(t, "INC1/resolution"))

	d.clock.Set(t0.Add(2 * time.Hour))
	require.NoError(t, d.engine.Observe(ctx, lifecycle.Notification{Process: sla.Process, Subject: "INC1", Time: t0, Snapshot: snap(stResolved, 2)}))
	require.NoError(t, d.engine.Observe(ctx, lifecycle.Notification{Process: "incident", Time: t0, Snapshot: snap(stResolved, 2)}))
	assert.Equal(t, before, d.timer(t, "INC1/resolution"), "sla events and events without a subject are ignored")
}

func TestEngineAppliesAgreementsOfTheEventsProcess(t *testing.T) {
	change := resolutionSLA()
	change.ID, change.Process = "change-lead-time", "change"
	any := responseSLA()
	any.ID, any.Process = "any-response", ""
	d := newDesk(t, resolutionSLA(), change, any)
	d.observe(t, "INC1", 1, t0, snap(stNew, 2))
	ts, err := d.engine.Timers(ctx, "INC1")
	require.NoError(t, err)
	var ids []string
	for _, tm := range ts {
		ids = append(ids, tm.AgreementID)
	}
	assert.Equal(t, []string{"any-response", "resolution"}, ids)
}

func TestEngineBreachesAtOnceWhenPriorityRises(t *testing.T) {
	d := newDesk(t, resolutionSLA())
	d.observe(t, "INC1", 1, t0, snap(stProgress, 3))
	d.observe(t, "INC1", 2, t0.Add(5*time.Hour), snap(stProgress, 1))
	assert.Equal(t, []string{sla.EventWarning, sla.EventWarning, sla.EventWarning, sla.EventBreached}, d.rec.Types(),
		"fired while observing the change, without waiting for the scheduler")
	tm := d.timer(t, "INC1/resolution")
	assert.True(t, tm.Breached)
	assert.Equal(t, int64(2), tm.Version)
	assert.Equal(t, 0, d.evaluate(t, t0.Add(6*time.Hour)))
}

func TestEngineStoresBeforeNotifying(t *testing.T) {
	store := slatest.NewStore()
	var seen []int64
	notifier := lifecycle.NotifierFunc(func(ctx context.Context, evs ...lifecycle.Notification) error {
		for _, e := range evs {
			tm, err := store.Get(ctx, e.Subject)
			if err != nil {
				return err
			}
			seen = append(seen, tm.Version)
		}
		return errors.New("mail server down")
	})
	e, err := sla.New(sla.Config{Store: store, Notifier: notifier, Clock: lifecycletest.NewClock(t0), Agreements: []*sla.Agreement{resolutionSLA()}})
	require.NoError(t, err)
	require.NoError(t, e.Observe(ctx, lifecycle.Notification{Process: "incident", Subject: "INC1", Version: 1, Time: t0, Snapshot: snap(stProgress, 1)}))

	n, err := e.EvaluateDue(ctx, t0.Add(3*time.Hour))
	var ne *lifecycle.NotifyError
	require.ErrorAs(t, err, &ne)
	assert.Equal(t, 2, n, "stored even though notifying failed")
	assert.Equal(t, []int64{2, 2}, seen, "the notifier saw the stored timer")
	tm, err := store.Get(ctx, "INC1/resolution")
	require.NoError(t, err)
	assert.True(t, tm.Deadlines[0].Fired)
	n, err = e.EvaluateDue(ctx, t0.Add(3*time.Hour))
	require.NoError(t, err)
	assert.Zero(t, n, "never notified twice")
}

// unclaiming hides the in-memory store's Claimer ability.
type unclaiming struct{ sla.Store }

func TestEvaluateDueAcrossReplicasFiresEachEventOnce(t *testing.T) {
	for _, c := range []struct {
		name  string
		store func() sla.Store
	}{
		{"versions only", func() sla.Store { return unclaiming{slatest.NewStore()} }},
		{"claims", func() sla.Store { return slatest.NewStore() }},
	} {
		t.Run(c.name, func(t *testing.T) {
			store := c.store()
			rec := &slatest.Recorder{}
			var replicas []*sla.Engine
			for i := range 3 {
				e, err := sla.New(sla.Config{Store: store, Notifier: rec, Clock: lifecycletest.NewClock(t0),
					Agreements: []*sla.Agreement{resolutionSLA()}, Owner: fmt.Sprintf("replica-%d", i), Batch: 7})
				require.NoError(t, err)
				replicas = append(replicas, e)
			}
			const records = 60
			for i := range records {
				id := fmt.Sprintf("INC%03d", i)
				at := t0.Add(time.Duration(i) * time.Minute)
				require.NoError(t, replicas[i%3].Observe(ctx, lifecycle.Notification{Process: "incident", Subject: id, Version: 1, Time: at, Snapshot: snap(stProgress, 1)}))
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			total := 0
			for _, at := range []time.Duration{3 * time.Hour, 5 * time.Hour, 6 * time.Hour} {
				for _, e := range replicas {
					wg.Add(1)
					go func() {
						defer wg.Done()
						n, err := e.EvaluateDue(ctx, t0.Add(at))
						assert.NoError(t, err)
						mu.Lock()
						total += n
						mu.Unlock()
					}()
				}
				wg.Wait()
			}
			// Every timer reached 50 %, 75 %, 90 % and the breach by 6 h
			// (P1: 4 h, started within the first hour).
			events := rec.Events()
			ids := map[string]int{}
			for _, e := range events {
				ids[e.ID]++
			}
			assert.Len(t, events, records*4)
			assert.Len(t, ids, records*4, "each event notified exactly once")
			assert.Equal(t, records*4, total)
		})
	}
}

func TestObserveRetriesOnConcurrentChanges(t *testing.T) {
	store := slatest.NewStore()
	rec := &slatest.Recorder{}
	var replicas []*sla.Engine
	for range 4 {
		e, err := sla.New(sla.Config{Store: store, Notifier: rec, Clock: lifecycletest.NewClock(t0), Agreements: []*sla.Agreement{resolutionSLA(), responseSLA()}})
		require.NoError(t, err)
		replicas = append(replicas, e)
	}
	// Every replica receives the same events of one record at once (an
	// at-least-once relay): the timers end up as if each was seen once.
	events := []lifecycle.Notification{
		{Process: "incident", Subject: "INC1", Version: 1, Time: t0, Snapshot: snap(stNew, 2)},
		{Process: "incident", Subject: "INC1", Version: 2, Time: t0.Add(40 * time.Minute), Snapshot: snap(stProgress, 2)},
		{Process: "incident", Subject: "INC1", Version: 3, Time: t0.Add(2 * time.Hour), Snapshot: held(2, "awaiting_caller")},
	}
	for _, ev := range events {
		var wg sync.WaitGroup
		for _, e := range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				assert.NoError(t, e.Observe(ctx, ev))
			}()
		}
		wg.Wait()
	}
	res, err := store.Get(ctx, "INC1/resolution")
	require.NoError(t, err)
	assert.Equal(t, int64(3), res.Version)
	assert.Equal(t, int64(3), res.RecordVersion)
	assert.Equal(t, sla.StagePaused, res.Stage)
	assert.Equal(t, 2*time.Hour, res.Elapsed)
	assert.Zero(t, res.Paused)
	resp, err := store.Get(ctx, "INC1/response")
	require.NoError(t, err)
	assert.Equal(t, sla.StageCompleted, resp.Stage)
	assert.Equal(t, []string{sla.EventWarning}, rec.Types(), "the response's 50 % fired once, while observing version 2")
}

// Changing an agreement's targets and repairing recomputes the timers from
// the record's history, without notifying again what already fired.
func TestRepairRecomputesWithoutRenotifying(t *testing.T) {
	history := []lifecycle.Record{
		{Seq: 1, Time: t0, Event: "open", To: stProgress, Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldPriority, New: "2"}}},
		{Seq: 2, Time: t0.Add(5 * time.Hour), Event: "comment", From: stProgress, To: stProgress},
	}
	first := lifecycle.Snapshot{OpenedAt: t0}
	d := newDesk(t, resolutionSLA())
	s := first.Apply(history[0])
	d.observe(t, "INC1", 1, t0, s)
	d.observe(t, "INC1", 2, t0.Add(5*time.Hour), s)
	assert.Equal(t, []string{"sla.warning@50"}, types(d.rec.Events()), "50 % of 8 h, fired while observing")
	assert.Equal(t, 0, d.evaluate(t, t0.Add(5*time.Hour)))

	shorter := resolutionSLA()
	shorter.Durations[2] = 6 * time.Hour // 50 % at 3 h, 75 % at 4 h 30, 90 % at 5 h 24
	e, err := sla.New(sla.Config{Store: d.store, Notifier: d.rec, Clock: d.clock, Agreements: []*sla.Agreement{shorter}})
	require.NoError(t, err)
	d.rec.Reset()
	ts, err := e.Repair(ctx, "incident", "INC1", first, history)
	require.NoError(t, err)
	require.Len(t, ts, 1)
	tm := ts[0]
	assert.Equal(t, 6*time.Hour, tm.Goal)
	assert.Equal(t, int64(3), tm.Version)
	assert.Equal(t, t0.Add(6*time.Hour), tm.Due)
	assert.Equal(t, []string{"sla.warning@75"}, types(d.rec.Events()), "50 % already fired; 75 % is now due")
	assert.Equal(t, t0.Add(4*time.Hour+30*time.Minute), d.rec.Events()[0].Time)
	next, ok := tm.NextDeadline()
	require.True(t, ok)
	assert.Equal(t, t0.Add(5*time.Hour+24*time.Minute), next)

	// A record that never attached, and one without history, are fine.
	ts, err = e.Repair(ctx, "incident", "INC2", first, []lifecycle.Record{{Seq: 1, Time: t0, To: stCancelled}})
	require.NoError(t, err)
	assert.Empty(t, ts)
	ts, err = e.Repair(ctx, "incident", "INC3", first, history)
	require.NoError(t, err)
	require.Len(t, ts, 1)
	assert.Equal(t, int64(1), ts[0].Version)
}

func TestEngineIsANotifier(t *testing.T) {
	d := newDesk(t, resolutionSLA())
	host := &slatest.Recorder{}
	fan := lifecycle.Fanout(d.engine, host)
	err := fan.Notify(ctx,
		lifecycle.Notification{Process: "incident", Subject: "INC1", Version: 1, Time: t0, Snapshot: snap(stProgress, 2)},
		lifecycle.Notification{Process: "incident", Subject: "INC2", Version: 1, Time: t0, Snapshot: snap(stProgress, 3)},
	)
	require.NoError(t, err)
	assert.Len(t, host.Events(), 2)
	for _, id := range []string{"INC1/resolution", "INC2/resolution"} {
		_, err := d.store.Get(ctx, id)
		assert.NoError(t, err)
	}
}

// failing is a store whose every call fails.
type failing struct{ sla.Store }

var errDown = errors.New("database down")

func (failing) ListByRecord(context.Context, string) ([]*sla.Timer, error) { return nil, errDown }
func (failing) Due(context.Context, time.Time, int) ([]*sla.Timer, error)  { return nil, errDown }

func TestEngineReportsStoreErrors(t *testing.T) {
	e, err := sla.New(sla.Config{Store: failing{slatest.NewStore()}, Agreements: []*sla.Agreement{resolutionSLA()}})
	require.NoError(t, err)
	err = e.Observe(ctx, lifecycle.Notification{Process: "incident", Subject: "INC1", Version: 1, Time: t0, Snapshot: snap(stNew, 1)})
	assert.ErrorIs(t, err, errDown)
	_, err = e.EvaluateDue(ctx, t0)
	assert.ErrorIs(t, err, errDown)
	_, _, err = e.NextDeadline(ctx)
	assert.ErrorIs(t, err, errDown)
	_, err = e.Repair(ctx, "incident", "INC1", lifecycle.Snapshot{}, nil)
	assert.ErrorIs(t, err, errDown)
}

func TestEngineTakesTheClockForEventsWithoutTime(t *testing.T) {
	d := newDesk(t, resolutionSLA())
	d.clock.Set(t0.Add(time.Hour))
	require.NoError(t, d.engine.Observe(ctx, lifecycle.Notification{Process: "incident", Subject: "INC1", Version: 1, Snapshot: snap(stProgress, 2)}))
	tm := d.timer(t, "INC1/resolution")
	assert.Equal(t, t0.Add(time.Hour), tm.StartedAt)
	assert.Equal(t, t0.Add(9*time.Hour), tm.Due)
}
