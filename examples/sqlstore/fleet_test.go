package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
)

// fleetStart is when every timer of a due fleet starts, and fleetAt the
// instant it is evaluated at: past its 50 % warning and its breach, so each
// timer fires two events, one evaluation each.
var (
	fleetStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	fleetAt    = fleetStart.Add(5 * time.Hour)
)

// fleetAgreement is the agreement of a due fleet: resolution in 4 h, a
// warning at 50 %.
func fleetAgreement() *sla.Agreement {
	return &sla.Agreement{
		ID: "resolution", Name: "Resolution in 4h", Type: sla.TypeSLA, Target: sla.TargetResolution,
		Process:   "incident",
		Durations: map[int]time.Duration{0: 4 * time.Hour},
		Warnings:  []float64{50},
		Start:     func(lifecycle.Snapshot) bool { return true },
		Stop:      func(s lifecycle.Snapshot) bool { return s.State == "resolved" },
	}
}

// fleetEvents is how many events a due fleet of n timers fires at fleetAt.
func fleetEvents(n int) int { return 2 * n }

// seedFleet stores n running timers of fleetAgreement, due at fleetAt, in
// the PostgreSQL database db, a few thousand rows a statement (the fleet
// of a benchmark is large; Commit, one transaction a timer, would take
// longer than what it measures).
func seedFleet(tb testing.TB, db *DB, n int) {
	tb.Helper()
	if db.Dialect() != Postgres {
		tb.Fatal("seedFleet: a PostgreSQL database is required")
	}
	ctx := context.Background()
	a := fleetAgreement()
	s := lifecycle.Snapshot{State: "in_progress", Group: "service-desk", Priority: 3, OpenedAt: fleetStart}
	tm, ok, err := sla.Attach(a, "REC-0", s, fleetStart)
	if err != nil || !ok {
		tb.Fatalf("attach: %v (attached %v)", err, ok)
	}
	tm.Version = 1
	const chunk = 5_000
	insert := db.q(`INSERT INTO sla_timers (id, version, doc, record_id, agreement_id, stage, breached, next_at, updated_at)
SELECT id, 1, doc::json, rec, ?, ?, false, ?, ? FROM unnest(CAST(? AS text[]), CAST(? AS text[]), CAST(? AS text[])) AS f(id, rec, doc)`)
	vals := db.Timers().t.values(tm)
	for from := 0; from < n; from += chunk {
		var ids, recs, docs []string
		for i := from; i < min(n, from+chunk); i++ {
			c := *tm
			c.RecordID = fleetRecord(i)
			c.ID = c.RecordID + "/" + a.ID
			doc, err := json.Marshal(&c)
			if err != nil {
				tb.Fatal(err)
			}
			ids, recs, docs = append(ids, c.ID), append(recs, c.RecordID), append(docs, string(doc))
		}
		if _, err := db.w.ExecContext(ctx, insert, vals[1], vals[2], vals[4], vals[5], ids, recs, docs); err != nil {
			tb.Fatalf("seed fleet: %v", err)
		}
	}
}

// fleetRecord is the record ID of fleet timer i.
func fleetRecord(i int) string { return fmt.Sprintf("REC-%06d", i) }

// resetFleet empties the timers and the outbox of db.
func resetFleet(tb testing.TB, db *DB) {
	tb.Helper()
	if _, err := db.w.ExecContext(context.Background(), `TRUNCATE sla_timers, outbox`); err != nil {
		tb.Fatalf("reset fleet: %v", err)
	}
}

// fleetOutbox counts the SLA events of db's outbox by event ID: how many
// rows each ID has, and how many distinct IDs each (timer, cycle,
// threshold) fired under. A fleet evaluated exactly once has one row per
// ID and one ID per deadline: fleetEvents(n) of each.
func fleetOutbox(tb testing.TB, db *DB) (rowsPerID map[string]int, idsPerDeadline map[string]int) {
	tb.Helper()
	rows, err := db.r.QueryContext(context.Background(), db.q(`SELECT event_id, doc FROM outbox WHERE process = ?`), sla.Process)
	if err != nil {
		tb.Fatalf("read outbox: %v", err)
	}
	defer rows.Close()
	rowsPerID, idsPerDeadline = map[string]int{}, map[string]int{}
	seen := map[string]bool{}
	for rows.Next() {
		var id string
		var doc []byte
		if err := rows.Scan(&id, &doc); err != nil {
			tb.Fatalf("read outbox: %v", err)
		}
		rowsPerID[id]++
		var e lifecycle.Notification
		if err := json.Unmarshal(doc, &e); err != nil {
			tb.Fatalf("event %s: %v", id, err)
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		idsPerDeadline[deadlineKey(e)]++
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("read outbox: %v", err)
	}
	return rowsPerID, idsPerDeadline
}

// deadlineKey names the deadline an SLA event fired: its timer, cycle and
// threshold.
func deadlineKey(e lifecycle.Notification) string {
	return fmt.Sprintf("%s cycle=%v percent=%v", e.Subject, e.Value(sla.DataCycle), e.Value(sla.DataPercent))
}
