package lifecycle_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/itsmkit/itsm/lifecycle"
)

type doorState string
type doorEvent string

type door struct{ locked bool }

// A machine is defined once, as a package-level value; a mistake in the
// definition panics at start-up.
var doorMachine = lifecycle.NewMachine(lifecycle.Definition[doorState, doorEvent, *door]{
	Process: "door",
	Initial: "closed",
	States:  []doorState{"closed", "open"},
	Events:  []doorEvent{"open", "close"},
	Transitions: []lifecycle.Transition[doorState, doorEvent, *door]{
		{Event: "open", From: []doorState{"closed"}, To: "open", Guard: func(d *door) error {
			if d.locked {
				return lifecycle.Invalid("lock", "the door is locked")
			}
			return nil
		}},
		{Event: "close", From: []doorState{"open"}, To: "closed"},
	},
})

func ExampleMachine() {
	to, err := doorMachine.Fire("D1", "closed", "open", &door{})
	fmt.Println(to, err)

	_, err = doorMachine.Fire("D1", "closed", "close", &door{})
	fmt.Println(err)
	fmt.Println(errors.Is(err, lifecycle.ErrInvalidTransition))

	_, err = doorMachine.Fire("D1", "closed", "open", &door{locked: true})
	fmt.Println(err)
	fmt.Println(errors.Is(err, lifecycle.ErrValidation))

	fmt.Println(doorMachine.Allowed("open"))
	// Output:
	// open <nil>
	// door D1: cannot close from closed (allowed: open)
	// true
	// door D1: cannot open from closed: invalid lock: the door is locked
	// true
	// [close]
}

func ExampleMachine_Mermaid() {
	fmt.Print(doorMachine.Mermaid())
	// Output:
	// stateDiagram-v2
	//     [*] --> closed
	//     closed --> open : open
	//     open --> closed : close
}

func ExampleBus() {
	// Services are built first, all notifying the same bus...
	var bus lifecycle.Bus
	// ...then the reactions subscribe, in the order they should run.
	bus.Subscribe(lifecycle.NotifierFunc(func(_ context.Context, evs ...lifecycle.Notification) error {
		for _, e := range evs {
			fmt.Println("mailer:", e.Subject, e.Type)
		}
		return nil
	}))
	bus.Subscribe(lifecycle.NotifierFunc(func(_ context.Context, evs ...lifecycle.Notification) error {
		return errors.New("chat is down")
	}))
	err := bus.Notify(context.Background(), lifecycle.Notification{Process: "incident", Subject: "INC1", Type: "resolved"})
	fmt.Println("error:", err)
	// Output:
	// mailer: INC1 resolved
	// error: chat is down
}

func ExampleMatrix() {
	var m lifecycle.Matrix // the zero Matrix is the default 3 × 3 one
	p, _ := m.Priority(1, 2)
	fmt.Println(p)
	_, err := m.Priority(4, 1)
	fmt.Println(err)
	// Output:
	// 2 - high
	// invalid impact: 4 is out of range 1..3
}

func ExampleNotificationID() {
	fmt.Println(lifecycle.NotificationID("incident", "INC0000042", 7, 0))
	// Output: incident/INC0000042/7/0
}
