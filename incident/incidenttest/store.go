package incidenttest

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/itsmkit/itsm/incident"
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
	lifecycletest.Table[*incident.Incident]
	ids      []string            // every ID, ascending
	children map[string][]string // parent ID → child IDs, ascending
}

var _ incident.Store = (*Store)(nil)

// NewStore returns an empty in-memory store.
func NewStore() *Store {
	s := &Store{children: map[string][]string{}}
	s.Table = lifecycletest.Table[*incident.Incident]{
		Process:  incident.Process,
		Key:      func(x *incident.Incident) (string, int64) { return x.ID, x.Version },
		Clone:    (*incident.Incident).Clone,
		OnCommit: s.onCommit,
	}
	return s
}

// onCommit keeps the ID and parent indexes. It runs under the table's
// write lock.
func (s *Store) onCommit(old *incident.Incident, had bool, x *incident.Incident) error {
	oldParent := ""
	if had {
		oldParent = old.Parent
	} else {
		s.ids = insertSorted(s.ids, x.ID)
	}
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
	return nil
}

// List returns a page of matching incidents in ascending ID order. The
// cursor is the last ID of the previous page.
func (s *Store) List(ctx context.Context, f incident.Filter) (incident.Page, error) {
	if err := ctx.Err(); err != nil {
		return incident.Page{}, err
	}
	size := f.PageSize()
	var page incident.Page
	s.View(func(lookup func(string) (*incident.Incident, bool)) {
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
		for ; i < len(ids); i++ {
			x, _ := lookup(ids[i])
			if !f.Matches(x) {
				continue
			}
			if len(page.Incidents) == size {
				page.Next = page.Incidents[size-1].ID
				break
			}
			page.Incidents = append(page.Incidents, x.Clone())
		}
	})
	return page, nil
}

// ResolvedBefore returns the auto-close candidates (see
// incident.Store.ResolvedBefore).
func (s *Store) ResolvedBefore(ctx context.Context, t time.Time, limit int) ([]*incident.Incident, error) {
	found, err := s.Select(ctx, func(x *incident.Incident) bool {
		return x.State == incident.StateResolved && x.Major != incident.MajorAccepted && x.UpdatedAt.Before(t)
	})
	slices.SortStableFunc(found, func(a, b *incident.Incident) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	if n := incident.PageSize(limit); len(found) > n {
		found = found[:n]
	}
	return found, err
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
