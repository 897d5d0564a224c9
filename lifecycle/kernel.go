package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"time"
)

// RecordStore is what the kernel needs of a process's Store: reading a
// record and committing a write.
type RecordStore[T any] interface {
	// Get returns a copy of the record id, or an error matching
	// ErrNotFound.
	Get(ctx context.Context, id string) (T, error)
	Committer[T]
}

// Kernel runs the operations of one process: it is written once, here, and
// every process's Service is a typed front over it. An operation on a
// record is
//
//   - load the record and check the version the caller pinned;
//   - apply the command to the loaded copy: its own rules, including those
//     that read other records, which record what they read in a ReadSet;
//   - store the result over the version loaded, with the read set, through
//     the outbox when the store is one, and only then notify;
//   - run it all again from a fresh read when the read set changed before
//     the commit ([Retry]); a conflict on the record itself goes back to
//     the caller, whose pinned version or whose view is stale.
//
// Follow-ups on other records (resolving a parent's children, settling a
// problem's incidents) run after the write, through [FollowUps].
//
// The zero Kernel is not usable: set Process, Store and Version. A Kernel
// holds no state between calls and is safe for concurrent use.
type Kernel[T any] struct {
	// Process names the process in errors: "incident", "problem", ...
	Process string
	// Store keeps the records.
	Store RecordStore[T]
	// Notifier receives the events of stored changes; nil discards them.
	Notifier Notifier
	// Version returns a record's version.
	Version func(T) int64
	// Detach, when set, splits a changed record into the record to store,
	// without history and journal, and the history records and journal
	// entries its change appends, for the [Write]. The store then never
	// reads nor rewrites earlier entries, and loading a record for a
	// command loads none: the record a command returns is the one stored,
	// without them, as a Get returns it. Nil stores the record whole.
	Detach func(x T) (record T, history []Record, journal []Entry)
	// State, when set with Finish, returns a record's state.
	State func(T) string
	// Finish, when set, records op on x as the process records a
	// command's change: it bumps x's version, sets its update time to
	// op.Now, appends op's history record ([Delta.Record]) and returns op's
	// notifications ([Delta.Notifications]). The kernel uses it for changes
	// of its own rather than a command's (an erasure, see [Kernel.Erase]).
	// Nil, or a nil State, offers no such change.
	Finish func(x T, op *Delta) []Notification
	// Replayed names the history fields the record's replay reads besides
	// its states (a change's type): an erasure keeps their values.
	Replayed []string

	// Interceptors see every operation, in order: each Check may refuse
	// it, and every Done is told its outcome (see [Interceptor]). They
	// need ID, Clone and Last.
	Interceptors []Interceptor
	// ID returns a record's ID.
	ID func(T) string
	// Clone returns a deep copy of a record: the interceptors' view of it
	// as stored.
	Clone func(T) T
	// Last returns the last history record a record holds: the one its
	// change appends.
	Last func(T) Record
}

// check asks the interceptors about op, the change of before (the zero T
// for a create) into x, filling in what op says of them.
func (k *Kernel[T]) check(ctx context.Context, op *Operation, before, x T, created bool) error {
	if len(k.Interceptors) == 0 {
		return nil
	}
	if err := k.hooks(); err != nil {
		return err
	}
	op.ID, op.Change = k.ID(x), k.Last(x)
	op.EventChecked = op.EventChecked && op.Event == op.Change.Event
	op.Event = op.Change.Event
	op.Before, op.BeforeView = nil, Snapshot{}
	if !created {
		op.Before, op.BeforeView = before, view(before)
	}
	op.After, op.AfterView = x, view(x)
	for _, i := range k.Interceptors {
		if err := i.Check(ctx, *op); err != nil {
			return err
		}
	}
	return nil
}

// checkEvent asks the interceptors that are [EventChecker]s whether op's
// actor may fire event on x, the record as stored (the zero T for a
// create), before the command runs.
func (k *Kernel[T]) checkEvent(ctx context.Context, op *Operation, event string, x T, created bool) error {
	if len(k.Interceptors) == 0 {
		return nil
	}
	if err := k.hooks(); err != nil {
		return err
	}
	op.Event, op.EventChecked, op.Change = event, true, Record{}
	op.Before, op.BeforeView, op.After, op.AfterView = nil, Snapshot{}, nil, Snapshot{}
	if !created {
		op.ID, op.Before, op.BeforeView = k.ID(x), x, view(x)
	}
	for _, i := range k.Interceptors {
		if c, ok := i.(EventChecker); ok {
			if err := c.CheckEvent(ctx, *op); err != nil {
				return err
			}
		}
	}
	return nil
}

// eventOf is the event that event names for x, or "" without one.
func eventOf[T any](event func(T) string, x T) string {
	if event == nil {
		return ""
	}
	return event(x)
}

// hooks refuses interceptors on a kernel without the record hooks they
// need.
func (k *Kernel[T]) hooks() error {
	if k.ID == nil || k.Clone == nil || k.Last == nil {
		return &ConfigError{Setting: "Kernel.Interceptors", Reason: "the " + k.Process + " kernel has no ID, Clone or Last"}
	}
	return nil
}

// done tells the interceptors how op, begun at start, ended.
func (k *Kernel[T]) done(ctx context.Context, op Operation, err error, start time.Time) {
	elapsed := time.Since(start)
	for _, i := range k.Interceptors {
		i.Done(ctx, op, err, elapsed)
	}
}

// copyOf is a copy of x for the interceptors, when there are any.
func (k *Kernel[T]) copyOf(x T) T {
	if len(k.Interceptors) == 0 || k.Clone == nil {
		var zero T
		return zero
	}
	return k.Clone(x)
}

// write is the Write of x, changed from version expected.
func (k *Kernel[T]) write(x T, expected int64, reads ReadSet, events []Notification) Write[T] {
	w := Write[T]{Record: x, Expected: expected, Reads: reads, Events: events}
	if k.Detach != nil {
		w.Record, w.History, w.Journal = k.Detach(x)
	}
	return w
}

// Step applies a command to x, the kernel's own copy of the stored record:
// it checks the command's rules, records in reads what they read of other
// records, changes x (its version included) and returns the events to
// emit. On error the kernel drops x: nothing is stored.
type Step[T any] func(ctx context.Context, x T, reads *ReadSet) ([]Notification, error)

// Update runs step on the record id and stores the result, as described on
// [Kernel]. pinned is the version the caller read the record at, or 0 for
// whatever is current. It returns the record as stored; on an error with
// the record (a *NotifyError) the change is stored.
func (k *Kernel[T]) Update(ctx context.Context, actor Actor, id string, pinned int64, step Step[T]) (T, error) {
	return k.update(ctx, actor, id, pinned, nil, nil, step)
}

// UpdateEvent is [Kernel.Update] for a step whose event is known before it
// runs: event names it from the record as stored ("" for none, asking
// nothing before the step). The interceptors that
// are [EventChecker]s are asked about that event before the step, so that
// an actor they refuse learns nothing of the record's state from the
// command's own errors.
func (k *Kernel[T]) UpdateEvent(ctx context.Context, actor Actor, id string, pinned int64, event func(T) string, step Step[T]) (T, error) {
	return k.update(ctx, actor, id, pinned, event, nil, step)
}

// Redact runs step, which appends the redaction's history record (see
// [Erase.Delta]), on the record id for actor, and stores it with
// redactions, the stored entries to blank in the same step, as
// [Kernel.Update] stores a change.
func (k *Kernel[T]) Redact(ctx context.Context, actor Actor, id string, pinned int64, redactions []Redaction, step Step[T]) (T, error) {
	return k.update(ctx, actor, id, pinned, nil, redactions, step)
}

// Erase runs cmd, an erasure by actor at now (see [Erase]), on record
// cmd.ID: it checks cmd, records it through Finish and stores the record
// with cmd's redactions, as [Kernel.Redact] does, with one [TypeRedacted]
// notification. A Kernel without Finish refuses it with a *ConfigError.
func (k *Kernel[T]) Erase(ctx context.Context, actor Actor, cmd Erase, now time.Time) (T, error) {
	var zero T
	if k.Finish == nil || k.State == nil {
		return zero, &ConfigError{Setting: "Kernel.Finish", Reason: "the " + k.Process + " process offers no erasure"}
	}
	if err := cmd.Check(actor); err != nil {
		return zero, err
	}
	entries := slices.Clone(cmd.Entries)
	for i := range entries {
		entries[i].Keep = k.Replayed
	}
	return k.update(ctx, actor, cmd.ID, cmd.Version, func(T) string { return EventRedact }, entries, func(_ context.Context, x T, _ *ReadSet) ([]Notification, error) {
		op := cmd.Delta(actor, now, k.State(x))
		return k.Finish(x, &op), nil
	})
}

func (k *Kernel[T]) update(ctx context.Context, actor Actor, id string, pinned int64, event func(T) string, redactions []Redaction, step Step[T]) (T, error) {
	var out T
	start, op := time.Now(), Operation{Process: k.Process, Actor: actor, ID: id}
	scope, err := k.Scope(ctx, actor)
	if err != nil {
		k.done(ctx, op, err, start)
		return out, err
	}
	err = Retry(ctx, func() error {
		x, err := k.Store.Get(ctx, id)
		if err == nil {
			x, err = Visible(scope, k.Process, id, x)
		}
		if err != nil {
			return err
		}
		expected := k.Version(x)
		if pinned != 0 && pinned != expected {
			return Conflict(k.Process, id, pinned, expected)
		}
		var reads ReadSet
		before := k.copyOf(x)
		op.EventChecked = false
		if e := eventOf(event, x); e != "" {
			if err := k.checkEvent(ctx, &op, e, before, false); err != nil {
				return err
			}
		}
		events, err := step(ctx, x, &reads)
		if err != nil {
			return err
		}
		if err := CheckLimits(x); err != nil {
			return err
		}
		if err := k.check(ctx, &op, before, x, false); err != nil {
			return err
		}
		w := k.write(x, expected, reads, events)
		w.Redactions = redactions
		err = Commit(ctx, k.Store, k.Notifier, w)
		if err == nil || IsNotifyError(err) {
			out = w.Record
		}
		return err
	})
	k.done(ctx, op, err, start)
	return out, err
}

// Create builds a new record with build, which checks its rules and
// records what they read, and stores it (Expected 0) with its events, as
// [Kernel.Update] does; a changed read set runs build again.
func (k *Kernel[T]) Create(ctx context.Context, actor Actor, build func(ctx context.Context, reads *ReadSet) (T, []Notification, error)) (T, error) {
	return k.CreateEvent(ctx, actor, "", build)
}

// CreateEvent is [Kernel.Create] for a creation whose event is known
// before build runs: the interceptors that are [EventChecker]s are asked
// about event, with no record, before build; "" asks them nothing.
func (k *Kernel[T]) CreateEvent(ctx context.Context, actor Actor, event string, build func(ctx context.Context, reads *ReadSet) (T, []Notification, error)) (T, error) {
	var out T
	start, op := time.Now(), Operation{Process: k.Process, Actor: actor}
	scope, err := k.Scope(ctx, actor)
	if err != nil {
		k.done(ctx, op, err, start)
		return out, err
	}
	err = Retry(ctx, func() error {
		var reads ReadSet
		var none T
		op.EventChecked = false
		if event != "" {
			if err := k.checkEvent(ctx, &op, event, none, true); err != nil {
				return err
			}
		}
		x, events, err := build(ctx, &reads)
		if err != nil {
			return err
		}
		if t := view(x).Tenant; scope.None || scope.Tenants != nil && !slices.Contains(scope.Tenants, t) {
			return &ForbiddenError{Actor: actor.ID, Action: "create " + k.Process + " in tenant " + strconv.Quote(t), Rule: "tenant", Reason: "the actor does not act in that tenant"}
		}
		if err := CheckLimits(x); err != nil {
			return err
		}
		if err := k.check(ctx, &op, none, x, true); err != nil {
			return err
		}
		w := k.write(x, 0, reads, events)
		err = Commit(ctx, k.Store, k.Notifier, w)
		if err == nil || IsNotifyError(err) {
			out = w.Record
		}
		return err
	})
	k.done(ctx, op, err, start)
	return out, err
}

// Settle runs op, a follow-up's or a reaction's change of a record, until
// its change is stored or it fails with anything but a conflict, at most
// [Attempts] times. op reads the record afresh on every run and holds no
// view of its own that a conflict could make stale, so that any conflict,
// on the record or in its read set, is met by running it again. op
// reports whether its change was stored: a stored change ends it,
// whatever error comes with it (a notifier's, a follow-up's).
func Settle(ctx context.Context, op func() (stored bool, err error)) error {
	var err error
	for range Attempts {
		var stored bool
		if stored, err = op(); stored || !errors.Is(err, ErrConflict) || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// Settled runs update, a command's change of a record, and returns the
// record as stored. A command that pins a version (pinned != 0) runs once:
// a conflict means the caller's view is stale, and goes back to it. An
// unpinned one applies to the record as it is when it is stored, run again
// on a conflict as [Settle] runs a follow-up: people working one record
// do not refuse each other's changes.
func Settled[T comparable](ctx context.Context, pinned int64, update func() (T, error)) (T, error) {
	if pinned != 0 {
		return update()
	}
	var out, none T
	err := Settle(ctx, func() (bool, error) {
		x, err := update()
		out = x
		return x != none, err
	})
	return out, err
}

// IsNotifyError reports whether err holds a *NotifyError: the change was
// stored, only its notification failed.
func IsNotifyError(err error) bool {
	var ne *NotifyError
	return errors.As(err, &ne)
}

// NilCommand returns a *ValidationError for field "command" when cmd is nil
// or a nil pointer (a typed nil such as (*incident.Assign)(nil)), and nil
// otherwise. Every Service checks its command with it before anything
// else, so that a typed nil is refused rather than dereferenced.
func NilCommand(cmd any) error {
	if cmd == nil {
		return Invalid("command", "is required")
	}
	if v := reflect.ValueOf(cmd); v.Kind() == reflect.Pointer && v.IsNil() {
		return Invalid("command", "is a nil %s", v.Type())
	}
	return nil
}

// FollowUpError reports that an operation's own change was stored but a
// follow-up change of another record failed: an open child not resolved
// with its parent, an incident not settled with its problem. Record names
// the record whose change was stored, Target, when set, the record the
// failed follow-up was for; Err holds the follow-ups' errors, joined. The
// stored change stands. Every process reports its follow-ups' failures
// with it.
type FollowUpError struct {
	Process string // the process of the record, e.g. "problem"
	Record  string // the record whose change was stored
	Target  string // the record the follow-up was for, when one is named
	Err     error  // the follow-ups' errors, joined
}

// Error renders "<process> <record> stored, but a follow-up failed:
// <err>", or with a Target "... but a follow-up on <target> failed: <err>".
func (e *FollowUpError) Error() string {
	if e.Target != "" {
		return fmt.Sprintf("%s %s stored, but a follow-up on %s failed: %v", e.Process, e.Record, e.Target, e.Err)
	}
	return fmt.Sprintf("%s %s stored, but a follow-up failed: %v", e.Process, e.Record, e.Err)
}

// Unwrap returns the follow-ups' errors.
func (e *FollowUpError) Unwrap() error { return e.Err }

// FollowUps runs the follow-ups of a stored change of record, with ctx's
// values but not its cancellation (the change is stored: what it implies
// must not be lost to a client that went away), and returns their errors
// joined in a *FollowUpError, or nil.
func FollowUps(ctx context.Context, process, record string, followUps ...func(ctx context.Context) error) error {
	ctx = context.WithoutCancel(ctx)
	var errs []error
	for _, f := range followUps {
		if err := f(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		return nil
	}
	return &FollowUpError{Process: process, Record: record, Err: errors.Join(errs...)}
}
