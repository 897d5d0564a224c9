package sqlstore

import (
	"context"

	"github.com/itsmkit/itsm/lifecycle"
)

// records is what the stores of the processes (incidents, problems,
// changes, SLA timers) offer over their table alike: Get, Guard, Commit
// and StoresEvents. Each store embeds it and adds its queries.
type records[T any] struct {
	t *table[T]
}

// recordsOf returns the records of t.
func recordsOf[T any](t *table[T]) records[T] { return records[T]{t} }

// Get reads the record id: lifecycle.ErrNotFound when there is none.
func (s records[T]) Get(ctx context.Context, id string) (T, error) {
	return s.t.get(ctx, s.t.db.r, id)
}

// Guard implements lifecycle.GuardReader: the guards of all processes
// share the guards table, each key prefixed with the process and a slash
// ("incident/", ...).
func (s records[T]) Guard(ctx context.Context, key string) (int64, error) {
	return s.t.guard(ctx, key)
}

// Commit implements lifecycle.Committer: the read set is checked, its
// guards bumped, and the record and w.Events stored, in one transaction.
func (s records[T]) Commit(ctx context.Context, w lifecycle.Write[T]) error {
	return s.t.commit(ctx, w)
}

// StoresEvents implements lifecycle.Outbox: Commit stores a write's
// events in the outbox table, in the record's transaction.
func (s records[T]) StoresEvents() bool { return true }

// logged is records of a process that keeps a history and a journal
// (incidents and problems): it adds History and Journal.
type logged[T any] struct {
	records[T]
}

// loggedOf returns the logged records of t.
func loggedOf[T any](t *table[T]) logged[T] { return logged[T]{recordsOf(t)} }

// History implements lifecycle.HistoryReader: a page of the record's
// history, from the history table.
func (s logged[T]) History(ctx context.Context, id string, after, limit int) ([]lifecycle.Record, error) {
	return s.t.history(ctx, id, after, limit)
}

// Journal implements lifecycle.JournalReader: a page of the record's
// comments and work notes, from the journal table.
func (s logged[T]) Journal(ctx context.Context, id string, after, limit int) ([]lifecycle.Entry, error) {
	return s.t.journal(ctx, id, after, limit)
}
