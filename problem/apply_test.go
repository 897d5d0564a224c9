package problem_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

func types(events []lifecycle.Notification) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Type)
	}
	return out
}

func TestNewProblem(t *testing.T) {
	p, events, err := problem.NewProblem("PRB1", lifecycle.DefaultMatrix, alice, t0, problem.Open{
		Title: "  Mail relay drops messages ", Impact: 2, Urgency: 1, Group: "messaging",
		Service: "email", ConfigItem: "mx1", Symptom: "SMTP 452", Incidents: []string{"INC1", " INC2 "},
	})
	require.NoError(t, err)
	assert.Equal(t, problem.StateNew, p.State)
	assert.Equal(t, int64(1), p.Version)
	assert.Equal(t, "Mail relay drops messages", p.Title)
	assert.Equal(t, lifecycle.PriorityHigh, p.Priority)
	assert.Equal(t, []string{"INC1", "INC2"}, p.Incidents)
	assert.Equal(t, "SMTP 452", p.KnownError.Symptom)
	assert.Equal(t, "alice", p.OpenedBy)
	assert.Equal(t, t0, p.CreatedAt)
	assert.Equal(t, t0, p.UpdatedAt)
	require.Len(t, p.History, 1)
	h := p.History[0]
	assert.Equal(t, lifecycle.Record{Seq: 1, Time: t0, Actor: "alice", Event: "open", To: "new", Changes: h.Changes}, h)
	pc, ok := h.Changed(lifecycle.FieldPriority)
	require.True(t, ok)
	assert.Equal(t, "2", pc.New)
	assert.Equal(t, []string{problem.TypeOpened, problem.TypeIncidentLinked, problem.TypeIncidentLinked}, types(events))
	assert.Equal(t, "problem/PRB1/1/0", events[0].ID)
	assert.Equal(t, "INC2", events[2].Data["incident"])
	assert.Equal(t, lifecycle.Snapshot{State: "new", Title: "Mail relay drops messages", Priority: 2, Group: "messaging", Service: "email", ConfigItem: "mx1", OpenedAt: t0}, events[0].Snapshot)
}

func TestNewProblemDefaultsAndMatrix(t *testing.T) {
	p, _, err := problem.NewProblem("PRB1", lifecycle.Matrix{}, alice, t0, problem.Open{Title: "x"})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.Impact(3), p.Impact)
	assert.Equal(t, lifecycle.Urgency(3), p.Urgency)
	assert.Equal(t, lifecycle.PriorityPlanning, p.Priority)

	itop, err := lifecycle.NewMatrix([][]lifecycle.Priority{{1, 1, 2, 3}, {1, 2, 3, 4}, {2, 3, 4, 4}})
	require.NoError(t, err)
	p, _, err = problem.NewProblem("PRB1", itop, alice, t0, problem.Open{Title: "x", Impact: 1, Urgency: 4})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.Priority(3), p.Priority)
	p, _, err = problem.NewProblem("PRB1", itop, alice, t0, problem.Open{Title: "x"})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.Urgency(4), p.Urgency)
	assert.Equal(t, lifecycle.Priority(4), p.Priority)
}

func TestNewProblemRefusals(t *testing.T) {
	for _, c := range []struct {
		name  string
		id    string
		actor lifecycle.Actor
		o     problem.Open
		field string
	}{
		{"empty title", "PRB1", alice, problem.Open{Title: "  "}, "title"},
		{"impact out of range", "PRB1", alice, problem.Open{Title: "x", Impact: 4}, "impact"},
		{"negative urgency", "PRB1", alice, problem.Open{Title: "x", Urgency: -2}, "urgency"},
		{"empty incident", "PRB1", alice, problem.Open{Title: "x", Incidents: []string{""}}, "incidents"},
		{"no ID", "", alice, problem.Open{Title: "x"}, "id"},
		{"ID with a space", "PRB 1", alice, problem.Open{Title: "x"}, "id"},
		{"no actor", "PRB1", lifecycle.Actor{}, problem.Open{Title: "x"}, "actor"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, events, err := problem.NewProblem(c.id, lifecycle.DefaultMatrix, c.actor, t0, c.o)
			assert.Nil(t, p)
			assert.Nil(t, events)
			lifecycletest.CheckInvalid(t, err, c.field)
			assert.ErrorIs(t, err, lifecycle.ErrValidation)
		})
	}
}

func TestKnownErrorLifecycle(t *testing.T) {
	p := inState(t, problem.StateRootCauseAnalysis)
	assert.False(t, p.IsKnownError())

	events, err := p.Apply(alice, t0.Add(5*time.Hour), problem.RecordKnownError{RootCause: "Spool disk full"})
	require.NoError(t, err)
	assert.False(t, p.IsKnownError(), "a root cause alone does not make a known error")
	assert.Equal(t, []string{problem.TypeKnownErrorRecorded}, types(events))
	assert.True(t, p.KnownErrorAt.IsZero())

	at := t0.Add(6 * time.Hour)
	events, err = p.Apply(alice, at, problem.RecordKnownError{Workaround: "Purge the deferred queue", Notes: "Tested on mx1"})
	require.NoError(t, err)
	assert.True(t, p.IsKnownError())
	assert.Equal(t, at, p.KnownErrorAt)
	assert.Equal(t, []string{problem.TypeKnownErrorRecorded, problem.TypeKnownError}, types(events))
	assert.Equal(t, map[string]string{"root_cause": "Spool disk full", "workaround": "Purge the deferred queue"}, events[1].Data)
	assert.Equal(t, "true", events[1].Snapshot.Attributes["known_error"])
	last := p.History[len(p.History)-1]
	assert.Equal(t, "Tested on mx1", last.Note)
	c, ok := last.Changed("known_error")
	require.True(t, ok)
	assert.Equal(t, lifecycle.FieldChange{Field: "known_error", Old: "false", New: "true"}, c)

	// Revising keeps it a known error, emits no second known_error event.
	events, err = p.Apply(alice, at.Add(time.Hour), problem.RecordKnownError{Workaround: "Route via mx2", Fix: "Grow the volume"})
	require.NoError(t, err)
	assert.Equal(t, []string{problem.TypeKnownErrorRecorded}, types(events))
	assert.Equal(t, at, p.KnownErrorAt)
	assert.Equal(t, problem.KnownError{Symptom: "SMTP 452 errors", RootCause: "Spool disk full", Workaround: "Route via mx2", Fix: "Grow the volume"}, p.KnownError)

	// Empty fields never clear: the known error keeps its workaround.
	_, err = p.Apply(alice, at, problem.RecordKnownError{Workaround: "   "})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	assert.True(t, p.IsKnownError())

	// It stays a known error when reanalyzed.
	for _, c := range []problem.Command{
		problem.StartFix{Changes: []string{"CHG1"}},
		problem.Resolve{Notes: "done"}, problem.Complete{},
		problem.Reanalyze{Notes: "again"},
	} {
		_, err := p.Apply(manager, at, c)
		require.NoError(t, err)
	}
	assert.True(t, p.IsKnownError())
	assert.Equal(t, at, p.KnownErrorAt)
}

func TestStartFixBecomesKnownErrorWithWorkaround(t *testing.T) {
	p := inState(t, problem.StateAssess)
	_, err := p.Apply(alice, t0, problem.RecordKnownError{Workaround: "Restart the relay"})
	require.NoError(t, err)
	_, err = p.Apply(alice, t0, problem.Confirm{Assignee: "ann"})
	require.NoError(t, err)
	events, err := p.Apply(alice, t0, problem.StartFix{Changes: []string{"CHG1", "CHG2"}, RootCause: "Leak", Fix: "Patch"})
	require.NoError(t, err)
	assert.Equal(t, []string{problem.TypeFixStarted, problem.TypeKnownError}, types(events))
	assert.Equal(t, "CHG1,CHG2", events[0].Data["changes"])
	assert.Equal(t, []string{"CHG1", "CHG2"}, p.Changes)
	assert.Equal(t, "Patch", p.KnownError.Fix)
}

func TestResolveAndCompleteNotifyIncidents(t *testing.T) {
	p := inState(t, problem.StateFixInProgress)
	resolvedAt := t0.Add(10 * time.Hour)
	events, err := p.Apply(alice, resolvedAt, problem.Resolve{Notes: "Spool grown", Fix: "Grow the spool volume"})
	require.NoError(t, err)
	assert.Equal(t, problem.ResolutionFixApplied, p.Resolution)
	assert.Equal(t, "Spool grown", p.ResolutionNotes)
	assert.Equal(t, resolvedAt, p.ResolvedAt)
	assert.True(t, p.ClosedAt.IsZero())
	assert.Equal(t, "Grow the spool volume", p.KnownError.Fix)
	assert.Equal(t, []string{problem.TypeResolved, problem.TypeIncidentNotified, problem.TypeIncidentNotified}, types(events))
	assert.Equal(t, map[string]string{"incident": "INC1", "problem": "PRB1", "reason": "resolved", "resolution": "fix_applied"}, events[1].Data)
	assert.Equal(t, "INC2", events[2].Data["incident"])
	assert.Equal(t, "fix_applied", events[0].Snapshot.Attributes["resolution"])

	closedAt := resolvedAt.Add(time.Hour)
	events, err = p.Apply(alice, closedAt, problem.Complete{Notes: "Verified for a week"})
	require.NoError(t, err)
	assert.Equal(t, closedAt, p.ClosedAt)
	assert.Equal(t, []string{problem.TypeClosed, problem.TypeIncidentNotified, problem.TypeIncidentNotified}, types(events))
	assert.Equal(t, "closed", events[1].Data["reason"])
	assert.Equal(t, "Verified for a week", p.History[len(p.History)-1].Note)
}

func TestAcceptRisk(t *testing.T) {
	p := inState(t, problem.StateRootCauseAnalysis)
	events, err := p.Apply(alice, t0, problem.AcceptRisk{Notes: "Legacy relay retires in May"})
	require.NoError(t, err)
	assert.Equal(t, problem.StateResolved, p.State)
	assert.Equal(t, problem.ResolutionRiskAccepted, p.Resolution)
	assert.Equal(t, []string{problem.TypeRiskAccepted, problem.TypeIncidentNotified, problem.TypeIncidentNotified}, types(events))
	assert.Equal(t, "risk_accepted", events[1].Data["resolution"])
}

func TestCancel(t *testing.T) {
	p := inState(t, problem.StateFixInProgress)
	_, err := p.Apply(alice, t0, problem.Cancel{Notes: "Vendor replaced the relay"})
	require.NoError(t, err)
	assert.Equal(t, problem.StateCanceled, p.State)
	assert.Equal(t, problem.ResolutionCanceled, p.Resolution)
	assert.Equal(t, t0, p.ClosedAt)
}

func TestMarkDuplicatePure(t *testing.T) {
	p := inState(t, problem.StateAssess)
	events, err := p.Apply(alice, t0, problem.MarkDuplicate{Original: " PRB0 "})
	require.NoError(t, err)
	assert.Equal(t, problem.StateClosed, p.State)
	assert.Equal(t, problem.ResolutionDuplicate, p.Resolution)
	assert.Equal(t, "PRB0", p.DuplicateOf)
	assert.Equal(t, "duplicate of PRB0", p.ResolutionNotes)
	assert.Empty(t, p.Incidents, "a duplicate's incidents move to the original")
	assert.Equal(t, t0, p.ClosedAt)
	assert.True(t, p.ResolvedAt.IsZero())
	require.Equal(t, []string{problem.TypeMarkedDuplicate}, types(events))
	assert.Equal(t, map[string]string{"original": "PRB0", "incidents": "INC1,INC2"}, events[0].Data)
	assert.Equal(t, "PRB0", events[0].Snapshot.Attributes["duplicate_of"])
	c, ok := p.History[len(p.History)-1].Changed("incidents")
	require.True(t, ok)
	assert.Equal(t, lifecycle.FieldChange{Field: "incidents", Old: "INC1,INC2"}, c)
}

func TestReanalyze(t *testing.T) {
	p := inState(t, problem.StateClosed)
	events, err := p.Apply(manager, t0, problem.Reanalyze{Notes: "It came back"})
	require.NoError(t, err)
	assert.Equal(t, problem.StateRootCauseAnalysis, p.State)
	assert.Empty(t, p.Resolution)
	assert.Empty(t, p.ResolutionNotes)
	assert.True(t, p.ResolvedAt.IsZero())
	assert.True(t, p.ClosedAt.IsZero())
	assert.Equal(t, 1, p.Reanalyzed)
	assert.Equal(t, []string{problem.TypeReanalyzed}, types(events))
	assert.Equal(t, []string{"CHG1"}, p.Changes, "earlier changes stay linked")

	// A new fix needs a new change named.
	_, err = p.Apply(manager, t0, problem.StartFix{})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = p.Apply(manager, t0, problem.StartFix{Changes: []string{"CHG2"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"CHG1", "CHG2"}, p.Changes)
}

func TestAssignAndUpdate(t *testing.T) {
	p := inState(t, problem.StateRootCauseAnalysis)
	require.Equal(t, "ann", p.Assignee)
	events, err := p.Apply(alice, t0, problem.Assign{Group: "storage"})
	require.NoError(t, err)
	assert.Equal(t, "storage", p.Group)
	assert.Empty(t, p.Assignee, "a new group without an assignee clears the assignee")
	assert.Equal(t, []string{problem.TypeAssigned}, types(events))
	last := p.History[len(p.History)-1]
	assert.Equal(t, []lifecycle.FieldChange{
		{Field: lifecycle.FieldGroup, Old: "messaging", New: "storage"},
		{Field: lifecycle.FieldAssignee, Old: "ann"},
	}, last.Changes)

	_, err = p.Apply(alice, t0, problem.Assign{Group: "storage", Assignee: "sam"})
	require.NoError(t, err)
	assert.Equal(t, "sam", p.Assignee)

	events, err = p.Apply(alice, t0, problem.Update{Impact: 1, Description: new("All outbound mail")})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.PriorityCritical, p.Priority)
	assert.Equal(t, 1, events[0].Snapshot.Priority)
	c, _ := p.History[len(p.History)-1].Changed(lifecycle.FieldPriority)
	assert.Equal(t, lifecycle.FieldChange{Field: lifecycle.FieldPriority, Old: "2", New: "1"}, c)
}

func TestApplyMatrixUsesTheHostMatrix(t *testing.T) {
	flat, err := lifecycle.NewMatrix([][]lifecycle.Priority{{4, 4, 4}, {4, 4, 4}, {4, 4, 4}})
	require.NoError(t, err)
	p := opened(t)
	_, err = p.ApplyMatrix(flat, alice, t0, problem.Update{Urgency: 3})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.PriorityLow, p.Priority)
}

func TestWorkNotesAndLinks(t *testing.T) {
	p := inState(t, problem.StateFixInProgress)
	_, err := p.Apply(alice, t0, problem.AddWorkNote{Text: " Checked the relay logs "})
	require.NoError(t, err)
	assert.Equal(t, []problem.WorkNote{{Time: t0, Author: "alice", Text: "Checked the relay logs"}}, p.WorkNotes)
	assert.Equal(t, "Checked the relay logs", p.History[len(p.History)-1].Note)

	events, err := p.Apply(alice, t0, problem.LinkIncident{Incidents: []string{"INC2", "INC3", "INC4"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"INC1", "INC2", "INC3", "INC4"}, p.Incidents)
	assert.Equal(t, []string{problem.TypeIncidentLinked, problem.TypeIncidentLinked}, types(events), "already-linked INC2 is skipped")
	assert.True(t, p.HasIncident("INC3"))

	events, err = p.Apply(alice, t0, problem.UnlinkIncident{Incidents: []string{"INC1", "INC3"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"INC2", "INC4"}, p.Incidents)
	assert.Equal(t, "INC3", events[1].Data["incident"])

	events, err = p.Apply(alice, t0, problem.LinkChange{Changes: []string{"CHG2"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"CHG1", "CHG2"}, p.Changes)
	assert.Equal(t, map[string]string{"change": "CHG2"}, events[0].Data)

	_, err = p.Apply(alice, t0, problem.UnlinkIncident{Incidents: []string{"INC2", "INC4"}})
	require.NoError(t, err)
	assert.Nil(t, p.Incidents)
}

func TestCloneIsDeep(t *testing.T) {
	p := inState(t, problem.StateFixInProgress)
	_, err := p.Apply(alice, t0, problem.AddWorkNote{Text: "x"})
	require.NoError(t, err)
	c := p.Clone()
	require.Equal(t, p, c)
	c.Incidents[0] = "changed"
	c.Changes[0] = "changed"
	c.WorkNotes[0].Text = "changed"
	c.History[0].Changes[0].New = "changed"
	assert.Equal(t, "INC1", p.Incidents[0])
	assert.Equal(t, "CHG1", p.Changes[0])
	assert.Equal(t, "x", p.WorkNotes[0].Text)
	assert.NotEqual(t, "changed", p.History[0].Changes[0].New)
	assert.Nil(t, (*problem.Problem)(nil).Clone())
}

// TestSnapshotReplay checks that the audit history carries the standard
// fields: replaying it through lifecycle.Snapshot.Apply rebuilds the
// current snapshot's state, priority, group and assignee.
func TestSnapshotReplay(t *testing.T) {
	p := inState(t, problem.StateClosed)
	_, err := p.Apply(manager, t0, problem.Reanalyze{Notes: "x"})
	require.NoError(t, err)
	_, err = p.Apply(manager, t0, problem.Update{Impact: 1, Urgency: 1})
	require.NoError(t, err)
	var s lifecycle.Snapshot
	for _, r := range p.History {
		s = s.Apply(r)
	}
	want := p.Snapshot()
	assert.Equal(t, want.State, s.State)
	assert.Equal(t, want.Priority, s.Priority)
	assert.Equal(t, want.Group, s.Group)
	assert.Equal(t, want.Assignee, s.Assignee)
}

func TestEnumsRoundTripAndReject(t *testing.T) {
	lifecycletest.CheckEnumText(t, problem.States())
	lifecycletest.CheckEnumText(t, problem.Events())
	lifecycletest.CheckEnumText(t, append(problem.ResolutionCodes(), ""))
	err := lifecycletest.CheckEnumRefuses(t, problem.State("open"))
	assert.True(t, strings.Contains(err.Error(), "root_cause_analysis"), "the error lists the valid states: %v", err)
	lifecycletest.CheckEnumRefuses(t, problem.Event("fix"))
	lifecycletest.CheckEnumRefuses(t, problem.ResolutionCode("solved"))

	assert.True(t, problem.StateFixInProgress.Open())
	assert.False(t, problem.StateResolved.Open())
}
