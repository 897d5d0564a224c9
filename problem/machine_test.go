package problem_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

// wantAllowed pins the machine to the model: every event each state
// accepts.
var wantAllowed = map[problem.State][]problem.Event{
	problem.StateNew: {
		problem.EventAssess, problem.EventAssign, problem.EventCancel, problem.EventLinkIncident,
		problem.EventRecordKnownError, problem.EventUnlinkIncident, problem.EventUpdate, problem.EventWorkNote,
	},
	problem.StateAssess: {
		problem.EventAssign, problem.EventCancel, problem.EventConfirm, problem.EventLinkIncident,
		problem.EventMarkDuplicate, problem.EventRecordKnownError, problem.EventUnlinkIncident,
		problem.EventUpdate, problem.EventWorkNote,
	},
	problem.StateRootCauseAnalysis: {
		problem.EventAcceptRisk, problem.EventAssign, problem.EventCancel, problem.EventLinkIncident,
		problem.EventRecordKnownError, problem.EventStartFix, problem.EventUnlinkIncident,
		problem.EventUpdate, problem.EventWorkNote,
	},
	problem.StateFixInProgress: {
		problem.EventAssign, problem.EventCancel, problem.EventLinkChange, problem.EventLinkIncident,
		problem.EventRecordKnownError, problem.EventResolve, problem.EventUnlinkIncident,
		problem.EventUpdate, problem.EventWorkNote,
	},
	problem.StateResolved: {
		problem.EventAssign, problem.EventComplete, problem.EventReanalyze,
		problem.EventRecordKnownError, problem.EventWorkNote,
	},
	problem.StateClosed:   {problem.EventReanalyze},
	problem.StateCanceled: nil,
}

func TestAllowedMatchesModel(t *testing.T) {
	require.Len(t, wantAllowed, len(problem.States()))
	for _, s := range problem.States() {
		got := problem.Allowed(s)
		if len(wantAllowed[s]) == 0 {
			assert.Empty(t, got, "state %s", s)
			continue
		}
		assert.Equal(t, wantAllowed[s], got, "state %s", s)
	}
	assert.Empty(t, problem.Allowed("bogus"))
}

func TestTargets(t *testing.T) {
	for _, c := range []struct {
		from problem.State
		ev   problem.Event
		to   problem.State
	}{
		{problem.StateNew, problem.EventAssess, problem.StateAssess},
		{problem.StateAssess, problem.EventConfirm, problem.StateRootCauseAnalysis},
		{problem.StateAssess, problem.EventMarkDuplicate, problem.StateClosed},
		{problem.StateAssess, problem.EventCancel, problem.StateCanceled},
		{problem.StateRootCauseAnalysis, problem.EventStartFix, problem.StateFixInProgress},
		{problem.StateRootCauseAnalysis, problem.EventAcceptRisk, problem.StateResolved},
		{problem.StateFixInProgress, problem.EventResolve, problem.StateResolved},
		{problem.StateResolved, problem.EventComplete, problem.StateClosed},
		{problem.StateClosed, problem.EventReanalyze, problem.StateRootCauseAnalysis},
		{problem.StateResolved, problem.EventReanalyze, problem.StateRootCauseAnalysis},
		{problem.StateFixInProgress, problem.EventLinkChange, problem.StateFixInProgress},
	} {
		to, ok := problem.Target(c.from, c.ev)
		assert.True(t, ok, "%s from %s", c.ev, c.from)
		assert.Equal(t, c.to, to, "%s from %s", c.ev, c.from)
	}
	_, ok := problem.Target(problem.StateNew, problem.EventResolve)
	assert.False(t, ok)
}

// refusedByGuard lists, for each state, the guarded events whose guard
// refuses the problem inState returns there, with the reason: a refusal
// from that state leaves them out of its Allowed list. Every other guarded
// event (reanalyze from resolved and closed: the problem is no duplicate)
// accepts and stays listed.
var refusedByGuard = map[problem.State]map[problem.Event]string{
	problem.StateNew: {problem.EventAssess: "no assignment group"},
	problem.StateAssess: {
		problem.EventConfirm:       "no assignee",
		problem.EventMarkDuplicate: "no original problem",
	},
	problem.StateRootCauseAnalysis: {problem.EventStartFix: "no root cause and no fixing change"},
}

// allowedNow returns problem.Allowed(state) less the events of
// refusedByGuard[state]: what a refusal from state lists for the problem
// inState returns there.
func allowedNow(state problem.State) []string {
	var names []string
	for _, e := range problem.Allowed(state) {
		if _, refused := refusedByGuard[state][e]; !refused {
			names = append(names, string(e))
		}
	}
	return names
}

// TestTransitionMatrix fires every event from every state: allowed pairs
// succeed and land where the machine says; every other pair is
// ErrInvalidTransition, lists the events whose guards accept the problem
// (allowedNow), and leaves the problem deep-equal to before.
func TestTransitionMatrix(t *testing.T) {
	now := t0.Add(24 * time.Hour)
	for _, state := range problem.States() {
		for _, ev := range problem.Events() {
			t.Run(string(state)+"/"+string(ev), func(t *testing.T) {
				p := inState(t, state)
				before := p.Clone()
				events, err := p.Apply(manager, now, validCommand(ev))
				to, allowed := problem.Target(state, ev)
				if !allowed {
					te := lifecycletest.Applied{Before: before, After: p, Events: events, Err: err}.CheckNoTransition(t, lifecycle.TransitionError{
						Process: problem.Process, Subject: "PRB1", From: string(state), Event: string(ev),
					})
					assert.ElementsMatch(t, allowedNow(state), te.Allowed,
						"the events from %s less those whose guards refuse: %v", state, refusedByGuard[state])
					for e, why := range refusedByGuard[state] {
						assert.NotContains(t, te.Allowed, string(e), "%s is left out: %s", e, why)
					}
					return
				}
				require.NoError(t, err)
				assert.Equal(t, to, p.State)
				assert.Equal(t, before.Version+1, p.Version)
				assert.Equal(t, now, p.UpdatedAt)
				lifecycletest.CheckAppended(t, before.History, p.History, lifecycle.Record{
					Event: string(ev), From: string(state), To: string(to), Actor: manager.ID, Time: now,
				})
				lifecycletest.CheckNotified(t, events, lifecycle.Notification{
					Process: problem.Process, Subject: "PRB1", Version: p.Version, From: string(state), To: string(to), Snapshot: p.Snapshot(),
				})
			})
		}
	}
}

// TestErrorMessageListsAllowedEvents: the message lists the events whose
// guards accept the problem as it stands.
func TestErrorMessageListsAllowedEvents(t *testing.T) {
	p := opened(t)
	_, err := p.Apply(alice, t0, problem.Resolve{Notes: "x"})
	assert.EqualError(t, err, "problem PRB1: cannot resolve from new (allowed: assign, cancel, link_incident, record_known_error, unlink_incident, update, work_note)",
		"assess is left out: its guard refuses a problem without an assignment group")
	_, err = p.Apply(alice, t0, problem.Assign{Group: "messaging"})
	require.NoError(t, err)
	_, err = p.Apply(alice, t0, problem.Resolve{Notes: "x"})
	assert.EqualError(t, err, "problem PRB1: cannot resolve from new (allowed: assess, assign, cancel, link_incident, record_known_error, unlink_incident, update, work_note)",
		"with an assignment group, assess's guard accepts")
	p = inState(t, problem.StateCanceled)
	_, err = p.Apply(alice, t0, problem.AddWorkNote{Text: "x"})
	assert.EqualError(t, err, "problem PRB1: cannot work_note from canceled (final state: no events allowed)")
}

// TestRefusalLeavesOutRefusingGuards: from assess, confirm needs an
// assignee and mark_duplicate an original problem. A refusal lists each
// only once the problem satisfies its guard; the static Allowed always
// has both.
func TestRefusalLeavesOutRefusingGuards(t *testing.T) {
	refusal := func(p *problem.Problem) []string {
		t.Helper()
		before := p.Clone()
		_, err := p.Apply(alice, t0, problem.Complete{})
		var te *lifecycle.TransitionError
		require.ErrorAs(t, err, &te, "complete is not an event from assess")
		assert.Nil(t, te.Reason)
		assert.Equal(t, before, p)
		return te.Allowed
	}
	p := inState(t, problem.StateAssess)
	require.Subset(t, problem.Allowed(problem.StateAssess), []problem.Event{problem.EventConfirm, problem.EventMarkDuplicate})

	allowed := refusal(p)
	assert.NotContains(t, allowed, string(problem.EventConfirm), "no assignee")
	assert.NotContains(t, allowed, string(problem.EventMarkDuplicate), "no original problem")
	assert.Contains(t, allowed, string(problem.EventCancel), "unguarded events stay listed")

	_, err := p.Apply(alice, t0, problem.Assign{Assignee: "ann"})
	require.NoError(t, err)
	allowed = refusal(p)
	assert.Contains(t, allowed, string(problem.EventConfirm), "with an assignee, confirm's guard accepts")
	assert.NotContains(t, allowed, string(problem.EventMarkDuplicate), "still no original problem")

	// A problem closed as a duplicate cannot be reanalyzed; one closed
	// after a fix can.
	dup := inState(t, problem.StateAssess)
	_, err = dup.Apply(alice, t0, problem.MarkDuplicate{Original: "PRB0"})
	require.NoError(t, err)
	require.Equal(t, problem.StateClosed, dup.State)
	_, err = dup.Apply(alice, t0, problem.AddWorkNote{Text: "x"})
	var te *lifecycle.TransitionError
	require.ErrorAs(t, err, &te)
	assert.Empty(t, te.Allowed, "reanalyze is left out: its guard refuses a duplicate, so nothing is allowed now")
	assert.Equal(t, []problem.Event{problem.EventReanalyze}, problem.Allowed(problem.StateClosed), "closed is not final: reanalyze leaves it")
	fixed := inState(t, problem.StateClosed)
	_, err = fixed.Apply(alice, t0, problem.AddWorkNote{Text: "x"})
	assert.EqualError(t, err, "problem PRB1: cannot work_note from closed (allowed: reanalyze)")
}

// TestRefusals covers guards, roles and input checks: each is a typed error
// and leaves the problem unchanged.
func TestRefusals(t *testing.T) {
	noGroup := func(t *testing.T) *problem.Problem { return opened(t) }
	dup := func(t *testing.T) *problem.Problem {
		p := inState(t, problem.StateAssess)
		_, err := p.Apply(alice, t0, problem.MarkDuplicate{Original: "PRB0"})
		require.NoError(t, err)
		return p
	}
	noRootCause := func(t *testing.T) *problem.Problem {
		p := opened(t)
		for _, c := range pathTo[problem.StateRootCauseAnalysis] {
			_, err := p.Apply(alice, t0, c)
			require.NoError(t, err)
		}
		return p
	}
	state := func(s problem.State) func(t *testing.T) *problem.Problem {
		return func(t *testing.T) *problem.Problem { return inState(t, s) }
	}
	cases := []struct {
		name  string
		p     func(t *testing.T) *problem.Problem
		actor lifecycle.Actor
		cmd   problem.Command
		is    []error
		field string // of the *lifecycle.ValidationError, when one is expected
	}{
		{"assess without group", noGroup, alice, problem.Assess{}, []error{lifecycle.ErrInvalidTransition, lifecycle.ErrValidation}, "group"},
		{"confirm without assignee", state(problem.StateAssess), alice, problem.Confirm{}, []error{lifecycle.ErrInvalidTransition, lifecycle.ErrValidation}, "assignee"},
		{"duplicate without original", state(problem.StateAssess), alice, problem.MarkDuplicate{Original: "  "}, []error{lifecycle.ErrInvalidTransition, lifecycle.ErrValidation}, "original"},
		{"duplicate of itself", state(problem.StateAssess), alice, problem.MarkDuplicate{Original: "PRB1"}, []error{lifecycle.ErrInvalidTransition, lifecycle.ErrValidation}, "original"},
		{"cancel without notes", noGroup, alice, problem.Cancel{Notes: " \n"}, []error{lifecycle.ErrValidation}, "notes"},
		{"start fix without changes", state(problem.StateRootCauseAnalysis), alice, problem.StartFix{RootCause: "x"}, []error{lifecycle.ErrValidation}, "changes"},
		{"start fix with an empty change", state(problem.StateRootCauseAnalysis), alice, problem.StartFix{RootCause: "x", Changes: []string{"CHG1", ""}}, []error{lifecycle.ErrValidation}, "changes"},
		{"start fix without root cause", noRootCause, alice, problem.StartFix{Changes: []string{"CHG1"}}, []error{lifecycle.ErrInvalidTransition, lifecycle.ErrValidation}, "root_cause"},
		{"accept risk without notes", state(problem.StateRootCauseAnalysis), alice, problem.AcceptRisk{}, []error{lifecycle.ErrValidation}, "notes"},
		{"resolve without notes", state(problem.StateFixInProgress), alice, problem.Resolve{Fix: "x"}, []error{lifecycle.ErrValidation}, "notes"},
		{"reanalyze without notes", state(problem.StateClosed), manager, problem.Reanalyze{}, []error{lifecycle.ErrValidation}, "notes"},
		{"reanalyze a duplicate", dup, manager, problem.Reanalyze{Notes: "x"}, []error{lifecycle.ErrInvalidTransition, lifecycle.ErrValidation}, "state"},
		{"assign nothing", noGroup, alice, problem.Assign{}, []error{lifecycle.ErrValidation}, "group"},
		{"assign the same", state(problem.StateAssess), alice, problem.Assign{Group: "messaging"}, []error{lifecycle.ErrValidation}, "assignee"},
		{"update nothing", noGroup, alice, problem.Update{Title: new("Mail relay drops messages")}, []error{lifecycle.ErrValidation}, "update"},
		{"update impact out of range", noGroup, alice, problem.Update{Impact: 4}, []error{lifecycle.ErrValidation}, "impact"},
		{"update urgency out of range", noGroup, alice, problem.Update{Urgency: -1}, []error{lifecycle.ErrValidation}, "urgency"},
		{"empty work note", noGroup, alice, problem.AddWorkNote{Text: "\t"}, []error{lifecycle.ErrValidation}, "text"},
		{"link no incident", noGroup, alice, problem.LinkIncident{}, []error{lifecycle.ErrValidation}, "incidents"},
		{"link an incident twice", noGroup, alice, problem.LinkIncident{Incidents: []string{"INC7", "INC7"}}, []error{lifecycle.ErrValidation}, "incidents"},
		{"link an ID with a comma", noGroup, alice, problem.LinkIncident{Incidents: []string{"INC7,INC8"}}, []error{lifecycle.ErrValidation}, "incidents"},
		{"link linked incidents", noGroup, alice, problem.LinkIncident{Incidents: []string{"INC1", "INC2"}}, []error{lifecycle.ErrValidation}, "incidents"},
		{"unlink an unlinked incident", noGroup, alice, problem.UnlinkIncident{Incidents: []string{"INC1", "INC7"}}, []error{lifecycle.ErrValidation}, "incidents"},
		{"link a linked change", state(problem.StateFixInProgress), alice, problem.LinkChange{Changes: []string{"CHG1"}}, []error{lifecycle.ErrValidation}, "changes"},
		{"record nothing", noGroup, alice, problem.RecordKnownError{Symptom: "SMTP 452 errors"}, []error{lifecycle.ErrValidation}, "known_error"},
		{"stale version", noGroup, alice, problem.Assess{Version: 7, Group: "g"}, []error{lifecycle.ErrConflict}, ""},
		{"another problem's command", noGroup, alice, problem.Assess{ID: "PRB2", Group: "g"}, []error{lifecycle.ErrValidation}, "id"},
		{"no actor", noGroup, lifecycle.Actor{}, problem.Assess{Group: "g"}, []error{lifecycle.ErrValidation}, "actor"},
		{"nil command", noGroup, alice, nil, []error{lifecycle.ErrValidation}, "command"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.p(t)
			before := p.Clone()
			events, err := p.Apply(c.actor, t0.Add(time.Hour), c.cmd)
			lifecycletest.Applied{Before: before, After: p, Events: events, Err: err}.CheckRefused(t, c.field, c.is...)
		})
	}
}

func TestReanalyzeBySystem(t *testing.T) {
	p := inState(t, problem.StateClosed)
	_, err := p.Apply(lifecycle.System, t0, problem.Reanalyze{Notes: "monitoring saw it again"})
	require.NoError(t, err)
	assert.Equal(t, problem.StateRootCauseAnalysis, p.State)
}

// TestForbiddenMessage: the Service's refusal of an actor without the
// role names the actor, the event, the problem and the rule; the pure
// layer leaves who may to the Service.
func TestForbiddenMessage(t *testing.T) {
	f := newFixture(t)
	p := f.open(t)
	p = f.drive(t, p.ID, pathTo[problem.StateClosed]...)
	_, err := f.svc.Reanalyze(ctx, alice, problem.Reanalyze{ID: p.ID, Notes: "x"})
	var fe *lifecycle.ForbiddenError
	require.True(t, errors.As(err, &fe))
	assert.Equal(t, `alice may not reanalyze problem `+p.ID+`: rule problem.reanalyze lets only role "problem-manager"`, err.Error())
	assert.Equal(t, "problem.reanalyze", fe.Rule)
}
