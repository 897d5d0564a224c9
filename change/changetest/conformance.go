package changetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
)

// TestStore runs the change.Store conformance suite against stores made by
// newStore, which must return a new, empty store for each call. Each
// contract clause is a subtest whose failures quote the clause.
//
// Times are compared as instants (time.Time.Equal), and nil and empty
// slices and maps are treated alike, so a database store need not
// preserve time zones or nil-ness.
func TestStore(t *testing.T, newStore func(t *testing.T) change.Store) {
	t.Helper()
	ctx := context.Background()

	t.Run("Create then Get returns an equal copy", func(t *testing.T) {
		s := newStore(t)
		c := sample("CHG-1")
		mustCreate(t, s, c)
		got, err := s.Get(ctx, "CHG-1")
		if err != nil {
			t.Fatalf("Get after Create: %v", err)
		}
		if !Equal(got, c) {
			t.Fatalf("clause: Get returns the change as stored\n got  %+v\n want %+v", got, c)
		}
	})

	t.Run("Get of an unknown ID matches ErrNotFound", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Get(ctx, "CHG-missing")
		if !errors.Is(err, lifecycle.ErrNotFound) {
			t.Fatalf("clause: Get returns an error matching lifecycle.ErrNotFound; got %v", err)
		}
	})

	t.Run("Create of an existing ID matches ErrConflict and stores nothing", func(t *testing.T) {
		s := newStore(t)
		mustCreate(t, s, sample("CHG-1"))
		dup := sample("CHG-1")
		dup.Title = "a different change"
		err := s.Create(ctx, dup)
		if !errors.Is(err, lifecycle.ErrConflict) {
			t.Fatalf("clause: if a change with its ID exists, Create returns an error matching lifecycle.ErrConflict; got %v", err)
		}
		got := mustGet(t, s, "CHG-1")
		if got.Title != sample("CHG-1").Title {
			t.Fatalf("clause: a refused Create stores nothing; title is now %q", got.Title)
		}
	})

	t.Run("Update compares and swaps the version", func(t *testing.T) {
		s := newStore(t)
		mustCreate(t, s, sample("CHG-1"))
		c := mustGet(t, s, "CHG-1")
		c.Title = "second"
		c.Version = 2
		if err := s.Update(ctx, c, 1); err != nil {
			t.Fatalf("clause: Update replaces the stored change if the stored version is expected; got %v", err)
		}
		if got := mustGet(t, s, "CHG-1"); !Equal(got, c) {
			t.Fatalf("clause: Update replaces the stored change\n got  %+v\n want %+v", got, c)
		}
		stale := c.Clone()
		stale.Title = "stale"
		stale.Version = 2
		if err := s.Update(ctx, stale, 1); !errors.Is(err, lifecycle.ErrConflict) {
			t.Fatalf("clause: Update returns an error matching lifecycle.ErrConflict when the stored version is not expected; got %v", err)
		}
		if got := mustGet(t, s, "CHG-1"); got.Title != "second" || got.Version != 2 {
			t.Fatalf("clause: on ErrConflict nothing is stored; got title %q version %d", got.Title, got.Version)
		}
		ghost := sample("CHG-ghost")
		ghost.Version = 2
		if err := s.Update(ctx, ghost, 1); !errors.Is(err, lifecycle.ErrNotFound) {
			t.Fatalf("clause: Update returns an error matching lifecycle.ErrNotFound when there is no such change; got %v", err)
		}
		if _, err := s.Get(ctx, "CHG-ghost"); !errors.Is(err, lifecycle.ErrNotFound) {
			t.Fatalf("clause: on ErrNotFound nothing is stored; Get gives %v", err)
		}
	})

	t.Run("values are copied in and out", func(t *testing.T) {
		s := newStore(t)
		c := sample("CHG-1")
		mustCreate(t, s, c)
		c.Title = "mutated after Create"
		c.ConfigItems[0] = "mutated"
		c.History[0].Changes[0].New = "mutated"
		c.Approvals[0].Comment = "mutated"
		got := mustGet(t, s, "CHG-1")
		if !Equal(got, sample("CHG-1")) {
			t.Fatalf("clause: values are copied in (a caller's later edits must not reach the store)\n got %+v", got)
		}
		got.ConfigItems[0] = "mutated"
		got.Authority.Approvers[0] = "mutated"
		got.Answers["q1"] = "mutated"
		if again := mustGet(t, s, "CHG-1"); !Equal(again, sample("CHG-1")) {
			t.Fatalf("clause: values are copied out (edits to a returned change must not reach the store)\n got %+v", again)
		}
		up := mustGet(t, s, "CHG-1")
		up.Version = 2
		if err := s.Update(ctx, up, 1); err != nil {
			t.Fatal(err)
		}
		up.Incidents = append(up.Incidents[:0], "mutated")
		if again := mustGet(t, s, "CHG-1"); slices.Contains(again.Incidents, "mutated") {
			t.Fatalf("clause: values are copied in by Update")
		}
	})

	t.Run("List pages in ascending ID order and filters", func(t *testing.T) {
		s := newStore(t)
		var ids []string
		for _, i := range []int{7, 3, 22, 11, 1, 15, 9, 18, 5, 24, 13, 2, 20, 17, 4, 23, 8, 14, 6, 19, 10, 21, 12, 16, 25} {
			c := sample(fmt.Sprintf("CHG-%03d", i))
			c.Type = change.Types()[i%3]
			c.State = change.States()[i%len(change.States())]
			c.Requester = fmt.Sprintf("req-%d", i%2)
			c.Assignee = fmt.Sprintf("eng-%d", i%4)
			c.ConfigItems = []string{fmt.Sprintf("ci-%d", i%5), "ci-all"}
			mustCreate(t, s, c)
			ids = append(ids, c.ID)
		}
		slices.Sort(ids)
		var seen []string
		f := change.Filter{Limit: 10}
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("clause: following Next visits every match exactly once (Next never ended)")
			}
			p, err := s.List(ctx, f)
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if len(p.Changes) > 10 {
				t.Fatalf("clause: List returns at most f.Limit changes; got %d", len(p.Changes))
			}
			for _, c := range p.Changes {
				seen = append(seen, c.ID)
			}
			if p.Next == "" {
				break
			}
			f.After = p.Next
		}
		if !slices.Equal(seen, ids) {
			t.Fatalf("clause: following Next visits every match exactly once, in ascending ID order\n got  %v\n want %v", seen, ids)
		}
		p, err := s.List(ctx, change.Filter{})
		if err != nil || len(p.Changes) != 25 || p.Next != "" {
			t.Fatalf("clause: a zero Limit means DefaultLimit (%d), and the last page has an empty Next; got %d changes, next %q, err %v",
				change.DefaultLimit, len(p.Changes), p.Next, err)
		}
		filters := []change.Filter{
			{States: []change.State{change.StateNew, change.StateClosed}},
			{Types: []change.Type{change.Emergency}},
			{Requester: "req-1"},
			{Assignee: "eng-3"},
			{ConfigItem: "ci-2"},
			{Types: []change.Type{change.Normal}, ConfigItem: "ci-all", Requester: "req-0"},
			{After: "CHG-020"},
		}
		for _, f := range filters {
			p, err := s.List(ctx, f)
			if err != nil {
				t.Fatalf("List(%+v): %v", f, err)
			}
			var want []string
			for _, id := range ids {
				if id > f.After && f.Matches(mustGet(t, s, id)) {
					want = append(want, id)
				}
			}
			var got []string
			for _, c := range p.Changes {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("clause: List returns the changes that match f with an ID greater than f.After, in ascending ID order\n filter %+v\n got  %v\n want %v", f, got, want)
			}
		}
	})

	t.Run("Scheduled returns booked changes on the items overlapping the window", func(t *testing.T) {
		s := newStore(t)
		base := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
		mk := func(id string, st change.State, cis []string, from, to time.Duration) {
			c := sample(id)
			c.State = st
			c.ConfigItems = cis
			c.PlannedStart, c.PlannedEnd = base.Add(from), base.Add(to)
			mustCreate(t, s, c)
		}
		h := time.Hour
		mk("CHG-a", change.StateScheduled, []string{"db"}, 0, 2*h)         // inside
		mk("CHG-b", change.StateImplement, []string{"web", "db"}, -h, h/2) // overlaps the start
		mk("CHG-c", change.StateScheduled, []string{"db"}, -2*h, 0)        // ends at the start: no overlap
		mk("CHG-d", change.StateScheduled, []string{"db"}, 2*h, 3*h)       // starts at the end: no overlap
		mk("CHG-e", change.StateAuthorize, []string{"db"}, 0, 2*h)         // not booked
		mk("CHG-f", change.StateClosed, []string{"db"}, 0, 2*h)            // not booked
		mk("CHG-g", change.StateScheduled, []string{"dns"}, 0, 2*h)        // other item
		mk("CHG-h", change.StateScheduled, []string{"lb"}, -5*h, 5*h)      // covers the window
		got, err := s.Scheduled(ctx, []string{"db", "lb"}, base, base.Add(2*h))
		if err != nil {
			t.Fatalf("Scheduled: %v", err)
		}
		var ids []string
		for _, c := range got {
			ids = append(ids, c.ID)
		}
		want := []string{"CHG-a", "CHG-b", "CHG-h"}
		if !slices.Equal(ids, want) {
			t.Fatalf("clause: Scheduled returns, in ascending ID order, every change that is booked (scheduled or implement), lists one of cis, and whose window overlaps [from, to)\n got  %v\n want %v", ids, want)
		}
		if got, err := s.Scheduled(ctx, nil, base, base.Add(2*h)); err != nil || len(got) != 0 {
			t.Fatalf("clause: with no cis Scheduled returns none; got %d, %v", len(got), err)
		}
		if len(got) > 0 {
			got[0].Title = "mutated"
			if c := mustGet(t, s, got[0].ID); c.Title == "mutated" {
				t.Fatal("clause: values are copied out (Scheduled)")
			}
		}
	})

	t.Run("concurrent updates from one version have one winner", func(t *testing.T) {
		s := newStore(t)
		mustCreate(t, s, sample("CHG-1"))
		const n = 16
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := sample("CHG-1")
				c.Title = fmt.Sprintf("writer %d", i)
				c.Version = 2
				errs[i] = s.Update(ctx, c, 1)
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, lifecycle.ErrConflict):
				t.Fatalf("clause: losers of a concurrent Update get an error matching lifecycle.ErrConflict; got %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("clause: of concurrent updates from the same version exactly one succeeds; %d did", wins)
		}
	})
}

func mustCreate(t *testing.T, s change.Store, c *change.Change) {
	t.Helper()
	if err := s.Create(context.Background(), c.Clone()); err != nil {
		t.Fatalf("Create(%s): %v", c.ID, err)
	}
}

func mustGet(t *testing.T, s change.Store, id string) *change.Change {
	t.Helper()
	c, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return c
}

// sample returns a change with every field set, at version 1.
func sample(id string) *change.Change {
	at := time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)
	return &change.Change{
		ID: id, Version: 1, Type: change.Normal, State: change.StateAuthorize,
		Title: "Upgrade the database", Description: "minor version",
		Requester: "alice", Group: "dba", Assignee: "bob", Service: "billing",
		ConfigItems:  []string{"db-1", "db-2"},
		Plans:        change.Plans{Implementation: "upgrade", Backout: "restore", Test: "smoke"},
		PlannedStart: at.Add(24 * time.Hour), PlannedEnd: at.Add(26 * time.Hour),
		Answers:            map[string]string{"q1": "a"},
		Risk:               change.RiskModerate,
		Assessment:         &change.RiskAssessment{Level: change.RiskModerate, Rules: change.RiskModerate, Matched: []string{"x: y"}, At: at},
		Authority:          &change.Authority{Name: "CAB", Types: []change.Type{change.Normal}, Approvers: []string{"carol", "dave"}, Policy: change.PolicyAll},
		Approvals:          []change.Approval{{Approver: "carol", Decision: change.Approved, Comment: "ok", At: at}},
		Conflicts:          []change.Conflict{{Kind: change.ConflictBlackout, Window: "freeze", Start: at, End: at.Add(time.Hour), Reason: "freeze"}},
		ConflictsCheckedAt: at,
		Override:           &change.Override{Reason: "urgent", By: "erin", At: at},
		Problems:           []string{"PRB-1"},
		Incidents:          []string{"INC-1"},
		History: []lifecycle.Record{{Seq: 1, Time: at, Actor: "alice", Event: "create", To: "new",
			Changes: []lifecycle.Change{{Field: "title", New: "Upgrade the database"}}}},
		CreatedAt: at, UpdatedAt: at,
	}
}

// Equal reports whether a and b are the same change: deep equality where
// times compare as instants and nil equals empty for slices and maps.
func Equal(a, b *change.Change) bool {
	return equal(reflect.ValueOf(a), reflect.ValueOf(b))
}

var timeType = reflect.TypeOf(time.Time{})

func equal(a, b reflect.Value) bool {
	if a.Type() == timeType {
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return equal(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !equal(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !equal(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Map:
		if a.Len() != b.Len() {
			return false
		}
		for _, k := range a.MapKeys() {
			bv := b.MapIndex(k)
			if !bv.IsValid() || !equal(a.MapIndex(k), bv) {
				return false
			}
		}
		return true
	default:
		return a.Equal(b)
	}
}
