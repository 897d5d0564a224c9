package sqlstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
)

func TestRebind(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		`SELECT 1`:                            `SELECT 1`,
		`a = ? AND b IN (?, ?)`:               `a = $1 AND b IN ($2, $3)`,
		`x = '?' AND y = ? AND z = 'it''s ?'`: `x = '?' AND y = $1 AND z = 'it''s ?'`,
	} {
		assert.Equal(t, want, rebind(in), in)
	}
}

func TestOpenRejectsUnknownDSN(t *testing.T) {
	t.Parallel()
	for _, dsn := range []string{"", "mysql://localhost/itsm", "itsm.txt"} {
		_, err := Open(context.Background(), dsn)
		assert.ErrorContains(t, err, "unknown database", dsn)
	}
	_, err := Open(context.Background(), "mysql://u:secret@localhost/itsm")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret", "errors must not show passwords")
}

func migrationCount(t testing.TB, db *DB) (applied, files int) {
	t.Helper()
	require.NoError(t, db.w.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&applied))
	all, err := migrations(db.Dialect())
	require.NoError(t, err)
	return applied, len(all)
}

func TestMigrationsMatchAcrossDialects(t *testing.T) {
	t.Parallel()
	lite, err := migrations(SQLite)
	require.NoError(t, err)
	pg, err := migrations(Postgres)
	require.NoError(t, err)
	require.Equal(t, len(lite), len(pg))
	for i := range lite {
		assert.Equal(t, lite[i].name, pg[i].name, "every migration exists in both dialects")
	}
}

// TestOpenIsIdempotentAndSafeForReplicas opens one database from several
// goroutines at once (replicas starting together), then again: every
// migration is applied exactly once and every DB works.
func TestOpenIsIdempotentAndSafeForReplicas(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		dsn := b.DSN(t)
		const replicas = 4
		dbs := make([]*DB, replicas)
		var wg sync.WaitGroup
		for i := range dbs {
			wg.Go(func() {
				db, err := Open(ctx, dsn)
				if assert.NoError(t, err) {
					dbs[i] = db
				}
			})
		}
		wg.Wait()
		for i, db := range dbs {
			require.NotNil(t, db)
			defer db.Close()
			require.NoError(t, db.Ping(ctx))
			require.NoError(t, create(ctx, db.Problems(), problemtest.Fixture("PRB-"+string(rune('A'+i)))))
		}
		again, err := Open(ctx, dsn)
		require.NoError(t, err)
		defer again.Close()
		applied, files := migrationCount(t, again)
		assert.Equal(t, files, applied)
		page, err := again.Problems().List(ctx, problemFilterAll)
		require.NoError(t, err)
		assert.Len(t, page.Problems, replicas, "every replica wrote to the same database")
	})
}

func TestOpenMemory(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, ":memory:")
	require.NoError(t, err)
	defer db.Close()
	assert.Equal(t, SQLite, db.Dialect())
	require.NoError(t, create(ctx, db.Problems(), problemtest.Fixture("PRB-1")))
	got, err := db.Problems().Get(ctx, "PRB-1")
	require.NoError(t, err)
	assert.Equal(t, "PRB-1", got.ID)
	_, err = db.Problems().Get(ctx, "PRB-2")
	require.ErrorIs(t, err, lifecycle.ErrNotFound)
}

var problemFilterAll = problem.Filter{}

func TestOpenSQLiteForms(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	for _, dsn := range []string{
		"sqlite:" + dir + "/a.db",
		"sqlite://" + dir + "/b.db",
		"file:" + dir + "/c.db",
		dir + "/d.sqlite",
		"sqlite:" + dir + "/e.db?_pragma=cache_size(-4000)",
	} {
		db, err := Open(ctx, dsn)
		require.NoError(t, err, dsn)
		assert.Equal(t, SQLite, db.Dialect())
		require.NoError(t, create(ctx, db.Problems(), problemtest.Fixture("PRB-1")), dsn)
		var mode string
		require.NoError(t, db.r.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
		assert.Equal(t, "wal", mode, dsn)
		require.NoError(t, db.Close())
	}
}

// cacheSize counts the rebound queries db keeps.
func cacheSize(db *DB) int {
	n := 0
	db.rebindCache.Range(func(any, any) bool { n++; return true })
	return n
}

// TestQueriesOfAnyLength: a filter of any number of values works on both
// dialects (IN lists are cut below the databases' parameter limits), and
// queries whose text varies with their input are not cached, so the cache
// of rebound queries stays the size of the package's constant queries.
func TestQueriesOfAnyLength(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		openIncident(t, db) // P3
		list := func(n int) []lifecycle.Priority {
			ps := make([]lifecycle.Priority, n)
			for i := range ps {
				ps[i] = lifecycle.Priority(i + 3)
			}
			return ps
		}
		// Warm up every constant query once.
		_, err := db.Incidents().List(ctx, incident.Filter{Priorities: list(1)})
		require.NoError(t, err)
		_, err = db.Changes().Scheduled(ctx, []string{"ci"}, t0, t0.Add(time.Hour))
		require.NoError(t, err)
		before := cacheSize(db)
		for n := 1; n <= 200; n += n/2 + 1 {
			page, err := db.Incidents().List(ctx, incident.Filter{Priorities: list(n), States: []incident.State{incident.StateNew}})
			require.NoError(t, err)
			require.Len(t, page.Incidents, 1, "%d priorities", n)
		}
		page, err := db.Incidents().List(ctx, incident.Filter{Priorities: list(40000)})
		require.NoError(t, err)
		assert.Len(t, page.Incidents, 1, "40,000 priorities")
		many := make([]string, 40000)
		for i := range many {
			many[i] = fmt.Sprintf("ci-%d", i)
		}
		_, err = db.Changes().Scheduled(ctx, many, t0, t0.Add(time.Hour))
		require.NoError(t, err)
		assert.Equal(t, before, cacheSize(db), "no query of varying text is cached")
	})
}
