package lifecycle

import (
	"context"
	"fmt"
)

// Outbox is an optional ability of a process's Store: its Commit stores a
// Write's Events with the record, in the same transaction (a
// transactional outbox). [Commit] then hands the events to the store and
// does not call the Notifier: the host's relay delivers the stored events
// later, at least once, and the events' IDs let it deduplicate. A crash
// between the change and the delivery then delays notifications but never
// loses them.
type Outbox interface {
	// StoresEvents reports whether Commit stores w.Events with the
	// record. A store that wraps another answers for the one it wraps
	// (see [StoresEvents]).
	StoresEvents() bool
}

// StoresEvents reports whether store is an [Outbox] that stores events.
// Wrappers forward it: func (w wrapper) StoresEvents() bool { return
// lifecycle.StoresEvents(w.inner) }.
func StoresEvents(store any) bool {
	o, ok := store.(Outbox)
	return ok && o.StoresEvents()
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

func notify(ctx context.Context, n Notifier, events []Notification) error {
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
