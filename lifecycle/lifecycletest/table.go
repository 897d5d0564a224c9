package lifecycletest

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/itsmkit/itsm/lifecycle"
)

// Table is the record-keeping half of an in-memory process store: records
// by ID, private copies in and out, and [lifecycle.Committer] over them
// with the read-set check ([Guards]) under the same lock as the records.
// Each process's test store embeds one and adds its own queries, which
// read the records through [Table.Scan].
//
// Set Process, Key and Clone before first use; the other fields are
// optional. A Table is safe for concurrent use.
type Table[T any] struct {
	// Process names the process in errors: "incident", "problem", ...
	Process string
	// Key returns a record's ID and version.
	Key func(T) (id string, version int64)
	// Clone returns a deep copy of a record.
	Clone func(T) T
	// OnCommit, when set, runs under the table's write lock once a
	// commit's version and read-set checks have passed, before x (the
	// table's own copy of the record) is stored; old is the record x
	// replaces, had false on a create. It refuses the write by returning
	// an error, having changed nothing; otherwise it keeps the store's
	// indexes, or the stored parts of old that the contract says never
	// change, and returns nil.
	OnCommit func(old T, had bool, x T) error

	mu      sync.RWMutex
	rows    map[string]T
	history map[string][]lifecycle.Record // appended by Commit, never rewritten
	journal map[string][]lifecycle.Entry  // appended by Commit, numbered here
	guards  Guards
}

// Get returns a copy of record id, or an error matching
// lifecycle.ErrNotFound.
func (t *Table[T]) Get(ctx context.Context, id string) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	x, ok := t.rows[id]
	if !ok {
		return zero, lifecycle.NotFound(t.Process, id)
	}
	return t.Clone(x), nil
}

// Guard returns the version of the guard key (0 until a write takes it).
func (t *Table[T]) Guard(ctx context.Context, key string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.guards.Version(key), nil
}

// Commit stores a copy of w.Record if its stored version is w.Expected
// (0: no such record yet), w.Reads is unchanged and w.History follows on
// from the stored history; it appends w.History and w.Journal (numbering
// the entries), blanks the fields of w.Redactions and bumps the guards of
// w.Reads, all under one lock. It
// ignores w.Events: a Table is not an outbox.
func (t *Table[T]) Commit(ctx context.Context, w lifecycle.Write[T]) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	id, _ := t.Key(w.Record)
	if id == "" {
		return lifecycle.Invalid("id", "required")
	}
	c := t.Clone(w.Record)
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.guards.CheckWrite(t.Process, id, w.Expected, w.Reads, t.version); err != nil {
		return err
	}
	if err := lifecycle.CheckAppend(len(t.history[id]), w.History); err != nil {
		return err
	}
	for _, r := range w.Redactions {
		if n := map[string]int{lifecycle.LogHistory: len(t.history[id]), lifecycle.LogJournal: len(t.journal[id])}[r.Log]; r.Seq < 1 || r.Seq > n {
			return lifecycle.NoSuchEntry(r)
		}
	}
	old, had := t.rows[id]
	if t.OnCommit != nil {
		if err := t.OnCommit(old, had, c); err != nil {
			return err
		}
	}
	if t.rows == nil {
		t.rows = map[string]T{}
		t.history = map[string][]lifecycle.Record{}
		t.journal = map[string][]lifecycle.Entry{}
	}
	t.rows[id] = c
	if len(w.History) > 0 {
		t.history[id] = append(t.history[id], lifecycle.CloneHistory(w.History)...)
	}
	for _, r := range w.Redactions {
		if r.Log == lifecycle.LogHistory {
			t.history[id][r.Seq-1] = lifecycle.RedactRecord(t.history[id][r.Seq-1], r)
		} else {
			t.journal[id][r.Seq-1] = lifecycle.RedactEntry(t.journal[id][r.Seq-1], r)
		}
	}
	for _, e := range w.Journal {
		e.Seq = len(t.journal[id]) + 1
		t.journal[id] = append(t.journal[id], e)
	}
	t.guards.Bump(w.Reads)
	return nil
}

// version returns the stored version of record id, 0 if there is none.
// The caller holds the lock.
func (t *Table[T]) version(id string) int64 {
	x, ok := t.rows[id]
	if !ok {
		return 0
	}
	_, v := t.Key(x)
	return v
}

// History returns a page of the history of record id: the records with
// Seq above after, oldest first, at most limit (lifecycle.DefaultListLimit
// when limit <= 0), as copies.
func (t *Table[T]) History(ctx context.Context, id string, after, limit int) ([]lifecycle.Record, error) {
	page, err := readPage(ctx, t, id, func() map[string][]lifecycle.Record { return t.history }, after, limit)
	return lifecycle.CloneHistory(page), err
}

// Journal returns a page of the journal of record id, as History does.
func (t *Table[T]) Journal(ctx context.Context, id string, after, limit int) ([]lifecycle.Entry, error) {
	page, err := readPage(ctx, t, id, func() map[string][]lifecycle.Entry { return t.journal }, after, limit)
	return slices.Clone(page), err
}

// readPage returns a page of record id's log in the map logs returns, read
// under t's read lock; an unknown record is lifecycle.ErrNotFound. The
// caller copies the page.
func readPage[T, E any](ctx context.Context, t *Table[T], id string, logs func() map[string][]E, after, limit int) ([]E, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	if _, ok := t.rows[id]; !ok {
		return nil, lifecycle.NotFound(t.Process, id)
	}
	return pageOf(logs()[id], after, limit), nil
}

// pageOf returns the entries of log (numbered 1, 2, 3... by position)
// after position after, at most limit of them.
func pageOf[E any](log []E, after, limit int) []E {
	if limit <= 0 {
		limit = lifecycle.DefaultListLimit
	}
	after = max(after, 0)
	if after >= len(log) {
		return []E{}
	}
	return log[after:min(len(log), after+limit)]
}

// Select returns copies of the stored records match accepts, in
// ascending ID order (byte-wise), read under the table's read lock. match
// must not keep or change the record it is given.
func (t *Table[T]) Select(ctx context.Context, match func(T) bool) ([]T, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	t.mu.RLock()
	var out []T
	for _, x := range t.rows {
		if match(x) {
			out = append(out, t.Clone(x))
		}
	}
	t.mu.RUnlock()
	slices.SortFunc(out, func(a, b T) int {
		ia, _ := t.Key(a)
		ib, _ := t.Key(b)
		return strings.Compare(ia, ib)
	})
	return out, nil
}

// View calls f under the table's read lock with a lookup of the stored
// records, for a query that walks an index the embedding store keeps with
// OnCommit. f must not keep or change the records it looks up: it clones
// what it returns.
func (t *Table[T]) View(f func(lookup func(id string) (T, bool))) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	f(func(id string) (T, bool) {
		x, ok := t.rows[id]
		return x, ok
	})
}

// Len returns the number of stored records.
func (t *Table[T]) Len() int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.rows)
}
