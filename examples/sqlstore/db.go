package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver
)

// Dialect names the SQL dialect a [DB] speaks.
type Dialect string

// The dialects Open understands.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is a database holding every process's records, their outbox and their
// SLA timers. It is safe for concurrent use; open it once per process with
// [Open] and share it. Its stores are cheap views over it.
//
// On SQLite the database has one writer connection (SQLite allows one
// writer at a time anyway; a single connection turns lock waits into queueing
// in database/sql instead of SQLITE_BUSY retries) and, for file databases, a
// small pool of read-only connections that read concurrently thanks to WAL.
// Several DB values may open the same SQLite file inside one machine, but
// SQLite is a single-machine database: to run replicas on several machines,
// use PostgreSQL.
type DB struct {
	dialect Dialect
	dsn     string  // as given to Open
	w       *sql.DB // writes and transactions
	r       *sql.DB // plain reads; equal to w on PostgreSQL and for :memory:

	// kick is signalled (without blocking) after each commit that stored
	// events, so that an in-process [Relay.Run] delivers them at once.
	kick chan struct{}
	// relayMu serializes relays of this DB on SQLite, where a relay does not
	// hold row locks while it notifies.
	relayMu sync.Mutex

	rebindCache sync.Map // constant query text -> dialect's text (see q)
}

// Open opens (creating it if needed) the database named by dsn and applies
// the embedded schema migrations that it lacks.
//
// The dialect follows from dsn:
//
//   - "postgres://..." or "postgresql://...": PostgreSQL through
//     github.com/jackc/pgx/v5/stdlib. Parameters pgx understands may follow,
//     and any other parameter becomes a run-time setting of the session,
//     such as search_path=tenant1.
//   - "sqlite:path" (or "sqlite://path"), "file:path" (an SQLite URI),
//     ":memory:", or a plain file path ending in .db, .sqlite or .sqlite3:
//     the embedded, pure-Go SQLite of modernc.org/sqlite. Open adds WAL
//     journaling, a 5 s busy timeout, foreign keys and BEGIN IMMEDIATE
//     transactions; parameters in the DSN come after Open's and so override
//     them. ":memory:" is a private database that lives as long as the DB.
//
// Migrations run in one transaction under a lock (a PostgreSQL advisory
// lock, SQLite's write lock), so that replicas opening the same database at
// once apply each migration exactly once. ctx bounds the connection and the
// migrations only.
func Open(ctx context.Context, dsn string) (*DB, error) {
	db, err := open(dsn)
	if err != nil {
		return nil, err
	}
	db.dsn = dsn
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: migrate: %w", err)
	}
	return db, nil
}

func open(dsn string) (*DB, error) {
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		w, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
		}
		// A modest default pool; hosts tune it with DB.SQL().
		w.SetMaxOpenConns(10)
		w.SetMaxIdleConns(10)
		w.SetConnMaxIdleTime(5 * time.Minute)
		return newDB(Postgres, w, w), nil
	case dsn == ":memory:", strings.HasPrefix(dsn, "sqlite:"), strings.HasPrefix(dsn, "file:"),
		strings.HasSuffix(dsn, ".db"), strings.HasSuffix(dsn, ".sqlite"), strings.HasSuffix(dsn, ".sqlite3"):
		name := strings.TrimPrefix(dsn, "sqlite:")
		if strings.HasPrefix(dsn, "sqlite://") {
			name = strings.TrimPrefix(dsn, "sqlite://") // sqlite:///abs/path, sqlite://rel/path
		}
		return openSQLite(name)
	default:
		return nil, fmt.Errorf("sqlstore: unknown database in DSN %q: want postgres://..., sqlite:path, file:path or :memory:", redact(dsn))
	}
}

func openSQLite(name string) (*DB, error) {
	memory := name == ":memory:" || name == "" || strings.Contains(name, "mode=memory") ||
		strings.HasPrefix(name, "file::memory:")
	base, query, _ := strings.Cut(name, "?")
	if base == "" || base == ":memory:" {
		base = ":memory:"
	}
	params := func(extra ...string) string {
		v := []string{
			"_pragma=busy_timeout(5000)",
			"_pragma=foreign_keys(1)",
			"_pragma=synchronous(NORMAL)",
		}
		if !memory {
			v = append(v, "_pragma=journal_mode(WAL)")
		}
		v = append(v, extra...)
		if query != "" {
			v = append(v, query)
		}
		return base + "?" + strings.Join(v, "&")
	}
	w, err := sql.Open("sqlite", params("_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open sqlite: %w", err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	r := w
	if !memory {
		r, err = sql.Open("sqlite", params("_pragma=query_only(1)"))
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("sqlstore: open sqlite: %w", err)
		}
		r.SetMaxOpenConns(4)
		r.SetMaxIdleConns(4)
	}
	return newDB(SQLite, w, r), nil
}

func newDB(d Dialect, w, r *sql.DB) *DB {
	return &DB{dialect: d, w: w, r: r, kick: make(chan struct{}, 1)}
}

// redact hides a password in a DSN for error messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

// Dialect reports which database the DB speaks.
func (db *DB) Dialect() Dialect { return db.dialect }

// SQL returns the connection pool used for writes (on PostgreSQL, for
// everything), for hosts that want to tune it or to run their own queries
// next to the stores' tables.
func (db *DB) SQL() *sql.DB { return db.w }

// Close closes the connection pools. Stores and relays of db must not be
// used afterwards.
func (db *DB) Close() error {
	var errs []error
	if db.r != db.w {
		errs = append(errs, db.r.Close())
	}
	errs = append(errs, db.w.Close())
	return errors.Join(errs...)
}

// Ping checks that the database is reachable.
func (db *DB) Ping(ctx context.Context) error { return db.w.PingContext(ctx) }

// q returns query, one of this package's constant queries, in the DB's
// dialect: every ? becomes $1, $2, ... on PostgreSQL. The result is cached,
// which is bounded because those queries are a fixed set. No input is ever
// spliced into SQL text.
func (db *DB) q(query string) string {
	if db.dialect != Postgres {
		return query
	}
	if v, ok := db.rebindCache.Load(query); ok {
		return v.(string)
	}
	s := rebind(query)
	db.rebindCache.Store(query, s)
	return s
}

// qv is q for a query assembled at run time from the conditions a filter
// sets (see where): one text per combination of them, too many to keep,
// so they are rebound every time and never cached. A list of values is one
// placeholder (see where.inValues), so a query whose conditions are fixed,
// however many values it binds, is a constant for q.
func (db *DB) qv(query string) string {
	if db.dialect != Postgres {
		return query
	}
	return rebind(query)
}

// rebind numbers the ? placeholders of query ($1, $2, ...), leaving those
// inside quoted strings alone.
func rebind(query string) string {
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	inQuote := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inQuote = !inQuote
			b.WriteByte(c)
		case c == '?' && !inQuote:
			n++
			fmt.Fprintf(&b, "$%d", n)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	// ExecContext runs a statement.
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	// QueryContext runs a query.
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	// QueryRowContext runs a query of one row.
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// inTx runs fn in a write transaction and commits it when fn returns nil.
// Any error, or a panic, rolls it back.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit: %w", err)
	}
	committed = true
	return nil
}

// signal wakes an in-process relay after events were committed.
func (db *DB) signal() {
	select {
	case db.kick <- struct{}{}:
	default:
	}
}

// nanos renders t for an indexed time column: Unix nanoseconds, NULL for the
// zero time. Times are compared in these columns and never parsed back: the
// record's JSON document keeps the exact value.
func nanos(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: clampNanos(t), Valid: true}
}

var (
	minNanos = time.Unix(0, math.MinInt64)
	maxNanos = time.Unix(0, math.MaxInt64)
)

// clampNanos is t in Unix nanoseconds, clamped to the years 1677..2262 that
// int64 nanoseconds can hold.
func clampNanos(t time.Time) int64 {
	switch {
	case t.Before(minNanos):
		return math.MinInt64
	case t.After(maxNanos):
		return math.MaxInt64
	}
	return t.UnixNano()
}
