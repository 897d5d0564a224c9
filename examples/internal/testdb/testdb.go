// Package testdb opens the test databases of the examples' tests: a SQLite
// file per test, and, when ITSM_TEST_POSTGRES_URL names a PostgreSQL
// database (CI sets it with .ci/postgres.sh), a schema of its own per test
// there. [Main] runs a package's tests with the PostgreSQL connection that
// creates and drops the schemas, and checks that no goroutine outlives
// them.
package testdb

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

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver of the admin connection
	"go.uber.org/goleak"
)

// The PostgreSQL database the tests run on when set, the connection that
// creates and drops the tests' schemas there, and the prefix of those
// schemas' names; [Main] sets the last two.
var (
	pgURL    = os.Getenv("ITSM_TEST_POSTGRES_URL")
	pgAdmin  *sql.DB
	pgPrefix = "test_"
)

// Config is how [Main] runs a package's tests.
type Config struct {
	// SchemaPrefix starts the name of each test's PostgreSQL schema
	// ("test_" when empty).
	SchemaPrefix string
	// MaxConns bounds the admin connection pool that creates and drops the
	// schemas (unbounded when 0).
	MaxConns int
	// AfterRun, when set, runs once the tests have run, before the leak
	// check: it closes what the package's tests share.
	AfterRun func()
}

// Main runs the tests of m, as a TestMain does, and exits with their code.
// It fails at once when [RequirePostgres] does, opens the admin connection
// when PostgreSQL is configured, and fails the run when a goroutine is
// left after passing tests.
func Main(m *testing.M, c Config) {
	code := run(m, c)
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func run(m *testing.M, c Config) int {
	if err := RequirePostgres(os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if c.SchemaPrefix != "" {
		pgPrefix = c.SchemaPrefix
	}
	if pgURL != "" {
		var err error
		if pgAdmin, err = sql.Open("pgx", pgURL); err != nil {
			fmt.Fprintln(os.Stderr, "postgres:", err)
			return 1
		}
		pgAdmin.SetMaxOpenConns(c.MaxConns)
		defer pgAdmin.Close()
	}
	if c.AfterRun != nil {
		defer c.AfterRun()
	}
	return m.Run()
}

// RequirePostgres fails when ITSM_REQUIRE_POSTGRES=1 (as CI sets it) and
// ITSM_TEST_POSTGRES_URL is empty, so that the PostgreSQL tests can never
// be skipped silently where they must run.
func RequirePostgres(getenv func(string) string) error {
	if getenv("ITSM_REQUIRE_POSTGRES") == "1" && getenv("ITSM_TEST_POSTGRES_URL") == "" {
		return errors.New("ITSM_REQUIRE_POSTGRES=1 but ITSM_TEST_POSTGRES_URL is empty: " +
			"the PostgreSQL tests would be skipped (start a server with .ci/postgres.sh and source .ci/postgres.env)")
	}
	return nil
}

// HavePostgres reports whether the tests run on PostgreSQL too.
func HavePostgres() bool { return pgURL != "" }

// SkipWithoutPostgres skips t unless the tests run on PostgreSQL.
func SkipWithoutPostgres(t testing.TB) {
	t.Helper()
	if !HavePostgres() {
		t.Skip("ITSM_TEST_POSTGRES_URL not set")
	}
}

// Backend makes fresh, empty databases of one dialect.
type Backend struct {
	Name string // "sqlite" or "postgres"
	// DSN returns the DSN of a new, empty database, removed when the test
	// ends.
	DSN func(t testing.TB) string
}

// SQLite is the backend of SQLite files in the test's temporary directory.
var SQLite = Backend{"sqlite", func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "itsm.db") }}

// Postgres is the backend of PostgreSQL schemas (see [Schema]).
var Postgres = Backend{"postgres", Schema}

// Backends returns SQLite and PostgreSQL, in that order.
func Backends() []Backend { return []Backend{SQLite, Postgres} }

// Each runs fn as a subtest per backend; the PostgreSQL one skips when no
// database is configured.
func Each(t *testing.T, fn func(t *testing.T, b Backend)) {
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			if b.Name == Postgres.Name {
				SkipWithoutPostgres(t)
			}
			fn(t, b)
		})
	}
}

// Schema creates an empty PostgreSQL schema and returns a DSN whose
// search_path points at it; the schema is dropped when the test ends. It
// skips t when no database is configured.
func Schema(t testing.TB) string {
	t.Helper()
	SkipWithoutPostgres(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := pgPrefix + hex.EncodeToString(b[:])
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
