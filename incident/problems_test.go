package incident_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
)

func TestResolveForProblem(t *testing.T) {
	e := newEnv(t)
	waiting := e.open(t, incident.Open{})
	e.do(t, ann, incident.Assign{ID: waiting.ID, Assignee: "ann"})
	e.do(t, ann, incident.Hold{ID: waiting.ID, Reason: incident.HoldAwaitingProblem, Problem: "PRB1"})
	child := e.open(t, incident.Open{Parent: waiting.ID})
	otherProblem := e.open(t, incident.Open{})
	e.do(t, ann, incident.Assign{ID: otherProblem.ID, Assignee: "ann"})
	e.do(t, ann, incident.Hold{ID: otherProblem.ID, Reason: incident.HoldAwaitingProblem, Problem: "PRB2"})
	working := e.open(t, incident.Open{})
	e.do(t, ann, incident.LinkProblem{ID: working.ID, Problem: "PRB1"})

	fixer := lifecycle.Actor{ID: "problem-manager"}
	require.NoError(t, e.svc.ResolveForProblem(ctx, fixer, waiting.ID, "PRB1", ""))
	x := e.get(t, waiting.ID)
	assert.Equal(t, incident.StateResolved, x.State)
	assert.Equal(t, incident.CodeResolvedByProblem, x.ResolutionCode)
	assert.Equal(t, "resolved by the fix of problem PRB1", x.ResolutionNotes)
	assert.Equal(t, "problem-manager", x.ResolvedBy)
	assert.Equal(t, incident.StateResolved, e.get(t, child.ID).State, "its children follow")

	// Idempotent, and a no-op for incidents not waiting on that problem.
	v := x.Version
	require.NoError(t, e.svc.ResolveForProblem(ctx, fixer, waiting.ID, "PRB1", "again"))
	assert.Equal(t, v, e.get(t, waiting.ID).Version)
	require.NoError(t, e.svc.ResolveForProblem(ctx, fixer, otherProblem.ID, "PRB1", ""))
	assert.Equal(t, incident.StateOnHold, e.get(t, otherProblem.ID).State)
	require.NoError(t, e.svc.ResolveForProblem(ctx, fixer, working.ID, "PRB1", ""))
	assert.Equal(t, incident.StateNew, e.get(t, working.ID).State)
	require.NoError(t, e.svc.ResolveForProblem(ctx, fixer, otherProblem.ID, "PRB2", "patched"))
	assert.Equal(t, "patched", e.get(t, otherProblem.ID).ResolutionNotes)

	assert.ErrorIs(t, e.svc.ResolveForProblem(ctx, fixer, "INC9999", "PRB1", ""), lifecycle.ErrNotFound)
	assert.ErrorIs(t, e.svc.ResolveForProblem(ctx, fixer, waiting.ID, "", ""), lifecycle.ErrValidation)
	assert.ErrorIs(t, e.svc.ResolveForProblem(ctx, lifecycle.Actor{}, waiting.ID, "PRB1", ""), lifecycle.ErrValidation)
}

func TestResumeForProblem(t *testing.T) {
	e := newEnv(t)
	waiting := e.open(t, incident.Open{})
	e.do(t, ann, incident.Assign{ID: waiting.ID, Assignee: "ann"})
	e.do(t, ann, incident.Hold{ID: waiting.ID, Reason: incident.HoldAwaitingProblem, Problem: "PRB1"})
	vendor := e.open(t, incident.Open{})
	e.do(t, ann, incident.LinkProblem{ID: vendor.ID, Problem: "PRB1"})
	e.do(t, ann, incident.Assign{ID: vendor.ID, Assignee: "ann"})
	e.do(t, ann, incident.Hold{ID: vendor.ID, Reason: incident.HoldAwaitingVendor})

	pm := lifecycle.Actor{ID: "pm"}
	e.rec.Reset()
	require.NoError(t, e.svc.ResumeForProblem(ctx, pm, waiting.ID, "PRB1", "risk accepted: restart the spooler when it hangs"))
	x := e.get(t, waiting.ID)
	assert.Equal(t, incident.StateInProgress, x.State)
	assert.Empty(t, x.HoldReason)
	require.Len(t, x.WorkNotes, 1)
	assert.Equal(t, incident.Note{Time: start, Author: "pm", Text: "risk accepted: restart the spooler when it hangs", Version: x.Version}, x.WorkNotes[0])
	last := x.History[len(x.History)-1]
	assert.Equal(t, "resume", last.Event)
	assert.Equal(t, "pm", last.Actor)
	evs := e.rec.Events()
	require.Len(t, evs, 1)
	assert.Equal(t, incident.TypeResumed, evs[0].Type)
	assert.Equal(t, "PRB1", evs[0].Data["problem"])

	// Idempotent; incidents on hold for another reason are left alone.
	v := x.Version
	require.NoError(t, e.svc.ResumeForProblem(ctx, pm, waiting.ID, "PRB1", ""))
	assert.Equal(t, v, e.get(t, waiting.ID).Version)
	require.NoError(t, e.svc.ResumeForProblem(ctx, pm, vendor.ID, "PRB1", ""))
	assert.Equal(t, incident.StateOnHold, e.get(t, vendor.ID).State)

	// A default note when none is given.
	other := e.open(t, incident.Open{})
	e.do(t, ann, incident.Assign{ID: other.ID, Assignee: "ann"})
	e.do(t, ann, incident.Hold{ID: other.ID, Reason: incident.HoldAwaitingProblem, Problem: "PRB2"})
	require.NoError(t, e.svc.ResumeForProblem(ctx, pm, other.ID, "PRB2", " "))
	assert.Contains(t, e.get(t, other.ID).WorkNotes[0].Text, "problem PRB2 ended without a fix")

	assert.ErrorIs(t, e.svc.ResumeForProblem(ctx, pm, "INC9999", "PRB1", ""), lifecycle.ErrNotFound)
	assert.ErrorIs(t, e.svc.ResumeForProblem(ctx, pm, waiting.ID, "", ""), lifecycle.ErrValidation)
	assert.ErrorIs(t, e.svc.ResumeForProblem(ctx, lifecycle.Actor{}, waiting.ID, "PRB1", ""), lifecycle.ErrValidation)
}

func TestMoveToProblem(t *testing.T) {
	e := newEnv(t)
	pm := lifecycle.Actor{ID: "pm"}
	waiting := e.open(t, incident.Open{})
	e.do(t, ann, incident.Assign{ID: waiting.ID, Assignee: "ann"})
	e.do(t, ann, incident.Hold{ID: waiting.ID, Reason: incident.HoldAwaitingProblem, Problem: "PRB-DUP"})

	e.rec.Reset()
	require.NoError(t, e.svc.MoveToProblem(ctx, pm, waiting.ID, "PRB-DUP", "PRB-ORIG"))
	x := e.get(t, waiting.ID)
	assert.Equal(t, []string{"PRB-ORIG"}, x.Problems)
	assert.Equal(t, incident.StateOnHold, x.State, "it now awaits the original")
	assert.Equal(t, incident.HoldAwaitingProblem, x.HoldReason)
	last := x.History[len(x.History)-1]
	assert.Equal(t, "link_problem", last.Event)
	assert.Equal(t, []lifecycle.FieldChange{{Field: "problems", New: "PRB-ORIG"}, {Field: "problems", Old: "PRB-DUP"}}, last.Changes)
	var types []string
	for _, ev := range e.rec.Events() {
		types = append(types, ev.Type)
	}
	assert.Equal(t, []string{incident.TypeProblemLinked, incident.TypeProblemUnlinked}, types, "one stored change, an event for each link")

	// Moved once: a second call changes nothing.
	require.NoError(t, e.svc.MoveToProblem(ctx, pm, waiting.ID, "PRB-DUP", "PRB-ORIG"))
	assert.Equal(t, x.Version, e.get(t, waiting.ID).Version)

	// The original's fix now resolves it; the duplicate's does not.
	require.NoError(t, e.svc.ResolveForProblem(ctx, pm, waiting.ID, "PRB-DUP", ""))
	assert.Equal(t, incident.StateOnHold, e.get(t, waiting.ID).State)
	require.NoError(t, e.svc.ResolveForProblem(ctx, pm, waiting.ID, "PRB-ORIG", ""))
	assert.Equal(t, incident.StateResolved, e.get(t, waiting.ID).State)

	// Linked to both: the duplicate's link goes. Linked to neither (the
	// problem side knew of it): the original's link is added.
	both := e.open(t, incident.Open{})
	e.do(t, ann, incident.LinkProblem{ID: both.ID, Problem: "PRB-DUP"})
	e.do(t, ann, incident.LinkProblem{ID: both.ID, Problem: "PRB-ORIG"})
	require.NoError(t, e.svc.MoveToProblem(ctx, pm, both.ID, "PRB-DUP", "PRB-ORIG"))
	assert.Equal(t, []string{"PRB-ORIG"}, e.get(t, both.ID).Problems)
	neither := e.open(t, incident.Open{})
	require.NoError(t, e.svc.MoveToProblem(ctx, pm, neither.ID, "PRB-DUP", "PRB-ORIG"))
	assert.Equal(t, []string{"PRB-ORIG"}, e.get(t, neither.ID).Problems)

	// Closed and canceled incidents keep their links.
	gone := e.open(t, incident.Open{})
	e.do(t, ann, incident.LinkProblem{ID: gone.ID, Problem: "PRB-DUP"})
	e.do(t, ann, incident.Cancel{ID: gone.ID, Reason: "duplicate call"})
	v := e.get(t, gone.ID).Version
	require.NoError(t, e.svc.MoveToProblem(ctx, pm, gone.ID, "PRB-DUP", "PRB-ORIG"))
	assert.Equal(t, v, e.get(t, gone.ID).Version)

	assert.ErrorIs(t, e.svc.MoveToProblem(ctx, pm, "INC9999", "PRB-DUP", "PRB-ORIG"), lifecycle.ErrNotFound)
	for _, pair := range [][2]string{{"", "PRB-ORIG"}, {"PRB-DUP", ""}, {"PRB-ORIG", "PRB-ORIG"}} {
		assert.ErrorIs(t, e.svc.MoveToProblem(ctx, pm, both.ID, pair[0], pair[1]), lifecycle.ErrValidation, pair)
	}
	assert.ErrorIs(t, e.svc.MoveToProblem(ctx, lifecycle.Actor{}, both.ID, "PRB-DUP", "PRB-ORIG"), lifecycle.ErrValidation)
}
