package requesttest_test

import (
	"context"
	"os"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/request"
	"github.com/itsmkit/itsm/request/requesttest"
)

func TestMemoryStore(t *testing.T) {
	requesttest.TestStore(t, func(*testing.T) request.Store { return requesttest.NewStore() })
}

// brokenStore is the in-memory store under the Get and Commit of a
// lifecycletest.Break.
type brokenStore struct {
	lifecycle.RecordStore[*request.Request]
	memory
}

type memory struct{ *requesttest.Store }

// ignoresApprover lists requests whatever the filter's approver says.
type ignoresApprover struct{ *requesttest.Store }

func (s ignoresApprover) List(ctx context.Context, f request.Filter) (request.Page, error) {
	f.Approver = ""
	return s.Store.List(ctx, f)
}

// ignoresScope lists every request whatever the filter's scope.
type ignoresScope struct{ *requesttest.Store }

func (s ignoresScope) List(ctx context.Context, f request.Filter) (request.Page, error) {
	f.Scope = lifecycle.Scope{}
	return s.Store.List(ctx, f)
}

func broken(name string) request.Store {
	s := requesttest.NewStore()
	switch name {
	case "ignoresApprover":
		return ignoresApprover{s}
	case "ignoresScope":
		return ignoresScope{s}
	}
	b, _ := lifecycletest.BreakageNamed(name)
	key := func(r *request.Request) (string, int64) { return r.ID, r.Version }
	return brokenStore{memory: memory{s}, RecordStore: lifecycletest.Break(s, key, b)}
}

// TestBrokenStoreHelper runs the suite on the broken store named by
// REQUESTTEST_BROKEN, in the child processes that
// TestSuiteCatchesBrokenStores starts.
func TestBrokenStoreHelper(t *testing.T) {
	name := os.Getenv("REQUESTTEST_BROKEN")
	if name == "" {
		t.Skip("run by TestSuiteCatchesBrokenStores")
	}
	requesttest.TestStore(t, func(*testing.T) request.Store { return broken(name) })
}

func TestSuiteCatchesBrokenStores(t *testing.T) {
	lifecycletest.CatchesBroken(t, "TestBrokenStoreHelper", "REQUESTTEST_BROKEN", requesttest.NewStore(), map[string]string{
		"ignoresApprover": "List returns exactly the requests matching the filter",
		"ignoresScope":    "List under a Scope returns exactly the records the scope holds",
	})
}
