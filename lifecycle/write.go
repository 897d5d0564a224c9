package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// A Write is one stored change of a record, with what the change's rules
// read of other records: a [Committer] stores it in one atomic step, or
// not at all.
//
// Write is the unit of the Store contract that every process shares; the
// fields it may grow (rows committed in the same transaction, the
// record's tenant) are added here, once, for every store.
//
// A record's history and journal are appended, never rewritten: a write
// hands the store only the entries it adds (History and Journal), and a
// record read for a command carries neither (see [HistoryReader] and
// [JournalReader] for reading them back).
type Write[T any] struct {
	// Record is the record as it is to be stored, without its history
	// and journal.
	Record T
	// Expected is the stored version the change was made from; 0 creates
	// the record.
	Expected int64
	// Reads is what the change's cross-record rules read. The write
	// commits only if all of it is unchanged.
	Reads ReadSet
	// Events are the change's events. A store that is a transactional
	// outbox ([Outbox]) stores them with the record; any other store
	// ignores them and the kernel notifies once the write is stored.
	Events []Notification
	// History are the history records the change appends, oldest first.
	// Their Seq continue the stored history without a gap: the first is
	// one more than the last stored (1 for a new record). A store refuses
	// a write whose records do not, and stores nothing.
	History []Record
	// Journal are the journal entries (comments, work notes) the change
	// appends, oldest first. The store numbers them: their Seq, 0 here,
	// continue the stored journal.
	Journal []Entry
	// Redactions are the stored entries whose named fields the change
	// blanks in place, an erasure's (see [Erase]): the only change ever
	// made to a stored entry. A redaction of an entry the store does not
	// have refuses the whole write ([NoSuchEntry]), and nothing is stored.
	Redactions []Redaction
}

// Entry is one entry of a record's journal: a comment visible to the
// caller, or a work note for the people working on the record. Entries
// are appended, never rewritten, except by an erasure's redaction.
type Entry struct {
	// Seq numbers the record's entries 1, 2, 3...; the store assigns it
	// on append.
	Seq int `json:"seq"`
	// Version is the record's version that the change writing the entry
	// stored.
	Version int64 `json:"version"`
	// Kind says what the entry is: [EntryComment] or [EntryWorkNote].
	Kind string `json:"kind"`
	// Time is when it was written.
	Time time.Time `json:"time"`
	// Author is the ID of the actor who wrote it.
	Author string `json:"author"`
	// Text is what it says.
	Text string `json:"text"`
	// FromCaller marks a comment the caller made (for example an answer to
	// a hold awaiting the caller).
	FromCaller bool `json:"from_caller,omitempty"`
}

// Kinds of journal [Entry].
const (
	EntryComment  = "comment"   // visible to the caller
	EntryWorkNote = "work_note" // internal to the people working on it
)

// HistoryReader reads a record's history a page at a time: the records
// that its writes appended ([Write].History).
type HistoryReader interface {
	// History returns the history records of record id whose Seq is
	// above after, oldest first, at most limit of them
	// ([DefaultListLimit] when limit <= 0). A record with no history
	// beyond after gives an empty page; an unknown record is an error
	// matching ErrNotFound.
	History(ctx context.Context, id string, after, limit int) ([]Record, error)
}

// JournalReader reads a record's journal a page at a time, as
// [HistoryReader] does its history.
type JournalReader interface {
	// Journal returns the journal entries of record id whose Seq is above
	// after, oldest first, at most limit of them ([DefaultListLimit] when
	// limit <= 0); an unknown record is an error matching ErrNotFound.
	Journal(ctx context.Context, id string, after, limit int) ([]Entry, error)
}

// ReadAll reads every page of a record's history or journal through page
// (a HistoryReader's History or a JournalReader's Journal), oldest first.
func ReadAll[E interface{ Record | Entry }](ctx context.Context, id string, page func(ctx context.Context, id string, after, limit int) ([]E, error)) ([]E, error) {
	var all []E
	for {
		p, err := page(ctx, id, len(all), DefaultListLimit)
		if err != nil {
			return nil, err
		}
		all = append(all, p...)
		if len(p) < DefaultListLimit {
			return all, nil
		}
	}
}

// CheckAppend returns the *ValidationError that refuses to append history
// records to a history of stored records: their Seq must be stored+1,
// stored+2, ... It returns nil when they follow on.
func CheckAppend(stored int, history []Record) error {
	for i, r := range history {
		if want := stored + i + 1; r.Seq != want {
			return Invalid("history", "record %d of the write has seq %d where %d follows the stored history: history is appended, never rewritten", i, r.Seq, want)
		}
	}
	return nil
}

// A ReadSet is what a command's rules read of other records, so that a
// store can commit the command's write only if none of it has changed
// since: one compare-and-set over the whole set. Two concurrent operations
// whose rules read what the other writes can then never both commit (no
// write skew), and no write is ever repaired after the fact.
//
// Records are other records of the same store, at the versions seen; a
// record seen absent is version 0. A rule about records that may not exist
// yet (this parent has no children; no other change holds this
// configuration item in this window) cannot name them: it reads a guard
// instead, a named counter that every write that could break the rule
// bumps. A guard's version is 0 until a write first takes it; committing a
// write bumps every guard in its read set by one, so the writes that take
// one guard are serialized. Read a guard before the records and queries it
// protects: what they show is then at least as new as the guard.
//
// The zero ReadSet reads nothing.
type ReadSet struct {
	// Records are the records the rules read, with the versions seen.
	Records []Seen `json:"records,omitempty"`
	// Guards are the guards the rules took, with the versions seen.
	Guards []Seen `json:"guards,omitempty"`
}

// Seen is a record's ID or a guard's key at the version a rule saw.
type Seen struct {
	Key     string `json:"key"`
	Version int64  `json:"version"`
}

// Record adds the record id, seen at version, to the set. Seeing one
// record twice keeps the first version: a change to it after either read
// is a conflict.
func (r *ReadSet) Record(id string, version int64) {
	if !slices.ContainsFunc(r.Records, func(s Seen) bool { return s.Key == id }) {
		r.Records = append(r.Records, Seen{id, version})
	}
}

// Guard adds the guard key, seen at version, to the set.
func (r *ReadSet) Guard(key string, version int64) {
	if !slices.ContainsFunc(r.Guards, func(s Seen) bool { return s.Key == key }) {
		r.Guards = append(r.Guards, Seen{key, version})
	}
}

// TakeGuard reads the guard key from g and adds it to the set. Call it
// before reading what the guard protects.
func (r *ReadSet) TakeGuard(ctx context.Context, g GuardReader, key string) error {
	v, err := g.Guard(ctx, key)
	if err != nil {
		return err
	}
	r.Guard(key, v)
	return nil
}

// Empty reports whether the set reads nothing.
func (r ReadSet) Empty() bool { return len(r.Records) == 0 && len(r.Guards) == 0 }

// GuardReader reads guards; see [ReadSet].
type GuardReader interface {
	// Guard returns the version of the guard key: 0 for a guard no write
	// has taken yet.
	Guard(ctx context.Context, key string) (int64, error)
}

// Committer is the part of a process's Store that stores a [Write]. A
// store whose process has rules over records that may not exist (see
// [ReadSet]) also keeps guards: it is a [GuardReader] too, and its Commit
// checks and bumps them. A Committer that keeps no guards refuses a write
// whose read set has any, with an error, and stores nothing.
type Committer[T any] interface {
	// Commit stores w in one atomic step, or not at all. It writes only if
	//   - the stored version of w.Record is w.Expected (0: there is no
	//     such record yet); otherwise it returns an error matching
	//     ErrConflict, or ErrNotFound when Expected > 0 and there is no
	//     such record;
	//   - every record of w.Reads.Records is at the version seen (0: still
	//     absent), and every guard of w.Reads.Guards is at the version
	//     seen; otherwise it returns a *ConflictError with Read set
	//     ([ReadConflict] builds it), matching ErrConflict.
	// Then it stores the record, bumps every guard of w.Reads.Guards by
	// one and, if the store is an [Outbox], stores w.Events with them. Of
	// concurrent Commits whose checks overlap what another writes, at most
	// one succeeds for each version seen.
	Commit(ctx context.Context, w Write[T]) error
}

// ConflictError is the error of a write refused because something changed
// since it was read: the record written (Read false), or a record or guard
// of the write's read set (Read true). It matches [ErrConflict].
type ConflictError struct {
	Process  string // the process of the store, e.g. "incident"
	Key      string // the record's ID or the guard's key
	Expected int64  // the version the write expected
	Found    int64  // the version stored
	Read     bool   // Key is in the write's read set, not the record written
}

// Error renders "<process> <key>: expected version <n>, found <m>", with
// "read " before the key for a read-set conflict.
func (e *ConflictError) Error() string {
	what := ""
	if e.Read {
		what = "read "
	}
	return fmt.Sprintf("%s %s%s: expected version %d, found %d", e.Process, what, e.Key, e.Expected, e.Found)
}

// Is reports whether target is ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// ReadConflict returns the *ConflictError of a read set: key (a record ID
// or a guard key) was seen at expected and is now at found.
func ReadConflict(process, key string, expected, found int64) error {
	return &ConflictError{Process: process, Key: key, Expected: expected, Found: found, Read: true}
}

// IsReadConflict reports whether err is, or wraps, a conflict in a
// write's read set: the operation saw data that changed before it could
// commit, and running it again from a fresh read is correct.
func IsReadConflict(err error) bool {
	var ce *ConflictError
	return errors.As(err, &ce) && ce.Read
}

// Attempts is how many times the kernel runs an operation whose reads
// keep changing under it ([Retry]), and a follow-up that keeps meeting a
// concurrent writer, before it returns the last conflict.
const Attempts = 5

// Retry runs op until it returns anything but a read conflict
// ([IsReadConflict]), at most [Attempts] times, and returns op's last
// error. It stops early when ctx is done.
func Retry(ctx context.Context, op func() error) error {
	var err error
	for range Attempts {
		if err = op(); !IsReadConflict(err) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// Commit stores w through c and then notifies n of w.Events, unless c is
// an [Outbox], which stores the events with the record (n is then not
// called). A canceled ctx stops it before anything is written. On any
// error of Commit nothing was written and nothing is notified; a notifier
// failure comes back as a *NotifyError, with the write stored.
func Commit[T any](ctx context.Context, c Committer[T], n Notifier, w Write[T]) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	outbox := StoresEvents(c)
	events := w.Events
	if !outbox {
		w.Events = nil
	}
	if err := c.Commit(ctx, w); err != nil {
		return err
	}
	if outbox {
		return nil
	}
	return notify(ctx, n, events)
}
