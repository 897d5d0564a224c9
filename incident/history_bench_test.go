package incident_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

// BenchmarkHistoryGrowth times one more work note on an incident that
// already has 10, 1,000 or 10,000 of them, through the Service on the
// in-memory store. A command loads the incident without its history and
// journal and the store appends the new entries only, so the three cost
// the same.
//
// Every timed note adds to the same incident, so run it with a fixed
// count that is small next to the notes, as BENCHMARKS.md does
// (-benchtime=1000x): each figure then includes the in-memory store's
// slice growth, amortized over the run as for any append.
func BenchmarkHistoryGrowth(b *testing.B) {
	for _, n := range []int{10, 1_000, 10_000} {
		b.Run(fmt.Sprintf("notes=%d", n), func(b *testing.B) {
			ctx := context.Background()
			store := incidenttest.NewStore()
			svc, err := incident.New(incident.Config{Store: store, Notifier: lifecycle.Discard,
				Clock: fixedClock{time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}})
			if err != nil {
				b.Fatal(err)
			}
			x := noisyIncident(b, n)
			if err := incident.ImportTo(ctx, store, x); err != nil {
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

// noisyIncident returns an incident, whole, that has n work notes.
func noisyIncident(b *testing.B, n int) *incident.Incident {
	b.Helper()
	ctx := context.Background()
	svc, err := incident.New(incident.Config{Store: incidenttest.NewStore(), IDs: lifecycle.Sequence("INC", 1),
		Clock: fixedClock{time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}})
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
