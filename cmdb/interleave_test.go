package cmdb_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/itsmkit/itsm/cmdb"
	"github.com/itsmkit/itsm/cmdb/cmdbtest"
	"github.com/itsmkit/itsm/lifecycle"
)

// interleavings is how many times each interleaving test races its
// operations.
const interleavings = 200

// newRaceService returns a service over a new in-memory store.
func newRaceService(t *testing.T, cfg cmdb.Config) (*cmdb.Service, *cmdbtest.Store) {
	t.Helper()
	store := cmdbtest.NewStore()
	cfg.Store = store
	svc, err := cmdb.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return svc, store
}

// create records a CI of class in status, failing the test if refused.
func create(t *testing.T, svc *cmdb.Service, class string, status cmdb.Status) *cmdb.CI {
	t.Helper()
	c, err := svc.Create(ctx, ann, cmdb.NewCI{Class: class, Name: "a " + class, Status: status})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// race runs each of fs in its own goroutine, released together, and
// returns their errors in order.
func race(fs ...func() error) []error {
	errs := make([]error, len(fs))
	var start, done sync.WaitGroup
	start.Add(1)
	for i, f := range fs {
		done.Go(func() {
			start.Wait()
			errs[i] = f()
		})
	}
	start.Done()
	done.Wait()
	return errs
}

// isDuplicate reports whether err refuses a relationship that exists.
func isDuplicate(err error) bool {
	var v *lifecycle.ValidationError
	return errors.As(err, &v) && v.Field == "relationship"
}

// TestConcurrentRelateOfOneRelationship: of many concurrent Relates of
// the same (parent, type, child), exactly one succeeds, every other is
// refused as a duplicate, and one relationship is stored.
func TestConcurrentRelateOfOneRelationship(t *testing.T) {
	const writers = 8
	for run := range interleavings / 4 {
		svc, store := newRaceService(t, cmdb.Config{})
		app := create(t, svc, cmdb.ClassApplication, cmdb.StatusOperational)
		db := create(t, svc, cmdb.ClassDatabase, cmdb.StatusOperational)
		var fs []func() error
		for range writers {
			fs = append(fs, func() error {
				_, err := svc.Do(ctx, ann, cmdb.Relate{ID: app.ID, Type: cmdb.TypeDependsOn, Child: db.ID})
				return err
			})
		}
		won := 0
		for _, err := range race(fs...) {
			switch {
			case err == nil:
				won++
			case !isDuplicate(err):
				t.Fatalf("run %d: a losing Relate returned %v, want the duplicate refusal", run, err)
			}
		}
		if won != 1 {
			t.Fatalf("run %d: %d of %d Relates succeeded, want 1", run, won, writers)
		}
		rels, err := store.Related(ctx, []string{db.ID})
		if err != nil || len(rels) != 1 {
			t.Fatalf("run %d: %d relationships stored (%v), want 1", run, len(rels), err)
		}
		got, err := svc.Get(ctx, app.ID)
		if err != nil || len(got.Relationships) != 1 || got.Version != 2 {
			t.Fatalf("run %d: the parent holds %d relationships at version %d (%v), want 1 at version 2", run, len(got.Relationships), got.Version, err)
		}
	}
}

// checkNoRetiredDependency fails unless every CI in service among ids
// depends on no retired CI (one step against the flow of impact), save
// where allowed says so.
func checkNoRetiredDependency(t *testing.T, svc *cmdb.Service, run int, ids ...string) {
	t.Helper()
	for _, id := range ids {
		c, err := svc.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Status.InService() {
			continue
		}
		deps, err := svc.Dependencies(ctx, cmdb.ImpactQuery{From: []string{id}, Depth: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range deps.CIs {
			if d.Status == cmdb.StatusRetired {
				t.Fatalf("run %d: %s is %s and depends on %s, which is retired", run, id, c.Status, d.ID)
			}
		}
	}
}

// TestRetireRacesNewDependent: retiring a CI while an operational CI is
// related to it as a dependent never ends with the dependent depending
// on the retired CI: one of the two is refused. Both orders occur.
func TestRetireRacesNewDependent(t *testing.T) {
	for _, c := range []struct {
		name          string
		parentIsChild bool // the dependent is the relationship's child (contains)
	}{{"DependsOn", false}, {"Contains", true}} {
		t.Run(c.name, func(t *testing.T) {
			outcomes := map[string]int{}
			for run := range interleavings {
				svc, _ := newRaceService(t, cmdb.Config{})
				x := create(t, svc, cmdb.ClassServer, cmdb.StatusOperational)
				dep := create(t, svc, cmdb.ClassVM, cmdb.StatusOperational)
				relate := cmdb.Relate{ID: dep.ID, Type: cmdb.TypeDependsOn, Child: x.ID}
				if c.parentIsChild {
					relate = cmdb.Relate{ID: x.ID, Type: cmdb.TypeContains, Child: dep.ID}
				}
				errs := race(
					func() error { _, err := svc.Do(ctx, ann, cmdb.Retire{ID: x.ID}); return err },
					func() error { _, err := svc.Do(ctx, ann, relate); return err },
				)
				switch {
				case errs[0] == nil && errs[1] != nil:
					outcomes["retired, relate refused"]++
				case errs[0] != nil && errs[1] == nil:
					if !errors.Is(errs[0], cmdb.ErrInUse) {
						t.Fatalf("run %d: the refused Retire returned %v, want ErrInUse", run, errs[0])
					}
					outcomes["related, retire refused"]++
				default:
					t.Fatalf("run %d: retire %v, relate %v: want exactly one refused", run, errs[0], errs[1])
				}
				checkNoRetiredDependency(t, svc, run, dep.ID)
			}
			t.Logf("outcomes: %v", outcomes)
		})
	}
}

// TestRetireRacesDependentOperating: retiring a CI while a dependent
// that is only installed is put in service never ends with the dependent
// in service depending on the retired CI.
func TestRetireRacesDependentOperating(t *testing.T) {
	for _, c := range []struct {
		name          string
		parentIsChild bool
	}{{"DependsOn", false}, {"Contains", true}} {
		t.Run(c.name, func(t *testing.T) {
			outcomes := map[string]int{}
			for run := range interleavings {
				svc, _ := newRaceService(t, cmdb.Config{})
				x := create(t, svc, cmdb.ClassServer, cmdb.StatusOperational)
				dep := create(t, svc, cmdb.ClassVM, cmdb.StatusInstalled)
				relate := cmdb.Relate{ID: dep.ID, Type: cmdb.TypeDependsOn, Child: x.ID}
				if c.parentIsChild {
					relate = cmdb.Relate{ID: x.ID, Type: cmdb.TypeContains, Child: dep.ID}
				}
				if _, err := svc.Do(ctx, ann, relate); err != nil {
					t.Fatal(err)
				}
				errs := race(
					func() error { _, err := svc.Do(ctx, ann, cmdb.Retire{ID: x.ID}); return err },
					func() error { _, err := svc.Do(ctx, ann, cmdb.Operate{ID: dep.ID}); return err },
				)
				outcomes[fmt.Sprintf("retire %v, operate %v", errs[0] == nil, errs[1] == nil)]++
				switch {
				case errs[0] == nil && errs[1] == nil:
					t.Fatalf("run %d: both the retirement and the dependent's operation were stored", run)
				case errs[0] != nil && !errors.Is(errs[0], cmdb.ErrInUse):
					t.Fatalf("run %d: the refused Retire returned %v, want ErrInUse", run, errs[0])
				case errs[1] != nil && !errors.Is(errs[1], cmdb.ErrRetiredDependency):
					t.Fatalf("run %d: the refused Operate returned %v, want ErrRetiredDependency", run, errs[1])
				}
				checkNoRetiredDependency(t, svc, run, dep.ID)
			}
			t.Logf("outcomes: %v", outcomes)
		})
	}
}

// TestOperateRefusedOverRetired: a CI that depends on a retired CI is
// not put in service.
func TestOperateRefusedOverRetired(t *testing.T) {
	svc, _ := newRaceService(t, cmdb.Config{})
	x := create(t, svc, cmdb.ClassServer, cmdb.StatusOperational)
	rack := create(t, svc, cmdb.ClassHardware, cmdb.StatusOperational)
	dep := create(t, svc, cmdb.ClassVM, cmdb.StatusInstalled)
	for _, cmd := range []cmdb.Command{
		cmdb.Relate{ID: dep.ID, Type: cmdb.TypeDependsOn, Child: x.ID},
		cmdb.Relate{ID: rack.ID, Type: cmdb.TypeContains, Child: dep.ID},
		cmdb.Retire{ID: x.ID}, cmdb.Retire{ID: rack.ID},
	} {
		if _, err := svc.Do(ctx, ann, cmd); err != nil {
			t.Fatal(err)
		}
	}
	_, err := svc.Do(ctx, ann, cmdb.Operate{ID: dep.ID})
	var refused *cmdb.RetiredDependencyError
	if !errors.As(err, &refused) || !errors.Is(err, lifecycle.ErrInvalidTransition) || refused.CI != dep.ID || !slices.Equal(refused.Retired, sortedIDs(x.ID, rack.ID)) {
		t.Fatalf("Operate of a CI over retired ones: %v, want a transition error naming both", err)
	}
	if got, _ := svc.Get(ctx, dep.ID); got.Status != cmdb.StatusInstalled || got.Version != dep.Version+1 {
		t.Fatalf("after the refusal %s is %s at version %d", dep.ID, got.Status, got.Version)
	}
}

// sortedIDs returns ids sorted.
func sortedIDs(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

// TestRetireRacesNewContainerAndOperate: a container related to an
// installed CI, retired, and the CI put in service, all at once, never
// end with the CI in service inside a retired container: putting a CI in
// service takes the guard of its incoming relationships.
func TestRetireRacesNewContainerAndOperate(t *testing.T) {
	outcomes := map[string]int{}
	for run := range interleavings {
		svc, _ := newRaceService(t, cmdb.Config{})
		rack := create(t, svc, cmdb.ClassHardware, cmdb.StatusOperational)
		dep := create(t, svc, cmdb.ClassServer, cmdb.StatusInstalled)
		errs := race(
			func() error {
				_, err := svc.Do(ctx, ann, cmdb.Relate{ID: rack.ID, Type: cmdb.TypeContains, Child: dep.ID})
				return err
			},
			func() error { _, err := svc.Do(ctx, ann, cmdb.Retire{ID: rack.ID}); return err },
			func() error { _, err := svc.Do(ctx, ann, cmdb.Operate{ID: dep.ID}); return err },
		)
		outcomes[fmt.Sprintf("relate %v, retire %v, operate %v", errs[0] == nil, errs[1] == nil, errs[2] == nil)]++
		checkNoRetiredDependency(t, svc, run, dep.ID)
	}
	t.Logf("outcomes: %v", outcomes)
}

// TestRetireInUseWithReason: with Config.RetireInUse, a Retire with a
// reason goes through while a dependent is in service, racing or not,
// and the dependent then depends on a retired CI, as allowed.
func TestRetireInUseWithReason(t *testing.T) {
	for run := range interleavings / 4 {
		svc, _ := newRaceService(t, cmdb.Config{RetireInUse: true})
		x := create(t, svc, cmdb.ClassServer, cmdb.StatusOperational)
		dep := create(t, svc, cmdb.ClassVM, cmdb.StatusOperational)
		errs := race(
			func() error {
				_, err := svc.Do(ctx, ann, cmdb.Retire{ID: x.ID, Reason: "replaced by the new cluster"})
				return err
			},
			func() error {
				_, err := svc.Do(ctx, ann, cmdb.Relate{ID: dep.ID, Type: cmdb.TypeDependsOn, Child: x.ID})
				return err
			},
		)
		if errs[0] != nil {
			t.Fatalf("run %d: a Retire with a reason under RetireInUse: %v", run, errs[0])
		}
		if errs[1] != nil {
			continue // the retirement came first: the relationship to a retired CI is refused
		}
		got, err := svc.Get(ctx, x.ID)
		if err != nil || got.Status != cmdb.StatusRetired {
			t.Fatalf("run %d: %s is %s (%v), want retired", run, x.ID, got.Status, err)
		}
	}
}
