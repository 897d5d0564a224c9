package incidenttest_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

func TestMemoryStore(t *testing.T) {
	incidenttest.TestStore(t, func(*testing.T) incident.Store { return incidenttest.NewStore() })
}

func TestMemoryStoreHonoursContext(t *testing.T) {
	s := incidenttest.NewStore()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	x := &incident.Incident{ID: "INC-1", Version: 1, State: incident.StateNew, Title: "t"}
	if err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: x}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit with a canceled context: %v", err)
	}
	if s.Len() != 0 {
		t.Fatal("Commit with a canceled context stored the incident")
	}
	if _, err := s.Get(ctx, "INC-1"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Get: %v", err)
	}
	if err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: x, Expected: 1}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Commit over version 1: %v", err)
	}
	if _, err := s.List(ctx, incident.Filter{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("List: %v", err)
	}
	if _, err := s.ResolvedBefore(ctx, time.Now(), 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("ResolvedBefore: %v", err)
	}
}

// brokenStore is the in-memory store with the Get and Commit of
// lifecycletest.Break over it.
type brokenStore struct {
	*incidenttest.Store
	broken lifecycle.RecordStore[*incident.Incident]
}

func (s brokenStore) Get(ctx context.Context, id string) (*incident.Incident, error) {
	return s.broken.Get(ctx, id)
}

func (s brokenStore) Commit(ctx context.Context, w lifecycle.Write[*incident.Incident]) error {
	return s.broken.Commit(ctx, w)
}

// noPaging ignores Limit and After.
type noPaging struct{ *incidenttest.Store }

func (s noPaging) List(ctx context.Context, f incident.Filter) (incident.Page, error) {
	f.Limit, f.After = incident.MaxLimit, ""
	p, err := s.Store.List(ctx, f)
	p.Next = ""
	return p, err
}

// breakages are the lifecycletest breakages the proof gives the store.
var breakages = map[string]lifecycletest.Breakage{
	"lastWriterWins":     lifecycletest.IgnoresExpected,
	"sharing":            lifecycletest.SharesMemory,
	"bareNotFound":       lifecycletest.BareNotFound,
	"notFoundAsConflict": lifecycletest.NotFoundAsConflict,
	"readBlind":          lifecycletest.IgnoresReads,
	"dropsGuards":        lifecycletest.DropsGuards,
	"dropsHistory":       lifecycletest.DropsHistory,
}

// broken returns the broken store named name.
func broken(name string) incident.Store {
	s := incidenttest.NewStore()
	if name == "noPaging" {
		return noPaging{s}
	}
	key := func(x *incident.Incident) (string, int64) { return x.ID, x.Version }
	return brokenStore{s, lifecycletest.Break(s, key, breakages[name])}
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
	clauses := map[string]string{"noPaging": "List: a page holds at most Limit records"}
	for name, b := range breakages {
		clauses[name] = b.Clause()
	}
	lifecycletest.CatchesBroken(t, "TestBrokenStoreHelper", "INCIDENTTEST_BROKEN", clauses)
}
