package incidenttest

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
)

// TestSetFieldsCoversIncident sets every field of an incident.Incident to a
// non-zero value, by reflection, and checks that setFields carries each one
// (History excepted: the log keeps it), into a zero row and into a row
// holding other values: a field added to Incident but not to setFields
// fails here.
func TestSetFieldsCoversIncident(t *testing.T) {
	fill := func(seed string) *incident.Incident {
		x := new(incident.Incident)
		v := reflect.ValueOf(x).Elem()
		for i := range v.NumField() {
			f := v.Field(i)
			name := v.Type().Field(i).Name
			switch {
			case name == "History":
				f.Set(reflect.ValueOf([]lifecycle.Record{{Seq: 1}}))
			case f.Type() == reflect.TypeOf(time.Time{}):
				f.Set(reflect.ValueOf(time.Date(2026, 1, 1+i, 0, 0, 0, 0, time.UTC)))
			case f.Kind() == reflect.String:
				f.SetString(seed + name)
			case f.Kind() == reflect.Int || f.Kind() == reflect.Int64:
				f.SetInt(int64(i + len(seed)))
			case f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.String:
				f.Set(reflect.ValueOf([]string{seed + name}))
			case f.Type() == reflect.TypeOf([]incident.Note{}):
				f.Set(reflect.ValueOf([]incident.Note{{Author: seed, Text: name}}))
			case f.Kind() == reflect.Map:
				f.Set(reflect.ValueOf(map[string]string{seed: name}))
			default:
				t.Fatalf("field %s of type %s: teach this test to fill it", name, f.Type())
			}
		}
		return x
	}
	for _, start := range []*incident.Incident{{}, fill("old-")} {
		x := fill("new-")
		dst := *start
		dst.History = nil // a row never holds history
		setFields(&dst, x)
		got, want := reflect.ValueOf(dst), reflect.ValueOf(*x)
		for i := range got.NumField() {
			name := got.Type().Field(i).Name
			if name == "History" {
				if dst.History != nil {
					t.Errorf("setFields set History")
				}
				continue
			}
			if !reflect.DeepEqual(got.Field(i).Interface(), want.Field(i).Interface()) {
				t.Errorf("setFields left %s as %v, want %v", name, got.Field(i).Interface(), want.Field(i).Interface())
			}
		}
		if len(x.Problems) > 0 && &dst.Problems[0] == &x.Problems[0] {
			t.Error("setFields shares Problems with its input")
		}
	}
}

// TestGetAllocatesOnce checks the store's representation: a Get of an
// incident with up to seven history records (and no more changes than
// records) is one allocation: the incident, its records and their changes
// together.
func TestGetAllocatesOnce(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage counters allocate")
	}
	ctx := context.Background()
	s := NewStore()
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	x := &incident.Incident{ID: "INC1", Version: 1, State: incident.StateNew, Title: "t", CreatedAt: t0, UpdatedAt: t0,
		History: []lifecycle.Record{{Seq: 1, Time: t0, Actor: "a", Event: "open", To: "new", Changes: []lifecycle.Change{{Field: "priority", New: "3"}}}}}
	if err := s.Create(ctx, x); err != nil {
		t.Fatal(err)
	}
	for len(x.History) < 7 {
		got := testing.AllocsPerRun(10, func() {
			if _, err := s.Get(ctx, "INC1"); err != nil {
				t.Fatal(err)
			}
		})
		if got != 1 {
			t.Errorf("Get with %d records: %v allocations, want 1", len(x.History), got)
		}
		x.Version++
		x.History = append(x.History, lifecycle.Record{Seq: len(x.History) + 1, Time: t0, Actor: "a", Event: "comment", Changes: []lifecycle.Change{{Field: "group", New: "g"}}})
		if err := s.Update(ctx, x, x.Version-1); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLogGrowth stores an incident through 30 updates whose records carry
// no, empty, one or several changes, so that the history log outgrows the
// entry's own arrays and Get outgrows its one-allocation sizes: after each
// Update, Get returns exactly what was stored, and scribbling on what Get
// returned changes nothing stored.
func TestLogGrowth(t *testing.T) {
	ctx := context.Background()
	s := NewStore()
	t0 := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	x := &incident.Incident{ID: "INC1", Version: 1, State: incident.StateNew, Title: "t", CreatedAt: t0, UpdatedAt: t0,
		History: []lifecycle.Record{{Seq: 1, Time: t0, Actor: "a", Event: "open", To: "new"}}}
	if err := s.Create(ctx, x); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		var changes []lifecycle.Change
		switch i % 4 {
		case 1:
			changes = []lifecycle.Change{}
		case 2:
			changes = []lifecycle.Change{{Field: "group", Old: "g", New: "h"}}
		case 3:
			for j := range i % 7 {
				changes = append(changes, lifecycle.Change{Field: "f", New: string(rune('a' + j))})
			}
		}
		x = x.Clone()
		x.Version++
		x.History = append(x.History, lifecycle.Record{Seq: len(x.History) + 1, Time: t0, Actor: "a", Event: "update", Changes: changes})
		if err := s.Update(ctx, x, x.Version-1); err != nil {
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
			got.History[j].Changes = append(got.History[j].Changes, lifecycle.Change{Field: "appended"})
		}
		again, _ := s.Get(ctx, "INC1")
		if !reflect.DeepEqual(again, x) {
			t.Fatalf("after update %d: scribbling on a Get's history changed the stored one", i)
		}
	}
}
