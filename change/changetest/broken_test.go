package changetest

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// Broken stores, each breaking one clause of the change.Store contract.
// TestSuiteCatchesBrokenStores shows that TestStore fails every one of
// them and quotes the clause it breaks.

// brokenStore is the in-memory store (memory) under the Get and Commit of
// a lifecycletest.Break.
type brokenStore struct {
	lifecycle.RecordStore[*change.Change]
	memory
}

type memory struct{ *Store }

// lossy forgets who opened a change and whom its authority excludes, as a
// database schema older than those fields would.
type lossy struct{ *Store }

func (s lossy) Commit(ctx context.Context, w lifecycle.Write[*change.Change]) error {
	c := w.Record.Clone()
	c.OpenedBy = ""
	if c.Authority != nil {
		c.Authority.Excluded = nil
	}
	w.Record = c
	return s.Store.Commit(ctx, w)
}

// uncapped honours any Limit, however large.
type uncapped struct{ *Store }

func (s uncapped) List(ctx context.Context, f change.Filter) (change.Page, error) {
	if f.Limit <= change.MaxLimit {
		return s.Store.List(ctx, f)
	}
	var out change.Page
	g := f
	g.Limit = change.MaxLimit
	for len(out.Changes) < f.Limit {
		p, err := s.Store.List(ctx, g)
		if err != nil {
			return change.Page{}, err
		}
		out.Changes = append(out.Changes, p.Changes...)
		if p.Next == "" {
			return out, nil
		}
		g.After = p.Next
	}
	out.Changes = out.Changes[:f.Limit]
	out.Next = out.Changes[f.Limit-1].ID
	return out, nil
}

// unsorted returns List pages in descending ID order.
type unsorted struct{ *Store }

func (s unsorted) List(ctx context.Context, f change.Filter) (change.Page, error) {
	p, err := s.Store.List(ctx, f)
	slices.Reverse(p.Changes)
	return p, err
}

// unbookedToo answers Scheduled with every overlapping change on the
// items, booked or not.
type unbookedToo struct{ *Store }

func (s unbookedToo) Scheduled(ctx context.Context, cis []string, from, to time.Time) ([]*change.Change, error) {
	var out []*change.Change
	for _, st := range change.States() {
		if st.Booked() {
			continue
		}
		p, err := s.Store.List(ctx, change.Filter{States: []change.State{st}, Limit: change.MaxLimit})
		if err != nil {
			return nil, err
		}
		for _, c := range p.Changes {
			c.State = change.StateScheduled // what Overlaps would say if it were booked
			if change.Overlaps(c, cis, from, to) {
				c, _ = s.Store.Get(ctx, c.ID)
				out = append(out, c)
			}
		}
	}
	booked, err := s.Store.Scheduled(ctx, cis, from, to)
	out = append(out, booked...)
	slices.SortFunc(out, func(a, b *change.Change) int { return strings.Compare(a.ID, b.ID) })
	return out, err
}

// ignoresContext drops the caller's ctx.
type ignoresContext struct{ *Store }

func (s ignoresContext) Get(_ context.Context, id string) (*change.Change, error) {
	return s.Store.Get(context.Background(), id)
}

func (s ignoresContext) Guard(_ context.Context, key string) (int64, error) {
	return s.Store.Guard(context.Background(), key)
}

func (s ignoresContext) Commit(_ context.Context, w lifecycle.Write[*change.Change]) error {
	return s.Store.Commit(context.Background(), w)
}

func (s ignoresContext) List(_ context.Context, f change.Filter) (change.Page, error) {
	return s.Store.List(context.Background(), f)
}

func (s ignoresContext) Scheduled(_ context.Context, cis []string, from, to time.Time) ([]*change.Change, error) {
	return s.Store.Scheduled(context.Background(), cis, from, to)
}

// ignoresScope lists every change whatever the filter's scope.
type ignoresScope struct{ *Store }

func (s ignoresScope) List(ctx context.Context, f change.Filter) (change.Page, error) {
	f.Scope = lifecycle.Scope{}
	return s.Store.List(ctx, f)
}

// brokenStores are the stores that break the change's own clauses.
var brokenStores = map[string]struct {
	make   func() change.Store
	clause string
}{
	"lossy":          {func() change.Store { return lossy{NewStore()} }, clauseRoundTrip},
	"uncapped":       {func() change.Store { return uncapped{NewStore()} }, "List: a page holds at most Limit records"},
	"unsorted":       {func() change.Store { return unsorted{NewStore()} }, "List: ordered by ID (byte-wise ascending)"},
	"unbookedToo":    {func() change.Store { return unbookedToo{NewStore()} }, clauseScheduled},
	"ignoresScope":   {func() change.Store { return ignoresScope{NewStore()} }, "List under a Scope returns exactly the records the scope holds"},
	"ignoresContext": {func() change.Store { return ignoresContext{NewStore()} }, "a call whose ctx is already canceled fails with an error matching ctx.Err() and writes nothing"},
}

// broken returns the broken store named name: one of brokenStores, or
// the in-memory store with the lifecycletest.Breakage of that name.
func broken(name string) change.Store {
	if b, ok := brokenStores[name]; ok {
		return b.make()
	}
	b, _ := lifecycletest.BreakageNamed(name)
	s := NewStore()
	return brokenStore{memory: memory{s}, RecordStore: lifecycletest.Break(s, key, b)}
}

// TestBrokenStoreHelper runs the suite on the broken store named by
// CHANGETEST_BROKEN. It is meant to fail, so it only runs in the child
// processes TestSuiteCatchesBrokenStores starts; otherwise it skips.
func TestBrokenStoreHelper(t *testing.T) {
	name := os.Getenv("CHANGETEST_BROKEN")
	if name == "" {
		t.Skip("run by TestSuiteCatchesBrokenStores in a child process")
	}
	TestStore(t, func(*testing.T) change.Store { return broken(name) })
}

// TestSuiteCatchesBrokenStores proves that TestStore can fail: it runs the
// suite on each broken store in a child process, which must fail and quote
// the broken clause.
func TestSuiteCatchesBrokenStores(t *testing.T) {
	clauses := map[string]string{}
	for name, b := range brokenStores {
		clauses[name] = "contract: " + b.clause
	}
	lifecycletest.CatchesBroken(t, "TestBrokenStoreHelper", "CHANGETEST_BROKEN", NewStore(), clauses)
}
