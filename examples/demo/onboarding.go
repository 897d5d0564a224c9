package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/request"
	"github.com/itsmkit/itsm/request/requesttest"
)

// managers is the demo's directory for approvals: Dana starts on the
// sales team, whose manager is Sam.
type managers map[string]string

func (m managers) Manager(_ context.Context, person string) (string, error) { return m[person], nil }
func (managers) Members(context.Context, string) ([]string, error)          { return nil, nil }

// starterKit is the catalogue item a new starter's kit is ordered as:
// the manager approves; the laptop, then accounts and a badge side by
// side, then the hand-over.
func starterKit() request.CatalogItem {
	return request.CatalogItem{
		ID: "new-starter-kit", Name: "New starter kit", Category: "Onboarding",
		Variables: []request.Variable{
			{Name: "laptop", Type: request.VariableChoice, Required: true, Choices: []string{"standard", "developer"}},
			{Name: "start", Type: request.VariableDate, Required: true},
		},
		Approval: request.Approval{Policy: request.ApprovalManager},
		Plan: request.Plan{Stages: []request.Stage{
			{Name: "laptop", Tasks: []request.TaskDef{{Name: "Prepare the laptop", Group: "desk"}}},
			{Name: "access", Tasks: []request.TaskDef{{Name: "Create the accounts", Group: "identity"}, {Name: "Print the badge", Group: "facilities"}}},
			{Name: "hand over", Tasks: []request.TaskDef{{Name: "Hand the kit over", Group: "desk"}}},
		}},
	}
}

// Onboard orders a new starter's kit for Dana on the Monday of the play
// and carries it through the manager's approval and the three stages of
// its plan, on its own clock; it returns the request's events.
func Onboard(ctx context.Context) ([]lifecycle.Notification, error) {
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		return nil, err
	}
	clock := lifecycletest.NewClock(At(loc, "Mon 08:30"))
	catalog := request.NewCatalog()
	if _, err := catalog.Register(starterKit()); err != nil {
		return nil, err
	}
	events := &lifecycletest.Recorder{}
	svc, err := request.New(request.Config{Store: requesttest.NewStore(), Catalog: catalog, Directory: managers{"dana": "sam"},
		Notifier: events, Clock: clock, IDs: lifecycle.Sequence("REQ", 7)})
	if err != nil {
		return nil, err
	}
	r, err := svc.Order(ctx, lifecycle.Actor{ID: "hr.olivia"}, request.Order{RequestedFor: "dana", Lines: []request.Line{{Item: "new-starter-kit",
		Values: request.Values{"laptop": "developer", "start": "2026-11-30"}}}})
	if err != nil {
		return nil, err
	}
	at := func(when string) { clock.Set(At(loc, when)) }
	at("Mon 09:10")
	if r, err = svc.Do(ctx, lifecycle.Actor{ID: "sam"}, request.Approve{ID: r.ID, Item: r.Items[0].ID, Comment: "Welcome, Dana"}); err != nil {
		return nil, err
	}
	work := map[string]struct{ at, by string }{
		"Prepare the laptop":  {"Mon 10:40", "bob"},
		"Create the accounts": {"Mon 11:20", "ivy"},
		"Print the badge":     {"Mon 11:50", "frank"},
		"Hand the kit over":   {"Mon 13:30", "bob"},
	}
	for _, t := range r.Items[0].Tasks {
		w := work[t.Name]
		at(w.at)
		by := lifecycle.Actor{ID: w.by}
		if _, err := svc.Do(ctx, by, request.AssignTask{ID: r.ID, Task: t.ID, Assignee: by.ID}); err != nil {
			return nil, fmt.Errorf("%s: %w", w.at, err)
		}
		if _, err := svc.Do(ctx, by, request.CloseTask{ID: r.ID, Task: t.ID, State: request.TaskClosedComplete}); err != nil {
			return nil, fmt.Errorf("%s: %w", w.at, err)
		}
	}
	return events.Events(), nil
}

// PrintOnboarding writes the onboarding story, one line per moment: the
// order, the approval, and each task closed with what its close opened
// or closed.
func PrintOnboarding(out io.Writer, loc *time.Location, events []lifecycle.Notification) {
	fmt.Fprintf(out, "\n== A service request: a new starter's kit, three stages\n")
	var lines []string
	closed := ""
	for _, e := range events {
		stamp := e.Time.In(loc).Format("Mon 15:04") + "  "
		switch {
		case e.Process == request.ProcessItem && e.Type == "approval_requested":
			lines = append(lines, fmt.Sprintf("%s%s orders it for %s (%s): awaiting approval by %s", stamp, e.Actor, e.Snapshot.Caller, e.Subject, e.Value("approvers")))
		case e.Process == request.ProcessItem && e.Type == "approved":
			lines = append(lines, stamp+e.Actor+" approves; stage 1 opens")
		case e.Process == request.ProcessTask && e.Type == "completed":
			lines = append(lines, fmt.Sprintf("%s%s closes %q", stamp, e.Actor, e.Snapshot.Title))
		case e.Process == request.ProcessItem && e.Type == "stage_opened":
			lines[len(lines)-1] += "; stage " + e.Value("stage") + " opens"
		case e.Process == request.ProcessItem && e.Type == "completed":
			lines[len(lines)-1] += "; the item is " + e.To
		case e.Process == request.ProcessRequest && e.To != string(request.RequestOpen):
			closed = e.To // its change's item and task events follow it
		}
	}
	if closed != "" {
		lines[len(lines)-1] += ", the request " + closed
	}
	for _, l := range lines {
		fmt.Fprintln(out, l)
	}
}
