package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

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
	// Guard refuses the transition by returning a reason, or accepts it
	// with nil. It must be a pure check of subject: no I/O, no mutation of
	// the subject or of anything else, and the same answer for the same
	// subject. The machine relies on that: it runs the guard when the
	// event is fired, and also whenever another event from the same state
	// is refused, to tell whether this event belongs in the refusal's
	// [TransitionError.Allowed] (see [Machine.AllowedFor]). A guard may
	// therefore run for an event nobody fires, any number of times.
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

// Machine is a checked, immutable state machine over states S, events E and
// subjects T (what guards inspect). It is safe for concurrent use.
//
// Every transition runs on github.com/looplab/fsm: [Machine.Fire] builds a
// looplab FSM at the record's current state (the state lives in the
// record, not in the FSM) and fires the event on it, and each guard runs as
// the event's looplab "before_<event>" callback, which cancels the event
// with the guard's error. Building an FSM costs about a microsecond
// (BenchmarkFire), nothing next to a store's round trip. The machine keeps
// no transition table of its own: [Machine.Target] and [Machine.Allowed]
// ask looplab too.
//
// There are two lists of allowed events. [Machine.Allowed] is static: the
// events the definition has from a state, guards not consulted, the same
// for every record. [Machine.AllowedFor] is that list for one subject now:
// it leaves out the events whose guards refuse the subject. A refusal's
// [TransitionError.Allowed] is the second one, so that it never offers an
// event that would be refused too.
//
// Callbacks do no I/O and Fire takes no context, so a
// canceled context can never leave a machine half-way through a transition
// (the failure mode of looplab/fsm issue #115).
type Machine[S, E ~string, T any] struct {
	def       Definition[S, E, T]
	events    fsm.Events    // the definition as looplab's events
	callbacks fsm.Callbacks // "before_<event>" for each guarded event
	// at holds, for each state, the transitions leaving it and their
	// guards' callbacks: the FSM Fire builds at a state needs no others,
	// and building it from them alone keeps its cost to what the state
	// offers rather than the whole machine (see BenchmarkFire).
	at    map[S]atState
	final map[S]bool // every state, true for those without transitions
}

// NewMachine checks def and compiles it. It panics with a clear message if
// the definition is wrong: an empty or duplicate name, a transition naming an
// unknown state or event, an event with no transition, the same (event,
// source) pair twice, a state unreachable from Initial, or a callback key
// looplab/fsm would not recognise. Definitions are package-level values, so
// the panic happens at program start, like a bad regexp.MustCompile.
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
	m := &Machine[S, E, T]{def: def, callbacks: fsm.Callbacks{}, final: map[S]bool{}}
	type edge struct {
		from S
		ev   E
	}
	defined := map[edge]bool{}
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
		src := make([]string, len(t.From))
		for j, f := range t.From {
			if !states[f] {
				return nil, fmt.Errorf("event %q: unknown source state %q", t.Event, f)
			}
			if defined[edge{f, t.Event}] {
				return nil, fmt.Errorf("event %q from %q is defined twice", t.Event, f)
			}
			defined[edge{f, t.Event}] = true
			src[j] = string(f)
		}
		m.events = append(m.events, fsm.EventDesc{Name: string(t.Event), Src: src, Dst: string(t.To)})
		if t.Guard != nil {
			m.callbacks["before_"+string(t.Event)] = m.guardCallback
		}
	}
	for _, e := range def.Events {
		if !used[e] {
			return nil, fmt.Errorf("event %q has no transition", e)
		}
	}
	if err := checkCallbacks(m.callbacks, events); err != nil {
		return nil, err
	}
	m.at = make(map[S]atState, len(def.States))
	for _, s := range def.States {
		a := atState{callbacks: fsm.Callbacks{}}
		for _, d := range m.events {
			if slices.Contains(d.Src, string(s)) {
				a.events = append(a.events, fsm.EventDesc{Name: d.Name, Src: []string{string(s)}, Dst: d.Dst})
				if cb, ok := m.callbacks["before_"+d.Name]; ok {
					a.callbacks["before_"+d.Name] = cb
				}
			}
		}
		m.at[s] = a
	}
	for _, s := range def.States {
		m.final[s] = len(m.Allowed(s)) == 0
	}
	// Reachability from the initial state.
	seen := map[S]bool{def.Initial: true}
	queue := []S{def.Initial}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range m.Allowed(s) {
			if to, _ := m.Target(s, e); !seen[to] {
				seen[to] = true
				queue = append(queue, to)
			}
		}
	}
	for _, s := range def.States {
		if !seen[s] {
			return nil, fmt.Errorf("state %q is unreachable from %q", s, def.Initial)
		}
	}
	return m, nil
}

// checkCallbacks checks that every key of callbacks is "before_" and an
// event of the machine. looplab/fsm silently ignores a key that names
// neither an event nor a state, which would drop a guard without a word.
func checkCallbacks[E ~string](callbacks fsm.Callbacks, events map[E]bool) error {
	for key := range callbacks {
		name, ok := strings.CutPrefix(key, "before_")
		if !ok || !events[E(name)] {
			return fmt.Errorf("callback %q names no event of the machine", key)
		}
	}
	return nil
}

// guardCallback is the looplab "before_<event>" callback of every guarded
// event: it runs the guard of the transition the event takes from its
// source state, on the subject passed to Event, and cancels the event with
// the guard's error.
func (m *Machine[S, E, T]) guardCallback(_ context.Context, e *fsm.Event) {
	var subject T
	if len(e.Args) > 0 {
		subject, _ = e.Args[0].(T)
	}
	if err := m.guard(S(e.Src), E(e.Event), subject); err != nil {
		e.Cancel(err)
	}
}

// guard runs the guard of event's transition from state, if it has one.
func (m *Machine[S, E, T]) guard(state S, event E, subject T) error {
	for i := range m.def.Transitions {
		t := &m.def.Transitions[i]
		if t.Event == event && t.Guard != nil && slices.Contains(t.From, state) {
			return t.Guard(subject)
		}
	}
	return nil
}

// fsmAt returns a looplab FSM standing at state; with guards, it carries
// the guard callbacks.
// An unknown state gets the whole machine, in which it has no transition.
func (m *Machine[S, E, T]) fsmAt(state S, guards bool) *fsm.FSM {
	events, callbacks := m.events, m.callbacks
	if a, ok := m.at[state]; ok {
		events, callbacks = a.events, a.callbacks
	}
	if !guards {
		callbacks = nil
	}
	return fsm.NewFSM(string(state), events, callbacks)
}

// atState is what a looplab FSM standing at one state is built from.
type atState struct {
	events    []fsm.EventDesc
	callbacks fsm.Callbacks
}

// Process returns the process name given in the definition.
func (m *Machine[S, E, T]) Process() string { return m.def.Process }

// Initial returns the state new records start in.
func (m *Machine[S, E, T]) Initial() S { return m.def.Initial }

// States returns every state, in the definition's order.
func (m *Machine[S, E, T]) States() []S { return slices.Clone(m.def.States) }

// Events returns every event, in the definition's order.
func (m *Machine[S, E, T]) Events() []E { return slices.Clone(m.def.Events) }

// Allowed returns the events the machine has from state, sorted: the
// static list, the same for every record, for diagrams, documentation and
// event pickers. Guards are not consulted; [Machine.AllowedFor] consults
// them. It is empty for a final state or an unknown one.
func (m *Machine[S, E, T]) Allowed(state S) []E {
	names := m.fsmAt(state, false).AvailableTransitions()
	if len(names) == 0 {
		return nil
	}
	slices.Sort(names)
	out := make([]E, len(names))
	for i, n := range names {
		out[i] = E(n)
	}
	return out
}

// AllowedFor returns the events from state whose guards accept subject
// now, sorted: [Machine.Allowed] less every event whose guard refuses
// subject. An event without a guard is always in it. Each guard runs on
// subject as it stands, exactly as when the event is fired (see
// [Machine.Fire]), so an event whose guard wants input its own command
// brings (an assignment group the command sets first, say) is left out
// until the subject has it. Guards are pure, so asking changes nothing.
// It is empty for a final state or an unknown one. Refusals list it as
// their [TransitionError.Allowed].
func (m *Machine[S, E, T]) AllowedFor(state S, subject T) []E {
	var out []E
	for _, e := range m.Allowed(state) {
		if m.guard(state, e, subject) == nil {
			out = append(out, e)
		}
	}
	return out
}

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
	f := m.fsmAt(state, false)
	if !f.Can(string(event)) {
		return "", false
	}
	err := f.Event(context.Background(), string(event))
	var same fsm.NoTransitionError
	if err != nil && !errors.As(err, &same) {
		return "", false
	}
	return S(f.Current()), true
}

// Fire fires event on a looplab FSM at state, running the event's guard on
// subject, and returns the state it leads to, or a *TransitionError
// (matching [ErrInvalidTransition]) when the machine has no such event from
// state or the guard refuses. id names the subject in the error; the
// error's Allowed is what [Machine.AllowedFor] returns for state and
// subject. Fire changes nothing: the caller applies the returned state.
func (m *Machine[S, E, T]) Fire(id string, state S, event E, subject T) (S, error) {
	f := m.fsmAt(state, true)
	err := f.Event(context.Background(), string(event), subject)
	var (
		same     fsm.NoTransitionError
		canceled fsm.CanceledError
	)
	switch {
	case err == nil:
		return S(f.Current()), nil
	case errors.As(err, &same) && same.Err == nil:
		return state, nil // a self-loop: looplab stays and says so
	case errors.As(err, &canceled):
		return "", m.refuse(id, state, event, canceled.Err, m.AllowedFor(state, subject))
	default: // looplab's InvalidEventError or UnknownEventError
		return "", m.refuse(id, state, event, nil, m.AllowedFor(state, subject))
	}
}

// Check returns the error Fire would return, without computing a target.
func (m *Machine[S, E, T]) Check(id string, state S, event E, subject T) error {
	_, err := m.Fire(id, state, event, subject)
	return err
}

// RefuseFor returns the *TransitionError Fire returns when a guard refuses
// event from state with reason: its Allowed is what [Machine.AllowedFor]
// returns for state and subject, less event itself. Processes use it for
// rules checked outside the machine (for example against another record),
// so that every refusal looks the same.
func (m *Machine[S, E, T]) RefuseFor(id string, state S, event E, subject T, reason error) error {
	return m.refuse(id, state, event, reason, m.AllowedFor(state, subject))
}

// Refuse is [Machine.RefuseFor] for a caller without a subject: with none
// to run the guards on, its Allowed is the static [Machine.Allowed] list,
// less event itself. Prefer RefuseFor whenever the subject is at hand.
func (m *Machine[S, E, T]) Refuse(id string, state S, event E, reason error) error {
	return m.refuse(id, state, event, reason, m.Allowed(state))
}

// refuse builds a *TransitionError for event refused from state, listing
// allowed less event: a refused event is never offered in its own refusal
// (when its guard refuses, allowed has already left it out; when a rule
// outside the machine refuses it, its guard may accept).
func (m *Machine[S, E, T]) refuse(id string, state S, event E, reason error, allowed []E) error {
	names := []string{}
	for _, e := range allowed {
		if e != event {
			names = append(names, string(e))
		}
	}
	return &TransitionError{
		Process: m.def.Process,
		Subject: id,
		From:    string(state),
		Event:   string(event),
		Allowed: names,
		Reason:  reason,
		// Every known state has an entry in final.
		UnknownState: !m.Known(state),
		Final:        m.Final(state),
	}
}
