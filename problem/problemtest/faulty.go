package problemtest

import (
	"context"

	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

// FaultyStore returns a problem.Store that passes every call to inner under
// the faults of f (see lifecycletest.Faults): Get, List,
// SearchKnownErrors, History and Journal are reads, Commit a write, named
// "problem.<Method>"; an injected timeout honours the caller's ctx. A
// write drawn FaultAfterWrite is stored in inner and then reported as
// failed: the ambiguous commit. It is a lifecycle.Outbox when inner is
// one, so that the Service still hands inner the events.
//
// Use it to check that a host's workflow code copes with a flaky database:
//
//	faults := lifecycletest.NewFaults(seed, lifecycletest.Rates{Error: 0.1, AfterWrite: 0.05})
//	svc, _ := problem.New(problem.Config{
//		Store:    problemtest.FaultyStore(problemtest.NewStore(), faults),
//		Notifier: lifecycletest.FaultyNotifier(recorder, faults),
//	})
func FaultyStore(inner problem.Store, f *lifecycletest.Faults) problem.Store {
	s := &faultyStore{lifecycletest.FaultyLogs[*problem.Problem]{FaultyHistory: lifecycletest.FaultyHistory[*problem.Problem]{FaultyRecords: lifecycletest.FaultyRecords[*problem.Problem]{Inner: inner, Faults: f, Process: "problem"}}}, inner}
	return s
}

type faultyStore struct {
	lifecycletest.FaultyLogs[*problem.Problem]
	inner problem.Store
}

// List draws a read fault, then lists from the wrapped store.
func (s *faultyStore) List(ctx context.Context, f problem.Filter) (problem.Page, error) {
	return lifecycletest.FaultyQuery(ctx, s.FaultyRecords, "List", func() (problem.Page, error) { return s.inner.List(ctx, f) })
}

// SearchKnownErrors draws a read fault, then searches the wrapped store.
func (s *faultyStore) SearchKnownErrors(ctx context.Context, q problem.KnownErrorQuery) ([]*problem.Problem, error) {
	return lifecycletest.FaultyQuery(ctx, s.FaultyRecords, "SearchKnownErrors", func() ([]*problem.Problem, error) {
		return s.inner.SearchKnownErrors(ctx, q)
	})
}

var _ problem.Store = (*faultyStore)(nil)
