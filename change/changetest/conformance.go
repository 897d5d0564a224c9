package changetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// The clauses of the change.Store contract that TestStore checks beyond
// those every store shares, quoted in its failures after "contract: ".
const (
	clauseRoundTrip  = "Get returns the change as stored by Commit (times equal as instants, nil and empty alike)"
	clauseCopy       = "values are copied in and out: callers never share memory with stored state"
	clauseListFilter = "List returns exactly the changes that match f (Filter.Matches)"
	clauseScheduled  = "Scheduled returns, in ascending ID order, every change that is booked (scheduled or implement), lists one of cis, and whose window overlaps [from, to), as stored by Commit; with no cis none"
)

// Kit returns the lifecycletest.RecordKit of the stores newStore makes:
// the kit TestStore runs lifecycletest.TestRecords with, for a host's own
// runs of the shared suites, such as lifecycletest.TestOutbox over a
// store that is an outbox.
func Kit(newStore func(t *testing.T) change.Store) lifecycletest.RecordKit[*change.Change] {
	return lifecycletest.RecordKit[*change.Change]{
		New: func(t *testing.T) lifecycle.RecordStore[*change.Change] { return newStore(t) },
		Record: func(id string, version int64) *change.Change {
			c := sample(id)
			for c.Version < version {
				c = next(c, func(c *change.Change) { c.Title = fmt.Sprintf("Upgrade the database, take %d", c.Version+1) })
			}
			return c
		},
		Key: key,
		List: func(ctx context.Context, s lifecycle.RecordStore[*change.Change], after string, limit int) ([]*change.Change, string, error) {
			p, err := s.(change.Store).List(ctx, change.Filter{After: after, Limit: limit})
			return p.Changes, p.Next, err
		},
		DefaultLimit: change.DefaultLimit,
		MaxLimit:     change.MaxLimit,
		Scope: lifecycletest.ScopeKit[*change.Change]{
			List: func(ctx context.Context, s lifecycle.RecordStore[*change.Change], scope lifecycle.Scope, after string, limit int) ([]*change.Change, string, error) {
				p, err := s.(change.Store).List(ctx, change.Filter{Scope: scope, After: after, Limit: limit})
				return p.Changes, p.Next, err
			},
			// A change's caller is its requester.
			Place: func(c *change.Change, tenant, caller, assignee, group string) *change.Change {
				c.Tenant, c.Requester, c.Assignee, c.Group = tenant, caller, assignee, group
				return c
			},
		},
		NextIsLastID: true,
		Queries: map[string]func(context.Context, lifecycle.RecordStore[*change.Change]) error{
			"Scheduled": func(ctx context.Context, s lifecycle.RecordStore[*change.Change]) error {
				_, err := s.(change.Store).Scheduled(ctx, []string{"db-1"}, time.Time{}, time.Now())
				return err
			},
		},
	}
}

// TestStore runs the change.Store conformance suite against stores made by
// newStore, which must return a new, empty store for each call (each
// subtest calls it once; register clean-up with t.Cleanup). It runs
// lifecycletest.TestRecords, the clauses every store shares (versions,
// conflicts, not-found, copies, List's order and page size, concurrent
// writers, and Commit's read set, guards included, and history), then the
// change's own: List's filters, Scheduled and a guarded create's round
// trip. Failures quote the clause after "contract: ".
// The subtests run one after the other.
//
// Times are compared as instants (time.Time.Equal), and nil and empty
// slices and maps are treated alike, so a database store need not
// preserve time zones or nil-ness. The ListPageSize subtest stores
// MaxLimit+1 changes.
func TestStore(t *testing.T, newStore func(t *testing.T) change.Store) {
	t.Helper()
	lifecycletest.TestRecords(t, Kit(newStore))
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, s change.Store)
	}{
		{"CreateWithGuardThenGet", testCreateGuarded},
		{"ListFilters", testList},
		{"Scheduled", testScheduled},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newStore(t)) })
	}
}

// testCreateGuarded: a create that takes a guard stores the change as
// any create does.
func testCreateGuarded(t *testing.T, s change.Store) {
	c := sample("CHG-2")
	w := lifecycle.Write[*change.Change]{Record: c.Clone()}
	w.Reads.Guard("ci/db-1", 0)
	if err := s.Commit(context.Background(), w); err != nil {
		lifecycletest.Fatal(t, clauseRoundTrip, "Commit of a new change: %v", err)
	}
	if d := lifecycletest.Difference(lifecycletest.MustGet(t, s, "CHG-2"), c); d != "" {
		lifecycletest.Fatal(t, clauseRoundTrip, "Get after Commit: %s", d)
	}
}

// testList: List returns exactly the changes each filter matches.
func testList(t *testing.T, s change.Store) {
	ctx := context.Background()
	var ids []string
	for _, i := range []int{7, 3, 22, 11, 1, 15, 9, 18, 5, 24, 13, 2, 20, 17, 4, 23, 8, 14, 6, 19, 10, 21, 12, 16, 25} {
		c := sample(fmt.Sprintf("CHG-%03d", i))
		c.Type = change.Types()[i%3]
		states := change.TypeStates(c.Type)
		c = inState(c, states[i%len(states)])
		c.Requester = fmt.Sprintf("req-%d", i%2)
		c.Assignee = fmt.Sprintf("eng-%d", i%4)
		c.ConfigItems = []string{fmt.Sprintf("ci-%d", i%5), "ci-all"}
		lifecycletest.MustCreate(t, s, c)
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	filters := []change.Filter{
		{States: []change.State{change.StateNew, change.StateClosed}},
		{Types: []change.Type{change.Emergency}},
		{Requester: "req-1"},
		{Assignee: "eng-3"},
		{ConfigItem: "ci-2"},
		{Types: []change.Type{change.Normal}, ConfigItem: "ci-all", Requester: "req-0"},
		{After: "CHG-020"},
		{Requester: "nobody"},
	}
	for _, f := range filters {
		p, err := s.List(ctx, f)
		if err != nil {
			lifecycletest.Fatal(t, clauseListFilter, "List(%+v): %v", f, err)
		}
		var want []string
		for _, id := range ids {
			if id > f.After && f.Matches(lifecycletest.MustGet(t, s, id)) {
				want = append(want, id)
			}
		}
		var got []string
		for _, c := range p.Changes {
			got = append(got, c.ID)
		}
		if !slices.Equal(got, want) {
			lifecycletest.Breach(t, clauseListFilter, "filter %+v\n got  %v\n want %v", f, got, want)
		}
	}
}

func testScheduled(t *testing.T, s change.Store) {
	ctx := context.Background()
	base := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	mk := func(id string, st change.State, cis []string, from, to time.Duration) {
		c := inState(sample(id), st)
		c.ConfigItems = cis
		c.PlannedStart, c.PlannedEnd = base.Add(from), base.Add(to)
		lifecycletest.MustCreate(t, s, c)
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
		lifecycletest.Fatal(t, clauseScheduled, "Scheduled: %v", err)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if want := []string{"CHG-a", "CHG-b", "CHG-h"}; !slices.Equal(ids, want) {
		lifecycletest.Fatal(t, clauseScheduled, "Scheduled(db, lb) over two hours\n got  %v\n want %v", ids, want)
	}
	if none, err := s.Scheduled(ctx, nil, base, base.Add(2*h)); err != nil || len(none) != 0 {
		lifecycletest.Fatal(t, clauseScheduled, "with no cis: %d changes, %v", len(none), err)
	}
	want := lifecycletest.MustGet(t, s, got[0].ID)
	lifecycletest.Scribble(got[0])
	if d := lifecycletest.Difference(lifecycletest.MustGet(t, s, want.ID), want); d != "" {
		lifecycletest.Fatal(t, clauseCopy, "edits to a change returned by Scheduled reached the store: %s", d)
	}
	// An update that unbooks a change takes it off the schedule.
	c := lifecycletest.MustGet(t, s, "CHG-a")
	booked := c.Version
	c = inState(c, change.StateReview)
	if err := s.Commit(ctx, lifecycle.Write[*change.Change]{Record: c, Expected: booked}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	got, err = s.Scheduled(ctx, []string{"db"}, base, base.Add(2*h))
	if err != nil || len(got) != 1 || got[0].ID != "CHG-b" {
		lifecycletest.Fatal(t, clauseScheduled, "after CHG-a left the schedule, Scheduled(db) gave %d changes (%v)", len(got), err)
	}
	// A Commit that books a change puts it on the schedule, as the
	// Service's Schedule does.
	e := lifecycletest.MustGet(t, s, "CHG-e")
	w := lifecycle.Write[*change.Change]{Record: inState(e, change.StateScheduled), Expected: e.Version}
	w.Reads.Guard("ci/db", 0)
	if err := s.Commit(ctx, w); err != nil {
		lifecycletest.Fatal(t, clauseScheduled, "Commit: %v", err)
	}
	got, err = s.Scheduled(ctx, []string{"db"}, base, base.Add(2*h))
	ids = ids[:0]
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if want := []string{"CHG-b", "CHG-e"}; err != nil || !slices.Equal(ids, want) {
		lifecycletest.Fatal(t, clauseScheduled, "after a Commit booked CHG-e, Scheduled(db)\n got  %v (%v)\n want %v", ids, err, want)
	}
}

// sample returns a change with every field set, at version 1: a new
// normal change with its creation record as its history. inState moves
// it on.
func sample(id string) *change.Change {
	at := time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)
	return &change.Change{
		ID: id, Version: 1, Type: change.Normal, State: change.StateNew,
		Title: "Upgrade the database", Description: "minor version",
		Impact: 2, Urgency: 1, Priority: 2,
		Requester: "alice", OpenedBy: "olga", Group: "dba", Assignee: "bob", Service: "billing",
		ConfigItems:  []string{"db-1", "db-2"},
		Plans:        change.Plans{Implementation: "upgrade", Backout: "restore", Test: "smoke"},
		PlannedStart: at.Add(24 * time.Hour), PlannedEnd: at.Add(26 * time.Hour),
		Answers:    map[string]string{"q1": "a"},
		Risk:       change.RiskModerate,
		Assessment: &change.RiskAssessment{Level: change.RiskModerate, Rules: change.RiskModerate, Matched: []string{"x: y"}, Questionnaire: change.RiskLow, Score: 2, At: at},
		Authority: &change.Authority{Name: "CAB", Types: []change.Type{change.Normal}, Risks: []change.Risk{change.RiskModerate},
			Approvers: []string{"carol", "dave"}, Policy: lifecycle.ConsentAll, Excluded: []string{"alice", "olga"}},
		Approvals:          []lifecycle.Vote{{Approver: "carol", Decision: lifecycle.Approved, Comment: "ok", At: at}},
		Conflicts:          []change.Conflict{{Kind: change.ConflictBlackout, Window: "freeze", Start: at, End: at.Add(time.Hour), Reason: "freeze"}},
		ConflictsCheckedAt: at,
		Override:           &change.Override{Reason: "urgent", By: "erin", At: at},
		ActualStart:        at.Add(25 * time.Hour), ActualEnd: at.Add(25*time.Hour + 30*time.Minute),
		Outcome: change.OutcomeSuccessful, ReviewNotes: "fine", CancelReason: "not canceled", Template: "db-minor",
		Problems:  []string{"PRB-1"},
		Incidents: []string{"INC-1"},
		History: []lifecycle.Record{{Seq: 1, Time: at, Actor: "olga", Event: "create", To: "new",
			Changes: []lifecycle.FieldChange{{Field: "title", New: "Upgrade the database"}}}},
		CreatedAt: at, UpdatedAt: at,
	}
}

// walker walks the histories of changes of type t through t's machine.
func walker(t change.Type) lifecycletest.Walker[change.State, change.Event] {
	return lifecycletest.Walker[change.State, change.Event]{
		Allowed: func(s change.State) []change.Event { return change.Allowed(t, s) },
		Target:  func(s change.State, e change.Event) (change.State, bool) { return change.Target(t, s, e) },
	}
}

// inState returns a copy of c moved to state along a shortest path
// through the machine of c's type (see [lifecycletest.Walker]), one
// stored version per step: its history gains a record per step and its
// version counts them. It panics when the machine has no path from c's
// state to state. Only the state moves; the other fields are c's. A store
// that decodes changes with their history replays it, so the suite's
// changes are ones the machine could have written.
func inState(c *change.Change, state change.State) *change.Change {
	n := c.Clone()
	h, err := walker(n.Type).To(n.History, lifecycle.Record{Time: n.UpdatedAt, Actor: "bob"}, state)
	if err != nil {
		panic(fmt.Sprintf("changetest: %s (%s) to %s: %v", c.ID, c.Type, state, err))
	}
	n.History, n.State = h, state
	n.Version += int64(len(h) - len(c.History))
	return n
}

// next returns c changed by mutate as the next stored version, the way a
// service stores an update: version +1 and one more history record, an
// update, or in a state the machine allows no update in, an assign.
// mutate does not move the state: inState does.
func next(c *change.Change, mutate func(*change.Change)) *change.Change {
	n := c.Clone()
	mutate(n)
	n.Version = c.Version + 1
	n.UpdatedAt = c.UpdatedAt.Add(time.Minute)
	event := change.EventUpdate
	if _, ok := change.Target(n.Type, n.State, event); !ok {
		event = change.EventAssign
	}
	h, err := walker(n.Type).Fire(n.History, lifecycle.Record{Time: n.UpdatedAt, Actor: "bob"}, event)
	if err != nil {
		panic(fmt.Sprintf("changetest: next %s: %v", c.ID, err))
	}
	n.History = h
	return n
}

// Equal reports whether a and b are the same change: deep equality where
// times compare as instants and nil equals empty for slices and maps (see
// lifecycletest.Equal).
func Equal(a, b *change.Change) bool { return lifecycletest.Equal(a, b) }
