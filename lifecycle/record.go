package lifecycle

import (
	"slices"
	"time"
)

// Standard field names used in [FieldChange] and [Snapshot.Apply]. Processes use
// them for the fields every process shares, so that process-neutral code
// (SLA timers, reactors) can follow any record's history.
const (
	FieldState      = "state"
	FieldPriority   = "priority"
	FieldGroup      = "group"
	FieldAssignee   = "assignee"
	FieldHoldReason = "hold_reason"
	FieldMajor      = "major"
	FieldTitle      = "title"
)

// Record is one entry in a record's audit history: who did what, when, and
// what changed. Every stored transition or update appends exactly one.
type Record struct {
	// Seq numbers the entries 1, 2, 3... within the record.
	Seq int `json:"seq"`
	// Time is when it happened.
	Time time.Time `json:"time"`
	// Actor is the ID of the actor who did it.
	Actor string `json:"actor"`
	// Event is what was done: "open", "assign", "resolve", "comment", ...
	Event string `json:"event"`
	// From is the state before (empty for creation).
	From string `json:"from"`
	// To is the state after (equal to From when the state did not move).
	To string `json:"to"`
	// Note is the actor's free text: a reason, a work note, a comment.
	Note string `json:"note,omitempty"`
	// Changes lists the fields that changed, with old and new values.
	Changes []FieldChange `json:"changes,omitempty"`
}

// FieldChange is one field's old and new value, rendered as text.
type FieldChange struct {
	// Field is the field's name, e.g. [FieldState] or [FieldPriority].
	Field string `json:"field"`
	// Old is the value before (empty when the field was unset).
	Old string `json:"old,omitempty"`
	// New is the value after (empty when the field was cleared).
	New string `json:"new,omitempty"`
}

// Clone returns a deep copy of r.
func (r Record) Clone() Record {
	r.Changes = slices.Clone(r.Changes)
	return r
}

// CloneHistory returns a deep copy of h (nil stays nil).
func CloneHistory(h []Record) []Record {
	if h == nil {
		return nil
	}
	out := make([]Record, len(h))
	for i, r := range h {
		out[i] = r.Clone()
	}
	return out
}

// Changed returns the change to field, and whether r has one.
func (r Record) Changed(field string) (FieldChange, bool) {
	for _, c := range r.Changes {
		if c.Field == field {
			return c, true
		}
	}
	return FieldChange{}, false
}

// Diff appends a Change to changes when old and new differ, and returns it.
// It is the helper processes use to build Record.Changes.
func Diff(changes []FieldChange, field, old, new string) []FieldChange {
	if old == new {
		return changes
	}
	return append(changes, FieldChange{Field: field, Old: old, New: new})
}

// LastRecord returns the last record of h, or the zero Record when h is
// empty: the record a change appends, for [Kernel.Last].
func LastRecord(h []Record) Record {
	if len(h) == 0 {
		return Record{}
	}
	return h[len(h)-1]
}
