package incident

import (
	"context"
	"errors"
	"slices"

	"github.com/itsmkit/itsm/lifecycle"
)

// This file holds what problem management asks of incidents: the methods of
// the problem package's Incidents interface, which incident.Service
// satisfies without either package importing the other.

// ResolveForProblem resolves incident incidentID, with code
// resolved_by_problem and notes (a default when empty), if it is on hold
// awaiting a problem and linked to problemID. Otherwise (not waiting on
// that problem, already resolved, closed or canceled) it does nothing and
// returns nil, so the problem process may call it for every linked incident,
// as often as it likes. A concurrent change is retried. A missing incident
// is an error matching lifecycle.ErrNotFound.
func (s *Service) ResolveForProblem(ctx context.Context, actor lifecycle.Actor, incidentID, problemID, notes string) error {
	return s.forWaiting(ctx, actor, incidentID, problemID, func(x *Incident) Command {
		return resolveForProblem{id: x.ID, version: x.Version, problem: problemID, notes: notes}
	})
}

// ResumeForProblem takes incident incidentID off hold, back to in progress,
// if it is on hold awaiting a problem and linked to problemID: the problem
// ended without a fix (its risk was accepted, say), so somebody must work
// the incident again. note (a default when empty) is recorded as a work
// note and on the history record. Otherwise it does nothing and returns
// nil, so it may be called as often as the problem process likes. A
// concurrent change is retried; a missing incident is an error matching
// lifecycle.ErrNotFound.
func (s *Service) ResumeForProblem(ctx context.Context, actor lifecycle.Actor, incidentID, problemID, note string) error {
	return s.forWaiting(ctx, actor, incidentID, problemID, func(x *Incident) Command {
		return resumeForProblem{id: x.ID, version: x.Version, problem: problemID, note: note}
	})
}

// forWaiting runs the command cmd builds on incident incidentID if it is on
// hold awaiting problemID; otherwise it does nothing.
func (s *Service) forWaiting(ctx context.Context, actor lifecycle.Actor, incidentID, problemID string, cmd func(*Incident) Command) error {
	if problemID == "" {
		return lifecycle.Invalid("problem", "required")
	}
	return s.followUp(ctx, actor, incidentID, func(x *Incident) (Command, bool) {
		if !awaits(x, problemID) {
			return nil, false
		}
		return cmd(x), true
	})
}

// MoveToProblem links incident incidentID to problem toProblem instead of
// fromProblem, in one stored change, as problem management does when it
// marks fromProblem a duplicate of toProblem: an incident on hold awaiting
// the duplicate then awaits the original, and is resolved with it. An
// incident already moved (linked to toProblem and not to fromProblem), and
// a closed or canceled one, is left alone (nil). A concurrent change is
// retried; a missing incident is an error matching lifecycle.ErrNotFound.
func (s *Service) MoveToProblem(ctx context.Context, actor lifecycle.Actor, incidentID, fromProblem, toProblem string) error {
	switch {
	case fromProblem == "":
		return lifecycle.Invalid("from_problem", "required")
	case toProblem == "":
		return lifecycle.Invalid("to_problem", "required")
	case fromProblem == toProblem:
		return lifecycle.Invalid("to_problem", "%s is the problem the incident moves from", toProblem)
	}
	return s.followUp(ctx, actor, incidentID, func(x *Incident) (Command, bool) {
		if !slices.Contains(activeStates, x.State) || x.IsLinkedToProblem(toProblem) && !x.IsLinkedToProblem(fromProblem) {
			return nil, false
		}
		return moveToProblem{id: x.ID, version: x.Version, from: fromProblem, to: toProblem}, true
	})
}

// awaits reports whether x is on hold awaiting problem.
func awaits(x *Incident, problem string) bool {
	return x.State == StateOnHold && x.HoldReason == HoldAwaitingProblem && x.IsLinkedToProblem(problem)
}

// followUp changes incident id on behalf of another process: it asks
// decide which command to run on the incident as loaded (none: nothing to
// do) and runs it, loading and asking again when a concurrent writer got
// in first, at most lifecycle.Attempts times. A missing incident is an
// error matching lifecycle.ErrNotFound.
func (s *Service) followUp(ctx context.Context, actor lifecycle.Actor, id string, decide func(*Incident) (Command, bool)) error {
	if err := actor.Validate(); err != nil {
		return err
	}
	return lifecycle.Settle(ctx, func() (bool, error) {
		stored, err := s.run(ctx, actor, id, decide)
		if errors.Is(err, errSettled) {
			return false, nil
		}
		return stored != nil, err
	})
}

// react is followUp for a reaction to another process's event: an unknown
// incident is not one of this Service's, and is left alone.
func (s *Service) react(ctx context.Context, actor lifecycle.Actor, id string, decide func(*Incident) (Command, bool)) error {
	if err := s.followUp(ctx, actor, id, decide); !errors.Is(err, lifecycle.ErrNotFound) {
		return err
	}
	return nil
}

// resolveForProblem is what ResolveForProblem applies.
type resolveForProblem struct {
	id      string
	version int64
	problem string
	notes   string
}

func (c resolveForProblem) target() (string, int64) { return c.id, c.version }

func (resolveForProblem) event() Event { return EventResolve }

func (c resolveForProblem) apply(x *Incident, st *step) error {
	notes := c.notes
	if blank(notes) {
		notes = "resolved by the fix of problem " + c.problem
	}
	return resolve(x, st, CodeResolvedByProblem, notes, "problem", c.problem)
}

// resumeForProblem is what ResumeForProblem applies.
type resumeForProblem struct {
	id      string
	version int64
	problem string
	note    string
}

func (c resumeForProblem) target() (string, int64) { return c.id, c.version }

func (resumeForProblem) event() Event { return EventResume }

func (c resumeForProblem) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventResume); err != nil {
		return err
	}
	note := c.note
	if blank(note) {
		note = "problem " + c.problem + " ended without a fix: the incident needs work again"
	}
	st.Diff(lifecycle.FieldHoldReason, string(x.HoldReason), "")
	x.HoldReason = ""
	x.WorkNotes = append(x.WorkNotes, Note{Time: st.Now, Author: st.Actor.ID, Text: note})
	st.Note = note
	st.Emit(TypeResumed, "problem", c.problem)
	return nil
}

// moveToProblem is what MoveToProblem applies: one history record (event
// link_problem) with both changes, and an event for each.
type moveToProblem struct {
	id       string
	version  int64
	from, to string
}

func (c moveToProblem) target() (string, int64) { return c.id, c.version }

func (moveToProblem) event() Event { return EventLinkProblem }

func (c moveToProblem) apply(x *Incident, st *step) error {
	if err := st.fire(x, EventLinkProblem); err != nil {
		return err
	}
	if !x.IsLinkedToProblem(c.to) {
		x.Problems = append(x.Problems, c.to)
		st.Diff(fieldProblems, "", c.to)
		st.Emit(TypeProblemLinked, "problem", c.to, "replaces", c.from)
	}
	if i := slices.Index(x.Problems, c.from); i >= 0 {
		x.Problems = slices.Delete(x.Problems, i, i+1)
		st.Diff(fieldProblems, c.from, "")
		st.Emit(TypeProblemUnlinked, "problem", c.from, "replaced_by", c.to)
	}
	st.Note = "problem " + c.from + " is a duplicate of " + c.to
	return nil
}
