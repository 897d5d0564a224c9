package changetest

import (
	"context"
	"time"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// FaultyStore returns a change.Store that passes every call to inner under
// the faults of f (see lifecycletest.Faults): Get, List, Scheduled (the
// query behind conflict detection) and Guard are reads, Commit a write,
// named "change.<Method>". A write drawn FaultAfterWrite is
// stored in inner and then reported as failed: the ambiguous commit. If
// inner implements lifecycle.Outbox[*change.Change], so does the result
// (its methods are writes too, and Commit passes the write's events on to
// inner's), so that a change.Service still finds the outbox. Other
// optional abilities of inner are hidden.
//
// Use it to check that a host's workflow code copes with a flaky database:
//
//	faults := lifecycletest.NewFaults(seed, lifecycletest.Rates{Error: 0.1, AfterWrite: 0.05})
//	svc, _ := change.New(change.Config{
//		Store:    changetest.FaultyStore(changetest.NewStore(), faults),
//		Notifier: lifecycletest.FaultyNotifier(recorder, faults),
//	})
func FaultyStore(inner change.Store, f *lifecycletest.Faults) change.Store {
	s := &faultyStore{lifecycletest.FaultyRecords[*change.Change]{Inner: inner, Faults: f, Process: "change"}, inner}
	if ob, ok := inner.(lifecycle.Outbox[*change.Change]); ok {
		return &faultyOutboxStore{faultyStore: s, ob: ob}
	}
	return s
}

type faultyStore struct {
	lifecycletest.FaultyRecords[*change.Change]
	inner change.Store
}

func (s *faultyStore) List(ctx context.Context, f change.Filter) (change.Page, error) {
	if err := s.Read(ctx, "List"); err != nil {
		return change.Page{}, err
	}
	return s.inner.List(ctx, f)
}

func (s *faultyStore) Scheduled(ctx context.Context, cis []string, from, to time.Time) ([]*change.Change, error) {
	if err := s.Read(ctx, "Scheduled"); err != nil {
		return nil, err
	}
	return s.inner.Scheduled(ctx, cis, from, to)
}

type faultyOutboxStore struct {
	*faultyStore
	ob lifecycle.Outbox[*change.Change]
}

func (s *faultyOutboxStore) CreateWithEvents(ctx context.Context, c *change.Change, events []lifecycle.Event) error {
	return s.Faults.Write(ctx, "change.CreateWithEvents", func(ctx context.Context) error { return s.ob.CreateWithEvents(ctx, c, events) })
}

func (s *faultyOutboxStore) UpdateWithEvents(ctx context.Context, c *change.Change, expected int64, events []lifecycle.Event) error {
	return s.Faults.Write(ctx, "change.UpdateWithEvents", func(ctx context.Context) error { return s.ob.UpdateWithEvents(ctx, c, expected, events) })
}

var (
	_ change.Store                     = (*faultyStore)(nil)
	_ change.Store                     = (*faultyOutboxStore)(nil)
	_ lifecycle.Outbox[*change.Change] = (*faultyOutboxStore)(nil)
)
