package change_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// A normal change from request to closure: assessed, authorized by the
// change advisory board (and so scheduled at once), implemented and
// reviewed. The requester hears about it at each step that matters.
func Example() {
	ctx := context.Background()
	rec := &changetest.Recorder{}
	svc, err := change.New(change.Config{
		Store:    changetest.NewStore(),
		Notifier: rec,
		Clock:    lifecycletest.NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)),
		IDs:      lifecycle.Sequence("CHG", 7),
	})
	if err != nil {
		panic(err)
	}
	alice := lifecycle.Actor{ID: "alice"}
	cab := lifecycle.Actor{ID: "carol", Roles: []string{change.RoleChangeManager}}

	c, _ := svc.Create(ctx, alice, change.Create{
		Type:         change.Normal,
		Title:        "Upgrade PostgreSQL to 17.2",
		ConfigItems:  []string{"db-billing"},
		Plans:        change.Plans{Implementation: "pg_upgrade", Backout: "restore snapshot", Test: "billing smoke test"},
		PlannedStart: time.Date(2026, 6, 3, 22, 0, 0, 0, time.UTC),
		PlannedEnd:   time.Date(2026, 6, 4, 0, 0, 0, 0, time.UTC),
	})
	c, _ = svc.Assess(ctx, alice, change.Assess{ID: c.ID})
	c, _ = svc.RequestApproval(ctx, alice, change.RequestApproval{ID: c.ID})
	fmt.Println(c.State, "by", c.Authority, "at risk", c.Risk)

	// The requester may not approve their own change.
	_, err = svc.Approve(ctx, alice, change.Approve{ID: c.ID})
	fmt.Println(errors.Is(err, lifecycle.ErrForbidden))

	c, _ = svc.Approve(ctx, cab, change.Approve{ID: c.ID, Comment: "go ahead"})
	fmt.Println(c.State)
	c, _ = svc.Implement(ctx, alice, change.Implement{ID: c.ID})
	c, _ = svc.Review(ctx, alice, change.Review{ID: c.ID, Outcome: change.OutcomeSuccessful})
	c, _ = svc.Close(ctx, alice, change.Close{ID: c.ID})
	fmt.Println(c.ID, c.State, c.Outcome, "version", c.Version)

	for _, e := range rec.Events() {
		if e.Data["notify"] != "" {
			fmt.Println("notify", e.Data["notify"]+":", e.Type)
		}
	}
	// Output:
	// authorize by CAB (role "change-manager", any) at risk low
	// true
	// scheduled
	// CHG0000001 closed successful version 8
	// notify alice: scheduled
	// notify alice: implementing
	// notify alice: implemented
}

// Conflicts reports every clash of a planned window with the forward
// schedule of change: other changes on the same items, blackouts, items
// outside their maintenance windows.
func ExampleConflicts() {
	berlin := "Europe/Berlin"
	windows := []change.Window{
		{Name: "year-end freeze", Kind: change.Blackout, Zone: berlin,
			Once: &change.Once{Start: change.Date(2026, 12, 20, 0, 0), End: change.Date(2027, 1, 4, 0, 0)}},
		{Name: "db nights", Kind: change.Maintenance, ConfigItems: []string{"db-1"}, Zone: berlin,
			Weekly: &change.Weekly{Days: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday},
				Start: change.Clock(22, 0), End: change.Clock(4, 0)}},
	}
	booked := &change.Change{ID: "CHG-1", State: change.StateScheduled, ConfigItems: []string{"db-1"},
		PlannedStart: time.Date(2026, 12, 21, 21, 0, 0, 0, time.UTC), PlannedEnd: time.Date(2026, 12, 21, 23, 0, 0, 0, time.UTC)}
	mine := &change.Change{ID: "CHG-2", ConfigItems: []string{"db-1"},
		PlannedStart: time.Date(2026, 12, 21, 20, 0, 0, 0, time.UTC), PlannedEnd: time.Date(2026, 12, 21, 22, 0, 0, 0, time.UTC)}

	conflicts, err := change.Conflicts(mine, []*change.Change{booked}, windows)
	if err != nil {
		panic(err)
	}
	for _, c := range conflicts {
		fmt.Println(c.Kind, "-", c.Reason)
	}
	// Output:
	// config_item_booked - configuration item db-1 is also changed by CHG-1 (scheduled) from 2026-12-21T21:00:00Z to 2026-12-21T23:00:00Z
	// blackout - blackout window year-end freeze on every configuration item from 2026-12-19T23:00:00Z to 2027-01-03T23:00:00Z
	// outside_maintenance - configuration item db-1 is outside its maintenance windows (db nights) from 2026-12-21T20:00:00Z to 2026-12-21T21:00:00Z
}

// A change whose window has conflicts is scheduled only with an explicit
// override, given with a reason by a change manager and kept in the
// history.
func ExampleService_Schedule() {
	ctx := context.Background()
	svc, _ := change.New(change.Config{
		Store: changetest.NewStore(),
		Clock: lifecycletest.NewClock(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)),
		IDs:   lifecycle.Sequence("CHG", 3),
		Windows: change.WindowList{{Name: "trading hours", Kind: change.Blackout, ConfigItems: []string{"exchange-gw"},
			Weekly: &change.Weekly{Days: []time.Weekday{1, 2, 3, 4, 5}, Start: change.Clock(8, 0), End: change.Clock(18, 0)}}},
		Rules: change.Rules{Templates: []change.Template{{Name: "cert-rotation", Title: "Rotate TLS certificate",
			Plans: change.Plans{Implementation: "deploy cert", Backout: "redeploy old cert", Test: "TLS handshake"}}}},
	})
	engineer := lifecycle.Actor{ID: "eve"}
	manager := lifecycle.Actor{ID: "carol", Roles: []string{change.RoleChangeManager}}

	c, _ := svc.Create(ctx, engineer, change.Create{Type: change.Standard, Template: "cert-rotation",
		ConfigItems:  []string{"exchange-gw"},
		PlannedStart: time.Date(2026, 6, 2, 12, 0, 0, 0, time.UTC), PlannedEnd: time.Date(2026, 6, 2, 12, 30, 0, 0, time.UTC)})
	_, err := svc.Schedule(ctx, engineer, change.Schedule{ID: c.ID})
	fmt.Println(errors.Is(err, change.ErrScheduleConflict))
	c, err = svc.Schedule(ctx, manager, change.Schedule{ID: c.ID, Override: true, Reason: "certificate expires at 13:00"})
	fmt.Println(c.State, err)
	history, _ := svc.History(ctx, c.ID, 0, 0) // read apart from the change
	last := history[len(history)-1]
	fmt.Printf("%s by %s: %s\n", last.Event, last.Actor, last.Note)
	// Output:
	// true
	// scheduled <nil>
	// schedule by carol: certificate expires at 13:00
}

// The rule-based calculator and the questionnaire each give a level; the
// higher wins.
func ExampleRules_Assess() {
	rules := change.Rules{
		RiskRules: []change.RiskRule{{Name: "payments", Level: change.RiskModerate, Reason: "touches payments",
			When: func(c *change.Change) bool { return c.Service == "payments" }}},
		Questionnaire: &change.Questionnaire{
			Questions: []change.Question{
				{ID: "outage", Text: "Is a service outage needed?", Answers: []change.Answer{{ID: "no"}, {ID: "yes", Weight: 10}}},
				{ID: "done-before", Text: "Has this been done before?", Answers: []change.Answer{{ID: "yes"}, {ID: "no", Weight: 5}}},
			},
			Thresholds: []change.Threshold{{Min: 0, Level: change.RiskLow}, {Min: 10, Level: change.RiskHigh}, {Min: 15, Level: change.RiskVeryHigh}},
		},
	}
	c := &change.Change{Type: change.Normal, Service: "payments", Answers: map[string]string{"outage": "yes", "done-before": "yes"}}
	a := rules.Assess(c, time.Now())
	fmt.Println(a.Rules, a.Matched, a.Questionnaire, a.Score, "->", a.Level)
	// Output:
	// moderate [payments: touches payments] high 10 -> high
}

// Diagram renders a change type's state machine as Mermaid.
func ExampleDiagram() {
	fmt.Print(change.Diagram(change.Standard))
	// Output:
	// stateDiagram-v2
	//     [*] --> new
	//     new --> new : update, set_type, assign, link
	//     new --> scheduled : schedule
	//     new --> canceled : cancel
	//     scheduled --> new : revert
	//     scheduled --> scheduled : assign, link
	//     scheduled --> implement : implement
	//     scheduled --> canceled : cancel
	//     implement --> implement : assign, link
	//     implement --> review : review
	//     implement --> canceled : cancel
	//     review --> review : assign, link
	//     review --> closed : close
	//     closed --> [*]
	//     canceled --> [*]
}

// The process's registry: every command a host can send through
// Service.Do, here printed by type name, as a router or an API's
// documentation would enumerate them.
func ExampleCommands() {
	for _, c := range change.Commands() {
		fmt.Printf("%T\n", c)
	}
	// Output:
	// change.Update
	// change.SetType
	// change.Assign
	// change.Link
	// change.Assess
	// change.RequestApproval
	// change.Approve
	// change.Reject
	// change.Schedule
	// change.Revert
	// change.Implement
	// change.Review
	// change.Close
	// change.Cancel
}
