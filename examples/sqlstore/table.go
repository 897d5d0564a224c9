package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/itsmkit/itsm/lifecycle"
)

// table maps one kind of record to its table: an id primary key, a version
// for optimistic concurrency, the record's queried fields as real, indexed
// columns, and the whole record as a JSON document (doc). Queries filter and
// sort on the columns only; doc is read back whole and never parsed by SQL.
//
// The SQL below is assembled once, from the constant names given here, never
// from input.
type table[T any] struct {
	db      *DB
	process string   // the process name in errors ("incident", ...)
	name    string   // the table's name
	cols    []string // the indexed columns after id, version and doc
	// fields names, for each of cols, the record's field (its JSON key)
	// that errors about the column's value name; "" when check covers
	// the column.
	fields  []string
	id      func(T) string
	version func(T) int64
	values  func(T) []any // the values of cols, in order
	zero    func() T      // a new, empty record to decode into
	// check, when set, reports text of x that the columns or side tables
	// derive from x could not store (see checkText), for the fields that
	// cols and fields do not cover one to one.
	check func(x T) error
	// sync, when set, runs in the writing transaction after the row is
	// stored, to maintain side tables (links) from x.
	sync func(ctx context.Context, tx *sql.Tx, x T) error

	sqlGet, sqlInsert, sqlUpdate, sqlVersion string
	// sqlRead reads the version of a record of a write's read set, under a
	// share lock on PostgreSQL (see commit).
	sqlRead string
}

// The queries of the guards table, which the read sets of every table
// share; a table's keys start with its process (see guardKey).
const (
	sqlGuardGet  = "SELECT version FROM guards WHERE key = ?"
	sqlGuardTake = "INSERT INTO guards (key, version) VALUES (?, 1) ON CONFLICT (key) DO NOTHING"
	sqlGuardBump = "UPDATE guards SET version = version + 1 WHERE key = ? AND version = ?"
)

func newTable[T any](db *DB, t table[T]) *table[T] {
	if len(t.fields) != len(t.cols) {
		panic("sqlstore: table " + t.name + ": one field name per column")
	}
	t.db = db
	all := append([]string{"id", "version", "doc"}, t.cols...)
	t.sqlGet = db.q("SELECT doc FROM " + t.name + " WHERE id = ?")
	t.sqlVersion = db.q("SELECT version FROM " + t.name + " WHERE id = ?")
	t.sqlRead = t.sqlVersion
	if db.dialect == Postgres {
		t.sqlRead = db.q("SELECT version FROM " + t.name + " WHERE id = ? FOR SHARE")
	}
	t.sqlInsert = db.q("INSERT INTO " + t.name + " (" + strings.Join(all, ", ") + ") VALUES (" + marks(len(all)) +
		") ON CONFLICT (id) DO NOTHING")
	set := make([]string, 0, len(all)-1)
	for _, c := range all[1:] {
		set = append(set, c+" = ?")
	}
	t.sqlUpdate = db.q("UPDATE " + t.name + " SET " + strings.Join(set, ", ") + " WHERE id = ? AND version = ?")
	return &t
}

// get reads the record id through q (the reader pool or a transaction).
// An ID that no record can have is ErrNotFound at once.
func (t *table[T]) get(ctx context.Context, q querier, id string) (T, error) {
	if !storable(id) {
		var zero T
		if err := ctx.Err(); err != nil {
			return zero, err
		}
		return zero, lifecycle.NotFound(t.process, strconv.QuoteToASCII(id))
	}
	var doc []byte
	err := q.QueryRowContext(ctx, t.sqlGet, id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, lifecycle.NotFound(t.process, id)
	}
	if err != nil {
		var zero T
		return zero, fmt.Errorf("sqlstore: get %s %s: %w", t.process, id, err)
	}
	return t.decode(doc)
}

func (t *table[T]) decode(doc []byte) (T, error) {
	x := t.zero()
	if err := json.Unmarshal(doc, x); err != nil {
		var zero T
		return zero, fmt.Errorf("sqlstore: decode %s: %w", t.process, err)
	}
	return x, nil
}

// validate returns a *lifecycle.ValidationError when x, or one of events,
// holds text that the store cannot keep as it is (see checkText and
// checkUTF8). The ID is checked by the callers: it decides between
// ErrValidation (create) and ErrNotFound (update).
func (t *table[T]) validate(x T, events []lifecycle.Notification) error {
	for i, v := range t.values(x) {
		if s, ok := v.(string); ok && t.fields[i] != "" {
			if err := checkText(t.fields[i], s); err != nil {
				return err
			}
		}
	}
	if t.check != nil {
		if err := t.check(x); err != nil {
			return err
		}
	}
	if err := checkUTF8("", x); err != nil {
		return err
	}
	return checkEvents(events)
}

// encode validates x and events, then encodes x.
func (t *table[T]) encode(x T, events []lifecycle.Notification) ([]byte, error) {
	if err := t.validate(x, events); err != nil {
		return nil, fmt.Errorf("sqlstore: %s %s: %w", t.process, strconv.QuoteToASCII(t.id(x)), err)
	}
	doc, err := json.Marshal(x)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: encode %s: %w", t.process, err)
	}
	return doc, nil
}

func (t *table[T]) createTx(ctx context.Context, tx *sql.Tx, x T, doc []byte) error {
	id := t.id(x)
	args := append([]any{id, t.version(x), doc}, t.values(x)...)
	return t.write(ctx, tx, "create", x, t.sqlInsert, args, func(wrap func(error) error) error {
		var found int64
		if err := tx.QueryRowContext(ctx, t.sqlVersion, id).Scan(&found); err != nil {
			return wrap(err)
		}
		return lifecycle.Conflict(t.process, id, 0, found)
	})
}

func (t *table[T]) updateTx(ctx context.Context, tx *sql.Tx, x T, doc []byte, expected int64) error {
	id := t.id(x)
	args := append([]any{t.version(x), doc}, t.values(x)...)
	args = append(args, id, expected)
	return t.write(ctx, tx, "update", x, t.sqlUpdate, args, func(wrap func(error) error) error {
		var found int64
		err := tx.QueryRowContext(ctx, t.sqlVersion, id).Scan(&found)
		if errors.Is(err, sql.ErrNoRows) {
			return lifecycle.NotFound(t.process, id)
		}
		if err != nil {
			return wrap(err)
		}
		return lifecycle.Conflict(t.process, id, expected, found)
	})
}

// write runs the insert or update (op) of x, query with args, in tx, then
// t.sync. When the statement changes no row, miss answers why (a conflict,
// ErrNotFound), with wrap for the errors of its own query.
func (t *table[T]) write(ctx context.Context, tx *sql.Tx, op string, x T, query string, args []any,
	miss func(wrap func(error) error) error) error {
	wrap := func(err error) error { return fmt.Errorf("sqlstore: %s %s %s: %w", op, t.process, t.id(x), err) }
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return wrap(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap(err)
	} else if n == 0 {
		return miss(wrap)
	}
	if t.sync != nil {
		if err := t.sync(ctx, tx, x); err != nil {
			return wrap(err)
		}
	}
	return nil
}

// list runs a query returning doc in its first column and decodes each row.
func (t *table[T]) list(ctx context.Context, query string, args ...any) ([]T, error) {
	rows, err := t.db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: list %s: %w", t.process, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("sqlstore: list %s: %w", t.process, err)
		}
		x, err := t.decode(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: list %s: %w", t.process, err)
	}
	return out, nil
}
