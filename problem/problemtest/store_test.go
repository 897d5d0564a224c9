package problemtest_test

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

func TestMemoryStore(t *testing.T) {
	problemtest.TestStore(t, func(*testing.T) problem.Store { return problemtest.NewStore() })
}

// brokenStore is the in-memory store (memory) under the Get and Commit of
// a lifecycletest.Break.
type brokenStore struct {
	lifecycle.RecordStore[*problem.Problem]
	memory
}

type memory struct{ *problemtest.Store }

// unsortedStore returns List pages newest-ID-first.
type unsortedStore struct{ *problemtest.Store }

func (u unsortedStore) List(ctx context.Context, f problem.Filter) (problem.Page, error) {
	page, err := u.Store.List(ctx, f)
	slices.Reverse(page.Problems)
	return page, err
}

// exactSearchStore matches search text case-sensitively.
type exactSearchStore struct{ *problemtest.Store }

func (e exactSearchStore) SearchKnownErrors(ctx context.Context, q problem.KnownErrorQuery) ([]*problem.Problem, error) {
	all, err := e.Store.SearchKnownErrors(ctx, problem.KnownErrorQuery{Service: q.Service, ConfigItem: q.ConfigItem, Limit: q.Limit})
	var out []*problem.Problem
	for _, p := range all {
		if q.Text == "" || strings.Contains(p.Title+p.KnownError.Symptom+p.KnownError.RootCause+p.KnownError.Workaround, q.Text) {
			out = append(out, p)
		}
	}
	return out, err
}

// broken returns the broken store named name: unsorted, search, or the
// in-memory store with the lifecycletest.Breakage of that name.
// ignoresScope lists every problem whatever the filter's scope.
type ignoresScope struct{ *problemtest.Store }

func (s ignoresScope) List(ctx context.Context, f problem.Filter) (problem.Page, error) {
	f.Scope = lifecycle.Scope{}
	return s.Store.List(ctx, f)
}

func broken(name string) problem.Store {
	s := problemtest.NewStore()
	switch name {
	case "unsorted":
		return unsortedStore{s}
	case "search":
		return exactSearchStore{s}
	case "ignoresScope":
		return ignoresScope{s}
	}
	b, _ := lifecycletest.BreakageNamed(name)
	key := func(p *problem.Problem) (string, int64) { return p.ID, p.Version }
	return brokenStore{memory: memory{s}, RecordStore: lifecycletest.Break(s, key, b)}
}

// TestBrokenStoreHelper runs the suite on the broken store named by
// PROBLEMTEST_BROKEN; it is skipped unless TestSuiteCatchesBrokenStores
// starts it in a child process.
func TestBrokenStoreHelper(t *testing.T) {
	name := os.Getenv("PROBLEMTEST_BROKEN")
	if name == "" {
		t.Skip("run by TestSuiteCatchesBrokenStores")
	}
	problemtest.TestStore(t, func(*testing.T) problem.Store { return broken(name) })
}

func TestSuiteCatchesBrokenStores(t *testing.T) {
	lifecycletest.CatchesBroken(t, "TestBrokenStoreHelper", "PROBLEMTEST_BROKEN", problemtest.NewStore(),
		map[string]string{"unsorted": "ordered by ID", "search": "ignoring case", "ignoresScope": "List under a Scope returns exactly the records the scope holds"})
}
