package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
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

// looplabAgrees fires every event (and an unknown one) from every state
// (and an unknown one) of def on a fresh looplab FSM, built from def's
// transitions here rather than by the Machine, and checks that m answers
// each pair as looplab does: the same target, no pair where looplab
// refuses, and the same sorted list of available events.
func looplabAgrees[S, E ~string, T any](t *testing.T, def Definition[S, E, T], m *Machine[S, E, T]) {
	t.Helper()
	var evs fsm.Events
	for _, tr := range def.Transitions {
		var src []string
		for _, f := range tr.From {
			src = append(src, string(f))
		}
		evs = append(evs, fsm.EventDesc{Name: string(tr.Event), Src: src, Dst: string(tr.To)})
	}
	states := append(slices.Clone(def.States), "no-such-state")
	events := append(slices.Clone(def.Events), "no-such-event")
	pairs := 0
	for _, s := range states {
		avail := fsm.NewFSM(string(s), evs, nil).AvailableTransitions()
		slices.Sort(avail)
		var allowed []string
		for _, e := range m.Allowed(s) {
			allowed = append(allowed, string(e))
		}
		assert.Equal(t, avail, allowed, "%s: events allowed from %q", def.Process, s)
		for _, e := range events {
			f := fsm.NewFSM(string(s), evs, nil)
			err := f.Event(context.Background(), string(e))
			to, ok := m.Target(s, e)
			var noTransition fsm.NoTransitionError
			switch {
			case ok && to == s:
				assert.ErrorAs(t, err, &noTransition, "%s: self-loop %q from %q", def.Process, e, s)
				pairs++
			case ok:
				require.NoError(t, err, "%s: looplab refuses %q from %q, the table allows it", def.Process, e, s)
				assert.Equal(t, string(to), f.Current(), "%s: %q from %q", def.Process, e, s)
				pairs++
			default:
				assert.Error(t, err, "%s: looplab allows %q from %q, the table does not", def.Process, e, s)
				assert.Equal(t, string(s), f.Current(), "%s: a refused %q moved looplab from %q", def.Process, e, s)
			}
		}
	}
	edges := 0
	for _, tr := range def.Transitions {
		edges += len(tr.From)
	}
	assert.Equal(t, edges, pairs, "%s: every edge of the definition is found", def.Process)
}

// TestMachineAgreesWithLooplab checks the compiled table against looplab
// for the test definition and for every machine the package itself runs:
// the service machine and the improvement machine.
func TestMachineAgreesWithLooplab(t *testing.T) {
	t.Run("ticket", func(t *testing.T) { looplabAgrees(t, testDef(), NewMachine(testDef())) })
	t.Run("service", func(t *testing.T) { looplabAgrees(t, serviceDefinition(), serviceMachine) })
	t.Run("improvement", func(t *testing.T) { looplabAgrees(t, improvementMachine.def, improvementMachine) })
}

// TestCallbackKeysAreChecked: a callback key looplab would ignore (a
// typo, a state's name, another prefix) is refused, so that no guard can
// be dropped silently.
func TestCallbackKeysAreChecked(t *testing.T) {
	events := map[tEvent]bool{"start": true, "finish": true}
	noop := func(context.Context, *fsm.Event) {}
	assert.NoError(t, checkCallbacks(fsm.Callbacks{"before_start": noop, "before_finish": noop}, events))
	for _, key := range []string{"before_strat", "start", "after_start", "enter_open", "before_"} {
		assert.Error(t, checkCallbacks(fsm.Callbacks{key: noop}, events), key)
	}
	m := NewMachine(testDef())
	assert.NotEmpty(t, m.callbacks, "the test machine has guards")
	assert.NoError(t, checkCallbacks(m.callbacks, map[tEvent]bool{"start": true, "finish": true, "drop": true, "touch": true}))
}

// TestGuardsRunAsLooplabCallbacks: Fire's refusal by a guard comes from
// looplab's canceled event and carries the guard's reason.
func TestGuardsRunAsLooplabCallbacks(t *testing.T) {
	m := NewMachine(testDef())
	_, err := m.Fire("T-1", "open", "finish", &ticket{ok: false})
	var te *TransitionError
	require.ErrorAs(t, err, &te)
	require.Error(t, te.Reason, "the guard's reason")
	assert.Equal(t, []string{"drop", "touch"}, te.Allowed,
		"finish is left out: its guard refuses this ticket (no notes)")
	to, err := m.Fire("T-1", "open", "finish", &ticket{ok: true})
	require.NoError(t, err)
	assert.Equal(t, tState("done"), to)
	_, err = m.Fire("T-1", "done", "finish", &ticket{ok: true})
	require.ErrorAs(t, err, &te)
	assert.Nil(t, te.Reason, "no such event from done: no guard ran")
	assert.Empty(t, te.Allowed)
}

// TestRefusalAllowedLeavesOutRefusingGuards: a TransitionError's Allowed
// lists only the events from the state whose guards accept the same
// subject now. From open, finish is guarded (it needs notes): a refusal
// for a ticket without notes leaves it out, one for a ticket with notes
// lists it. Allowed, the static list, keeps it either way.
func TestRefusalAllowedLeavesOutRefusingGuards(t *testing.T) {
	m := NewMachine(testDef())
	cases := []struct {
		name   string
		ticket *ticket
		want   []string
	}{
		{"guard refuses", &ticket{ok: false}, []string{"drop", "touch"}},
		{"guard accepts", &ticket{ok: true}, []string{"drop", "finish", "touch"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := *c.ticket
			// start is not an event from open: no guard of its own ran.
			_, err := m.Fire("T-1", "open", "start", c.ticket)
			var te *TransitionError
			require.ErrorAs(t, err, &te)
			assert.Nil(t, te.Reason)
			assert.Equal(t, c.want, te.Allowed)
			assert.Equal(t, "ticket T-1: cannot start from open (allowed: "+strings.Join(c.want, ", ")+")", err.Error())

			var now []string
			for _, e := range m.AllowedFor("open", c.ticket) {
				now = append(now, string(e))
			}
			assert.Equal(t, c.want, now, "AllowedFor is the refusal's list")
			assert.Equal(t, []tEvent{"drop", "finish", "touch"}, m.Allowed("open"), "the static list consults no guard")
			assert.Equal(t, before, *c.ticket, "asking runs pure guards only")
		})
	}

	// A guard-free state answers the static list; a final or unknown one
	// answers nothing.
	assert.Equal(t, m.Allowed("new"), m.AllowedFor("new", &ticket{}))
	assert.Empty(t, m.AllowedFor("done", &ticket{ok: true}))
	assert.Empty(t, m.AllowedFor("bogus", &ticket{ok: true}))
}

// allowedForAgreesWithFire checks, for every state of m (and an unknown
// one), every event and every subject, that the event is in AllowedFor
// exactly when Fire accepts it.
func allowedForAgreesWithFire[S, E ~string, T any](t *testing.T, m *Machine[S, E, T], subjects ...T) {
	t.Helper()
	for _, s := range append(m.States(), "bogus") {
		for i, subject := range subjects {
			now := m.AllowedFor(s, subject)
			for _, e := range m.Events() {
				_, err := m.Fire("X-1", s, e, subject)
				assert.Equal(t, err == nil, slices.Contains(now, e), "%s: %s from %s with subject %d: %v", m.Process(), e, s, i, err)
			}
		}
	}
}

// TestAllowedForAgreesWithFire: with subjects that pass and fail each
// guard, AllowedFor lists exactly the events Fire accepts, for the test
// machine and for the machines the package runs.
func TestAllowedForAgreesWithFire(t *testing.T) {
	allowedForAgreesWithFire(t, NewMachine(testDef()), &ticket{ok: false}, &ticket{ok: true})
	allowedForAgreesWithFire(t, improvementMachine, &Improvement{}, &Improvement{Result: "12m"})
	sla := []AgreementLink{{ID: "SLA-1", Kind: AgreementSLA}}
	owner := Actor{ID: "alice"}
	stranger := Actor{ID: "bob"}
	allowedForAgreesWithFire(t, serviceMachine,
		&serviceCheck{svc: &ITService{}, actor: stranger},
		&serviceCheck{svc: &ITService{Owner: "alice"}, actor: owner},
		&serviceCheck{svc: &ITService{Owner: "alice", Agreements: sla}, actor: owner},
		&serviceCheck{svc: &ITService{Owner: "alice", Agreements: sla}, actor: stranger},
		&serviceCheck{svc: &ITService{Owner: "alice", Agreements: sla}, actor: owner, work: ServiceWork{OpenIncidents: 1}},
	)
}

// TestRefuseForAndRefuse: a refusal by a rule outside the machine never
// offers the refused event. RefuseFor consults the guards on the subject;
// Refuse, without one, lists the static events.
func TestRefuseForAndRefuse(t *testing.T) {
	m := NewMachine(testDef())
	reason := errors.New("held by another record")
	var te *TransitionError

	err := m.RefuseFor("T-1", "open", "drop", &ticket{ok: false}, reason)
	require.ErrorAs(t, err, &te)
	assert.ErrorIs(t, err, ErrInvalidTransition)
	assert.ErrorIs(t, err, reason)
	assert.Equal(t, []string{"touch"}, te.Allowed,
		"drop is the refused event; finish's guard refuses a ticket without notes")

	err = m.RefuseFor("T-1", "open", "drop", &ticket{ok: true}, reason)
	require.ErrorAs(t, err, &te)
	assert.Equal(t, []string{"finish", "touch"}, te.Allowed, "drop is the refused event")

	err = m.Refuse("T-1", "open", "drop", reason)
	require.ErrorAs(t, err, &te)
	assert.Equal(t, []string{"finish", "touch"}, te.Allowed,
		"without a subject no guard runs; drop is the refused event")
	assert.Equal(t, "ticket T-1: cannot drop from open: held by another record", err.Error())

	err = m.RefuseFor("T-1", "bogus", "drop", &ticket{ok: true}, reason)
	require.ErrorAs(t, err, &te)
	assert.True(t, te.UnknownState)
	assert.Empty(t, te.Allowed)
}

// TestCanceledContextLeavesNothingHalfDone: a canceled context stops an
// operation before anything is written, so nothing is half-done (no record
// stored without its notification, no notification without its record, no
// machine left in transition: Fire takes no context and keeps no state,
// unlike a looplab FSM, see looplab/fsm issue #115), and the next command
// with a live context succeeds. A cancellation that comes after the store
// succeeded does not lose the notification.
func TestCanceledContextLeavesNothingHalfDone(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	live := context.Background()
	evs := []Notification{{ID: "t/r/1/0"}}

	t.Run("Commit", func(t *testing.T) {
		for _, outbox := range []bool{false, true} {
			var notified []Notification
			n := NotifierFunc(func(ctx context.Context, e ...Notification) error {
				notified = append(notified, e...)
				return ctx.Err()
			})
			fs := &fakeStore{recs: map[string]*memRec{}, outbox: outbox}
			require.ErrorIs(t, Commit(canceled, fs, n, update(&memRec{version: 1}, 0, evs)), context.Canceled)
			assert.Empty(t, fs.recs, "outbox=%v: nothing created", outbox)
			assert.Empty(t, notified)
			require.NoError(t, Commit(live, fs, n, update(&memRec{version: 1}, 0, evs)))
			require.ErrorIs(t, Commit(canceled, fs, n, update(&memRec{version: 2}, 1, evs)), context.Canceled)
			assert.Equal(t, int64(1), fs.recs["r"].version, "outbox=%v: nothing updated", outbox)
			require.NoError(t, Commit(live, fs, n, update(&memRec{version: 2}, 1, evs)))
			assert.Equal(t, int64(2), fs.recs["r"].version)
			if outbox {
				assert.Empty(t, notified, "the outbox holds the events")
				assert.Equal(t, evs, fs.recs["r"].events)
			} else {
				assert.Equal(t, []Notification{evs[0], evs[0]}, notified, "one notification per stored change")
			}
		}
	})

	t.Run("canceled after the store", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		st := &cancelingStore{fakeStore: fakeStore{recs: map[string]*memRec{"r": {version: 1}}}, cancel: cancel}
		var got []Notification
		var notifyErr error
		n := NotifierFunc(func(ctx context.Context, e ...Notification) error {
			got, notifyErr = append(got, e...), ctx.Err()
			return nil
		})
		require.NoError(t, Commit(ctx, st, n, update(&memRec{version: 2}, 1, evs)))
		assert.Equal(t, int64(2), st.recs["r"].version)
		assert.Equal(t, evs, got, "the stored change is notified")
		assert.NoError(t, notifyErr, "with a context the cancellation does not reach")
	})

	t.Run("Portfolio", func(t *testing.T) {
		for _, readsIgnoreCtx := range []bool{false, true} {
			mem := newMemPortfolio()
			var store PortfolioStore = mem
			if readsIgnoreCtx {
				// Reads that succeed despite the cancellation take the
				// operation as far as the commit.
				store = ctxFreeReads{mem}
			}
			var notified []Notification
			p, err := NewPortfolio(PortfolioConfig{
				Store:        store,
				Improvements: mem,
				Notifier:     NotifierFunc(func(_ context.Context, e ...Notification) error { notified = append(notified, e...); return nil }),
				IDs:          func() string { return "SVC1" }, // a canceled Define must not cost the ID
				Dependents:   NoDependents,
			})
			require.NoError(t, err)
			alice := Actor{ID: "alice"}
			links := []AgreementLink{{ID: "SLA-1", Kind: AgreementSLA}}
			svc := func(s *ITService, err error) (any, error) { return s, err }
			imp := func(x *Improvement, err error) (any, error) { return x, err }
			ops := []struct {
				name string
				do   func(ctx context.Context) (any, error)
			}{
				{"define", func(ctx context.Context) (any, error) {
					return svc(p.Define(ctx, alice, DefineService{Name: "Mail", Owner: "alice", Agreements: links}))
				}},
				{"advance", func(ctx context.Context) (any, error) {
					return svc(p.Advance(ctx, alice, AdvanceService{ID: "SVC1"}))
				}},
				{"add agreement", func(ctx context.Context) (any, error) {
					return svc(p.AddAgreement(ctx, alice, AddServiceAgreement{ID: "SVC1", Agreement: "OLA-1", Kind: AgreementOLA}))
				}},
				{"propose", func(ctx context.Context) (any, error) {
					return imp(p.Propose(ctx, alice, ProposeImprovement{ServiceID: "SVC1", Title: "t", Measure: "m", Baseline: "b", Target: "g"}))
				}},
				{"retire", func(ctx context.Context) (any, error) {
					return svc(p.Retire(ctx, alice, RetireService{ID: "SVC1"}))
				}},
			}
			for _, op := range ops {
				before := mem.dump()
				n := len(notified)
				got, err := op.do(canceled)
				require.ErrorIs(t, err, context.Canceled, "%s (reads ignore ctx: %v)", op.name, readsIgnoreCtx)
				assert.Nil(t, got, op.name)
				assert.Equal(t, before, mem.dump(), "%s: nothing stored", op.name)
				assert.Len(t, notified, n, "%s: nothing notified", op.name)

				got, err = op.do(live)
				require.NoError(t, err, "%s with a live context after a canceled one", op.name)
				assert.NotNil(t, got)
				assert.Len(t, notified, n+1, "%s: notified once", op.name)
			}
			s, err := p.GetService(live, "SVC1")
			require.NoError(t, err)
			assert.Equal(t, StatusRetired, s.Status)
			assert.Equal(t, int64(len(s.History)), s.Version)
		}
	})
}

// cancelingStore cancels the operation's context as soon as it has stored
// an update: the cancellation arrives between the store and the notifier.
type cancelingStore struct {
	fakeStore
	cancel context.CancelFunc
}

func (s *cancelingStore) Commit(ctx context.Context, w Write[*memRec]) error {
	err := s.fakeStore.Commit(ctx, w)
	s.cancel()
	return err
}

// memPortfolio is a minimal in-memory PortfolioStore and ImprovementStore
// for the internal tests (lifecycletest imports lifecycle, so it cannot be
// used here). Writes honour ctx; dump snapshots everything stored.
type memPortfolio struct {
	mu   sync.Mutex
	svcs map[string]*ITService
	imps map[string]*Improvement
}

func newMemPortfolio() *memPortfolio {
	return &memPortfolio{svcs: map[string]*ITService{}, imps: map[string]*Improvement{}}
}

func (m *memPortfolio) dump() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, err := json.Marshal([]any{m.svcs, m.imps})
	if err != nil {
		panic(err)
	}
	return string(b)
}

func memGet[T any](m *memPortfolio, ctx context.Context, all map[string]T, process, id string, clone func(T) T) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	x, ok := all[id]
	if !ok {
		return zero, NotFound(process, id)
	}
	return clone(x), nil
}

// memCommit stores w.Record in all as Committer describes: Expected 0
// creates, any other Expected replaces that version, the read set's
// records must be unchanged, and a write with guards is refused (the store
// keeps none).
func memCommit[T any](m *memPortfolio, ctx context.Context, all map[string]T, process string, w Write[T], key func(T) (string, int64), clone func(T) T) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(w.Reads.Guards) > 0 {
		return Invalid("reads", "the %s store keeps no guards", process)
	}
	id, _ := key(w.Record)
	m.mu.Lock()
	defer m.mu.Unlock()
	version := func(id string) int64 {
		x, ok := all[id]
		if !ok {
			return 0
		}
		_, v := key(x)
		return v
	}
	switch found := version(id); {
	case w.Expected == 0 && found != 0:
		return Conflict(process, id, 0, found)
	case w.Expected != 0 && found == 0:
		return NotFound(process, id)
	case found != w.Expected:
		return Conflict(process, id, w.Expected, found)
	}
	for _, r := range w.Reads.Records {
		if v := version(r.Key); v != r.Version {
			return ReadConflict(process, r.Key, r.Version, v)
		}
	}
	all[id] = clone(w.Record)
	return nil
}

func (m *memPortfolio) GetService(ctx context.Context, id string) (*ITService, error) {
	return memGet(m, ctx, m.svcs, ProcessService, id, (*ITService).Clone)
}

func (m *memPortfolio) CommitService(ctx context.Context, w Write[*ITService]) error {
	return memCommit(m, ctx, m.svcs, ProcessService, w, func(s *ITService) (string, int64) { return s.ID, s.Version }, (*ITService).Clone)
}

func (m *memPortfolio) ListServices(ctx context.Context, f ServiceFilter) (ServicePage, error) {
	return ServicePage{}, errors.New("not needed")
}

func (m *memPortfolio) GetImprovement(ctx context.Context, id string) (*Improvement, error) {
	return memGet(m, ctx, m.imps, ProcessImprovement, id, (*Improvement).Clone)
}

func (m *memPortfolio) CommitImprovement(ctx context.Context, w Write[*Improvement]) error {
	return memCommit(m, ctx, m.imps, ProcessImprovement, w, func(x *Improvement) (string, int64) { return x.ID, x.Version }, (*Improvement).Clone)
}

func (m *memPortfolio) ListImprovements(ctx context.Context, f ImprovementFilter) (ImprovementPage, error) {
	return ImprovementPage{}, errors.New("not needed")
}

// ctxFreeReads answers reads whatever the context, so that a canceled
// operation reaches the commit.
type ctxFreeReads struct{ *memPortfolio }

func (r ctxFreeReads) GetService(_ context.Context, id string) (*ITService, error) {
	return r.memPortfolio.GetService(context.Background(), id)
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

// BenchmarkTarget measures a guard-free query, also run on looplab.
func BenchmarkTarget(b *testing.B) {
	m := NewMachine(testDef())
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := m.Target("open", "finish"); !ok {
			b.Fatal("no target")
		}
	}
}

// TestMachineRefusalFromAStateWhoseGuardsAllRefuse: a state that has
// events, all refused by their guards now, is not called final.
func TestMachineRefusalFromAStateWhoseGuardsAllRefuse(t *testing.T) {
	m := NewMachine(Definition[tState, tEvent, *ticket]{
		Process: "ticket",
		Initial: "new",
		States:  []tState{"new", "held"},
		Events:  []tEvent{"hold", "release"},
		Transitions: []Transition[tState, tEvent, *ticket]{
			{Event: "hold", From: []tState{"new"}, To: "held"},
			{Event: "release", From: []tState{"held"}, To: "new", Guard: func(t *ticket) error {
				if !t.ok {
					return Invalid("notes", "required")
				}
				return nil
			}},
		},
	})
	_, err := m.Fire("T-7", "held", "hold", &ticket{})
	var te *TransitionError
	require.True(t, errors.As(err, &te))
	assert.Empty(t, te.Allowed)
	assert.False(t, te.Final)
	assert.Equal(t, "ticket T-7: cannot hold from held (no event allowed now: every guard refuses)", err.Error())

	_, err = m.Fire("T-7", "held", "hold", &ticket{ok: true})
	assert.Equal(t, "ticket T-7: cannot hold from held (allowed: release)", err.Error())
}
