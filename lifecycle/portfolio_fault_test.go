package lifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// pfLedgerPortfolio and pfLedgerImprovements sit between the faulty
// stores and the real ones: their Tap tells the ledger about every
// version the real store accepted and, as an outbox, relays the events
// stored with each change.
type pfLedgerPortfolio struct {
	lifecycle.PortfolioStore
	tap lifecycletest.Tap[*lifecycle.ITService]
}

func (s pfLedgerPortfolio) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	return s.tap.Commit(ctx, w, s.PortfolioStore.CommitService)
}

// StoresEvents makes the store a lifecycle.Outbox when its Tap relays.
func (s pfLedgerPortfolio) StoresEvents() bool { return s.tap.StoresEvents() }

type pfLedgerImprovements struct {
	lifecycle.ImprovementStore
	tap lifecycletest.Tap[*lifecycle.Improvement]
}

func (s pfLedgerImprovements) CommitImprovement(ctx context.Context, w lifecycle.Write[*lifecycle.Improvement]) error {
	return s.tap.Commit(ctx, w, s.ImprovementStore.CommitImprovement)
}

// StoresEvents makes the store a lifecycle.Outbox when its Tap relays.
func (s pfLedgerImprovements) StoresEvents() bool { return s.tap.StoresEvents() }

// pfFaultyDependents makes the host's open-work query flaky (a read).
type pfFaultyDependents struct {
	inner lifecycle.Dependents
	f     *lifecycletest.Faults
}

func (d pfFaultyDependents) OpenWork(ctx context.Context, id string) (int, int, error) {
	if err := d.f.ReadContext(ctx, "dependents.OpenWork"); err != nil {
		return 0, 0, err
	}
	return d.inner.OpenWork(ctx, id)
}

func pfKey(process, id string) string { return process + "/" + id }

// pfView is how the fault tests see a stored service or improvement.
func pfView(r any) lifecycletest.Stored {
	switch x := r.(type) {
	case *lifecycle.ITService:
		return lifecycletest.Stored{Process: lifecycle.ProcessService, ID: x.ID, Version: x.Version, Snapshot: x.Snapshot(), History: x.History}
	case *lifecycle.Improvement:
		return lifecycletest.Stored{Process: lifecycle.ProcessImprovement, ID: x.ID, Version: x.Version, Snapshot: x.Snapshot(), History: x.History}
	}
	panic(fmt.Sprintf("pfView of %T", r))
}

// The cases TestPortfolioFaultInjection must exercise, besides the faults
// and the outcomes.
const (
	pfCaseRetry     = "clean retries"
	pfCasePinned    = "pinned retries"
	pfCaseOperation = "status " + string(lifecycle.StatusOperational)
	// Retired itself takes the longest walk, and some seeds' 100 runs stop
	// short of it; the phase-out path is reached by all.
	pfCasePhaseOut  = "status retiring or retired"
	pfCaseCompleted = "improvement " + string(lifecycle.ImprovementCompleted)
)

// pfRun is one rapid run: a Portfolio over faulty service and improvement
// stores, a faulty notifier and faulty Dependents, with the rig keeping
// the real stores, the delivered events and the ledger aside for the
// checks.
type pfRun struct {
	*lifecycletest.Rig[any]
	cov      *lifecycletest.Coverage
	services *lifecycletest.PortfolioStore
	imps     *lifecycletest.ImprovementStore
	clock    *lifecycletest.Clock
	work     *fakeDependents
	p        *lifecycle.Portfolio
}

// pfDrawRates draws a run's fault rates with rapid.
func pfDrawRates(t *rapid.T) lifecycletest.Rates {
	return lifecycletest.DrawRates(func(label string, n int) int { return rapid.IntRange(0, n-1).Draw(t, label) }, false)
}

func newPFRun(t *rapid.T, cov *lifecycletest.Coverage) *pfRun {
	incidents := rapid.SampledFrom([]int{0, 0, 0, 1}).Draw(t, "open incidents")
	changes := rapid.SampledFrom([]int{0, 0, 1}).Draw(t, "scheduled changes")
	seed := rapid.Uint64().Draw(t, "seed")
	rates := pfDrawRates(t)
	return newPFRunWith(t, cov, seed, rates, rapid.Bool().Draw(t, "outbox"), incidents, changes)
}

func newPFRunWith(t require.TestingT, cov *lifecycletest.Coverage, seed uint64, rates lifecycletest.Rates, outbox bool, incidents, changes int) *pfRun {
	h := &pfRun{
		cov:      cov,
		services: lifecycletest.NewPortfolioStore(),
		imps:     lifecycletest.NewImprovementStore(),
		clock:    lifecycletest.NewClock(svcT0),
		work:     &fakeDependents{},
	}
	h.work.set(incidents, changes, nil)
	h.Rig = lifecycletest.NewRig[any](seed, rates)
	h.Outbox, h.Coverage = outbox, cov
	h.StoreWrites = []string{"service.CommitService", "improvement.CommitImprovement"}
	h.State, h.View = h.load, pfView
	st := pfLedgerPortfolio{PortfolioStore: h.services, tap: lifecycletest.Tap[*lifecycle.ITService]{Record: func(s *lifecycle.ITService) { h.Record(s) }}}
	is := pfLedgerImprovements{ImprovementStore: h.imps, tap: lifecycletest.Tap[*lifecycle.Improvement]{Record: func(x *lifecycle.Improvement) { h.Record(x) }}}
	if outbox {
		st.tap.Relay, is.tap.Relay = h.Events, h.Events
	}
	p, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{
		Store:          lifecycletest.FaultyPortfolioStore(st, h.Faults),
		Improvements:   lifecycletest.FaultyImprovementStore(is, h.Faults),
		Notifier:       lifecycletest.FaultyNotifier(h.Events, h.Faults),
		Clock:          h.clock,
		IDs:            lifecycle.Sequence("SVC", 4),
		ImprovementIDs: lifecycle.Sequence("CSI", 4),
		Dependents:     pfFaultyDependents{h.work, h.Faults},
	})
	require.NoError(t, err)
	h.p = p
	return h
}

// load returns everything the real stores hold, keyed "service/ID" and
// "improvement/ID".
func (h *pfRun) load() (map[string]any, error) {
	ctx := context.Background()
	st := map[string]any{}
	sp, err := h.services.ListServices(ctx, lifecycle.ServiceFilter{Limit: 1 << 20})
	if err != nil {
		return nil, err
	}
	for _, s := range sp.Services {
		st[pfKey(lifecycle.ProcessService, s.ID)] = s
	}
	ip, err := h.imps.ListImprovements(ctx, lifecycle.ImprovementFilter{Limit: 1 << 20})
	if err != nil {
		return nil, err
	}
	for _, x := range ip.Improvements {
		st[pfKey(lifecycle.ProcessImprovement, x.ID)] = x
	}
	return st, nil
}

func (h *pfRun) ids(t *rapid.T, process string) []string {
	var ids []string
	for k := range h.All(t) {
		if id, ok := strings.CutPrefix(k, process+"/"); ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

type pfAttempt = lifecycletest.Attempt[any]

// pfService and pfImprovement adapt operations to try, keeping a nil
// record nil.
func pfService(call func() (*lifecycle.ITService, error)) func() (any, error) {
	return func() (any, error) {
		s, err := call()
		if s == nil {
			return nil, err
		}
		return s, err
	}
}

func pfImprovement(call func() (*lifecycle.Improvement, error)) func() (any, error) {
	return func() (any, error) {
		x, err := call()
		if x == nil {
			return nil, err
		}
		return x, err
	}
}

// try runs call and counts its outcome.
func (h *pfRun) try(t *rapid.T, call func() (any, error)) pfAttempt {
	a := h.Try(t, call)
	h.cov.Add(a.Outcome(), 1)
	return a
}

// check verifies one attempt: a success, or a *NotifyError, returns the
// record exactly as stored, and a success notified its change; any other
// failure keeps the contract of Rig.CheckFailure: no record and a typed
// error, and neither stores nor notifies anything, except for an
// ambiguous commit, which stores exactly one more version (and, with an
// outbox only, keeps its event).
func (h *pfRun) check(t *rapid.T, label string, a pfAttempt) {
	var ne *lifecycle.NotifyError
	if a.Err == nil || errors.As(a.Err, &ne) {
		require.NotNil(t, a.Got, "%s: stored result without a record (%v)", label, a.Err)
		s := pfView(a.Got)
		key := pfKey(s.Process, s.ID)
		require.Equal(t, a.After[key], a.Got, "%s: the returned record is not what is stored", label)
		require.Equal(t, []string{key}, a.Changed(), "%s: one change per operation", label)
		if a.Err == nil {
			require.NoError(t, a.CheckNotified(label))
		}
		require.NoError(t, a.CheckNotifyError(label))
		return
	}
	require.NoError(t, h.CheckFailure(label, a))
}

// retry checks what a retry without faults does after a failed attempt a
// of op (on record key, "" for a creation): after a stored change, the
// retry pinned to the version read first (pinned; nil for creations)
// fails with ErrConflict; after nothing was stored, the retry never fails
// with an injected or timeout error, and it agrees with predict (the pure
// layer's answer on the unchanged record: nil or an error of the same
// kind; predict returns the record the pure layer computes, or nil not to
// compare records).
func (h *pfRun) retry(t *rapid.T, label string, a pfAttempt, op, pinned func() (any, error), predict func() (any, error)) {
	if a.Err == nil {
		return
	}
	defer h.Faults.SetRates(h.Faults.Off())
	if len(a.Changed()) > 0 {
		if pinned != nil {
			h.cov.Add(pfCasePinned, 1)
			r := h.try(t, pinned)
			h.check(t, label+" (pinned retry)", r)
			require.ErrorIs(t, r.Err, lifecycle.ErrConflict, "%s: a retry pinned to the version before a stored change", label)
		}
		return
	}
	h.cov.Add(pfCaseRetry, 1)
	r := h.try(t, op)
	h.check(t, label+" (retry)", r)
	if c := lifecycletest.Classify(r.Err); c == "injected" || c == "deadline" {
		t.Fatalf("%s: a retry without faults failed with %v", label, r.Err)
	}
	if predict == nil {
		return
	}
	want, perr := predict()
	switch {
	case perr != nil:
		require.Error(t, r.Err, "%s: the pure layer refused (%v), the retry succeeded", label, perr)
		require.Equal(t, lifecycletest.Classify(perr), lifecycletest.Classify(r.Err), "%s: pure %v, retry %v", label, perr, r.Err)
	default:
		require.NoError(t, r.Err, "%s: the pure layer accepts", label)
		if want != nil {
			require.Equal(t, want, r.Got, "%s: the retry stored something else than the pure layer computes", label)
		}
	}
}

var (
	pfActors = []lifecycle.Actor{ownerAlice, strangerMallory, portfolioM, lifecycle.System, {ID: "bob"}, {}}
	pfIDs    = []string{"A", "B", "C", " "}
	// pfKinds leans to SLAs (so that services go live) and includes a
	// missing and an unknown kind.
	pfKinds = []lifecycle.AgreementKind{
		lifecycle.AgreementSLA, lifecycle.AgreementSLA, lifecycle.AgreementOLA,
		lifecycle.AgreementUnderpinningContract, "", "contract",
	}
	pfLink = rapid.Custom(func(t *rapid.T) lifecycle.AgreementLink {
		return lifecycle.AgreementLink{ID: rapid.SampledFrom(pfIDs).Draw(t, "id"), Kind: rapid.SampledFrom(pfKinds).Draw(t, "kind")}
	})
	pfStatuses = append(lifecycle.Statuses(), "live")
)

// pfServiceCommand draws any service command for s: mostly one for an
// event the machine allows, otherwise any command with any inputs.
func pfServiceCommand(t *rapid.T, s *lifecycle.ITService) lifecycle.ServiceCommand {
	version := rapid.SampledFrom([]int64{0, 0, s.Version, s.Version - 1}).Draw(t, "version")
	note := rapid.SampledFrom([]string{"", "why not"}).Draw(t, "note")
	pick := func(label string) string { return rapid.SampledFrom(pfIDs).Draw(t, label) }
	switch rapid.IntRange(0, 10).Draw(t, "kind") {
	case 0, 1, 2:
		ev := rapid.SampledFrom(lifecycle.ServiceEvents()).Draw(t, "event")
		if allowed := wantMachine[s.Status]; len(allowed) > 0 && rapid.Bool().Draw(t, "allowed") {
			var evs []lifecycle.ServiceEvent
			for e := range allowed {
				evs = append(evs, e)
			}
			slices.Sort(evs)
			ev = rapid.SampledFrom(evs).Draw(t, "allowed event")
		}
		return lifecycletest.PinVersion(serviceCommandFor(s, ev), version)
	case 3:
		return lifecycle.SetServiceStatus{ID: s.ID, Version: version, To: rapid.SampledFrom(pfStatuses).Draw(t, "to"), Note: note}
	case 4:
		return lifecycle.RejectService{ID: s.ID, Version: version, Reason: note}
	case 5:
		return lifecycle.ReworkService{ID: s.ID, Version: version, Reason: note}
	case 6:
		c := lifecycle.UpdateServiceDetails{ID: s.ID, Version: version, Note: note}
		if rapid.Bool().Draw(t, "set owner") {
			o := rapid.SampledFrom([]string{"", "alice", "bob", "mallory"}).Draw(t, "owner")
			c.Owner = &o
		}
		if rapid.Bool().Draw(t, "set name") {
			n := rapid.SampledFrom([]string{"", "Mail", "E-mail"}).Draw(t, "name")
			c.Name = &n
		}
		if rapid.Bool().Draw(t, "set criticality") {
			cr := rapid.SampledFrom(append(lifecycle.Criticalities(), "extreme")).Draw(t, "criticality")
			c.Criticality = &cr
		}
		return c
	case 7:
		return lifecycle.AddServiceAgreement{ID: s.ID, Version: version, Agreement: pick("agreement"), Kind: rapid.SampledFrom(pfKinds).Draw(t, "kind")}
	case 8:
		return lifecycle.RemoveServiceAgreement{ID: s.ID, Version: version, Agreement: pick("agreement")}
	case 9:
		return lifecycle.AddServiceConfigItem{ID: s.ID, Version: version, ConfigItem: pick("ci")}
	default:
		return lifecycle.RemoveServiceConfigItem{ID: s.ID, Version: version, ConfigItem: pick("ci")}
	}
}

func pfImprovementCommand(t *rapid.T, x *lifecycle.Improvement) lifecycle.ImprovementCommand {
	version := rapid.SampledFrom([]int64{0, 0, x.Version, x.Version + 1}).Draw(t, "version")
	text := func(label string) string { return rapid.SampledFrom([]string{"", " ", "done"}).Draw(t, label) }
	if allowed := wantImprovementMachine[x.Status]; len(allowed) > 0 && rapid.IntRange(0, 9).Draw(t, "mode") < 6 {
		var evs []lifecycle.ImprovementEvent
		for e := range allowed {
			if e != lifecycle.ImprovementReject || rapid.IntRange(0, 3).Draw(t, "really reject") == 0 {
				evs = append(evs, e)
			}
		}
		if len(evs) > 0 {
			slices.Sort(evs)
			return lifecycletest.PinVersion(improvementCommandFor(x, rapid.SampledFrom(evs).Draw(t, "allowed event")), version)
		}
	}
	switch rapid.IntRange(0, 3).Draw(t, "kind") {
	case 0:
		return lifecycle.ApproveImprovement{ID: x.ID, Version: version, Note: text("note")}
	case 1:
		return lifecycle.StartImprovement{ID: x.ID, Version: version, Note: text("note")}
	case 2:
		return lifecycle.CompleteImprovement{ID: x.ID, Version: version, Result: text("result"), Note: text("note")}
	default:
		return lifecycle.RejectImprovement{ID: x.ID, Version: version, Reason: text("reason")}
	}
}

// withWork returns cmd with the Dependents' open work in place of its own,
// as the Portfolio does for retirements, for the pure layer's prediction.
func (h *pfRun) withWork(cmd lifecycle.ServiceCommand) lifecycle.ServiceCommand {
	inc, chg, _ := h.work.OpenWork(context.Background(), "")
	w := lifecycle.ServiceWork{OpenIncidents: inc, ScheduledChanges: chg}
	switch c := cmd.(type) {
	case lifecycle.RetireService:
		c.Work = w
		return c
	case lifecycle.SetServiceStatus:
		c.Work = w
		return c
	}
	return cmd
}

func (h *pfRun) define(t *rapid.T) {
	actor := rapid.SampledFrom(pfActors).Draw(t, "actor")
	d := lifecycle.DefineService{
		Name:        rapid.SampledFrom([]string{"Mail", "Wiki", " "}).Draw(t, "name"),
		Owner:       rapid.SampledFrom([]string{"", "alice", "alice", "bob"}).Draw(t, "owner"),
		Agreements:  rapid.SliceOfN(pfLink, 0, 2).Draw(t, "agreements"),
		ConfigItems: rapid.SliceOfN(rapid.SampledFrom(pfIDs), 0, 2).Draw(t, "config items"),
	}
	h.clock.Advance(time.Minute)
	op := pfService(func() (*lifecycle.ITService, error) { return h.p.Define(context.Background(), actor, d) })
	a := h.try(t, op)
	h.check(t, "define", a)
	h.retry(t, "define", a, op, nil, func() (any, error) {
		return nil, withDefaults(actor, lifecycle.ProcessService, "define", nil, func() (viewed, lifecycle.Record, error) {
			x, _, err := d.New(actor, h.clock.Now(), "SVC-X")
			return x, lastRecord(x), err
		})
	})
}

func (h *pfRun) pickService(t *rapid.T) *lifecycle.ITService {
	ids := h.ids(t, lifecycle.ProcessService)
	if len(ids) == 0 {
		t.Skip("no service yet")
	}
	return h.All(t)[pfKey(lifecycle.ProcessService, rapid.SampledFrom(ids).Draw(t, "service"))].(*lifecycle.ITService)
}

func (h *pfRun) serviceCommand(t *rapid.T) {
	s := h.pickService(t)
	h.serviceOp(t, s, rapid.SampledFrom(pfActors).Draw(t, "actor"), pfServiceCommand(t, s))
}

// advance moves a service up to ten statuses forward, one checked
// operation each, so that runs reach the catalogue and beyond.
func (h *pfRun) advance(t *rapid.T) {
	s := h.pickService(t)
	for range rapid.IntRange(1, 10).Draw(t, "steps") {
		h.serviceOp(t, s, ownerAlice, lifecycle.AdvanceService{ID: s.ID})
		s = h.All(t)[pfKey(lifecycle.ProcessService, s.ID)].(*lifecycle.ITService)
	}
}

func (h *pfRun) serviceOp(t *rapid.T, s *lifecycle.ITService, actor lifecycle.Actor, cmd lifecycle.ServiceCommand) {
	label := fmt.Sprintf("%s by %q", serviceCmdName(cmd), actor.ID)
	h.clock.Advance(time.Minute)
	op := pfService(func() (*lifecycle.ITService, error) { return h.p.Do(context.Background(), actor, cmd) })
	a := h.try(t, op)
	h.check(t, label, a)
	h.retry(t, label, a, op,
		pfService(func() (*lifecycle.ITService, error) {
			return h.p.Do(context.Background(), actor, lifecycletest.PinVersion(cmd, s.Version))
		}),
		func() (any, error) {
			want := s.Clone()
			return want, withDefaults(actor, lifecycle.ProcessService, lifecycle.ServiceEventOf(cmd, s.Status), s, func() (viewed, lifecycle.Record, error) {
				_, err := want.Apply(actor, h.clock.Now(), h.withWork(cmd))
				return want, lastRecord(want), err
			})
		})
}

func (h *pfRun) propose(t *rapid.T) {
	actor := rapid.SampledFrom(pfActors).Draw(t, "actor")
	p := lifecycle.ProposeImprovement{
		ServiceID: rapid.SampledFrom(append(h.ids(t, lifecycle.ProcessService), "SVC-NONE")).Draw(t, "service"),
		Title:     rapid.SampledFrom([]string{"Restore faster", ""}).Draw(t, "title"),
		Measure:   "MTTR", Baseline: "4h", Target: "2h",
	}
	h.clock.Advance(time.Minute)
	op := pfImprovement(func() (*lifecycle.Improvement, error) { return h.p.Propose(context.Background(), actor, p) })
	a := h.try(t, op)
	h.check(t, "propose", a)
	h.retry(t, "propose", a, op, nil, nil)
}

func (h *pfRun) improvementCommand(t *rapid.T) {
	ids := h.ids(t, lifecycle.ProcessImprovement)
	if len(ids) == 0 {
		t.Skip("no improvement yet")
	}
	x := h.All(t)[pfKey(lifecycle.ProcessImprovement, rapid.SampledFrom(ids).Draw(t, "improvement"))].(*lifecycle.Improvement)
	actor := rapid.SampledFrom(pfActors).Draw(t, "actor")
	cmd := pfImprovementCommand(t, x)
	label := fmt.Sprintf("%T by %q", cmd, actor.ID)
	h.clock.Advance(time.Minute)
	op := pfImprovement(func() (*lifecycle.Improvement, error) { return h.p.DoImprovement(context.Background(), actor, cmd) })
	a := h.try(t, op)
	h.check(t, label, a)
	h.retry(t, label, a, op,
		pfImprovement(func() (*lifecycle.Improvement, error) {
			return h.p.DoImprovement(context.Background(), actor, lifecycletest.PinVersion(cmd, x.Version))
		}),
		func() (any, error) {
			want := x.Clone()
			return want, withDefaults(actor, lifecycle.ProcessImprovement, string(lifecycle.ImprovementEventOf(cmd)), x, func() (viewed, lifecycle.Record, error) {
				_, err := want.Apply(actor, h.clock.Now(), cmd)
				return want, lastRecord(want), err
			})
		})
}

// read checks that reads under faults answer exactly what the real stores
// hold, or fail with an injected error (or ErrNotFound for unknown IDs).
func (h *pfRun) read(t *rapid.T) {
	ctx := context.Background()
	st := h.All(t)
	sid := rapid.SampledFrom(append(h.ids(t, lifecycle.ProcessService), "SVC-NONE")).Draw(t, "service")
	s, err := h.p.GetService(ctx, sid)
	want, _ := st[pfKey(lifecycle.ProcessService, sid)].(*lifecycle.ITService)
	require.NoError(t, lifecycletest.CheckGet("GetService", s, err, want))
	sp, err := h.p.ListServices(ctx, lifecycle.ServiceFilter{Limit: 1 << 20})
	require.NoError(t, lifecycletest.CheckList("ListServices", len(sp.Services), err, len(h.ids(t, lifecycle.ProcessService))))
	xid := rapid.SampledFrom(append(h.ids(t, lifecycle.ProcessImprovement), "CSI-NONE")).Draw(t, "improvement")
	x, err := h.p.GetImprovement(ctx, xid)
	wantX, _ := st[pfKey(lifecycle.ProcessImprovement, xid)].(*lifecycle.Improvement)
	require.NoError(t, lifecycletest.CheckGet("GetImprovement", x, err, wantX))
	ip, err := h.p.ListImprovements(ctx, lifecycle.ImprovementFilter{Limit: 1 << 20})
	require.NoError(t, lifecycletest.CheckList("ListImprovements", len(ip.Improvements), err, len(h.ids(t, lifecycle.ProcessImprovement))))
}

// invariants checks the real stores after every step: the invariants of
// every fault test (Rig.Invariants: no record half-applied, the ledger
// holds versions 1..n of each record and nothing else, every delivered
// event belongs to a stored version and was delivered once, with an
// outbox every stored version has its event), the service invariants of
// the pure property test, and that improvements have known statuses.
func (h *pfRun) invariants(t *rapid.T) {
	st := h.All(t)
	for k, r := range st {
		switch x := r.(type) {
		case *lifecycle.ITService:
			checkServiceInvariants(t, x)
			h.cov.Add("status "+string(x.Status), 1)
			if x.Status == lifecycle.StatusRetiring || x.Status == lifecycle.StatusRetired {
				h.cov.Add(pfCasePhaseOut, 1)
			}
		case *lifecycle.Improvement:
			require.True(t, slices.Contains(lifecycle.ImprovementStatuses(), x.Status), "%s: status %q", k, x.Status)
			h.cov.Add("improvement "+string(x.Status), 1)
		}
	}
	require.NoError(t, h.Invariants(st))
}

// TestPortfolioFaultInjection runs random sequences of every Portfolio
// operation (define, every service command, propose, every improvement
// command, reads) over service and improvement stores, a notifier and
// Dependents that fail at random, seeded by rapid, with and without a
// transactional outbox. See check, retry and invariants for the properties.
func TestPortfolioFaultInjection(t *testing.T) {
	cov := &lifecycletest.Coverage{}
	cases := append([]string{lifecycletest.CaseStored, lifecycletest.CaseRefused, lifecycletest.CaseAmbiguous, lifecycletest.CaseNotifyError,
		pfCaseRetry, pfCasePinned, pfCaseOperation, pfCasePhaseOut, pfCaseCompleted}, lifecycletest.FaultCases()...)
	lifecycletest.Explore(t, 1, cov, cases, func() {
		rapid.Check(t, func(t *rapid.T) {
			cov.Add(lifecycletest.CaseRun, 1)
			h := newPFRun(t, cov)
			t.Repeat(map[string]func(*rapid.T){
				"define":              h.define,
				"service command":     h.serviceCommand,
				"advance":             h.advance,
				"propose":             h.propose,
				"improvement command": h.improvementCommand,
				"read":                h.read,
				"":                    h.invariants,
			})
			h.invariants(t)
		})
	})
}

// concurrentOp performs one random operation without rapid (goroutines
// must not draw) and judges what it can alone: a stored result comes with
// the record, any other failure with no record and a typed error.
func (h *pfRun) concurrentOp(r *rand.Rand) (lifecycletest.Outcome, error) {
	ctx := context.Background()
	actor := pfActors[r.IntN(len(pfActors))]
	pick := func(process string) string {
		var ids []string
		if process == lifecycle.ProcessService {
			page, _ := h.services.ListServices(ctx, lifecycle.ServiceFilter{Limit: 1 << 20})
			for _, s := range page.Services {
				ids = append(ids, s.ID)
			}
		} else {
			page, _ := h.imps.ListImprovements(ctx, lifecycle.ImprovementFilter{Limit: 1 << 20})
			for _, x := range page.Improvements {
				ids = append(ids, x.ID)
			}
		}
		if len(ids) == 0 {
			return "NONE"
		}
		return ids[r.IntN(len(ids))]
	}
	var op func() (any, error)
	var label string
	switch n := r.IntN(20); {
	case n < 2:
		label = "define"
		op = pfService(func() (*lifecycle.ITService, error) {
			return h.p.Define(ctx, actor, lifecycle.DefineService{Name: "Mail", Owner: "alice", Agreements: []lifecycle.AgreementLink{{ID: "A", Kind: lifecycle.AgreementSLA}}})
		})
	case n < 12:
		s, err := h.services.GetService(ctx, pick(lifecycle.ProcessService))
		if err != nil {
			return lifecycletest.Outcome{}, nil
		}
		var cmd lifecycle.ServiceCommand
		switch k := r.IntN(6); k {
		case 0:
			cmd = lifecycle.AddServiceAgreement{ID: s.ID, Agreement: pfIDs[r.IntN(3)], Kind: pfKinds[r.IntN(4)]}
		case 1:
			cmd = lifecycle.RemoveServiceAgreement{ID: s.ID, Agreement: pfIDs[r.IntN(3)]}
		case 2:
			name := fmt.Sprintf("Mail %d", r.IntN(3))
			cmd = lifecycle.UpdateServiceDetails{ID: s.ID, Name: &name}
		default:
			evs := lifecycle.ServiceEvents()
			cmd = serviceCommandFor(s, evs[r.IntN(len(evs))])
			if k == 3 {
				cmd = lifecycle.AdvanceService{ID: s.ID, Version: s.Version}
			}
		}
		if r.IntN(2) == 0 {
			cmd = lifecycletest.PinVersion(cmd, 0)
		}
		label = serviceCmdName(cmd)
		op = pfService(func() (*lifecycle.ITService, error) { return h.p.Do(ctx, actor, cmd) })
	case n < 15:
		label = "propose"
		sid := pick(lifecycle.ProcessService)
		op = pfImprovement(func() (*lifecycle.Improvement, error) {
			return h.p.Propose(ctx, actor, lifecycle.ProposeImprovement{ServiceID: sid, Title: "t", Measure: "m", Baseline: "b", Target: "g"})
		})
	default:
		x, err := h.imps.GetImprovement(ctx, pick(lifecycle.ProcessImprovement))
		if err != nil {
			return lifecycletest.Outcome{}, nil
		}
		evs := []lifecycle.ImprovementEvent{lifecycle.ImprovementApprove, lifecycle.ImprovementStart, lifecycle.ImprovementComplete, lifecycle.ImprovementReject}
		cmd := improvementCommandFor(x, evs[r.IntN(len(evs))])
		if r.IntN(2) == 0 {
			cmd = lifecycletest.PinVersion(cmd, 0)
		}
		label = fmt.Sprintf("%T", cmd)
		op = pfImprovement(func() (*lifecycle.Improvement, error) { return h.p.DoImprovement(ctx, actor, cmd) })
	}
	got, err := op()
	var ne *lifecycle.NotifyError
	return h.Judge(label, got, err, err == nil || errors.As(err, &ne))
}

// TestPortfolioFaultInjectionConcurrent runs goroutines operating on the
// same services and improvements at once, over faulty stores, notifier
// and Dependents (under -race in CI). Afterwards the invariants of
// TestPortfolioFaultInjection hold, every operation that reported a
// stored result returned the record exactly as stored at its version,
// and every plain success was notified.
func TestPortfolioFaultInjectionConcurrent(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		rates := pfDrawRates(t)
		h := newPFRunWith(t, &lifecycletest.Coverage{}, seed, rates, false, 0, 0)
		const goroutines, ops = 6, 25
		outcomes, err := lifecycletest.RunConcurrent(seed, goroutines, ops, h.concurrentOp)
		require.NoError(t, err)
		h.invariants(t)
		require.NoError(t, lifecycletest.CheckOutcomes(h.Ledger, h.Events.Events(), outcomes...))
	})
}
