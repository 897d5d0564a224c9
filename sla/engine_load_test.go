//go:build !race

package sla_test

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestEvaluateDueMillionTimers puts 1,000,000 timers in the in-memory
// store and evaluates them at one instant with Engine.EvaluateDue: every
// deadline due fires exactly once (1,000,000 warnings and breaches of
// 400,000 timers), no other does, and a second run fires nothing. It logs timers per second.
// The race detector makes it too slow (about ten times), hence the build
// tag; BenchmarkEvaluateDue runs the same fleet. It runs when ITSM_LOAD is
// set, so that a package's default tests take seconds.
func TestEvaluateDueMillionTimers(t *testing.T) {
	if os.Getenv("ITSM_LOAD") == "" {
		t.Skip("a load test: set ITSM_LOAD=1 to run it (.ci/run does)")
	}
	ctx := context.Background()
	a := resolutionSLA()
	began := time.Now()
	store, want := loadFleet(t, a)
	filled := time.Since(began)
	c := newLoadCounter()
	e := loadEngine(t, a, store, c)

	start := time.Now()
	n, err := e.EvaluateDue(ctx, loadAt)
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if want != loadTimers {
		t.Fatalf("the fleet has %d deadlines due, want %d", want, loadTimers)
	}
	if n != want || int(c.events.Load()) != want {
		t.Fatalf("EvaluateDue stored %d events and notified %d, want %d", n, c.events.Load(), want)
	}
	if d, m := c.duplicates.Load(), c.malformed.Load(); d != 0 || m != 0 {
		t.Fatalf("%d events notified twice, %d malformed", d, m)
	}
	for i, bits := range c.fired {
		if wantBits := uint8(1)<<loadFractions[i%len(loadFractions)].due - 1; bits != wantBits {
			t.Fatalf("timer %d: deadlines %04b fired, want %04b", i, bits, wantBits)
		}
	}
	dueTimers := 0
	for _, f := range loadFractions {
		if f.due > 0 {
			dueTimers += loadTimers / len(loadFractions)
		}
	}
	t.Logf("%d timers filled in %v; EvaluateDue fired %d events of %d due timers in %v: %.0f timers/s (%.0f due timers/s), %.0f events/s",
		loadTimers, filled.Round(time.Millisecond), n, dueTimers, elapsed.Round(time.Millisecond),
		float64(loadTimers)/elapsed.Seconds(), float64(dueTimers)/elapsed.Seconds(), float64(n)/elapsed.Seconds())

	again, err := e.EvaluateDue(ctx, loadAt)
	if err != nil || again != 0 || int(c.events.Load()) != want {
		t.Fatalf("a second run fired %d events (%v); notified %d in all", again, err, c.events.Load())
	}
	next, ok, err := e.NextDeadline(ctx)
	if err != nil || !ok || !next.After(loadAt) {
		t.Fatalf("NextDeadline = %v, %v, %v; want one after %v", next, ok, err, loadAt)
	}
}
