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

	mu     sync.RWMutex
	rows   map[string]T
	guards Guards
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
// (0: no such record yet) and w.Reads is unchanged, and then bumps the
// guards of w.Reads, all under one lock. It ignores w.Events: a Table is
// not an outbox.
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
	old, had := t.rows[id]
	if t.OnCommit != nil {
		if err := t.OnCommit(old, had, c); err != nil {
			return err
		}
	}
	if t.rows == nil {
		t.rows = map[string]T{}
	}
	t.rows[id] = c
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
