package incidenttest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
)

// The clauses of the incident.Store contract that TestStore checks beyond
// those every store shares, quoted in its failures.
const (
	clauseRoundTrip  = "values stored come back equal to what was stored (times equal as instants)"
	clauseCopy       = "values are copied in and out: a caller changing an Incident after or between calls never changes stored state"
	clauseListOrder  = "List returns matching incidents in ascending ID order; paging with Next never repeats nor skips one; Next is empty on the last page"
	clauseListSize   = "List returns at most the filter's page size: Limit < 1 means DefaultLimit (100), above MaxLimit (1000) means MaxLimit"
	clauseListFilter = "List returns exactly the incidents matching the filter (Filter.Matches); no match is an empty page, not an error"
	clauseResolved   = "ResolvedBefore returns incidents in state resolved with UpdatedAt before t, except accepted major incidents, oldest UpdatedAt first (ties by ID), at most limit"
)

// Kit returns the lifecycletest.RecordKit of the stores newStore makes:
// the kit TestStore runs lifecycletest.TestRecords with, for a host's own
// runs of the shared suites, such as lifecycletest.TestOutbox over a
// store that is an outbox.
func Kit(newStore func(t *testing.T) incident.Store) lifecycletest.RecordKit[*incident.Incident] {
	return lifecycletest.RecordKit[*incident.Incident]{
		New:    func(t *testing.T) lifecycle.RecordStore[*incident.Incident] { return newStore(t) },
		Record: record,
		Key:    func(x *incident.Incident) (string, int64) { return x.ID, x.Version },
		List: func(ctx context.Context, s lifecycle.RecordStore[*incident.Incident], after string, limit int) ([]*incident.Incident, string, error) {
			p, err := s.(incident.Store).List(ctx, incident.Filter{After: after, Limit: limit})
			return p.Incidents, p.Next, err
		},
		DefaultLimit: incident.DefaultLimit,
		MaxLimit:     incident.MaxLimit,
		Scope: lifecycletest.ScopeKit[*incident.Incident]{
			List: func(ctx context.Context, s lifecycle.RecordStore[*incident.Incident], scope lifecycle.Scope, after string, limit int) ([]*incident.Incident, string, error) {
				p, err := s.(incident.Store).List(ctx, incident.Filter{Scope: scope, After: after, Limit: limit})
				return p.Incidents, p.Next, err
			},
			Place: func(x *incident.Incident, tenant, caller, assignee, group string) *incident.Incident {
				x.Tenant, x.Caller, x.Assignee, x.Group = tenant, caller, assignee, group
				return x
			},
		},
		Queries: map[string]func(context.Context, lifecycle.RecordStore[*incident.Incident]) error{
			"ResolvedBefore": func(ctx context.Context, s lifecycle.RecordStore[*incident.Incident]) error {
				_, err := s.(incident.Store).ResolvedBefore(ctx, t0, 1)
				return err
			},
		},
	}
}

// TestStore is the conformance suite for incident.Store implementations:
// lifecycletest.TestRecords, the clauses every store shares (versions,
// conflicts, not-found, copies, List's order and page size, concurrent
// writers, read sets, history and journal), then the incident's own:
// List's filters, ResolvedBefore, and a sparse incident's round trip.
// newStore must return a new, empty store each time it is called (each
// subtest calls it once). Every failure quotes the clause of the contract
// that was broken.
//
// Stored times are compared as instants, so a store may return them in
// another location; the suite uses whole seconds, so microsecond storage
// precision is enough.
func TestStore(t *testing.T, newStore func(t *testing.T) incident.Store) {
	t.Helper()
	lifecycletest.TestRecords(t, Kit(newStore))
	for _, c := range []struct {
		name string
		fn   func(t *testing.T, s incident.Store)
	}{
		{"CreateGetSparse", testCreateGetSparse},
		{"ListPagingWhileStatesChange", testListPaging},
		{"ListFilters", testListFilters},
		{"ListParentFollowsUpdates", testListParentUpdates},
		{"ResolvedBefore", testResolvedBefore},
	} {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newStore(t)) })
	}
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

// record returns the incident id at version: sample(id), then one update
// per version, each taking it (or keeping it) in progress with a new
// assignee and one more problem.
func record(id string, version int64) *incident.Incident {
	x := sample(id)
	for x.Version < version {
		x = next(x, func(y *incident.Incident) {
			y.State = incident.StateInProgress
			y.Assignee = fmt.Sprintf("agent-%d", y.Version)
			y.Problems = append(y.Problems, fmt.Sprintf("PRB%d", y.Version+1))
		})
	}
	return x
}

// testCreateGetSparse: an incident with nil slices and zero times
// round-trips too.
func testCreateGetSparse(t *testing.T, s incident.Store) {
	y := &incident.Incident{ID: "INC-2", Version: 1, State: incident.StateNew, Title: "t", Impact: 3, Urgency: 3, Priority: 5, CreatedAt: t0, UpdatedAt: t0}
	lifecycletest.MustCreate(t, s, y)
	if d := lifecycletest.Difference(lifecycletest.MustGet(t, s, "INC-2"), y); d != "" {
		lifecycletest.Breach(t, clauseRoundTrip, "Get after Create of a sparse incident: %s", d)
	}
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
			lifecycletest.Fatal(t, clauseListOrder, "List never returned an empty Next")
		}
		page, err := s.List(context.Background(), f)
		if err != nil {
			lifecycletest.Fatal(t, clauseListFilter, "List(%+v): %v", f, err)
		}
		if len(page.Incidents) > f.PageSize() {
			lifecycletest.Breach(t, clauseListSize, "List with Limit %d returned %d items", f.Limit, len(page.Incidents))
		}
		all = append(all, ids(page.Incidents)...)
		if page.Next == "" {
			return all
		}
		f.After = page.Next
	}
}

// testListPaging: paging while incidents change does not skip or repeat
// those that still match.
func testListPaging(t *testing.T, s incident.Store) {
	var want []string
	for _, i := range rand.Perm(25) {
		id := fmt.Sprintf("INC-%03d", i)
		lifecycletest.MustCreate(t, s, sample(id))
		want = append(want, id)
	}
	slices.Sort(want)
	// Paging while incidents change does not skip or repeat those that
	// still match.
	f := incident.Filter{Limit: 5, States: []incident.State{incident.StateNew}}
	page, err := s.List(context.Background(), f)
	if err != nil {
		lifecycletest.Fatal(t, clauseListFilter, "List: %v", err)
	}
	seen := ids(page.Incidents)
	for _, x := range page.Incidents { // move the first page out of the filter
		y := next(x, func(y *incident.Incident) { y.State = incident.StateInProgress })
		if err := s.Commit(context.Background(), lifecycle.Write[*incident.Incident]{Record: y, Expected: x.Version}); err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	f.After = page.Next
	seen = append(seen, listAll(t, s, f)...)
	if !slices.Equal(seen, want) {
		lifecycletest.Breach(t, clauseListOrder, "paging while the first page's incidents changed state gave\n %v\nwant\n %v", seen, want)
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
		lifecycletest.MustCreate(t, s, x)
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
			lifecycletest.Breach(t, clauseListFilter, "List(%+v) gave %v, want %v", c.f, got, c.want)
		}
	}
}

func testListParentUpdates(t *testing.T, s incident.Store) {
	ctx := context.Background()
	child := sample("INC-CHILD")
	child.Parent = "INC-P1"
	lifecycletest.MustCreate(t, s, child)
	moved := next(child, func(y *incident.Incident) { y.Parent = "INC-P2" })
	if err := s.Commit(ctx, lifecycle.Write[*incident.Incident]{Record: moved, Expected: 1}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got := listAll(t, s, incident.Filter{Parent: "INC-P1"}); len(got) != 0 {
		lifecycletest.Breach(t, clauseListFilter, "List(Parent: INC-P1) after the child moved to INC-P2 gave %v", got)
	}
	if got := listAll(t, s, incident.Filter{Parent: "INC-P2"}); !slices.Equal(got, []string{"INC-CHILD"}) {
		lifecycletest.Breach(t, clauseListFilter, "List(Parent: INC-P2) after the child moved there gave %v", got)
	}
}

func testResolvedBefore(t *testing.T, s incident.Store) {
	ctx := context.Background()
	mk := func(id string, state incident.State, major incident.MajorStatus, age time.Duration) {
		x := inState(sample(id), state)
		x.Major = major
		x.UpdatedAt = t0.Add(-age)
		lifecycletest.MustCreate(t, s, x)
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
		lifecycletest.Fatal(t, clauseResolved, "ResolvedBefore: %v", err)
	}
	want := []string{"INC-10", "INC-01", "INC-03", "INC-09", "INC-02"}
	if !slices.Equal(ids(got), want) {
		lifecycletest.Breach(t, clauseResolved, "ResolvedBefore(now-7d) gave %v, want %v", ids(got), want)
	}
	got, err = s.ResolvedBefore(ctx, cutoff, 2)
	if err != nil || !slices.Equal(ids(got), want[:2]) {
		lifecycletest.Breach(t, clauseResolved, "ResolvedBefore(now-7d, limit 2) gave (%v, %v), want %v", ids(got), err, want[:2])
	}
	got, err = s.ResolvedBefore(ctx, t0.Add(-100*day), 10)
	if err != nil || len(got) != 0 {
		lifecycletest.Breach(t, clauseResolved, "ResolvedBefore before everything gave (%v, %v), want none", ids(got), err)
	}
	got, err = s.ResolvedBefore(ctx, cutoff, 1)
	if err != nil || len(got) != 1 {
		lifecycletest.Fatal(t, clauseResolved, "ResolvedBefore(now-7d, limit 1) gave (%v, %v)", ids(got), err)
	}
	want0 := lifecycletest.MustGet(t, s, got[0].ID)
	lifecycletest.Scribble(got[0])
	if d := lifecycletest.Difference(lifecycletest.MustGet(t, s, want0.ID), want0); d != "" {
		lifecycletest.Breach(t, clauseCopy, "changing a value returned by ResolvedBefore changed the stored incident: %s", d)
	}
}
