package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/itsmkit/itsm/change"
	"github.com/itsmkit/itsm/incident"
	"github.com/itsmkit/itsm/lifecycle"
	"github.com/itsmkit/itsm/lifecycle/lifecycletest"
	"github.com/itsmkit/itsm/problem"
)

// filterData is one data set held twice: by the core's in-memory stores,
// which define what List means, and by a SQLite database.
type filterData struct {
	memStores
	db *DB
}

// Values the data set uses, and so the fuzzed filters pick from (with
// values no record has, and text no database column can hold).
var (
	fzGroups    = []string{"desk", "network", "dba", "", "nobody", "d\x00esk", "\xff"}
	fzPeople    = []string{"ann", "bob", "cy", "", "zed", "ann\x00", "b\xc3"}
	fzServices  = []string{"mail", "vpn", "", "web", "m\x00"}
	fzItems     = []string{"mx1", "gw1", "db1", "", "ci9", "\xed\xa0\x80"}
	fzIDs       = []string{"INC0001", "INC0007", "INC0012", "PRB0003", "CHG0004", "", "INC\x00", "\xff", "INC0007\xff"}
	fzTerms     = []string{"spool", "disk", "vpn", "Spool Disk", "nothing", "\x00", "é", "queue\xff"}
	fzIncStates = append(incident.States(), "bogus", "\x00")
	fzPrbStates = append(problem.States(), "bogus", "\x00")
	fzChgStates = []change.State{change.StateNew, change.StateAssess, change.StateAuthorize, change.StateCanceled, "bogus", "\x00"}
	fzTypes     = []change.Type{change.Normal, change.Emergency, change.Standard, "bogus"}
	fzMajor     = []incident.MajorStatus{"", incident.MajorProposed, incident.MajorAccepted, incident.MajorRejected, "bogus"}
)

var (
	filterDataOnce sync.Once
	filterDataSet  *filterData
	filterDataErr  error
)

// loadFilterData builds the data set once per process: records made by
// the services over the in-memory stores, then copied into SQLite.
func loadFilterData() (*filterData, error) {
	filterDataOnce.Do(func() { filterDataSet, filterDataErr = buildFilterData() })
	return filterDataSet, filterDataErr
}

func buildFilterData() (*filterData, error) {
	ctx := context.Background()
	d := &filterData{memStores: newMemStores()}
	clock := lifecycletest.NewClock(t0)
	boss := lifecycle.Actor{ID: "boss", Roles: []string{incident.RoleMajorIncidentManager}}
	inc, err := incident.New(incident.Config{Store: d.incidents, Clock: clock, IDs: lifecycle.Sequence("INC", 4)})
	if err != nil {
		return nil, err
	}
	var parents []string
	for i := range 24 {
		clock.Advance(time.Minute)
		open := incident.Open{Title: fmt.Sprintf("incident %d", i), Impact: lifecycle.Impact(i%3 + 1),
			Urgency: lifecycle.Urgency(i/3%3 + 1), Service: fzServices[i%2]}
		if i%5 == 4 && len(parents) > 0 {
			open.Parent = parents[i%len(parents)]
		}
		x, err := inc.Open(ctx, agent, open)
		if err != nil {
			return nil, fmt.Errorf("open %d: %w", i, err)
		}
		if i%7 == 6 {
			continue // stays new
		}
		if _, err := inc.Assign(ctx, agent, incident.Assign{ID: x.ID, Group: fzGroups[i%3], Assignee: fzPeople[i%3]}); err != nil {
			return nil, err
		}
		switch i % 6 {
		case 1:
			_, err = inc.Hold(ctx, agent, incident.Hold{ID: x.ID, Reason: incident.HoldAwaitingVendor})
		case 2:
			_, err = inc.Resolve(ctx, agent, incident.Resolve{ID: x.ID, Code: incident.CodeSolutionProvided, Notes: "fixed"})
		case 3:
			_, err = inc.Cancel(ctx, agent, incident.Cancel{ID: x.ID, Reason: "duplicate"})
		case 5:
			if _, err = inc.ProposeMajor(ctx, agent, incident.ProposeMajor{ID: x.ID, Reason: "wide"}); err == nil && i%4 == 1 {
				_, err = inc.AcceptMajor(ctx, boss, incident.AcceptMajor{ID: x.ID})
			}
		default:
			if open.Parent == "" {
				parents = append(parents, x.ID)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("incident %d: %w", i, err)
		}
	}

	prb, err := problem.New(problem.Config{Store: d.problems, Clock: clock, IDs: lifecycle.Sequence("PRB", 4)})
	if err != nil {
		return nil, err
	}
	for i := range 16 {
		clock.Advance(time.Minute)
		p, err := prb.Open(ctx, agent, problem.Open{Title: fmt.Sprintf("Spool %d is full", i), Impact: lifecycle.Impact(i%3 + 1),
			Urgency: lifecycle.Urgency(i%2 + 1), Service: fzServices[i%3], ConfigItem: fzItems[i%3],
			Symptom: "Queue grows", Incidents: []string{fzIDs[i%3]}})
		if err != nil {
			return nil, fmt.Errorf("problem %d: %w", i, err)
		}
		if i%4 == 0 {
			continue
		}
		if _, err := prb.Assess(ctx, agent, problem.Assess{ID: p.ID, Group: fzGroups[i%3]}); err != nil {
			return nil, err
		}
		if i%4 == 1 {
			continue
		}
		if _, err := prb.Confirm(ctx, agent, problem.Confirm{ID: p.ID, Assignee: fzPeople[i%3]}); err != nil {
			return nil, err
		}
		if i%4 == 3 {
			if _, err := prb.RecordKnownError(ctx, agent, problem.RecordKnownError{ID: p.ID,
				RootCause: "Disk of the VPN spool", Workaround: fmt.Sprintf("Purge queue %d", i)}); err != nil {
				return nil, err
			}
		}
	}

	chg, err := change.New(change.Config{Store: d.changes, Clock: clock, IDs: lifecycle.Sequence("CHG", 4)})
	if err != nil {
		return nil, err
	}
	for i := range 16 {
		clock.Advance(time.Minute)
		requester := lifecycle.Actor{ID: fzPeople[i%3]}
		typ := change.Normal
		if i%4 == 3 {
			typ = change.Emergency
		}
		c, err := chg.Create(ctx, requester, change.Create{Type: typ, Title: fmt.Sprintf("change %d", i),
			ConfigItems:  []string{fzItems[i%3], fzItems[(i+1)%3]},
			Plans:        change.Plans{Implementation: "do", Backout: "undo", Test: "check"},
			PlannedStart: t0.Add(time.Duration(i+1) * 24 * time.Hour), PlannedEnd: t0.Add(time.Duration(i+1)*24*time.Hour + time.Hour)})
		if err != nil {
			return nil, fmt.Errorf("change %d: %w", i, err)
		}
		if i%3 == 1 {
			if _, err := chg.Assign(ctx, agent, change.Assign{ID: c.ID, Group: "cab", Assignee: fzPeople[(i+1)%3]}); err != nil {
				return nil, err
			}
		}
		switch i % 5 {
		case 1, 2:
			if typ == change.Normal {
				_, err = chg.Assess(ctx, requester, change.Assess{ID: c.ID})
			} else {
				_, err = chg.RequestApproval(ctx, requester, change.RequestApproval{ID: c.ID})
			}
		case 3:
			_, err = chg.Cancel(ctx, requester, change.Cancel{ID: c.ID, Reason: "not needed"})
		}
		if err != nil {
			return nil, fmt.Errorf("change %d: %w", i, err)
		}
	}

	db, err := Open(ctx, ":memory:")
	if err != nil {
		return nil, err
	}
	d.db = db
	if err := d.copyTo(ctx, db); err != nil {
		return nil, err
	}
	return d, nil
}

// picker turns fuzz bytes into choices.
type picker struct{ b []byte }

func (p *picker) byte() byte {
	if len(p.b) == 0 {
		return 0
	}
	c := p.b[0]
	p.b = p.b[1:]
	return c
}

// one picks an element of vs, or the zero value.
func one[T any](p *picker, vs []T) T {
	var zero T
	c := int(p.byte())
	if c%4 == 0 {
		return zero
	}
	return vs[c%len(vs)]
}

// some picks a few elements of vs (repeats allowed), possibly none.
func some[T any](p *picker, vs []T) []T {
	var out []T
	for range p.byte() % 4 {
		out = append(out, vs[int(p.byte())%len(vs)])
	}
	return out
}

// after picks a cursor: none, a record's ID, or the fuzzer's own bytes.
func (p *picker) after(free string) string {
	switch p.byte() % 3 {
	case 1:
		return one(p, fzIDs)
	case 2:
		return free
	}
	return ""
}

func (p *picker) limit() int { return []int{0, 1, 2, 3, 5, -1, 1 << 40}[int(p.byte())%7] }

// FuzzListFilters checks that the SQL translation of every List filter
// (and of the known-error search) answers what the core's in-memory stores
// answer on the same records: the same IDs and versions, page by page,
// with the same cursors. Filters mix the data's values with values no
// record has, text no column can hold, and cursors of any bytes.
func FuzzListFilters(f *testing.F) {
	for _, seed := range []struct {
		choices      []byte
		after, terms string
	}{
		{[]byte{0}, "", ""},
		{[]byte{0, 1, 2, 1, 1, 1, 1, 1, 1, 1, 5}, "INC0005", "spool"},
		{[]byte{1, 3, 1, 2, 3, 2, 1, 1, 2}, "PRB\xff", "disk vpn"},
		{[]byte{2, 2, 0, 1, 1, 2, 2, 1, 1, 2}, "CHG0003\x00", "queue"},
		{[]byte{3, 1, 1, 2, 0, 3}, "", "Purge 3"},
	} {
		f.Add(seed.choices, seed.after, seed.terms)
	}
	d, err := loadFilterData()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, choices []byte, free, terms string) {
		ctx := context.Background()
		p := &picker{b: choices}
		switch p.byte() % 4 {
		case 0:
			flt := incident.Filter{
				States: some(p, fzIncStates), Assignee: one(p, fzPeople), Group: one(p, fzGroups),
				Priorities: some(p, []lifecycle.Priority{0, 1, 2, 3, 4, 5, 6}), Major: some(p, fzMajor),
				Parent: one(p, fzIDs), After: p.after(free), Limit: p.limit(),
			}
			compareIncidents(t, fmt.Sprintf("incidents %+v", flt), flt, d.incidents, d.db)
		case 1:
			flt := problem.Filter{
				States: some(p, fzPrbStates), Group: one(p, fzGroups), Assignee: one(p, fzPeople),
				Service: one(p, fzServices), ConfigItem: one(p, fzItems),
				Priority: lifecycle.Priority(p.byte() % 7), Incident: one(p, fzIDs), KnownError: p.byte()%2 == 1,
				After: p.after(free), Limit: p.limit(),
			}
			compareProblems(t, fmt.Sprintf("problems %+v", flt), flt, d.problems, d.db)
		case 2:
			flt := change.Filter{
				States: some(p, fzChgStates), Types: some(p, fzTypes), Requester: one(p, fzPeople),
				Assignee: one(p, fzPeople), ConfigItem: one(p, fzItems), After: p.after(free), Limit: p.limit(),
			}
			compareChanges(t, fmt.Sprintf("changes %+v", flt), flt, d.changes, d.db)
		default:
			q := problem.KnownErrorQuery{Text: terms + " " + one(p, fzTerms), Service: one(p, fzServices),
				ConfigItem: one(p, fzItems), Limit: p.limit()}
			want, err := d.problems.SearchKnownErrors(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got, err := d.db.Problems().SearchKnownErrors(ctx, q)
			if err != nil {
				t.Fatalf("SearchKnownErrors(%+v): %v", q, err)
			}
			key := func(x *problem.Problem) string { return idAtVersion(x.ID, x.Version) }
			if w, g := keys(want, key), keys(got, key); !slices.Equal(w, g) {
				t.Fatalf("SearchKnownErrors(%#v):\nSQL    %v\nmemory %v", q, g, w)
			}
		}
	})
}

// comparePages pages through both stores from after and fails at the first
// page where they differ.
func comparePages[T any](t *testing.T, what, after string, want, got func(after string) ([]T, string, error), key func(T) string) {
	t.Helper()
	wantAfter, gotAfter := after, after
	for page := 0; ; page++ {
		w, wNext, err := want(wantAfter)
		if err != nil {
			t.Fatalf("%s: memory: %v", what, err)
		}
		g, gNext, err := got(gotAfter)
		if err != nil {
			t.Fatalf("%s: SQL: %v", what, err)
		}
		if wk, gk := keys(w, key), keys(g, key); !slices.Equal(wk, gk) || wNext != gNext {
			t.Fatalf("%s, page %d after %q:\nSQL    %v next %q\nmemory %v next %q", what, page, gotAfter, gk, gNext, wk, wNext)
		}
		if wNext == "" || page > 100 {
			return
		}
		wantAfter, gotAfter = wNext, gNext
	}
}

func keys[T any](xs []T, key func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = key(x)
	}
	return out
}

// TestFilterDataVaries keeps FuzzListFilters meaningful: its data set has
// records on both sides of every filter it fuzzes.
func TestFilterDataVaries(t *testing.T) {
	d, err := loadFilterData()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	count := func(n int, err error) int {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	inc := func(f incident.Filter) int {
		f.Limit = incident.MaxLimit
		pg, err := d.db.Incidents().List(ctx, f)
		return count(len(pg.Incidents), err)
	}
	prb := func(f problem.Filter) int {
		f.Limit = 1000
		pg, err := d.db.Problems().List(ctx, f)
		return count(len(pg.Problems), err)
	}
	chg := func(f change.Filter) int {
		f.Limit = change.MaxLimit
		pg, err := d.db.Changes().List(ctx, f)
		return count(len(pg.Changes), err)
	}
	all := inc(incident.Filter{})
	for name, n := range map[string]int{
		"new":        inc(incident.Filter{States: []incident.State{incident.StateNew}}),
		"on hold":    inc(incident.Filter{States: []incident.State{incident.StateOnHold}}),
		"resolved":   inc(incident.Filter{States: []incident.State{incident.StateResolved}}),
		"canceled":   inc(incident.Filter{States: []incident.State{incident.StateCanceled}}),
		"group":      inc(incident.Filter{Group: "desk"}),
		"assignee":   inc(incident.Filter{Assignee: "bob"}),
		"priority 1": inc(incident.Filter{Priorities: []lifecycle.Priority{1}}),
		"accepted":   inc(incident.Filter{Major: []incident.MajorStatus{incident.MajorAccepted}}),
		"proposed":   inc(incident.Filter{Major: []incident.MajorStatus{incident.MajorProposed}}),
		"children":   inc(incident.Filter{Parent: "INC0001"}),
	} {
		if n == 0 || n == all {
			t.Errorf("incidents %s: %d of %d", name, n, all)
		}
	}
	all = prb(problem.Filter{})
	for name, n := range map[string]int{
		"assess":      prb(problem.Filter{States: []problem.State{problem.StateAssess}}),
		"known error": prb(problem.Filter{KnownError: true}),
		"incident":    prb(problem.Filter{Incident: "INC0007"}),
		"service":     prb(problem.Filter{Service: "vpn"}),
		"group":       prb(problem.Filter{Group: "network"}),
	} {
		if n == 0 || n == all {
			t.Errorf("problems %s: %d of %d", name, n, all)
		}
	}
	all = chg(change.Filter{})
	for name, n := range map[string]int{
		"emergency": chg(change.Filter{Types: []change.Type{change.Emergency}}),
		"canceled":  chg(change.Filter{States: []change.State{change.StateCanceled}}),
		"assess":    chg(change.Filter{States: []change.State{change.StateAssess}}),
		"requester": chg(change.Filter{Requester: "bob"}),
		"assignee":  chg(change.Filter{Assignee: "cy"}),
		"item":      chg(change.Filter{ConfigItem: "db1"}),
	} {
		if n == 0 || n == all {
			t.Errorf("changes %s: %d of %d", name, n, all)
		}
	}
}
