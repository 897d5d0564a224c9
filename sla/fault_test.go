package sla_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

// The fault-injection tests of the SLA engine: records' changes observed
// (Observe and Notify, redelivered at will), EvaluateDue, and Repair, over
// a timer store (with and without a Claimer, with and without an outbox)
// and a notifier that fail at random (lifecycletest.Faults), seeded by
// rapid. The oracle of the timers is sla.Replay of the changes observed.

var (
	sfFirst = lifecycle.Snapshot{OpenedAt: t0.Add(-3 * time.Hour)}
)

// sfRates draws fault rates: mostly a few percent of each fault, and now
// and then a storm of conflicts, so that the engine's retries run out.
func sfRates(t *rapid.T) lifecycletest.Rates {
	return lifecycletest.DrawRates(func(label string, n int) int { return rapid.IntRange(0, n-1).Draw(t, label) }, true)
}

// sfLedger remembers every version of every timer the real store
// accepted.
type sfLedger struct {
	mu       sync.Mutex
	versions map[string]map[int64]*sla.Timer
}

func (l *sfLedger) add(t *sla.Timer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.versions == nil {
		l.versions = map[string]map[int64]*sla.Timer{}
	}
	if l.versions[t.ID] == nil {
		l.versions[t.ID] = map[int64]*sla.Timer{}
	}
	l.versions[t.ID][t.Version] = t.Clone()
}

func (l *sfLedger) get(id string, v int64) (*sla.Timer, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.versions[id][v]
	if !ok {
		return nil, false
	}
	return t.Clone(), true
}

func (l *sfLedger) count(id string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.versions[id])
}

func (l *sfLedger) ids() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Sorted(maps.Keys(l.versions))
}

// sfStore sits between the faulty store and the real one: its Tap tells
// the ledger about every timer version the real store accepted and, as an
// outbox, relays the events stored with each change. It hides the real
// store's Claimer; sfClaimStore keeps it.
type sfStore struct {
	sla.Store
	tap lifecycletest.Tap[*sla.Timer]
}

func (s sfStore) Commit(ctx context.Context, w lifecycle.Write[*sla.Timer]) error {
	return s.tap.Commit(ctx, w, s.Store.Commit)
}

// StoresEvents makes the store a lifecycle.Outbox when its Tap relays.
func (s sfStore) StoresEvents() bool { return s.tap.StoresEvents() }

// sfClaimStore keeps the in-memory store's Claimer.
type sfClaimStore struct {
	sfStore
	claimer sla.Claimer
}

func (s sfClaimStore) Claim(ctx context.Context, owner string, at time.Time, limit int, lease time.Duration) ([]*sla.Timer, error) {
	return s.claimer.Claim(ctx, owner, at, limit, lease)
}

// sfRecord is a record the engine follows: its history so far and the
// events that told the engine about it.
type sfRecord struct {
	id, process string
	history     []lifecycle.Record
	events      []lifecycle.Notification
}

// snapshot is the record after its history.
func (r *sfRecord) snapshot() lifecycle.Snapshot {
	s := sfFirst.Clone()
	for _, h := range r.history {
		s = s.Apply(h)
	}
	return s
}

// sfNextRecord draws the record's next change at instant at, as
// propHistory does.
func sfNextRecord(t *rapid.T, prev lifecycle.Snapshot, seq int, at time.Time) lifecycle.Record {
	next := prev
	next.State = rapid.SampledFrom([]string{stNew, stProgress, stHold, stResolved, stClosed, stCancelled}).Draw(t, "state")
	if seq == 1 || rapid.IntRange(0, 3).Draw(t, "reprioritise") == 0 {
		next.Priority = rapid.IntRange(1, 4).Draw(t, "priority")
	}
	if seq == 1 || rapid.IntRange(0, 4).Draw(t, "regroup") == 0 {
		next.Group = rapid.SampledFrom([]string{"desk", "network"}).Draw(t, "group")
	}
	next.HoldReason = ""
	if next.State == stHold {
		next.HoldReason = "awaiting_caller"
	}
	var ch []lifecycle.FieldChange
	ch = lifecycle.Diff(ch, lifecycle.FieldPriority, itoa(prev.Priority), itoa(next.Priority))
	ch = lifecycle.Diff(ch, lifecycle.FieldGroup, prev.Group, next.Group)
	ch = lifecycle.Diff(ch, lifecycle.FieldHoldReason, prev.HoldReason, next.HoldReason)
	return lifecycle.Record{Seq: seq, Time: at, Event: "change", From: prev.State, To: next.State, Changes: ch}
}

// sfOLA is an operational level agreement on every process's records.
func sfOLA(goal time.Duration) *sla.Agreement {
	return &sla.Agreement{
		ID: "ola", Type: sla.TypeOLA, Target: sla.TargetResolution,
		Durations: map[int]time.Duration{0: goal},
		Warnings:  []float64{50},
		Start:     func(s lifecycle.Snapshot) bool { return s.State != stCancelled && s.State != stClosed },
		Stop:      func(s lifecycle.Snapshot) bool { return s.State == stResolved || s.State == stClosed },
		Pause:     func(s lifecycle.Snapshot) bool { return s.State == stHold },
	}
}

// The cases TestFaultInjection must exercise, besides the faults.
const (
	sfCaseStored      = "timers stored"
	sfCaseAmbiguous   = "ambiguous commits"
	sfCaseLost        = "events lost with an error"
	sfCaseRetry       = "clean retries"
	sfCaseExhausted   = "exhausted retries"
	sfCaseDelivered   = "events delivered"
	sfCaseEvaluated   = "events fired by EvaluateDue"
	sfCaseRepaired    = "timers repaired"
	sfCaseRedelivered = "redeliveries"
	sfCaseClaimed     = "claims"
)

// sfRun is one rapid run: an Engine over a faulty timer store and
// notifier, following a few records, with the real store, the delivered
// events, the ledger of stored timer versions and the events lost with an
// error kept aside for the checks.
type sfRun struct {
	*lifecycletest.Rig[*sla.Timer]
	cov        *lifecycletest.Coverage
	agreements []*sla.Agreement
	mem        *slatest.Store
	ledger     *sfLedger
	clock      *lifecycletest.Clock
	engine     *sla.Engine
	records    []*sfRecord
	lost       map[string]bool // event IDs of deadlines fired by a stored change whose call failed
}

// newSFRig returns a run's rig and real store, with no engine yet: the
// faults drawn at rates from seed, the timers read from the real store by
// the records' IDs.
func newSFRig(cov *lifecycletest.Coverage, seed uint64, rates lifecycletest.Rates) *sfRun {
	h := &sfRun{
		cov:    cov,
		mem:    slatest.NewStore(),
		ledger: &sfLedger{},
		clock:  lifecycletest.NewClock(t0),
		lost:   map[string]bool{},
		records: []*sfRecord{
			{id: "INC1", process: "incident"}, {id: "INC2", process: "incident"}, {id: "PRB1", process: "problem"},
		},
	}
	h.Rig = lifecycletest.NewRig[*sla.Timer](seed, rates)
	h.Coverage, h.StoreWrites, h.State = cov, []string{"sla.Commit"}, h.load
	h.View = func(tm *sla.Timer) lifecycletest.Stored {
		return lifecycletest.Stored{Process: sla.Process, ID: tm.ID, Version: tm.Version, Snapshot: tm.Snapshot}
	}
	return h
}

// sfTimerStore builds the ledger store with the abilities asked for.
func sfTimerStore(mem *slatest.Store, ledger *sfLedger, relay *lifecycletest.Recorder, claims, outbox bool) sla.Store {
	base := sfStore{Store: mem, tap: lifecycletest.Tap[*sla.Timer]{Record: ledger.add}}
	if outbox {
		base.tap.Relay = relay
	}
	if claims {
		return sfClaimStore{base, mem}
	}
	return base
}

func newSFRun(t *rapid.T, cov *lifecycletest.Coverage) *sfRun {
	h := newSFRig(cov, rapid.Uint64().Draw(t, "seed"), sfRates(t))
	h.agreements = []*sla.Agreement{
		propAgreement(t), responseSLA(),
		sfOLA(time.Duration(rapid.IntRange(30, 8*60).Draw(t, "ola_min")) * time.Minute),
	}
	h.Outbox = rapid.Bool().Draw(t, "outbox")
	store := sfTimerStore(h.mem, h.ledger, h.Events, rapid.Bool().Draw(t, "claimer"), h.Outbox)
	e, err := sla.New(sla.Config{
		Store:      slatest.FaultyStore(store, h.Faults),
		Notifier:   lifecycletest.FaultyNotifier(h.Events, h.Faults),
		Clock:      h.clock,
		Agreements: h.agreements,
		Owner:      "replica-1",
		Batch:      rapid.IntRange(1, 4).Draw(t, "batch"),
	})
	require.NoError(t, err)
	h.engine = e
	return h
}

// load reads every timer of the run's records from the real store.
func (h *sfRun) load() (map[string]*sla.Timer, error) {
	out := map[string]*sla.Timer{}
	for _, r := range h.records {
		ts, err := h.mem.ListByRecord(ctx, r.id)
		if err != nil {
			return nil, err
		}
		for _, tm := range ts {
			out[tm.ID] = tm
		}
	}
	return out, nil
}

// sfFired returns the event IDs of the deadlines fired in t.
func sfFired(t *sla.Timer) map[string]bool {
	return deadlineIDs(t, func(d sla.Deadline) bool { return d.Fired })
}

// deadlineIDs returns the event IDs of the deadlines of t, in every cycle,
// that pick accepts.
func deadlineIDs(t *sla.Timer, pick func(sla.Deadline) bool) map[string]bool {
	out := map[string]bool{}
	add := func(c *sla.Cycle) {
		for i, d := range c.Deadlines {
			if pick(d) {
				out[lifecycle.NotificationID(sla.Process, t.ID, int64(c.Number), i)] = true
			}
		}
	}
	for i := range t.Cycles {
		add(&t.Cycles[i])
	}
	add(&t.Cycle)
	return out
}

// sfAttempt is what one call did, and its count.
type sfAttempt struct {
	lifecycletest.Attempt[*sla.Timer]
	n int
}

// try runs call and counts what it did.
func (h *sfRun) try(t *rapid.T, call func() (int, error)) sfAttempt {
	var n int
	a := sfAttempt{Attempt: h.Try(t, func() (*sla.Timer, error) {
		var err error
		n, err = call()
		return nil, err
	})}
	a.n = n
	if a.InjectedCount(lifecycletest.FaultConflict) >= 5 && errors.Is(a.Err, lifecycle.ErrConflict) {
		h.cov.Add(sfCaseExhausted, 1)
	}
	for _, in := range a.Injected {
		if in.Op == "sla.Claim" {
			h.cov.Add(sfCaseClaimed, 1)
		}
	}
	var ne *lifecycle.NotifyError
	if errors.As(a.Err, &ne) {
		h.cov.Add(lifecycletest.CaseNotifyError, 1)
	}
	if a.Ambiguous() {
		h.cov.Add(sfCaseAmbiguous, 1)
	}
	h.cov.Add(sfCaseStored, len(a.Changed()))
	h.cov.Add(sfCaseDelivered, len(a.Events))
	return a
}

// newlyFired returns the event IDs of the deadlines fired by the changes
// a stored.
func (a sfAttempt) newlyFired() map[string]bool {
	out := map[string]bool{}
	for id, tm := range a.After {
		var was map[string]bool
		if b, ok := a.Before[id]; ok {
			was = sfFired(b)
		}
		for e := range sfFired(tm) {
			if !was[e] {
				out[e] = true
			}
		}
	}
	return out
}

// check verifies one call's clauses:
//   - every event it delivered is a warning or breach that a change it
//     stored fired (checkEvent says which version), delivered once;
//   - a call that returns nil delivered every warning and breach its
//     stored changes fired: none is lost silently;
//   - a call that fails does so with a typed error (or a
//     *lifecycle.NotifyError); the warnings and breaches it fired and did
//     not deliver are lost with that error, which is possible only after
//     a notifier fault or an ambiguous commit, and never with an outbox.
func (h *sfRun) check(t *rapid.T, label string, a sfAttempt) {
	fired := a.newlyFired()
	delivered := map[string]bool{}
	for _, e := range a.Events {
		require.False(t, delivered[e.ID], "%s delivered %s twice", label, e.ID)
		delivered[e.ID] = true
		require.True(t, fired[e.ID], "%s delivered %s (%s), which no change it stored fired", label, e.ID, e.Type)
		h.checkEvent(t, label, e)
	}
	var missed []string
	for id := range fired {
		if !delivered[id] {
			missed = append(missed, id)
		}
	}
	slices.Sort(missed)
	if a.Err == nil {
		require.Empty(t, missed, "%s succeeded but lost warnings or breaches", label)
		return
	}
	var ne *lifecycle.NotifyError
	require.True(t, lifecycletest.Classify(a.Err) != "" || errors.As(a.Err, &ne), "%s failed with an untyped error: %v", label, a.Err)
	if len(missed) == 0 {
		return
	}
	require.False(t, h.Outbox, "%s (%v): with an outbox, %v are stored without their events", label, a.Err, missed)
	cause := len(a.AppliedStoreWrites()) > 0 || slices.ContainsFunc(a.Injected, func(in lifecycletest.Injection) bool {
		return in.Op == "notify" && in.Fault != lifecycletest.FaultAfterWrite
	})
	require.True(t, cause, "%s (%v): %v lost without a notifier fault or an ambiguous commit", label, a.Err, missed)
	h.cov.Add(sfCaseLost, len(missed))
	for _, id := range missed {
		h.lost[id] = true
	}
}

// checkEvent checks that e belongs to a stored timer change: the version
// e.Version of timer e.Subject was stored, its deadline fired there and not
// before, and e carries that version's snapshot of the record.
func (h *sfRun) checkEvent(t require.TestingT, label string, e lifecycle.Notification) {
	sfCheckEvent(t, h.ledger, label, e)
}

func sfCheckEvent(t require.TestingT, ledger *sfLedger, label string, e lifecycle.Notification) {
	require.Equal(t, sla.Process, e.Process, label)
	tm, ok := ledger.get(e.Subject, e.Version)
	require.True(t, ok, "%s: event %s for %s version %d, which was never stored", label, e.ID, e.Subject, e.Version)
	require.True(t, sfFired(tm)[e.ID], "%s: event %s, but version %d of %s has not fired it", label, e.ID, e.Version, e.Subject)
	if prev, ok := ledger.get(e.Subject, e.Version-1); ok {
		require.False(t, sfFired(prev)[e.ID], "%s: event %s, fired before version %d of %s", label, e.ID, e.Version, e.Subject)
	}
	require.Empty(t, lifecycletest.SnapshotDiff(tm.Snapshot, e.Snapshot), "%s: event %s carries another snapshot than its version's", label, e.ID)
}

// retry runs call again with the faults off: the host's relay redelivering
// an event, its scheduler running EvaluateDue again, an operator repairing
// again. It must succeed.
func (h *sfRun) retry(t *rapid.T, label string, call func() (int, error)) sfAttempt {
	defer h.Faults.SetRates(h.Faults.Off())
	h.cov.Add(sfCaseRetry, 1)
	r := h.try(t, call)
	h.check(t, label+" (retry)", r)
	require.NoError(t, r.Err, "%s: a retry without faults", label)
	return r
}

// deliver tells the engine about ev, by Observe or Notify, and redelivers
// it without faults when that failed.
func (h *sfRun) deliver(t *rapid.T, label string, ev lifecycle.Notification) {
	byNotify := rapid.Bool().Draw(t, "by Notify")
	call := func() (int, error) {
		if byNotify {
			// The engine ignores its own process's events.
			return 0, h.engine.Notify(ctx, ev, lifecycle.Notification{Process: sla.Process, Subject: "x/y", Type: sla.EventWarning})
		}
		return 0, h.engine.Observe(ctx, ev)
	}
	a := h.try(t, call)
	h.check(t, label, a)
	if a.Err != nil {
		h.retry(t, label, call)
	}
}

// change makes a record change and delivers its event.
func (h *sfRun) change(t *rapid.T) {
	r := rapid.SampledFrom(h.records).Draw(t, "record")
	at := h.clock.Advance(time.Duration(rapid.IntRange(0, 12*60).Draw(t, "dt_min")) * time.Minute)
	rec := sfNextRecord(t, r.snapshot(), len(r.history)+1, at)
	r.history = append(r.history, rec)
	ev := lifecycle.Notification{
		ID: lifecycle.NotificationID(r.process, r.id, int64(rec.Seq), 0), Process: r.process, Subject: r.id, Type: "changed",
		Actor: "ann", Time: at, Version: int64(rec.Seq), Snapshot: r.snapshot(),
	}
	r.events = append(r.events, ev)
	if rapid.IntRange(0, 4).Draw(t, "no time") == 0 {
		ev.Time = time.Time{} // the engine takes its clock's now, which is at
	}
	h.deliver(t, fmt.Sprintf("observing %s version %d", r.id, rec.Seq), ev)
}

// redeliver delivers an event the engine has already observed, as an
// at-least-once relay does: it changes nothing and notifies nothing.
func (h *sfRun) redeliver(t *rapid.T) {
	r := rapid.SampledFrom(h.records).Draw(t, "record")
	if len(r.events) == 0 {
		t.Skip("nothing to redeliver")
	}
	ev := rapid.SampledFrom(r.events).Draw(t, "event")
	a := h.try(t, func() (int, error) { return 0, h.engine.Observe(ctx, ev) })
	h.check(t, "redelivering", a)
	require.Equal(t, a.Before, a.After, "redelivering %s changed a timer", ev.ID)
	require.Empty(t, a.Events, "redelivering %s notified", ev.ID)
	if a.Err != nil {
		require.ErrorIs(t, a.Err, lifecycletest.ErrInjected, "redelivering %s", ev.ID)
	}
	h.cov.Add(sfCaseRedelivered, 1)
}

// evaluate runs EvaluateDue at a later instant. Its count is the number of
// warnings and breaches it stored (at most, when it failed); when it
// succeeds without meeting a conflict, nothing is left due; when it fails
// (or skipped a timer on a conflict) it is run again without faults.
func (h *sfRun) evaluate(t *rapid.T) {
	now := h.clock.Advance(time.Duration(rapid.IntRange(0, 10*60).Draw(t, "wait_min")) * time.Minute)
	call := func() (int, error) { return h.engine.EvaluateDue(ctx, now) }
	judge := func(label string, a sfAttempt) {
		fired := len(a.newlyFired())
		conflicts := slices.ContainsFunc(a.Injected, func(in lifecycletest.Injection) bool { return in.Fault == lifecycletest.FaultConflict })
		if a.Err != nil {
			require.LessOrEqual(t, a.n, fired, "%s (%v): counted more than it fired", label, a.Err)
			return
		}
		require.Equal(t, fired, a.n, "%s: count", label)
		if !conflicts {
			due, err := h.mem.Due(ctx, now, 0)
			require.NoError(t, err)
			require.Empty(t, due, "%s succeeded and left timers due", label)
		}
		h.cov.Add(sfCaseEvaluated, a.n)
	}
	a := h.try(t, call)
	h.check(t, "EvaluateDue", a)
	judge("EvaluateDue", a)
	if a.Err != nil || slices.ContainsFunc(a.Injected, func(in lifecycletest.Injection) bool { return in.Fault == lifecycletest.FaultConflict }) {
		judge("EvaluateDue (retry)", h.retry(t, "EvaluateDue", call))
	}
}

// repair repairs a record's timers from its history (the agreements are
// the same, so the timers stay as they are but for their version). On
// success it returns the record's timers as stored.
func (h *sfRun) repair(t *rapid.T) {
	r := rapid.SampledFrom(h.records).Draw(t, "record")
	var got []*sla.Timer
	call := func() (int, error) {
		var err error
		got, err = h.engine.Repair(ctx, r.process, r.id, sfFirst, r.history)
		return len(got), err
	}
	a := h.try(t, call)
	h.check(t, "Repair "+r.id, a)
	judge := func(label string, a sfAttempt) {
		if a.Err != nil {
			return
		}
		want, err := h.mem.ListByRecord(ctx, r.id)
		require.NoError(t, err)
		want = slices.DeleteFunc(want, func(tm *sla.Timer) bool { return !tm.Started() })
		require.Equal(t, want, got, "%s returned other timers than it stored (and started)", label)
		h.cov.Add(sfCaseRepaired, len(got))
	}
	judge("Repair", a)
	if a.Err != nil {
		judge("Repair (retry)", h.retry(t, "Repair "+r.id, call))
	}
}

// invariants checks the stored timers against the oracle and the ledger,
// and the delivered events against the ledger:
//   - a record has a timer of an agreement exactly when sla.Replay of the
//     record's history attaches one, and the stored timer is Replay's,
//     evaluated at the same instant (all warnings and breaches due by now
//     fired in both): no cycle is half-applied, whatever failed on the way;
//   - every stored timer went through the store as versions 1..n, one
//     version per change, and the last is what is stored;
//   - every delivered event belongs to a stored version that fired it, and
//     was delivered once; every warning or breach stored as fired was
//     delivered, unless a failed call lost it (never with an outbox).
func (h *sfRun) invariants(t *rapid.T) {
	now := h.clock.Now()
	timers := h.All(t)
	want := 0
	for _, r := range h.records {
		for _, a := range h.agreements {
			if a.Process != "" && a.Process != r.process {
				continue
			}
			id := sla.TimerID(r.id, a.ID)
			stored := timers[id]
			if len(r.history) == 0 {
				require.Nil(t, stored, "%s: a timer of a record never observed", id)
				continue
			}
			// Every record observed has a timer of every agreement of its
			// process, started exactly when Replay's starts.
			require.NotNil(t, stored, "%s: no timer for an observed record", id)
			want++
			rp, ok, err := sla.Replay(a, r.id, sfFirst, r.history)
			require.NoError(t, err)
			require.Equal(t, ok, stored.Started(), "%s: Replay starts %v, stored %v", id, ok, stored.Started())
			if !ok {
				v := int64(len(r.history))
				require.Equal(t, v, stored.RecordVersion, "%s", id)
				require.Equal(t, sla.Journal{}, stored.Journal, "%s: versions came in order", id)
				require.Equal(t, r.snapshot(), stored.Snapshot, "%s", id)
				require.True(t, stored.Next.IsZero())
				continue
			}
			got := stored.Clone()
			got.Evaluate(now)
			rp.Evaluate(now)
			got.Version, rp.Version = 0, 0
			require.Equal(t, rp, got, "%s differs from Replay of its record's history", id)
		}
	}
	require.Len(t, timers, want, "timers of no agreement")
	for id, tm := range timers {
		require.Equal(t, int(tm.Version), h.ledger.count(id), "%s: version %d, stored %d times", id, tm.Version, h.ledger.count(id))
		last, ok := h.ledger.get(id, tm.Version)
		require.True(t, ok)
		require.Equal(t, tm, last, "%s: the ledger's last version is not what is stored", id)
	}
	require.Len(t, h.ledger.ids(), len(timers), "the ledger knows a timer the store does not")
	delivered := map[string]bool{}
	for _, e := range h.Events.Events() {
		require.False(t, delivered[e.ID], "%s delivered twice", e.ID)
		delivered[e.ID] = true
		h.checkEvent(t, "delivered", e)
		require.False(t, h.lost[e.ID], "%s was lost and delivered", e.ID)
	}
	for _, tm := range timers {
		for id := range sfFired(tm) {
			require.True(t, delivered[id] || h.lost[id], "%s fired but was neither delivered nor lost with an error", id)
		}
	}
}

// TestFaultInjection follows records changing at random (events observed
// one by one or through Notify, some without a time, some redelivered),
// evaluates due timers and repairs timers from the records' histories,
// over a timer store (with and without a Claimer and an outbox) and a
// notifier that fail at random, seeded by rapid; a failed call is retried
// without faults, as a relay or a scheduler would. At the end, with the
// faults off, EvaluateDue runs once more: then every warning and breach due
// was delivered exactly once, except those lost with a reported error (a
// failed notifier or an ambiguous commit, without an outbox). See check,
// evaluate, repair and invariants for the properties.
func TestFaultInjection(t *testing.T) {
	cov := &lifecycletest.Coverage{}
	prop := func(t *rapid.T) {
		cov.Add(lifecycletest.CaseRun, 1)
		h := newSFRun(t, cov)
		t.Repeat(map[string]func(*rapid.T){
			"change":    h.change,
			"change2":   h.change,
			"change3":   h.change,
			"redeliver": h.redeliver,
			"evaluate":  h.evaluate,
			"repair":    h.repair,
			"":          func(t *rapid.T) { h.invariants(t) },
		})
		h.Faults.Off()
		now := h.clock.Advance(time.Duration(rapid.IntRange(0, 48*60).Draw(t, "final_wait_min")) * time.Minute)
		a := h.try(t, func() (int, error) { return h.engine.EvaluateDue(ctx, now) })
		h.check(t, "final EvaluateDue", a)
		require.NoError(t, a.Err)
		due, err := h.mem.Due(ctx, now, 0)
		require.NoError(t, err)
		require.Empty(t, due, "due timers left after the final EvaluateDue")
		h.invariants(t)
		if h.Outbox {
			require.Empty(t, h.lost, "an outbox loses nothing")
		}
	}
	cases := append([]string{sfCaseStored, lifecycletest.CaseNotifyError, sfCaseAmbiguous, sfCaseLost, sfCaseRetry, sfCaseExhausted,
		sfCaseDelivered, sfCaseEvaluated, sfCaseRepaired, sfCaseRedelivered, sfCaseClaimed}, lifecycletest.FaultCases()...)
	// Explore until every case was exercised (rarely more than one round),
	// so that the test cannot pass vacuously.
	lifecycletest.Explore(t, 5, cov, cases, func() { rapid.Check(t, prop) })
}

// sfConflictOnce fails the first write of timer id with a conflict, as if
// another replica had stored it first (it did not).
type sfConflictOnce struct {
	sla.Store
	id   string
	done atomic.Bool
}

func (s *sfConflictOnce) Commit(ctx context.Context, w lifecycle.Write[*sla.Timer]) error {
	if w.Record.ID == s.id && s.done.CompareAndSwap(false, true) {
		return lifecycle.Conflict(sla.Process, w.Record.ID, w.Expected, w.Expected+1)
	}
	return s.Store.Commit(ctx, w)
}

// failFor is a notifier that fails the events of timers whose ID ends
// with suffix, and records the others.
func failFor(rec *slatest.Recorder, suffix string) lifecycle.Notifier {
	return lifecycle.NotifierFunc(func(ctx context.Context, evs ...lifecycle.Notification) error {
		if strings.HasSuffix(evs[0].Subject, suffix) {
			return errors.New("mail relay down")
		}
		return rec.Notify(ctx, evs...)
	})
}

// TestObserveKeepsNotifyErrorAcrossConflictRetry: when Observe stores one
// timer, fails to notify its warnings, and then meets a conflict on
// another timer of the same record, the retry skips the first timer (its
// change is stored) and must still report the lost warnings. (Found by
// TestFaultInjection: the retry dropped the first attempt's
// *lifecycle.NotifyError and Observe returned nil, so the relay never
// knew the warnings and the breach were lost.)
func TestObserveKeepsNotifyErrorAcrossConflictRetry(t *testing.T) {
	late := resolutionSLA()
	late.StartAt = func(s lifecycle.Snapshot) time.Time { return s.OpenedAt }
	store := &sfConflictOnce{Store: slatest.NewStore(), id: "INC1/response"}
	rec := &slatest.Recorder{}
	now := t0.Add(10 * time.Hour)
	e, err := sla.New(sla.Config{Store: store, Notifier: failFor(rec, "/resolution"), Clock: lifecycletest.NewClock(now),
		Agreements: []*sla.Agreement{late, responseSLA()}})
	require.NoError(t, err)

	err = e.Observe(ctx, lifecycle.Notification{Process: "incident", Subject: "INC1", Version: 1, Time: now, Snapshot: snap(stNew, 1)})
	var ne *lifecycle.NotifyError
	require.ErrorAs(t, err, &ne, "the resolution timer's warnings and breach were lost")
	tm, gerr := store.Get(ctx, "INC1/resolution")
	require.NoError(t, gerr)
	require.Len(t, sfFired(tm), 4, "stored as fired")
	_, gerr = store.Get(ctx, "INC1/response")
	require.NoError(t, gerr, "the retry attached the response timer")
}

// TestRepairKeepsNotifyErrorAcrossConflictRetry is the same for Repair.
func TestRepairKeepsNotifyErrorAcrossConflictRetry(t *testing.T) {
	history := []lifecycle.Record{
		{Seq: 1, Time: t0, Event: "open", To: stNew, Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldPriority, New: "2"}}},
		{Seq: 2, Time: t0.Add(5 * time.Hour), Event: "assign", From: stNew, To: stProgress},
	}
	first := lifecycle.Snapshot{OpenedAt: t0}
	mem := slatest.NewStore()
	rec := &slatest.Recorder{}
	clock := lifecycletest.NewClock(t0.Add(5 * time.Hour))
	e, err := sla.New(sla.Config{Store: mem, Notifier: rec, Clock: clock, Agreements: []*sla.Agreement{resolutionSLA(), responseSLA()}})
	require.NoError(t, err)
	s := first
	for _, r := range history {
		s = s.Apply(r)
		require.NoError(t, e.Observe(ctx, lifecycle.Notification{Process: "incident", Subject: "INC1", Version: int64(r.Seq), Time: r.Time, Snapshot: s}))
	}

	shorter := resolutionSLA()
	shorter.Durations[2] = 6 * time.Hour // 75 % is now due
	store := &sfConflictOnce{Store: mem, id: "INC1/response"}
	e, err = sla.New(sla.Config{Store: store, Notifier: failFor(rec, "/resolution"), Clock: clock,
		Agreements: []*sla.Agreement{shorter, responseSLA()}})
	require.NoError(t, err)
	ts, err := e.Repair(ctx, "incident", "INC1", first, history)
	var ne *lifecycle.NotifyError
	require.ErrorAs(t, err, &ne, "the warning at 75 percent was lost")
	require.Len(t, ts, 2, "the timers are returned with the notifier's error")
}

// TestFaultInjectionConcurrent runs several engine replicas over one
// faulty store (with or without a Claimer) and notifier: in each round
// every replica observes each record's next change at once (an
// at-least-once relay delivering to all), redelivering until one of them
// succeeds, and then every replica runs EvaluateDue at once (run it under
// -race). Afterwards, with the faults off and EvaluateDue run again: the
// timers are Replay's, each warning and breach was delivered at most once
// across the replicas, each delivered one belongs to a stored version
// that fired it, and the fired ones not delivered are no more than the
// failed notifications and ambiguous commits could lose (none without
// faults).
func TestFaultInjectionConcurrent(t *testing.T) {
	const replicas = 3
	const clean, delivered = "runs without faults", "events delivered"
	cov := &lifecycletest.Coverage{}
	prop := func(t *rapid.T) {
		cov.Add(lifecycletest.CaseRun, 1)
		rates := lifecycletest.Rates{}
		if rapid.IntRange(0, 3).Draw(t, "faults") > 0 {
			rates = sfRates(t)
		} else {
			cov.Add(clean, 1)
		}
		h := newSFRig(&lifecycletest.Coverage{}, rapid.Uint64().Draw(t, "seed"), rates)
		h.agreements = []*sla.Agreement{propAgreement(t), responseSLA(), sfOLA(time.Duration(rapid.IntRange(30, 8*60).Draw(t, "ola_min")) * time.Minute)}
		store := slatest.FaultyStore(sfTimerStore(h.mem, h.ledger, nil, rapid.Bool().Draw(t, "claimer"), false), h.Faults)
		var engines []*sla.Engine
		for i := range replicas {
			e, err := sla.New(sla.Config{Store: store, Notifier: lifecycletest.FaultyNotifier(h.Events, h.Faults), Clock: h.clock,
				Agreements: h.agreements, Owner: fmt.Sprintf("replica-%d", i+1), Batch: rapid.IntRange(1, 4).Draw(t, "batch")})
			require.NoError(t, err)
			engines = append(engines, e)
		}
		// The records change at the same instants, round by round.
		rounds := rapid.IntRange(4, 16).Draw(t, "rounds")
		var evals []time.Time
		for i := range rounds {
			at := h.clock.Now().Add(time.Duration(rapid.IntRange(0, 12*60).Draw(t, "dt_min")) * time.Minute)
			if i > 0 {
				at = evals[i-1].Add(time.Duration(rapid.IntRange(0, 6*60).Draw(t, "dt_min")) * time.Minute)
			}
			for _, r := range h.records {
				rec := sfNextRecord(t, r.snapshot(), len(r.history)+1, at)
				r.history = append(r.history, rec)
				r.events = append(r.events, lifecycle.Notification{
					ID: lifecycle.NotificationID(r.process, r.id, int64(rec.Seq), 0), Process: r.process, Subject: r.id, Type: "changed",
					Time: at, Version: int64(rec.Seq), Snapshot: r.snapshot(),
				})
			}
			evals = append(evals, at.Add(time.Duration(rapid.IntRange(0, 6*60).Draw(t, "eval_min"))*time.Minute))
		}
		var mu sync.Mutex
		var problems []string
		report := func(format string, args ...any) {
			mu.Lock()
			defer mu.Unlock()
			problems = append(problems, fmt.Sprintf(format, args...))
		}
		typed := func(err error) bool {
			var ne *lifecycle.NotifyError
			return err == nil || lifecycletest.Classify(err) != "" || errors.As(err, &ne)
		}
		for i := range rounds {
			h.clock.Set(h.records[0].events[i].Time)
			var wg sync.WaitGroup
			for _, r := range h.records {
				ev := r.events[i]
				wg.Go(func() {
					for attempt := 0; ; attempt++ {
						var ok atomic.Bool
						var inner sync.WaitGroup
						for _, e := range engines {
							inner.Go(func() {
								err := e.Observe(ctx, ev)
								if !typed(err) {
									report("Observe %s: untyped %v", ev.ID, err)
								}
								if err == nil {
									ok.Store(true)
								}
							})
						}
						inner.Wait()
						if ok.Load() {
							return
						}
						if attempt == 100 {
							report("Observe %s: no replica succeeded in 100 rounds", ev.ID)
							return
						}
					}
				})
			}
			wg.Wait()
			h.clock.Set(evals[i])
			for _, e := range engines {
				wg.Go(func() {
					n, err := e.EvaluateDue(ctx, evals[i])
					if !typed(err) || n < 0 {
						report("EvaluateDue: untyped %v (count %d)", err, n)
					}
				})
			}
			wg.Wait()
		}
		if len(problems) > 0 {
			t.Fatalf("%d calls misbehaved:\n%s", len(problems), strings.Join(problems, "\n"))
		}
		h.Faults.Off()
		now := h.clock.Advance(time.Duration(rapid.IntRange(2, 48*60).Draw(t, "final_wait_min")) * time.Minute)
		_, err := engines[0].EvaluateDue(ctx, now)
		require.NoError(t, err)
		due, err := h.mem.Due(ctx, now, 0)
		require.NoError(t, err)
		require.Empty(t, due, "due timers left after the final EvaluateDue")

		// Each event at most once; fired but not delivered only as far as
		// failed notifications and ambiguous commits explain, by the
		// stored version that fired them.
		timers := h.All(t)
		got := map[string]bool{}
		for _, e := range h.Events.Events() {
			require.False(t, got[e.ID], "%s delivered twice across the replicas", e.ID)
			got[e.ID] = true
			sfCheckEvent(t, h.ledger, "delivered", e)
		}
		cov.Add(delivered, len(got))
		lostCommits := map[string]bool{}
		for id, tm := range timers {
			for e := range sfFired(tm) {
				if got[e] {
					continue
				}
				for v := int64(1); v <= tm.Version; v++ {
					if x, _ := h.ledger.get(id, v); sfFired(x)[e] {
						lostCommits[fmt.Sprintf("%s@%d", id, v)] = true
						break
					}
				}
			}
		}
		lossy := 0
		for _, in := range h.Faults.Injected() {
			if in.Op == "notify" && in.Fault != lifecycletest.FaultAfterWrite || in.Fault == lifecycletest.FaultAfterWrite && in.Op == "sla.Commit" {
				lossy++
			}
		}
		require.LessOrEqual(t, len(lostCommits), lossy, "stored changes whose warnings were lost: %v", slices.Sorted(maps.Keys(lostCommits)))
		for _, tm := range timers {
			for e := range sfFired(tm) {
				if !got[e] {
					h.lost[e] = true
				}
			}
		}
		// The timers are Replay's; the ledger has every version.
		h.invariants(t)
	}
	lifecycletest.Explore(t, 1, cov, []string{clean, delivered}, func() { rapid.Check(t, prop) })
}

// With injection off, slatest.FaultyStore honours the whole Store contract;
// it keeps a Claimer and an Outbox when the wrapped store has them, and
// invents none.
func TestFaultyStoreWhenOff(t *testing.T) {
	slatest.TestStore(t, func(*testing.T) sla.Store {
		return slatest.FaultyStore(slatest.NewStore(), lifecycletest.NewFaults(1, lifecycletest.Rates{}))
	})
	f := lifecycletest.NewFaults(1, lifecycletest.Rates{})
	for _, c := range []struct{ claims, outbox bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		s := slatest.FaultyStore(sfTimerStore(slatest.NewStore(), &sfLedger{}, &lifecycletest.Recorder{}, c.claims, c.outbox), f)
		_, claims := s.(sla.Claimer)
		outbox := lifecycle.StoresEvents(s)
		require.Equal(t, c.claims, claims, "%+v", c)
		require.Equal(t, c.outbox, outbox, "%+v", c)
	}
}

// TestRepairKeepsABreachBreached: repairing a timer whose breach fired
// (by EvaluateDue, before any later change was observed) with the same
// agreement gives the same timer: the breach stays fired, reached and the
// cycle breached. (Found by TestFaultInjection, comparing repaired timers
// with Replay: Repair marked the deadlines fired but not reached, so the
// repaired cycle was no longer breached.)
func TestRepairKeepsABreachBreached(t *testing.T) {
	history := []lifecycle.Record{{Seq: 1, Time: t0, Event: "open", To: stNew, Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldPriority, New: "2"}}}}
	first := lifecycle.Snapshot{OpenedAt: t0}
	d := newDesk(t, resolutionSLA())
	d.observe(t, "INC1", 1, t0, first.Apply(history[0]))
	require.Equal(t, 4, d.evaluate(t, t0.Add(9*time.Hour)), "50, 75 and 90 %, and the breach of 8 h")
	before := d.timer(t, "INC1/resolution")
	require.True(t, before.Breached)

	ts, err := d.engine.Repair(ctx, "incident", "INC1", first, history)
	require.NoError(t, err)
	require.Len(t, ts, 1)
	after := ts[0]
	require.True(t, after.Breached, "the breach fired: the cycle stays breached")
	for _, dl := range after.Deadlines {
		require.True(t, dl.Fired && dl.Reached, "%v", dl)
	}
	after.Version = before.Version
	require.Equal(t, before, after, "repairing with the same agreement changes nothing but the version")
	require.Len(t, d.rec.Events(), 4, "nothing is notified twice")
}
