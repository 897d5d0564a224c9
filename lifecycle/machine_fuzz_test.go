package lifecycle_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
)

type fzState string
type fzEvent string

// fzBytes hands out the fuzz input a byte at a time, then zeros.
type fzBytes []byte

func (b *fzBytes) next() int {
	if len(*b) == 0 {
		return 0
	}
	c := (*b)[0]
	*b = (*b)[1:]
	return int(c)
}

var errFzGuard = errors.New("guard says no")

// fzDefinition builds a machine definition from fuzz input. One input in
// four is built carelessly: a few states and events, named s0, s1... and
// e0, e1... but now and then empty, duplicated or named name, an initial
// state, and transitions whose event, sources and target are mostly known,
// sometimes not. The others are built carefully, so that most are valid:
// known names only, no (source, event) pair twice, every event used and
// every state reachable when the input allows. Some transitions get a
// guard that always refuses.
func fzDefinition(data []byte, name string) lifecycle.Definition[fzState, fzEvent, *int] {
	b := fzBytes(data)
	careless := b.next()%4 == 0
	def := lifecycle.Definition[fzState, fzEvent, *int]{Process: "fz"}
	if careless && b.next()%8 == 1 {
		def.Process = ""
	}
	label := func(prefix string, i int, first string) string {
		c := b.next() % 16
		switch {
		case c == 3:
			return name
		case careless && c == 1:
			return ""
		case careless && c == 2:
			return first // a duplicate, unless i == 0
		}
		return fmt.Sprintf("%s%d", prefix, i)
	}
	for i := range 1 + b.next()%5 {
		first := ""
		if i > 0 {
			first = string(def.States[0])
		}
		def.States = append(def.States, fzState(label("s", i, first)))
	}
	for i := range 1 + b.next()%4 {
		first := ""
		if i > 0 {
			first = string(def.Events[0])
		}
		def.Events = append(def.Events, fzEvent(label("e", i, first)))
	}
	n := len(def.States)
	if careless {
		n++ // the last index is an unknown state
	}
	state := func() fzState {
		i := b.next() % n
		if i == len(def.States) {
			return "unknown"
		}
		return def.States[i]
	}
	def.Initial = state()
	taken := map[fzEdge]bool{}
	add := func(ev fzEvent, from []fzState, to fzState) {
		t := lifecycle.Transition[fzState, fzEvent, *int]{Event: ev, From: from, To: to}
		if b.next()%4 == 1 {
			t.Guard = func(*int) error { return errFzGuard }
		}
		for _, f := range from {
			taken[fzEdge{f, ev}] = true
		}
		def.Transitions = append(def.Transitions, t)
	}
	if careless {
		for range b.next() % 9 {
			ev := fzEvent("unknown")
			if i := b.next() % (len(def.Events) + 1); i < len(def.Events) {
				ev = def.Events[i]
			}
			var from []fzState
			for range b.next() % 3 {
				from = append(from, state())
			}
			add(ev, from, state())
		}
		return def
	}
	// Careful: every event once or twice from free sources, then edges
	// into the states not yet reachable.
	for _, ev := range def.Events {
		for range 1 + b.next()%2 {
			var from []fzState
			for range 1 + b.next()%2 {
				if f := state(); !taken[fzEdge{f, ev}] && !slices.Contains(from, f) {
					from = append(from, f)
				}
			}
			if len(from) > 0 {
				add(ev, from, state())
			}
		}
	}
	for {
		reached := map[fzState]bool{def.Initial: true}
		for changed := true; changed; {
			changed = false
			for _, t := range def.Transitions {
				for _, f := range t.From {
					if reached[f] && !reached[t.To] {
						reached[t.To], changed = true, true
					}
				}
			}
		}
		i := slices.IndexFunc(def.States, func(s fzState) bool { return !reached[s] })
		if i < 0 {
			return def
		}
		added := false
		for _, from := range def.States {
			for _, ev := range def.Events {
				if reached[from] && !taken[fzEdge{from, ev}] && !added {
					add(ev, []fzState{from}, def.States[i])
					added = true
				}
			}
		}
		if !added {
			return def // every pair from the reached states is taken
		}
	}
}

type fzEdge struct {
	from fzState
	ev   fzEvent
}

// fzModel is the definition rules, written out independently of the
// package: it returns whether def is valid and, if so, its table.
func fzModel(def lifecycle.Definition[fzState, fzEvent, *int]) (map[fzEdge]int, bool) {
	if def.Process == "" {
		return nil, false
	}
	if slices.Contains(def.States, "") || len(slices.Compact(slices.Sorted(slices.Values(def.States)))) != len(def.States) {
		return nil, false
	}
	if slices.Contains(def.Events, "") || len(slices.Compact(slices.Sorted(slices.Values(def.Events)))) != len(def.Events) {
		return nil, false
	}
	if !slices.Contains(def.States, def.Initial) {
		return nil, false
	}
	table := map[fzEdge]int{}
	for i, t := range def.Transitions {
		if !slices.Contains(def.Events, t.Event) || !slices.Contains(def.States, t.To) || len(t.From) == 0 {
			return nil, false
		}
		for _, f := range t.From {
			if !slices.Contains(def.States, f) {
				return nil, false
			}
			if _, dup := table[fzEdge{f, t.Event}]; dup {
				return nil, false
			}
			table[fzEdge{f, t.Event}] = i
		}
	}
	for _, e := range def.Events {
		if !slices.ContainsFunc(def.Transitions, func(t lifecycle.Transition[fzState, fzEvent, *int]) bool { return t.Event == e }) {
			return nil, false
		}
	}
	reached := map[fzState]bool{def.Initial: true}
	for changed := true; changed; {
		changed = false
		for k, i := range table {
			if to := def.Transitions[i].To; reached[k.from] && !reached[to] {
				reached[to], changed = true, true
			}
		}
	}
	for _, s := range def.States {
		if !reached[s] {
			return nil, false
		}
	}
	return table, true
}

// FuzzDefinition builds machine definitions from fuzz input and checks
// NewMachine against an independent model of the definition rules: it
// panics, with a message starting "lifecycle: bad ", exactly when the
// model finds the definition wrong; otherwise the machine's Target,
// Allowed, Final and Fire agree with the model's table for every (state,
// event) pair (guards included), unknown states and events are refused,
// the machine renders, and it is immutable: changing the definition
// afterwards changes none of its answers.
func FuzzDefinition(f *testing.F) {
	f.Add([]byte{1}, "x")
	f.Add([]byte{2, 0, 4, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 1, 1, 0, 2, 1, 1, 3, 4, 0, 1, 0, 0, 2}, "s9")
	f.Add([]byte{3, 0, 2, 3, 0, 0, 1, 0, 1, 1, 1, 0}, "s0")
	f.Add([]byte{1, 3, 3, 0, 0, 2, 1, 0, 5, 1, 1, 2, 0, 0, 0, 1, 1, 1, 1, 2, 3, 1}, "[*] --> x")
	f.Add([]byte{0, 0, 3, 0, 0, 0, 0, 2, 0, 0, 0, 0, 4, 0, 1, 0, 1, 0, 1, 1, 1, 2, 0, 0, 1, 1, 1, 0, 2, 0}, "s9")
	f.Add([]byte{0, 1, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1}, "")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		def := fzDefinition(data, name)
		table, valid := fzModel(def)
		m, msg := fzBuild(def)
		if !valid {
			if m != nil {
				t.Fatalf("NewMachine accepted a definition the rules refuse: %+v", def)
			}
			if !strings.HasPrefix(msg, "lifecycle: bad ") {
				t.Fatalf("panic message %q does not start with %q", msg, "lifecycle: bad ")
			}
			return
		}
		if m == nil {
			t.Fatalf("NewMachine refused a valid definition (%s): %+v", msg, def)
		}
		check := func(when string) {
			if m.Initial() != def.Initial || m.Process() != def.Process {
				t.Fatalf("%s: initial %q process %q", when, m.Initial(), m.Process())
			}
			for _, s := range def.States {
				var want []fzEvent
				for _, e := range def.Events {
					i, ok := table[fzEdge{s, e}]
					to, got := m.Target(s, e)
					if ok != got || (ok && to != def.Transitions[i].To) {
						t.Fatalf("%s: Target(%q, %q) = %q, %v; the definition says %v", when, s, e, to, got, ok)
					}
					fired, err := m.Fire("X", s, e, nil)
					var te *lifecycle.TransitionError
					switch {
					case !ok:
						if !errors.As(err, &te) || !errors.Is(err, lifecycle.ErrInvalidTransition) || te.Reason != nil {
							t.Fatalf("%s: Fire(%q, %q) outside the machine = %q, %v", when, s, e, fired, err)
						}
					case def.Transitions[i].Guard != nil:
						if !errors.As(err, &te) || !errors.Is(err, errFzGuard) || !errors.Is(err, lifecycle.ErrInvalidTransition) {
							t.Fatalf("%s: Fire(%q, %q) through a refusing guard = %q, %v", when, s, e, fired, err)
						}
					default:
						if err != nil || fired != to {
							t.Fatalf("%s: Fire(%q, %q) = %q, %v; want %q", when, s, e, fired, err, to)
						}
					}
					if ok {
						want = append(want, e)
					}
				}
				slices.Sort(want)
				if got := m.Allowed(s); !slices.Equal(got, want) {
					t.Fatalf("%s: Allowed(%q) = %v, want %v", when, s, got, want)
				}
				if m.Final(s) != (len(want) == 0) {
					t.Fatalf("%s: Final(%q) = %v with allowed %v", when, s, m.Final(s), want)
				}
			}
			if !slices.Contains(def.States, "unknown") {
				if len(m.Allowed("unknown")) != 0 || m.Final("unknown") {
					t.Fatalf("%s: an unknown state has events or is final", when)
				}
			}
			for _, s := range def.States {
				if _, ok := m.Target(s, "unknown"); ok && !slices.Contains(def.Events, "unknown") {
					t.Fatalf("%s: an unknown event leads somewhere", when)
				}
			}
			if !strings.HasPrefix(m.Mermaid(), "stateDiagram-v2\n") {
				t.Fatalf("%s: Mermaid output %q", when, m.Mermaid())
			}
		}
		check("as built")
		diagram := m.Mermaid()

		// Immutability: scribble over every slice of the definition the
		// caller still holds; the machine must not notice.
		orig := fzCopy(def)
		for i := range def.States {
			def.States[i] = "scribbled"
		}
		for i := range def.Events {
			def.Events[i] = "scribbled"
		}
		for i := range def.Transitions {
			def.Transitions[i].To = "scribbled"
			for j := range def.Transitions[i].From {
				def.Transitions[i].From[j] = "scribbled"
			}
		}
		def = orig
		check("after the definition was changed")
		if m.Mermaid() != diagram {
			t.Fatalf("the diagram changed with the definition")
		}
		if !slices.Equal(m.States(), def.States) || !slices.Equal(m.Events(), def.Events) {
			t.Fatalf("States/Events changed with the definition: %v %v", m.States(), m.Events())
		}
	})
}

// fzBuild calls NewMachine and returns the machine, or the panic message.
func fzBuild(def lifecycle.Definition[fzState, fzEvent, *int]) (m *lifecycle.Machine[fzState, fzEvent, *int], msg string) {
	defer func() {
		if r := recover(); r != nil {
			m, msg = nil, fmt.Sprint(r)
		}
	}()
	return lifecycle.NewMachine(def), ""
}

// fzCopy deep-copies a definition.
func fzCopy(def lifecycle.Definition[fzState, fzEvent, *int]) lifecycle.Definition[fzState, fzEvent, *int] {
	c := def
	c.States = slices.Clone(def.States)
	c.Events = slices.Clone(def.Events)
	c.Transitions = slices.Clone(def.Transitions)
	for i := range c.Transitions {
		c.Transitions[i].From = slices.Clone(def.Transitions[i].From)
	}
	return c
}
