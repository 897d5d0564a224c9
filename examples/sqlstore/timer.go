package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
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
	_ sla.Store        = (*TimerStore)(nil)
	_ sla.Claimer      = (*TimerStore)(nil)
	_ lifecycle.Outbox = (*TimerStore)(nil)
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

// Claim implements sla.Claimer. In one transaction it selects the due
// timers that are free (never leased, leased to owner, or with a lease
// ended by at) and leases them to owner until at+lease. On PostgreSQL the
// selection is SELECT ... FOR UPDATE SKIP LOCKED, so replicas claiming at
// the same moment take disjoint timers instead of waiting for each other;
// on SQLite the write transaction serializes claims.
func (s *TimerStore) Claim(ctx context.Context, owner string, at time.Time, limit int, lease time.Duration) ([]*sla.Timer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkText("owner", owner); err != nil {
		return nil, fmt.Errorf("sqlstore: claim timers: %w", err)
	}
	db := s.t.db
	query := `SELECT id, doc FROM sla_timers
WHERE next_at IS NOT NULL AND next_at <= ? AND (lease_owner = '' OR lease_owner = ? OR lease_until <= ?)
ORDER BY next_at, id LIMIT ?`
	if db.dialect == Postgres {
		query += ` FOR UPDATE SKIP LOCKED`
	}
	atN := clampNanos(at)
	var out []*sla.Timer
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, db.q(query), atN, owner, atN, db.limit(limit))
		if err != nil {
			return err
		}
		var ids []string
		for rows.Next() {
			var id string
			var doc []byte
			if err := rows.Scan(&id, &doc); err != nil {
				rows.Close()
				return err
			}
			t, err := s.t.decode(doc)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, t)
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		w := db.where()
		w.inValues("id", ids)
		args := append([]any{owner, clampNanos(at.Add(lease))}, w.args...)
		_, err = tx.ExecContext(ctx, db.q(`UPDATE sla_timers SET lease_owner = ?, lease_until = ?`+w.sql()), args...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlstore: claim timers: %w", err)
	}
	return out, nil
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
