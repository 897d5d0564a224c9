package lifecycletest

import (
	"context"

	"github.com/itsmkit/itsm/lifecycle"
)

// FaultyPortfolioStore returns a lifecycle.PortfolioStore that passes every
// call to inner under the faults of f: GetService and ListServices are
// reads ([Faults.ReadContext]), CommitService a write ([Faults.Write]),
// named "service.<Method>"; a CommitService drawn FaultAfterWrite is
// stored in inner and then reported as failed, the ambiguous commit. It
// is a lifecycle.Outbox when inner is one, so that a Portfolio still hands
// CommitService the events. Other optional abilities of inner are hidden: in particular, give the Portfolio its
// improvement store explicitly (PortfolioConfig.Improvements, see
// [FaultyImprovementStore]) rather than relying on inner implementing
// both.
func FaultyPortfolioStore(inner lifecycle.PortfolioStore, f *Faults) lifecycle.PortfolioStore {
	return &faultyPortfolio{inner: inner, f: f}
}

type faultyPortfolio struct {
	inner lifecycle.PortfolioStore
	f     *Faults
}

func (s *faultyPortfolio) GetService(ctx context.Context, id string) (*lifecycle.ITService, error) {
	if err := s.f.ReadContext(ctx, "service.GetService"); err != nil {
		return nil, err
	}
	return s.inner.GetService(ctx, id)
}

func (s *faultyPortfolio) CommitService(ctx context.Context, w lifecycle.Write[*lifecycle.ITService]) error {
	return s.f.Write(ctx, "service.CommitService", func(ctx context.Context) error { return s.inner.CommitService(ctx, w) })
}

func (s *faultyPortfolio) ListServices(ctx context.Context, filter lifecycle.ServiceFilter) (lifecycle.ServicePage, error) {
	if err := s.f.ReadContext(ctx, "service.ListServices"); err != nil {
		return lifecycle.ServicePage{}, err
	}
	return s.inner.ListServices(ctx, filter)
}

func (s *faultyPortfolio) StoresEvents() bool { return lifecycle.StoresEvents(s.inner) }

// FaultyImprovementStore returns a lifecycle.ImprovementStore that passes
// every call to inner under the faults of f, as [FaultyPortfolioStore]
// does (ops named "improvement.<Method>": GetImprovement and
// ListImprovements reads, CommitImprovement a write), a lifecycle.Outbox when inner is one.
func FaultyImprovementStore(inner lifecycle.ImprovementStore, f *Faults) lifecycle.ImprovementStore {
	return &faultyImprovements{inner: inner, f: f}
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

func (s *faultyImprovements) StoresEvents() bool { return lifecycle.StoresEvents(s.inner) }

// Compile-time checks that the wrappers keep the interfaces they promise.
var (
	_ lifecycle.PortfolioStore   = (*faultyPortfolio)(nil)
	_ lifecycle.ImprovementStore = (*faultyImprovements)(nil)
	_ lifecycle.Outbox           = (*faultyPortfolio)(nil)
	_ lifecycle.Outbox           = (*faultyImprovements)(nil)
)
