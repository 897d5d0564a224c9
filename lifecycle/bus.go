package lifecycle

import (
	"context"
	"errors"
	"sync"
)

// Bus is a Notifier that hands every event to the notifiers subscribed to
// it, in subscription order, synchronously. It lets a host wire processes
// together without construction cycles: give every service the same Bus as
// its Notifier, build the services, then subscribe the reactions (the SLA
// engine, the reactors of the incident and problem packages, the host's own
// mailer).
//
// Delivery is synchronous and in-process: Notify returns after every
// subscriber has run, with their errors joined. A subscriber that fails does
// not stop the others, and never undoes the change that caused the event (it
// is already stored). Subscribers may call services that emit further events
// through the same Bus; keep reactions idempotent, since a host that relays
// from an outbox delivers at least once.
//
// The zero Bus is ready to use and drops events until something subscribes.
// It is safe for concurrent use.
type Bus struct {
	mu   sync.RWMutex
	subs []Notifier
}

var _ Notifier = (*Bus)(nil)

// Subscribe adds n to the bus. Nil is ignored.
func (b *Bus) Subscribe(n Notifier) {
	if n == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.subs = append(b.subs, n)
}

// Notify delivers events to every subscriber and joins their errors.
func (b *Bus) Notify(ctx context.Context, events ...Notification) error {
	b.mu.RLock()
	subs := b.subs
	b.mu.RUnlock()
	var errs []error
	for _, n := range subs {
		if err := n.Notify(ctx, events...); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
