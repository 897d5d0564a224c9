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
	byID     map[string]*entry
	ids      []string            // every ID, ascending
	children map[string][]string // parent ID → child IDs, ascending
}

var _ incident.Store = (*Store)(nil)

// entry is one stored incident, kept as a database would: the incident's
// fields (x, with a nil History, never modified once stored) and its
// history as an append-only log that only ever grows (like an audit
// table). Update copies in only the records it adds; entries of older
// versions share the log's prefix, which is never written again.
type entry struct {
	x    *incident.Incident
	hist []lifecycle.Record
	chg  []lifecycle.Change // the log's changes, which hist's records point into
}

// appendLog returns the log (hist, chg) with deep copies of recs appended.
// Appending past the current lengths never changes what an older entry
// sharing the arrays (or a Get copying it right now) sees.
func appendLog(hist []lifecycle.Record, chg []lifecycle.Change, recs []lifecycle.Record) ([]lifecycle.Record, []lifecycle.Change) {
	n := 0
	for _, r := range recs {
		n += len(r.Changes)
	}
	if cap(chg)-len(chg) < n {
		grown := make([]lifecycle.Change, len(chg), 2*(len(chg)+n)+4)
		copy(grown, chg)
		chg = grown
	}
	if cap(hist)-len(hist) < len(recs) {
		grown := make([]lifecycle.Record, len(hist), len(hist)+len(recs)+logSpare+len(hist))
		copy(grown, hist)
		hist = grown
	}
	for _, r := range recs {
		if r.Changes != nil {
			j := len(chg)
			chg = append(chg, r.Changes...)
			r.Changes = chg[j:len(chg):len(chg)]
		}
		hist = append(hist, r)
	}
	return hist, chg
}

// logSpare is the room a history log keeps for records to come: most
// incidents live about eight changes.
const logSpare = 7

// NewStore returns an empty in-memory store.
func NewStore() *Store {
	return &Store{byID: map[string]*entry{}, children: map[string][]string{}}
}

// fields returns a deep copy of x without its history.
func fields(x *incident.Incident) *incident.Incident {
	tmp := *x
	tmp.History = nil
	return tmp.Clone()
}

// get returns the incident e holds, as a deep copy.
func (e *entry) get() *incident.Incident {
	c := e.x.Clone()
	c.History = copyRecords(nil, e.hist, 1)
	return c
}

// copyRecords appends deep copies of recs to dst, growing it with room for
// spare more records; all the copies' changes share one new array.
func copyRecords(dst, recs []lifecycle.Record, spare int) []lifecycle.Record {
	if recs == nil {
		return dst
	}
	if cap(dst)-len(dst) < len(recs) {
		grown := make([]lifecycle.Record, len(dst), len(dst)+len(recs)+spare)
		copy(grown, dst)
		dst = grown
	}
	start := len(dst)
	dst = append(dst, recs...)
	n := 0
	for _, r := range recs {
		n += len(r.Changes)
	}
	if n == 0 {
		return dst
	}
	all := make([]lifecycle.Change, 0, n)
	for i := start; i < len(dst); i++ {
		if dst[i].Changes == nil {
			continue
		}
		j := len(all)
		all = append(all, dst[i].Changes...)
		dst[i].Changes = all[j:len(all):len(all)]
	}
	return dst
}

// Get returns a copy of the incident, or an error matching
// lifecycle.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*incident.Incident, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	e, ok := s.byID[id]
	s.mu.RUnlock()
	if !ok {
		return nil, lifecycle.NotFound(incident.Process, id)
	}
	// An entry is never modified once stored and its log prefix never
	// rewritten, so copying outside the lock is safe.
	return e.get(), nil
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
	e := &entry{x: fields(x)}
	e.hist, e.chg = appendLog(nil, nil, x.History)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.byID[x.ID]; ok {
		return lifecycle.Conflict(incident.Process, x.ID, 0, old.x.Version)
	}
	s.byID[x.ID] = e
	s.ids = insertSorted(s.ids, x.ID)
	if x.Parent != "" {
		s.children[x.Parent] = insertSorted(s.children[x.Parent], x.ID)
	}
	return nil
}

// Update stores a copy of x over version expected, or returns an error
// matching lifecycle.ErrNotFound or lifecycle.ErrConflict. Like an audit
// table, it appends the records of x.History past those already stored and
// keeps the stored ones as they are.
func (s *Store) Update(ctx context.Context, x *incident.Incident, expected int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if x == nil {
		return lifecycle.Invalid("incident", "nil")
	}
	c := fields(x)
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.byID[c.ID]
	if !ok {
		return lifecycle.NotFound(incident.Process, c.ID)
	}
	if old.x.Version != expected {
		return lifecycle.Conflict(incident.Process, c.ID, expected, old.x.Version)
	}
	if len(x.History) < len(old.hist) {
		return lifecycle.Invalid("history", "%d records stored, %d given: history is append-only", len(old.hist), len(x.History))
	}
	e := &entry{x: c}
	e.hist, e.chg = appendLog(old.hist, old.chg, x.History[len(old.hist):])
	s.byID[c.ID] = e
	if old.x.Parent != c.Parent {
		if old.x.Parent != "" {
			s.children[old.x.Parent] = removeSorted(s.children[old.x.Parent], c.ID)
			if len(s.children[old.x.Parent]) == 0 {
				delete(s.children, old.x.Parent)
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
	var found []*entry
	var page incident.Page
	for ; i < len(ids); i++ {
		e := s.byID[ids[i]]
		if !f.Matches(e.x) {
			continue
		}
		if len(found) == size {
			page.NextCursor = found[size-1].x.ID
			break
		}
		found = append(found, e)
	}
	s.mu.RUnlock()
	if len(found) > 0 {
		page.Items = make([]*incident.Incident, len(found))
		for j, e := range found {
			page.Items[j] = e.get()
		}
	}
	return page, nil
}

// ResolvedBefore returns the auto-close candidates (see
// incident.Store.ResolvedBefore).
func (s *Store) ResolvedBefore(ctx context.Context, t time.Time, limit int) ([]*incident.Incident, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var found []*entry
	s.mu.RLock()
	for _, e := range s.byID {
		x := e.x
		if x.State == incident.StateResolved && x.Major != incident.MajorAccepted && x.UpdatedAt.Before(t) {
			found = append(found, e)
		}
	}
	s.mu.RUnlock()
	slices.SortFunc(found, func(a, b *entry) int {
		if c := a.x.UpdatedAt.Compare(b.x.UpdatedAt); c != 0 {
			return c
		}
		return cmp.Compare(a.x.ID, b.x.ID)
	})
	if n := incident.PageSize(limit); len(found) > n {
		found = found[:n]
	}
	out := make([]*incident.Incident, len(found))
	for i, e := range found {
		out[i] = e.get()
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
