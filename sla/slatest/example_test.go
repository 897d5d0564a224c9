package slatest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

// Timers stored in the in-memory store are found by Due when their next
// warning or breach falls due. A host proves its own Store with
// slatest.TestStore(t, newStore).
func ExampleNewStore() {
	ctx := context.Background()
	store := slatest.NewStore()
	a := &sla.Agreement{
		ID: "p2-resolution", Type: sla.TypeSLA, Target: sla.TargetResolution,
		Durations: map[int]time.Duration{2: 4 * time.Hour},
		Start:     func(s lifecycle.Snapshot) bool { return s.State != "" },
		Stop:      func(s lifecycle.Snapshot) bool { return s.State == "resolved" },
	}
	opened := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	t, _, err := sla.Attach(a, "INC1", lifecycle.Snapshot{State: "new", Priority: 2}, opened)
	if err != nil {
		panic(err)
	}
	if err := store.Commit(ctx, lifecycle.Write[*sla.Timer]{Record: t}); err != nil {
		panic(err)
	}
	due, _ := store.Due(ctx, opened.Add(2*time.Hour), 10) // the 50 % warning
	fmt.Println(len(due), due[0].Next.Format("15:04"))
	// Output: 1 11:00
}
