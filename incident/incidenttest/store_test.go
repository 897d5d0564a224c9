package incidenttest_test

import (
	"context"
	"os"
	"testing"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

func TestMemoryStore(t *testing.T) {
	incidenttest.TestStore(t, func(*testing.T) incident.Store { return incidenttest.NewStore() })
}

// brokenStore is the in-memory store (memory) under the Get and Commit of
// a lifecycletest.Break.
type brokenStore struct {
	lifecycle.RecordStore[*incident.Incident]
	memory
}

type memory struct{ *incidenttest.Store }

// noPaging ignores Limit and After.
type noPaging struct{ *incidenttest.Store }

func (s noPaging) List(ctx context.Context, f incident.Filter) (incident.Page, error) {
	f.Limit, f.After = incident.MaxLimit, ""
	p, err := s.Store.List(ctx, f)
	p.Next = ""
	return p, err
}

// ignoresScope lists every record whatever the filter's scope.
type ignoresScope struct{ *incidenttest.Store }

func (s ignoresScope) List(ctx context.Context, f incident.Filter) (incident.Page, error) {
	f.Scope = lifecycle.Scope{}
	return s.Store.List(ctx, f)
}

// broken returns the broken store named name: noPaging, ignoresScope, or the in-memory
// store with the lifecycletest.Breakage of that name.
func broken(name string) incident.Store {
	s := incidenttest.NewStore()
	if name == "ignoresScope" {
		return ignoresScope{s}
	}
	b, ok := lifecycletest.BreakageNamed(name)
	if !ok {
		return noPaging{s}
	}
	key := func(x *incident.Incident) (string, int64) { return x.ID, x.Version }
	return brokenStore{memory: memory{s}, RecordStore: lifecycletest.Break(s, key, b)}
}

// TestBrokenStoreHelper runs TestStore on a broken store when asked to by
// TestConformanceCatchesBrokenStores (in a child process, since it must
// fail).
func TestBrokenStoreHelper(t *testing.T) {
	name := os.Getenv("INCIDENTTEST_BROKEN")
	if name == "" {
		t.Skip("run by TestConformanceCatchesBrokenStores")
	}
	incidenttest.TestStore(t, func(*testing.T) incident.Store { return broken(name) })
}

func TestConformanceCatchesBrokenStores(t *testing.T) {
	lifecycletest.CatchesBroken(t, "TestBrokenStoreHelper", "INCIDENTTEST_BROKEN", incidenttest.NewStore(),
		map[string]string{"noPaging": "List: a page holds at most Limit records", "ignoresScope": "List under a Scope returns exactly the records the scope holds"})
}
