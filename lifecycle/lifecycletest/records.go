package lifecycletest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Contract clauses that every process's store shares, quoted by
// [TestRecords] and, from clauseCommitCreate on, by [TestCommitter], which
// TestRecords runs too (the clauses of history and journal are in
// logs.go).
const (
	clauseGetNotFound     = "Get: an unknown ID is an error matching ErrNotFound"
	clauseRoundTrip       = "Commit with Expected 0 then Get: the stored record is returned unchanged (times equal as instants, nil and empty alike)"
	clauseCreateConflict  = "Commit with Expected 0: if a record with the same ID exists, it returns an error matching ErrConflict and stores nothing"
	clauseCopyIn          = "values are copied in: mutating an argument after the call changes nothing stored"
	clauseCopyOut         = "values are copied out: mutating a returned value changes nothing stored"
	clauseUpdate          = "Commit with Expected > 0 replaces the stored record by w.Record, provided the stored version equals Expected"
	clauseUpdateConflict  = "Commit: a stored version other than Expected is an error matching ErrConflict, and nothing is written"
	clauseUpdateNotFound  = "Commit with Expected > 0: an unknown ID is an error matching ErrNotFound"
	clauseOneWinner       = "Commit: of concurrent writes expecting the same version, exactly one succeeds; the others match ErrConflict"
	clauseOneCreate       = "Commit with Expected 0: of concurrent creates of one ID, exactly one succeeds; creates of other IDs all succeed"
	clauseOrder           = "List: ordered by ID (byte-wise ascending), starting after filter.After; following Next visits every record exactly once"
	clauseNext            = "List: Next is empty on the last page; otherwise it continues the listing (passed as After), and is the ID of the page's last record where the contract says so"
	clausePageSize        = "List: a page holds at most Limit records: DefaultLimit when Limit <= 0, and never more than MaxLimit when the process has one"
	clauseEmpty           = "List: no match is an empty page, not an error"
	clauseCanceled        = "a call whose ctx is already canceled fails with an error matching ctx.Err() and writes nothing"
	clauseCommitCreate    = "Commit with Expected 0 creates the record at its version"
	clauseCommitExists    = "Commit with Expected 0: an existing ID is an error matching ErrConflict (not a read conflict), and nothing is written"
	clauseCommitUpdate    = "Commit with Expected > 0 replaces the record stored at that version"
	clauseCommitStale     = "Commit: a stored version other than Expected is an error matching ErrConflict (not a read conflict), and nothing is written"
	clauseReadRecord      = "Commit: a record of the read set whose version changed is a read conflict (lifecycle.IsReadConflict), and nothing is written"
	clauseReadAbsent      = "Commit: a record of the read set seen absent (version 0) that now exists is a read conflict, and nothing is written"
	clauseReadUnchanged   = "Commit: a read set that is unchanged lets the write through"
	clauseNoGuards        = "Commit: a store that keeps no guards refuses a write whose read set has any, and stores nothing"
	clauseGuardZero       = "Guard: a guard no write has taken is at version 0"
	clauseGuardBump       = "Commit: a committed write bumps every guard of its read set by one"
	clauseGuardStale      = "Commit: a guard not at the version seen is a read conflict, and nothing is written (no guard bumped)"
	clauseGuardOneWinner  = "Commit: of concurrent writes taking one guard at the same version, exactly one succeeds"
	clauseOutbox          = "Outbox: a store that stores a write's events with its record says so (StoresEvents is true)"
	clauseOutboxStores    = "Outbox: Commit stores w.Events with the record, in the same step, in order"
	clauseOutboxAtomic    = "Outbox: a write refused for its version or read set stores none of its events"
	clauseRecordOneWinner = "Commit: of concurrent writes that each read the record the other writes, at most one succeeds"
)

// RecordKit describes a process's store for [TestRecords]: one kit per
// process, filled in once.
type RecordKit[T any] struct {
	// New returns an empty store. Each subtest calls it once (each case
	// of the Committer subtest too); register clean-up with t.Cleanup.
	New func(t *testing.T) lifecycle.RecordStore[T]
	// Record returns a valid record with the given ID at the given
	// version, as [CommitterKit].Record does: every field set, so that
	// the copy checks reach them all, and each version the update of the
	// one before, changed in ordinary fields as well as in its version.
	// Two calls with the same arguments return equal records that share
	// no memory.
	Record func(id string, version int64) T
	// Key returns a record's ID and version.
	Key func(T) (id string, version int64)
	// List, when set, returns one page of every stored record: the
	// process's List with only the cursor (after) and the page size
	// (limit) set. Nil for a process whose store lists no records.
	List func(ctx context.Context, s lifecycle.RecordStore[T], after string, limit int) (records []T, next string, err error)
	// DefaultLimit is the page size of a List whose limit is 0 or less.
	DefaultLimit int
	// MaxLimit, when above 0, is the most records a page holds whatever
	// the limit.
	MaxLimit int
	// NextIsLastID says that the contract makes a page's Next the ID of
	// its last record, not only a cursor that continues after it.
	NextIsLastID bool
	// Scope, when its List is set, lists under a [lifecycle.Scope]: the
	// suite then checks that List holds exactly the records in scope.
	Scope ScopeKit[T]
	// Queries are the process's other reads, by name, each a call of the
	// query on s with ctx, for the check that every read fails a canceled
	// context.
	Queries map[string]func(ctx context.Context, s lifecycle.RecordStore[T]) error
}

// TestRecords checks the contract that every process's store shares:
// Get and Commit's creates, updates, version conflicts and not-found
// errors, texts as long as the library's limits allow ([AtLimits]),
// copies in and out ([Scribble]), concurrent writers, canceled
// contexts (the kit's Queries too), List's order, paging and page size
// (when the kit has a List), and, in its Committer subtest,
// [TestCommitter]: the read set, guards, and history and journal for a
// store that reads them back. Each process's conformance suite runs it
// and adds the clauses of its own queries. Failures quote the clause.
//
// Records compare with [Equal]: times as instants, nil and empty slices
// and maps alike, so a database store need not keep time zones or
// nil-ness.
func TestRecords[T any](t *testing.T, k RecordKit[T]) {
	t.Helper()
	ctx := context.Background()
	const a = "REC-1"
	create := MustCreate[T]
	// stored fails the clause unless the record id is stored as want.
	stored := func(t *testing.T, s lifecycle.RecordStore[T], clause, after string, id string, want T) {
		t.Helper()
		got, err := s.Get(ctx, id)
		if err != nil {
			Breach(t, clause, "%s, Get(%s): %v", after, id, err)
			return
		}
		if d := Difference(got, want); d != "" {
			Breach(t, clause, "%s, Get(%s) differs from what was stored: %s", after, id, d)
		}
	}

	t.Run("GetUnknownIsNotFound", func(t *testing.T) {
		s := k.New(t)
		if _, err := s.Get(ctx, "REC-NONE"); !errors.Is(err, lifecycle.ErrNotFound) {
			Breach(t, clauseGetNotFound, "got error %v", err)
		}
	})
	t.Run("CreateThenGet", func(t *testing.T) {
		s := k.New(t)
		create(t, s, k.Record(a, 1))
		stored(t, s, clauseRoundTrip, "after the create", a, k.Record(a, 1))
	})
	t.Run("TextAtLimits", func(t *testing.T) {
		s := k.New(t)
		x := k.Record(a, 1)
		AtLimits(x)
		create(t, s, x)
		stored(t, s, clauseTextLimits, "after the create of a record at the text limits", a, x)
	})
	t.Run("CreateTakenIDIsConflict", func(t *testing.T) {
		s := k.New(t)
		create(t, s, k.Record(a, 1))
		if err := s.Commit(ctx, lifecycle.Write[T]{Record: k.Record(a, 2)}); !errors.Is(err, lifecycle.ErrConflict) {
			Breach(t, clauseCreateConflict, "a second create of %s returned %v", a, err)
		}
		stored(t, s, clauseCreateConflict, "after the refused create", a, k.Record(a, 1))
	})
	t.Run("CreateCopiesIn", func(t *testing.T) {
		s := k.New(t)
		x := k.Record(a, 1)
		create(t, s, x)
		Scribble(x)
		stored(t, s, clauseCopyIn, "after mutating the created value", a, k.Record(a, 1))
	})
	t.Run("GetCopiesOut", func(t *testing.T) {
		s := k.New(t)
		create(t, s, k.Record(a, 1))
		for range 2 {
			got, err := s.Get(ctx, a)
			if err != nil {
				t.Fatalf("get: %v", err)
			}
			Scribble(got)
			stored(t, s, clauseCopyOut, "after mutating a got value", a, k.Record(a, 1))
		}
	})
	t.Run("UpdateStoresOverExpected", func(t *testing.T) {
		s := k.New(t)
		create(t, s, k.Record(a, 1))
		for v := int64(1); v <= 3; v++ {
			if err := s.Commit(ctx, lifecycle.Write[T]{Record: k.Record(a, v+1), Expected: v}); err != nil {
				Breach(t, clauseUpdate, "update over version %d: %v", v, err)
				return
			}
			stored(t, s, clauseUpdate, fmt.Sprintf("after the update over version %d", v), a, k.Record(a, v+1))
		}
	})
	t.Run("UpdateStaleIsConflict", func(t *testing.T) {
		s := k.New(t)
		create(t, s, k.Record(a, 1))
		if err := s.Commit(ctx, lifecycle.Write[T]{Record: k.Record(a, 2), Expected: 1}); err != nil {
			t.Fatalf("update: %v", err)
		}
		for _, expected := range []int64{0, 1, 3, 7} {
			err := s.Commit(ctx, lifecycle.Write[T]{Record: k.Record(a, expected+1), Expected: expected})
			if !errors.Is(err, lifecycle.ErrConflict) {
				Breach(t, clauseUpdateConflict, "a write expecting version %d when 2 is stored returned %v", expected, err)
			}
			stored(t, s, clauseUpdateConflict, fmt.Sprintf("after the write expecting version %d", expected), a, k.Record(a, 2))
		}
	})
	t.Run("UpdateUnknownIsNotFound", func(t *testing.T) {
		s := k.New(t)
		if err := s.Commit(ctx, lifecycle.Write[T]{Record: k.Record("REC-404", 2), Expected: 1}); !errors.Is(err, lifecycle.ErrNotFound) {
			Breach(t, clauseUpdateNotFound, "got %v", err)
		}
		if _, err := s.Get(ctx, "REC-404"); !errors.Is(err, lifecycle.ErrNotFound) {
			Breach(t, clauseUpdateNotFound, "a refused update must not create the record; Get returned %v", err)
		}
	})
	t.Run("UpdateCopiesIn", func(t *testing.T) {
		s := k.New(t)
		create(t, s, k.Record(a, 1))
		y := k.Record(a, 2)
		if err := s.Commit(ctx, lifecycle.Write[T]{Record: y, Expected: 1}); err != nil {
			t.Fatalf("update: %v", err)
		}
		Scribble(y)
		stored(t, s, clauseCopyIn, "after mutating the updated value", a, k.Record(a, 2))
	})
	t.Run("ConcurrentUpdates", func(t *testing.T) {
		s := k.New(t)
		create(t, s, k.Record(a, 1))
		const writers = 16
		for v := int64(1); v <= 5; v++ {
			errs := make([]error, writers)
			var wg sync.WaitGroup
			for i := range writers {
				y := k.Record(a, v+1)
				wg.Go(func() { errs[i] = s.Commit(ctx, lifecycle.Write[T]{Record: y, Expected: v}) })
			}
			wg.Wait()
			won := 0
			for _, err := range errs {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, lifecycle.ErrConflict):
					Breach(t, clauseOneWinner, "a losing update returned %v, want ErrConflict", err)
				}
			}
			if won != 1 {
				Breach(t, clauseOneWinner, "%d of %d updates over version %d succeeded", won, writers, v)
				return
			}
			stored(t, s, clauseOneWinner, fmt.Sprintf("after the updates over version %d", v), a, k.Record(a, v+1))
		}
	})
	t.Run("ConcurrentCreates", func(t *testing.T) {
		s := k.New(t)
		const n = 32
		errs, same := make([]error, n), make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			x, y := k.Record(fmt.Sprintf("REC-C%02d", i), 1), k.Record("REC-SAME", 1)
			wg.Go(func() {
				errs[i] = s.Commit(ctx, lifecycle.Write[T]{Record: x})
				same[i] = s.Commit(ctx, lifecycle.Write[T]{Record: y})
			})
		}
		wg.Wait()
		won := 0
		for i := range n {
			if errs[i] != nil {
				Breach(t, clauseOneCreate, "the create of REC-C%02d: %v", i, errs[i])
			}
			switch {
			case same[i] == nil:
				won++
			case !errors.Is(same[i], lifecycle.ErrConflict):
				Breach(t, clauseOneCreate, "a losing create returned %v, want ErrConflict", same[i])
			}
		}
		if won != 1 {
			Breach(t, clauseOneCreate, "%d of %d creates of one ID succeeded", won, n)
		}
		if k.List != nil {
			if got := listAll(t, k, s, 0); len(got) != n+1 {
				Breach(t, clauseOneCreate, "after %d successful creates List has %d records", n+1, len(got))
			}
		}
	})
	t.Run("CanceledContext", func(t *testing.T) {
		s := k.New(t)
		create(t, s, k.Record(a, 1))
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		check := func(call string, err error) {
			t.Helper()
			if !errors.Is(err, context.Canceled) {
				Breach(t, clauseCanceled, "%s with a canceled ctx: %v", call, err)
			}
		}
		check("Commit (create)", s.Commit(canceled, lifecycle.Write[T]{Record: k.Record("REC-2", 1)}))
		if _, err := s.Get(ctx, "REC-2"); !errors.Is(err, lifecycle.ErrNotFound) {
			Breach(t, clauseCanceled, "a create with a canceled ctx stored the record (Get: %v)", err)
		}
		check("Commit (update)", s.Commit(canceled, lifecycle.Write[T]{Record: k.Record(a, 2), Expected: 1}))
		stored(t, s, clauseCanceled, "after an update with a canceled ctx", a, k.Record(a, 1))
		_, err := s.Get(canceled, a)
		check("Get", err)
		if g, ok := s.(lifecycle.GuardReader); ok {
			w := lifecycle.Write[T]{Record: k.Record(a, 2), Expected: 1}
			w.Reads.Guard("g/1", 0)
			check("Commit (guarded)", s.Commit(canceled, w))
			stored(t, s, clauseCanceled, "after a guarded update with a canceled ctx", a, k.Record(a, 1))
			if v, err := g.Guard(ctx, "g/1"); err != nil || v != 0 {
				Breach(t, clauseCanceled, "a write with a canceled ctx left its guard at version %d (%v)", v, err)
			}
			_, err := g.Guard(canceled, "g/1")
			check("Guard", err)
		}
		if h, ok := s.(lifecycle.HistoryReader); ok {
			_, err := h.History(canceled, a, 0, 0)
			check("History", err)
		}
		if j, ok := s.(lifecycle.JournalReader); ok {
			_, err := j.Journal(canceled, a, 0, 0)
			check("Journal", err)
		}
		if k.List != nil {
			_, _, err := k.List(canceled, s, "", 0)
			check("List", err)
		}
		for name, query := range k.Queries {
			check(name, query(canceled, s))
		}
	})
	if k.List != nil {
		testList(t, k)
	}
	if k.Scope.List != nil {
		testScope(t, k)
	}
	t.Run("Committer", func(t *testing.T) {
		TestCommitter(t, CommitterKit[T]{
			New:    func(t *testing.T) lifecycle.Committer[T] { return k.New(t) },
			Record: k.Record,
			Get: func(ctx context.Context, c lifecycle.Committer[T], id string) (int64, error) {
				x, err := c.(lifecycle.RecordStore[T]).Get(ctx, id)
				if err != nil {
					return 0, err
				}
				_, v := k.Key(x)
				return v, nil
			},
		})
	})
}

// TestOutbox checks a store that is a transactional outbox
// ([lifecycle.Outbox]), as every store of a host's database may be: its
// Commit stores a write's events with the record, in order, and a write
// refused for its version or its read set stores none of them. k is the
// process's kit (each process's test kit exports it as Kit); events
// returns the IDs of the events that store s holds, oldest first, as the
// host's relay would deliver them. Failures quote the clause.
func TestOutbox[T any](t *testing.T, k RecordKit[T], events func(t *testing.T, s lifecycle.RecordStore[T]) []string) {
	t.Helper()
	ctx := context.Background()
	const a = "REC-1"
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	note := func(version int64, n int) lifecycle.Notification {
		return lifecycle.Notification{ID: lifecycle.NotificationID("outbox", a, version, n), Process: "outbox", Subject: a,
			Type: "updated", Actor: "ann", Time: at, Version: version}
	}
	s := k.New(t)
	if !lifecycle.StoresEvents(s) {
		Fatal(t, clauseOutbox, "StoresEvents is false")
	}
	var want []string
	commit := func(w lifecycle.Write[T]) {
		t.Helper()
		if err := s.Commit(ctx, w); err != nil {
			Fatal(t, clauseOutboxStores, "commit over version %d: %v", w.Expected, err)
		}
		for _, e := range w.Events {
			want = append(want, e.ID)
		}
		if got := events(t, s); !slices.Equal(got, want) {
			Breach(t, clauseOutboxStores, "after a commit over version %d the outbox holds %v, want %v", w.Expected, got, want)
		}
	}
	refuse := func(what string, w lifecycle.Write[T]) {
		t.Helper()
		if err := s.Commit(ctx, w); !errors.Is(err, lifecycle.ErrConflict) {
			Breach(t, clauseOutboxAtomic, "%s: got %v, want an error matching ErrConflict", what, err)
		}
		if got := events(t, s); !slices.Equal(got, want) {
			Breach(t, clauseOutboxAtomic, "after %s the outbox holds %v, want %v", what, got, want)
		}
	}
	commit(lifecycle.Write[T]{Record: k.Record(a, 1), Events: []lifecycle.Notification{note(1, 0), note(1, 1)}})
	refuse("a create of a stored ID", lifecycle.Write[T]{Record: k.Record(a, 2), Events: []lifecycle.Notification{note(2, 9)}})
	refuse("a stale update", lifecycle.Write[T]{Record: k.Record(a, 3), Expected: 2, Events: []lifecycle.Notification{note(3, 9)}})
	stale := lifecycle.Write[T]{Record: k.Record(a, 2), Expected: 1, Events: []lifecycle.Notification{note(2, 8)}}
	stale.Reads.Record("REC-NONE", 4)
	refuse("an update over a changed read set", stale)
	commit(lifecycle.Write[T]{Record: k.Record(a, 2), Expected: 1, Events: []lifecycle.Notification{note(2, 0)}})
}

// testList checks List's clauses for [TestRecords].
func testList[T any](t *testing.T, k RecordKit[T]) {
	ctx := context.Background()
	idOf := func(x T) string { id, _ := k.Key(x); return id }
	ids := func(xs []T) []string {
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = idOf(x)
		}
		return out
	}
	fill := func(t *testing.T, s lifecycle.RecordStore[T], ids []string) {
		t.Helper()
		for _, id := range ids {
			if err := s.Commit(ctx, lifecycle.Write[T]{Record: k.Record(id, 1)}); err != nil {
				t.Fatalf("create %s: %v", id, err)
			}
		}
	}

	t.Run("ListOrderAndPaging", func(t *testing.T) {
		s := k.New(t)
		// Created out of order; byte order differs from numeric order.
		var want []string
		for _, n := range []int{7, 3, 12, 1, 20, 5, 9, 15, 2, 11, 18, 4, 14, 6, 10, 19, 8, 13, 16, 17, 21} {
			want = append(want, fmt.Sprintf("REC-%d", n))
		}
		fill(t, s, want)
		slices.Sort(want)
		for _, limit := range []int{1, 3, 5, 7, 20, 21, 22, 50, 0} {
			var got []string
			after := ""
			for pages := 0; ; pages++ {
				if pages > len(want) {
					Breach(t, clauseNext, "limit %d: paging does not end; got %v so far", limit, got)
					return
				}
				page, next, err := k.List(ctx, s, after, limit)
				if err != nil {
					t.Fatalf("list after %q: %v", after, err)
				}
				if limit > 0 && len(page) > limit {
					Breach(t, clausePageSize, "a page with Limit %d has %d records", limit, len(page))
				}
				if !slices.IsSorted(ids(page)) {
					Breach(t, clauseOrder, "the page after %q is %v, not in ID order", after, ids(page))
					return
				}
				got = append(got, ids(page)...)
				switch more := len(got) < len(want); {
				case more && (next == "" || len(page) == 0):
					Breach(t, clauseNext, "limit %d: the page after %q has Next %q with %d records still to come", limit, after, next, len(want)-len(got))
					return
				case !more && next != "":
					Breach(t, clauseNext, "limit %d: the last page, after %q, has Next %q, want empty", limit, after, next)
					return
				case more && k.NextIsLastID && next != idOf(page[len(page)-1]):
					Breach(t, clauseNext, "limit %d: the page after %q ends at %s but has Next %q", limit, after, idOf(page[len(page)-1]), next)
				}
				if next == "" {
					break
				}
				after = next
			}
			if !slices.Equal(got, want) {
				Breach(t, clauseOrder, "limit %d: the pages gave\n %v\nwant\n %v", limit, got, want)
			}
		}
		page, next, err := k.List(ctx, s, "REC-19", 0)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if got, rest := ids(page), []string{"REC-2", "REC-20", "REC-21", "REC-3", "REC-4", "REC-5", "REC-6", "REC-7", "REC-8", "REC-9"}; !slices.Equal(got, rest) || next != "" {
			Breach(t, clauseOrder, "after %q gave %v (Next %q), want %v", "REC-19", got, next, rest)
		}
	})
	t.Run("ListPageSize", func(t *testing.T) {
		s := k.New(t)
		n := max(k.DefaultLimit, k.MaxLimit) + 1
		var all []string
		for i := range n {
			all = append(all, fmt.Sprintf("REC-%05d", i))
		}
		fill(t, s, all)
		cases := []struct{ limit, want int }{{0, k.DefaultLimit}, {-1, k.DefaultLimit}, {-5, k.DefaultLimit}, {3, 3}}
		if k.MaxLimit > 0 {
			cases = append(cases, struct{ limit, want int }{k.MaxLimit, k.MaxLimit}, struct{ limit, want int }{k.MaxLimit + 500, k.MaxLimit})
		}
		for _, c := range cases {
			page, next, err := k.List(ctx, s, "", c.limit)
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			if len(page) != c.want || next == "" {
				Breach(t, clausePageSize, "List with Limit %d of %d records returned %d (Next %q), want %d and a Next", c.limit, n, len(page), next, c.want)
			}
			if k.NextIsLastID && len(page) > 0 && next != idOf(page[len(page)-1]) {
				Breach(t, clauseNext, "List with Limit %d: Next %q, want %q", c.limit, next, idOf(page[len(page)-1]))
			}
		}
		if got := listAll(t, k, s, n+500); !slices.Equal(got, all) {
			Breach(t, clauseOrder, "paging through %d records with Limit %d gave %d records, sorted %v", n, n+500, len(got), slices.IsSorted(got))
		}
	})
	t.Run("ListCopiesOut", func(t *testing.T) {
		s := k.New(t)
		fill(t, s, []string{"REC-1"})
		page, _, err := k.List(ctx, s, "", 0)
		if err != nil || len(page) != 1 {
			t.Fatalf("list: %d records, %v", len(page), err)
		}
		Scribble(page[0])
		got, err := s.Get(ctx, "REC-1")
		if d := Difference(got, k.Record("REC-1", 1)); err != nil || d != "" {
			Breach(t, clauseCopyOut, "after mutating a listed value, Get: %v %s", err, d)
		}
	})
	t.Run("ListEmpty", func(t *testing.T) {
		s := k.New(t)
		page, next, err := k.List(ctx, s, "", 0)
		if err != nil || len(page) != 0 || next != "" {
			Breach(t, clauseEmpty, "an empty store listed %d records, Next %q, error %v", len(page), next, err)
		}
	})
}

// listAll pages through every record of s, limit at a time, and returns
// their IDs.
func listAll[T any](t *testing.T, k RecordKit[T], s lifecycle.RecordStore[T], limit int) []string {
	t.Helper()
	var all []string
	after := ""
	for pages := 0; ; pages++ {
		page, next, err := k.List(context.Background(), s, after, limit)
		if err != nil {
			t.Fatalf("list after %q: %v", after, err)
		}
		for _, x := range page {
			id, _ := k.Key(x)
			all = append(all, id)
		}
		if next == "" {
			return all
		}
		if pages > len(all) {
			Breach(t, clauseNext, "paging does not end; got %d records so far", len(all))
			t.FailNow()
		}
		after = next
	}
}

// Breach reports that a test found a clause of a contract broken: it
// quotes the clause after "contract: ", then the details that format and
// args give, and lets the test go on. Every conformance suite reports
// through it, so that a proof can find the clause in its output.
func Breach(t testing.TB, clause string, format string, args ...any) {
	t.Helper()
	t.Errorf("contract: %s\n%s", clause, fmt.Sprintf(format, args...))
}

// Fatal is [Breach] that stops the test.
func Fatal(t testing.TB, clause string, format string, args ...any) {
	t.Helper()
	Breach(t, clause, format, args...)
	t.FailNow()
}

// MustCreate commits x through s as a new record (Expected 0), and stops
// the test, quoting the round-trip clause, if s refuses it.
func MustCreate[T any](t testing.TB, s lifecycle.Committer[T], x T) {
	t.Helper()
	if err := s.Commit(context.Background(), lifecycle.Write[T]{Record: x}); err != nil {
		Fatal(t, clauseRoundTrip, "create: %v", err)
	}
}

// MustGet returns the record id of s, and stops the test, quoting the
// round-trip clause, if s cannot return it.
func MustGet[T any](t testing.TB, s lifecycle.RecordStore[T], id string) T {
	t.Helper()
	x, err := s.Get(context.Background(), id)
	if err != nil {
		Fatal(t, clauseRoundTrip, "Get(%s) of a stored record: %v", id, err)
	}
	return x
}

// Scribble changes, in place, everything of x that a store could share
// with it by mistake, so that a test can prove the store keeps copies:
// every string, number and bool reachable from x through pointers,
// structs, slices, arrays, maps and interfaces is changed, every
// time.Time moves an hour and a second on, and every slice and map
// reached through a settable value grows by one element. Unexported
// fields are left alone. x is typically a pointer to a record.
func Scribble(x any) {
	scribble(reflect.ValueOf(x), map[uintptr]bool{})
}

var timeType = reflect.TypeFor[time.Time]()

func scribble(v reflect.Value, seen map[uintptr]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		scribble(v.Elem(), seen)
	case reflect.Interface:
		if v.IsNil() || !v.CanSet() {
			return
		}
		c := reflect.New(v.Elem().Type()).Elem()
		c.Set(v.Elem())
		scribble(c, seen)
		v.Set(c)
	case reflect.Struct:
		if v.Type() == timeType {
			if v.CanSet() {
				v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Hour + time.Second)))
			}
			return
		}
		for i := range v.NumField() {
			if f := v.Field(i); f.CanSet() {
				scribble(f, seen)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			scribble(v.Index(i), seen)
		}
		if v.CanSet() {
			e := reflect.New(v.Type().Elem()).Elem()
			scribble(e, seen)
			v.Set(reflect.Append(v, e))
		}
	case reflect.Array:
		for i := range v.Len() {
			scribble(v.Index(i), seen)
		}
	case reflect.Map:
		if v.IsNil() || !v.CanSet() {
			return
		}
		for _, key := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(key))
			scribble(e, seen)
			v.SetMapIndex(key, e)
		}
		key, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		scribble(key, seen)
		scribble(e, seen)
		if !v.MapIndex(key).IsValid() {
			v.SetMapIndex(key, e)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(v.String() + "~scribbled")
		}
	case reflect.Bool:
		if v.CanSet() {
			v.SetBool(!v.Bool())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.CanSet() {
			v.SetInt(v.Int() + 1)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if v.CanSet() {
			v.SetUint(v.Uint() + 1)
		}
	case reflect.Float32, reflect.Float64:
		if v.CanSet() {
			v.SetFloat(v.Float() + 1)
		}
	}
}

// Equal reports whether a and b are the same record as a store gives it
// back: deeply equal, except that two time.Time are equal when they are
// the same instant (time.Time.Equal), whatever their locations and
// monotonic readings, and that a nil slice equals an empty one and a nil
// map an empty one. Pointers are equal when both are nil or their targets
// are equal (a nil pointer never equals a non-nil one), interfaces when
// they hold equal values of one type. Unexported fields compare as ==
// compares them (a time.Time among them by its fields, not as an
// instant).
func Equal(a, b any) bool { return Difference(a, b) == "" }

// Difference returns where a and b first differ as [Equal] compares
// them, with both values there, or "" when they are equal.
func Difference(a, b any) string {
	return difference(reflect.ValueOf(a), reflect.ValueOf(b), "")
}

func difference(a, b reflect.Value, path string) string {
	differ := func() string {
		at := path
		if at == "" {
			at = "the value"
		}
		return fmt.Sprintf("%s: got %s, want %s", at, show(a), show(b))
	}
	if !a.IsValid() || !b.IsValid() {
		if a.IsValid() != b.IsValid() {
			return differ()
		}
		return ""
	}
	if a.Type() != b.Type() {
		return differ()
	}
	if a.Type() == timeType && a.CanInterface() {
		if !a.Interface().(time.Time).Equal(b.Interface().(time.Time)) {
			return differ()
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return differ()
			}
			return ""
		}
		return difference(a.Elem(), b.Elem(), path)
	case reflect.Struct:
		for i := range a.NumField() {
			if d := difference(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name); d != "" {
				return d
			}
		}
		return ""
	case reflect.Slice, reflect.Array:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: got %d elements, want %d: got %s, want %s", path, a.Len(), b.Len(), show(a), show(b))
		}
		for i := range a.Len() {
			if d := difference(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	case reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: got %d entries, want %d: got %s, want %s", path, a.Len(), b.Len(), show(a), show(b))
		}
		for _, key := range a.MapKeys() {
			at := fmt.Sprintf("%s[%v]", path, key)
			e := b.MapIndex(key)
			if !e.IsValid() {
				return fmt.Sprintf("%s: got %s, want no such entry", at, show(a.MapIndex(key)))
			}
			if d := difference(a.MapIndex(key), e, at); d != "" {
				return d
			}
		}
		return ""
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if a.Pointer() != b.Pointer() {
			return differ()
		}
		return ""
	default:
		if !a.Equal(b) {
			return differ()
		}
		return ""
	}
}

// show renders v for a failure: JSON where it encodes, %+v otherwise.
func show(v reflect.Value) string {
	if !v.IsValid() {
		return "nothing"
	}
	if v.CanInterface() {
		if b, err := json.Marshal(v.Interface()); err == nil {
			return string(b)
		}
		return fmt.Sprintf("%+v", v.Interface())
	}
	return fmt.Sprintf("%v", v)
}

// Breakage is one way a store breaks the contract that [TestRecords]
// checks, for the tests that prove a conformance suite fails such a
// store ([Break], [CatchesBroken]). Its String is its name.
type Breakage int

// The breakages [Break] gives a store.
const (
	// IgnoresExpected commits an update over whatever version is stored:
	// the last writer wins.
	IgnoresExpected Breakage = iota + 1
	// SharesMemory keeps the caller's value on Commit and hands it out on
	// Get.
	SharesMemory
	// BareNotFound reports an unknown ID on Get with an error that
	// matches no sentinel.
	BareNotFound
	// NotFoundAsConflict reports an update of an unknown ID as a
	// conflict.
	NotFoundAsConflict
	// IgnoresReads commits on the record's own version alone, whatever
	// the write's read set says: the store that lets write skew through.
	IgnoresReads
	// DropsGuards drops the guards of a write's read set, neither
	// checking nor bumping them (nor refusing them, for a store that keeps
	// none).
	DropsGuards
	// DropsHistory keeps the history of creates only.
	DropsHistory
	// TruncatesText hands out every text cut to 100 characters, as a
	// column narrower than the library's limits would.
	TruncatesText
)

// Breakages lists every Breakage.
func Breakages() []Breakage {
	return []Breakage{IgnoresExpected, SharesMemory, BareNotFound, NotFoundAsConflict, IgnoresReads, DropsGuards, DropsHistory, TruncatesText}
}

var breakageNames = map[Breakage]string{
	IgnoresExpected:    "IgnoresExpected",
	SharesMemory:       "SharesMemory",
	BareNotFound:       "BareNotFound",
	NotFoundAsConflict: "NotFoundAsConflict",
	IgnoresReads:       "IgnoresReads",
	DropsGuards:        "DropsGuards",
	DropsHistory:       "DropsHistory",
	TruncatesText:      "TruncatesText",
}

// String returns b's name: "IgnoresExpected", "SharesMemory", ...
func (b Breakage) String() string {
	if name, ok := breakageNames[b]; ok {
		return name
	}
	return fmt.Sprintf("Breakage(%d)", int(b))
}

// BreakageNamed returns the Breakage whose String is name.
func BreakageNamed(name string) (Breakage, bool) {
	for b, n := range breakageNames {
		if n == name {
			return b, true
		}
	}
	return 0, false
}

// Clause returns the clause of [TestRecords] (or of [TestCommitter],
// which it runs) that store, a store of the suite's kind, fails with the
// breakage b, as the suite quotes it: a store that keeps no guards fails
// DropsGuards on the clause that it refuses them. It returns false when b
// breaks nothing that store has (DropsHistory of a store that does not
// read its history back).
func (b Breakage) Clause(store any) (string, bool) {
	_, guards := store.(lifecycle.GuardReader)
	_, history := store.(lifecycle.HistoryReader)
	switch {
	case b == DropsGuards && !guards:
		return clauseNoGuards, true
	case b == DropsHistory && !history:
		return "", false
	}
	clause, ok := map[Breakage]string{
		IgnoresExpected:    clauseUpdateConflict,
		SharesMemory:       clauseCopyIn,
		BareNotFound:       clauseGetNotFound,
		NotFoundAsConflict: clauseUpdateNotFound,
		IgnoresReads:       clauseReadRecord,
		DropsGuards:        clauseGuardStale,
		DropsHistory:       clauseHistoryAppend,
		TruncatesText:      clauseTextLimits,
	}[b]
	return clause, ok
}

// Break returns inner with the breakage b in its Get and Commit; key
// gives a record's ID and version. A process's proof runs its suite over
// a type that embeds the broken store and, one level deeper, the
// process's own, so that Get and Commit are the broken store's and the
// process's queries its own:
//
//	type brokenStore struct {
//		lifecycle.RecordStore[*incident.Incident] // lifecycletest.Break(s, key, b)
//		memory                                    // struct{ *incidenttest.Store }: s
//	}
func Break[T any](inner lifecycle.RecordStore[T], key func(T) (string, int64), b Breakage) lifecycle.RecordStore[T] {
	return &broken[T]{inner: inner, key: key, b: b, kept: map[string]T{}}
}

type broken[T any] struct {
	inner lifecycle.RecordStore[T]
	key   func(T) (string, int64)
	b     Breakage
	mu    sync.Mutex
	kept  map[string]T
}

func (s *broken[T]) Get(ctx context.Context, id string) (T, error) {
	s.mu.Lock()
	x, ok := s.kept[id]
	s.mu.Unlock()
	if ok {
		return x, nil
	}
	x, err := s.inner.Get(ctx, id)
	if s.b == BareNotFound && errors.Is(err, lifecycle.ErrNotFound) {
		return x, fmt.Errorf("no record %s", id)
	}
	if s.b == TruncatesText && err == nil {
		truncate(reflect.ValueOf(x), 100)
	}
	return x, err
}

func (s *broken[T]) Commit(ctx context.Context, w lifecycle.Write[T]) error {
	id, _ := s.key(w.Record)
	switch s.b {
	case IgnoresExpected:
		if cur, err := s.inner.Get(ctx, id); err == nil && w.Expected != 0 {
			_, w.Expected = s.key(cur)
		}
	case IgnoresReads:
		w.Reads = lifecycle.ReadSet{}
	case DropsGuards:
		w.Reads.Guards = nil
	case DropsHistory:
		if w.Expected > 0 {
			w.History = nil
		}
	}
	err := s.inner.Commit(ctx, w)
	switch {
	case s.b == NotFoundAsConflict && errors.Is(err, lifecycle.ErrNotFound):
		return lifecycle.Conflict("broken", id, w.Expected, 0)
	case s.b == SharesMemory && err == nil:
		s.mu.Lock()
		s.kept[id] = w.Record
		s.mu.Unlock()
	}
	return err
}

// CatchesBroken proves that a conformance suite fails broken stores. It
// runs the test named helper in a child process of the test binary once
// per broken store, with the environment variable env set to the store's
// name, and fails unless the helper fails and its output quotes the
// store's clause. The helper runs the suite over the broken store that env
// names, and skips when env is unset. The broken stores are those of
// clauses, by name, and one per Breakage that applies to sample (a store
// of the suite's kind, see [Breakage.Clause]), named by its String: the
// helper gives such a store the breakage ([BreakageNamed], [Break]). The
// children run in parallel subtests; with -short they do not run.
func CatchesBroken(t *testing.T, helper, env string, sample any, clauses map[string]string) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs child processes")
	}
	all := maps.Clone(clauses)
	if all == nil {
		all = map[string]string{}
	}
	for _, b := range Breakages() {
		if clause, ok := b.Clause(sample); ok {
			all[b.String()] = clause
		}
	}
	for name, clause := range all {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^"+helper+"$", "-test.count=1")
			cmd.Env = append(os.Environ(), env+"="+name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || !strings.Contains(string(out), "--- FAIL: "+helper) {
				t.Fatalf("the suite passed a store that breaks %q (%v):\n%s", clause, err, out)
			}
			if !strings.Contains(string(out), clause) {
				t.Fatalf("the suite failed without quoting %q:\n%s", clause, out)
			}
		})
	}
}

// truncate cuts every settable string reachable from v to n characters.
func truncate(v reflect.Value, n int) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			truncate(v.Elem(), n)
		}
	case reflect.String:
		if r := []rune(v.String()); v.CanSet() && len(r) > n {
			v.SetString(string(r[:n]))
		}
	case reflect.Slice:
		for i := range v.Len() {
			truncate(v.Index(i), n)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				truncate(v.Field(i), n)
			}
		}
	}
}
