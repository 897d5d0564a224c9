package problem

import "github.com/itsmkit/itsm/lifecycle"

// State is where a problem stands in its lifecycle.
type State string

// The problem states, in lifecycle order.
const (
	// StateNew is a problem just logged.
	StateNew State = "new"
	// StateAssess is a problem being assessed by its assignment group:
	// is it real, is it a duplicate, is it worth analysing?
	StateAssess State = "assess"
	// StateRootCauseAnalysis is a confirmed problem whose cause is being
	// investigated.
	StateRootCauseAnalysis State = "root_cause_analysis"
	// StateFixInProgress is a problem whose fix is being delivered through
	// one or more changes.
	StateFixInProgress State = "fix_in_progress"
	// StateResolved is a problem whose fix is applied or whose risk is
	// accepted, awaiting closure.
	StateResolved State = "resolved"
	// StateClosed is a finished problem (completed, or closed as a
	// duplicate). Only [EventReanalyze] leaves it.
	StateClosed State = "closed"
	// StateCanceled is a problem dropped without resolution. It is final.
	StateCanceled State = "canceled"
)

var allStates = []State{
	StateNew, StateAssess, StateRootCauseAnalysis, StateFixInProgress,
	StateResolved, StateClosed, StateCanceled,
}

// States returns every state, in lifecycle order.
func States() []State { return append([]State(nil), allStates...) }

// String returns the state's name.
func (s State) String() string { return string(s) }

// MarshalText writes the state's name; an unknown state is an error.
func (s State) MarshalText() ([]byte, error) { return lifecycle.MarshalEnum("state", allStates, s) }

// UnmarshalText reads a state's name, rejecting unknown names with a
// *lifecycle.ValidationError.
func (s *State) UnmarshalText(b []byte) error {
	v, err := lifecycle.ParseEnum("state", allStates, string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Open reports whether the problem is still being worked: neither resolved,
// closed nor canceled.
func (s State) Open() bool {
	switch s {
	case StateNew, StateAssess, StateRootCauseAnalysis, StateFixInProgress:
		return true
	}
	return false
}

// Event is something done to a problem: a lifecycle transition or an update
// within a state. [Allowed] tells which events a state accepts.
type Event string

// Lifecycle events: they move the problem to another state.
const (
	// EventAssess starts the assessment: new → assess. Needs an
	// assignment group.
	EventAssess Event = "assess"
	// EventConfirm confirms the problem for analysis: assess →
	// root_cause_analysis. Needs an assignee.
	EventConfirm Event = "confirm"
	// EventMarkDuplicate closes the problem as a duplicate of another:
	// assess → closed, resolution [ResolutionDuplicate]; its linked
	// incidents move to the original.
	EventMarkDuplicate Event = "mark_duplicate"
	// EventCancel drops the problem: any open state → canceled, resolution
	// [ResolutionCanceled].
	EventCancel Event = "cancel"
	// EventStartFix starts delivering a fix through linked changes:
	// root_cause_analysis → fix_in_progress. Needs a root cause and at
	// least one change.
	EventStartFix Event = "start_fix"
	// EventAcceptRisk accepts the risk instead of fixing:
	// root_cause_analysis → resolved, resolution [ResolutionRiskAccepted].
	EventAcceptRisk Event = "accept_risk"
	// EventResolve records the fix as applied: fix_in_progress → resolved,
	// resolution [ResolutionFixApplied].
	EventResolve Event = "resolve"
	// EventComplete closes a resolved problem: resolved → closed.
	EventComplete Event = "complete"
	// EventReanalyze reopens a resolved or closed problem for analysis:
	// → root_cause_analysis. Needs [RoleProblemManager]; a duplicate cannot
	// be reanalyzed.
	EventReanalyze Event = "reanalyze"
)

// Update events: they change a problem without moving it.
const (
	// EventAssign changes the assignment group or assignee.
	EventAssign Event = "assign"
	// EventUpdate changes the title, description, impact, urgency,
	// affected service or configuration item.
	EventUpdate Event = "update"
	// EventWorkNote adds a work note.
	EventWorkNote Event = "work_note"
	// EventLinkIncident links incidents to the problem.
	EventLinkIncident Event = "link_incident"
	// EventUnlinkIncident removes incident links.
	EventUnlinkIncident Event = "unlink_incident"
	// EventLinkChange links more fixing changes while the fix is in
	// progress.
	EventLinkChange Event = "link_change"
	// EventRecordKnownError records the symptom, root cause, workaround or
	// fix.
	EventRecordKnownError Event = "record_known_error"
)

var (
	lifecycleEvents = []Event{
		EventAssess, EventConfirm, EventMarkDuplicate, EventCancel, EventStartFix,
		EventAcceptRisk, EventResolve, EventComplete, EventReanalyze,
	}
	updateEvents = []Event{
		EventAssign, EventUpdate, EventWorkNote, EventLinkIncident,
		EventUnlinkIncident, EventLinkChange, EventRecordKnownError,
	}
	allEvents = append(append([]Event(nil), lifecycleEvents...), updateEvents...)
)

// Events returns every event: the lifecycle events, then the updates.
func Events() []Event { return append([]Event(nil), allEvents...) }

// String returns the event's name.
func (e Event) String() string { return string(e) }

// MarshalText writes the event's name; an unknown event is an error.
func (e Event) MarshalText() ([]byte, error) { return lifecycle.MarshalEnum("event", allEvents, e) }

// UnmarshalText reads an event's name, rejecting unknown names with a
// *lifecycle.ValidationError.
func (e *Event) UnmarshalText(b []byte) error {
	v, err := lifecycle.ParseEnum("event", allEvents, string(b))
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// ResolutionCode says how a problem ended. It is empty while the problem is
// open.
type ResolutionCode string

// The resolution codes.
const (
	// ResolutionFixApplied: the fix was delivered ([EventResolve]).
	ResolutionFixApplied ResolutionCode = "fix_applied"
	// ResolutionRiskAccepted: the cause stays, its risk is accepted
	// ([EventAcceptRisk]).
	ResolutionRiskAccepted ResolutionCode = "risk_accepted"
	// ResolutionDuplicate: the problem duplicates another
	// ([EventMarkDuplicate]).
	ResolutionDuplicate ResolutionCode = "duplicate"
	// ResolutionCanceled: the problem was dropped ([EventCancel]).
	ResolutionCanceled ResolutionCode = "canceled"
)

var allResolutions = []ResolutionCode{
	ResolutionFixApplied, ResolutionRiskAccepted, ResolutionDuplicate, ResolutionCanceled,
}

// ResolutionCodes returns every resolution code.
func ResolutionCodes() []ResolutionCode { return append([]ResolutionCode(nil), allResolutions...) }

// String returns the code's name.
func (c ResolutionCode) String() string { return string(c) }

// MarshalText writes the code's name (empty for none); an unknown code is an
// error.
func (c ResolutionCode) MarshalText() ([]byte, error) {
	if c == "" {
		return []byte{}, nil
	}
	return lifecycle.MarshalEnum("resolution", allResolutions, c)
}

// UnmarshalText reads a code's name, or the empty string for none, rejecting
// unknown names with a *lifecycle.ValidationError.
func (c *ResolutionCode) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*c = ""
		return nil
	}
	v, err := lifecycle.ParseEnum("resolution", allResolutions, string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}
