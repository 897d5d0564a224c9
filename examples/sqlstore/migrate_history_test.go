package sqlstore

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// TestMigrateHistoryOutOfDocuments writes incidents as the schema before
// migration 0010 kept them, each a document holding its whole history,
// comments and work notes, then migrates: the history and journal tables
// hold exactly what the in-memory store kept for the same incidents (the
// journal interleaved by time, each entry with the version of the change
// that wrote it), the documents hold neither, and the incidents take new
// commands that append after the migrated entries.
func TestMigrateHistoryOutOfDocuments(t *testing.T) {
	t.Parallel()
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		db, all := migratedTo(t, b, 9)

		// The incidents, made by the service on the in-memory store.
		mem := incidenttest.NewStore()
		clock := lifecycletest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC))
		svc, err := incident.New(incident.Config{Store: mem, Clock: clock, IDs: lifecycle.Sequence("INC", 1)})
		require.NoError(t, err)
		ann, bob, carol := lifecycle.Actor{ID: "ann"}, lifecycle.Actor{ID: "bob"}, lifecycle.Actor{ID: "carol"}
		do := func(actor lifecycle.Actor, cmd incident.Command) {
			t.Helper()
			_, err := svc.Do(ctx, actor, cmd)
			require.NoError(t, err)
			clock.Advance(time.Minute + 7*time.Millisecond)
		}
		busy, err := svc.Open(ctx, ann, incident.Open{Title: "VPN down", Impact: 2, Urgency: 2})
		require.NoError(t, err)
		quiet, err := svc.Open(ctx, ann, incident.Open{Title: "Printer jam", Impact: 3, Urgency: 3})
		require.NoError(t, err)
		do(ann, incident.Assign{ID: busy.ID, Group: "network", Assignee: "bob"})
		do(bob, incident.WorkNote{ID: busy.ID, Text: "tunnel flapping"})
		do(bob, incident.Hold{ID: busy.ID, Reason: incident.HoldAwaitingCaller, Comment: "Which office?"})
		do(carol, incident.CallerUpdate{ID: busy.ID, Text: "Leeds"})
		do(bob, incident.Comment{ID: busy.ID, Text: "Looking at the Leeds gateway"})
		do(bob, incident.WorkNote{ID: busy.ID, Text: "gateway restarted"})
		do(bob, incident.Resolve{ID: busy.ID, Code: incident.CodeSolutionProvided, Notes: "Gateway restarted"})

		// Stored as documents, the old way: the incident whole.
		ins := db.q(`INSERT INTO incidents (id, version, doc, state, assignee, grp, priority, major, parent_id, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		wholes := map[string]*incident.Incident{}
		for _, id := range []string{busy.ID, quiet.ID} {
			x, err := svc.Export(ctx, id)
			require.NoError(t, err)
			require.NotEmpty(t, x.History)
			wholes[id] = x
			doc, err := json.Marshal(x)
			require.NoError(t, err)
			_, err = db.w.ExecContext(ctx, ins, x.ID, x.Version, string(doc), string(x.State), x.Assignee, x.Group,
				int(x.Priority), string(x.Major), x.Parent, clampNanos(x.UpdatedAt))
			require.NoError(t, err)
		}
		require.NotEmpty(t, wholes[busy.ID].Comments)
		require.NotEmpty(t, wholes[busy.ID].WorkNotes)

		require.NoError(t, db.migrateOnce(ctx, all))
		store := db.Incidents()
		for id, whole := range wholes {
			x, err := store.Get(ctx, id)
			require.NoError(t, err)
			assert.Empty(t, x.History, "%s: the document keeps no history", id)
			assert.Empty(t, x.Comments, id)
			assert.Empty(t, x.WorkNotes, id)
			want := whole.Clone()
			want.History, want.Comments, want.WorkNotes = nil, nil, nil
			assert.Equal(t, want, x, id)

			assertLogsMoved(t, id, whole.History, store, mem)
		}

		// The migrated incident goes on, appending after what was moved.
		sqlSvc, err := incident.New(incident.Config{Store: store, Clock: clock})
		require.NoError(t, err)
		_, err = sqlSvc.Close(ctx, carol, incident.Close{ID: busy.ID, Note: "Works"})
		require.NoError(t, err)
		exported, err := sqlSvc.Export(ctx, busy.ID)
		require.NoError(t, err)
		n := len(wholes[busy.ID].History)
		require.Len(t, exported.History, n+1)
		assert.Equal(t, n+1, exported.History[n].Seq)
		assert.Equal(t, "close", exported.History[n].Event)
		_, err = incident.DecodeExport(mustJSON(t, exported))
		assert.NoError(t, err, "the export after the migration checks out")
	})
}

// migratedTo opens a new database of b migrated up to version last only,
// as a database written by an older release is, and returns it with all
// the migrations, for the test to apply the rest.
func migratedTo(t *testing.T, b backend, last int) (*DB, []migration) {
	t.Helper()
	db, err := open(b.DSN(t))
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	all, err := migrations(db.Dialect())
	require.NoError(t, err)
	n := 0
	for n < len(all) && all[n].version <= last {
		n++
	}
	require.Equal(t, last, all[n-1].version, "migration %d exists", last)
	require.NoError(t, db.migrateOnce(context.Background(), all[:n]))
	return db, all
}

// asOfSchema returns tb restricted to the columns its table has in tb's
// database, for writing records as a database migrated to an older
// version holds them: the columns later migrations add keep their
// defaults, as in the rows an older release wrote.
func asOfSchema[T any](t *testing.T, tb *table[T]) *table[T] {
	t.Helper()
	list := `SELECT name FROM pragma_table_info(?)`
	if tb.db.Dialect() == Postgres {
		list = `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?`
	}
	rows, err := tb.db.r.QueryContext(context.Background(), tb.db.q(list), tb.name)
	require.NoError(t, err)
	have := map[string]bool{}
	for rows.Next() {
		var name string
		require.NoError(t, rows.Scan(&name))
		have[name] = true
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	require.True(t, have["doc"], "table %s exists", tb.name)

	old := *tb
	old.cols, old.fields = nil, nil
	var kept []int
	for i, c := range tb.cols {
		if have[c] {
			kept = append(kept, i)
			old.cols, old.fields = append(old.cols, c), append(old.fields, tb.fields[i])
		}
	}
	old.values = func(x T) []any {
		all := tb.values(x)
		out := make([]any, len(kept))
		for i, k := range kept {
			out[i] = all[k]
		}
		return out
	}
	return newTable(tb.db, old)
}

// logs reads a record's history and journal.
type logs interface {
	lifecycle.HistoryReader
	lifecycle.JournalReader
}

// assertLogsMoved checks the logs of record id in the migrated store: its
// history is the one its document held, and its journal is the one the
// in-memory store mem keeps for it, versions included.
func assertLogsMoved(t *testing.T, id string, history []lifecycle.Record, migrated, mem logs) {
	t.Helper()
	ctx := context.Background()
	got, err := lifecycle.ReadAll(ctx, id, migrated.History)
	require.NoError(t, err)
	assert.Equal(t, history, got, "%s: history moved whole", id)
	journal, err := lifecycle.ReadAll(ctx, id, migrated.Journal)
	require.NoError(t, err)
	memJournal, err := lifecycle.ReadAll(ctx, id, mem.Journal)
	require.NoError(t, err)
	assert.Equal(t, memJournal, journal, "%s: the journal as the store keeps it, versions included", id)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}
