package change_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
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
	cfActors   = []lifecycle.Actor{alice, bob, carol, dave, erin, frank}
	cfGenActor = rapid.SampledFrom(cfActors)
	cfMembers  = rapid.SampledFrom([]lifecycle.Actor{carol, dave, erin, frank})
)

// cfRates draws fault rates: mostly a few percent of each fault, and now
// and then a storm of conflicts.
func cfRates(t *rapid.T) lifecycletest.Rates {
	return lifecycletest.DrawRates(func(label string, n int) int { return rapid.IntRange(0, n-1).Draw(t, label) }, true)
}

// cfLedgerStore sits between the faulty store and the real one: its Tap
// tells the ledger about every version the real store accepted and, as an
// outbox, relays the events stored with each change.
type cfLedgerStore struct {
	change.Store
	tap lifecycletest.Tap[*change.Change]
}

func (s cfLedgerStore) Commit(ctx context.Context, w lifecycle.Write[*change.Change]) error {
	return s.tap.Commit(ctx, w, s.Store.Commit)
}

// StoresEvents makes the store a lifecycle.Outbox when its Tap relays.
func (s cfLedgerStore) StoresEvents() bool { return s.tap.StoresEvents() }

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

// The cases TestFaultInjection must exercise, besides the faults, the
// outcomes and the commands stored.
const (
	cfCaseScheduleFailed    = "approvals stored whose scheduling failed"
	cfCaseRetry             = "clean retries"
	cfCasePinned            = "pinned retries"
	cfCaseScheduleConflicts = "schedule conflicts"
	cfCaseOverrides         = "overrides"
	cfCaseAutoScheduled     = "approvals that scheduled"
)

// cfRun is one rapid run: a Service over a faulty store, window source and
// notifier, with the rig keeping the real store, the delivered events and
// the ledger of stored versions aside for the checks.
type cfRun struct {
	*lifecycletest.Rig[*change.Change]
	cov   *lifecycletest.Coverage
	rules change.Rules
	mem   *changetest.Store
	clock *lifecycletest.Clock
	seq   atomic.Int64
	svc   *change.Service
}

func cfID(n int64) string { return fmt.Sprintf("CHG%03d", n) }

func newCFRun(t require.TestingT, cov *lifecycletest.Coverage, seed uint64, rates lifecycletest.Rates, outbox bool) *cfRun {
	h := &cfRun{
		cov:   cov,
		rules: propertyRules(),
		mem:   changetest.NewStore(),
		clock: lifecycletest.NewClock(t0),
	}
	h.Rig = lifecycletest.NewRig[*change.Change](seed, rates)
	h.Outbox, h.Coverage, h.StoreWrites = outbox, cov, []string{"change.Commit"}
	h.State = func() (map[string]*change.Change, error) { return cfLoad(h.mem) }
	h.View = cfView
	store := cfLedgerStore{Store: h.mem, tap: h.Tap()}
	svc, err := change.New(change.Config{
		Store:    changetest.FaultyStore(store, h.Faults),
		Notifier: lifecycletest.FaultyNotifier(h.Events, h.Faults),
		Clock:    h.clock,
		IDs:      func() string { return cfID(h.seq.Add(1)) },
		Windows:  cfFaultyWindows{propertyWindows, h.Faults},
		Rules:    h.rules,
	})
	require.NoError(t, err)
	h.svc = svc
	return h
}

// cfView is how the fault tests see a stored change.
func cfView(c *change.Change) lifecycletest.Stored {
	return lifecycletest.Stored{Process: change.Process, ID: c.ID, Version: c.Version, Snapshot: c.Snapshot(), History: c.History}
}

// cfLoad reads every change s holds, whole.
func cfLoad(s change.Store) (map[string]*change.Change, error) {
	return lifecycletest.ReadAll(func(after string) ([]*change.Change, string, error) {
		page, err := s.List(ctx, change.Filter{Limit: change.MaxLimit, After: after})
		return page.Changes, page.Next, err
	}, func(c *change.Change) string { return c.ID }, func(id string) (*change.Change, error) {
		return change.ExportFrom(ctx, s, id)
	})
}

func cfAll(t require.TestingT, s change.Store) map[string]*change.Change {
	all, err := cfLoad(s)
	require.NoError(t, err)
	return all
}

// cfOp is one operation, run against a Service: the faulty one, or a
// fault-free shadow.
type cfOp func(svc *change.Service) (*change.Change, error)

type cfAttempt = lifecycletest.Attempt[*change.Change]

// try runs op on the faulty service and counts its outcome.
func (h *cfRun) try(t *rapid.T, op cfOp) cfAttempt {
	a := h.Try(t, func() (*change.Change, error) { return op(h.svc) })
	outcome := a.Outcome()
	if a.Err != nil && a.Got != nil && outcome != lifecycletest.CaseNotifyError {
		outcome = cfCaseScheduleFailed
	}
	h.cov.Add(outcome, 1)
	if errors.Is(a.Err, change.ErrScheduleConflict) {
		h.cov.Add(cfCaseScheduleConflicts, 1)
	}
	return a
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
	if a.Err == nil || a.Got != nil {
		require.NotNil(t, a.Got, "%s: success without a change", label)
		if !a.Ambiguous() {
			require.Equal(t, bare(a.After[a.Got.ID]), a.Got, "%s: the returned change is what is stored, without its history", label)
		} else {
			require.NoError(t, lifecycletest.CheckOutcomes(h.Ledger, nil, lifecycletest.Outcome{Label: label, Stored: cfView(a.Got)}))
		}
		if a.Err == nil {
			require.NoError(t, a.CheckNotified(label))
			return
		}
		require.NotEmpty(t, a.Changed(), "%s: %v, but nothing was stored", label, a.Err)
		var ne *lifecycle.NotifyError
		if errors.As(a.Err, &ne) {
			require.NoError(t, a.CheckNotifyError(label))
			return
		}
		require.Contains(t, a.Err.Error(), "approved and authorized, but scheduling it failed", "%s: a result with an error", label)
		require.NotEmpty(t, lifecycletest.Classify(a.Err), "%s: untyped scheduling error %v", label, a.Err)
		require.Equal(t, change.StateAuthorize, a.Got.State, "%s: the approval is returned", label)
		return
	}
	require.NoError(t, h.CheckFailure(label, a))
}

// shadow returns a fault-free Service over a copy of the stored changes,
// at the same instant, with the same rules and windows, naming new changes
// as the faulty service will next: the oracle of a clean retry.
func (h *cfRun) shadow(t *rapid.T) (*change.Service, *changetest.Store, *lifecycletest.Recorder) {
	mem := changetest.NewStore()
	for _, c := range h.All(t) {
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
	defer h.Faults.SetRates(h.Faults.Off())
	h.cov.Add(cfCaseRetry, 1)
	svc, mem, rec := h.shadow(t)
	wantGot, wantErr := op(svc)
	a := h.try(t, op)
	h.check(t, label+" (clean retry)", a)
	require.Equal(t, lifecycletest.Classify(wantErr), lifecycletest.Classify(a.Err), "%s: a fault-free service says %v, the retry %v", label, wantErr, a.Err)
	require.Equal(t, wantErr == nil, a.Err == nil, "%s: a fault-free service says %v, the retry %v", label, wantErr, a.Err)
	require.Equal(t, wantGot, a.Got, "%s: the retry returned something else than a fault-free service", label)
	require.Equal(t, cfAll(t, mem), a.After, "%s: the retry stored something else than a fault-free service", label)
	require.Equal(t, rec.Events(), a.Events, "%s: the retry notified something else than a fault-free service", label)
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
	if len(a.Changed()) > 0 {
		h.cov.Add(fmt.Sprintf("%T stored", cmd), 1)
	}
	if _, ok := cmd.(change.Approve); ok && a.Err == nil && a.Got.State == change.StateScheduled {
		h.cov.Add(cfCaseAutoScheduled, 1)
	}
	if _, ok := cmd.(change.Schedule); ok && a.Err == nil && a.Got.Override != nil {
		h.cov.Add(cfCaseOverrides, 1)
	}
	if a.Err == nil {
		return
	}
	id := cfCommandID(cmd)
	base, known := a.Before[id]
	if len(a.Changed()) == 0 {
		h.cleanRetry(t, label, op)
		return
	}
	if known {
		h.cov.Add(cfCasePinned, 1)
		func() {
			defer h.Faults.SetRates(h.Faults.Off())
			r := h.try(t, func(svc *change.Service) (*change.Change, error) {
				return svc.Do(ctx, actor, lifecycletest.PinVersion(cmd, base.Version))
			})
			h.check(t, label+" (pinned retry)", r)
			require.ErrorIs(t, r.Err, lifecycle.ErrConflict, "%s: a retry pinned to the version before a stored change", label)
		}()
	}
	var ne *lifecycle.NotifyError
	if a.Got != nil && !errors.As(a.Err, &ne) {
		sched := change.Schedule{ID: a.Got.ID, Version: a.Got.Version}
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
	if len(a.Changed()) > 0 {
		h.cov.Add("Create stored", 1)
	}
	if a.Err == nil || a.Got != nil {
		return
	}
	h.cleanRetry(t, "create", op)
}

// command runs a random command (the property test's generator) by a
// random actor, an approver for the approval commands mostly.
func (h *cfRun) command(t *rapid.T) {
	ids := h.Keys(t)
	if len(ids) == 0 {
		t.Skip("no change yet")
	}
	c := h.All(t)[rapid.SampledFrom(ids).Draw(t, "change")]
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
	all := h.All(t)
	var ids []string
	for _, id := range h.Keys(t) {
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
			if c.Authority != nil && c.Authority.Panel().Member(a) && a.ID != c.Requester && a.ID != c.OpenedBy &&
				!slices.ContainsFunc(c.Approvals, func(x lifecycle.Vote) bool { return x.Approver == a.ID }) {
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
	ids := h.Keys(t)
	id := rapid.SampledFrom(append(ids, "CHG999")).Draw(t, "id")
	c, err := h.svc.Get(ctx, id)
	want, _ := h.mem.Get(ctx, id)
	require.NoError(t, lifecycletest.CheckGet("Get", c, err, want))
	page, err := h.svc.List(ctx, change.Filter{Limit: change.MaxLimit})
	require.NoError(t, lifecycletest.CheckList("List", len(page.Changes), err, len(ids)))
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

// invariants checks the real store after every step: the invariants of
// every fault test (Rig.Invariants: no change half-applied, every stored
// version through the store exactly once, every delivered event of a
// stored version and delivered once, with an outbox every stored version
// with its events), the property test's rules (the state on the type's
// path, approvals only by members of the authority, never scheduled
// without the required approvals, booked with conflicts only with an
// override, ...), and no two booked changes overlapping on a
// configuration item unless one of them was booked with an override (a
// failed read of the booked changes never lets a conflict through).
func (h *cfRun) invariants(t *rapid.T) {
	all := h.All(t)
	for id, c := range all {
		checkInvariants(t, h.rules, c)
		if !c.State.Booked() || c.Override != nil {
			continue
		}
		for oid, o := range all {
			if oid != id && o.Override == nil && change.Overlaps(o, c.ConfigItems, c.PlannedStart, c.PlannedEnd) {
				t.Fatalf("%s and %s are booked on the same item at the same time, without an override", id, oid)
			}
		}
	}
	require.NoError(t, h.Invariants(all))
}

// TestFaultInjection runs random sequences of every Service operation
// (create; every command with random input; changes driven along their
// happy path through approvals, conflict-checked scheduling with and
// without overrides, implementation, review and closure; reads) over a
// store, a window source and a notifier that fail at random, seeded by
// rapid, with and without a transactional outbox. See check, cleanRetry,
// operate and invariants for the properties.
func TestFaultInjection(t *testing.T) {
	cov := &lifecycletest.Coverage{}
	prop := func(t *rapid.T) {
		cov.Add(lifecycletest.CaseRun, 1)
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
	cases := append([]string{lifecycletest.CaseStored, lifecycletest.CaseRefused, lifecycletest.CaseAmbiguous, lifecycletest.CaseNotifyError,
		cfCaseScheduleFailed, cfCaseRetry, cfCasePinned, cfCaseScheduleConflicts, cfCaseOverrides, cfCaseAutoScheduled}, lifecycletest.FaultCases()...)
	for _, k := range []string{"Create", "change.Update", "change.Assess", "change.RequestApproval", "change.Approve", "change.Reject",
		"change.Schedule", "change.Revert", "change.Implement", "change.Review", "change.Close", "change.Cancel"} {
		cases = append(cases, k+" stored")
	}
	// Explore until every case was exercised (rarely more than one round),
	// so that the test cannot pass vacuously.
	lifecycletest.Explore(t, 5, cov, cases, func() { rapid.Check(t, prop) })
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
func (h *cfRun) concurrentOp(r *rand.Rand, ids []string) (lifecycletest.Outcome, error) {
	id := ids[r.IntN(len(ids))]
	c, err := h.mem.Get(ctx, id)
	if err != nil {
		return lifecycletest.Outcome{}, err
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
	return h.Judge(label, got, err, err == nil || got != nil)
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
	const plain, storedWithError = "plain successes", "stored with an error"
	cov := &lifecycletest.Coverage{}
	prop := func(t *rapid.T) {
		cov.Add(lifecycletest.CaseRun, 1)
		seed := rapid.Uint64().Draw(t, "seed")
		h := newCFRun(t, &lifecycletest.Coverage{}, seed, cfRates(t), false)
		prev := h.Faults.Off()
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
		h.Faults.SetRates(prev)
		outcomes, err := lifecycletest.RunConcurrent(seed, goroutines, ops, func(r *rand.Rand) (lifecycletest.Outcome, error) {
			return h.concurrentOp(r, ids)
		})
		require.NoError(t, err)
		h.invariants(t)
		require.NoError(t, lifecycletest.CheckOutcomes(h.Ledger, h.Events.Events(), outcomes...))
		for _, o := range outcomes {
			if o.Notified {
				cov.Add(plain, 1)
			} else {
				cov.Add(storedWithError, 1)
			}
		}
	}
	lifecycletest.Explore(t, 1, cov, []string{plain, storedWithError}, func() { rapid.Check(t, prop) })
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
	ob := cfLedgerStore{Store: changetest.NewStore(), tap: lifecycletest.Tap[*change.Change]{Relay: &lifecycletest.Recorder{}}}
	ok = lifecycle.StoresEvents(changetest.FaultyStore(ob, f))
	require.True(t, ok)
}
