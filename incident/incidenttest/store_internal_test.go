package incidenttest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
)

// TestLogGrowth stores an incident through 30 updates whose records carry
// no, empty, one or several changes: after each update, Get returns exactly
// what was stored, and scribbling on what Get returned changes nothing
// stored.
func TestLogGrowth(t *testing.T) {
	ctx := context.Background()
	s := NewStore()
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	x := &incident.Incident{ID: "INC1", Version: 1, State: incident.StateNew, Title: "t", CreatedAt: t0, UpdatedAt: t0,
		History: []lifecycle.Record{{Seq: 1, Time: t0, Actor: "a", Event: "open", To: "new"}}}
	if err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: x}); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		var changes []lifecycle.FieldChange
		switch i % 4 {
		case 1:
			changes = []lifecycle.FieldChange{}
		case 2:
			changes = []lifecycle.FieldChange{{Field: "group", Old: "g", New: "h"}}
		case 3:
			for j := range i % 7 {
				changes = append(changes, lifecycle.FieldChange{Field: "f", New: string(rune('a' + j))})
			}
		}
		x = x.Clone()
		x.Version++
		x.History = append(x.History, lifecycle.Record{Seq: len(x.History) + 1, Time: t0, Actor: "a", Event: "update", Changes: changes})
		if err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: x, Expected: x.Version - 1}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, "INC1")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, x) {
			t.Fatalf("after update %d: Get returned\n%+v\nwant\n%+v", i, got.History, x.History)
		}
		for j := range got.History {
			got.History[j].Note = "scribbled"
			for k := range got.History[j].Changes {
				got.History[j].Changes[k].New = "scribbled"
			}
			got.History[j].Changes = append(got.History[j].Changes, lifecycle.FieldChange{Field: "appended"})
		}
		again, _ := s.Get(ctx, "INC1")
		if !reflect.DeepEqual(again, x) {
			t.Fatalf("after update %d: scribbling on a Get's history changed the stored one", i)
		}
	}
}
