package lifecycletest

import (
	"context"
	"sync"

	"github.com/itsmkit/itsm/lifecycle"
)

// Recorder is a lifecycle.Notifier that remembers every event it is given,
// in order, for assertions. Set Err to make Notify fail (after recording).
// It is safe for concurrent use; the zero value is ready.
type Recorder struct {
	mu     sync.Mutex
	events []lifecycle.Notification
	// Err, when set, is returned by every Notify call.
	Err error
}

var _ lifecycle.Notifier = (*Recorder)(nil)

// Notify records deep copies of events and returns r.Err.
func (r *Recorder) Notify(_ context.Context, events ...lifecycle.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range events {
		r.events = append(r.events, e.Clone())
	}
	return r.Err
}

// Events returns a copy of every event recorded so far.
func (r *Recorder) Events() []lifecycle.Notification {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]lifecycle.Notification, len(r.events))
	for i, e := range r.events {
		out[i] = e.Clone()
	}
	return out
}

// Types returns the Type of every event recorded so far, in order.
func (r *Recorder) Types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.events))
	for i, e := range r.events {
		out[i] = e.Type
	}
	return out
}

// Reset forgets every recorded event.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = nil
}
