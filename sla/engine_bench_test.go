package sla_test

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

// loadTimers is the size of the load fleet (issue 7: "SLA evaluation of
// 1,000,000 timers").
const loadTimers = 1_000_000

// loadBatch is how many due timers EvaluateDue claims at a time from the
// in-memory store.
const loadBatch = 50_000

// loadAt is the instant the load fleet is evaluated at.
var loadAt = t0.Add(30 * 24 * time.Hour)

// loadFractions are the fractions of its goal that timer i has used at
// loadAt (i modulo 10), away from the thresholds (50, 75, 90, 100 %) by 5 %
// of the goal or more, and how many deadlines are then due: none for six
// timers in ten (between two deadlines, as most timers are at any instant),
// then the 50 % warning, 50 and 75 %, every warning, every warning and the
// breach: 400,000 timers and 1,000,000 events due in all.
var loadFractions = [10]struct {
	used float64
	due  int
}{{0.1, 0}, {0.2, 0}, {0.3, 0}, {0.4, 0}, {0.25, 0}, {0.45, 0}, {0.6, 1}, {0.8, 2}, {0.95, 3}, {1.2, 4}}

// loadRecord is the record ID of fleet timer i.
func loadRecord(i int) string { return fmt.Sprintf("R%07d", i) }

// loadFleet fills a new in-memory store with the load fleet: running P1
// to P3 timers (4 h, 8 h, 24 h, warnings at 50, 75 and 90 %) started so
// that at loadAt timer i has loadFractions[i%10].due deadlines due. It
// returns the store and how many events are due in all.
func loadFleet(tb testing.TB, a *sla.Agreement) (*slatest.Store, int) {
	tb.Helper()
	store := slatest.NewStore()
	s := lifecycle.Snapshot{State: stProgress, Group: "service-desk", OpenedAt: t0}
	due := 0
	for i := range loadTimers {
		s.Priority = 1 + i%3
		goal, _ := a.Goal(s.Priority)
		f := loadFractions[i%len(loadFractions)]
		start := loadAt.Add(-time.Duration(f.used*float64(goal)) + time.Duration(i%1000)*time.Millisecond)
		tm, ok, err := sla.Attach(a, loadRecord(i), s, start)
		if err != nil || !ok {
			tb.Fatalf("timer %d not attached: %v", i, err)
		}
		tm.Version = 1
		if err := store.Commit(context.Background(), lifecycle.Write[*sla.Timer]{Record: tm}); err != nil {
			tb.Fatal(err)
		}
		due += f.due
	}
	return store, due
}

// loadCounter is a notifier that records, per fleet timer, which deadlines
// fired (a bit per deadline index) and counts the events and duplicates.
type loadCounter struct {
	fired      []uint8
	events     atomic.Int64
	duplicates atomic.Int64
	malformed  atomic.Int64
}

func newLoadCounter() *loadCounter { return &loadCounter{fired: make([]uint8, loadTimers)} }

func (c *loadCounter) Notify(_ context.Context, events ...lifecycle.Notification) error {
	for _, e := range events {
		c.events.Add(1)
		// Subject "R0000042/resolution"; ID ".../<cycle>/<deadline index>".
		i, err := strconv.Atoi(e.Subject[1:8])
		idx := e.ID[len(e.ID)-1] - '0'
		if err != nil || i < 0 || i >= loadTimers || idx > 3 || e.ID[len(e.ID)-3:len(e.ID)-1] != "1/" {
			c.malformed.Add(1)
			continue
		}
		if c.fired[i]&(1<<idx) != 0 {
			c.duplicates.Add(1)
		}
		c.fired[i] |= 1 << idx
	}
	return nil
}

// loadEngine returns an engine over store that notifies c.
func loadEngine(tb testing.TB, a *sla.Agreement, store sla.Store, c lifecycle.Notifier) *sla.Engine {
	tb.Helper()
	e, err := sla.New(sla.Config{
		Store: store, Notifier: c, Clock: lifecycletest.NewClock(loadAt),
		Agreements: []*sla.Agreement{a}, Batch: loadBatch,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return e
}

// BenchmarkEvaluateDue is the scheduler's run over 1,000,000 stored
// timers: Engine.EvaluateDue claims the due ones from the slatest
// in-memory store in batches of 50,000, evaluates the 400,000 due ones,
// stores each and notifies (1,000,000 warnings and breaches); the others
// cost nothing. Each iteration starts from a
// freshly filled store (not timed). timers/s counts every stored timer,
// due or not, per second of EvaluateDue; allocs/op are per run over the
// fleet.
//
//	go test -run '^$' -bench BenchmarkEvaluateDue -benchmem ./sla/
func BenchmarkEvaluateDue(b *testing.B) {
	a := resolutionSLA()
	b.ReportAllocs()
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		store, want := loadFleet(b, a)
		c := newLoadCounter()
		e := loadEngine(b, a, store, c)
		b.StartTimer()
		start := time.Now()
		n, err := e.EvaluateDue(context.Background(), loadAt)
		elapsed += time.Since(start)
		if err != nil || n != want || int(c.events.Load()) != want || c.duplicates.Load() != 0 {
			b.Fatalf("EvaluateDue = %d, %v; notified %d, %d twice; want %d", n, err, c.events.Load(), c.duplicates.Load(), want)
		}
	}
	b.ReportMetric(float64(loadTimers)*float64(b.N)/elapsed.Seconds(), "timers/s")
}
