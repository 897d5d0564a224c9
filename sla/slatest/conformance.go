package slatest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/sla"
)

// Contract clauses of sla.Store and sla.Claimer beyond those every store
// shares, quoted by failures.
const (
	clauseCopy       = `Store: "values are copied in and out (a caller never shares memory with stored state ...)"`
	clauseList       = `ListByRecord "returns every timer of recordID (any agreement, any stage), ordered by ID; none is an empty result, not an error"`
	clauseDue        = `Due "returns timers whose Next is set (non-zero) and not after at, ordered by Next then ID"`
	clauseDueLimit   = `Due: "at most limit of them (limit <= 0 means no limit)"`
	clauseClaim      = `Claim "returns, like Due, timers due at at, skipping those leased to another owner with a lease ending after at"`
	clauseClaimOwn   = `Claim: "Timers leased to owner itself are returned again"`
	clauseClaimLease = `Claim "leases each returned timer to owner until at+lease"`
	clauseCanceled   = "a call whose ctx is already canceled fails with an error matching ctx.Err() and writes nothing"
	clausePrecision  = `Store: "instants come back equal (time.Time.Equal) to what was stored, with at least microsecond precision"`
)

// fixtureNext is the Next of the suite's timers, at microsecond
// precision.
var fixtureNext = time.Date(2026, 3, 9, 9, 0, 0, 654321000, time.UTC)

// Kit returns the lifecycletest.RecordKit of the stores newStore makes:
// the kit TestStore runs lifecycletest.TestRecords with, for a host's own
// runs of the shared suites, such as lifecycletest.TestOutbox over a
// store that is an outbox.
func Kit(newStore func(t *testing.T) sla.Store) lifecycletest.RecordKit[*sla.Timer] {
	return lifecycletest.RecordKit[*sla.Timer]{
		New: func(t *testing.T) lifecycle.RecordStore[*sla.Timer] { return newStore(t) },
		Record: func(id string, version int64) *sla.Timer {
			tm := Fixture(id, "p1", fixtureNext)
			tm.ID = id
			for tm.Version < version {
				tm = bump(tm, time.Minute)
			}
			return tm
		},
		Key: func(tm *sla.Timer) (string, int64) { return tm.ID, tm.Version },
		Queries: map[string]func(context.Context, lifecycle.RecordStore[*sla.Timer]) error{
			"ListByRecord": func(ctx context.Context, s lifecycle.RecordStore[*sla.Timer]) error {
				_, err := s.(sla.Store).ListByRecord(ctx, "INC-1")
				return err
			},
			"Due": func(ctx context.Context, s lifecycle.RecordStore[*sla.Timer]) error {
				_, err := s.(sla.Store).Due(ctx, fixtureNext, 0)
				return err
			},
		},
	}
}

// TestStore checks that the Store made by newStore honours the sla.Store
// contract, and the sla.Claimer and sla.ClaimCommitter contracts when the
// store implements them:
// lifecycletest.TestRecords, the clauses every store shares (versions,
// conflicts, not-found, copies, concurrent writers, read sets), then the
// timers' own: precision, ListByRecord, Due, Claim and CommitClaimed. newStore is called
// once per subtest and must return an empty store; register any clean-up
// with t.Cleanup. Failures quote the clause of the contract that was
// broken.
//
// The suite stores timers built directly by [Fixture], whose instants
// have microsecond precision (and must come back exactly, in any location:
// comparisons use time.Time.Equal) and whose durations are not whole
// seconds (and must come back to the nanosecond); one subtest stores
// nanosecond instants, which may come back rounded to the microsecond.
func TestStore(t *testing.T, newStore func(t *testing.T) sla.Store) {
	t.Helper()
	ctx := context.Background()
	base := fixtureNext
	lifecycletest.TestRecords(t, Kit(newStore))

	t.Run("Precision", func(t *testing.T) {
		s := newStore(t)
		want := Fixture("INC-1", "resolution", base)
		ns := time.Duration(789) // below the microsecond
		eachInstant(want, func(at *time.Time) {
			if !at.IsZero() {
				*at = at.Add(ns)
			}
		})
		lifecycletest.MustCreate(t, s, want)
		got := lifecycletest.MustGet(t, s, want.ID)
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

	t.Run("QueriesCopyOut", func(t *testing.T) {
		s := newStore(t)
		want := Fixture("INC-1", "resolution", base)
		lifecycletest.MustCreate(t, s, want)
		list, err := s.ListByRecord(ctx, "INC-1")
		if err != nil || len(list) != 1 {
			t.Fatalf("ListByRecord = %d timers, %v; want 1", len(list), err)
		}
		lifecycletest.Scribble(list[0])
		assertSame(t, clauseCopy+" (result of ListByRecord)", want, lifecycletest.MustGet(t, s, want.ID))
		due, err := s.Due(ctx, base.Add(24*time.Hour), 0)
		if err != nil || len(due) != 1 {
			t.Fatalf("Due = %d timers, %v; want 1", len(due), err)
		}
		lifecycletest.Scribble(due[0])
		assertSame(t, clauseCopy+" (result of Due)", want, lifecycletest.MustGet(t, s, want.ID))
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
			lifecycletest.MustCreate(t, s, tm)
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
			lifecycletest.MustCreate(t, s, tm)
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
			lifecycletest.MustCreate(t, s, Fixture(fmt.Sprintf("INC-%d", i), "resolution", base.Add(time.Duration(i)*time.Minute)))
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
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := c.Claim(canceled, "replica-d", at.Add(time.Hour), 0, lease); !errors.Is(err, context.Canceled) {
			t.Fatalf("Claim with a canceled ctx = %v; contract: %s", err, clauseCanceled)
		}
	})
	testCommitClaimed(t, newStore)
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

// assertSame fails unless got equals want as lifecycletest.Equal
// compares them.
func assertSame(t *testing.T, clause string, want, got *sla.Timer) {
	t.Helper()
	if d := lifecycletest.Difference(got, want); d != "" {
		t.Fatalf("stored timer differs: %s; contract: %s", d, clause)
	}
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
