package lifecycle

import (
	"context"
	"reflect"
	"time"
)

// Operation is one operation of a [Kernel] as its interceptors see it: who
// changes which record of which process, and how.
type Operation struct {
	// Process names the process: "incident", "problem", ...
	Process string
	// Actor is who asked for the operation.
	Actor Actor
	// ID is the record's ID; for a create, known once the record is built.
	ID string
	// Event is the event of the change's history record ("resolve",
	// "open", "redact"). When the kernel knows the command's event up
	// front ([Kernel.UpdateEvent], [Kernel.CreateEvent]) it is set before
	// the command runs, so that a command that then fails still names
	// it; otherwise it is empty when the operation failed before its
	// command applied.
	Event string
	// Change is the history record the change appends: its event, the
	// state it leaves and the state it reaches, the changed fields with
	// their old and new values, and its note.
	Change Record
	// Before is the record as stored (its process's pointer type, such as
	// *incident.Incident), nil for a create. After is the record as the
	// change leaves it, not yet stored. Interceptors must not change
	// either.
	Before, After any
	// BeforeView and AfterView are Before and After in process-neutral
	// form (the zero Snapshot for a nil record).
	BeforeView, AfterView Snapshot
	// EventChecked reports whether the [EventChecker]s were asked about
	// Event before the command ran: always, in [EventChecker.CheckEvent];
	// in Check, when the kernel knew the command's event up front
	// ([Kernel.UpdateEvent], [Kernel.CreateEvent]) and the change kept
	// it. A check made then need not be made again.
	EventChecked bool
}

// Interceptor sees the operations of a [Kernel]: every command of every
// process, each creation and each erasure.
//
// Check is asked once the command has applied to the kernel's copy of
// the record, before anything is stored, on every run of the operation (a
// run again after a changed read set asks again, about the record as it
// then is). An error refuses the operation: nothing is stored, nothing is
// notified, and the caller gets the error, which should be a
// *[ForbiddenError] for a refusal of access.
//
// Done is told how every operation ended, with its duration, once it
// has: a refusal, a failure and a success alike, after the notification
// of a stored change. It serves observation (metrics, tracing, an audit
// of refusals); it cannot change the outcome.
type Interceptor interface {
	Check(ctx context.Context, op Operation) error
	Done(ctx context.Context, op Operation, err error, elapsed time.Duration)
}

// EventChecker is an [Interceptor] that also checks each operation
// before its command runs, when the kernel knows the command's event up
// front. CheckEvent gets the actor, the process, Event and the record as
// stored (Before and BeforeView; nothing for a create), with no Change
// and no After; it is asked before the command's own rules on every run
// of the operation, so that a refused actor gets its error rather than
// one that reveals the record's state (a state machine's, a
// validation's). An error refuses the operation as Check's does. An
// [AccessPolicy] is one.
type EventChecker interface {
	Interceptor
	CheckEvent(ctx context.Context, op Operation) error
}

// PolicyFunc is an [Interceptor] that only checks: an access policy. It
// returns nil to allow an operation, or an error (a *[ForbiddenError]) to
// refuse it.
type PolicyFunc func(ctx context.Context, op Operation) error

// Check calls f.
func (f PolicyFunc) Check(ctx context.Context, op Operation) error { return f(ctx, op) }

// Done does nothing.
func (PolicyFunc) Done(context.Context, Operation, error, time.Duration) {}

// ObserverFunc is an [Interceptor] that only observes: its Check allows
// everything, and Done calls the function.
type ObserverFunc func(ctx context.Context, op Operation, err error, elapsed time.Duration)

// Check allows the operation.
func (ObserverFunc) Check(context.Context, Operation) error { return nil }

// Done calls f.
func (f ObserverFunc) Done(ctx context.Context, op Operation, err error, elapsed time.Duration) {
	f(ctx, op, err, elapsed)
}

// viewer is a record with a process-neutral view.
type viewer interface{ Snapshot() Snapshot }

// view returns x's Snapshot, or the zero Snapshot when x has none (or is a
// nil pointer).
func view(x any) Snapshot {
	v, ok := x.(viewer)
	if !ok || reflect.ValueOf(x).Kind() == reflect.Pointer && reflect.ValueOf(x).IsNil() {
		return Snapshot{}
	}
	return v.Snapshot()
}
