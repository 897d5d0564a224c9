package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/looplab/fsm"
)

// Transition is one edge set of a [Definition]: Event moves a record from
// any state in From to To, provided Guard (if any) returns nil.
type Transition[S, E ~string, T any] struct {
	// Event is the event that fires the transition.
	Event E
	// From lists the states the event leaves from.
	From []S
	// To is the state the event leads to.
	To S
	// Guard refuses the transition by returning a reason. It must be pure:
	// no I/O, no mutation of the subject.
	Guard func(subject T) error
}

// Definition describes a state machine. Build it once, as a package-level
// value, with [NewMachine].
type Definition[S, E ~string, T any] struct {
	// Process names the machine in error messages: "incident",
	// "problem", ...
	Process string
	// Initial is the state new records start in.
	Initial S
	// States lists every state, in display order.
	States []S
	// Events lists every event.
	Events []E
	// Transitions are the edges; each (event, source state) pair may
	// appear only once.
	Transitions []Transition[S, E, T]
}

type edge[S, E ~string] struct {
	from S
	ev   E
}

// Machine is a checked, immutable state machine over states S, events E and
// subjects T (what guards inspect). It is safe for concurrent use.
//
// The machine is defined for and checked against github.com/looplab/fsm:
// NewMachine compiles the definition to looplab's events, builds a looplab
// FSM for every state and verifies that the compiled table answers every
// (state, event) pair exactly as looplab does. Fire then uses the compiled
// table, which costs a map lookup instead of constructing an FSM (see
// BenchmarkFire). Because Fire takes no context and does no I/O, a canceled
// context can never leave a machine half-way through a transition (the
// failure mode of looplab/fsm issue #115).
type Machine[S, E ~string, T any] struct {
	def     Definition[S, E, T]
	table   map[edge[S, E]]int // index into def.Transitions
	allowed map[S][]E
	names   map[S][]string
	final   map[S]bool
}

// NewMachine checks def and compiles it. It panics with a clear message if
// the definition is wrong: an empty or duplicate name, a transition naming an
// unknown state or event, an event with no transition, the same (event,
// source) pair twice, a state unreachable from Initial, or a disagreement with
// looplab/fsm. Definitions are package-level values, so the panic happens at
// program start, like a bad regexp.MustCompile.
func NewMachine[S, E ~string, T any](def Definition[S, E, T]) *Machine[S, E, T] {
	m, err := compile(def)
	if err != nil {
		panic("lifecycle: bad " + def.Process + " machine: " + err.Error())
	}
	return m
}

func compile[S, E ~string, T any](def Definition[S, E, T]) (*Machine[S, E, T], error) {
	// Keep a private copy, so that a caller changing its definition's
	// slices afterwards cannot change the checked machine.
	def.States = slices.Clone(def.States)
	def.Events = slices.Clone(def.Events)
	def.Transitions = slices.Clone(def.Transitions)
	for i := range def.Transitions {
		def.Transitions[i].From = slices.Clone(def.Transitions[i].From)
	}
	if def.Process == "" {
		return nil, errors.New("process name is empty")
	}
	states := map[S]bool{}
	for _, s := range def.States {
		if s == "" || states[s] {
			return nil, fmt.Errorf("state %q is empty or listed twice", s)
		}
		states[s] = true
	}
	events := map[E]bool{}
	for _, e := range def.Events {
		if e == "" || events[e] {
			return nil, fmt.Errorf("event %q is empty or listed twice", e)
		}
		events[e] = true
	}
	if !states[def.Initial] {
		return nil, fmt.Errorf("initial state %q is not a listed state", def.Initial)
	}
	m := &Machine[S, E, T]{
		def:     def,
		table:   map[edge[S, E]]int{},
		allowed: map[S][]E{},
		names:   map[S][]string{},
		final:   map[S]bool{},
	}
	used := map[E]bool{}
	for i, t := range def.Transitions {
		if !events[t.Event] {
			return nil, fmt.Errorf("transition %d: unknown event %q", i, t.Event)
		}
		if !states[t.To] {
			return nil, fmt.Errorf("event %q: unknown target state %q", t.Event, t.To)
		}
		if len(t.From) == 0 {
			return nil, fmt.Errorf("event %q: no source state", t.Event)
		}
		used[t.Event] = true
		for _, f := range t.From {
			if !states[f] {
				return nil, fmt.Errorf("event %q: unknown source state %q", t.Event, f)
			}
			k := edge[S, E]{f, t.Event}
			if _, dup := m.table[k]; dup {
				return nil, fmt.Errorf("event %q from %q is defined twice", t.Event, f)
			}
			m.table[k] = i
			m.allowed[f] = append(m.allowed[f], t.Event)
		}
	}
	for _, e := range def.Events {
		if !used[e] {
			return nil, fmt.Errorf("event %q has no transition", e)
		}
	}
	// Reachability from the initial state.
	seen := map[S]bool{def.Initial: true}
	queue := []S{def.Initial}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range m.allowed[s] {
			to := def.Transitions[m.table[edge[S, E]{s, e}]].To
			if !seen[to] {
				seen[to] = true
				queue = append(queue, to)
			}
		}
	}
	for _, s := range def.States {
		if !seen[s] {
			return nil, fmt.Errorf("state %q is unreachable from %q", s, def.Initial)
		}
		slices.Sort(m.allowed[s])
		m.allowed[s] = slices.Compact(m.allowed[s])
		names := make([]string, len(m.allowed[s]))
		for i, e := range m.allowed[s] {
			names[i] = string(e)
		}
		m.names[s] = names
		m.final[s] = len(names) == 0
	}
	if err := m.crossCheck(); err != nil {
		return nil, err
	}
	return m, nil
}

// looplabEvents renders the definition as looplab/fsm events.
func (m *Machine[S, E, T]) looplabEvents() fsm.Events {
	evs := make(fsm.Events, 0, len(m.def.Transitions))
	for _, t := range m.def.Transitions {
		src := make([]string, len(t.From))
		for i, f := range t.From {
			src[i] = string(f)
		}
		evs = append(evs, fsm.EventDesc{Name: string(t.Event), Src: src, Dst: string(t.To)})
	}
	return evs
}

// crossCheck fires every event from every state on a looplab FSM and checks
// that the compiled table gives the same answer.
func (m *Machine[S, E, T]) crossCheck() error {
	evs := m.looplabEvents()
	for _, s := range m.def.States {
		f := fsm.NewFSM(string(s), evs, nil)
		avail := f.AvailableTransitions()
		slices.Sort(avail)
		if !slices.Equal(avail, m.names[s]) {
			return fmt.Errorf("looplab/fsm allows %v from %q, compiled table %v", avail, s, m.names[s])
		}
		for _, e := range m.def.Events {
			f.SetState(string(s))
			err := f.Event(context.Background(), string(e))
			to, ok := m.Target(s, e)
			var noTransition fsm.NoTransitionError
			switch {
			case ok && errors.As(err, &noTransition) && to == s:
				// A self-loop: looplab reports NoTransitionError and stays.
			case ok && err == nil && f.Current() == string(to):
			case !ok && err != nil && f.Current() == string(s):
				var inv fsm.InvalidEventError
				if !errors.As(err, &inv) {
					return fmt.Errorf("looplab/fsm: %q from %q: unexpected error %v", e, s, err)
				}
			default:
				return fmt.Errorf("looplab/fsm: %q from %q gives (%q, %v), compiled table (%q, %v)", e, s, f.Current(), err, to, ok)
			}
		}
	}
	return nil
}

// Process returns the process name given in the definition.
func (m *Machine[S, E, T]) Process() string { return m.def.Process }

// Initial returns the state new records start in.
func (m *Machine[S, E, T]) Initial() S { return m.def.Initial }

// States returns every state, in the definition's order.
func (m *Machine[S, E, T]) States() []S { return slices.Clone(m.def.States) }

// Events returns every event, in the definition's order.
func (m *Machine[S, E, T]) Events() []E { return slices.Clone(m.def.Events) }

// Allowed returns the events the machine allows from state, sorted. Guards
// are not consulted. It is empty for a final state or an unknown one.
func (m *Machine[S, E, T]) Allowed(state S) []E { return slices.Clone(m.allowed[state]) }

// Known reports whether state is one of the machine's states.
func (m *Machine[S, E, T]) Known(state S) bool {
	_, ok := m.final[state]
	return ok
}

// Final reports whether state has no outgoing transition (false for an
// unknown state).
func (m *Machine[S, E, T]) Final(state S) bool { return m.final[state] }

// Target returns the state event leads to from state, and whether the pair
// is in the machine. Guards are not consulted.
func (m *Machine[S, E, T]) Target(state S, event E) (S, bool) {
	i, ok := m.table[edge[S, E]{state, event}]
	if !ok {
		return "", false
	}
	return m.def.Transitions[i].To, true
}

// Fire returns the state event leads to from state for subject, or a
// *TransitionError (matching [ErrInvalidTransition]) when the pair is not in
// the machine or its guard refuses. id names the subject in the error. Fire
// changes nothing: the caller applies the returned state.
func (m *Machine[S, E, T]) Fire(id string, state S, event E, subject T) (S, error) {
	i, ok := m.table[edge[S, E]{state, event}]
	if !ok {
		return "", m.refuse(id, state, event, nil)
	}
	t := &m.def.Transitions[i]
	if t.Guard != nil {
		if err := t.Guard(subject); err != nil {
			return "", m.refuse(id, state, event, err)
		}
	}
	return t.To, nil
}

// Check returns the error Fire would return, without computing a target.
func (m *Machine[S, E, T]) Check(id string, state S, event E, subject T) error {
	_, err := m.Fire(id, state, event, subject)
	return err
}

// Refuse returns the *TransitionError Fire returns when a guard refuses
// event from state with reason. Processes use it for rules checked outside
// the machine (for example against another record), so that every refusal
// looks the same.
func (m *Machine[S, E, T]) Refuse(id string, state S, event E, reason error) error {
	return m.refuse(id, state, event, reason)
}

func (m *Machine[S, E, T]) refuse(id string, state S, event E, reason error) error {
	return &TransitionError{
		Process: m.def.Process,
		Subject: id,
		From:    string(state),
		Event:   string(event),
		Allowed: slices.Clone(m.names[state]),
		Reason:  reason,
		// Every known state has an entry in final.
		UnknownState: !m.Known(state),
	}
}
