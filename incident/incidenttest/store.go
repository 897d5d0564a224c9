package incidenttest

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// Recorder is a notifier that records every event, for assertions.
type Recorder = lifecycletest.Recorder

// Store is an in-memory incident.Store for tests, demos and development.
// It is NOT for production: it keeps everything in one process's memory,
// unbounded, and forgets it on exit. It is safe for concurrent use and
// copies values in and out, so callers never share memory with stored
// state. Its guards live under the same lock as the incidents, so that
// Commit checks a write's read set and stores it in one step. It passes
// [TestStore].
//
// Use [NewStore]; the zero Store is not ready.
type Store struct {
	mu       sync.RWMutex
	byID     map[string]*incident.Incident // private copies
	ids      []string                      // every ID, ascending
	children map[string][]string           // parent ID → child IDs, ascending
	guards   lifecycletest.Guards
}

var _ incident.Store = (*Store)(nil)

// NewStore returns an empty in-memory store.
func NewStore() *Store {
	return &Store{byID: map[string]*incident.Incident{}, children: map[string][]string{}}
}

// Get returns a copy of the incident, or an error matching
// lifecycle.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*incident.Incident, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	x, ok := s.byID[id]
	if !ok {
		return nil, lifecycle.NotFound(incident.Process, id)
	}
	return x.Clone(), nil
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
// no such incident yet) and w.Reads is unchanged, and then bumps the
// guards of w.Reads. Like a database row and its audit table, an update
// keeps the stored history records as they are and appends those of
// w.Record.History past them. Commit ignores w.Events: the Store is not an
// outbox.
func (s *Store) Commit(ctx context.Context, w lifecycle.Write[*incident.Incident]) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	x := w.Record
	if x == nil || x.ID == "" {
		return lifecycle.Invalid("id", "required")
	}
	c := x.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.guards.CheckWrite(incident.Process, x.ID, w.Expected, w.Reads, s.version); err != nil {
		return err
	}
	old, ok := s.byID[x.ID]
	if ok && len(x.History) < len(old.History) {
		return lifecycle.Invalid("history", "%d records stored, %d given: history is append-only", len(old.History), len(x.History))
	}
	oldParent := ""
	if ok {
		oldParent = old.Parent
		c.History = append(old.History, c.History[len(old.History):]...)
	} else {
		s.ids = insertSorted(s.ids, x.ID)
	}
	s.byID[x.ID] = c
	if oldParent != x.Parent {
		if oldParent != "" {
			s.children[oldParent] = removeSorted(s.children[oldParent], x.ID)
			if len(s.children[oldParent]) == 0 {
				delete(s.children, oldParent)
			}
		}
		if x.Parent != "" {
			s.children[x.Parent] = insertSorted(s.children[x.Parent], x.ID)
		}
	}
	s.guards.Bump(w.Reads)
	return nil
}

// version returns the stored version of incident id, 0 if there is none.
// The caller holds the lock.
func (s *Store) version(id string) int64 {
	if x, ok := s.byID[id]; ok {
		return x.Version
	}
	return 0
}

// List returns a page of matching incidents in ascending ID order. The
// cursor is the last ID of the previous page.
func (s *Store) List(ctx context.Context, f incident.Filter) (incident.Page, error) {
	if err := ctx.Err(); err != nil {
		return incident.Page{}, err
	}
	size := f.PageSize()
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.ids
	if f.Parent != "" {
		ids = s.children[f.Parent]
	}
	i := 0
	if f.After != "" {
		i = sort.SearchStrings(ids, f.After)
		if i < len(ids) && ids[i] == f.After {
			i++
		}
	}
	var page incident.Page
	for ; i < len(ids); i++ {
		x := s.byID[ids[i]]
		if !f.Matches(x) {
			continue
		}
		if len(page.Incidents) == size {
			page.Next = page.Incidents[size-1].ID
			break
		}
		page.Incidents = append(page.Incidents, x.Clone())
	}
	return page, nil
}

// ResolvedBefore returns the auto-close candidates (see
// incident.Store.ResolvedBefore).
func (s *Store) ResolvedBefore(ctx context.Context, t time.Time, limit int) ([]*incident.Incident, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var found []*incident.Incident
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, x := range s.byID {
		if x.State == incident.StateResolved && x.Major != incident.MajorAccepted && x.UpdatedAt.Before(t) {
			found = append(found, x)
		}
	}
	slices.SortFunc(found, func(a, b *incident.Incident) int {
		if c := a.UpdatedAt.Compare(b.UpdatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if n := incident.PageSize(limit); len(found) > n {
		found = found[:n]
	}
	out := make([]*incident.Incident, len(found))
	for i, x := range found {
		out[i] = x.Clone()
	}
	return out, nil
}

// Len returns the number of stored incidents.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.ids)
}

func insertSorted(s []string, v string) []string {
	i, found := slices.BinarySearch(s, v)
	if found {
		return s
	}
	return slices.Insert(s, i, v)
}

func removeSorted(s []string, v string) []string {
	i, found := slices.BinarySearch(s, v)
	if !found {
		return s
	}
	return slices.Delete(s, i, i+1)
}
