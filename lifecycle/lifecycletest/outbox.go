package lifecycletest

import (
	"slices"
	"sync"

	"github.com/itsmkit/itsm/lifecycle"
)

// OutboxLog keeps the events of the writes a test store committed, as a
// transactional outbox keeps them with the change. A test store embeds
// one beside the store it wraps and passes each commit's error and events
// to [OutboxLog.Keep]; its StoresEvents method makes the store a
// lifecycle.Outbox, so that a service hands it the events instead of
// notifying. The zero value is ready; it is safe for concurrent use.
type OutboxLog struct {
	mu     sync.Mutex
	events []lifecycle.Notification
}

// Keep appends events, those of a write, when err, the error of the
// write's commit, is nil, and returns err: a refused write keeps nothing.
func (l *OutboxLog) Keep(err error, events []lifecycle.Notification) error {
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, events...)
	return nil
}

// Events returns a copy of the events kept, in commit order.
func (l *OutboxLog) Events() []lifecycle.Notification {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.events)
}

// StoresEvents reports that the store keeps the events of its writes.
func (*OutboxLog) StoresEvents() bool { return true }
