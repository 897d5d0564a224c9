package slatest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/sla"
)

// Contract clauses quoted by failures.
const (
	clauseGet        = `Get "returns the timer with id, or an error matching lifecycle.ErrNotFound"`
	clauseCreate     = `Commit with Expected 0 "stores a new timer"; Get "returns the timer with id"`
	clauseCreateDup  = `Commit with Expected 0: "an existing ID is an error matching lifecycle.ErrConflict, and nothing is stored"`
	clauseUpdate     = `Commit stores the timer "over the stored version Expected"`
	clauseUpdateOld  = `Commit returns "an error matching ErrConflict" when the stored version is not w.Expected, and stores nothing`
	clauseUpdateNone = `Commit returns "ErrNotFound when Expected > 0 and there is no such record"`
	clauseAtomic     = `Commit: of several concurrent commits over the same expected version, exactly one succeeds (the others match lifecycle.ErrConflict)`
	clauseCopy       = `Store: "values are copied in and out (a caller never shares memory with stored state ...)"`
	clauseList       = `ListByRecord "returns every timer of recordID (any agreement, any stage), ordered by ID; none is an empty result, not an error"`
	clauseDue        = `Due "returns timers whose Next is set (non-zero) and not after at, ordered by Next then ID"`
	clauseDueLimit   = `Due: "at most limit of them (limit <= 0 means no limit)"`
	clauseClaim      = `Claim "returns, like Due, timers due at at, skipping those leased to another owner with a lease ending after at"`
	clauseClaimOwn   = `Claim: "Timers leased to owner itself are returned again"`
	clauseClaimLease = `Claim "leases each returned timer to owner until at+lease"`
	clausePrecision  = `Store: "instants come back equal (time.Time.Equal) to what was stored, with at least microsecond precision"`
)

// TestStore checks that the Store made by newStore honours the sla.Store
// contract, and the sla.Claimer contract when the store implements it.
// newStore is called once per subtest and must return an empty store;
// register any clean-up with t.Cleanup. Failures quote the clause of the
// contract that was broken.
//
// The suite stores timers built directly by [Fixture], whose instants
// have microsecond precision (and must come back exactly, in any location:
// comparisons use time.Time.Equal) and whose durations are not whole
// seconds (and must come back to the nanosecond); one subtest stores
// nanosecond instants, which may come back rounded to the microsecond.
func TestStore(t *testing.T, newStore func(t *testing.T) sla.Store) {
	t.Helper()
	ctx := context.Background()
	base := time.Date(2026, 3, 9, 9, 0, 0, 654321000, time.UTC)

	t.Run("GetMissing", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Get(ctx, "INC-MISSING/p1"); !errors.Is(err, lifecycle.ErrNotFound) {
			t.Fatalf("Get(missing) = %v; contract: %s", err, clauseGet)
		}
	})

	t.Run("CreateThenGet", func(t *testing.T) {
		s := newStore(t)
		want := Fixture("INC-1", "resolution", base)
		mustCreate(t, s, want)
		assertSame(t, clauseCreate, want, mustGet(t, s, want.ID))
	})

	t.Run("Precision", func(t *testing.T) {
		s := newStore(t)
		want := Fixture("INC-1", "resolution", base)
		ns := time.Duration(789) // below the microsecond
		eachInstant(want, func(at *time.Time) {
			if !at.IsZero() {
				*at = at.Add(ns)
			}
		})
		mustCreate(t, s, want)
		got := mustGet(t, s, want.ID)
		var wantAt, gotAt []time.Time
		eachInstant(want, func(at *time.Time) { wantAt = append(wantAt, *at) })
		eachInstant(got, func(at *time.Time) { gotAt = append(gotAt, *at) })
		if len(wantAt) != len(gotAt) {
			t.Fatalf("stored %d instants, got %d back; contract: %s", len(wantAt), len(gotAt), clausePrecision)
		}
		for i := range wantAt {
			if d := gotAt[i].Sub(wantAt[i]); wantAt[i].IsZero() != gotAt[i].IsZero() || d <= -time.Microsecond || d >= time.Microsecond {
				t.Fatalf("stored instant %s came back as %s; contract: %s", wantAt[i].Format(time.RFC3339Nano), gotAt[i].Format(time.RFC3339Nano), clausePrecision)
			}
		}
		// Everything else is exact.
		zero := func(at *time.Time) { *at = time.Time{} }
		eachInstant(want, zero)
		eachInstant(got, zero)
		assertSame(t, clausePrecision+" (other fields exactly)", want, got)
		due, err := s.Due(ctx, base.Add(time.Microsecond), 0)
		if err != nil || len(due) != 1 {
			t.Fatalf("Due(a microsecond after Next) = %d timers, %v; want 1; contract: %s", len(due), err, clausePrecision)
		}
	})

	t.Run("CreateDuplicateID", func(t *testing.T) {
		s := newStore(t)
		first := Fixture("INC-1", "resolution", base)
		mustCreate(t, s, first)
		second := Fixture("INC-1", "resolution", base.Add(time.Hour))
		second.Priority = 5
		if err := s.Commit(ctx, lifecycle.Write[*sla.Timer]{Record: second}); !errors.Is(err, lifecycle.ErrConflict) {
			t.Fatalf("Create(existing ID) = %v; contract: %s", err, clauseCreateDup)
		}
		assertSame(t, clauseCreateDup, first, mustGet(t, s, first.ID))
	})

	t.Run("UpdateExpectedVersion", func(t *testing.T) {
		s := newStore(t)
		tm := Fixture("INC-1", "resolution", base)
		mustCreate(t, s, tm)
		next := bump(tm, time.Minute)
		if err := s.Commit(ctx, lifecycle.Write[*sla.Timer]{Record: next, Expected: 1}); err != nil {
			t.Fatalf("Update(expected 1) over version 1 = %v; contract: %s", err, clauseUpdate)
		}
		assertSame(t, clauseUpdate, next, mustGet(t, s, tm.ID))
		third := bump(next, time.Minute)
		if err := s.Commit(ctx, lifecycle.Write[*sla.Timer]{Record: third, Expected: 2}); err != nil {
			t.Fatalf("Update(expected 2) over version 2 = %v; contract: %s", err, clauseUpdate)
		}
		assertSame(t, clauseUpdate, third, mustGet(t, s, tm.ID))
	})

	t.Run("UpdateStaleVersion", func(t *testing.T) {
		s := newStore(t)
		tm := Fixture("INC-1", "resolution", base)
		mustCreate(t, s, tm)
		v2 := bump(tm, time.Minute)
		if err := s.Commit(ctx, lifecycle.Write[*sla.Timer]{Record: v2, Expected: 1}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		for _, expected := range []int64{0, 1, 3} {
			stale := bump(tm, time.Hour)
			stale.Version = expected + 1
			if err := s.Commit(ctx, lifecycle.Write[*sla.Timer]{Record: stale, Expected: expected}); !errors.Is(err, lifecycle.ErrConflict) {
				t.Errorf("Update(expected %d) over version 2 = %v; contract: %s", expected, err, clauseUpdateOld)
			}
		}
		assertSame(t, clauseUpdateOld, v2, mustGet(t, s, tm.ID))
	})

	t.Run("UpdateMissing", func(t *testing.T) {
		s := newStore(t)
		tm := Fixture("INC-GHOST", "resolution", base)
		tm.Version = 2
		if err := s.Commit(ctx, lifecycle.Write[*sla.Timer]{Record: tm, Expected: 1}); !errors.Is(err, lifecycle.ErrNotFound) {
			t.Fatalf("Update(missing) = %v; contract: %s", err, clauseUpdateNone)
		}
		if _, err := s.Get(ctx, tm.ID); !errors.Is(err, lifecycle.ErrNotFound) {
			t.Fatalf("Update(missing) created the timer (Get = %v); contract: %s", err, clauseUpdateNone)
		}
	})

	t.Run("UpdateAtomic", func(t *testing.T) {
		s := newStore(t)
		tm := Fixture("INC-1", "resolution", base)
		mustCreate(t, s, tm)
		const writers = 8
		for round := int64(1); round <= 3; round++ {
			cur := mustGet(t, s, tm.ID)
			var wg sync.WaitGroup
			var mu sync.Mutex
			var wins, conflicts int
			var other []error
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					next := bump(cur, time.Duration(w+1)*time.Second)
					err := s.Commit(ctx, lifecycle.Write[*sla.Timer]{Record: next, Expected: round})
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						wins++
					case errors.Is(err, lifecycle.ErrConflict):
						conflicts++
					default:
						other = append(other, err)
					}
				}()
			}
			wg.Wait()
			if wins != 1 || conflicts != writers-1 || len(other) > 0 {
				t.Fatalf("round %d: %d concurrent updates over version %d: %d succeeded, %d conflicted, other errors %v; contract: %s",
					round, writers, round, wins, conflicts, other, clauseAtomic)
			}
			if got := mustGet(t, s, tm.ID); got.Version != round+1 {
				t.Fatalf("round %d: stored version %d, want %d; contract: %s", round, got.Version, round+1, clauseAtomic)
			}
		}
	})

	t.Run("CopiesIn", func(t *testing.T) {
		s := newStore(t)
		tm := Fixture("INC-1", "resolution", base)
		want := tm.Clone()
		mustCreate(t, s, tm)
		scribble(tm)
		assertSame(t, clauseCopy+" (after Create)", want, mustGet(t, s, want.ID))

		next := bump(want, time.Minute)
		wantNext := next.Clone()
		if err := s.Commit(ctx, lifecycle.Write[*sla.Timer]{Record: next, Expected: 1}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		scribble(next)
		assertSame(t, clauseCopy+" (after Update)", wantNext, mustGet(t, s, want.ID))
	})

	t.Run("CopiesOut", func(t *testing.T) {
		s := newStore(t)
		want := Fixture("INC-1", "resolution", base)
		mustCreate(t, s, want)
		scribble(mustGet(t, s, want.ID))
		assertSame(t, clauseCopy+" (result of Get)", want, mustGet(t, s, want.ID))

		list, err := s.ListByRecord(ctx, "INC-1")
		if err != nil || len(list) != 1 {
			t.Fatalf("ListByRecord = %d timers, %v; want 1", len(list), err)
		}
		scribble(list[0])
		assertSame(t, clauseCopy+" (result of ListByRecord)", want, mustGet(t, s, want.ID))

		due, err := s.Due(ctx, base.Add(24*time.Hour), 0)
		if err != nil || len(due) != 1 {
			t.Fatalf("Due = %d timers, %v; want 1", len(due), err)
		}
		scribble(due[0])
		assertSame(t, clauseCopy+" (result of Due)", want, mustGet(t, s, want.ID))
	})

	t.Run("ListByRecord", func(t *testing.T) {
		s := newStore(t)
		b := Fixture("INC-1", "response", base)
		a := Fixture("INC-1", "resolution", base)
		other := Fixture("INC-10", "resolution", base)
		stopped := Fixture("INC-1", "vendor-uc", base)
		stopped.Stage = sla.StageCompleted
		stopped.StoppedAt = base.Add(time.Hour)
		stopped.Next = time.Time{}
		for _, tm := range []*sla.Timer{b, other, stopped, a} {
			mustCreate(t, s, tm)
		}
		got, err := s.ListByRecord(ctx, "INC-1")
		if err != nil {
			t.Fatalf("ListByRecord: %v; contract: %s", err, clauseList)
		}
		assertIDs(t, clauseList, got, a.ID, b.ID, stopped.ID)
		assertSame(t, clauseList, stopped, got[2])
		none, err := s.ListByRecord(ctx, "INC-NONE")
		if err != nil || len(none) != 0 {
			t.Fatalf("ListByRecord(no timers) = %d timers, %v; contract: %s", len(none), err, clauseList)
		}
	})

	t.Run("Due", func(t *testing.T) {
		s := newStore(t)
		late := Fixture("INC-1", "resolution", base.Add(2*time.Hour))
		early := Fixture("INC-2", "resolution", base.Add(time.Hour))
		tieB := Fixture("INC-4", "resolution", base.Add(90*time.Minute))
		tieA := Fixture("INC-3", "resolution", base.Add(90*time.Minute))
		future := Fixture("INC-5", "resolution", base.Add(5*time.Hour))
		idle := Fixture("INC-6", "resolution", base)
		idle.Next = time.Time{}
		for _, tm := range []*sla.Timer{late, early, tieB, tieA, future, idle} {
			mustCreate(t, s, tm)
		}
		at := base.Add(2 * time.Hour) // exactly late's Next: included
		for _, limit := range []int{0, -1, 10} {
			got, err := s.Due(ctx, at, limit)
			if err != nil {
				t.Fatalf("Due(limit %d): %v; contract: %s", limit, err, clauseDue)
			}
			assertIDs(t, fmt.Sprintf("%s (limit %d)", clauseDue, limit), got, early.ID, tieA.ID, tieB.ID, late.ID)
		}
		got, err := s.Due(ctx, at, 2)
		if err != nil {
			t.Fatalf("Due(limit 2): %v", err)
		}
		assertIDs(t, clauseDueLimit, got, early.ID, tieA.ID)
		got, err = s.Due(ctx, base.Add(59*time.Minute), 0)
		if err != nil || len(got) != 0 {
			t.Fatalf("Due(before every deadline) = %d timers, %v; contract: %s", len(got), err, clauseDue)
		}

		// An update that clears or moves Next is what Due answers next.
		done := bump(early, time.Minute)
		done.Next = time.Time{}
		if err := s.Commit(ctx, lifecycle.Write[*sla.Timer]{Record: done, Expected: 1}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		moved := bump(late, time.Minute)
		moved.Next = base.Add(30 * time.Minute)
		if err := s.Commit(ctx, lifecycle.Write[*sla.Timer]{Record: moved, Expected: 1}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		got, err = s.Due(ctx, at, 0)
		if err != nil {
			t.Fatalf("Due: %v", err)
		}
		assertIDs(t, clauseDue+" (after updates)", got, moved.ID, tieA.ID, tieB.ID)
	})

	t.Run("Claim", func(t *testing.T) {
		s := newStore(t)
		c, ok := s.(sla.Claimer)
		if !ok {
			t.Skip("the store is not an sla.Claimer")
		}
		for i := 1; i <= 4; i++ {
			mustCreate(t, s, Fixture(fmt.Sprintf("INC-%d", i), "resolution", base.Add(time.Duration(i)*time.Minute)))
		}
		at := base.Add(time.Hour)
		lease := 10 * time.Minute
		a, err := c.Claim(ctx, "replica-a", at, 2, lease)
		if err != nil {
			t.Fatalf("Claim: %v; contract: %s", err, clauseClaim)
		}
		assertIDs(t, clauseClaim+" (first owner)", a, "INC-1/resolution", "INC-2/resolution")
		b, err := c.Claim(ctx, "replica-b", at, 0, lease)
		if err != nil {
			t.Fatalf("Claim: %v; contract: %s", err, clauseClaim)
		}
		assertIDs(t, clauseClaim+" (second owner)", b, "INC-3/resolution", "INC-4/resolution")
		again, err := c.Claim(ctx, "replica-a", at.Add(time.Minute), 0, lease)
		if err != nil {
			t.Fatalf("Claim: %v; contract: %s", err, clauseClaimOwn)
		}
		assertIDs(t, clauseClaimOwn, again, "INC-1/resolution", "INC-2/resolution")
		// replica-a's leases were renewed until at+1m+lease; replica-b's end at at+lease.
		late, err := c.Claim(ctx, "replica-c", at.Add(lease), 0, lease)
		if err != nil {
			t.Fatalf("Claim: %v; contract: %s", err, clauseClaimLease)
		}
		assertIDs(t, clauseClaimLease+" (expired leases are free again)", late, "INC-3/resolution", "INC-4/resolution")
	})

	t.Run("Committer", func(t *testing.T) {
		lifecycletest.TestCommitter(t, lifecycletest.CommitterKit[*sla.Timer]{
			New: func(t *testing.T) lifecycle.Committer[*sla.Timer] { return newStore(t) },
			Record: func(id string, version int64) *sla.Timer {
				tm := Fixture(id, "p1", base)
				tm.ID, tm.Version = id, version
				return tm
			},
			Get: func(ctx context.Context, s lifecycle.Committer[*sla.Timer], id string) (int64, error) {
				tm, err := s.(sla.Store).Get(ctx, id)
				if err != nil {
					return 0, err
				}
				return tm.Version, nil
			},
		})
	})
}

// Fixture returns a timer of agreementID on recordID with every field set
// (two cycles, deadlines, a journal with a base, pending observations and
// orphans, attributes), Version 1, and Next at next. Its instants are in
// UTC with microsecond precision, its durations not whole seconds.
func Fixture(recordID, agreementID string, next time.Time) *sla.Timer {
	at := time.Date(2026, 3, 9, 8, 0, 7, 123456000, time.UTC)
	odd := 1234567891 * time.Nanosecond // 1.234567891 s
	first := sla.Cycle{
		Number:        1,
		Stage:         sla.StageCancelled,
		Breached:      true,
		Priority:      1,
		Goal:          time.Minute + odd,
		StartedAt:     at,
		StoppedAt:     at.Add(30*time.Minute + 3*time.Microsecond),
		Elapsed:       25*time.Minute + odd,
		ActualElapsed: 25*time.Minute + 2*odd,
		Paused:        5*time.Minute + 3,
		ActualPaused:  5*time.Minute + 7,
		Due:           at.Add(time.Minute + odd.Truncate(time.Microsecond)),
		OriginalDue:   at.Add(time.Minute),
		Deadlines: []sla.Deadline{
			{Percent: 100, Breach: true, Threshold: time.Minute + odd, Reached: true, Fired: true, At: at.Add(time.Minute + 11*time.Microsecond)},
		},
	}
	attrs := func(v string) map[string]string { return map[string]string{"caller": v} }
	return &sla.Timer{
		ID:            sla.TimerID(recordID, agreementID),
		Version:       1,
		RecordID:      recordID,
		RecordVersion: 7,
		AgreementID:   agreementID,
		Type:          sla.TypeOLA,
		Target:        sla.TargetResolution,
		Cycle: sla.Cycle{
			Number:        2,
			Stage:         sla.StageInProgress,
			Priority:      2,
			Goal:          8*time.Hour + odd,
			StartedAt:     at.Add(30*time.Minute + 3*time.Microsecond),
			Elapsed:       90*time.Minute + odd,
			ActualElapsed: 2*time.Hour + 2*odd,
			Paused:        10*time.Minute + 1,
			ActualPaused:  15*time.Minute + 999,
			Due:           at.Add(9*time.Hour + 17*time.Microsecond),
			OriginalDue:   at.Add(8*time.Hour + 5*time.Microsecond),
			Deadlines: []sla.Deadline{
				{Percent: 50, Threshold: 4*time.Hour + odd/2 + 1, Reached: true, Fired: true, At: at.Add(5*time.Hour + time.Microsecond)},
				{Percent: 87.5, Threshold: 7*time.Hour + odd*7/8 + 1, At: at.Add(7*time.Hour + 2*time.Microsecond)},
				{Percent: 100, Breach: true, Threshold: 8*time.Hour + odd, At: at.Add(9*time.Hour + 17*time.Microsecond)},
			},
		},
		Cycles: []sla.Cycle{first},
		Next:   next,
		Snapshot: lifecycle.Snapshot{
			State: "in_progress", Title: "Mail down", Priority: 2, Group: "network", Assignee: "ann",
			HoldReason: "", Major: true, Service: "email", ConfigItem: "mx1", OpenedAt: at,
			Attributes: attrs("bob"),
		},
		UpdatedAt: at.Add(2*time.Hour + 15*time.Minute + 999*time.Microsecond),
		Journal: sla.Journal{
			Through: 5,
			Base: &sla.Checkpoint{
				Cycle: sla.Cycle{
					Number: 2, Stage: sla.StagePaused, Priority: 2, Goal: 8*time.Hour + odd,
					StartedAt: at.Add(30*time.Minute + 3*time.Microsecond), Elapsed: 80 * time.Minute, ActualElapsed: 80*time.Minute + odd,
					Paused: 3, ActualPaused: 4, PausedSince: at.Add(110*time.Minute + 21*time.Microsecond),
					OriginalDue: at.Add(8*time.Hour + 5*time.Microsecond),
					Deadlines: []sla.Deadline{
						{Percent: 50, Threshold: 4*time.Hour + odd/2 + 1, Fired: true},
						{Percent: 100, Breach: true, Threshold: 8*time.Hour + odd},
					},
				},
				Cycles: []sla.Cycle{first},
				Snapshot: lifecycle.Snapshot{
					State: "on_hold", Priority: 2, Group: "network", HoldReason: "awaiting_caller", OpenedAt: at,
					Attributes: attrs("carol"),
				},
				UpdatedAt: at.Add(110*time.Minute + 21*time.Microsecond),
			},
			Pending: []sla.Observation{
				{Version: 7, Time: at.Add(2*time.Hour + 15*time.Minute + 999*time.Microsecond), Snapshot: lifecycle.Snapshot{
					State: "in_progress", Priority: 2, Group: "network", Assignee: "ann", OpenedAt: at, Attributes: attrs("dave"),
				}},
			},
			Orphans: []sla.FiredDeadline{{Cycle: 3, Percent: 87.5}, {Cycle: 3, Percent: 100, Breach: true}},
		},
	}
}

// bump returns a copy of t one version on, as a caller prepares an Update.
func bump(t *sla.Timer, d time.Duration) *sla.Timer {
	n := t.Clone()
	n.Version++
	n.RecordVersion++
	n.Elapsed += d
	n.ActualElapsed += d
	n.UpdatedAt = n.UpdatedAt.Add(d)
	return n
}

// scribble changes every part of t a store might share.
func scribble(t *sla.Timer) {
	if b := t.Journal.Base; b != nil {
		b.Cycle.Deadlines[0].Percent = 3
		b.Cycles[0].Goal = 3
		b.Snapshot.Attributes["caller"] = "scribbled"
		b.Cycle.Stage = sla.StageCompleted
	}
	for i := range t.Journal.Pending {
		t.Journal.Pending[i].Snapshot.Attributes["caller"] = "scribbled"
		t.Journal.Pending[i].Version = 99
	}
	for i := range t.Journal.Orphans {
		t.Journal.Orphans[i].Percent = 4
	}
	t.Journal.Pending = append(t.Journal.Pending, sla.Observation{Version: 100})
	t.Version = 99
	t.Priority = 9
	t.Snapshot.Group = "scribbled"
	t.Snapshot.Attributes["caller"] = "scribbled"
	t.Snapshot.Attributes["new"] = "scribbled"
	for i := range t.Deadlines {
		t.Deadlines[i].Percent = 1
	}
	t.Deadlines = append(t.Deadlines, sla.Deadline{Percent: 2})
	for i := range t.Cycles {
		t.Cycles[i].Goal = 1
		for j := range t.Cycles[i].Deadlines {
			t.Cycles[i].Deadlines[j].Fired = false
		}
	}
	t.Cycles = append(t.Cycles, sla.Cycle{Number: 3})
}

func mustCreate(t *testing.T, s sla.Store, tm *sla.Timer) {
	t.Helper()
	if err := s.Commit(context.Background(), lifecycle.Write[*sla.Timer]{Record: tm}); err != nil {
		t.Fatalf("Create(%s): %v", tm.ID, err)
	}
}

func mustGet(t *testing.T, s sla.Store, id string) *sla.Timer {
	t.Helper()
	tm, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v; contract: %s", id, err, clauseGet)
	}
	return tm
}

func assertIDs(t *testing.T, clause string, got []*sla.Timer, want ...string) {
	t.Helper()
	ids := make([]string, len(got))
	for i, tm := range got {
		ids[i] = tm.ID
	}
	if !reflect.DeepEqual(ids, append([]string{}, want...)) {
		t.Fatalf("got timers %q, want %q; contract: %s", ids, want, clause)
	}
}

func assertSame(t *testing.T, clause string, want, got *sla.Timer) {
	t.Helper()
	if got == nil {
		t.Fatalf("got nil timer; contract: %s", clause)
	}
	w, g := normalize(want), normalize(got)
	if !reflect.DeepEqual(w, g) {
		wj, _ := json.MarshalIndent(w, "", "  ")
		gj, _ := json.MarshalIndent(g, "", "  ")
		t.Fatalf("stored timer differs; contract: %s\nwant %s\n got %s", clause, wj, gj)
	}
}

// normalize puts every instant in UTC and empty collections at nil, so that
// stores may return times in another location and empty slices as nil.
func normalize(t *sla.Timer) *sla.Timer {
	n := t.Clone()
	eachInstant(n, func(t *time.Time) {
		if t.IsZero() {
			*t = time.Time{}
		} else {
			*t = t.UTC()
		}
	})
	cycle := func(c *sla.Cycle) {
		if len(c.Deadlines) == 0 {
			c.Deadlines = nil
		}
	}
	snapshot := func(s *lifecycle.Snapshot) {
		if len(s.Attributes) == 0 {
			s.Attributes = nil
		}
	}
	cycles := func(cs *[]sla.Cycle) {
		for i := range *cs {
			cycle(&(*cs)[i])
		}
		if len(*cs) == 0 {
			*cs = nil
		}
	}
	cycle(&n.Cycle)
	cycles(&n.Cycles)
	snapshot(&n.Snapshot)
	j := &n.Journal
	if b := j.Base; b != nil {
		cycle(&b.Cycle)
		cycles(&b.Cycles)
		snapshot(&b.Snapshot)
	}
	for i := range j.Pending {
		snapshot(&j.Pending[i].Snapshot)
	}
	if len(j.Pending) == 0 {
		j.Pending = nil
	}
	if len(j.Orphans) == 0 {
		j.Orphans = nil
	}
	return n
}

// eachInstant calls f with a pointer to every instant of t, in a fixed
// order.
func eachInstant(t *sla.Timer, f func(*time.Time)) {
	cycle := func(c *sla.Cycle) {
		f(&c.StartedAt)
		f(&c.StoppedAt)
		f(&c.PausedSince)
		f(&c.Due)
		f(&c.OriginalDue)
		for i := range c.Deadlines {
			f(&c.Deadlines[i].At)
		}
	}
	cycle(&t.Cycle)
	for i := range t.Cycles {
		cycle(&t.Cycles[i])
	}
	f(&t.Next)
	f(&t.UpdatedAt)
	f(&t.Snapshot.OpenedAt)
	if b := t.Journal.Base; b != nil {
		cycle(&b.Cycle)
		for i := range b.Cycles {
			cycle(&b.Cycles[i])
		}
		f(&b.Snapshot.OpenedAt)
		f(&b.UpdatedAt)
	}
	for i := range t.Journal.Pending {
		f(&t.Journal.Pending[i].Time)
		f(&t.Journal.Pending[i].Snapshot.OpenedAt)
	}
}
