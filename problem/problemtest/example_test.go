package problemtest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

// Known errors recorded through the service are found by the store's
// search, as a service desk does to match a new incident to a workaround.
// A host proves its own Store with problemtest.TestStore(t, newStore).
func ExampleNewStore() {
	ctx := context.Background()
	svc, _ := problem.New(problem.Config{Store: problemtest.NewStore(), IDs: lifecycle.Sequence("PRB", 3)})
	pat := lifecycle.Actor{ID: "pat"}
	p, _ := svc.Open(ctx, pat, problem.Open{Title: "VPN drops", Service: "remote-access"})
	_, _ = svc.RecordKnownError(ctx, pat, problem.RecordKnownError{ID: p.ID, RootCause: "keep-alive too short", Workaround: "reconnect"})
	found, _ := svc.SearchKnownErrors(ctx, problem.KnownErrorQuery{Text: "keep-alive", Service: "remote-access"})
	fmt.Println(len(found), found[0].ID, found[0].KnownError.Workaround)
	// Output: 1 PRB001 reconnect
}

// FaultyStore makes a store fail on purpose: here every write is an
// ambiguous commit, stored but reported as a timeout, the case a host's
// retry logic must handle (a retried Open with the same Open.ID finds the
// problem there: ErrConflict).
func ExampleFaultyStore() {
	ctx := context.Background()
	mem := problemtest.NewStore()
	faults := lifecycletest.NewFaults(1, lifecycletest.Rates{AfterWrite: 1})
	svc, _ := problem.New(problem.Config{Store: problemtest.FaultyStore(mem, faults)})
	pat := lifecycle.Actor{ID: "pat"}

	_, err := svc.Open(ctx, pat, problem.Open{ID: "PRB-INC9", Title: "VPN drops"})
	fmt.Println(errors.Is(err, context.DeadlineExceeded), mem.Len())
	faults.SetRates(faults.Off())
	_, err = svc.Open(ctx, pat, problem.Open{ID: "PRB-INC9", Title: "VPN drops"})
	fmt.Println(errors.Is(err, lifecycle.ErrConflict), mem.Len())
	// Output:
	// true 1
	// true 1
}
