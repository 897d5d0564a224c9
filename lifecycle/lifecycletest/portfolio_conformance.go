package lifecycletest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// Contract clauses quoted by the conformance suites' failures. The
// clauses of Commit's version checks and read set are those of
// [TestCommitter], which both suites run.
const (
	clauseGetNotFound    = "Get: an unknown ID is an error matching ErrNotFound"
	clauseRoundTrip      = "Commit with Expected 0 then Get: the stored record is returned unchanged"
	clauseCreateConflict = "Commit with Expected 0: if a record with the same ID exists, it returns an error matching ErrConflict and stores nothing"
	clauseCopyIn         = "values are copied in: mutating an argument after the call changes nothing stored"
	clauseCopyOut        = "values are copied out: mutating a returned value changes nothing stored"
	clauseUpdate         = "Commit with Expected > 0 replaces the stored record by w.Record, provided the stored version equals Expected"
	clauseUpdateConflict = "Commit: a stored version other than Expected is an error matching ErrConflict, and nothing is written"
	clauseUpdateNotFound = "Commit with Expected > 0: an unknown ID is an error matching ErrNotFound"
	clauseOneWinner      = "Commit: of concurrent writes expecting the same version, exactly one succeeds"
	clauseOneCreate      = "Commit with Expected 0: of concurrent creates of one ID, exactly one succeeds"
	clauseOrder          = "List: ordered by ID (byte-wise ascending), starting after filter.After, at most filter.Limit"
	clauseNext           = "List: Next is the ID of the page's last record when more match, and empty otherwise"
	clauseDefaultLimit   = "List: at most DefaultListLimit records when Limit <= 0"
	clauseFilter         = "List: returns exactly the records matching the filter (see the filter's Matches)"
	clauseEmpty          = "List: no match is an empty page, not an error"
)

// crud abstracts the Get/Commit/List clauses shared by both stores.
type crud[T any] struct {
	get    func(ctx context.Context, id string) (T, error)
	commit func(ctx context.Context, w lifecycle.Write[T]) error
	list   func(ctx context.Context, after string, limit int) ([]T, string, error)
	// fixture returns a new record with the given ID at version 1.
	fixture func(id string) T
	clone   func(T) T
	id      func(T) string
	version func(T) int64
	// touch returns a copy of x changed in ordinary fields and bumped to
	// version+1, as a caller does before committing it over x's version.
	touch func(x T) T
	// scribble mutates x in place, reaching into its slices and history.
	scribble func(x T)
	equal    func(a, b T) bool
}

// create commits x as a new record (Expected 0).
func (k crud[T]) create(ctx context.Context, x T) error {
	return k.commit(ctx, lifecycle.Write[T]{Record: x})
}

// update commits x over the stored version expected.
func (k crud[T]) update(ctx context.Context, x T, expected int64) error {
	return k.commit(ctx, lifecycle.Write[T]{Record: x, Expected: expected})
}

// committer is the lifecycle.Committer of a portfolio store, for
// [TestCommitter]: Commit is the store's CommitService or
// CommitImprovement, get its GetService or GetImprovement.
type committer[T any] struct {
	get    func(ctx context.Context, id string) (T, error)
	commit func(ctx context.Context, w lifecycle.Write[T]) error
}

func (c committer[T]) Commit(ctx context.Context, w lifecycle.Write[T]) error {
	return c.commit(ctx, w)
}

// committerKit returns the CommitterKit of a portfolio store: new makes an
// empty store's committer, record a record at a version.
func committerKit[T any](newCommitter func(t *testing.T) committer[T], record func(id string, version int64) T, version func(T) int64) CommitterKit[T] {
	return CommitterKit[T]{
		New:    func(t *testing.T) lifecycle.Committer[T] { return newCommitter(t) },
		Record: record,
		Get: func(ctx context.Context, s lifecycle.Committer[T], id string) (int64, error) {
			x, err := s.(committer[T]).get(ctx, id)
			if err != nil {
				return 0, err
			}
			return version(x), nil
		},
	}
}

// atVersion returns fixture(id) touched up to version.
func atVersion[T any](fixture func(string) T, touch func(T) T, version func(T) int64) func(id string, v int64) T {
	return func(id string, v int64) T {
		x := fixture(id)
		for version(x) < v {
			x = touch(x)
		}
		return x
	}
}

func fail(t *testing.T, clause string, format string, args ...any) {
	t.Helper()
	t.Errorf("contract: %s\n%s", clause, fmt.Sprintf(format, args...))
}

func runCRUD[T any](t *testing.T, newKit func(t *testing.T) crud[T]) {
	t.Run("GetUnknownIsNotFound", func(t *testing.T) {
		k := newKit(t)
		if _, err := k.get(t.Context(), "NO-SUCH-ID"); !errors.Is(err, lifecycle.ErrNotFound) {
			fail(t, clauseGetNotFound, "got error %v", err)
		}
	})
	t.Run("CreateThenGet", func(t *testing.T) {
		k := newKit(t)
		x := k.fixture("A-1")
		if err := k.create(t.Context(), k.clone(x)); err != nil {
			t.Fatalf("create: %v", err)
		}
		got, err := k.get(t.Context(), "A-1")
		if err != nil {
			fail(t, clauseRoundTrip, "get: %v", err)
			return
		}
		if !k.equal(got, x) {
			fail(t, clauseRoundTrip, "got  %+v\nwant %+v", got, x)
		}
	})
	t.Run("CreateTakenIDIsConflict", func(t *testing.T) {
		k := newKit(t)
		first := k.fixture("A-1")
		if err := k.create(t.Context(), k.clone(first)); err != nil {
			t.Fatalf("create: %v", err)
		}
		second := k.touch(k.fixture("A-1"))
		if err := k.create(t.Context(), second); !errors.Is(err, lifecycle.ErrConflict) {
			fail(t, clauseCreateConflict, "second create returned %v", err)
		}
		got, err := k.get(t.Context(), "A-1")
		if err != nil || !k.equal(got, first) {
			fail(t, clauseCreateConflict, "stored after the refused create: %+v, %v\nwant %+v", got, err, first)
		}
	})
	t.Run("CreateCopiesIn", func(t *testing.T) {
		k := newKit(t)
		x := k.fixture("A-1")
		want := k.clone(x)
		if err := k.create(t.Context(), x); err != nil {
			t.Fatalf("create: %v", err)
		}
		k.scribble(x)
		got, err := k.get(t.Context(), "A-1")
		if err != nil || !k.equal(got, want) {
			fail(t, clauseCopyIn, "after mutating the created value, stored: %+v, %v\nwant %+v", got, err, want)
		}
	})
	t.Run("GetCopiesOut", func(t *testing.T) {
		k := newKit(t)
		want := k.fixture("A-1")
		if err := k.create(t.Context(), k.clone(want)); err != nil {
			t.Fatalf("create: %v", err)
		}
		got, err := k.get(t.Context(), "A-1")
		if err != nil {
			t.Fatalf("get: %v", err)
		}
		k.scribble(got)
		again, err := k.get(t.Context(), "A-1")
		if err != nil || !k.equal(again, want) {
			fail(t, clauseCopyOut, "after mutating a got value, stored: %+v, %v\nwant %+v", again, err, want)
		}
	})
	t.Run("UpdateStoresOverExpected", func(t *testing.T) {
		k := newKit(t)
		x := k.fixture("A-1")
		if err := k.create(t.Context(), k.clone(x)); err != nil {
			t.Fatalf("create: %v", err)
		}
		y := k.touch(x)
		if err := k.update(t.Context(), k.clone(y), k.version(x)); err != nil {
			fail(t, clauseUpdate, "update over version %d: %v", k.version(x), err)
			return
		}
		got, err := k.get(t.Context(), "A-1")
		if err != nil || !k.equal(got, y) {
			fail(t, clauseUpdate, "stored: %+v, %v\nwant %+v", got, err, y)
		}
		z := k.touch(y)
		if err := k.update(t.Context(), k.clone(z), k.version(y)); err != nil {
			fail(t, clauseUpdate, "second update over version %d: %v", k.version(y), err)
		}
	})
	t.Run("UpdateStaleIsConflict", func(t *testing.T) {
		k := newKit(t)
		x := k.fixture("A-1")
		if err := k.create(t.Context(), k.clone(x)); err != nil {
			t.Fatalf("create: %v", err)
		}
		y := k.touch(x)
		if err := k.update(t.Context(), k.clone(y), k.version(x)); err != nil {
			t.Fatalf("update: %v", err)
		}
		stale := k.touch(x) // built from version 1 again
		for _, expected := range []int64{k.version(x), k.version(y) + 1, 0} {
			if err := k.update(t.Context(), k.clone(stale), expected); !errors.Is(err, lifecycle.ErrConflict) {
				fail(t, clauseUpdateConflict, "update expecting %d when %d is stored returned %v", expected, k.version(y), err)
			}
		}
		got, err := k.get(t.Context(), "A-1")
		if err != nil || !k.equal(got, y) {
			fail(t, clauseUpdateConflict, "stored after refused updates: %+v, %v\nwant %+v", got, err, y)
		}
	})
	t.Run("UpdateUnknownIsNotFound", func(t *testing.T) {
		k := newKit(t)
		x := k.touch(k.fixture("A-404"))
		if err := k.update(t.Context(), x, 1); !errors.Is(err, lifecycle.ErrNotFound) {
			fail(t, clauseUpdateNotFound, "got %v", err)
		}
		if _, err := k.get(t.Context(), "A-404"); !errors.Is(err, lifecycle.ErrNotFound) {
			fail(t, clauseUpdateNotFound, "a refused update must not create the record; get returned %v", err)
		}
	})
	t.Run("UpdateCopiesIn", func(t *testing.T) {
		k := newKit(t)
		x := k.fixture("A-1")
		if err := k.create(t.Context(), k.clone(x)); err != nil {
			t.Fatalf("create: %v", err)
		}
		y := k.touch(x)
		want := k.clone(y)
		if err := k.update(t.Context(), y, k.version(x)); err != nil {
			t.Fatalf("update: %v", err)
		}
		k.scribble(y)
		got, err := k.get(t.Context(), "A-1")
		if err != nil || !k.equal(got, want) {
			fail(t, clauseCopyIn, "after mutating the updated value, stored: %+v, %v\nwant %+v", got, err, want)
		}
	})
	t.Run("ConcurrentUpdatesOneWinner", func(t *testing.T) {
		k := newKit(t)
		x := k.fixture("A-1")
		if err := k.create(t.Context(), k.clone(x)); err != nil {
			t.Fatalf("create: %v", err)
		}
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			y := k.touch(x)
			wg.Go(func() { errs[i] = k.update(t.Context(), y, k.version(x)) })
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, lifecycle.ErrConflict):
				fail(t, clauseOneWinner, "a losing update returned %v, want ErrConflict", err)
			}
		}
		if won != 1 {
			fail(t, clauseOneWinner, "%d of %d updates succeeded", won, n)
		}
	})
	t.Run("ConcurrentCreatesOneWinner", func(t *testing.T) {
		k := newKit(t)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			x := k.fixture("A-1")
			wg.Go(func() { errs[i] = k.create(t.Context(), x) })
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, lifecycle.ErrConflict):
				fail(t, clauseOneCreate, "a losing create returned %v, want ErrConflict", err)
			}
		}
		if won != 1 {
			fail(t, clauseOneCreate, "%d of %d creates succeeded", won, n)
		}
	})
	t.Run("ListOrderAndPaging", func(t *testing.T) {
		k := newKit(t)
		ids := []string{"B-2", "A-10", "C-1", "A-2", "B-10", "A-1", "C-0"}
		for _, id := range ids {
			if err := k.create(t.Context(), k.fixture(id)); err != nil {
				t.Fatalf("create %s: %v", id, err)
			}
		}
		want := slices.Clone(ids)
		sort.Strings(want)
		var got []string
		after := ""
		for pageNo := 0; ; pageNo++ {
			if pageNo > len(ids) {
				fail(t, clauseNext, "paging does not end; got %v so far", got)
				return
			}
			items, next, err := k.list(t.Context(), after, 3)
			if err != nil {
				t.Fatalf("list after %q: %v", after, err)
			}
			if len(items) > 3 {
				fail(t, clauseOrder, "a page with Limit 3 has %d records", len(items))
			}
			var ids []string
			for _, x := range items {
				ids = append(ids, k.id(x))
			}
			if !slices.IsSorted(ids) {
				fail(t, clauseOrder, "page after %q is %v, not in ID order", after, ids)
				return
			}
			got = append(got, ids...)
			remaining := len(want) - len(got)
			switch {
			case remaining > 0 && (len(items) == 0 || next != k.id(items[len(items)-1])):
				fail(t, clauseNext, "page after %q: Next = %q with %d records still to come", after, next, remaining)
				return
			case remaining <= 0 && next != "":
				fail(t, clauseNext, "last page after %q: Next = %q, want empty", after, next)
				return
			}
			if next == "" {
				break
			}
			after = next
		}
		if !slices.Equal(got, want) {
			fail(t, clauseOrder, "pages gave %v\nwant %v", got, want)
		}
		items, next, err := k.list(t.Context(), "B-10", 0)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		var rest []string
		for _, x := range items {
			rest = append(rest, k.id(x))
		}
		if !slices.Equal(rest, []string{"B-2", "C-0", "C-1"}) || next != "" {
			fail(t, clauseOrder, "after %q gave %v (next %q), want [B-2 C-0 C-1]", "B-10", rest, next)
		}
	})
	t.Run("ListDefaultLimit", func(t *testing.T) {
		k := newKit(t)
		for i := range lifecycle.DefaultListLimit + 1 {
			if err := k.create(t.Context(), k.fixture(fmt.Sprintf("L-%04d", i))); err != nil {
				t.Fatalf("create: %v", err)
			}
		}
		items, next, err := k.list(t.Context(), "", 0)
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		if len(items) != lifecycle.DefaultListLimit {
			fail(t, clauseDefaultLimit, "got %d records", len(items))
		}
		if want := fmt.Sprintf("L-%04d", lifecycle.DefaultListLimit-1); next != want {
			fail(t, clauseNext, "Next = %q, want %q", next, want)
		}
	})
	t.Run("ListCopiesOut", func(t *testing.T) {
		k := newKit(t)
		want := k.fixture("A-1")
		if err := k.create(t.Context(), k.clone(want)); err != nil {
			t.Fatalf("create: %v", err)
		}
		items, _, err := k.list(t.Context(), "", 0)
		if err != nil || len(items) != 1 {
			t.Fatalf("list: %d records, %v", len(items), err)
		}
		k.scribble(items[0])
		got, err := k.get(t.Context(), "A-1")
		if err != nil || !k.equal(got, want) {
			fail(t, clauseCopyOut, "after mutating a listed value, stored: %+v, %v\nwant %+v", got, err, want)
		}
	})
	t.Run("ListEmpty", func(t *testing.T) {
		k := newKit(t)
		items, next, err := k.list(t.Context(), "", 0)
		if err != nil || len(items) != 0 || next != "" {
			fail(t, clauseEmpty, "empty store listed %d records, next %q, error %v", len(items), next, err)
		}
	})
}

var fixtureTime = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// normalTime makes times comparable across stores that return another
// location for the same instant.
func normalTime(t time.Time) time.Time { return t.UTC() }

func normalHistory(h []lifecycle.Record) []lifecycle.Record {
	if len(h) == 0 {
		return nil
	}
	h = lifecycle.CloneHistory(h)
	for i := range h {
		h[i].Time = normalTime(h[i].Time)
		if len(h[i].Changes) == 0 {
			h[i].Changes = nil
		}
	}
	return h
}

func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func normalService(s *lifecycle.ITService) *lifecycle.ITService {
	if s == nil {
		return nil
	}
	c := s.Clone()
	c.CreatedAt, c.UpdatedAt = normalTime(c.CreatedAt), normalTime(c.UpdatedAt)
	c.ConfigItems, c.Agreements = nilIfEmpty(c.ConfigItems), nilIfEmpty(c.Agreements)
	c.History = normalHistory(c.History)
	return c
}

func sameService(a, b *lifecycle.ITService) bool {
	return reflect.DeepEqual(normalService(a), normalService(b))
}

func serviceVersion(s *lifecycle.ITService) int64 { return s.Version }

func improvementVersion(x *lifecycle.Improvement) int64 { return x.Version }

func serviceFixture(id string) *lifecycle.ITService {
	return &lifecycle.ITService{
		ID:          id,
		Version:     1,
		Name:        "Service " + id,
		Owner:       "owner-" + id,
		Description: "fixture",
		Criticality: lifecycle.CriticalityHigh,
		ConfigItems: []string{"CI-1", "CI-2"},
		Agreements:  []lifecycle.AgreementLink{{ID: "SLA-1", Kind: lifecycle.AgreementSLA}, {ID: "UC-1", Kind: lifecycle.AgreementUnderpinningContract}},
		Status:      lifecycle.StatusRequirements,
		History: []lifecycle.Record{{
			Seq: 1, Time: fixtureTime, Actor: "alice", Event: "define", To: "requirements",
			Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldName, New: "Service " + id}},
		}},
		CreatedAt: fixtureTime,
		UpdatedAt: fixtureTime,
	}
}

func touchService(s *lifecycle.ITService) *lifecycle.ITService {
	c := s.Clone()
	c.Version++
	c.Name += "+"
	c.Agreements = append(c.Agreements, lifecycle.AgreementLink{ID: fmt.Sprintf("OLA-%d", c.Version), Kind: lifecycle.AgreementOLA})
	c.UpdatedAt = c.UpdatedAt.Add(time.Minute)
	c.History = append(c.History, lifecycle.Record{
		Seq: len(c.History) + 1, Time: c.UpdatedAt, Actor: "bob", Event: "update",
		From: string(c.Status), To: string(c.Status),
		Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldName, Old: s.Name, New: c.Name}},
	})
	return c
}

func scribbleService(s *lifecycle.ITService) {
	s.Name = "scribbled"
	s.Version = 99
	if len(s.ConfigItems) > 0 {
		s.ConfigItems[0] = "scribbled"
	}
	if len(s.Agreements) > 0 {
		s.Agreements[0] = lifecycle.AgreementLink{ID: "scribbled", Kind: lifecycle.AgreementOLA}
	}
	if len(s.History) > 0 {
		s.History[0].Actor = "scribbled"
		if len(s.History[0].Changes) > 0 {
			s.History[0].Changes[0].New = "scribbled"
		}
	}
}

// TestPortfolioStore is the conformance suite for lifecycle.PortfolioStore
// implementations: it checks every clause of the interface's contract
// (versions, conflicts, not-found, copies in and out, filters, ordering,
// paging, concurrent use) with subtests whose failures quote the clause.
// Its Committer subtest is [TestCommitter] over CommitService: the
// version checks, the read set's records, and the refusal of a write with
// guards, which a PortfolioStore does not keep.
// newStore must return an empty store each time it is called. Times are
// compared as instants (a store may return another location), and empty
// lists equal nil.
//
// A host runs it from its own test:
//
//	func TestStore(t *testing.T) {
//		lifecycletest.TestPortfolioStore(t, func(t *testing.T) lifecycle.PortfolioStore { return newDBStore(t) })
//	}
func TestPortfolioStore(t *testing.T, newStore func(t *testing.T) lifecycle.PortfolioStore) {
	t.Helper()
	runCRUD(t, func(t *testing.T) crud[*lifecycle.ITService] {
		st := newStore(t)
		return crud[*lifecycle.ITService]{
			get:    st.GetService,
			commit: st.CommitService,
			list: func(ctx context.Context, after string, limit int) ([]*lifecycle.ITService, string, error) {
				p, err := st.ListServices(ctx, lifecycle.ServiceFilter{After: after, Limit: limit})
				return p.Services, p.Next, err
			},
			fixture:  serviceFixture,
			clone:    (*lifecycle.ITService).Clone,
			id:       func(s *lifecycle.ITService) string { return s.ID },
			version:  serviceVersion,
			touch:    touchService,
			scribble: scribbleService,
			equal:    sameService,
		}
	})
	t.Run("Committer", func(t *testing.T) {
		TestCommitter(t, committerKit(func(t *testing.T) committer[*lifecycle.ITService] {
			st := newStore(t)
			return committer[*lifecycle.ITService]{get: st.GetService, commit: st.CommitService}
		}, atVersion(serviceFixture, touchService, serviceVersion), serviceVersion))
	})
	t.Run("ListFilters", func(t *testing.T) {
		st := newStore(t)
		var all []*lifecycle.ITService
		for i, status := range lifecycle.Statuses() {
			s := serviceFixture(fmt.Sprintf("S-%02d", i))
			s.Status = status
			s.Owner = []string{"alice", "bob", ""}[i%3]
			s.ConfigItems = [][]string{{"CI-1"}, {"CI-2", "CI-1"}, nil}[i%3]
			s.Agreements = [][]lifecycle.AgreementLink{
				{{ID: "SLA-1", Kind: lifecycle.AgreementSLA}},
				nil,
				{{ID: "SLA-2", Kind: lifecycle.AgreementSLA}, {ID: "OLA-1", Kind: lifecycle.AgreementOLA}},
			}[i%3]
			if err := st.CommitService(t.Context(), lifecycle.Write[*lifecycle.ITService]{Record: s}); err != nil {
				t.Fatalf("create: %v", err)
			}
			all = append(all, s)
		}
		filters := []lifecycle.ServiceFilter{
			{},
			{Statuses: []lifecycle.Status{lifecycle.StatusOperational}},
			{Statuses: []lifecycle.Status{lifecycle.StatusRetired, lifecycle.StatusRequirements, lifecycle.StatusBuilt}},
			{Stage: lifecycle.StageStrategy},
			{Stage: lifecycle.StageDesign},
			{Stage: lifecycle.StageTransition},
			{Stage: lifecycle.StageOperation},
			{Stage: lifecycle.StageContinualImprovement},
			{Part: lifecycle.PortfolioPipeline},
			{Part: lifecycle.PortfolioCatalogue},
			{Part: lifecycle.PortfolioRetired},
			{Owner: "alice"},
			{Owner: "nobody"},
			{ConfigItem: "CI-1"},
			{ConfigItem: "CI-2"},
			{Agreement: "SLA-1"},
			{Agreement: "OLA-1"},
			{Stage: lifecycle.StageTransition, Owner: "bob"},
			{Part: lifecycle.PortfolioPipeline, ConfigItem: "CI-1", Statuses: []lifecycle.Status{lifecycle.StatusRequirements, lifecycle.StatusAnalysed, lifecycle.StatusDefined}},
		}
		for _, f := range filters {
			var want []string
			for _, s := range all {
				if f.Matches(s) {
					want = append(want, s.ID)
				}
			}
			p, err := st.ListServices(t.Context(), f)
			if err != nil {
				fail(t, clauseFilter, "filter %+v: %v", f, err)
				continue
			}
			var got []string
			for _, s := range p.Services {
				got = append(got, s.ID)
			}
			if !slices.Equal(got, want) || p.Next != "" {
				fail(t, clauseFilter, "filter %+v gave %v (next %q)\nwant %v", f, got, p.Next, want)
			}
		}
		// Paging applies after filtering.
		f := lifecycle.ServiceFilter{Part: lifecycle.PortfolioPipeline, Limit: 4}
		p, err := st.ListServices(t.Context(), f)
		if err != nil || len(p.Services) != 4 || p.Next != "S-03" {
			fail(t, clauseNext, "filter %+v: %d records, next %q, %v; want 4 records, next S-03", f, len(p.Services), p.Next, err)
		}
		f.After = "S-07"
		p, err = st.ListServices(t.Context(), f)
		if err != nil || len(p.Services) != 2 || p.Next != "" {
			fail(t, clauseNext, "filter %+v: %d records, next %q, %v; want 2 records (S-08, S-09), next empty", f, len(p.Services), p.Next, err)
		}
	})
}

func normalImprovement(x *lifecycle.Improvement) *lifecycle.Improvement {
	if x == nil {
		return nil
	}
	c := x.Clone()
	c.CreatedAt, c.UpdatedAt = normalTime(c.CreatedAt), normalTime(c.UpdatedAt)
	c.History = normalHistory(c.History)
	return c
}

func sameImprovement(a, b *lifecycle.Improvement) bool {
	return reflect.DeepEqual(normalImprovement(a), normalImprovement(b))
}

func improvementFixture(id string) *lifecycle.Improvement {
	return &lifecycle.Improvement{
		ID:        id,
		Version:   1,
		ServiceID: "SVC-1",
		Title:     "Faster restores " + id,
		Measure:   "mean time to restore",
		Baseline:  "4h",
		Target:    "2h",
		Status:    lifecycle.ImprovementProposed,
		History: []lifecycle.Record{{
			Seq: 1, Time: fixtureTime, Actor: "alice", Event: "propose", To: "proposed",
			Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldTitle, New: "Faster restores " + id}},
		}},
		CreatedAt: fixtureTime,
		UpdatedAt: fixtureTime,
	}
}

func touchImprovement(x *lifecycle.Improvement) *lifecycle.Improvement {
	c := x.Clone()
	c.Version++
	c.Title += "+"
	c.UpdatedAt = c.UpdatedAt.Add(time.Minute)
	c.History = append(c.History, lifecycle.Record{
		Seq: len(c.History) + 1, Time: c.UpdatedAt, Actor: "bob", Event: "update",
		From: string(c.Status), To: string(c.Status),
		Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldTitle, Old: x.Title, New: c.Title}},
	})
	return c
}

func scribbleImprovement(x *lifecycle.Improvement) {
	x.Title = "scribbled"
	x.Version = 99
	if len(x.History) > 0 {
		x.History[0].Actor = "scribbled"
		if len(x.History[0].Changes) > 0 {
			x.History[0].Changes[0].New = "scribbled"
		}
	}
}

// TestImprovementStore is the conformance suite for
// lifecycle.ImprovementStore implementations, as [TestPortfolioStore] is
// for portfolio stores, with [TestCommitter] over CommitImprovement.
// newStore must return an empty store each time.
func TestImprovementStore(t *testing.T, newStore func(t *testing.T) lifecycle.ImprovementStore) {
	t.Helper()
	runCRUD(t, func(t *testing.T) crud[*lifecycle.Improvement] {
		st := newStore(t)
		return crud[*lifecycle.Improvement]{
			get:    st.GetImprovement,
			commit: st.CommitImprovement,
			list: func(ctx context.Context, after string, limit int) ([]*lifecycle.Improvement, string, error) {
				p, err := st.ListImprovements(ctx, lifecycle.ImprovementFilter{After: after, Limit: limit})
				return p.Improvements, p.Next, err
			},
			fixture:  improvementFixture,
			clone:    (*lifecycle.Improvement).Clone,
			id:       func(x *lifecycle.Improvement) string { return x.ID },
			version:  improvementVersion,
			touch:    touchImprovement,
			scribble: scribbleImprovement,
			equal:    sameImprovement,
		}
	})
	t.Run("Committer", func(t *testing.T) {
		TestCommitter(t, committerKit(func(t *testing.T) committer[*lifecycle.Improvement] {
			st := newStore(t)
			return committer[*lifecycle.Improvement]{get: st.GetImprovement, commit: st.CommitImprovement}
		}, atVersion(improvementFixture, touchImprovement, improvementVersion), improvementVersion))
	})
	t.Run("ListFilters", func(t *testing.T) {
		st := newStore(t)
		var all []*lifecycle.Improvement
		for i := range 12 {
			x := improvementFixture(fmt.Sprintf("I-%02d", i))
			x.ServiceID = []string{"SVC-1", "SVC-2", "SVC-3"}[i%3]
			x.Status = lifecycle.ImprovementStatuses()[i%5]
			if err := st.CommitImprovement(t.Context(), lifecycle.Write[*lifecycle.Improvement]{Record: x}); err != nil {
				t.Fatalf("create: %v", err)
			}
			all = append(all, x)
		}
		filters := []lifecycle.ImprovementFilter{
			{},
			{ServiceID: "SVC-1"},
			{ServiceID: "SVC-9"},
			{Statuses: []lifecycle.ImprovementStatus{lifecycle.ImprovementInProgress}},
			{Statuses: []lifecycle.ImprovementStatus{lifecycle.ImprovementCompleted, lifecycle.ImprovementProposed}},
			{ServiceID: "SVC-2", Statuses: []lifecycle.ImprovementStatus{lifecycle.ImprovementApproved, lifecycle.ImprovementRejected}},
		}
		for _, f := range filters {
			var want []string
			for _, x := range all {
				if f.Matches(x) {
					want = append(want, x.ID)
				}
			}
			p, err := st.ListImprovements(t.Context(), f)
			if err != nil {
				fail(t, clauseFilter, "filter %+v: %v", f, err)
				continue
			}
			var got []string
			for _, x := range p.Improvements {
				got = append(got, x.ID)
			}
			if !slices.Equal(got, want) || p.Next != "" {
				fail(t, clauseFilter, "filter %+v gave %v (next %q)\nwant %v", f, got, p.Next, want)
			}
		}
		f := lifecycle.ImprovementFilter{ServiceID: "SVC-1", Limit: 2}
		p, err := st.ListImprovements(t.Context(), f)
		if err != nil || len(p.Improvements) != 2 || p.Next != "I-03" {
			fail(t, clauseNext, "filter %+v: %d records, next %q, %v; want 2 records, next I-03", f, len(p.Improvements), p.Next, err)
		}
	})
}
