package lifecycletest_test

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

// lastWriterWins commits a service over whatever version is stored.
type lastWriterWins struct{ *lifecycletest.PortfolioStore }

func (s lastWriterWins) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	if cur, err := s.GetService(ctx, w.Record.ID); err == nil && w.Expected != 0 {
		w.Expected = cur.Version
	}
	return s.PortfolioStore.CommitService(ctx, w)
}

// notFoundAsConflict reports an update of a missing service as a
// conflict.
type notFoundAsConflict struct{ *lifecycletest.PortfolioStore }

func (s notFoundAsConflict) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	err := s.PortfolioStore.CommitService(ctx, w)
	if errors.Is(err, lifecycle.ErrNotFound) {
		return lifecycle.Conflict(lifecycle.ProcessService, w.Record.ID, w.Expected, 0)
	}
	return err
}

// sharing keeps the caller's pointer on CommitService and hands it out on
// GetService.
type sharing struct {
	*lifecycletest.PortfolioStore
	mu   sync.Mutex
	kept map[string]*lifecycle.ITService
}

func (s *sharing) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	if err := s.PortfolioStore.CommitService(ctx, w); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kept[w.Record.ID] = w.Record
	return nil
}

func (s *sharing) GetService(ctx context.Context, id string) (*lifecycle.ITService, error) {
	s.mu.Lock()
	x, ok := s.kept[id]
	s.mu.Unlock()
	if ok {
		return x, nil
	}
	return s.PortfolioStore.GetService(ctx, id)
}

// bareNotFound reports an unknown service with an error that matches no
// sentinel.
type bareNotFound struct{ *lifecycletest.PortfolioStore }

func (s bareNotFound) GetService(ctx context.Context, id string) (*lifecycle.ITService, error) {
	x, err := s.PortfolioStore.GetService(ctx, id)
	if errors.Is(err, lifecycle.ErrNotFound) {
		return nil, fmt.Errorf("no service %s", id)
	}
	return x, err
}

// unsorted returns ListServices pages in descending ID order.
type unsorted struct{ *lifecycletest.PortfolioStore }

func (s unsorted) ListServices(ctx context.Context, f lifecycle.ServiceFilter) (lifecycle.ServicePage, error) {
	p, err := s.PortfolioStore.ListServices(ctx, f)
	slices.Reverse(p.Services)
	return p, err
}

// servicesIgnoreReads commits on the service's own version alone,
// whatever the write's rules read: the store that lets write skew through.
type servicesIgnoreReads struct{ *lifecycletest.PortfolioStore }

func (s servicesIgnoreReads) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	w.Reads = lifecycle.ReadSet{}
	return s.PortfolioStore.CommitService(ctx, w)
}

// servicesDropGuards drops the guards of a write instead of refusing it.
type servicesDropGuards struct{ *lifecycletest.PortfolioStore }

func (s servicesDropGuards) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	w.Reads.Guards = nil
	return s.PortfolioStore.CommitService(ctx, w)
}

// improvementsIgnoreReads is servicesIgnoreReads for the register.
type improvementsIgnoreReads struct {
	*lifecycletest.ImprovementStore
}

func (s improvementsIgnoreReads) CommitImprovement(ctx context.Context, w lifecycle.Write[*lifecycle.Improvement]) error {
	w.Reads = lifecycle.ReadSet{}
	return s.ImprovementStore.CommitImprovement(ctx, w)
}

// improvementsLastWriterWins is lastWriterWins for the register.
type improvementsLastWriterWins struct {
	*lifecycletest.ImprovementStore
}

func (s improvementsLastWriterWins) CommitImprovement(ctx context.Context, w lifecycle.Write[*lifecycle.Improvement]) error {
	if cur, err := s.GetImprovement(ctx, w.Record.ID); err == nil && w.Expected != 0 {
		w.Expected = cur.Version
	}
	return s.ImprovementStore.CommitImprovement(ctx, w)
}

// improvementsDropGuards is servicesDropGuards for the register.
type improvementsDropGuards struct {
	*lifecycletest.ImprovementStore
}

func (s improvementsDropGuards) CommitImprovement(ctx context.Context, w lifecycle.Write[*lifecycle.Improvement]) error {
	w.Reads.Guards = nil
	return s.ImprovementStore.CommitImprovement(ctx, w)
}

// Quoted clauses of TestCommitter and of the suites' own subtests.
const (
	quoteStale    = "Commit: a stored version other than Expected is an error matching ErrConflict"
	quoteNotFound = "Commit with Expected > 0: an unknown ID is an error matching ErrNotFound"
	quoteGet      = "Get: an unknown ID is an error matching ErrNotFound"
	quoteCopyOut  = "values are copied out: mutating a returned value changes nothing stored"
	quoteOrder    = "List: ordered by ID (byte-wise ascending)"
	quoteReads    = "Commit: a record of the read set whose version changed is a read conflict"
	quoteNoGuards = "Commit: a store that keeps no guards refuses a write whose read set has any"
)

var brokenPortfolioStores = map[string]struct {
	services     func() lifecycle.PortfolioStore
	improvements func() lifecycle.ImprovementStore
	clause       string
}{
	"lastWriterWins": {services: func() lifecycle.PortfolioStore {
		return lastWriterWins{lifecycletest.NewPortfolioStore()}
	}, clause: quoteStale},
	"notFoundAsConflict": {services: func() lifecycle.PortfolioStore {
		return notFoundAsConflict{lifecycletest.NewPortfolioStore()}
	}, clause: quoteNotFound},
	"sharing": {services: func() lifecycle.PortfolioStore {
		return &sharing{PortfolioStore: lifecycletest.NewPortfolioStore(), kept: map[string]*lifecycle.ITService{}}
	}, clause: quoteCopyOut},
	"bareNotFound": {services: func() lifecycle.PortfolioStore {
		return bareNotFound{lifecycletest.NewPortfolioStore()}
	}, clause: quoteGet},
	"unsorted": {services: func() lifecycle.PortfolioStore {
		return unsorted{lifecycletest.NewPortfolioStore()}
	}, clause: quoteOrder},
	"servicesIgnoreReads": {services: func() lifecycle.PortfolioStore {
		return servicesIgnoreReads{lifecycletest.NewPortfolioStore()}
	}, clause: quoteReads},
	"servicesDropGuards": {services: func() lifecycle.PortfolioStore {
		return servicesDropGuards{lifecycletest.NewPortfolioStore()}
	}, clause: quoteNoGuards},
	"improvementsIgnoreReads": {improvements: func() lifecycle.ImprovementStore {
		return improvementsIgnoreReads{lifecycletest.NewImprovementStore()}
	}, clause: quoteReads},
	"improvementsLastWriterWins": {improvements: func() lifecycle.ImprovementStore {
		return improvementsLastWriterWins{lifecycletest.NewImprovementStore()}
	}, clause: quoteStale},
	"improvementsDropGuards": {improvements: func() lifecycle.ImprovementStore {
		return improvementsDropGuards{lifecycletest.NewImprovementStore()}
	}, clause: quoteNoGuards},
}

// TestBrokenPortfolioStoreHelper runs the suite on the broken store named
// by LIFECYCLETEST_BROKEN_PORTFOLIO. It is meant to fail, so it only runs
// in the child processes TestSuitesCatchBrokenStores starts; otherwise it
// skips.
func TestBrokenPortfolioStoreHelper(t *testing.T) {
	b, ok := brokenPortfolioStores[os.Getenv("LIFECYCLETEST_BROKEN_PORTFOLIO")]
	switch {
	case !ok:
		t.Skip("run by TestSuitesCatchBrokenStores in a child process")
	case b.services != nil:
		lifecycletest.TestPortfolioStore(t, func(*testing.T) lifecycle.PortfolioStore { return b.services() })
	default:
		lifecycletest.TestImprovementStore(t, func(*testing.T) lifecycle.ImprovementStore { return b.improvements() })
	}
}

// TestSuitesCatchBrokenStores proves that TestPortfolioStore and
// TestImprovementStore can fail: each broken store runs its suite in a
// child process, which must fail and quote the broken clause.
func TestSuitesCatchBrokenStores(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	for name, b := range brokenPortfolioStores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenPortfolioStoreHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), "LIFECYCLETEST_BROKEN_PORTFOLIO="+name)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("the suite passed a store that breaks %q (err %v):\n%s", b.clause, err, out)
			}
			if !strings.Contains(string(out), "contract: "+b.clause) {
				t.Fatalf("the suite failed without quoting %q:\n%s", b.clause, out)
			}
		})
	}
}
