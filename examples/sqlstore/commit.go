package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/itsmkit/itsm/lifecycle"
)

// commit stores w in one write transaction, as lifecycle.Committer
// describes: it checks the records of w.Reads, bumps its guards, then
// creates (w.Expected 0) or updates the record and stores w.Events. Any
// refusal rolls all of it back.
//
// The check and the write are one atomic step on both dialects. On SQLite
// the writer's transactions begin IMMEDIATE (see openSQLite), so they hold
// the database's write lock from their first statement: nothing changes
// between a read and the commit. On PostgreSQL each record read takes a
// share lock (FOR SHARE), on which a writer of that record waits until
// this transaction ends, and each guard is bumped by a conditional UPDATE
// (or an INSERT for a guard seen at 0) that waits for a concurrent bump
// and then sees its result. Two writes that each read the record the other
// writes can deadlock on those locks; PostgreSQL aborts one, which comes
// back as a read conflict (see transient), for the kernel to retry. Records
// and guards are locked in key order, so that writes over overlapping read
// sets rarely deadlock.
func (t *table[T]) commit(ctx context.Context, w lifecycle.Write[T]) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	id := t.id(w.Record)
	if w.Expected == 0 {
		if err := checkText("id", id); err != nil {
			return fmt.Errorf("sqlstore: create %s %s: %w", t.process, strconv.QuoteToASCII(id), err)
		}
	} else if !storable(id) {
		return lifecycle.NotFound(t.process, strconv.QuoteToASCII(id))
	}
	doc, err := t.encode(w.Record, w.Events)
	if err != nil {
		return err
	}
	if err := checkLogs(w.History, w.Journal); err != nil {
		return fmt.Errorf("sqlstore: %s %s: %w", t.process, strconv.QuoteToASCII(id), err)
	}
	records, guards, err := t.sortReads(w.Reads)
	if err != nil {
		return err
	}
	err = t.db.inTx(ctx, func(tx *sql.Tx) error {
		if err := t.checkRecords(ctx, tx, records); err != nil {
			return err
		}
		if err := t.bumpGuards(ctx, tx, guards); err != nil {
			return err
		}
		write := t.createTx
		if w.Expected > 0 {
			write = func(ctx context.Context, tx *sql.Tx, x T, doc []byte) error {
				return t.updateTx(ctx, tx, x, doc, w.Expected)
			}
		}
		if err := write(ctx, tx, w.Record, doc); err != nil {
			return err
		}
		if err := t.redact(ctx, tx, id, w.Redactions); err != nil {
			return err
		}
		if err := t.appendLogs(ctx, tx, id, w.History, w.Journal); err != nil {
			return err
		}
		return t.db.insertEvents(ctx, tx, w.Events)
	})
	if transient(err) {
		return t.transientConflict(ctx, id, w.Expected, err)
	}
	if err == nil && len(w.Events) > 0 {
		t.db.signal()
	}
	return err
}

// sortReads returns copies of the records and guards of reads, sorted by
// key and without repeated entries. A guard key that no text column can hold is a
// *lifecycle.ValidationError: such a guard cannot be bumped.
func (t *table[T]) sortReads(reads lifecycle.ReadSet) (records, guards []lifecycle.Seen, err error) {
	bySeen := func(a, b lifecycle.Seen) int {
		return cmp.Or(cmp.Compare(a.Key, b.Key), cmp.Compare(a.Version, b.Version))
	}
	records = slices.Clone(reads.Records)
	slices.SortFunc(records, bySeen)
	records = slices.Compact(records)
	guards = make([]lifecycle.Seen, 0, len(reads.Guards))
	for _, g := range reads.Guards {
		if err := checkText("reads.guards", g.Key); err != nil {
			return nil, nil, fmt.Errorf("sqlstore: %s guard %s: %w", t.process, strconv.QuoteToASCII(g.Key), err)
		}
		guards = append(guards, g)
	}
	slices.SortFunc(guards, bySeen)
	return records, slices.Compact(guards), nil
}

// guardKey is the key of the process's guard key in the guards table,
// which every process shares: the process name, a slash, then key.
func (t *table[T]) guardKey(key string) string { return t.process + "/" + key }

// checkRecords returns a read conflict for the first of records (in order)
// whose stored version, 0 for a record that does not exist, is not the one
// seen. On PostgreSQL each existing record stays share-locked until the
// transaction ends.
func (t *table[T]) checkRecords(ctx context.Context, tx *sql.Tx, records []lifecycle.Seen) error {
	for _, r := range records {
		var found int64
		if storable(r.Key) { // an ID no column can hold names no record
			err := tx.QueryRowContext(ctx, t.sqlRead, r.Key).Scan(&found)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("sqlstore: %s read %s: %w", t.process, r.Key, err)
			}
		}
		if found != r.Version {
			return lifecycle.ReadConflict(t.process, r.Key, r.Version, found)
		}
	}
	return nil
}

// bumpGuards bumps each of guards from the version seen
// to the next, inserting a guard seen at 0, and returns a read conflict
// for the first that is not at the version seen.
func (t *table[T]) bumpGuards(ctx context.Context, tx *sql.Tx, guards []lifecycle.Seen) error {
	for _, g := range guards {
		key := t.guardKey(g.Key)
		wrap := func(err error) error { return fmt.Errorf("sqlstore: %s guard %s: %w", t.process, g.Key, err) }
		var res sql.Result
		var err error
		if g.Version == 0 {
			res, err = tx.ExecContext(ctx, t.db.q(sqlGuardTake), key)
		} else {
			res, err = tx.ExecContext(ctx, t.db.q(sqlGuardBump), key, g.Version)
		}
		if err != nil {
			return wrap(err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return wrap(err)
		}
		if n == 1 {
			continue
		}
		var found int64
		err = tx.QueryRowContext(ctx, t.db.q(sqlGuardGet), key).Scan(&found)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return wrap(err)
		}
		return lifecycle.ReadConflict(t.process, g.Key, g.Version, found)
	}
	return nil
}

// guard returns the version of the process's guard key: 0 when no write
// has taken it, which is so of every key that no text column can hold.
func (t *table[T]) guard(ctx context.Context, key string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	k := t.guardKey(key)
	if !storable(k) {
		return 0, nil
	}
	var v int64
	err := t.db.r.QueryRowContext(ctx, t.db.q(sqlGuardGet), k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sqlstore: %s guard %s: %w", t.process, key, err)
	}
	return v, nil
}

// transient reports whether err is a PostgreSQL deadlock (40P01) or
// serialization failure (40001): the transaction was aborted because of a
// concurrent one and, run again, may well succeed.
func transient(err error) bool {
	var e interface{ SQLState() string }
	if !errors.As(err, &e) {
		return false
	}
	switch e.SQLState() {
	case "40P01", "40001":
		return true
	}
	return false
}

// transientConflict is the read conflict of a Commit of record id, over
// version expected, that PostgreSQL aborted with cause (see transient):
// what it read changed under it. It carries the version stored now and
// wraps cause for its message.
func (t *table[T]) transientConflict(ctx context.Context, id string, expected int64, cause error) error {
	var found int64
	err := t.db.w.QueryRowContext(ctx, t.sqlVersion, id).Scan(&found)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		// Without the stored version, the conflict still stands.
		found = expected
		cause = errors.Join(cause, err)
	}
	return fmt.Errorf("%w: %w", lifecycle.ReadConflict(t.process, id, expected, found), cause)
}
