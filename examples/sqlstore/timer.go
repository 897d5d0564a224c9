package sqlstore

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
)

// TimerStore keeps SLA timers in the sla_timers table, with Next as an
// indexed column (next_at, Unix nanoseconds) for Due and Claim, and a lease
// (lease_owner, lease_until) for Claim. It implements sla.Store,
// sla.Claimer and lifecycle.Outbox, so an sla.Engine over it stores each
// warning and breach with the timer that fired it. Commit's update of a
// timer leaves its lease alone.
type TimerStore struct {
	records[*sla.Timer]
}

var (
	_ sla.Store          = (*TimerStore)(nil)
	_ sla.Claimer        = (*TimerStore)(nil)
	_ sla.ClaimCommitter = (*TimerStore)(nil)
	_ lifecycle.Outbox   = (*TimerStore)(nil)
)

// Timers returns the SLA timer store of db.
func (db *DB) Timers() *TimerStore {
	return &TimerStore{recordsOf(newTable(db, table[*sla.Timer]{
		process: sla.Process,
		name:    "sla_timers",
		cols:    []string{"record_id", "agreement_id", "stage", "breached", "next_at", "updated_at"},
		fields:  []string{"record_id", "agreement_id", "stage", "breached", "next_deadline", "updated_at"},
		id:      func(t *sla.Timer) string { return t.ID },
		version: func(t *sla.Timer) int64 { return t.Version },
		values: func(t *sla.Timer) []any {
			return []any{t.RecordID, t.AgreementID, string(t.Stage), t.Breached, nanos(t.Next), nanos(t.UpdatedAt)}
		},
		zero: func() *sla.Timer { return new(sla.Timer) },
	}))}
}

// ListByRecord implements sla.Store.
func (s *TimerStore) ListByRecord(ctx context.Context, recordID string) ([]*sla.Timer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !storable(recordID) {
		return nil, nil // no record has that ID
	}
	return s.t.list(ctx, s.t.db.q(`SELECT doc FROM sla_timers WHERE record_id = ? ORDER BY id`), recordID)
}

// Due implements sla.Store.
func (s *TimerStore) Due(ctx context.Context, at time.Time, limit int) ([]*sla.Timer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.t.list(ctx, s.t.db.q(`SELECT doc FROM sla_timers
WHERE next_at IS NOT NULL AND next_at <= ? ORDER BY next_at, id LIMIT ?`), clampNanos(at), s.t.db.limit(limit))
}

// Claim implements sla.Claimer. One statement selects the due timers that
// are free (never leased, leased to owner, or with a lease ended by at) and
// leases them to owner until at+lease: UPDATE ... WHERE id IN (SELECT ...)
// RETURNING. On PostgreSQL the selection is FOR UPDATE SKIP LOCKED, so
// replicas claiming at the same moment take disjoint timers instead of
// waiting for each other; on SQLite the writer serializes claims.
func (s *TimerStore) Claim(ctx context.Context, owner string, at time.Time, limit int, lease time.Duration) ([]*sla.Timer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkText("owner", owner); err != nil {
		return nil, fmt.Errorf("sqlstore: claim timers: %w", err)
	}
	db := s.t.db
	free := `SELECT id FROM sla_timers
WHERE next_at IS NOT NULL AND next_at <= ? AND (lease_owner = '' OR lease_owner = ? OR lease_until <= ?)
ORDER BY next_at, id LIMIT ?`
	if db.dialect == Postgres {
		free += ` FOR UPDATE SKIP LOCKED`
	}
	atN := clampNanos(at)
	rows, err := db.w.QueryContext(ctx, db.q(`UPDATE sla_timers SET lease_owner = ?, lease_until = ?
WHERE id IN (`+free+`) RETURNING next_at, id, doc`), owner, clampNanos(at.Add(lease)), atN, owner, atN, db.limit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: claim timers: %w", err)
	}
	defer rows.Close()
	type claimed struct {
		next int64
		t    *sla.Timer
	}
	var out []claimed
	for rows.Next() {
		var c claimed
		var id string
		var doc []byte
		if err := rows.Scan(&c.next, &id, &doc); err != nil {
			return nil, fmt.Errorf("sqlstore: claim timers: %w", err)
		}
		if c.t, err = s.t.decode(doc); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: claim timers: %w", err)
	}
	// RETURNING keeps no order: sort as the selection did.
	slices.SortFunc(out, func(a, b claimed) int { return cmp.Or(cmp.Compare(a.next, b.next), strings.Compare(a.t.ID, b.t.ID)) })
	ts := make([]*sla.Timer, len(out))
	for i, c := range out {
		ts[i] = c.t
	}
	return ts, nil
}

// CommitClaimed implements sla.ClaimCommitter. In one transaction, one
// UPDATE ... FROM the writes (arrays unnested on PostgreSQL, a JSON array
// through json_each on SQLite) stores every timer whose row is at the
// write's expected version and still leased to owner, and one INSERT
// queues the events of those timers in the outbox. A write whose lease
// another owner took, or whose version moved, changes nothing.
func (s *TimerStore) CommitClaimed(ctx context.Context, owner string, writes []lifecycle.Write[*sla.Timer]) ([]error, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkText("owner", owner); err != nil {
		return nil, fmt.Errorf("sqlstore: commit claimed timers: %w", err)
	}
	t := s.t
	db := t.db
	errs := make([]error, len(writes))
	queue := make([][]outboxEvent, len(writes)) // the encoded events of each write
	var rows []claimedRow
	index := map[string]int{} // timer ID -> its write
	for i, w := range writes {
		if err := t.checkClaimed(w); err != nil {
			errs[i] = err
			continue
		}
		if _, dup := index[w.Record.ID]; dup {
			errs[i] = fmt.Errorf("sqlstore: commit claimed timers: timer %s is written twice: %w",
				w.Record.ID, lifecycle.Conflict(t.process, w.Record.ID, w.Expected, w.Expected))
			continue
		}
		doc, events, err := s.encodeClaimed(w)
		if err != nil {
			errs[i] = err
			continue
		}
		queue[i] = events
		v := t.values(w.Record)
		next, updated := v[4].(sql.NullInt64), v[5].(sql.NullInt64)
		rows = append(rows, claimedRow{
			ID: w.Record.ID, Expected: w.Expected, Version: w.Record.Version, Doc: string(doc),
			RecordID: w.Record.RecordID, AgreementID: w.Record.AgreementID, Stage: string(w.Record.Stage),
			Breached: w.Record.Breached, NextAt: nullable(next), UpdatedAt: nullable(updated),
		})
		index[w.Record.ID] = i
	}
	if len(rows) == 0 {
		return errs, nil
	}
	args, err := db.claimedArgs(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: commit claimed timers: %w", err)
	}
	var queued bool
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		queued = false
		stored, err := queryIDs(ctx, tx, db.q(db.sqlCommitClaimed()), append(args, owner)...)
		if err != nil {
			return err
		}
		var events []outboxEvent
		var missed []string
		for _, r := range rows {
			i := index[r.ID]
			if stored[r.ID] {
				errs[i] = nil
				events = append(events, queue[i]...)
			} else {
				missed = append(missed, r.ID)
			}
		}
		err = t.whyMissed(ctx, tx, missed, func(id string, version int64, leased string, exists bool) {
			i := index[id]
			switch {
			case !exists:
				errs[i] = lifecycle.NotFound(t.process, id)
			case leased != owner:
				errs[i] = fmt.Errorf("sqlstore: timer %s is leased to %q, not %q: %w", id, leased, owner,
					lifecycle.Conflict(t.process, id, writes[i].Expected, version))
			default:
				errs[i] = lifecycle.Conflict(t.process, id, writes[i].Expected, version)
			}
		})
		if err != nil {
			return err
		}
		queued = len(events) > 0
		return db.insertEventBatch(ctx, tx, events)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: commit claimed timers: %w", err)
	}
	if queued {
		db.signal()
	}
	return errs, nil
}

// encodeClaimed validates and encodes the timer and the events of w as
// Commit does (table.encode, then the outbox), walking the values for
// invalid UTF-8 only when an encoding shows some: encoding/json writes
// each invalid byte of a string as \ufffd and a valid U+FFFD as itself,
// so a document without that escape holds valid text throughout.
func (s *TimerStore) encodeClaimed(w lifecycle.Write[*sla.Timer]) ([]byte, []outboxEvent, error) {
	t := s.t
	refuse := func(err error) error {
		return fmt.Errorf("sqlstore: %s %s: %w", t.process, strconv.QuoteToASCII(w.Record.ID), err)
	}
	for i, v := range t.values(w.Record) {
		if text, ok := v.(string); ok && t.fields[i] != "" {
			if err := checkText(t.fields[i], text); err != nil {
				return nil, nil, refuse(err)
			}
		}
	}
	if t.check != nil {
		if err := t.check(w.Record); err != nil {
			return nil, nil, refuse(err)
		}
	}
	doc, err := json.Marshal(w.Record)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: encode %s: %w", t.process, err)
	}
	replaced := bytes.Contains(doc, []byte(`\ufffd`))
	events := make([]outboxEvent, len(w.Events))
	for i, e := range w.Events {
		if err := checkEventText(e); err != nil {
			return nil, nil, refuse(err)
		}
		if events[i], err = encodeEvent(e); err != nil {
			return nil, nil, err
		}
		replaced = replaced || strings.Contains(events[i].Doc, `\ufffd`)
	}
	if replaced {
		if _, err := t.encode(w.Record, w.Events); err != nil {
			return nil, nil, err
		}
	}
	return doc, events, nil
}

// claimedRow is one write of CommitClaimed, as its UPDATE reads it.
type claimedRow struct {
	ID          string `json:"id"`
	Expected    int64  `json:"expected"`
	Version     int64  `json:"version"`
	Doc         string `json:"doc"`
	RecordID    string `json:"record_id"`
	AgreementID string `json:"agreement_id"`
	Stage       string `json:"stage"`
	Breached    bool   `json:"breached"`
	NextAt      *int64 `json:"next_at"`
	UpdatedAt   *int64 `json:"updated_at"`
}

func nullable(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	return &n.Int64
}

// claimedArgs returns the writes of CommitClaimed as the arguments of its
// UPDATE before the owner: one array per column on PostgreSQL (they
// travel in binary and need no parsing), a JSON array on SQLite.
func (db *DB) claimedArgs(rows []claimedRow) ([]any, error) {
	if db.dialect != Postgres {
		payload, err := json.Marshal(rows)
		return []any{payload}, err
	}
	n := len(rows)
	ids, docs, records, agreements, stages := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	expected, versions := make([]int64, n), make([]int64, n)
	breached := make([]bool, n)
	next, updated := make([]*int64, n), make([]*int64, n)
	for i, r := range rows {
		ids[i], docs[i], records[i], agreements[i], stages[i] = r.ID, r.Doc, r.RecordID, r.AgreementID, r.Stage
		expected[i], versions[i], breached[i], next[i], updated[i] = r.Expected, r.Version, r.Breached, r.NextAt, r.UpdatedAt
	}
	return []any{ids, expected, versions, docs, records, agreements, stages, breached, next, updated}, nil
}

// sqlCommitClaimed is CommitClaimed's UPDATE: its parameters are
// claimedArgs and the owner; it returns the IDs of the timers it stored.
func (db *DB) sqlCommitClaimed() string {
	set := `SET version = w.version, doc = %s, record_id = w.record_id, agreement_id = w.agreement_id,
	stage = w.stage, breached = w.breached, next_at = w.next_at, updated_at = w.updated_at`
	if db.dialect == Postgres {
		return `UPDATE sla_timers AS t ` + fmt.Sprintf(set, "CAST(w.doc AS json)") + `
FROM unnest(CAST(? AS text[]), CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS text[]), CAST(? AS text[]),
	CAST(? AS text[]), CAST(? AS text[]), CAST(? AS boolean[]), CAST(? AS bigint[]), CAST(? AS bigint[]))
	AS w(id, expected, version, doc, record_id, agreement_id, stage, breached, next_at, updated_at)
WHERE t.id = w.id AND t.version = w.expected AND t.lease_owner = ?
RETURNING t.id`
	}
	return `UPDATE sla_timers AS t ` + fmt.Sprintf(set, "w.doc") + `
FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.expected') AS expected,
	json_extract(value, '$.version') AS version, json_extract(value, '$.doc') AS doc,
	json_extract(value, '$.record_id') AS record_id, json_extract(value, '$.agreement_id') AS agreement_id,
	json_extract(value, '$.stage') AS stage, json_extract(value, '$.breached') AS breached,
	json_extract(value, '$.next_at') AS next_at, json_extract(value, '$.updated_at') AS updated_at
	FROM json_each(?)) AS w
WHERE t.id = w.id AND t.version = w.expected AND t.lease_owner = ?
RETURNING id`
}

// checkClaimed returns why the store refuses w before any query: a
// create, a read set, logs, or an ID no timer can have.
func (t *table[T]) checkClaimed(w lifecycle.Write[*sla.Timer]) error {
	id := w.Record.ID
	switch {
	case w.Expected <= 0:
		return lifecycle.Invalid("expected", "timer %s: CommitClaimed updates claimed timers; create with Commit", strconv.QuoteToASCII(id))
	case !w.Reads.Empty():
		return lifecycle.Invalid("reads", "timer %s: CommitClaimed reads nothing", strconv.QuoteToASCII(id))
	case len(w.History) > 0 || len(w.Journal) > 0 || len(w.Redactions) > 0:
		return lifecycle.Invalid("history", "timer %s: timers keep no history or journal", strconv.QuoteToASCII(id))
	case !storable(id):
		return lifecycle.NotFound(t.process, strconv.QuoteToASCII(id))
	}
	return nil
}

// whyMissed calls miss with the stored version and lease owner of each
// timer of ids, exists false for those that are not stored.
func (t *table[T]) whyMissed(ctx context.Context, tx *sql.Tx, ids []string, miss func(id string, version int64, leased string, exists bool)) error {
	if len(ids) == 0 {
		return nil
	}
	w := t.db.where()
	w.inValues("id", ids)
	rows, err := tx.QueryContext(ctx, t.db.q(`SELECT id, version, lease_owner FROM sla_timers`+w.sql()), w.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	found := map[string]bool{}
	for rows.Next() {
		var id, leased string
		var version int64
		if err := rows.Scan(&id, &version, &leased); err != nil {
			return err
		}
		found[id] = true
		miss(id, version, leased, true)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for _, id := range ids {
		if !found[id] {
			miss(id, 0, "", false)
		}
	}
	return nil
}

// queryIDs runs query, which returns IDs, and returns them as a set.
func queryIDs(ctx context.Context, q querier, query string, args ...any) (map[string]bool, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids[id] = true
	}
	return ids, rows.Err()
}

// limit renders a LIMIT argument: limit, or no limit when limit <= 0
// (NULL on PostgreSQL, -1 on SQLite).
func (db *DB) limit(limit int) any {
	if limit > 0 {
		return limit
	}
	if db.dialect == Postgres {
		return nil
	}
	return -1
}
