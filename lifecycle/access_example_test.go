package lifecycle_test

import (
	"context"
	"fmt"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

// An access policy is data: here only the incident's assignee, or an
// incident manager, may resolve it.
func ExampleAccessPolicy() {
	ctx := context.Background()
	policy := &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{{
		Process:   "incident",
		Event:     "resolve",
		Roles:     []string{"incident-manager"},
		Relations: []lifecycle.Relation{lifecycle.RelationAssignee},
	}}}
	svc, _ := incident.New(incident.Config{
		Store:        incidenttest.NewStore(),
		Interceptors: []lifecycle.Interceptor{policy},
		IDs:          lifecycle.Sequence("INC", 3),
	})
	ann, bob := lifecycle.Actor{ID: "ann"}, lifecycle.Actor{ID: "bob"}
	x, _ := svc.Open(ctx, ann, incident.Open{Title: "Printer jammed"})
	x, _ = svc.Assign(ctx, ann, incident.Assign{ID: x.ID, Assignee: "ann"})

	_, err := svc.Resolve(ctx, bob, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "cleared"})
	fmt.Println(err)
	x, err = svc.Resolve(ctx, ann, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "cleared"})
	fmt.Println(x.State, err)
	// Output:
	// bob may not resolve incident INC001: rule incident.resolve lets only role "incident-manager" or the record's assignee
	// resolved <nil>
}
