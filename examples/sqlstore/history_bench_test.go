package sqlstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/itsmkit/itsm/examples/internal/testdb"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// BenchmarkHistoryGrowth times one more work note on an incident that
// already has 10, 1,000 or 10,000 of them, through incident.Service on
// SQLite and PostgreSQL. The incident's row holds neither its history nor
// its journal, and a write inserts its own entries into their tables, so
// the three cost the same on each database.
//
// Every timed note adds to the same incident: run it with a count small
// next to the notes, as BENCHMARKS.md does (-benchtime=200x), or once, as
// CI does (-benchtime=1x). The incident is built in memory and imported
// with incident.ImportTo, one transaction.
func BenchmarkHistoryGrowth(b *testing.B) {
	for _, be := range testdb.Backends() {
		for _, n := range []int{10, 1_000, 10_000} {
			b.Run(fmt.Sprintf("%s/notes=%d", be.Name, n), func(b *testing.B) {
				if be.Name == testdb.Postgres.Name && !testdb.HavePostgres() {
					b.Skip("ITSM_TEST_POSTGRES_URL not set")
				}
				ctx := context.Background()
				db := openDB(b, be)
				clock := lifecycletest.NewClock(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
				x := noisyIncident(b, clock, n)
				store := db.Incidents()
				if err := incident.ImportTo(ctx, store, x); err != nil {
					b.Fatal(err)
				}
				svc, err := incident.New(incident.Config{Store: store, Clock: clock})
				if err != nil {
					b.Fatal(err)
				}
				agent := lifecycle.Actor{ID: "alice"}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := svc.WorkNote(ctx, agent, incident.WorkNote{ID: x.ID, Text: "still looking"}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// noisyIncident returns an incident, whole, that has n work notes, made
// by the incident service in memory.
func noisyIncident(b *testing.B, clock lifecycle.Clock, n int) *incident.Incident {
	b.Helper()
	ctx := context.Background()
	svc, err := incident.New(incident.Config{Store: incidenttest.NewStore(), IDs: lifecycle.Sequence("INC", 1), Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	agent := lifecycle.Actor{ID: "alice"}
	x, err := svc.Open(ctx, agent, incident.Open{Title: "VPN down", Impact: 2, Urgency: 2})
	if err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if _, err := svc.WorkNote(ctx, agent, incident.WorkNote{ID: x.ID, Text: fmt.Sprintf("note %d", i)}); err != nil {
			b.Fatal(err)
		}
	}
	whole, err := svc.Export(ctx, x.ID)
	if err != nil {
		b.Fatal(err)
	}
	return whole
}
