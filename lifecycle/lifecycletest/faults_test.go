package lifecycletest_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

var bg = context.Background()

// outcomes runs n reads and n writes and returns the faults they drew.
func outcomes(f *lifecycletest.Faults, n int) []lifecycletest.Fault {
	var out []lifecycletest.Fault
	kind := func(err error) lifecycletest.Fault {
		var ie *lifecycletest.InjectedError
		if errors.As(err, &ie) {
			return ie.Fault
		}
		return lifecycletest.FaultNone
	}
	for range n {
		out = append(out, kind(f.Read("r")))
		out = append(out, kind(f.Write(bg, "w", func(context.Context) error { return nil })))
	}
	return out
}

func TestFaultsAreSeeded(t *testing.T) {
	r := lifecycletest.Rates{Error: 0.2, Timeout: 0.2, Conflict: 0.2, AfterWrite: 0.2}
	a := outcomes(lifecycletest.NewFaults(42, r), 200)
	b := outcomes(lifecycletest.NewFaults(42, r), 200)
	c := outcomes(lifecycletest.NewFaults(43, r), 200)
	assert.Equal(t, a, b, "the same seed gives the same faults")
	assert.NotEqual(t, a, c, "another seed gives other faults")

	seen := map[lifecycletest.Fault]int{}
	for i, k := range a {
		seen[k]++
		if i%2 == 0 {
			assert.NotContains(t, []lifecycletest.Fault{lifecycletest.FaultConflict, lifecycletest.FaultAfterWrite}, k,
				"reads never draw conflicts or ambiguous commits")
		}
	}
	for _, k := range []lifecycletest.Fault{lifecycletest.FaultNone, lifecycletest.FaultError, lifecycletest.FaultTimeout,
		lifecycletest.FaultConflict, lifecycletest.FaultAfterWrite} {
		assert.Positive(t, seen[k], "%s never drawn in 400 calls", k)
	}
}

func TestFaultsZeroRatesInjectNothing(t *testing.T) {
	f := lifecycletest.NewFaults(1, lifecycletest.Rates{})
	for _, k := range outcomes(f, 100) {
		require.Equal(t, lifecycletest.FaultNone, k)
	}
	assert.Empty(t, f.Injected())
}

func TestFaultKinds(t *testing.T) {
	cases := []struct {
		rates   lifecycletest.Rates
		fault   lifecycletest.Fault
		matches []error
		called  bool
	}{
		{lifecycletest.Rates{Error: 1}, lifecycletest.FaultError, nil, false},
		{lifecycletest.Rates{Timeout: 1}, lifecycletest.FaultTimeout, []error{context.DeadlineExceeded}, false},
		{lifecycletest.Rates{Conflict: 1}, lifecycletest.FaultConflict, []error{lifecycle.ErrConflict}, false},
		{lifecycletest.Rates{AfterWrite: 1}, lifecycletest.FaultAfterWrite, []error{context.DeadlineExceeded}, true},
	}
	for _, c := range cases {
		t.Run(c.fault.String(), func(t *testing.T) {
			f := lifecycletest.NewFaults(7, c.rates)
			called := false
			err := f.Write(bg, "store.Update", func(context.Context) error { called = true; return nil })
			require.ErrorIs(t, err, lifecycletest.ErrInjected)
			for _, m := range c.matches {
				assert.ErrorIs(t, err, m)
			}
			if c.fault != lifecycletest.FaultConflict {
				assert.NotErrorIs(t, err, lifecycle.ErrConflict)
			}
			assert.Equal(t, c.called, called, "whether the wrapped write ran")
			var ie *lifecycletest.InjectedError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, c.fault, ie.Fault)
			assert.Equal(t, c.called, ie.Applied())
			assert.Equal(t, "store.Update", ie.Op)
			assert.Equal(t, []lifecycletest.Injection{{Seq: 1, Op: "store.Update", Fault: c.fault}}, f.Injected())
			assert.Equal(t, 1, f.Count(c.fault))
			assert.NotEmpty(t, lifecycletest.Classify(err))
			if c.called {
				assert.Equal(t, []string{"store.Update"}, lifecycletest.AppliedWrites(f.Injected()))
			} else {
				assert.Empty(t, lifecycletest.AppliedWrites(f.Injected()))
			}
		})
	}
}

// TestFaultTimeoutBlocks: an injected timeout really waits, as a hung
// call does, until the caller's context is done or the delay bound has
// passed, and says which ended it; it never reaches the wrapped value.
func TestFaultTimeoutBlocks(t *testing.T) {
	never := func(context.Context) error { t.Error("a timed-out write reached the wrapped value"); return nil }
	timeoutOnly := lifecycletest.Rates{Timeout: 1}
	calls := map[string]func(f *lifecycletest.Faults, ctx context.Context) error{
		"Write":       func(f *lifecycletest.Faults, ctx context.Context) error { return f.Write(ctx, "w", never) },
		"ReadContext": func(f *lifecycletest.Faults, ctx context.Context) error { return f.ReadContext(ctx, "r") },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			// The bound: no deadline on the context.
			f := lifecycletest.NewFaults(1, timeoutOnly)
			assert.Equal(t, lifecycletest.DefaultTimeoutDelay, f.TimeoutDelay())
			f.SetTimeoutDelay(40 * time.Millisecond)
			start := time.Now()
			err := call(f, bg)
			assert.GreaterOrEqual(t, time.Since(start), 40*time.Millisecond, "waits for the bound")
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.ErrorIs(t, err, lifecycletest.ErrInjected)
			var ie *lifecycletest.InjectedError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, lifecycletest.FaultTimeout, ie.Fault)
			assert.NoError(t, ie.ContextErr)
			assert.Equal(t, "deadline", lifecycletest.Classify(err))

			// The caller's deadline, when it comes first.
			f.SetTimeoutDelay(time.Minute)
			start = time.Now() // before the deadline is set, which counts from there
			ctx, cancel := context.WithTimeout(bg, 30*time.Millisecond)
			defer cancel()
			err = call(f, ctx)
			took := time.Since(start)
			assert.GreaterOrEqual(t, took, 30*time.Millisecond, "waits for the deadline")
			assert.Less(t, took, 20*time.Second, "returns at the deadline, not the bound")
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.ErrorAs(t, err, &ie)
			assert.ErrorIs(t, ie.ContextErr, context.DeadlineExceeded)

			// A cancellation while it waits.
			ctx, cancel = context.WithCancel(bg)
			stop := time.AfterFunc(20*time.Millisecond, cancel)
			defer stop.Stop()
			start = time.Now()
			err = call(f, ctx)
			assert.Less(t, time.Since(start), 20*time.Second)
			require.ErrorIs(t, err, context.Canceled)
			require.ErrorIs(t, err, lifecycletest.ErrInjected)
			assert.NotErrorIs(t, err, context.DeadlineExceeded)
			assert.Equal(t, "canceled", lifecycletest.Classify(err))

			// An already canceled context, or no delay: at once.
			for _, c := range []struct {
				ctx   context.Context
				delay time.Duration
			}{{ctx, time.Minute}, {bg, 0}} {
				f.SetTimeoutDelay(c.delay)
				start = time.Now()
				err = call(f, c.ctx)
				assert.Less(t, time.Since(start), 5*time.Second)
				require.ErrorIs(t, err, lifecycletest.ErrInjected)
				require.ErrorAs(t, err, &ie)
				assert.Equal(t, lifecycletest.FaultTimeout, ie.Fault)
			}
			assert.Equal(t, 5, f.Count(lifecycletest.FaultTimeout))
		})
	}

	// Read, without a context, waits for the whole bound.
	f := lifecycletest.NewFaults(1, timeoutOnly)
	f.SetTimeoutDelay(25 * time.Millisecond)
	start := time.Now()
	require.ErrorIs(t, f.Read("r"), context.DeadlineExceeded)
	assert.GreaterOrEqual(t, time.Since(start), 25*time.Millisecond)
}

// TestFaultTimeoutDelayKeepsTheSeed: the wait never changes which faults
// a seed draws.
func TestFaultTimeoutDelayKeepsTheSeed(t *testing.T) {
	r := lifecycletest.Rates{Error: 0.1, Timeout: 0.3, Conflict: 0.1, AfterWrite: 0.1}
	quick := lifecycletest.NewFaults(5, r)
	quick.SetTimeoutDelay(0)
	waiting := lifecycletest.NewFaults(5, r)
	waiting.SetTimeoutDelay(100 * time.Microsecond)
	a, b := outcomes(quick, 100), outcomes(waiting, 100)
	assert.Equal(t, a, b)
	assert.Contains(t, a, lifecycletest.FaultTimeout)
	assert.Equal(t, quick.Injected(), waiting.Injected())
}

func TestFaultAfterWriteKeepsTheWritesOwnError(t *testing.T) {
	f := lifecycletest.NewFaults(7, lifecycletest.Rates{AfterWrite: 1})
	own := lifecycle.Conflict("x", "X1", 1, 2)
	err := f.Write(bg, "w", func(context.Context) error { return own })
	assert.Same(t, own, err, "a write that failed on its own is not ambiguous")
	assert.Empty(t, f.Injected())
}

func TestFaultsOffAndRestore(t *testing.T) {
	r := lifecycletest.Rates{Error: 1}
	f := lifecycletest.NewFaults(7, r)
	require.Error(t, f.Read("r"))
	old := f.Off()
	assert.Equal(t, r, old)
	require.NoError(t, f.Read("r"))
	require.NoError(t, f.Write(bg, "w", func(context.Context) error { return nil }))
	f.SetRates(old)
	assert.Equal(t, r, f.Rates())
	require.Error(t, f.Read("r"))
}

func TestFaultsRejectBadRates(t *testing.T) {
	for _, r := range []lifecycletest.Rates{{Error: -0.1}, {Timeout: 1.5}, {Error: 0.6, AfterWrite: 0.6}} {
		assert.Panics(t, func() { lifecycletest.NewFaults(1, r) }, "%+v", r)
	}
	f := lifecycletest.NewFaults(1, lifecycletest.Rates{})
	assert.Panics(t, func() { f.SetRates(lifecycletest.Rates{Conflict: 2}) })
}

func TestFaultsConcurrentUse(t *testing.T) {
	f := lifecycletest.NewFaults(3, lifecycletest.Rates{Error: 0.25, AfterWrite: 0.25})
	var wg sync.WaitGroup
	var mu sync.Mutex
	writes := 0
	for range 8 {
		wg.Go(func() {
			for range 200 {
				_ = f.Read("r")
				_ = f.Write(bg, "w", func(context.Context) error {
					mu.Lock()
					writes++
					mu.Unlock()
					return nil
				})
			}
		})
	}
	wg.Wait()
	in := f.Injected()
	for i, x := range in {
		require.Equal(t, i+1, x.Seq)
	}
	assert.Equal(t, len(in), f.Count(lifecycletest.FaultError)+f.Count(lifecycletest.FaultAfterWrite))
	assert.Equal(t, 1600-countOp(in, "w", lifecycletest.FaultError), writes,
		"every write ran except those failed before the call")
}

func countOp(in []lifecycletest.Injection, op string, k lifecycletest.Fault) int {
	n := 0
	for _, x := range in {
		if x.Op == op && x.Fault == k {
			n++
		}
	}
	return n
}

func TestFaultyNotifier(t *testing.T) {
	ev := lifecycle.Notification{ID: "x/X1/1/0", Process: "x", Subject: "X1", Version: 1}
	for _, c := range []struct {
		rates     lifecycletest.Rates
		delivered bool
		fails     bool
	}{
		{lifecycletest.Rates{}, true, false},
		{lifecycletest.Rates{Error: 1}, false, true},
		{lifecycletest.Rates{Timeout: 1}, false, true},
		{lifecycletest.Rates{Conflict: 1}, false, true},
		{lifecycletest.Rates{AfterWrite: 1}, true, true},
	} {
		rec := &lifecycletest.Recorder{}
		n := lifecycletest.FaultyNotifier(rec, lifecycletest.NewFaults(9, c.rates))
		err := n.Notify(bg, ev)
		assert.Equal(t, c.fails, err != nil, "%+v: %v", c.rates, err)
		assert.Equal(t, c.delivered, len(rec.Events()) == 1, "%+v", c.rates)
	}
	// A nil inner notifier discards.
	require.NoError(t, lifecycletest.FaultyNotifier(nil, lifecycletest.NewFaults(1, lifecycletest.Rates{})).Notify(bg, ev))
}

func TestClassify(t *testing.T) {
	for err, want := range map[error]string{
		nil:                                                "",
		errors.New("boom"):                                 "",
		lifecycle.NotFound("x", "1"):                       "not_found",
		lifecycle.Conflict("x", "1", 1, 2):                 "conflict",
		lifecycle.Invalid("f", "bad"):                      "validation",
		&lifecycle.ForbiddenError{Actor: "a"}:              "forbidden",
		&lifecycle.TransitionError{}:                       "invalid_transition",
		context.DeadlineExceeded:                           "deadline",
		context.Canceled:                                   "canceled",
		&lifecycletest.InjectedError{Op: "op"}:             "injected",
		&lifecycle.NotifyError{Err: lifecycle.ErrConflict}: "", // stored: NotifyError hides the sentinels
	} {
		assert.Equal(t, want, lifecycletest.Classify(err), "%v", err)
	}
}

func TestLedgerCheckEvents(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	snap := lifecycle.Snapshot{State: "open", OpenedAt: t0, Attributes: map[string]string{"a": "b"}}
	var l lifecycletest.Ledger
	l.Add("x", "X1", 1, snap)
	l.Add("x", "X1", 2, snap)
	l.Add("y", "Y1", 1, snap)
	assert.Equal(t, []int64{1, 2}, l.Versions("x", "X1"))
	assert.Equal(t, []string{"X1"}, l.Subjects("x"))

	good := lifecycle.Notification{ID: lifecycle.NotificationID("x", "X1", 2, 1), Process: "x", Subject: "X1", Version: 2, Snapshot: snap}
	good.Snapshot.OpenedAt = t0.In(time.FixedZone("CET", 3600)) // the same instant elsewhere
	require.NoError(t, l.CheckEvents([]lifecycle.Notification{good}))

	unstored := good
	unstored.Version, unstored.ID = 3, lifecycle.NotificationID("x", "X1", 3, 0)
	badID := good
	badID.ID = "x/X1/20/0"
	badSnap := good
	badSnap.Snapshot = lifecycle.Snapshot{State: "closed", OpenedAt: t0}
	for _, e := range []lifecycle.Notification{unstored, badID, badSnap} {
		assert.Error(t, l.CheckEvents([]lifecycle.Notification{good, e}), "%+v", e)
	}
}

func TestCheckHistory(t *testing.T) {
	recs := []lifecycle.Record{
		{Seq: 1, Event: "open", To: "new", Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldPriority, New: "3"}}},
		{Seq: 2, Event: "assign", From: "new", To: "new", Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldGroup, New: "ops"}}},
		{Seq: 3, Event: "start", From: "new", To: "work"},
	}
	cur := lifecycle.Snapshot{State: "work", Priority: 3, Group: "ops", Service: "ignored"}
	require.NoError(t, lifecycletest.CheckHistory(cur, 3, recs))

	bad := map[string]func() (lifecycle.Snapshot, int64, []lifecycle.Record){
		"version ahead": func() (lifecycle.Snapshot, int64, []lifecycle.Record) { return cur, 4, recs },
		"seq gap": func() (lifecycle.Snapshot, int64, []lifecycle.Record) {
			r := lifecycle.CloneHistory(recs)
			r[2].Seq = 4
			return cur, 3, r
		},
		"broken chain": func() (lifecycle.Snapshot, int64, []lifecycle.Record) {
			r := lifecycle.CloneHistory(recs)
			r[2].From = "old"
			return cur, 3, r
		},
		"state not in history": func() (lifecycle.Snapshot, int64, []lifecycle.Record) {
			c := cur
			c.State = "done"
			return c, 3, recs
		},
		"group not in history": func() (lifecycle.Snapshot, int64, []lifecycle.Record) {
			c := cur
			c.Group = "dev"
			return c, 3, recs
		},
		"empty": func() (lifecycle.Snapshot, int64, []lifecycle.Record) { return cur, 0, nil },
	}
	for name, mk := range bad {
		s, v, h := mk()
		assert.Error(t, lifecycletest.CheckHistory(s, v, h), name)
	}
}

// With injection off, the faulty wrappers honour the whole store contract.
func TestFaultyStoresPassConformanceWhenOff(t *testing.T) {
	lifecycletest.TestPortfolioStore(t, func(*testing.T) lifecycle.PortfolioStore {
		return lifecycletest.FaultyPortfolioStore(lifecycletest.NewPortfolioStore(), lifecycletest.NewFaults(1, lifecycletest.Rates{}))
	})
	lifecycletest.TestImprovementStore(t, func(*testing.T) lifecycle.ImprovementStore {
		return lifecycletest.FaultyImprovementStore(lifecycletest.NewImprovementStore(), lifecycletest.NewFaults(1, lifecycletest.Rates{}))
	})
}

// outboxPortfolio is a PortfolioStore that is an outbox: CommitService
// keeps the write's events with the change.
type outboxPortfolio struct {
	*lifecycletest.PortfolioStore
	events []lifecycle.Notification
}

func (o *outboxPortfolio) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	if err := o.PortfolioStore.CommitService(ctx, w); err != nil {
		return err
	}
	o.events = append(o.events, w.Events...)
	return nil
}

// StoresEvents makes the store a lifecycle.Outbox: its Commit keeps
// the events.
func (o *outboxPortfolio) StoresEvents() bool { return true }

// outboxImprovements claims to be an outbox; only the wrapper's answer
// is looked at.
type outboxImprovements struct {
	*lifecycletest.ImprovementStore
}

func (outboxImprovements) StoresEvents() bool { return true }

func TestFaultyStoresKeepTheOutbox(t *testing.T) {
	f := lifecycletest.NewFaults(1, lifecycletest.Rates{})
	plain := lifecycletest.FaultyPortfolioStore(lifecycletest.NewPortfolioStore(), f)
	ok := lifecycle.StoresEvents(plain)
	assert.False(t, ok, "no outbox is invented")

	ob := &outboxPortfolio{PortfolioStore: lifecycletest.NewPortfolioStore()}
	st := lifecycletest.FaultyPortfolioStore(ob, f)
	ok = lifecycle.StoresEvents(st)
	require.True(t, ok, "the outbox is kept")

	// A Portfolio over the wrapper stores events in the outbox, not the notifier.
	rec := &lifecycletest.Recorder{}
	p, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{Store: st, Notifier: rec})
	require.NoError(t, err)
	_, err = p.Define(bg, lifecycle.Actor{ID: "alice"}, lifecycle.DefineService{Name: "Mail"})
	require.NoError(t, err)
	assert.Len(t, ob.events, 1)
	assert.Empty(t, rec.Events())

	// An ambiguous commit through the outbox keeps the events with the change.
	f.SetRates(lifecycletest.Rates{AfterWrite: 1})
	_, err = p.Define(bg, lifecycle.Actor{ID: "alice"}, lifecycle.DefineService{Name: "Web"})
	require.ErrorIs(t, err, lifecycletest.ErrInjected)
	assert.Len(t, ob.events, 2, "the stored change's events are stored with it")

	imps := lifecycletest.FaultyImprovementStore(outboxImprovements{ImprovementStore: lifecycletest.NewImprovementStore()}, f)
	ok = lifecycle.StoresEvents(imps)
	assert.True(t, ok)
	ok = lifecycle.StoresEvents(lifecycletest.FaultyImprovementStore(lifecycletest.NewImprovementStore(), f))
	assert.False(t, ok)
}

func TestPinVersion(t *testing.T) {
	var cmd lifecycle.ServiceCommand = lifecycle.AdvanceService{ID: "S1", Note: "n"}
	got := lifecycletest.PinVersion(cmd, 7)
	assert.Equal(t, lifecycle.AdvanceService{ID: "S1", Version: 7, Note: "n"}, got)
	assert.Equal(t, lifecycle.AdvanceService{ID: "S1", Note: "n"}, cmd, "the original is unchanged")
	assert.Equal(t, lifecycle.RetireService{Version: 3}, lifecycletest.PinVersion(lifecycle.RetireService{}, 3))
	assert.Panics(t, func() { lifecycletest.PinVersion(struct{ Version int }{}, 1) })
	assert.Panics(t, func() { lifecycletest.PinVersion(&lifecycle.AdvanceService{}, 1) })
}
