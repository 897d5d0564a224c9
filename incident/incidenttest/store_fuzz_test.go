package incidenttest_test

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/incident/incidenttest"
	"github.com/itsmkit/itsm/lifecycle"
)

// FuzzStoreOperations drives the in-memory Store with an operation script
// read from the fuzzer's bytes (create, update with a right or stale
// version, several history records at once, edits of the caller's copies
// after every call, gets) and checks each answer against a model that keeps
// deep copies: the store never shares memory with its callers, keeps every
// history record exactly, and answers conflicts and not-found as its
// contract says. The store's row-and-log layout (fields overwritten in
// place, history appended to a growing log) is what this target exercises.
func FuzzStoreOperations(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 1, 1, 2, 0})
	f.Add([]byte{0, 1, 0, 2, 1, 2, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 3, 1, 2, 1})
	f.Add([]byte{0, 0, 4, 0, 1, 9, 1, 0, 5, 0, 2, 0})
	f.Fuzz(func(t *testing.T, script []byte) {
		ctx := context.Background()
		s := incidenttest.NewStore()
		model := map[string]*incident.Incident{}
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		next := func() byte {
			if len(script) == 0 {
				return 0
			}
			b := script[0]
			script = script[1:]
			return b
		}
		var handed []*incident.Incident // values the store returned or was given
		for step := 0; len(script) > 0 && step < 200; step++ {
			op, id := next()%6, "INC"+strconv.Itoa(int(next()%4))
			now := t0.Add(time.Duration(step) * time.Minute)
			cur, exists := model[id]
			switch op {
			case 0: // create
				x := &incident.Incident{ID: id, Version: 1, State: incident.StateNew, Title: "t" + strconv.Itoa(step),
					Attributes: map[string]string{"k": "v"}, CreatedAt: now, UpdatedAt: now,
					History: []lifecycle.Record{{Seq: 1, Time: now, Actor: "a", Event: "open", To: "new",
						Changes: []lifecycle.FieldChange{{Field: "priority", New: "3"}}}}}
				err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: x})
				if exists {
					if !errors.Is(err, lifecycle.ErrConflict) {
						t.Fatalf("step %d: create of existing %s: %v", step, id, err)
					}
				} else {
					if err != nil {
						t.Fatalf("step %d: create %s: %v", step, id, err)
					}
					model[id] = x.Clone()
				}
				handed = append(handed, x)
			case 1, 2, 3: // update with n new records; op 2 with a stale version
				if !exists {
					x := &incident.Incident{ID: id, Version: 2, State: incident.StateNew}
					if err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: x, Expected: 1}); !errors.Is(err, lifecycle.ErrNotFound) {
						t.Fatalf("step %d: update of missing %s: %v", step, id, err)
					}
					continue
				}
				x := cur.Clone()
				expected := x.Version
				if op == 2 {
					expected += int64(next()%3) + 1
				}
				n := 1 + int(next()%3)
				for range n {
					r := lifecycle.Record{Seq: len(x.History) + 1, Time: now, Actor: "b",
						Event: "work_note", From: string(x.State), To: string(x.State), Note: "n" + strconv.Itoa(step)}
					if next()%2 == 0 {
						r.Changes = []lifecycle.FieldChange{{Field: "work_notes", New: strconv.Itoa(step)}}
					}
					x.History = append(x.History, r)
				}
				x.Version = cur.Version + 1
				x.UpdatedAt = now
				x.WorkNotes = append(x.WorkNotes, incident.Note{Time: now, Author: "b", Text: strconv.Itoa(step)})
				if next()%2 == 0 {
					x.Attributes = map[string]string{"step": strconv.Itoa(step)}
				}
				err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: x, Expected: expected})
				if expected != cur.Version {
					if !errors.Is(err, lifecycle.ErrConflict) {
						t.Fatalf("step %d: stale update of %s (stored %d, expected %d): %v", step, id, cur.Version, expected, err)
					}
				} else {
					if err != nil {
						t.Fatalf("step %d: update %s: %v", step, id, err)
					}
					model[id] = x.Clone()
				}
				handed = append(handed, x)
			case 4: // get
				x, err := s.Get(ctx, id)
				if !exists {
					if !errors.Is(err, lifecycle.ErrNotFound) {
						t.Fatalf("step %d: get of missing %s: %v", step, id, err)
					}
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(x, cur) {
					t.Fatalf("step %d: get %s:\n got %+v\nwant %+v", step, id, x, cur)
				}
				handed = append(handed, x)
			case 5: // the callers scribble over everything they hold
				for _, h := range handed {
					h.Title += "!"
					h.Attributes = map[string]string{"scribbled": "yes"}
					for i := range h.History {
						h.History[i].Note = "scribbled"
						for j := range h.History[i].Changes {
							h.History[i].Changes[j].New = "scribbled"
						}
					}
					for i := range h.WorkNotes {
						h.WorkNotes[i].Text = "scribbled"
					}
					h.History = append(h.History, lifecycle.Record{Seq: 99})
				}
			}
		}
		for id, want := range model {
			got, err := s.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("at the end, %s:\n got %+v\nwant %+v", id, got, want)
			}
		}
	})
}
