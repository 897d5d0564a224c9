package changetest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// The in-memory store runs the change service in tests and demos; a host
// proves its own Store with changetest.TestStore(t, newStore).
func ExampleNewStore() {
	ctx := context.Background()
	store, rec := changetest.NewStore(), &changetest.Recorder{}
	svc, _ := change.New(change.Config{Store: store, Notifier: rec, IDs: lifecycle.Sequence("CHG", 3)})
	c, err := svc.Create(ctx, lifecycle.Actor{ID: "rita"}, change.Create{Type: change.Normal, Title: "Upgrade the core switch"})
	fmt.Println(c.ID, c.State, err, rec.Types())
	// Output: CHG001 new <nil> [opened]
}

// FaultyStore makes a store fail on purpose: here every write fails, the
// change is not stored and no event is sent; with injection off the same
// request succeeds.
func ExampleFaultyStore() {
	ctx := context.Background()
	mem, rec := changetest.NewStore(), &changetest.Recorder{}
	faults := lifecycletest.NewFaults(7, lifecycletest.Rates{Error: 1})
	svc, _ := change.New(change.Config{Store: changetest.FaultyStore(mem, faults), Notifier: rec, IDs: lifecycle.Sequence("CHG", 3)})
	rita := lifecycle.Actor{ID: "rita"}
	req := change.Create{Type: change.Normal, Title: "Upgrade the core switch"}

	_, err := svc.Create(ctx, rita, req)
	page, _ := mem.List(ctx, change.Filter{})
	fmt.Println(errors.Is(err, lifecycletest.ErrInjected), len(page.Changes), len(rec.Events()))

	faults.Off()
	c, err := svc.Create(ctx, rita, req)
	fmt.Println(c.ID, err, rec.Types())
	// Output:
	// true 0 0
	// CHG002 <nil> [opened]
}
