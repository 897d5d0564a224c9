package slatest

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/sla"
)

// Recorder is a lifecycle.Notifier that keeps every event for assertions.
type Recorder = lifecycletest.Recorder

// Store is an in-memory sla.Store and sla.Claimer for tests and
// development. NOT FOR PRODUCTION: it keeps everything in one process's
// memory, scans every timer on ListByRecord, Due and Claim, and loses it
// all on exit.
//
// It is safe for concurrent use and copies timers in and out, so callers
// never share memory with stored state. It honours ctx cancellation on
// every call. Use [NewStore]; the zero value is not ready.
type Store struct {
	mu     sync.RWMutex
	timers map[string]*sla.Timer
	leases map[string]lease
}

type lease struct {
	owner string
	until time.Time
}

var (
	_ sla.Store   = (*Store)(nil)
	_ sla.Claimer = (*Store)(nil)
)

// NewStore returns an empty in-memory Store.
func NewStore() *Store {
	return &Store{timers: map[string]*sla.Timer{}, leases: map[string]lease{}}
}

// Get returns a copy of the timer, or an error matching
// lifecycle.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*sla.Timer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, ok := s.timers[id]
	if !ok {
		return nil, lifecycle.NotFound(sla.Process, id)
	}
	return t.Clone(), nil
}

// Create stores a copy of t, or returns an error matching
// lifecycle.ErrConflict if its ID is taken.
func (s *Store) Create(ctx context.Context, t *sla.Timer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.timers[t.ID]; ok {
		return lifecycle.Conflict(sla.Process, t.ID, 0, old.Version)
	}
	s.timers[t.ID] = t.Clone()
	return nil
}

// Update replaces the stored timer with a copy of t if its stored version
// is expected; otherwise it returns an error matching lifecycle.ErrNotFound
// or lifecycle.ErrConflict and writes nothing.
func (s *Store) Update(ctx context.Context, t *sla.Timer, expected int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.timers[t.ID]
	if !ok {
		return lifecycle.NotFound(sla.Process, t.ID)
	}
	if old.Version != expected {
		return lifecycle.Conflict(sla.Process, t.ID, expected, old.Version)
	}
	s.timers[t.ID] = t.Clone()
	return nil
}

// ListByRecord returns copies of recordID's timers, ordered by ID.
func (s *Store) ListByRecord(ctx context.Context, recordID string) ([]*sla.Timer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []*sla.Timer{}
	for _, t := range s.timers {
		if t.RecordID == recordID {
			out = append(out, t.Clone())
		}
	}
	slices.SortFunc(out, func(a, b *sla.Timer) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// Due returns copies of the timers whose Next is set and not after at,
// ordered by Next then ID, at most limit of them (all when limit <= 0).
func (s *Store) Due(ctx context.Context, at time.Time, limit int) ([]*sla.Timer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.due(at, limit, nil), nil
}

// Claim returns, like Due, the timers due at at that no other owner holds a
// lease on past at, and leases them to owner until at+d.
func (s *Store) Claim(ctx context.Context, owner string, at time.Time, limit int, d time.Duration) ([]*sla.Timer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.due(at, limit, func(t *sla.Timer) bool {
		l, ok := s.leases[t.ID]
		return !ok || l.owner == owner || !l.until.After(at)
	})
	for _, t := range out {
		s.leases[t.ID] = lease{owner: owner, until: at.Add(d)}
	}
	return out, nil
}

func (s *Store) due(at time.Time, limit int, keep func(*sla.Timer) bool) []*sla.Timer {
	var hits []*sla.Timer
	for _, t := range s.timers {
		if t.Next.IsZero() || t.Next.After(at) || (keep != nil && !keep(t)) {
			continue
		}
		hits = append(hits, t)
	}
	slices.SortFunc(hits, func(a, b *sla.Timer) int {
		if c := a.Next.Compare(b.Next); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]*sla.Timer, len(hits))
	for i, t := range hits {
		out[i] = t.Clone()
	}
	return out
}
