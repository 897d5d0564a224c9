package lifecycletest_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

func TestAppliedCheckRefused(t *testing.T) {
	invalid := lifecycle.Invalid("title", "required")
	good := lifecycletest.Applied{Before: 1, After: 1, Err: invalid}
	passes(t, "a refusal", func(f *tbFailures) { good.CheckRefused(f, "title", lifecycle.ErrValidation) })
	fails(t, "another field", func(f *tbFailures) { good.CheckRefused(f, "note") })
	fails(t, "another class", func(f *tbFailures) { good.CheckRefused(f, "", lifecycle.ErrConflict) })
	fails(t, "no error", func(f *tbFailures) { lifecycletest.Applied{Before: 1, After: 1}.CheckRefused(f, "") })
	fails(t, "a changed record", func(f *tbFailures) {
		lifecycletest.Applied{Before: 1, After: 2, Err: invalid}.CheckRefused(f, "")
	})
	fails(t, "events", func(f *tbFailures) {
		lifecycletest.Applied{Before: 1, After: 1, Events: []lifecycle.Notification{{}}, Err: invalid}.CheckRefused(f, "")
	})
}

func TestAppliedCheckNoTransition(t *testing.T) {
	te := &lifecycle.TransitionError{Process: "ticket", Subject: "T1", From: "done", Event: "start", Allowed: []string{}}
	a := lifecycletest.Applied{Before: 1, After: 1, Err: te}
	want := lifecycle.TransitionError{Process: "ticket", Subject: "T1", From: "done", Event: "start", Allowed: []string{}}
	passes(t, "a refused pair", func(f *tbFailures) {
		if got := a.CheckNoTransition(f, want); got != te {
			f.Errorf("returned %v, not the error", got)
		}
	})
	passes(t, "a refused pair, unnamed", func(f *tbFailures) {
		a.CheckNoTransition(f, lifecycle.TransitionError{From: "done", Event: "start"})
	})
	for name, edit := range map[string]func(w *lifecycle.TransitionError){
		"another state":   func(w *lifecycle.TransitionError) { w.From = "new" },
		"another event":   func(w *lifecycle.TransitionError) { w.Event = "drop" },
		"another process": func(w *lifecycle.TransitionError) { w.Process = "change" },
		"another subject": func(w *lifecycle.TransitionError) { w.Subject = "T2" },
		"other allowed":   func(w *lifecycle.TransitionError) { w.Allowed = []string{"note"} },
	} {
		w := want
		edit(&w)
		fails(t, name, func(f *tbFailures) { a.CheckNoTransition(f, w) })
	}
	guarded := *te
	guarded.Reason = errors.New("not yet")
	fails(t, "a guard's refusal", func(f *tbFailures) {
		lifecycletest.Applied{Before: 1, After: 1, Err: &guarded}.CheckNoTransition(f, want)
	})
	fails(t, "a validation error", func(f *tbFailures) {
		lifecycletest.Applied{Before: 1, After: 1, Err: lifecycle.Invalid("x", "y")}.CheckNoTransition(f, want)
	})
}

func TestCheckAppended(t *testing.T) {
	before := wkCreation()
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	after, err := wkWalker.Fire(before, lifecycle.Record{Actor: "bob", Time: at}, "start")
	if err != nil {
		t.Fatal(err)
	}
	want := lifecycle.Record{Event: "start", From: "new", To: "work", Actor: "bob", Time: at}
	passes(t, "one record", func(f *tbFailures) { lifecycletest.CheckAppended(f, before, after, want) })
	passes(t, "one record, by anyone", func(f *tbFailures) {
		lifecycletest.CheckAppended(f, before, after, lifecycle.Record{Event: "start", From: "new", To: "work"})
	})
	for name, w := range map[string]lifecycle.Record{
		"another event": {Event: "drop", From: "new", To: "work"},
		"another from":  {Event: "start", From: "work", To: "work"},
		"another to":    {Event: "start", From: "new", To: "done"},
		"another actor": {Event: "start", From: "new", To: "work", Actor: "ann"},
		"another time":  {Event: "start", From: "new", To: "work", Time: at.Add(time.Minute)},
	} {
		fails(t, name, func(f *tbFailures) { lifecycletest.CheckAppended(f, before, after, w) })
	}
	two, _ := wkWalker.Fire(before, lifecycle.Record{}, "start", "hold")
	fails(t, "two records", func(f *tbFailures) { lifecycletest.CheckAppended(f, before, two, want) })
	rewritten := lifecycle.CloneHistory(after)
	rewritten[0].Actor = "eve"
	fails(t, "a rewritten record", func(f *tbFailures) { lifecycletest.CheckAppended(f, before, rewritten, want) })
	misnumbered := lifecycle.CloneHistory(after)
	misnumbered[1].Seq = 5
	fails(t, "a misnumbered record", func(f *tbFailures) { lifecycletest.CheckAppended(f, before, misnumbered, want) })
}

func TestCheckNotified(t *testing.T) {
	snap := lifecycle.Snapshot{State: "work"}
	evs := []lifecycle.Notification{
		{ID: lifecycle.NotificationID("ticket", "T1", 2, 0), Process: "ticket", From: "new", To: "work", Version: 2, Snapshot: snap},
		{ID: lifecycle.NotificationID("ticket", "T1", 2, 1), Process: "ticket", From: "new", To: "work", Version: 2, Snapshot: snap},
	}
	want := lifecycle.Notification{Process: "ticket", Subject: "T1", Version: 2, From: "new", To: "work", Snapshot: snap}
	passes(t, "two events", func(f *tbFailures) { lifecycletest.CheckNotified(f, evs, want) })
	fails(t, "no events", func(f *tbFailures) { lifecycletest.CheckNotified(f, nil, want) })
	for name, edit := range map[string]func(w *lifecycle.Notification){
		"another subject":  func(w *lifecycle.Notification) { w.Subject = "T2" },
		"another version":  func(w *lifecycle.Notification) { w.Version = 3 },
		"another from":     func(w *lifecycle.Notification) { w.From = "wait" },
		"another to":       func(w *lifecycle.Notification) { w.To = "done" },
		"another snapshot": func(w *lifecycle.Notification) { w.Snapshot.State = "done" },
	} {
		w := want
		edit(&w)
		fails(t, name, func(f *tbFailures) { lifecycletest.CheckNotified(f, evs, w) })
	}
	swapped := []lifecycle.Notification{evs[1], evs[0]}
	fails(t, "events out of order", func(f *tbFailures) { lifecycletest.CheckNotified(f, swapped, want) })
}

func TestCheckInvalid(t *testing.T) {
	err := lifecycle.Invalid("title", "required")
	passes(t, "a validation error", func(f *tbFailures) {
		if ve := lifecycletest.CheckInvalid(f, err, "title"); ve == nil || ve.Field != "title" {
			f.Errorf("returned %v", ve)
		}
	})
	fails(t, "another field", func(f *tbFailures) { lifecycletest.CheckInvalid(f, err, "note") })
	fails(t, "no error", func(f *tbFailures) { lifecycletest.CheckInvalid(f, nil, "title") })
	fails(t, "an untyped validation error", func(f *tbFailures) {
		lifecycletest.CheckInvalid(f, fmt.Errorf("bad: %w", lifecycle.ErrValidation), "title")
	})
}
