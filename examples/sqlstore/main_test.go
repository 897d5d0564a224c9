package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/change/changetest"
	"github.com/itsmkit/itsm/examples/internal/testdb"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
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

// memStores are the core's in-memory stores of incidents, problems and
// changes, whose List defines what the SQL stores' List answers.
type memStores struct {
	incidents *incidenttest.Store
	problems  *problemtest.Store
	changes   *changetest.Store
}

func newMemStores() memStores {
	return memStores{incidents: incidenttest.NewStore(), problems: problemtest.NewStore(), changes: changetest.NewStore()}
}

// copyTo stores m's records in db.
func (m memStores) copyTo(ctx context.Context, db *DB) error {
	return m.commitTo(ctx, db.Incidents(), db.Problems(), db.Changes())
}

// commitTo stores m's records through the committers of each process.
func (m memStores) commitTo(ctx context.Context, incidents lifecycle.Committer[*incident.Incident],
	problems lifecycle.Committer[*problem.Problem], changes lifecycle.Committer[*change.Change]) error {
	xs, err := m.incidents.List(ctx, incident.Filter{Limit: incident.MaxLimit})
	if err != nil {
		return err
	}
	for _, x := range xs.Incidents {
		if err := create(ctx, incidents, x); err != nil {
			return err
		}
	}
	ps, err := m.problems.List(ctx, problem.Filter{Limit: 1000})
	if err != nil {
		return err
	}
	for _, p := range ps.Problems {
		if err := create(ctx, problems, p); err != nil {
			return err
		}
	}
	cs, err := m.changes.List(ctx, change.Filter{Limit: change.MaxLimit})
	if err != nil {
		return err
	}
	for _, c := range cs.Changes {
		if err := create(ctx, changes, c); err != nil {
			return err
		}
	}
	return nil
}

// idAtVersion names a record as its ID and version, for comparing lists.
func idAtVersion(id string, v int64) string { return fmt.Sprint(id, "@", v) }

// compareIncidents pages through the incidents of f from mem and from db
// (see comparePages).
func compareIncidents(t *testing.T, what string, f incident.Filter, mem incident.Store, db *DB) {
	t.Helper()
	list := func(s incident.Store) func(after string) ([]*incident.Incident, string, error) {
		return func(after string) ([]*incident.Incident, string, error) {
			f := f
			f.After = after
			pg, err := s.List(context.Background(), f)
			return pg.Incidents, pg.Next, err
		}
	}
	comparePages(t, what, f.After, list(mem), list(db.Incidents()),
		func(x *incident.Incident) string { return idAtVersion(x.ID, x.Version) })
}

// compareProblems pages through the problems of f from mem and from db
// (see comparePages).
func compareProblems(t *testing.T, what string, f problem.Filter, mem problem.Store, db *DB) {
	t.Helper()
	list := func(s problem.Store) func(after string) ([]*problem.Problem, string, error) {
		return func(after string) ([]*problem.Problem, string, error) {
			f := f
			f.After = after
			pg, err := s.List(context.Background(), f)
			return pg.Problems, pg.Next, err
		}
	}
	comparePages(t, what, f.After, list(mem), list(db.Problems()),
		func(x *problem.Problem) string { return idAtVersion(x.ID, x.Version) })
}

// compareChanges pages through the changes of f from mem and from db (see
// comparePages).
func compareChanges(t *testing.T, what string, f change.Filter, mem change.Store, db *DB) {
	t.Helper()
	list := func(s change.Store) func(after string) ([]*change.Change, string, error) {
		return func(after string) ([]*change.Change, string, error) {
			f := f
			f.After = after
			pg, err := s.List(context.Background(), f)
			return pg.Changes, pg.Next, err
		}
	}
	comparePages(t, what, f.After, list(mem), list(db.Changes()),
		func(x *change.Change) string { return idAtVersion(x.ID, x.Version) })
}
