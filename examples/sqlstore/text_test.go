package sqlstore

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
	"github.com/itsmkit/itsm/problem/problemtest"
	"github.com/itsmkit/itsm/sla/slatest"
)

// unstorable are strings that PostgreSQL cannot take as text: NUL and
// bytes that are not UTF-8.
var unstorable = []string{"\x00", "INC\x00", "\xff", "%\xff", "caf\xe9", "\xed\xa0\x80"}

// requireField fails unless err is a *lifecycle.ValidationError naming
// field.
func requireField(t *testing.T, err error, field string) {
	t.Helper()
	require.ErrorIs(t, err, lifecycle.ErrValidation)
	var ve *lifecycle.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, field, ve.Field, "%v", err)
}

// TestUnstorableIDsAreNotFound: an ID that no record can have is
// ErrNotFound for Get and Update, on both dialects, without a driver error.
func TestUnstorableIDsAreNotFound(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		x := openIncident(t, db)
		for _, id := range unstorable {
			_, err := db.Incidents().Get(ctx, id)
			require.ErrorIs(t, err, lifecycle.ErrNotFound, "incident %q", id)
			_, err = db.Problems().Get(ctx, id)
			require.ErrorIs(t, err, lifecycle.ErrNotFound, "problem %q", id)
			_, err = db.Changes().Get(ctx, id)
			require.ErrorIs(t, err, lifecycle.ErrNotFound, "change %q", id)
			_, err = db.Timers().Get(ctx, id)
			require.ErrorIs(t, err, lifecycle.ErrNotFound, "timer %q", id)
			_, err = db.Services().GetService(ctx, id)
			require.ErrorIs(t, err, lifecycle.ErrNotFound, "service %q", id)
			_, err = db.Improvements().GetImprovement(ctx, id)
			require.ErrorIs(t, err, lifecycle.ErrNotFound, "improvement %q", id)

			ghost := x.Clone()
			ghost.ID, ghost.Version = id, 2
			err = update(ctx, db.Incidents(), ghost, 1, []lifecycle.Notification{{ID: "ghost", Process: "incident", Subject: id}}...)
			require.ErrorIs(t, err, lifecycle.ErrNotFound, "update of incident %q", id)

			ts, err := db.Timers().ListByRecord(ctx, id)
			require.NoError(t, err)
			assert.Empty(t, ts)
		}
		// A canceled context still wins.
		canceled, cancel := context.WithCancel(ctx)
		cancel()
		_, err := db.Incidents().Get(canceled, "\xff")
		require.ErrorIs(t, err, context.Canceled)
		ids, _ := outboxIDs(t, db)
		assert.Len(t, ids, 1, "only the opening event is queued")
	})
}

// TestUnstorableValuesAreValidationErrors: text that a column, a link
// table or the outbox cannot hold is a *lifecycle.ValidationError naming
// the record's field, on both dialects, and nothing is written.
func TestUnstorableValuesAreValidationErrors(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		x := openIncident(t, db)
		// next is x, as stored (without history), updated by edit as the
		// next version.
		next := func(edit func(*incident.Incident)) *incident.Incident {
			y := x.Clone()
			y.Version = x.Version + 1
			edit(y)
			return y
		}
		is := db.Incidents()
		for _, bad := range []string{"g\x00", "g\xff"} {
			requireField(t, update(ctx, is, next(func(y *incident.Incident) { y.Group = bad }), 1), "group")
			requireField(t, update(ctx, is, next(func(y *incident.Incident) { y.Assignee = bad }), 1), "assignee")
			requireField(t, update(ctx, is, next(func(y *incident.Incident) { y.Parent = bad }), 1), "parent")
			dup := x.Clone()
			dup.ID = "INC" + bad
			requireField(t, create(ctx, is, dup), "id")
		}
		// The document holds any text but invalid UTF-8, which JSON would
		// silently replace.
		requireField(t, update(ctx, is, next(func(y *incident.Incident) { y.Title = "caf\xe9" }), 1), "title")
		requireField(t, update(ctx, is, next(func(y *incident.Incident) {
			y.Attributes = map[string]string{"site": "Ly\xffon"}
		}), 1), "attributes.site")
		// The outbox's columns and documents likewise.
		ev := func(e lifecycle.Notification) []lifecycle.Notification {
			if e.ID == "" {
				e.ID = "ev/1"
			}
			e.Process, e.Type = "incident", "test"
			return []lifecycle.Notification{e}
		}
		y := next(func(y *incident.Incident) { y.Title = "renamed" })
		requireField(t, update(ctx, is, y, 1, ev(lifecycle.Notification{Subject: "INC\x00"})...), "event.subject")
		requireField(t, update(ctx, is, y, 1, ev(lifecycle.Notification{ID: "ev/\xff"})...), "event.id")
		requireField(t, update(ctx, is, y, 1, ev(lifecycle.Notification{Actor: "\xff"})...), "event.actor")

		got, err := is.Get(ctx, x.ID)
		require.NoError(t, err)
		assert.Equal(t, int64(1), got.Version, "nothing was written")
		ids, _ := outboxIDs(t, db)
		assert.Len(t, ids, 1, "no event of a refused write was queued")

		// NUL is fine where only the document holds it.
		require.NoError(t, update(ctx, is, next(func(y *incident.Incident) { y.Title = "nul\x00here" }), 1))
		got, err = is.Get(ctx, x.ID)
		require.NoError(t, err)
		assert.Equal(t, "nul\x00here", got.Title)

		// Problems search their title and known error in a column.
		p := problemtest.Fixture("PRB-1")
		p.Title = "nul\x00"
		requireField(t, create(ctx, db.Problems(), p), "title")
		p = problemtest.Fixture("PRB-1")
		p.KnownError.Workaround = "\x00"
		requireField(t, create(ctx, db.Problems(), p), "known_error.workaround")
		p = problemtest.Fixture("PRB-1")
		p.Incidents = []string{"INC-1", "INC\x00"}
		requireField(t, create(ctx, db.Problems(), p), "incidents")
		_, err = db.Problems().Get(ctx, "PRB-1")
		require.ErrorIs(t, err, lifecycle.ErrNotFound)

		// Changes keep their configuration items in a link table.
		c := openChange(t, db)
		c2 := c.Clone()
		c2.Version++
		c2.ConfigItems = []string{"db\xff"}
		requireField(t, update(ctx, db.Changes(), c2, c.Version), "config_items")
		c2.ConfigItems, c2.Requester = c.ConfigItems, "\x00"
		requireField(t, update(ctx, db.Changes(), c2, c.Version), "requester")

		// Timers and their claims.
		tm := slatest.Fixture("INC\x00", "resolution", t0)
		tm.ID = "timer-1"
		requireField(t, create(ctx, db.Timers(), tm), "record_id")
		_, err = db.Timers().Claim(ctx, "replica\x00", t0, 10, time.Minute)
		requireField(t, err, "owner")

		// Services keep configuration items and agreements in link tables.
		svc := &lifecycle.ITService{ID: "SVC-1", Version: 1, Name: "Mail", Status: lifecycle.StatusRequirements,
			Agreements: []lifecycle.AgreementLink{{ID: "sla\xff", Kind: lifecycle.AgreementSLA}}}
		requireField(t, db.Services().CommitService(ctx, lifecycle.Write[*lifecycle.ITService]{Record: svc}), "agreements")
		svc.Agreements, svc.Owner = nil, "\x00"
		requireField(t, db.Services().CommitService(ctx, lifecycle.Write[*lifecycle.ITService]{Record: svc}), "owner")
		imp := &lifecycle.Improvement{ID: "IMP-1", Version: 1, ServiceID: "SVC\x00", Title: "t", Status: lifecycle.ImprovementProposed}
		requireField(t, db.Improvements().CommitImprovement(ctx, lifecycle.Write[*lifecycle.Improvement]{Record: imp}), "service_id")
	})
}

// TestUnstorableFiltersMatchNothing: a filter value that no record can hold
// matches nothing, on both dialects, instead of failing.
func TestUnstorableFiltersMatchNothing(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		openIncident(t, db)
		require.NoError(t, create(ctx, db.Problems(), problemtest.Fixture("PRB-1")))
		for _, bad := range unstorable {
			ip, err := db.Incidents().List(ctx, incident.Filter{Assignee: bad})
			require.NoError(t, err)
			assert.Empty(t, ip.Incidents)
			ip, err = db.Incidents().List(ctx, incident.Filter{States: []incident.State{incident.State(bad)}})
			require.NoError(t, err)
			assert.Empty(t, ip.Incidents)
			// A storable value next to it still matches.
			ip, err = db.Incidents().List(ctx, incident.Filter{States: []incident.State{incident.State(bad), incident.StateNew}})
			require.NoError(t, err)
			assert.Len(t, ip.Incidents, 1)
			pp, err := db.Problems().List(ctx, problem.Filter{Incident: bad})
			require.NoError(t, err)
			assert.Empty(t, pp.Problems)
			kp, err := db.Problems().SearchKnownErrors(ctx, problem.KnownErrorQuery{Text: "spool " + bad})
			require.NoError(t, err)
			assert.Empty(t, kp, "no known error holds %q", bad)
			kp, err = db.Problems().SearchKnownErrors(ctx, problem.KnownErrorQuery{Text: "spool"})
			require.NoError(t, err)
			assert.Len(t, kp, 1)
			cp, err := db.Changes().List(ctx, change.Filter{ConfigItem: bad})
			require.NoError(t, err)
			assert.Empty(t, cp.Changes)
			cs, err := db.Changes().Scheduled(ctx, []string{bad}, t0, t0.Add(time.Hour))
			require.NoError(t, err)
			assert.Empty(t, cs)
			sp, err := db.Services().ListServices(ctx, lifecycle.ServiceFilter{Agreement: bad})
			require.NoError(t, err)
			assert.Empty(t, sp.Services)
		}
	})
}

// TestCursorsThatWereNeverIssued: List pages after any cursor as a
// byte-wise comparison with it would, on both dialects, even one that no
// ID can equal.
func TestCursorsThatWereNeverIssued(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		ids := []string{"P", "PA", "Pz", "P\u00e9", "P\u0101a", "Q"} // in byte order
		for _, id := range ids {
			require.NoError(t, create(ctx, db.Problems(), problemtest.Fixture(id)))
		}
		for _, after := range []string{"P", "P\x00", "P\x00z", "P\xc3", "P\xc3\xa9\xff", "P\xc4", "P\xc4\x81\x00",
			"P\x80", "P\xc0", "P\xff", "\xff", "\xf4\x90", "", "O\xff"} {
			var want []string
			for _, id := range ids {
				if id > after {
					want = append(want, id)
				}
			}
			page, err := db.Problems().List(ctx, problem.Filter{After: after})
			require.NoError(t, err, "%q", after)
			var got []string
			for _, p := range page.Problems {
				got = append(got, p.ID)
			}
			assert.Equal(t, want, got, "after %q", after)
		}
	})
}

// The universe of storable IDs the cursor tests compare against: short
// strings of characters at the edges of UTF-8's encoding lengths.
var cursorRunes = []string{"\x01", "A", "a", "\x7f", "\u0080", "\u00e9", "\u07ff", "\u0800", "\ud7ff", "\ue000",
	"\uffff", "\U00010000", "\U0010fffe", "\U0010ffff"}

func cursorUniverse() []string {
	ids := []string{""}
	for _, a := range cursorRunes {
		ids = append(ids, a)
		for _, b := range cursorRunes {
			ids = append(ids, a+b)
		}
	}
	return ids
}

// checkAfterBound fails unless afterBound(after) selects exactly the IDs
// of ids that sort after it.
func checkAfterBound(t *testing.T, ids []string, after string) {
	t.Helper()
	op, bound, ok := afterBound(after)
	if ok && !storable(bound) {
		t.Fatalf("afterBound(%q) = %q, which cannot be bound", after, bound)
	}
	for _, id := range ids {
		want := id > after
		got := ok && (op == ">" && id > bound || op == ">=" && id >= bound)
		if got != want {
			t.Fatalf("afterBound(%q) = %s %q (ok %v): id %q selected %v, want %v", after, op, bound, ok, id, got, want)
		}
	}
}

func TestAfterBound(t *testing.T) {
	t.Parallel()
	ids := cursorUniverse()
	tails := []string{"", "\x00", "\x80", "\xbf", "\xc0", "\xc1\xbf", "\xc2", "\xdf", "\xe0\x80", "\xe0\xa0", "\xed\xa0\x80",
		"\xef\xbf", "\xf0", "\xf0\x8f", "\xf4\x8f\xbf", "\xf4\x90\x80\x80", "\xf5", "\xff", "\x00\xff"}
	for _, head := range append([]string{""}, cursorRunes...) {
		for _, tail := range tails {
			checkAfterBound(t, ids, head+tail)
			checkAfterBound(t, ids, head+tail+"A")
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(6))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		checkAfterBound(t, ids, string(b))
	}
}

// FuzzAfterBound checks afterBound against a byte-wise comparison for any
// cursor.
func FuzzAfterBound(f *testing.F) {
	for _, s := range []string{"", "A", "\x00", "\xff", "\xc3", "\xed\xa0\x80", "\U0010ffff\xff", "a\xf4\x90"} {
		f.Add(s)
	}
	ids := cursorUniverse()
	f.Fuzz(func(t *testing.T, after string) { checkAfterBound(t, ids, after) })
}

func TestSuccessor(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"a": "b", "a\U0010ffff": "b", "\ud7ff": "\ue000", "x\u00ff": "x\u0100"} {
		got, ok := successor(in)
		assert.True(t, ok)
		assert.Equal(t, want, got, "%q", in)
	}
	for _, in := range []string{"", "\U0010ffff", "\U0010ffff\U0010ffff"} {
		_, ok := successor(in)
		assert.False(t, ok, "%q", in)
	}
}

// openIncident opens an incident through the service, so that it is one
// the store decodes.
func openIncident(t *testing.T, db *DB) *incident.Incident {
	t.Helper()
	x, err := incidents(t, db, lifecycletest.NewClock(t0)).Open(context.Background(), agent,
		incident.Open{Title: "Mail is down", Impact: 2, Urgency: 2})
	require.NoError(t, err)
	return x
}

// openChange creates a normal change on db1 through the service.
func openChange(t *testing.T, db *DB) *change.Change {
	t.Helper()
	svc, err := change.New(change.Config{Store: db.Changes(), Clock: lifecycletest.NewClock(t0), Notifier: lifecycle.Discard})
	require.NoError(t, err)
	c, err := svc.Create(context.Background(), agent, change.Create{
		Type: change.Normal, Title: "Patch db1", ConfigItems: []string{"db1"},
		Plans: change.Plans{Implementation: "patch", Backout: "restore", Test: "query"},
	})
	require.NoError(t, err)
	return c
}

func TestCheckUTF8Paths(t *testing.T) {
	t.Parallel()
	ev := lifecycle.Notification{ID: "e", Snapshot: lifecycle.Snapshot{Attributes: map[string]string{"k": "\xff"}}}
	var ve *lifecycle.ValidationError
	require.True(t, errors.As(checkUTF8("", ev), &ve))
	assert.Equal(t, "snapshot.attributes.k", ve.Field)
	require.True(t, errors.As(checkUTF8("event", ev), &ve))
	assert.Equal(t, "event.snapshot.attributes.k", ve.Field)
	require.NoError(t, checkUTF8("", slatest.Fixture("INC-1", "resolution", t0)))
	require.NoError(t, checkUTF8("", problemtest.Fixture("PRB-1")))
}
