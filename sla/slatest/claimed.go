package slatest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/sla"
)

// Contract clauses of sla.ClaimCommitter, quoted by failures.
const (
	clauseClaimedStored = `CommitClaimed: "A write is stored only if its timer is at w.Expected and its lease is still owner's"`
	clauseClaimedMiss   = `CommitClaimed: "otherwise nothing of it is stored and its error matches lifecycle.ErrConflict (lifecycle.ErrNotFound when there is no such timer)"`
	clauseClaimedTaken  = `CommitClaimed: "its lease is still owner's (no other owner claimed it since, even after owner's lease ended)"`
	clauseClaimedErrs   = `CommitClaimed: "errs[i] is the outcome of writes[i], nil when it is stored"`
)

// testCommitClaimed checks the sla.ClaimCommitter contract of a store that
// is an sla.Claimer and an sla.ClaimCommitter, and skips any other.
func testCommitClaimed(t *testing.T, newStore func(t *testing.T) sla.Store) {
	t.Run("CommitClaimed", func(t *testing.T) {
		ctx := context.Background()
		s := newStore(t)
		c, claims := s.(sla.Claimer)
		cc, ok := s.(sla.ClaimCommitter)
		if !ok || !claims {
			t.Skip("the store is not an sla.Claimer and an sla.ClaimCommitter")
		}
		base := fixtureNext
		for i := 1; i <= 4; i++ {
			lifecycletest.MustCreate(t, s, Fixture(fmt.Sprintf("INC-%d", i), "resolution", base.Add(time.Duration(i)*time.Minute)))
		}
		at := base.Add(time.Hour)
		lease := 10 * time.Minute
		mine, err := c.Claim(ctx, "replica-a", at, 3, lease)
		if err != nil {
			t.Fatalf("Claim: %v", err)
		}
		assertIDs(t, clauseClaim, mine, "INC-1/resolution", "INC-2/resolution", "INC-3/resolution")
		theirs, err := c.Claim(ctx, "replica-b", at, 0, lease)
		if err != nil {
			t.Fatalf("Claim: %v", err)
		}
		assertIDs(t, clauseClaim, theirs, "INC-4/resolution")

		// Stored: INC-1 at its version, moved past at. Refused: INC-2 over a
		// version it is not at, INC-4 leased to replica-b, a timer that
		// does not exist. INC-3 is stored too, after the refusals.
		later := func(x *sla.Timer, expected int64) lifecycle.Write[*sla.Timer] {
			n := x.Clone()
			n.Version = expected + 1
			n.Next = at.Add(time.Hour)
			return lifecycle.Write[*sla.Timer]{Record: n, Expected: expected}
		}
		ghost := Fixture("INC-9", "resolution", base)
		writes := []lifecycle.Write[*sla.Timer]{
			later(mine[0], 1), later(mine[1], 7), later(theirs[0], 1), later(ghost, 1), later(mine[2], 1),
		}
		errs, err := cc.CommitClaimed(ctx, "replica-a", writes)
		if err != nil {
			t.Fatalf("CommitClaimed: %v; contract: %s", err, clauseClaimedStored)
		}
		if len(errs) != len(writes) {
			t.Fatalf("CommitClaimed returned %d outcomes for %d writes; contract: %s", len(errs), len(writes), clauseClaimedErrs)
		}
		for _, i := range []int{0, 4} {
			if errs[i] != nil {
				t.Fatalf("write %d (%s at its version, leased to its owner): %v; contract: %s", i, writes[i].Record.ID, errs[i], clauseClaimedStored)
			}
			assertSame(t, clauseClaimedStored, writes[i].Record, lifecycletest.MustGet(t, s, writes[i].Record.ID))
		}
		for _, i := range []int{1, 2} {
			if !errors.Is(errs[i], lifecycle.ErrConflict) {
				t.Fatalf("write %d (%s) = %v, want an error matching lifecycle.ErrConflict; contract: %s", i, writes[i].Record.ID, errs[i], clauseClaimedMiss)
			}
			if got := lifecycletest.MustGet(t, s, writes[i].Record.ID); got.Version != 1 {
				t.Fatalf("refused write %d stored %s at version %d; contract: %s", i, got.ID, got.Version, clauseClaimedMiss)
			}
		}
		if !errors.Is(errs[3], lifecycle.ErrNotFound) {
			t.Fatalf("write of a timer that does not exist = %v, want an error matching lifecycle.ErrNotFound; contract: %s", errs[3], clauseClaimedMiss)
		}
		due, err := s.Due(ctx, at, 0)
		if err != nil {
			t.Fatalf("Due: %v", err)
		}
		assertIDs(t, clauseClaimedStored+" (stored timers are due later)", due, "INC-2/resolution", "INC-4/resolution")

		// replica-a's lease on INC-2 ends; replica-c claims it. replica-a's
		// write of the version it read is refused, replica-c's stored.
		taken, err := c.Claim(ctx, "replica-c", at.Add(lease), 0, lease)
		if err != nil {
			t.Fatalf("Claim: %v", err)
		}
		assertIDs(t, clauseClaimLease, taken, "INC-2/resolution", "INC-4/resolution")
		errs, err = cc.CommitClaimed(ctx, "replica-a", []lifecycle.Write[*sla.Timer]{later(mine[1], 1)})
		if err != nil || len(errs) != 1 || !errors.Is(errs[0], lifecycle.ErrConflict) {
			t.Fatalf("CommitClaimed after the lease was taken = %v, %v; want one error matching lifecycle.ErrConflict; contract: %s", errs, err, clauseClaimedTaken)
		}
		if got := lifecycletest.MustGet(t, s, mine[1].ID); got.Version != 1 {
			t.Fatalf("a write whose lease was taken stored version %d; contract: %s", got.Version, clauseClaimedTaken)
		}
		errs, err = cc.CommitClaimed(ctx, "replica-c", []lifecycle.Write[*sla.Timer]{later(taken[0], 1)})
		if err != nil || len(errs) != 1 || errs[0] != nil {
			t.Fatalf("CommitClaimed by the lease's new owner = %v, %v; contract: %s", errs, err, clauseClaimedStored)
		}
		if got := lifecycletest.MustGet(t, s, mine[1].ID); got.Version != 2 {
			t.Fatalf("the new owner's write stored version %d, want 2; contract: %s", got.Version, clauseClaimedStored)
		}

		canceled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := cc.CommitClaimed(canceled, "replica-c", []lifecycle.Write[*sla.Timer]{later(taken[1], 1)}); !errors.Is(err, context.Canceled) {
			t.Fatalf("CommitClaimed with a canceled ctx = %v; contract: %s", err, clauseCanceled)
		}
		if got := lifecycletest.MustGet(t, s, taken[1].ID); got.Version != 1 {
			t.Fatalf("CommitClaimed with a canceled ctx stored version %d; contract: %s", got.Version, clauseCanceled)
		}
	})
}
