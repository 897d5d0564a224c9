package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/itsmkit/itsm/lifecycle"
	"go.uber.org/goleak"
)

// pgURL is the PostgreSQL database the tests use when set, as CI does with
// .ci/postgres.sh. Each test gets its own schema there, dropped afterwards.
var pgURL = os.Getenv("ITSM_TEST_POSTGRES_URL")

// pgAdmin creates and drops the tests' schemas.
var pgAdmin *sql.DB

func TestMain(m *testing.M) {
	code := func() int {
		if err := requirePostgres(os.Getenv); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if pgURL != "" {
			var err error
			pgAdmin, err = sql.Open("pgx", pgURL)
			if err != nil {
				fmt.Fprintln(os.Stderr, "postgres:", err)
				return 1
			}
			pgAdmin.SetMaxOpenConns(4)
			defer pgAdmin.Close()
		}
		defer func() {
			if filterDataSet != nil { // FuzzListFilters' data set
				filterDataSet.db.Close()
			}
		}()
		return m.Run()
	}()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// requirePostgres fails when ITSM_REQUIRE_POSTGRES=1 (as CI sets it) and
// ITSM_TEST_POSTGRES_URL is empty, so that the PostgreSQL tests can never
// be skipped silently where they must run.
func requirePostgres(getenv func(string) string) error {
	if getenv("ITSM_REQUIRE_POSTGRES") == "1" && getenv("ITSM_TEST_POSTGRES_URL") == "" {
		return errors.New("ITSM_REQUIRE_POSTGRES=1 but ITSM_TEST_POSTGRES_URL is empty: " +
			"the PostgreSQL tests would be skipped (start a server with .ci/postgres.sh and source .ci/postgres.env)")
	}
	return nil
}

// backend makes fresh, empty databases of one dialect.
type backend struct {
	name string
	// dsn returns the DSN of a new, empty database, removed when the test
	// ends.
	dsn func(t testing.TB) string
}

// open opens a new, empty database, closed when the test ends.
func (b backend) open(t testing.TB) *DB {
	t.Helper()
	db, err := Open(context.Background(), b.dsn(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() }) // before the PostgreSQL schema is dropped
	return db
}

// backends returns SQLite, and PostgreSQL (which skips when
// ITSM_TEST_POSTGRES_URL is not set).
func backends() []backend {
	return []backend{
		{"sqlite", func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "itsm.db") }},
		{"postgres", newPGSchema},
	}
}

// eachBackend runs fn as a subtest per backend; the PostgreSQL one skips
// when no database is configured.
func eachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			if b.name == "postgres" && pgURL == "" {
				t.Skip("ITSM_TEST_POSTGRES_URL not set")
			}
			fn(t, b)
		})
	}
}

// newPGSchema creates an empty schema and returns a DSN whose search_path
// points at it; the schema is dropped when the test ends.
func newPGSchema(t testing.TB) string {
	t.Helper()
	if pgURL == "" {
		t.Skip("ITSM_TEST_POSTGRES_URL not set")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "test_" + hex.EncodeToString(b[:])
	ctx := context.Background()
	if _, err := pgAdmin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := pgAdmin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(pgURL)
	if err != nil {
		t.Fatalf("ITSM_TEST_POSTGRES_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// emptier opens one database for a whole conformance suite and returns a
// function that empties it for each subtest, which is much faster than a
// new database per subtest (a PostgreSQL connection's SCRAM handshake alone
// costs tens of milliseconds under -race). The suites' subtests run one
// after the other, which this relies on.
func emptier(t *testing.T, b backend) func(t *testing.T) *DB {
	t.Helper()
	db := b.open(t)
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
