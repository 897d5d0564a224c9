package problemtest

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

// Contract clauses of problem.Store beyond those every store shares,
// quoted by failures.
const (
	clauseCopy       = `Store: "Values are copied in and out: ... neither the caller nor the store may see the other's later changes"`
	clauseFilter     = `Filter: "Empty fields match every problem; set fields must all match"`
	clauseSearch     = `SearchKnownErrors "returns the known errors (problems for which IsKnownError is true, in any state) matching q, ordered by ID"`
	clauseSearchText = `KnownErrorQuery.Text: "A known error matches when every term occurs in its Title, KnownError.Symptom, KnownError.RootCause or KnownError.Workaround ..., ignoring case"`
	clauseSearchWhr  = `KnownErrorQuery: "Service and ConfigItem, when set, must equal the problem's"`
	clauseSearchLim  = `SearchKnownErrors: "at most q.Limit of them (DefaultLimit when q.Limit <= 0)"`
)

// Kit returns the lifecycletest.RecordKit of the stores newStore makes:
// the kit TestStore runs lifecycletest.TestRecords with, for a host's own
// runs of the shared suites, such as lifecycletest.TestOutbox over a
// store that is an outbox.
func Kit(newStore func(t *testing.T) problem.Store) lifecycletest.RecordKit[*problem.Problem] {
	return lifecycletest.RecordKit[*problem.Problem]{
		New: func(t *testing.T) lifecycle.RecordStore[*problem.Problem] { return newStore(t) },
		Record: func(id string, version int64) *problem.Problem {
			p := Fixture(id)
			for p.Version < version {
				p = bump(p, fmt.Sprintf("version %d", p.Version+1))
			}
			return p
		},
		Key: func(p *problem.Problem) (string, int64) { return p.ID, p.Version },
		List: func(ctx context.Context, s lifecycle.RecordStore[*problem.Problem], after string, limit int) ([]*problem.Problem, string, error) {
			page, err := s.(problem.Store).List(ctx, problem.Filter{After: after, Limit: limit})
			return page.Problems, page.Next, err
		},
		DefaultLimit: problem.DefaultLimit,
		Scope: lifecycletest.ScopeKit[*problem.Problem]{
			List: func(ctx context.Context, s lifecycle.RecordStore[*problem.Problem], scope lifecycle.Scope, after string, limit int) ([]*problem.Problem, string, error) {
				page, err := s.(problem.Store).List(ctx, problem.Filter{Scope: scope, After: after, Limit: limit})
				return page.Problems, page.Next, err
			},
			// A problem has no caller.
			Place: func(p *problem.Problem, tenant, _, assignee, group string) *problem.Problem {
				p.Tenant, p.Assignee, p.Group = tenant, assignee, group
				return p
			},
		},
		Queries: map[string]func(context.Context, lifecycle.RecordStore[*problem.Problem]) error{
			"SearchKnownErrors": func(ctx context.Context, s lifecycle.RecordStore[*problem.Problem]) error {
				_, err := s.(problem.Store).SearchKnownErrors(ctx, problem.KnownErrorQuery{})
				return err
			},
		},
	}
}

// TestStore checks that the Store made by newStore honours the
// problem.Store contract: lifecycletest.TestRecords, the clauses every
// store shares (not-found, conflicts, versions, copying, atomic updates,
// List's order and paging, read sets, history and journal), then List's
// filters and the known-error search. newStore is called once per
// subtest and must return an empty store; register any clean-up with
// t.Cleanup. Failures quote the clause of the contract that was broken.
//
// The suite stores problems built directly (not through a Service) with
// times in UTC at whole seconds; stores may return times in another
// location, as comparisons use time.Time.Equal.
func TestStore(t *testing.T, newStore func(t *testing.T) problem.Store) {
	t.Helper()
	ctx := context.Background()
	lifecycletest.TestRecords(t, Kit(newStore))

	t.Run("SearchCopiesOut", func(t *testing.T) {
		s := newStore(t)
		want := Fixture("PRB-1")
		lifecycletest.MustCreate(t, s, want)
		found, err := s.SearchKnownErrors(ctx, problem.KnownErrorQuery{})
		if err != nil || len(found) != 1 {
			t.Fatalf("SearchKnownErrors = %d problems, %v; want 1", len(found), err)
		}
		lifecycletest.Scribble(found[0])
		if d := lifecycletest.Difference(lifecycletest.MustGet(t, s, "PRB-1"), Fixture("PRB-1")); d != "" {
			t.Fatalf("after changing a result of SearchKnownErrors, the stored problem differs: %s; contract: %s", d, clauseCopy)
		}
	})

	t.Run("ListFilters", func(t *testing.T) {
		s := newStore(t)
		mk := func(id string, state problem.State, f func(p *problem.Problem)) {
			p := inState(Fixture(id), state)
			f(p)
			lifecycletest.MustCreate(t, s, p)
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
			lifecycletest.MustCreate(t, s, p)
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
			lifecycletest.MustCreate(t, s, Fixture(fmt.Sprintf("PRB-%04d", i)))
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

func ids(ps []*problem.Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}
