package lifecycle_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// editEvent names every note step's event: "edit".
func editEvent(*note) string { return "edit" }

// failing is a step that counts its runs and fails as a state machine
// would, revealing the record's state.
func failing(runs *int) lifecycle.Step[*note] {
	return func(context.Context, *note, *lifecycle.ReadSet) ([]lifecycle.Notification, error) {
		*runs++
		return nil, &lifecycle.TransitionError{Process: "note", Subject: "N1", From: "locked", Event: "edit"}
	}
}

// checkedEvents records what an EventChecker saw before each step.
type checkedEvents struct {
	seen
	events []lifecycle.Operation
}

func (c *checkedEvents) CheckEvent(_ context.Context, op lifecycle.Operation) error {
	c.events = append(c.events, op)
	return nil
}

// TestEventRuleAskedBeforeTheStep: an actor an event rule refuses gets the
// ForbiddenError naming the rule, not the step's error, and the step does
// not run; an actor it lets reaches the step.
func TestEventRuleAskedBeforeTheStep(t *testing.T) {
	ctx := context.Background()
	s := newNoteStore(note{ID: "N1", Version: 1, Text: "old"})
	rec := &lifecycletest.Recorder{}
	policy := &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{{Process: "note", Event: "edit", Roles: []string{"editor"}}}}
	k := interceptedKernel(s, rec, policy)
	runs := 0

	_, err := k.UpdateEvent(ctx, kernelActor, "N1", 0, editEvent, failing(&runs))
	var fe *lifecycle.ForbiddenError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "note.edit", fe.Rule)
	assert.Zero(t, runs, "the step does not run for a refused actor")
	assert.Zero(t, s.commits)
	assert.Empty(t, rec.Events())

	editor := lifecycle.Actor{ID: "ed", Roles: []string{"editor"}}
	_, err = k.UpdateEvent(ctx, editor, "N1", 0, editEvent, failing(&runs))
	assert.ErrorIs(t, err, lifecycle.ErrInvalidTransition, "the step's own error for an actor the rule lets")
	assert.Equal(t, 1, runs)
	got, err := k.UpdateEvent(ctx, editor, "N1", 0, editEvent, edit("new"))
	require.NoError(t, err)
	assert.Equal(t, "new", got.Text)

	// Create: the build does not run for a refused actor.
	built := 0
	build := func(context.Context, *lifecycle.ReadSet) (*note, []lifecycle.Notification, error) {
		built++
		return &note{ID: "N2", Version: 1}, nil, nil
	}
	_, err = k.CreateEvent(ctx, kernelActor, "edit", build)
	require.ErrorAs(t, err, &fe)
	assert.Zero(t, built)
	_, err = k.CreateEvent(ctx, editor, "edit", build)
	require.NoError(t, err)
	assert.Equal(t, 1, built)
}

// TestEventCheckerSeesTheRecordAsStored: CheckEvent gets the event and
// the record as stored, with no change and no After; Check follows with
// the change, marked as checked already, and PolicyFunc interceptors are
// asked only then.
func TestEventCheckerSeesTheRecordAsStored(t *testing.T) {
	ctx := context.Background()
	s := newNoteStore(note{ID: "N1", Version: 1, Text: "old"})
	checker := &checkedEvents{}
	var late []lifecycle.Operation
	policy := lifecycle.PolicyFunc(func(_ context.Context, op lifecycle.Operation) error {
		late = append(late, op)
		return nil
	})
	k := interceptedKernel(s, &lifecycletest.Recorder{}, checker, policy)

	_, err := k.UpdateEvent(ctx, kernelActor, "N1", 0, editEvent, edit("new"))
	require.NoError(t, err)
	require.Len(t, checker.events, 1)
	op := checker.events[0]
	assert.Equal(t, "edit", op.Event)
	assert.Equal(t, "N1", op.ID)
	assert.True(t, op.EventChecked)
	assert.Equal(t, "old", op.Before.(*note).Text)
	assert.Equal(t, "old", op.BeforeView.Title)
	assert.Nil(t, op.After)
	assert.Zero(t, op.AfterView)
	assert.Zero(t, op.Change)
	require.Len(t, checker.checks, 1)
	assert.True(t, checker.checks[0].EventChecked, "Check knows the event was checked")
	assert.Equal(t, "new", checker.checks[0].After.(*note).Text)
	require.Len(t, late, 1, "a PolicyFunc is asked once, after the step")
	assert.Equal(t, "new", late[0].AfterView.Title)

	// A plain Update asks no EventChecker before the step, and says so.
	_, err = k.Update(ctx, kernelActor, "N1", 0, edit("newer"))
	require.NoError(t, err)
	assert.Len(t, checker.events, 1)
	require.Len(t, checker.checks, 2)
	assert.False(t, checker.checks[1].EventChecked)
}

// TestEventRuleAskedAfterAPlainUpdate: when the kernel did not know the
// event up front, Check asks the event rules itself, so a policy refuses
// the same actors either way.
func TestEventRuleAskedAfterAPlainUpdate(t *testing.T) {
	ctx := context.Background()
	s := newNoteStore(note{ID: "N1", Version: 1, Text: "old"})
	policy := &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{{Process: "note", Event: "edit", Roles: []string{"editor"}}}}
	k := interceptedKernel(s, &lifecycletest.Recorder{}, policy)
	_, err := k.Update(ctx, kernelActor, "N1", 0, edit("new"))
	assert.ErrorIs(t, err, lifecycle.ErrForbidden)
	assert.Zero(t, s.commits)
	_, err = k.Update(ctx, lifecycle.Actor{ID: "ed", Roles: []string{"editor"}}, "N1", 0, edit("new"))
	assert.NoError(t, err)
}

// TestFieldRuleAskedAfterTheStep: a rule with Fields needs the change, so
// it is asked once the step applied, and refuses only changes of its
// fields.
func TestFieldRuleAskedAfterTheStep(t *testing.T) {
	ctx := context.Background()
	s := newNoteStore(note{ID: "N1", Version: 1, Text: "old"})
	policy := &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{{Process: "note", Fields: []string{"text"}, Roles: []string{"editor"}}}}
	k := interceptedKernel(s, &lifecycletest.Recorder{}, policy)
	runs := 0
	_, err := k.UpdateEvent(ctx, kernelActor, "N1", 0, editEvent, failing(&runs))
	assert.ErrorIs(t, err, lifecycle.ErrInvalidTransition, "a field rule is not asked before the step")
	assert.Equal(t, 1, runs)
	_, err = k.UpdateEvent(ctx, kernelActor, "N1", 0, editEvent, edit("new"))
	var fe *lifecycle.ForbiddenError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "note.*", fe.Rule)
	assert.Zero(t, s.commits)
}

// TestRelationRuleOnACreationAskedOnTheBuiltRecord: a creation has no
// record before its build, so a rule naming relations is asked about the
// record the build made.
func TestRelationRuleOnACreationAskedOnTheBuiltRecord(t *testing.T) {
	ctx := context.Background()
	policy := &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{{Process: "incident", Event: "open", Relations: []lifecycle.Relation{lifecycle.RelationCaller}}}}
	op := lifecycle.Operation{Process: "incident", Actor: lifecycle.Actor{ID: "carol"}, Event: "open", EventChecked: true}
	assert.NoError(t, policy.CheckEvent(ctx, op), "nothing to read the relation from before the build")
	op.AfterView = lifecycle.Snapshot{Caller: "carol"}
	assert.NoError(t, policy.Check(ctx, op))
	op.AfterView = lifecycle.Snapshot{Caller: "dave"}
	assert.ErrorIs(t, policy.Check(ctx, op), lifecycle.ErrForbidden)
}

// TestSystemOnlyWhereARuleSaysSo: a rule lets System only when it says
// System, whatever roles System holds; Anyone lets every actor but
// System; an impostor carrying System's ID and role is just an actor.
func TestSystemOnlyWhereARuleSaysSo(t *testing.T) {
	ctx := context.Background()
	impostor := lifecycle.Actor{ID: lifecycle.System.ID, Roles: []string{lifecycle.RoleSystem}}
	ann := lifecycle.Actor{ID: "ann"}
	rec := lifecycle.Snapshot{Assignee: "system"}
	for _, c := range []struct {
		rule             lifecycle.Rule
		system, ann, imp bool
		who              string
	}{
		{rule: lifecycle.Rule{Process: "incident", Event: "close", Roles: []string{"closer"}}, who: `role "closer"`},
		{rule: lifecycle.Rule{Process: "incident", Event: "close", Roles: []string{"closer"}, System: true}, system: true, who: `role "closer" or System`},
		{rule: lifecycle.Rule{Process: "incident", Event: "close", Anyone: true}, ann: true, imp: true, who: "anyone"},
		{rule: lifecycle.Rule{Process: "incident", Event: "close", Anyone: true, System: true}, system: true, ann: true, imp: true, who: "anyone or System"},
		// A rule naming RoleSystem does not let System; it lets whoever
		// the host granted a role of that name, as any role.
		{rule: lifecycle.Rule{Process: "incident", Event: "close", Roles: []string{lifecycle.RoleSystem}}, imp: true, who: `role "system"`},
		{rule: lifecycle.Rule{Process: "incident", Event: "close"}, who: "nobody"},
	} {
		p := &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{c.rule}}
		for _, a := range []struct {
			actor lifecycle.Actor
			want  bool
		}{{lifecycle.System, c.system}, {ann, c.ann}, {impostor, c.imp}} {
			err := p.CheckEvent(ctx, accessOp(a.actor, "close", rec))
			if a.want {
				assert.NoError(t, err, "%+v: %s", c.rule, a.actor.ID)
				continue
			}
			var fe *lifecycle.ForbiddenError
			if assert.ErrorAs(t, err, &fe, "%+v: %s", c.rule, a.actor.ID) {
				assert.Equal(t, "rule incident.close lets only "+c.who, fe.Reason)
			}
		}
	}
}

// TestAccessPolicyRefusalIsObserved: an event rule's refusal reaches the
// observers' Done, and stops the later checks.
func TestAccessPolicyRefusalIsObserved(t *testing.T) {
	ctx := context.Background()
	s := newNoteStore(note{ID: "N1", Version: 1})
	audit := &checkedEvents{}
	var refusals []error
	obs := lifecycle.ObserverFunc(func(_ context.Context, _ lifecycle.Operation, err error, _ time.Duration) {
		refusals = append(refusals, err)
	})
	policy := &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{{Process: "note", Event: "edit", Roles: []string{"editor"}}}}
	k := interceptedKernel(s, &lifecycletest.Recorder{}, policy, audit, obs)
	_, err := k.UpdateEvent(ctx, kernelActor, "N1", 0, editEvent, edit("new"))
	require.ErrorIs(t, err, lifecycle.ErrForbidden)
	assert.Empty(t, audit.events, "a refusal stops the checks that follow")
	require.Len(t, refusals, 1)
	assert.True(t, errors.Is(refusals[0], lifecycle.ErrForbidden))
}
