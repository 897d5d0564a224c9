package change

import (
	"errors"
	"slices"

	"github.com/itsmkit/itsm/lifecycle"
)

type (
	transition = lifecycle.Transition[State, Event, *Change]
	machineT   = lifecycle.Machine[State, Event, *Change]
)

// Guards. They are pure and see the change as the command would leave it
// apart from the state.

func plansReady(c *Change) error { return c.Plans.Validate() }

func plansAndWindowReady(c *Change) error {
	if err := c.Plans.Validate(); err != nil {
		return err
	}
	return checkPlanned(c)
}

func noApprovals(c *Change) error {
	if len(c.Approvals) > 0 {
		return errors.New("the type can only change while the change has no approvals")
	}
	return nil
}

func approvalPending(c *Change) error {
	if c.Authority == nil {
		return errors.New("no change authority has been asked")
	}
	if c.Authorized() {
		return errors.New("the change is already authorized")
	}
	return nil
}

// authorized is the guard that keeps a change from being scheduled or
// implemented without the approvals its type and risk require.
func authorized(c *Change) error {
	if c.Authorized() {
		return nil
	}
	if c.Authority == nil {
		return errors.New("the change has not been authorized: no change authority has been asked")
	}
	return errors.New("the change has not been authorized by " + c.Authority.String())
}

func standardReady(c *Change) error {
	if c.Template == "" {
		return lifecycle.Invalid("template", "a standard change needs a template")
	}
	return plansAndWindowReady(c)
}

func reviewed(c *Change) error {
	if c.Type == Emergency && c.ReviewNotes == "" {
		return lifecycle.Invalid("review_notes", "an emergency change needs a post-implementation review before it closes")
	}
	return nil
}

// loops returns self-loop transitions for event on each of states.
func loops(event Event, states ...State) []transition {
	out := make([]transition, len(states))
	for i, s := range states {
		out[i] = transition{Event: event, From: []State{s}, To: s}
	}
	return out
}

func define(t Type) lifecycle.Definition[State, Event, *Change] {
	var open []State // the type's non-final states
	d := lifecycle.Definition[State, Event, *Change]{Process: "change", Initial: StateNew}
	var tr []transition
	switch t {
	case Standard:
		open = []State{StateNew, StateScheduled, StateImplement, StateReview}
		d.States = []State{StateNew, StateScheduled, StateImplement, StateReview, StateClosed, StateCanceled}
		d.Events = []Event{EventUpdate, EventSetType, EventAssign, EventLink, EventSchedule, EventRevert,
			EventImplement, EventReview, EventClose, EventCancel}
		tr = append(tr, loops(EventUpdate, StateNew)...)
		tr = append(tr,
			transition{Event: EventSchedule, From: []State{StateNew}, To: StateScheduled, Guard: standardReady},
			transition{Event: EventRevert, From: []State{StateScheduled}, To: StateNew},
		)
	case Normal:
		open = []State{StateNew, StateAssess, StateAuthorize, StateScheduled, StateImplement, StateReview}
		d.States = allStates
		d.Events = allEvents
		tr = append(tr, loops(EventUpdate, StateNew, StateAssess)...)
		tr = append(tr,
			transition{Event: EventAssess, From: []State{StateNew}, To: StateAssess, Guard: plansReady},
			transition{Event: EventRequestApproval, From: []State{StateAssess}, To: StateAuthorize, Guard: plansAndWindowReady},
			transition{Event: EventApprove, From: []State{StateAuthorize}, To: StateAuthorize, Guard: approvalPending},
			transition{Event: EventReject, From: []State{StateAuthorize}, To: StateNew, Guard: approvalPending},
			transition{Event: EventSchedule, From: []State{StateAuthorize}, To: StateScheduled, Guard: authorized},
			transition{Event: EventRevert, From: []State{StateAssess, StateAuthorize, StateScheduled}, To: StateNew},
		)
	case Emergency:
		open = []State{StateNew, StateAuthorize, StateScheduled, StateImplement, StateReview}
		d.States = []State{StateNew, StateAuthorize, StateScheduled, StateImplement, StateReview, StateClosed, StateCanceled}
		d.Events = []Event{EventUpdate, EventSetType, EventAssign, EventLink, EventRequestApproval, EventApprove,
			EventReject, EventSchedule, EventRevert, EventImplement, EventReview, EventClose, EventCancel}
		tr = append(tr, loops(EventUpdate, StateNew)...)
		tr = append(tr,
			transition{Event: EventRequestApproval, From: []State{StateNew}, To: StateAuthorize, Guard: plansAndWindowReady},
			transition{Event: EventApprove, From: []State{StateAuthorize}, To: StateAuthorize, Guard: approvalPending},
			transition{Event: EventReject, From: []State{StateAuthorize}, To: StateNew, Guard: approvalPending},
			transition{Event: EventSchedule, From: []State{StateAuthorize}, To: StateScheduled, Guard: authorized},
			transition{Event: EventRevert, From: []State{StateAuthorize, StateScheduled}, To: StateNew},
		)
	}
	tr = append(tr, transition{Event: EventSetType, From: []State{StateNew}, To: StateNew, Guard: noApprovals})
	tr = append(tr, loops(EventAssign, open...)...)
	tr = append(tr, loops(EventLink, open...)...)
	tr = append(tr,
		transition{Event: EventImplement, From: []State{StateScheduled}, To: StateImplement, Guard: authorized},
		transition{Event: EventReview, From: []State{StateImplement}, To: StateReview},
		transition{Event: EventClose, From: []State{StateReview}, To: StateClosed, Guard: reviewed},
		transition{Event: EventCancel, From: slices.DeleteFunc(slices.Clone(open), func(s State) bool { return s == StateReview }), To: StateCanceled},
	)
	d.Transitions = tr
	return d
}

// The three machines, checked at start-up.
var (
	standardMachine  = lifecycle.NewMachine(define(Standard))
	normalMachine    = lifecycle.NewMachine(define(Normal))
	emergencyMachine = lifecycle.NewMachine(define(Emergency))
)

// machineFor returns the machine of t, or nil for an unknown type.
func machineFor(t Type) *machineT {
	switch t {
	case Standard:
		return standardMachine
	case Normal:
		return normalMachine
	case Emergency:
		return emergencyMachine
	}
	return nil
}

// TypeStates returns the states a change of type t can be in, in lifecycle
// order (nil for an unknown type).
func TypeStates(t Type) []State {
	if m := machineFor(t); m != nil {
		return m.States()
	}
	return nil
}

// TypeEvents returns the events of type t's machine (nil for an unknown
// type).
func TypeEvents(t Type) []Event {
	if m := machineFor(t); m != nil {
		return m.Events()
	}
	return nil
}

// Allowed returns the events the machine of type t allows from state s,
// sorted. Guards (plans, approvals, ...) are not consulted. It is empty for
// a final state, an unknown state or an unknown type.
func Allowed(t Type, s State) []Event {
	if m := machineFor(t); m != nil {
		return m.Allowed(s)
	}
	return nil
}

// Target returns the state that event e leads to from state s in type t's
// machine, as its definition declares, and whether the machine has that
// transition at all. Guards are not consulted. It gives ("", false) for an
// unknown type.
func Target(t Type, s State, e Event) (State, bool) {
	if m := machineFor(t); m != nil {
		return m.Target(s, e)
	}
	return "", false
}

// Diagram returns the Mermaid state diagram of type t's machine, or "" for
// an unknown type. The output is deterministic; the README shows it and a
// golden test keeps the two equal.
func Diagram(t Type) string {
	if m := machineFor(t); m != nil {
		return m.Mermaid()
	}
	return ""
}
