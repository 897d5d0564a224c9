package change_test

import (
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

var update = flag.Bool("update", false, "rewrite the golden diagram files in testdata")

// commandFor returns a valid command for event e on a change of type t.
func commandFor(t change.Type, e change.Event) change.Command {
	switch e {
	case change.EventUpdate:
		return change.Update{Title: ptr("A better title")}
	case change.EventSetType:
		if t == change.Normal {
			return change.SetType{Type: change.Emergency}
		}
		return change.SetType{Type: change.Normal}
	case change.EventAssign:
		return change.Assign{Group: "web-team", Assignee: "bob"}
	case change.EventLink:
		return change.Link{Problems: []string{"PRB-9"}}
	case change.EventAssess:
		return change.Assess{}
	case change.EventRequestApproval:
		return change.RequestApproval{}
	case change.EventApprove:
		return change.Approve{Comment: "ok"}
	case change.EventReject:
		return change.Reject{Comment: "not now"}
	case change.EventSchedule:
		return change.Schedule{}
	case change.EventRevert:
		return change.Revert{Reason: "re-plan"}
	case change.EventImplement:
		return change.Implement{}
	case change.EventReview:
		return change.Review{Outcome: change.OutcomeSuccessful}
	case change.EventClose:
		return change.Close{Notes: "post-implementation review done"}
	case change.EventCancel:
		return change.Cancel{Reason: "no longer needed"}
	}
	panic("no command for " + e)
}

// fixture returns a change of type t in state s that satisfies every guard
// of event e, built by the pure layer along the happy path.
func fixture(t *testing.T, typ change.Type, s change.State, e change.Event) *change.Change {
	t.Helper()
	c := newChange(t, typ)
	if s == change.StateCanceled {
		apply(t, c, alice, change.Cancel{Reason: "dropped"})
		return c
	}
	advance(t, c, s)
	if s == change.StateAuthorize && e == change.EventSchedule {
		apply(t, c, carol, change.Approve{})
	}
	return c
}

// TestMatrix fires every event from every state of every change type:
// allowed pairs succeed and land in the target the machine's definition
// declares for the pair (change.Target); every other pair is an
// ErrInvalidTransition that leaves the change deep-equal.
func TestMatrix(t *testing.T) {
	for _, typ := range change.Types() {
		for _, s := range change.TypeStates(typ) {
			for _, e := range change.Events() {
				t.Run(string(typ)+"/"+string(s)+"/"+string(e), func(t *testing.T) {
					c := fixture(t, typ, s, e)
					require.Equal(t, s, c.State)
					before := c.Clone()
					evs, err := testRules().Apply(c, carol, t0.Add(time.Hour), commandFor(typ, e))
					to, declared := change.Target(typ, s, e)
					require.Equal(t, slices.Contains(change.Allowed(typ, s), e), declared, "Allowed and Target agree")
					if declared {
						require.NoError(t, err)
						require.NotEmpty(t, to)
						assert.Equal(t, to, c.State, "the change lands in the declared target")
						assert.Equal(t, before.Version+1, c.Version)
						lifecycletest.CheckAppended(t, before.History, c.History, lifecycle.Record{Event: string(e), From: string(s), To: string(to)})
						lifecycletest.CheckNotified(t, evs, lifecycle.Notification{
							Process: change.Process, Subject: c.ID, Version: c.Version, From: string(s), To: string(to),
						})
						return
					}
					te := lifecycletest.Applied{Before: before, After: c, Events: evs, Err: err}.CheckNoTransition(t, lifecycle.TransitionError{
						From: string(s), Event: string(e),
					})
					var static []string
					for _, a := range change.Allowed(typ, s) {
						static = append(static, string(a))
					}
					assert.Subset(t, static, te.Allowed, "a refusal lists events from %s only", s)
				})
			}
		}
	}
}

// TestRefusalLeavesOutRefusingGuards: in authorize, approve and reject
// need a pending decision and schedule needs the authorization. A refusal
// lists the ones whose guards accept the change as it stands; the static
// Allowed always has all three.
func TestRefusalLeavesOutRefusingGuards(t *testing.T) {
	for _, typ := range []change.Type{change.Normal, change.Emergency} {
		t.Run(string(typ), func(t *testing.T) {
			c := newChange(t, typ)
			advance(t, c, change.StateAuthorize)
			require.False(t, c.Authorized())
			require.Subset(t, change.Allowed(typ, change.StateAuthorize),
				[]change.Event{change.EventApprove, change.EventReject, change.EventSchedule})
			refusal := func() []string {
				t.Helper()
				before := c.Clone()
				_, err := testRules().Apply(c, alice, t0, change.Implement{})
				var te *lifecycle.TransitionError
				require.ErrorAs(t, err, &te, "implement is not an event from authorize")
				assert.Nil(t, te.Reason)
				assert.Equal(t, before, c)
				return te.Allowed
			}

			allowed := refusal()
			assert.Contains(t, allowed, string(change.EventApprove), "a decision is pending")
			assert.Contains(t, allowed, string(change.EventReject), "a decision is pending")
			assert.NotContains(t, allowed, string(change.EventSchedule), "the change is not authorized yet")
			assert.Contains(t, allowed, string(change.EventRevert), "unguarded events stay listed")

			apply(t, c, carol, change.Approve{Comment: "fine"})
			require.True(t, c.Authorized())
			require.Equal(t, change.StateAuthorize, c.State)
			allowed = refusal()
			assert.NotContains(t, allowed, string(change.EventApprove), "the change is already authorized")
			assert.NotContains(t, allowed, string(change.EventReject), "the change is already authorized")
			assert.Contains(t, allowed, string(change.EventSchedule), "the change is authorized")
		})
	}
}

// TestTargets pins the declared target of each transition of each type,
// written out independently of the definitions, and checks that the
// machines declare nothing else.
func TestTargets(t *testing.T) {
	type edge struct {
		from change.State
		ev   change.Event
	}
	common := func(open ...change.State) map[edge]change.State {
		m := map[edge]change.State{
			{change.StateNew, change.EventSetType}:         change.StateNew,
			{change.StateScheduled, change.EventImplement}: change.StateImplement,
			{change.StateImplement, change.EventReview}:    change.StateReview,
			{change.StateReview, change.EventClose}:        change.StateClosed,
		}
		for _, s := range open {
			m[edge{s, change.EventAssign}] = s
			m[edge{s, change.EventLink}] = s
			if s != change.StateReview {
				m[edge{s, change.EventCancel}] = change.StateCanceled
			}
		}
		return m
	}
	// Each type's own transitions, on top of the common ones.
	own := map[change.Type]map[edge]change.State{
		change.Standard: {
			{change.StateNew, change.EventUpdate}:       change.StateNew,
			{change.StateNew, change.EventSchedule}:     change.StateScheduled,
			{change.StateScheduled, change.EventRevert}: change.StateNew,
		},
		change.Normal: {
			{change.StateNew, change.EventUpdate}:             change.StateNew,
			{change.StateAssess, change.EventUpdate}:          change.StateAssess,
			{change.StateNew, change.EventAssess}:             change.StateAssess,
			{change.StateAssess, change.EventRequestApproval}: change.StateAuthorize,
			{change.StateAuthorize, change.EventApprove}:      change.StateAuthorize,
			{change.StateAuthorize, change.EventReject}:       change.StateNew,
			{change.StateAuthorize, change.EventSchedule}:     change.StateScheduled,
			{change.StateAssess, change.EventRevert}:          change.StateNew,
			{change.StateAuthorize, change.EventRevert}:       change.StateNew,
			{change.StateScheduled, change.EventRevert}:       change.StateNew,
		},
		change.Emergency: {
			{change.StateNew, change.EventUpdate}:          change.StateNew,
			{change.StateNew, change.EventRequestApproval}: change.StateAuthorize,
			{change.StateAuthorize, change.EventApprove}:   change.StateAuthorize,
			{change.StateAuthorize, change.EventReject}:    change.StateNew,
			{change.StateAuthorize, change.EventSchedule}:  change.StateScheduled,
			{change.StateAuthorize, change.EventRevert}:    change.StateNew,
			{change.StateScheduled, change.EventRevert}:    change.StateNew,
		},
	}
	want := map[change.Type]map[edge]change.State{
		change.Standard:  common(change.StateNew, change.StateScheduled, change.StateImplement, change.StateReview),
		change.Normal:    common(change.StateNew, change.StateAssess, change.StateAuthorize, change.StateScheduled, change.StateImplement, change.StateReview),
		change.Emergency: common(change.StateNew, change.StateAuthorize, change.StateScheduled, change.StateImplement, change.StateReview),
	}
	for typ, edges := range own {
		maps.Copy(want[typ], edges)
	}
	for _, typ := range change.Types() {
		for _, s := range change.States() {
			for _, e := range change.Events() {
				to, ok := change.Target(typ, s, e)
				w, declared := want[typ][edge{s, e}]
				assert.Equal(t, declared, ok, "%s: %s from %s", typ, e, s)
				assert.Equal(t, w, to, "%s: %s from %s", typ, e, s)
			}
		}
	}
	_, ok := change.Target("weird", change.StateNew, change.EventUpdate)
	assert.False(t, ok)
}

func TestPathsPerType(t *testing.T) {
	assert.Equal(t, []change.State{"new", "scheduled", "implement", "review", "closed", "canceled"}, change.TypeStates(change.Standard))
	assert.Equal(t, change.States(), change.TypeStates(change.Normal))
	assert.Equal(t, []change.State{"new", "authorize", "scheduled", "implement", "review", "closed", "canceled"}, change.TypeStates(change.Emergency))
	assert.Nil(t, change.TypeStates("weird"))
	assert.Nil(t, change.Allowed("weird", change.StateNew))
	assert.Empty(t, change.Diagram("weird"))
	for _, typ := range change.Types() {
		assert.Empty(t, change.Allowed(typ, change.StateClosed))
		assert.Empty(t, change.Allowed(typ, change.StateCanceled))
		assert.NotContains(t, change.Allowed(typ, change.StateReview), change.EventCancel, "no cancel from review")
		assert.Subset(t, change.Events(), change.TypeEvents(typ))
	}
	assert.NotContains(t, change.TypeEvents(change.Standard), change.EventApprove)
	assert.NotContains(t, change.TypeEvents(change.Emergency), change.EventAssess)
}

// TestDiagramGolden keeps testdata/diagram-<type>.mmd equal to Diagram.
// Run with -update to rewrite the files.
func TestDiagramGolden(t *testing.T) {
	for _, typ := range change.Types() {
		path := filepath.Join("testdata", "diagram-"+string(typ)+".mmd")
		got := change.Diagram(typ)
		if *update {
			require.NoError(t, os.MkdirAll("testdata", 0o755))
			require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		}
		want, err := os.ReadFile(path)
		require.NoError(t, err, "run go test ./change -run TestDiagramGolden -update")
		assert.Equal(t, string(want), got, "%s is stale: run go test ./change -run TestDiagramGolden -update", path)
	}
}

// TestReadmeDiagrams checks that the ```mermaid block right after a line
// containing <!-- change-<type>-diagram --> in ../README.md is
// Diagram(type). A missing README or marker fails the test.
func TestReadmeDiagrams(t *testing.T) {
	for _, typ := range change.Types() {
		t.Run(string(typ), func(t *testing.T) {
			lifecycletest.ReadmeDiagram(t, filepath.Join("..", "README.md"), "<!-- change-"+string(typ)+"-diagram -->", change.Diagram(typ))
		})
	}
}
