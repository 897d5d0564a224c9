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
// memory, behind one lock, and loses it all on exit.
//
// It indexes timers by record and by Next, so ListByRecord costs the
// record's timers and Due or Claim of k timers costs O(k log n) (plus, for
// Claim, the timers it skips for other owners' leases), not a scan: it
// holds a million timers for load tests.
//
// It is safe for concurrent use and copies timers in and out, so callers
// never share memory with stored state. It honours ctx cancellation on
// every call. Use [NewStore]; the zero value is not ready.
type Store struct {
	mu       sync.RWMutex
	timers   map[string]*stored
	byRecord map[string][]string // timer IDs of each record, sorted
	due      dueHeap             // an entry per write that set Next; stale ones are dropped when met
	stamp    uint64              // counts writes
	guards   lifecycletest.Guards
}

// stored is a stored timer, the write that stored it and its lease.
type stored struct {
	t     *sla.Timer
	stamp uint64
	lease lease
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
	return &Store{timers: map[string]*stored{}, byRecord: map[string][]string{}}
}

// Get returns a copy of the timer, or an error matching
// lifecycle.ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (*sla.Timer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, ok := s.timers[id]
	if !ok {
		return nil, lifecycle.NotFound(sla.Process, id)
	}
	return r.t.Clone(), nil
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
// no such timer yet) and w.Reads is unchanged, keeps the record and due
// indexes, and bumps the guards of w.Reads. It ignores w.Events: the Store
// is not an outbox.
func (s *Store) Commit(ctx context.Context, w lifecycle.Write[*sla.Timer]) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := w.Record
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.guards.CheckWrite(sla.Process, c.ID, w.Expected, w.Reads, s.version); err != nil {
		return err
	}
	if old, ok := s.timers[c.ID]; ok && old.t.RecordID != c.RecordID { // a caller moving a timer to another record
		ids := s.byRecord[old.t.RecordID]
		if i, ok := slices.BinarySearch(ids, c.ID); ok {
			ids = slices.Delete(ids, i, i+1)
		}
		if len(ids) == 0 {
			delete(s.byRecord, old.t.RecordID)
		} else {
			s.byRecord[old.t.RecordID] = ids
		}
	}
	ids := s.byRecord[c.RecordID]
	if i, found := slices.BinarySearch(ids, c.ID); !found {
		s.byRecord[c.RecordID] = slices.Insert(ids, i, c.ID)
	}
	s.put(c)
	s.guards.Bump(w.Reads)
	return nil
}

// version returns the stored version of timer id, 0 if there is none. The
// caller holds the lock.
func (s *Store) version(id string) int64 {
	if r, ok := s.timers[id]; ok {
		return r.t.Version
	}
	return 0
}

// put stores a copy of c and indexes its Next: over the copy of the
// version it replaces (whose memory nothing else holds), or as a new
// entry. The caller holds the write lock.
func (s *Store) put(c *sla.Timer) {
	s.stamp++
	if r, ok := s.timers[c.ID]; ok {
		c.CopyTo(r.t)
		r.stamp = s.stamp
	} else {
		s.timers[c.ID] = &stored{t: c.Clone(), stamp: s.stamp}
	}
	c = s.timers[c.ID].t
	if !c.Next.IsZero() {
		s.due.push(dueEntry{next: c.Next, id: c.ID, stamp: s.stamp})
	}
	if len(s.due) > 2*len(s.timers)+1024 { // mostly stale: rebuild
		s.due = s.due[:0]
		for _, r := range s.timers {
			if !r.t.Next.IsZero() {
				s.due = append(s.due, dueEntry{next: r.t.Next, id: r.t.ID, stamp: r.stamp})
			}
		}
		s.due.init()
	}
}

// ListByRecord returns copies of recordID's timers, ordered by ID.
func (s *Store) ListByRecord(ctx context.Context, recordID string) ([]*sla.Timer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := s.byRecord[recordID]
	out := make([]*sla.Timer, len(ids))
	for i, id := range ids {
		out[i] = s.timers[id].t.Clone()
	}
	return out, nil
}

// Due returns copies of the timers whose Next is set and not after at,
// ordered by Next then ID, at most limit of them (all when limit <= 0).
func (s *Store) Due(ctx context.Context, at time.Time, limit int) ([]*sla.Timer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock() // reading the heap pops and pushes back
	defer s.mu.Unlock()
	return s.dueTimers(at, limit, nil, lease{}), nil
}

// Claim returns, like Due, the timers due at at that no other owner holds a
// lease on past at, and leases them to owner until at+d.
func (s *Store) Claim(ctx context.Context, owner string, at time.Time, limit int, d time.Duration) ([]*sla.Timer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.dueTimers(at, limit, func(r *stored) bool {
		l := r.lease
		return l.owner == "" || l.owner == owner || !l.until.After(at)
	}, lease{owner: owner, until: at.Add(d)})
	return out, nil
}

// dueTimers returns copies of the first limit timers (all if limit <= 0)
// due at at that keep accepts (all when keep is nil), in (Next, ID)
// order, and leases them with l when keep is set. The caller holds the
// write lock.
//
// It walks the heap in order without changing it, with a small heap of
// the positions to look at next (a node comes before its children): the
// stale entries it meets stay until they reach the top, where they are
// dropped, or until the heap is rebuilt.
//
// The copies of one call are allocated together: one slice of timers and
// one of their current cycles' deadlines (each timer's deadlines capped to
// their length, so that appending to them reallocates).
func (s *Store) dueTimers(at time.Time, limit int, keep func(*stored) bool, l lease) []*sla.Timer {
	for len(s.due) > 0 && s.stale(s.due[0]) {
		s.due.pop()
	}
	if len(s.due) == 0 || s.due[0].next.After(at) {
		return []*sla.Timer{} // nothing due
	}
	var found []*stored
	deadlines := 0
	var next positions
	next.push(s.due, 0)
	for len(next.p) > 0 && (limit <= 0 || len(found) < limit) {
		i := next.pop(s.due)
		e := s.due[i]
		if e.next.After(at) {
			break // the entries left come after e
		}
		if c := 2*i + 1; c < len(s.due) {
			next.push(s.due, c)
		}
		if c := 2*i + 2; c < len(s.due) {
			next.push(s.due, c)
		}
		if s.stale(e) {
			continue // a later write moved or cleared Next
		}
		r := s.timers[e.id]
		if keep == nil || keep(r) {
			found = append(found, r)
			deadlines += len(r.t.Deadlines)
		}
	}
	if len(found) == 0 {
		return []*sla.Timer{}
	}
	out := make([]*sla.Timer, len(found))
	copies := make([]sla.Timer, len(found))
	dl := make([]sla.Deadline, deadlines)
	for i, r := range found {
		if keep != nil {
			r.lease = l
		}
		n := len(r.t.Deadlines)
		copies[i].Deadlines = dl[:0:n]
		dl = dl[n:]
		r.t.CopyTo(&copies[i])
		out[i] = &copies[i]
	}
	return out
}

// stale reports whether a later write moved or cleared e's Next.
func (s *Store) stale(e dueEntry) bool {
	r, ok := s.timers[e.id]
	return !ok || r.stamp != e.stamp
}

// positions is a min-heap of positions in a dueHeap, ordered by their
// entries.
type positions struct{ p []int }

func (q *positions) push(h dueHeap, i int) {
	q.p = append(q.p, i)
	for j := len(q.p) - 1; j > 0; {
		up := (j - 1) / 2
		if !h[q.p[j]].before(h[q.p[up]]) {
			break
		}
		q.p[up], q.p[j] = q.p[j], q.p[up]
		j = up
	}
}

func (q *positions) pop(h dueHeap) int {
	top := q.p[0]
	n := len(q.p) - 1
	q.p[0] = q.p[n]
	q.p = q.p[:n]
	for j := 0; ; {
		l, least := 2*j+1, j
		if l < n && h[q.p[l]].before(h[q.p[least]]) {
			least = l
		}
		if r := l + 1; r < n && h[q.p[r]].before(h[q.p[least]]) {
			least = r
		}
		if least == j {
			break
		}
		q.p[j], q.p[least] = q.p[least], q.p[j]
		j = least
	}
	return top
}

// dueEntry is a timer's Next as one write stored it.
type dueEntry struct {
	next  time.Time
	id    string
	stamp uint64
}

func (a dueEntry) before(b dueEntry) bool {
	if c := a.next.Compare(b.next); c != 0 {
		return c < 0
	}
	return cmp.Less(a.id, b.id)
}

// dueHeap is a min-heap of entries by (next, id).
type dueHeap []dueEntry

func (h *dueHeap) push(e dueEntry) {
	*h = append(*h, e)
	h.up(len(*h) - 1)
}

func (h *dueHeap) pop() dueEntry {
	old := *h
	top := old[0]
	n := len(old) - 1
	old[0] = old[n]
	old[n] = dueEntry{}
	*h = old[:n]
	h.down(0)
	return top
}

func (h dueHeap) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !h[i].before(h[p]) {
			return
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (h dueHeap) down(i int) {
	for {
		l, least := 2*i+1, i
		if l < len(h) && h[l].before(h[least]) {
			least = l
		}
		if r := l + 1; r < len(h) && h[r].before(h[least]) {
			least = r
		}
		if least == i {
			return
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
}

func (h dueHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}
