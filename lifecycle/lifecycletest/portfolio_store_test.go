package lifecycletest_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

func TestMemoryPortfolioStore(t *testing.T) {
	lifecycletest.TestPortfolioStore(t, func(*testing.T) lifecycle.PortfolioStore {
		return lifecycletest.NewPortfolioStore()
	})
}

func TestMemoryImprovementStore(t *testing.T) {
	lifecycletest.TestImprovementStore(t, func(*testing.T) lifecycle.ImprovementStore {
		return lifecycletest.NewImprovementStore()
	})
}

// TestMemoryStoresRefuseGuards: the in-memory stores keep no guards, so a
// write that takes one is refused and stores nothing.
func TestMemoryStoresRefuseGuards(t *testing.T) {
	ctx := context.Background()
	svcs := lifecycletest.NewPortfolioStore()
	w := lifecycle.Write[*lifecycle.ITService]{Record: &lifecycle.ITService{ID: "SVC-1", Version: 1}}
	w.Reads.Guard("g", 0)
	if err := svcs.CommitService(ctx, w); err == nil {
		t.Fatal("a service write with a guard was stored")
	}
	if _, err := svcs.GetService(ctx, "SVC-1"); !errors.Is(err, lifecycle.ErrNotFound) {
		t.Fatalf("GetService after a refused write: %v", err)
	}
	imps := lifecycletest.NewImprovementStore()
	x := lifecycle.Write[*lifecycle.Improvement]{Record: &lifecycle.Improvement{ID: "CSI-1", Version: 1}}
	x.Reads.Guard("g", 0)
	if err := imps.CommitImprovement(ctx, x); err == nil {
		t.Fatal("an improvement write with a guard was stored")
	}
	if _, ok := any(svcs).(lifecycle.GuardReader); ok {
		t.Error("the service store reads guards it does not keep")
	}
	if _, ok := any(imps).(lifecycle.GuardReader); ok {
		t.Error("the improvement store reads guards it does not keep")
	}
}

// Broken stores, each breaking one clause of the PortfolioStore or
// ImprovementStore contract. TestSuitesCatchBrokenStores shows that the
// suites fail every one of them and quote the clause it breaks.

// brokenServices is the in-memory portfolio with the Get and Commit of
// lifecycletest.Break over its GetService and CommitService.
type brokenServices struct {
	*lifecycletest.PortfolioStore
	broken lifecycle.RecordStore[*lifecycle.ITService]
}

func (s brokenServices) GetService(ctx context.Context, id string) (*lifecycle.ITService, error) {
	return s.broken.Get(ctx, id)
}

func (s brokenServices) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	return s.broken.Commit(ctx, w)
}

// services is the in-memory portfolio as a lifecycle.RecordStore.
type services struct{ *lifecycletest.PortfolioStore }

func (s services) Get(ctx context.Context, id string) (*lifecycle.ITService, error) {
	return s.GetService(ctx, id)
}

func (s services) Commit(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	return s.CommitService(ctx, w)
}

// brokenImprovements is brokenServices for the register.
type brokenImprovements struct {
	*lifecycletest.ImprovementStore
	broken lifecycle.RecordStore[*lifecycle.Improvement]
}

func (s brokenImprovements) GetImprovement(ctx context.Context, id string) (*lifecycle.Improvement, error) {
	return s.broken.Get(ctx, id)
}

func (s brokenImprovements) CommitImprovement(ctx context.Context, w lifecycle.Write[*lifecycle.Improvement]) error {
	return s.broken.Commit(ctx, w)
}

// improvements is the in-memory register as a lifecycle.RecordStore.
type improvements struct {
	*lifecycletest.ImprovementStore
}

func (s improvements) Get(ctx context.Context, id string) (*lifecycle.Improvement, error) {
	return s.GetImprovement(ctx, id)
}

func (s improvements) Commit(ctx context.Context, w lifecycle.Write[*lifecycle.Improvement]) error {
	return s.CommitImprovement(ctx, w)
}

// unsorted returns ListServices pages in descending ID order.
type unsorted struct{ *lifecycletest.PortfolioStore }

func (s unsorted) ListServices(ctx context.Context, f lifecycle.ServiceFilter) (lifecycle.ServicePage, error) {
	p, err := s.PortfolioStore.ListServices(ctx, f)
	slices.Reverse(p.Services)
	return p, err
}

// TestBrokenPortfolioStoreHelper runs the suite on the broken store named
// by LIFECYCLETEST_BROKEN_SERVICES (unsorted, or the portfolio with the
// lifecycletest.Breakage of that name) or LIFECYCLETEST_BROKEN_IMPROVEMENTS
// (the register with that breakage). It is meant to fail, so it only runs
// in the child processes TestSuitesCatchBrokenStores starts; otherwise it
// skips.
func TestBrokenPortfolioStoreHelper(t *testing.T) {
	svc, imp := os.Getenv("LIFECYCLETEST_BROKEN_SERVICES"), os.Getenv("LIFECYCLETEST_BROKEN_IMPROVEMENTS")
	switch {
	case svc == "unsorted":
		lifecycletest.TestPortfolioStore(t, func(*testing.T) lifecycle.PortfolioStore {
			return unsorted{lifecycletest.NewPortfolioStore()}
		})
	case svc != "":
		b, _ := lifecycletest.BreakageNamed(svc)
		lifecycletest.TestPortfolioStore(t, func(*testing.T) lifecycle.PortfolioStore {
			s := lifecycletest.NewPortfolioStore()
			return brokenServices{s, lifecycletest.Break(services{s}, serviceKey, b)}
		})
	case imp != "":
		b, _ := lifecycletest.BreakageNamed(imp)
		lifecycletest.TestImprovementStore(t, func(*testing.T) lifecycle.ImprovementStore {
			s := lifecycletest.NewImprovementStore()
			return brokenImprovements{s, lifecycletest.Break(improvements{s}, improvementKey, b)}
		})
	default:
		t.Skip("run by TestSuitesCatchBrokenStores in a child process")
	}
}

func serviceKey(s *lifecycle.ITService) (string, int64) { return s.ID, s.Version }

func improvementKey(x *lifecycle.Improvement) (string, int64) { return x.ID, x.Version }

// TestSuitesCatchBrokenStores proves that TestPortfolioStore and
// TestImprovementStore can fail: each broken store runs its suite in a
// child process, which must fail and quote the broken clause.
func TestSuitesCatchBrokenStores(t *testing.T) {
	t.Run("services", func(t *testing.T) {
		lifecycletest.CatchesBroken(t, "TestBrokenPortfolioStoreHelper", "LIFECYCLETEST_BROKEN_SERVICES",
			services{lifecycletest.NewPortfolioStore()}, map[string]string{"unsorted": "contract: List: ordered by ID (byte-wise ascending)"})
	})
	t.Run("improvements", func(t *testing.T) {
		lifecycletest.CatchesBroken(t, "TestBrokenPortfolioStoreHelper", "LIFECYCLETEST_BROKEN_IMPROVEMENTS",
			improvements{lifecycletest.NewImprovementStore()}, nil)
	})
}
