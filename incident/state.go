package incident

import "github.com/itsmkit/itsm/lifecycle"

// State is where an incident stands in its lifecycle. Its text form is the
// snake_case name ("in_progress"); unknown names are rejected when text or
// JSON is decoded.
type State string

// The incident states, in lifecycle order.
const (
	// StateNew: logged, not yet being worked on.
	StateNew State = "new"
	// StateInProgress: owned and being worked on.
	StateInProgress State = "in_progress"
	// StateOnHold: work paused for a [HoldReason].
	StateOnHold State = "on_hold"
	// StateResolved: service restored; the caller may confirm (close) or
	// reopen, otherwise [Service.AutoClose] closes it.
	StateResolved State = "resolved"
	// StateClosed: final.
	StateClosed State = "closed"
	// StateCanceled: final; triaged as a duplicate, unnecessary, or not an
	// incident.
	StateCanceled State = "canceled"
)

var allStates = []State{StateNew, StateInProgress, StateOnHold, StateResolved, StateClosed, StateCanceled}

// States returns every state, in lifecycle order.
func States() []State { return append([]State(nil), allStates...) }

// String returns the state's name.
func (s State) String() string { return string(s) }

// Valid reports whether s is one of [States].
func (s State) Valid() bool {
	switch s {
	case StateNew, StateInProgress, StateOnHold, StateResolved, StateClosed, StateCanceled:
		return true
	}
	return false
}

// IsOpen reports whether work on the incident is still to be done: new,
// in progress or on hold.
func (s State) IsOpen() bool {
	return s == StateNew || s == StateInProgress || s == StateOnHold
}

// IsFinal reports whether s is closed or canceled: no event is allowed
// from it.
func (s State) IsFinal() bool { return s == StateClosed || s == StateCanceled }

// MarshalText returns the state's name, or a *lifecycle.ValidationError
// for an unknown state.
func (s State) MarshalText() ([]byte, error) { return lifecycle.MarshalEnum("state", allStates, s) }

// UnmarshalText parses a state's name, rejecting unknown names with a
// *lifecycle.ValidationError.
func (s *State) UnmarshalText(b []byte) error {
	v, err := lifecycle.ParseEnum("state", allStates, string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// Event is an operation the incident state machine knows. Every command on
// a stored incident fires exactly one event; [Allowed] lists the events
// possible from a state. Events that do not move the incident to another
// state (comments, links, reassignment, ...) are self-loops, so that the
// machine also decides when they are allowed: never on a closed or
// canceled incident.
type Event string

// The incident events. Opening an incident is not an event: it creates the
// record in [StateNew], and its first history record has Event "open".
const (
	EventAssign               Event = "assign"                // (re)assign group and assignee; new → in_progress
	EventEscalateFunctional   Event = "escalate_functional"   // reassign to another group, with a reason
	EventEscalateHierarchical Event = "escalate_hierarchical" // raise the escalation level, with a reason
	EventHold                 Event = "hold"                  // in_progress → on_hold, with a reason
	EventResume               Event = "resume"                // on_hold → in_progress
	EventResolve              Event = "resolve"               // → resolved, with a code and notes
	EventReopen               Event = "reopen"                // resolved → in_progress, counted
	EventClose                Event = "close"                 // resolved → closed
	EventCancel               Event = "cancel"                // open → canceled
	EventUpdate               Event = "update"                // title, description, impact, urgency, ...
	EventComment              Event = "comment"               // a comment visible to the caller
	EventWorkNote             Event = "work_note"             // an internal work note
	EventCallerUpdate         Event = "caller_update"         // the caller's comment; resumes an incident awaiting the caller
	EventProposeMajor         Event = "propose_major"         // propose as a major incident candidate
	EventAcceptMajor          Event = "accept_major"          // accept the candidate (major-incident-manager)
	EventRejectMajor          Event = "reject_major"          // reject the candidate (major-incident-manager)
	EventSetParent            Event = "set_parent"            // make it a child of another incident, or detach it
	EventLinkProblem          Event = "link_problem"          // relate a problem record
	EventUnlinkProblem        Event = "unlink_problem"        // remove a problem relation
	EventLinkChange           Event = "link_change"           // relate a change record
	EventUnlinkChange         Event = "unlink_change"         // remove a change relation
)

// eventOpen names an incident's first history record.
const eventOpen = "open"

var allEvents = []Event{
	EventAssign, EventEscalateFunctional, EventEscalateHierarchical,
	EventHold, EventResume, EventResolve, EventReopen, EventClose, EventCancel,
	EventUpdate, EventComment, EventWorkNote, EventCallerUpdate,
	EventProposeMajor, EventAcceptMajor, EventRejectMajor,
	EventSetParent, EventLinkProblem, EventUnlinkProblem, EventLinkChange, EventUnlinkChange,
}

// Events returns every event, in the machine's definition order.
func Events() []Event { return append([]Event(nil), allEvents...) }

// String returns the event's name.
func (e Event) String() string { return string(e) }

// MarshalText returns the event's name, or a *lifecycle.ValidationError
// for an unknown event.
func (e Event) MarshalText() ([]byte, error) { return lifecycle.MarshalEnum("event", allEvents, e) }

// UnmarshalText parses an event's name, rejecting unknown names with a
// *lifecycle.ValidationError.
func (e *Event) UnmarshalText(b []byte) error {
	v, err := lifecycle.ParseEnum("event", allEvents, string(b))
	if err != nil {
		return err
	}
	*e = v
	return nil
}

// HoldReason says what an incident on hold is waiting for. The empty
// HoldReason means "not on hold"; it is written as "" and omitted from
// JSON.
type HoldReason string

// The on-hold reasons (ServiceNow's).
const (
	// HoldAwaitingCaller: waiting for the caller. Putting an incident on
	// hold for it requires a comment (the question to the caller); a
	// [CallerUpdate] resumes the incident.
	HoldAwaitingCaller HoldReason = "awaiting_caller"
	// HoldAwaitingChange: waiting for a change to be implemented. The
	// incident must be linked to a change (or [Hold].Change names one).
	HoldAwaitingChange HoldReason = "awaiting_change"
	// HoldAwaitingProblem: waiting for a problem to be fixed. The incident
	// must be linked to a problem (or [Hold].Problem names one);
	// [Service.ResolveForProblem] resolves it when the problem is fixed.
	HoldAwaitingProblem HoldReason = "awaiting_problem"
	// HoldAwaitingVendor: waiting for a supplier.
	HoldAwaitingVendor HoldReason = "awaiting_vendor"
)

var allHoldReasons = []HoldReason{HoldAwaitingCaller, HoldAwaitingChange, HoldAwaitingProblem, HoldAwaitingVendor}

// HoldReasons returns every hold reason (not the empty one).
func HoldReasons() []HoldReason { return append([]HoldReason(nil), allHoldReasons...) }

// String returns the reason's name ("" for none).
func (r HoldReason) String() string { return string(r) }

// Valid reports whether r is empty or one of [HoldReasons].
func (r HoldReason) Valid() bool { return r == "" || containsEnum(allHoldReasons, r) }

// MarshalText returns the reason's name ("" for none), or a
// *lifecycle.ValidationError for an unknown reason.
func (r HoldReason) MarshalText() ([]byte, error) {
	if r == "" {
		return []byte{}, nil
	}
	return lifecycle.MarshalEnum("hold_reason", allHoldReasons, r)
}

// UnmarshalText parses a reason's name ("" for none), rejecting unknown
// names with a *lifecycle.ValidationError.
func (r *HoldReason) UnmarshalText(b []byte) error {
	return parseOptional(b, "hold_reason", allHoldReasons, r)
}

// ResolutionCode says how an incident was resolved. It is required to
// resolve. The codes follow ServiceNow's current close codes, plus the two
// "not solved" codes of its older list. The empty code means "not
// resolved"; it is written as "" and omitted from JSON.
type ResolutionCode string

// The resolution codes.
const (
	CodeSolutionProvided   ResolutionCode = "solution_provided"    // fixed for good
	CodeWorkaroundProvided ResolutionCode = "workaround_provided"  // service restored by a workaround
	CodeKnownError         ResolutionCode = "known_error"          // a documented known error's workaround applied
	CodeUserError          ResolutionCode = "user_error"           // no fault: the caller's mistake, explained
	CodeDuplicate          ResolutionCode = "duplicate"            // reported in another incident
	CodeResolvedByCaller   ResolutionCode = "resolved_by_caller"   // the caller fixed it
	CodeResolvedByChange   ResolutionCode = "resolved_by_change"   // a change fixed it
	CodeResolvedByProblem  ResolutionCode = "resolved_by_problem"  // a problem's fix fixed it (see ResolveForProblem)
	CodeResolvedByRequest  ResolutionCode = "resolved_by_request"  // fulfilled as a service request
	CodeNotReproducible    ResolutionCode = "not_reproducible"     // not solved: could not be reproduced
	CodeTooCostly          ResolutionCode = "too_costly"           // not solved: a fix costs more than the fault
	CodeNoResolutionNeeded ResolutionCode = "no_resolution_needed" // not solved: no action was needed
)

var allCodes = []ResolutionCode{
	CodeSolutionProvided, CodeWorkaroundProvided, CodeKnownError, CodeUserError,
	CodeDuplicate, CodeResolvedByCaller, CodeResolvedByChange, CodeResolvedByProblem,
	CodeResolvedByRequest, CodeNotReproducible, CodeTooCostly, CodeNoResolutionNeeded,
}

// ResolutionCodes returns every resolution code (not the empty one).
func ResolutionCodes() []ResolutionCode { return append([]ResolutionCode(nil), allCodes...) }

// String returns the code's name ("" for none).
func (c ResolutionCode) String() string { return string(c) }

// Valid reports whether c is empty or one of [ResolutionCodes].
func (c ResolutionCode) Valid() bool { return c == "" || containsEnum(allCodes, c) }

// MarshalText returns the code's name ("" for none), or a
// *lifecycle.ValidationError for an unknown code.
func (c ResolutionCode) MarshalText() ([]byte, error) {
	if c == "" {
		return []byte{}, nil
	}
	return lifecycle.MarshalEnum("resolution_code", allCodes, c)
}

// UnmarshalText parses a code's name ("" for none), rejecting unknown names
// with a *lifecycle.ValidationError.
func (c *ResolutionCode) UnmarshalText(b []byte) error {
	return parseOptional(b, "resolution_code", allCodes, c)
}

// MajorStatus is where an incident stands as a major incident candidate.
// The empty status means it was never proposed; it is written as "" and
// omitted from JSON. Only [MajorAccepted] makes an incident major
// ([lifecycle.Snapshot].Major).
type MajorStatus string

// The major incident statuses.
const (
	MajorProposed MajorStatus = "proposed" // a candidate, awaiting a major-incident manager
	MajorAccepted MajorStatus = "accepted" // a major incident
	MajorRejected MajorStatus = "rejected" // not a major incident; it may be proposed again
)

var allMajor = []MajorStatus{MajorProposed, MajorAccepted, MajorRejected}

// MajorStatuses returns every status (not the empty one).
func MajorStatuses() []MajorStatus { return append([]MajorStatus(nil), allMajor...) }

// String returns the status's name ("" for none).
func (m MajorStatus) String() string { return string(m) }

// Valid reports whether m is empty or one of [MajorStatuses].
func (m MajorStatus) Valid() bool { return m == "" || containsEnum(allMajor, m) }

// MarshalText returns the status's name ("" for none), or a
// *lifecycle.ValidationError for an unknown status.
func (m MajorStatus) MarshalText() ([]byte, error) {
	if m == "" {
		return []byte{}, nil
	}
	return lifecycle.MarshalEnum("major", allMajor, m)
}

// UnmarshalText parses a status's name ("" for none), rejecting unknown
// names with a *lifecycle.ValidationError.
func (m *MajorStatus) UnmarshalText(b []byte) error {
	return parseOptional(b, "major", allMajor, m)
}

func containsEnum[T ~string](valid []T, v T) bool {
	for _, x := range valid {
		if x == v {
			return true
		}
	}
	return false
}

func parseOptional[T ~string](b []byte, field string, valid []T, dst *T) error {
	if len(b) == 0 {
		*dst = ""
		return nil
	}
	v, err := lifecycle.ParseEnum(field, valid, string(b))
	if err != nil {
		return err
	}
	*dst = v
	return nil
}
