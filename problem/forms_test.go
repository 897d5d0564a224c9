package problem_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

// TestPointerFormsRunTheSameRules runs workflows whose commands check other
// records or have follow-ups, once with value commands and once with their
// pointer forms: both give the same problems, the same refusals and the
// same calls on the incident side.
func TestPointerFormsRunTheSameRules(t *testing.T) {
	type outcome struct {
		problems []*problem.Problem
		errs     []string
		calls    []incidentCall
		moves    []incidentMove
	}
	workflow := func(t *testing.T, form func(problem.Command) problem.Command) outcome {
		f := newFixture(t, func(c *problem.Config) { c.ResolveIncidents = problem.WhenResolvedAndClosed })
		orig := f.open(t, "INC1")
		dup := f.open(t, "INC2", "INC3")
		var out outcome
		do := func(id string, c problem.Command) {
			_, err := f.svc.Do(context.Background(), manager, form(withID(c, id)))
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			out.errs = append(out.errs, msg)
		}
		do(dup.ID, problem.Assess{Group: "messaging"})
		do(dup.ID, problem.MarkDuplicate{Original: "PRB-DOES-NOT-EXIST"})
		do(dup.ID, problem.MarkDuplicate{Original: orig.ID})
		for _, c := range toResolved {
			do(orig.ID, c)
		}
		do(orig.ID, problem.Complete{})
		for _, id := range []string{orig.ID, dup.ID} {
			p, err := f.store.Get(context.Background(), id)
			require.NoError(t, err)
			out.problems = append(out.problems, p)
		}
		out.calls, out.moves = f.incidents.Calls(), f.incidents.Moves()
		return out
	}
	values := workflow(t, func(c problem.Command) problem.Command { return c })
	pointers := workflow(t, func(c problem.Command) problem.Command {
		p, _ := lifecycletest.InForm(lifecycletest.FormPointer, c)
		return p
	})
	require.Contains(t, values.errs[1], "PRB-DOES-NOT-EXIST", "a missing original is refused")
	require.NotEmpty(t, values.calls, "the workflow settles incidents")
	require.NotEmpty(t, values.moves, "the workflow moves incidents")
	assert.Equal(t, values, pointers)
}

// TestCommandsListEveryCommand reads the package's source for the command
// types (the exported types with a target method, which the sealed
// Command interface requires) and fails unless problem.Commands lists
// each of them once, and nothing else.
func TestCommandsListEveryCommand(t *testing.T) {
	lifecycletest.CheckRegistry(t, ".", "target", problem.Commands())
}

// The form cases: every command type of problem.Commands, each run on two
// identical fresh fixtures in its value and its pointer form, must give the
// same problems, history included, the same events, the same calls on the
// incident side and the same error.

// formSetup builds a case's problems on a fresh fixture and returns the ID
// of the one the command runs on.
type formSetup func(t *testing.T, f *fixture) string

// fresh is a new problem, PRB0001, with incidents INC1 and INC2.
func fresh(t *testing.T, f *fixture) string {
	t.Helper()
	return f.open(t, "INC1", "INC2").ID
}

// in returns the setup of PRB0001 driven to state along pathTo.
func in(state problem.State) formSetup {
	return func(t *testing.T, f *fixture) string {
		t.Helper()
		id := fresh(t, f)
		f.drive(t, id, pathTo[state]...)
		return id
	}
}

// duplicateOf returns the setup of the duplicate PRB0002 (incidents INC2
// and INC3, in assessment) of PRB0001 (incident INC1), which cmds drive
// first.
func duplicateOf(cmds ...problem.Command) formSetup {
	return func(t *testing.T, f *fixture) string {
		t.Helper()
		orig := f.open(t, "INC1")
		f.drive(t, orig.ID, cmds...)
		dup := f.open(t, "INC2", "INC3")
		f.drive(t, dup.ID, problem.Assess{Group: "messaging"})
		return dup.ID
	}
}

// formCase is a command, by an actor, on the problem of a setup, and the
// class of error it must give ("" for none: it succeeds), so that two
// forms that fail alike where they should succeed do not pass.
type formCase struct {
	name  string
	want  string
	setup formSetup
	actor lifecycle.Actor
	cmd   func(id string) problem.Command
}

// formCases list every command type of problem.Commands at least once
// (TestPointerCommandsActLikeValues fails for any type without a case),
// the commands with rules over other problems and with follow-ups on the
// incident side, and refusals of each kind.
var formCases = []formCase{
	{"assess", "", fresh, manager, func(id string) problem.Command {
		return problem.Assess{ID: id, Version: 1, Group: "messaging", Assignee: "ann", Notes: "looks real"}
	}},
	{"assess without a group", "invalid_transition", fresh, manager, func(id string) problem.Command {
		return problem.Assess{ID: id}
	}},
	{"assess at an old version", "conflict", in(problem.StateNew), manager, func(id string) problem.Command {
		return problem.Assess{ID: id, Version: 2, Group: "messaging"}
	}},
	{"confirm", "", in(problem.StateAssess), manager, func(id string) problem.Command {
		return problem.Confirm{ID: id, Assignee: "ann"}
	}},
	{"mark a duplicate", "", duplicateOf(), manager, func(id string) problem.Command {
		return problem.MarkDuplicate{ID: id, Original: "PRB0001"}
	}},
	{"mark a duplicate of a missing problem", "validation", duplicateOf(), manager, func(id string) problem.Command {
		return problem.MarkDuplicate{ID: id, Original: "PRB-DOES-NOT-EXIST"}
	}},
	{"mark a duplicate of a canceled problem", "validation", duplicateOf(problem.Cancel{Notes: "not a problem"}), manager,
		func(id string) problem.Command { return problem.MarkDuplicate{ID: id, Original: "PRB0001"} }},
	{"cancel", "", in(problem.StateRootCauseAnalysis), manager, func(id string) problem.Command {
		return problem.Cancel{ID: id, Notes: "not worth it"}
	}},
	{"cancel without a reason", "validation", fresh, manager, func(id string) problem.Command {
		return problem.Cancel{ID: id}
	}},
	{"start a fix", "", in(problem.StateRootCauseAnalysis), manager, func(id string) problem.Command {
		return problem.StartFix{ID: id, Changes: []string{"CHG1"}, RootCause: "Spool disk full", Fix: "Grow the volume"}
	}},
	{"start a fix without a change", "validation", in(problem.StateRootCauseAnalysis), manager, func(id string) problem.Command {
		return problem.StartFix{ID: id, RootCause: "Spool disk full"}
	}},
	{"accept the risk", "", in(problem.StateRootCauseAnalysis), manager, func(id string) problem.Command {
		return problem.AcceptRisk{ID: id, Notes: "Too costly to fix"}
	}},
	{"resolve", "", in(problem.StateFixInProgress), manager, func(id string) problem.Command {
		return problem.Resolve{ID: id, Notes: "Spool volume grown", Fix: "Grow the volume"}
	}},
	{"resolve too early", "invalid_transition", in(problem.StateAssess), manager, func(id string) problem.Command {
		return problem.Resolve{ID: id, Notes: "Fixed"}
	}},
	{"complete", "", in(problem.StateResolved), manager, func(id string) problem.Command {
		return problem.Complete{ID: id, Notes: "no recurrence in a week"}
	}},
	{"reanalyze", "", in(problem.StateClosed), manager, func(id string) problem.Command {
		return problem.Reanalyze{ID: id, Notes: "It came back"}
	}},
	{"reanalyze without the role", "forbidden", in(problem.StateClosed), alice, func(id string) problem.Command {
		return problem.Reanalyze{ID: id, Notes: "It came back"}
	}},
	{"assign", "", fresh, manager, func(id string) problem.Command {
		return problem.Assign{ID: id, Group: "platform", Notes: "theirs"}
	}},
	{"assign nothing", "validation", fresh, manager, func(id string) problem.Command {
		return problem.Assign{ID: id}
	}},
	{"update", "", fresh, manager, func(id string) problem.Command {
		return problem.Update{ID: id, Title: new("Mail relay drops most messages"), Impact: 1}
	}},
	{"work note", "", fresh, alice, func(id string) problem.Command {
		return problem.AddWorkNote{ID: id, Text: "Checked the logs"}
	}},
	{"link an incident", "", fresh, manager, func(id string) problem.Command {
		return problem.LinkIncident{ID: id, Incidents: []string{"INC9"}}
	}},
	{"link a linked incident", "validation", fresh, manager, func(id string) problem.Command {
		return problem.LinkIncident{ID: id, Incidents: []string{"INC1"}}
	}},
	{"unlink an incident", "", fresh, manager, func(id string) problem.Command {
		return problem.UnlinkIncident{ID: id, Incidents: []string{"INC1"}}
	}},
	{"link a change", "", in(problem.StateFixInProgress), manager, func(id string) problem.Command {
		return problem.LinkChange{ID: id, Changes: []string{"CHG9"}}
	}},
	{"link a change before the fix", "invalid_transition", fresh, manager, func(id string) problem.Command {
		return problem.LinkChange{ID: id, Changes: []string{"CHG9"}}
	}},
	{"record a known error", "", in(problem.StateRootCauseAnalysis), manager, func(id string) problem.Command {
		return problem.RecordKnownError{ID: id, RootCause: "Spool disk full", Workaround: "Purge the deferred queue"}
	}},
}

// formOutcome is everything a command did: its result, every problem of
// the fixture as stored (history included), the events it notified and
// its calls on the incident side.
type formOutcome struct {
	Got    *problem.Problem
	Stored []*problem.Problem
	Events []lifecycle.Notification
	Calls  []incidentCall
	Moves  []incidentMove
}

// everything returns every problem of f's store, read whole (history and
// work notes included).
func (f *fixture) everything(t *testing.T) []*problem.Problem {
	t.Helper()
	page, err := f.svc.List(ctx, problem.Filter{})
	require.NoError(t, err)
	require.Empty(t, page.Next, "a setup fits on one page")
	var out []*problem.Problem
	for _, p := range page.Problems {
		got, err := f.svc.Export(ctx, p.ID)
		require.NoError(t, err)
		out = append(out, got)
	}
	return out
}

// forms runs the form cases, each on a fresh fixture that settles
// incidents when a problem is resolved and when it is closed, a minute
// after the setup.
var forms = lifecycletest.Forms[formCase, problem.Command, formOutcome]{
	Registry: problem.Commands(),
	Cases:    formCases,
	Name:     func(fc formCase) string { return fc.name },
	Want:     func(fc formCase) string { return fc.want },
	Command:  func(fc formCase, id string) problem.Command { return fc.cmd(id) },
	Do: func(t *testing.T, fc formCase, form lifecycletest.Form) (formOutcome, error) {
		t.Helper()
		f := newFixture(t, func(c *problem.Config) { c.ResolveIncidents = problem.WhenResolvedAndClosed })
		id := fc.setup(t, f)
		f.clock.Advance(time.Minute)
		f.rec.Reset()
		calls, moves := len(f.incidents.Calls()), len(f.incidents.Moves())
		var o formOutcome
		var err error
		if cmd, ok := lifecycletest.InForm(form, fc.cmd(id)); ok {
			o.Got, err = f.svc.Do(ctx, fc.actor, cmd)
		}
		o.Stored = f.everything(t)
		o.Events = f.rec.Events()
		o.Calls, o.Moves = f.incidents.Calls()[calls:], f.incidents.Moves()[moves:]
		return o, err
	},
	// The pure Apply runs on a new problem of its own.
	Apply: func(t *testing.T, fc formCase, cmd problem.Command) lifecycletest.Applied {
		t.Helper()
		p, _, err := problem.NewProblem("PRB-NIL", lifecycle.DefaultMatrix, alice, t0, problem.Open{Title: "t", Incidents: []string{"INC1"}})
		require.NoError(t, err)
		before := p.Clone()
		evs, err := p.Apply(fc.actor, t0, cmd)
		return lifecycletest.Applied{Before: before, After: p, Events: evs, Err: err}
	},
}

// TestPointerCommandsActLikeValues runs the form cases of every registered
// command type on two identical fresh fixtures, once with the command's
// value and once with a pointer to it: the result, every stored problem
// (history included), the events, the calls on the incident side and the
// error (message and class) must be the same.
func TestPointerCommandsActLikeValues(t *testing.T) { forms.TestPointers(t) }

// TestFormCasesDoWhatTheySay checks, in the pointer form, the outcome of
// the cases whose rules read other problems or whose follow-ups reach the
// incident side.
func TestFormCasesDoWhatTheySay(t *testing.T) {
	run := func(name string) (formOutcome, error) {
		return forms.Do(t, forms.Find(t, name), lifecycletest.FormPointer)
	}
	o, err := run("mark a duplicate of a missing problem")
	assert.ErrorContains(t, err, "PRB-DOES-NOT-EXIST")
	assert.Equal(t, problem.StateAssess, o.Stored[1].State)
	assert.Empty(t, o.Events)

	o, err = run("mark a duplicate")
	require.NoError(t, err)
	assert.Equal(t, problem.StateClosed, o.Stored[1].State)
	assert.ElementsMatch(t, []string{"INC1", "INC2", "INC3"}, o.Stored[0].Incidents, "the duplicate's incidents move to the original")
	assert.Len(t, o.Moves, 2)

	for _, name := range []string{"resolve", "accept the risk", "complete"} {
		o, err = run(name)
		require.NoError(t, err, name)
		assert.NotEmpty(t, o.Calls, "%s settles the linked incidents", name)
	}
}

// TestNilCommands: nil, and a nil pointer to every registered command type,
// is a validation error from Do, and from the pure Apply, that stores and
// notifies nothing and calls nothing on the incident side (not a panic).
// Each runs on the setup of its type's first form case.
func TestNilCommands(t *testing.T) { forms.TestNils(t) }
