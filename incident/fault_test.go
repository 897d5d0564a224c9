package incident_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// The fault-injection tests of the incident process: every Service
// operation (open, every command, AutoClose, ResolveForProblem,
// OfferWorkaround, the Reactor's reactions, and the follow-ups that resolve
// children with their parent) over a store and a notifier that fail at
// random (lifecycletest.Faults), seeded by rapid.

var (
	fiStart      = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	fiAutoClose  = 48 * time.Hour
	fiActors     = []lifecycle.Actor{ann, carol, manager, lifecycle.System}
	fiGenActor   = rapid.SampledFrom(fiActors)
	fiGenProblem = rapid.SampledFrom([]string{"PRB1", "PRB2"})
	fiGenChange  = rapid.SampledFrom([]string{"CHG1", "CHG2"})
)

// fiRates draws fault rates: mostly a few percent of each fault, and now
// and then a storm of conflicts, so that every bounded retry loop (the
// follow-ups, ResolveForProblem, the Reactor) runs out of attempts.
func fiRates(t *rapid.T) lifecycletest.Rates {
	return lifecycletest.DrawRates(func(label string, n int) int { return rapid.IntRange(0, n-1).Draw(t, label) }, true)
}

// fiLedgerStore sits between the faulty store and the real one: its Tap
// tells the ledger about every version the real store accepted and, as an
// outbox, relays the events stored with each change.
type fiLedgerStore struct {
	incident.Store
	tap lifecycletest.Tap[*incident.Incident]
}

func (s fiLedgerStore) Commit(ctx context.Context, w lifecycle.Write[*incident.Incident]) error {
	return s.tap.Commit(ctx, w, s.Store.Commit)
}

// StoresEvents makes the store a lifecycle.Outbox when its Tap relays.
func (s fiLedgerStore) StoresEvents() bool { return s.tap.StoresEvents() }

// The cases TestFaultInjection must exercise, besides the faults, the
// outcomes and the operations stored.
const (
	fiCaseRetry      = "clean retries"
	fiCasePinned     = "pinned retries"
	fiCaseStraggler  = "stragglers"
	fiCaseCascade    = "cascades"
	fiCaseExhausted  = "exhausted retries"
	fiCaseRedelivery = "idempotent redeliveries"
)

// fiRun is one rapid run: a Service (and a Reactor) over a faulty store and
// notifier, with the rig keeping the real store, the delivered events and
// the ledger of stored versions aside for the checks.
type fiRun struct {
	*lifecycletest.Rig[*incident.Incident]
	cov     *lifecycletest.Coverage
	mem     *incidenttest.Store
	clock   *lifecycletest.Clock
	seq     atomic.Int64 // IDs handed out
	svc     *incident.Service
	reactor *incident.Reactor
}

func newFIRun(t require.TestingT, cov *lifecycletest.Coverage, seed uint64, rates lifecycletest.Rates, outbox bool) *fiRun {
	h := &fiRun{
		cov:   cov,
		mem:   incidenttest.NewStore(),
		clock: lifecycletest.NewClock(fiStart),
	}
	h.Rig = lifecycletest.NewRig[*incident.Incident](seed, rates)
	h.Outbox, h.Coverage, h.StoreWrites = outbox, cov, []string{"incident.Commit"}
	h.State = func() (map[string]*incident.Incident, error) { return fiLoad(h.mem) }
	h.View = fiView
	store := fiLedgerStore{Store: h.mem, tap: h.Tap()}
	svc, err := incident.New(incident.Config{
		Store:          incidenttest.FaultyStore(store, h.Faults),
		Notifier:       lifecycletest.FaultyNotifier(h.Events, h.Faults),
		Clock:          h.clock,
		IDs:            func() string { return fiID(h.seq.Add(1)) },
		AutoCloseAfter: fiAutoClose,
	})
	require.NoError(t, err)
	h.svc = svc
	h.reactor = &incident.Reactor{Incidents: svc, EscalateOnBreach: true, LinkCausedBy: true}
	return h
}

func fiID(n int64) string { return fmt.Sprintf("INC%04d", n) }

// fiView is how the fault tests see a stored incident.
func fiView(x *incident.Incident) lifecycletest.Stored {
	return lifecycletest.Stored{Process: incident.Process, ID: x.ID, Version: x.Version, Snapshot: x.Snapshot(), History: x.History}
}

// fiLoad reads every incident s holds, whole.
func fiLoad(s incident.Store) (map[string]*incident.Incident, error) {
	return lifecycletest.ReadAll(func(after string) ([]*incident.Incident, string, error) {
		page, err := s.List(ctx, incident.Filter{Limit: incident.MaxLimit, After: after})
		return page.Incidents, page.Next, err
	}, func(x *incident.Incident) string { return x.ID }, func(id string) (*incident.Incident, error) {
		return incident.ExportFrom(ctx, s, id)
	})
}

func fiAll(t require.TestingT, s incident.Store) map[string]*incident.Incident {
	all, err := fiLoad(s)
	require.NoError(t, err)
	return all
}

// fiOp is one operation, run against a Service and its Reactor: the
// faulty ones, or a fault-free shadow. It returns the record the operation
// returns (nil for those that return none) and, for AutoClose, the count.
type fiOp func(svc *incident.Service, r *incident.Reactor) (*incident.Incident, int, error)

// fiAttempt is what one call of an operation did, and its count.
type fiAttempt struct {
	lifecycletest.Attempt[*incident.Incident]
	n int
}

// try runs op on the faulty service and counts its outcome.
func (h *fiRun) try(t *rapid.T, op fiOp) fiAttempt {
	var n int
	a := fiAttempt{Attempt: h.Try(t, func() (*incident.Incident, error) {
		x, k, err := op(h.svc, h.reactor)
		n = k
		return x, err
	})}
	a.n = n
	h.cov.Add(a.Outcome(), 1)
	if len(a.Changed()) > 1 {
		h.cov.Add(fiCaseCascade, 1)
	}
	if a.InjectedCount(lifecycletest.FaultConflict) >= 5 && errors.Is(a.Err, lifecycle.ErrConflict) {
		h.cov.Add(fiCaseExhausted, 1)
	}
	return a
}

// check verifies one attempt's clauses:
//   - success, or a failure that stored anyway (*NotifyError,
//     *FollowUpError), returns the record exactly as stored (operations
//     that return one); every version a success stored, its own and its
//     follow-ups', was notified; a NotifyError comes with a notifier
//     fault, and a FollowUpError wraps a typed error;
//   - any other failure keeps the contract of Rig.CheckFailure: no
//     record, a typed error, nothing delivered and nothing stored, but for
//     the one change of an ambiguous commit.
//
// AutoClose, which goes on after some failures, is checked by autoClose.
func (h *fiRun) check(t *rapid.T, label string, a fiAttempt) {
	if a.Err == nil || lifecycletest.StoredAnyway(a.Err) {
		if a.Got != nil {
			if !a.Ambiguous() {
				require.Equal(t, bare(a.After[a.Got.ID]), bare(a.Got), "%s: the returned incident is not what is stored", label)
			} else {
				// A follow-up's write was an ambiguous commit: the service
				// returns the incident as it last knew it stored.
				require.NoError(t, lifecycletest.CheckOutcomes(h.Ledger, nil, lifecycletest.Outcome{Label: label, Stored: fiView(a.Got)}))
			}
		}
		if a.Err == nil {
			require.NoError(t, a.CheckNotified(label))
			return
		}
		require.NotEmpty(t, a.Changed(), "%s: %v, but nothing was stored", label, a.Err)
		require.NoError(t, a.CheckNotifyError(label))
		var fe *lifecycle.FollowUpError
		if errors.As(a.Err, &fe) {
			var ne *lifecycle.NotifyError
			require.NotEmpty(t, fe.Target, "%s: %v", label, a.Err)
			require.True(t, lifecycletest.Classify(fe.Err) != "" || errors.As(fe.Err, &ne), "%s: untyped follow-up error %v", label, fe.Err)
		}
		return
	}
	require.NoError(t, h.CheckFailure(label, a.Attempt))
}

// stragglers returns the open children of resolved or closed parents,
// child ID → parent ID.
func fiStragglers(all map[string]*incident.Incident) map[string]string {
	out := map[string]string{}
	for id, x := range all {
		if p, ok := all[x.Parent]; ok && x.State.IsOpen() && (p.State == incident.StateResolved || p.State == incident.StateClosed) {
			out[id] = p.ID
		}
	}
	return out
}

// settle checks the stragglers an attempt left (open children of a
// resolved or closed parent) and resolves them, without faults, as a host
// would after reading the error. Only a failure leaves one: a
// FollowUpError naming the child or its parent, or an ambiguous commit of
// the child or the parent (the follow-up never ran).
func (h *fiRun) settle(t *rapid.T, label string, a fiAttempt) {
	left := fiStragglers(a.After)
	if len(left) == 0 {
		return
	}
	require.Error(t, a.Err, "%s succeeded and left open children under resolved parents: %v", label, left)
	var named []string
	for _, e := range fiLeaves(a.Err) {
		var fe *lifecycle.FollowUpError
		if errors.As(e, &fe) {
			named = append(named, fe.Target)
		}
	}
	ambiguous := len(a.AppliedStoreWrites()) > 0
	changed := a.Changed()
	for child, parent := range left {
		ok := slices.Contains(named, child) || slices.Contains(named, parent) ||
			ambiguous && (slices.Contains(changed, child) || slices.Contains(changed, parent))
		require.True(t, ok, "%s (%v): child %s left open under %s without a word", label, a.Err, child, parent)
	}
	defer h.Faults.SetRates(h.Faults.Off())
	ids := make([]string, 0, len(left))
	for child := range left {
		ids = append(ids, child)
	}
	slices.Sort(ids)
	for _, child := range ids {
		h.cov.Add(fiCaseStraggler, 1)
		r := h.try(t, func(svc *incident.Service, _ *incident.Reactor) (*incident.Incident, int, error) {
			x, err := svc.Resolve(ctx, lifecycle.System, incident.Resolve{ID: child, Code: incident.CodeSolutionProvided, Notes: "resolved with its parent"})
			return x, 0, err
		})
		h.check(t, "resolving a straggler", r)
		require.NoError(t, r.Err, "resolving straggler %s", child)
	}
}

// fiLeaves flattens joined and wrapped errors into the errors errors.As
// can stop at.
func fiLeaves(err error) []error {
	if err == nil {
		return nil
	}
	out := []error{err}
	switch u := err.(type) {
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			out = append(out, fiLeaves(e)...)
		}
	case interface{ Unwrap() error }:
		out = append(out, fiLeaves(u.Unwrap())...)
	}
	return out
}

// shadow returns a fault-free Service (and Reactor) over a copy of the
// stored incidents, at the same instant, naming new incidents as the
// faulty service will next: the oracle of a clean retry.
func (h *fiRun) shadow(t *rapid.T) (*incident.Service, *incident.Reactor, *incidenttest.Store, *lifecycletest.Recorder) {
	mem := incidenttest.NewStore()
	for _, x := range h.All(t) {
		require.NoError(t, incident.ImportTo(ctx, mem, x))
	}
	rec := &lifecycletest.Recorder{}
	next := h.seq.Load()
	svc, err := incident.New(incident.Config{
		Store:          mem,
		Notifier:       rec,
		Clock:          lifecycletest.NewClock(h.clock.Now()),
		IDs:            func() string { next++; return fiID(next) },
		AutoCloseAfter: fiAutoClose,
	})
	require.NoError(t, err)
	return svc, &incident.Reactor{Incidents: svc, EscalateOnBreach: true, LinkCausedBy: true}, mem, rec
}

// cleanRetry runs op again with the faults off and checks that it does
// exactly what a fault-free service does on the same stored incidents:
// the same result, the same error kind, the same stored incidents and the
// same events. So the failed attempt left nothing half-done that the
// retry trips on, and the retry never fails with an injected fault.
func (h *fiRun) cleanRetry(t *rapid.T, label string, op fiOp) fiAttempt {
	defer h.Faults.SetRates(h.Faults.Off())
	h.cov.Add(fiCaseRetry, 1)
	svc, r, mem, rec := h.shadow(t)
	wantGot, wantN, wantErr := op(svc, r)
	a := h.try(t, op)
	h.check(t, label+" (clean retry)", a)
	require.Equal(t, lifecycletest.Classify(wantErr), lifecycletest.Classify(a.Err), "%s: a fault-free service says %v, the retry %v", label, wantErr, a.Err)
	require.Equal(t, wantErr == nil, a.Err == nil, "%s: a fault-free service says %v, the retry %v", label, wantErr, a.Err)
	require.Equal(t, wantGot, a.Got, "%s: the retry returned something else than a fault-free service", label)
	require.Equal(t, wantN, a.n, "%s: count", label)
	require.Equal(t, fiAll(t, mem), a.After, "%s: the retry stored something else than a fault-free service", label)
	require.Equal(t, rec.Events(), a.Events, "%s: the retry notified something else than a fault-free service", label)
	return a
}

// fiCommandID is the ID a command names, and its Version.
func fiCommandID(cmd incident.Command) (string, int64) {
	v := reflect.ValueOf(cmd)
	return v.FieldByName("ID").String(), v.FieldByName("Version").Int()
}

func (h *fiRun) storedOp(kind string, a fiAttempt) {
	if len(a.Changed()) > 0 {
		h.cov.Add(kind+" stored", 1)
	}
}

// operate runs cmd through the Service, checks the attempt, settles the
// stragglers it left, and retries it with the faults off:
//   - when the first attempt stored nothing, the retry does exactly what
//     a fault-free service does (cleanRetry);
//   - when the first attempt's change was stored (a success, a failure
//     that stored anyway, or an ambiguous commit), a retry pinned to the
//     version read first fails with ErrConflict and changes nothing.
func (h *fiRun) operate(t *rapid.T, actor lifecycle.Actor, cmd incident.Command) {
	label := fmt.Sprintf("%T by %q", cmd, actor.ID)
	h.clock.Advance(time.Minute)
	op := func(svc *incident.Service, _ *incident.Reactor) (*incident.Incident, int, error) {
		x, err := svc.Do(ctx, actor, cmd)
		return x, 0, err
	}
	a := h.try(t, op)
	h.check(t, label, a)
	h.storedOp(fmt.Sprintf("%T", cmd), a)
	h.settle(t, label, a)
	if a.Err == nil {
		return
	}
	id, _ := fiCommandID(cmd)
	base, known := a.Before[id]
	if len(a.Changed()) == 0 {
		h.cleanRetry(t, label, op)
		return
	}
	if known {
		h.cov.Add(fiCasePinned, 1)
		defer h.Faults.SetRates(h.Faults.Off())
		r := h.try(t, func(svc *incident.Service, _ *incident.Reactor) (*incident.Incident, int, error) {
			x, err := svc.Do(ctx, actor, lifecycletest.PinVersion(cmd, base.Version))
			return x, 0, err
		})
		h.check(t, label+" (pinned retry)", r)
		require.ErrorIs(t, r.Err, lifecycle.ErrConflict, "%s: a retry pinned to the version before a stored change", label)
	}
}

// once runs an operation that returns no record (ResolveForProblem,
// OfferWorkaround, a Reactor reaction): it checks the attempt, settles
// stragglers, then runs it again with the faults off. A failure that
// stored nothing is retried as cleanRetry says; an operation whose change
// was stored is idempotent, so running it again changes nothing. want, if
// set, judges the stored incidents after a success.
func (h *fiRun) once(t *rapid.T, kind, label string, op fiOp, want func(a fiAttempt)) {
	h.clock.Advance(time.Minute)
	a := h.try(t, op)
	h.check(t, label, a)
	h.storedOp(kind, a)
	if a.Err == nil && want != nil {
		want(a)
	}
	h.settle(t, label, a)
	if a.Err == nil && len(a.Changed()) == 0 {
		return
	}
	r := h.cleanRetry(t, label, op)
	if len(a.Changed()) > 0 {
		h.cov.Add(fiCaseRedelivery, 1)
		require.NoError(t, r.Err, "%s: running it again after its change was stored", label)
		require.Empty(t, r.Changed(), "%s: running it again after its change was stored changed %v", label, r.Changed())
	} else if want != nil && r.Err == nil {
		want(r)
	}
}

// open logs an incident, sometimes as the child of another, and checks it
// like operate; a failure is retried cleanly (creations have no version to
// pin: after an ambiguous create the retry makes a second incident, the
// documented cost).
func (h *fiRun) open(t *rapid.T) {
	actor := fiGenActor.Draw(t, "actor")
	o := incident.Open{
		Title:   rapid.SampledFrom([]string{"Mail relay drops messages", "VPN flaps", " "}).Draw(t, "title"),
		Impact:  lifecycle.Impact(rapid.IntRange(0, 3).Draw(t, "impact")),
		Urgency: lifecycle.Urgency(rapid.IntRange(0, 3).Draw(t, "urgency")),
		Group:   rapid.SampledFrom([]string{"", "desk", "network"}).Draw(t, "group"),
	}
	if ids := h.Keys(t); len(ids) > 0 && rapid.IntRange(0, 2).Draw(t, "child") > 0 {
		o.Parent = rapid.SampledFrom(ids).Draw(t, "parent")
	}
	h.clock.Advance(time.Minute)
	op := func(svc *incident.Service, _ *incident.Reactor) (*incident.Incident, int, error) {
		x, err := svc.Open(ctx, actor, o)
		return x, 0, err
	}
	a := h.try(t, op)
	h.check(t, "open", a)
	h.storedOp("Open", a)
	h.settle(t, "open", a)
	if a.Err == nil || lifecycletest.StoredAnyway(a.Err) {
		return
	}
	h.cleanRetry(t, "open", op)
}

// fiCommand draws a command for x: mostly one its state allows, with input
// that mostly passes, sometimes pinned to x's version.
func fiCommand(t *rapid.T, x *incident.Incident, ids []string) incident.Command {
	evs := incident.Allowed(x.State)
	if len(evs) == 0 || rapid.IntRange(0, 5).Draw(t, "any event") == 0 {
		evs = incident.Events()
	}
	id := x.ID
	var cmd incident.Command
	switch e := rapid.SampledFrom(evs).Draw(t, "event"); e {
	case incident.EventAssign:
		cmd = incident.Assign{ID: id, Group: rapid.SampledFrom([]string{"", "desk", "network"}).Draw(t, "group"),
			Assignee: rapid.SampledFrom([]string{"ann", "bob"}).Draw(t, "assignee")}
	case incident.EventEscalateFunctional:
		cmd = incident.EscalateFunctional{ID: id, Group: rapid.SampledFrom([]string{"desk", "network"}).Draw(t, "group"), Reason: "needs routing expertise"}
	case incident.EventEscalateHierarchical:
		cmd = incident.EscalateHierarchical{ID: id, Level: rapid.IntRange(0, 4).Draw(t, "level"), Reason: "VIP caller"}
	case incident.EventHold:
		h := incident.Hold{ID: id, Reason: rapid.SampledFrom(incident.HoldReasons()).Draw(t, "reason"), Comment: "waiting for the caller"}
		switch h.Reason {
		case incident.HoldAwaitingProblem:
			h.Problem = fiGenProblem.Draw(t, "problem")
		case incident.HoldAwaitingChange:
			h.Change = fiGenChange.Draw(t, "change")
		}
		cmd = h
	case incident.EventResume:
		cmd = incident.Resume{ID: id}
	case incident.EventResolve:
		cmd = incident.Resolve{ID: id, Code: rapid.SampledFrom(incident.ResolutionCodes()).Draw(t, "code"), Notes: "restarted the relay"}
	case incident.EventReopen:
		cmd = incident.Reopen{ID: id, Reason: "still broken"}
	case incident.EventClose:
		cmd = incident.Close{ID: id}
	case incident.EventCancel:
		cmd = incident.Cancel{ID: id, Reason: "duplicate"}
	case incident.EventUpdate:
		title := rapid.SampledFrom([]string{"Mail down in Paris", ""}).Draw(t, "title")
		cmd = incident.Update{ID: id, Title: &title,
			Impact:  lifecycle.Impact(rapid.IntRange(0, 3).Draw(t, "impact")),
			Urgency: lifecycle.Urgency(rapid.IntRange(0, 3).Draw(t, "urgency"))}
	case incident.EventComment:
		cmd = incident.Comment{ID: id, Text: "we are on it"}
	case incident.EventWorkNote:
		cmd = incident.WorkNote{ID: id, Text: "mx1 queue full"}
	case incident.EventCallerUpdate:
		cmd = incident.CallerUpdate{ID: id, Text: "still broken here"}
	case incident.EventProposeMajor:
		cmd = incident.ProposeMajor{ID: id, Reason: "whole site down"}
	case incident.EventAcceptMajor:
		cmd = incident.AcceptMajor{ID: id}
	case incident.EventRejectMajor:
		cmd = incident.RejectMajor{ID: id, Reason: "one user"}
	case incident.EventSetParent:
		parent := ""
		if rapid.IntRange(0, 3).Draw(t, "attach") > 0 {
			parent = rapid.SampledFrom(ids).Draw(t, "parent")
		}
		cmd = incident.SetParent{ID: id, Parent: parent}
	case incident.EventLinkProblem:
		cmd = incident.LinkProblem{ID: id, Problem: fiGenProblem.Draw(t, "problem")}
	case incident.EventUnlinkProblem:
		cmd = incident.UnlinkProblem{ID: id, Problem: fiGenProblem.Draw(t, "problem")}
	case incident.EventLinkChange:
		cmd = incident.LinkChange{ID: id, Change: fiGenChange.Draw(t, "change")}
	case incident.EventUnlinkChange:
		cmd = incident.UnlinkChange{ID: id, Change: fiGenChange.Draw(t, "change")}
	default:
		t.Fatalf("no command for %s", e)
	}
	if rapid.Bool().Draw(t, "pin") {
		cmd = lifecycletest.PinVersion(cmd, x.Version)
	}
	return cmd
}

// command runs a random command on a random incident.
func (h *fiRun) command(t *rapid.T) {
	ids := h.Keys(t)
	if len(ids) == 0 {
		t.Skip("no incident yet")
	}
	x := h.All(t)[rapid.SampledFrom(ids).Draw(t, "incident")]
	h.operate(t, fiGenActor.Draw(t, "actor"), fiCommand(t, x, ids))
}

// family makes a parent with children and resolves or closes the parent
// (or puts it on hold awaiting a problem and resolves it for the
// problem), so that the follow-ups run often.
func (h *fiRun) family(t *rapid.T) {
	ids := h.Keys(t)
	all := h.All(t)
	var parents []string
	for _, id := range ids {
		if x := all[id]; x.Parent == "" && x.State.IsOpen() {
			parents = append(parents, id)
		}
	}
	if len(parents) == 0 {
		t.Skip("no open incident to be a parent")
	}
	p := rapid.SampledFrom(parents).Draw(t, "parent")
	for range rapid.IntRange(0, 2).Draw(t, "children") {
		o := incident.Open{Title: "me too", Parent: p}
		h.clock.Advance(time.Minute)
		op := func(svc *incident.Service, _ *incident.Reactor) (*incident.Incident, int, error) {
			x, err := svc.Open(ctx, ann, o)
			return x, 0, err
		}
		a := h.try(t, op)
		h.check(t, "open child", a)
		h.storedOp("Open", a)
		h.settle(t, "open child", a)
	}
	x := h.All(t)[p]
	switch rapid.IntRange(0, 2).Draw(t, "how") {
	case 0:
		h.operate(t, ann, incident.Resolve{ID: p, Code: incident.CodeSolutionProvided, Notes: "fixed the parent"})
	case 1:
		if x.State == incident.StateNew {
			h.operate(t, ann, incident.Assign{ID: p, Assignee: "ann"})
		}
		h.operate(t, ann, incident.Hold{ID: p, Reason: incident.HoldAwaitingProblem, Problem: "PRB1"})
		h.resolveForProblem(t, p, "PRB1")
	default:
		if x.State == incident.StateResolved {
			h.operate(t, ann, incident.Close{ID: p})
		} else {
			h.operate(t, ann, incident.Resolve{ID: p, Code: incident.CodeWorkaroundProvided, Notes: "rebooted"})
		}
	}
}

// resolveForProblem calls ResolveForProblem; when it reports success, an
// incident that was waiting on that problem is resolved by it, and any
// other is left alone.
func (h *fiRun) resolveForProblem(t *rapid.T, id, problemID string) {
	actor := fiGenActor.Draw(t, "actor")
	label := fmt.Sprintf("ResolveForProblem(%s, %s)", id, problemID)
	op := func(svc *incident.Service, _ *incident.Reactor) (*incident.Incident, int, error) {
		return nil, 0, svc.ResolveForProblem(ctx, actor, id, problemID, "")
	}
	h.once(t, "ResolveForProblem", label, op, func(a fiAttempt) {
		b, x := a.Before[id], a.After[id]
		if b.State == incident.StateOnHold && b.HoldReason == incident.HoldAwaitingProblem && b.IsLinkedToProblem(problemID) {
			require.Equal(t, incident.StateResolved, x.State, "%s succeeded, but %s is %s", label, id, x.State)
			require.Equal(t, incident.CodeResolvedByProblem, x.ResolutionCode)
		} else {
			require.Equal(t, b, x, "%s: %s was not waiting on %s, yet it changed", label, id, problemID)
		}
	})
}

// autoClose closes the incidents resolved for long enough. It may close
// several and then fail; it checks that:
//   - the count is the number of incidents it closed, or, after a failure,
//     at most that (an ambiguous commit closes one it does not count);
//   - on success, every candidate (resolved, not an accepted major, no
//     update since the cutoff) is closed, and every change was notified;
//   - an error is typed; then a clean retry does what a fault-free service
//     does, and closes the rest.
func (h *fiRun) autoClose(t *rapid.T) {
	now := h.clock.Advance(time.Duration(rapid.IntRange(1, 72).Draw(t, "hours")) * time.Hour)
	op := func(svc *incident.Service, _ *incident.Reactor) (*incident.Incident, int, error) {
		n, err := svc.AutoClose(ctx, lifecycle.System)
		return nil, n, err
	}
	judge := func(label string, a fiAttempt) {
		var closed []string
		for id, x := range a.After {
			if b := a.Before[id]; b != nil && b.State == incident.StateResolved && x.State == incident.StateClosed {
				closed = append(closed, id)
			}
		}
		if a.Err == nil {
			require.Equal(t, len(closed), a.n, "%s: count", label)
			// A conflict means another writer changed the incident: it is
			// skipped. An injected conflict stands for one.
			conflicts := 0
			for _, in := range a.Injected {
				if in.Fault == lifecycletest.FaultConflict && strings.HasPrefix(in.Op, "incident.") {
					conflicts++
				}
			}
			var skipped []string
			for id, b := range a.Before {
				if b.State == incident.StateResolved && b.Major != incident.MajorAccepted && b.UpdatedAt.Before(now.Add(-fiAutoClose)) &&
					a.After[id].State != incident.StateClosed {
					skipped = append(skipped, id)
				}
			}
			require.LessOrEqual(t, len(skipped), conflicts, "%s: %v were due, with %d conflicts", label, skipped, conflicts)
			require.NoError(t, a.CheckNotified(label))
			return
		}
		require.LessOrEqual(t, a.n, len(closed), "%s (%v): count", label, a.Err)
		require.LessOrEqual(t, len(closed), a.n+len(a.AppliedStoreWrites()), "%s (%v): closed %v, counted %d", label, a.Err, closed, a.n)
		var ne *lifecycle.NotifyError
		require.True(t, lifecycletest.Classify(a.Err) != "" || errors.As(a.Err, &ne), "%s failed with an untyped error: %v", label, a.Err)
	}
	a := h.try(t, op)
	judge("AutoClose", a)
	h.storedOp("AutoClose", a)
	h.settle(t, "AutoClose", a)
	if a.Err != nil || slices.ContainsFunc(a.Injected, func(in lifecycletest.Injection) bool { return in.Fault == lifecycletest.FaultConflict }) {
		r := h.cleanRetry(t, "AutoClose", op)
		judge("AutoClose (clean retry)", r)
	}
}

// read checks that reads under faults either answer exactly what the real
// store holds or fail with a typed error.
func (h *fiRun) read(t *rapid.T) {
	ids := h.Keys(t)
	id := rapid.SampledFrom(append(ids, "INC9999")).Draw(t, "id")
	x, err := h.svc.Get(ctx, id)
	want, werr := h.mem.Get(ctx, id)
	if err != nil {
		require.Nil(t, x)
		require.True(t, errors.Is(err, lifecycletest.ErrInjected) || errors.Is(err, lifecycle.ErrNotFound), "Get: %v", err)
	} else {
		require.NoError(t, werr)
		require.Equal(t, want, x)
	}
	page, err := h.svc.List(ctx, incident.Filter{Limit: incident.MaxLimit})
	if err != nil {
		require.ErrorIs(t, err, lifecycletest.ErrInjected)
	} else {
		require.Len(t, page.Incidents, len(ids))
	}
}

// invariants checks the real store after every step: the invariants of
// every fault test (Rig.Invariants: no incident half-applied, every stored
// version through the store exactly once, every delivered event of a
// stored version and delivered once, with an outbox every stored version
// with its events) and the incident rules (priority from the matrix, hold
// reason exactly when on hold, resolution code exactly when resolved or
// closed, a one-level hierarchy, no open child under a resolved or closed
// parent once stragglers are settled).
func (h *fiRun) invariants(t *rapid.T) {
	all := h.All(t)
	for id, x := range all {
		p, err := lifecycle.DefaultMatrix.Priority(x.Impact, x.Urgency)
		require.NoError(t, err)
		require.Equal(t, p, x.Priority, id)
		require.Equal(t, x.State == incident.StateOnHold, x.HoldReason != "", "%s: hold reason exactly when on hold", id)
		resolved := x.State == incident.StateResolved || x.State == incident.StateClosed
		require.Equal(t, resolved, x.ResolutionCode != "", "%s: resolution code exactly when resolved or closed", id)
		if parent, ok := all[x.Parent]; ok {
			require.Empty(t, parent.Parent, "%s: the hierarchy has one level", id)
		}
	}
	require.Empty(t, fiStragglers(all), "open children under resolved or closed parents")
	require.NoError(t, h.Invariants(all))
}

// TestFaultInjection runs random sequences of every Service operation
// (open, with and without a parent; every command; parents resolved and
// closed with children to follow; AutoClose; ResolveForProblem;
// OfferWorkaround; the Reactor's escalation on a breach and link of a
// causing change; reads) over a store and a notifier that fail at random,
// seeded by rapid, with and without a transactional outbox: errors and
// timeouts before the call, conflicts, and ambiguous commits (the write
// took effect but the call failed). See check, settle, cleanRetry, operate,
// once, autoClose and invariants for the properties.
func TestFaultInjection(t *testing.T) {
	cov := &lifecycletest.Coverage{}
	kinds := []string{"Open", "AutoClose", "ResolveForProblem", "OfferWorkaround", "escalate on breach", "link causing change",
		"incident.Resolve", "incident.Close", "incident.SetParent", "incident.Reopen", "incident.Hold", "incident.AcceptMajor"}
	prop := func(t *rapid.T) {
		cov.Add(lifecycletest.CaseRun, 1)
		h := newFIRun(t, cov, rapid.Uint64().Draw(t, "seed"), fiRates(t), rapid.Bool().Draw(t, "outbox"))
		pick := func(t *rapid.T) *incident.Incident {
			ids := h.Keys(t)
			if len(ids) == 0 {
				t.Skip("no incident yet")
			}
			return h.All(t)[rapid.SampledFrom(ids).Draw(t, "incident")]
		}
		t.Repeat(map[string]func(*rapid.T){
			"open":     h.open,
			"command":  h.command,
			"command2": h.command,
			"command3": h.command,
			"family":   h.family,
			"autoclose": func(t *rapid.T) {
				h.autoClose(t)
			},
			"resolve for problem": func(t *rapid.T) {
				x := pick(t)
				if rapid.Bool().Draw(t, "wait first") && x.State.IsOpen() {
					if x.State == incident.StateNew {
						h.operate(t, ann, incident.Assign{ID: x.ID, Assignee: "ann"})
					}
					h.operate(t, ann, incident.Hold{ID: x.ID, Reason: incident.HoldAwaitingProblem, Problem: fiGenProblem.Draw(t, "problem")})
				}
				h.resolveForProblem(t, x.ID, fiGenProblem.Draw(t, "fixed problem"))
			},
			"offer workaround": func(t *rapid.T) {
				x := pick(t)
				problemID := fiGenProblem.Draw(t, "problem")
				label := fmt.Sprintf("OfferWorkaround(%s, %s)", x.ID, problemID)
				op := func(svc *incident.Service, _ *incident.Reactor) (*incident.Incident, int, error) {
					return nil, 0, svc.OfferWorkaround(ctx, ann, x.ID, problemID, "restart the relay")
				}
				h.once(t, "OfferWorkaround", label, op, func(a fiAttempt) {
					if a.Before[x.ID].State.IsOpen() {
						n := 0
						for _, note := range a.After[x.ID].WorkNotes {
							if strings.HasPrefix(note.Text, "Known error "+problemID+" workaround: ") {
								n++
							}
						}
						require.Equal(t, 1, n, "%s: the workaround is noted once", label)
					}
				})
			},
			"breach": func(t *rapid.T) {
				x := pick(t)
				ev := lifecycle.Notification{
					ID: lifecycle.NotificationID("sla", x.ID+"/resolution", 1, 3), Process: "sla", Type: "sla.breached",
					Subject: x.ID + "/resolution", Time: h.clock.Now(),
					Data: map[string]string{"record": x.ID, "agreement": "resolution", "target": "resolution",
						"cycle": rapid.SampledFrom([]string{"1", "2"}).Draw(t, "cycle")},
				}
				op := func(_ *incident.Service, r *incident.Reactor) (*incident.Incident, int, error) {
					return nil, 0, r.Notify(ctx, ev)
				}
				h.once(t, "escalate on breach", "Reactor: breach of "+x.ID, op, nil)
			},
			"change links": func(t *rapid.T) {
				x := pick(t)
				ev := lifecycle.Notification{
					ID: lifecycle.NotificationID("change", "CHG7", 3, 0), Process: "change", Type: "linked", Subject: "CHG7",
					Time: h.clock.Now(), Data: map[string]string{"incidents": x.ID},
				}
				op := func(_ *incident.Service, r *incident.Reactor) (*incident.Incident, int, error) {
					return nil, 0, r.Notify(ctx, ev)
				}
				h.once(t, "link causing change", "Reactor: CHG7 caused "+x.ID, op, nil)
			},
			"set parent": func(t *rapid.T) {
				all := h.All(t)
				var parents, children []string
				for _, id := range h.Keys(t) {
					if x := all[id]; x.State.IsOpen() && x.Parent == "" {
						parents = append(parents, id)
						children = append(children, id)
					}
				}
				if len(parents) < 2 {
					t.Skip("fewer than two open incidents")
				}
				child := rapid.SampledFrom(children).Draw(t, "child")
				parent := rapid.SampledFrom(slices.DeleteFunc(parents, func(id string) bool { return id == child })).Draw(t, "parent")
				h.operate(t, fiGenActor.Draw(t, "actor"), incident.SetParent{ID: child, Parent: parent})
			},
			"major": func(t *rapid.T) {
				x := pick(t)
				if x.Major != incident.MajorProposed {
					h.operate(t, fiGenActor.Draw(t, "actor"), incident.ProposeMajor{ID: x.ID, Reason: "whole site down"})
				}
				if rapid.IntRange(0, 2).Draw(t, "accept") > 0 {
					h.operate(t, manager, incident.AcceptMajor{ID: x.ID})
				} else {
					h.operate(t, manager, incident.RejectMajor{ID: x.ID, Reason: "one user"})
				}
			},
			"reopen": func(t *rapid.T) {
				all := h.All(t)
				var resolved []string
				for _, id := range h.Keys(t) {
					if all[id].State == incident.StateResolved {
						resolved = append(resolved, id)
					}
				}
				if len(resolved) == 0 {
					t.Skip("nothing resolved")
				}
				h.operate(t, fiGenActor.Draw(t, "actor"), incident.Reopen{ID: rapid.SampledFrom(resolved).Draw(t, "incident"), Reason: "still broken"})
			},
			"read": h.read,
			"":     func(t *rapid.T) { h.invariants(t) },
		})
		h.invariants(t)
	}
	cases := append([]string{lifecycletest.CaseStored, lifecycletest.CaseRefused, lifecycletest.CaseAmbiguous, lifecycletest.CaseNotifyError,
		lifecycletest.CaseFollowUp, fiCaseRetry, fiCasePinned, fiCaseStraggler, fiCaseCascade, fiCaseExhausted, fiCaseRedelivery}, lifecycletest.FaultCases()...)
	for _, k := range kinds {
		cases = append(cases, k+" stored")
	}
	// Explore until every case was exercised (rarely more than one round),
	// so that the test cannot pass vacuously.
	lifecycletest.Explore(t, 5, cov, cases, func() { rapid.Check(t, prop) })
}

// TestResolveForProblemReportsExhaustedRetries: when every attempt meets a
// conflict, ResolveForProblem must say so rather than report success for
// an incident it did not resolve. (Found by TestFaultInjection under a
// conflict storm: the conflict was assigned to a variable shadowing the
// one returned, so the retries ran out and nil came back.)
func TestResolveForProblemReportsExhaustedRetries(t *testing.T) {
	faults := lifecycletest.NewFaults(1, lifecycletest.Rates{})
	e := newEnv(t, func(c *incident.Config) { c.Store = incidenttest.FaultyStore(incidenttest.NewStore(), faults) })
	x := e.open(t, incident.Open{})
	e.do(t, ann, incident.Assign{ID: x.ID, Assignee: "ann"})
	e.do(t, ann, incident.Hold{ID: x.ID, Reason: incident.HoldAwaitingProblem, Problem: "PRB1"})

	faults.SetRates(lifecycletest.Rates{Conflict: 1})
	err := e.svc.ResolveForProblem(ctx, ann, x.ID, "PRB1", "")
	faults.SetRates(lifecycletest.Rates{})
	require.ErrorIs(t, err, lifecycle.ErrConflict, "the retries ran out")
	require.Equal(t, incident.StateOnHold, e.get(t, x.ID).State)

	require.NoError(t, e.svc.ResolveForProblem(ctx, ann, x.ID, "PRB1", ""), "a later call resolves it")
	require.Equal(t, incident.StateResolved, e.get(t, x.ID).State)
}

// concurrentOp performs one random operation without rapid (goroutines
// must not draw) and judges what it can alone.
func (h *fiRun) concurrentOp(r *rand.Rand, ids []string) (lifecycletest.Outcome, error) {
	actor := fiActors[r.IntN(len(fiActors))]
	id := ids[r.IntN(len(ids))]
	var label string
	var op func() (*incident.Incident, error)
	switch k := r.IntN(20); {
	case k == 0:
		label = "open child"
		op = func() (*incident.Incident, error) {
			return h.svc.Open(ctx, actor, incident.Open{Title: "me too", Parent: ids[r.IntN(len(ids))]})
		}
	case k == 1:
		label = "AutoClose"
		_, err := h.svc.AutoClose(ctx, lifecycle.System)
		var ne *lifecycle.NotifyError
		if err != nil && lifecycletest.Classify(err) == "" && !errors.As(err, &ne) {
			return lifecycletest.Outcome{}, fmt.Errorf("%s failed with an untyped error: %v", label, err)
		}
		return lifecycletest.Outcome{}, nil
	case k == 2:
		label = "ResolveForProblem"
		err := h.svc.ResolveForProblem(ctx, actor, id, "PRB1", "")
		if err != nil && lifecycletest.Classify(err) == "" && !lifecycletest.StoredAnyway(err) {
			return lifecycletest.Outcome{}, fmt.Errorf("%s failed with an untyped error: %v", label, err)
		}
		return lifecycletest.Outcome{}, nil
	default:
		x, err := h.mem.Get(ctx, id)
		if err != nil {
			return lifecycletest.Outcome{}, err
		}
		cmd := fiConcurrentCommand(r, x, ids)
		if r.IntN(2) == 0 {
			cmd = lifecycletest.PinVersion(cmd, x.Version)
		}
		label = fmt.Sprintf("%T by %s", cmd, actor.ID)
		op = func() (*incident.Incident, error) { return h.svc.Do(ctx, actor, cmd) }
	}
	got, err := op()
	return h.Judge(label, got, err, err == nil || lifecycletest.StoredAnyway(err))
}

// fiAllowed is incident.Allowed of every state, asked once: the
// concurrent goroutines ask it for every command, and each answer builds
// a state machine.
var fiAllowed = func() map[incident.State][]incident.Event {
	out := map[incident.State][]incident.Event{}
	for _, st := range incident.States() {
		out[st] = incident.Allowed(st)
	}
	return out
}()

// fiConcurrentCommand picks a command x's state allows, mostly; the
// parent-related ones often, so that children join and leave parents
// being resolved.
func fiConcurrentCommand(r *rand.Rand, x *incident.Incident, ids []string) incident.Command {
	evs := fiAllowed[x.State]
	if len(evs) == 0 || r.IntN(5) == 0 {
		evs = incident.Events()
	}
	e := evs[r.IntN(len(evs))]
	if r.IntN(3) == 0 {
		e = []incident.Event{incident.EventSetParent, incident.EventResolve, incident.EventReopen, incident.EventHold}[r.IntN(4)]
	}
	switch e {
	case incident.EventAssign:
		return incident.Assign{ID: x.ID, Assignee: "bob"}
	case incident.EventEscalateFunctional:
		return incident.EscalateFunctional{ID: x.ID, Group: "network", Reason: "needs routing expertise"}
	case incident.EventEscalateHierarchical:
		return incident.EscalateHierarchical{ID: x.ID, Reason: "VIP caller"}
	case incident.EventHold:
		return incident.Hold{ID: x.ID, Reason: incident.HoldAwaitingProblem, Problem: "PRB1"}
	case incident.EventResume:
		return incident.Resume{ID: x.ID}
	case incident.EventResolve:
		return incident.Resolve{ID: x.ID, Code: incident.CodeWorkaroundProvided, Notes: "restarted"}
	case incident.EventReopen:
		return incident.Reopen{ID: x.ID, Reason: "still broken"}
	case incident.EventClose:
		return incident.Close{ID: x.ID}
	case incident.EventCancel:
		return incident.Cancel{ID: x.ID, Reason: "duplicate"}
	case incident.EventSetParent:
		return incident.SetParent{ID: x.ID, Parent: ids[r.IntN(len(ids))]}
	case incident.EventProposeMajor:
		return incident.ProposeMajor{ID: x.ID, Reason: "whole site down"}
	case incident.EventAcceptMajor:
		return incident.AcceptMajor{ID: x.ID}
	case incident.EventRejectMajor:
		return incident.RejectMajor{ID: x.ID, Reason: "one user"}
	case incident.EventLinkProblem:
		return incident.LinkProblem{ID: x.ID, Problem: "PRB1"}
	case incident.EventLinkChange:
		return incident.LinkChange{ID: x.ID, Change: "CHG1"}
	default:
		return incident.WorkNote{ID: x.ID, Text: "mx1 queue full"}
	}
}

// TestFaultInjectionConcurrent runs goroutines operating on the same few
// incidents at once (children joining parents being resolved, reopens,
// AutoClose, ResolveForProblem) over a faulty store and notifier (run it
// under -race). Afterwards every operation that reported a stored result
// returned the incident exactly as stored at its version, every plain
// success was notified, and the invariants of TestFaultInjection hold;
// without faults no child is left open under a resolved parent, and with
// faults the stragglers are resolved first.
func TestFaultInjectionConcurrent(t *testing.T) {
	goroutines, ops := 8, 40
	if raceEnabled {
		ops = 20
	}
	const (
		clean        = "runs without faults"
		plain        = "plain successes"
		storedAnyway = "stored with an error"
		stragglers   = "stragglers resolved afterwards"
	)
	cov := &lifecycletest.Coverage{}
	prop := func(t *rapid.T) {
		cov.Add(lifecycletest.CaseRun, 1)
		seed := rapid.Uint64().Draw(t, "seed")
		rates := lifecycletest.Rates{}
		if rapid.IntRange(0, 3).Draw(t, "faults") > 0 {
			rates = fiRates(t)
		}
		h := newFIRun(t, &lifecycletest.Coverage{}, seed, rates, false)
		prev := h.Faults.Off()
		var ids []string
		for i := range 5 {
			o := incident.Open{Title: "Mail relay drops messages"}
			if i > 0 && i%2 == 0 {
				o.Parent = ids[0]
			}
			x, err := h.svc.Open(ctx, ann, o)
			require.NoError(t, err)
			ids = append(ids, x.ID)
		}
		h.Faults.SetRates(prev)
		outcomes, err := lifecycletest.RunConcurrent(seed, goroutines, ops, func(r *rand.Rand) (lifecycletest.Outcome, error) {
			return h.concurrentOp(r, ids)
		})
		require.NoError(t, err)
		h.Faults.Off()
		// Attachments racing each other may nest the hierarchy; the
		// Service undoes them, unless a fault stopped it from looking.
		var nested []string
		all := h.All(t)
		for id, x := range all {
			if p, ok := all[x.Parent]; ok && p.Parent != "" {
				nested = append(nested, id)
			}
		}
		if rates == (lifecycletest.Rates{}) {
			require.Empty(t, nested, "without faults, the hierarchy stays one level deep")
		}
		for _, id := range nested {
			_, err := h.svc.SetParent(ctx, lifecycle.System, incident.SetParent{ID: id})
			require.NoError(t, err)
		}
		left := fiStragglers(h.All(t))
		if rates == (lifecycletest.Rates{}) {
			cov.Add(clean, 1)
			require.Empty(t, left, "without faults, no child is left open under a resolved parent")
		}
		cov.Add(stragglers, len(left))
		for _, o := range outcomes {
			if o.Notified {
				cov.Add(plain, 1)
			} else {
				cov.Add(storedAnyway, 1)
			}
		}
		for child := range left {
			_, err := h.svc.Resolve(ctx, lifecycle.System, incident.Resolve{ID: child, Code: incident.CodeSolutionProvided, Notes: "resolved with its parent"})
			require.NoError(t, err)
		}
		h.invariants(t)
		require.NoError(t, lifecycletest.CheckOutcomes(h.Ledger, h.Events.Events(), outcomes...))
	}
	lifecycletest.Explore(t, 1, cov, []string{clean, plain, storedAnyway, stragglers}, func() { rapid.Check(t, prop) })
}

// With injection off, incidenttest.FaultyStore honours the whole Store
// contract; it keeps an Outbox when the wrapped store has one, and invents
// none.
func TestFaultyStoreWhenOff(t *testing.T) {
	incidenttest.TestStore(t, func(*testing.T) incident.Store {
		return incidenttest.FaultyStore(incidenttest.NewStore(), lifecycletest.NewFaults(1, lifecycletest.Rates{}))
	})
	f := lifecycletest.NewFaults(1, lifecycletest.Rates{})
	ok := lifecycle.StoresEvents(incidenttest.FaultyStore(incidenttest.NewStore(), f))
	require.False(t, ok)
	ob := fiLedgerStore{Store: incidenttest.NewStore(), tap: lifecycletest.Tap[*incident.Incident]{Relay: &lifecycletest.Recorder{}}}
	ok = lifecycle.StoresEvents(incidenttest.FaultyStore(ob, f))
	require.True(t, ok)
}
