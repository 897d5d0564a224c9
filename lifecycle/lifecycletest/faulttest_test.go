package lifecycletest_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// widget is the record of the bench: a state, a version and a history.
type widget struct {
	ID      string
	Version int64
	State   string
	History []lifecycle.Record
}

func widgetView(w *widget) lifecycletest.Stored {
	return lifecycletest.Stored{Process: "widget", ID: w.ID, Version: w.Version, Snapshot: lifecycle.Snapshot{State: w.State}, History: w.History}
}

// bench is a minimal process for the rig's helpers: a map for the real
// store, written through the rig's Faults and Tap as a service writes
// through a faulty store, and notified through a faulty notifier. The
// broken operations of the tests bypass parts of it.
type bench struct {
	*lifecycletest.Rig[*widget]
	mu       sync.Mutex
	store    map[string]*widget
	notifier lifecycle.Notifier
}

func newBench(outbox bool, rates lifecycletest.Rates) *bench {
	b := &bench{store: map[string]*widget{}}
	b.Rig = lifecycletest.NewRig[*widget](1, rates)
	b.Outbox, b.StoreWrites, b.View = outbox, []string{"widget.Commit"}, widgetView
	b.Coverage = &lifecycletest.Coverage{}
	b.State = func() (map[string]*widget, error) {
		b.mu.Lock()
		defer b.mu.Unlock()
		out := map[string]*widget{}
		for k, w := range b.store {
			c := *w
			out[k] = &c
		}
		return out, nil
	}
	b.notifier = lifecycletest.FaultyNotifier(b.Events, b.Faults)
	return b
}

// next is widget id moved to state to, one version on, and its event.
func (b *bench) next(id, to string) (*widget, lifecycle.Notification) {
	b.mu.Lock()
	defer b.mu.Unlock()
	w := &widget{ID: id}
	if old, ok := b.store[id]; ok {
		c := *old
		w = &c
	}
	w.History = append(append([]lifecycle.Record(nil), w.History...), lifecycle.Record{Seq: len(w.History) + 1, From: w.State, To: to})
	w.Version++
	w.State = to
	e := lifecycle.Notification{ID: lifecycle.NotificationID("widget", id, w.Version, 0), Process: "widget", Subject: id, Version: w.Version,
		Type: "moved", Snapshot: lifecycle.Snapshot{State: to}}
	return w, e
}

// put stores w in the real store, bypassing faults, ledger and relay.
func (b *bench) put(w *widget) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.store[w.ID] = w
}

// commit is the store write: through the faults, then the Tap.
func (b *bench) commit(ctx context.Context, w *widget, e lifecycle.Notification) error {
	tap := b.Tap()
	return b.Faults.Write(ctx, "widget.Commit", func(ctx context.Context) error {
		return tap.Commit(ctx, lifecycle.Write[*widget]{Record: w, Events: []lifecycle.Notification{e}}, func(context.Context, lifecycle.Write[*widget]) error {
			b.put(w)
			return nil
		})
	})
}

// move is a faithful operation: store, then notify unless the store is an
// outbox; a failed notification comes back as a *lifecycle.NotifyError
// with the stored record.
func (b *bench) move(id, to string) (*widget, error) {
	w, e := b.next(id, to)
	if err := b.commit(context.Background(), w, e); err != nil {
		return nil, err
	}
	if !b.Outbox {
		if err := b.notifier.Notify(context.Background(), e); err != nil {
			return w, &lifecycle.NotifyError{Err: err}
		}
	}
	return w, nil
}

func mustMove(t *testing.T, b *bench, id, to string) *widget {
	t.Helper()
	w, err := b.move(id, to)
	require.NoError(t, err)
	return w
}

func TestCheckFailureAcceptsFaithfulFailures(t *testing.T) {
	for _, c := range []struct {
		name   string
		outbox bool
		rates  lifecycletest.Rates
	}{
		{"refused before the write", false, lifecycletest.Rates{Error: 1}},
		{"conflict", false, lifecycletest.Rates{Conflict: 1}},
		{"ambiguous commit, events lost", false, lifecycletest.Rates{AfterWrite: 1}},
		{"ambiguous commit, events in the outbox", true, lifecycletest.Rates{AfterWrite: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newBench(c.outbox, lifecycletest.Rates{})
			mustMove(t, b, "W1", "open")
			b.Faults.SetRates(c.rates)
			a := b.Try(t, func() (*widget, error) { return b.move("W1", "done") })
			require.Error(t, a.Err)
			require.NoError(t, b.CheckFailure("move", a))
			if c.rates.AfterWrite > 0 {
				require.True(t, a.Ambiguous())
				require.Equal(t, lifecycletest.CaseAmbiguous, a.Outcome())
				require.Equal(t, []string{"W1"}, a.Changed())
			} else {
				require.Equal(t, lifecycletest.CaseRefused, a.Outcome())
			}
		})
	}
}

// Each broken operation breaks one clause of a failure; CheckFailure
// names it.
func TestCheckFailureCatchesBrokenFailures(t *testing.T) {
	conflict := fmt.Errorf("widget: %w", lifecycle.ErrConflict)
	for _, c := range []struct {
		name   string
		outbox bool
		rates  lifecycletest.Rates
		op     func(b *bench) (*widget, error)
		want   string
	}{
		{"stores although it failed", false, lifecycletest.Rates{}, func(b *bench) (*widget, error) {
			w, _ := b.next("W1", "done")
			b.put(w)
			return nil, conflict
		}, "changed the store"},
		{"notifies although it failed", false, lifecycletest.Rates{}, func(b *bench) (*widget, error) {
			_, e := b.next("W1", "done")
			_ = b.Events.Notify(context.Background(), e)
			return nil, conflict
		}, "delivered 1 events"},
		{"fails untyped", false, lifecycletest.Rates{}, func(b *bench) (*widget, error) {
			return nil, errors.New("boom")
		}, "untyped error"},
		{"returns a record with the failure", false, lifecycletest.Rates{}, func(b *bench) (*widget, error) {
			return &widget{ID: "W1"}, conflict
		}, "returned a record"},
		{"notifies after an ambiguous commit without an outbox", false, lifecycletest.Rates{AfterWrite: 1}, func(b *bench) (*widget, error) {
			w, e := b.next("W1", "done")
			err := b.commit(context.Background(), w, e)
			_ = b.Events.Notify(context.Background(), e)
			return nil, err
		}, "lost without an outbox"},
		{"outbox losing an ambiguous commit's events", true, lifecycletest.Rates{AfterWrite: 1}, func(b *bench) (*widget, error) {
			w, _ := b.next("W1", "done")
			b.put(w)
			b.Record(w)
			return nil, b.Faults.Write(context.Background(), "widget.Commit", func(context.Context) error { return nil })
		}, "keeps its events in the outbox"},
		{"two changes with one ambiguous commit", false, lifecycletest.Rates{AfterWrite: 1}, func(b *bench) (*widget, error) {
			w, e := b.next("W1", "done")
			err := b.commit(context.Background(), w, e)
			x, _ := b.next("W2", "open")
			b.put(x)
			return nil, err
		}, "exactly one change"},
		{"an ambiguous commit that claims a conflict", false, lifecycletest.Rates{AfterWrite: 1}, func(b *bench) (*widget, error) {
			w, e := b.next("W1", "done")
			_ = b.commit(context.Background(), w, e)
			return nil, conflict
		}, "looks like a timeout"},
		{"an ambiguous commit two versions on", false, lifecycletest.Rates{AfterWrite: 1}, func(b *bench) (*widget, error) {
			w, _ := b.next("W1", "done")
			w.Version++
			return nil, b.commit(context.Background(), w, lifecycle.Notification{})
		}, "from version 1 to 3"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := newBench(c.outbox, lifecycletest.Rates{})
			mustMove(t, b, "W1", "open")
			b.Faults.SetRates(c.rates)
			a := b.Try(t, func() (*widget, error) { return c.op(b) })
			require.ErrorContains(t, b.CheckFailure("move", a), c.want)
		})
	}
}

func TestAttemptCheckNotified(t *testing.T) {
	b := newBench(false, lifecycletest.Rates{})
	a := b.Try(t, func() (*widget, error) {
		mustMove(t, b, "W1", "open")
		return b.move("W1", "done")
	})
	require.NoError(t, a.CheckNotified("two moves"))
	require.Equal(t, lifecycletest.CaseStored, a.Outcome())

	// A success whose first version was never notified.
	a = b.Try(t, func() (*widget, error) {
		w, _ := b.next("W1", "again")
		b.put(w)
		return b.move("W1", "over")
	})
	require.ErrorContains(t, a.CheckNotified("silent move"), "version 3 of W1 was not notified")
	a = b.Try(t, func() (*widget, error) { return nil, nil })
	require.Equal(t, "", a.Outcome(), "a success that stored nothing names no case")
}

func TestAttemptCheckNotifyError(t *testing.T) {
	b := newBench(false, lifecycletest.Rates{})
	mustMove(t, b, "W1", "open")
	b.Faults.SetRates(lifecycletest.Rates{Error: 1})
	a := b.Try(t, func() (*widget, error) {
		w, e := b.next("W1", "done")
		b.put(w)
		b.Record(w)
		return w, &lifecycle.NotifyError{Err: b.notifier.Notify(context.Background(), e)}
	})
	require.Equal(t, lifecycletest.CaseNotifyError, a.Outcome())
	require.NoError(t, a.CheckNotifyError("move"))

	b.Faults.SetRates(lifecycletest.Rates{})
	a = b.Try(t, func() (*widget, error) { return nil, &lifecycle.NotifyError{Err: errors.New("relay down")} })
	require.ErrorContains(t, a.CheckNotifyError("move"), "without a notifier fault")
	b.Faults.SetRates(lifecycletest.Rates{Error: 1})
	a = b.Try(t, func() (*widget, error) {
		_ = b.notifier.Notify(context.Background())
		return nil, &lifecycle.NotifyError{Err: errors.New("relay down")}
	})
	require.ErrorContains(t, a.CheckNotifyError("move"), "untyped notifier error")
}

func TestStoredAnywayAndFollowUps(t *testing.T) {
	followUp := &lifecycle.FollowUpError{Process: "widget", Record: "W1", Err: lifecycle.ErrConflict}
	notify := &lifecycle.NotifyError{Err: lifecycle.ErrConflict}
	require.True(t, lifecycletest.StoredAnyway(fmt.Errorf("move: %w", followUp)))
	require.True(t, lifecycletest.StoredAnyway(notify))
	require.False(t, lifecycletest.StoredAnyway(lifecycle.ErrConflict), "a conflict stores nothing")
	require.False(t, lifecycletest.StoredAnyway(nil))

	b := newBench(false, lifecycletest.Rates{})
	a := b.Try(t, func() (*widget, error) {
		w := mustMove(t, b, "W1", "open")
		return w, errors.Join(followUp, notify)
	})
	require.Equal(t, lifecycletest.CaseFollowUp, a.Outcome(), "a failed follow-up outranks the notifier's error")
}

func TestTryCountsFaults(t *testing.T) {
	b := newBench(false, lifecycletest.Rates{Timeout: 1})
	b.Faults.SetTimeoutDelay(0)
	a := b.Try(t, func() (*widget, error) { return b.move("W1", "open") })
	require.Equal(t, 1, a.InjectedCount(lifecycletest.FaultTimeout))
	require.Equal(t, 1, b.Coverage.Count(lifecycletest.FaultCase(lifecycletest.FaultTimeout)))
	require.Equal(t, "timeout faults", lifecycletest.FaultCase(lifecycletest.FaultTimeout))
	require.Len(t, lifecycletest.FaultCases(), 4)
}

// TestInvariants breaks each invariant once, on a store that keeps them
// all otherwise.
func TestInvariants(t *testing.T) {
	setup := func(t *testing.T, outbox bool) *bench {
		b := newBench(outbox, lifecycletest.Rates{})
		mustMove(t, b, "W1", "open")
		mustMove(t, b, "W1", "done")
		mustMove(t, b, "W2", "open")
		require.NoError(t, b.Invariants(b.All(t)))
		return b
	}
	for _, c := range []struct {
		name   string
		outbox bool
		breakf func(t *testing.T, b *bench)
		want   string
	}{
		{"half-applied", false, func(t *testing.T, b *bench) {
			w := b.All(t)["W1"]
			w.History = w.History[:1]
			b.put(w)
		}, "widget W1 is half-applied"},
		{"stored without the store", false, func(t *testing.T, b *bench) {
			w, _ := b.next("W2", "done")
			b.put(w)
		}, "stored versions [1] at version 2"},
		{"a ledger that disagrees", false, func(t *testing.T, b *bench) {
			b.Ledger.Add("widget", "W2", 1, lifecycle.Snapshot{State: "elsewhere"})
		}, "the ledger disagrees"},
		{"a ledger that knows more", false, func(t *testing.T, b *bench) {
			b.Ledger.Add("widget", "W9", 1, lifecycle.Snapshot{})
		}, "the ledger knows 3 records of widget, the store 2"},
		{"an event of no stored version", false, func(t *testing.T, b *bench) {
			_, e := b.next("W2", "done")
			_ = b.Events.Notify(context.Background(), e)
		}, "was never stored"},
		{"an event twice", false, func(t *testing.T, b *bench) {
			_ = b.Events.Notify(context.Background(), b.Events.Events()[0])
		}, "delivered twice"},
		{"an outbox version without its events", true, func(t *testing.T, b *bench) {
			w, _ := b.next("W2", "done")
			b.put(w)
			b.Record(w)
		}, "version 2 of widget W2 is stored without its events"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := setup(t, c.outbox)
			c.breakf(t, b)
			require.ErrorContains(t, b.Invariants(b.All(t)), c.want)
		})
	}
}

func TestCheckGetAndList(t *testing.T) {
	w := &widget{ID: "W1", Version: 1}
	injected := lifecycletest.NewFaults(1, lifecycletest.Rates{Error: 1}).Read("widget.Get")
	for _, c := range []struct {
		name string
		got  *widget
		err  error
		want string
	}{
		{"the stored record", &widget{ID: "W1", Version: 1}, nil, ""},
		{"an injected fault", nil, injected, ""},
		{"not found", nil, lifecycle.NotFound("widget", "W1"), ""},
		{"another record", &widget{ID: "W1", Version: 2}, nil, "answered"},
		{"a record with the failure", w, injected, "returned a record"},
		{"a real failure", nil, errors.New("disk full"), "disk full"},
	} {
		err := lifecycletest.CheckGet("Get", c.got, c.err, w)
		if c.want == "" {
			require.NoError(t, err, c.name)
		} else {
			require.ErrorContains(t, err, c.want, c.name)
		}
	}
	require.NoError(t, lifecycletest.CheckList("List", 2, nil, 2))
	require.NoError(t, lifecycletest.CheckList("List", 0, injected, 2))
	require.ErrorContains(t, lifecycletest.CheckList("List", 1, nil, 2), "listed 1 records, the store holds 2")
	require.ErrorContains(t, lifecycletest.CheckList("List", 0, errors.New("disk full"), 2), "disk full")
}

func TestJudgeAndCheckOutcomes(t *testing.T) {
	b := newBench(false, lifecycletest.Rates{})
	w := mustMove(t, b, "W1", "open")
	conflict := fmt.Errorf("widget: %w", lifecycle.ErrConflict)

	o, err := b.Judge("move", w, nil, true)
	require.NoError(t, err)
	require.Equal(t, lifecycletest.Outcome{Label: "move", Stored: widgetView(w), Notified: true}, o)
	require.NoError(t, lifecycletest.CheckOutcomes(b.Ledger, b.Events.Events(), o))
	o, err = b.Judge("move", nil, conflict, false)
	require.NoError(t, err)
	require.Zero(t, o, "a failure stored nothing")

	_, err = b.Judge("move", nil, &lifecycle.NotifyError{}, true)
	require.ErrorContains(t, err, "stored result")
	_, err = b.Judge("move", w, conflict, false)
	require.ErrorContains(t, err, "returned a record")
	_, err = b.Judge("move", nil, errors.New("boom"), false)
	require.ErrorContains(t, err, "untyped error")

	unstored := o
	unstored.Stored = widgetView(&widget{ID: "W1", Version: 7})
	require.ErrorContains(t, lifecycletest.CheckOutcomes(b.Ledger, nil, unstored), "never stored")
	other := lifecycletest.Outcome{Label: "move", Stored: widgetView(&widget{ID: "W1", Version: 1, State: "done"})}
	require.ErrorContains(t, lifecycletest.CheckOutcomes(b.Ledger, nil, other), "something else than it stored")
	silent := lifecycletest.Outcome{Label: "move", Stored: widgetView(w), Notified: true}
	require.ErrorContains(t, lifecycletest.CheckOutcomes(b.Ledger, nil, silent), "was not notified")
}

func TestRunConcurrent(t *testing.T) {
	draws := func(goroutines int) map[int]bool {
		var mu sync.Mutex
		seen := map[int]bool{}
		outcomes, err := lifecycletest.RunConcurrent(7, goroutines, 10, func(r *rand.Rand) (lifecycletest.Outcome, error) {
			n := r.IntN(1000)
			mu.Lock()
			seen[n] = true
			mu.Unlock()
			switch n % 3 {
			case 0:
				return lifecycletest.Outcome{Stored: lifecycletest.Stored{ID: fmt.Sprint(n)}}, nil
			case 1:
				return lifecycletest.Outcome{}, fmt.Errorf("op %d misbehaved", n)
			}
			return lifecycletest.Outcome{}, nil
		})
		zero, fails := 0, 0
		for n := range seen {
			switch n % 3 {
			case 0:
				zero++
			case 1:
				fails++
			}
		}
		require.LessOrEqual(t, len(outcomes), goroutines*10)
		require.GreaterOrEqual(t, len(outcomes), zero, "every outcome with an ID is kept")
		for _, o := range outcomes {
			require.NotEmpty(t, o.ID, "an outcome without a record is dropped")
		}
		if fails > 0 {
			require.ErrorContains(t, err, "operations misbehaved")
		} else {
			require.NoError(t, err)
		}
		return seen
	}
	require.Equal(t, draws(3), draws(3), "the same seed draws the same numbers")
	require.NotEqual(t, draws(1), draws(3), "each goroutine has its own stream")
}

func TestDrawRates(t *testing.T) {
	first := func(string, int) int { return 0 }
	last := func(_ string, n int) int { return n - 1 }
	require.Equal(t, lifecycletest.StormRates, lifecycletest.DrawRates(first, true), "index 0 of the storm draw is a storm")
	require.Equal(t, lifecycletest.Rates{}, lifecycletest.DrawRates(first, false))
	high := lifecycletest.RateChoices[len(lifecycletest.RateChoices)-1]
	require.Equal(t, lifecycletest.Rates{Error: high, Timeout: high, Conflict: high, AfterWrite: high}, lifecycletest.DrawRates(last, true))
	labels := map[string]int{}
	lifecycletest.DrawRates(func(label string, n int) int { labels[label] = n; return 1 }, true)
	require.Equal(t, map[string]int{"conflict storm": 8, "error rate": 3, "timeout rate": 3, "conflict rate": 3, "after-write rate": 3}, labels)
}

func TestTap(t *testing.T) {
	var recorded []string
	relay := &lifecycletest.Recorder{}
	tap := lifecycletest.Tap[*widget]{Record: func(w *widget) { recorded = append(recorded, w.ID) }}
	require.False(t, tap.StoresEvents())
	w := lifecycle.Write[*widget]{Record: &widget{ID: "W1"}, Events: []lifecycle.Notification{{ID: "e1"}}}
	refuse := func(context.Context, lifecycle.Write[*widget]) error { return lifecycle.ErrConflict }
	accept := func(context.Context, lifecycle.Write[*widget]) error { return nil }

	require.ErrorIs(t, tap.Commit(bg, w, refuse), lifecycle.ErrConflict)
	require.Empty(t, recorded, "a refused write is not recorded")
	require.NoError(t, tap.Commit(bg, w, accept))
	require.Equal(t, []string{"W1"}, recorded)

	tap.Relay = relay
	require.True(t, tap.StoresEvents())
	require.Error(t, tap.Commit(bg, w, refuse))
	require.Empty(t, relay.Events(), "a refused write relays nothing")
	require.NoError(t, tap.Commit(bg, w, accept))
	require.Equal(t, []string{"e1"}, []string{relay.Events()[0].ID})
}

// exploreTB is a testing.TB that records a fatal failure instead of
// stopping, and keeps the logs, for Explore (which logs and asks Failed).
type exploreTB struct {
	testing.TB
	fatal string
	logs  []string
}

func (f *exploreTB) Helper()                           {}
func (f *exploreTB) Failed() bool                      { return f.fatal != "" }
func (f *exploreTB) Fatalf(format string, args ...any) { f.fatal = fmt.Sprintf(format, args...) }
func (f *exploreTB) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}

func TestExplore(t *testing.T) {
	cov := &lifecycletest.Coverage{}
	tb := &exploreTB{TB: t}
	rounds := 0
	lifecycletest.Explore(tb, 3, cov, []string{"a", "b"}, func() { rounds++; cov.Add("a", 1) })
	require.Equal(t, 3, rounds, "it explores for the missing case, then gives up")
	require.Contains(t, tb.fatal, "never exercised in 3 rounds: [b]")

	tb = &exploreTB{TB: t}
	rounds = 0
	lifecycletest.Explore(tb, 3, cov, []string{"a", "b"}, func() {
		rounds++
		if rounds == 2 {
			cov.Add("b", 2)
		}
	})
	require.Equal(t, 2, rounds, "it stops once every case was exercised")
	require.Empty(t, tb.fatal)
	require.Equal(t, "coverage: a 3, b 2", tb.logs[len(tb.logs)-1])

	cov.Add("", 5)
	require.Equal(t, []string{"c"}, cov.Missing("c", "a", "c"), "the empty name counts nothing; names are listed once")
	require.Equal(t, map[string]int{"a": 3, "b": 2}, map[string]int{"a": cov.Count("a"), "b": cov.Count("b")})
}

// A round that rapid cut short proves nothing about coverage; a full one
// does.
func TestExploreJudgesOnlyFullRounds(t *testing.T) {
	want := 100
	if testing.Short() {
		want = 20
	}
	require.Equal(t, want, lifecycletest.PropertyRuns(), "rapid's default")
	for _, c := range []struct {
		name  string
		runs  int
		fatal bool
	}{
		{"cut short", lifecycletest.PropertyRuns() - 1, false},
		{"full", lifecycletest.PropertyRuns(), true},
		{"runs not counted", 0, true},
	} {
		cov := &lifecycletest.Coverage{}
		tb := &exploreTB{TB: t}
		lifecycletest.Explore(tb, 2, cov, []string{"never"}, func() { cov.Add(lifecycletest.CaseRun, c.runs) })
		require.Equal(t, c.fatal, tb.fatal != "", "%s: %q", c.name, tb.fatal)
		if !c.fatal {
			require.Contains(t, tb.logs[len(tb.logs)-1], "coverage not judged", c.name)
		}
	}
}

func TestReadAllAndKeys(t *testing.T) {
	pages := map[string][]string{"": {"A", "B"}, "B": {"C"}}
	next := map[string]string{"": "B", "B": ""}
	got, err := lifecycletest.ReadAll(func(after string) ([]string, string, error) { return pages[after], next[after], nil },
		func(s string) string { return s }, func(k string) (string, error) { return k + "!", nil })
	require.NoError(t, err)
	require.Equal(t, map[string]string{"A": "A!", "B": "B!", "C": "C!"}, got)
	_, err = lifecycletest.ReadAll(func(string) ([]string, string, error) { return []string{"A"}, "", nil },
		func(s string) string { return s }, func(string) (string, error) { return "", lifecycle.ErrNotFound })
	require.ErrorIs(t, err, lifecycle.ErrNotFound)

	b := newBench(false, lifecycletest.Rates{})
	mustMove(t, b, "W2", "open")
	mustMove(t, b, "W1", "open")
	require.Equal(t, []string{"W1", "W2"}, b.Keys(t))
	require.Len(t, b.All(t), 2)
}

func TestFaultyQuery(t *testing.T) {
	f := lifecycletest.NewFaults(1, lifecycletest.Rates{Error: 1})
	s := lifecycletest.FaultyRecords[*widget]{Faults: f, Process: "widget"}
	called := false
	_, err := lifecycletest.FaultyQuery(bg, s, "List", func() (int, error) { called = true; return 1, nil })
	require.ErrorIs(t, err, lifecycletest.ErrInjected)
	require.False(t, called, "a faulted query does not reach the store")
	require.Equal(t, "widget.List", f.Injected()[0].Op)
	f.Off()
	n, err := lifecycletest.FaultyQuery(bg, s, "List", func() (int, error) { return 3, nil })
	require.NoError(t, err)
	require.Equal(t, 3, n)
}
