package problemtest

import (
	"context"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

// FaultyStore returns a problem.Store that passes every call to inner under
// the faults of f (see lifecycletest.Faults): Get, List and
// SearchKnownErrors are reads, Create and Update writes, named
// "problem.<Method>"; an injected timeout honours the caller's ctx. A
// write drawn FaultAfterWrite is stored in inner and then reported as
// failed: the ambiguous commit. If inner implements
// lifecycle.Outbox[*problem.Problem], so does the result (its methods are
// writes too), so that a problem.Service still finds the outbox.
//
// Use it to check that a host's workflow code copes with a flaky database:
//
//	faults := lifecycletest.NewFaults(seed, lifecycletest.Rates{Error: 0.1, AfterWrite: 0.05})
//	svc, _ := problem.New(problem.Config{
//		Store:    problemtest.FaultyStore(problemtest.NewStore(), faults),
//		Notifier: lifecycletest.FaultyNotifier(recorder, faults),
//	})
func FaultyStore(inner problem.Store, f *lifecycletest.Faults) problem.Store {
	s := &faultyStore{inner: inner, f: f}
	if ob, ok := inner.(lifecycle.Outbox[*problem.Problem]); ok {
		return &faultyOutboxStore{faultyStore: s, ob: ob}
	}
	return s
}

type faultyStore struct {
	inner problem.Store
	f     *lifecycletest.Faults
}

// Get draws a read fault, then reads from the wrapped store.
func (s *faultyStore) Get(ctx context.Context, id string) (*problem.Problem, error) {
	if err := s.f.ReadContext(ctx, "problem.Get"); err != nil {
		return nil, err
	}
	return s.inner.Get(ctx, id)
}

// Create draws a write fault around the wrapped store's Create.
func (s *faultyStore) Create(ctx context.Context, p *problem.Problem) error {
	return s.f.Write(ctx, "problem.Create", func(ctx context.Context) error { return s.inner.Create(ctx, p) })
}

// Update draws a write fault around the wrapped store's Update.
func (s *faultyStore) Update(ctx context.Context, p *problem.Problem, expected int64) error {
	return s.f.Write(ctx, "problem.Update", func(ctx context.Context) error { return s.inner.Update(ctx, p, expected) })
}

// List draws a read fault, then lists from the wrapped store.
func (s *faultyStore) List(ctx context.Context, f problem.Filter) (problem.Page, error) {
	if err := s.f.ReadContext(ctx, "problem.List"); err != nil {
		return problem.Page{}, err
	}
	return s.inner.List(ctx, f)
}

// SearchKnownErrors draws a read fault, then searches the wrapped store.
func (s *faultyStore) SearchKnownErrors(ctx context.Context, q problem.KnownErrorQuery) ([]*problem.Problem, error) {
	if err := s.f.ReadContext(ctx, "problem.SearchKnownErrors"); err != nil {
		return nil, err
	}
	return s.inner.SearchKnownErrors(ctx, q)
}

type faultyOutboxStore struct {
	*faultyStore
	ob lifecycle.Outbox[*problem.Problem]
}

// CreateWithEvents draws a write fault around the wrapped outbox's
// CreateWithEvents.
func (s *faultyOutboxStore) CreateWithEvents(ctx context.Context, p *problem.Problem, events []lifecycle.Event) error {
	return s.f.Write(ctx, "problem.CreateWithEvents", func(ctx context.Context) error { return s.ob.CreateWithEvents(ctx, p, events) })
}

// UpdateWithEvents draws a write fault around the wrapped outbox's
// UpdateWithEvents.
func (s *faultyOutboxStore) UpdateWithEvents(ctx context.Context, p *problem.Problem, expected int64, events []lifecycle.Event) error {
	return s.f.Write(ctx, "problem.UpdateWithEvents", func(ctx context.Context) error { return s.ob.UpdateWithEvents(ctx, p, expected, events) })
}

var (
	_ problem.Store                      = (*faultyStore)(nil)
	_ problem.Store                      = (*faultyOutboxStore)(nil)
	_ lifecycle.Outbox[*problem.Problem] = (*faultyOutboxStore)(nil)
)
