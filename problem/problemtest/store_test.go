package problemtest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
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

// Broken stores, each breaking one clause of the contract. The suite must
// fail on every one of them and quote the clause.

// lossyStore ignores the expected version (last writer wins).
type lossyStore struct{ *problemtest.Store }

func (l lossyStore) Commit(ctx context.Context, w lifecycle.Write[*problem.Problem]) error {
	if cur, err := l.Store.Get(ctx, w.Record.ID); err == nil && w.Expected != 0 {
		w.Expected = cur.Version
	}
	return l.Store.Commit(ctx, w)
}

// sharingStore keeps and hands out the caller's pointers.
type sharingStore struct {
	*problemtest.Store
	mu sync.Mutex
	m  map[string]*problem.Problem
}

func (s *sharingStore) Commit(ctx context.Context, w lifecycle.Write[*problem.Problem]) error {
	if err := s.Store.Commit(ctx, w); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[w.Record.ID] = w.Record
	return nil
}

func (s *sharingStore) Get(ctx context.Context, id string) (*problem.Problem, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.m[id]; ok {
		return p, nil
	}
	return s.Store.Get(ctx, id)
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

// notFoundAsConflict reports a missing record on an update as a conflict.
type notFoundAsConflict struct{ *problemtest.Store }

func (n notFoundAsConflict) Commit(ctx context.Context, w lifecycle.Write[*problem.Problem]) error {
	err := n.Store.Commit(ctx, w)
	if errors.Is(err, lifecycle.ErrNotFound) {
		return lifecycle.Conflict(problem.Process, w.Record.ID, w.Expected, 0)
	}
	return err
}

// readBlindStore ignores the read set of every write.
type readBlindStore struct{ *problemtest.Store }

func (r readBlindStore) Commit(ctx context.Context, w lifecycle.Write[*problem.Problem]) error {
	w.Reads = lifecycle.ReadSet{}
	return r.Store.Commit(ctx, w)
}

// bareNotFound reports an unknown problem with an untyped error.
type bareNotFound struct{ *problemtest.Store }

func (b bareNotFound) Get(ctx context.Context, id string) (*problem.Problem, error) {
	p, err := b.Store.Get(ctx, id)
	if errors.Is(err, lifecycle.ErrNotFound) {
		return nil, fmt.Errorf("no problem %s", id)
	}
	return p, err
}

// dropsHistory keeps the history of creates only.
type dropsHistory struct{ *problemtest.Store }

func (d dropsHistory) Commit(ctx context.Context, w lifecycle.Write[*problem.Problem]) error {
	if w.Expected > 0 {
		w.History = nil
	}
	return d.Store.Commit(ctx, w)
}

var brokenStores = map[string]struct {
	make   func() problem.Store
	clause string
}{
	"lossy": {func() problem.Store { return lossyStore{problemtest.NewStore()} }, "Commit: a stored version other than Expected is an error matching ErrConflict"},
	"sharing": {func() problem.Store {
		return &sharingStore{Store: problemtest.NewStore(), m: map[string]*problem.Problem{}}
	}, "values are copied in: mutating an argument after the call changes nothing stored"},
	"unsorted":     {func() problem.Store { return unsortedStore{problemtest.NewStore()} }, "ordered by ID"},
	"search":       {func() problem.Store { return exactSearchStore{problemtest.NewStore()} }, "ignoring case"},
	"notfound":     {func() problem.Store { return notFoundAsConflict{problemtest.NewStore()} }, "Commit with Expected > 0: an unknown ID is an error matching ErrNotFound"},
	"readblind":    {func() problem.Store { return readBlindStore{problemtest.NewStore()} }, "a record of the read set whose version changed"},
	"bareNotFound": {func() problem.Store { return bareNotFound{problemtest.NewStore()} }, "Get: an unknown ID is an error matching ErrNotFound"},
	"dropsHistory": {func() problem.Store { return dropsHistory{problemtest.NewStore()} }, "Commit appends w.History after the stored records"},
}

// TestBrokenStoreHelper runs the suite on the broken store named by
// PROBLEMTEST_BROKEN; it is skipped unless TestSuiteCatchesBrokenStores
// starts it in a child process.
func TestBrokenStoreHelper(t *testing.T) {
	b, ok := brokenStores[os.Getenv("PROBLEMTEST_BROKEN")]
	if !ok {
		t.Skip("run by TestSuiteCatchesBrokenStores")
	}
	problemtest.TestStore(t, func(*testing.T) problem.Store { return b.make() })
}

func TestSuiteCatchesBrokenStores(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	for name, b := range brokenStores {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenStoreHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), "PROBLEMTEST_BROKEN="+name)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a store that breaks %q:\n%s", b.clause, out)
			}
			if !strings.Contains(string(out), b.clause) {
				t.Fatalf("the suite failed without quoting %q:\n%s", b.clause, out)
			}
		})
	}
}
