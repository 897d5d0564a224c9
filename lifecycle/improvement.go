package lifecycle

import (
	"slices"
	"time"
)

// ProcessImprovement is the process name of continual-improvement records:
// it appears in their events ([Notification.Process]), IDs ([NotificationID]) and errors.
const ProcessImprovement = "improvement"

// Improvement is an entry of the continual-improvement register (CSI
// register): an initiative to improve a service, with the measure it
// targets, the baseline it starts from, the target it aims for and, once
// completed, the result it achieved. Its [ImprovementStatus] moves under the
// improvement machine (see [ImprovementDiagram]).
type Improvement struct {
	// ID identifies the entry, e.g. "CSI01J..." (see [RandomIDs]).
	ID string `json:"id"`
	// Version is 0 before creation, 1 when created, +1 per stored change.
	Version int64 `json:"version"`
	// ServiceID is the ID of the [Service] the initiative improves.
	ServiceID string `json:"service_id"`
	// Title names the initiative, for people.
	Title string `json:"title"`
	// Measure is what is measured, e.g. "mean time to restore".
	Measure string `json:"measure"`
	// Baseline is where the measure stands now, e.g. "4h".
	Baseline string `json:"baseline"`
	// Target is where the measure should get to, e.g. "2h".
	Target string `json:"target"`
	// Result is what the initiative achieved against the measure; set
	// when it is completed.
	Result string `json:"result,omitempty"`
	// Status is where the entry stands in the improvement machine.
	Status ImprovementStatus `json:"status"`
	// History is the audit trail: one [Record] per stored change.
	History []Record `json:"history,omitempty"`
	// CreatedAt is when the entry was proposed.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when it last changed.
	UpdatedAt time.Time `json:"updated_at"`
}

// Clone returns a deep copy of x (nil stays nil).
func (x *Improvement) Clone() *Improvement {
	if x == nil {
		return nil
	}
	c := *x
	c.History = CloneHistory(x.History)
	return &c
}

// Snapshot returns the process-neutral view of the improvement: its status
// as State, its service as Service, its creation time as OpenedAt, and its
// title, measure, baseline, target and result as Attributes.
func (x *Improvement) Snapshot() Snapshot {
	attrs := map[string]string{
		"title":    x.Title,
		"measure":  x.Measure,
		"baseline": x.Baseline,
		"target":   x.Target,
	}
	if x.Result != "" {
		attrs["result"] = x.Result
	}
	return Snapshot{
		State:      string(x.Status),
		Title:      x.Title,
		Service:    x.ServiceID,
		OpenedAt:   x.CreatedAt,
		Attributes: attrs,
	}
}

// ImprovementStatus is where an [Improvement] stands.
type ImprovementStatus string

// The improvement statuses.
const (
	ImprovementProposed   ImprovementStatus = "proposed"
	ImprovementApproved   ImprovementStatus = "approved"
	ImprovementInProgress ImprovementStatus = "in_progress"
	ImprovementCompleted  ImprovementStatus = "completed" // final
	ImprovementRejected   ImprovementStatus = "rejected"  // final
)

var improvementStatuses = []ImprovementStatus{
	ImprovementProposed, ImprovementApproved, ImprovementInProgress, ImprovementCompleted, ImprovementRejected,
}

// ImprovementStatuses returns every improvement status.
func ImprovementStatuses() []ImprovementStatus { return slices.Clone(improvementStatuses) }

// String returns the status's spelling, e.g. "in_progress".
func (s ImprovementStatus) String() string { return string(s) }

// Valid reports whether s is one of [ImprovementStatuses].
func (s ImprovementStatus) Valid() bool { return slices.Contains(improvementStatuses, s) }

// Allowed returns the events the improvement machine allows from s, sorted.
// Guards are not consulted.
func (s ImprovementStatus) Allowed() []ImprovementEvent { return improvementMachine.Allowed(s) }

// Final reports whether no event leaves s (completed, rejected).
func (s ImprovementStatus) Final() bool { return improvementMachine.Final(s) }

// MarshalText returns the status's spelling, or a *ValidationError for an
// unknown status.
func (s ImprovementStatus) MarshalText() ([]byte, error) {
	return MarshalEnum("status", improvementStatuses, s)
}

// UnmarshalText parses an improvement status, rejecting unknown spellings
// with a *ValidationError.
func (s *ImprovementStatus) UnmarshalText(b []byte) error {
	v, err := ParseEnum("status", improvementStatuses, string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ImprovementEvent is an event of the improvement machine.
type ImprovementEvent string

// The improvement events.
const (
	ImprovementApprove  ImprovementEvent = "approve"  // proposed → approved
	ImprovementStart    ImprovementEvent = "start"    // approved → in_progress
	ImprovementComplete ImprovementEvent = "complete" // in_progress → completed; needs a Result
	ImprovementReject   ImprovementEvent = "reject"   // proposed, approved or in_progress → rejected
)

var improvementEvents = []ImprovementEvent{
	ImprovementApprove, ImprovementStart, ImprovementComplete, ImprovementReject,
}

// ImprovementEvents returns every improvement event.
func ImprovementEvents() []ImprovementEvent { return slices.Clone(improvementEvents) }

// String returns the event's spelling, e.g. "complete".
func (e ImprovementEvent) String() string { return string(e) }

// MarshalText returns the event's spelling, or a *ValidationError for an
// unknown event.
func (e ImprovementEvent) MarshalText() ([]byte, error) {
	return MarshalEnum("event", improvementEvents, e)
}

// UnmarshalText parses an improvement event, rejecting unknown spellings
// with a *ValidationError.
func (e *ImprovementEvent) UnmarshalText(b []byte) error {
	v, err := ParseEnum("event", improvementEvents, string(b))
	if err != nil {
		return err
	}
	*e = v
	return nil
}

var improvementMachine = NewMachine(Definition[ImprovementStatus, ImprovementEvent, *Improvement]{
	Process:     ProcessImprovement,
	Initial:     ImprovementProposed,
	States:      improvementStatuses,
	Events:      improvementEvents,
	Transitions: improvementTransitions,
})

var improvementTransitions = []Transition[ImprovementStatus, ImprovementEvent, *Improvement]{
	{Event: ImprovementApprove, From: []ImprovementStatus{ImprovementProposed}, To: ImprovementApproved},
	{Event: ImprovementStart, From: []ImprovementStatus{ImprovementApproved}, To: ImprovementInProgress},
	{Event: ImprovementComplete, From: []ImprovementStatus{ImprovementInProgress}, To: ImprovementCompleted,
		Guard: func(x *Improvement) error {
			if blankText(x.Result) {
				return Invalid("result", "a completed improvement needs a result")
			}
			return nil
		}},
	{Event: ImprovementReject, From: []ImprovementStatus{ImprovementProposed, ImprovementApproved, ImprovementInProgress}, To: ImprovementRejected},
}

// ImprovementDiagram returns the improvement machine as a Mermaid state
// diagram. Completing needs a Result (not drawn).
func ImprovementDiagram() string { return improvementMachine.Mermaid() }
