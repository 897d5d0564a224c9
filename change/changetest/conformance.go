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
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// The clauses of the change.Store contract that TestStore checks, quoted
// in its failures after "contract: ".
const (
	clauseRoundTrip    = "Get returns the change as stored by Commit (times equal as instants, nil and empty alike)"
	clauseNotFound     = "Get returns an error matching lifecycle.ErrNotFound when there is no such change"
	clauseCreateExists = "Commit with Expected 0 returns an error matching lifecycle.ErrConflict, and stores nothing, if a change with its ID exists"
	clauseUpdate       = "Commit replaces the stored change with w.Record if the stored version is w.Expected"
	clauseUpdateStale  = "Commit returns an error matching lifecycle.ErrConflict when the stored version is not w.Expected; then nothing is stored"
	clauseUpdateGone   = "Commit returns an error matching lifecycle.ErrNotFound when w.Expected > 0 and there is no such change; then nothing is stored"
	clauseCopy         = "values are copied in and out: callers never share memory with stored state"
	clauseListOrder    = "List returns the matches with an ID greater than f.After in ascending ID order; following Next visits every match exactly once; Next is empty on the last page"
	clauseListFilter   = "List returns exactly the changes that match f (Filter.Matches)"
	clauseListSize     = "List returns at most f.PageLimit() changes: DefaultLimit (100) when f.Limit is not positive, MaxLimit (1000) when it is above MaxLimit"
	clauseScheduled    = "Scheduled returns, in ascending ID order, every change that is booked (scheduled or implement), lists one of cis, and whose window overlaps [from, to), as stored by Commit; with no cis none"
	clauseCanceled     = "a call whose ctx is already canceled fails with an error matching ctx.Err() and writes nothing"
	clauseConcurrent   = "safe for concurrent use: of concurrent updates from the same version exactly one succeeds, the others match lifecycle.ErrConflict"
)

// breach reports a broken clause and goes on.
func breach(t *testing.T, clause, format string, args ...any) {
	t.Helper()
	t.Errorf("%s\n\tcontract: %s", fmt.Sprintf(format, args...), clause)
}

// fatal reports a broken clause and stops the subtest.
func fatal(t *testing.T, clause, format string, args ...any) {
	t.Helper()
	t.Fatalf("%s\n\tcontract: %s", fmt.Sprintf(format, args...), clause)
}

// TestStore runs the change.Store conformance suite against stores made by
// newStore, which must return a new, empty store for each call (each
// subtest calls it once, and each case of the Committer subtest once;
// register clean-up with t.Cleanup). Each contract clause is a subtest;
// its failures quote the clause after "contract: ". The subtests run one
// after the other. The Committer subtest is lifecycletest.TestCommitter:
// Commit's version checks and its read set, guards included, alone and
// under concurrency.
//
// Times are compared as instants (time.Time.Equal), and nil and empty
// slices and maps are treated alike, so a database store need not
// preserve time zones or nil-ness. The ListPageSize subtest stores
// MaxLimit+1 changes.
func TestStore(t *testing.T, newStore func(t *testing.T) change.Store) {
	t.Helper()
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, s change.Store)
	}{
		{"CreateThenGet", testCreateGet},
		{"GetMissing", testGetMissing},
		{"CreateExisting", testCreateExisting},
		{"UpdateCompareAndSwap", testUpdate},
		{"CopyInAndOut", testCopy},
		{"ListOrderAndFilters", testList},
		{"ListPageSize", testListPageSize},
		{"Scheduled", testScheduled},
		{"CanceledContext", testCanceled},
		{"ConcurrentUpdates", testConcurrentUpdates},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newStore(t)) })
	}
	t.Run("Committer", func(t *testing.T) {
		lifecycletest.TestCommitter(t, lifecycletest.CommitterKit[*change.Change]{
			New: func(t *testing.T) lifecycle.Committer[*change.Change] { return newStore(t) },
			Record: func(id string, version int64) *change.Change {
				c := sample(id)
				for c.Version < version {
					c = next(c, func(*change.Change) {})
				}
				return c
			},
			Get: func(ctx context.Context, s lifecycle.Committer[*change.Change], id string) (int64, error) {
				c, err := s.(change.Store).Get(ctx, id)
				if err != nil {
					return 0, err
				}
				return c.Version, nil
			},
		})
	})
}

func testCreateGet(t *testing.T, s change.Store) {
	c := sample("CHG-1")
	mustCreate(t, s, c)
	got, err := s.Get(context.Background(), "CHG-1")
	if err != nil {
		fatal(t, clauseRoundTrip, "Get after Create: %v", err)
	}
	if !Equal(got, c) {
		fatal(t, clauseRoundTrip, "Get after Create\n got  %+v\n want %+v", got, c)
	}
	c = sample("CHG-2")
	w := lifecycle.Write[*change.Change]{Record: c.Clone()}
	w.Reads.Guard("ci/db-1", 0)
	if err := s.Commit(context.Background(), w); err != nil {
		fatal(t, clauseRoundTrip, "Commit of a new change: %v", err)
	}
	if got := mustGet(t, s, "CHG-2"); !Equal(got, c) {
		fatal(t, clauseRoundTrip, "Get after Commit\n got  %+v\n want %+v", got, c)
	}
}

func testGetMissing(t *testing.T, s change.Store) {
	_, err := s.Get(context.Background(), "CHG-missing")
	if !errors.Is(err, lifecycle.ErrNotFound) {
		fatal(t, clauseNotFound, "Get of an unknown ID: %v", err)
	}
}

func testCreateExisting(t *testing.T, s change.Store) {
	mustCreate(t, s, sample("CHG-1"))
	dup := sample("CHG-1")
	dup.Title = "a different change"
	err := s.Commit(context.Background(), lifecycle.Write[*change.Change]{Record: dup})
	if !errors.Is(err, lifecycle.ErrConflict) {
		fatal(t, clauseCreateExists, "Create of an existing ID: %v", err)
	}
	if got := mustGet(t, s, "CHG-1"); got.Title != sample("CHG-1").Title {
		fatal(t, clauseCreateExists, "after a refused Create the title is %q", got.Title)
	}
}

func testUpdate(t *testing.T, s change.Store) {
	ctx := context.Background()
	mustCreate(t, s, sample("CHG-1"))
	c := next(mustGet(t, s, "CHG-1"), func(c *change.Change) { c.Title = "second" })
	if err := s.Commit(ctx, lifecycle.Write[*change.Change]{Record: c, Expected: 1}); err != nil {
		fatal(t, clauseUpdate, "Update from the stored version: %v", err)
	}
	if got := mustGet(t, s, "CHG-1"); !Equal(got, c) {
		fatal(t, clauseUpdate, "after Update\n got  %+v\n want %+v", got, c)
	}
	stale := next(sample("CHG-1"), func(c *change.Change) { c.Title = "stale" })
	if err := s.Commit(ctx, lifecycle.Write[*change.Change]{Record: stale, Expected: 1}); !errors.Is(err, lifecycle.ErrConflict) {
		fatal(t, clauseUpdateStale, "Update from version 1 when 2 is stored: %v", err)
	}
	if got := mustGet(t, s, "CHG-1"); got.Title != "second" || got.Version != 2 {
		fatal(t, clauseUpdateStale, "after a stale Update: title %q, version %d", got.Title, got.Version)
	}
	ghost := next(sample("CHG-ghost"), func(*change.Change) {})
	if err := s.Commit(ctx, lifecycle.Write[*change.Change]{Record: ghost, Expected: 1}); !errors.Is(err, lifecycle.ErrNotFound) {
		fatal(t, clauseUpdateGone, "Update of an unknown ID: %v", err)
	}
	if _, err := s.Get(ctx, "CHG-ghost"); !errors.Is(err, lifecycle.ErrNotFound) {
		fatal(t, clauseUpdateGone, "after an Update of an unknown ID, Get gives %v", err)
	}
}

func testCopy(t *testing.T, s change.Store) {
	ctx := context.Background()
	c := sample("CHG-1")
	mustCreate(t, s, c)
	// mustCreate passes a clone: create one more from a value we keep.
	kept := sample("CHG-2")
	if err := s.Commit(ctx, lifecycle.Write[*change.Change]{Record: kept}); err != nil {
		fatal(t, clauseCopy, "Create: %v", err)
	}
	kept.Title = "mutated after Create"
	kept.ConfigItems[0] = "mutated"
	kept.History[0].Changes[0].New = "mutated"
	kept.Approvals[0].Comment = "mutated"
	kept.Authority.Excluded[0] = "mutated"
	if got := mustGet(t, s, "CHG-2"); !Equal(got, sample("CHG-2")) {
		fatal(t, clauseCopy, "a caller's edits after Create reached the store\n got %+v", got)
	}
	got := mustGet(t, s, "CHG-1")
	got.ConfigItems[0] = "mutated"
	got.Authority.Approvers[0] = "mutated"
	got.Answers["q1"] = "mutated"
	if again := mustGet(t, s, "CHG-1"); !Equal(again, sample("CHG-1")) {
		fatal(t, clauseCopy, "edits to a change returned by Get reached the store\n got %+v", again)
	}
	up := next(mustGet(t, s, "CHG-1"), func(*change.Change) {})
	if err := s.Commit(ctx, lifecycle.Write[*change.Change]{Record: up, Expected: 1}); err != nil {
		fatal(t, clauseUpdate, "Update: %v", err)
	}
	up.Incidents = append(up.Incidents[:0], "mutated")
	if again := mustGet(t, s, "CHG-1"); slices.Contains(again.Incidents, "mutated") {
		fatal(t, clauseCopy, "a caller's edits after Update reached the store")
	}
	cm := next(mustGet(t, s, "CHG-1"), func(*change.Change) {})
	if err := s.Commit(ctx, lifecycle.Write[*change.Change]{Record: cm, Expected: 2}); err != nil {
		fatal(t, clauseUpdate, "Commit: %v", err)
	}
	cm.Problems[0] = "mutated"
	if again := mustGet(t, s, "CHG-1"); slices.Contains(again.Problems, "mutated") {
		fatal(t, clauseCopy, "a caller's edits after Commit reached the store")
	}
}

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
		mustCreate(t, s, c)
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	var seen []string
	f := change.Filter{Limit: 10}
	for pages := 0; ; pages++ {
		if pages > 10 {
			fatal(t, clauseListOrder, "following Next never ended (%d changes seen)", len(seen))
		}
		p, err := s.List(ctx, f)
		if err != nil {
			fatal(t, clauseListOrder, "List: %v", err)
		}
		if len(p.Changes) > 10 {
			fatal(t, clauseListSize, "List with Limit 10 returned %d changes", len(p.Changes))
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
		fatal(t, clauseListOrder, "paging by 10\n got  %v\n want %v", seen, ids)
	}
	p, err := s.List(ctx, change.Filter{})
	if err != nil || len(p.Changes) != 25 || p.Next != "" {
		fatal(t, clauseListOrder, "List with a zero Filter of 25 changes: %d changes, Next %q, err %v", len(p.Changes), p.Next, err)
	}
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
			fatal(t, clauseListFilter, "List(%+v): %v", f, err)
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
			breach(t, clauseListFilter, "filter %+v\n got  %v\n want %v", f, got, want)
		}
	}
}

func testListPageSize(t *testing.T, s change.Store) {
	ctx := context.Background()
	n := change.MaxLimit + 1
	for i := range n {
		c := sample(fmt.Sprintf("CHG-%05d", i))
		c.History = nil // keep the suite quick on real databases
		mustCreate(t, s, c)
	}
	for _, c := range []struct{ limit, want int }{
		{0, change.DefaultLimit},
		{-5, change.DefaultLimit},
		{3, 3},
		{change.MaxLimit, change.MaxLimit},
		{change.MaxLimit + 500, change.MaxLimit},
	} {
		p, err := s.List(ctx, change.Filter{Limit: c.limit})
		if err != nil {
			fatal(t, clauseListSize, "List with Limit %d: %v", c.limit, err)
		}
		if len(p.Changes) != c.want || p.Next == "" {
			breach(t, clauseListSize, "List with Limit %d of %d changes returned %d (Next %q), want %d and a Next",
				c.limit, n, len(p.Changes), p.Next, c.want)
		}
	}
	var seen int
	f := change.Filter{Limit: change.MaxLimit + 500}
	for pages := 0; ; pages++ {
		if pages > n {
			fatal(t, clauseListOrder, "following Next never ended")
		}
		p, err := s.List(ctx, f)
		if err != nil {
			fatal(t, clauseListOrder, "List: %v", err)
		}
		seen += len(p.Changes)
		if p.Next == "" {
			break
		}
		f.After = p.Next
	}
	if seen != n {
		breach(t, clauseListOrder, "paging through %d changes with Limit %d visited %d", n, change.MaxLimit+500, seen)
	}
}

func testScheduled(t *testing.T, s change.Store) {
	ctx := context.Background()
	base := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	mk := func(id string, st change.State, cis []string, from, to time.Duration) {
		c := inState(sample(id), st)
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
		fatal(t, clauseScheduled, "Scheduled: %v", err)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if want := []string{"CHG-a", "CHG-b", "CHG-h"}; !slices.Equal(ids, want) {
		fatal(t, clauseScheduled, "Scheduled(db, lb) over two hours\n got  %v\n want %v", ids, want)
	}
	if none, err := s.Scheduled(ctx, nil, base, base.Add(2*h)); err != nil || len(none) != 0 {
		fatal(t, clauseScheduled, "with no cis: %d changes, %v", len(none), err)
	}
	got[0].Title = "mutated"
	if c := mustGet(t, s, got[0].ID); c.Title == "mutated" {
		fatal(t, clauseCopy, "edits to a change returned by Scheduled reached the store")
	}
	// An update that unbooks a change takes it off the schedule.
	c := mustGet(t, s, "CHG-a")
	booked := c.Version
	c = inState(c, change.StateReview)
	if err := s.Commit(ctx, lifecycle.Write[*change.Change]{Record: c, Expected: booked}); err != nil {
		fatal(t, clauseUpdate, "Update: %v", err)
	}
	got, err = s.Scheduled(ctx, []string{"db"}, base, base.Add(2*h))
	if err != nil || len(got) != 1 || got[0].ID != "CHG-b" {
		fatal(t, clauseScheduled, "after CHG-a left the schedule, Scheduled(db) gave %d changes (%v)", len(got), err)
	}
	// A Commit that books a change puts it on the schedule, as the
	// Service's Schedule does.
	e := mustGet(t, s, "CHG-e")
	w := lifecycle.Write[*change.Change]{Record: inState(e, change.StateScheduled), Expected: e.Version}
	w.Reads.Guard("ci/db", 0)
	if err := s.Commit(ctx, w); err != nil {
		fatal(t, clauseScheduled, "Commit: %v", err)
	}
	got, err = s.Scheduled(ctx, []string{"db"}, base, base.Add(2*h))
	ids = ids[:0]
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	if want := []string{"CHG-b", "CHG-e"}; err != nil || !slices.Equal(ids, want) {
		fatal(t, clauseScheduled, "after a Commit booked CHG-e, Scheduled(db)\n got  %v (%v)\n want %v", ids, err, want)
	}
}

func testCanceled(t *testing.T, s change.Store) {
	mustCreate(t, s, sample("CHG-1"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	check := func(call string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			breach(t, clauseCanceled, "%s with a canceled ctx: %v", call, err)
		}
	}
	err := s.Commit(ctx, lifecycle.Write[*change.Change]{Record: sample("CHG-2")})
	check("Commit (create)", err)
	if _, err := s.Get(context.Background(), "CHG-2"); !errors.Is(err, lifecycle.ErrNotFound) {
		breach(t, clauseCanceled, "a Create with a canceled ctx stored the change (Get: %v)", err)
	}
	up := next(sample("CHG-1"), func(c *change.Change) { c.Title = "written anyway" })
	check("Commit (update)", s.Commit(ctx, lifecycle.Write[*change.Change]{Record: up, Expected: 1}))
	if got := mustGet(t, s, "CHG-1"); got.Version != 1 || got.Title == "written anyway" {
		breach(t, clauseCanceled, "an Update with a canceled ctx stored version %d, title %q", got.Version, got.Title)
	}
	w := lifecycle.Write[*change.Change]{Record: up, Expected: 1}
	w.Reads.Guard("ci/db-1", 0)
	check("Commit", s.Commit(ctx, w))
	if got := mustGet(t, s, "CHG-1"); got.Version != 1 || got.Title == "written anyway" {
		breach(t, clauseCanceled, "a Commit with a canceled ctx stored version %d, title %q", got.Version, got.Title)
	}
	if v, err := s.Guard(context.Background(), "ci/db-1"); err != nil || v != 0 {
		breach(t, clauseCanceled, "a Commit with a canceled ctx left its guard at version %d (%v)", v, err)
	}
	_, err = s.Guard(ctx, "ci/db-1")
	check("Guard", err)
	_, err = s.Get(ctx, "CHG-1")
	check("Get", err)
	_, err = s.List(ctx, change.Filter{})
	check("List", err)
	_, err = s.Scheduled(ctx, []string{"db-1"}, time.Time{}, time.Now())
	check("Scheduled", err)
}

func testConcurrentUpdates(t *testing.T, s change.Store) {
	mustCreate(t, s, sample("CHG-1"))
	const n = 16
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := next(sample("CHG-1"), func(c *change.Change) { c.Title = fmt.Sprintf("writer %d", i) })
			errs[i] = s.Commit(context.Background(), lifecycle.Write[*change.Change]{Record: c, Expected: 1})
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, lifecycle.ErrConflict):
			fatal(t, clauseConcurrent, "a losing concurrent Update: %v", err)
		}
	}
	if wins != 1 {
		fatal(t, clauseConcurrent, "%d of %d concurrent updates from version 1 succeeded", wins, n)
	}
}

func mustCreate(t *testing.T, s change.Store, c *change.Change) {
	t.Helper()
	if err := s.Commit(context.Background(), lifecycle.Write[*change.Change]{Record: c.Clone()}); err != nil {
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
			Approvers: []string{"carol", "dave"}, Policy: change.PolicyAll, Excluded: []string{"alice", "olga"}},
		Approvals:          []change.Approval{{Approver: "carol", Decision: change.Approved, Comment: "ok", At: at}},
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
