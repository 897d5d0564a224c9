package incidenttest

import (
	"cmp"
	"context"
	"maps"
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

// entry is one stored incident, kept as a database would: a row of fields
// (x, with a nil History) overwritten in place by each Update, and the
// history as an append-only log (like an audit table) to which Update adds
// only the new records. Nothing outside the Store ever points into an
// entry; it is read and written only under the Store's lock.
type entry struct {
	x    incident.Incident
	hist []lifecycle.Record
	chg  []lifecycle.Change // the log's changes, which hist's records point into
	// The log starts in the entry itself, so that storing a new incident
	// allocates once (2,000 bytes, the 2,048-byte size class: less than
	// the three allocations it replaces); a log that outgrows them moves
	// to its own arrays.
	histBuf [logStart]lifecycle.Record
	chgBuf  [6]lifecycle.Change
}

// logStart is the room a new incident's history log has, in records: most
// incidents live about eight changes.
const logStart = 8

// appendLog appends deep copies of recs to e's history log. The log's
// changes stay one array in record order (each record's Changes capped at
// its length, so that appending to one never writes into its neighbour):
// Get copies them with one copy.
func (e *entry) appendLog(recs []lifecycle.Record) {
	n := 0
	for _, r := range recs {
		n += len(r.Changes)
	}
	if e.chg == nil && n <= len(e.chgBuf) {
		e.chg = e.chgBuf[:0]
	}
	if cap(e.chg)-len(e.chg) < n {
		grown := make([]lifecycle.Change, len(e.chg), 2*(len(e.chg)+n)+4)
		copy(grown, e.chg)
		e.chg = grown
		// Nothing outside the Store points into the log: move the stored
		// records' changes to the new array.
		repoint(e.hist, grown)
	}
	if e.hist == nil && len(recs) > 0 && len(recs) <= len(e.histBuf) {
		e.hist = e.histBuf[:0]
	}
	if cap(e.hist)-len(e.hist) < len(recs) {
		grown := make([]lifecycle.Record, len(e.hist), 2*len(e.hist)+len(recs)+logStart)
		copy(grown, e.hist)
		e.hist = grown
	}
	for _, r := range recs {
		if r.Changes != nil {
			j := len(e.chg)
			e.chg = append(e.chg, r.Changes...)
			r.Changes = e.chg[j:len(e.chg):len(e.chg)]
		}
		e.hist = append(e.hist, r)
	}
}

// repoint points the Changes of recs at consecutive, capped windows of
// chg, which holds all of them in order.
func repoint(recs []lifecycle.Record, chg []lifecycle.Change) {
	off := 0
	for i := range recs {
		if c := recs[i].Changes; c != nil {
			k := off + len(c)
			recs[i].Changes = chg[off:k:k]
			off = k
		}
	}
}

// NewStore returns an empty in-memory store.
func NewStore() *Store {
	return &Store{byID: map[string]*entry{}, children: map[string][]string{}}
}

// setFields overwrites the row dst with the fields of x (not its history),
// copying x's slices and map. It writes only the fields that differ, as a
// database UPDATE of the changed columns would: a command changes a few
// fields, and overwriting all of an incident's pointers costs a write
// barrier each while the garbage collector runs. A slice or map equal to
// the one dst holds (nil-ness included) is kept rather than copied: the
// store's own is private, so keeping it shares nothing with x.
// TestSetFieldsCoversIncident fails when a field of incident.Incident is
// missing here.
func setFields(dst, x *incident.Incident) {
	set(&dst.ID, x.ID)
	set(&dst.Version, x.Version)
	set(&dst.State, x.State)
	set(&dst.Title, x.Title)
	set(&dst.Description, x.Description)
	set(&dst.Caller, x.Caller)
	set(&dst.Category, x.Category)
	set(&dst.Service, x.Service)
	set(&dst.ConfigItem, x.ConfigItem)
	set(&dst.OpenedBy, x.OpenedBy)
	set(&dst.Impact, x.Impact)
	set(&dst.Urgency, x.Urgency)
	set(&dst.Priority, x.Priority)
	set(&dst.Group, x.Group)
	set(&dst.Assignee, x.Assignee)
	set(&dst.EscalationLevel, x.EscalationLevel)
	set(&dst.HoldReason, x.HoldReason)
	set(&dst.Major, x.Major)
	set(&dst.Parent, x.Parent)
	dst.Problems = keepOrClone(dst.Problems, x.Problems)
	dst.Changes = keepOrClone(dst.Changes, x.Changes)
	dst.Comments = keepOrClone(dst.Comments, x.Comments)
	dst.WorkNotes = keepOrClone(dst.WorkNotes, x.WorkNotes)
	set(&dst.ResolutionCode, x.ResolutionCode)
	set(&dst.ResolutionNotes, x.ResolutionNotes)
	set(&dst.ResolvedBy, x.ResolvedBy)
	set(&dst.ResolvedAt, x.ResolvedAt)
	set(&dst.ClosedBy, x.ClosedBy)
	set(&dst.ClosedAt, x.ClosedAt)
	set(&dst.CancelReason, x.CancelReason)
	set(&dst.ReopenCount, x.ReopenCount)
	if !sameMap(dst.Attributes, x.Attributes) {
		dst.Attributes = maps.Clone(x.Attributes)
	}
	// History is the log's (see appendLog), never the row's.
	set(&dst.CreatedAt, x.CreatedAt)
	set(&dst.UpdatedAt, x.UpdatedAt)
}

// set writes v to *p unless it is there already.
func set[T comparable](p *T, v T) {
	if *p != v {
		*p = v
	}
}

// sameMap reports whether a and b are equal, nil-ness included.
func sameMap(a, b map[string]string) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	return len(a) == 0 || maps.Equal(a, b)
}

// keepOrClone returns kept if it equals s (nil-ness included), else a copy
// of s (nil stays nil, empty stays empty).
func keepOrClone[T comparable](kept, s []T) []T {
	if (kept == nil) == (s == nil) && slices.Equal(kept, s) {
		return kept
	}
	if s == nil {
		return nil
	}
	return append(make([]T, 0, len(s)), s...)
}

// get returns the incident e holds, as a deep copy with room for one more
// history record: a caller usually loads an incident to append one. The
// caller holds the Store's lock.
func (e *entry) get() *incident.Incident {
	if e.hist == nil {
		x := new(incident.Incident)
		e.copyFields(x)
		return x
	}
	x, h, c := withHistory(len(e.hist)+1, len(e.chg))
	e.copyFields(x)
	h = append(h, e.hist...)
	if len(e.chg) > 0 {
		repoint(h, append(c, e.chg...))
	}
	x.History = h
	return x
}

// copyFields sets x to a deep copy of e's row.
func (e *entry) copyFields(x *incident.Incident) {
	*x = e.x
	x.Problems = slices.Clone(e.x.Problems)
	x.Changes = slices.Clone(e.x.Changes)
	x.Comments = slices.Clone(e.x.Comments)
	x.WorkNotes = slices.Clone(e.x.WorkNotes)
	x.Attributes = maps.Clone(e.x.Attributes)
}

// block is an incident with its history's records and changes, allocated
// together.
type block[R, C any] struct {
	x incident.Incident
	r R
	c C
}

// withHistory returns a new incident and empty slices with room for
// records history records and changes changes: one allocation for the
// common sizes (up to 8 records and a change per record), instead of three.
func withHistory(records, changes int) (*incident.Incident, []lifecycle.Record, []lifecycle.Change) {
	if changes <= records {
		switch records {
		case 2:
			b := new(block[[2]lifecycle.Record, [2]lifecycle.Change])
			return &b.x, b.r[:0], b.c[:0]
		case 3:
			b := new(block[[3]lifecycle.Record, [3]lifecycle.Change])
			return &b.x, b.r[:0], b.c[:0]
		case 4:
			b := new(block[[4]lifecycle.Record, [4]lifecycle.Change])
			return &b.x, b.r[:0], b.c[:0]
		case 5:
			b := new(block[[5]lifecycle.Record, [5]lifecycle.Change])
			return &b.x, b.r[:0], b.c[:0]
		case 6:
			b := new(block[[6]lifecycle.Record, [6]lifecycle.Change])
			return &b.x, b.r[:0], b.c[:0]
		case 7:
			b := new(block[[7]lifecycle.Record, [7]lifecycle.Change])
			return &b.x, b.r[:0], b.c[:0]
		case 8:
			b := new(block[[8]lifecycle.Record, [8]lifecycle.Change])
			return &b.x, b.r[:0], b.c[:0]
		}
	}
	return new(incident.Incident), make([]lifecycle.Record, 0, records), make([]lifecycle.Change, 0, changes)
}

// Get returns a copy of the incident, or an error matching
// lifecycle.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*incident.Incident, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.byID[id]
	if !ok {
		return nil, lifecycle.NotFound(incident.Process, id)
	}
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
	e := new(entry)
	setFields(&e.x, x)
	e.appendLog(x.History)
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
// matching lifecycle.ErrNotFound or lifecycle.ErrConflict. Like a database
// row and its audit table, it overwrites the stored fields in place and
// appends the records of x.History past those already stored, keeping the
// stored ones as they are.
func (s *Store) Update(ctx context.Context, x *incident.Incident, expected int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if x == nil {
		return lifecycle.Invalid("incident", "nil")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.byID[x.ID]
	if !ok {
		return lifecycle.NotFound(incident.Process, x.ID)
	}
	if e.x.Version != expected {
		return lifecycle.Conflict(incident.Process, x.ID, expected, e.x.Version)
	}
	if len(x.History) < len(e.hist) {
		return lifecycle.Invalid("history", "%d records stored, %d given: history is append-only", len(e.hist), len(x.History))
	}
	oldParent := e.x.Parent
	e.appendLog(x.History[len(e.hist):])
	setFields(&e.x, x)
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
		e := s.byID[ids[i]]
		if !f.Matches(&e.x) {
			continue
		}
		if len(page.Incidents) == size {
			page.Next = page.Incidents[size-1].ID
			break
		}
		page.Incidents = append(page.Incidents, e.get())
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
	defer s.mu.RUnlock()
	for _, e := range s.byID {
		x := &e.x
		if x.State == incident.StateResolved && x.Major != incident.MajorAccepted && x.UpdatedAt.Before(t) {
			found = append(found, e)
		}
	}
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
