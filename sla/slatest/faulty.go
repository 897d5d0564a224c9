package slatest

import (
	"context"
	"time"

	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/sla"
)

// FaultyStore returns an sla.Store that passes every call to inner under
// the faults of f (see lifecycletest.Faults): Get, ListByRecord and Due are
// reads, Commit a write, named "sla.<Method>". A write drawn
// FaultAfterWrite is stored in inner and then reported as failed: the
// ambiguous commit.
//
// The optional abilities an sla.Engine looks for are kept when inner has
// them: if inner is an sla.Claimer, so is the result, and Claim, which
// takes leases, is a write (an ambiguous Claim leases the timers and loses
// the answer; the same owner gets them again); and it is a
// lifecycle.Outbox when inner is one.
//
// Use it to check that a host's scheduler copes with a flaky database:
//
//	faults := lifecycletest.NewFaults(seed, lifecycletest.Rates{Error: 0.1, AfterWrite: 0.05})
//	engine, _ := sla.New(sla.Config{
//		Store:      slatest.FaultyStore(slatest.NewStore(), faults),
//		Notifier:   lifecycletest.FaultyNotifier(recorder, faults),
//		Agreements: agreements,
//	})
func FaultyStore(inner sla.Store, f *lifecycletest.Faults) sla.Store {
	s := &faultyStore{lifecycletest.FaultyRecords[*sla.Timer]{Inner: inner, Faults: f, Process: "sla"}, inner}
	if c, ok := inner.(sla.Claimer); ok {
		return &faultyClaimerStore{faultyStore: s, claimer: c}
	}
	return s
}

type faultyStore struct {
	lifecycletest.FaultyRecords[*sla.Timer]
	inner sla.Store
}

// ListByRecord fails as a read, or lists from the inner store.
func (s *faultyStore) ListByRecord(ctx context.Context, recordID string) ([]*sla.Timer, error) {
	return lifecycletest.FaultyQuery(ctx, s.FaultyRecords, "ListByRecord", func() ([]*sla.Timer, error) {
		return s.inner.ListByRecord(ctx, recordID)
	})
}

// Due fails as a read, or queries the inner store.
func (s *faultyStore) Due(ctx context.Context, at time.Time, limit int) ([]*sla.Timer, error) {
	return lifecycletest.FaultyQuery(ctx, s.FaultyRecords, "Due", func() ([]*sla.Timer, error) { return s.inner.Due(ctx, at, limit) })
}

type faultyClaimerStore struct {
	*faultyStore
	claimer sla.Claimer
}

// Claim fails as a write, or claims from the inner store.
func (s *faultyClaimerStore) Claim(ctx context.Context, owner string, at time.Time, limit int, lease time.Duration) ([]*sla.Timer, error) {
	var out []*sla.Timer
	err := s.Faults.Write(ctx, "sla.Claim", func(ctx context.Context) error {
		var err error
		out, err = s.claimer.Claim(ctx, owner, at, limit, lease)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

var (
	_ sla.Store   = (*faultyStore)(nil)
	_ sla.Claimer = (*faultyClaimerStore)(nil)
)
