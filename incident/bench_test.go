package incident_test

import (
	"context"
	"testing"
	"time"

	"github.com/looplab/fsm"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

// fixedClock is the cheapest lifecycle.Clock: benchmarks measure the
// process, not time.Now.
type fixedClock struct{ t time.Time }

func (c fixedClock) Now() time.Time { return c.t }

// BenchmarkLifecycle runs one incident through its whole life (open,
// assign, hold, resume, resolve, close) through the Service, with the
// in-memory store and a discarding notifier: six stored changes, each
// loaded, checked, recorded and stored with its version.
//
// Compare with BenchmarkLifecycleBareFSM, which keeps one looplab FSM and
// one value and stores nothing. The difference is the looplab FSM built
// per command at the incident's state, and the Store contract: callers
// never share memory with stored state, so every change loads a deep copy
// of the incident and its history. BENCHMARKS.md gives the figures and the
// command that interleaves the two benchmarks.
func BenchmarkLifecycle(b *testing.B) {
	ctx := context.Background()
	clock := fixedClock{time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	ids := lifecycle.Sequence("INC", 9)
	var svc *incident.Service
	agent := lifecycle.Actor{ID: "alice"}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		// A fresh store every 256 lifecycles: a host's store keeps its
		// incidents in a database, not on the Go heap, so the figure is
		// the lifecycle's cost and not the garbage collector scanning the
		// b.N incidents an ever-growing in-memory store would keep (the
		// baseline keeps none).
		if n%256 == 0 {
			var err error
			svc, err = incident.New(incident.Config{Store: incidenttest.NewStore(), Notifier: lifecycle.Discard, Clock: clock, IDs: ids})
			if err != nil {
				b.Fatal(err)
			}
		}
		n++
		x, err := svc.Open(ctx, agent, incident.Open{Title: "VPN down", Impact: 2, Urgency: 1})
		if err != nil {
			b.Fatal(err)
		}
		id := x.ID
		if _, err = svc.Assign(ctx, agent, incident.Assign{ID: id, Group: "network", Assignee: "alice"}); err != nil {
			b.Fatal(err)
		}
		if _, err = svc.Hold(ctx, agent, incident.Hold{ID: id, Reason: incident.HoldAwaitingVendor}); err != nil {
			b.Fatal(err)
		}
		if _, err = svc.Resume(ctx, agent, incident.Resume{ID: id}); err != nil {
			b.Fatal(err)
		}
		if _, err = svc.Resolve(ctx, agent, incident.Resolve{ID: id, Code: incident.CodeSolutionProvided, Notes: "tunnel restarted"}); err != nil {
			b.Fatal(err)
		}
		if _, err = svc.Close(ctx, agent, incident.Close{ID: id}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLifecycleBareFSM is the baseline: the same five events on a
// bare looplab/fsm machine kept for the ticket's life, appending an audit
// record per transition. No validation, no versions, no store, no events.
func BenchmarkLifecycleBareFSM(b *testing.B) {
	ctx := context.Background()
	events := fsm.Events{
		{Name: "assign", Src: []string{"new"}, Dst: "in_progress"},
		{Name: "hold", Src: []string{"in_progress"}, Dst: "on_hold"},
		{Name: "resume", Src: []string{"on_hold"}, Dst: "in_progress"},
		{Name: "resolve", Src: []string{"new", "in_progress", "on_hold"}, Dst: "resolved"},
		{Name: "reopen", Src: []string{"resolved"}, Dst: "in_progress"},
		{Name: "close", Src: []string{"resolved"}, Dst: "closed"},
		{Name: "cancel", Src: []string{"new", "in_progress", "on_hold"}, Dst: "canceled"},
	}
	type ticket struct {
		id      string
		machine *fsm.FSM
		history []lifecycle.Record
	}
	now := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		t := &ticket{id: "INC000000001", machine: fsm.NewFSM("new", events, fsm.Callbacks{})}
		for _, ev := range [...]string{"assign", "hold", "resume", "resolve", "close"} {
			from := t.machine.Current()
			if err := t.machine.Event(ctx, ev); err != nil {
				b.Fatal(err)
			}
			t.history = append(t.history, lifecycle.Record{
				Seq: len(t.history) + 1, Time: now, Actor: "alice", Event: ev, From: from, To: t.machine.Current(),
			})
		}
	}
}
