package problem_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

// deskIncidents stands in for incident.Service, which satisfies
// problem.Incidents.
type deskIncidents struct{}

func (deskIncidents) ResolveForProblem(_ context.Context, actor lifecycle.Actor, incidentID, problemID, notes string) error {
	fmt.Printf("  incident %s resolved by %s for %s: %q\n", incidentID, actor.ID, problemID, notes)
	return nil
}

func (deskIncidents) ResumeForProblem(_ context.Context, actor lifecycle.Actor, incidentID, problemID, note string) error {
	fmt.Printf("  incident %s resumed by %s for %s: %q\n", incidentID, actor.ID, problemID, note)
	return nil
}

func (deskIncidents) MoveToProblem(_ context.Context, actor lifecycle.Actor, incidentID, from, to string) error {
	fmt.Printf("  incident %s moved by %s from %s to %s\n", incidentID, actor.ID, from, to)
	return nil
}

// A problem from logging to closure: assessed, analysed, recorded as a known
// error, fixed through a change, resolved (which resolves the incident
// waiting on it) and closed.
func Example() {
	ctx := context.Background()
	clock := lifecycletest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	events := &problemtest.Recorder{}
	svc, err := problem.New(problem.Config{
		Store:     problemtest.NewStore(),
		Notifier:  events,
		Clock:     clock,
		IDs:       lifecycle.Sequence("PRB", 7),
		Incidents: deskIncidents{},
	})
	if err != nil {
		panic(err)
	}
	ann := lifecycle.Actor{ID: "ann"}

	p, err := svc.Open(ctx, ann, problem.Open{
		Title:     "Outbound mail delayed",
		Impact:    2,
		Urgency:   1,
		Service:   "email",
		Symptom:   "SMTP 452 errors in the relay log",
		Incidents: []string{"INC0000042"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(p.ID, p.State, "priority", p.Priority)

	steps := []problem.Command{
		problem.Assess{ID: p.ID, Group: "messaging"},
		problem.Confirm{ID: p.ID, Assignee: "ann"},
		problem.RecordKnownError{ID: p.ID, RootCause: "Spool disk full", Workaround: "Purge the deferred queue"},
		problem.StartFix{ID: p.ID, Changes: []string{"CHG0000007"}, Fix: "Grow the spool volume"},
		problem.Resolve{ID: p.ID, Notes: "Spool volume grown to 200 GB"},
		problem.Complete{ID: p.ID},
	}
	for _, cmd := range steps {
		clock.Advance(time.Hour)
		if p, err = svc.Do(ctx, ann, cmd); err != nil {
			panic(err)
		}
		fmt.Println(p.State, "known error:", p.IsKnownError())
	}
	// The history is read apart from the problem, a page at a time.
	history, _ := svc.History(ctx, p.ID, 0, 0)
	for _, r := range history {
		fmt.Printf("%d %s %s %s→%s\n", r.Seq, r.Time.Format("15:04"), r.Event, r.From, r.To)
	}
	fmt.Println(events.Types())
	// Output:
	// PRB0000001 new priority 2 - high
	// assess known error: false
	// root_cause_analysis known error: false
	// root_cause_analysis known error: true
	// fix_in_progress known error: true
	//   incident INC0000042 resolved by ann for PRB0000001: "Resolved by problem PRB0000001 (fix_applied): Spool volume grown to 200 GB"
	// resolved known error: true
	// closed known error: true
	// 1 09:00 open →new
	// 2 10:00 assess new→assess
	// 3 11:00 confirm assess→root_cause_analysis
	// 4 12:00 record_known_error root_cause_analysis→root_cause_analysis
	// 5 13:00 start_fix root_cause_analysis→fix_in_progress
	// 6 14:00 resolve fix_in_progress→resolved
	// 7 15:00 complete resolved→closed
	// [opened incident_linked assessed confirmed known_error_recorded known_error fix_started resolved incident_notified closed incident_notified]
}

// A service desk matches a new incident's description to a known error's
// workaround.
func ExampleService_SearchKnownErrors() {
	ctx := context.Background()
	svc, _ := problem.New(problem.Config{Store: problemtest.NewStore(), IDs: lifecycle.Sequence("PRB", 3)})
	ann := lifecycle.Actor{ID: "ann"}
	for _, k := range []problem.RecordKnownError{
		{Symptom: "VPN drops every hour", RootCause: "Rekey timer mismatch", Workaround: "Reconnect the VPN client"},
		{Symptom: "Printer shows offline", RootCause: "Driver bug", Workaround: "Restart the print spooler"},
	} {
		p, _ := svc.Open(ctx, ann, problem.Open{Title: "Known issue", Service: "workplace"})
		k.ID = p.ID
		_, _ = svc.RecordKnownError(ctx, ann, k)
	}

	found, _ := svc.SearchKnownErrors(ctx, problem.KnownErrorQuery{Text: "vpn DROPS", Service: "workplace"})
	for _, p := range found {
		fmt.Printf("%s: %s\n", p.ID, p.KnownError.Workaround)
	}
	// Output:
	// PRB001: Reconnect the VPN client
}

// The pure layer: Apply checks and performs one transition on a value,
// without a store; on error the problem is unchanged.
func ExampleProblem_Apply() {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ann := lifecycle.Actor{ID: "ann"}
	p, _, _ := problem.NewProblem("PRB1", lifecycle.DefaultMatrix, ann, now, problem.Open{Title: "Disk alarms"})

	_, err := p.Apply(ann, now, problem.Resolve{Notes: "done"})
	fmt.Println(err)
	fmt.Println(errors.Is(err, lifecycle.ErrInvalidTransition), p.Version)

	_, err = p.Apply(ann, now, problem.Assess{})
	fmt.Println(err)

	events, _ := p.Apply(ann, now, problem.Assess{Group: "storage"})
	fmt.Println(p.State, p.Version, events[0].ID, events[0].Type)
	// Output:
	// problem PRB1: cannot resolve from new (allowed: assign, cancel, link_incident, record_known_error, unlink_incident, update, work_note)
	// true 1
	// problem PRB1: cannot assess from new: invalid group: an assignment group is required to assess a problem
	// assess 2 problem/PRB1/2/0 assessed
}

// Marking a problem as a duplicate closes it and moves its incidents to the
// original.
func ExampleService_MarkDuplicate() {
	ctx := context.Background()
	svc, _ := problem.New(problem.Config{Store: problemtest.NewStore(), IDs: lifecycle.Sequence("PRB", 1)})
	ann := lifecycle.Actor{ID: "ann"}
	orig, _ := svc.Open(ctx, ann, problem.Open{Title: "Mail delayed", Incidents: []string{"INC1"}})
	dup, _ := svc.Open(ctx, ann, problem.Open{Title: "Mail slow", Incidents: []string{"INC2", "INC3"}})
	_, _ = svc.Assess(ctx, ann, problem.Assess{ID: dup.ID, Group: "messaging"})

	dup, _ = svc.MarkDuplicate(ctx, ann, problem.MarkDuplicate{ID: dup.ID, Original: orig.ID})
	orig, _ = svc.Get(ctx, orig.ID)
	fmt.Println(dup.ID, dup.State, dup.Resolution, "of", dup.DuplicateOf, dup.Incidents)
	fmt.Println(orig.ID, orig.State, orig.Incidents)
	// Output:
	// PRB2 closed duplicate of PRB1 []
	// PRB1 new [INC1 INC2 INC3]
}

// Allowed lists what each state accepts, lifecycle events and updates alike.
func ExampleAllowed() {
	fmt.Println(problem.Allowed(problem.StateResolved))
	fmt.Println(problem.Allowed(problem.StateClosed))
	fmt.Println(problem.Allowed(problem.StateCanceled))
	// Output:
	// [assign complete reanalyze record_known_error work_note]
	// [reanalyze]
	// []
}

// The Reactor follows the other processes' events: a resolved major
// incident opens a problem (once, however often the event is delivered),
// and the close of the change that fixes it resolves the problem and,
// through Config.Incidents, the incident waiting on it. A host subscribes
// the Reactor to its lifecycle.Bus, or runs it from an outbox relay,
// instead of calling Notify by hand.
func ExampleReactor() {
	ctx := context.Background()
	svc, err := problem.New(problem.Config{Store: problemtest.NewStore(), Incidents: deskIncidents{}})
	if err != nil {
		panic(err)
	}
	r := &problem.Reactor{Problems: svc, OpenForMajor: true, ResolveOnChange: true}

	major := lifecycle.Notification{ID: "incident/INC7/5/0", Process: "incident", Subject: "INC7", Type: "resolved",
		Snapshot: lifecycle.Snapshot{Major: true, Title: "Mail down", Service: "email", Group: "messaging"}}
	fmt.Println(r.Notify(ctx, major), r.Notify(ctx, major)) // delivered twice
	page, _ := svc.List(ctx, problem.Filter{Incident: "INC7"})
	for _, p := range page.Problems {
		fmt.Println(p.ID, p.State, p.Group, p.Title)
	}

	ann := lifecycle.Actor{ID: "ann"}
	for _, cmd := range []problem.Command{
		problem.Assess{ID: "PRB-INC7"},
		problem.Confirm{ID: "PRB-INC7", Assignee: "ann"},
		problem.StartFix{ID: "PRB-INC7", Changes: []string{"CHG3"}, RootCause: "Relay certificate expired"},
	} {
		if _, err := svc.Do(ctx, ann, cmd); err != nil {
			panic(err)
		}
	}
	closed := lifecycle.Notification{ID: "change/CHG3/9/0", Process: "change", Subject: "CHG3", Type: "closed",
		Data: map[string]string{"outcome": "successful", "problems": "PRB-INC7"}}
	fmt.Println(r.Notify(ctx, closed))
	p, _ := svc.Get(ctx, "PRB-INC7")
	fmt.Println(p.State, p.Resolution, p.ResolutionNotes)
	// Output:
	// <nil> <nil>
	// PRB-INC7 new messaging Root cause of major incident INC7: Mail down
	//   incident INC7 resolved by system for PRB-INC7: "Resolved by problem PRB-INC7 (fix_applied): Fixed by change CHG3 (outcome successful)."
	// <nil>
	// resolved fix_applied Fixed by change CHG3 (outcome successful).
}

// The process's registry: every command a host can send through
// Service.Do, here printed by type name, as a router or an API's
// documentation would enumerate them.
func ExampleCommands() {
	for _, c := range problem.Commands() {
		fmt.Printf("%T\n", c)
	}
	// Output:
	// problem.Assess
	// problem.Confirm
	// problem.MarkDuplicate
	// problem.Cancel
	// problem.StartFix
	// problem.AcceptRisk
	// problem.Resolve
	// problem.Complete
	// problem.Reanalyze
	// problem.Assign
	// problem.Update
	// problem.AddWorkNote
	// problem.LinkIncident
	// problem.UnlinkIncident
	// problem.LinkChange
	// problem.RecordKnownError
}
