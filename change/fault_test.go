package change_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// The fault-injection tests of change enablement: every Service operation
// (create, every command, approvals that authorize and then schedule,
// scheduling against the booked changes of Store.Scheduled and the
// windows, implement, review, close) over a store, a window source and a
// notifier that fail at random (lifecycletest.Faults), seeded by rapid.

var (
	cfRate     = rapid.SampledFrom([]float64{0, 0.05, 0.15})
	cfActors   = []lifecycle.Actor{alice, bob, carol, dave, erin, frank}
	cfGenActor = rapid.SampledFrom(cfActors)
	cfMembers  = rapid.SampledFrom([]lifecycle.Actor{carol, dave, erin, frank})
)

// cfRates draws fault rates: mostly a few percent of each fault, and now
// and then a storm of conflicts.
func cfRates(t *rapid.T) lifecycletest.Rates {
	if rapid.IntRange(0, 7).Draw(t, "conflict storm") == 0 {
		return lifecycletest.Rates{Conflict: 0.9}
	}
	return lifecycletest.Rates{
		Error:      cfRate.Draw(t, "error rate"),
		Timeout:    cfRate.Draw(t, "timeout rate"),
		Conflict:   cfRate.Draw(t, "conflict rate"),
		AfterWrite: cfRate.Draw(t, "after-write rate"),
	}
}

// cfLedgerStore sits between the faulty store and the real one and tells
// the ledger about every version the real store accepted.
type cfLedgerStore struct {
	change.Store
	ledger *lifecycletest.Ledger
}

func (s *cfLedgerStore) Commit(ctx context.Context, w lifecycle.Write[*change.Change]) error {
	if err := s.Store.Commit(ctx, w); err != nil {
		return err
	}
	s.ledger.Add(change.Process, w.Record.ID, w.Record.Version, w.Record.Snapshot())
	return nil
}

// cfLedgerOutbox gives the ledger store a transactional outbox; the
// Recorder stands for the host's relay. (Not atomic under concurrency; the
// outbox runs are sequential.)
type cfLedgerOutbox struct {
	*cfLedgerStore
	relay *lifecycletest.Recorder
}

// StoresEvents makes the store a lifecycle.Outbox: its Commit keeps
// the events.
func (o *cfLedgerOutbox) StoresEvents() bool { return true }

func (o *cfLedgerOutbox) Commit(ctx context.Context, w lifecycle.Write[*change.Change]) error {
	if err := o.cfLedgerStore.Commit(ctx, w); err != nil {
		return err
	}
	return o.relay.Notify(ctx, w.Events...)
}

// cfFaultyWindows makes the window source flaky too: it is a read.
type cfFaultyWindows struct {
	inner change.WindowSource
	f     *lifecycletest.Faults
}

func (w cfFaultyWindows) Windows(ctx context.Context, cis []string, from, to time.Time) ([]change.Window, error) {
	if err := w.f.Read("windows.Windows"); err != nil {
		return nil, err
	}
	return w.inner.Windows(ctx, cis, from, to)
}

// cfCoverage counts, over all runs, what the runs exercised, so that the
// test fails rather than passing vacuously.
type cfCoverage struct {
	stored, refused, ambiguous, notifyErrors, scheduleFailed     int
	retries, pinned, scheduleConflicts, overrides, autoScheduled int
	faults                                                       map[lifecycletest.Fault]int
	ops                                                          map[string]int // operations that stored a change, by kind
}

// cfRun is one rapid run: a Service over a faulty store, window source and
// notifier, with the real store, the delivered events and the ledger of
// stored versions kept aside for the checks.
type cfRun struct {
	cov    *cfCoverage
	rules  change.Rules
	outbox bool
	mem    *changetest.Store
	ledger *lifecycletest.Ledger
	faults *lifecycletest.Faults
	events *lifecycletest.Recorder
	clock  *lifecycletest.Clock
	seq    atomic.Int64
	svc    *change.Service
}

func cfID(n int64) string { return fmt.Sprintf("CHG%03d", n) }

func newCFRun(t require.TestingT, cov *cfCoverage, seed uint64, rates lifecycletest.Rates, outbox bool) *cfRun {
	h := &cfRun{
		cov:    cov,
		rules:  propertyRules(),
		mem:    changetest.NewStore(),
		ledger: &lifecycletest.Ledger{},
		events: &lifecycletest.Recorder{},
		clock:  lifecycletest.NewClock(t0),
		faults: lifecycletest.NewFaults(seed, rates),
	}
	var store change.Store = &cfLedgerStore{Store: h.mem, ledger: h.ledger}
	if h.outbox = outbox; outbox {
		store = &cfLedgerOutbox{cfLedgerStore: store.(*cfLedgerStore), relay: h.events}
	}
	svc, err := change.New(change.Config{
		Store:    changetest.FaultyStore(store, h.faults),
		Notifier: lifecycletest.FaultyNotifier(h.events, h.faults),
		Clock:    h.clock,
		IDs:      func() string { return cfID(h.seq.Add(1)) },
		Windows:  cfFaultyWindows{propertyWindows, h.faults},
		Rules:    h.rules,
	})
	require.NoError(t, err)
	h.svc = svc
	return h
}

// all returns every stored change, read from the real store.
func (h *cfRun) all(t require.TestingT) map[string]*change.Change {
	return cfAll(t, h.mem)
}

func cfAll(t require.TestingT, s change.Store) map[string]*change.Change {
	out := map[string]*change.Change{}
	f := change.Filter{Limit: change.MaxLimit}
	for {
		page, err := s.List(ctx, f)
		require.NoError(t, err)
		for _, c := range page.Changes {
			out[c.ID] = export(t, s, c.ID)
		}
		if page.Next == "" {
			return out
		}
		f.After = page.Next
	}
}

func (h *cfRun) ids(t *rapid.T) []string {
	var ids []string
	for id := range h.all(t) {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// cfOp is one operation, run against a Service: the faulty one, or a
// fault-free shadow.
type cfOp func(svc *change.Service) (*change.Change, error)

// cfAttempt is what one call of an operation did.
type cfAttempt struct {
	got      *change.Change
	err      error
	injected []lifecycletest.Injection
	events   []lifecycle.Notification
	before   map[string]*change.Change
	after    map[string]*change.Change
}

func (h *cfRun) try(t *rapid.T, op cfOp) cfAttempt {
	a := cfAttempt{before: h.all(t)}
	nIn, nEv := len(h.faults.Injected()), len(h.events.Events())
	a.got, a.err = op(h.svc)
	a.injected = h.faults.Injected()[nIn:]
	a.events = h.events.Events()[nEv:]
	a.after = h.all(t)
	for _, in := range a.injected {
		h.cov.faults[in.Fault]++
	}
	var ne *lifecycle.NotifyError
	switch {
	case errors.As(a.err, &ne):
		h.cov.notifyErrors++
	case a.err != nil && a.got != nil:
		h.cov.scheduleFailed++
	case a.err == nil:
		if len(a.changed()) > 0 {
			h.cov.stored++
		}
	case len(a.appliedStoreWrites()) > 0:
		h.cov.ambiguous++
	default:
		h.cov.refused++
	}
	if errors.Is(a.err, change.ErrScheduleConflict) {
		h.cov.scheduleConflicts++
	}
	return a
}

// appliedStoreWrites returns the store writes of a that failed but took
// effect (ambiguous commits).
func (a cfAttempt) appliedStoreWrites() []string {
	var ops []string
	for _, op := range lifecycletest.AppliedWrites(a.injected) {
		if strings.HasPrefix(op, "change.") {
			ops = append(ops, op)
		}
	}
	return ops
}

// changed lists the IDs of the changes a stored or created.
func (a cfAttempt) changed() []string {
	var ids []string
	for id, c := range a.after {
		if b, ok := a.before[id]; !ok || b.Version != c.Version {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

func cfNotified(events []lifecycle.Notification, id string, v int64) bool {
	return slices.ContainsFunc(events, func(e lifecycle.Notification) bool { return e.Subject == id && e.Version == v })
}

// check verifies one attempt's clauses:
//   - success, or a failure that stored anyway (a result with the error:
//     a *NotifyError, or an approval stored whose scheduling failed),
//     returns the change exactly as stored (as last stored by the
//     Service, when a later write was an ambiguous commit); every version
//     a success stored (an approval's and its scheduling's) was notified;
//     a NotifyError comes with a notifier fault; a failed scheduling is a
//     typed error;
//   - any other failure returns no change and a typed error, delivers no
//     event, and stores nothing, except for the one change of an
//     ambiguous commit, whose events are lost without an outbox and kept
//     with one.
func (h *cfRun) check(t *rapid.T, label string, a cfAttempt) {
	if a.err == nil || a.got != nil {
		require.NotNil(t, a.got, "%s: success without a change", label)
		if len(a.appliedStoreWrites()) == 0 {
			require.Equal(t, bare(a.after[a.got.ID]), a.got, "%s: the returned change is what is stored, without its history", label)
		} else {
			snap, ok := h.ledger.Snapshot(change.Process, a.got.ID, a.got.Version)
			require.True(t, ok, "%s returned %s version %d, which was never stored", label, a.got.ID, a.got.Version)
			require.Empty(t, lifecycletest.SnapshotDiff(snap, a.got.Snapshot()), "%s returned something else than it stored", label)
		}
		if a.err == nil {
			for _, id := range a.changed() {
				from := int64(0)
				if b, ok := a.before[id]; ok {
					from = b.Version
				}
				for v := from + 1; v <= a.after[id].Version; v++ {
					require.True(t, cfNotified(a.events, id, v), "%s succeeded but version %d of %s was not notified", label, v, id)
				}
			}
			return
		}
		require.NotEmpty(t, a.changed(), "%s: %v, but nothing was stored", label, a.err)
		var ne *lifecycle.NotifyError
		if errors.As(a.err, &ne) {
			require.True(t, slices.ContainsFunc(a.injected, func(in lifecycletest.Injection) bool { return in.Op == "notify" }),
				"%s: a NotifyError without a notifier fault: %v", label, a.err)
			require.NotEmpty(t, lifecycletest.Classify(ne.Err), "%s: untyped notifier error %v", label, ne.Err)
			return
		}
		require.Contains(t, a.err.Error(), "approved and authorized, but scheduling it failed", "%s: a result with an error", label)
		require.NotEmpty(t, lifecycletest.Classify(a.err), "%s: untyped scheduling error %v", label, a.err)
		require.Equal(t, change.StateAuthorize, a.got.State, "%s: the approval is returned", label)
		return
	}
	require.NotEmpty(t, lifecycletest.Classify(a.err), "%s failed with an untyped error: %v", label, a.err)
	applied := a.appliedStoreWrites()
	if len(applied) == 0 {
		require.Empty(t, a.events, "%s failed (%v) but delivered events", label, a.err)
		require.Equal(t, a.before, a.after, "%s failed (%v) and changed the store", label, a.err)
		return
	}
	require.Len(t, applied, 1, "%s: one write at most", label)
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

// shadow returns a fault-free Service over a copy of the stored changes,
// at the same instant, with the same rules and windows, naming new changes
// as the faulty service will next: the oracle of a clean retry.
func (h *cfRun) shadow(t require.TestingT) (*change.Service, *changetest.Store, *lifecycletest.Recorder) {
	mem := changetest.NewStore()
	for _, c := range h.all(t) {
		require.NoError(t, change.ImportTo(ctx, mem, c))
	}
	rec := &lifecycletest.Recorder{}
	next := h.seq.Load()
	svc, err := change.New(change.Config{
		Store:    mem,
		Notifier: rec,
		Clock:    lifecycletest.NewClock(h.clock.Now()),
		IDs:      func() string { next++; return cfID(next) },
		Windows:  propertyWindows,
		Rules:    h.rules,
	})
	require.NoError(t, err)
	return svc, mem, rec
}

// cleanRetry runs op again with the faults off and checks that it does
// exactly what a fault-free service does on the same stored changes: the
// same result, the same error kind, the same stored changes and the same
// events. So the failed attempt left nothing half-done that the retry
// trips on, and the retry never fails with an injected fault.
func (h *cfRun) cleanRetry(t *rapid.T, label string, op cfOp) cfAttempt {
	defer h.faults.SetRates(h.faults.Off())
	h.cov.retries++
	svc, mem, rec := h.shadow(t)
	wantGot, wantErr := op(svc)
	a := h.try(t, op)
	h.check(t, label+" (clean retry)", a)
	require.Equal(t, lifecycletest.Classify(wantErr), lifecycletest.Classify(a.err), "%s: a fault-free service says %v, the retry %v", label, wantErr, a.err)
	require.Equal(t, wantErr == nil, a.err == nil, "%s: a fault-free service says %v, the retry %v", label, wantErr, a.err)
	require.Equal(t, wantGot, a.got, "%s: the retry returned something else than a fault-free service", label)
	require.Equal(t, cfAll(t, mem), a.after, "%s: the retry stored something else than a fault-free service", label)
	require.Equal(t, rec.Events(), a.events, "%s: the retry notified something else than a fault-free service", label)
	return a
}

// cfCommandID is the ID a command names.
func cfCommandID(cmd change.Command) string {
	return reflect.ValueOf(cmd).FieldByName("ID").String()
}

// operate runs cmd through the Service, checks the attempt, and then:
//   - when the first attempt stored nothing, retries it with the faults
//     off: it does exactly what a fault-free service does (cleanRetry);
//   - when its change was stored (a success, a failure that stored
//     anyway, or an ambiguous commit), a retry pinned to the version read
//     first fails with ErrConflict and changes nothing;
//   - when an approval was stored but its scheduling failed, scheduling
//     it again (as the host would) does what a fault-free service does.
func (h *cfRun) operate(t *rapid.T, actor lifecycle.Actor, cmd change.Command) {
	label := fmt.Sprintf("%T by %q", cmd, actor.ID)
	h.clock.Advance(time.Minute)
	op := func(svc *change.Service) (*change.Change, error) { return svc.Do(ctx, actor, cmd) }
	a := h.try(t, op)
	h.check(t, label, a)
	if len(a.changed()) > 0 {
		h.cov.ops[fmt.Sprintf("%T", cmd)]++
	}
	if _, ok := cmd.(change.Approve); ok && a.err == nil && a.got.State == change.StateScheduled {
		h.cov.autoScheduled++
	}
	if _, ok := cmd.(change.Schedule); ok && a.err == nil && a.got.Override != nil {
		h.cov.overrides++
	}
	if a.err == nil {
		return
	}
	id := cfCommandID(cmd)
	base, known := a.before[id]
	if len(a.changed()) == 0 {
		h.cleanRetry(t, label, op)
		return
	}
	if known {
		h.cov.pinned++
		func() {
			defer h.faults.SetRates(h.faults.Off())
			r := h.try(t, func(svc *change.Service) (*change.Change, error) {
				return svc.Do(ctx, actor, lifecycletest.PinVersion(cmd, base.Version))
			})
			h.check(t, label+" (pinned retry)", r)
			require.ErrorIs(t, r.err, lifecycle.ErrConflict, "%s: a retry pinned to the version before a stored change", label)
		}()
	}
	var ne *lifecycle.NotifyError
	if a.got != nil && !errors.As(a.err, &ne) {
		sched := change.Schedule{ID: a.got.ID, Version: a.got.Version}
		h.cleanRetry(t, label+": scheduling again", func(svc *change.Service) (*change.Change, error) {
			return svc.Do(ctx, lifecycle.System, sched)
		})
	}
}

// create makes a change like the property test does, and checks it like
// operate; a failure that stored nothing is retried cleanly.
func (h *cfRun) create(t *rapid.T) {
	start, end := genWindow(t)
	req := change.Create{
		Type:        rapid.SampledFrom([]change.Type{change.Standard, change.Normal, change.Emergency}).Draw(t, "new_type"),
		Title:       "Change",
		ConfigItems: rapid.SliceOfDistinct(rapid.SampledFrom(allCIs), rapid.ID[string]).Draw(t, "new_cis"),
		Plans:       genPlans(t), PlannedStart: start, PlannedEnd: end,
	}
	if req.Type == change.Standard {
		req.Template, req.Plans = "os-patch", change.Plans{}
	}
	if rapid.IntRange(0, 4).Draw(t, "unplanned") == 0 {
		req.PlannedStart, req.PlannedEnd = time.Time{}, time.Time{}
	}
	requester := alice
	if rapid.IntRange(0, 3).Draw(t, "other_requester") == 0 {
		requester = cfGenActor.Draw(t, "requester")
	}
	h.clock.Advance(time.Minute)
	op := func(svc *change.Service) (*change.Change, error) { return svc.Create(ctx, requester, req) }
	a := h.try(t, op)
	h.check(t, "create", a)
	if len(a.changed()) > 0 {
		h.cov.ops["Create"]++
	}
	if a.err == nil || a.got != nil {
		return
	}
	h.cleanRetry(t, "create", op)
}

// command runs a random command (the property test's generator) by a
// random actor, an approver for the approval commands mostly.
func (h *cfRun) command(t *rapid.T) {
	ids := h.ids(t)
	if len(ids) == 0 {
		t.Skip("no change yet")
	}
	c := h.all(t)[rapid.SampledFrom(ids).Draw(t, "change")]
	cmd := genCommand(t, c)
	actor := cfGenActor.Draw(t, "actor")
	switch cmd.(type) {
	case change.Approve, change.Reject, change.Schedule:
		if rapid.IntRange(0, 3).Draw(t, "approver") > 0 {
			actor = cfMembers.Draw(t, "member")
		}
	}
	h.operate(t, actor, cmd)
}

// drive moves a change one step along its happy path, as the right actor:
// assess, request approval, approve (which schedules when authorized and
// free), schedule (with an override by a change manager when the window
// has conflicts), implement, review, close.
func (h *cfRun) drive(t *rapid.T) {
	h.driveIn(t, change.StateNew, change.StateAssess, change.StateAuthorize, change.StateScheduled, change.StateImplement, change.StateReview)
}

// driveIn drives a change in one of states.
func (h *cfRun) driveIn(t *rapid.T, states ...change.State) {
	all := h.all(t)
	var ids []string
	for _, id := range h.ids(t) {
		if slices.Contains(states, all[id].State) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		t.Skip("no change to drive")
	}
	c := all[rapid.SampledFrom(ids).Draw(t, "change")]
	var cmd change.Command
	actor := alice
	switch {
	case (c.State == change.StateAssess || c.State == change.StateAuthorize || c.State == change.StateScheduled) &&
		rapid.IntRange(0, 9).Draw(t, "revert") == 0:
		cmd = change.Revert{ID: c.ID, Reason: "replan"}
	case c.State == change.StateNew && c.Type == change.Normal:
		cmd = change.Assess{ID: c.ID}
	case c.State == change.StateNew && c.Type == change.Emergency, c.State == change.StateAssess:
		cmd = change.RequestApproval{ID: c.ID}
	case c.State == change.StateNew: // standard
		cmd = change.Schedule{ID: c.ID}
	case c.State == change.StateAuthorize && !c.Authorized():
		if rapid.IntRange(0, 4).Draw(t, "reject") == 0 {
			cmd = change.Reject{ID: c.ID, Comment: "not now"}
		} else {
			cmd = change.Approve{ID: c.ID, Comment: "fine"}
		}
		var members []lifecycle.Actor
		for _, a := range []lifecycle.Actor{carol, dave, erin, frank} {
			if c.Authority != nil && c.Authority.Member(a) && a.ID != c.Requester && a.ID != c.OpenedBy &&
				!slices.ContainsFunc(c.Approvals, func(x change.Approval) bool { return x.Approver == a.ID }) {
				members = append(members, a)
			}
		}
		if len(members) == 0 || rapid.IntRange(0, 5).Draw(t, "anyone") == 0 {
			members = []lifecycle.Actor{carol, dave, erin, frank}
		}
		actor = rapid.SampledFrom(members).Draw(t, "approver")
	case c.State == change.StateAuthorize:
		cmd = change.Schedule{ID: c.ID}
	case c.State == change.StateScheduled:
		cmd = change.Implement{ID: c.ID}
	case c.State == change.StateImplement:
		cmd = change.Review{ID: c.ID, Outcome: change.OutcomeSuccessful, Notes: "went well"}
	case c.State == change.StateReview:
		cmd = change.Close{ID: c.ID}
	default:
		t.Skip("nothing to drive")
	}
	if s, ok := cmd.(change.Schedule); ok {
		conflicts, err := h.svc.Conflicts(ctx, c.ID)
		if err == nil && len(conflicts) > 0 && rapid.Bool().Draw(t, "override") {
			s.Override, s.Reason = true, "the outage is agreed"
			actor = rapid.SampledFrom([]lifecycle.Actor{carol, dave}).Draw(t, "change manager")
		}
		cmd = s
	}
	if rapid.Bool().Draw(t, "pin") {
		cmd = lifecycletest.PinVersion(cmd, c.Version)
	}
	h.operate(t, actor, cmd)
}

// read checks that reads under faults either answer exactly what the
// fault-free service answers or fail with a typed error.
func (h *cfRun) read(t *rapid.T) {
	ids := h.ids(t)
	id := rapid.SampledFrom(append(ids, "CHG999")).Draw(t, "id")
	c, err := h.svc.Get(ctx, id)
	want, werr := h.mem.Get(ctx, id)
	if err != nil {
		require.Nil(t, c)
		require.True(t, errors.Is(err, lifecycletest.ErrInjected) || errors.Is(err, lifecycle.ErrNotFound), "Get: %v", err)
	} else {
		require.NoError(t, werr)
		require.Equal(t, want, c)
	}
	page, err := h.svc.List(ctx, change.Filter{Limit: change.MaxLimit})
	if err != nil {
		require.ErrorIs(t, err, lifecycletest.ErrInjected)
	} else {
		require.Len(t, page.Changes, len(ids))
	}
	svc, _, _ := h.shadow(t)
	wantConflicts, wantErr := svc.Conflicts(ctx, id)
	conflicts, err := h.svc.Conflicts(ctx, id)
	if err != nil && errors.Is(err, lifecycletest.ErrInjected) {
		require.Nil(t, conflicts)
	} else {
		require.Equal(t, lifecycletest.Classify(wantErr), lifecycletest.Classify(err))
		require.Equal(t, wantConflicts, conflicts)
	}
}

// invariants checks the real store after every step: no change is
// half-applied (CheckHistory, and the property test's rules: the state on
// the type's path, approvals only by members of the authority, never
// scheduled without the required approvals, booked with conflicts only
// with an override, ...), no two booked changes overlap on a
// configuration item unless one of them was booked with an override (a
// failed read of the booked changes never lets a conflict through), every
// stored version went through the store exactly once, and every delivered
// event belongs to a stored version and was delivered once (with an
// outbox: every stored version has its events).
func (h *cfRun) invariants(t *rapid.T) {
	all := h.all(t)
	for id, c := range all {
		if err := lifecycletest.CheckHistory(c.Snapshot(), c.Version, c.History); err != nil {
			t.Fatalf("change %s is half-applied: %v", id, err)
		}
		checkInvariants(t, h.rules, c)
		vs := h.ledger.Versions(change.Process, id)
		require.Len(t, vs, int(c.Version), "%s: stored versions %v at version %d", id, vs, c.Version)
		for i, v := range vs {
			require.Equal(t, int64(i+1), v)
		}
		snap, _ := h.ledger.Snapshot(change.Process, id, c.Version)
		require.Empty(t, lifecycletest.SnapshotDiff(c.Snapshot(), snap), "%s: ledger disagrees with the store", id)
		if !c.State.Booked() || c.Override != nil {
			continue
		}
		for oid, o := range all {
			if oid != id && o.Override == nil && change.Overlaps(o, c.ConfigItems, c.PlannedStart, c.PlannedEnd) {
				t.Fatalf("%s and %s are booked on the same item at the same time, without an override", id, oid)
			}
		}
	}
	require.Len(t, h.ledger.Subjects(change.Process), len(all), "the ledger knows a change the store does not")
	events := h.events.Events()
	if h.outbox {
		for _, id := range h.ledger.Subjects(change.Process) {
			for _, v := range h.ledger.Versions(change.Process, id) {
				require.True(t, cfNotified(events, id, v), "version %d of %s is stored without its events", v, id)
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
// (create; every command with random input; changes driven along their
// happy path through approvals, conflict-checked scheduling with and
// without overrides, implementation, review and closure; reads) over a
// store, a window source and a notifier that fail at random, seeded by
// rapid, with and without a transactional outbox. See check, cleanRetry,
// operate and invariants for the properties.
func TestFaultInjection(t *testing.T) {
	cov := &cfCoverage{faults: map[lifecycletest.Fault]int{}, ops: map[string]int{}}
	prop := func(t *rapid.T) {
		h := newCFRun(t, cov, rapid.Uint64().Draw(t, "seed"), cfRates(t), rapid.Bool().Draw(t, "outbox"))
		t.Repeat(map[string]func(*rapid.T){
			"create":  h.create,
			"command": h.command,
			"drive":   h.drive,
			"drive2":  h.drive,
			"approve": func(t *rapid.T) { h.driveIn(t, change.StateAuthorize) },
			"read":    h.read,
			"later": func(t *rapid.T) {
				h.clock.Advance(time.Duration(rapid.IntRange(0, 600).Draw(t, "minutes")) * time.Minute)
			},
			"": func(t *rapid.T) { h.invariants(t) },
		})
		h.invariants(t)
	}
	// Explore until every case was exercised (rarely more than one round),
	// so that the test cannot pass vacuously.
	for round := 1; ; round++ {
		rapid.Check(t, prop)
		missing := cov.missing()
		if t.Failed() || len(missing) == 0 {
			break
		}
		if round == 5 {
			t.Fatalf("never exercised in %d rounds: %v", round, missing)
		}
		t.Logf("round %d: not yet exercised: %v", round, missing)
	}
	t.Logf("coverage: %+v", *cov)
}

// missing lists the cases the runs have not exercised yet.
func (cov *cfCoverage) missing() []string {
	var out []string
	for name, n := range map[string]int{
		"stored": cov.stored, "refused": cov.refused, "ambiguous": cov.ambiguous, "notify errors": cov.notifyErrors,
		"approvals stored whose scheduling failed": cov.scheduleFailed, "clean retries": cov.retries, "pinned retries": cov.pinned,
		"schedule conflicts": cov.scheduleConflicts, "overrides": cov.overrides, "approvals that scheduled": cov.autoScheduled,
		"error faults": cov.faults[lifecycletest.FaultError], "timeout faults": cov.faults[lifecycletest.FaultTimeout],
		"conflict faults": cov.faults[lifecycletest.FaultConflict], "after-write faults": cov.faults[lifecycletest.FaultAfterWrite],
	} {
		if n == 0 {
			out = append(out, name)
		}
	}
	for _, k := range []string{"Create", "change.Update", "change.Assess", "change.RequestApproval", "change.Approve", "change.Reject",
		"change.Schedule", "change.Revert", "change.Implement", "change.Review", "change.Close", "change.Cancel"} {
		if cov.ops[k] == 0 {
			out = append(out, k+" stored")
		}
	}
	slices.Sort(out)
	return out
}

// cfOutcome is what one concurrent operation reported.
type cfOutcome struct {
	label    string
	id       string
	version  int64
	snap     lifecycle.Snapshot
	notified bool // plain success: its own change must have been notified
}

// concurrentOp performs one random step along a change's happy path (or a
// cancel, a revert, an update) without rapid (goroutines must not draw),
// and judges what it can alone.
func (h *cfRun) concurrentOp(r *rand.Rand, ids []string) (cfOutcome, string) {
	id := ids[r.IntN(len(ids))]
	c, err := h.mem.Get(ctx, id)
	if err != nil {
		return cfOutcome{}, err.Error()
	}
	actor := alice
	var cmd change.Command
	switch {
	case r.IntN(12) == 0:
		cmd = change.Cancel{ID: id, Reason: "not needed"}
	case r.IntN(12) == 0:
		cmd = change.Revert{ID: id, Reason: "replan"}
	case r.IntN(12) == 0:
		start := t0.Add(time.Duration(r.IntN(72)) * time.Hour)
		cmd = change.Update{ID: id, PlannedStart: start, PlannedEnd: start.Add(2 * time.Hour)}
	case c.State == change.StateNew && c.Type == change.Normal:
		cmd = change.Assess{ID: id}
	case c.State == change.StateNew && c.Type == change.Emergency, c.State == change.StateAssess:
		cmd = change.RequestApproval{ID: id}
	case c.State == change.StateAuthorize && !c.Authorized():
		cmd = change.Approve{ID: id, Comment: "fine"}
		actor = []lifecycle.Actor{carol, dave, erin, frank}[r.IntN(4)]
	case c.State == change.StateNew, c.State == change.StateAuthorize:
		cmd = change.Schedule{ID: id}
		if r.IntN(2) == 0 {
			cmd, actor = change.Schedule{ID: id, Override: true, Reason: "agreed"}, carol
		}
	case c.State == change.StateScheduled:
		cmd = change.Implement{ID: id}
	case c.State == change.StateImplement:
		cmd = change.Review{ID: id, Outcome: change.OutcomeSuccessful, Notes: "went well"}
	default:
		cmd = change.Close{ID: id}
	}
	if r.IntN(2) == 0 {
		cmd = lifecycletest.PinVersion(cmd, c.Version)
	}
	label := fmt.Sprintf("%T by %s", cmd, actor.ID)
	got, err := h.svc.Do(ctx, actor, cmd)
	if err == nil || got != nil {
		if got == nil {
			return cfOutcome{}, fmt.Sprintf("%s: success without a change", label)
		}
		return cfOutcome{label: label, id: got.ID, version: got.Version, snap: got.Snapshot(), notified: err == nil}, ""
	}
	if lifecycletest.Classify(err) == "" {
		return cfOutcome{}, fmt.Sprintf("%s failed with an untyped error: %v", label, err)
	}
	return cfOutcome{}, ""
}

// TestFaultInjectionConcurrent runs goroutines driving the same few changes
// at once (approvals racing, schedules checking each other's windows) over
// a faulty store, window source and notifier (run it under -race).
// Afterwards every operation that reported a stored result returned the
// change exactly as stored at its version, every plain success was
// notified, and the invariants of TestFaultInjection hold, the overlap
// check included: schedules racing on an item serialize on its guard.
func TestFaultInjectionConcurrent(t *testing.T) {
	goroutines, ops := 6, 30
	var runs, plain, storedWithError atomic.Int64
	defer func() {
		if !t.Failed() {
			t.Logf("%d runs: %d plain successes, %d stored with an error", runs.Load(), plain.Load(), storedWithError.Load())
			if plain.Load() == 0 || storedWithError.Load() == 0 {
				t.Error("a case was never exercised")
			}
		}
	}()
	rapid.Check(t, func(t *rapid.T) {
		runs.Add(1)
		seed := rapid.Uint64().Draw(t, "seed")
		cov := &cfCoverage{faults: map[lifecycletest.Fault]int{}, ops: map[string]int{}}
		h := newCFRun(t, cov, seed, cfRates(t), false)
		prev := h.faults.Off()
		var ids []string
		for i, typ := range []change.Type{change.Normal, change.Emergency, change.Standard, change.Normal} {
			start := t0.Add(time.Duration(24+i) * time.Hour)
			req := change.Create{Type: typ, Title: "Change", ConfigItems: []string{"web", "db"}, Plans: fullPlans,
				PlannedStart: start, PlannedEnd: start.Add(3 * time.Hour)}
			if typ == change.Standard {
				req.Template, req.Plans = "os-patch", change.Plans{}
			}
			c, err := h.svc.Create(ctx, alice, req)
			require.NoError(t, err)
			ids = append(ids, c.ID)
		}
		h.faults.SetRates(prev)
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			outcomes []cfOutcome
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
			snap, ok := h.ledger.Snapshot(change.Process, o.id, o.version)
			require.True(t, ok, "%s returned %s version %d, which was never stored", o.label, o.id, o.version)
			require.Empty(t, lifecycletest.SnapshotDiff(snap, o.snap), "%s returned something else than it stored", o.label)
			if o.notified {
				plain.Add(1)
				require.True(t, cfNotified(events, o.id, o.version), "%s succeeded but %s version %d was not notified", o.label, o.id, o.version)
			} else {
				storedWithError.Add(1)
			}
		}
	})
}

// With injection off, changetest.FaultyStore honours the whole Store
// contract; it keeps an Outbox when the wrapped store has one, and invents
// none.
func TestFaultyStoreWhenOff(t *testing.T) {
	changetest.TestStore(t, func(*testing.T) change.Store {
		return changetest.FaultyStore(changetest.NewStore(), lifecycletest.NewFaults(1, lifecycletest.Rates{}))
	})
	f := lifecycletest.NewFaults(1, lifecycletest.Rates{})
	ok := lifecycle.StoresEvents(changetest.FaultyStore(changetest.NewStore(), f))
	require.False(t, ok)
	ob := &cfLedgerOutbox{cfLedgerStore: &cfLedgerStore{Store: changetest.NewStore(), ledger: &lifecycletest.Ledger{}}, relay: &lifecycletest.Recorder{}}
	ok = lifecycle.StoresEvents(changetest.FaultyStore(ob, f))
	require.True(t, ok)
}
