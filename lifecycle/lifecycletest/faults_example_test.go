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
