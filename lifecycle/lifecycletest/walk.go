package lifecycletest

import (
	"fmt"

	"github.com/itsmkit/itsm/lifecycle"
)

// Walker builds the histories of fixtures through a process's machine as
// its package exports it, so that every record of a fixture's history is
// one the machine could have written: a store that decodes records with
// their history replays it ([lifecycle.Replay]) and refuses any other.
// Guards are not run, as a replay does not run them: a fixture's data need
// not satisfy them.
type Walker[S, E ~string] struct {
	// Allowed returns the events the machine has from a state, sorted:
	// incident.Allowed, problem.Allowed, or change.Allowed bound to a
	// type.
	Allowed func(S) []E
	// Target returns the state an event leads to from a state, and
	// whether the machine has the pair: incident.Target, problem.Target,
	// or change.Target bound to a type.
	Target func(S, E) (S, bool)
}

// Path returns the events of a shortest path through the machine from
// state from to state to, none when they are the same. Of paths equally
// short it takes the one whose events come first in Allowed's order, so
// the path is the same on every call. It is an error when to cannot be
// reached from from.
func (w Walker[S, E]) Path(from, to S) ([]E, error) {
	type step struct {
		prev  S
		event E
	}
	came := map[S]step{from: {}}
	queue := []S{from}
	for len(queue) > 0 && queue[0] != to {
		at := queue[0]
		queue = queue[1:]
		for _, e := range w.Allowed(at) {
			next, ok := w.Target(at, e)
			if _, seen := came[next]; !ok || seen {
				continue
			}
			came[next] = step{prev: at, event: e}
			queue = append(queue, next)
		}
	}
	if _, ok := came[to]; !ok {
		return nil, fmt.Errorf("lifecycletest: no path from %q to %q", string(from), string(to))
	}
	var path []E
	for at := to; at != from; at = came[at].prev {
		path = append([]E{came[at].event}, path...)
	}
	return path, nil
}

// Fire returns h, a history of at least one record, with one record per
// event appended: each a copy of r (its time, actor, changes, note), with
// the next Seq, the event, From the state the record before ends in and To
// the state the event leads to. It is an error, and h is returned as it
// was, when h is empty or the machine has an event not from the state it
// is fired in.
func (w Walker[S, E]) Fire(h []lifecycle.Record, r lifecycle.Record, events ...E) ([]lifecycle.Record, error) {
	if len(h) == 0 {
		return h, fmt.Errorf("lifecycletest: no record to fire %v after: a history starts with its creation", events)
	}
	out := lifecycle.CloneHistory(h)
	for _, e := range events {
		from := S(out[len(out)-1].To)
		to, ok := w.Target(from, e)
		if !ok {
			return h, fmt.Errorf("lifecycletest: the machine has no %q from %q (allowed: %v)", string(e), string(from), w.Allowed(from))
		}
		n := r
		n.Changes = append([]lifecycle.FieldChange(nil), r.Changes...)
		n.Seq, n.Event, n.From, n.To = len(out)+1, string(e), string(from), string(to)
		out = append(out, n)
	}
	return out, nil
}

// To returns h with the records of a shortest path ([Walker.Path]) from
// the state h ends in to state appended, as [Walker.Fire] appends them.
func (w Walker[S, E]) To(h []lifecycle.Record, r lifecycle.Record, state S) ([]lifecycle.Record, error) {
	if len(h) == 0 {
		return h, fmt.Errorf("lifecycletest: no record to walk to %q from: a history starts with its creation", string(state))
	}
	path, err := w.Path(S(h[len(h)-1].To), state)
	if err != nil {
		return h, err
	}
	return w.Fire(h, r, path...)
}
