package problem

import "github.com/itsmkit/itsm/lifecycle"

// lifecycleTransitions are the state-changing edges: the ServiceNow problem
// model. Diagram renders these.
var lifecycleTransitions = []lifecycle.Transition[State, Event, *Problem]{
	{Event: EventAssess, From: []State{StateNew}, To: StateAssess, Guard: needGroup},
	{Event: EventConfirm, From: []State{StateAssess}, To: StateRootCauseAnalysis, Guard: needAssignee},
	{Event: EventMarkDuplicate, From: []State{StateAssess}, To: StateClosed, Guard: needOriginal},
	{Event: EventCancel, From: []State{StateNew, StateAssess, StateRootCauseAnalysis, StateFixInProgress}, To: StateCanceled},
	{Event: EventStartFix, From: []State{StateRootCauseAnalysis}, To: StateFixInProgress, Guard: needFixPlan},
	{Event: EventAcceptRisk, From: []State{StateRootCauseAnalysis}, To: StateResolved},
	{Event: EventResolve, From: []State{StateFixInProgress}, To: StateResolved},
	{Event: EventComplete, From: []State{StateResolved}, To: StateClosed},
	{Event: EventReanalyze, From: []State{StateResolved, StateClosed}, To: StateRootCauseAnalysis, Guard: notDuplicate},
}

// updateStates lists, per update event, the states that accept it. Each
// becomes a self-loop in the machine.
var updateStates = []struct {
	event  Event
	states []State
}{
	{EventAssign, []State{StateNew, StateAssess, StateRootCauseAnalysis, StateFixInProgress, StateResolved}},
	{EventUpdate, []State{StateNew, StateAssess, StateRootCauseAnalysis, StateFixInProgress}},
	{EventWorkNote, []State{StateNew, StateAssess, StateRootCauseAnalysis, StateFixInProgress, StateResolved}},
	{EventLinkIncident, []State{StateNew, StateAssess, StateRootCauseAnalysis, StateFixInProgress}},
	{EventUnlinkIncident, []State{StateNew, StateAssess, StateRootCauseAnalysis, StateFixInProgress}},
	{EventLinkChange, []State{StateFixInProgress}},
	{EventRecordKnownError, []State{StateNew, StateAssess, StateRootCauseAnalysis, StateFixInProgress, StateResolved}},
}

func allTransitions() []lifecycle.Transition[State, Event, *Problem] {
	ts := append([]lifecycle.Transition[State, Event, *Problem](nil), lifecycleTransitions...)
	for _, u := range updateStates {
		for _, s := range u.states {
			ts = append(ts, lifecycle.Transition[State, Event, *Problem]{Event: u.event, From: []State{s}, To: s})
		}
	}
	return ts
}

// machine is the full problem machine: lifecycle edges plus the updates each
// state accepts.
var machine = lifecycle.NewMachine(lifecycle.Definition[State, Event, *Problem]{
	Process:     Process,
	Initial:     StateNew,
	States:      allStates,
	Events:      allEvents,
	Transitions: allTransitions(),
})

// diagramMachine holds only the lifecycle edges, so that the diagram shows
// the lifecycle without a self-loop per update.
var diagramMachine = lifecycle.NewMachine(lifecycle.Definition[State, Event, *Problem]{
	Process:     Process,
	Initial:     StateNew,
	States:      allStates,
	Events:      lifecycleEvents,
	Transitions: lifecycleTransitions,
})

// Allowed returns the events the machine accepts from state, lifecycle and
// update events alike, sorted by name. Guards (an assignment group before
// assess, a root cause before start_fix, ...) are not consulted. It is empty
// for [StateCanceled] and for unknown states.
func Allowed(state State) []Event { return machine.Allowed(state) }

// Target returns the state event leads to from state, and whether the
// machine has that edge. Update events lead back to state.
func Target(state State, event Event) (State, bool) { return machine.Target(state, event) }

// Diagram renders the problem lifecycle as a Mermaid state diagram: the
// state-changing events only. Updates (assign, update, work_note,
// link_incident, unlink_incident, link_change, record_known_error) keep the
// state and are listed per state by [Allowed].
func Diagram() string { return diagramMachine.Mermaid() }

func needGroup(p *Problem) error {
	if p.Group == "" {
		return lifecycle.Invalid("group", "an assignment group is required to assess a problem")
	}
	return nil
}

func needAssignee(p *Problem) error {
	if p.Assignee == "" {
		return lifecycle.Invalid("assignee", "an assignee is required to analyse a problem")
	}
	return nil
}

func needOriginal(p *Problem) error {
	switch {
	case p.DuplicateOf == "":
		return lifecycle.Invalid("original", "the original problem's ID is required")
	case p.DuplicateOf == p.ID:
		return lifecycle.Invalid("original", "a problem cannot duplicate itself")
	}
	return nil
}

func needFixPlan(p *Problem) error {
	if p.KnownError.RootCause == "" {
		return lifecycle.Invalid("root_cause", "a root cause is required to start a fix")
	}
	if len(p.Changes) == 0 {
		return lifecycle.Invalid("changes", "at least one fixing change is required to start a fix")
	}
	return nil
}

func notDuplicate(p *Problem) error {
	if p.Resolution == ResolutionDuplicate {
		return lifecycle.Invalid("state", "a problem closed as a duplicate cannot be reanalyzed; reanalyze its original")
	}
	return nil
}
