package sqlstore

import (
	"context"
	"database/sql"
	"testing"

	"github.com/itsmkit/itsm/examples/internal/testdb"
	"github.com/itsmkit/itsm/lifecycle"
)

func TestMain(m *testing.M) {
	testdb.Main(m, testdb.Config{MaxConns: 4, AfterRun: func() {
		if filterDataSet != nil { // FuzzListFilters' data set
			filterDataSet.db.Close()
		}
	}})
}

// backend makes fresh, empty databases of one dialect.
type backend = testdb.Backend

// openDB opens a new, empty database of b, closed when the test ends.
func openDB(t testing.TB, b backend) *DB {
	t.Helper()
	db, err := Open(context.Background(), b.DSN(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() }) // before the PostgreSQL schema is dropped
	return db
}

// eachBackend runs fn as a subtest per backend; the PostgreSQL one skips
// when no database is configured.
func eachBackend(t *testing.T, fn func(t *testing.T, b backend)) { testdb.Each(t, fn) }

// eachDB runs fn as a subtest per backend on a new, empty database of it.
func eachDB(t *testing.T, fn func(t *testing.T, db *DB)) {
	eachBackend(t, func(t *testing.T, b backend) { fn(t, openDB(t, b)) })
}

// emptier opens one database for a whole conformance suite and returns a
// function that empties it for each subtest, which is much faster than a
// new database per subtest (a PostgreSQL connection's SCRAM handshake alone
// costs tens of milliseconds under -race). The suites' subtests run one
// after the other, which this relies on.
func emptier(t *testing.T, b backend) func(t *testing.T) *DB {
	t.Helper()
	db := openDB(t, b)
	return func(t *testing.T) *DB {
		t.Helper()
		emptyTables(t, db)
		return db
	}
}

// emptyTables deletes every row of every table of db but the migrations'.
func emptyTables(t testing.TB, db *DB) {
	t.Helper()
	ctx := context.Background()
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('schema_migrations', 'sqlite_sequence')`
	if db.Dialect() == Postgres {
		list = `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations'`
	}
	rows, err := db.w.QueryContext(ctx, list)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatalf("list tables: %v", err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		for _, name := range tables {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("empty tables: %v", err)
	}
}

// create stores x through c as a new record, with events in the outbox.
func create[T any](ctx context.Context, c lifecycle.Committer[T], x T, events ...lifecycle.Notification) error {
	return c.Commit(ctx, lifecycle.Write[T]{Record: x, Events: events})
}

// update stores x through c over version expected, with events in the
// outbox.
func update[T any](ctx context.Context, c lifecycle.Committer[T], x T, expected int64, events ...lifecycle.Notification) error {
	return c.Commit(ctx, lifecycle.Write[T]{Record: x, Expected: expected, Events: events})
}
