package problem_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
)

// simIncidents simulates the incident side of problem.Incidents the way
// incident.Service documents it: an incident is resolved or resumed only
// while it is on hold awaiting a problem it is linked to; moving changes
// its links and nothing else. Every method is idempotent. fail makes the
// next calls for an incident fail (once per entry).
type simIncidents struct {
	mu   sync.Mutex
	inc  map[string]*simIncident
	fail map[string]int
}

type simIncident struct {
	state    string // "in_progress", "on_hold_awaiting_problem", "resolved"
	problems []string
	notes    []string
}

func newSimIncidents() *simIncidents {
	return &simIncidents{inc: map[string]*simIncident{}, fail: map[string]int{}}
}

func (s *simIncidents) add(id, state string, problems ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inc[id] = &simIncident{state: state, problems: problems}
}

func (s *simIncidents) get(id string) simIncident {
	s.mu.Lock()
	defer s.mu.Unlock()
	x := *s.inc[id]
	x.problems = slices.Clone(x.problems)
	return x
}

// act runs change on incident id under the lock, or fails: once per
// pending entry in fail, and with ErrNotFound for an unknown incident.
func (s *simIncidents) act(id string, change func(x *simIncident)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail[id] > 0 {
		s.fail[id]--
		return errors.New("incident store down")
	}
	x, ok := s.inc[id]
	if !ok {
		return lifecycle.NotFound("incident", id)
	}
	change(x)
	return nil
}

// leaveHold moves incidentID to state, recording note, if it waits on
// problemID.
func (s *simIncidents) leaveHold(incidentID, problemID, state, note string) error {
	return s.act(incidentID, func(x *simIncident) {
		if x.state == "on_hold_awaiting_problem" && slices.Contains(x.problems, problemID) {
			x.state = state
			x.notes = append(x.notes, note)
		}
	})
}

func (s *simIncidents) ResolveForProblem(_ context.Context, _ lifecycle.Actor, incidentID, problemID, notes string) error {
	return s.leaveHold(incidentID, problemID, "resolved", notes)
}

func (s *simIncidents) ResumeForProblem(_ context.Context, _ lifecycle.Actor, incidentID, problemID, note string) error {
	return s.leaveHold(incidentID, problemID, "in_progress", note)
}

func (s *simIncidents) MoveToProblem(_ context.Context, _ lifecycle.Actor, incidentID, from, to string) error {
	return s.act(incidentID, func(x *simIncident) {
		if !slices.Contains(x.problems, to) {
			x.problems = append(x.problems, to)
		}
		x.problems = slices.DeleteFunc(x.problems, func(p string) bool { return p == from })
	})
}

// TestDuplicateIncidentsResolvedByOriginal: an incident on hold awaiting
// a problem that is then marked as a duplicate is resolved when the
// original is resolved, because its own link moved to the original too.
func TestDuplicateIncidentsResolvedByOriginal(t *testing.T) {
	sim := newSimIncidents()
	f := newFixture(t, func(c *problem.Config) { c.Incidents = sim })
	orig := f.open(t, "INC1")
	dup := f.open(t, "INC2", "INC3")
	sim.add("INC1", "on_hold_awaiting_problem", orig.ID)
	sim.add("INC2", "on_hold_awaiting_problem", dup.ID)
	sim.add("INC3", "in_progress", dup.ID)

	f.drive(t, dup.ID, problem.Assess{Group: "messaging"}, problem.MarkDuplicate{Original: orig.ID})
	assert.Equal(t, []string{orig.ID}, sim.get("INC2").problems, "the incident now awaits the original")
	assert.Equal(t, "on_hold_awaiting_problem", sim.get("INC2").state, "moving keeps the hold")
	assert.Equal(t, []string{orig.ID}, sim.get("INC3").problems)

	f.drive(t, orig.ID, toResolved...)
	assert.Equal(t, "resolved", sim.get("INC1").state)
	assert.Equal(t, "resolved", sim.get("INC2").state, "the incident that waited on the duplicate is resolved by the original")
	assert.Equal(t, []string{"Resolved by problem PRB0001 (fix_applied): Spool volume grown"}, sim.get("INC2").notes)
	assert.Equal(t, "in_progress", sim.get("INC3").state, "an incident that was not waiting is left alone")
}

// TestDuplicateIncidentMoveFailureIsRetried: when moving an incident's own
// link fails, the duplicate and the problem-side move stand, the other
// incidents still move, the failure is a *FollowUpError, and
// MoveDuplicateIncidents finishes the job, idempotently.
func TestDuplicateIncidentMoveFailureIsRetried(t *testing.T) {
	sim := newSimIncidents()
	f := newFixture(t, func(c *problem.Config) { c.Incidents = sim })
	orig := f.open(t)
	dup := f.open(t, "INC2", "INC3")
	sim.add("INC2", "on_hold_awaiting_problem", dup.ID)
	sim.add("INC3", "on_hold_awaiting_problem", dup.ID)
	f.drive(t, dup.ID, problem.Assess{Group: "messaging"})
	sim.fail["INC2"] = 1

	got, err := f.svc.MarkDuplicate(ctx, alice, problem.MarkDuplicate{ID: dup.ID, Original: orig.ID})
	require.NotNil(t, got)
	assert.Equal(t, problem.StateClosed, got.State)
	assert.Empty(t, got.Incidents)
	assert.Equal(t, []string{"INC2", "INC3"}, got.MovedIncidents, "the duplicate keeps what moves, for the retry to read without its history")
	var fe *lifecycle.FollowUpError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, dup.ID, fe.Record)
	assert.ErrorContains(t, err, "moving incident INC2 from "+dup.ID+" to "+orig.ID+": incident store down")
	o, _ := f.svc.Get(ctx, orig.ID)
	assert.Equal(t, []string{"INC2", "INC3"}, o.Incidents, "the problem-side move is stored")
	assert.Equal(t, []string{dup.ID}, sim.get("INC2").problems, "the failed incident still awaits the duplicate")
	assert.Equal(t, []string{orig.ID}, sim.get("INC3").problems, "the others moved")

	require.NoError(t, f.svc.MoveDuplicateIncidents(ctx, alice, dup.ID))
	assert.Equal(t, []string{orig.ID}, sim.get("INC2").problems)
	o2, _ := f.svc.Get(ctx, orig.ID)
	assert.Equal(t, o, o2, "the original already had them: no second change")
	require.NoError(t, f.svc.MoveDuplicateIncidents(ctx, alice, dup.ID), "idempotent")

	f.drive(t, orig.ID, toResolved...)
	assert.Equal(t, "resolved", sim.get("INC2").state)
	assert.Equal(t, "resolved", sim.get("INC3").state)
}

// TestDuplicateProblemSideFailureLeavesIncidents: when the original cannot
// take the incidents, their own links are not moved either, so that the
// two sides stay in agreement.
func TestDuplicateProblemSideFailureLeavesIncidents(t *testing.T) {
	sim := newSimIncidents()
	f := newFixture(t, func(c *problem.Config) { c.Incidents = sim })
	orig := f.open(t)
	dup := f.open(t, "INC2")
	sim.add("INC2", "on_hold_awaiting_problem", dup.ID)
	f.drive(t, dup.ID, problem.Assess{Group: "g"})
	f.hook.update = func(c context.Context, w lifecycle.Write[*problem.Problem]) error {
		p := w.Record
		if p.ID == orig.ID {
			return errors.New("database down")
		}
		return f.store.Commit(c, w)
	}
	_, err := f.svc.MarkDuplicate(ctx, alice, problem.MarkDuplicate{ID: dup.ID, Original: orig.ID})
	var fe *lifecycle.FollowUpError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, []string{dup.ID}, sim.get("INC2").problems)

	f.hook.update = nil
	require.NoError(t, f.svc.MoveDuplicateIncidents(ctx, alice, dup.ID))
	assert.Equal(t, []string{orig.ID}, sim.get("INC2").problems)
	o, _ := f.svc.Get(ctx, orig.ID)
	assert.Equal(t, []string{"INC2"}, o.Incidents)
}

func TestMarkDuplicateMovesIncidentsOnTheIncidentSide(t *testing.T) {
	f := newFixture(t)
	orig := f.open(t, "INC1")
	dup := f.open(t, "INC2", "INC1")
	f.drive(t, dup.ID, problem.Assess{Group: "messaging"}, problem.MarkDuplicate{Original: orig.ID})
	assert.Equal(t, []incidentMove{
		{"mona", "INC2", dup.ID, orig.ID},
		{"mona", "INC1", dup.ID, orig.ID},
	}, f.incidents.Moves(), "every incident the duplicate had, including one the original already lists")
}

func TestMoveDuplicateIncidentsRefusals(t *testing.T) {
	f := newFixture(t)
	p := f.open(t, "INC1")
	var ve *lifecycle.ValidationError
	err := f.svc.MoveDuplicateIncidents(ctx, alice, p.ID)
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "state", ve.Field)
	assert.ErrorIs(t, f.svc.MoveDuplicateIncidents(ctx, alice, "PRB9"), lifecycle.ErrNotFound)
	assert.ErrorIs(t, f.svc.MoveDuplicateIncidents(ctx, lifecycle.Actor{}, p.ID), lifecycle.ErrValidation)
	assert.Empty(t, f.incidents.Moves())

	// A duplicate that had no incidents has nothing to move.
	orig := f.open(t)
	empty := f.open(t)
	f.drive(t, empty.ID, problem.Assess{Group: "g"}, problem.MarkDuplicate{Original: orig.ID})
	require.NoError(t, f.svc.MoveDuplicateIncidents(ctx, alice, empty.ID))
	assert.Empty(t, f.incidents.Moves())
}
