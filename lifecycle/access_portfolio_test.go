package lifecycle_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// portfolioDefaults is the policy of the portfolio's default rules, as a
// Portfolio applies it.
var portfolioDefaults = &lifecycle.AccessPolicy{Rules: lifecycle.PortfolioAccessRules()}

// viewed is a record with a process-neutral view.
type viewed interface{ Snapshot() lifecycle.Snapshot }

// withDefaults is the outcome a Portfolio gives for actor firing event on
// before (nil for a creation), given apply, the pure layer's change: the
// errors the Portfolio finds before it asks the rules (an actor or ID
// that fails validation, a stale version) first, then the event rules'
// refusal, then apply's own outcome, then the field rules' refusal of
// the change it made.
func withDefaults(actor lifecycle.Actor, process, event string, before viewed, apply func() (viewed, lifecycle.Record, error)) error {
	ctx := context.Background()
	op := lifecycle.Operation{Process: process, Actor: actor, Event: event, EventChecked: true}
	if before != nil {
		op.Before, op.BeforeView = before, before.Snapshot()
	}
	after, change, err := apply()
	var ve *lifecycle.ValidationError
	if errors.Is(err, lifecycle.ErrConflict) || errors.As(err, &ve) && (ve.Field == "actor" || ve.Field == "id") {
		return err
	}
	if event != "" {
		if refusal := portfolioDefaults.CheckEvent(ctx, op); refusal != nil {
			return refusal
		}
	}
	if err != nil {
		return err
	}
	op.Change, op.After, op.AfterView = change, after, after.Snapshot()
	return portfolioDefaults.Check(ctx, op)
}

// lastRecord is the last history record of x, a service or an
// improvement (the zero Record for nil).
func lastRecord(x viewed) lifecycle.Record {
	switch r := x.(type) {
	case *lifecycle.ITService:
		if r != nil {
			return lifecycle.LastRecord(r.History)
		}
	case *lifecycle.Improvement:
		if r != nil {
			return lifecycle.LastRecord(r.History)
		}
	}
	return lifecycle.Record{}
}

// TestDefaultPortfolioAccessRules runs every default rule of the service
// portfolio and of the improvement register both ways: the actors it
// lets fire its event, the others are refused with the rule's name, and
// nothing is stored or notified.
func TestDefaultPortfolioAccessRules(t *testing.T) {
	ctx := context.Background()
	related := lifecycle.Actor{ID: lifecycletest.RelatedActor}
	// serviceIn returns a fixture with a service owned by RelatedActor in
	// status st, reached as its owner.
	serviceIn := func(t *testing.T, st lifecycle.Status) (*portfolioFixture, *lifecycle.ITService) {
		f := newPortfolioFixture(t)
		s, err := f.p.Define(ctx, related, lifecycle.DefineService{Name: "Mail", Owner: related.ID, Agreements: []lifecycle.AgreementLink{slaLink("SLA-1")}})
		require.NoError(t, err)
		for _, to := range lifecycle.Statuses()[1:] {
			if s.Status == st {
				break
			}
			s, err = f.p.SetStatus(ctx, related, lifecycle.SetServiceStatus{ID: s.ID, To: to})
			require.NoError(t, err)
		}
		require.Equal(t, st, s.Status)
		return f, s
	}
	changed := func(f *portfolioFixture, n, before int64, after int64) bool {
		return after != before || int64(len(f.rec.Events())) > n
	}
	fireService := func(st lifecycle.Status, cmd func(id string) lifecycle.ServiceCommand) lifecycletest.FireAs {
		return func(t *testing.T, actor lifecycle.Actor) (error, bool) {
			f, s := serviceIn(t, st)
			n := int64(len(f.rec.Events()))
			_, err := f.p.Do(ctx, actor, cmd(s.ID))
			after, gerr := f.p.GetService(ctx, s.ID)
			require.NoError(t, gerr)
			return err, changed(f, n, s.Version, after.Version)
		}
	}
	serviceFire := map[string]lifecycletest.FireAs{
		"define": func(t *testing.T, actor lifecycle.Actor) (error, bool) {
			f := newPortfolioFixture(t)
			_, err := f.p.Define(ctx, actor, lifecycle.DefineService{Name: "Mail"})
			page, lerr := f.p.ListServices(ctx, lifecycle.ServiceFilter{})
			require.NoError(t, lerr)
			return err, len(page.Services) > 0 || len(f.rec.Events()) > 0
		},
		"advance":   fireService(lifecycle.StatusRequirements, func(id string) lifecycle.ServiceCommand { return lifecycle.AdvanceService{ID: id} }),
		"reject":    fireService(lifecycle.StatusDefined, func(id string) lifecycle.ServiceCommand { return lifecycle.RejectService{ID: id, Reason: "vague"} }),
		"rework":    fireService(lifecycle.StatusDeveloped, func(id string) lifecycle.ServiceCommand { return lifecycle.ReworkService{ID: id, Reason: "flawed"} }),
		"phase_out": fireService(lifecycle.StatusOperational, func(id string) lifecycle.ServiceCommand { return lifecycle.PhaseOutService{ID: id} }),
		"reinstate": fireService(lifecycle.StatusRetiring, func(id string) lifecycle.ServiceCommand { return lifecycle.ReinstateService{ID: id} }),
		"retire":    fireService(lifecycle.StatusOperational, func(id string) lifecycle.ServiceCommand { return lifecycle.RetireService{ID: id} }),
		"update": fireService(lifecycle.StatusOperational, func(id string) lifecycle.ServiceCommand {
			return lifecycle.UpdateServiceDetails{ID: id, Name: strPtr("Mail and calendar")}
		}),
		"add_agreement": fireService(lifecycle.StatusOperational, func(id string) lifecycle.ServiceCommand {
			return lifecycle.AddServiceAgreement{ID: id, Agreement: "OLA-1", Kind: lifecycle.AgreementOLA}
		}),
		"remove_agreement": func(t *testing.T, actor lifecycle.Actor) (error, bool) {
			f, s := serviceIn(t, lifecycle.StatusOperational)
			s, err := f.p.AddAgreement(ctx, related, lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "OLA-1", Kind: lifecycle.AgreementOLA})
			require.NoError(t, err)
			n := int64(len(f.rec.Events()))
			_, err = f.p.Do(ctx, actor, lifecycle.RemoveServiceAgreement{ID: s.ID, Agreement: "OLA-1"})
			after, gerr := f.p.GetService(ctx, s.ID)
			require.NoError(t, gerr)
			return err, changed(f, n, s.Version, after.Version)
		},
		"add_config_item": fireService(lifecycle.StatusOperational, func(id string) lifecycle.ServiceCommand {
			return lifecycle.AddServiceConfigItem{ID: id, ConfigItem: "mx-1"}
		}),
		"remove_config_item": func(t *testing.T, actor lifecycle.Actor) (error, bool) {
			f, s := serviceIn(t, lifecycle.StatusOperational)
			s, err := f.p.AddConfigItem(ctx, related, lifecycle.AddServiceConfigItem{ID: s.ID, ConfigItem: "mx-1"})
			require.NoError(t, err)
			n := int64(len(f.rec.Events()))
			_, err = f.p.Do(ctx, actor, lifecycle.RemoveServiceConfigItem{ID: s.ID, ConfigItem: "mx-1"})
			after, gerr := f.p.GetService(ctx, s.ID)
			require.NoError(t, gerr)
			return err, changed(f, n, s.Version, after.Version)
		},
	}
	var serviceRules, improvementRules []lifecycle.Rule
	for _, r := range lifecycle.PortfolioAccessRules() {
		if r.Process == lifecycle.ProcessService {
			serviceRules = append(serviceRules, r)
		} else {
			require.Equal(t, lifecycle.ProcessImprovement, r.Process)
			improvementRules = append(improvementRules, r)
		}
	}
	serviceEvents := []string{"define", "update", "add_agreement", "remove_agreement", "add_config_item", "remove_config_item"}
	for _, ev := range lifecycle.ServiceEvents() {
		serviceEvents = append(serviceEvents, string(ev))
	}
	t.Run("service", func(t *testing.T) { lifecycletest.CheckAccessRules(t, serviceRules, serviceEvents, serviceFire) })

	// improvementIn returns a fixture with an improvement in status st.
	fireImprovement := func(path []lifecycle.ImprovementCommand, cmd lifecycle.ImprovementCommand) lifecycletest.FireAs {
		return func(t *testing.T, actor lifecycle.Actor) (error, bool) {
			f := newPortfolioFixture(t)
			svc := f.define(t)
			x, err := f.p.Propose(ctx, related, lifecycle.ProposeImprovement{ServiceID: svc.ID, Title: "Faster restores", Measure: "restore minutes", Baseline: "90", Target: "30"})
			require.NoError(t, err)
			for _, c := range path {
				x, err = f.p.DoImprovement(ctx, related, withImprovementID(c, x.ID))
				require.NoError(t, err)
			}
			n := int64(len(f.rec.Events()))
			_, err = f.p.DoImprovement(ctx, actor, withImprovementID(cmd, x.ID))
			after, gerr := f.p.GetImprovement(ctx, x.ID)
			require.NoError(t, gerr)
			return err, changed(f, n, x.Version, after.Version)
		}
	}
	approve, start := lifecycle.ApproveImprovement{}, lifecycle.StartImprovement{}
	improvementFire := map[string]lifecycletest.FireAs{
		"propose": func(t *testing.T, actor lifecycle.Actor) (error, bool) {
			f := newPortfolioFixture(t)
			svc := f.define(t)
			n := len(f.rec.Events())
			_, err := f.p.Propose(ctx, actor, lifecycle.ProposeImprovement{ServiceID: svc.ID, Title: "Faster restores", Measure: "restore minutes", Baseline: "90", Target: "30"})
			page, lerr := f.p.ListImprovements(ctx, lifecycle.ImprovementFilter{})
			require.NoError(t, lerr)
			return err, len(page.Improvements) > 0 || len(f.rec.Events()) > n
		},
		"approve":  fireImprovement(nil, approve),
		"start":    fireImprovement([]lifecycle.ImprovementCommand{approve}, start),
		"complete": fireImprovement([]lifecycle.ImprovementCommand{approve, start}, lifecycle.CompleteImprovement{Result: "25"}),
		"reject":   fireImprovement(nil, lifecycle.RejectImprovement{Reason: "not now"}),
	}
	improvementEvents := []string{"propose"}
	for _, ev := range lifecycle.ImprovementEvents() {
		improvementEvents = append(improvementEvents, string(ev))
	}
	t.Run("improvement", func(t *testing.T) {
		lifecycletest.CheckAccessRules(t, improvementRules, improvementEvents, improvementFire)
	})
}

// TestServiceOwnerHandOver: the field rule of the update lets only the
// service's owner and RoleServiceOwner change the owner, and no actor at
// all is refused a rename that keeps it.
func TestServiceOwnerHandOver(t *testing.T) {
	ctx := context.Background()
	f := newPortfolioFixture(t)
	s := f.live(t)
	// System fires no service event at all: the update's event rule
	// refuses it before the field rule is asked.
	for a, rule := range map[*lifecycle.Actor]string{&strangerMallory: "service.owner", &lifecycle.System: "service.update"} {
		_, err := f.p.UpdateDetails(ctx, *a, lifecycle.UpdateServiceDetails{ID: s.ID, Owner: strPtr("mallory")})
		fe := lifecycletest.CheckForbidden(t, err, a.ID, "rule")
		require.Equal(t, rule, fe.Rule, "%+v", *a)
	}
	_, err := f.p.UpdateDetails(ctx, strangerMallory, lifecycle.UpdateServiceDetails{ID: s.ID, Name: strPtr("Mail")})
	require.NoError(t, err)
	_, err = f.p.UpdateDetails(ctx, portfolioM, lifecycle.UpdateServiceDetails{ID: s.ID, Owner: strPtr("bob")})
	require.NoError(t, err)
}

// withImprovementID returns cmd naming improvement id.
func withImprovementID(cmd lifecycle.ImprovementCommand, id string) lifecycle.ImprovementCommand {
	v := reflect.New(reflect.TypeOf(cmd)).Elem()
	v.Set(reflect.ValueOf(cmd))
	v.FieldByName("ID").SetString(id)
	return v.Interface().(lifecycle.ImprovementCommand)
}
