package lifecycletest

import (
	"context"

	"github.com/itsmkit/itsm/lifecycle"
)

// FaultyPortfolioStore returns a lifecycle.PortfolioStore that passes every
// call to inner under the faults of f: GetService and ListServices are
// reads ([Faults.ReadContext]), CommitService a write ([Faults.Write]),
// named "service.<Method>"; a CommitService drawn FaultAfterWrite is
// stored in inner and then reported as failed, the ambiguous commit. If
// inner implements lifecycle.Outbox[*lifecycle.Service], so does the
// result (its methods are writes too), so that a Portfolio still finds
// the outbox and CommitService hands inner the events. Other optional
// abilities of inner are hidden: in particular, give the Portfolio its
// improvement store explicitly (PortfolioConfig.Improvements, see
// [FaultyImprovementStore]) rather than relying on inner implementing
// both.
func FaultyPortfolioStore(inner lifecycle.PortfolioStore, f *Faults) lifecycle.PortfolioStore {
	s := &faultyPortfolio{inner: inner, f: f}
	if ob, ok := inner.(lifecycle.Outbox[*lifecycle.Service]); ok {
		return &faultyPortfolioOutbox{faultyPortfolio: s, ob: ob}
	}
	return s
}

type faultyPortfolio struct {
	inner lifecycle.PortfolioStore
	f     *Faults
}

func (s *faultyPortfolio) GetService(ctx context.Context, id string) (*lifecycle.Service, error) {
	if err := s.f.ReadContext(ctx, "service.GetService"); err != nil {
		return nil, err
	}
	return s.inner.GetService(ctx, id)
}

func (s *faultyPortfolio) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.Service]) error {
	return s.f.Write(ctx, "service.CommitService", func(ctx context.Context) error { return s.inner.CommitService(ctx, w) })
}

func (s *faultyPortfolio) ListServices(ctx context.Context, filter lifecycle.ServiceFilter) (lifecycle.ServicePage, error) {
	if err := s.f.ReadContext(ctx, "service.ListServices"); err != nil {
		return lifecycle.ServicePage{}, err
	}
	return s.inner.ListServices(ctx, filter)
}

type faultyPortfolioOutbox struct {
	*faultyPortfolio
	ob lifecycle.Outbox[*lifecycle.Service]
}

func (s *faultyPortfolioOutbox) CreateWithEvents(ctx context.Context, x *lifecycle.Service, events []lifecycle.Event) error {
	return s.f.Write(ctx, "service.CreateWithEvents", func(ctx context.Context) error { return s.ob.CreateWithEvents(ctx, x, events) })
}

func (s *faultyPortfolioOutbox) UpdateWithEvents(ctx context.Context, x *lifecycle.Service, expected int64, events []lifecycle.Event) error {
	return s.f.Write(ctx, "service.UpdateWithEvents", func(ctx context.Context) error { return s.ob.UpdateWithEvents(ctx, x, expected, events) })
}

// FaultyImprovementStore returns a lifecycle.ImprovementStore that passes
// every call to inner under the faults of f, as [FaultyPortfolioStore]
// does (ops named "improvement.<Method>": GetImprovement and
// ListImprovements reads, CommitImprovement a write), keeping inner's
// lifecycle.Outbox[*lifecycle.Improvement] if it has one.
func FaultyImprovementStore(inner lifecycle.ImprovementStore, f *Faults) lifecycle.ImprovementStore {
	s := &faultyImprovements{inner: inner, f: f}
	if ob, ok := inner.(lifecycle.Outbox[*lifecycle.Improvement]); ok {
		return &faultyImprovementsOutbox{faultyImprovements: s, ob: ob}
	}
	return s
}

type faultyImprovements struct {
	inner lifecycle.ImprovementStore
	f     *Faults
}

func (s *faultyImprovements) GetImprovement(ctx context.Context, id string) (*lifecycle.Improvement, error) {
	if err := s.f.ReadContext(ctx, "improvement.GetImprovement"); err != nil {
		return nil, err
	}
	return s.inner.GetImprovement(ctx, id)
}

func (s *faultyImprovements) CommitImprovement(ctx context.Context, w lifecycle.Write[*lifecycle.Improvement]) error {
	return s.f.Write(ctx, "improvement.CommitImprovement", func(ctx context.Context) error { return s.inner.CommitImprovement(ctx, w) })
}

func (s *faultyImprovements) ListImprovements(ctx context.Context, filter lifecycle.ImprovementFilter) (lifecycle.ImprovementPage, error) {
	if err := s.f.ReadContext(ctx, "improvement.ListImprovements"); err != nil {
		return lifecycle.ImprovementPage{}, err
	}
	return s.inner.ListImprovements(ctx, filter)
}

type faultyImprovementsOutbox struct {
	*faultyImprovements
	ob lifecycle.Outbox[*lifecycle.Improvement]
}

func (s *faultyImprovementsOutbox) CreateWithEvents(ctx context.Context, x *lifecycle.Improvement, events []lifecycle.Event) error {
	return s.f.Write(ctx, "improvement.CreateWithEvents", func(ctx context.Context) error { return s.ob.CreateWithEvents(ctx, x, events) })
}

func (s *faultyImprovementsOutbox) UpdateWithEvents(ctx context.Context, x *lifecycle.Improvement, expected int64, events []lifecycle.Event) error {
	return s.f.Write(ctx, "improvement.UpdateWithEvents", func(ctx context.Context) error { return s.ob.UpdateWithEvents(ctx, x, expected, events) })
}

// Compile-time checks that the wrappers keep the interfaces they promise.
var (
	_ lifecycle.PortfolioStore                 = (*faultyPortfolio)(nil)
	_ lifecycle.Outbox[*lifecycle.Service]     = (*faultyPortfolioOutbox)(nil)
	_ lifecycle.ImprovementStore               = (*faultyImprovements)(nil)
	_ lifecycle.Outbox[*lifecycle.Improvement] = (*faultyImprovementsOutbox)(nil)
	_ lifecycle.PortfolioStore                 = (*faultyPortfolioOutbox)(nil)
	_ lifecycle.ImprovementStore               = (*faultyImprovementsOutbox)(nil)
)
