package problem_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

// authzActors: a holder of RoleProblemManager, System, and actors who must
// not pass for one (no role, the role spelled differently, other roles,
// the manager's ID without the role).
var authzActors = []lifecycle.Actor{
	manager,
	lifecycle.System,
	alice,
	{ID: "pat", Roles: []string{"Problem-Manager"}},
	{ID: "sue", Roles: []string{"service-owner", "change-manager", "major-incident-manager"}},
	{ID: "mona"},
}

// gated is the rule under test, written out: only re-analysis is
// role-gated, and it needs RoleProblemManager.
func gated(ev problem.Event) bool { return ev == problem.EventReanalyze }

// systemFires are the events the library fires as System on problems: a
// reactor's resolving of a fixed problem and the linking of a duplicate's
// incidents to the original.
var systemFires = map[problem.Event]bool{problem.EventResolve: true, problem.EventLinkIncident: true}

func mayReanalyze(a lifecycle.Actor) bool {
	for _, r := range a.Roles {
		if r == problem.RoleProblemManager {
			return true
		}
	}
	return false
}

// mayFire reports whether the default rules let a fire ev, and the words
// a refusal's reason holds.
func mayFire(a lifecycle.Actor, ev problem.Event) (bool, string) {
	switch {
	case a.IsSystem():
		return systemFires[ev], "rule problem." + string(ev)
	case gated(ev):
		return mayReanalyze(a), problem.RoleProblemManager
	}
	return true, ""
}

// TestProblemAuthorization is the table of who may do what to a problem:
// every actor × every (state, event) pair the machine allows, through the
// pure Problem.Apply, which checks no roles, and through the Service,
// which applies the default access rules. A gated operation succeeds
// exactly for RoleProblemManager; System fires only the library's own
// follow-ups; everyone else gets an error matching ErrForbidden (a
// *ForbiddenError naming the actor and the role), and the refusal changes
// nothing: the stored problem, the events, the incidents.
func TestProblemAuthorization(t *testing.T) {
	for _, state := range problem.States() {
		for _, ev := range problem.Allowed(state) {
			for _, actor := range authzActors {
				t.Run(fmt.Sprintf("%s/%s/%q", state, ev, actor.ID), func(t *testing.T) {
					want, reason := mayFire(actor, ev)

					// The pure layer leaves who may to the Service.
					p := inState(t, state)
					cmd := withID(validCommand(ev), p.ID)
					_, err := p.Apply(actor, t0.Add(24*time.Hour), cmd)
					require.NoError(t, err)

					// The Service.
					f := newFixture(t)
					orig := f.open(t)
					f.drive(t, orig.ID, problem.Assess{Group: "messaging"})
					id := f.open(t, "INC1", "INC2").ID
					f.drive(t, id, pathTo[state]...)
					stored, err := f.svc.Get(ctx, id)
					require.NoError(t, err)
					require.Equal(t, state, stored.State)
					cmd = withID(validCommand(ev), stored.ID)
					if md, ok := cmd.(problem.MarkDuplicate); ok {
						md.Original = orig.ID
						cmd = md
					}
					nEvents, nCalls := len(f.rec.Events()), len(f.incidents.Calls())
					got, err := f.svc.Do(ctx, actor, cmd)
					lifecycletest.CheckAuthorized(t, want, actor, reason, err)
					after, gerr := f.svc.Get(ctx, stored.ID)
					require.NoError(t, gerr)
					if err != nil {
						assert.Nil(t, got)
						assert.Equal(t, stored, after, "a refused operation stores nothing")
						assert.Len(t, f.rec.Events(), nEvents, "a refused operation notifies nothing")
						assert.Len(t, f.incidents.Calls(), nCalls, "a refused operation resolves no incident")
						return
					}
					assert.Equal(t, after, got)
					assert.Equal(t, stored.Version+1, after.Version)
				})
			}
		}
	}
}

// TestReanalyzeDuplicateAuthorization: a problem closed as a duplicate
// cannot be reanalyzed by anyone, but an actor without the role learns
// only that they are forbidden.
func TestReanalyzeDuplicateAuthorization(t *testing.T) {
	f := newFixture(t)
	orig := f.open(t)
	f.drive(t, orig.ID, problem.Assess{Group: "messaging"})
	dup := f.open(t, "INC1")
	dup = f.drive(t, dup.ID, problem.Assess{Group: "messaging"}, problem.MarkDuplicate{Original: orig.ID})
	require.Equal(t, problem.StateClosed, dup.State)
	for _, actor := range authzActors {
		nEvents := len(f.rec.Events())
		_, err := f.svc.Reanalyze(ctx, actor, problem.Reanalyze{ID: dup.ID, Notes: "again"})
		if ok, _ := mayFire(actor, problem.EventReanalyze); ok {
			require.ErrorIs(t, err, lifecycle.ErrInvalidTransition, "%q", actor.ID)
			require.NotErrorIs(t, err, lifecycle.ErrForbidden)
		} else {
			require.ErrorIs(t, err, lifecycle.ErrForbidden, "%q", actor.ID)
		}
		after, gerr := f.svc.Get(ctx, dup.ID)
		require.NoError(t, gerr)
		require.Equal(t, dup, after)
		require.Len(t, f.rec.Events(), nEvents)
	}
}

// TestProblemAuthorizationNeedsAnActor: an actor without an ID is a
// validation error for every operation, whatever roles it claims.
func TestProblemAuthorizationNeedsAnActor(t *testing.T) {
	nobody := lifecycle.Actor{Roles: []string{problem.RoleProblemManager}}
	for _, state := range problem.States() {
		for _, ev := range problem.Allowed(state) {
			p := inState(t, state)
			before := p.Clone()
			_, err := p.Apply(nobody, t0, withID(validCommand(ev), p.ID))
			require.ErrorIs(t, err, lifecycle.ErrValidation, "%s/%s", state, ev)
			require.NotErrorIs(t, err, lifecycle.ErrForbidden)
			require.Equal(t, before, p)
		}
	}
}
