package lifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// A service moves from the pipeline into the catalogue and is retired once
// the host reports no open work against it.
func ExamplePortfolio() {
	ctx := context.Background()
	openIncidents := 1
	rec := &lifecycletest.Recorder{}
	p, err := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{
		Store:    lifecycletest.NewPortfolioStore(),
		Notifier: rec,
		Clock:    lifecycletest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)),
		IDs:      lifecycle.Sequence("SVC", 4),
		Dependents: lifecycle.DependentsFunc(func(ctx context.Context, serviceID string) (int, int, error) {
			return openIncidents, 0, nil
		}),
	})
	if err != nil {
		panic(err)
	}
	owner := lifecycle.Actor{ID: "alice"}
	s, _ := p.Define(ctx, owner, lifecycle.DefineService{Name: "E-mail", Owner: "alice"})

	// Walk the pipeline. Going live needs an SLA: an OLA does not count.
	for s.Status != lifecycle.StatusReleased {
		s, _ = p.Advance(ctx, owner, lifecycle.AdvanceService{ID: s.ID, Version: s.Version})
	}
	s, _ = p.AddAgreement(ctx, owner, lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "OLA-NET", Kind: lifecycle.AgreementOLA})
	_, err = p.Advance(ctx, owner, lifecycle.AdvanceService{ID: s.ID})
	fmt.Println(err)
	s, _ = p.AddAgreement(ctx, owner, lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "SLA-GOLD", Kind: lifecycle.AgreementSLA})
	s, _ = p.Advance(ctx, owner, lifecycle.AdvanceService{ID: s.ID})
	fmt.Println(s.Status, s.Status.Stage(), s.Status.Part())

	// Retirement waits for open incidents.
	_, err = p.Retire(ctx, owner, lifecycle.RetireService{ID: s.ID})
	var ow *lifecycle.OpenWorkError
	fmt.Println(errors.As(err, &ow), err)
	openIncidents = 0
	s, _ = p.Retire(ctx, owner, lifecycle.RetireService{ID: s.ID, Note: "replaced by SaaS mail"})
	fmt.Println(s.Status, s.Version)
	fmt.Println(rec.Types()[len(rec.Types())-3:])
	// Output:
	// service SVC0001: cannot advance from released: invalid agreements: a live service needs at least one SLA agreement (an OLA or underpinning contract does not count)
	// operational operation catalogue
	// true service SVC0001: cannot retire from operational: 1 open incident(s) and 0 scheduled change(s) depend on it
	// retired 14
	// [agreement_added advanced retired]
}

// Each status belongs to an ITIL lifecycle stage and a part of the service
// portfolio.
func ExampleStatus_Stage() {
	for _, st := range lifecycle.Statuses() {
		fmt.Printf("%-12s %-10s %s\n", st, st.Stage(), st.Part())
	}
	// Output:
	// requirements strategy   pipeline
	// defined      strategy   pipeline
	// analysed     strategy   pipeline
	// approved     strategy   pipeline
	// chartered    strategy   pipeline
	// designed     design     pipeline
	// developed    transition pipeline
	// built        transition pipeline
	// tested       transition pipeline
	// released     transition pipeline
	// operational  operation  catalogue
	// retiring     transition retired
	// retired      transition retired
}

// The continual-improvement register records initiatives against a service;
// completing one needs the result achieved.
func ExamplePortfolio_Propose() {
	ctx := context.Background()
	p, _ := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{
		Store:          lifecycletest.NewPortfolioStore(),
		Improvements:   lifecycletest.NewImprovementStore(),
		IDs:            lifecycle.Sequence("SVC", 4),
		ImprovementIDs: lifecycle.Sequence("CSI", 4),
	})
	csiManager := lifecycle.Actor{ID: "carol"}
	s, _ := p.Define(ctx, csiManager, lifecycle.DefineService{Name: "Service desk"})
	x, _ := p.Propose(ctx, csiManager, lifecycle.ProposeImprovement{
		ServiceID: s.ID, Title: "Shorter first response", Measure: "median time to first response",
		Baseline: "45m", Target: "15m",
	})
	x, _ = p.ApproveImprovement(ctx, csiManager, lifecycle.ApproveImprovement{ID: x.ID})
	x, _ = p.StartImprovement(ctx, csiManager, lifecycle.StartImprovement{ID: x.ID})
	_, err := p.CompleteImprovement(ctx, csiManager, lifecycle.CompleteImprovement{ID: x.ID})
	fmt.Println(err)
	x, _ = p.CompleteImprovement(ctx, csiManager, lifecycle.CompleteImprovement{ID: x.ID, Result: "12m"})
	fmt.Printf("%s %s: %s %s → %s (target %s)\n", x.ID, x.Status, x.Measure, x.Baseline, x.Result, x.Target)
	// Output:
	// improvement CSI0001: cannot complete from in_progress: invalid result: a completed improvement needs a result
	// CSI0001 completed: median time to first response 45m → 12m (target 15m)
}

// SetServiceStatus moves to a neighbouring status by whichever event leads
// there; it never skips statuses.
func ExampleSetServiceStatus() {
	s, _, _ := lifecycle.DefineService{Name: "Wiki"}.New(lifecycle.Actor{ID: "bob"}, time.Now(), "SVC-7")
	_, err := s.Apply(lifecycle.Actor{ID: "bob"}, time.Now(), lifecycle.SetServiceStatus{ID: s.ID, To: lifecycle.StatusDefined})
	fmt.Println(s.Status, err)
	_, err = s.Apply(lifecycle.Actor{ID: "bob"}, time.Now(), lifecycle.SetServiceStatus{ID: s.ID, To: lifecycle.StatusDesigned})
	fmt.Println(s.Status, err)
	// Output:
	// defined <nil>
	// defined service SVC-7: cannot move to designed from defined (allowed: advance, reject, retire)
}

// With an AgreementLookup, the Portfolio checks every linked agreement
// against the host's agreements (here a map standing in for the sla
// engine's definitions) and fills in the kind when the caller gives only
// the ID. A host with no incidents or changes to check states it with
// NoDependents; without Dependents, retirement would be refused.
func ExampleAgreementLookupFunc() {
	ctx := context.Background()
	agreements := map[string]lifecycle.AgreementKind{"SLA-GOLD": lifecycle.AgreementSLA, "OLA-NET": lifecycle.AgreementOLA}
	p, _ := lifecycle.NewPortfolio(lifecycle.PortfolioConfig{
		Store:      lifecycletest.NewPortfolioStore(),
		IDs:        lifecycle.Sequence("SVC", 1),
		Dependents: lifecycle.NoDependents,
		Agreements: lifecycle.AgreementLookupFunc(func(_ context.Context, id string) (lifecycle.AgreementKind, error) {
			if k, ok := agreements[id]; ok {
				return k, nil
			}
			return "", lifecycle.NotFound("agreement", id)
		}),
	})
	alice := lifecycle.Actor{ID: "alice"}
	s, _ := p.Define(ctx, alice, lifecycle.DefineService{Name: "Mail", Owner: "alice",
		Agreements: []lifecycle.AgreementLink{{ID: "OLA-NET"}}})
	fmt.Println(s.Agreements)

	_, err := p.AddAgreement(ctx, alice, lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "SLA-SILVER"})
	fmt.Println(err)
	_, err = p.AddAgreement(ctx, alice, lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "OLA-NET", Kind: lifecycle.AgreementSLA})
	fmt.Println(err)
	s, _ = p.AddAgreement(ctx, alice, lifecycle.AddServiceAgreement{ID: s.ID, Agreement: "SLA-GOLD"})
	fmt.Println(s.Agreements, s.HasAgreement(lifecycle.AgreementSLA))
	// Output:
	// [ola:OLA-NET]
	// invalid agreement: agreement "SLA-SILVER" does not exist
	// invalid agreement: agreement "OLA-NET" is of kind ola, not sla
	// [ola:OLA-NET sla:SLA-GOLD] true
}
