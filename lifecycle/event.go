package lifecycle

import (
	"encoding/json"
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
	// "linked" event or the incidents of a change.
	Data map[string]string `json:"data,omitempty"`
	// Payload carries the details of an event as a typed value, where a
	// map per event costs too much: the SLA warnings and breaches, whose
	// payload is an *sla.Details. Its keys and values read as Data's do
	// (see [Notification.Value]), and the JSON holds them in "data", so a
	// row reads the same whichever of the two the event carried.
	Payload Payload `json:"-"`
}

// NotificationSchema is the version of a notification's JSON that
// [Notification.MarshalJSON] writes, in its "schema" field. Version 1
// rows, written before the field existed, have none; they decode as
// version 2 does, their details in Data. Version 2 holds a [Payload]'s
// details in "data", as version 1 holds Data.
const NotificationSchema = 2

// Payload is the typed details of a [Notification]. A payload is never
// changed once its event is emitted: an event and its clones share it.
type Payload interface {
	// Value returns the detail named key, as text, as a Data map would
	// hold it, and whether there is one.
	Value(key string) (string, bool)
	// Data returns the details as a new map: what the event's JSON holds
	// in "data".
	Data() map[string]string
}

// Value returns the detail named key of e: its Payload's if it has one
// there, else Data's; "" when there is none. It reads an event the same
// whether it was emitted with a payload or decoded from JSON, where the
// details are in Data.
func (e Notification) Value(key string) string {
	if e.Payload != nil {
		if v, ok := e.Payload.Value(key); ok {
			return v
		}
	}
	return e.Data[key]
}

// notificationJSON is a Notification without its methods, for encoding/json.
type notificationJSON Notification

// MarshalJSON encodes e as schema [NotificationSchema]: the fields by
// their tags, and in "data" Data's entries together with the Payload's
// details (the payload's win where both name a key).
func (e Notification) MarshalJSON() ([]byte, error) {
	if e.Payload != nil {
		data := e.Payload.Data()
		for k, v := range e.Data {
			if _, ok := data[k]; !ok {
				data[k] = v
			}
		}
		e.Data = data
	}
	return json.Marshal(struct {
		notificationJSON
		Schema int `json:"schema"`
	}{notificationJSON(e), NotificationSchema})
}

// UnmarshalJSON decodes a notification of schema version 1 or 2, its
// details in Data and its Payload nil. A newer version is refused with a
// *ValidationError naming "schema": this code cannot tell what its
// fields mean.
func (e *Notification) UnmarshalJSON(b []byte) error {
	var doc struct {
		*notificationJSON
		Schema int `json:"schema"`
	}
	x := notificationJSON(*e)
	x.Payload = nil
	doc.notificationJSON = &x
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	if doc.Schema > NotificationSchema {
		return Invalid("schema", "version %d is newer than %d, the newest this code reads", doc.Schema, NotificationSchema)
	}
	*e = Notification(x)
	return nil
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

// Clone returns a deep copy of e. The copy shares e's Payload, which
// never changes.
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
