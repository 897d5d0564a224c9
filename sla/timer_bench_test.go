package sla_test

import (
	"sync"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
)

const benchTimers = 1_000_000

var (
	benchOnce     sync.Once
	benchFleet    []sla.Timer
	benchPristine [][]sla.Deadline
	benchNext     []time.Time
	benchAt       time.Time // every timer's 50 % is due, nothing else
	benchIdleAt   time.Time // before every deadline
)

// fleet returns 1,000,000 running timers of P1 to P3 (4 h, 8 h, 24 h)
// started so that at benchAt exactly their 50 % warning is due.
func fleet(b *testing.B) []sla.Timer {
	benchOnce.Do(func() {
		a := resolutionSLA()
		benchAt = t0.Add(30 * 24 * time.Hour)
		benchIdleAt = benchAt.Add(-2 * time.Hour)
		benchFleet = make([]sla.Timer, benchTimers)
		benchPristine = make([][]sla.Deadline, benchTimers)
		benchNext = make([]time.Time, benchTimers)
		s := lifecycle.Snapshot{State: stProgress, Group: "service-desk", OpenedAt: t0}
		for i := range benchFleet {
			s.Priority = 1 + i%3
			goal, _ := a.Goal(s.Priority)
			start := benchAt.Add(-goal/2 - time.Duration(i%1000)*time.Second)
			tm, ok, err := sla.Attach(a, "INC"+string(rune('A'+i%26)), s, start)
			if err != nil || !ok {
				b.Fatal("not attached", err)
			}
			benchFleet[i] = *tm
			benchPristine[i] = append([]sla.Deadline(nil), tm.Deadlines...)
			benchNext[i] = tm.Next
		}
	})
	return benchFleet
}

// BenchmarkEvaluate evaluates 1,000,000 timers at one instant, the
// scheduler's inner loop. "idle": nothing is due (the common case between
// deadlines). "due": every timer has one warning due and returns its event.
// ns/timer is the cost per timer; allocs/op are per pass over all timers.
func BenchmarkEvaluate(b *testing.B) {
	timers := fleet(b)
	b.Run("idle", func(b *testing.B) {
		b.ReportAllocs()
		fired := 0
		for b.Loop() {
			for i := range timers {
				fired += len(timers[i].Evaluate(benchIdleAt))
			}
		}
		if fired != 0 {
			b.Fatalf("%d events fired while idle", fired)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchTimers, "ns/timer")
	})
	b.Run("due", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			for i := range timers {
				copy(timers[i].Deadlines, benchPristine[i])
				timers[i].Next = benchNext[i]
			}
			b.StartTimer()
			fired := 0
			for i := range timers {
				fired += len(timers[i].Evaluate(benchAt))
			}
			if fired != benchTimers {
				b.Fatalf("%d events fired, want one per timer", fired)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchTimers, "ns/timer")
	})
}
