package change

import (
	"slices"

	"github.com/itsmkit/itsm/lifecycle"
)

// State is where a change stands in its lifecycle.
type State string

// The states of a change, in lifecycle order. Which of them a change passes
// through depends on its [Type]: see [TypeStates].
const (
	StateNew       State = "new"
	StateAssess    State = "assess"
	StateAuthorize State = "authorize"
	StateScheduled State = "scheduled"
	StateImplement State = "implement"
	StateReview    State = "review"
	StateClosed    State = "closed"
	StateCanceled  State = "canceled"
)

var allStates = []State{StateNew, StateAssess, StateAuthorize, StateScheduled, StateImplement, StateReview, StateClosed, StateCanceled}

// States returns every state of every change type, in lifecycle order.
func States() []State { return slices.Clone(allStates) }

// String returns the state's name.
func (s State) String() string { return string(s) }

// MarshalText writes the state's name; an unknown state is an error.
func (s State) MarshalText() ([]byte, error) { return lifecycle.MarshalEnum("state", allStates, s) }

// UnmarshalText reads a state's name, rejecting unknown ones with a
// *lifecycle.ValidationError.
func (s *State) UnmarshalText(b []byte) error { return parseInto(s, "state", allStates, b) }

// Booked reports whether a change in state holds its planned window on the
// forward schedule of change: scheduled and implement. Such changes conflict
// with other changes on the same configuration items.
func (s State) Booked() bool { return s == StateScheduled || s == StateImplement }

// Final reports whether no event leaves state (closed, canceled).
func (s State) Final() bool { return s == StateClosed || s == StateCanceled }

// Event is something that can happen to a change: the name of a transition
// in the change's state machine. Each [Command] fires exactly one.
type Event string

// The events of the change machines.
const (
	EventUpdate          Event = "update"           // edit details (self-loop in new; normal also in assess)
	EventSetType         Event = "set_type"         // change the type (self-loop in new, no approvals)
	EventAssign          Event = "assign"           // set group and assignee (self-loop before review ends)
	EventLink            Event = "link"             // link problems fixed and incidents caused
	EventAssess          Event = "assess"           // normal: new → assess
	EventRequestApproval Event = "request_approval" // normal: assess → authorize; emergency: new → authorize
	EventApprove         Event = "approve"          // an approver approves (self-loop in authorize)
	EventReject          Event = "reject"           // an approver rejects: authorize → new
	EventSchedule        Event = "schedule"         // authorize → scheduled; standard: new → scheduled
	EventRevert          Event = "revert"           // back to new, approvals cleared
	EventImplement       Event = "implement"        // scheduled → implement
	EventReview          Event = "review"           // implement → review, with an outcome
	EventClose           Event = "close"            // review → closed
	EventCancel          Event = "cancel"           // any state before review → canceled
)

var allEvents = []Event{
	EventUpdate, EventSetType, EventAssign, EventLink, EventAssess, EventRequestApproval,
	EventApprove, EventReject, EventSchedule, EventRevert, EventImplement, EventReview,
	EventClose, EventCancel,
}

// Events returns every event of every change type.
func Events() []Event { return slices.Clone(allEvents) }

// String returns the event's name.
func (e Event) String() string { return string(e) }

// MarshalText writes the event's name; an unknown event is an error.
func (e Event) MarshalText() ([]byte, error) { return lifecycle.MarshalEnum("event", allEvents, e) }

// UnmarshalText reads an event's name, rejecting unknown ones.
func (e *Event) UnmarshalText(b []byte) error { return parseInto(e, "event", allEvents, b) }

// Type is the kind of change, which decides its path and its approvals.
type Type string

// The change types.
const (
	// Standard is a pre-authorized, low-risk change made from a [Template]:
	// new → scheduled → implement → review → closed, with no approvals.
	Standard Type = "standard"
	// Normal is assessed and authorized by its change authority:
	// new → assess → authorize → scheduled → implement → review → closed.
	Normal Type = "normal"
	// Emergency must be made as soon as possible and skips assessment:
	// new → authorize → scheduled → implement → review → closed, and needs a
	// post-implementation review before it closes.
	Emergency Type = "emergency"
)

var allTypes = []Type{Standard, Normal, Emergency}

// Types returns every change type.
func Types() []Type { return slices.Clone(allTypes) }

// String returns the type's name.
func (t Type) String() string { return string(t) }

// Valid reports whether t is a known type.
func (t Type) Valid() bool { return slices.Contains(allTypes, t) }

// checkType returns nil for a known type and a *lifecycle.ValidationError
// for the field "type" otherwise.
func checkType(t Type) error {
	_, err := lifecycle.ParseEnum("type", allTypes, string(t))
	return err
}

// MarshalText writes the type's name; an unknown type is an error.
func (t Type) MarshalText() ([]byte, error) { return lifecycle.MarshalEnum("type", allTypes, t) }

// UnmarshalText reads a type's name, rejecting unknown ones.
func (t *Type) UnmarshalText(b []byte) error { return parseInto(t, "type", allTypes, b) }

// Risk is the assessed risk of a change. The empty Risk means "not assessed
// yet".
type Risk string

// The risk levels, lowest first.
const (
	RiskLow      Risk = "low"
	RiskModerate Risk = "moderate"
	RiskHigh     Risk = "high"
	RiskVeryHigh Risk = "very_high"
)

var allRisks = []Risk{RiskLow, RiskModerate, RiskHigh, RiskVeryHigh}

// Risks returns every risk level, lowest first.
func Risks() []Risk { return slices.Clone(allRisks) }

// String returns the level's name.
func (r Risk) String() string { return string(r) }

// Rank orders risk levels: 0 for the empty (unassessed) level, 1 for low,
// up to 4 for very high, and -1 for an unknown level.
func (r Risk) Rank() int {
	if r == "" {
		return 0
	}
	if i := slices.Index(allRisks, r); i >= 0 {
		return i + 1
	}
	return -1
}

// Max returns the higher of r and o.
func (r Risk) Max(o Risk) Risk {
	if o.Rank() > r.Rank() {
		return o
	}
	return r
}

// MarshalText writes the level's name; an unknown level is an error. The
// empty level is written as "".
func (r Risk) MarshalText() ([]byte, error) { return marshalOptional("risk", allRisks, r) }

// UnmarshalText reads a level's name ("" for unassessed), rejecting
// unknown ones.
func (r *Risk) UnmarshalText(b []byte) error { return parseOptional(r, "risk", allRisks, b) }

// Outcome is how an implemented change went, recorded when it enters
// review.
type Outcome string

// The review outcomes.
const (
	OutcomeSuccessful           Outcome = "successful"
	OutcomeSuccessfulWithIssues Outcome = "successful_with_issues"
	OutcomeFailed               Outcome = "failed"
	OutcomeBackedOut            Outcome = "backed_out"
)

var allOutcomes = []Outcome{OutcomeSuccessful, OutcomeSuccessfulWithIssues, OutcomeFailed, OutcomeBackedOut}

// Outcomes returns every review outcome.
func Outcomes() []Outcome { return slices.Clone(allOutcomes) }

// String returns the outcome's name.
func (o Outcome) String() string { return string(o) }

// MarshalText writes the outcome's name ("" when not reviewed); an unknown
// outcome is an error.
func (o Outcome) MarshalText() ([]byte, error) { return marshalOptional("outcome", allOutcomes, o) }

// UnmarshalText reads an outcome's name, rejecting unknown ones.
func (o *Outcome) UnmarshalText(b []byte) error {
	return parseOptional(o, "outcome", allOutcomes, b)
}

// parseInto parses b as a member of valid into *dst.
func parseInto[T ~string](dst *T, field string, valid []T, b []byte) error {
	v, err := lifecycle.ParseEnum(field, valid, string(b))
	if err != nil {
		return err
	}
	*dst = v
	return nil
}

// marshalOptional is MarshalEnum that also accepts the empty value.
func marshalOptional[T ~string](field string, valid []T, v T) ([]byte, error) {
	if v == "" {
		return []byte{}, nil
	}
	return lifecycle.MarshalEnum(field, valid, v)
}

// parseOptional is parseInto that also accepts the empty value.
func parseOptional[T ~string](dst *T, field string, valid []T, b []byte) error {
	if len(b) == 0 {
		*dst = ""
		return nil
	}
	return parseInto(dst, field, valid, b)
}
