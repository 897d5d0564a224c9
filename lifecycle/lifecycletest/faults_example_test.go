package lifecycletest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// The recipe for a fault-injection test: wrap the real store and notifier
// in faulty ones sharing one seeded Faults, operate, then judge each
// outcome against the real store. Here every write is an ambiguous commit:
// the service is stored, yet the operation fails with no record and its
// event is lost (there is no outbox). Retrying pinned to the version read
// first is safe: it fails with ErrConflict instead of applying twice.
func ExampleFaults() {
	ctx := context.Background()
	real := lifecycletest.NewPortfolioStore()
	events := &lifecycletest.Recorder{}
	faults := lifecycletest.NewFaults(1, lifecycletest.Rates{})
	p, _ := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{
		Store:    lifecycletest.FaultyPortfolioStore(real, faults),
		Notifier: lifecycletest.FaultyNotifier(events, faults),
		IDs:      lifecycle.Sequence("SVC", 3),
	})
	alice := lifecycle.Actor{ID: "alice"}
	s, _ := p.Define(ctx, alice, lifecycle.DefineService{Name: "Mail", Owner: "alice"})

	faults.SetRates(lifecycletest.Rates{AfterWrite: 1})
	cmd := lifecycle.AdvanceService{ID: s.ID}
	got, err := p.Advance(ctx, alice, cmd)
	var ie *lifecycletest.InjectedError
	fmt.Println(got == nil, errors.As(err, &ie) && ie.Applied(), errors.Is(err, context.DeadlineExceeded))

	stored, _ := real.GetService(ctx, s.ID)
	fmt.Println(stored.Status, stored.Version, len(events.Events()))

	defer faults.SetRates(faults.Off())
	_, err = p.Advance(ctx, alice, lifecycletest.PinVersion(cmd, s.Version))
	fmt.Println(lifecycletest.Classify(err))
	fmt.Println(lifecycletest.CheckHistory(stored.Snapshot(), stored.Version, stored.History))
	// Output:
	// true true true
	// defined 2 1
	// conflict
	// <nil>
}

// ledgerPortfolio is the store between the faulty one and the real one:
// its Tap tells the rig's ledger what the real store accepted.
type ledgerPortfolio struct {
	lifecycle.PortfolioStore
	tap lifecycletest.Tap[*lifecycle.ITService]
}

func (s ledgerPortfolio) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	return s.tap.Commit(ctx, w, s.PortfolioStore.CommitService)
}

// exampleT stands for the *testing.T or *rapid.T of a real test.
type exampleT struct{}

func (exampleT) Helper()                           {}
func (exampleT) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }

// The scaffolding of a fault-injection test: a Rig reads the real store
// around each operation, and judges the Attempt; its Ledger and Events
// back the invariants checked after every step.
func ExampleRig() {
	ctx := context.Background()
	real := lifecycletest.NewPortfolioStore()
	rig := lifecycletest.NewRig[*lifecycle.ITService](1, lifecycletest.Rates{})
	rig.StoreWrites = []string{"service.CommitService"}
	rig.View = func(s *lifecycle.ITService) lifecycletest.Stored {
		return lifecycletest.Stored{Process: lifecycle.ProcessService, ID: s.ID, Version: s.Version, Snapshot: s.Snapshot(), History: s.History}
	}
	rig.State = func() (map[string]*lifecycle.ITService, error) {
		page, err := real.ListServices(ctx, lifecycle.ServiceFilter{})
		out := map[string]*lifecycle.ITService{}
		for _, s := range page.Services {
			out[s.ID] = s
		}
		return out, err
	}
	p, _ := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{
		Store:    lifecycletest.FaultyPortfolioStore(ledgerPortfolio{real, rig.Tap()}, rig.Faults),
		Notifier: lifecycletest.FaultyNotifier(rig.Events, rig.Faults),
		IDs:      lifecycle.Sequence("SVC", 3),
	})
	alice := lifecycle.Actor{ID: "alice"}
	define := func() (*lifecycle.ITService, error) {
		return p.Define(ctx, alice, lifecycle.DefineService{Name: "Mail", Owner: "alice"})
	}

	rig.Faults.SetRates(lifecycletest.Rates{AfterWrite: 1})
	a := rig.Try(exampleT{}, define)
	fmt.Println(a.Outcome(), a.Changed(), rig.CheckFailure("define", a))
	fmt.Println(rig.Invariants(rig.All(exampleT{})))

	rig.Faults.SetRates(lifecycletest.Rates{})
	a = rig.Try(exampleT{}, define)
	fmt.Println(a.Outcome(), a.Changed(), a.CheckNotified("define"))
	// Output:
	// ambiguous [SVC001] <nil>
	// <nil>
	// stored [SVC002] <nil>
}
