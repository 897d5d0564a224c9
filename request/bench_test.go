package request_test

import (
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/request"
	"github.com/itsmkit/itsm/request/requesttest"
)

// BenchmarkOrderToClose orders the starter kit (manager's approval, three
// stages, four tasks) and carries it to closed complete through the
// Service on the in-memory store: one order, one approval, and an
// assignment and a close per task, each a stored version of the request.
//
//	go test -run '^$' -bench BenchmarkOrderToClose -benchmem ./request/
func BenchmarkOrderToClose(b *testing.B) {
	cat := request.NewCatalog()
	if _, err := cat.Register(onboarding()); err != nil {
		b.Fatal(err)
	}
	svc, err := request.New(request.Config{Store: requesttest.NewStore(), Catalog: cat, Directory: dir, IDs: lifecycle.RandomIDs("REQ")})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		r, err := svc.Order(ctx, hr, request.Order{RequestedFor: "nina", Lines: []request.Line{{Item: "starter-kit"}}})
		if err != nil {
			b.Fatal(err)
		}
		if r, err = svc.Do(ctx, mo, request.Approve{ID: r.ID, Item: r.Items[0].ID}); err != nil {
			b.Fatal(err)
		}
		for _, task := range r.Items[0].Tasks {
			if _, err = svc.Do(ctx, tech, request.AssignTask{ID: r.ID, Task: task.ID}); err != nil {
				b.Fatal(err)
			}
			if r, err = svc.Do(ctx, tech, request.CloseTask{ID: r.ID, Task: task.ID, State: request.TaskClosedComplete}); err != nil {
				b.Fatal(err)
			}
		}
		if r.State != request.RequestClosedComplete {
			b.Fatalf("request %s is %s", r.ID, r.State)
		}
	}
}
