package lifecycle

import (
	"context"
	"fmt"
)

// Outbox is an optional ability of a process's Store: storing a record and
// the events its change causes in one transaction (a transactional outbox).
// When a Store implements Outbox[T] for its record type T, services call it
// instead of Create/Update and do not call their Notifier: the host's relay
// delivers the stored events later, at least once, and the events' IDs let
// it deduplicate. A crash between the change and the delivery then delays
// notifications but never loses them.
type Outbox[T any] interface {
	// CreateWithEvents stores a new record and events atomically, with the
	// same contract as the Store's Create.
	CreateWithEvents(ctx context.Context, record T, events []Event) error
	// UpdateWithEvents stores record over version expected and events
	// atomically, with the same contract as the Store's Update.
	UpdateWithEvents(ctx context.Context, record T, expected int64, events []Event) error
}

// Creator is the part of a process's Store that [CommitCreate] needs.
type Creator[T any] interface {
	// Create stores a new record, with the contract of the process
	// Store's Create (an existing ID is an error matching ErrConflict).
	Create(ctx context.Context, record T) error
}

// Updater is the part of a process's Store that [CommitUpdate] needs.
type Updater[T any] interface {
	// Update stores record over the stored version expected, with the
	// contract of the process Store's Update (ErrNotFound, ErrConflict).
	Update(ctx context.Context, record T, expected int64) error
}

// NotifyError reports that a change was stored but the Notifier failed.
// The change stands (it is never rolled back); the operation's result is
// valid. Services return it wrapped, so errors.As finds it.
//
// NotifyError deliberately does not unwrap to the notifier's error: the
// sentinels keep their meaning that nothing was written (a notifier, or a
// reaction behind it, failing with ErrConflict or ErrNotFound must not make
// a stored change look like a conflict). Read the notifier's error from Err.
type NotifyError struct {
	// Err is the notifier's error.
	Err error
}

// Error renders "stored, but notification failed: <err>".
func (e *NotifyError) Error() string {
	return fmt.Sprintf("stored, but notification failed: %v", e.Err)
}

// CommitCreate stores a new record and then hands its events to n, the
// order every service follows. A canceled ctx stops it before anything is
// written. If store implements [Outbox], the events are stored with the
// record and n is not called. A notifier failure comes back as a
// *NotifyError: the record is stored regardless.
func CommitCreate[T any](ctx context.Context, store Creator[T], n Notifier, record T, events []Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ob, ok := store.(Outbox[T]); ok {
		return ob.CreateWithEvents(ctx, record, events)
	}
	if err := store.Create(ctx, record); err != nil {
		return err
	}
	return notify(ctx, n, events)
}

// CommitUpdate stores record over version expected and then hands its
// events to n; otherwise as [CommitCreate]. On ErrConflict or ErrNotFound
// nothing is written and nothing is notified.
func CommitUpdate[T any](ctx context.Context, store Updater[T], n Notifier, record T, expected int64, events []Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ob, ok := store.(Outbox[T]); ok {
		return ob.UpdateWithEvents(ctx, record, expected, events)
	}
	if err := store.Update(ctx, record, expected); err != nil {
		return err
	}
	return notify(ctx, n, events)
}

func notify(ctx context.Context, n Notifier, events []Event) error {
	if len(events) == 0 || n == nil {
		return nil
	}
	if ctx.Done() != nil {
		// The change is stored: its notifications must not be lost to a
		// cancellation that comes after it.
		ctx = context.WithoutCancel(ctx)
	}
	if err := n.Notify(ctx, events...); err != nil {
		return &NotifyError{Err: err}
	}
	return nil
}
