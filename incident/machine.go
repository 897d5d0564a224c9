package incident

import (
	"errors"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// Process is the process name used in events, IDs and errors.
const Process = "incident"

var (
	openStates   = []State{StateNew, StateInProgress, StateOnHold}
	activeStates = []State{StateNew, StateInProgress, StateOnHold, StateResolved}
)

type transition = lifecycle.Transition[State, Event, *Incident]

// selfLoops returns one transition per state that fires ev without moving.
func selfLoops(ev Event, guard func(*Incident) error, states ...State) []transition {
	out := make([]transition, len(states))
	for i, s := range states {
		out[i] = transition{Event: ev, From: []State{s}, To: s, Guard: guard}
	}
	return out
}

func definition() lifecycle.Definition[State, Event, *Incident] {
	ts := []transition{
		{Event: EventAssign, From: []State{StateNew, StateInProgress}, To: StateInProgress},
		{Event: EventAssign, From: []State{StateOnHold}, To: StateOnHold},
		{Event: EventHold, From: []State{StateInProgress}, To: StateOnHold},
		{Event: EventResume, From: []State{StateOnHold}, To: StateInProgress},
		{Event: EventResolve, From: openStates, To: StateResolved},
		{Event: EventReopen, From: []State{StateResolved}, To: StateInProgress},
		{Event: EventClose, From: []State{StateResolved}, To: StateClosed},
		{Event: EventCancel, From: openStates, To: StateCanceled},
	}
	ts = append(ts, selfLoops(EventEscalateFunctional, nil, openStates...)...)
	ts = append(ts, selfLoops(EventEscalateHierarchical, nil, openStates...)...)
	ts = append(ts, selfLoops(EventUpdate, nil, openStates...)...)
	ts = append(ts, selfLoops(EventComment, nil, activeStates...)...)
	ts = append(ts, selfLoops(EventWorkNote, nil, activeStates...)...)
	// A caller update on an incident awaiting the caller also fires resume
	// (see CallerUpdate); the machine's own edge is a self-loop because the
	// target depends on the hold reason, which is data, not state.
	ts = append(ts, selfLoops(EventCallerUpdate, nil, activeStates...)...)
	ts = append(ts, selfLoops(EventProposeMajor, guardProposable, openStates...)...)
	ts = append(ts, selfLoops(EventAcceptMajor, guardProposed, openStates...)...)
	ts = append(ts, selfLoops(EventRejectMajor, guardProposed, openStates...)...)
	ts = append(ts, selfLoops(EventSetParent, nil, openStates...)...)
	ts = append(ts, selfLoops(EventLinkProblem, nil, activeStates...)...)
	ts = append(ts, selfLoops(EventUnlinkProblem, nil, activeStates...)...)
	ts = append(ts, selfLoops(EventLinkChange, nil, activeStates...)...)
	ts = append(ts, selfLoops(EventUnlinkChange, nil, activeStates...)...)
	return lifecycle.Definition[State, Event, *Incident]{
		Process:     Process,
		Initial:     StateNew,
		States:      allStates,
		Events:      allEvents,
		Transitions: ts,
	}
}

var (
	errAlreadyProposed = errors.New("already a major incident candidate")
	errAlreadyMajor    = errors.New("already a major incident")
	errNotProposed     = errors.New("not a major incident candidate: propose it first")
)

func guardProposable(x *Incident) error {
	switch x.Major {
	case MajorProposed:
		return errAlreadyProposed
	case MajorAccepted:
		return errAlreadyMajor
	}
	return nil
}

func guardProposed(x *Incident) error {
	if x.Major != MajorProposed {
		return errNotProposed
	}
	return nil
}

// machine is the incident state machine, checked against looplab/fsm when
// the package is initialised.
var machine = lifecycle.NewMachine(definition())

// Allowed returns the events the machine allows from state, sorted. Guards
// (a major incident must be proposed before it is accepted, ...) and input
// checks are not consulted. It is empty for closed, canceled and unknown
// states.
func Allowed(state State) []Event { return machine.Allowed(state) }

// Target returns the state event leads to from state, and whether the
// machine allows the pair. A caller update on an incident awaiting the
// caller goes on to resume it, which Target does not show.
func Target(state State, event Event) (State, bool) { return machine.Target(state, event) }

// Diagram renders the incident machine as a Mermaid state diagram. Events
// that keep the incident in its state (comments, links, escalations, ...)
// are left out for readability: the diagram shows how the state moves, and
// [Allowed] lists everything possible from a state. The output is
// deterministic; README.md and testdata/diagram.mmd hold copies kept equal
// by a golden test.
func Diagram() string {
	full := machine.Mermaid()
	var b strings.Builder
	b.Grow(len(full))
	for line := range strings.Lines(full) {
		if isSelfLoop(line) {
			continue
		}
		b.WriteString(line)
	}
	return b.String()
}

// isSelfLoop reports whether a Mermaid line is "    s --> s : events".
func isSelfLoop(line string) bool {
	from, rest, ok := strings.Cut(strings.TrimSpace(line), " --> ")
	if !ok {
		return false
	}
	to, _, _ := strings.Cut(rest, " : ")
	return from == to
}
