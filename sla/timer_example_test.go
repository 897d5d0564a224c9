package sla_test

import (
	"context"
	"fmt"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/sla"
	"github.com/itsmkit/itsm/sla/slatest"
)

// An incident put on hold while waiting for the caller: the resolution
// timer pauses, the wait is not counted, and the due time moves.
func Example_pausedIncident() {
	resolution := &sla.Agreement{
		ID: "resolution", Type: sla.TypeSLA, Target: sla.TargetResolution,
		Durations: map[int]time.Duration{1: 4 * time.Hour, 2: 8 * time.Hour},
		Start:     func(s lifecycle.Snapshot) bool { return s.State != "canceled" },
		Stop:      func(s lifecycle.Snapshot) bool { return s.State == "resolved" },
		Pause:     func(s lifecycle.Snapshot) bool { return s.HoldReason == "awaiting_caller" },
	}
	if err := resolution.Validate(); err != nil {
		panic(err)
	}
	opened := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	incident := lifecycle.Snapshot{State: "in_progress", Priority: 2, OpenedAt: opened}

	timer, _, err := sla.Attach(resolution, "INC0001", incident, opened)
	if err != nil {
		panic(err)
	}
	fmt.Println("due:", timer.Due.Format(time.Kitchen))

	incident.State, incident.HoldReason = "on_hold", "awaiting_caller"
	if err := timer.Observe(resolution, incident, opened.Add(3*time.Hour)); err != nil {
		panic(err)
	}
	st := timer.Status(resolution.Calendar, opened.Add(5*time.Hour))
	fmt.Printf("%s: elapsed %v, paused %v, %.1f%%\n", st.Stage, st.Elapsed, st.Paused, st.Percent)

	incident.State, incident.HoldReason = "in_progress", ""
	if err := timer.Observe(resolution, incident, opened.Add(6*time.Hour)); err != nil {
		panic(err)
	}
	fmt.Printf("%s: elapsed %v, paused %v, due %s\n", timer.Stage, timer.Elapsed, timer.Paused, timer.Due.Format(time.Kitchen))
	next, _ := timer.NextDeadline()
	fmt.Println("next deadline:", next.Format(time.Kitchen))
	// Output:
	// due: 5:00PM
	// paused: elapsed 3h0m0s, paused 2h0m0s, 37.5%
	// in_progress: elapsed 3h0m0s, paused 3h0m0s, due 8:00PM
	// next deadline: 4:00PM
}

// An engine follows an incident's events; a scheduler's EvaluateDue fires
// the warnings and the breach, each once, after storing the timer.
func Example_breach() {
	ctx := context.Background()
	opened := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	clock := lifecycletest.NewClock(opened)
	notifications := &slatest.Recorder{}
	engine, err := sla.New(sla.Config{
		Store:    slatest.NewStore(),
		Notifier: notifications,
		Clock:    clock,
		Agreements: []*sla.Agreement{{
			ID: "p1-resolution", Type: sla.TypeSLA, Target: sla.TargetResolution, Process: "incident",
			Durations: map[int]time.Duration{1: 4 * time.Hour},
			Warnings:  []float64{75},
			Start:     func(s lifecycle.Snapshot) bool { return s.State != "canceled" },
			Stop:      func(s lifecycle.Snapshot) bool { return s.State == "resolved" },
		}},
	})
	if err != nil {
		panic(err)
	}

	// The incident service notifies its events; the engine is one of its
	// notifiers.
	err = engine.Notify(ctx, lifecycle.Notification{
		Process: "incident", Subject: "INC0042", Type: "opened", Version: 1, Time: opened,
		Snapshot: lifecycle.Snapshot{State: "new", Priority: 1, Group: "network", OpenedAt: opened},
	})
	if err != nil {
		panic(err)
	}

	for _, hours := range []int{2, 4, 5} { // a scheduler waking up
		now := opened.Add(time.Duration(hours) * time.Hour)
		clock.Set(now)
		n, err := engine.EvaluateDue(ctx, now)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%s: %d fired\n", now.Format(time.Kitchen), n)
	}
	for _, e := range notifications.Events() {
		fmt.Println(e.Type, e.Value(sla.DataPercent)+"%", e.Time.Format(time.Kitchen), e.Snapshot.Group, e.ID)
	}
	// Output:
	// 11:00AM: 0 fired
	// 1:00PM: 2 fired
	// 2:00PM: 0 fired
	// sla.warning 75% 12:00PM network sla/INC0042/p1-resolution/1/0
	// sla.breached 100% 1:00PM network sla/INC0042/p1-resolution/1/1
}

// A relay delivers an incident's changes out of order: "on hold" (version
// 2) arrives after "resumed" (version 3). The engine counts it where it
// belongs: the hour on hold is paused time, not elapsed.
func Example_reorderedEvents() {
	ctx := context.Background()
	opened := time.Date(2026, 3, 9, 9, 0, 0, 0, time.UTC)
	store := slatest.NewStore()
	engine, err := sla.New(sla.Config{
		Store: store,
		Clock: lifecycletest.NewClock(opened.Add(3 * time.Hour)),
		Agreements: []*sla.Agreement{{
			ID: "resolution", Type: sla.TypeSLA, Target: sla.TargetResolution,
			Durations: map[int]time.Duration{0: 8 * time.Hour},
			Start:     func(s lifecycle.Snapshot) bool { return s.State != "canceled" },
			Stop:      func(s lifecycle.Snapshot) bool { return s.State == "resolved" },
			Pause:     func(s lifecycle.Snapshot) bool { return s.State == "on_hold" },
		}},
	})
	if err != nil {
		panic(err)
	}
	event := func(version int64, after time.Duration, state string) lifecycle.Notification {
		return lifecycle.Notification{Process: "incident", Subject: "INC0002", Version: version,
			Time: opened.Add(after), Snapshot: lifecycle.Snapshot{State: state}}
	}
	for _, ev := range []lifecycle.Notification{
		event(1, 0, "in_progress"),
		event(3, 2*time.Hour, "in_progress"),
		event(2, time.Hour, "on_hold"),       // late
		event(3, 2*time.Hour, "in_progress"), // redelivered
	} {
		if err := engine.Observe(ctx, ev); err != nil {
			panic(err)
		}
	}
	timer, err := store.Get(ctx, sla.TimerID("INC0002", "resolution"))
	if err != nil {
		panic(err)
	}
	fmt.Printf("elapsed %v, paused %v, due %s\n", timer.Elapsed, timer.Paused, timer.Due.Format(time.Kitchen))
	// Output: elapsed 1h0m0s, paused 1h0m0s, due 6:00PM
}
