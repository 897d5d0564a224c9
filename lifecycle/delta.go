package lifecycle

import (
	"slices"
	"time"
)

// Delta is one change to one record as a command makes it: who made it and
// when, the event that names its history record, the state the record
// leaves, the fields it changes, its note and the notifications it emits.
// A process's commands fill one in while they apply; [Delta.Record] and
// [Delta.Notifications] then give the record's next history record and the
// notifications about its new version, the same way in every process.
//
// A Delta with Actor, Now, Event and From set is ready; one Delta serves one
// change.
type Delta struct {
	// Actor makes the change.
	Actor Actor
	// Now is when: the history record's and the notifications' time.
	Now time.Time
	// Event names the history record: the command's event.
	Event string
	// From is the state the record leaves ("" for a new record).
	From string
	// Note is the history record's note.
	Note string
	// Changes are the changed fields, in the order they changed.
	Changes []FieldChange
	emits   []emission
}

// emission is a notification to build once the record's new version is
// known: its type and its Data (nil when it has none).
type emission struct {
	typ  string
	data map[string]string
}

// Diff records that field changed from old to new; an unchanged value
// records nothing (see [Diff]).
func (o *Delta) Diff(field, old, new string) {
	o.Changes = Diff(o.Changes, field, old, new)
}

// Emit adds a notification of type typ whose Data holds the key/value
// pairs kv (key, value, key, value, ...); no pairs give nil Data. An odd
// number of arguments is a programming error and panics.
func (o *Delta) Emit(typ string, kv ...string) {
	if len(kv)%2 != 0 {
		panic("lifecycle: Delta.Emit " + typ + ": odd number of key/value arguments")
	}
	var data map[string]string
	if len(kv) > 0 {
		data = make(map[string]string, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			data[kv[i]] = kv[i+1]
		}
	}
	o.EmitData(typ, data)
}

// EmitData adds a notification of type typ with data as its Data, which
// the notification then owns.
func (o *Delta) EmitData(typ string, data map[string]string) {
	o.emits = append(o.emits, emission{typ: typ, data: data})
}

// Record returns o's history record on a record now at version, in state
// to: one history record per stored version, so its Seq is the version.
func (o *Delta) Record(version int64, to string) Record {
	return Record{
		Seq:     int(version),
		Time:    o.Now,
		Actor:   o.Actor.ID,
		Event:   o.Event,
		From:    o.From,
		To:      to,
		Note:    o.Note,
		Changes: slices.Clip(o.Changes), // appending to it cannot write past the record's changes
	}
}

// Notifications returns o's notifications about subject, a record of
// process now at version in state to, in the order they were emitted:
// the first holds snap itself, each later one its own copy, so that no
// two share memory.
func (o *Delta) Notifications(process, subject string, version int64, to string, snap Snapshot) []Notification {
	if len(o.emits) == 0 {
		return nil
	}
	out := make([]Notification, len(o.emits))
	for i, e := range o.emits {
		s := snap
		if i > 0 {
			s = snap.Clone()
		}
		out[i] = Notification{
			ID:       NotificationID(process, subject, version, i),
			Process:  process,
			Subject:  subject,
			Type:     e.typ,
			From:     o.From,
			To:       to,
			Actor:    o.Actor.ID,
			Time:     o.Now,
			Version:  version,
			Snapshot: s,
			Data:     e.data,
		}
	}
	return out
}

// CheckCommand checks what every command needs before it applies: a valid
// actor, and a command that is neither nil nor a nil pointer (see
// [NilCommand]).
func CheckCommand(actor Actor, cmd any) error {
	if err := NilCommand(cmd); err != nil {
		return err
	}
	return actor.Validate()
}

// CheckTarget checks that a command aimed at the record id, read at
// version (0: whatever is current), applies to the record recID of
// process, stored at recVersion: id names that record, or is empty for
// the record the command is applied to (else a *ValidationError naming
// "id"), and a non-zero version is the stored one (else an error matching
// [ErrConflict]). A Service, which loads the record a command names,
// requires the id.
func CheckTarget(process, id string, version int64, recID string, recVersion int64) error {
	switch {
	case id != "" && id != recID:
		return Invalid("id", "the command is for %s %q, not %q", process, id, recID)
	case version != 0 && version != recVersion:
		return Conflict(process, recID, version, recVersion)
	}
	return nil
}
