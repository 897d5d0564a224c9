package lifecycle

import (
	"slices"
	"strconv"
	"time"
)

// Erasure: a record's history and journal are appended, never rewritten,
// with one exception. Personal data in earlier entries (a note's text,
// who wrote it, the values a change recorded) can be redacted to answer an
// erasure request (GDPR article 17). The redaction is an operation of its
// own, which the processes' default access rules let only
// [RoleDataProtection] fire: it appends a history record saying
// who redacted which fields of which entries, when and why
// ([EventRedact]), and blanks those fields in place, in the same atomic
// step. Nothing else ever changes a stored entry.
const (
	// RoleDataProtection is the role that may redact entries ([Erase]),
	// by every process's default access rules.
	RoleDataProtection = "data-protection"
	// EventRedact is the history event of a redaction. It is the kernel's,
	// not any process machine's: it leaves the state as it is, and
	// [Replay.Check] passes over it.
	EventRedact = "redact"
	// TypeRedacted is the type of the event a redaction emits.
	TypeRedacted = "redacted"
)

// The logs a [Redaction] names.
const (
	LogHistory = "history" // the history records ([Record])
	LogJournal = "journal" // the journal entries ([Entry])
)

// The fields a [Redaction] may blank: those that hold what people wrote
// or who they are. A history record keeps its event and states, a change
// its field name, so that the audit stays readable.
var redactable = map[string][]string{
	LogHistory: {"actor", "note", "changes"}, // changes: every Old and New value
	LogJournal: {"author", "text"},
}

// A Redaction names the fields to blank of one stored entry of a record's
// history or journal.
type Redaction struct {
	// Log is [LogHistory] or [LogJournal].
	Log string `json:"log"`
	// Seq is the entry's Seq.
	Seq int `json:"seq"`
	// Fields are the JSON names of the fields to blank: for a history
	// record "actor", "note" or "changes"; for a journal entry "author" or
	// "text".
	Fields []string `json:"fields"`
	// Keep names the changes of a history record whose values "changes"
	// leaves: the fields the record's machine replays, which are never
	// personal data (a change's type). [Kernel.Erase] sets it from
	// [Kernel.Replayed].
	Keep []string `json:"keep,omitempty"`
}

// Erase is the command that redacts entries of a record's history or
// journal (see [RoleDataProtection]). Every process's Service offers it.
type Erase struct {
	// ID is the record's.
	ID string `json:"id"`
	// Version, when not 0, is the version the caller read the record at.
	Version int64 `json:"version,omitempty"`
	// Entries are the redactions, at least one.
	Entries []Redaction `json:"entries"`
	// Reason says why: the erasure request it answers. Required.
	Reason string `json:"reason"`
}

// Check returns the error that refuses cmd for actor: an actor without
// an ID, a missing ID or reason, no entries, an unknown log or field, a
// Seq below 1 or an entry named twice are a *ValidationError. Whether the
// entries exist is the store's to check, in the same step as the write;
// whether actor may redact ([EventRedact]) is the access policy's.
func (cmd Erase) Check(actor Actor) error {
	if err := actor.Validate(); err != nil {
		return err
	}
	switch {
	case cmd.ID == "":
		return Invalid("id", "required")
	case cmd.Reason == "":
		return Invalid("reason", "required: the erasure request this answers")
	case len(cmd.Entries) == 0:
		return Invalid("entries", "name at least one entry to redact")
	}
	seen := map[[2]string]bool{}
	for i, r := range cmd.Entries {
		field := "entries[" + strconv.Itoa(i) + "]"
		allowed, ok := redactable[r.Log]
		switch {
		case !ok:
			return Invalid(field+".log", "%q is not a log: history or journal", r.Log)
		case r.Seq < 1:
			return Invalid(field+".seq", "%d: entries are numbered from 1", r.Seq)
		case len(r.Fields) == 0:
			return Invalid(field+".fields", "name at least one field")
		case seen[[2]string{r.Log, strconv.Itoa(r.Seq)}]:
			return Invalid(field, "%s entry %d is named twice", r.Log, r.Seq)
		}
		seen[[2]string{r.Log, strconv.Itoa(r.Seq)}] = true
		for _, f := range r.Fields {
			if !slices.Contains(allowed, f) {
				return Invalid(field+".fields", "%q cannot be redacted from the %s (only %v)", f, r.Log, allowed)
			}
		}
	}
	return nil
}

// Delta returns the redaction as the change it makes, by actor at now on a
// record in state: event [EventRedact], the state unchanged, the reason as
// its note, each redacted field named as a change ("history[3].note",
// "journal[2].text") with no values, and one [TypeRedacted] notification.
func (cmd Erase) Delta(actor Actor, now time.Time, state string) Delta {
	op := Delta{Actor: actor, Now: now, Event: EventRedact, From: state, Note: cmd.Reason}
	for _, r := range cmd.Entries {
		for _, f := range r.Fields {
			op.Changes = append(op.Changes, FieldChange{Field: r.Log + "[" + strconv.Itoa(r.Seq) + "]." + f})
		}
	}
	op.Emit(TypeRedacted)
	return op
}

// RedactRecord returns r with red's fields blanked (see [Redaction]): the
// values of its changes, except those red keeps.
func RedactRecord(r Record, red Redaction) Record {
	for _, f := range red.Fields {
		switch f {
		case "actor":
			r.Actor = ""
		case "note":
			r.Note = ""
		case "changes":
			c := make([]FieldChange, len(r.Changes))
			for i, ch := range r.Changes {
				c[i] = FieldChange{Field: ch.Field}
				if slices.Contains(red.Keep, ch.Field) {
					c[i] = ch
				}
			}
			r.Changes = c
		}
	}
	return r
}

// RedactEntry returns e with red's fields blanked (see [Redaction]).
func RedactEntry(e Entry, red Redaction) Entry {
	for _, f := range red.Fields {
		switch f {
		case "author":
			e.Author = ""
		case "text":
			e.Text = ""
		}
	}
	return e
}

// NoSuchEntry is the *ValidationError of a redaction that names an entry
// the record's log does not have: the store refuses the whole write.
func NoSuchEntry(r Redaction) error {
	return Invalid("entries", "%s entry %d does not exist", r.Log, r.Seq)
}
