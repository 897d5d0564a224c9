package changetest

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// Recorder is a notifier that records every event, for assertions.
type Recorder = lifecycletest.Recorder

// Store is an in-memory change.Store.
//
// FOR TESTS AND DEVELOPMENT ONLY: it keeps every change in this process's
// memory, scans linearly, and loses everything when the process exits.
//
// It is safe for concurrent use and copies changes in and out, so callers
// never share memory with stored state. Its guards (the Committer half of
// the Store) live under the same lock as the changes, so that Commit
// checks a write's read set and stores it in one step. The zero value is
// not ready: use [NewStore].
type Store struct {
	mu      sync.RWMutex
	changes map[string]*change.Change
	guards  lifecycletest.Guards
}

var _ change.Store = (*Store)(nil)

// NewStore returns an empty in-memory Store.
func NewStore() *Store { return &Store{changes: map[string]*change.Change{}} }

// Get returns a copy of the change with id.
func (s *Store) Get(ctx context.Context, id string) (*change.Change, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.changes[id]
	if !ok {
		return nil, lifecycle.NotFound(change.Process, id)
	}
	return c.Clone(), nil
}

// Create stores a copy of c, unless its ID is taken.
func (s *Store) Create(ctx context.Context, c *change.Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.changes[c.ID]; ok {
		return lifecycle.Conflict(change.Process, c.ID, 0, old.Version)
	}
	s.changes[c.ID] = c.Clone()
	return nil
}

// Update replaces the stored change with a copy of c if its version is
// expected.
func (s *Store) Update(ctx context.Context, c *change.Change, expected int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.changes[c.ID]
	if !ok {
		return lifecycle.NotFound(change.Process, c.ID)
	}
	if old.Version != expected {
		return lifecycle.Conflict(change.Process, c.ID, expected, old.Version)
	}
	s.changes[c.ID] = c.Clone()
	return nil
}

// Guard returns the version of the guard key (0 until a write takes it).
func (s *Store) Guard(ctx context.Context, key string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.guards.Version(key), nil
}

// Commit stores a copy of w.Record if its stored version is w.Expected (0:
// no such change yet) and w.Reads is unchanged, and then bumps the guards
// of w.Reads. It ignores w.Events: the Store is not an outbox.
func (s *Store) Commit(ctx context.Context, w lifecycle.Write[*change.Change]) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := w.Record
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.guards.CheckWrite(change.Process, c.ID, w.Expected, w.Reads, s.version); err != nil {
		return err
	}
	s.changes[c.ID] = c.Clone()
	s.guards.Bump(w.Reads)
	return nil
}

// version returns the stored version of change id, 0 if there is none.
// The caller holds the lock.
func (s *Store) version(id string) int64 {
	if c, ok := s.changes[id]; ok {
		return c.Version
	}
	return 0
}

// List returns a page of copies of the matching changes, in ID order.
func (s *Store) List(ctx context.Context, f change.Filter) (change.Page, error) {
	if err := ctx.Err(); err != nil {
		return change.Page{}, err
	}
	s.mu.RLock()
	var match []*change.Change
	for id, c := range s.changes {
		if id > f.After && f.Matches(c) {
			match = append(match, c)
		}
	}
	slices.SortFunc(match, func(a, b *change.Change) int { return cmp.Compare(a.ID, b.ID) })
	limit := f.PageLimit()
	var p change.Page
	if len(match) > limit {
		match = match[:limit]
		p.Next = match[limit-1].ID
	}
	p.Changes = make([]*change.Change, len(match))
	for i, c := range match {
		p.Changes[i] = c.Clone()
	}
	s.mu.RUnlock()
	return p, nil
}

// Scheduled returns copies of the booked changes on cis overlapping
// [from, to), in ID order.
func (s *Store) Scheduled(ctx context.Context, cis []string, from, to time.Time) ([]*change.Change, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(cis) == 0 {
		return nil, nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*change.Change
	for _, c := range s.changes {
		if change.Overlaps(c, cis, from, to) {
			out = append(out, c.Clone())
		}
	}
	slices.SortFunc(out, func(a, b *change.Change) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}
