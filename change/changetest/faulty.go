package changetest

import (
	"context"
	"time"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// FaultyStore returns a change.Store that passes every call to inner under
// the faults of f (see lifecycletest.Faults): Get, List, Scheduled (the
// query behind conflict detection), Guard and History are reads, Commit a write,
// named "change.<Method>". A write drawn FaultAfterWrite is
// stored in inner and then reported as failed: the ambiguous commit. It is
// a lifecycle.Outbox when inner is one, so that the Service still hands
// inner the events. Other optional abilities of inner are hidden.
//
// Use it to check that a host's workflow code copes with a flaky database:
//
//	faults := lifecycletest.NewFaults(seed, lifecycletest.Rates{Error: 0.1, AfterWrite: 0.05})
//	svc, _ := change.New(change.Config{
//		Store:    changetest.FaultyStore(changetest.NewStore(), faults),
//		Notifier: lifecycletest.FaultyNotifier(recorder, faults),
//	})
func FaultyStore(inner change.Store, f *lifecycletest.Faults) change.Store {
	s := &faultyStore{lifecycletest.FaultyHistory[*change.Change]{FaultyRecords: lifecycletest.FaultyRecords[*change.Change]{Inner: inner, Faults: f, Process: "change"}}, inner}
	return s
}

type faultyStore struct {
	lifecycletest.FaultyHistory[*change.Change]
	inner change.Store
}

// List draws a read fault, then lists from the wrapped store.
func (s *faultyStore) List(ctx context.Context, f change.Filter) (change.Page, error) {
	return lifecycletest.FaultyQuery(ctx, s.FaultyRecords, "List", func() (change.Page, error) { return s.inner.List(ctx, f) })
}

// Scheduled draws a read fault, then queries the wrapped store.
func (s *faultyStore) Scheduled(ctx context.Context, cis []string, from, to time.Time) ([]*change.Change, error) {
	return lifecycletest.FaultyQuery(ctx, s.FaultyRecords, "Scheduled", func() ([]*change.Change, error) {
		return s.inner.Scheduled(ctx, cis, from, to)
	})
}

var _ change.Store = (*faultyStore)(nil)
