package changetest

import (
	"context"
	"time"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// Recorder is a notifier that records every event, for assertions.
type Recorder = lifecycletest.Recorder

// Store is an in-memory change.Store.
//
// FOR TESTS AND DEVELOPMENT ONLY: it keeps every change in this process's
// memory, scans linearly, and loses everything when the process exits.
//
// It keeps each change's history apart from it, appended by Commit and
// paged by History, as the change.Store contract asks.
//
// It is safe for concurrent use and copies changes in and out, so callers
// never share memory with stored state. Its guards (the Committer half of
// the Store) live under the same lock as the changes, so that Commit
// checks a write's read set and stores it in one step. The zero value is
// not ready: use [NewStore].
type Store struct {
	lifecycletest.Table[*change.Change]
}

var _ change.Store = (*Store)(nil)

// NewStore returns an empty in-memory Store.
func NewStore() *Store {
	return &Store{lifecycletest.Table[*change.Change]{Process: change.Process, Key: key, Clone: (*change.Change).Clone}}
}

func key(c *change.Change) (string, int64) { return c.ID, c.Version }

// List returns a page of copies of the matching changes, in ID order.
func (s *Store) List(ctx context.Context, f change.Filter) (change.Page, error) {
	match, err := s.Select(ctx, func(c *change.Change) bool { return c.ID > f.After && f.Matches(c) })
	if err != nil {
		return change.Page{}, err
	}
	limit := f.PageLimit()
	var p change.Page
	if len(match) > limit {
		match = match[:limit]
		p.Next = match[limit-1].ID
	}
	p.Changes = match
	return p, nil
}

// Scheduled returns copies of the booked changes on cis overlapping
// [from, to), in ID order.
func (s *Store) Scheduled(ctx context.Context, cis []string, from, to time.Time) ([]*change.Change, error) {
	if len(cis) == 0 {
		return nil, ctx.Err()
	}
	return s.Select(ctx, func(c *change.Change) bool { return change.Overlaps(c, cis, from, to) })
}
