package incidenttest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// The contract clauses TestStore checks, quoted in its failures.
const (
	clauseNotFound     = "Get returns an error matching lifecycle.ErrNotFound when no incident has the ID"
	clauseRoundTrip    = "values stored come back equal to what was stored (times equal as instants)"
	clauseCreateExists = "Create returns an error matching lifecycle.ErrConflict, and stores nothing, when an incident with x.ID exists"
	clauseUpdate       = "Update replaces the stored incident with a copy of x if, and only if, the stored version is expected"
	clauseUpdateStale  = "Update returns an error matching lifecycle.ErrConflict when the stored version is not expected; then nothing is written"
	clauseUpdateGone   = "Update returns an error matching lifecycle.ErrNotFound when there is no such incident; then nothing is written"
	clauseCopy         = "values are copied in and out: a caller changing an Incident after or between calls never changes stored state"
	clauseListOrder    = "List returns matching incidents in ascending ID order; paging with Next never repeats nor skips one; Next is empty on the last page"
	clauseListSize     = "List returns at most the filter's page size: Limit < 1 means DefaultLimit (100), above MaxLimit (1000) means MaxLimit"
	clauseListFilter   = "List returns exactly the incidents matching the filter (Filter.Matches); no match is an empty page, not an error"
	clauseResolved     = "ResolvedBefore returns incidents in state resolved with UpdatedAt before t, except accepted major incidents, oldest UpdatedAt first (ties by ID), at most limit"
	clauseConcurrent   = "safe for concurrent use; of concurrent Creates of one ID or Updates with the same expected version, exactly one succeeds"
)

// TestStore is the conformance suite for incident.Store implementations.
// newStore must return a new, empty store each time it is called (each
// subtest calls it once). Every failure quotes the clause of the contract
// that was broken.
//
// Stored times are compared as instants, so a store may return them in
// another location; the suite uses whole seconds, so microsecond storage
// precision is enough.
func TestStore(t *testing.T, newStore func(t *testing.T) incident.Store) {
	t.Helper()
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, s incident.Store)
	}{
		{"GetMissing", testGetMissing},
		{"CreateGet", testCreateGet},
		{"CreateExisting", testCreateExisting},
		{"Update", testUpdate},
		{"UpdateStale", testUpdateStale},
		{"UpdateMissing", testUpdateMissing},
		{"CopyIsolation", testCopyIsolation},
		{"ListOrderAndPaging", testListPaging},
		{"ListPageSize", testListPageSize},
		{"ListFilters", testListFilters},
		{"ListParentFollowsUpdates", testListParentUpdates},
		{"ResolvedBefore", testResolvedBefore},
		{"ConcurrentCreates", testConcurrentCreates},
		{"ConcurrentUpdates", testConcurrentUpdates},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newStore(t)) })
	}
	t.Run("Committer", func(t *testing.T) {
		lifecycletest.TestCommitter(t, lifecycletest.CommitterKit[*incident.Incident]{
			New: func(t *testing.T) lifecycle.Committer[*incident.Incident] { return newStore(t) },
			Record: func(id string, version int64) *incident.Incident {
				x := sample(id)
				for x.Version < version {
					x = next(x, func(*incident.Incident) {})
				}
				return x
			},
			Get: func(ctx context.Context, s lifecycle.Committer[*incident.Incident], id string) (int64, error) {
				x, err := s.(incident.Store).Get(ctx, id)
				if err != nil {
					return 0, err
				}
				return x.Version, nil
			},
		})
	})
}

func breach(t *testing.T, clause, format string, args ...any) {
	t.Helper()
	t.Errorf("%s\n\tcontract: %s", fmt.Sprintf(format, args...), clause)
}

func fatal(t *testing.T, clause, format string, args ...any) {
	t.Helper()
	t.Fatalf("%s\n\tcontract: %s", fmt.Sprintf(format, args...), clause)
}

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)

// sample returns a fully populated incident, version 1.
func sample(id string) *incident.Incident {
	return &incident.Incident{
		ID: id, Version: 1, State: incident.StateNew,
		Title: "Mail is down " + id, Description: "nobody can send", Caller: "carol",
		Category: "email", Service: "mail", ConfigItem: "mx1", OpenedBy: "alice",
		Impact: 2, Urgency: 2, Priority: 3, Group: "desk",
		Problems:   []string{"PRB1"},
		Changes:    []string{"CHG1"},
		Comments:   []incident.Note{{Time: t0, Author: "alice", Text: "looking"}},
		WorkNotes:  []incident.Note{{Time: t0, Author: "alice", Text: "mx1 queue full"}},
		Attributes: map[string]string{"site": "paris"},
		History: []lifecycle.Record{{
			Seq: 1, Time: t0, Actor: "alice", Event: "open", To: "new",
			Changes: []lifecycle.FieldChange{{Field: lifecycle.FieldPriority, New: "3"}},
		}},
		CreatedAt: t0, UpdatedAt: t0,
	}
}

// walker walks incident histories through the incident machine.
var walker = lifecycletest.Walker[incident.State, incident.Event]{Allowed: incident.Allowed, Target: incident.Target}

// next returns x changed by mutate as the next version, as a service would
// store it: version +1 and one more history record, the event that leads
// from x's state to the state mutate leaves (a comment when it leaves the
// state as it was). It panics when the incident machine has no such event.
func next(x *incident.Incident, mutate func(*incident.Incident)) *incident.Incident {
	y := x.Clone()
	mutate(y)
	y.Version = x.Version + 1
	y.UpdatedAt = x.UpdatedAt.Add(time.Minute)
	events := []incident.Event{incident.EventComment}
	if y.State != x.State {
		path, err := walker.Path(x.State, y.State)
		if err != nil || len(path) != 1 {
			panic(fmt.Sprintf("incidenttest: no one event from %s to %s (%v, %v)", x.State, y.State, path, err))
		}
		events = path
	}
	h, err := walker.Fire(y.History, lifecycle.Record{Time: y.UpdatedAt, Actor: "bob"}, events...)
	if err != nil {
		panic(fmt.Sprintf("incidenttest: next %s: %v", x.ID, err))
	}
	y.History = h
	return y
}

// inState returns a copy of x moved to state along a shortest path
// through the incident machine (see [lifecycletest.Walker]), one version
// per step, so that the incident is one a service could have stored (a
// store that keeps JSON replays the history on decoding). It panics when
// the machine has no path there.
func inState(x *incident.Incident, state incident.State) *incident.Incident {
	y := x.Clone()
	h, err := walker.To(y.History, lifecycle.Record{Time: y.UpdatedAt, Actor: "bob"}, state)
	if err != nil {
		panic(fmt.Sprintf("incidenttest: %s to %s: %v", x.ID, state, err))
	}
	y.History, y.State = h, state
	y.Version += int64(len(h) - len(x.History))
	return y
}

// canonical renders x with times in UTC, for comparing as instants.
func canonical(x *incident.Incident) string {
	if x == nil {
		return "<nil>"
	}
	y := x.Clone()
	y.CreatedAt, y.UpdatedAt = y.CreatedAt.UTC(), y.UpdatedAt.UTC()
	y.ResolvedAt, y.ClosedAt = y.ResolvedAt.UTC(), y.ClosedAt.UTC()
	for i := range y.History {
		y.History[i].Time = y.History[i].Time.UTC()
	}
	for i := range y.Comments {
		y.Comments[i].Time = y.Comments[i].Time.UTC()
	}
	for i := range y.WorkNotes {
		y.WorkNotes[i].Time = y.WorkNotes[i].Time.UTC()
	}
	b, err := json.Marshal(y)
	if err != nil {
		return "<unmarshalable: " + err.Error() + ">"
	}
	return string(b)
}

func same(a, b *incident.Incident) bool { return canonical(a) == canonical(b) }

func mustCreate(t *testing.T, s incident.Store, x *incident.Incident) {
	t.Helper()
	if err := s.Commit(context.Background(), lifecycle.Write[*incident.Incident]{Record: x}); err != nil {
		fatal(t, clauseRoundTrip, "Create(%s): %v", x.ID, err)
	}
}

func mustGet(t *testing.T, s incident.Store, id string) *incident.Incident {
	t.Helper()
	x, err := s.Get(context.Background(), id)
	if err != nil {
		fatal(t, clauseRoundTrip, "Get(%s) after it was stored: %v", id, err)
	}
	return x
}

func testGetMissing(t *testing.T, s incident.Store) {
	x, err := s.Get(context.Background(), "INC-MISSING")
	if !errors.Is(err, lifecycle.ErrNotFound) {
		breach(t, clauseNotFound, "Get of a missing ID returned (%v, %v)", x, err)
	}
}

func testCreateGet(t *testing.T, s incident.Store) {
	x := sample("INC-1")
	mustCreate(t, s, x)
	if got := mustGet(t, s, "INC-1"); !same(got, x) {
		breach(t, clauseRoundTrip, "Get after Create:\n got %s\nwant %s", canonical(got), canonical(x))
	}
	// A sparse incident (nil slices, zero times) round-trips too.
	y := &incident.Incident{ID: "INC-2", Version: 1, State: incident.StateNew, Title: "t", Impact: 3, Urgency: 3, Priority: 5, CreatedAt: t0, UpdatedAt: t0}
	mustCreate(t, s, y)
	if got := mustGet(t, s, "INC-2"); !same(got, y) {
		breach(t, clauseRoundTrip, "Get after Create of a sparse incident:\n got %s\nwant %s", canonical(got), canonical(y))
	}
}

func testCreateExisting(t *testing.T, s incident.Store) {
	x := sample("INC-1")
	mustCreate(t, s, x)
	dup := sample("INC-1")
	dup.Title = "a different incident with the same ID"
	if err := s.Commit(context.Background(), lifecycle.Write[*incident.Incident]{Record: dup}); !errors.Is(err, lifecycle.ErrConflict) {
		breach(t, clauseCreateExists, "second Create of INC-1 returned %v", err)
	}
	if got := mustGet(t, s, "INC-1"); !same(got, x) {
		breach(t, clauseCreateExists, "second Create of INC-1 changed it:\n got %s\nwant %s", canonical(got), canonical(x))
	}
}

func testUpdate(t *testing.T, s incident.Store) {
	ctx := context.Background()
	x := sample("INC-1")
	mustCreate(t, s, x)
	for i := range 3 {
		y := next(x, func(y *incident.Incident) {
			y.State = incident.StateInProgress
			y.Assignee = fmt.Sprintf("agent-%d", i)
			y.Problems = append(y.Problems, fmt.Sprintf("PRB%d", i+2))
		})
		if err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: y, Expected: x.Version}); err != nil {
			fatal(t, clauseUpdate, "Update to version %d with expected %d: %v", y.Version, x.Version, err)
		}
		if got := mustGet(t, s, "INC-1"); !same(got, y) {
			breach(t, clauseUpdate, "Get after Update:\n got %s\nwant %s", canonical(got), canonical(y))
		}
		x = y
	}
}

func testUpdateStale(t *testing.T, s incident.Store) {
	ctx := context.Background()
	x := sample("INC-1")
	mustCreate(t, s, x)
	y := next(x, func(y *incident.Incident) { y.Title = "v2" })
	if err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: y, Expected: 1}); err != nil {
		fatal(t, clauseUpdate, "Update 1→2: %v", err)
	}
	for _, expected := range []int64{0, 1, 3, 7} {
		z := next(x, func(z *incident.Incident) { z.Title = "stale" })
		z.Version = expected + 1
		if err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: z, Expected: expected}); !errors.Is(err, lifecycle.ErrConflict) {
			breach(t, clauseUpdateStale, "Update with expected %d over stored version 2 returned %v", expected, err)
		}
		if got := mustGet(t, s, "INC-1"); !same(got, y) {
			breach(t, clauseUpdateStale, "Update with expected %d over stored version 2 changed it:\n got %s\nwant %s", expected, canonical(got), canonical(y))
		}
	}
}

func testUpdateMissing(t *testing.T, s incident.Store) {
	ctx := context.Background()
	x := next(sample("INC-GHOST"), func(*incident.Incident) {})
	if err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: x, Expected: 1}); !errors.Is(err, lifecycle.ErrNotFound) {
		breach(t, clauseUpdateGone, "Update of a missing incident returned %v", err)
	}
	if _, err := s.Get(ctx, "INC-GHOST"); !errors.Is(err, lifecycle.ErrNotFound) {
		breach(t, clauseUpdateGone, "Update of a missing incident created it (Get: %v)", err)
	}
}

// scribble changes every part of x that could be shared memory.
func scribble(x *incident.Incident) {
	x.Title = "scribbled"
	x.Version = 99
	if len(x.Problems) > 0 {
		x.Problems[0] = "PRB-SCRIBBLED"
	}
	if len(x.Changes) > 0 {
		x.Changes[0] = "CHG-SCRIBBLED"
	}
	if len(x.Comments) > 0 {
		x.Comments[0].Text = "scribbled"
	}
	if len(x.WorkNotes) > 0 {
		x.WorkNotes[0].Text = "scribbled"
	}
	if x.Attributes != nil {
		x.Attributes["site"] = "scribbled"
		x.Attributes["new"] = "scribbled"
	}
	if len(x.History) > 0 {
		x.History[0].Note = "scribbled"
		if len(x.History[0].Changes) > 0 {
			x.History[0].Changes[0].New = "scribbled"
		}
	}
	x.Problems = append(x.Problems[:len(x.Problems):len(x.Problems)], "PRB-APPENDED")
}

func testCopyIsolation(t *testing.T, s incident.Store) {
	ctx := context.Background()
	check := func(what string, want *incident.Incident) {
		t.Helper()
		if got := mustGet(t, s, want.ID); !same(got, want) {
			breach(t, clauseCopy, "changing %s changed the stored incident:\n got %s\nwant %s", what, canonical(got), canonical(want))
		}
	}

	x := sample("INC-1")
	want := x.Clone()
	mustCreate(t, s, x)
	scribble(x)
	check("the value passed to Create", want)

	got := mustGet(t, s, "INC-1")
	scribble(got)
	check("a value returned by Get", want)

	y := next(want, func(y *incident.Incident) { y.State = incident.StateResolved })
	want = y.Clone()
	if err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: y, Expected: 1}); err != nil {
		fatal(t, clauseUpdate, "Update: %v", err)
	}
	scribble(y)
	check("the value passed to Update", want)

	page, err := s.List(ctx, incident.Filter{})
	if err != nil || len(page.Incidents) != 1 {
		fatal(t, clauseListFilter, "List of one incident returned (%d items, %v)", len(page.Incidents), err)
	}
	scribble(page.Incidents[0])
	check("a value returned by List", want)

	rs, err := s.ResolvedBefore(ctx, want.UpdatedAt.Add(time.Hour), 10)
	if err != nil || len(rs) != 1 {
		fatal(t, clauseResolved, "ResolvedBefore of one resolved incident returned (%d items, %v)", len(rs), err)
	}
	scribble(rs[0])
	check("a value returned by ResolvedBefore", want)
}

func ids(xs []*incident.Incident) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = x.ID
	}
	return out
}

// listAll pages through f and returns every ID, failing on a page that is
// too large or a cursor loop.
func listAll(t *testing.T, s incident.Store, f incident.Filter) []string {
	t.Helper()
	var all []string
	for pages := 0; ; pages++ {
		if pages > 10000 {
			fatal(t, clauseListOrder, "List never returned an empty Next")
		}
		page, err := s.List(context.Background(), f)
		if err != nil {
			fatal(t, clauseListFilter, "List(%+v): %v", f, err)
		}
		if len(page.Incidents) > f.PageSize() {
			breach(t, clauseListSize, "List with Limit %d returned %d items", f.Limit, len(page.Incidents))
		}
		all = append(all, ids(page.Incidents)...)
		if page.Next == "" {
			return all
		}
		f.After = page.Next
	}
}

func testListPaging(t *testing.T, s incident.Store) {
	var want []string
	for _, i := range rand.Perm(25) {
		id := fmt.Sprintf("INC-%03d", i)
		mustCreate(t, s, sample(id))
		want = append(want, id)
	}
	slices.Sort(want)
	for _, limit := range []int{1, 7, 25, 26, 0} {
		got := listAll(t, s, incident.Filter{Limit: limit})
		if !slices.Equal(got, want) {
			breach(t, clauseListOrder, "paging with Limit %d gave\n %v\nwant\n %v", limit, got, want)
		}
	}
	// The last page's Next is empty even when it is full.
	page, err := s.List(context.Background(), incident.Filter{Limit: 25})
	if err != nil || len(page.Incidents) != 25 || page.Next != "" {
		breach(t, clauseListOrder, "List with Limit 25 of 25 incidents returned (%d items, cursor %q, %v)", len(page.Incidents), page.Next, err)
	}
	// Paging while incidents change does not skip or repeat those that
	// still match.
	f := incident.Filter{Limit: 5, States: []incident.State{incident.StateNew}}
	page, err = s.List(context.Background(), f)
	if err != nil {
		fatal(t, clauseListFilter, "List: %v", err)
	}
	seen := ids(page.Incidents)
	for _, x := range page.Incidents { // move the first page out of the filter
		y := next(x, func(y *incident.Incident) { y.State = incident.StateInProgress })
		if err := s.Commit(context.Background(), lifecycle.Write[*incident.Incident]{Record: y, Expected: x.Version}); err != nil {
			fatal(t, clauseUpdate, "Update: %v", err)
		}
	}
	f.After = page.Next
	seen = append(seen, listAll(t, s, f)...)
	if !slices.Equal(seen, want) {
		breach(t, clauseListOrder, "paging while the first page's incidents changed state gave\n %v\nwant\n %v", seen, want)
	}
}

func testListPageSize(t *testing.T, s incident.Store) {
	for i := range incident.MaxLimit + 1 {
		mustCreate(t, s, sample(fmt.Sprintf("INC-%05d", i)))
	}
	for _, c := range []struct{ limit, want int }{{0, incident.DefaultLimit}, {-5, incident.DefaultLimit}, {incident.MaxLimit + 500, incident.MaxLimit}, {incident.MaxLimit, incident.MaxLimit}, {3, 3}} {
		page, err := s.List(context.Background(), incident.Filter{Limit: c.limit})
		if err != nil {
			fatal(t, clauseListSize, "List: %v", err)
		}
		if len(page.Incidents) != c.want || page.Next == "" {
			breach(t, clauseListSize, "List with Limit %d of %d incidents returned %d items (cursor %q), want %d and a cursor", c.limit, incident.MaxLimit+1, len(page.Incidents), page.Next, c.want)
		}
	}
	got := listAll(t, s, incident.Filter{Limit: incident.MaxLimit})
	if len(got) != incident.MaxLimit+1 || !slices.IsSorted(got) {
		breach(t, clauseListOrder, "paging through %d incidents returned %d, sorted: %v", incident.MaxLimit+1, len(got), slices.IsSorted(got))
	}
}

func testListFilters(t *testing.T, s incident.Store) {
	type spec struct {
		id       string
		state    incident.State
		assignee string
		group    string
		prio     lifecycle.Priority
		major    incident.MajorStatus
		parent   string
	}
	specs := []spec{
		{"INC-A", incident.StateNew, "", "desk", 5, "", ""},
		{"INC-B", incident.StateInProgress, "ann", "desk", 3, "", ""},
		{"INC-C", incident.StateInProgress, "bob", "network", 1, incident.MajorAccepted, ""},
		{"INC-D", incident.StateOnHold, "ann", "network", 2, incident.MajorProposed, "INC-C"},
		{"INC-E", incident.StateResolved, "bob", "desk", 3, incident.MajorRejected, "INC-C"},
		{"INC-F", incident.StateClosed, "ann", "desk", 4, "", "INC-B"},
		{"INC-G", incident.StateCanceled, "", "", 5, "", ""},
	}
	for _, sp := range specs {
		x := inState(sample(sp.id), sp.state)
		x.Assignee, x.Group, x.Priority, x.Major, x.Parent = sp.assignee, sp.group, sp.prio, sp.major, sp.parent
		mustCreate(t, s, x)
	}
	for _, c := range []struct {
		f    incident.Filter
		want []string
	}{
		{incident.Filter{}, []string{"INC-A", "INC-B", "INC-C", "INC-D", "INC-E", "INC-F", "INC-G"}},
		{incident.Filter{States: []incident.State{incident.StateInProgress}}, []string{"INC-B", "INC-C"}},
		{incident.Filter{States: []incident.State{incident.StateNew, incident.StateOnHold, incident.StateCanceled}}, []string{"INC-A", "INC-D", "INC-G"}},
		{incident.Filter{Assignee: "ann"}, []string{"INC-B", "INC-D", "INC-F"}},
		{incident.Filter{Group: "network"}, []string{"INC-C", "INC-D"}},
		{incident.Filter{Priorities: []lifecycle.Priority{1, 2}}, []string{"INC-C", "INC-D"}},
		{incident.Filter{Priorities: []lifecycle.Priority{3}}, []string{"INC-B", "INC-E"}},
		{incident.Filter{Major: []incident.MajorStatus{incident.MajorAccepted}}, []string{"INC-C"}},
		{incident.Filter{Major: []incident.MajorStatus{"", incident.MajorRejected}}, []string{"INC-A", "INC-B", "INC-E", "INC-F", "INC-G"}},
		{incident.Filter{Parent: "INC-C"}, []string{"INC-D", "INC-E"}},
		{incident.Filter{Parent: "INC-C", States: []incident.State{incident.StateOnHold}}, []string{"INC-D"}},
		{incident.Filter{Group: "desk", Assignee: "ann", States: []incident.State{incident.StateClosed}}, []string{"INC-F"}},
		{incident.Filter{Group: "desk", Assignee: "ann", States: []incident.State{incident.StateNew}}, nil},
		{incident.Filter{Parent: "INC-NOBODY"}, nil},
		{incident.Filter{Parent: "INC-C", Limit: 1}, []string{"INC-D", "INC-E"}},
	} {
		if got := listAll(t, s, c.f); !slices.Equal(got, c.want) {
			breach(t, clauseListFilter, "List(%+v) gave %v, want %v", c.f, got, c.want)
		}
	}
}

func testListParentUpdates(t *testing.T, s incident.Store) {
	ctx := context.Background()
	child := sample("INC-CHILD")
	child.Parent = "INC-P1"
	mustCreate(t, s, child)
	moved := next(child, func(y *incident.Incident) { y.Parent = "INC-P2" })
	if err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: moved, Expected: 1}); err != nil {
		fatal(t, clauseUpdate, "Update: %v", err)
	}
	if got := listAll(t, s, incident.Filter{Parent: "INC-P1"}); len(got) != 0 {
		breach(t, clauseListFilter, "List(Parent: INC-P1) after the child moved to INC-P2 gave %v", got)
	}
	if got := listAll(t, s, incident.Filter{Parent: "INC-P2"}); !slices.Equal(got, []string{"INC-CHILD"}) {
		breach(t, clauseListFilter, "List(Parent: INC-P2) after the child moved there gave %v", got)
	}
}

func testResolvedBefore(t *testing.T, s incident.Store) {
	ctx := context.Background()
	mk := func(id string, state incident.State, major incident.MajorStatus, age time.Duration) {
		x := inState(sample(id), state)
		x.Major = major
		x.UpdatedAt = t0.Add(-age)
		mustCreate(t, s, x)
	}
	day := 24 * time.Hour
	mk("INC-01", incident.StateResolved, "", 10*day)
	mk("INC-02", incident.StateResolved, "", 8*day)
	mk("INC-03", incident.StateResolved, "", 10*day) // same age as INC-01: after it by ID
	mk("INC-04", incident.StateResolved, "", 7*day)  // exactly at the cutoff: not before it
	mk("INC-05", incident.StateResolved, "", day)    // too recent
	mk("INC-06", incident.StateClosed, "", 30*day)   // not resolved
	mk("INC-07", incident.StateInProgress, "", 30*day)
	mk("INC-08", incident.StateResolved, incident.MajorAccepted, 30*day) // major: excluded
	mk("INC-09", incident.StateResolved, incident.MajorProposed, 9*day)  // only a candidate: included
	mk("INC-10", incident.StateResolved, incident.MajorRejected, 12*day)

	cutoff := t0.Add(-7 * day)
	got, err := s.ResolvedBefore(ctx, cutoff, 0)
	if err != nil {
		fatal(t, clauseResolved, "ResolvedBefore: %v", err)
	}
	want := []string{"INC-10", "INC-01", "INC-03", "INC-09", "INC-02"}
	if !slices.Equal(ids(got), want) {
		breach(t, clauseResolved, "ResolvedBefore(now-7d) gave %v, want %v", ids(got), want)
	}
	got, err = s.ResolvedBefore(ctx, cutoff, 2)
	if err != nil || !slices.Equal(ids(got), want[:2]) {
		breach(t, clauseResolved, "ResolvedBefore(now-7d, limit 2) gave (%v, %v), want %v", ids(got), err, want[:2])
	}
	got, err = s.ResolvedBefore(ctx, t0.Add(-100*day), 10)
	if err != nil || len(got) != 0 {
		breach(t, clauseResolved, "ResolvedBefore before everything gave (%v, %v), want none", ids(got), err)
	}
}

func testConcurrentCreates(t *testing.T, s incident.Store) {
	ctx := context.Background()
	const n = 32
	var wg sync.WaitGroup
	errs := make([]error, n)
	dupErrs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: sample(fmt.Sprintf("INC-%02d", i))})
			dupErrs[i] = s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: sample("INC-SAME")})
		})
	}
	wg.Wait()
	wins := 0
	for i := range n {
		if errs[i] != nil {
			breach(t, clauseConcurrent, "concurrent Create of distinct INC-%02d: %v", i, errs[i])
		}
		switch {
		case dupErrs[i] == nil:
			wins++
		case !errors.Is(dupErrs[i], lifecycle.ErrConflict):
			breach(t, clauseCreateExists, "concurrent Create of one ID returned %v", dupErrs[i])
		}
	}
	if wins != 1 {
		breach(t, clauseConcurrent, "%d of %d concurrent Creates of one ID succeeded, want 1", wins, n)
	}
	if got := listAll(t, s, incident.Filter{Limit: incident.MaxLimit}); len(got) != n+1 {
		breach(t, clauseConcurrent, "after %d concurrent Creates List has %d incidents", n+1, len(got))
	}
}

func testConcurrentUpdates(t *testing.T, s incident.Store) {
	ctx := context.Background()
	x := sample("INC-1")
	mustCreate(t, s, x)
	const writers = 16
	for round := range 5 {
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for w := range writers {
			wg.Go(func() {
				y := next(x, func(y *incident.Incident) { y.Assignee = fmt.Sprintf("w%d-%d", round, w) })
				errs[w] = s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: y, Expected: x.Version})
			})
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, lifecycle.ErrConflict):
				breach(t, clauseUpdateStale, "a losing concurrent Update returned %v", err)
			}
		}
		if wins != 1 {
			fatal(t, clauseConcurrent, "round %d: %d of %d concurrent Updates with expected %d succeeded, want 1", round, wins, writers, x.Version)
		}
		x = mustGet(t, s, "INC-1")
		if x.Version != int64(round+2) || len(x.History) != round+2 {
			fatal(t, clauseConcurrent, "round %d: stored version %d with %d records, want %d", round, x.Version, len(x.History), round+2)
		}
	}
}
