// Command readme is the first code example of the project's README.md, as
// a program: main_test.go keeps the two identical and checks its output.
package main

import (
	"context"
	"fmt"
	"log"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

func main() {
	ctx := context.Background()
	svc, err := incident.New(incident.Config{Store: incidenttest.NewStore(), IDs: lifecycle.Sequence("INC", 7)})
	if err != nil {
		log.Fatal(err)
	}
	alice := lifecycle.Actor{ID: "alice"} // the service desk agent
	bob := lifecycle.Actor{ID: "bob"}     // the network engineer
	carol := lifecycle.Actor{ID: "carol"} // the caller

	inc, err := svc.Open(ctx, alice, incident.Open{Title: "VPN down", Impact: 1, Urgency: 2})
	if err != nil {
		log.Fatal(err)
	}
	steps := []incident.Command{
		incident.Assign{ID: inc.ID, Group: "network", Assignee: "bob"},
		incident.Hold{ID: inc.ID, Reason: incident.HoldAwaitingCaller, Comment: "Which office are you in?"},
	}
	for _, cmd := range steps {
		if inc, err = svc.Do(ctx, bob, cmd); err != nil {
			log.Fatal(err)
		}
	}
	// The caller's answer takes the incident off hold.
	if inc, err = svc.CallerUpdate(ctx, carol, incident.CallerUpdate{ID: inc.ID, Text: "Leeds"}); err != nil {
		log.Fatal(err)
	}
	inc, err = svc.Resolve(ctx, bob, incident.Resolve{ID: inc.ID, Code: incident.CodeSolutionProvided, Notes: "Gateway restarted"})
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println(inc.ID, inc.State, "priority", inc.Priority)
	// The audit trail is read a page at a time (0: from the start; 0: the
	// default page size); a command never loads it.
	history, err := svc.History(ctx, inc.ID, 0, 0)
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range history {
		fmt.Printf("%d %-6s %-13s %s → %s\n", r.Seq, r.Actor, r.Event, r.From, r.To)
	}
}
