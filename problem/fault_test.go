package problem_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

// ledgerStore sits between the faulty store and the real one and tells
// the ledger about every version the real store accepted.
type ledgerStore struct {
	problem.Store
	ledger *lifecycletest.Ledger
}

func (s *ledgerStore) Commit(ctx context.Context, w lifecycle.Write[*problem.Problem]) error {
	if err := s.Store.Commit(ctx, w); err != nil {
		return err
	}
	s.ledger.Add(problem.Process, w.Record.ID, w.Record.Version, w.Record.Snapshot())
	return nil
}

// ledgerOutbox gives the ledger store a transactional outbox: the events
// are kept with the change they belong to, and the Recorder stands for the
// host's relay. (Not atomic under concurrency; the runs are sequential.)
type ledgerOutbox struct {
	*ledgerStore
	relay *lifecycletest.Recorder
}

func (o *ledgerOutbox) Commit(ctx context.Context, w lifecycle.Write[*problem.Problem]) error {
	if err := o.ledgerStore.Commit(ctx, w); err != nil {
		return err
	}
	return o.relay.Notify(ctx, w.Events...)
}

// StoresEvents makes the store a lifecycle.Outbox: its Commit keeps
// the events.
func (o *ledgerOutbox) StoresEvents() bool { return true }

// faultyIncidents makes the incident service flaky too: resolving,
// resuming and moving an incident are writes.
type faultyIncidents struct {
	inner problem.Incidents
	f     *lifecycletest.Faults
}

func (x faultyIncidents) ResolveForProblem(ctx context.Context, actor lifecycle.Actor, incidentID, problemID, notes string) error {
	return x.f.Write(ctx, "incidents.ResolveForProblem", func(ctx context.Context) error {
		return x.inner.ResolveForProblem(ctx, actor, incidentID, problemID, notes)
	})
}

func (x faultyIncidents) ResumeForProblem(ctx context.Context, actor lifecycle.Actor, incidentID, problemID, note string) error {
	return x.f.Write(ctx, "incidents.ResumeForProblem", func(ctx context.Context) error {
		return x.inner.ResumeForProblem(ctx, actor, incidentID, problemID, note)
	})
}

func (x faultyIncidents) MoveToProblem(ctx context.Context, actor lifecycle.Actor, incidentID, from, to string) error {
	return x.f.Write(ctx, "incidents.MoveToProblem", func(ctx context.Context) error {
		return x.inner.MoveToProblem(ctx, actor, incidentID, from, to)
	})
}

// faultRun is one rapid run: a Service over a faulty store, notifier and
// incident service, with the real store, the delivered events and the
// ledger of stored versions kept aside for the checks.
type faultRun struct {
	cov       *faultCoverage
	outbox    bool // the store has an outbox: events are stored with changes
	mem       *problemtest.Store
	ledger    *lifecycletest.Ledger
	faults    *lifecycletest.Faults
	events    *lifecycletest.Recorder
	incidents *fakeIncidents
	clock     *lifecycletest.Clock
	svc       *problem.Service
}

var genRate = rapid.SampledFrom([]float64{0, 0.05, 0.15})

// faultCoverage counts, over all runs, what the runs exercised, so that
// the test fails rather than passing vacuously.
type faultCoverage struct {
	stored, refused, ambiguous, notifyErrors, followUps, retries, pinned, duplicateRedos int
	faults                                                                               map[lifecycletest.Fault]int
}

func newFaultRun(t *rapid.T, cov *faultCoverage) *faultRun {
	seed := rapid.Uint64().Draw(t, "seed")
	rates := lifecycletest.Rates{
		Error:      genRate.Draw(t, "error rate"),
		Timeout:    genRate.Draw(t, "timeout rate"),
		Conflict:   genRate.Draw(t, "conflict rate"),
		AfterWrite: genRate.Draw(t, "after-write rate"),
	}
	outbox := rapid.Bool().Draw(t, "outbox")
	return newFaultRunWith(t, cov, seed, rates, outbox, problem.ResolveWhen(rapid.IntRange(0, 2).Draw(t, "resolve when")))
}

func newFaultRunWith(t require.TestingT, cov *faultCoverage, seed uint64, rates lifecycletest.Rates, outbox bool, when problem.ResolveWhen) *faultRun {
	h := &faultRun{
		cov:       cov,
		mem:       problemtest.NewStore(),
		ledger:    &lifecycletest.Ledger{},
		events:    &lifecycletest.Recorder{},
		incidents: &fakeIncidents{},
		clock:     lifecycletest.NewClock(t0),
	}
	h.faults = lifecycletest.NewFaults(seed, rates)
	var store problem.Store = &ledgerStore{Store: h.mem, ledger: h.ledger}
	if h.outbox = outbox; h.outbox {
		store = &ledgerOutbox{ledgerStore: store.(*ledgerStore), relay: h.events}
	}
	svc, err := problem.New(problem.Config{
		Store:            problemtest.FaultyStore(store, h.faults),
		Notifier:         lifecycletest.FaultyNotifier(h.events, h.faults),
		Clock:            h.clock,
		IDs:              lifecycle.Sequence("PRB", 4),
		Incidents:        faultyIncidents{h.incidents, h.faults},
		ResolveIncidents: when,
	})
	require.NoError(t, err)
	h.svc = svc
	return h
}

// all returns every stored problem, read from the real store.
func (h *faultRun) all(t require.TestingT) map[string]*problem.Problem {
	page, err := h.mem.List(ctx, problem.Filter{Limit: 1 << 20})
	require.NoError(t, err)
	out := map[string]*problem.Problem{}
	for _, p := range page.Problems {
		out[p.ID] = export(t, h.mem, p.ID)
	}
	return out
}

func (h *faultRun) ids(t *rapid.T) []string {
	var ids []string
	for id := range h.all(t) {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// attempt is what one call of an operation did.
type attempt struct {
	got      *problem.Problem
	err      error
	injected []lifecycletest.Injection
	events   []lifecycle.Notification
	before   map[string]*problem.Problem
	after    map[string]*problem.Problem
}

func (h *faultRun) try(t *rapid.T, call func() (*problem.Problem, error)) attempt {
	a := attempt{before: h.all(t)}
	nIn, nEv := len(h.faults.Injected()), len(h.events.Events())
	a.got, a.err = call()
	a.injected = h.faults.Injected()[nIn:]
	a.events = h.events.Events()[nEv:]
	a.after = h.all(t)
	for _, in := range a.injected {
		h.cov.faults[in.Fault]++
	}
	var ne *lifecycle.NotifyError
	var fe *lifecycle.FollowUpError
	switch {
	case errors.As(a.err, &fe):
		h.cov.followUps++
	case errors.As(a.err, &ne):
		h.cov.notifyErrors++
	case a.err == nil:
		h.cov.stored++
	case len(a.appliedStoreWrites()) > 0:
		h.cov.ambiguous++
	default:
		h.cov.refused++
	}
	return a
}

// storedAnyway reports whether err comes with a stored change: a notifier
// failure or a failed follow-up.
func storedAnyway(err error) bool {
	var ne *lifecycle.NotifyError
	var fe *lifecycle.FollowUpError
	return errors.As(err, &ne) || errors.As(err, &fe)
}

// appliedStoreWrites returns the store writes of a that failed but took
// effect (ambiguous commits).
func (a attempt) appliedStoreWrites() []string {
	var ops []string
	for _, op := range lifecycletest.AppliedWrites(a.injected) {
		if strings.HasPrefix(op, "problem.") {
			ops = append(ops, op)
		}
	}
	return ops
}

// changed lists the IDs of the records a stored or created.
func (a attempt) changed() []string {
	var ids []string
	for id, p := range a.after {
		if b, ok := a.before[id]; !ok || b.Version != p.Version {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// check verifies one attempt's clauses:
//   - success, or a failure that stored anyway (*NotifyError,
//     *FollowUpError), returns the record exactly as stored; every change
//     a success stored was notified;
//   - any other failure returns no record and a typed error, delivers no
//     event, and stores nothing, except for the one change of an
//     ambiguous commit (the failed write took effect: one more version),
//     whose events are lost without an outbox and kept with one.
func (h *faultRun) check(t *rapid.T, label string, a attempt) {
	if a.err == nil || storedAnyway(a.err) {
		require.NotNil(t, a.got, "%s: stored result without a record (%v)", label, a.err)
		require.Equal(t, bare(a.after[a.got.ID]), a.got, "%s: the returned record is what is stored, without its history", label)
		if a.err == nil {
			// Every change it stored (its own, and a follow-up's) was
			// notified: a lost notification is never silent.
			for _, id := range a.changed() {
				v := a.after[id].Version
				require.True(t, slices.ContainsFunc(a.events, func(e lifecycle.Notification) bool {
					return e.Subject == id && e.Version == v
				}), "%s succeeded but version %d of %s was not notified", label, v, id)
			}
		}
		var ne *lifecycle.NotifyError
		if errors.As(a.err, &ne) {
			require.True(t, slices.ContainsFunc(a.injected, func(in lifecycletest.Injection) bool { return in.Op == "notify" }),
				"%s: a NotifyError without a notifier fault: %v", label, a.err)
		}
		return
	}
	require.Nil(t, a.got, "%s failed (%v) but returned a record", label, a.err)
	require.NotEmpty(t, lifecycletest.Classify(a.err), "%s failed with an untyped error: %v", label, a.err)
	applied := a.appliedStoreWrites()
	if len(applied) == 0 {
		require.Empty(t, a.events, "%s failed (%v) but delivered events", label, a.err)
		require.Equal(t, a.before, a.after, "%s failed (%v) and changed the store", label, a.err)
		return
	}
	require.Len(t, applied, 1, "%s: one primary write at most", label)
	changed := a.changed()
	require.Len(t, changed, 1, "%s: an ambiguous commit stores exactly one change, got %v", label, changed)
	id := changed[0]
	if b, ok := a.before[id]; ok {
		require.Equal(t, b.Version+1, a.after[id].Version)
	} else {
		require.Equal(t, int64(1), a.after[id].Version)
	}
	require.ErrorIs(t, a.err, context.DeadlineExceeded, "%s: an ambiguous commit looks like a timeout", label)
	if !h.outbox {
		require.Empty(t, a.events, "%s failed (%v): its events are lost without an outbox", label, a.err)
		return
	}
	require.NotEmpty(t, a.events, "%s: an ambiguous commit keeps its events in the outbox", label)
	for _, e := range a.events {
		require.Equal(t, id, e.Subject)
		require.Equal(t, a.after[id].Version, e.Version)
	}
}

// commandID is the ID a command names.
func commandID(cmd problem.Command) string {
	return reflect.ValueOf(cmd).FieldByName("ID").String()
}

// operate runs cmd through the Service, checks the attempt, and retries
// it with the faults off:
//   - when the first attempt stored nothing, the retry behaves exactly as
//     the pure transition predicts on the unchanged stored problem (same
//     success, same returned problem, or the same kind of error), and
//     never fails with an injected or timeout error;
//   - when the first attempt's change was stored (a success, a failure
//     that stored anyway, or an ambiguous commit), a retry pinned to the
//     version read first fails with ErrConflict and changes nothing;
//   - a failed follow-up can be redone without faults:
//     ResolveWaitingIncidents, or MoveDuplicateIncidents (which then moves
//     every incident on both sides, and changes nothing a second time).
func (h *faultRun) operate(t *rapid.T, actor lifecycle.Actor, cmd problem.Command) {
	label := fmt.Sprintf("%T by %q", cmd, actor.ID)
	h.clock.Advance(time.Minute)
	a := h.try(t, func() (*problem.Problem, error) { return h.svc.Do(ctx, actor, cmd) })
	h.check(t, label, a)
	if a.err == nil && len(a.appliedStoreWrites()) == 0 {
		return
	}
	defer h.faults.SetRates(h.faults.Off())
	id := commandID(cmd)
	base, known := a.before[id]

	if len(a.changed()) > 0 {
		if known {
			h.cov.pinned++
			r := h.try(t, func() (*problem.Problem, error) {
				return h.svc.Do(ctx, actor, lifecycletest.PinVersion(cmd, base.Version))
			})
			h.check(t, label+" (pinned retry)", r)
			require.ErrorIs(t, r.err, lifecycle.ErrConflict, "%s: a retry pinned to the version before a stored change", label)
		}
		var fe *lifecycle.FollowUpError
		if errors.As(a.err, &fe) {
			h.redoFollowUp(t, actor, cmd, a)
		}
		return
	}

	h.cov.retries++
	r := h.try(t, func() (*problem.Problem, error) { return h.svc.Do(ctx, actor, cmd) })
	h.check(t, label+" (retry)", r)
	if c := lifecycletest.Classify(r.err); c == "injected" || c == "deadline" {
		t.Fatalf("%s: a retry without faults failed with %v", label, r.err)
	}
	if !known {
		require.Error(t, r.err, "%s: no such problem", label)
		return
	}
	want := base.Clone()
	_, perr := want.Apply(actor, h.clock.Now(), cmd)
	switch {
	case perr != nil:
		require.Error(t, r.err, "%s: the pure layer refused (%v), the retry succeeded", label, perr)
		require.Equal(t, lifecycletest.Classify(perr), lifecycletest.Classify(r.err), "%s: pure %v, retry %v", label, perr, r.err)
	case r.err != nil:
		_, dup := cmd.(problem.MarkDuplicate)
		require.True(t, dup && errors.Is(r.err, lifecycle.ErrValidation),
			"%s: the pure layer accepts, the retry failed with %v", label, r.err)
	default:
		require.Equal(t, bare(want), r.got, "%s: the retry stored something else than the pure layer computes", label)
		require.Equal(t, want, h.all(t)[want.ID], "%s: the retry's history and work notes are not what the pure layer appends", label)
	}
}

// redoFollowUp redoes, without faults, the follow-up that failed after
// cmd was stored, the way the FollowUpError documentation says.
func (h *faultRun) redoFollowUp(t *rapid.T, actor lifecycle.Actor, cmd problem.Command, a attempt) {
	switch c := cmd.(type) {
	case problem.MarkDuplicate:
		moved := a.before[c.ID].Incidents
		original := strings.TrimSpace(c.Original)
		h.cov.duplicateRedos++
		require.NoError(t, h.svc.MoveDuplicateIncidents(ctx, actor, c.ID), "redoing the move of a duplicate's incidents")
		o := h.all(t)[original]
		for _, inc := range moved {
			require.True(t, o.HasIncident(inc), "incident %s did not reach original %s", inc, original)
			require.True(t, slices.ContainsFunc(h.incidents.Moves(), func(m incidentMove) bool {
				return m.Incident == inc && m.From == c.ID && m.To == original
			}), "incident %s was not moved from %s to %s on the incident side", inc, c.ID, original)
		}
		// Once done, doing it again changes nothing.
		before, nEv := h.all(t), len(h.events.Events())
		require.NoError(t, h.svc.MoveDuplicateIncidents(ctx, actor, c.ID))
		require.Equal(t, before, h.all(t), "a second retry changed a problem")
		require.Len(t, h.events.Events(), nEv, "a second retry notified")
	default:
		require.NoError(t, h.svc.ResolveWaitingIncidents(ctx, actor, commandID(cmd)), "redoing the incidents' resolution")
	}
}

// open logs a problem and checks it like operate; an ambiguous create is
// retried (creations have no version to pin, so the retry makes a second
// problem: the documented cost of an ambiguous create).
func (h *faultRun) open(t *rapid.T) {
	actor := genActor.Draw(t, "actor")
	o := problem.Open{
		Title:     rapid.SampledFrom([]string{"Mail relay drops messages", "VPN flaps", " "}).Draw(t, "title"),
		Impact:    lifecycle.Impact(rapid.IntRange(0, 3).Draw(t, "impact")),
		Urgency:   lifecycle.Urgency(rapid.IntRange(0, 3).Draw(t, "urgency")),
		Incidents: genIncidents.Draw(t, "incidents"),
	}
	h.clock.Advance(time.Minute)
	a := h.try(t, func() (*problem.Problem, error) { return h.svc.Open(ctx, actor, o) })
	h.check(t, "open", a)
	if a.err == nil || storedAnyway(a.err) {
		return
	}
	defer h.faults.SetRates(h.faults.Off())
	r := h.try(t, func() (*problem.Problem, error) { return h.svc.Open(ctx, actor, o) })
	h.check(t, "open (retry)", r)
	if c := lifecycletest.Classify(r.err); c == "injected" || c == "deadline" {
		t.Fatalf("open: a retry without faults failed with %v", r.err)
	}
	_, _, perr := problem.NewProblem("PRB-X", lifecycle.DefaultMatrix, actor, h.clock.Now(), o)
	require.Equal(t, lifecycletest.Classify(perr), lifecycletest.Classify(r.err), "open: pure %v, retry %v", perr, r.err)
}

// read checks that reads under faults either answer exactly what the real
// store holds or fail with a typed error.
func (h *faultRun) read(t *rapid.T) {
	ids := h.ids(t)
	id := rapid.SampledFrom(append(ids, "PRB-NONE")).Draw(t, "id")
	p, err := h.svc.Get(ctx, id)
	want, werr := h.mem.Get(ctx, id)
	if err != nil {
		require.Nil(t, p)
		require.NotEmpty(t, lifecycletest.Classify(err), "Get: untyped %v", err)
		require.True(t, errors.Is(err, lifecycletest.ErrInjected) || errors.Is(err, lifecycle.ErrNotFound), "Get: %v", err)
	} else {
		require.NoError(t, werr)
		require.Equal(t, want, p)
	}
	page, err := h.svc.List(ctx, problem.Filter{Limit: 1 << 20})
	if err != nil {
		require.ErrorIs(t, err, lifecycletest.ErrInjected)
	} else {
		require.Len(t, page.Problems, len(ids))
	}
	kes, err := h.svc.SearchKnownErrors(ctx, problem.KnownErrorQuery{})
	if err != nil {
		require.ErrorIs(t, err, lifecycletest.ErrInjected)
	} else {
		for _, p := range kes {
			require.True(t, p.IsKnownError())
		}
	}
}

// invariants checks the real store after every step (with an outbox, also
// that every stored version has its events): no record is half-applied (CheckHistory: one history record per version, Seq
// continuous, From→To chained to the state, the replayed snapshot equal
// to the stored one; and the problem invariants), every stored version
// went through the store exactly once (the ledger has versions 1..n of
// each problem and nothing beyond), and every delivered event belongs to
// a stored version (with the stored version's snapshot) and was delivered
// once.
func (h *faultRun) invariants(t *rapid.T) {
	all := h.all(t)
	for id, p := range all {
		if err := lifecycletest.CheckHistory(p.Snapshot(), p.Version, p.History); err != nil {
			t.Fatalf("problem %s is half-applied: %v", id, err)
		}
		checkInvariants(t, lifecycle.DefaultMatrix, p)
		vs := h.ledger.Versions(problem.Process, id)
		require.Len(t, vs, int(p.Version), "%s: stored versions %v at version %d", id, vs, p.Version)
		for i, v := range vs {
			require.Equal(t, int64(i+1), v)
		}
		snap, _ := h.ledger.Snapshot(problem.Process, id, p.Version)
		require.Empty(t, lifecycletest.SnapshotDiff(p.Snapshot(), snap), "%s: ledger disagrees with the store", id)
	}
	require.Len(t, h.ledger.Subjects(problem.Process), len(all), "the ledger knows a problem the store does not")
	events := h.events.Events()
	if h.outbox {
		// The outbox loses nothing: every stored version has its events,
		// ambiguous commits and all.
		for _, id := range h.ledger.Subjects(problem.Process) {
			for _, v := range h.ledger.Versions(problem.Process, id) {
				require.True(t, slices.ContainsFunc(events, func(e lifecycle.Notification) bool { return e.Subject == id && e.Version == v }),
					"version %d of %s is stored without its events", v, id)
			}
		}
	}
	if err := h.ledger.CheckEvents(events); err != nil {
		t.Fatalf("events for changes that were not stored:\n%v", err)
	}
	seen := map[string]bool{}
	for _, e := range events {
		require.False(t, seen[e.ID], "event %s delivered twice", e.ID)
		seen[e.ID] = true
	}
}

// TestFaultInjection runs random sequences of every Service operation
// (open, every command, mark duplicate against a real original, resolve
// waiting incidents, reads) over a store, a notifier and an incident
// service that fail at random, seeded by rapid: errors and timeouts before
// the call, conflicts, and ambiguous commits (the write took effect but
// the call failed). See check, operate and invariants for the properties.
func TestFaultInjection(t *testing.T) {
	cov := &faultCoverage{faults: map[lifecycletest.Fault]int{}}
	defer func() {
		if t.Failed() {
			return
		}
		t.Logf("coverage: %+v", *cov)
		for _, n := range []int{cov.stored, cov.refused, cov.ambiguous, cov.notifyErrors, cov.followUps, cov.retries, cov.pinned,
			cov.faults[lifecycletest.FaultError], cov.faults[lifecycletest.FaultTimeout],
			cov.faults[lifecycletest.FaultConflict], cov.faults[lifecycletest.FaultAfterWrite]} {
			if n == 0 {
				t.Errorf("a case was never exercised: %+v", *cov)
				break
			}
		}
	}()
	rapid.Check(t, func(t *rapid.T) {
		h := newFaultRun(t, cov)
		t.Repeat(map[string]func(*rapid.T){
			"open": h.open,
			"command": func(t *rapid.T) {
				ids := h.ids(t)
				if len(ids) == 0 {
					t.Skip("no problem yet")
				}
				p := h.all(t)[rapid.SampledFrom(ids).Draw(t, "problem")]
				h.operate(t, genActor.Draw(t, "actor"), genCommand(t, p))
			},
			"duplicate": func(t *rapid.T) {
				ids := h.ids(t)
				if len(ids) < 2 {
					t.Skip("fewer than two problems")
				}
				dup := rapid.SampledFrom(ids).Draw(t, "duplicate")
				orig := rapid.SampledFrom(ids).Draw(t, "original")
				if p := h.all(t)[dup]; p.State == problem.StateNew && rapid.Bool().Draw(t, "assess first") {
					h.operate(t, manager, problem.Assess{ID: dup, Group: "messaging"})
				}
				h.operate(t, genActor.Draw(t, "actor"), problem.MarkDuplicate{ID: dup, Original: orig})
			},
			"resolve waiting incidents": func(t *rapid.T) {
				ids := h.ids(t)
				if len(ids) == 0 {
					t.Skip("no problem yet")
				}
				id := rapid.SampledFrom(ids).Draw(t, "problem")
				before := h.all(t)
				nEv := len(h.events.Events())
				err := h.svc.ResolveWaitingIncidents(ctx, genActor.Draw(t, "actor"), id)
				if err != nil {
					require.NotEmpty(t, lifecycletest.Classify(err), "untyped %v", err)
				}
				require.Equal(t, before, h.all(t), "resolving waiting incidents changed a problem")
				require.Len(t, h.events.Events(), nEv, "resolving waiting incidents notified")
			},
			"read": h.read,
			"":     h.invariants,
		})
		h.invariants(t)
	})
}

// TestMoveIncidentsReportsNotifierConflict: when the notifier fails with an
// error matching lifecycle.ErrConflict while a duplicate's incidents are
// moved to the original, the move is stored but its events are lost; the
// caller must hear about it. (Found by TestFaultInjection: the follow-up
// mistook the *NotifyError for a store conflict, retried, found the
// incidents already moved and reported success.)
func TestMoveIncidentsReportsNotifierConflict(t *testing.T) {
	f := newFixture(t, func(c *problem.Config) {
		rec := &problemtest.Recorder{}
		c.Notifier = lifecycle.NotifierFunc(func(ctx context.Context, evs ...lifecycle.Notification) error {
			if evs[0].Type == problem.TypeIncidentLinked && evs[0].Data["duplicate"] != "" {
				return fmt.Errorf("outbox busy: %w", lifecycle.ErrConflict)
			}
			return rec.Notify(ctx, evs...)
		})
	})
	orig := f.open(t)
	f.drive(t, orig.ID, problem.Assess{Group: "messaging"})
	dup := f.open(t, "INC1", "INC2")
	f.drive(t, dup.ID, problem.Assess{Group: "messaging"})

	got, err := f.svc.MarkDuplicate(ctx, manager, problem.MarkDuplicate{ID: dup.ID, Original: orig.ID})
	require.NotNil(t, got, "the duplicate is stored")
	var fe *lifecycle.FollowUpError
	require.ErrorAs(t, err, &fe, "the lost notification of the move is reported")
	var ne *lifecycle.NotifyError
	require.ErrorAs(t, err, &ne)
	o, gerr := f.svc.Get(ctx, orig.ID)
	require.NoError(t, gerr)
	require.Equal(t, []string{"INC1", "INC2"}, o.Incidents, "the move itself is stored")
	require.Equal(t, int64(3), o.Version, "and stored once")
}

// faultOutcome is what one concurrent operation reported.
type faultOutcome struct {
	label    string
	id       string
	version  int64
	snap     lifecycle.Snapshot
	notified bool // plain success: its own change must have been notified
}

// concurrentOp performs one random operation without rapid (goroutines
// must not draw) and judges what it can alone.
func (h *faultRun) concurrentOp(r *rand.Rand, ids []string) (faultOutcome, string) {
	actors := []lifecycle.Actor{alice, manager, lifecycle.System}
	actor := actors[r.IntN(len(actors))]
	id := ids[r.IntN(len(ids))]
	var label string
	var op func() (*problem.Problem, error)
	if r.IntN(10) == 0 {
		label = "open"
		op = func() (*problem.Problem, error) {
			return h.svc.Open(ctx, actor, problem.Open{Title: "VPN flaps", Incidents: []string{"INC7"}})
		}
	} else {
		p, err := h.mem.Get(ctx, id)
		if err != nil {
			return faultOutcome{}, err.Error()
		}
		evs := problem.Allowed(p.State)
		if len(evs) == 0 || r.IntN(4) == 0 {
			evs = problem.Events()
		}
		cmd := withID(validCommand(evs[r.IntN(len(evs))]), id)
		if md, ok := cmd.(problem.MarkDuplicate); ok {
			md.Original = ids[r.IntN(len(ids))]
			cmd = md
		}
		if r.IntN(2) == 0 {
			cmd = lifecycletest.PinVersion(cmd, p.Version)
		}
		label = fmt.Sprintf("%T by %s", cmd, actor.ID)
		op = func() (*problem.Problem, error) { return h.svc.Do(ctx, actor, cmd) }
	}
	got, err := op()
	if err == nil || storedAnyway(err) {
		if got == nil {
			return faultOutcome{}, fmt.Sprintf("%s: stored result (%v) without a record", label, err)
		}
		return faultOutcome{label: label, id: got.ID, version: got.Version, snap: got.Snapshot(), notified: err == nil}, ""
	}
	if got != nil {
		return faultOutcome{}, fmt.Sprintf("%s failed (%v) but returned a record", label, err)
	}
	if lifecycletest.Classify(err) == "" {
		return faultOutcome{}, fmt.Sprintf("%s failed with an untyped error: %v", label, err)
	}
	return faultOutcome{}, ""
}

// TestFaultInjectionConcurrent runs goroutines operating on the same few
// problems at once (duplicates moving incidents, resolutions resolving
// them) over a faulty store, notifier and incident service (under -race
// in CI). Afterwards the invariants of TestFaultInjection hold, every
// operation that reported a stored result returned the problem exactly as
// stored at its version, and every plain success was notified.
func TestFaultInjectionConcurrent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		rates := lifecycletest.Rates{
			Error:      genRate.Draw(t, "error rate"),
			Timeout:    genRate.Draw(t, "timeout rate"),
			Conflict:   genRate.Draw(t, "conflict rate"),
			AfterWrite: genRate.Draw(t, "after-write rate"),
		}
		cov := &faultCoverage{faults: map[lifecycletest.Fault]int{}}
		h := newFaultRunWith(t, cov, seed, rates, false, problem.ResolveWhen(rapid.IntRange(0, 2).Draw(t, "resolve when")))
		prev := h.faults.Off()
		var ids []string
		for i := range 4 {
			p, err := h.svc.Open(ctx, alice, problem.Open{Title: "Mail relay drops messages", Incidents: []string{fmt.Sprintf("INC%d", i+1), "INC9"}})
			require.NoError(t, err)
			ids = append(ids, p.ID)
		}
		h.faults.SetRates(prev)
		const goroutines, ops = 6, 25
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			outcomes []faultOutcome
			problems []string
		)
		for g := range goroutines {
			r := rand.New(rand.NewPCG(seed, uint64(g)))
			wg.Go(func() {
				for range ops {
					o, problem := h.concurrentOp(r, ids)
					mu.Lock()
					if problem != "" {
						problems = append(problems, problem)
					}
					if o.id != "" {
						outcomes = append(outcomes, o)
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(problems) > 0 {
			t.Fatalf("%d operations misbehaved:\n%s", len(problems), strings.Join(problems, "\n"))
		}
		h.invariants(t)
		events := h.events.Events()
		for _, o := range outcomes {
			snap, ok := h.ledger.Snapshot(problem.Process, o.id, o.version)
			require.True(t, ok, "%s returned %s version %d, which was never stored", o.label, o.id, o.version)
			require.Empty(t, lifecycletest.SnapshotDiff(snap, o.snap), "%s returned something else than it stored", o.label)
			if o.notified {
				require.True(t, slices.ContainsFunc(events, func(e lifecycle.Notification) bool { return e.Subject == o.id && e.Version == o.version }),
					"%s succeeded but %s version %d was not notified", o.label, o.id, o.version)
			}
		}
	})
}

// With injection off, problemtest.FaultyStore honours the whole Store
// contract; it keeps an Outbox when the wrapped store has one, and invents
// none.
func TestFaultyStoreWhenOff(t *testing.T) {
	problemtest.TestStore(t, func(*testing.T) problem.Store {
		return problemtest.FaultyStore(problemtest.NewStore(), lifecycletest.NewFaults(1, lifecycletest.Rates{}))
	})
	f := lifecycletest.NewFaults(1, lifecycletest.Rates{})
	ok := lifecycle.StoresEvents(problemtest.FaultyStore(problemtest.NewStore(), f))
	require.False(t, ok)
	ob := &ledgerOutbox{ledgerStore: &ledgerStore{Store: problemtest.NewStore(), ledger: &lifecycletest.Ledger{}}, relay: &lifecycletest.Recorder{}}
	ok = lifecycle.StoresEvents(problemtest.FaultyStore(ob, f))
	require.True(t, ok)
}
