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
// state. It passes [TestStore].
//
// Use [NewStore]; the zero Store is not ready.
type Store struct {
	mu       sync.RWMutex
	byID     map[string]*incident.Incident
	ids      []string            // every ID, ascending
	children map[string][]string // parent ID → child IDs, ascending
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
	x, ok := s.byID[id]
	s.mu.RUnlock()
	if !ok {
		return nil, lifecycle.NotFound(incident.Process, id)
	}
	// Stored values are never modified in place (Update replaces them), so
	// copying outside the lock is safe.
	return x.Clone(), nil
}

// Create stores a copy of x, or returns an error matching
// lifecycle.ErrConflict when its ID exists.
func (s *Store) Create(ctx context.Context, x *incident.Incident) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if x == nil || x.ID == "" {
		return lifecycle.Invalid("id", "required")
	}
	c := x.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.byID[c.ID]; ok {
		return lifecycle.Conflict(incident.Process, c.ID, 0, old.Version)
	}
	s.byID[c.ID] = c
	s.ids = insertSorted(s.ids, c.ID)
	if c.Parent != "" {
		s.children[c.Parent] = insertSorted(s.children[c.Parent], c.ID)
	}
	return nil
}

// Update stores a copy of x over version expected, or returns an error
// matching lifecycle.ErrNotFound or lifecycle.ErrConflict.
func (s *Store) Update(ctx context.Context, x *incident.Incident, expected int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if x == nil {
		return lifecycle.Invalid("incident", "nil")
	}
	c := x.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.byID[c.ID]
	if !ok {
		return lifecycle.NotFound(incident.Process, c.ID)
	}
	if old.Version != expected {
		return lifecycle.Conflict(incident.Process, c.ID, expected, old.Version)
	}
	s.byID[c.ID] = c
	if old.Parent != c.Parent {
		if old.Parent != "" {
			s.children[old.Parent] = removeSorted(s.children[old.Parent], c.ID)
			if len(s.children[old.Parent]) == 0 {
				delete(s.children, old.Parent)
			}
		}
		if c.Parent != "" {
			s.children[c.Parent] = insertSorted(s.children[c.Parent], c.ID)
		}
	}
	return nil
}

// List returns a page of matching incidents in ascending ID order. The
// cursor is the last ID of the previous page.
func (s *Store) List(ctx context.Context, f incident.Filter) (incident.Page, error) {
	if err := ctx.Err(); err != nil {
		return incident.Page{}, err
	}
	size := f.PageSize()
	s.mu.RLock()
	ids := s.ids
	if f.Parent != "" {
		ids = s.children[f.Parent]
	}
	i := 0
	if f.Cursor != "" {
		i = sort.SearchStrings(ids, f.Cursor)
		if i < len(ids) && ids[i] == f.Cursor {
			i++
		}
	}
	var page incident.Page
	for ; i < len(ids); i++ {
		x := s.byID[ids[i]]
		if !f.Matches(x) {
			continue
		}
		if len(page.Items) == size {
			page.NextCursor = page.Items[size-1].ID
			break
		}
		page.Items = append(page.Items, x)
	}
	s.mu.RUnlock()
	for j, x := range page.Items {
		page.Items[j] = x.Clone()
	}
	return page, nil
}

// ResolvedBefore returns the auto-close candidates (see
// incident.Store.ResolvedBefore).
func (s *Store) ResolvedBefore(ctx context.Context, t time.Time, limit int) ([]*incident.Incident, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []*incident.Incident
	s.mu.RLock()
	for _, x := range s.byID {
		if x.State == incident.StateResolved && x.Major != incident.MajorAccepted && x.UpdatedAt.Before(t) {
			out = append(out, x)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *incident.Incident) int {
		if c := a.UpdatedAt.Compare(b.UpdatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	if n := incident.PageSize(limit); len(out) > n {
		out = out[:n]
	}
	for i, x := range out {
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
