package changetest_test

import (
	"context"
	"fmt"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/lifecycle"
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
