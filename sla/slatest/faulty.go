package slatest

import (
	"context"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
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
// the answer; the same owner gets them again); if inner implements
// lifecycle.Outbox[*sla.Timer], so does the result (its methods are writes
// too).
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
	s := &faultyStore{lifecycletest.FaultyRecords[*sla.Timer]{Inner: inner, Faults: f, Process: "sla"}, inner, f}
	c, claims := inner.(sla.Claimer)
	ob, outbox := inner.(lifecycle.Outbox[*sla.Timer])
	switch {
	case claims && outbox:
		return &faultyClaimerOutbox{faultyStore: s, claimer: faultyClaimer{s, c}, outbox: faultyOutbox{s, ob}}
	case claims:
		return &faultyClaimerStore{faultyStore: s, claimer: faultyClaimer{s, c}}
	case outbox:
		return &faultyOutboxStore{faultyStore: s, outbox: faultyOutbox{s, ob}}
	}
	return s
}

type faultyStore struct {
	lifecycletest.FaultyRecords[*sla.Timer]
	inner sla.Store
	f     *lifecycletest.Faults
}

// ListByRecord fails as a read, or lists from the inner store.
func (s *faultyStore) ListByRecord(ctx context.Context, recordID string) ([]*sla.Timer, error) {
	if err := s.f.Read("sla.ListByRecord"); err != nil {
		return nil, err
	}
	return s.inner.ListByRecord(ctx, recordID)
}

// Due fails as a read, or queries the inner store.
func (s *faultyStore) Due(ctx context.Context, at time.Time, limit int) ([]*sla.Timer, error) {
	if err := s.f.Read("sla.Due"); err != nil {
		return nil, err
	}
	return s.inner.Due(ctx, at, limit)
}

// faultyClaimer is the Claim of a faulty store whose inner store claims.
type faultyClaimer struct {
	s *faultyStore
	c sla.Claimer
}

func (x faultyClaimer) claim(ctx context.Context, owner string, at time.Time, limit int, lease time.Duration) ([]*sla.Timer, error) {
	var out []*sla.Timer
	err := x.s.f.Write(ctx, "sla.Claim", func(ctx context.Context) error {
		var err error
		out, err = x.c.Claim(ctx, owner, at, limit, lease)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// faultyOutbox is the Outbox of a faulty store whose inner store has one.
type faultyOutbox struct {
	s  *faultyStore
	ob lifecycle.Outbox[*sla.Timer]
}

func (x faultyOutbox) create(ctx context.Context, t *sla.Timer, events []lifecycle.Event) error {
	return x.s.f.Write(ctx, "sla.CreateWithEvents", func(ctx context.Context) error { return x.ob.CreateWithEvents(ctx, t, events) })
}

func (x faultyOutbox) update(ctx context.Context, t *sla.Timer, expected int64, events []lifecycle.Event) error {
	return x.s.f.Write(ctx, "sla.UpdateWithEvents", func(ctx context.Context) error { return x.ob.UpdateWithEvents(ctx, t, expected, events) })
}

type faultyClaimerStore struct {
	*faultyStore
	claimer faultyClaimer
}

// Claim fails as a write, or claims from the inner store.
func (s *faultyClaimerStore) Claim(ctx context.Context, owner string, at time.Time, limit int, lease time.Duration) ([]*sla.Timer, error) {
	return s.claimer.claim(ctx, owner, at, limit, lease)
}

type faultyOutboxStore struct {
	*faultyStore
	outbox faultyOutbox
}

// CreateWithEvents fails as a write, or creates in the inner store's outbox.
func (s *faultyOutboxStore) CreateWithEvents(ctx context.Context, t *sla.Timer, events []lifecycle.Event) error {
	return s.outbox.create(ctx, t, events)
}

// UpdateWithEvents fails as a write, or updates through the inner store's outbox.
func (s *faultyOutboxStore) UpdateWithEvents(ctx context.Context, t *sla.Timer, expected int64, events []lifecycle.Event) error {
	return s.outbox.update(ctx, t, expected, events)
}

type faultyClaimerOutbox struct {
	*faultyStore
	claimer faultyClaimer
	outbox  faultyOutbox
}

// Claim fails as a write, or claims from the inner store.
func (s *faultyClaimerOutbox) Claim(ctx context.Context, owner string, at time.Time, limit int, lease time.Duration) ([]*sla.Timer, error) {
	return s.claimer.claim(ctx, owner, at, limit, lease)
}

// CreateWithEvents fails as a write, or creates in the inner store's outbox.
func (s *faultyClaimerOutbox) CreateWithEvents(ctx context.Context, t *sla.Timer, events []lifecycle.Event) error {
	return s.outbox.create(ctx, t, events)
}

// UpdateWithEvents fails as a write, or updates through the inner store's outbox.
func (s *faultyClaimerOutbox) UpdateWithEvents(ctx context.Context, t *sla.Timer, expected int64, events []lifecycle.Event) error {
	return s.outbox.update(ctx, t, expected, events)
}

var (
	_ sla.Store                    = (*faultyStore)(nil)
	_ sla.Claimer                  = (*faultyClaimerStore)(nil)
	_ lifecycle.Outbox[*sla.Timer] = (*faultyOutboxStore)(nil)
	_ sla.Claimer                  = (*faultyClaimerOutbox)(nil)
	_ lifecycle.Outbox[*sla.Timer] = (*faultyClaimerOutbox)(nil)
	_ sla.Store                    = (*faultyClaimerOutbox)(nil)
)
