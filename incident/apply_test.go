package incident

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

var agent = lifecycle.Actor{ID: "ann"}

// TestBadInputChangesNothing: every kind of bad input gets a typed error and
// leaves the incident deep-equal to before.
func TestBadInputChangesNothing(t *testing.T) {
	cases := []struct {
		name  string
		state State
		prep  func(*Incident)
		actor lifecycle.Actor
		cmd   Command
		want  error
		field string
	}{
		{"nil command", StateInProgress, nil, agent, nil, lifecycle.ErrValidation, "command"},
		{"missing actor", StateInProgress, nil, lifecycle.Actor{}, Comment{ID: "INC-1", Text: "x"}, lifecycle.ErrValidation, "actor"},
		{"missing id", StateInProgress, nil, agent, Comment{Text: "x"}, lifecycle.ErrValidation, "id"},
		{"other incident", StateInProgress, nil, agent, Comment{ID: "INC-2", Text: "x"}, lifecycle.ErrValidation, "id"},
		{"stale version", StateInProgress, nil, agent, Comment{ID: "INC-1", Version: 2, Text: "x"}, lifecycle.ErrConflict, ""},
		{"future version", StateInProgress, nil, agent, Comment{ID: "INC-1", Version: 4, Text: "x"}, lifecycle.ErrConflict, ""},
		{"operation on closed", StateClosed, nil, agent, Comment{ID: "INC-1", Text: "x"}, lifecycle.ErrInvalidTransition, ""},
		{"operation on canceled", StateCanceled, nil, agent, Update{ID: "INC-1", Title: ptr("x")}, lifecycle.ErrInvalidTransition, ""},
		{"assign nobody", StateNew, nil, agent, Assign{ID: "INC-1"}, lifecycle.ErrValidation, "assignee"},
		{"assign same", StateInProgress, nil, agent, Assign{ID: "INC-1", Assignee: "ann"}, lifecycle.ErrValidation, "assignee"},
		{"escalate no group", StateInProgress, nil, agent, EscalateFunctional{ID: "INC-1", Reason: "r"}, lifecycle.ErrValidation, "group"},
		{"escalate same group", StateInProgress, nil, agent, EscalateFunctional{ID: "INC-1", Group: "desk", Reason: "r"}, lifecycle.ErrValidation, "group"},
		{"escalate no reason", StateInProgress, nil, agent, EscalateFunctional{ID: "INC-1", Group: "net"}, lifecycle.ErrValidation, "reason"},
		{"level not above", StateInProgress, func(x *Incident) { x.EscalationLevel = 2 }, agent, EscalateHierarchical{ID: "INC-1", Level: 2, Reason: "r"}, lifecycle.ErrValidation, "level"},
		{"level too high", StateInProgress, nil, agent, EscalateHierarchical{ID: "INC-1", Level: 4, Reason: "r"}, lifecycle.ErrValidation, "level"},
		{"level past top", StateInProgress, func(x *Incident) { x.EscalationLevel = 3 }, agent, EscalateHierarchical{ID: "INC-1", Reason: "r"}, lifecycle.ErrValidation, "level"},
		{"level no reason", StateInProgress, nil, agent, EscalateHierarchical{ID: "INC-1"}, lifecycle.ErrValidation, "reason"},
		{"hold without reason", StateInProgress, nil, agent, Hold{ID: "INC-1"}, lifecycle.ErrValidation, "hold_reason"},
		{"hold unknown reason", StateInProgress, nil, agent, Hold{ID: "INC-1", Reason: "awaiting_godot"}, lifecycle.ErrValidation, "hold_reason"},
		{"awaiting caller without comment", StateInProgress, nil, agent, Hold{ID: "INC-1", Reason: HoldAwaitingCaller, Comment: "  "}, lifecycle.ErrValidation, "comment"},
		{"awaiting problem unlinked", StateInProgress, func(x *Incident) { x.Problems = nil }, agent, Hold{ID: "INC-1", Reason: HoldAwaitingProblem}, lifecycle.ErrValidation, "problem"},
		{"awaiting change unlinked", StateInProgress, func(x *Incident) { x.Changes = nil }, agent, Hold{ID: "INC-1", Reason: HoldAwaitingChange}, lifecycle.ErrValidation, "change"},
		{"problem with other reason", StateInProgress, nil, agent, Hold{ID: "INC-1", Reason: HoldAwaitingVendor, Problem: "PRB9"}, lifecycle.ErrValidation, "problem"},
		{"change with other reason", StateInProgress, nil, agent, Hold{ID: "INC-1", Reason: HoldAwaitingVendor, Change: "CHG9"}, lifecycle.ErrValidation, "change"},
		{"resolve without code", StateInProgress, nil, agent, Resolve{ID: "INC-1", Notes: "n"}, lifecycle.ErrValidation, "resolution_code"},
		{"resolve unknown code", StateInProgress, nil, agent, Resolve{ID: "INC-1", Code: "magic", Notes: "n"}, lifecycle.ErrValidation, "resolution_code"},
		{"resolve without notes", StateInProgress, nil, agent, Resolve{ID: "INC-1", Code: CodeSolutionProvided, Notes: " \n"}, lifecycle.ErrValidation, "resolution_notes"},
		{"reopen without reason", StateResolved, nil, agent, Reopen{ID: "INC-1"}, lifecycle.ErrValidation, "reason"},
		{"cancel without reason", StateNew, nil, agent, Cancel{ID: "INC-1"}, lifecycle.ErrValidation, "reason"},
		{"update empty title", StateNew, nil, agent, Update{ID: "INC-1", Title: ptr("")}, lifecycle.ErrValidation, "title"},
		{"update impact out of range", StateNew, nil, agent, Update{ID: "INC-1", Impact: 4}, lifecycle.ErrValidation, "impact"},
		{"update urgency out of range", StateNew, nil, agent, Update{ID: "INC-1", Urgency: -1}, lifecycle.ErrValidation, "urgency"},
		{"update nothing", StateNew, nil, agent, Update{ID: "INC-1", Title: ptr("Mail down"), Impact: 2}, lifecycle.ErrValidation, "update"},
		{"comment empty", StateNew, nil, agent, Comment{ID: "INC-1"}, lifecycle.ErrValidation, "text"},
		{"work note empty", StateNew, nil, agent, WorkNote{ID: "INC-1", Text: "\t"}, lifecycle.ErrValidation, "text"},
		{"caller update empty", StateOnHold, nil, agent, CallerUpdate{ID: "INC-1"}, lifecycle.ErrValidation, "text"},
		{"propose without reason", StateNew, nil, agent, ProposeMajor{ID: "INC-1"}, lifecycle.ErrValidation, "reason"},
		{"reject without reason", StateNew, func(x *Incident) { x.Major = MajorProposed }, manager, RejectMajor{ID: "INC-1"}, lifecycle.ErrValidation, "reason"},
		{"own parent", StateNew, nil, agent, SetParent{ID: "INC-1", Parent: "INC-1"}, lifecycle.ErrValidation, "parent"},
		{"same parent", StateNew, func(x *Incident) { x.Parent = "INC-P" }, agent, SetParent{ID: "INC-1", Parent: "INC-P"}, lifecycle.ErrValidation, "parent"},
		{"detach orphan", StateNew, nil, agent, SetParent{ID: "INC-1"}, lifecycle.ErrValidation, "parent"},
		{"link no problem", StateNew, nil, agent, LinkProblem{ID: "INC-1"}, lifecycle.ErrValidation, "problem"},
		{"link linked problem", StateNew, nil, agent, LinkProblem{ID: "INC-1", Problem: "PRB1"}, lifecycle.ErrValidation, "problem"},
		{"unlink unlinked problem", StateNew, nil, agent, UnlinkProblem{ID: "INC-1", Problem: "PRB9"}, lifecycle.ErrValidation, "problem"},
		{"unlink awaited problem", StateOnHold, func(x *Incident) { x.HoldReason = HoldAwaitingProblem }, agent, UnlinkProblem{ID: "INC-1", Problem: "PRB1"}, lifecycle.ErrValidation, "problem"},
		{"link no change", StateNew, nil, agent, LinkChange{ID: "INC-1"}, lifecycle.ErrValidation, "change"},
		{"link linked change", StateNew, nil, agent, LinkChange{ID: "INC-1", Change: "CHG1"}, lifecycle.ErrValidation, "change"},
		{"unlink unlinked change", StateNew, nil, agent, UnlinkChange{ID: "INC-1", Change: "CHG9"}, lifecycle.ErrValidation, "change"},
		{"unlink awaited change", StateOnHold, func(x *Incident) { x.HoldReason = HoldAwaitingChange }, agent, UnlinkChange{ID: "INC-1", Change: "CHG1"}, lifecycle.ErrValidation, "change"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := fixture(c.state)
			if c.prep != nil {
				c.prep(x)
			}
			before := x.Clone()
			evs, err := x.Apply(c.actor, t0.Add(time.Hour), c.cmd)
			lifecycletest.Applied{Before: before, After: x, Events: evs, Err: err}.CheckRefused(t, c.field, c.want)
		})
	}
}

func TestOpenValidates(t *testing.T) {
	r := Rules{}
	for _, c := range []struct {
		name  string
		actor lifecycle.Actor
		id    string
		cmd   Open
		field string
	}{
		{"missing actor", lifecycle.Actor{}, "INC-1", Open{Title: "t"}, "actor"},
		{"missing id", agent, "", Open{Title: "t"}, "id"},
		{"empty title", agent, "INC-1", Open{Title: "   "}, "title"},
		{"impact too high", agent, "INC-1", Open{Title: "t", Impact: 4}, "impact"},
		{"urgency negative", agent, "INC-1", Open{Title: "t", Urgency: -2}, "urgency"},
		{"own parent", agent, "INC-1", Open{Title: "t", Parent: "INC-1"}, "parent"},
	} {
		x, evs, err := r.Open(c.actor, t0, c.id, c.cmd)
		assert.Nil(t, x, c.name)
		assert.Nil(t, evs, c.name)
		var ve *lifecycle.ValidationError
		require.ErrorAs(t, err, &ve, c.name)
		assert.Equal(t, c.field, ve.Field, c.name)
	}
}

func TestOpen(t *testing.T) {
	x, evs, err := Rules{}.Open(agent, t0, "INC-7", Open{
		Title: "VPN down", Caller: "carol", Service: "vpn", ConfigItem: "fw1", Impact: 1, Urgency: 2,
		Group: "network", Attributes: map[string]string{"site": "lyon", "empty": ""},
	})
	require.NoError(t, err)
	assert.Equal(t, StateNew, x.State)
	assert.Equal(t, int64(1), x.Version)
	assert.Equal(t, lifecycle.PriorityHigh, x.Priority)
	assert.Equal(t, "ann", x.OpenedBy)
	assert.Equal(t, map[string]string{"site": "lyon"}, x.Attributes)
	assert.Equal(t, t0, x.CreatedAt)
	assert.Equal(t, t0, x.UpdatedAt)
	require.Len(t, x.History, 1)
	assert.Equal(t, lifecycle.Record{Seq: 1, Time: t0, Actor: "ann", Event: "open", To: "new", Changes: []lifecycle.FieldChange{
		{Field: lifecycle.FieldPriority, New: "2"}, {Field: lifecycle.FieldGroup, New: "network"},
	}}, x.History[0])
	require.Len(t, evs, 1)
	assert.Equal(t, lifecycle.Notification{
		ID: "incident/INC-7/1/0", Process: "incident", Subject: "INC-7", Type: TypeOpened, To: "new", Actor: "ann", Time: t0, Version: 1,
		Snapshot: lifecycle.Snapshot{State: "new", Title: "VPN down", Priority: 2, Group: "network", Caller: "carol", Service: "vpn", ConfigItem: "fw1", OpenedAt: t0, Attributes: map[string]string{"site": "lyon"}},
	}, evs[0])

	// Zero impact and urgency are the matrix's lowest: planning by default,
	// low on iTop's 3 × 4 matrix.
	x, _, err = Rules{}.Open(agent, t0, "INC-8", Open{Title: "t"})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.Impact(3), x.Impact)
	assert.Equal(t, lifecycle.PriorityPlanning, x.Priority)
	itop, err := lifecycle.NewMatrix([][]lifecycle.Priority{{1, 1, 2, 3}, {1, 2, 3, 4}, {2, 3, 4, 4}})
	require.NoError(t, err)
	x, _, err = Rules{Matrix: itop}.Open(agent, t0, "INC-9", Open{Title: "t", Urgency: 4, Impact: 1})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.Priority(3), x.Priority)
}

func TestHoldAndCallerUpdate(t *testing.T) {
	x := fixture(StateInProgress)
	x.Problems = nil
	evs, err := x.Apply(agent, t0, Hold{ID: "INC-1", Reason: HoldAwaitingProblem, Problem: "PRB7"})
	require.NoError(t, err, "naming a problem links it in the same step")
	assert.Equal(t, []string{"PRB7"}, x.Problems)
	assert.Equal(t, HoldAwaitingProblem, x.HoldReason)
	assert.Equal(t, []lifecycle.FieldChange{{Field: "problems", New: "PRB7"}, {Field: lifecycle.FieldHoldReason, New: "awaiting_problem"}}, x.History[len(x.History)-1].Changes)
	assert.Equal(t, TypePutOnHold, evs[0].Type)
	assert.Equal(t, "awaiting_problem", evs[0].Snapshot.HoldReason)

	// A caller update on an incident on hold for another reason only adds
	// the comment.
	evs, err = x.Apply(lifecycle.Actor{ID: "carol"}, t0, CallerUpdate{ID: "INC-1", Text: "any news?"})
	require.NoError(t, err)
	assert.Equal(t, StateOnHold, x.State)
	assert.Equal(t, []string{TypeCallerUpdated}, types(evs))
	assert.Equal(t, Note{Time: t0, Author: "carol", Text: "any news?", FromCaller: true}, x.Comments[len(x.Comments)-1])

	// Awaiting the caller: the question is a comment; the caller's answer
	// resumes the incident in one record with two events.
	x = fixture(StateInProgress)
	_, err = x.Apply(agent, t0, Hold{ID: "INC-1", Reason: HoldAwaitingCaller, Comment: "which laptop?"})
	require.NoError(t, err)
	assert.Equal(t, "which laptop?", x.Comments[len(x.Comments)-1].Text)
	n := len(x.History)
	evs, err = x.Apply(lifecycle.Actor{ID: "carol"}, t0, CallerUpdate{ID: "INC-1", Text: "the black one"})
	require.NoError(t, err)
	assert.Equal(t, StateInProgress, x.State)
	assert.Equal(t, HoldReason(""), x.HoldReason)
	require.Len(t, x.History, n+1)
	rec := x.History[n]
	assert.Equal(t, "caller_update", rec.Event)
	assert.Equal(t, "on_hold", rec.From)
	assert.Equal(t, "in_progress", rec.To)
	assert.Equal(t, []string{TypeCallerUpdated, TypeResumed}, types(evs))
	assert.Equal(t, "incident/INC-1/5/1", evs[1].ID)
	assert.Equal(t, "in_progress", evs[0].Snapshot.State)
}

func types(evs []lifecycle.Notification) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

func TestAssignmentAndEscalation(t *testing.T) {
	x := fixture(StateNew)
	x.Assignee = ""
	_, err := x.Apply(agent, t0, Assign{ID: "INC-1", Group: "desk"})
	require.NoError(t, err, "assigning a new incident to its own group still takes it in progress")
	assert.Equal(t, StateInProgress, x.State)

	_, err = x.Apply(agent, t0, Assign{ID: "INC-1", Assignee: "bob"})
	require.NoError(t, err)
	_, err = x.Apply(agent, t0, Assign{ID: "INC-1", Group: "network"})
	require.NoError(t, err)
	assert.Equal(t, "", x.Assignee, "a new group without an assignee clears the assignee")

	evs, err := x.Apply(agent, t0, EscalateFunctional{ID: "INC-1", Group: "vendor-x", Assignee: "vic", Reason: "hardware fault"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"from_group": "network", "reason": "hardware fault"}, evs[0].Data)
	assert.Equal(t, "vendor-x", x.Group)
	assert.Equal(t, "vic", x.Assignee)
	assert.Equal(t, "hardware fault", x.History[len(x.History)-1].Note)

	for want := 1; want <= DefaultEscalationLevels; want++ {
		evs, err = x.Apply(agent, t0, EscalateHierarchical{ID: "INC-1", Reason: "slow"})
		require.NoError(t, err)
		assert.Equal(t, want, x.EscalationLevel)
		assert.Equal(t, itoa(want), evs[0].Data["level"])
	}
	_, err = Rules{EscalationLevels: 5}.Apply(x, agent, t0, EscalateHierarchical{ID: "INC-1", Level: 5, Reason: "CIO"})
	require.NoError(t, err)
	assert.Equal(t, 5, x.EscalationLevel)
}

func TestResolveReopenClose(t *testing.T) {
	x := fixture(StateOnHold)
	at := t0.Add(2 * time.Hour)
	evs, err := x.Apply(agent, at, Resolve{ID: "INC-1", Code: CodeWorkaroundProvided, Notes: "rebooted"})
	require.NoError(t, err)
	assert.Equal(t, StateResolved, x.State)
	assert.Equal(t, HoldReason(""), x.HoldReason)
	assert.Equal(t, "ann", x.ResolvedBy)
	assert.Equal(t, at, x.ResolvedAt)
	assert.Equal(t, map[string]string{"code": "workaround_provided", "notes": "rebooted"}, evs[0].Data)

	_, err = x.Apply(lifecycle.Actor{ID: "carol"}, at, Reopen{ID: "INC-1", Reason: "back again"})
	require.NoError(t, err)
	assert.Equal(t, 1, x.ReopenCount)
	assert.Equal(t, ResolutionCode(""), x.ResolutionCode)
	assert.True(t, x.ResolvedAt.IsZero())
	assert.Equal(t, []lifecycle.FieldChange{{Field: "resolution_code", Old: "workaround_provided"}, {Field: "reopen_count", Old: "0", New: "1"}}, x.History[len(x.History)-1].Changes)

	_, err = x.Apply(agent, at, Resolve{ID: "INC-1", Code: CodeSolutionProvided, Notes: "replaced disk"})
	require.NoError(t, err)
	_, err = x.Apply(agent, at, Reopen{ID: "INC-1", Reason: "again"})
	require.NoError(t, err)
	assert.Equal(t, 2, x.ReopenCount)
	_, err = x.Apply(agent, at, Resolve{ID: "INC-1", Code: CodeSolutionProvided, Notes: "replaced board"})
	require.NoError(t, err)
	_, err = x.Apply(lifecycle.Actor{ID: "carol"}, at, Close{ID: "INC-1", Note: "thanks"})
	require.NoError(t, err)
	assert.Equal(t, StateClosed, x.State)
	assert.Equal(t, "carol", x.ClosedBy)
	assert.Equal(t, "ann", x.ResolvedBy)
}

func TestUpdateRecomputesPriority(t *testing.T) {
	x := fixture(StateInProgress)
	evs, err := x.Apply(agent, t0, Update{
		ID: "INC-1", Impact: 1, Urgency: 1, Description: ptr("all of Paris"),
		Attributes: map[string]string{"site": "", "floor": "3"}, Note: "worse",
	})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.PriorityCritical, x.Priority)
	assert.Equal(t, map[string]string{"floor": "3"}, x.Attributes)
	assert.Equal(t, []string{TypeUpdated, TypePriorityChanged}, types(evs))
	assert.Equal(t, "description,impact,urgency,priority,attributes.floor,attributes.site", evs[0].Data["fields"])
	assert.Equal(t, map[string]string{"old_priority": "3", "new_priority": "1"}, evs[1].Data)
	assert.Equal(t, 1, evs[1].Snapshot.Priority)

	_, err = x.Apply(agent, t0, Update{ID: "INC-1", Attributes: map[string]string{"floor": ""}})
	require.NoError(t, err)
	assert.Nil(t, x.Attributes)
}

func TestMajorIncident(t *testing.T) {
	x := fixture(StateInProgress)
	evs, err := x.Apply(agent, t0, ProposeMajor{ID: "INC-1", Reason: "all mail down"})
	require.NoError(t, err)
	assert.False(t, evs[0].Snapshot.Major, "a candidate is not major yet")
	_, err = x.Apply(manager, t0, RejectMajor{ID: "INC-1", Reason: "one mailbox"})
	require.NoError(t, err)
	assert.Equal(t, MajorRejected, x.Major)
	_, err = x.Apply(agent, t0, ProposeMajor{ID: "INC-1", Reason: "now all mailboxes"})
	require.NoError(t, err, "a rejected candidate may be proposed again")
	evs, err = x.Apply(lifecycle.System, t0, AcceptMajor{ID: "INC-1"})
	require.NoError(t, err, "the system actor holds every role")
	assert.True(t, evs[0].Snapshot.Major)
	assert.Equal(t, lifecycle.FieldChange{Field: lifecycle.FieldMajor, Old: "proposed", New: "accepted"}, x.History[len(x.History)-1].Changes[0])
}

func TestLinks(t *testing.T) {
	x := fixture(StateResolved)
	evs, err := x.Apply(agent, t0, LinkProblem{ID: "INC-1", Problem: "PRB2"})
	require.NoError(t, err)
	assert.True(t, x.IsLinkedToProblem("PRB2"))
	assert.Equal(t, map[string]string{"problem": "PRB2"}, evs[0].Data)
	_, err = x.Apply(agent, t0, UnlinkProblem{ID: "INC-1", Problem: "PRB1"})
	require.NoError(t, err)
	_, err = x.Apply(agent, t0, UnlinkProblem{ID: "INC-1", Problem: "PRB2"})
	require.NoError(t, err)
	assert.Nil(t, x.Problems)
	_, err = x.Apply(agent, t0, UnlinkChange{ID: "INC-1", Change: "CHG1"})
	require.NoError(t, err)
	_, err = x.Apply(agent, t0, LinkChange{ID: "INC-1", Change: "CHG5"})
	require.NoError(t, err)
	assert.Equal(t, []string{"CHG5"}, x.Changes)
	assert.True(t, x.IsLinkedToChange("CHG5"))

	// On hold awaiting a problem, another problem may go but not the last.
	x = fixture(StateOnHold)
	x.HoldReason = HoldAwaitingProblem
	x.Problems = []string{"PRB1", "PRB2"}
	_, err = x.Apply(agent, t0, UnlinkProblem{ID: "INC-1", Problem: "PRB1"})
	require.NoError(t, err)
	_, err = x.Apply(agent, t0, UnlinkProblem{ID: "INC-1", Problem: "PRB2"})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
}

func TestCancel(t *testing.T) {
	x := fixture(StateOnHold)
	evs, err := x.Apply(agent, t0, Cancel{ID: "INC-1", Reason: "duplicate of INC-0"})
	require.NoError(t, err)
	assert.Equal(t, StateCanceled, x.State)
	assert.Equal(t, HoldReason(""), x.HoldReason)
	assert.Equal(t, "duplicate of INC-0", x.CancelReason)
	assert.Equal(t, "ann", x.ClosedBy)
	assert.Equal(t, TypeCanceled, evs[0].Type)
}

func TestCloneIsDeep(t *testing.T) {
	x := fixture(StateInProgress)
	x.WorkNotes = []Note{{Text: "w"}}
	c := x.Clone()
	require.Equal(t, x, c)
	c.Problems[0] = "X"
	c.Changes[0] = "X"
	c.Comments[0].Text = "X"
	c.WorkNotes[0].Text = "X"
	c.Attributes["site"] = "X"
	c.History[0].Note = "X"
	c.History[0].Changes[0].New = "X"
	c.History[1].Changes = append(c.History[1].Changes, lifecycle.FieldChange{Field: "f"})
	assert.Equal(t, fixture(StateInProgress).Problems, x.Problems)
	assert.Equal(t, "PRB1", x.Problems[0])
	assert.Equal(t, "CHG1", x.Changes[0])
	assert.Equal(t, "on it", x.Comments[0].Text)
	assert.Equal(t, "w", x.WorkNotes[0].Text)
	assert.Equal(t, "paris", x.Attributes["site"])
	assert.Equal(t, fixture(StateInProgress).History, x.History)
	assert.Nil(t, (*Incident)(nil).Clone())
}

// TestSnapshotReplay: replaying the history through
// lifecycle.Snapshot.Apply rebuilds the snapshot's standard fields.
func TestSnapshotReplay(t *testing.T) {
	x, _, err := Rules{}.Open(agent, t0, "INC-1", Open{Title: "t", Impact: 2, Urgency: 2, Group: "desk"})
	require.NoError(t, err)
	for _, cmd := range []Command{
		Assign{ID: "INC-1", Assignee: "ann"},
		ProposeMajor{ID: "INC-1", Reason: "r"},
		AcceptMajor{ID: "INC-1"},
		Update{ID: "INC-1", Impact: 1},
		Hold{ID: "INC-1", Reason: HoldAwaitingVendor},
		EscalateFunctional{ID: "INC-1", Group: "net", Reason: "r"},
		Resume{ID: "INC-1"},
		Resolve{ID: "INC-1", Code: CodeSolutionProvided, Notes: "n"},
	} {
		_, err := x.Apply(manager, t0, cmd)
		require.NoError(t, err)
		var s lifecycle.Snapshot
		for _, r := range x.History {
			s = s.Apply(r)
		}
		want := x.Snapshot()
		want.Title, want.Service, want.ConfigItem, want.OpenedAt, want.Attributes = "", "", "", time.Time{}, nil
		assert.Equal(t, want, s, "after %T", cmd)
	}
}

// TestResolveWithParentKeepsAllData: resolving a child with its parent
// emits the most Data pairs of any command (code, notes, parent), and all
// of them reach the event.
func TestResolveWithParentKeepsAllData(t *testing.T) {
	x := fixture(StateOnHold)
	x.Parent = "INC-P"
	evs, err := Rules{}.apply(x, lifecycle.System, t0, resolveWithParent{id: "INC-1", parent: "INC-P", code: CodeSolutionProvided, notes: "fixed upstream"})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, map[string]string{"code": "solution_provided", "notes": "fixed upstream", "parent": "INC-P"}, evs[0].Data)
	assert.Equal(t, "resolved with parent INC-P: fixed upstream", x.History[len(x.History)-1].Note)
}
