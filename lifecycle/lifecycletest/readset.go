package lifecycletest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
)

// Guards is the read-set half of [lifecycle.Committer] for in-memory
// stores: the guards' versions and the check of a write's read set. It
// holds no lock of its own: call its methods under the store's lock, the
// one that also covers the records, so that the check and the write are
// one step. The zero Guards is ready to use.
type Guards struct {
	versions map[string]int64
}

// Version returns the version of guard key (0 if no write took it).
func (g *Guards) Version(key string) int64 { return g.versions[key] }

// Check returns the *lifecycle.ConflictError of the first entry of reads
// that differs from what is stored: a record whose version (from version,
// 0 for an absent record) is not the one seen, or a guard that is not.
func (g *Guards) Check(process string, reads lifecycle.ReadSet, version func(id string) int64) error {
	for _, r := range reads.Records {
		if v := version(r.Key); v != r.Version {
			return lifecycle.ReadConflict(process, r.Key, r.Version, v)
		}
	}
	for _, r := range reads.Guards {
		if v := g.versions[r.Key]; v != r.Version {
			return lifecycle.ReadConflict(process, r.Key, r.Version, v)
		}
	}
	return nil
}

// CheckWrite returns the error that refuses a write of record id over
// version expected (0: a create) with read set reads, as
// [lifecycle.Committer] specifies: a create of a stored ID or an update
// over another version is an ErrConflict, an update of an absent record an
// ErrNotFound, and a changed read set a read conflict ([Guards.Check]).
// version gives a stored record's version, 0 for an absent one. It
// returns nil when the write may commit.
func (g *Guards) CheckWrite(process, id string, expected int64, reads lifecycle.ReadSet, version func(id string) int64) error {
	switch found := version(id); {
	case expected == 0 && found != 0:
		return lifecycle.Conflict(process, id, 0, found)
	case expected != 0 && found == 0:
		return lifecycle.NotFound(process, id)
	case found != expected:
		return lifecycle.Conflict(process, id, expected, found)
	}
	return g.Check(process, reads, version)
}

// Bump bumps every guard of reads by one, as a committed write does.
func (g *Guards) Bump(reads lifecycle.ReadSet) {
	if len(reads.Guards) == 0 {
		return
	}
	if g.versions == nil {
		g.versions = map[string]int64{}
	}
	for _, r := range reads.Guards {
		g.versions[r.Key]++
	}
}

// CommitterKit describes the store under test for [TestCommitter].
type CommitterKit[T any] struct {
	// New returns an empty store.
	New func(t *testing.T) lifecycle.Committer[T]
	// Record returns a valid record of the store's kind with the given ID
	// at the given version (1 for a new one), as the process would store
	// it: a record that carries its history has one history record per
	// version, a path its machine could have taken (see [Walker]), since
	// a store that decodes it replays that history.
	Record func(id string, version int64) T
	// Get reads a record back from the store: its version, or an error
	// matching lifecycle.ErrNotFound.
	Get func(ctx context.Context, store lifecycle.Committer[T], id string) (version int64, err error)
}

// TestCommitter checks a store's [lifecycle.Committer]: creating and
// updating through Commit, the version checks, and the read set's
// compare-and-set over records and guards, alone and under concurrency.
// For a store that is a [lifecycle.HistoryReader] (and a
// [lifecycle.JournalReader]) it checks the logs too: appended in order,
// without gaps, never rewritten, paged, copied out, and written in the
// same step as the record's version.
// Each process's conformance suite runs it; failures quote the clause.
func TestCommitter[T any](t *testing.T, k CommitterKit[T]) {
	ctx := context.Background()
	const a, b, c = "CMT-A", "CMT-B", "CMT-C"
	version := func(t *testing.T, s lifecycle.Committer[T], id string) int64 {
		t.Helper()
		v, err := k.Get(ctx, s, id)
		if errors.Is(err, lifecycle.ErrNotFound) {
			return 0
		}
		if err != nil {
			t.Fatalf("get %s: %v", id, err)
		}
		return v
	}
	create := func(t *testing.T, s lifecycle.Committer[T], id string) {
		t.Helper()
		if err := s.Commit(ctx, lifecycle.Write[T]{Record: k.Record(id, 1)}); err != nil {
			Breach(t, clauseCommitCreate, "create %s: %v", id, err)
			t.FailNow()
		}
	}
	guard := func(t *testing.T, s lifecycle.Committer[T], key string) int64 {
		t.Helper()
		v, err := s.(lifecycle.GuardReader).Guard(ctx, key)
		if err != nil {
			t.Fatalf("guard %s: %v", key, err)
		}
		return v
	}
	wantConflict := func(t *testing.T, clause string, err error, read bool) {
		t.Helper()
		switch {
		case !errors.Is(err, lifecycle.ErrConflict):
			Breach(t, clause, "got %v, want an error matching ErrConflict", err)
		case lifecycle.IsReadConflict(err) != read:
			Breach(t, clause, "got %v: read conflict %v, want %v", err, lifecycle.IsReadConflict(err), read)
		}
	}

	t.Run("CreateAndUpdate", func(t *testing.T) {
		s := k.New(t)
		create(t, s, a)
		if v := version(t, s, a); v != 1 {
			Breach(t, clauseCommitCreate, "stored version %d, want 1", v)
		}
		err := s.Commit(ctx, lifecycle.Write[T]{Record: k.Record(a, 1)})
		wantConflict(t, clauseCommitExists, err, false)
		if err := s.Commit(ctx, lifecycle.Write[T]{Record: k.Record(a, 2), Expected: 1}); err != nil {
			Breach(t, clauseCommitUpdate, "update %s 1→2: %v", a, err)
		}
		err = s.Commit(ctx, lifecycle.Write[T]{Record: k.Record(a, 2), Expected: 1})
		wantConflict(t, clauseCommitStale, err, false)
		if v := version(t, s, a); v != 2 {
			Breach(t, clauseCommitStale, "stored version %d after a stale write, want 2", v)
		}
		err = s.Commit(ctx, lifecycle.Write[T]{Record: k.Record(b, 2), Expected: 1})
		if !errors.Is(err, lifecycle.ErrNotFound) {
			Breach(t, clauseUpdateNotFound, "got %v", err)
		}
		if v := version(t, s, b); v != 0 {
			Breach(t, clauseUpdateNotFound, "%s stored at version %d", b, v)
		}
	})

	t.Run("ReadRecords", func(t *testing.T) {
		s := k.New(t)
		create(t, s, a)
		create(t, s, b)
		ok := lifecycle.Write[T]{Record: k.Record(a, 2), Expected: 1}
		ok.Reads.Record(b, 1)
		ok.Reads.Record(c, 0)
		if err := s.Commit(ctx, ok); err != nil {
			Breach(t, clauseReadUnchanged, "got %v", err)
		}
		stale := lifecycle.Write[T]{Record: k.Record(a, 3), Expected: 2}
		stale.Reads.Record(b, 1)
		if err := s.Commit(ctx, lifecycle.Write[T]{Record: k.Record(b, 2), Expected: 1}); err != nil {
			t.Fatal(err)
		}
		wantConflict(t, clauseReadRecord, s.Commit(ctx, stale), true)
		if v := version(t, s, a); v != 2 {
			Breach(t, clauseReadRecord, "%s stored at version %d, want 2", a, v)
		}
		absent := lifecycle.Write[T]{Record: k.Record(a, 3), Expected: 2}
		absent.Reads.Record(c, 0)
		create(t, s, c)
		wantConflict(t, clauseReadAbsent, s.Commit(ctx, absent), true)
		if v := version(t, s, a); v != 2 {
			Breach(t, clauseReadAbsent, "%s stored at version %d, want 2", a, v)
		}
		gone := lifecycle.Write[T]{Record: k.Record("CMT-NEW", 1)}
		gone.Reads.Record(b, 1)
		wantConflict(t, clauseReadRecord, s.Commit(ctx, gone), true)
		if v := version(t, s, "CMT-NEW"); v != 0 {
			Breach(t, clauseReadRecord, "a create with a stale read set stored its record")
		}
	})

	t.Run("WriteSkew", func(t *testing.T) {
		// Each write reads the record the other writes: the classic write
		// skew, which a per-record version check alone lets through.
		for range 20 {
			s := k.New(t)
			create(t, s, a)
			create(t, s, b)
			wa := lifecycle.Write[T]{Record: k.Record(a, 2), Expected: 1}
			wa.Reads.Record(b, 1)
			wb := lifecycle.Write[T]{Record: k.Record(b, 2), Expected: 1}
			wb.Reads.Record(a, 1)
			var ea, eb error
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); ea = s.Commit(ctx, wa) }()
			go func() { defer wg.Done(); eb = s.Commit(ctx, wb) }()
			wg.Wait()
			if ea == nil && eb == nil {
				Breach(t, clauseRecordOneWinner, "both writes committed")
				return
			}
			for _, err := range []error{ea, eb} {
				if err != nil && !lifecycle.IsReadConflict(err) {
					Breach(t, clauseRecordOneWinner, "got %v, want nil or a read conflict", err)
				}
			}
		}
	})

	if _, ok := k.New(t).(lifecycle.HistoryReader); ok {
		testLogs(t, k)
	}

	if _, ok := k.New(t).(lifecycle.GuardReader); !ok {
		t.Run("NoGuards", func(t *testing.T) {
			s := k.New(t)
			w := lifecycle.Write[T]{Record: k.Record(a, 1)}
			w.Reads.Guard("g/1", 0)
			if err := s.Commit(ctx, w); err == nil {
				Breach(t, clauseNoGuards, "a write with a guard in its read set was stored")
			}
			if v := version(t, s, a); v != 0 {
				Breach(t, clauseNoGuards, "%s stored at version %d", a, v)
			}
		})
		return
	}

	t.Run("Guards", func(t *testing.T) {
		s := k.New(t)
		if v := guard(t, s, "g/1"); v != 0 {
			Breach(t, clauseGuardZero, "version %d", v)
		}
		w := lifecycle.Write[T]{Record: k.Record(a, 1)}
		w.Reads.Guard("g/1", 0)
		w.Reads.Guard("g/2", 0)
		if err := s.Commit(ctx, w); err != nil {
			Breach(t, clauseGuardBump, "commit: %v", err)
		}
		if g1, g2 := guard(t, s, "g/1"), guard(t, s, "g/2"); g1 != 1 || g2 != 1 {
			Breach(t, clauseGuardBump, "guards at %d and %d, want 1 and 1", g1, g2)
		}
		stale := lifecycle.Write[T]{Record: k.Record(b, 1)}
		stale.Reads.Guard("g/2", 1)
		stale.Reads.Guard("g/1", 0)
		wantConflict(t, clauseGuardStale, s.Commit(ctx, stale), true)
		if v := version(t, s, b); v != 0 {
			Breach(t, clauseGuardStale, "%s stored", b)
		}
		if g1, g2 := guard(t, s, "g/1"), guard(t, s, "g/2"); g1 != 1 || g2 != 1 {
			Breach(t, clauseGuardStale, "guards at %d and %d after a refused write, want 1 and 1", g1, g2)
		}
		refused := lifecycle.Write[T]{Record: k.Record(a, 1)} // exists
		refused.Reads.Guard("g/1", 1)
		wantConflict(t, clauseCommitExists, s.Commit(ctx, refused), false)
		if v := guard(t, s, "g/1"); v != 1 {
			Breach(t, clauseGuardStale, "a refused write bumped its guard to %d", v)
		}
		next := lifecycle.Write[T]{Record: k.Record(a, 2), Expected: 1}
		next.Reads.Guard("g/1", 1)
		if err := s.Commit(ctx, next); err != nil {
			Breach(t, clauseGuardBump, "commit at guard version 1: %v", err)
		}
		if v := guard(t, s, "g/1"); v != 2 {
			Breach(t, clauseGuardBump, "guard at %d, want 2", v)
		}
	})

	t.Run("ConcurrentGuard", func(t *testing.T) {
		s := k.New(t)
		const n = 8
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				w := lifecycle.Write[T]{Record: k.Record(fmt.Sprintf("CMT-G%d", i), 1)}
				w.Reads.Guard("g/shared", 0)
				errs[i] = s.Commit(ctx, w)
			}()
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case lifecycle.IsReadConflict(err):
				if v := version(t, s, fmt.Sprintf("CMT-G%d", i)); v != 0 {
					Breach(t, clauseGuardOneWinner, "a refused write stored its record")
				}
			default:
				Breach(t, clauseGuardOneWinner, "got %v, want nil or a read conflict", err)
			}
		}
		if won != 1 {
			Breach(t, clauseGuardOneWinner, "%d writes succeeded", won)
		}
		if v := guard(t, s, "g/shared"); v != 1 {
			Breach(t, clauseGuardOneWinner, "guard at %d, want 1", v)
		}
	})

}
