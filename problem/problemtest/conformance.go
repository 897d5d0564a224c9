package problemtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

// Contract clauses quoted by failures.
const (
	clauseGet        = `Get "returns an error matching lifecycle.ErrNotFound when there is none"`
	clauseCreate     = `Commit with Expected 0 "stores the record"; Get "returns the problem with the given ID"`
	clauseCreateDup  = `Commit with Expected 0: an existing ID is "an error matching ErrConflict", and nothing is written`
	clauseUpdate     = `Commit "stores the record" provided "the stored version of w.Record is w.Expected"`
	clauseUpdateOld  = `Commit returns "an error matching ErrConflict" when the stored version is not w.Expected, and writes nothing`
	clauseUpdateNone = `Commit returns "ErrNotFound when Expected > 0 and there is no such record"`
	clauseAtomic     = `Commit: "Of concurrent Commits ... at most one succeeds for each version seen"`
	clauseCopy       = `Store: "Values are copied in and out: ... neither the caller nor the store may see the other's later changes"`
	clauseListOrder  = `List "returns one page of the problems matching f, ordered by ID (byte-wise ascending), starting after f.After"`
	clauseListNext   = `List: "Page.Next is the cursor for the following page: non-empty exactly when more matching problems follow"`
	clauseListLimit  = `List: "At most f.Limit problems are returned (DefaultLimit when f.Limit <= 0)"`
	clauseFilter     = `Filter: "Empty fields match every problem; set fields must all match"`
	clauseSearch     = `SearchKnownErrors "returns the known errors (problems for which IsKnownError is true, in any state) matching q, ordered by ID"`
	clauseSearchText = `KnownErrorQuery.Text: "A known error matches when every term occurs in its Title, KnownError.Symptom, KnownError.RootCause or KnownError.Workaround ..., ignoring case"`
	clauseSearchWhr  = `KnownErrorQuery: "Service and ConfigItem, when set, must equal the problem's"`
	clauseSearchLim  = `SearchKnownErrors: "at most q.Limit of them (DefaultLimit when q.Limit <= 0)"`
)

// TestStore checks that the Store made by newStore honours the
// problem.Store contract. newStore is called once per subtest and must
// return an empty store; register any clean-up with t.Cleanup. Failures
// quote the clause of the contract that was broken.
//
// The suite stores problems built directly (not through a Service) with
// times in UTC at whole seconds; stores may return times in another
// location, as comparisons use time.Time.Equal.
func TestStore(t *testing.T, newStore func(t *testing.T) problem.Store) {
	t.Helper()
	ctx := context.Background()

	t.Run("GetMissing", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Get(ctx, "PRB-MISSING")
		if !errors.Is(err, lifecycle.ErrNotFound) {
			t.Fatalf("Get(missing) = %v; contract: %s", err, clauseGet)
		}
	})

	t.Run("CreateThenGet", func(t *testing.T) {
		s := newStore(t)
		want := Fixture("PRB-1")
		mustCreate(t, s, want)
		got, err := s.Get(ctx, "PRB-1")
		if err != nil {
			t.Fatalf("Get after Create: %v; contract: %s", err, clauseCreate)
		}
		assertSame(t, clauseCreate, want, got)
	})

	t.Run("CreateDuplicateID", func(t *testing.T) {
		s := newStore(t)
		first := Fixture("PRB-1")
		mustCreate(t, s, first)
		second := Fixture("PRB-1")
		second.Title = "another problem with the same ID"
		err := s.Commit(ctx, lifecycle.Write[*problem.Problem]{Record: second})
		if !errors.Is(err, lifecycle.ErrConflict) {
			t.Fatalf("Create(existing ID) = %v; contract: %s", err, clauseCreateDup)
		}
		got := mustGet(t, s, "PRB-1")
		assertSame(t, clauseCreateDup, first, got)
	})

	t.Run("UpdateExpectedVersion", func(t *testing.T) {
		s := newStore(t)
		p := Fixture("PRB-1")
		mustCreate(t, s, p)
		next := bump(p, "renamed once")
		if err := s.Commit(ctx, lifecycle.Write[*problem.Problem]{Record: next, Expected: 1}); err != nil {
			t.Fatalf("Update(expected 1) over version 1 = %v; contract: %s", err, clauseUpdate)
		}
		assertSame(t, clauseUpdate, next, mustGet(t, s, "PRB-1"))
		third := bump(next, "renamed twice")
		if err := s.Commit(ctx, lifecycle.Write[*problem.Problem]{Record: third, Expected: 2}); err != nil {
			t.Fatalf("Update(expected 2) over version 2 = %v; contract: %s", err, clauseUpdate)
		}
		assertSame(t, clauseUpdate, third, mustGet(t, s, "PRB-1"))
	})

	t.Run("UpdateStaleVersion", func(t *testing.T) {
		s := newStore(t)
		p := Fixture("PRB-1")
		mustCreate(t, s, p)
		v2 := bump(p, "version two")
		if err := s.Commit(ctx, lifecycle.Write[*problem.Problem]{Record: v2, Expected: 1}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		for _, expected := range []int64{0, 1, 3} {
			stale := bump(p, fmt.Sprintf("stale write expecting %d", expected))
			stale.Version = expected + 1
			err := s.Commit(ctx, lifecycle.Write[*problem.Problem]{Record: stale, Expected: expected})
			if !errors.Is(err, lifecycle.ErrConflict) {
				t.Errorf("Update(expected %d) over version 2 = %v; contract: %s", expected, err, clauseUpdateOld)
			}
		}
		assertSame(t, clauseUpdateOld, v2, mustGet(t, s, "PRB-1"))
	})

	t.Run("UpdateMissing", func(t *testing.T) {
		s := newStore(t)
		p := Fixture("PRB-GHOST")
		p.Version = 2
		err := s.Commit(ctx, lifecycle.Write[*problem.Problem]{Record: p, Expected: 1})
		if !errors.Is(err, lifecycle.ErrNotFound) {
			t.Fatalf("Update(missing) = %v; contract: %s", err, clauseUpdateNone)
		}
		if _, err := s.Get(ctx, "PRB-GHOST"); !errors.Is(err, lifecycle.ErrNotFound) {
			t.Fatalf("Update(missing) created the problem (Get = %v); contract: %s", err, clauseUpdateNone)
		}
	})

	t.Run("UpdateAtomic", func(t *testing.T) {
		s := newStore(t)
		p := Fixture("PRB-1")
		mustCreate(t, s, p)
		const writers = 8
		for round := int64(1); round <= 3; round++ {
			base := mustGet(t, s, "PRB-1")
			var wg sync.WaitGroup
			var mu sync.Mutex
			var wins, conflicts int
			var other []error
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					next := bump(base, fmt.Sprintf("round %d writer %d", round, w))
					err := s.Commit(ctx, lifecycle.Write[*problem.Problem]{Record: next, Expected: round})
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						wins++
					case errors.Is(err, lifecycle.ErrConflict):
						conflicts++
					default:
						other = append(other, err)
					}
				}()
			}
			wg.Wait()
			if wins != 1 || conflicts != writers-1 || len(other) > 0 {
				t.Fatalf("round %d: %d concurrent updates over version %d: %d succeeded, %d conflicted, other errors %v; contract: %s",
					round, writers, round, wins, conflicts, other, clauseAtomic)
			}
			if got := mustGet(t, s, "PRB-1"); got.Version != round+1 {
				t.Fatalf("round %d: stored version %d, want %d; contract: %s", round, got.Version, round+1, clauseAtomic)
			}
		}
	})

	t.Run("CopiesIn", func(t *testing.T) {
		s := newStore(t)
		p := Fixture("PRB-1")
		want := p.Clone()
		mustCreate(t, s, p)
		scribble(p)
		assertSame(t, clauseCopy+" (after Create)", want, mustGet(t, s, "PRB-1"))

		next := bump(want, "updated")
		wantNext := next.Clone()
		if err := s.Commit(ctx, lifecycle.Write[*problem.Problem]{Record: next, Expected: 1}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		scribble(next)
		assertSame(t, clauseCopy+" (after Update)", wantNext, mustGet(t, s, "PRB-1"))
	})

	t.Run("CopiesOut", func(t *testing.T) {
		s := newStore(t)
		want := Fixture("PRB-1")
		mustCreate(t, s, want)
		scribble(mustGet(t, s, "PRB-1"))
		assertSame(t, clauseCopy+" (result of Get)", want, mustGet(t, s, "PRB-1"))

		page, err := s.List(ctx, problem.Filter{})
		if err != nil || len(page.Problems) != 1 {
			t.Fatalf("List = %d problems, %v; want 1", len(page.Problems), err)
		}
		scribble(page.Problems[0])
		assertSame(t, clauseCopy+" (result of List)", want, mustGet(t, s, "PRB-1"))

		found, err := s.SearchKnownErrors(ctx, problem.KnownErrorQuery{})
		if err != nil || len(found) != 1 {
			t.Fatalf("SearchKnownErrors = %d problems, %v; want 1", len(found), err)
		}
		scribble(found[0])
		assertSame(t, clauseCopy+" (result of SearchKnownErrors)", want, mustGet(t, s, "PRB-1"))
	})

	t.Run("ListOrderAndPaging", func(t *testing.T) {
		s := newStore(t)
		// Created out of order; IDs chosen so that byte order differs from
		// numeric order.
		var want []string
		for _, n := range []int{7, 3, 12, 1, 20, 5, 9, 15, 2, 11, 18, 4, 14, 6, 10, 19, 8, 13, 16, 17, 21} {
			p := Fixture(fmt.Sprintf("PRB-%d", n))
			mustCreate(t, s, p)
			want = append(want, p.ID)
		}
		slices.Sort(want)
		for _, limit := range []int{1, 5, 7, 21, 50} {
			var got []string
			after := ""
			for pages := 0; ; pages++ {
				if pages > len(want)+1 {
					t.Fatalf("limit %d: paging does not end; contract: %s", limit, clauseListNext)
				}
				page, err := s.List(ctx, problem.Filter{After: after, Limit: limit})
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				if len(page.Problems) > limit {
					t.Fatalf("limit %d: page of %d; contract: %s", limit, len(page.Problems), clauseListLimit)
				}
				for _, p := range page.Problems {
					got = append(got, p.ID)
				}
				more := len(got) < len(want)
				if (page.Next != "") != more {
					t.Fatalf("limit %d: after %d of %d problems Next = %q; contract: %s", limit, len(got), len(want), page.Next, clauseListNext)
				}
				if page.Next == "" {
					break
				}
				after = page.Next
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("limit %d: paged IDs %v, want %v; contract: %s", limit, got, want, clauseListOrder)
			}
		}
		page, err := s.List(ctx, problem.Filter{After: "PRB-19"})
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		if got := ids(page.Problems); !reflect.DeepEqual(got, []string{"PRB-2", "PRB-20", "PRB-21", "PRB-3", "PRB-4", "PRB-5", "PRB-6", "PRB-7", "PRB-8", "PRB-9"}) {
			t.Fatalf("List(After PRB-19) = %v; contract: %s", got, clauseListOrder)
		}
	})

	t.Run("ListDefaultLimit", func(t *testing.T) {
		s := newStore(t)
		for i := range problem.DefaultLimit + 1 {
			mustCreate(t, s, Fixture(fmt.Sprintf("PRB-%04d", i)))
		}
		for _, limit := range []int{0, -1} {
			page, err := s.List(ctx, problem.Filter{Limit: limit})
			if err != nil {
				t.Fatalf("List: %v", err)
			}
			if len(page.Problems) != problem.DefaultLimit || page.Next == "" {
				t.Fatalf("List(Limit %d) over %d problems = %d problems, Next %q; contract: %s, %s",
					limit, problem.DefaultLimit+1, len(page.Problems), page.Next, clauseListLimit, clauseListNext)
			}
		}
	})

	t.Run("ListFilters", func(t *testing.T) {
		s := newStore(t)
		mk := func(id string, state problem.State, f func(p *problem.Problem)) {
			p := inState(Fixture(id), state)
			f(p)
			mustCreate(t, s, p)
		}
		mk("PRB-A", problem.StateNew, func(p *problem.Problem) {
			p.Group, p.Assignee, p.Service, p.ConfigItem = "network", "ann", "email", "mx1"
			p.Priority, p.Incidents, p.Changes = 1, []string{"INC-1", "INC-2"}, []string{"CHG-1", "CHG-2"}
			p.KnownError = problem.KnownError{}
			p.KnownErrorAt = time.Time{}
		})
		mk("PRB-B", problem.StateRootCauseAnalysis, func(p *problem.Problem) {
			p.Group, p.Assignee, p.Service, p.ConfigItem = "network", "bob", "email", "mx2"
			p.Priority, p.Incidents, p.Changes = 2, []string{"INC-2"}, []string{"CHG-2"}
		})
		mk("PRB-C", problem.StateClosed, func(p *problem.Problem) {
			p.Group, p.Assignee, p.Service, p.ConfigItem = "database", "ann", "payroll", "db1"
			p.Priority, p.Incidents, p.Changes = 1, nil, nil
		})
		cases := []struct {
			name string
			f    problem.Filter
			want []string
		}{
			{"empty filter", problem.Filter{}, []string{"PRB-A", "PRB-B", "PRB-C"}},
			{"one state", problem.Filter{States: []problem.State{problem.StateNew}}, []string{"PRB-A"}},
			{"two states", problem.Filter{States: []problem.State{problem.StateClosed, problem.StateRootCauseAnalysis}}, []string{"PRB-B", "PRB-C"}},
			{"state matching none", problem.Filter{States: []problem.State{problem.StateCanceled}}, nil},
			{"group", problem.Filter{Group: "network"}, []string{"PRB-A", "PRB-B"}},
			{"assignee", problem.Filter{Assignee: "ann"}, []string{"PRB-A", "PRB-C"}},
			{"service", problem.Filter{Service: "payroll"}, []string{"PRB-C"}},
			{"config item", problem.Filter{ConfigItem: "mx2"}, []string{"PRB-B"}},
			{"priority", problem.Filter{Priority: 1}, []string{"PRB-A", "PRB-C"}},
			{"incident", problem.Filter{Incident: "INC-2"}, []string{"PRB-A", "PRB-B"}},
			{"incident matching none", problem.Filter{Incident: "INC-9"}, nil},
			{"change", problem.Filter{Change: "CHG-2"}, []string{"PRB-A", "PRB-B"}},
			{"change and state", problem.Filter{Change: "CHG-1", States: []problem.State{problem.StateNew}}, []string{"PRB-A"}},
			{"change matching none", problem.Filter{Change: "CHG-9"}, nil},
			{"known error", problem.Filter{KnownError: true}, []string{"PRB-B", "PRB-C"}},
			{"all fields together", problem.Filter{Group: "network", Assignee: "ann", Priority: 1, Incident: "INC-1"}, []string{"PRB-A"}},
			{"fields that contradict", problem.Filter{Group: "database", Service: "email"}, nil},
		}
		for _, c := range cases {
			page, err := s.List(ctx, c.f)
			if err != nil {
				t.Fatalf("%s: List: %v", c.name, err)
			}
			if got := ids(page.Problems); !reflect.DeepEqual(got, c.want) {
				t.Errorf("%s: List(%+v) = %v, want %v; contract: %s", c.name, c.f, got, c.want, clauseFilter)
			}
		}
	})

	t.Run("SearchKnownErrors", func(t *testing.T) {
		s := newStore(t)
		mk := func(id, title string, ke problem.KnownError, service, ci string, state problem.State) {
			p := inState(Fixture(id), state)
			p.Title, p.KnownError, p.Service, p.ConfigItem = title, ke, service, ci
			p.Description = "description is not searched: zebra"
			if !p.IsKnownError() {
				p.KnownErrorAt = time.Time{}
			}
			mustCreate(t, s, p)
		}
		mk("PRB-1", "Mail delivery delayed", problem.KnownError{
			Symptom: "Outbound e-mail queues for hours", RootCause: "Relay MX1 disk full",
			Workaround: "Route via MX2", Fix: "Add disk quota alerts",
		}, "email", "mx1", problem.StateRootCauseAnalysis)
		mk("PRB-2", "VPN drops", problem.KnownError{
			Symptom: "Tunnel resets every 60 minutes", RootCause: "Rekey timer mismatch",
			Workaround: "Reconnect the VPN client",
		}, "vpn", "fw1", problem.StateClosed)
		mk("PRB-3", "Printer offline", problem.KnownError{
			Symptom: "Printer shows OFFLINE", RootCause: "Driver bug",
			// No workaround: not a known error.
		}, "print", "prn1", problem.StateRootCauseAnalysis)
		mk("PRB-4", "Payroll batch slow", problem.KnownError{
			Symptom: "Batch runs past 6am", RootCause: "Missing index on EMAIL column",
			Workaround: "Run the batch in two halves",
		}, "payroll", "db1", problem.StateResolved)
		mk("PRB-5", "Mail client crash", problem.KnownError{
			Symptom: "Client crashes on start", RootCause: "Corrupt profile",
			Workaround: "Recreate the mail profile",
		}, "email", "laptops", problem.StateCanceled)

		cases := []struct {
			name   string
			q      problem.KnownErrorQuery
			want   []string
			clause string
		}{
			{"empty query: every known error, any state", problem.KnownErrorQuery{}, []string{"PRB-1", "PRB-2", "PRB-4", "PRB-5"}, clauseSearch},
			{"title", problem.KnownErrorQuery{Text: "delivery"}, []string{"PRB-1"}, clauseSearchText},
			{"symptom", problem.KnownErrorQuery{Text: "tunnel"}, []string{"PRB-2"}, clauseSearchText},
			{"root cause", problem.KnownErrorQuery{Text: "rekey"}, []string{"PRB-2"}, clauseSearchText},
			{"workaround", problem.KnownErrorQuery{Text: "halves"}, []string{"PRB-4"}, clauseSearchText},
			{"case-insensitive", problem.KnownErrorQuery{Text: "MAIL"}, []string{"PRB-1", "PRB-4", "PRB-5"}, clauseSearchText},
			{"substring", problem.KnownErrorQuery{Text: "onnect"}, []string{"PRB-2"}, clauseSearchText},
			{"every term, across fields", problem.KnownErrorQuery{Text: "  mail   PROFILE "}, []string{"PRB-5"}, clauseSearchText},
			{"a term in no field", problem.KnownErrorQuery{Text: "mail zebra"}, nil, clauseSearchText},
			{"not a known error", problem.KnownErrorQuery{Text: "printer"}, nil, clauseSearch},
			{"service", problem.KnownErrorQuery{Service: "email"}, []string{"PRB-1", "PRB-5"}, clauseSearchWhr},
			{"config item", problem.KnownErrorQuery{ConfigItem: "fw1"}, []string{"PRB-2"}, clauseSearchWhr},
			{"text and service", problem.KnownErrorQuery{Text: "mail", Service: "payroll"}, []string{"PRB-4"}, clauseSearchWhr},
			{"service and config item", problem.KnownErrorQuery{Service: "email", ConfigItem: "mx1"}, []string{"PRB-1"}, clauseSearchWhr},
			{"limit", problem.KnownErrorQuery{Limit: 2}, []string{"PRB-1", "PRB-2"}, clauseSearchLim},
			{"limit with text", problem.KnownErrorQuery{Text: "mail", Limit: 1}, []string{"PRB-1"}, clauseSearchLim},
		}
		for _, c := range cases {
			got, err := s.SearchKnownErrors(ctx, c.q)
			if err != nil {
				t.Fatalf("%s: SearchKnownErrors: %v", c.name, err)
			}
			if g := ids(got); !reflect.DeepEqual(g, c.want) {
				t.Errorf("%s: SearchKnownErrors(%+v) = %v, want %v; contract: %s", c.name, c.q, g, c.want, c.clause)
			}
		}
	})

	t.Run("SearchKnownErrorsDefaultLimit", func(t *testing.T) {
		s := newStore(t)
		for i := range problem.DefaultLimit + 1 {
			mustCreate(t, s, Fixture(fmt.Sprintf("PRB-%04d", i)))
		}
		got, err := s.SearchKnownErrors(ctx, problem.KnownErrorQuery{Text: "disk"})
		if err != nil {
			t.Fatalf("SearchKnownErrors: %v", err)
		}
		if len(got) != problem.DefaultLimit || got[0].ID != "PRB-0000" {
			t.Fatalf("SearchKnownErrors(Limit 0) over %d matches = %d results starting %v; contract: %s, %s",
				problem.DefaultLimit+1, len(got), ids(got[:min(1, len(got))]), clauseSearchLim, clauseSearch)
		}
	})
	t.Run("Committer", func(t *testing.T) {
		lifecycletest.TestCommitter(t, lifecycletest.CommitterKit[*problem.Problem]{
			New: func(t *testing.T) lifecycle.Committer[*problem.Problem] { return newStore(t) },
			Record: func(id string, version int64) *problem.Problem {
				p := Fixture(id)
				for p.Version < version {
					p = bump(p, fmt.Sprintf("version %d", p.Version+1))
				}
				return p
			},
			Get: func(ctx context.Context, s lifecycle.Committer[*problem.Problem], id string) (int64, error) {
				p, err := s.(problem.Store).Get(ctx, id)
				if err != nil {
					return 0, err
				}
				return p.Version, nil
			},
		})
	})
}

// Fixture returns a problem with every field set, as a Store might receive
// it: version 1, new, with its opening record as its history, two
// incidents, a change, a work note and a known error (times in UTC at
// whole seconds). Tests of Store implementations can start from it. A
// store that decodes problems with their history replays it, so a fixture
// is a problem the problem machine could have written; to move one to
// another state, walk its history there with a [lifecycletest.Walker] over
// problem.Allowed and problem.Target.
func Fixture(id string) *problem.Problem {
	at := time.Date(2026, 3, 8, 9, 30, 0, 0, time.UTC)
	return &problem.Problem{
		ID:          id,
		Version:     1,
		State:       problem.StateNew,
		Title:       "Mail relay rejects messages",
		Description: "Since Monday the relay rejects about 5% of messages.",
		Impact:      2,
		Urgency:     2,
		Priority:    3,
		Group:       "messaging",
		Assignee:    "ann",
		Service:     "email",
		ConfigItem:  "mx1",
		KnownError: problem.KnownError{
			Symptom:    "SMTP 452 errors",
			RootCause:  "Spool disk full",
			Workaround: "Purge the deferred queue",
			Fix:        "Grow the spool volume",
		},
		KnownErrorAt: at.Add(2 * time.Hour),
		Incidents:    []string{"INC-1", "INC-2"},
		Changes:      []string{"CHG-1"},
		WorkNotes:    []problem.WorkNote{{Time: at.Add(time.Hour), Author: "ann", Text: "Looking at the spool."}},
		OpenedBy:     "bob",
		History: []lifecycle.Record{{
			Seq: 1, Time: at, Actor: "bob", Event: "open", To: string(problem.StateNew),
			Changes: []lifecycle.FieldChange{{Field: "title", New: "Mail relay rejects messages"}},
		}},
		CreatedAt: at,
		UpdatedAt: at.Add(2 * time.Hour),
	}
}

// walker walks problem histories through the problem machine.
var walker = lifecycletest.Walker[problem.State, problem.Event]{Allowed: problem.Allowed, Target: problem.Target}

// inState returns a copy of p moved to state along a shortest path
// through the problem machine (see [lifecycletest.Walker]), one stored
// version per step: its history gains a record per step and its version
// counts them. It panics when the machine has no path from p's state to
// state. Only the state moves; the other fields are p's.
func inState(p *problem.Problem, state problem.State) *problem.Problem {
	n := p.Clone()
	h, err := walker.To(n.History, lifecycle.Record{Time: n.UpdatedAt, Actor: "ann"}, state)
	if err != nil {
		panic(fmt.Sprintf("problemtest: %s to %s: %v", p.ID, state, err))
	}
	n.History, n.State = h, state
	n.Version += int64(len(h) - len(p.History))
	return n
}

// bump returns p changed as a stored update would: version +1, a new
// title and one more history record, an update, which the problem machine
// must allow in p's state.
func bump(p *problem.Problem, title string) *problem.Problem {
	n := p.Clone()
	n.Version++
	n.Title = title
	n.UpdatedAt = n.UpdatedAt.Add(time.Minute)
	h, err := walker.Fire(n.History, lifecycle.Record{
		Time: n.UpdatedAt, Actor: "ann",
		Changes: []lifecycle.FieldChange{{Field: "title", Old: p.Title, New: title}},
	}, problem.EventUpdate)
	if err != nil {
		panic(fmt.Sprintf("problemtest: bump %s: %v", p.ID, err))
	}
	n.History = h
	return n
}

// scribble changes every part of p that a store could share by mistake.
func scribble(p *problem.Problem) {
	p.Title = "scribbled"
	p.Version = 99
	p.KnownError.Workaround = "scribbled"
	for i := range p.Incidents {
		p.Incidents[i] = "scribbled"
	}
	p.Incidents = append(p.Incidents, "INC-SCRIBBLED")
	for i := range p.Changes {
		p.Changes[i] = "scribbled"
	}
	for i := range p.WorkNotes {
		p.WorkNotes[i].Text = "scribbled"
	}
	for i := range p.History {
		p.History[i].Note = "scribbled"
		for j := range p.History[i].Changes {
			p.History[i].Changes[j].New = "scribbled"
		}
	}
}

func mustCreate(t *testing.T, s problem.Store, p *problem.Problem) {
	t.Helper()
	if err := s.Commit(context.Background(), lifecycle.Write[*problem.Problem]{Record: p}); err != nil {
		t.Fatalf("Create(%s): %v", p.ID, err)
	}
}

func mustGet(t *testing.T, s problem.Store, id string) *problem.Problem {
	t.Helper()
	p, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	return p
}

func ids(ps []*problem.Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// assertSame fails unless got equals want, comparing times with Equal and
// treating nil and empty slices alike.
func assertSame(t *testing.T, clause string, want, got *problem.Problem) {
	t.Helper()
	if got == nil {
		t.Fatalf("got nil problem; contract: %s", clause)
	}
	w, g := normalize(want), normalize(got)
	if !reflect.DeepEqual(w, g) {
		wj, _ := json.MarshalIndent(w, "", "  ")
		gj, _ := json.MarshalIndent(g, "", "  ")
		t.Fatalf("stored problem differs; contract: %s\nwant %s\n got %s", clause, wj, gj)
	}
}

func normalize(p *problem.Problem) *problem.Problem {
	n := p.Clone()
	utc := func(t *time.Time) {
		if t.IsZero() {
			*t = time.Time{}
		} else {
			*t = t.UTC()
		}
	}
	utc(&n.CreatedAt)
	utc(&n.UpdatedAt)
	utc(&n.ResolvedAt)
	utc(&n.ClosedAt)
	utc(&n.KnownErrorAt)
	if len(n.Incidents) == 0 {
		n.Incidents = nil
	}
	if len(n.Changes) == 0 {
		n.Changes = nil
	}
	if len(n.WorkNotes) == 0 {
		n.WorkNotes = nil
	}
	for i := range n.WorkNotes {
		utc(&n.WorkNotes[i].Time)
	}
	if len(n.History) == 0 {
		n.History = nil
	}
	for i := range n.History {
		utc(&n.History[i].Time)
		if len(n.History[i].Changes) == 0 {
			n.History[i].Changes = nil
		}
	}
	return n
}
