package change_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// The tests of a command's two forms: a Command is a value type, whose
// methods a pointer to it has too, so change.Schedule{...} and
// &change.Schedule{...} are the same command and must do the same thing.

// formRules pick the authority by risk: the change manager (any holder of
// the role) for low and moderate risk, the CAB (carol and dave, both) for
// high, the ECAB for emergencies.
func formRules() change.Rules {
	r := testRules()
	r.Authorities = []change.Authority{
		{Name: "Change manager", Types: []change.Type{change.Normal}, Risks: []change.Risk{change.RiskLow, change.RiskModerate},
			Role: change.RoleChangeManager, Policy: lifecycle.ConsentAny},
		{Name: "CAB", Types: []change.Type{change.Normal}, Approvers: []string{"carol", "dave"}, Policy: lifecycle.ConsentAll},
		{Name: "ECAB", Types: []change.Type{change.Emergency}, Role: change.RoleECAB, Policy: lifecycle.ConsentAny},
	}
	return r
}

// formFreeze is a blackout on db-1 inside every form change's window
// (t0+48h to t0+50h: 2026-06-03, 09:00 to 11:00 UTC); web-1 is free.
var formFreeze = change.Window{Name: "freeze", Kind: change.Blackout, ConfigItems: []string{"db-1"},
	Once: &change.Once{Start: change.Date(2026, 6, 3, 9, 30), End: change.Date(2026, 6, 3, 10, 0)}}

// formSetup says which change a command runs on: its type, its one
// configuration item, and the state the Service drives it to (authorized
// too, when approved).
type formSetup struct {
	typ      change.Type
	ci       string
	state    change.State
	approved bool
}

// prepare returns a fresh Service (form rules, the freeze, an in-memory
// store, a recorder, a clock at t0) holding one change made and driven as
// setup says, and the change's ID.
func (setup formSetup) prepare(t *testing.T) (*change.Service, *changetest.Recorder, string) {
	t.Helper()
	rec := &changetest.Recorder{}
	s, err := change.New(change.Config{Store: changetest.NewStore(), Notifier: rec, Clock: lifecycletest.NewClock(t0),
		IDs: lifecycle.Sequence("CHG", 4), Rules: formRules(), Windows: change.WindowList{formFreeze}})
	require.NoError(t, err)
	req := change.Create{Type: setup.typ, Title: "Upgrade", ConfigItems: []string{setup.ci}, Plans: fullPlans,
		PlannedStart: t0.Add(48 * time.Hour), PlannedEnd: t0.Add(50 * time.Hour)}
	if setup.typ == change.Standard {
		req.Template, req.Plans = "os-patch", change.Plans{}
	}
	c, err := s.Create(ctx, alice, req)
	require.NoError(t, err)
	for steps := 0; c.State != setup.state || setup.approved && !c.Authorized(); steps++ {
		require.Less(t, steps, 10, "cannot drive %s to %+v", c.ID, setup)
		var cmd change.Command
		actor := alice
		switch {
		case c.State == change.StateNew && c.Type == change.Normal:
			cmd = change.Assess{ID: c.ID}
		case c.State == change.StateNew && c.Type == change.Emergency, c.State == change.StateAssess:
			cmd = change.RequestApproval{ID: c.ID}
		case c.State == change.StateNew: // standard
			cmd = change.Schedule{ID: c.ID, Override: len(c.Conflicts) > 0, Reason: "agreed"}
			actor = carol
		case c.State == change.StateAuthorize && !c.Authorized():
			cmd = change.Approve{ID: c.ID}
			actor = carol
			if slices.ContainsFunc(c.Approvals, func(a lifecycle.Vote) bool { return a.Approver == carol.ID }) {
				actor = dave
			}
		case c.State == change.StateAuthorize:
			cmd, actor = change.Schedule{ID: c.ID, Override: true, Reason: "agreed"}, carol
		case c.State == change.StateScheduled:
			cmd = change.Implement{ID: c.ID}
		case c.State == change.StateImplement:
			cmd = change.Review{ID: c.ID, Outcome: change.OutcomeSuccessful, Notes: "fine"}
		default:
			t.Fatalf("cannot drive %s from %s to %+v", c.ID, c.State, setup)
		}
		c, err = s.Do(ctx, actor, cmd)
		require.NoError(t, err, "driving %s with %T", c, cmd)
	}
	return s, rec, c.ID
}

// formCase is a command on the change of a setup, by an actor, and the
// class of error it must give ("" for none: it succeeds), so that two
// forms that fail alike where they should succeed do not pass.
type formCase struct {
	name  string
	want  string
	setup formSetup
	actor lifecycle.Actor
	cmd   func(id string) change.Command
}

// formCases list every command type of change.Commands at least once
// (TestPointerCommandsActLikeValues fails for any type without a case),
// the commands that read the forward schedule on a free item and on the
// frozen one, and refusals.
var formCases = []formCase{
	{"update", "", formSetup{change.Normal, "web-1", change.StateNew, false}, alice, func(id string) change.Command {
		return change.Update{ID: id, Title: ptr("Upgrade the web tier"), PlannedStart: t0.Add(72 * time.Hour), PlannedEnd: t0.Add(74 * time.Hour)}
	}},
	{"update nothing", "validation", formSetup{change.Normal, "web-1", change.StateNew, false}, alice, func(id string) change.Command {
		return change.Update{ID: id}
	}},
	{"set type", "", formSetup{change.Normal, "web-1", change.StateNew, false}, alice, func(id string) change.Command {
		return change.SetType{ID: id, Type: change.Standard, Template: "os-patch"}
	}},
	{"assign", "", formSetup{change.Emergency, "web-1", change.StateNew, false}, alice, func(id string) change.Command {
		return change.Assign{ID: id, Group: "dba", Assignee: "bob"}
	}},
	{"link", "", formSetup{change.Standard, "web-1", change.StateScheduled, false}, bob, func(id string) change.Command {
		return change.Link{ID: id, Problems: []string{"PRB-1"}, Incidents: []string{"INC-2"}}
	}},
	{"assess free", "", formSetup{change.Normal, "web-1", change.StateNew, false}, alice, func(id string) change.Command {
		return change.Assess{ID: id, Version: 1}
	}},
	{"assess in a blackout", "", formSetup{change.Normal, "db-1", change.StateNew, false}, alice, func(id string) change.Command {
		return change.Assess{ID: id}
	}},
	{"request approval free", "", formSetup{change.Normal, "web-1", change.StateAssess, false}, alice, func(id string) change.Command {
		return change.RequestApproval{ID: id}
	}},
	{"request approval in a blackout", "", formSetup{change.Normal, "db-1", change.StateAssess, false}, alice, func(id string) change.Command {
		return change.RequestApproval{ID: id}
	}},
	{"request emergency approval", "", formSetup{change.Emergency, "db-1", change.StateNew, false}, alice, func(id string) change.Command {
		return change.RequestApproval{ID: id}
	}},
	{"approve and schedule", "", formSetup{change.Normal, "web-1", change.StateAuthorize, false}, carol, func(id string) change.Command {
		return change.Approve{ID: id, Comment: "fine"}
	}},
	{"approve one of two", "", formSetup{change.Normal, "db-1", change.StateAuthorize, false}, dave, func(id string) change.Command {
		return change.Approve{ID: id, Comment: "fine"}
	}},
	{"approve own change", "forbidden", formSetup{change.Normal, "web-1", change.StateAuthorize, false}, alice, func(id string) change.Command {
		return change.Approve{ID: id}
	}},
	{"reject", "", formSetup{change.Normal, "db-1", change.StateAuthorize, false}, carol, func(id string) change.Command {
		return change.Reject{ID: id, Comment: "not in the freeze"}
	}},
	{"schedule free", "", formSetup{change.Standard, "web-1", change.StateNew, false}, alice, func(id string) change.Command {
		return change.Schedule{ID: id}
	}},
	{"schedule in a blackout", "validation", formSetup{change.Standard, "db-1", change.StateNew, false}, alice, func(id string) change.Command {
		return change.Schedule{ID: id}
	}},
	{"schedule in a blackout with an override", "", formSetup{change.Standard, "db-1", change.StateNew, false}, carol, func(id string) change.Command {
		return change.Schedule{ID: id, Override: true, Reason: "security fix"}
	}},
	{"schedule authorized with an override", "", formSetup{change.Normal, "db-1", change.StateAuthorize, true}, dave, func(id string) change.Command {
		return change.Schedule{ID: id, Override: true, Reason: "agreed with the DBAs"}
	}},
	{"revert", "", formSetup{change.Normal, "web-1", change.StateScheduled, false}, alice, func(id string) change.Command {
		return change.Revert{ID: id, Reason: "replan"}
	}},
	{"implement", "", formSetup{change.Emergency, "web-1", change.StateScheduled, false}, bob, func(id string) change.Command {
		return change.Implement{ID: id}
	}},
	{"implement too early", "invalid_transition", formSetup{change.Normal, "web-1", change.StateNew, false}, bob, func(id string) change.Command {
		return change.Implement{ID: id}
	}},
	{"review", "", formSetup{change.Normal, "web-1", change.StateImplement, false}, bob, func(id string) change.Command {
		return change.Review{ID: id, Outcome: change.OutcomeSuccessfulWithIssues, Notes: "slow"}
	}},
	{"close", "", formSetup{change.Emergency, "web-1", change.StateReview, false}, alice, func(id string) change.Command {
		return change.Close{ID: id, Notes: "reviewed"}
	}},
	{"cancel", "", formSetup{change.Normal, "db-1", change.StateAssess, false}, alice, func(id string) change.Command {
		return change.Cancel{ID: id, Reason: "superseded"}
	}},
	{"cancel without a reason", "validation", formSetup{change.Normal, "web-1", change.StateNew, false}, alice, func(id string) change.Command {
		return change.Cancel{ID: id}
	}},
}

// formOutcome is everything a command did: its result, the change read
// whole (history included) and the events it notified.
type formOutcome struct {
	Got    *change.Change
	Stored *change.Change
	Events []lifecycle.Notification
}

// forms runs the form cases, each on a fresh setup.
var forms = lifecycletest.Forms[formCase, change.Command, formOutcome]{
	Registry: change.Commands(),
	Cases:    formCases,
	Name:     func(fc formCase) string { return fc.name },
	Want:     func(fc formCase) string { return fc.want },
	Command:  func(fc formCase, id string) change.Command { return fc.cmd(id) },
	Do: func(t *testing.T, fc formCase, f lifecycletest.Form) (formOutcome, error) {
		t.Helper()
		s, rec, id := fc.setup.prepare(t)
		before := len(rec.Events())
		var o formOutcome
		var err error
		if cmd, ok := lifecycletest.InForm(f, fc.cmd(id)); ok {
			o.Got, err = s.Do(ctx, fc.actor, cmd)
		}
		var gerr error
		o.Stored, gerr = s.Export(ctx, id)
		require.NoError(t, gerr)
		o.Events = rec.Events()[before:]
		return o, err
	},
	Apply: func(t *testing.T, fc formCase, cmd change.Command) lifecycletest.Applied {
		t.Helper()
		s, _, id := fc.setup.prepare(t)
		before, err := s.Export(ctx, id)
		require.NoError(t, err)
		x := before.Clone()
		evs, err := formRules().Apply(x, fc.actor, t0, cmd)
		return lifecycletest.Applied{Before: before, After: x, Events: evs, Err: err}
	},
}

// TestPointerCommandsActLikeValues runs the form cases of every registered
// command type on two identical fresh setups, once with the command's
// value and once with a pointer to it: the result, the stored change
// (history included), the events and the error (message and class) must
// be the same.
func TestPointerCommandsActLikeValues(t *testing.T) { forms.TestPointers(t) }

// TestPointerCommandsReadTheSchedule checks, in the pointer form, the
// three commands that read the forward schedule on the frozen item: each
// must see the blackout, not an empty schedule.
func TestPointerCommandsReadTheSchedule(t *testing.T) {
	run := func(t *testing.T, name string) (formOutcome, error) {
		return forms.Do(t, forms.Find(t, name), lifecycletest.FormPointer)
	}
	blackout := func(t *testing.T, cs []change.Conflict) {
		t.Helper()
		require.Len(t, cs, 1)
		assert.Equal(t, change.ConflictBlackout, cs[0].Kind)
		assert.Equal(t, "freeze", cs[0].Window)
	}

	t.Run("a standard change in a blackout is not booked without an override", func(t *testing.T) {
		o, err := run(t, "schedule in a blackout")
		assert.ErrorIs(t, err, lifecycle.ErrValidation)
		assert.ErrorContains(t, err, "blackout window freeze")
		assert.Nil(t, o.Got)
		assert.Equal(t, change.StateNew, o.Stored.State)
		assert.Nil(t, o.Stored.Override)
		assert.Empty(t, o.Events)
	})
	t.Run("assess records the blackout and its high risk", func(t *testing.T) {
		o, err := run(t, "assess in a blackout")
		require.NoError(t, err)
		blackout(t, o.Stored.Conflicts)
		assert.Equal(t, change.RiskHigh, o.Stored.Risk)
		assert.Equal(t, bare(o.Stored), o.Got, "the result is the change as stored, without its history")
	})
	t.Run("request approval keeps the conflicts and asks the CAB", func(t *testing.T) {
		o, err := run(t, "request approval in a blackout")
		require.NoError(t, err)
		blackout(t, o.Stored.Conflicts)
		assert.Equal(t, change.RiskHigh, o.Stored.Risk)
		require.NotNil(t, o.Stored.Authority)
		assert.Equal(t, "CAB", o.Stored.Authority.Name)
		require.Len(t, o.Events, 1)
		assert.Equal(t, "CAB", o.Events[0].Data["authority"])
	})
}

// TestNilCommands: nil, and a nil pointer to every registered command
// type, in Do and in the pure Apply, is a validation error that changes
// nothing (not a panic). Each runs on the change of its type's first form
// case.
func TestNilCommands(t *testing.T) { forms.TestNils(t) }

// TestCommandsListEveryCommand reads the package's source for the command
// types (the exported types with an event method, which the sealed
// Command interface requires) and fails unless change.Commands lists each
// of them once, and nothing else.
func TestCommandsListEveryCommand(t *testing.T) {
	lifecycletest.CheckRegistry(t, ".", "event", change.Commands())
}
