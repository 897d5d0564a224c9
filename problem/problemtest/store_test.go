package problemtest_test

import (
	"context"
	"errors"
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

func TestMemoryStoreHonoursCanceledContext(t *testing.T) {
	s := problemtest.NewStore()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p := problemtest.Fixture("PRB-1")
	if err := s.Commit(ctx, lifecycle.Write[*problem.Problem]{Record: p}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Create = %v, want context.Canceled", err)
	}
	if s.Len() != 0 {
		t.Fatalf("Create with a canceled context stored %d problems", s.Len())
	}
	if _, err := s.Get(ctx, "PRB-1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get = %v", err)
	}
	if err := s.Commit(ctx, lifecycle.Write[*problem.Problem]{Record: p, Expected: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Update = %v", err)
	}
	if _, err := s.List(ctx, problem.Filter{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("List = %v", err)
	}
	if _, err := s.SearchKnownErrors(ctx, problem.KnownErrorQuery{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("SearchKnownErrors = %v", err)
	}
}

// brokenStore is the in-memory store with the Get and Commit of
// lifecycletest.Break over it.
type brokenStore struct {
	*problemtest.Store
	broken lifecycle.RecordStore[*problem.Problem]
}

func (s brokenStore) Get(ctx context.Context, id string) (*problem.Problem, error) {
	return s.broken.Get(ctx, id)
}

func (s brokenStore) Commit(ctx context.Context, w lifecycle.Write[*problem.Problem]) error {
	return s.broken.Commit(ctx, w)
}

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

// breakages are the lifecycletest breakages the proof gives the store.
var breakages = map[string]lifecycletest.Breakage{
	"lossy":        lifecycletest.IgnoresExpected,
	"sharing":      lifecycletest.SharesMemory,
	"notfound":     lifecycletest.NotFoundAsConflict,
	"readblind":    lifecycletest.IgnoresReads,
	"bareNotFound": lifecycletest.BareNotFound,
	"dropsGuards":  lifecycletest.DropsGuards,
	"dropsHistory": lifecycletest.DropsHistory,
}

// broken returns the broken store named name.
func broken(name string) problem.Store {
	s := problemtest.NewStore()
	switch name {
	case "unsorted":
		return unsortedStore{s}
	case "search":
		return exactSearchStore{s}
	}
	key := func(p *problem.Problem) (string, int64) { return p.ID, p.Version }
	return brokenStore{s, lifecycletest.Break(s, key, breakages[name])}
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
	clauses := map[string]string{"unsorted": "ordered by ID", "search": "ignoring case"}
	for name, b := range breakages {
		clauses[name] = b.Clause()
	}
	lifecycletest.CatchesBroken(t, "TestBrokenStoreHelper", "PROBLEMTEST_BROKEN", clauses)
}
