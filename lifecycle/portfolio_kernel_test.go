package lifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// TestPortfolioTypedNilCommands: a nil command, or a nil pointer to one,
// is a *ValidationError for "command" from Do and DoImprovement (and from
// Service.Apply), never a panic, and stores and notifies nothing. The
// Portfolio has an AgreementLookup, so that a nil *AddServiceAgreement
// would reach its rule if it were not refused first.
func TestPortfolioTypedNilCommands(t *testing.T) {
	ctx := context.Background()
	store := lifecycletest.NewPortfolioStore()
	imps := lifecycletest.NewImprovementStore()
	rec := &lifecycletest.Recorder{}
	lookup := lifecycle.AgreementLookupFunc(func(context.Context, string) (lifecycle.AgreementKind, error) {
		return lifecycle.AgreementSLA, nil
	})
	p, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{
		Store: store, Improvements: imps, Notifier: rec, Dependents: lifecycle.NoDependents, Agreements: lookup,
	})
	require.NoError(t, err)
	s, err := p.Define(ctx, ownerAlice, lifecycle.DefineService{Name: "Mail", Owner: "alice", Agreements: []lifecycle.AgreementLink{slaGold}})
	require.NoError(t, err)
	x, err := p.Propose(ctx, ownerAlice, lifecycle.ProposeImprovement{ServiceID: s.ID, Title: "t", Measure: "m", Baseline: "b", Target: "g"})
	require.NoError(t, err)
	rec.Reset()

	services := []lifecycle.ServiceCommand{
		nil,
		(*lifecycle.AdvanceService)(nil),
		(*lifecycle.SetServiceStatus)(nil),
		(*lifecycle.RejectService)(nil),
		(*lifecycle.ReworkService)(nil),
		(*lifecycle.PhaseOutService)(nil),
		(*lifecycle.ReinstateService)(nil),
		(*lifecycle.RetireService)(nil),
		(*lifecycle.UpdateServiceDetails)(nil),
		(*lifecycle.AddServiceAgreement)(nil),
		(*lifecycle.RemoveServiceAgreement)(nil),
		(*lifecycle.AddServiceConfigItem)(nil),
		(*lifecycle.RemoveServiceConfigItem)(nil),
	}
	for _, cmd := range services {
		name := fmt.Sprintf("%T", cmd)
		var got *lifecycle.ITService
		require.NotPanics(t, func() { got, err = p.Do(ctx, ownerAlice, cmd) }, name)
		requireCommandInvalid(t, err, name)
		assert.Nil(t, got, name)

		c := s.Clone()
		var evs []lifecycle.Notification
		require.NotPanics(t, func() { evs, err = c.Apply(ownerAlice, svcT0, cmd) }, name)
		requireCommandInvalid(t, err, name+" (Apply)")
		assert.Nil(t, evs, name)
		assert.Equal(t, s, c, "%s: Apply left the service as it was", name)
	}
	for _, cmd := range []lifecycle.ImprovementCommand{
		nil,
		(*lifecycle.ApproveImprovement)(nil),
		(*lifecycle.StartImprovement)(nil),
		(*lifecycle.CompleteImprovement)(nil),
		(*lifecycle.RejectImprovement)(nil),
	} {
		name := fmt.Sprintf("%T", cmd)
		var got *lifecycle.Improvement
		require.NotPanics(t, func() { got, err = p.DoImprovement(ctx, ownerAlice, cmd) }, name)
		requireCommandInvalid(t, err, name)
		assert.Nil(t, got, name)
	}

	stored, err := store.GetService(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, s, stored, "nothing stored")
	storedX, err := imps.GetImprovement(ctx, x.ID)
	require.NoError(t, err)
	assert.Equal(t, x, storedX, "nothing stored")
	assert.Empty(t, rec.Events(), "nothing notified")

	// A pointer to a valid command runs.
	got, err := p.Do(ctx, ownerAlice, &lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "SLA-2"})
	require.NoError(t, err)
	assert.Equal(t, int64(2), got.Version)
}

func requireCommandInvalid(t *testing.T, err error, name string) {
	t.Helper()
	var ve *lifecycle.ValidationError
	require.ErrorAs(t, err, &ve, name)
	assert.Equal(t, "command", ve.Field, name)
}

// TestAddServiceAgreementValueAndPointerAgree: the AgreementLookup rule
// is AddServiceAgreement's own, so its value and its pointer form store
// the same service and notify the same event, or fail with the same error
// and store nothing, whatever the lookup answers.
func TestAddServiceAgreementValueAndPointerAgree(t *testing.T) {
	down := errors.New("sla directory down")
	lookups := map[string]lifecycle.AgreementLookup{
		"none": nil,
		"knows every agreement as an OLA": lifecycle.AgreementLookupFunc(func(context.Context, string) (lifecycle.AgreementKind, error) {
			return lifecycle.AgreementOLA, nil
		}),
		"knows no agreement": lifecycle.AgreementLookupFunc(func(_ context.Context, id string) (lifecycle.AgreementKind, error) {
			return "", lifecycle.NotFound("agreement", id)
		}),
		"is down": lifecycle.AgreementLookupFunc(func(context.Context, string) (lifecycle.AgreementKind, error) {
			return "", down
		}),
		"answers an unknown kind": lifecycle.AgreementLookupFunc(func(context.Context, string) (lifecycle.AgreementKind, error) {
			return "contract", nil
		}),
	}
	cmds := []lifecycle.AddServiceAgreement{
		{ID: "SVC1", Agreement: "OLA-NET", Kind: lifecycle.AgreementOLA},
		{ID: "SVC1", Agreement: "OLA-NET"},
		{ID: "SVC1", Agreement: "SLA-2", Kind: lifecycle.AgreementSLA},
		{ID: "SVC1", Version: 1, Agreement: "UC-ISP", Kind: lifecycle.AgreementUnderpinningContract},
		{ID: "SVC1", Version: 7, Agreement: "OLA-NET", Kind: lifecycle.AgreementOLA},
		{ID: "SVC1", Agreement: "SLA-GOLD", Kind: lifecycle.AgreementSLA}, // already linked
		{ID: "SVC1", Agreement: " "},
		{ID: "SVC1", Agreement: "X", Kind: "contract"},
	}
	type outcome struct {
		got    *lifecycle.ITService
		err    string
		stored *lifecycle.ITService
		events []lifecycle.Notification
	}
	run := func(t *testing.T, lookup lifecycle.AgreementLookup, cmd lifecycle.ServiceCommand) outcome {
		t.Helper()
		ctx := context.Background()
		store := lifecycletest.NewPortfolioStore()
		rec := &lifecycletest.Recorder{}
		p, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{
			Store: store, Notifier: rec, Clock: lifecycletest.NewClock(svcT0), IDs: lifecycle.Sequence("SVC", 1),
		})
		require.NoError(t, err)
		_, err = p.Define(ctx, ownerAlice, lifecycle.DefineService{Name: "Mail", Owner: "alice", Agreements: []lifecycle.AgreementLink{slaGold}})
		require.NoError(t, err)
		p, err = lifecycle.NewPortfolio(lifecycle.PortfolioConfig{
			Store: store, Notifier: rec, Clock: lifecycletest.NewClock(svcT0), Agreements: lookup,
		})
		require.NoError(t, err)
		rec.Reset()
		var o outcome
		o.got, err = p.Do(ctx, ownerAlice, cmd)
		if err != nil {
			o.err = err.Error()
			assert.Nil(t, o.got)
		}
		o.stored, err = store.GetService(ctx, "SVC1")
		require.NoError(t, err)
		o.events = rec.Events()
		return o
	}
	for name, lookup := range lookups {
		for _, cmd := range cmds {
			t.Run(fmt.Sprintf("lookup %s/%+v", name, cmd), func(t *testing.T) {
				value := run(t, lookup, cmd)
				pointer := run(t, lookup, &cmd)
				assert.Equal(t, value, pointer, "the value and the pointer form agree")
				if value.err != "" {
					assert.Equal(t, int64(1), value.stored.Version, "a refused command stores nothing")
					assert.Empty(t, value.events, "a refused command notifies nothing")
				} else {
					assert.Equal(t, value.stored, value.got, "the command returns the service as stored")
				}
			})
		}
	}

	// The cases the lookup decides.
	ola := lookups["knows every agreement as an OLA"]
	o := run(t, ola, &lifecycle.AddServiceAgreement{ID: "SVC1", Agreement: "OLA-NET"})
	require.Empty(t, o.err)
	assert.Equal(t, []lifecycle.AgreementLink{slaGold, olaLink("OLA-NET")}, o.stored.Agreements, "the kind looked up fills a missing one")
	o = run(t, ola, &lifecycle.AddServiceAgreement{ID: "SVC1", Agreement: "SLA-2", Kind: lifecycle.AgreementSLA})
	assert.Contains(t, o.err, "is of kind ola, not sla")
	o = run(t, lookups["knows no agreement"], &lifecycle.AddServiceAgreement{ID: "SVC1", Agreement: "OLA-NET", Kind: lifecycle.AgreementOLA})
	assert.Contains(t, o.err, `agreement "OLA-NET" does not exist`)
	o = run(t, lookups["is down"], &lifecycle.AddServiceAgreement{ID: "SVC1", Agreement: "OLA-NET", Kind: lifecycle.AgreementOLA})
	assert.Contains(t, o.err, down.Error())
	o = run(t, nil, &lifecycle.AddServiceAgreement{ID: "SVC1", Agreement: "OLA-NET"})
	assert.Contains(t, o.err, "a kind is required", "without a lookup the kind is required")
}

// writeLog is a PortfolioStore and ImprovementStore that records the
// writes the Portfolio commits; with outbox set it is an outbox for both
// record types.
type writeLog struct {
	*lifecycletest.PortfolioStore
	*lifecycletest.ImprovementStore
	mu       sync.Mutex
	services []lifecycle.Write[*lifecycle.ITService]
	imps     []lifecycle.Write[*lifecycle.Improvement]
}

func (l *writeLog) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	l.mu.Lock()
	l.services = append(l.services, w)
	l.mu.Unlock()
	return l.PortfolioStore.CommitService(ctx, w)
}

func (l *writeLog) CommitImprovement(ctx context.Context, w lifecycle.Write[*lifecycle.Improvement]) error {
	l.mu.Lock()
	l.imps = append(l.imps, w)
	l.mu.Unlock()
	return l.ImprovementStore.CommitImprovement(ctx, w)
}

// outboxLog is a writeLog that is an outbox for services;
// improvementOutboxLog is one for improvements.
type outboxLog struct{ *writeLog }

// StoresEvents makes the store a lifecycle.Outbox: its Commit keeps
// the events.
func (outboxLog) StoresEvents() bool { return true }

type improvementOutboxLog struct{ *writeLog }

// StoresEvents makes the store a lifecycle.Outbox: its Commit keeps
// the events.
func (improvementOutboxLog) StoresEvents() bool { return true }

// TestPortfolioCommitsWrites: every operation reaches the store as one
// Write over the version loaded (0 for a creation) with an empty read set.
// A store that is an Outbox gets the events in the Write and the notifier
// none; any other gets no events and the notifier all of them.
func TestPortfolioCommitsWrites(t *testing.T) {
	for _, outbox := range []bool{false, true} {
		t.Run(fmt.Sprintf("outbox %v", outbox), func(t *testing.T) {
			ctx := context.Background()
			log := &writeLog{PortfolioStore: lifecycletest.NewPortfolioStore(), ImprovementStore: lifecycletest.NewImprovementStore()}
			var services lifecycle.PortfolioStore = log
			var imps lifecycle.ImprovementStore = log
			if outbox {
				services, imps = outboxLog{log}, improvementOutboxLog{log}
			}
			rec := &lifecycletest.Recorder{}
			p, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{Store: services, Improvements: imps, Notifier: rec})
			require.NoError(t, err)
			s, err := p.Define(ctx, ownerAlice, lifecycle.DefineService{Name: "Mail"})
			require.NoError(t, err)
			_, err = p.Advance(ctx, ownerAlice, lifecycle.AdvanceService{ID: s.ID})
			require.NoError(t, err)
			x, err := p.Propose(ctx, ownerAlice, lifecycle.ProposeImprovement{ServiceID: s.ID, Title: "t", Measure: "m", Baseline: "b", Target: "g"})
			require.NoError(t, err)
			_, err = p.ApproveImprovement(ctx, ownerAlice, lifecycle.ApproveImprovement{ID: x.ID})
			require.NoError(t, err)

			require.Len(t, log.services, 2)
			require.Len(t, log.imps, 2)
			assert.Equal(t, []int64{0, 1}, []int64{log.services[0].Expected, log.services[1].Expected})
			assert.Equal(t, []int64{0, 1}, []int64{log.imps[0].Expected, log.imps[1].Expected})
			var inWrites []string
			for _, w := range log.services {
				assert.True(t, w.Reads.Empty())
				for _, e := range w.Events {
					inWrites = append(inWrites, e.Type)
				}
			}
			for _, w := range log.imps {
				assert.True(t, w.Reads.Empty())
				for _, e := range w.Events {
					inWrites = append(inWrites, e.Type)
				}
			}
			var notified []string
			for _, e := range rec.Events() {
				notified = append(notified, e.Type)
			}
			all := []string{"created", "advanced", "proposed", "approved"}
			if outbox {
				assert.Equal(t, all, inWrites, "the outbox gets the events with the writes")
				assert.Empty(t, notified, "with an outbox the notifier is not called")
			} else {
				assert.Empty(t, inWrites, "a store that is no outbox gets no events")
				assert.Equal(t, all, notified)
			}
		})
	}
}
