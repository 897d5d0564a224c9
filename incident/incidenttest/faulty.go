package incidenttest

import (
	"context"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// FaultyStore returns an incident.Store that passes every call to inner
// under the faults of f (see lifecycletest.Faults): Get, Guard, List and
// ResolvedBefore are reads, Commit a write, named
// "incident.<Method>". A write drawn FaultAfterWrite is stored in inner
// and then reported as failed: the ambiguous commit. It is a
// lifecycle.Outbox when inner is one, so that the Service still hands
// inner the events. Other optional abilities of inner are hidden.
//
// Use it to check that a host's workflow code copes with a flaky database:
//
//	faults := lifecycletest.NewFaults(seed, lifecycletest.Rates{Error: 0.1, AfterWrite: 0.05})
//	svc, _ := incident.New(incident.Config{
//		Store:    incidenttest.FaultyStore(incidenttest.NewStore(), faults),
//		Notifier: lifecycletest.FaultyNotifier(recorder, faults),
//	})
func FaultyStore(inner incident.Store, f *lifecycletest.Faults) incident.Store {
	s := &faultyStore{lifecycletest.FaultyLogs[*incident.Incident]{FaultyHistory: lifecycletest.FaultyHistory[*incident.Incident]{FaultyRecords: lifecycletest.FaultyRecords[*incident.Incident]{Inner: inner, Faults: f, Process: "incident"}}}, inner}
	return s
}

type faultyStore struct {
	lifecycletest.FaultyLogs[*incident.Incident]
	inner incident.Store
}

// List draws a read fault, then lists from the wrapped store.
func (s *faultyStore) List(ctx context.Context, f incident.Filter) (incident.Page, error) {
	return lifecycletest.FaultyQuery(ctx, s.FaultyRecords, "List", func() (incident.Page, error) { return s.inner.List(ctx, f) })
}

// ResolvedBefore draws a read fault, then queries the wrapped store.
func (s *faultyStore) ResolvedBefore(ctx context.Context, t time.Time, limit int) ([]*incident.Incident, error) {
	return lifecycletest.FaultyQuery(ctx, s.FaultyRecords, "ResolvedBefore", func() ([]*incident.Incident, error) {
		return s.inner.ResolvedBefore(ctx, t, limit)
	})
}

var _ incident.Store = (*faultyStore)(nil)
