package lifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

type portfolioFixture struct {
	p     *lifecycle.Portfolio
	store *lifecycletest.PortfolioStore
	imps  *lifecycletest.ImprovementStore
	rec   *lifecycletest.Recorder
	clock *lifecycletest.Clock
	work  *fakeDependents
}

type fakeDependents struct {
	mu        sync.Mutex
	incidents int
	changes   int
	err       error
	calls     []string
}

func (d *fakeDependents) OpenWork(_ context.Context, id string) (int, int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.calls = append(d.calls, id)
	return d.incidents, d.changes, d.err
}

func (d *fakeDependents) set(incidents, changes int, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.incidents, d.changes, d.err = incidents, changes, err
}

func (d *fakeDependents) Calls() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.calls...)
}

func newPortfolioFixture(t testing.TB) *portfolioFixture {
	t.Helper()
	f := &portfolioFixture{
		store: lifecycletest.NewPortfolioStore(),
		imps:  lifecycletest.NewImprovementStore(),
		rec:   &lifecycletest.Recorder{},
		clock: lifecycletest.NewClock(svcT0),
		work:  &fakeDependents{},
	}
	p, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{
		Store:          f.store,
		Improvements:   f.imps,
		Notifier:       f.rec,
		Clock:          f.clock,
		IDs:            lifecycle.Sequence("SVC", 4),
		ImprovementIDs: lifecycle.Sequence("CSI", 4),
		Dependents:     f.work,
	})
	require.NoError(t, err)
	f.p = p
	return f
}

func (f *portfolioFixture) define(t testing.TB) *lifecycle.ITService {
	t.Helper()
	s, err := f.p.Define(context.Background(), ownerAlice, lifecycle.DefineService{
		Name: "E-mail", Owner: "alice", Agreements: []lifecycle.AgreementLink{slaGold}, ConfigItems: []string{"CI-MX1"},
	})
	require.NoError(t, err)
	return s
}

// live defines a service and advances it to operational.
func (f *portfolioFixture) live(t testing.TB) *lifecycle.ITService {
	t.Helper()
	s := f.define(t)
	for s.Status != lifecycle.StatusOperational {
		var err error
		s, err = f.p.Advance(context.Background(), ownerAlice, lifecycle.AdvanceService{ID: s.ID, Version: s.Version})
		require.NoError(t, err)
	}
	return s
}

func TestPortfolioDefineAndAdvanceToLive(t *testing.T) {
	f := newPortfolioFixture(t)
	ctx := context.Background()
	s := f.define(t)
	assert.Equal(t, "SVC0001", s.ID)
	assert.Equal(t, int64(1), s.Version)
	got, err := f.p.GetService(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, s, got, "Define returns the service as stored")

	for i := 0; s.Status != lifecycle.StatusOperational; i++ {
		f.clock.Advance(time.Hour)
		s, err = f.p.Advance(ctx, ownerAlice, lifecycle.AdvanceService{ID: s.ID, Version: s.Version})
		require.NoError(t, err)
		require.Less(t, i, 20)
	}
	assert.Equal(t, int64(11), s.Version, "created + 10 steps")
	assert.Equal(t, svcT0.Add(10*time.Hour), s.UpdatedAt)
	got, err = f.p.GetService(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, s, got)

	evs := f.rec.Events()
	require.Len(t, evs, 11)
	assert.Equal(t, "created", evs[0].Type)
	for i, e := range evs {
		assert.Equal(t, lifecycle.NotificationID("service", s.ID, int64(i+1), 0), e.ID)
		assert.Equal(t, int64(i+1), e.Version)
		if i > 0 {
			assert.Equal(t, "advanced", e.Type)
			assert.Equal(t, evs[i-1].Snapshot.State, e.From)
		}
	}
	assert.Equal(t, "operational", evs[10].To)
	assert.Equal(t, "catalogue", evs[10].Snapshot.Attributes["portfolio"])

	// The history replays to the current status.
	snap := lifecycle.Snapshot{}
	for _, r := range s.History {
		snap = snap.Apply(r)
	}
	assert.Equal(t, "operational", snap.State)

	page, err := f.p.ListServices(ctx, lifecycle.ServiceFilter{Part: lifecycle.PortfolioCatalogue})
	require.NoError(t, err)
	require.Len(t, page.Services, 1)
	assert.Equal(t, s, page.Services[0])
	// Phasing out moves the service from the catalogue to retirement.
	retiring, err := f.p.PhaseOut(ctx, ownerAlice, lifecycle.PhaseOutService{ID: s.ID})
	require.NoError(t, err)
	assert.Equal(t, "retired", f.rec.Events()[11].Snapshot.Attributes["portfolio"])
	assert.True(t, retiring.Live(), "a retiring service still serves its customers")
	page, err = f.p.ListServices(ctx, lifecycle.ServiceFilter{Part: lifecycle.PortfolioCatalogue})
	require.NoError(t, err)
	assert.Empty(t, page.Services)
	page, err = f.p.ListServices(ctx, lifecycle.ServiceFilter{Part: lifecycle.PortfolioRetired})
	require.NoError(t, err)
	require.Len(t, page.Services, 1)
	assert.Equal(t, lifecycle.StatusRetiring, page.Services[0].Status)

	page, err = f.p.ListServices(ctx, lifecycle.ServiceFilter{Stage: lifecycle.StageDesign})
	require.NoError(t, err)
	assert.Empty(t, page.Services)
	_, err = f.p.ListServices(ctx, lifecycle.ServiceFilter{Stage: "ops"})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = f.p.ListServices(ctx, lifecycle.ServiceFilter{Statuses: []lifecycle.Status{"live"}})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
	_, err = f.p.ListServices(ctx, lifecycle.ServiceFilter{Part: "shelf"})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
}

func TestPortfolioRefusalsStoreAndNotifyNothing(t *testing.T) {
	f := newPortfolioFixture(t)
	ctx := context.Background()
	s := f.define(t)
	f.rec.Reset()
	for name, tc := range map[string]struct {
		cmd  lifecycle.ServiceCommand
		want error
	}{
		"stale version":   {lifecycle.AdvanceService{ID: s.ID, Version: 9}, lifecycle.ErrConflict},
		"unknown service": {lifecycle.AdvanceService{ID: "SVC9999"}, lifecycle.ErrNotFound},
		"no ID":           {lifecycle.AdvanceService{}, lifecycle.ErrValidation},
		"not allowed":     {lifecycle.PhaseOutService{ID: s.ID}, lifecycle.ErrInvalidTransition},
		"bad input":       {lifecycle.RejectService{ID: s.ID}, lifecycle.ErrValidation},
		"nil command":     {nil, lifecycle.ErrValidation},
	} {
		got, err := f.p.Do(ctx, ownerAlice, tc.cmd)
		assert.ErrorIs(t, err, tc.want, name)
		assert.Nil(t, got, name)
	}
	_, err := f.p.Do(ctx, lifecycle.Actor{}, lifecycle.AdvanceService{ID: s.ID})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)

	canceled, cancel := context.WithCancel(ctx)
	cancel()
	_, err = f.p.Advance(canceled, ownerAlice, lifecycle.AdvanceService{ID: s.ID})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = f.p.Define(canceled, ownerAlice, lifecycle.DefineService{Name: "x"})
	assert.ErrorIs(t, err, context.Canceled)

	stored, err := f.p.GetService(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, s, stored)
	assert.Empty(t, f.rec.Events())
	page, err := f.p.ListServices(ctx, lifecycle.ServiceFilter{})
	require.NoError(t, err)
	assert.Len(t, page.Services, 1)
}

func TestPortfolioOperations(t *testing.T) {
	f := newPortfolioFixture(t)
	ctx := context.Background()
	s := f.define(t)
	var err error
	step := func(got *lifecycle.ITService, err error) *lifecycle.ITService {
		t.Helper()
		require.NoError(t, err)
		return got
	}
	s = step(f.p.Advance(ctx, ownerAlice, lifecycle.AdvanceService{ID: s.ID}))
	s = step(f.p.Reject(ctx, ownerAlice, lifecycle.RejectService{ID: s.ID, Reason: "unclear outcome"}))
	assert.Equal(t, lifecycle.StatusRequirements, s.Status)
	for range 6 {
		s = step(f.p.Advance(ctx, ownerAlice, lifecycle.AdvanceService{ID: s.ID}))
	}
	assert.Equal(t, lifecycle.StatusDeveloped, s.Status)
	s = step(f.p.Rework(ctx, ownerAlice, lifecycle.ReworkService{ID: s.ID, Reason: "no HA"}))
	assert.Equal(t, lifecycle.StatusDesigned, s.Status)
	s = step(f.p.SetStatus(ctx, ownerAlice, lifecycle.SetServiceStatus{ID: s.ID, To: lifecycle.StatusDeveloped}))
	name := "Mail"
	s = step(f.p.UpdateDetails(ctx, ownerAlice, lifecycle.UpdateServiceDetails{ID: s.ID, Name: &name}))
	s = step(f.p.AddAgreement(ctx, ownerAlice, lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "SLA-PLAT", Kind: lifecycle.AgreementSLA}))
	s = step(f.p.RemoveAgreement(ctx, ownerAlice, lifecycle.RemoveServiceAgreement{ID: s.ID, Agreement: "SLA-GOLD"}))
	s = step(f.p.AddConfigItem(ctx, ownerAlice, lifecycle.AddServiceConfigItem{ID: s.ID, ConfigItem: "CI-MX2"}))
	s = step(f.p.RemoveConfigItem(ctx, ownerAlice, lifecycle.RemoveServiceConfigItem{ID: s.ID, ConfigItem: "CI-MX1"}))
	for s.Status != lifecycle.StatusOperational {
		s = step(f.p.Advance(ctx, ownerAlice, lifecycle.AdvanceService{ID: s.ID}))
	}
	s = step(f.p.PhaseOut(ctx, ownerAlice, lifecycle.PhaseOutService{ID: s.ID}))
	s = step(f.p.Reinstate(ctx, ownerAlice, lifecycle.ReinstateService{ID: s.ID}))
	s = step(f.p.PhaseOut(ctx, ownerAlice, lifecycle.PhaseOutService{ID: s.ID}))
	s = step(f.p.Retire(ctx, ownerAlice, lifecycle.RetireService{ID: s.ID}))
	assert.Equal(t, lifecycle.StatusRetired, s.Status)
	assert.Equal(t, "Mail", s.Name)
	assert.Equal(t, []lifecycle.AgreementLink{slaLink("SLA-PLAT")}, s.Agreements)
	assert.Equal(t, []string{"CI-MX2"}, s.ConfigItems)
	assert.Equal(t, int64(len(s.History)), s.Version)

	types := f.rec.Types()
	assert.Equal(t, []string{
		"created", "advanced", "rejected", "advanced", "advanced", "advanced", "advanced", "advanced", "advanced",
		"reworked", "advanced", "updated", "agreement_added", "agreement_removed", "config_item_added",
		"config_item_removed", "advanced", "advanced", "advanced", "advanced", "phased_out", "reinstated",
		"phased_out", "retired",
	}, types)
	_, err = f.p.AddAgreement(ctx, ownerAlice, lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "SLA-X", Kind: lifecycle.AgreementSLA})
	assert.ErrorIs(t, err, lifecycle.ErrInvalidTransition, "a retired service is read-only")
}

func TestPortfolioRetireAsksDependents(t *testing.T) {
	f := newPortfolioFixture(t)
	ctx := context.Background()
	s := f.live(t)
	assert.Empty(t, f.work.Calls(), "only retirement asks")

	f.work.set(2, 1, nil)
	before, err := f.p.GetService(ctx, s.ID)
	require.NoError(t, err)
	f.rec.Reset()
	// The command's own Work is ignored by the Portfolio.
	got, err := f.p.Retire(ctx, ownerAlice, lifecycle.RetireService{ID: s.ID, Work: lifecycle.ServiceWork{}})
	require.ErrorIs(t, err, lifecycle.ErrInvalidTransition)
	var ow *lifecycle.OpenWorkError
	require.ErrorAs(t, err, &ow)
	assert.Equal(t, lifecycle.ServiceWork{OpenIncidents: 2, ScheduledChanges: 1}, ow.ServiceWork)
	assert.Nil(t, got)
	_, err = f.p.SetStatus(ctx, ownerAlice, lifecycle.SetServiceStatus{ID: s.ID, To: lifecycle.StatusRetired})
	require.ErrorAs(t, err, &ow)
	assert.Equal(t, []string{s.ID, s.ID}, f.work.Calls())

	boom := errors.New("incident store down")
	f.work.set(0, 0, boom)
	_, err = f.p.Retire(ctx, ownerAlice, lifecycle.RetireService{ID: s.ID})
	require.ErrorIs(t, err, boom)

	stored, err := f.p.GetService(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, before, stored)
	assert.Empty(t, f.rec.Events())

	// Phasing out does not ask.
	s, err = f.p.PhaseOut(ctx, ownerAlice, lifecycle.PhaseOutService{ID: s.ID})
	require.NoError(t, err)
	assert.Len(t, f.work.Calls(), 3)

	// Unauthorised: refused with ErrForbidden.
	f.work.set(0, 0, nil)
	_, err = f.p.Retire(ctx, strangerMallory, lifecycle.RetireService{ID: s.ID, Work: lifecycle.ServiceWork{OpenIncidents: 5}})
	require.ErrorIs(t, err, lifecycle.ErrForbidden)

	// Work given in the command cannot block a retirement either.
	s, err = f.p.Retire(ctx, portfolioM, lifecycle.RetireService{ID: s.ID, Work: lifecycle.ServiceWork{OpenIncidents: 5}})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.StatusRetired, s.Status)
	n := len(f.work.Calls())

	// Retiring a retired service is refused before asking.
	_, err = f.p.Retire(ctx, portfolioM, lifecycle.RetireService{ID: s.ID})
	require.ErrorIs(t, err, lifecycle.ErrInvalidTransition)
	assert.Len(t, f.work.Calls(), n)
}

// TestPortfolioWithoutDependentsRefusesRetirement: the zero
// PortfolioConfig is safe. With no Dependents, phase-out and retirement
// are refused with a *ConfigError naming the setting, nothing is stored or
// notified, and the rest of the lifecycle works; NoDependents is the
// explicit way to say there is no open work to check.
func TestPortfolioWithoutDependentsRefusesRetirement(t *testing.T) {
	ctx := context.Background()
	store := lifecycletest.NewPortfolioStore()
	rec := &lifecycletest.Recorder{}
	p, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{Store: store, Notifier: rec})
	require.NoError(t, err)
	s, err := p.Define(ctx, ownerAlice, lifecycle.DefineService{Name: "Wiki", Owner: "alice", Agreements: []lifecycle.AgreementLink{slaGold}})
	require.NoError(t, err)
	assert.Regexp(t, `^SVC[0-9A-Z]{20}$`, s.ID, "default IDs")

	refused := func(s *lifecycle.ITService, call func() (*lifecycle.ITService, error)) {
		t.Helper()
		before, err := store.GetService(ctx, s.ID)
		require.NoError(t, err)
		n := len(rec.Events())
		got, err := call()
		assert.Nil(t, got)
		require.ErrorIs(t, err, lifecycle.ErrNotConfigured)
		require.ErrorIs(t, err, lifecycle.ErrInvalidTransition)
		assert.NotErrorIs(t, err, lifecycle.ErrForbidden)
		var ce *lifecycle.ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "PortfolioConfig.Dependents", ce.Setting)
		assert.Contains(t, err.Error(), "configure PortfolioConfig.Dependents")
		assert.Contains(t, err.Error(), "lifecycle.NoDependents")
		after, err := store.GetService(ctx, s.ID)
		require.NoError(t, err)
		assert.Equal(t, before, after, "nothing stored")
		assert.Len(t, rec.Events(), n, "nothing notified")
	}
	// Withdrawing a proposal is a retirement too.
	refused(s, func() (*lifecycle.ITService, error) {
		return p.Retire(ctx, ownerAlice, lifecycle.RetireService{ID: s.ID})
	})
	refused(s, func() (*lifecycle.ITService, error) {
		return p.SetStatus(ctx, ownerAlice, lifecycle.SetServiceStatus{ID: s.ID, To: lifecycle.StatusRetired})
	})
	for s.Status != lifecycle.StatusOperational {
		s, err = p.Advance(ctx, ownerAlice, lifecycle.AdvanceService{ID: s.ID})
		require.NoError(t, err)
	}
	refused(s, func() (*lifecycle.ITService, error) {
		return p.PhaseOut(ctx, ownerAlice, lifecycle.PhaseOutService{ID: s.ID})
	})
	refused(s, func() (*lifecycle.ITService, error) {
		return p.SetStatus(ctx, ownerAlice, lifecycle.SetServiceStatus{ID: s.ID, To: lifecycle.StatusRetiring})
	})
	refused(s, func() (*lifecycle.ITService, error) {
		return p.Retire(ctx, ownerAlice, lifecycle.RetireService{ID: s.ID})
	})
	// Work given in the command does not stand in for the Dependents.
	refused(s, func() (*lifecycle.ITService, error) {
		return p.Retire(ctx, ownerAlice, lifecycle.RetireService{ID: s.ID, Work: lifecycle.ServiceWork{}})
	})
	// A pair the machine does not have is refused as such, not as a
	// configuration problem.
	_, err = p.Reinstate(ctx, ownerAlice, lifecycle.ReinstateService{ID: s.ID})
	require.ErrorIs(t, err, lifecycle.ErrInvalidTransition)
	assert.NotErrorIs(t, err, lifecycle.ErrNotConfigured)

	// No ImprovementStore: the register is unavailable, with the same
	// typed error.
	_, err = p.Propose(ctx, ownerAlice, lifecycle.ProposeImprovement{ServiceID: s.ID, Title: "t", Measure: "m", Baseline: "b", Target: "g"})
	assert.ErrorIs(t, err, lifecycle.ErrNotConfigured)
	_, err = p.GetImprovement(ctx, "CSI1")
	assert.ErrorIs(t, err, lifecycle.ErrNotConfigured)
	_, err = p.ListImprovements(ctx, lifecycle.ImprovementFilter{})
	assert.ErrorIs(t, err, lifecycle.ErrNotConfigured)
	_, err = p.ApproveImprovement(ctx, ownerAlice, lifecycle.ApproveImprovement{ID: "CSI1"})
	assert.ErrorIs(t, err, lifecycle.ErrNotConfigured)

	// NoDependents: the host says there is nothing to check.
	p, err = lifecycle.NewPortfolio(lifecycle.PortfolioConfig{Store: store, Notifier: rec, Dependents: lifecycle.NoDependents})
	require.NoError(t, err)
	s, err = p.PhaseOut(ctx, ownerAlice, lifecycle.PhaseOutService{ID: s.ID})
	require.NoError(t, err)
	s, err = p.Retire(ctx, ownerAlice, lifecycle.RetireService{ID: s.ID})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.StatusRetired, s.Status)
	inc, chg, err := lifecycle.NoDependents.OpenWork(ctx, s.ID)
	assert.Zero(t, inc)
	assert.Zero(t, chg)
	assert.NoError(t, err)
}

// TestPortfolioAgreementLookup: with an AgreementLookup, links to unknown
// agreements or under the wrong kind are refused, a missing kind is filled
// in, and a failing lookup fails the operation; nothing is stored or
// notified on refusal.
func TestPortfolioAgreementLookup(t *testing.T) {
	ctx := context.Background()
	down := errors.New("sla directory down")
	known := map[string]lifecycle.AgreementKind{"SLA-GOLD": lifecycle.AgreementSLA, "OLA-NET": lifecycle.AgreementOLA, "UC-ISP": lifecycle.AgreementUnderpinningContract, "BAD": "contract"}
	var asked []string
	lookup := lifecycle.AgreementLookupFunc(func(_ context.Context, id string) (lifecycle.AgreementKind, error) {
		asked = append(asked, id)
		if id == "DOWN" {
			return "", down
		}
		k, ok := known[id]
		if !ok {
			return "", lifecycle.NotFound("agreement", id)
		}
		return k, nil
	})
	store := lifecycletest.NewPortfolioStore()
	rec := &lifecycletest.Recorder{}
	p, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{
		Store: store, Notifier: rec, Dependents: lifecycle.NoDependents, Agreements: lookup, IDs: lifecycle.Sequence("SVC", 1),
	})
	require.NoError(t, err)

	// Define: kinds filled in and checked.
	s, err := p.Define(ctx, ownerAlice, lifecycle.DefineService{Name: "Mail", Owner: "alice", Agreements: []lifecycle.AgreementLink{{ID: "SLA-GOLD"}, olaLink("OLA-NET")}})
	require.NoError(t, err)
	assert.Equal(t, []lifecycle.AgreementLink{slaGold, olaLink("OLA-NET")}, s.Agreements)
	assert.Equal(t, []string{"SLA-GOLD", "OLA-NET"}, asked)
	for _, bad := range []struct {
		links []lifecycle.AgreementLink
		match error
	}{
		{[]lifecycle.AgreementLink{{ID: "SLA-NONE"}}, lifecycle.ErrValidation},
		{[]lifecycle.AgreementLink{slaLink("OLA-NET")}, lifecycle.ErrValidation},
		{[]lifecycle.AgreementLink{{ID: "BAD"}}, nil},
		{[]lifecycle.AgreementLink{{ID: "DOWN"}}, down},
	} {
		got, err := p.Define(ctx, ownerAlice, lifecycle.DefineService{Name: "Mail", Agreements: bad.links})
		require.Error(t, err, "%v", bad.links)
		assert.Nil(t, got)
		if bad.match != nil {
			assert.ErrorIs(t, err, bad.match, "%v", bad.links)
		}
	}

	// AddAgreement: the same rules; a value or a pointer command.
	for _, bad := range []struct {
		cmd   lifecycle.ServiceCommand
		match error
	}{
		{lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "SLA-NONE", Kind: lifecycle.AgreementSLA}, lifecycle.ErrValidation},
		{lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "UC-ISP", Kind: lifecycle.AgreementSLA}, lifecycle.ErrValidation},
		{&lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "UC-ISP", Kind: lifecycle.AgreementOLA}, lifecycle.ErrValidation},
		{lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "DOWN"}, down},
		{lifecycle.AddServiceAgreement{ID: s.ID, Agreement: " "}, lifecycle.ErrValidation},
	} {
		got, err := p.Do(ctx, ownerAlice, bad.cmd)
		require.ErrorIs(t, err, bad.match, "%+v", bad.cmd)
		assert.Nil(t, got)
	}
	stored, err := store.GetService(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, s, stored, "nothing stored")
	assert.Len(t, rec.Events(), 1, "only the creation was notified")

	s, err = p.AddAgreement(ctx, ownerAlice, lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "UC-ISP"})
	require.NoError(t, err)
	s, err = p.Do(ctx, ownerAlice, &lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "SLA-NONE-YET", Kind: lifecycle.AgreementSLA})
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	assert.Nil(t, s)
	s, err = store.GetService(ctx, "SVC1")
	require.NoError(t, err)
	assert.Equal(t, []lifecycle.AgreementLink{slaGold, olaLink("OLA-NET"), ucLink("UC-ISP")}, s.Agreements)
	assert.Equal(t, map[string]string{"agreement": "UC-ISP", "kind": "underpinning_contract"}, rec.Events()[1].Data)
}

func TestNewPortfolioNeedsStore(t *testing.T) {
	_, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
}

func TestPortfolioNotifyErrorKeepsStoredChange(t *testing.T) {
	f := newPortfolioFixture(t)
	ctx := context.Background()
	boom := errors.New("smtp down")
	f.rec.Err = boom
	s, err := f.p.Define(ctx, ownerAlice, lifecycle.DefineService{Name: "Mail", Owner: "alice"})
	var ne *lifecycle.NotifyError
	require.ErrorAs(t, err, &ne)
	require.ErrorIs(t, ne.Err, boom)
	require.NotNil(t, s)
	s, err = f.p.Advance(ctx, ownerAlice, lifecycle.AdvanceService{ID: s.ID, Version: 1})
	require.ErrorAs(t, err, &ne)
	require.NotNil(t, s)
	assert.Equal(t, int64(2), s.Version)
	stored, gerr := f.p.GetService(ctx, s.ID)
	require.NoError(t, gerr)
	assert.Equal(t, s, stored)
	assert.Len(t, f.rec.Events(), 2, "the recorder saw both before failing")

	x, err := f.p.Propose(ctx, ownerAlice, lifecycle.ProposeImprovement{ServiceID: s.ID, Title: "t", Measure: "m", Baseline: "b", Target: "g"})
	require.ErrorAs(t, err, &ne)
	require.NotNil(t, x)
	x, err = f.p.ApproveImprovement(ctx, ownerAlice, lifecycle.ApproveImprovement{ID: x.ID})
	require.ErrorAs(t, err, &ne)
	require.NotNil(t, x)
	assert.Equal(t, lifecycle.ImprovementApproved, x.Status)
}

// One winner per version: of commands racing on one version, exactly one
// is stored and the others get ErrConflict.
func TestPortfolioConcurrentOneWinnerPerVersion(t *testing.T) {
	f := newPortfolioFixture(t)
	ctx := context.Background()
	s := f.define(t)
	f.rec.Reset()
	const n = 16
	var wg sync.WaitGroup
	var won, lost atomic.Int32
	for i := range n {
		wg.Go(func() {
			_, err := f.p.AddAgreement(ctx, ownerAlice, lifecycle.AddServiceAgreement{ID: s.ID, Version: 1, Agreement: fmt.Sprintf("OLA-%d", i), Kind: lifecycle.AgreementOLA})
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(err, lifecycle.ErrConflict):
				lost.Add(1)
			default:
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), won.Load())
	assert.Equal(t, int32(n-1), lost.Load())
	stored, err := f.p.GetService(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(2), stored.Version)
	assert.Len(t, stored.Agreements, 2)
	assert.Len(t, f.rec.Events(), 1, "only the winner notifies")

	// With Version 0 and retries on conflict, every command lands once,
	// and each version has exactly one event.
	f.rec.Reset()
	for i := range n {
		wg.Go(func() {
			for {
				_, err := f.p.AddConfigItem(ctx, ownerAlice, lifecycle.AddServiceConfigItem{ID: s.ID, ConfigItem: fmt.Sprintf("CI-%02d", i)})
				if errors.Is(err, lifecycle.ErrConflict) {
					continue
				}
				assert.NoError(t, err)
				return
			}
		})
	}
	wg.Wait()
	stored, err = f.p.GetService(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, int64(2+n), stored.Version)
	assert.Len(t, stored.ConfigItems, 1+n)
	assert.Len(t, stored.History, 2+n)
	ids := map[string]bool{}
	versions := map[int64]bool{}
	for _, e := range f.rec.Events() {
		assert.False(t, ids[e.ID], "duplicate event %s", e.ID)
		assert.False(t, versions[e.Version], "two events for version %d", e.Version)
		ids[e.ID], versions[e.Version] = true, true
	}
	assert.Len(t, ids, n)
}

func TestPortfolioImprovements(t *testing.T) {
	f := newPortfolioFixture(t)
	ctx := context.Background()
	s := f.live(t)
	f.rec.Reset()
	x, err := f.p.Propose(ctx, ownerAlice, lifecycle.ProposeImprovement{
		ServiceID: s.ID, Title: "Restore mail faster", Measure: "MTTR", Baseline: "4h", Target: "2h",
	})
	require.NoError(t, err)
	assert.Equal(t, "CSI0001", x.ID)
	x, err = f.p.ApproveImprovement(ctx, ownerAlice, lifecycle.ApproveImprovement{ID: x.ID, Version: 1})
	require.NoError(t, err)
	x, err = f.p.StartImprovement(ctx, ownerAlice, lifecycle.StartImprovement{ID: x.ID})
	require.NoError(t, err)
	_, err = f.p.CompleteImprovement(ctx, ownerAlice, lifecycle.CompleteImprovement{ID: x.ID})
	require.ErrorIs(t, err, lifecycle.ErrValidation, "completion needs a result")
	_, err = f.p.CompleteImprovement(ctx, ownerAlice, lifecycle.CompleteImprovement{ID: x.ID, Version: 1, Result: "1h"})
	require.ErrorIs(t, err, lifecycle.ErrConflict)
	x, err = f.p.CompleteImprovement(ctx, ownerAlice, lifecycle.CompleteImprovement{ID: x.ID, Result: "1h50m"})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.ImprovementCompleted, x.Status)
	got, err := f.p.GetImprovement(ctx, x.ID)
	require.NoError(t, err)
	assert.Equal(t, x, got)

	y, err := f.p.Propose(ctx, ownerAlice, lifecycle.ProposeImprovement{
		ServiceID: s.ID, Title: "Self-service resets", Measure: "tickets/week", Baseline: "40", Target: "10",
	})
	require.NoError(t, err)
	y, err = f.p.RejectImprovement(ctx, ownerAlice, lifecycle.RejectImprovement{ID: y.ID, Reason: "covered by CSI0001"})
	require.NoError(t, err)
	assert.Equal(t, lifecycle.ImprovementRejected, y.Status)

	assert.Equal(t, []string{"proposed", "approved", "started", "completed", "proposed", "rejected"}, f.rec.Types())
	for _, e := range f.rec.Events() {
		assert.Equal(t, "improvement", e.Process)
		assert.Equal(t, s.ID, e.Snapshot.Service)
		assert.Equal(t, lifecycle.NotificationID("improvement", e.Subject, e.Version, 0), e.ID)
	}

	page, err := f.p.ListImprovements(ctx, lifecycle.ImprovementFilter{ServiceID: s.ID})
	require.NoError(t, err)
	require.Len(t, page.Improvements, 2)
	assert.Equal(t, []*lifecycle.Improvement{x, y}, page.Improvements)
	page, err = f.p.ListImprovements(ctx, lifecycle.ImprovementFilter{Statuses: []lifecycle.ImprovementStatus{lifecycle.ImprovementRejected}})
	require.NoError(t, err)
	assert.Equal(t, []*lifecycle.Improvement{y}, page.Improvements)
	_, err = f.p.ListImprovements(ctx, lifecycle.ImprovementFilter{Statuses: []lifecycle.ImprovementStatus{"done"}})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)

	// Proposals need an existing, unretired service.
	_, err = f.p.Propose(ctx, ownerAlice, lifecycle.ProposeImprovement{ServiceID: "SVC9999", Title: "t", Measure: "m", Baseline: "b", Target: "g"})
	assert.ErrorIs(t, err, lifecycle.ErrNotFound)
	_, err = f.p.Retire(ctx, ownerAlice, lifecycle.RetireService{ID: s.ID})
	require.NoError(t, err)
	_, err = f.p.Propose(ctx, ownerAlice, lifecycle.ProposeImprovement{ServiceID: s.ID, Title: "t", Measure: "m", Baseline: "b", Target: "g"})
	lifecycletest.CheckInvalid(t, err, "service_id")
	_, err = f.p.Propose(ctx, ownerAlice, lifecycle.ProposeImprovement{ServiceID: s.ID})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)

	for _, bad := range []lifecycle.ImprovementCommand{nil, lifecycle.StartImprovement{}, lifecycle.StartImprovement{ID: "CSI9"}} {
		_, err := f.p.DoImprovement(ctx, ownerAlice, bad)
		assert.Error(t, err)
	}
	_, err = f.p.DoImprovement(ctx, lifecycle.Actor{}, lifecycle.StartImprovement{ID: x.ID})
	assert.ErrorIs(t, err, lifecycle.ErrValidation)
}

// combinedStore is one host type implementing both stores.
type combinedStore struct {
	*lifecycletest.PortfolioStore
	*lifecycletest.ImprovementStore
}

func TestPortfolioUsesStoreAsImprovementStore(t *testing.T) {
	st := combinedStore{lifecycletest.NewPortfolioStore(), lifecycletest.NewImprovementStore()}
	p, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{Store: st})
	require.NoError(t, err)
	ctx := context.Background()
	s, err := p.Define(ctx, ownerAlice, lifecycle.DefineService{Name: "Wiki"})
	require.NoError(t, err)
	x, err := p.Propose(ctx, ownerAlice, lifecycle.ProposeImprovement{ServiceID: s.ID, Title: "t", Measure: "m", Baseline: "b", Target: "g"})
	require.NoError(t, err)
	assert.Regexp(t, `^CSI`, x.ID)
	got, err := st.GetImprovement(ctx, x.ID)
	require.NoError(t, err)
	assert.Equal(t, x, got)
}

// serviceOutboxStore stores events with the change instead of notifying.
type serviceOutboxStore struct {
	*lifecycletest.PortfolioStore
	lifecycletest.OutboxLog
}

func (o *serviceOutboxStore) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	return o.Keep(o.PortfolioStore.CommitService(ctx, w), w.Events)
}

// improvementOutbox stores improvements' events with the change.
type improvementOutbox struct {
	*lifecycletest.ImprovementStore
	lifecycletest.OutboxLog
}

func (o *improvementOutbox) CommitImprovement(ctx context.Context, w lifecycle.Write[*lifecycle.Improvement]) error {
	return o.Keep(o.ImprovementStore.CommitImprovement(ctx, w), w.Events)
}

func TestPortfolioUsesOutbox(t *testing.T) {
	st := &serviceOutboxStore{PortfolioStore: lifecycletest.NewPortfolioStore()}
	imps := &improvementOutbox{ImprovementStore: lifecycletest.NewImprovementStore()}
	rec := &lifecycletest.Recorder{}
	p, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{Store: st, Improvements: imps, Notifier: rec})
	require.NoError(t, err)
	ctx := context.Background()
	s, err := p.Define(ctx, ownerAlice, lifecycle.DefineService{Name: "Wiki"})
	require.NoError(t, err)
	_, err = p.Advance(ctx, ownerAlice, lifecycle.AdvanceService{ID: s.ID})
	require.NoError(t, err)
	_, err = p.Advance(ctx, ownerAlice, lifecycle.AdvanceService{ID: s.ID, Version: 1})
	require.ErrorIs(t, err, lifecycle.ErrConflict)
	x, err := p.Propose(ctx, ownerAlice, lifecycle.ProposeImprovement{ServiceID: s.ID, Title: "t", Measure: "m", Baseline: "b", Target: "g"})
	require.NoError(t, err)
	_, err = p.ApproveImprovement(ctx, ownerAlice, lifecycle.ApproveImprovement{ID: x.ID})
	require.NoError(t, err)
	assert.Empty(t, rec.Events(), "with an outbox the notifier is not called")
	require.Len(t, st.Events(), 2)
	assert.Equal(t, []string{"created", "advanced"}, []string{st.Events()[0].Type, st.Events()[1].Type})
	require.Len(t, imps.Events(), 2)
	assert.Equal(t, "approved", imps.Events()[1].Type)
}
