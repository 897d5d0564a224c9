package lifecycletest_test

import (
	"slices"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

type (
	wkState string
	wkEvent string
)

// wkMachine is a ticket: new, worked on, held, done or dropped; notes keep
// its state.
var wkMachine = lifecycle.NewMachine(lifecycle.Definition[wkState, wkEvent, *int]{
	Process: "ticket",
	Initial: "new",
	States:  []wkState{"new", "work", "wait", "done", "dropped"},
	Events:  []wkEvent{"start", "hold", "resume", "finish", "drop", "note"},
	Transitions: []lifecycle.Transition[wkState, wkEvent, *int]{
		{Event: "start", From: []wkState{"new"}, To: "work"},
		{Event: "hold", From: []wkState{"work"}, To: "wait"},
		{Event: "resume", From: []wkState{"wait"}, To: "work"},
		{Event: "finish", From: []wkState{"work", "wait"}, To: "done"},
		{Event: "drop", From: []wkState{"new", "work", "wait"}, To: "dropped"},
		{Event: "note", From: []wkState{"new", "work", "wait"}, To: "new"},
	},
})

var wkWalker = lifecycletest.Walker[wkState, wkEvent]{Allowed: wkMachine.Allowed, Target: wkMachine.Target}

var wkReplay = lifecycle.Replay[wkState, wkEvent, *int]{Machine: wkMachine, Creation: "open"}

func wkCreation() []lifecycle.Record {
	return []lifecycle.Record{{Seq: 1, Time: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Actor: "ann", Event: "open", To: "new"}}
}

func TestWalkerPath(t *testing.T) {
	for _, c := range []struct {
		from, to wkState
		want     []wkEvent
	}{
		{"new", "new", nil},
		{"new", "work", []wkEvent{"start"}},
		{"new", "wait", []wkEvent{"start", "hold"}},
		{"wait", "done", []wkEvent{"finish"}}, // not through resume
		{"work", "new", []wkEvent{"note"}},
	} {
		got, err := wkWalker.Path(c.from, c.to)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("Path(%s, %s) = %v, %v; want %v", c.from, c.to, got, err, c.want)
		}
	}
	for _, c := range [][2]wkState{{"done", "new"}, {"dropped", "work"}, {"new", "nowhere"}} {
		if got, err := wkWalker.Path(c[0], c[1]); err == nil {
			t.Errorf("Path(%s, %s) = %v; want an error: no path", c[0], c[1], got)
		}
	}
}

// TestWalkerBuildsReplayableHistories: every history To and Fire build
// replays through the machine, to the state it ends in, at the version
// its length gives.
func TestWalkerBuildsReplayableHistories(t *testing.T) {
	for _, state := range []wkState{"new", "work", "wait", "done", "dropped"} {
		h, err := wkWalker.To(wkCreation(), lifecycle.Record{Actor: "bob"}, state)
		if err != nil {
			t.Fatalf("To(%s): %v", state, err)
		}
		if err := wkReplay.Check(h, state, int64(len(h))); err != nil {
			t.Errorf("To(%s) built %+v, which does not replay: %v", state, h, err)
		}
	}
	note := lifecycle.Record{Actor: "bob", Note: "a note", Changes: []lifecycle.FieldChange{{Field: "title", New: "t"}}}
	h, err := wkWalker.Fire(wkCreation(), note, "start", "hold", "resume", "finish")
	if err != nil {
		t.Fatal(err)
	}
	if err := wkReplay.Check(h, "done", 5); err != nil {
		t.Errorf("Fire built %+v, which does not replay: %v", h, err)
	}
	if h[4].Note != "a note" || h[4].Actor != "bob" || len(h[4].Changes) != 1 {
		t.Errorf("Fire's record is not a copy of its template: %+v", h[4])
	}
	h[1].Changes[0].New = "changed"
	if h[2].Changes[0].New != "t" || note.Changes[0].New != "t" {
		t.Error("Fire's records share their changes")
	}
}

func TestWalkerRefuses(t *testing.T) {
	start := wkCreation()
	if h, err := wkWalker.Fire(start, lifecycle.Record{}, "start", "start"); err == nil || len(h) != 1 {
		t.Errorf("Fire(start, start) = %d records, %v; want the history as it was and an error", len(h), err)
	}
	if _, err := wkWalker.Fire(nil, lifecycle.Record{}, "start"); err == nil {
		t.Error("Fire on no history: want an error, a history starts with its creation")
	}
	if _, err := wkWalker.To(nil, lifecycle.Record{}, "work"); err == nil {
		t.Error("To on no history: want an error")
	}
	if h, err := wkWalker.To(start, lifecycle.Record{}, "nowhere"); err == nil || len(h) != 1 {
		t.Errorf("To(nowhere) = %d records, %v; want an error", len(h), err)
	}
}
