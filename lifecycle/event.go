package lifecycle

import (
	"maps"
	"strconv"
	"time"
)

// Event is a notification envelope: something that happened to a record and
// was stored. Services hand events to a [Notifier] only after the change
// that caused them is stored.
//
// ID is unique and stable: it is derived from the process, the subject, the
// stored version and the event's position in that version's batch, and each
// version has exactly one writer. A host that delivers at least once (an
// outbox relay, a queue) can therefore deduplicate, and reactions keyed by
// the ID are idempotent.
type Event struct {
	ID      string    `json:"id"`
	Process string    `json:"process"` // "incident", "problem", "change", "sla", "service", ...
	Subject string    `json:"subject"` // the record's ID
	Type    string    `json:"type"`    // what happened: "opened", "assigned", "resolved", "sla.breached", ...
	From    string    `json:"from,omitempty"`
	To      string    `json:"to,omitempty"`
	Actor   string    `json:"actor"`
	Time    time.Time `json:"time"`
	Version int64     `json:"version"` // the subject's version after the change
	// Snapshot is the subject as it stood after the change, in
	// process-neutral form.
	Snapshot Snapshot `json:"snapshot"`
	// Data carries event-specific details, such as the linked record of a
	// "linked" event or the target of an SLA warning.
	Data map[string]string `json:"data,omitempty"`
}

// EventID returns the ID of the n-th event (from 0) that process emits for
// subject at version: "incident/INC0000042/7/0".
func EventID(process, subject string, version int64, n int) string {
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
func (e Event) Clone() Event {
	e.Snapshot = e.Snapshot.Clone()
	e.Data = maps.Clone(e.Data)
	return e
}

// Snapshot is a process-neutral view of a record: what SLA timers,
// reactors and notifiers need to know without importing the process.
type Snapshot struct {
	State      string    `json:"state"`
	Title      string    `json:"title,omitempty"`    // the record's title or name, for people
	Priority   int       `json:"priority,omitempty"` // 1 (critical) ... 5 (planning); 0 when the process has none
	Group      string    `json:"group,omitempty"`
	Assignee   string    `json:"assignee,omitempty"`
	HoldReason string    `json:"hold_reason,omitempty"`
	Major      bool      `json:"major,omitempty"`
	Service    string    `json:"service,omitempty"`     // the affected IT service
	ConfigItem string    `json:"config_item,omitempty"` // the affected configuration item
	OpenedAt   time.Time `json:"opened_at"`
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
// OpenedAt and Attributes, Title describes the record and is not replayed. Replaying a record's
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
