package incident_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// newDesk returns a service over the in-memory kit, a recording notifier
// and a fake clock, as a test or a demo would use.
func newDesk() (*incident.Service, *incidenttest.Recorder, *lifecycletest.Clock) {
	rec := &incidenttest.Recorder{}
	clock := lifecycletest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	svc, err := incident.New(incident.Config{
		Store:    incidenttest.NewStore(),
		Notifier: rec,
		Clock:    clock,
		IDs:      lifecycle.Sequence("INC", 7),
	})
	if err != nil {
		panic(err)
	}
	return svc, rec, clock
}

func printHistory(history []lifecycle.Record) {
	for _, r := range history {
		fmt.Printf("%d %s %-13s %-11s → %-11s by %s", r.Seq, r.Time.Format("15:04"), r.Event, r.From, r.To, r.Actor)
		if r.Note != "" {
			fmt.Printf(": %s", r.Note)
		}
		fmt.Println()
	}
}

// An incident's whole life: logged, assigned, waiting for the caller,
// resumed by the caller's answer, resolved and confirmed.
func Example_lifecycle() {
	ctx := context.Background()
	svc, rec, clock := newDesk()
	agent := lifecycle.Actor{ID: "ann"}
	caller := lifecycle.Actor{ID: "carol"}

	x, _ := svc.Open(ctx, caller, incident.Open{Title: "VPN drops every hour", Caller: "carol", Impact: 2, Urgency: 2, Service: "vpn"})
	fmt.Println(x.ID, x.State, "priority", x.Priority)

	clock.Advance(10 * time.Minute)
	x, _ = svc.Assign(ctx, agent, incident.Assign{ID: x.ID, Version: x.Version, Group: "network", Assignee: "ann"})
	clock.Advance(5 * time.Minute)
	x, _ = svc.Hold(ctx, agent, incident.Hold{ID: x.ID, Reason: incident.HoldAwaitingCaller, Comment: "Which client version?"})
	clock.Advance(2 * time.Hour)
	x, _ = svc.CallerUpdate(ctx, caller, incident.CallerUpdate{ID: x.ID, Text: "5.1.2"})
	fmt.Println("after the caller's answer:", x.State)
	clock.Advance(time.Hour)
	x, _ = svc.Resolve(ctx, agent, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "upgraded the client to 5.2"})
	clock.Advance(24 * time.Hour)
	x, _ = svc.Close(ctx, caller, incident.Close{ID: x.ID, Note: "stable since"})

	// The history is read apart from the incident, a page at a time.
	history, _ := svc.History(ctx, x.ID, 0, 50)
	printHistory(history)
	fmt.Println(rec.Types())
	// Output:
	// INC0000001 new priority 3 - moderate
	// after the caller's answer: in_progress
	// 1 09:00 open                      → new         by carol
	// 2 09:10 assign        new         → in_progress by ann
	// 3 09:15 hold          in_progress → on_hold     by ann: Which client version?
	// 4 11:15 caller_update on_hold     → in_progress by carol: 5.1.2
	// 5 12:15 resolve       in_progress → resolved    by ann: upgraded the client to 5.2
	// 6 12:15 close         resolved    → closed      by carol: stable since
	// [opened assigned put_on_hold caller_updated resumed resolved closed]
}

// Anyone may propose a major incident; only a major-incident manager may
// accept or reject it.
func Example_majorIncident() {
	ctx := context.Background()
	svc, _, _ := newDesk()
	agent := lifecycle.Actor{ID: "ann"}
	mim := lifecycle.Actor{ID: "max", Roles: []string{incident.RoleMajorIncidentManager}}

	x, _ := svc.Open(ctx, agent, incident.Open{Title: "No e-mail anywhere", Impact: 1, Urgency: 1})
	x, _ = svc.ProposeMajor(ctx, agent, incident.ProposeMajor{ID: x.ID, Reason: "every site affected"})
	fmt.Println(x.Major, "major:", x.Snapshot().Major)

	_, err := svc.AcceptMajor(ctx, agent, incident.AcceptMajor{ID: x.ID})
	fmt.Println(errors.Is(err, lifecycle.ErrForbidden), err)

	x, _ = svc.AcceptMajor(ctx, mim, incident.AcceptMajor{ID: x.ID})
	fmt.Println(x.Major, "major:", x.Snapshot().Major)
	// Output:
	// proposed major: false
	// true ann may not accept_major incident INC0000001: rule incident.accept_major lets only role "major-incident-manager"
	// accepted major: true
}

// Resolving a parent resolves its open children, each as its own stored
// change; a child cannot be reopened while the parent stays resolved.
func Example_parentAndChildren() {
	ctx := context.Background()
	svc, _, _ := newDesk()
	agent := lifecycle.Actor{ID: "ann"}

	parent, _ := svc.Open(ctx, agent, incident.Open{Title: "Core switch down"})
	a, _ := svc.Open(ctx, agent, incident.Open{Title: "Floor 1 offline", Parent: parent.ID})
	b, _ := svc.Open(ctx, agent, incident.Open{Title: "Floor 2 offline", Parent: parent.ID})

	_, err := svc.Resolve(ctx, agent, incident.Resolve{ID: parent.ID, Code: incident.CodeSolutionProvided, Notes: "replaced the switch"})
	fmt.Println("resolve:", err)
	for _, id := range []string{a.ID, b.ID} {
		c, _ := svc.Export(ctx, id)
		fmt.Println(c.ID, c.State, c.ResolutionCode, "-", c.History[len(c.History)-1].Note)
	}
	_, err = svc.Reopen(ctx, agent, incident.Reopen{ID: a.ID, Reason: "still offline"})
	fmt.Println(err)
	// Output:
	// resolve: <nil>
	// INC0000002 resolved solution_provided - resolved with parent INC0000001: replaced the switch
	// INC0000003 resolved solution_provided - resolved with parent INC0000001: replaced the switch
	// incident INC0000002: cannot reopen from resolved: parent INC0000001 is resolved: reopen the parent first
}

// A stale version is refused before anything happens.
func ExampleService_Do_conflict() {
	ctx := context.Background()
	svc, _, _ := newDesk()
	agent := lifecycle.Actor{ID: "ann"}
	x, _ := svc.Open(ctx, agent, incident.Open{Title: "Printer jam"})
	read := x.Version

	_, _ = svc.Do(ctx, agent, incident.Comment{ID: x.ID, Version: read, Text: "on my way"})
	_, err := svc.Do(ctx, agent, incident.WorkNote{ID: x.ID, Version: read, Text: "tray 2"})
	fmt.Println(errors.Is(err, lifecycle.ErrConflict), err)
	// Output:
	// true incident INC0000001: expected version 1, found 2: conflict
}

// AutoClose runs periodically and closes what stayed resolved, untouched,
// for Config.AutoCloseAfter (seven days by default).
func ExampleService_AutoClose() {
	ctx := context.Background()
	svc, _, clock := newDesk()
	agent := lifecycle.Actor{ID: "ann"}
	x, _ := svc.Open(ctx, agent, incident.Open{Title: "Slow laptop"})
	_, _ = svc.Resolve(ctx, agent, incident.Resolve{ID: x.ID, Code: incident.CodeUserError, Notes: "closed 40 browser tabs"})

	clock.Advance(6 * 24 * time.Hour)
	n, _ := svc.AutoClose(ctx, lifecycle.System)
	fmt.Println("after 6 days:", n)
	clock.Advance(24*time.Hour + time.Minute)
	n, _ = svc.AutoClose(ctx, lifecycle.System)
	fmt.Println("after 7 days:", n)
	x, _ = svc.Export(ctx, x.ID)
	last := x.History[len(x.History)-1]
	fmt.Println(x.State, "closed by", x.ClosedBy, "recorded by", last.Actor)
	// Output:
	// after 6 days: 0
	// after 7 days: 1
	// closed closed by ann recorded by system
}

// The problem process resolves the incidents waiting on a problem once it
// is fixed.
func ExampleService_ResolveForProblem() {
	ctx := context.Background()
	svc, _, _ := newDesk()
	agent := lifecycle.Actor{ID: "ann"}
	x, _ := svc.Open(ctx, agent, incident.Open{Title: "Nightly export fails"})
	x, _ = svc.Assign(ctx, agent, incident.Assign{ID: x.ID, Assignee: "ann"})
	x, _ = svc.Hold(ctx, agent, incident.Hold{ID: x.ID, Reason: incident.HoldAwaitingProblem, Problem: "PRB0000042"})

	problems := lifecycle.Actor{ID: "problem-manager"}
	fmt.Println(svc.ResolveForProblem(ctx, problems, x.ID, "PRB0000042", "patched the exporter"))
	fmt.Println(svc.ResolveForProblem(ctx, problems, x.ID, "PRB0000042", "patched the exporter")) // idempotent
	x, _ = svc.Export(ctx, x.ID)
	fmt.Println(x.State, x.ResolutionCode, x.Version)
	// Output:
	// <nil>
	// <nil>
	// resolved resolved_by_problem 4
}

func ExampleAllowed() {
	fmt.Println(incident.Allowed(incident.StateResolved))
	fmt.Println(incident.Allowed(incident.StateClosed))
	// Output:
	// [caller_update close comment link_change link_problem reopen unlink_change unlink_problem work_note]
	// []
}

// The pure layer: Apply changes an incident in memory, checks everything
// and returns the events; nothing is stored.
func ExampleIncident_Apply() {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	agent := lifecycle.Actor{ID: "ann"}
	x, _, _ := incident.Rules{}.Open(agent, now, "INC-1", incident.Open{Title: "Disk full"})

	_, err := x.Apply(agent, now, incident.Resolve{ID: "INC-1", Code: incident.CodeSolutionProvided})
	fmt.Println(err)
	evs, err := x.Apply(agent, now, incident.Resolve{ID: "INC-1", Code: incident.CodeSolutionProvided, Notes: "purged logs"})
	fmt.Println(err, x.State, x.Version, evs[0].ID, evs[0].Type)
	_, err = x.Apply(agent, now, incident.Hold{ID: "INC-1", Reason: incident.HoldAwaitingVendor})
	fmt.Println(err)
	// Output:
	// invalid resolution_notes: required
	// <nil> resolved 2 incident/INC-1/2/0 resolved
	// incident INC-1: cannot hold from resolved (allowed: caller_update, close, comment, link_change, link_problem, reopen, unlink_change, unlink_problem, work_note)
}

func ExampleDiagram() {
	fmt.Print(incident.Diagram())
	// Output:
	// stateDiagram-v2
	//     [*] --> new
	//     new --> in_progress : assign
	//     new --> resolved : resolve
	//     new --> canceled : cancel
	//     in_progress --> on_hold : hold
	//     in_progress --> resolved : resolve
	//     in_progress --> canceled : cancel
	//     on_hold --> in_progress : resume
	//     on_hold --> resolved : resolve
	//     on_hold --> canceled : cancel
	//     resolved --> in_progress : reopen
	//     resolved --> closed : close
	//     closed --> [*]
	//     canceled --> [*]
}

// The Reactor follows the SLA engine and the change process on a Bus: a
// breach escalates the incident (a level up, and to the group the host's
// function names), and a change that names the incidents it caused is
// linked on them. Delivering the same events again changes nothing.
func ExampleReactor() {
	ctx := context.Background()
	svc, _, _ := newDesk()
	agent := lifecycle.Actor{ID: "ann"}
	x, _ := svc.Open(ctx, agent, incident.Open{Title: "Payroll export fails", Impact: 1, Urgency: 1, Group: "desk"})

	r := &incident.Reactor{
		Incidents:        svc,
		EscalateOnBreach: true,
		ReassignOnBreach: func(inc *incident.Incident, _ lifecycle.Notification) string {
			if inc.Priority == lifecycle.PriorityCritical {
				return "major-incident-team"
			}
			return ""
		},
		LinkCausedBy: true,
	}
	events := []lifecycle.Notification{
		{ID: "sla/" + x.ID + "/p1/3/0", Process: "sla", Type: "sla.breached",
			Data: map[string]string{"record": x.ID, "agreement": "p1-resolution", "target": "resolution", "cycle": "1"}},
		{ID: "change/CHG0000009/1/0", Process: "change", Type: "opened", Subject: "CHG0000009",
			Data: map[string]string{"incidents": x.ID}},
	}
	if err := r.Notify(ctx, events...); err != nil {
		panic(err)
	}
	if err := r.Notify(ctx, events...); err != nil { // redelivered
		panic(err)
	}
	x, _ = svc.Export(ctx, x.ID)
	fmt.Println("level", x.EscalationLevel, "group", x.Group, "changes", x.Changes, "version", x.Version)
	printHistory(x.History)
	// Output:
	// level 1 group major-incident-team changes [CHG0000009] version 4
	// 1 09:00 open                      → new         by ann
	// 2 09:00 escalate_hierarchical new         → new         by system: SLA p1-resolution (resolution) breached, cycle 1
	// 3 09:00 escalate_functional new         → new         by system: SLA p1-resolution (resolution) breached, cycle 1
	// 4 09:00 link_change   new         → new         by system
}

// The process's registry: every command a host can send through
// Service.Do, here printed by type name, as a router or an API's
// documentation would enumerate them.
func ExampleCommands() {
	for _, c := range incident.Commands() {
		fmt.Printf("%T\n", c)
	}
	// Output:
	// incident.Assign
	// incident.EscalateFunctional
	// incident.EscalateHierarchical
	// incident.Hold
	// incident.Resume
	// incident.Resolve
	// incident.Reopen
	// incident.Close
	// incident.Cancel
	// incident.Update
	// incident.Comment
	// incident.WorkNote
	// incident.CallerUpdate
	// incident.ProposeMajor
	// incident.AcceptMajor
	// incident.RejectMajor
	// incident.SetParent
	// incident.LinkProblem
	// incident.UnlinkProblem
	// incident.LinkChange
	// incident.UnlinkChange
}
