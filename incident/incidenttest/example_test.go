package incidenttest_test

import (
	"context"
	"fmt"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

// A whole incident workflow runs in a unit test on the in-memory store; the
// Recorder keeps every notification for assertions. A host proves its own
// Store with the conformance suite in one line of a test:
//
//	func TestMyStore(t *testing.T) {
//		incidenttest.TestStore(t, func(t *testing.T) incident.Store { return mystore.New(t) })
//	}
func ExampleNewStore() {
	ctx := context.Background()
	store, rec := incidenttest.NewStore(), &incidenttest.Recorder{}
	svc, _ := incident.New(incident.Config{Store: store, Notifier: rec, IDs: lifecycle.Sequence("INC", 3)})
	ann := lifecycle.Actor{ID: "ann"}
	inc, _ := svc.Open(ctx, ann, incident.Open{Title: "Printer on fire", Impact: 1, Urgency: 1})
	_, _ = svc.Assign(ctx, ann, incident.Assign{ID: inc.ID, Group: "facilities"})
	fmt.Println(inc.ID, store.Len(), rec.Types())
	// Output: INC001 1 [opened assigned]
}
