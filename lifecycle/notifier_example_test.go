package lifecycle_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/itsmkit/itsm/lifecycle"
)

// A plain function becomes a Notifier: here one that would send a chat
// message for every resolved incident.
func ExampleNotifierFunc() {
	chat := lifecycle.NotifierFunc(func(ctx context.Context, events ...lifecycle.Notification) error {
		for _, e := range events {
			if e.Type == "resolved" {
				fmt.Printf("#service-desk: %s %s resolved by %s\n", e.Process, e.Subject, e.Actor)
			}
		}
		return nil
	})
	_ = chat.Notify(context.Background(),
		lifecycle.Notification{Process: "incident", Subject: "INC0000042", Type: "assigned", Actor: "ann"},
		lifecycle.Notification{Process: "incident", Subject: "INC0000042", Type: "resolved", Actor: "bob"},
	)
	// Output:
	// #service-desk: incident INC0000042 resolved by bob
}

// Fanout hands every event to each notifier in turn, even when one fails,
// and returns their errors joined: the caller learns that the mailer is
// down while the audit log still got the event.
func ExampleFanout() {
	audit := lifecycle.NotifierFunc(func(_ context.Context, events ...lifecycle.Notification) error {
		for _, e := range events {
			fmt.Println("audit:", e.ID, e.Type)
		}
		return nil
	})
	errSMTP := errors.New("smtp: connection refused")
	mail := lifecycle.NotifierFunc(func(context.Context, ...lifecycle.Notification) error { return errSMTP })
	webhook := lifecycle.NotifierFunc(func(_ context.Context, events ...lifecycle.Notification) error {
		fmt.Println("webhook:", len(events), "event(s)")
		return nil
	})

	n := lifecycle.Fanout(audit, mail, nil, webhook) // nil notifiers are skipped
	err := n.Notify(context.Background(), lifecycle.Notification{ID: lifecycle.NotificationID("incident", "INC0000042", 3, 0), Type: "resolved"})
	fmt.Println(errors.Is(err, errSMTP), err)
	// Output:
	// audit: incident/INC0000042/3/0 resolved
	// webhook: 1 event(s)
	// true smtp: connection refused
}
