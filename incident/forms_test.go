package incident_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// TestCommandsListEveryCommand reads the package's source for the command
// types (the exported types with a target method, which the sealed
// Command interface requires) and fails unless incident.Commands lists
// each of them once, and nothing else.
func TestCommandsListEveryCommand(t *testing.T) {
	lifecycletest.CheckRegistry(t, ".", "target", incident.Commands())
}

// The tests of a command's two forms: a Command is a value type, whose
// methods a pointer to it has too, so incident.Resolve{...} and
// &incident.Resolve{...} are the same command and must do the same thing,
// the rules over other incidents and the follow-ups included.

// formSetup builds a case's incidents on a fresh env and returns the ID of
// the one the command runs on.
type formSetup func(t *testing.T, e *env) string

// fresh is a new incident, INC0001.
func fresh(t *testing.T, e *env) string {
	t.Helper()
	return e.open(t, incident.Open{Title: "VPN drops", Caller: "carol", Impact: 2, Urgency: 2, Service: "vpn"}).ID
}

// working is INC0001 assigned to ann in the network group: in progress.
func working(t *testing.T, e *env) string {
	t.Helper()
	id := fresh(t, e)
	e.do(t, ann, incident.Assign{ID: id, Group: "network", Assignee: "ann"})
	return id
}

// held returns the setup of INC0001 in progress, then put on hold by cmd.
func held(cmd incident.Hold) formSetup {
	return func(t *testing.T, e *env) string {
		t.Helper()
		id := working(t, e)
		cmd.ID = id
		e.do(t, ann, cmd)
		return id
	}
}

// resolved is INC0001 resolved.
func resolved(t *testing.T, e *env) string {
	t.Helper()
	id := working(t, e)
	e.do(t, ann, incident.Resolve{ID: id, Code: incident.CodeSolutionProvided, Notes: "restarted the tunnel"})
	return id
}

// proposed is INC0001 proposed as a major incident.
func proposed(t *testing.T, e *env) string {
	t.Helper()
	id := fresh(t, e)
	e.do(t, ann, incident.ProposeMajor{ID: id, Reason: "all of Lyon"})
	return id
}

// linked is INC0001 in progress, linked to problem PRB1 and change CHG1.
func linked(t *testing.T, e *env) string {
	t.Helper()
	id := working(t, e)
	e.do(t, ann, incident.LinkProblem{ID: id, Problem: "PRB1"})
	e.do(t, ann, incident.LinkChange{ID: id, Change: "CHG1"})
	return id
}

// twoOpen is INC0001 next to an open INC0002, a parent to be.
func twoOpen(t *testing.T, e *env) string {
	t.Helper()
	id := fresh(t, e)
	e.open(t, incident.Open{Title: "core switch down"})
	return id
}

// parentOfTwo is the parent INC0001 of two open children (INC0002 new,
// INC0003 in progress).
func parentOfTwo(t *testing.T, e *env) string {
	t.Helper()
	id := working(t, e)
	e.open(t, incident.Open{Title: "no network on floor 1", Parent: id})
	c := e.open(t, incident.Open{Title: "no network on floor 2", Parent: id})
	e.do(t, ann, incident.Assign{ID: c.ID, Assignee: "bob"})
	return id
}

// childOfResolved is the child INC0002 of INC0001, both resolved by the
// parent's resolution.
func childOfResolved(t *testing.T, e *env) string {
	t.Helper()
	p := working(t, e)
	c := e.open(t, incident.Open{Title: "no network on floor 1", Parent: p})
	e.do(t, ann, incident.Resolve{ID: p, Code: incident.CodeSolutionProvided, Notes: "replaced the switch"})
	return c.ID
}

// child is the open child INC0002 of the open INC0001.
func child(t *testing.T, e *env) string {
	t.Helper()
	p := working(t, e)
	return e.open(t, incident.Open{Title: "no network on floor 1", Parent: p}).ID
}

// formCase is a command, by an actor, on the incident of a setup, and
// the class of error it must give ("" for none: it succeeds), so that
// two forms that fail alike where they should succeed do not pass.
type formCase struct {
	name  string
	want  string
	setup formSetup
	actor lifecycle.Actor
	cmd   func(id string) incident.Command
}

// formCases list every command type of incident.Commands at least once
// (TestPointerCommandsActLikeValues fails for any type without a case),
// the commands with rules over other incidents and with follow-ups, and
// refusals of each kind: validation, transition, role.
var formCases = []formCase{
	{"assign", "", fresh, ann, func(id string) incident.Command {
		return incident.Assign{ID: id, Version: 1, Group: "network", Assignee: "ann", Note: "mine"}
	}},
	{"assign nobody", "validation", fresh, ann, func(id string) incident.Command { return incident.Assign{ID: id} }},
	{"assign at an old version", "conflict", working, ann, func(id string) incident.Command {
		return incident.Assign{ID: id, Version: 1, Assignee: "bob"}
	}},
	{"escalate functionally", "", working, ann, func(id string) incident.Command {
		return incident.EscalateFunctional{ID: id, Group: "security", Assignee: "sam", Reason: "looks like an attack"}
	}},
	{"escalate to the same group", "validation", working, ann, func(id string) incident.Command {
		return incident.EscalateFunctional{ID: id, Group: "network", Reason: "again"}
	}},
	{"escalate hierarchically", "", working, ann, func(id string) incident.Command {
		return incident.EscalateHierarchical{ID: id, Reason: "the CEO's laptop"}
	}},
	{"escalate above the top", "validation", working, ann, func(id string) incident.Command {
		return incident.EscalateHierarchical{ID: id, Level: 99, Reason: "everyone"}
	}},
	{"hold for the caller", "", working, ann, func(id string) incident.Command {
		return incident.Hold{ID: id, Reason: incident.HoldAwaitingCaller, Comment: "Which client version?"}
	}},
	{"hold for a problem, linking it", "", working, ann, func(id string) incident.Command {
		return incident.Hold{ID: id, Reason: incident.HoldAwaitingProblem, Problem: "PRB1"}
	}},
	{"hold a new incident", "invalid_transition", fresh, ann, func(id string) incident.Command {
		return incident.Hold{ID: id, Reason: incident.HoldAwaitingVendor}
	}},
	{"resume", "", held(incident.Hold{Reason: incident.HoldAwaitingVendor}), ann, func(id string) incident.Command {
		return incident.Resume{ID: id, Note: "the vendor answered"}
	}},
	{"resolve", "", working, ann, func(id string) incident.Command {
		return incident.Resolve{ID: id, Code: incident.CodeWorkaroundProvided, Notes: "use the web client"}
	}},
	{"resolve a parent and its children", "", parentOfTwo, ann, func(id string) incident.Command {
		return incident.Resolve{ID: id, Code: incident.CodeSolutionProvided, Notes: "replaced the switch"}
	}},
	{"resolve without notes", "validation", working, ann, func(id string) incident.Command {
		return incident.Resolve{ID: id, Code: incident.CodeSolutionProvided}
	}},
	{"reopen", "", resolved, carol, func(id string) incident.Command {
		return incident.Reopen{ID: id, Reason: "still down"}
	}},
	{"reopen a child under a resolved parent", "invalid_transition", childOfResolved, carol, func(id string) incident.Command {
		return incident.Reopen{ID: id, Reason: "still down"}
	}},
	{"close", "", resolved, carol, func(id string) incident.Command { return incident.Close{ID: id, Note: "works"} }},
	{"close an open incident", "invalid_transition", working, carol, func(id string) incident.Command { return incident.Close{ID: id} }},
	{"cancel", "", fresh, ann, func(id string) incident.Command { return incident.Cancel{ID: id, Reason: "duplicate"} }},
	{"cancel without a reason", "validation", fresh, ann, func(id string) incident.Command { return incident.Cancel{ID: id} }},
	{"update", "", working, ann, func(id string) incident.Command {
		return incident.Update{ID: id, Title: text("VPN drops every hour"), Impact: 1,
			Attributes: map[string]string{"site": "lyon"}, Note: "worse than thought"}
	}},
	{"update nothing", "validation", working, ann, func(id string) incident.Command {
		return incident.Update{ID: id, Title: text("VPN drops")}
	}},
	{"comment", "", working, ann, func(id string) incident.Command {
		return incident.Comment{ID: id, Text: "We are on it"}
	}},
	{"comment on a resolved incident", "", resolved, ann, func(id string) incident.Command {
		return incident.Comment{ID: id, Text: "Tell us if it comes back"}
	}},
	{"work note", "", working, ann, func(id string) incident.Command {
		return incident.WorkNote{ID: id, Text: "tunnel flapping"}
	}},
	{"blank work note", "validation", working, ann, func(id string) incident.Command { return incident.WorkNote{ID: id, Text: " "} }},
	{"caller update that resumes", "", held(incident.Hold{Reason: incident.HoldAwaitingCaller, Comment: "Which office?"}), carol,
		func(id string) incident.Command { return incident.CallerUpdate{ID: id, Text: "Lyon"} }},
	{"caller update", "", working, carol, func(id string) incident.Command {
		return incident.CallerUpdate{ID: id, Text: "It dropped again"}
	}},
	{"propose major", "", fresh, ann, func(id string) incident.Command {
		return incident.ProposeMajor{ID: id, Reason: "all of Lyon"}
	}},
	{"propose major twice", "invalid_transition", proposed, ann, func(id string) incident.Command {
		return incident.ProposeMajor{ID: id, Reason: "all of Lyon"}
	}},
	{"accept major", "", proposed, manager, func(id string) incident.Command {
		return incident.AcceptMajor{ID: id, Note: "bridge call at 10"}
	}},
	{"accept major without the role", "forbidden", proposed, ann, func(id string) incident.Command {
		return incident.AcceptMajor{ID: id}
	}},
	{"reject major", "", proposed, manager, func(id string) incident.Command {
		return incident.RejectMajor{ID: id, Reason: "one office only"}
	}},
	{"set a parent", "", twoOpen, ann, func(id string) incident.Command {
		return incident.SetParent{ID: id, Parent: "INC0002"}
	}},
	{"set a missing parent", "validation", fresh, ann, func(id string) incident.Command {
		return incident.SetParent{ID: id, Parent: "INC9999"}
	}},
	{"set a parent that is a child", "validation", child, ann, func(string) incident.Command {
		return incident.SetParent{ID: "INC0001", Parent: "INC0002"}
	}},
	{"detach", "", child, ann, func(id string) incident.Command { return incident.SetParent{ID: id} }},
	{"link a problem", "", working, ann, func(id string) incident.Command {
		return incident.LinkProblem{ID: id, Problem: "PRB1"}
	}},
	{"link a linked problem", "validation", linked, ann, func(id string) incident.Command {
		return incident.LinkProblem{ID: id, Problem: "PRB1"}
	}},
	{"unlink a problem", "", linked, ann, func(id string) incident.Command {
		return incident.UnlinkProblem{ID: id, Problem: "PRB1"}
	}},
	{"unlink the awaited problem", "validation", held(incident.Hold{Reason: incident.HoldAwaitingProblem, Problem: "PRB1"}), ann,
		func(id string) incident.Command { return incident.UnlinkProblem{ID: id, Problem: "PRB1"} }},
	{"link a change", "", working, ann, func(id string) incident.Command {
		return incident.LinkChange{ID: id, Change: "CHG1"}
	}},
	{"unlink a change", "", linked, ann, func(id string) incident.Command {
		return incident.UnlinkChange{ID: id, Change: "CHG1"}
	}},
	{"unlink a change never linked", "validation", working, ann, func(id string) incident.Command {
		return incident.UnlinkChange{ID: id, Change: "CHG1"}
	}},
}

// formOutcome is everything a command did: its result, every incident of
// the setup read whole (history and journal included), and the events it
// notified.
type formOutcome struct {
	Got    *incident.Incident
	Stored []*incident.Incident
	Events []lifecycle.Notification
}

// everything returns every incident of e's store, read whole.
func (e *env) everything(t *testing.T) []*incident.Incident {
	t.Helper()
	page, err := e.svc.List(ctx, incident.Filter{})
	require.NoError(t, err)
	require.Empty(t, page.Next, "a setup fits on one page")
	var out []*incident.Incident
	for _, x := range page.Incidents {
		out = append(out, e.get(t, x.ID))
	}
	return out
}

// forms runs the form cases: each on a fresh setup, a minute after it.
var forms = lifecycletest.Forms[formCase, incident.Command, formOutcome]{
	Registry: incident.Commands(),
	Cases:    formCases,
	Name:     func(fc formCase) string { return fc.name },
	Want:     func(fc formCase) string { return fc.want },
	Command:  func(fc formCase, id string) incident.Command { return fc.cmd(id) },
	Do: func(t *testing.T, fc formCase, f lifecycletest.Form) (formOutcome, error) {
		t.Helper()
		e := newEnv(t)
		id := fc.setup(t, e)
		e.clock.Advance(time.Minute)
		e.rec.Reset()
		var o formOutcome
		var err error
		if cmd, ok := lifecycletest.InForm(f, fc.cmd(id)); ok {
			o.Got, err = e.svc.Do(ctx, fc.actor, cmd)
		}
		o.Stored = e.everything(t)
		o.Events = e.rec.Events()
		return o, err
	},
	Apply: func(t *testing.T, fc formCase, cmd incident.Command) lifecycletest.Applied {
		t.Helper()
		e := newEnv(t)
		id := fc.setup(t, e)
		x := e.get(t, id)
		evs, err := x.Apply(fc.actor, start, cmd)
		return lifecycletest.Applied{Before: e.get(t, id), After: x, Events: evs, Err: err}
	},
}

// TestPointerCommandsActLikeValues runs the form cases of every registered
// command type on two identical fresh setups, once with the command's
// value and once with a pointer to it: the result, every stored incident
// (history and journal included), the events and the error (message and
// class) must be the same.
func TestPointerCommandsActLikeValues(t *testing.T) { forms.TestPointers(t) }

// TestFormCasesDoWhatTheySay checks, in the pointer form, the outcome of
// the cases whose rules read other incidents or whose follow-ups change
// them.
func TestFormCasesDoWhatTheySay(t *testing.T) {
	run := func(name string) (formOutcome, error) {
		return forms.Do(t, forms.Find(t, name), lifecycletest.FormPointer)
	}
	o, err := run("resolve a parent and its children")
	require.NoError(t, err)
	require.Len(t, o.Stored, 3)
	for _, x := range o.Stored {
		assert.Equal(t, incident.StateResolved, x.State, x.ID)
	}
	assert.Len(t, o.Events, 3, "the parent's resolution, then each child's")

	o, err = run("set a parent")
	require.NoError(t, err)
	assert.Equal(t, "INC0002", o.Stored[0].Parent)

	o, err = run("set a missing parent")
	assert.ErrorContains(t, err, "INC9999 does not exist")
	assert.Empty(t, o.Stored[0].Parent)
	assert.Empty(t, o.Events)
}

// TestNilCommands: nil, and a nil pointer to every registered command
// type, in Do and in the pure Apply, is a validation error that changes
// nothing (not a panic). Each runs on the setup of its type's first form
// case.
func TestNilCommands(t *testing.T) { forms.TestNils(t) }

// text returns a pointer to s, for Update's optional fields.
func text(s string) *string { return &s }
