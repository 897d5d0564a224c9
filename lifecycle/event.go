package lifecycle

import (
	"maps"
	"strconv"
	"time"
)

// Notification is the envelope of an event: something that happened to a
// record and was stored. Services hand notifications to a [Notifier] only
// after the change that caused them is stored. (A process's own Event
// type, incident.Event for one, names what fires its state machine.)
//
// ID is unique and stable: it is derived from the process, the subject, the
// stored version and the event's position in that version's batch, and each
// version has exactly one writer. A host that delivers at least once (an
// outbox relay, a queue) can therefore deduplicate, and reactions keyed by
// the ID are idempotent.
type Notification struct {
	// ID is unique and stable: [NotificationID](Process, Subject, Version, n).
	ID string `json:"id"`
	// Process is the process of the subject: "incident", "problem",
	// "change", "sla", "service", "improvement", ...
	Process string `json:"process"`
	// Subject is the ID of the record that changed.
	Subject string `json:"subject"`
	// Type says what happened: "opened", "assigned", "resolved",
	// "sla.breached", ...
	Type string `json:"type"`
	// From is the state before the change ("" for a new record).
	From string `json:"from,omitempty"`
	// To is the state after the change: the same as From when the state
	// did not move.
	To string `json:"to,omitempty"`
	// Actor is the ID of the actor who made the change.
	Actor string `json:"actor"`
	// Time is when the change was made (the record's UpdatedAt).
	Time time.Time `json:"time"`
	// Version is the subject's version after the change.
	Version int64 `json:"version"`
	// Snapshot is the subject as it stood after the change, in
	// process-neutral form.
	Snapshot Snapshot `json:"snapshot"`
	// Data carries event-specific details, such as the linked record of a
	// "linked" event or the target of an SLA warning.
	Data map[string]string `json:"data,omitempty"`
}

// NotificationID returns the ID of the n-th event (from 0) that process emits for
// subject at version: "incident/INC0000042/7/0".
func NotificationID(process, subject string, version int64, n int) string {
	b := make([]byte, 0, len(process)+len(subject)+24)
	b = append(b, process...)
	b = append(b, '/')
	b = append(b, subject...)
	b = append(b, '/')
	b = strconv.AppendInt(b, version, 10)
	b = append(b, '/')
	b = strconv.AppendInt(b, int64(n), 10)
	return string(b)
}

// Clone returns a deep copy of e.
func (e Notification) Clone() Notification {
	e.Snapshot = e.Snapshot.Clone()
	e.Data = maps.Clone(e.Data)
	return e
}

// Snapshot is a process-neutral view of a record: what SLA timers,
// reactors and notifiers need to know without importing the process.
type Snapshot struct {
	// State is the record's state (for services, their status).
	State string `json:"state"`
	// Title is the record's title or name, for people.
	Title string `json:"title,omitempty"`
	// Priority is 1 (critical) ... 5 (planning); 0 when the process has
	// none.
	Priority int `json:"priority,omitempty"`
	// Group is the assignment group.
	Group string `json:"group,omitempty"`
	// Assignee is the assigned person.
	Assignee string `json:"assignee,omitempty"`
	// Caller is who the record is for: an incident's caller, a change's
	// requester.
	Caller string `json:"caller,omitempty"`
	// Owner is who owns the record: a service's owner.
	Owner string `json:"owner,omitempty"`
	// Tenant is the tenant (company, organisation) the record belongs
	// to; "" for none.
	Tenant string `json:"tenant,omitempty"`
	// HoldReason is why the record is on hold, when it is.
	HoldReason string `json:"hold_reason,omitempty"`
	// Major reports a major incident.
	Major bool `json:"major,omitempty"`
	// Service is the affected IT service.
	Service string `json:"service,omitempty"`
	// ConfigItem is the affected configuration item.
	ConfigItem string `json:"config_item,omitempty"`
	// OpenedAt is when the record was opened (created).
	OpenedAt time.Time `json:"opened_at"`
	// Attributes holds whatever else the host wants conditions to see.
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Clone returns a deep copy of s.
func (s Snapshot) Clone() Snapshot {
	s.Attributes = maps.Clone(s.Attributes)
	return s
}

// Apply returns s updated by the standard fields of r's changes (state,
// priority, group, assignee, hold reason, major). Like Service, ConfigItem,
// Caller, Owner, OpenedAt and Attributes, Title describes the record and
// is not replayed. Replaying a record's
// history through Apply from its first snapshot rebuilds the snapshot at
// every step.
func (s Snapshot) Apply(r Record) Snapshot {
	if r.To != "" {
		s.State = r.To
	}
	for _, c := range r.Changes {
		switch c.Field {
		case FieldPriority:
			if p, err := strconv.Atoi(c.New); err == nil {
				s.Priority = p
			}
		case FieldGroup:
			s.Group = c.New
		case FieldAssignee:
			s.Assignee = c.New
		case FieldHoldReason:
			s.HoldReason = c.New
		case FieldMajor:
			s.Major = c.New == "true" || c.New == "accepted"
		}
	}
	return s
}
