package sqlstore_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/itsmkit/itsm/examples/sqlstore"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// An incident service on embedded SQLite: each change is stored with its
// events in the outbox, and the relay delivers them to the host's
// notifier.
func Example() {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, ":memory:") // or "sqlite:itsm.db", or "postgres://..."
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	incidents, err := incident.New(incident.Config{
		Store: db.Incidents(), // an outbox: the service stores events instead of notifying
		Clock: lifecycletest.NewClock(time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)),
		IDs:   lifecycle.Sequence("INC", 4),
	})
	if err != nil {
		log.Fatal(err)
	}
	ann := lifecycle.Actor{ID: "ann"}
	x, err := incidents.Open(ctx, ann, incident.Open{Title: "Mail is down", Impact: 1, Urgency: 1})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := incidents.Assign(ctx, ann, incident.Assign{ID: x.ID, Group: "messaging"}); err != nil {
		log.Fatal(err)
	}

	relay := db.Relay(lifecycle.NotifierFunc(func(_ context.Context, events ...lifecycle.Notification) error {
		for _, e := range events {
			fmt.Println("notify", e.ID, e.Type)
		}
		return nil
	}))
	n, err := relay.RunOnce(ctx) // a host runs relay.Run(ctx, interval) instead
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(n, "delivered")
	// Output:
	// notify incident/INC0001/1/0 opened
	// notify incident/INC0001/2/0 assigned
	// 2 delivered
}
