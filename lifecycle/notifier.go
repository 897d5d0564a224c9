package lifecycle

import (
	"context"
	"errors"
)

// Notifier receives the events of stored changes. Hosts implement it to send
// e-mail, chat messages or queue entries, or to drive other processes.
//
// Contract: Notify is called after the change is stored, never before, and
// never for a change that was not stored. A returned error is handed back to
// the caller of the operation, but the stored change stands: it is never
// rolled back. Implementations must be safe for concurrent use and should
// honour ctx. Events must not be modified.
type Notifier interface {
	// Notify hands over the events of one stored change, in order.
	Notify(ctx context.Context, events ...Notification) error
}

// NotifierFunc adapts a function to [Notifier].
type NotifierFunc func(ctx context.Context, events ...Notification) error

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, events ...Notification) error {
	return f(ctx, events...)
}

// Discard is a [Notifier] that drops every event. Services use it when their
// Config has no Notifier.
var Discard Notifier = discard{}

type discard struct{}

func (discard) Notify(context.Context, ...Notification) error { return nil }

// Fanout returns a Notifier that calls every one of ns in order, even when
// some fail, and returns their errors joined with [errors.Join]. Nil
// notifiers are skipped.
func Fanout(ns ...Notifier) Notifier {
	var keep []Notifier
	for _, n := range ns {
		if n != nil {
			keep = append(keep, n)
		}
	}
	return fanout(keep)
}

type fanout []Notifier

func (f fanout) Notify(ctx context.Context, events ...Notification) error {
	var errs []error
	for _, n := range f {
		if err := n.Notify(ctx, events...); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// NotifierOrDiscard returns n, or Discard when n is nil.
func NotifierOrDiscard(n Notifier) Notifier {
	if n == nil {
		return Discard
	}
	return n
}
