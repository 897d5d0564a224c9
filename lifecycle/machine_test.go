package lifecycle

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/looplab/fsm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type tState string
type tEvent string

type ticket struct{ ok bool }

func testDef() Definition[tState, tEvent, *ticket] {
	return Definition[tState, tEvent, *ticket]{
		Process: "ticket",
		Initial: "new",
		States:  []tState{"new", "open", "done", "dropped"},
		Events:  []tEvent{"start", "finish", "drop", "touch"},
		Transitions: []Transition[tState, tEvent, *ticket]{
			{Event: "start", From: []tState{"new"}, To: "open"},
			{Event: "touch", From: []tState{"open"}, To: "open"},
			{Event: "finish", From: []tState{"open"}, To: "done", Guard: func(t *ticket) error {
				if !t.ok {
					return Invalid("notes", "required")
				}
				return nil
			}},
			{Event: "drop", From: []tState{"new", "open"}, To: "dropped"},
		},
	}
}

func TestMachineFireAndAllowed(t *testing.T) {
	m := NewMachine(testDef())
	to, err := m.Fire("T-1", "new", "start", &ticket{})
	require.NoError(t, err)
	assert.Equal(t, tState("open"), to)

	assert.Equal(t, []tEvent{"drop", "finish", "touch"}, m.Allowed("open"))
	assert.Empty(t, m.Allowed("done"))
	assert.True(t, m.Final("done"))
	assert.False(t, m.Final("open"))

	// Self loop.
	to, err = m.Fire("T-1", "open", "touch", &ticket{})
	require.NoError(t, err)
	assert.Equal(t, tState("open"), to)
}

func TestMachineRefusalMessageAndErrors(t *testing.T) {
	m := NewMachine(testDef())
	_, err := m.Fire("T-42", "new", "finish", &ticket{ok: true})
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrInvalidTransition))
	assert.Equal(t, "ticket T-42: cannot finish from new (allowed: drop, start)", err.Error())
	var te *TransitionError
	require.True(t, errors.As(err, &te))
	assert.Equal(t, []string{"drop", "start"}, te.Allowed)

	_, err = m.Fire("T-42", "done", "drop", &ticket{})
	assert.Equal(t, "ticket T-42: cannot drop from done (final state: no events allowed)", err.Error())
	require.True(t, errors.As(err, &te))
	assert.False(t, te.UnknownState)

	// A state the machine does not know is not called final.
	_, err = m.Fire("T-42", "bogus", "drop", &ticket{})
	assert.True(t, errors.Is(err, ErrInvalidTransition))
	assert.Equal(t, `ticket T-42: cannot drop from bogus (unknown state: the ticket machine has no state "bogus")`, err.Error())
	require.True(t, errors.As(err, &te))
	assert.True(t, te.UnknownState)
	assert.Empty(t, te.Allowed)
	assert.False(t, m.Known("bogus"))
	assert.False(t, m.Final("bogus"))
	assert.True(t, m.Known("done"))

	// A guard's reason is reachable through errors.Is / errors.As.
	_, err = m.Fire("T-42", "open", "finish", &ticket{})
	assert.True(t, errors.Is(err, ErrInvalidTransition))
	assert.True(t, errors.Is(err, ErrValidation))
	var ve *ValidationError
	require.True(t, errors.As(err, &ve))
	assert.Equal(t, "notes", ve.Field)
	assert.Contains(t, err.Error(), "cannot finish from open: invalid notes: required")
}

func TestMachineAllowedIsACopy(t *testing.T) {
	m := NewMachine(testDef())
	a := m.Allowed("open")
	a[0] = "mutated"
	assert.Equal(t, []tEvent{"drop", "finish", "touch"}, m.Allowed("open"))
}

func TestMachineBadDefinitionsPanic(t *testing.T) {
	cases := map[string]struct {
		edit func(*Definition[tState, tEvent, *ticket])
		want string
	}{
		"unknown target": {func(d *Definition[tState, tEvent, *ticket]) { d.Transitions[0].To = "opne" }, `unknown target state "opne"`},
		"unknown source": {func(d *Definition[tState, tEvent, *ticket]) { d.Transitions[0].From = []tState{"nwe"} }, `unknown source state "nwe"`},
		"unknown event":  {func(d *Definition[tState, tEvent, *ticket]) { d.Transitions[0].Event = "strat" }, `unknown event "strat"`},
		"duplicate pair": {func(d *Definition[tState, tEvent, *ticket]) {
			d.Transitions = append(d.Transitions, Transition[tState, tEvent, *ticket]{Event: "start", From: []tState{"new"}, To: "done"})
		}, `event "start" from "new" is defined twice`},
		"unreachable":  {func(d *Definition[tState, tEvent, *ticket]) { d.States = append(d.States, "limbo") }, `state "limbo" is unreachable`},
		"unused event": {func(d *Definition[tState, tEvent, *ticket]) { d.Events = append(d.Events, "fly") }, `event "fly" has no transition`},
		"bad initial":  {func(d *Definition[tState, tEvent, *ticket]) { d.Initial = "nope" }, `initial state "nope"`},
		"dup state":    {func(d *Definition[tState, tEvent, *ticket]) { d.States = append(d.States, "new") }, `state "new" is empty or listed twice`},
		"no process":   {func(d *Definition[tState, tEvent, *ticket]) { d.Process = "" }, "process name is empty"},
		"no source":    {func(d *Definition[tState, tEvent, *ticket]) { d.Transitions[0].From = nil }, "no source state"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			d := testDef()
			d.Transitions = append([]Transition[tState, tEvent, *ticket](nil), d.Transitions...)
			c.edit(&d)
			defer func() {
				r := recover()
				require.NotNil(t, r, "NewMachine must panic")
				assert.Contains(t, r.(string), c.want)
				assert.True(t, strings.HasPrefix(r.(string), "lifecycle: bad "))
			}()
			NewMachine(d)
		})
	}
}

// TestMachineAgreesWithLooplab fires every event from every state on a fresh
// looplab FSM and on the compiled table.
func TestMachineAgreesWithLooplab(t *testing.T) {
	m := NewMachine(testDef())
	for _, s := range m.States() {
		for _, e := range m.Events() {
			f := fsm.NewFSM(string(s), m.looplabEvents(), nil)
			err := f.Event(context.Background(), string(e))
			to, ok := m.Target(s, e)
			if ok {
				assert.Equal(t, string(to), f.Current(), "%s from %s", e, s)
			} else {
				assert.Error(t, err)
				assert.Equal(t, string(s), f.Current())
			}
		}
	}
}

// TestCanceledContextNeverSticks shows why Fire takes no context: a looplab
// FSM fired with a canceled context is left in transition (looplab/fsm issue
// #115), whereas the machine keeps no state at all.
func TestCanceledContextNeverSticks(t *testing.T) {
	m := NewMachine(testDef())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := fsm.NewFSM("new", m.looplabEvents(), nil)
	_ = f.Event(ctx, "start")
	stuck := f.Event(context.Background(), "drop")
	t.Logf("looplab after a canceled event: state %q, next event error: %v", f.Current(), stuck)

	// The compiled machine has no per-call state: the same call works
	// whatever happened before.
	for range 3 {
		to, err := m.Fire("T-1", "new", "start", &ticket{})
		require.NoError(t, err)
		assert.Equal(t, tState("open"), to)
	}
}

func TestMermaid(t *testing.T) {
	m := NewMachine(testDef())
	want := `stateDiagram-v2
    [*] --> new
    new --> open : start
    new --> dropped : drop
    open --> open : touch
    open --> done : finish
    open --> dropped : drop
    done --> [*]
    dropped --> [*]
`
	assert.Equal(t, want, m.Mermaid())
}

func BenchmarkFire(b *testing.B) {
	m := NewMachine(testDef())
	tk := &ticket{ok: true}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Fire("T-1", "open", "finish", tk); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLooplabNewFSM measures what building a looplab FSM per command
// would cost: the reason Fire uses the compiled table instead.
func BenchmarkLooplabNewFSM(b *testing.B) {
	m := NewMachine(testDef())
	evs := m.looplabEvents()
	b.ReportAllocs()
	for b.Loop() {
		f := fsm.NewFSM("open", evs, nil)
		if err := f.Event(context.Background(), "finish"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLooplabEvent measures one event on a long-lived looplab FSM.
func BenchmarkLooplabEvent(b *testing.B) {
	m := NewMachine(testDef())
	f := fsm.NewFSM("open", m.looplabEvents(), nil)
	b.ReportAllocs()
	for b.Loop() {
		f.SetState("open")
		if err := f.Event(context.Background(), "finish"); err != nil {
			b.Fatal(err)
		}
	}
}
