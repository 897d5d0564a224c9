package request_test

import (
	"context"
	"fmt"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/request"
	"github.com/itsmkit/itsm/request/requesttest"
)

// A new starter's kit: the manager approves, then the laptop, the
// accounts and badge, and the hand-over, stage by stage.
func ExampleService() {
	ctx := context.Background()
	catalog := request.NewCatalog()
	if _, err := catalog.Register(onboarding()); err != nil {
		panic(err)
	}
	svc, err := request.New(request.Config{Store: requesttest.NewStore(), Catalog: catalog, Directory: dir, IDs: lifecycle.Sequence("REQ", 3)})
	if err != nil {
		panic(err)
	}
	hr, manager, desk := lifecycle.Actor{ID: "hr"}, lifecycle.Actor{ID: "mo"}, lifecycle.Actor{ID: "tech"}

	r, err := svc.Order(ctx, hr, request.Order{RequestedFor: "nina", Lines: []request.Line{{Item: "starter-kit"}}})
	if err != nil {
		panic(err)
	}
	item := r.Items[0]
	fmt.Println(r.ID, item.ID, item.State, "by", item.Approvers)
	if r, err = svc.Do(ctx, manager, request.Approve{ID: r.ID, Item: item.ID, Comment: "welcome aboard"}); err != nil {
		panic(err)
	}
	for _, task := range r.Items[0].Tasks {
		if r, err = svc.Do(ctx, desk, request.AssignTask{ID: r.ID, Task: task.ID, Assignee: "tech"}); err != nil {
			panic(err)
		}
		if r, err = svc.Do(ctx, desk, request.CloseTask{ID: r.ID, Task: task.ID, State: request.TaskClosedComplete}); err != nil {
			panic(err)
		}
		if it := r.Items[0]; it.State.Final() {
			fmt.Printf("%s %q done; item %s, request %s\n", task.ID, task.Name, it.State, r.State)
		} else {
			fmt.Printf("%s %q done; stage %d open\n", task.ID, task.Name, it.Stage+1)
		}
	}
	// Output:
	// REQ001 REQ001-1 awaiting_approval by [mo]
	// REQ001-1-1 "Prepare laptop" done; stage 2 open
	// REQ001-1-2 "Create accounts" done; stage 2 open
	// REQ001-1-3 "Print badge" done; stage 3 open
	// REQ001-1-4 "Hand over" done; item closed_complete, request closed_complete
}
