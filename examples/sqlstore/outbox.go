package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
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
func (db *DB) insertEvents(ctx context.Context, tx *sql.Tx, events []lifecycle.Notification) error {
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

// outboxEvent is an event as insertEventBatch queues it, its document
// encoded.
type outboxEvent struct {
	ID      string `json:"event_id"`
	Process string `json:"process"`
	Subject string `json:"subject"`
	Type    string `json:"type"`
	Version int64  `json:"version"`
	Doc     string `json:"doc"`
}

// encodeEvent returns e as insertEventBatch queues it.
func encodeEvent(e lifecycle.Notification) (outboxEvent, error) {
	if e.ID == "" {
		return outboxEvent{}, lifecycle.Invalid("event.id", "an outbox event needs an ID")
	}
	doc, err := json.Marshal(e)
	if err != nil {
		return outboxEvent{}, fmt.Errorf("sqlstore: outbox: encode event %s: %w", e.ID, err)
	}
	return outboxEvent{e.ID, e.Process, e.Subject, e.Type, e.Version, string(doc)}, nil
}

// insertEventBatch queues events in the outbox inside tx, as insertEvents
// does, with one INSERT ... SELECT from them (arrays unnested on
// PostgreSQL, json_each of a JSON array on SQLite), in their order.
func (db *DB) insertEventBatch(ctx context.Context, tx *sql.Tx, rows []outboxEvent) error {
	if len(rows) == 0 {
		return nil
	}
	var query string
	var payload any
	if db.dialect == Postgres {
		// Arrays, one per column, travel in binary and need no parsing.
		var ids, processes, subjects, types, docs []string
		var versions []int64
		for _, r := range rows {
			ids, processes, subjects, types = append(ids, r.ID), append(processes, r.Process), append(subjects, r.Subject), append(types, r.Type)
			versions, docs = append(versions, r.Version), append(docs, r.Doc)
		}
		query = `INSERT INTO outbox (event_id, process, subject, type, version, doc, created_at)
SELECT e.event_id, e.process, e.subject, e.type, e.version, CAST(e.doc AS json), ?
FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[]), CAST(? AS bigint[]), CAST(? AS text[]))
	WITH ORDINALITY AS e(event_id, process, subject, type, version, doc, n)
ORDER BY e.n ON CONFLICT (event_id) DO NOTHING`
		res, err := tx.ExecContext(ctx, db.q(query), clampNanos(timeNow()), ids, processes, subjects, types, versions, docs)
		return insertedAll(res, err, len(rows))
	}
	payload, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("sqlstore: outbox: %w", err)
	}
	query = `INSERT INTO outbox (event_id, process, subject, type, version, doc, created_at)
SELECT json_extract(value, '$.event_id'), json_extract(value, '$.process'), json_extract(value, '$.subject'),
	json_extract(value, '$.type'), json_extract(value, '$.version'), json_extract(value, '$.doc'), ?
FROM json_each(?) WHERE true ORDER BY key ON CONFLICT (event_id) DO NOTHING`
	res, err := tx.ExecContext(ctx, db.q(query), clampNanos(timeNow()), payload)
	return insertedAll(res, err, len(rows))
}

// insertedAll returns the error of insertEventBatch's INSERT, which
// inserted res's rows of want: ErrConflict for events already queued.
func insertedAll(res sql.Result, err error, want int) error {
	if err != nil {
		return fmt.Errorf("sqlstore: outbox: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("sqlstore: outbox: %w", err)
	} else if n != int64(want) {
		return fmt.Errorf("sqlstore: outbox: %d of %d events are already queued: %w", int64(want)-n, want, lifecycle.ErrConflict)
	}
	return nil
}

// checkEvents returns a *lifecycle.ValidationError, naming the event's
// field, when an event holds text that the outbox cannot store.
func checkEvents(events []lifecycle.Notification) error {
	for _, e := range events {
		if err := checkEventText(e); err != nil {
			return err
		}
		if err := checkUTF8("event", e); err != nil {
			return err
		}
	}
	return nil
}

// checkEventText returns a *lifecycle.ValidationError, naming the field,
// when a column of e's outbox row cannot hold its text.
func checkEventText(e lifecycle.Notification) error {
	for _, f := range [...]struct{ name, v string }{
		{"event.id", e.ID}, {"event.process", e.Process}, {"event.subject", e.Subject}, {"event.type", e.Type},
	} {
		if err := checkText(f.name, f.v); err != nil {
			return err
		}
	}
	return nil
}

// PendingEvents returns how many outbox events await delivery (dead events,
// see [Relay.MaxAttempts], are not pending).
func (db *DB) PendingEvents(ctx context.Context) (int, error) {
	return db.countEvents(ctx, `SELECT COUNT(*) FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL`)
}

// DeadEvents returns how many outbox events the relay gave up on (see
// [Relay.MaxAttempts]); [DB.ListDeadEvents] shows them and [DB.Requeue]
// queues them again.
func (db *DB) DeadEvents(ctx context.Context) (int, error) {
	return db.countEvents(ctx, `SELECT COUNT(*) FROM outbox WHERE dead_at IS NOT NULL`)
}

func (db *DB) countEvents(ctx context.Context, query string) (int, error) {
	var n int
	if err := db.w.QueryRowContext(ctx, query).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlstore: outbox: %w", err)
	}
	return n, nil
}

// DeadEvent is an outbox event that the relay gave up on: it failed
// [Relay.MaxAttempts] deliveries in a row (or its stored document could not
// be decoded). It stays in the outbox, no longer pending, until
// [DB.Requeue] queues it again.
type DeadEvent struct {
	// Event is the event as queued. When its document could not be
	// decoded, only the fields kept in columns are set (ID, Process,
	// Subject, Type, Version).
	Event lifecycle.Notification
	// Attempts is how many deliveries failed.
	Attempts int
	// LastError is the last failure, as text.
	LastError string
	// QueuedAt is when the event was stored in the outbox.
	QueuedAt time.Time
	// DeadAt is when the relay gave up on it.
	DeadAt time.Time
}

// ListDeadEvents returns the dead events, oldest first, at most limit of
// them (all when limit <= 0).
func (db *DB) ListDeadEvents(ctx context.Context, limit int) ([]DeadEvent, error) {
	rows, err := db.w.QueryContext(ctx, db.q(`SELECT event_id, process, subject, type, version, doc, attempts, last_error, created_at, dead_at
FROM outbox WHERE dead_at IS NOT NULL ORDER BY seq LIMIT ?`), db.limit(limit))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: outbox: dead events: %w", err)
	}
	defer rows.Close()
	var out []DeadEvent
	for rows.Next() {
		var d DeadEvent
		var doc []byte
		var queued, dead int64
		if err := rows.Scan(&d.Event.ID, &d.Event.Process, &d.Event.Subject, &d.Event.Type, &d.Event.Version,
			&doc, &d.Attempts, &d.LastError, &queued, &dead); err != nil {
			return nil, fmt.Errorf("sqlstore: outbox: dead events: %w", err)
		}
		var e lifecycle.Notification
		if json.Unmarshal(doc, &e) == nil {
			d.Event = e
		}
		d.QueuedAt, d.DeadAt = time.Unix(0, queued), time.Unix(0, dead)
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlstore: outbox: dead events: %w", err)
	}
	return out, nil
}

// Requeue makes the dead events with the given IDs pending again, with
// their attempts reset, and returns how many it requeued; with no IDs it
// requeues every dead event. IDs of events that are not dead are ignored.
// Requeue after fixing what made the Notifier refuse them: a relay then
// delivers them, after the events queued before them that are pending.
func (db *DB) Requeue(ctx context.Context, eventIDs ...string) (int, error) {
	w := db.where()
	w.add("dead_at IS NOT NULL")
	in(&w, "event_id", eventIDs)
	if w.none {
		return 0, nil // no ID that an event can have
	}
	res, err := db.w.ExecContext(ctx, db.q(`UPDATE outbox SET dead_at = NULL, attempts = 0`+w.sql()), w.args...)
	if err != nil {
		return 0, fmt.Errorf("sqlstore: outbox: requeue: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("sqlstore: outbox: requeue: %w", err)
	}
	if n > 0 {
		db.signal()
	}
	return int(n), nil
}

// PurgeDelivered deletes the outbox events delivered before t and returns
// how many it deleted. Pending and dead events are never deleted. Delivered
// events are kept until purged so that operators can see what went out; a
// host purges them on a schedule of its choosing.
func (db *DB) PurgeDelivered(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.w.ExecContext(ctx, db.q(`DELETE FROM outbox WHERE delivered_at IS NOT NULL AND delivered_at < ?`),
		clampNanos(before))
	if err != nil {
		return 0, fmt.Errorf("sqlstore: outbox: %w", err)
	}
	return res.RowsAffected()
}

// DefaultMaxAttempts is how many failed deliveries of one event a [Relay]
// makes before it parks the event as dead, when Relay.MaxAttempts is 0.
const DefaultMaxAttempts = 10

// Relay delivers the events queued in the outbox to a Notifier: it claims
// pending events oldest first, hands them to the Notifier one by one, and
// marks each delivered once Notify returned nil.
//
// Delivery is at least once. A crash, or a failed commit, between Notify and
// the mark delivers the event again later; it is never lost. Receivers
// deduplicate by [lifecycle.Notification.ID]. When Notify fails, the event and
// those after it in the batch stay pending (the failed event's attempts and
// last error are recorded) and the next run retries them, so one relay
// delivers in queue order.
//
// An event that fails MaxAttempts times in a row is parked as dead: it
// stays in the outbox with its last error, no longer pending, and the
// events after it flow again (so a record's events may then reach the
// Notifier with a gap: order and deduplicate them by Version and ID). An
// event whose stored document cannot be decoded is parked at once. Each
// parking is logged at level Error; [DB.ListDeadEvents] shows the dead
// events and [DB.Requeue] queues them again once the Notifier is fixed.
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
	// MaxAttempts is how many failed deliveries of one event the relays
	// make before parking it as dead; 0 means [DefaultMaxAttempts], a
	// negative value never parks (an event the Notifier always refuses
	// then holds up the queue for good).
	MaxAttempts int
	// OnError, when set, receives the errors Run meets (Run keeps going).
	OnError func(error)
	// Log receives a warning for each failed delivery and an error for
	// each event parked as dead; nil means slog.Default().
	Log *slog.Logger
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

// pending is a claimed outbox event.
type pending struct {
	seq   int64
	event lifecycle.Notification
}

// claim is one claimed batch: the events to deliver, in queue order, and
// those whose document could not be decoded (to park).
type claim struct {
	events []pending
	broken []brokenEvent
}

// brokenEvent is an outbox row whose document does not decode.
type brokenEvent struct {
	seq int64
	id  string
	err error
}

func (c claim) size() int { return len(c.events) + len(c.broken) }

func (r *Relay) batchSize() int {
	if r.BatchSize > 0 {
		return r.BatchSize
	}
	return 100
}

// maxAttempts is the attempts after which an event is parked, or
// math.MaxInt32 for never.
func (r *Relay) maxAttempts() int64 {
	switch {
	case r.MaxAttempts > 0:
		return int64(r.MaxAttempts)
	case r.MaxAttempts < 0:
		return math.MaxInt32
	}
	return DefaultMaxAttempts
}

func (r *Relay) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
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
		// delivered is still marked; Notify honours ctx. So does not the
		// claim (it waits for no lock): cancelled mid-query, it would take
		// the connection down and leave its row locks to the server to
		// drop later, and a relay claiming right after (the final flush of
		// a stopping desk) would skip those events.
		txCtx := context.WithoutCancel(ctx)
		err = r.db.inTx(txCtx, func(tx *sql.Tx) error {
			c, err := r.db.claimEvents(txCtx, tx, size,
				`SELECT seq, event_id, doc FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL
ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED`)
			if err != nil {
				return err
			}
			more = c.size() == size
			delivered, nerr = r.deliver(ctx, c.events)
			// Commit the marks of what was delivered, and the failure's
			// bookkeeping, even when Notify failed.
			return r.mark(ctx, tx, c, delivered, nerr)
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
	c, err := r.db.claimEvents(ctx, r.db.w, size,
		`SELECT seq, event_id, doc FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL ORDER BY seq LIMIT ?`)
	if err != nil || c.size() == 0 {
		return 0, false, err
	}
	delivered, nerr := r.deliver(ctx, c.events)
	err = r.db.inTx(context.WithoutCancel(ctx), func(tx *sql.Tx) error {
		return r.mark(ctx, tx, c, delivered, nerr)
	})
	if err != nil {
		return 0, false, err
	}
	if nerr != nil {
		return delivered, false, nerr
	}
	return delivered, c.size() == size, nil
}

func (db *DB) claimEvents(ctx context.Context, q querier, limit int, query string) (claim, error) {
	var c claim
	rows, err := q.QueryContext(ctx, db.q(query), limit)
	if err != nil {
		return c, fmt.Errorf("sqlstore: outbox: claim: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p pending
		var id string
		var doc []byte
		if err := rows.Scan(&p.seq, &id, &doc); err != nil {
			return c, fmt.Errorf("sqlstore: outbox: claim: %w", err)
		}
		if err := json.Unmarshal(doc, &p.event); err != nil {
			c.broken = append(c.broken, brokenEvent{seq: p.seq, id: id, err: fmt.Errorf("decode event: %w", err)})
			continue
		}
		c.events = append(c.events, p)
	}
	if err := rows.Err(); err != nil {
		return c, fmt.Errorf("sqlstore: outbox: claim: %w", err)
	}
	return c, nil
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

// mark marks the first delivered events of c delivered and, when nerr is
// set, records it against the next one, which it parks as dead when that
// was its last attempt. Broken events are parked at once.
func (r *Relay) mark(ctx context.Context, tx *sql.Tx, c claim, delivered int, nerr error) error {
	db := r.db
	if ctx.Err() != nil {
		nerr = nil // stopping is not a failed attempt
	}
	ctx = context.WithoutCancel(ctx)
	now := clampNanos(timeNow())
	if delivered > 0 {
		seqs := make([]int64, 0, delivered)
		for _, p := range c.events[:delivered] {
			seqs = append(seqs, p.seq)
		}
		w := db.where()
		w.inValues("seq", seqs)
		args := append([]any{now}, w.args...)
		if _, err := tx.ExecContext(ctx, db.q(`UPDATE outbox SET delivered_at = ?, attempts = attempts + 1`+w.sql()), args...); err != nil {
			return fmt.Errorf("sqlstore: outbox: mark delivered: %w", err)
		}
	}
	park := db.q(`UPDATE outbox SET attempts = attempts + 1, last_error = ?,
	dead_at = CASE WHEN attempts + 1 >= ? THEN CAST(? AS BIGINT) ELSE NULL END
WHERE seq = ? RETURNING attempts, dead_at IS NOT NULL`)
	record := func(seq int64, id string, failure error, max int64) error {
		var attempts int
		var dead bool
		if err := tx.QueryRowContext(ctx, park, failure.Error(), max, now, seq).Scan(&attempts, &dead); err != nil {
			return fmt.Errorf("sqlstore: outbox: record failure: %w", err)
		}
		if dead {
			r.log().ErrorContext(ctx, "outbox event parked as dead", "event", id, "attempts", attempts, "err", failure)
		} else {
			r.log().WarnContext(ctx, "outbox delivery failed", "event", id, "attempts", attempts, "err", failure)
		}
		return nil
	}
	for _, b := range c.broken {
		if err := record(b.seq, b.id, b.err, 1); err != nil {
			return err
		}
	}
	if nerr != nil && delivered < len(c.events) {
		p := c.events[delivered]
		if err := record(p.seq, p.event.ID, nerr, r.maxAttempts()); err != nil {
			return err
		}
	}
	return nil
}
