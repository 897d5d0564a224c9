package lifecycle_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

// accessOp is an operation of actor firing event on an incident that
// stands as before.
func accessOp(actor lifecycle.Actor, event string, before lifecycle.Snapshot, changes ...lifecycle.FieldChange) lifecycle.Operation {
	return lifecycle.Operation{
		Process: "incident", Actor: actor, ID: "INC-1", Event: event,
		Change: lifecycle.Record{Event: event, Changes: changes},
		Before: &struct{}{}, BeforeView: before, AfterView: before,
	}
}

// directory is a Membership: group → members.
type directory map[string][]string

func (d directory) IsMember(_ context.Context, a lifecycle.Actor, group string) (bool, error) {
	for _, m := range d[group] {
		if m == a.ID {
			return true, nil
		}
	}
	return false, nil
}

// TestAccessRulesBothWays: each kind of grant lets the actor it names and
// refuses the others, naming the rule.
func TestAccessRulesBothWays(t *testing.T) {
	ctx := context.Background()
	ann, bob := lifecycle.Actor{ID: "ann"}, lifecycle.Actor{ID: "bob"}
	manager := lifecycle.Actor{ID: "meg", Roles: []string{"incident-manager"}}
	rec := lifecycle.Snapshot{Group: "network", Assignee: "ann", Caller: "carol", Owner: "olga"}
	for _, c := range []struct {
		name    string
		rule    lifecycle.Rule
		allowed lifecycle.Actor
	}{
		{"role", lifecycle.Rule{Process: "incident", Event: "resolve", Roles: []string{"incident-manager"}}, manager},
		{"assignee", lifecycle.Rule{Process: "incident", Event: "resolve", Relations: []lifecycle.Relation{lifecycle.RelationAssignee}}, ann},
		{"group member", lifecycle.Rule{Process: "incident", Event: "resolve", Relations: []lifecycle.Relation{lifecycle.RelationGroupMember}}, lifecycle.Actor{ID: "nina"}},
		{"caller", lifecycle.Rule{Process: "incident", Event: "resolve", Relations: []lifecycle.Relation{lifecycle.RelationCaller}}, lifecycle.Actor{ID: "carol"}},
		{"owner", lifecycle.Rule{Process: "incident", Event: "resolve", Relations: []lifecycle.Relation{lifecycle.RelationOwner}}, lifecycle.Actor{ID: "olga"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{c.rule}, Members: directory{"network": {"nina"}}}
			assert.NoError(t, p.Check(ctx, accessOp(c.allowed, "resolve", rec)))
			err := p.Check(ctx, accessOp(bob, "resolve", rec))
			var fe *lifecycle.ForbiddenError
			require.True(t, errors.As(err, &fe), "%v", err)
			assert.Equal(t, "incident.resolve", fe.Rule)
			assert.Equal(t, "bob", fe.Actor)
			assert.NoError(t, p.Check(ctx, accessOp(bob, "assign", rec)), "the rule guards its event only")
			other := accessOp(bob, "resolve", rec)
			other.Process = "problem"
			assert.NoError(t, p.Check(ctx, other), "and its process only")
		})
	}
}

func TestAccessRuleDetails(t *testing.T) {
	ctx := context.Background()
	bob := lifecycle.Actor{ID: "bob"}
	rec := lifecycle.Snapshot{Group: "network"}

	// A rule without grants lets nobody; an empty relation never matches.
	p := &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{{Name: "frozen", Process: "incident", Event: "reopen"}}}
	err := p.Check(ctx, accessOp(bob, "reopen", rec))
	assert.ErrorIs(t, err, lifecycle.ErrForbidden)
	assert.ErrorContains(t, err, "rule frozen lets only nobody")
	p = &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{{Process: "incident", Relations: []lifecycle.Relation{lifecycle.RelationAssignee}}}}
	assert.ErrorIs(t, p.Check(ctx, accessOp(lifecycle.Actor{ID: "x"}, "assign", lifecycle.Snapshot{})), lifecycle.ErrForbidden, "no assignee is nobody's")

	// Field rules guard the changes of their fields, whatever the event;
	// a field ending in "." is a prefix.
	p = &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{{Process: "incident", Fields: []string{"root_cause", "attributes."}, Roles: []string{"problem-manager"}}}}
	assert.NoError(t, p.Check(ctx, accessOp(bob, "update", rec, lifecycle.FieldChange{Field: "title", New: "x"})))
	assert.ErrorIs(t, p.Check(ctx, accessOp(bob, "update", rec, lifecycle.FieldChange{Field: "root_cause", New: "x"})), lifecycle.ErrForbidden)
	assert.ErrorIs(t, p.Check(ctx, accessOp(bob, "work_note", rec, lifecycle.FieldChange{Field: "attributes.site", New: "x"})), lifecycle.ErrForbidden)
	assert.NoError(t, p.Check(ctx, accessOp(lifecycle.Actor{ID: "pm", Roles: []string{"problem-manager"}}, "update", rec, lifecycle.FieldChange{Field: "root_cause"})))

	// Every rule that guards a change must let it.
	p = &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{
		{Process: "incident", Event: "resolve", Roles: []string{"a"}},
		{Name: "second", Process: "incident", Event: "resolve", Roles: []string{"b"}},
	}}
	var fe *lifecycle.ForbiddenError
	require.True(t, errors.As(p.Check(ctx, accessOp(lifecycle.Actor{ID: "x", Roles: []string{"a"}}, "resolve", rec)), &fe))
	assert.Equal(t, "second", fe.Rule)
	assert.NoError(t, p.Check(ctx, accessOp(lifecycle.Actor{ID: "x", Roles: []string{"a", "b"}}, "resolve", rec)))

	// A creation's relations are read from the record it makes.
	p = &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{{Process: "incident", Event: "open", Relations: []lifecycle.Relation{lifecycle.RelationCaller}}}}
	create := lifecycle.Operation{Process: "incident", Actor: lifecycle.Actor{ID: "carol"}, Event: "open", AfterView: lifecycle.Snapshot{Caller: "carol"}}
	assert.NoError(t, p.Check(ctx, create))
	create.Actor.ID = "dave"
	assert.ErrorIs(t, p.Check(ctx, create), lifecycle.ErrForbidden)

	// Group rules read the actor's groups, or the host's directory when
	// there is one; its errors come back as they are.
	p = &lifecycle.AccessPolicy{Rules: []lifecycle.Rule{{Process: "incident", Relations: []lifecycle.Relation{lifecycle.RelationGroupMember}}}}
	assert.ErrorIs(t, p.Check(ctx, accessOp(bob, "assign", rec)), lifecycle.ErrForbidden)
	assert.NoError(t, p.Check(ctx, accessOp(lifecycle.Actor{ID: "bob", Groups: []string{"network"}}, "assign", rec)))
	down := errors.New("directory down")
	p.Members = lifecycle.MembershipFunc(func(context.Context, lifecycle.Actor, string) (bool, error) { return false, down })
	assert.ErrorIs(t, p.Check(ctx, accessOp(bob, "assign", rec)), down)

	// The zero policy lets everything.
	assert.NoError(t, (&lifecycle.AccessPolicy{}).Check(ctx, accessOp(bob, "close", rec)))
}

// TestAccessPolicyOnServices: relation rules as a host writes them
// ("only a member of the assignment group may resolve", "only a problem
// manager edits a known error's root cause and workaround"), given to the
// Services, refuse before anything is stored.
func TestAccessPolicyOnServices(t *testing.T) {
	ctx := context.Background()
	policy := &lifecycle.AccessPolicy{
		Rules: []lifecycle.Rule{
			{Process: "incident", Event: "resolve", Relations: []lifecycle.Relation{lifecycle.RelationGroupMember}},
			{Name: "known-error-fields", Process: "problem", Fields: []string{"root_cause", "workaround"}, Roles: []string{"problem-manager"}},
		},
		Members: directory{"network": {"nina"}},
	}
	incidents, err := incident.New(incident.Config{Store: incidenttest.NewStore(), Interceptors: []lifecycle.Interceptor{policy}, IDs: lifecycle.Sequence("INC", 3)})
	require.NoError(t, err)
	ann, nina := lifecycle.Actor{ID: "ann"}, lifecycle.Actor{ID: "nina"}
	x, err := incidents.Open(ctx, ann, incident.Open{Title: "Switch down", Group: "network", Impact: 1, Urgency: 1})
	require.NoError(t, err)
	x, err = incidents.Assign(ctx, ann, incident.Assign{ID: x.ID, Assignee: "nina"})
	require.NoError(t, err)
	_, err = incidents.Resolve(ctx, ann, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "rebooted"})
	assert.ErrorIs(t, err, lifecycle.ErrForbidden, "ann is not in network")
	got, _ := incidents.Get(ctx, x.ID)
	assert.Equal(t, incident.StateInProgress, got.State)
	_, err = incidents.Resolve(ctx, nina, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "rebooted"})
	require.NoError(t, err)

	problems, err := problem.New(problem.Config{Store: problemtest.NewStore(), Interceptors: []lifecycle.Interceptor{policy}, IDs: lifecycle.Sequence("PRB", 3)})
	require.NoError(t, err)
	p, err := problems.Open(ctx, ann, problem.Open{Title: "Switch firmware leaks memory"})
	require.NoError(t, err)
	_, err = problems.Do(ctx, ann, problem.RecordKnownError{ID: p.ID, RootCause: "firmware 4.2 leak"})
	var fe *lifecycle.ForbiddenError
	require.True(t, errors.As(err, &fe), "%v", err)
	assert.Equal(t, "known-error-fields", fe.Rule)
	_, err = problems.Do(ctx, ann, problem.RecordKnownError{ID: p.ID, Symptom: "switch reboots weekly"})
	require.NoError(t, err, "the symptom is not guarded")
	_, err = problems.Do(ctx, lifecycle.Actor{ID: "pm", Roles: []string{"problem-manager"}}, problem.RecordKnownError{ID: p.ID, RootCause: "firmware 4.2 leak"})
	require.NoError(t, err)
}
