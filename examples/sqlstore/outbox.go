package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
)

// timeNow is the wall clock for bookkeeping columns (when an event was
// queued or delivered); records carry their own times from the services'
// clocks.
var timeNow = time.Now

// insertEvents queues events in the outbox inside tx, the transaction that
// stores the change causing them. An event ID already queued is an error
// (an ErrConflict): IDs derive from the subject's version, which has one
// writer.
func (db *DB) insertEvents(ctx context.Context, tx *sql.Tx, events []lifecycle.Event) error {
	if len(events) == 0 {
		return nil
	}
	stmt, err := tx.PrepareContext(ctx, db.q(`INSERT INTO outbox (event_id, process, subject, type, version, doc, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING`))
	if err != nil {
		return fmt.Errorf("sqlstore: outbox: %w", err)
	}
	defer stmt.Close()
	now := clampNanos(timeNow())
	for _, e := range events {
		if e.ID == "" {
			return lifecycle.Invalid("event.id", "an outbox event needs an ID")
		}
		doc, err := json.Marshal(e)
		if err != nil {
			return fmt.Errorf("sqlstore: outbox: encode event %s: %w", e.ID, err)
		}
		res, err := stmt.ExecContext(ctx, e.ID, e.Process, e.Subject, e.Type, e.Version, doc, now)
		if err != nil {
			return fmt.Errorf("sqlstore: outbox: event %s: %w", e.ID, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("sqlstore: outbox: event %s: %w", e.ID, err)
		} else if n == 0 {
			return fmt.Errorf("sqlstore: outbox: event %s is already queued: %w", e.ID, lifecycle.ErrConflict)
		}
	}
	return nil
}

// PendingEvents returns how many outbox events await delivery.
func (db *DB) PendingEvents(ctx context.Context) (int, error) {
	var n int
	err := db.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: outbox: %w", err)
	}
	return n, nil
}

// PurgeDelivered deletes the outbox events delivered before t and returns
// how many it deleted. Pending events are never deleted. Delivered events
// are kept until purged so that operators can see what went out; a host
// purges them on a schedule of its choosing.
func (db *DB) PurgeDelivered(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.w.ExecContext(ctx, db.q(`DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?`),
		clampNanos(before))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: outbox: %w", err)
	}
	return res.RowsAffected()
}

// Relay delivers the events queued in the outbox to a Notifier: it claims
// pending events oldest first, hands them to the Notifier one by one, and
// marks each delivered once Notify returned nil.
//
// Delivery is at least once. A crash, or a failed commit, between Notify and
// the mark delivers the event again later; it is never lost. Receivers
// deduplicate by [lifecycle.Event.ID]. When Notify fails, the event and
// those after it in the batch stay pending (their attempts and last error
// are recorded) and the next run retries them, so one relay delivers in
// queue order; an event that always fails therefore holds up the queue
// until the Notifier accepts it.
//
// Several relays may run against one PostgreSQL database, in one replica or
// many: each claims its batch with SELECT ... FOR UPDATE SKIP LOCKED inside
// a transaction that stays open while it notifies, so replicas split the
// work and never deliver the same event at the same time (events of one
// record may then reach the Notifier out of order across replicas: order
// them by Version). On SQLite, relays of one DB take turns.
//
// Configure the exported fields before the first run.
type Relay struct {
	db *DB
	n  lifecycle.Notifier

	// BatchSize is how many events one claim takes; 0 means 100.
	BatchSize int
	// OnError, when set, receives the errors Run meets (Run keeps going).
	OnError func(error)
}

// Relay returns a relay delivering db's outbox to n (nil n discards).
func (db *DB) Relay(n lifecycle.Notifier) *Relay {
	return &Relay{db: db, n: lifecycle.NotifierOrDiscard(n)}
}

// RunOnce delivers pending events, batch after batch, until none is left
// or an error occurs, and reports how many it delivered. A Notifier error
// comes back as is; the undelivered events stay pending.
func (r *Relay) RunOnce(ctx context.Context) (delivered int, err error) {
	for {
		n, more, err := r.batch(ctx)
		delivered += n
		if err != nil || !more {
			return delivered, err
		}
	}
}

// Run delivers pending events every interval (0 means one second), and at
// once when a store of the same DB queues new ones, until ctx is done; it
// then returns ctx's error. Errors go to OnError and do not stop it.
func (r *Relay) Run(ctx context.Context, interval time.Duration) error {
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil && r.OnError != nil {
			r.OnError(err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		case <-r.db.kick:
		}
	}
}

type pending struct {
	seq   int64
	event lifecycle.Event
}

func (r *Relay) batchSize() int {
	if r.BatchSize > 0 {
		return r.BatchSize
	}
	return 100
}

// batch claims and delivers one batch; more reports a full batch.
func (r *Relay) batch(ctx context.Context) (delivered int, more bool, err error) {
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	size := r.batchSize()
	if r.db.dialect == Postgres {
		var nerr error
		// The transaction outlives a cancellation of ctx, so that what was
		// delivered is still marked; the claim and Notify honour ctx.
		err = r.db.inTx(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
			claimed, err := r.db.claimEvents(ctx, tx, size,
				`SELECT seq, doc FROM outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED`)
			if err != nil {
				return err
			}
			more = len(claimed) == size
			delivered, nerr = r.deliver(ctx, claimed)
			// Commit the marks of what was delivered, and the failure's
			// bookkeeping, even when Notify failed.
			return r.db.markEvents(ctx, tx, claimed, delivered, nerr)
		})
		switch {
		case err != nil:
			return 0, false, err
		case nerr != nil:
			return delivered, false, nerr
		}
		return delivered, more, nil
	}

	// SQLite: one writer, so no row locks to split work with. Read the batch,
	// notify without holding the write lock (a Notifier may well write to the
	// same database), then mark. Relays of this DB take turns.
	r.db.relayMu.Lock()
	defer r.db.relayMu.Unlock()
	claimed, err := r.db.claimEvents(ctx, r.db.w, size,
		`SELECT seq, doc FROM outbox WHERE delivered_at IS NULL ORDER BY seq LIMIT ?`)
	if err != nil || len(claimed) == 0 {
		return 0, false, err
	}
	delivered, nerr := r.deliver(ctx, claimed)
	err = r.db.inTx(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		return r.db.markEvents(ctx, tx, claimed, delivered, nerr)
	})
	if err != nil {
		return 0, false, err
	}
	if nerr != nil {
		return delivered, false, nerr
	}
	return delivered, len(claimed) == size, nil
}

func (db *DB) claimEvents(ctx context.Context, q querier, limit int, query string) ([]pending, error) {
	rows, err := q.QueryContext(ctx, db.q(query), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: outbox: claim: %w", err)
	}
	defer rows.Close()
	var out []pending
	for rows.Next() {
		var p pending
		var doc []byte
		if err := rows.Scan(&p.seq, &doc); err != nil {
			return nil, fmt.Errorf("sqlstore: outbox: claim: %w", err)
		}
		if err := json.Unmarshal(doc, &p.event); err != nil {
			return nil, fmt.Errorf("sqlstore: outbox: decode event %d: %w", p.seq, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: outbox: claim: %w", err)
	}
	return out, nil
}

// deliver notifies claimed events in order and stops at the first failure.
func (r *Relay) deliver(ctx context.Context, claimed []pending) (int, error) {
	for i, p := range claimed {
		if err := ctx.Err(); err != nil {
			return i, err
		}
		if err := r.n.Notify(ctx, p.event); err != nil {
			return i, fmt.Errorf("sqlstore: relay: event %s: %w", p.event.ID, err)
		}
	}
	return len(claimed), nil
}

// markEvents marks the first delivered claimed events delivered and, when
// nerr is set, records it against the next one.
func (db *DB) markEvents(ctx context.Context, tx *sql.Tx, claimed []pending, delivered int, nerr error) error {
	if ctx.Err() != nil {
		nerr = nil // stopping is not a failed attempt
	}
	ctx = context.WithoutCancel(ctx)
	if delivered > 0 {
		args := make([]any, 0, delivered+1)
		args = append(args, clampNanos(timeNow()))
		for _, p := range claimed[:delivered] {
			args = append(args, p.seq)
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", delivered), ", ")
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE outbox SET delivered_at = ?, attempts = attempts + 1 WHERE seq IN (`+marks+`)`), args...); err != nil {
			return fmt.Errorf("sqlstore: outbox: mark delivered: %w", err)
		}
	}
	if nerr != nil && delivered < len(claimed) {
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE seq = ?`),
			nerr.Error(), claimed[delivered].seq); err != nil {
			return fmt.Errorf("sqlstore: outbox: record failure: %w", err)
		}
	}
	return nil
}
