package incidenttest

import (
	"context"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// FaultyStore returns an incident.Store that passes every call to inner
// under the faults of f (see lifecycletest.Faults): Get, Guard, List and
// ResolvedBefore are reads, Commit a write, named
// "incident.<Method>". A write drawn FaultAfterWrite is stored in inner
// and then reported as failed: the ambiguous commit. If inner implements
// lifecycle.Outbox[*incident.Incident], so does the result (its methods
// are writes too), so that an incident.Service still finds the outbox.
// Other optional abilities of inner are hidden.
//
// Use it to check that a host's workflow code copes with a flaky database:
//
//	faults := lifecycletest.NewFaults(seed, lifecycletest.Rates{Error: 0.1, AfterWrite: 0.05})
//	svc, _ := incident.New(incident.Config{
//		Store:    incidenttest.FaultyStore(incidenttest.NewStore(), faults),
//		Notifier: lifecycletest.FaultyNotifier(recorder, faults),
//	})
func FaultyStore(inner incident.Store, f *lifecycletest.Faults) incident.Store {
	s := &faultyStore{lifecycletest.FaultyRecords[*incident.Incident]{Inner: inner, Faults: f, Process: "incident"}, inner}
	if ob, ok := inner.(lifecycle.Outbox[*incident.Incident]); ok {
		return &faultyOutboxStore{faultyStore: s, ob: ob}
	}
	return s
}

type faultyStore struct {
	lifecycletest.FaultyRecords[*incident.Incident]
	inner incident.Store
}

func (s *faultyStore) List(ctx context.Context, f incident.Filter) (incident.Page, error) {
	if err := s.Read(ctx, "List"); err != nil {
		return incident.Page{}, err
	}
	return s.inner.List(ctx, f)
}

func (s *faultyStore) ResolvedBefore(ctx context.Context, t time.Time, limit int) ([]*incident.Incident, error) {
	if err := s.Read(ctx, "ResolvedBefore"); err != nil {
		return nil, err
	}
	return s.inner.ResolvedBefore(ctx, t, limit)
}

type faultyOutboxStore struct {
	*faultyStore
	ob lifecycle.Outbox[*incident.Incident]
}

func (s *faultyOutboxStore) CreateWithEvents(ctx context.Context, x *incident.Incident, events []lifecycle.Event) error {
	return s.Faults.Write(ctx, "incident.CreateWithEvents", func(ctx context.Context) error { return s.ob.CreateWithEvents(ctx, x, events) })
}

func (s *faultyOutboxStore) UpdateWithEvents(ctx context.Context, x *incident.Incident, expected int64, events []lifecycle.Event) error {
	return s.Faults.Write(ctx, "incident.UpdateWithEvents", func(ctx context.Context) error { return s.ob.UpdateWithEvents(ctx, x, expected, events) })
}

var (
	_ incident.Store                       = (*faultyStore)(nil)
	_ incident.Store                       = (*faultyOutboxStore)(nil)
	_ lifecycle.Outbox[*incident.Incident] = (*faultyOutboxStore)(nil)
)
